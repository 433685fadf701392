"""Played units: one unit's quarterly decisions taken from a participant instead of the rule.

A workshop participant runs one cooperative among the simulated ones (issue 19). At the start
of each quarter (months 0, 3, 6, ... of the run) the model asks each played unit's decider for
a ``QuarterDecision``; a decider that returns ``None`` (the participant has not decided) leaves
the unit to the model's rules for that quarter. A decision covers:

- ``bid``: whether the unit takes new public orders this quarter (its own tender bids, and a
  share of the orders the mission or the units' consortium spreads); the rule: yes;
- ``price_multiple``: its own tender bids' price as a multiple of the line's price; a higher
  price earns more per order and wins fewer tenders (the tender model's price coefficient,
  ``contracting.win_price_coef``, on the log price ratio); the rule: 1;
- ``market_private``: whether it markets itself to private clients (and, without the mission,
  to open tenders); ``None``: as the rule (an under-used unit takes marketing up with a monthly
  chance, ``sim.mechanisms.marketing``);
- ``pay_share``: the share of its free cash paid to members each month, the rest kept as
  reserve; the rule: ``finance.payout_share``;
- ``loan_usd`` and ``buy_pcs``: a further bank loan (on the reinvestment loan's terms) and PCs
  bought at once from cash (as many as the cash pays for, up to the line's ``max_pcs``); the
  rule: none beyond its own replacement and expansion;
- ``hire``: employees hired at once; the rule: none beyond its own hiring of casual workers.

A decision is validated like every input (``validate_decision``): a bad one is refused with one
line naming the field, and the unit follows the rule. With no unit played nothing here runs, so
a run's results are those of the rules alone, to the byte.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.mechanisms import assets, ledger

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel

QUARTER_MONTHS = 3
# bounds of what a participant may choose (input validation, not behaviour of the model)
PRICE_MULTIPLE_RANGE = (0.5, 2.0)  # assumption: a bid from half to twice the line's price
MAX_HIRE_PER_QUARTER = 50  # assumption: a unit of ~10 members hires at most 50 at once


class QuarterDecision(BaseModel):
    """What a participant decides for their unit for one quarter (defaults: the rule's)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bid: bool = True
    price_multiple: float = Field(1.0, ge=PRICE_MULTIPLE_RANGE[0], le=PRICE_MULTIPLE_RANGE[1])
    market_private: bool | None = None
    pay_share: float | None = Field(None, ge=0.0, le=1.0)
    loan_usd: float = Field(0.0, ge=0.0)
    buy_pcs: int = Field(0, ge=0)
    hire: int = Field(0, ge=0, le=MAX_HIRE_PER_QUARTER)


class DecisionError(ValueError):
    """A participant's decision that cannot be taken; ``str()`` is one line naming the field."""


Decider = Callable[["SocialOutsourcingModel", int], "QuarterDecision | dict | None"]


@dataclass
class Played:
    """The played units: their deciders, this quarter's decisions and what was refused."""

    deciders: dict[int, Decider] = field(default_factory=dict)
    current: dict[int, QuarterDecision] = field(default_factory=dict)
    history: list[tuple[int, int, QuarterDecision | None, str]] = field(default_factory=list)
    """(month, unit, decision taken or None for the rule, note) for every played quarter."""

    def __bool__(self) -> bool:
        return bool(self.deciders)


def validate_decision(model: SocialOutsourcingModel, unit: int, raw: Any) -> QuarterDecision:
    """The decision ``raw`` (a ``QuarterDecision`` or a mapping) checked for unit ``unit`` now:
    the field bounds, and a further loan within ``finance.max_further_loan_usd``. Raises
    ``DecisionError`` with one line ``unit N: field: reason``."""
    try:
        d = raw if isinstance(raw, QuarterDecision) else QuarterDecision.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "decision"
        raise DecisionError(f"unit {unit}: {where}: {err['msg']}") from None
    cap = model.config.finance.max_further_loan_usd
    if d.loan_usd > cap:
        raise DecisionError(f"unit {unit}: loan_usd: at most the bank's further loan, "
                            f"US${cap:,.0f}")
    return d


def rule_decision(model: SocialOutsourcingModel, unit: int) -> QuarterDecision:
    """The decision the model's rules take for ``unit`` this quarter, in a participant's terms
    (what a participant who chooses exactly as the rule would enter)."""
    return QuarterDecision(
        bid=True, price_multiple=1.0,
        market_private=True if model.E.markets_self[unit] else None,
        pay_share=model.config.finance.payout_share, loan_usd=0.0, buy_pcs=0, hire=0)


def play(model: SocialOutsourcingModel, unit: int, decider: Decider) -> None:
    """Let ``decider(model, unit)`` take unit ``unit``'s quarterly decisions from now on."""
    if not 0 <= unit < model.E.n:
        raise DecisionError(f"unit {unit}: no such unit (formed so far: {model.E.n})")
    model.played.deciders[int(unit)] = decider


def start_quarter(model: SocialOutsourcingModel) -> None:
    """At a quarter's first month, ask every played unit that is open for its decision and act
    on the immediate ones (a loan, PCs, hires, marketing); a missing or refused decision leaves
    the unit to the rule for the quarter."""
    P = model.played
    if model.t % QUARTER_MONTHS:
        return
    P.current = {}
    E = model.E
    for unit, decide in sorted(P.deciders.items()):
        if not E.alive[unit]:
            continue
        try:
            raw = decide(model, unit)
            d = None if raw is None else validate_decision(model, unit, raw)
            note = "decided" if d is not None else "no decision: the rule decides"
        except DecisionError as exc:
            d, note = None, f"refused ({exc}): the rule decides"
        P.history.append((model.t, unit, d, note))
        if d is None:
            model.log(f"Unit {unit}: {note}.", kind="other")
            continue
        P.current[unit] = d
        _act_now(model, unit, d)


def _act_now(model: SocialOutsourcingModel, unit: int, d: QuarterDecision) -> None:
    E = model.E
    idx = np.array([unit], dtype=np.int64)
    if d.market_private is not None:
        E.markets_self[unit] = d.market_private
    if d.loan_usd > 0:
        ledger.lend(model, idx, np.array([d.loan_usd]),
                    model.config.finance.further_loan_term_months)
        model.log(f"Unit {unit} took a further loan of US${d.loan_usd:,.0f}.")
    if d.buy_pcs > 0:
        price = assets.pc_price(model)
        have = int(assets.working_pcs(model)[unit])
        room = max(int(model.line_param("max_pcs")[E.line[unit]]) - have, 0)
        afford = int(max(np.floor(E.cash[unit] / price), 0))
        n = min(d.buy_pcs, room, afford)
        if n:
            assets.buy(model, idx, np.array([n]))
            E.reinvested_usd[unit] += n * price
            E.target_pcs[unit] = max(int(E.target_pcs[unit]), have + n)
        why = ("" if n == d.buy_pcs else " (the line's most PCs per unit)" if n == room
               else " (not enough cash for more)")
        model.log(f"Unit {unit} bought {n} of the {d.buy_pcs} PC(s) it wanted{why}.")
    if d.hire > 0:
        E.employees[unit] += d.hire
        model.log(f"Unit {unit} hired {d.hire} employee(s).")


# ------------------------------------------------------------------ read by the mechanisms
def declines(model: SocialOutsourcingModel) -> np.ndarray | None:
    """Units that take no new public orders this quarter (a participant's ``bid`` = no), or
    None when no unit is played."""
    if not model.played.current:
        return None
    out = np.zeros(model.E.n, dtype=bool)
    for unit, d in model.played.current.items():
        out[unit] = not d.bid
    return out


def price_multiple(model: SocialOutsourcingModel, unit: int) -> float:
    """Unit ``unit``'s own bid price as a multiple of the line's price (1: the rule)."""
    d = model.played.current.get(int(unit))
    return 1.0 if d is None else d.price_multiple


def pay_shares(model: SocialOutsourcingModel, idx: np.ndarray, rule: float) -> np.ndarray | float:
    """The share of free cash paid to members by units ``idx``: the participants' where they
    chose one, else the rule's ``finance.payout_share`` (the float itself when none is played)."""
    cur = model.played.current
    if not cur:
        return rule
    share = np.full(len(idx), rule)
    for k, unit in enumerate(idx.tolist()):
        d = cur.get(unit)
        if d is not None and d.pay_share is not None:
            share[k] = d.pay_share
    return share


def keep_marketing_choice(model: SocialOutsourcingModel) -> None:
    """A participant's marketing choice holds for the quarter (the rule's adoption, which has
    drawn for every candidate as before, does not override it)."""
    for unit, d in model.played.current.items():
        if d.market_private is not None:
            model.E.markets_self[unit] = d.market_private
