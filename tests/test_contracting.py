"""Contracting: schools assigned, direct orders, tenders, private work."""

import numpy as np

from sim.mechanisms import contracting, demand, production
from tests.mech_helpers import world_with_units


def one_order(m, qty=100.0, line=demand.DATA_ENTRY):
    return demand.Offers(np.array([line]), np.array([0]), np.array([qty]), np.array([5.0]),
                         np.array([m.t + 6]))


def test_new_training_units_are_assigned_a_school_with_a_recurring_contract():
    m = world_with_units([0, 0, 1])
    contracting.assign_schools(m)
    assert (m.E.school[:2] >= 0).all() and m.E.school[2] == -1
    assert m.O.recurring.sum() == 2
    assert set(m.O.client[m.O.recurring]) == set(m.E.school[:2])


def run_months(m, months: int) -> None:
    """Advance a hand-made world by whole months of school renewal, assignment and work."""
    for _ in range(months):
        contracting.renew_school_contracts(m)
        contracting.assign_schools(m)
        production.produce(m)
        m.t += 1


def school_orders(m, school) -> np.ndarray:
    return m.O.remaining[m.O.recurring & (m.O.client == school)]


def test_a_school_contract_runs_its_term_and_then_ends():
    # without the mission and with no chance of renewal, the contract simply runs out
    m = world_with_units([0], **{"demand.schools.contract_months": 3,
                                 "demand.schools.renew_without_mission_prob": 0.0})
    contracting.assign_schools(m)
    school = m.E.school[0]
    assert school_orders(m, school).tolist() == [3.0]
    m.world.mission_active = False
    for month in range(3):
        run_months(m, 1)
        assert m.E.revenue_month[0] > 0, month  # the school's students trained every month
    assert m.E.school[0] == school and len(school_orders(m, school)) == 0
    run_months(m, 1)  # the term is over: up for renewal, not renewed
    assert m.E.school[0] == -1 and not m.C.assigned[school]
    assert m.O.n == 0 and m.E.revenue_month[0] == 0


def test_an_insourced_school_keeps_its_contract_to_term_but_does_not_renew():
    m = world_with_units([0, 0], **{"demand.schools.contract_months": 4,
                                    "mission.school_reassign_prob": 0.0})
    contracting.assign_schools(m)
    gone, kept = m.E.school[0], m.E.school[1]
    run_months(m, 1)
    m.C.insourced[gone] = m.t  # the first school sets up its own lab after a month
    run_months(m, 3)
    assert m.E.school[0] == gone and m.E.revenue_month[0] > 0  # worked to the end of term
    run_months(m, 1)  # renewal month
    assert m.E.school[0] == -1 and len(school_orders(m, gone)) == 0
    # the mission renews the other school's contract for another term
    assert m.E.school[1] == kept and school_orders(m, kept).tolist() == [3.0]
    assert m.world.counters["school_contracts_lapsed_insourced"] == 1
    assert m.world.counters["school_contracts_renewed"] == 1


def test_a_unit_whose_school_insourced_may_be_assigned_another():
    m = world_with_units([0], **{"demand.schools.contract_months": 2,
                                 "mission.school_reassign_prob": 1.0})
    contracting.assign_schools(m)
    first = m.E.school[0]
    m.C.insourced[first] = 0
    run_months(m, 3)
    assert m.E.school[0] >= 0 and m.E.school[0] != first
    assert len(school_orders(m, m.E.school[0])) == 1


def renewed_without_mission(prob: float, n: int = 12) -> int:
    m = world_with_units([0] * n, **{"demand.schools.contract_months": 2,
                                     "demand.schools.renew_without_mission_prob": prob})
    contracting.assign_schools(m)
    m.world.mission_active = False
    run_months(m, 3)
    return int((m.E.school[:n] >= 0).sum())


def test_without_the_mission_schools_renew_with_the_stated_probability():
    assert renewed_without_mission(0.0) == 0
    assert renewed_without_mission(1.0) == 12
    # in between: some do, some do not (12 draws at an even chance)
    assert 0 < renewed_without_mission(0.5) < 12


def test_without_the_mission_an_insourced_school_never_renews():
    m = world_with_units([0], **{"demand.schools.contract_months": 2,
                                 "demand.schools.renew_without_mission_prob": 1.0})
    contracting.assign_schools(m)
    m.world.mission_active = False
    m.C.insourced[m.E.school[0]] = 0
    run_months(m, 3)
    assert m.E.school[0] == -1


def test_direct_orders_go_to_units_of_the_right_line():
    m = world_with_units([0, 1, 1], **{"mission.direct_order_share": 1.0})
    contracting.allocate_public(m, one_order(m))
    assert set(m.O.enterprise) <= {1, 2} and m.O.n >= 1
    assert m.O.remaining.sum() == np.float64(100.0)


def test_a_consortium_splits_a_large_order_over_several_units():
    m = world_with_units([1, 1, 1, 1, 1], **{"mission.direct_order_share": 1.0,
                                              "mission.consortium_max_units": 3})
    contracting.allocate_public(m, one_order(m, qty=2000.0))
    assert len(set(m.O.enterprise)) == 3


def win_rate(price_multiple: float, seeds=range(300)) -> float:
    wins = 0
    for s in seeds:
        m = world_with_units([1], seed=s, **{"mission.direct_order_share": 0.0,
                                             "contracting.private_firm_price_multiple":
                                                 price_multiple})
        contracting.allocate_public(m, one_order(m))
        wins += m.O.n > 0
    return wins / len(seeds)


def test_cheaper_bids_win_more_tenders():
    assert win_rate(4.0) > win_rate(1.0) + 0.2


def test_without_the_mission_only_self_marketing_units_bid():
    m = world_with_units([1, 1], **{"mission.direct_order_share": 1.0})
    m.world.mission_active = False
    m.E.markets_self[1] = True
    for _ in range(50):
        contracting.allocate_public(m, one_order(m))
    assert set(m.O.enterprise) <= {1}


def self_bidders(k: int, **values):
    """Two self-marketing data-entry units without the mission; unit 0 has the stronger bid."""
    m = world_with_units([1, 1], **{"contracting.self_bid_units": k, **values})
    m.world.mission_active = False
    m.E.markets_self[:] = True
    m.E.reputation[:] = [0.9, 0.5]
    for _ in range(60):
        contracting.allocate_public(m, one_order(m, qty=5.0))
    return m


def test_with_one_self_bidder_only_the_strongest_unit_ever_wins():
    assert set(self_bidders(1).O.enterprise) == {0}


def test_with_two_self_bidders_a_second_unit_wins_when_the_strongest_bid_loses():
    m = self_bidders(2)
    assert set(m.O.enterprise) == {0, 1}
    assert m.world.counters["tenders"] == 60  # one tender per order, however many bid


def test_when_several_self_bids_win_the_agency_takes_the_best():
    # both bids always beat the private firms: the one most likely to win (unit 0) is taken
    m = self_bidders(2, **{"contracting.win_intercept": 20.0})
    assert set(m.O.enterprise) == {0} and m.O.n == 60
