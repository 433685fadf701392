"""Diversification (issue 14, item 12): a unit whose own demand has fallen takes up a second
line after enough slack months, at a cost, with a skill requirement and a lag; then it sells
and does that line's work with its own people and PCs, converted in person-months."""

import numpy as np
import pytest

from sim.mechanisms import contracting, demand, diversification, production
from sim.scenario import ScenarioError
from tests.mech_helpers import quiet_world, world_with_units

ON = {
    "diversification.enabled": True,
    "diversification.slack_months": 3,
    "diversification.adopt_prob": 1.0,
    "diversification.min_member_skill": 1.0,
    "diversification.lag_months": 2,
}


def slack_months(m, utilisation, months):
    """Run the diversification step for ``months`` months at the given utilisations."""
    taken = []
    for _ in range(months):
        m.t += 1
        m.E.utilisation = utilisation
        taken.append(diversification.step(m))
    return taken


def test_a_unit_slack_long_enough_takes_up_its_target_line_and_pays_the_cost():
    m = world_with_units([1, 1], **ON)
    taken = slack_months(m, np.array([0.1, 0.9]), 3)
    # slack for 3 months: the third month it diversifies; the busy unit never does
    assert [list(t) for t in taken] == [[], [], [0]]
    assert m.E.second_line[0] == demand.TRAINING and m.E.diversified[0] == m.t
    assert m.E.second_line[1] == -1
    assert m.enterprises[0].second_line == "training" and m.enterprises[1].second_line is None
    assert m.E.overhead_due[0] == pytest.approx(300.0) and m.E.overhead_due[1] == 0.0


def test_a_diversified_unit_pays_the_monthly_cost_of_its_second_line():
    m = world_with_units([1], **ON)
    slack_months(m, np.array([0.0]), 3)
    m.E.overhead_due[:] = 0.0
    slack_months(m, np.array([0.0]), 2)
    assert m.E.overhead_due[0] == pytest.approx(2 * 10.0)


def test_a_unit_below_the_skill_requirement_does_not_diversify_until_its_members_learn():
    m = world_with_units([1], **{**ON, "diversification.min_member_skill": 1.3})
    assert (m.M.skill == 1.0).all()  # fresh members at entry skill
    assert not any(len(t) for t in slack_months(m, np.array([0.0]), 6))
    m.M.skill[:] = 1.4
    assert list(slack_months(m, np.array([0.0]), 1)[0]) == [0]


def test_with_the_lever_off_or_no_target_no_unit_diversifies():
    off = world_with_units([1], **{**ON, "diversification.enabled": False})
    no_target = world_with_units([0], **ON)  # training units have no target line
    for m in (off, no_target):
        slack_months(m, np.array([0.0]), 12)
        assert m.E.second_line[0] == -1 and m.E.overhead_due[0] == 0.0


def test_a_unit_cannot_add_its_own_line():
    with pytest.raises(ScenarioError, match="must differ from its own line"):
        quiet_world(**{"diversification.into.data_entry": "data_entry"})


def diversified(lines, into=demand.HARDWARE, lag=0, **values):
    """A world whose unit 0 took up ``into`` as its second line at month 0."""
    m = world_with_units(lines, **{**ON, "diversification.lag_months": lag, **values})
    m.E.second_line[0] = into
    m.E.diversified[0] = 0
    return m


def test_the_second_line_is_sold_only_after_the_lag():
    m = diversified([1, 1], lag=3)
    for t in range(5):
        m.t = t
        sells = diversification.sells(m, demand.HARDWARE)
        assert sells[0] == (t >= 3) and not sells[1]
    assert diversification.sells(m, demand.DATA_ENTRY).all()  # its own line all along


def hardware_order(m, qty):
    return demand.Offers(np.array([demand.HARDWARE]), np.array([0]), np.array([float(qty)]),
                         np.array([45.0]), np.array([m.t + 3]))


def test_the_mission_brokers_a_second_lines_order_to_the_diversified_unit():
    m = diversified([1, 1], **{"mission.direct_order_share": 1.0})
    contracting.allocate_public(m, hardware_order(m, 5))
    assert list(m.O.enterprise) == [0] and list(m.O.line) == [demand.HARDWARE]
    assert m.O.remaining[0] == pytest.approx(5.0)
    # the backlog is counted in the unit's own output units: 5 PCs x 14 / (1.5 x 0.6)
    assert production.backlog(m)[0] == pytest.approx(5 * 14 / (1.5 * 0.6))
    # without the second line nobody could take a hardware order
    plain = world_with_units([1, 1], **{**ON, "mission.direct_order_share": 1.0})
    contracting.allocate_public(plain, hardware_order(plain, 5))
    assert plain.O.n == 0


