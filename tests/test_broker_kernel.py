"""The compiled allocation loop (``sim.mechanisms.broker_kernel``) against its plain-Python
reference (``contracting._broker_python``): on small worlds both must book the same orders,
bytes and all, count the same tenders and leave every random stream at the same place."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import broker_kernel, contracting, demand
from tests.mech_helpers import world_with_units

ON = {
    "diversification.enabled": True,
    "diversification.lag_months": 0,
}


def small_world(seed: int, n_units: int, ties: bool, diversify: bool, **values):
    """``n_units`` units of random lines, some already loaded; reputations all equal (many exact
    ties) or spread; with ``diversify`` unit 0 also sells a second line."""
    g = np.random.default_rng(seed)
    lines = g.integers(0, 3, n_units)
    m = world_with_units(lines.tolist(), seed=seed, **({**ON, **values} if diversify else values))
    if not ties:
        m.E.reputation = g.uniform(0.2, 1.0, n_units)
    m.E.utilisation = g.uniform(0.0, 1.0, n_units) if not ties else 0.0
    if diversify:
        m.E.second_line[0] = (m.E.line[0] + 1) % 3
        m.E.diversified[0] = 0
    return m


def offers(m, seed: int, n: int, big: bool) -> demand.Offers:
    """``n`` orders of random lines, sizes and deadlines (several deadlines: several queues)."""
    g = np.random.default_rng(1000 + seed)
    qty = g.uniform(5, 4000 if big else 300, n)
    return demand.Offers(
        g.integers(0, 3, n), np.zeros(n, dtype=np.int64), qty, np.full(n, 5.0),
        m.t + g.integers(0, 6, n),
    )


def booked(m) -> dict:
    """Everything an allocation writes: the order table, the counters, the next draw of each
    stream it uses."""
    out = {c: getattr(m.O, c).copy() for c in m.O.columns}
    out["counters"] = dict(m.world.counters)
    for name in ("contracting", "mission_ties", "consortium_ties"):
        out[name] = m.rng_for(name).random()
    return out


def run_both(monkeypatch, make, rounds: int = 3, **kw) -> tuple[dict, dict]:
    """Build the same world twice, allocate the same rounds of orders (so that later rounds
    meet backlog), once compiled and once through the reference; return what each booked."""
    results = []
    for compiled in (True, False):
        monkeypatch.setattr(contracting, "COMPILED", compiled)
        m = make()
        for r in range(rounds):
            contracting.allocate_public(m, offers(m, r, **kw))
            contracting.allocate_public(m, offers(m, 50 + r, **kw), recurring=True)
        results.append(booked(m))
    return results[0], results[1]


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], np.ndarray):
            assert a[k].dtype == b[k].dtype and a[k].tobytes() == b[k].tobytes(), k
        else:
            assert a[k] == b[k], k


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("ties", [True, False])
def test_the_compiled_allocation_books_what_the_reference_books(monkeypatch, seed, ties):
    # 40 orders a round over up to 4 units each: the reference draws several blocks of keys
    a, b = run_both(
        monkeypatch,
        lambda: small_world(seed, 12, ties, diversify=seed == 2,
                            **{"mission.direct_order_share": 0.5}),
        n=40, big=seed == 3,
    )
    assert a["enterprise"].size > 0  # something was placed, so the comparison bites
    assert_same(a, b)


def test_the_compiled_allocation_agrees_with_more_units_than_a_bid_takes(monkeypatch):
    # 30 units and a bid of 2: most units wait in the sorted list, re-ranked ones in the heap
    a, b = run_both(
        monkeypatch,
        lambda: small_world(7, 30, True, diversify=False,
                            **{"mission.consortium_max_units": 2}),
        n=300, big=False,
    )
    assert_same(a, b)


def test_the_compiled_allocation_agrees_with_ties_broken_by_row(monkeypatch):
    monkeypatch.setattr(contracting, "RANDOM_TIES", False)
    a, b = run_both(monkeypatch, lambda: small_world(4, 10, True, diversify=False), n=60,
                    big=True)
    assert_same(a, b)


def test_the_compiled_allocation_agrees_for_the_units_consortium(monkeypatch):
    # without the mission's brokering the units' consortium bids through the same loop
    def make():
        m = small_world(5, 15, False, diversify=False, **{"consortium.forms": True,
                                                           "consortium.lag_months": 0})
        m.world.mission_active = False
        m.E.consortium = np.arange(15) % 2 == 0
        m.world.brokering_off_since = 0
        return m

    a, b = run_both(monkeypatch, make, n=50, big=True)
    assert a["counters"].get("consortium_orders_won", 0) > 0
    assert_same(a, b)


def test_the_kernel_uses_the_references_nearly_full_threshold():
    assert broker_kernel.NEARLY_FULL == contracting.NEARLY_FULL


def test_tie_keys_follow_the_references_draw_order():
    # queue 0 at order 0 (3 keys), 300 keys used by orders 0-1, queue 1 made at order 2 (2 keys)
    g = np.random.default_rng(9)
    init, pop = contracting._tie_keys(
        np.random.default_rng(9), np.array([0, 2]), np.array([3, 2]), np.array([100, 200, 5])
    )
    q0 = g.standard_exponential(3)
    b1, b2 = g.standard_exponential(256), g.standard_exponential(256)  # drawn by order 0, 1
    q1 = g.standard_exponential(2)
    np.testing.assert_array_equal(init, np.r_[q0, q1])
    np.testing.assert_array_equal(pop, np.r_[b1[::-1], b2[::-1]])


def test_by_default_only_allocations_of_many_orders_run_compiled(monkeypatch):
    calls = []
    real = broker_kernel.allocate
    monkeypatch.setattr(broker_kernel, "allocate", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(contracting, "COMPILED", None)
    monkeypatch.setattr(contracting, "KERNEL_FROM_ORDERS", 30)
    m = small_world(1, 8, False, diversify=False)
    contracting.allocate_public(m, offers(m, 0, n=29, big=False))
    assert calls == []
    contracting.allocate_public(m, offers(m, 1, n=30, big=False))
    assert calls == [1]


def test_the_compiled_allocation_agrees_when_a_line_has_no_units(monkeypatch):
    # only data-entry units: the other lines' orders find empty queues and go elsewhere
    a, b = run_both(
        monkeypatch,
        lambda: world_with_units([demand.DATA_ENTRY] * 5, seed=3),
        n=40, big=False,
    )
    assert a["enterprise"].size > 0 and set(a["line"].tolist()) == {demand.DATA_ENTRY}
    assert_same(a, b)
