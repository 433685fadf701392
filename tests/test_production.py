"""Production: capacity bounds, FIFO work, casual workers, invoicing and reputation."""

import numpy as np
import pytest

from sim.mechanisms import contracting, demand, production
from tests.mech_helpers import world_with_units


def give(m, ent, qty, deadline=6, price=5.0, line=demand.DATA_ENTRY):
    offers = demand.Offers(np.array([line]), np.array([0]), np.array([float(qty)]),
                           np.array([price]), np.array([m.t + deadline]))
    contracting.add_orders(m, np.array([ent]), offers, offers.qty, private=False)


def test_work_done_never_exceeds_capacity_and_is_invoiced():
    m = world_with_units([1])
    give(m, 0, 10_000)
    production.produce(m)
    E = m.E
    assert E.output[0] == pytest.approx(E.capacity[0])
    # 7 PCs x 24 = 168 thousand records a month bound the unit
    assert E.capacity[0] == pytest.approx(7 * 24)
    assert m.I.amount.sum() == pytest.approx(E.output[0] * 5.0)


def test_small_orders_are_finished_and_raise_reputation():
    m = world_with_units([1])
    give(m, 0, 50)
    rep0 = m.E.reputation[0]
    production.produce(m)
    assert m.O.n == 0 and m.E.output[0] == pytest.approx(50)
    assert m.E.reputation[0] > rep0


def test_orders_are_worked_first_in_first_out():
    m = world_with_units([1])
    give(m, 0, 100, price=1.0)
    give(m, 0, 100, price=2.0)
    production.produce(m)  # capacity 168: the first order done, 68 of the second
    assert m.O.n == 1 and m.O.price[0] == 2.0
    assert m.O.remaining[0] == pytest.approx(32)


def test_missed_deadline_cancels_the_order_costs_reputation_and_returns_records():
    m = world_with_units([1])
    give(m, 0, 10_000, deadline=1)
    stock = m.world.records_stock
    rep0 = m.E.reputation[0]
    production.produce(m)
    assert m.O.n == 0
    assert m.E.reputation[0] < rep0
    assert m.world.records_stock == pytest.approx(stock + 10_000 - m.E.output[0])


def test_casual_workers_are_hired_only_for_overflow():
    m = world_with_units([1, 1])
    give(m, 0, 10_000)
    give(m, 1, 10)
    production.produce(m)
    assert m.E.casuals[0] > 0 and m.E.casuals[1] == 0
    assert m.world.casual_cost[0] > 0 and m.world.casual_cost[1] == 0


def test_capacity_falls_with_broken_pcs():
    m = world_with_units([1, 1])
    m.A.working[m.A.enterprise == 1] = False
    m.A.working[np.flatnonzero(m.A.enterprise == 1)[:2]] = True
    cap = production.potential_capacity(m)
    assert cap[1] == pytest.approx(2 * 24) and cap[0] == pytest.approx(7 * 24)


def test_idle_months_count_up_without_work_and_reset_with_it():
    m = world_with_units([1])
    for _ in range(3):
        production.produce(m)
    assert m.E.idle_months[0] == 3
    give(m, 0, 10)
    production.produce(m)
    assert m.E.idle_months[0] == 0
