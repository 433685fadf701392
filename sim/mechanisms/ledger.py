"""The cash ledger: every flow of money into or out of an enterprise passes through here.

Keeping one entry point for cash makes "cash in = cash out + change in cash" checkable for every
unit and every month (design convention: one ledger per enterprise).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel


def credit(model: SocialOutsourcingModel, idx: np.ndarray, amount: np.ndarray | float) -> None:
    """Add money to enterprises ``idx`` (repeated indices add up)."""
    E = model.E
    amount = np.asarray(amount, dtype=float)  # ufunc.at broadcasts it over idx
    np.add.at(E.cash, idx, amount)
    np.add.at(E.cash_in_month, idx, amount)


def debit(model: SocialOutsourcingModel, idx: np.ndarray, amount: np.ndarray | float) -> None:
    """Take money from enterprises ``idx`` (repeated indices add up)."""
    E = model.E
    amount = np.asarray(amount, dtype=float)  # ufunc.at broadcasts it over idx
    np.subtract.at(E.cash, idx, amount)
    np.add.at(E.cash_out_month, idx, amount)


def annuity(principal: np.ndarray | float, monthly_rate: float, months: int) -> np.ndarray:
    """Equal monthly instalment that repays ``principal`` over ``months``."""
    principal = np.asarray(principal, dtype=float)
    if monthly_rate <= 0:
        return principal / months
    f = (1 + monthly_rate) ** months
    return principal * monthly_rate * f / (f - 1)


def lend(
    model: SocialOutsourcingModel, idx: np.ndarray, principal: np.ndarray, months: int
) -> None:
    """Disburse a bank loan (added to any balance outstanding) and reset the instalment."""
    if len(idx) == 0:
        return
    E = model.E
    rate = model.config.formation.loan_annual_interest / 12
    credit(model, idx, principal)
    E.loan_balance[idx] += principal
    E.loan_rate[idx] = rate
    E.loan_instalment[idx] = annuity(E.loan_balance[idx], rate, months)
    again = idx[(E.loans_taken[idx] >= 1) & (E.further_loan[idx] < 0)]
    E.further_loan[again] = model.t
    E.loans_taken[idx] += 1
