"""Payments: every invoice is due after the contractual term, but each public client pays
after a delay of its own (months, drawn around the client's mean), so receivables and arrears
build up; a share of public clients pays on terms; private clients pay sooner. A payment-delay
shock adds months for a while.

Sources: Heeks & Arun (2010) - public clients pay 3, 6, even 12 months late; MSMED Act 2006
ss. 15-16 - pay within 15 days or an agreed date of at most 45 days.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import demand, ledger
from sim.state import among, tally

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel


MAX_DELAY_MONTHS = 12_000.0
"""Longest mean payment delay drawn from (a thousand years: in effect, never paid)."""


def invoice(
    model: SocialOutsourcingModel,
    ent: np.ndarray,
    amount: np.ndarray,
    client: np.ndarray,
    private: np.ndarray,
) -> None:
    """Issue invoices and draw the month each will be paid."""
    if len(ent) == 0:
        return
    cfg = model.config.payments
    rng = model.rng_for("payments")
    public = np.maximum(client, 0)
    mean = np.where(
        private,
        cfg.private_mean_delay_months,
        np.where(pays_on_time(model)[public], 0.0, model.C.mean_delay[public]),
    )
    if model.t < model.world.delay_shock_until:
        mean = np.where(private, mean, mean + model.world.delay_extra)
    seg = client <= demand.FIRST_SEGMENT_CLIENT  # private client segments (clients.client_code)
    if seg.any():
        cs = model.config.clients
        mean = np.where(client == demand.FIRST_SEGMENT_CLIENT, cs.domestic.payment_delay_months,
                        np.where(seg, cs.foreign.payment_delay_months, mean))
    # capped far beyond any horizon (never paid in a run): a valid but tiny gamma shape of
    # clients' delays can draw means too large for numpy's Poisson sampler, or inf or NaN
    # (fmin takes the cap for NaN)
    delay = rng.poisson(np.fmin(mean, MAX_DELAY_MONTHS))
    due = model.t + cfg.terms_months
    model.I.append(
        len(ent), enterprise=ent, amount=amount, issued=model.t, due=due, pay=due + delay
    )


def pays_on_time(model: SocialOutsourcingModel) -> np.ndarray:
    """Public clients that pay on terms (mean delay 0) this month: those whose rank, drawn once
    at the start, lies below ``payments.on_time_client_share`` - read at every invoice, so a
    dated change of the share holds for invoices issued from its month on."""
    return model.C.on_time_rank < model.config.payments.on_time_client_share


def collect(model: SocialOutsourcingModel) -> None:
    """Clients pay the invoices whose payment month has come; cash arrives through the ledger."""
    I, E = model.I, model.E
    E.received_month = 0.0
    if I.n == 0:
        return
    paid = I.pay <= model.t
    if paid.any():
        ent, amount = I.enterprise[paid], I.amount[paid]
        ledger.credit(model, ent, amount)
        np.add.at(E.received_month, ent, amount)
        late = ent[I.pay[paid] > I.due[paid]]
        E.late_paid_ever[late] = True
        E.first_paid_late[late[E.first_paid_late[late] < 0]] = model.t
    I.keep(~paid)


def receivables(model: SocialOutsourcingModel) -> np.ndarray:
    """Invoiced but unpaid, per enterprise."""
    I = model.I
    return tally(I.enterprise, I.amount, model.E.n)


def arrears(model: SocialOutsourcingModel) -> np.ndarray:
    """Unpaid invoices past their contractual due month, per enterprise."""
    I = model.I
    overdue = I.due < model.t
    return tally(I.enterprise[overdue], I.amount[overdue], model.E.n)


def drop(model: SocialOutsourcingModel, idx: np.ndarray) -> None:
    """Invoices of closed units are written off."""
    I = model.I
    I.keep(~among(I.enterprise, idx, model.E.n))
