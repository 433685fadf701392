"""Workforce: dropout hazards, replacement, role rotation, learning."""

import numpy as np
import pytest

from sim.mechanisms import workforce
from tests.mech_helpers import world_with_units


def test_constant_dropout_hazard_gives_geometric_member_survival():
    """500 units x 10 members, 10 %/year marriage only, no replacement: after k months the
    share still in post is (1-h)^k with h the monthly hazard. Tolerance 0.015 over 5,000
    members (3 standard errors at p=0.5 is 0.021) at each of 12, 24 and 48 months; 3 seeds."""
    annual = 0.10
    h = workforce.monthly(annual)
    for seed in (1, 2, 3):
        m = world_with_units([1] * 500, seed=seed, **{
            "workforce.marriage_annual_rate": annual, "workforce.other_job_annual_rate": 0,
            "workforce.migration_annual_rate": 0})
        for month in range(1, 49):
            workforce.leave(m)
            m.t += 1
            if month in (12, 24, 48):
                still = (m.M.left < 0).mean()
                assert still == pytest.approx((1 - h) ** month, abs=0.015), (seed, month)


def test_leave_reasons_follow_the_relative_hazards():
    m = world_with_units([1] * 500, seed=4, **{
        "workforce.marriage_annual_rate": 0.3, "workforce.other_job_annual_rate": 0.1,
        "workforce.migration_annual_rate": 0.0})
    for _ in range(24):
        workforce.leave(m)
        m.t += 1
    reasons = m.M.leave_reason[m.M.left >= 0]
    share_marriage = (reasons == workforce.MARRIAGE).mean()
    h1, h2 = workforce.monthly(0.3), workforce.monthly(0.1)
    assert share_marriage == pytest.approx(h1 / (h1 + h2), abs=0.03)
    assert not (reasons == workforce.MIGRATION).any()


def test_busy_units_replace_leavers_with_employees():
    m = world_with_units([1], **{"workforce.replace_prob": 1.0, "workforce.new_member_prob": 0,
                                 "workforce.replace_min_utilisation": 0.5})
    m.E.utilisation[0] = 0.9
    leavers = np.flatnonzero(m.M.enterprise == 0)[:3]
    m.M.left[leavers] = 0
    workforce.replace(m, leavers)
    assert m.E.employees[0] == 3


def test_idle_units_do_not_hire_replacements():
    m = world_with_units([1], **{"workforce.replace_prob": 1.0, "workforce.new_member_prob": 0})
    m.E.utilisation[0] = 0.0
    leavers = np.flatnonzero(m.M.enterprise == 0)[:3]
    m.M.left[leavers] = 0
    workforce.replace(m, leavers)
    assert m.E.employees[0] == 0


def test_short_handed_units_recruit_new_members():
    m = world_with_units([1], **{"workforce.recruit_below": 6,
                                 "workforce.recruit_prob_when_short": 1.0})
    leavers = np.flatnonzero(m.M.enterprise == 0)[:6]
    m.M.left[leavers] = 0
    new = workforce.replace(m, leavers)
    assert len(new) == 6 and (m.M.left[new] < 0).all()


def test_roles_rotate_among_active_members():
    m = world_with_units([1], **{"workforce.rotation_months": 18})
    before = set(np.flatnonzero(m.M.role > 0))
    m.t = 18
    workforce.rotate_roles(m)
    after = set(np.flatnonzero(m.M.role > 0))
    assert len(after) == 3 and after != before
    assert sorted(m.M.role[list(after)]) == [1, 2, 3]


def test_skill_grows_with_tenure_toward_its_ceiling():
    m = world_with_units([1])
    m.t = 1000
    workforce.learn(m)
    assert m.M.skill == pytest.approx(np.full(10, m.config.workforce.skill_max), rel=1e-6)


def test_newcomers_start_at_the_skill_learning_gives_at_tenure_zero():
    """A skills gap at entry (entry_skill < 1) holds from a woman's first month: founders and
    recruits start at what ``learn`` gives at tenure 0 (entry skill plus pre-service
    training), not at the table's fill value of 1."""
    gap = {"workforce.entry_skill": 0.6, "quality.training_months": 2.0,
           "workforce.recruit_below": 6, "workforce.recruit_prob_when_short": 1.0}
    m = world_with_units([1], **gap)
    founders = np.flatnonzero(m.M.enterprise == 0)
    start = m.M.skill[founders].copy()
    assert 0.6 < start[0] < 1.0
    workforce.learn(m)  # tenure 0: learning leaves them where they started
    assert m.M.skill[founders] == pytest.approx(start)
    m.M.left[founders[:6]] = 0
    new = workforce.replace(m, founders[:6])
    assert len(new) == 6
    assert m.M.skill[new] == pytest.approx(np.full(6, start[0]))


# --------------------------------------------------------------------------- issue 14, item 4
def test_other_job_hazard_is_the_base_rate_at_or_above_the_outside_option():
    m = world_with_units([1], **{"workforce.other_job_annual_rate": 0.2,
                                 "workforce.outside_option_usd": 50.0,
                                 "workforce.dropout_earnings_slope": 3.0})
    h = workforce.other_job_hazard(m.config.workforce, np.array([50.0, 80.0, 500.0]))
    assert h == pytest.approx(np.full(3, workforce.monthly(0.2)), abs=0)


