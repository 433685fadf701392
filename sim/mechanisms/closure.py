"""Closure: a unit closes on insolvency (the bank calls a loan after repeated missed
instalments, or months unable to meet costs), on losing too many members, after long
idleness, or when its members walk away because it has paid them next to nothing for long -
and records why. Nothing closes on a scripted date. Closure also keeps each unit's viability:
open, and paying its members on average at least the mission's floor ("alive" is not
"viable").

Sources: Heeks & Arun (2010) - only one of 200+ units closed because it lost members;
4th All-India MSME Census - closures mainly from lack of demand and working capital;
Kudumbashree's enterprise rules - a unit should earn >= Rs 1,500 per member per month.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import assets, demand, payments, production, workforce
from sim.scenario.params import MAX_VIABILITY_WINDOW_MONTHS
from sim.state import among

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel

CLOSURE_REASONS = ("", "insolvency", "loss_of_members", "idleness", "not_viable")
INSOLVENCY, LOSS_OF_MEMBERS, IDLENESS, NOT_VIABLE = 1, 2, 3, 4


def track_pay(model: SocialOutsourcingModel) -> None:
    """Record this month's pay per member of each open unit and update, from its mean over the
    viability window, whether the unit is viable and how many months in a row that mean has
    been below the walk-away floor (closed units: not viable, count kept)."""
    E, W = model.E, model.world
    cl = model.config.closure
    H = MAX_VIABILITY_WINDOW_MONTHS
    n = E.n
    have = W.pay_history.shape[1]
    if W.pay_history.shape[0] != H or have < n:
        grown = np.full((H, max(n, 2 * have, 64)), np.nan)
        if W.pay_history.shape[0] == H:
            grown[:, :have] = W.pay_history
        W.pay_history = grown
    alive = E.alive
    W.pay_history[model.t % H, :n] = np.where(alive, E.pay_per_member, np.nan)
    window = min(cl.viability_window_months, model.t + 1)
    rows = W.pay_history[[(model.t - k) % H for k in range(window)], :n]
    seen = ~np.isnan(rows)
    months = seen.sum(axis=0)
    total = np.where(seen, rows, 0.0).sum(axis=0)
    mean = np.divide(total, months, out=np.zeros(n), where=months > 0)
    E.pay_mean = np.where(alive, mean, E.pay_mean)
    E.viable = alive & (mean >= cl.viable_usd_per_member_month)
    low = alive & (mean < cl.walk_away_usd_per_member_month)
    E.low_pay_months = np.where(low, E.low_pay_months + 1, np.where(alive, 0, E.low_pay_months))


def step(model: SocialOutsourcingModel) -> np.ndarray:
    """Close the units that meet a closure rule this month; return their indices."""
    E = model.E
    cfg = model.config
    track_pay(model)
    alive = E.alive
    members, _ = production.member_strength(model)
    insolvent = alive & (
        (E.missed_instalments >= cfg.finance.missed_instalments_to_default)
        | (E.distress_months >= cfg.closure.distress_months)
    )
    lost = alive & ~insolvent & (members < cfg.closure.min_core_members)
    idle = alive & ~insolvent & ~lost & (E.idle_months >= cfg.closure.idle_months)
    walked = alive & ~insolvent & ~lost & ~idle & (
        E.low_pay_months >= cfg.closure.walk_away_months
    )
    reason = np.zeros(E.n, dtype=np.int64)
    reason[insolvent] = INSOLVENCY
    reason[lost] = LOSS_OF_MEMBERS
    reason[idle] = IDLENESS
    reason[walked] = NOT_VIABLE
    closing = np.flatnonzero(reason > 0)
    if len(closing):
        close(model, closing, reason[closing])
    return closing


def close(model: SocialOutsourcingModel, idx: np.ndarray, reason: np.ndarray) -> None:
    """Close units ``idx``: members leave, work and receivables lapse, assets stop."""
    E, M, O, C = model.E, model.M, model.O, model.C
    E.alive[idx] = False
    E.viable[idx] = False
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
    cfg = model.config
    for i, r in zip(idx, reason, strict=True):
        why = CLOSURE_REASONS[int(r)].replace("_", " ")
        if r == INSOLVENCY:
            why += (
                f" (the bank called its loan after {int(E.missed_instalments[i])} missed "
                "instalments)"
                if E.missed_instalments[i] >= cfg.finance.missed_instalments_to_default
                else f" ({int(E.distress_months[i])} months unable to meet its costs)"
            )
        model.log(f"Unit {int(i)} ({model.line_name(int(E.line[i]))}) closed: {why}.",
                  kind="closure")
