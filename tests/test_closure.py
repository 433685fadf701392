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
