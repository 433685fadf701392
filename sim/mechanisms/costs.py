"""Running costs: the one formula for what a unit owes each month for its line's fixed costs,
employee wages, casual pay and self-marketing, and the fixed outgoings (those costs plus the
loan instalment) that set the cash a prudent unit keeps back.

Read by ``finance`` (settlement, the working buffer) and ``assets`` (cash spare for PCs). It
imports neither, so that those two need not import each other for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel


def running_costs(
    model: SocialOutsourcingModel,
    idx: np.ndarray | None = None,
    casual: np.ndarray | None = None,
) -> np.ndarray:
    """Fixed cost of the line + employee wages (+ ``casual`` pay, if given) + marketing cost
    of units that market themselves, per enterprise row in ``idx`` (all rows if None) [US$/month].
    Summed in that order, left to right."""
    E = model.E
    cfg = model.config
    rows = slice(None) if idx is None else idx
    costs = (
        model.line_param("fixed_cost_usd")[E.line[rows]]
        + E.employees[rows] * cfg.workforce.employee_wage_usd
    )
    if casual is not None:
        costs = costs + casual
    return costs + np.where(E.markets_self[rows], cfg.marketing.cost_usd, 0.0)


def fixed_outgoings(model: SocialOutsourcingModel) -> np.ndarray:
    """Running costs, employee wages, marketing and loan instalment a month, per enterprise."""
    E = model.E
    costs = running_costs(model)
    instalment = np.minimum(E.loan_instalment, E.loan_balance * (1 + E.loan_rate))
    return np.where(E.alive, costs + np.maximum(instalment, 0), 0.0)
