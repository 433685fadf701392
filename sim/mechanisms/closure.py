"""Closure: a unit closes on insolvency (the bank calls a loan after repeated missed
instalments, or months unable to meet costs), on losing too many members, or after long
idleness - and records why. Nothing closes on a scripted date.

Sources: Heeks & Arun (2010) - only one of 200+ units closed because it lost members;
4th All-India MSME Census - closures mainly from lack of demand and working capital.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import assets, demand, payments, production, workforce
from sim.state import among

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel

CLOSURE_REASONS = ("", "insolvency", "loss_of_members", "idleness")
INSOLVENCY, LOSS_OF_MEMBERS, IDLENESS = 1, 2, 3


def step(model: SocialOutsourcingModel) -> np.ndarray:
    """Close the units that meet a closure rule this month; return their indices."""
    E = model.E
    cfg = model.config
    alive = E.alive
    members, _ = production.member_strength(model)
    insolvent = alive & (
        (E.missed_instalments >= cfg.finance.missed_instalments_to_default)
        | (E.distress_months >= cfg.closure.distress_months)
    )
    lost = alive & ~insolvent & (members < cfg.closure.min_core_members)
    idle = alive & ~insolvent & ~lost & (E.idle_months >= cfg.closure.idle_months)
    reason = np.zeros(E.n, dtype=np.int64)
    reason[insolvent] = INSOLVENCY
    reason[lost] = LOSS_OF_MEMBERS
    reason[idle] = IDLENESS
    closing = np.flatnonzero(reason > 0)
    if len(closing):
        close(model, closing, reason[closing])
    return closing


def close(model: SocialOutsourcingModel, idx: np.ndarray, reason: np.ndarray) -> None:
    """Close units ``idx``: members leave, work and receivables lapse, assets stop."""
    E, M, O, C = model.E, model.M, model.O, model.C
    E.alive[idx] = False
    E.closed[idx] = model.t
    E.closure_reason[idx] = reason
    staying = np.flatnonzero((M.left < 0) & among(M.enterprise, idx, E.n))
    workforce.mark_left(model, staying, workforce.UNIT_CLOSED)
    gone = among(O.enterprise, idx, E.n)
    demand.return_records(model, gone)
    O.keep(~gone)
    schools = E.school[idx]
    C.assigned[schools[schools >= 0]] = False
    E.school[idx] = -1
    E.employees[idx] = 0
    payments.drop(model, idx)
    assets.retire(model, idx)
    for i, r in zip(idx, reason, strict=True):
        model.log(
            f"Unit {int(i)} ({model.line_name(int(E.line[i]))}) closed: "
            f"{CLOSURE_REASONS[int(r)].replace('_', ' ')}."
        )
