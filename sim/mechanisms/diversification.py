"""Diversification: a unit whose own demand has fallen adds a second line of business. After
``slack_months`` consecutive months below ``utilisation_below``, a unit whose line has a target
(``diversification.into``) and whose members' mean skill has reached ``min_member_skill`` takes
up the second line with probability ``adopt_prob`` a month, paying ``cost_usd`` once and
``monthly_cost_usd`` a month from then on. ``lag_months`` later it is among the sellers of that
line's work - the mission's brokering of public orders, open tenders, private orders - and does
that work with its own people and PCs. Its main line stays its ``line`` (outputs, schools,
formation).

Work of another line is converted to the unit's own output units in person-months: one unit of
line L's work takes 1 / (output_per_person[L] x productivity_share) person-months in a unit new
to L, and a person-month is worth output_per_person[own] units of the unit's own capacity, so

    work_factor = output_per_person[own] / (output_per_person[L] x productivity_share)

(1 for the unit's own line). Capacity, backlog, utilisation and output stay in the unit's own
output units; orders, invoices and prices stay in the order's line.

Source: Heeks & Arun (2010) - data-entry units "diversifying into call centre and data analysis
work"; the rate, cost, skill requirement and lag are assumptions (see the schema).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.scenario import LINES
from sim.state import tally

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel


def targets(model: SocialOutsourcingModel) -> np.ndarray:
    """The second line each line may add, by line code (-1: none)."""
    into = model.config.diversification.into
    return np.array(
        [LINES.index(t) if (t := getattr(into, line)) != "none" else -1 for line in LINES],
        dtype=np.int64,
    )


def able(model: SocialOutsourcingModel) -> np.ndarray:
    """Whether each enterprise can take its second line's work this month (open, diversified,
    its lag over)."""
    E = model.E
    lag = model.config.diversification.lag_months
    return E.alive & (E.second_line >= 0) & (E.diversified >= 0) & (model.t >= E.diversified + lag)


def sells(model: SocialOutsourcingModel, line: int) -> np.ndarray:
    """Mask over enterprises: open units that sell ``line``'s work, as their own line or as a
    second line they are able to take. Without diversified units, ``alive & (line == line)``."""
    E = model.E
    own = E.alive & (E.line == line)
    second = E.second_line == line
    if not second.any():
        return own
    return own | (second & able(model))


def work_factor(model: SocialOutsourcingModel, ent: np.ndarray, line: np.ndarray | int):
    """Units of each enterprise's own capacity that one unit of ``line``'s work takes (1 for its
    own line; ``output_per_person[own] / (output_per_person[line] x productivity_share)`` for a
    second line)."""
    own = model.E.line[ent]
    line = np.asarray(line, dtype=np.int64)  # one line, or one per enterprise of ent
    other = own != line
    if not other.any():
        return np.ones(len(own))
    opp = model.line_param("output_per_person")
    share = model.config.diversification.productivity_share
    return np.where(other, opp[own] / (opp[line] * share), 1.0)


def factors(model: SocialOutsourcingModel, line: int) -> dict[int, float]:
    """{enterprise: work_factor} for the units selling ``line`` as a second line this month
    (empty when there are none): the contracting loop's conversion of spare capacity."""
    ent = np.flatnonzero((model.E.second_line == line) & able(model) & (model.E.line != line))
    if len(ent) == 0:
        return {}
    return dict(zip(ent.tolist(), work_factor(model, ent, line).tolist(), strict=True))


def seller_pairs(
    model: SocialOutsourcingModel, units: np.ndarray, line: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(unit, line) pairs of sellers of private work: ``units`` in their own ``line``, plus
    each of them able to take a second line, in that line (appended after them)."""
    E = model.E
    extra = units[able(model)[units]]
    if len(extra) == 0:
        return units, line
    return np.r_[units, extra], np.r_[line, E.second_line[extra]]


def step(model: SocialOutsourcingModel) -> np.ndarray:
    """Count slack months, charge the second line's running cost, and let eligible units take
    up a second line; return the units that did this month."""
    E = model.E
    dv = model.config.diversification
    slack = E.alive & (E.founded < model.t) & (E.utilisation < dv.utilisation_below)
    E.slack_months = np.where(slack, E.slack_months + 1, 0)
    kept = E.alive & (E.second_line >= 0)
    if dv.monthly_cost_usd > 0 and kept.any():
        E.overhead_due[kept] += dv.monthly_cost_usd
    none = np.empty(0, dtype=np.int64)
    if not dv.enabled:
        return none
    target = targets(model)[np.maximum(E.line, 0)]
    cand = np.flatnonzero(
        E.alive & (E.second_line < 0) & (target >= 0) & (E.slack_months >= dv.slack_months)
    )
    if len(cand) == 0:
        return none
    cand = cand[mean_member_skill(model)[cand] >= dv.min_member_skill]
    take = cand[model.rng_for("diversification").random(len(cand)) < dv.adopt_prob]
    if len(take) == 0:
        return none
    E.second_line[take] = target[take]
    E.diversified[take] = model.t
    E.overhead_due[take] += dv.cost_usd
    for i in take.tolist():
        model.log(
            f"Unit {i} ({model.line_name(int(E.line[i]))}) takes up "
            f"{model.line_name(int(E.second_line[i]))} work as a second line."
        )
    return take


def mean_member_skill(model: SocialOutsourcingModel) -> np.ndarray:
    """Mean skill of each enterprise's active core members (0 without members)."""
    # as production.member_strength, which this module cannot import (production imports it)
    M = model.M
    active = M.left < 0
    n = np.bincount(M.enterprise[active], minlength=model.E.n)
    skill = tally(M.enterprise[active], M.skill[active], model.E.n)
    return np.divide(skill, n, out=np.zeros(len(n)), where=n > 0)