def test_a_second_lines_order_takes_no_more_than_the_units_spare_capacity_in_that_line():
    m = diversified([1], **{"mission.direct_order_share": 1.0})
    contracting.allocate_public(m, hardware_order(m, 10_000))
    cap = production.potential_capacity(m)[0] * 3  # three months to the deadline
    assert m.O.remaining.sum() == pytest.approx(cap / (14 / (1.5 * 0.6)))


def test_without_the_mission_a_self_marketing_diversified_unit_bids_in_tenders():
    wins = 0
    for s in range(40):
        m = diversified([1], seed=s)
        m.world.mission_active = False
        m.E.markets_self[0] = True
        contracting.allocate_public(m, hardware_order(m, 5))
        wins += m.O.n
    assert wins > 0


def test_second_line_work_is_done_in_person_months_and_invoiced_at_its_price():
    m = diversified([1])
    offers = hardware_order(m, 1000)
    contracting.add_orders(m, np.array([0]), offers, offers.qty, private=False)
    production.produce(m)
    factor = 14 / (1.5 * 0.6)
    cap = m.E.capacity[0]
    assert cap == pytest.approx(7 * 24)  # the unit's own capacity, in thousand records
    assert m.E.output[0] == pytest.approx(cap)  # output stays in its own units
    assert m.O.remaining[0] == pytest.approx(1000 - cap / factor)  # PCs left
    assert m.I.amount.sum() == pytest.approx(cap / factor * 45.0)


def test_own_and_second_line_orders_share_one_capacity():
    m = diversified([1])
    own = demand.Offers(np.array([demand.DATA_ENTRY]), np.array([0]), np.array([100.0]),
                        np.array([5.0]), np.array([6]))
    contracting.add_orders(m, np.array([0]), own, own.qty, private=False)
    offers = hardware_order(m, 1000)
    contracting.add_orders(m, np.array([0]), offers, offers.qty, private=False)
    production.produce(m)
    factor = 14 / (1.5 * 0.6)
    # 100 thousand records first (FIFO), the rest of the 168 on PCs
    assert m.O.n == 1 and m.O.remaining[0] == pytest.approx(1000 - (168 - 100) / factor)


def test_a_self_marketing_diversified_unit_finds_private_orders_of_its_second_line():
    # a market large enough that the leads, not the area's orders, bind (issue 14 item 3)
    m = diversified([1, 1], into=demand.TRAINING,
                    **{"lines.training.private_orders_per_month": 5.0,
                       "lines.training.private_market_orders_per_area_month": 100.0})
    m.E.markets_self[:] = True
    ent, offers = demand.private_orders(m)
    second = offers.line == demand.TRAINING
    assert second.any() and set(ent[second]) == {0}
    price = 0.41 * 1.5  # the training line's price and private multiple
    assert offers.price[second] == pytest.approx(price)


def test_a_unit_whose_demand_dries_up_diversifies_and_earns_from_its_second_line():
    # one data-entry unit, no demand of its own line; private computer courses exist
    dry = {
        "demand.digitisation.orders_per_month": 0.0,
        "demand.hardware.orders_per_month": 0.0,
        "demand.hardware.amc_per_month": 0.0,
        "lines.data_entry.private_orders_per_month": 0.0,
        "marketing.adopt_prob_when_idle": 1.0,
    }
    runs = {}
    for on in (True, False):
        m = world_with_units([demand.DATA_ENTRY], seed=2,
                             **{**ON, **dry, "diversification.enabled": on})
        revenue = 0.0
        for _ in range(12):
            m.step()
            revenue += float(m.E.revenue_month[0])
        runs[on] = (m, revenue)
    m, revenue = runs[True]
    assert m.E.second_line[0] == demand.TRAINING and 0 < m.E.diversified[0] <= 4
    assert revenue > 0 and m.E.alive[0]
    m0, revenue0 = runs[False]
    assert m0.E.second_line[0] == -1 and revenue0 == 0.0
