"""The units' own consortium: a body of the units themselves that, once the mission's brokering
of public orders has stopped for ``consortium.lag_months``, markets and bids for its members in
open tenders (no direct orders: the state ruling is for the mission). Units join it month by
month and pay it a fee while it bids; it reaches a share of the open tenders and combines up to
``max_units_per_bid`` members in one bid, ranked as the mission ranks (``contracting``).

Source: Heeks & Arun (2010) name such a body as a possible successor to the mission; every
number of it is an assumption.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import intermediary

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel


def bids(model: SocialOutsourcingModel) -> bool:
    """Whether the consortium bids this month: it forms (``consortium.forms``) and the mission's
    brokering has not acted for at least ``consortium.lag_months`` months."""
    cs = model.config.consortium
    since = model.world.brokering_off_since
    return cs.forms and since >= 0 and model.t - since >= cs.lag_months


def step(model: SocialOutsourcingModel) -> None:
    """Note when the mission's brokering stops (or resumes); while the consortium bids, units
    join it and its members owe this month's fee (paid at settlement)."""
    w = model.world
    if intermediary.supports(model, "brokers_public"):
        w.brokering_off_since = -1
        return
    if w.brokering_off_since < 0:
        w.brokering_off_since = model.t
    if not bids(model):
        return
    E = model.E
    cs = model.config.consortium
    out = np.flatnonzero(E.alive & ~E.consortium)
    if len(out) and cs.join_prob > 0:
        E.consortium[out[model.rng_for("consortium").random(len(out)) < cs.join_prob]] = True
    members = np.flatnonzero(E.alive & E.consortium)
    if len(members) and cs.fee_usd_per_unit_month > 0:
        E.overhead_due[members] += cs.fee_usd_per_unit_month
        w.counters["consortium_fees_usd"] += len(members) * cs.fee_usd_per_unit_month
