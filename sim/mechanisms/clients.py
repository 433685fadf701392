"""Private client segments, domestic and foreign: prospects approach the units that can reach
them (through an intermediary that brokers private work, or by the units' own marketing); a
prospect signs with a logistic chance in the unit's quality and reputation; a client stays with
a monthly churn that falls with quality, and places orders of its own size, price, deadline and
payment habit. Repeat business and new contracts therefore both follow quality.

Orders and invoices of segment clients carry the client code ``-2 - segment`` (public clients
are >= 0, the lines' own private work is -1).

Sources: domain brief, "Other systems" - Source for Change (private clients across India and
abroad), Digital Divide Data and OrphanIT (private, often foreign clients), rural KPOs
(attracting private clients, quality assurance).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import contracting, demand, diversification, production
from sim.scenario import LINES, ClientSegment
from sim.state import monthly_probability

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel

SEGMENTS = ("domestic", "foreign")


def client_code(segment: int) -> int:
    """Client id written on a segment's orders and invoices."""
    return demand.FIRST_SEGMENT_CLIENT - segment


def win_probability(
    seg: ClientSegment, quality: np.ndarray | float, reputation: np.ndarray | float
) -> np.ndarray:
    """Chance that a prospect signs with a unit of this quality and reputation."""
    x = seg.win_intercept + seg.win_quality_coef * np.asarray(quality) + (
        seg.win_reputation_coef * np.asarray(reputation)
    )
    return 1 / (1 + np.exp(-x))


def churn_probability(seg: ClientSegment, quality: np.ndarray | float) -> np.ndarray:
    """Monthly chance that a client leaves a unit of this quality."""
    q = np.clip(np.asarray(quality, dtype=float), 0, 1)
    annual = seg.churn_annual_rate_low_quality + q * (
        seg.churn_annual_rate_high_quality - seg.churn_annual_rate_low_quality
    )
    return monthly_probability(annual)


def reachable(model: SocialOutsourcingModel, line: int) -> np.ndarray:
    """Units a segment's prospects can reach: all of the line's units if the intermediary brokers
    private work and is active, else only those marketing themselves."""
    E = model.E
    ok = diversification.sells(model, line)  # its units and those diversified into it
    if not (model.world.mission_active and model.config.intermediary.brokers_private):
        ok &= E.markets_self
    return np.flatnonzero(ok)


def step(model: SocialOutsourcingModel) -> None:
    """Clients leave, prospects sign, and retained clients place this month's orders."""
    for s, name in enumerate(SEGMENTS):
        seg: ClientSegment = getattr(model.config.clients, name)
        col = getattr(model.E, f"clients_{name}")
        if seg.prospects_per_month <= 0 and not col.any():
            continue
        _segment(model, s, seg, col)


def _segment(model: SocialOutsourcingModel, s: int, seg: ClientSegment, col: np.ndarray) -> None:
    E = model.E
    rng = model.rng_for(f"segment_{SEGMENTS[s]}")
    line = LINES.index(seg.line)

    # churn: a client leaves with a monthly chance that falls with the unit's quality
    has = np.flatnonzero(E.alive & (col > 0))
    if len(has):
        col[has] -= rng.binomial(col[has], churn_probability(seg, E.quality[has]))

    # prospects approach reachable units with room for more work, weighted by reputation
    rate = seg.prospects_per_month * (1 + seg.prospects_annual_growth) ** (model.t / 12)
    n = rng.poisson(rate)
    units = reachable(model, line)
    if n and len(units):
        cap = production.potential_capacity(model)[units]
        room = production.backlog(model)[units] < seg.max_backlog_months * cap
        units = units[room & (cap > 0)]
        if len(units):
            w = seg.approach_base_weight + E.reputation[units]
            pick = units[rng.choice(len(units), size=n, p=w / w.sum())]
            p = win_probability(seg, E.quality[pick], E.reputation[pick])
            won = pick[rng.random(n) < p]
            np.add.at(col, won, 1)
            model.world.counters[f"clients_won_{SEGMENTS[s]}"] += len(won)

    # retained clients place orders
    has = np.flatnonzero(E.alive & (col > 0))
    if len(has) == 0:
        return
    k = rng.poisson(col[has] * seg.orders_per_client_month)
    ent = np.repeat(has, k)
    m = len(ent)
    if m == 0:
        return
    mu = np.log(seg.mean_order_size) - seg.order_size_sigma**2 / 2
    size = np.exp(mu + seg.order_size_sigma * rng.standard_normal(m))
    offers = demand.Offers(
        np.full(m, line, dtype=np.int64),
        np.full(m, client_code(s), dtype=np.int64),
        size,
        np.full(m, seg.price_usd),
        np.full(m, model.t + seg.deadline_months, dtype=np.int64),
    )
    contracting.add_orders(model, ent, offers, size, private=True)