def test_other_job_hazard_rises_with_the_shortfall_by_the_slope():
    """Hazard rate -ln(1 - r) x (1 + slope x shortfall): shortfall 0.5 (pay 25 of 50) at slope
    2 doubles the rate, shortfall 1 (no pay) triples it; exact expected monthly hazards."""
    m = world_with_units([1], **{"workforce.other_job_annual_rate": 0.2,
                                 "workforce.outside_option_usd": 50.0,
                                 "workforce.dropout_earnings_slope": 2.0})
    h = workforce.other_job_hazard(m.config.workforce, np.array([25.0, 0.0]))
    assert h == pytest.approx([1 - 0.8 ** (2 / 12), 1 - 0.8 ** (3 / 12)], rel=1e-12)
    assert h[0] > workforce.monthly(0.2)


def test_slope_zero_gives_the_fixed_other_job_hazard():
    m = world_with_units([1], **{"workforce.other_job_annual_rate": 0.2,
                                 "workforce.dropout_earnings_slope": 0.0})
    h = workforce.other_job_hazard(m.config.workforce, np.array([0.0, 10.0, 49.0, 200.0]))
    assert (h == workforce.monthly(0.2)).all()  # bit for bit today's hazard


def test_unpaid_members_leave_for_other_jobs_faster_by_the_slope():
    """500 units x 10 members, other job only (20 %/year), no replacement: members whose
    smoothed pay is 0 leave at the hazard rate x (1 + slope) - after 12 months 0.8^2 = 0.64 are
    still in post at slope 1, against 0.8 for those paid at their outside option. Tolerance
    0.03 per half of 5,000 members (3 standard errors at p=0.5 is 0.03); 2 seeds."""
    for seed in (1, 2):
        m = world_with_units([1] * 500, seed=seed, **{
            "workforce.marriage_annual_rate": 0, "workforce.other_job_annual_rate": 0.2,
            "workforce.migration_annual_rate": 0, "workforce.outside_option_usd": 50.0,
            "workforce.dropout_earnings_slope": 1.0})
        poor = m.M.enterprise < 250
        for _ in range(12):
            m.M.earnings_smooth = np.where(poor, 0.0, 50.0)
            workforce.leave(m)
            m.t += 1
        still = m.M.left < 0
        assert still[poor].mean() == pytest.approx(0.64, abs=0.03), seed
        assert still[~poor].mean() == pytest.approx(0.8, abs=0.03), seed
        assert (m.M.leave_reason[~still] == workforce.OTHER_JOB).all()


def test_earnings_memory_is_an_exponential_average_from_the_first_pay():
    m = world_with_units([1], **{"workforce.earnings_memory_months": 6.0})
    rows = np.flatnonzero(m.M.enterprise == 0)
    assert np.isnan(m.M.earnings_smooth[rows]).all()  # not yet paid
    m.M.earnings[rows] = 60.0
    workforce.remember_earnings(m)
    assert m.M.earnings_smooth[rows] == pytest.approx(60.0)
    m.M.earnings[rows] = 0.0
    workforce.remember_earnings(m)
    w = 1 - np.exp(-1 / 6)
    assert m.M.earnings_smooth[rows] == pytest.approx(60.0 * (1 - w))
    # a member who has left keeps her last average
    m.M.left[rows[0]] = 0
    before = m.M.earnings_smooth[rows[0]]
    workforce.remember_earnings(m)
    assert m.M.earnings_smooth[rows[0]] == before


# --------------------------------------------------------------------------- issue 14, item 7
def new_members_other_income(share: float, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Other income of 200 founders and of 6 recruits of a short-handed unit."""
    m = world_with_units([1] * 20, seed=seed, **{
        "workforce.no_other_income_share": share, "workforce.recruit_below": 6,
        "workforce.recruit_prob_when_short": 1.0})
    founders = m.M.other_income.copy()
    leavers = np.flatnonzero(m.M.enterprise == 0)[:6]
    m.M.left[leavers] = 0
    new = workforce.replace(m, leavers)
    return founders, m.M.other_income[new]


def test_no_households_without_other_income_at_share_zero():
    founders, recruits = new_members_other_income(0.0)
    assert (founders > 0).all() and (recruits > 0).all()


def test_every_household_without_other_income_at_share_one():
    founders, recruits = new_members_other_income(1.0)
    assert (founders == 0).all() and (recruits == 0).all()


def test_no_other_income_draws_do_not_shift_the_other_draws():
    """The share's draw comes from a stream of its own: the households that keep an income
    draw exactly what they draw at share 0; about the share have none (200 founders, 0.3:
    3 standard errors are 0.1)."""
    f0, r0 = new_members_other_income(0.0)
    f1, r1 = new_members_other_income(0.3)
    keep = f1 > 0
    assert (f1[keep] == f0[keep]).all() and ((r1 == 0) | (r1 == r0)).all()
    assert (~keep).mean() == pytest.approx(0.3, abs=0.1)
