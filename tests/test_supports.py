"""The mission's supports as separate levers (issue 14, item 6): each switched off alone stops
exactly its function while the others go on; the mission's withdrawal stops them all; the units'
own consortium bids for its members once the mission's brokering has stopped, and charges its
fee."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import (
    assets,
    consortium,
    contracting,
    demand,
    formation,
    intermediary,
    staffing,
    workforce,
)
from sim.model import SocialOutsourcingModel
from tests.mech_helpers import quiet_world, world_with_units


def one_order(m, qty=100.0, line=demand.DATA_ENTRY):
    return demand.Offers(np.array([line]), np.array([0]), np.array([qty]), np.array([5.0]),
                         np.array([m.t + 6]))


def _world(lines, active: bool, off: dict, **values) -> SocialOutsourcingModel:
    m = world_with_units(lines, **off, **values)
    m.world.mission_active = active
    return m


# each probe builds a small world with the levers in ``off`` and tells whether the support acted
def forms(active: bool, off: dict) -> bool:
    m = SocialOutsourcingModel(quiet_world(**off), seed=1)
    m.world.mission_active = active
    m.formation_plan = {0: [demand.DATA_ENTRY]}
    return len(formation.form(m)) == 1


def assigns(active: bool, off: dict) -> bool:
    m = _world([demand.TRAINING], active, off)
    contracting.assign_schools(m)
    return bool(m.E.school[0] >= 0)


def brokers(active: bool, off: dict) -> bool:
    # a unit that does not market itself gets public work only through the mission
    m = _world([demand.DATA_ENTRY], active, off, **{"mission.direct_order_share": 1.0})
    contracting.allocate_public(m, one_order(m))
    return m.O.n > 0


def nominates(active: bool, off: dict) -> bool:
    m = _world([demand.DATA_ENTRY], active, off, **{
        "workforce.replace_prob": 1.0, "workforce.new_member_prob": 1.0,
        "workforce.recruit_below": 0, "workforce.replace_min_utilisation": 0.0})
    leavers = np.flatnonzero(m.M.enterprise == 0)[:2]
    m.M.left[leavers] = 0
    return len(workforce.replace(m, leavers)) == 2


def trains(active: bool, off: dict) -> bool:
    # ten founders joined this month; 2 months of training at US$10 a month each
    m = _world([demand.DATA_ENTRY], active, off, **{
        "quality.training_months": 2.0, "quality.training_cost_usd_per_month": 10.0})
    staffing.employee_skills(m)
    return bool(m.E.overhead_due[0] == 0.0)  # the mission paid; else the unit owes US$200


def backs(active: bool, off: dict) -> bool:
    m = _world([demand.DATA_ENTRY], active, off, **{"mission.further_loan_needs_mission": True})
    m.E.cash[0] = 0.0
    m.E.loan_balance[0] = 0.0
    m.A.working[:4] = False
    assets.reinvest(m)
    return bool(m.E.loans_taken[0] == 2)


PROBES = {
    "forms_units": forms,
    "assigns_schools": assigns,
    "brokers_public": brokers,
    "nominates_members": nominates,
    "trains_members": trains,
    "backs_loans": backs,
}


def test_every_support_has_a_probe():
    assert set(PROBES) == set(intermediary.SUPPORTS)


def test_every_support_acts_while_the_mission_is_active_with_all_levers_on():
    assert all(probe(True, {}) for probe in PROBES.values())


@pytest.mark.parametrize("lever", intermediary.SUPPORTS)
def test_a_support_switched_off_alone_stops_only_its_own_function(lever):
    off = {f"mission.{lever}": False}
    acted = {name: probe(True, off) for name, probe in PROBES.items()}
    assert acted == {name: name != lever for name in PROBES}


def test_the_mission_withdrawn_stops_every_support():
    assert not any(probe(False, {}) for probe in PROBES.values())


def test_supports_asks_both_the_mission_and_the_lever():
    m = world_with_units([1], **{"mission.assigns_schools": False})
    assert intermediary.supports(m, "brokers_public")
    assert not intermediary.supports(m, "assigns_schools")
    m.world.mission_active = False
    assert not intermediary.supports(m, "brokers_public")
    with pytest.raises(ValueError, match="unknown mission support"):
        intermediary.supports(m, "brokering")


def test_without_the_mission_the_unit_pays_new_members_training():
    m = world_with_units([1], **{"mission.trains_members": False,
                                 "quality.training_months": 2.0,
                                 "quality.training_cost_usd_per_month": 10.0})
    staffing.employee_skills(m)
    assert m.E.overhead_due[0] == pytest.approx(10 * 2 * 10.0)


# ----------------------------------------------------------------------------- the consortium
CONSORTIUM = {"consortium.forms": True, "consortium.lag_months": 0, "consortium.join_prob": 1.0,
              "consortium.tender_reach_share": 1.0, "consortium.fee_usd_per_unit_month": 8.0,
              "mission.direct_order_share": 0.0, "contracting.win_intercept": 20.0}


def test_the_consortium_bids_for_its_members_once_the_mission_stops_brokering():
    m = world_with_units([1, 1], **CONSORTIUM)
    m.world.mission_active = False  # no unit markets itself: only the consortium can bid
    consortium.step(m)
    assert m.E.consortium[:2].all()
    contracting.allocate_public(m, one_order(m))
    assert m.O.n > 0 and set(m.O.enterprise) <= {0, 1}
    assert m.world.counters["consortium_orders_won"] == 1


def test_without_a_consortium_units_that_do_not_market_themselves_get_no_tenders():
    m = world_with_units([1, 1], **{**CONSORTIUM, "consortium.forms": False})
    m.world.mission_active = False
    consortium.step(m)
    contracting.allocate_public(m, one_order(m))
    assert m.O.n == 0 and not m.E.consortium.any()


def test_the_consortium_charges_its_fee_to_each_member_a_month():
    m = world_with_units([1, 1, 0], **CONSORTIUM)
    m.world.mission_active = False
    consortium.step(m)
    assert m.E.overhead_due[:3] == pytest.approx([8.0, 8.0, 8.0])
    assert m.world.counters["consortium_fees_usd"] == pytest.approx(24.0)


def test_the_consortium_waits_its_lag_after_brokering_stops():
    m = world_with_units([1], **{**CONSORTIUM, "consortium.lag_months": 3})
    m.world.mission_active = False
    consortium.step(m)  # month 0: brokering stopped now
    assert m.world.brokering_off_since == 0 and not consortium.bids(m)
    m.t = 3
    assert consortium.bids(m)


def test_the_consortium_does_not_bid_while_the_mission_brokers():
    m = world_with_units([1], **CONSORTIUM)
    consortium.step(m)
    assert not consortium.bids(m) and not m.E.consortium.any()
    assert m.E.overhead_due[0] == 0.0


def test_the_consortium_forms_when_only_the_brokering_lever_is_off():
    m = world_with_units([1], **{**CONSORTIUM, "mission.brokers_public": False})
    consortium.step(m)
    assert consortium.bids(m) and m.E.consortium[0]


def test_the_consortium_reaches_only_its_share_of_tenders():
    m = world_with_units([1, 1, 1, 1], **{**CONSORTIUM, "consortium.tender_reach_share": 0.3})
    m.world.mission_active = False
    consortium.step(m)
    for _ in range(200):
        contracting.allocate_public(m, one_order(m, qty=1.0))
    share = m.world.counters["consortium_orders_won"] / 200
    assert 0.2 < share < 0.4
