"""IT assets: PCs lose value by declining-balance depreciation (near zero in about 5 years),
fail with an ageing (Weibull) hazard, and are replaced or added from cash or a further loan.

Sources: Heeks & Arun (2010) - ~7 PCs at start, ~10 after 2-3 years, assets near zero in ~5
years; Income Tax Act (40 % a year on written-down value); Companies Act Sch. II (3-6 years).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import costs, intermediary, ledger
from sim.state import among, tally

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel


def pc_price(model: SocialOutsourcingModel) -> float:
    """Price of a PC this month."""
    a = model.config.assets
    return a.pc_price_usd * (1 + a.pc_price_annual_change) ** (model.t / 12)


def buy(model: SocialOutsourcingModel, idx: np.ndarray, counts: np.ndarray) -> None:
    """Enterprises ``idx`` buy ``counts`` PCs each at this month's price, paying cash."""
    counts = np.asarray(counts, dtype=np.int64)
    ent = np.repeat(idx, counts)
    if len(ent) == 0:
        return
    price = pc_price(model)
    model.A.append(len(ent), enterprise=ent, bought=model.t, cost=price, working=True)
    ledger.debit(model, ent, price)


def book_value(model: SocialOutsourcingModel) -> np.ndarray:
    """Written-down value of each asset row this month."""
    A = model.A
    age_years = (model.t - A.bought) / 12
    return A.cost * (1 - model.config.assets.depreciation_rate) ** age_years


def value_by_enterprise(model: SocialOutsourcingModel) -> np.ndarray:
    """Written-down value of each enterprise's working PCs."""
    A = model.A
    v = np.where(A.working, book_value(model), 0.0)
    return tally(A.enterprise, v, model.E.n)


def working_pcs(model: SocialOutsourcingModel) -> np.ndarray:
    """Working PCs per enterprise."""
    A = model.A
    return np.bincount(A.enterprise[A.working], minlength=model.E.n)


def worn_value(model: SocialOutsourcingModel) -> np.ndarray:
    """Depreciation accumulated on each enterprise's working PCs: the reserve a prudent unit
    keeps back so that it can replace them."""
    A = model.A
    worn = np.where(A.working, A.cost - book_value(model), 0.0)
    return tally(A.enterprise, worn, model.E.n)


def fail(model: SocialOutsourcingModel) -> int:
    """PCs break down with a Weibull hazard in their age; return how many failed."""
    A = model.A
    w = np.flatnonzero(A.working)
    if len(w) == 0:
        return 0
    a = model.config.assets
    age = (model.t - A.bought[w]).astype(float)
    h0 = (age / a.failure_scale_months) ** a.failure_shape
    h1 = ((age + 1) / a.failure_scale_months) ** a.failure_shape
    p = 1 - np.exp(-(h1 - h0))
    broken = w[model.rng_for("assets").random(len(w)) < p]
    A.working[broken] = False
    return len(broken)


def reinvest(model: SocialOutsourcingModel) -> None:
    """Replace failed PCs and expand busy units, from cash above a working buffer or a loan."""
    cfg = model.config
    E = model.E
    # PCs that failed or were retired are never read again: drop them, so that the asset
    # table holds the working PCs, not every PC ever bought (order kept: same draws, same sums)
    if not model.A.working.all():
        model.A.keep(model.A.working)
    alive = np.flatnonzero(E.alive)
    if len(alive) == 0:
        return
    # expansion: a unit busy for assets.expand_after_months months raises its target
    busy = alive[
        (E.high_util_months[alive] >= cfg.assets.expand_after_months)
        & (E.target_pcs[alive] < model.line_param("max_pcs")[E.line[alive]])
    ]
    step = model.config.assets.expand_step_share  # 0: one PC at a time (Kerala)
    add = np.maximum(1, np.floor(step * E.target_pcs[busy])).astype(np.int64)
    top = model.line_param("max_pcs")[E.line[busy]]
    E.target_pcs[busy] = np.minimum(E.target_pcs[busy] + add, top)
    E.high_util_months[busy] = 0

    have = working_pcs(model)[alive]
    deficit = np.maximum(E.target_pcs[alive] - have, 0)
    need = alive[deficit > 0]
    if len(need) == 0:
        return
    deficit = deficit[deficit > 0]
    price = pc_price(model)
    buffer = cfg.finance.buffer_months * costs.fixed_outgoings(model)[need]
    spare = E.cash[need] - buffer
    # capped at the deficit before the cast: cash / a near-zero price overflows int64
    affordable = np.clip(np.floor(spare / price), 0, deficit).astype(np.int64)
    good_standing = (E.missed_instalments[need] == 0) & (
        E.loan_balance[need] <= cfg.finance.further_loan_max_balance_usd)
    short = (affordable < deficit) & good_standing
    # where banks lend only with the mission's backing, the backing must act this month
    if cfg.mission.further_loan_needs_mission and not intermediary.supports(model, "backs_loans"):
        short[:] = False
    if short.any():
        borrowers = need[short]
        amount = np.minimum(
            (deficit[short] - affordable[short]) * price, cfg.finance.max_further_loan_usd
        )
        ledger.lend(model, borrowers, amount, cfg.finance.further_loan_term_months)
        spare = E.cash[need] - buffer
        affordable = np.clip(np.floor(spare / price), 0, deficit).astype(np.int64)
    counts = np.minimum(deficit, affordable)
    if counts.sum():
        E.reinvested_usd[need] += counts * price
        buy(model, need, counts)


def retire(model: SocialOutsourcingModel, idx: np.ndarray) -> None:
    """Assets of closed units stop working."""
    A = model.A
    A.working[among(A.enterprise, idx, model.E.n)] = False
