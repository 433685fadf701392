"""Contracting: the mission, while active, assigns training units to schools and brokers
public orders - directly where a state ruling allows, otherwise as consortium bids in open
tenders; private firms bid too, and units win on price, capacity and reputation. Without the
mission only units that market themselves bid, each on its own.

Sources: Heeks & Arun (2010) - direct orders, consortium bids, ~70 % of local-government IT
contracts won, private bids of US$30-40k against US$10k.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import demand, production

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel


def _sigmoid(x: float) -> float:
    return float(1 / (1 + np.exp(-x)))


def add_orders(
    model: SocialOutsourcingModel,
    ent: np.ndarray,
    offers: demand.Offers,
    qty: np.ndarray,
    private: bool,
    recurring: bool = False,
    qty_month: np.ndarray | float = 0.0,
) -> None:
    """Record contracted work for enterprises ``ent``."""
    if len(ent) == 0:
        return
    model.O.append(
        len(ent),
        enterprise=ent,
        client=offers.client,
        remaining=qty,
        qty_month=qty_month,
        price=offers.price,
        deadline=offers.deadline,
        private=private,
        recurring=recurring,
        line=offers.line,
    )


def end_school_contracts(model: SocialOutsourcingModel, schools: np.ndarray) -> None:
    """Insourced schools stop buying training from their units."""
    if len(schools) == 0:
        return
    O, E = model.O, model.E
    O.remaining[O.recurring & np.isin(O.client, schools)] = 0.0
    E.school[np.isin(E.school, schools)] = -1


def assign_schools(model: SocialOutsourcingModel) -> None:
    """The mission assigns schools lacking IT staff to training units that have none."""
    if not model.mission_active:
        return
    E, C = model.E, model.C
    units = np.flatnonzero(E.alive & (E.line == demand.TRAINING) & (E.school < 0))
    if len(units) == 0:
        return
    rng = model.rng_for("contracting")
    p = np.where(E.founded[units] == model.t, 1.0, model.config.mission.school_reassign_prob)
    units = units[rng.random(len(units)) < p]
    free = np.flatnonzero((C.kind == demand.SCHOOL) & (C.insourced < 0) & ~C.assigned)
    k = min(len(units), len(free))
    if k == 0:
        return
    units, schools = units[:k], rng.permutation(free)[:k]
    C.assigned[schools] = True
    E.school[units] = schools
    months_left = model.config.months - model.t
    price = model.line_param("price_usd")[demand.TRAINING]
    offers = demand.Offers(
        np.full(k, demand.TRAINING),
        schools,
        np.zeros(k),
        np.full(k, price),
        np.full(k, model.config.months, dtype=np.int64),
    )
    add_orders(
        model,
        units,
        offers,
        np.full(k, float(months_left)),
        private=False,
        recurring=True,
        qty_month=C.students[schools],
    )


def _spare(
    model: SocialOutsourcingModel,
    capacity: np.ndarray,
    backlog: np.ndarray,
    units: np.ndarray,
    months: int,
) -> np.ndarray:
    return np.maximum(capacity[units] * max(months, 1) - backlog[units], 0.0)


def allocate_public(
    model: SocialOutsourcingModel, offers: demand.Offers, recurring: bool = False
) -> None:
    """Place public orders: direct orders through the mission, the rest by open tender."""
    if len(offers) == 0:
        return
    cfg = model.config
    E = model.E
    rng = model.rng_for("contracting")
    capacity = production.potential_capacity(model)
    backlog = production.backlog(model)
    ct = cfg.contracting
    base_logit = ct.win_intercept + ct.win_price_coef * np.log(
        max(ct.private_firm_price_multiple, 1e-9)
    )
    direct_draw = rng.random(len(offers))
    win_draw = rng.random(len(offers))
    stats = model.counters
    for i in range(len(offers)):
        line = int(offers.line[i])
        qty = float(offers.qty[i])
        months = int(offers.deadline[i] - model.t)
        per_month = qty if recurring else qty / max(months, 1)
        units = np.flatnonzero(E.alive & (E.line == line))
        if not model.mission_active:
            units = units[E.markets_self[units]]
        stats["public_orders"] += 1
        if len(units) == 0:
            continue
        spare = _spare(model, capacity, backlog, units, 1 if recurring else months)
        need = per_month if recurring else qty
        direct = model.mission_active and direct_draw[i] < cfg.mission.direct_order_share
        if model.mission_active:
            # the mission spreads work: it picks up to N units with the lightest load relative
            # to their capacity, weighted by reputation (random tie-break)
            room = capacity[units] * max(1 if recurring else months, 1)
            free_share = np.divide(spare, room, out=np.zeros(len(units)), where=room > 0)
            free_share = np.minimum(free_share, 1 - E.utilisation[units])
            score = free_share * (0.75 + 0.5 * E.reputation[units]) + 1e-6 * rng.random(len(units))
            order = np.argsort(-score, kind="stable")[: cfg.mission.consortium_max_units]
        else:
            # each self-marketing unit bids alone; the strongest bid is the one that counts
            score = np.minimum(spare, need) * (0.5 + E.reputation[units])
            order = np.argsort(-score, kind="stable")[:1]
        chosen, spare_c = units[order], spare[order]
        if spare_c.sum() <= 0:
            continue
        if not direct:
            cover = min(1.0, spare_c.sum() / need)
            rep = float(np.average(E.reputation[chosen], weights=np.maximum(spare_c, 1e-9)))
            p = _sigmoid(base_logit + ct.win_reputation_coef * rep + ct.win_capacity_coef * cover)
            stats["tenders"] += 1
            if win_draw[i] >= p:
                continue
            stats["tenders_won"] += 1
        else:
            stats["direct_orders"] += 1
        # split the order over the chosen units in proportion to their spare capacity
        share = spare_c / spare_c.sum()
        take = share * min(need, spare_c.sum())
        keep = take > 1e-9
        chosen, take = chosen[keep], take[keep]
        sub = demand.Offers(
            offers.line[[i] * len(chosen)],
            offers.client[[i] * len(chosen)],
            take,
            offers.price[[i] * len(chosen)],
            offers.deadline[[i] * len(chosen)],
        )
        if recurring:
            add_orders(
                model,
                chosen,
                sub,
                np.full(len(chosen), float(months)),
                private=False,
                recurring=True,
                qty_month=take,
            )
            backlog[chosen] += take * max(months, 1)
        else:
            add_orders(model, chosen, sub, take, private=False)
            backlog[chosen] += take
            # any part the units cannot take goes to a private firm; its records leave the stock
        stats["public_orders_won"] += 1


def allocate_private(model: SocialOutsourcingModel, ent: np.ndarray, offers: demand.Offers) -> None:
    """Private work goes to the unit that found it."""
    add_orders(model, ent, offers, offers.qty, private=True)
