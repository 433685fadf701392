"""Payments: per-client delays, receivables, arrears, shocks."""

import numpy as np
import pytest

from sim.mechanisms import payments
from tests.mech_helpers import world_with_units


def test_invoices_are_paid_after_terms_plus_the_clients_delay():
    m = world_with_units([1], **{"payments.terms_months": 1})
    m.C.mean_delay[:] = 0.0
    cash0 = m.E.cash[0]
    payments.invoice(m, np.array([0]), np.array([100.0]), np.array([0]), np.array([False]))
    payments.collect(m)
    assert m.E.cash[0] == cash0  # not yet due
    m.t += 1
    payments.collect(m)
    assert m.E.cash[0] == pytest.approx(cash0 + 100)
    assert m.I.n == 0


def test_slow_clients_build_arrears():
    m = world_with_units([1], **{"payments.terms_months": 1})
    m.C.mean_delay[0] = 12.0
    for _ in range(6):
        payments.invoice(m, np.array([0]), np.array([100.0]), np.array([0]), np.array([False]))
        payments.collect(m)
        m.t += 1
    assert payments.receivables(m)[0] > 0
    assert payments.arrears(m)[0] > 0
    assert payments.arrears(m)[0] <= payments.receivables(m)[0]


def mean_delay_drawn(m, n=4000):
    client = np.zeros(n, dtype=np.int64)
    payments.invoice(m, np.zeros(n, dtype=np.int64), np.ones(n), client, np.zeros(n, bool))
    return float((m.I.pay - m.I.due).mean())


def test_drawn_delays_match_the_clients_mean():
    m = world_with_units([1])
    m.C.mean_delay[0] = 4.0
    assert mean_delay_drawn(m) == pytest.approx(4.0, abs=0.15)


def test_a_payment_shock_adds_months_while_it_lasts():
    m = world_with_units([1])
    m.C.mean_delay[0] = 2.0
    m.world.delay_extra, m.world.delay_shock_until = 6.0, 12
    assert mean_delay_drawn(m) == pytest.approx(8.0, abs=0.2)


def test_private_clients_use_the_private_delay():
    m = world_with_units([1], **{"payments.private_mean_delay_months": 0})
    payments.invoice(m, np.array([0]), np.array([10.0]), np.array([-1]), np.array([True]))
    assert (m.I.pay == m.I.due).all()
