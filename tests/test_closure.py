"""Closure rules and what closing does."""

import numpy as np

from sim.mechanisms import closure, contracting
from tests.mech_helpers import world_with_units


def test_repeated_missed_instalments_close_for_insolvency():
    m = world_with_units([1, 1])
    m.E.missed_instalments[0] = m.config.finance.missed_instalments_to_default
    closed = closure.step(m)
    assert closed.tolist() == [0]
    assert m.E.closure_reason[0] == closure.INSOLVENCY and m.E.alive[1]


def test_losing_members_closes_a_unit():
    m = world_with_units([1])
    m.M.left[np.flatnonzero(m.M.enterprise == 0)[:8]] = 0
    closure.step(m)
    assert m.E.closure_reason[0] == closure.LOSS_OF_MEMBERS


def test_long_idleness_closes_a_unit():
    m = world_with_units([1])
    m.E.idle_months[0] = m.config.closure.idle_months
    closure.step(m)
    assert m.E.closure_reason[0] == closure.IDLENESS


def test_closing_releases_members_school_orders_and_assets():
    m = world_with_units([0])
    contracting.assign_schools(m)
    school = m.E.school[0]
    closure.close(m, np.array([0]), np.array([closure.IDLENESS]))
    assert (m.M.left[m.M.enterprise == 0] == m.t).all()
    assert m.O.n == 0 and not m.A.working.any()
    assert not m.C.assigned[school]
    assert m.messages and "closed" in m.messages[-1][1]


def test_healthy_units_stay_open():
    m = world_with_units([1, 0])
    assert closure.step(m).size == 0


# --------------------------------------------------------------- viability and walking away
def months_of_pay(m, pays) -> None:
    """Run closure for consecutive months in which unit 0's members are paid ``pays`` (US$ per
    member, one value per month), as ``finance.settle`` would have recorded it."""
    for pay in pays:
        m.E.pay_per_member[0] = pay
        closure.step(m)
        m.t += 1


def test_members_walk_away_after_walk_away_months_below_the_floor():
    m = world_with_units([1], **{"closure.walk_away_months": 6,
                                 "closure.walk_away_usd_per_member_month": 5.0,
                                 "closure.viability_window_months": 1})
    months_of_pay(m, [2.0] * 6)
    assert not m.E.alive[0]
    assert m.E.closure_reason[0] == closure.NOT_VIABLE
    assert m.E.closed[0] == 5
    assert closure.CLOSURE_REASONS[closure.NOT_VIABLE] == "not_viable"


def test_one_month_fewer_below_the_walk_away_floor_keeps_a_unit_open():
    m = world_with_units([1], **{"closure.walk_away_months": 6,
                                 "closure.walk_away_usd_per_member_month": 5.0,
                                 "closure.viability_window_months": 1})
    months_of_pay(m, [2.0] * 5 + [8.0] + [2.0] * 5)  # a month above the floor resets the count
    assert m.E.alive[0] and m.E.low_pay_months[0] == 5


def test_pay_above_the_walk_away_floor_keeps_a_unit_open_though_not_viable():
    m = world_with_units([1], **{"closure.walk_away_months": 6,
                                 "closure.walk_away_usd_per_member_month": 5.0})
    months_of_pay(m, [6.0] * 30)
    assert m.E.alive[0] and m.E.low_pay_months[0] == 0
    assert not m.E.viable[0]  # US$6 is far below the mission's floor: open, not viable


def test_viable_when_mean_pay_over_the_window_reaches_the_floor():
    # lumpy pay: US$120 every third month is US$40 a month on average over a year
    lumpy = [120.0, 0.0, 0.0] * 8
    m = world_with_units([1], **{"closure.viable_usd_per_member_month": 34.1,
                                 "closure.viability_window_months": 12})
    months_of_pay(m, lumpy)
    assert m.E.pay_mean[0] == 40.0 and m.E.viable[0]
    # a month's pay alone (window 1) is below the floor in the months without a payment
    m1 = world_with_units([1], **{"closure.viable_usd_per_member_month": 34.1,
                                  "closure.viability_window_months": 1})
    months_of_pay(m1, lumpy)
    assert not m1.E.viable[0]
    # a higher floor: the same unit is open but no longer viable
    m2 = world_with_units([1], **{"closure.viable_usd_per_member_month": 45.0,
                                  "closure.viability_window_months": 12})
    months_of_pay(m2, lumpy)
    assert m2.E.alive[0] and not m2.E.viable[0]


def test_lumpy_pay_averaged_over_the_window_does_not_make_members_walk_away():
    lumpy = [30.0] + [0.0] * 5  # US$5 a month on average, nothing in five months of six
    values = {"closure.walk_away_months": 4, "closure.walk_away_usd_per_member_month": 4.0}
    m = world_with_units([1], **values, **{"closure.viability_window_months": 12})
    months_of_pay(m, lumpy * 6)
    assert m.E.alive[0]
    m1 = world_with_units([1], **values, **{"closure.viability_window_months": 1})
    months_of_pay(m1, lumpy * 6)
    assert m1.E.closure_reason[0] == closure.NOT_VIABLE


def test_viable_counts_in_the_timeseries_follow_the_floor():
    def counts(floor: float) -> dict:
        m = world_with_units([0, 1, 1], **{"closure.viable_usd_per_member_month": floor})
        for _ in range(12):
            m.E.pay_per_member[:] = [20.0, 40.0, 60.0]
            closure.step(m)
            m.recorder.collect(m)
            m.t += 1
        return m.recorder.monthly[-1]

    low, high = counts(30.0), counts(50.0)
    assert (low["units_alive"], low["units_viable"]) == (3, 2)
    assert (low["viable_training"], low["viable_data_entry"]) == (0, 2)
    assert (high["units_alive"], high["units_viable"]) == (3, 1)


def test_a_closed_unit_is_not_viable_and_other_rules_come_first():
    m = world_with_units([1], **{"closure.walk_away_months": 1,
                                 "closure.walk_away_usd_per_member_month": 5.0})
    m.E.idle_months[0] = m.config.closure.idle_months
    months_of_pay(m, [0.0])
    assert m.E.closure_reason[0] == closure.IDLENESS and not m.E.viable[0]
