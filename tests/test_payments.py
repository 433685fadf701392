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


# --------------------------------------------------------------------------- issue 14, item 10
def late_client_world(share: float):
    m = world_with_units([1], **{"payments.terms_months": 1,
                                 "payments.on_time_client_share": share})
    m.C.mean_delay[:] = 12.0
    return m


def public_invoices(m, n=200):
    client = np.arange(n) % m.C.n
    payments.invoice(m, np.zeros(n, dtype=np.int64), np.ones(n), client, np.zeros(n, bool))
    return client


def test_on_time_clients_invoices_are_paid_on_terms():
    m = late_client_world(1.0)
    public_invoices(m)
    assert (m.I.pay == m.I.due).all()


def test_only_the_on_time_share_of_clients_pays_on_terms():
    m = late_client_world(0.4)
    client = public_invoices(m, n=m.C.n)
    on_time = payments.pays_on_time(m)[client]
    assert (m.I.pay[on_time] == m.I.due[on_time]).all()
    assert (m.I.pay[~on_time] > m.I.due[~on_time]).mean() > 0.99  # Poisson(12) is rarely 0
    # ranks are uniform: about 0.4 of the clients (3 standard errors of the share)
    assert on_time.mean() == pytest.approx(0.4, abs=3 * np.sqrt(0.24 / m.C.n))


def test_at_share_zero_every_public_client_keeps_its_delay():
    m = late_client_world(0.0)
    public_invoices(m)
    assert (m.I.pay > m.I.due).mean() > 0.99


def test_a_dated_change_of_the_on_time_share_holds_for_later_invoices():
    from sim.scenario import scenario_with
    m = late_client_world(0.0)
    public_invoices(m)
    first = m.I.pay.copy()
    m.set_config(scenario_with(m.config, {"payments.on_time_client_share": 1.0}))
    public_invoices(m)
    assert (m.I.pay[: len(first)] == first).all()  # invoices already issued keep their date
    assert (m.I.pay[len(first):] == m.I.due[len(first):]).all()


def test_on_time_ranks_come_from_their_own_stream():
    from sim.model import SocialOutsourcingModel
    from tests.mech_helpers import quiet_world
    a = SocialOutsourcingModel(quiet_world(**{"payments.on_time_client_share": 0.0}), seed=5)
    b = SocialOutsourcingModel(quiet_world(**{"payments.on_time_client_share": 0.6}), seed=5)
    assert (a.C.mean_delay == b.C.mean_delay).all() and (a.C.students == b.C.students).all()
    assert (a.C.on_time_rank == b.C.on_time_rank).all()
