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
