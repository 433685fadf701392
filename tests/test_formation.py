"""Formation and start-up finance."""

import numpy as np
import pytest

from sim.mechanisms import assets, formation
from sim.model import SocialOutsourcingModel
from sim.scenario import Scenario
from tests.mech_helpers import quiet_world, world_with_units


def test_plan_follows_the_schedule_per_year_and_line():
    m = SocialOutsourcingModel(Scenario(), seed=1)
    plan = m.formation_plan
    per_line = np.bincount([c for lines in plan.values() for c in lines], minlength=3)
    assert per_line.tolist() == [151, 78, 3]
    # the two 1999 data-entry pilots fall in 1999
    in_1999 = [c for k, lines in plan.items() if k < 12 for c in lines]
    assert sorted(in_1999) == [1, 1]


def test_a_new_unit_gets_stakes_grant_and_loan_and_spends_on_equipment():
    m = world_with_units([1])
    fm = m.config.formation
    capital = fm.founding_members * fm.member_stake_usd * (1 + fm.grant_multiple) + fm.bank_loan_usd
    spent = 7 * assets.pc_price(m) + m.config.lines.data_entry.other_assets_usd
    assert m.E.cash[0] == pytest.approx(capital - spent)
    assert m.E.loan_balance[0] == pytest.approx(fm.bank_loan_usd)
    assert m.E.loan_instalment[0] == pytest.approx(57.09, abs=0.01)  # 2,750 at 9 % over 60 months
    assert assets.working_pcs(m)[0] == 7


def test_founding_members_join_with_rotating_roles_and_schooling():
    m = world_with_units([0, 1])
    M = m.M
    assert M.n == 20
    assert set(np.unique(M.education)) <= {12.0, 15.0}
    for e in (0, 1):
        roles = sorted(M.role[M.enterprise == e])
        assert roles == [0] * 7 + [1, 2, 3]


def test_no_formation_without_the_mission():
    s = quiet_world(**{"formation.schedule": {"training": {1999: 12}},
                       "mission.active_at_start": False})
    m = SocialOutsourcingModel(s, seed=1)
    for _ in range(12):
        formation.form(m)
        m.t += 1
    assert m.E.n == 0


def test_unit_efficiency_is_lognormal_with_mean_one():
    """2,000 units, sigma 0.3: mean 1 within 0.02 (4 standard errors), log-sd 0.3 within 0.02."""
    m = world_with_units([1] * 2000, **{"formation.productivity_sigma": 0.3})
    e = m.E.productivity
    assert e.mean() == pytest.approx(1.0, abs=0.02)
    assert np.log(e).std() == pytest.approx(0.3, abs=0.02)
    flat = world_with_units([1] * 5, **{"formation.productivity_sigma": 0.0})
    assert (flat.E.productivity == 1.0).all()
