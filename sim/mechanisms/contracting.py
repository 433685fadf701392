"""Contracting: the mission, while its supports act (``intermediary.supports``), assigns
training units to schools (on contracts of a term that the schools renew or not) and brokers
public orders - directly where a state ruling allows, otherwise as consortium bids in open
tenders; private firms bid too, and units win on price, capacity and reputation. Without the
mission's brokering the units' own consortium, if it has formed, bids for its members in the
tenders it reaches (``sim.mechanisms.consortium``), and the ``contracting.self_bid_units``
strongest self-marketing units bid, each on its own.

Sources: Heeks & Arun (2010) - direct orders, consortium bids, ~70 % of local-government IT
contracts won, private bids of US$30-40k against US$10k.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import (
    consortium,
    decisions,
    demand,
    diversification,
    intermediary,
    production,
)

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


def assigns_schools(model: SocialOutsourcingModel) -> bool:
    """Whether the mission assigns (and renews) schools this month: its ``assigns_schools``
    support acts (``intermediary.supports``)."""
    return intermediary.supports(model, "assigns_schools")


def _book_school_contracts(
    model: SocialOutsourcingModel, units: np.ndarray, schools: np.ndarray
) -> None:
    """Book one training contract of ``demand.schools.contract_months`` months per unit with
    its school: the school's students every month at the training price."""
    k = len(units)
    if k == 0:
        return
    term = model.config.demand.schools.contract_months
    price = model.line_param("price_usd")[demand.TRAINING]
    offers = demand.Offers(
        np.full(k, demand.TRAINING),
        schools,
        np.zeros(k),
        np.full(k, price),
        np.full(k, model.t + term, dtype=np.int64),
    )
    add_orders(
        model,
        units,
        offers,
        np.full(k, float(term)),
        private=False,
        recurring=True,
        qty_month=model.C.students[schools],
    )


def renew_school_contracts(model: SocialOutsourcingModel) -> np.ndarray:
    """Schools whose training contract has run its term renew it or not: a school that has
    insourced never renews; while the mission assigns schools the others renew; without it
    each renews with probability ``demand.schools.renew_without_mission_prob``. A unit whose
    school does not renew is free again (the mission may assign it another school). Returns
    the units set free."""
    E, C, O = model.E, model.C, model.O
    units = np.flatnonzero(E.alive & (E.school >= 0))
    if len(units) == 0:
        return units
    # a contract has run its term when its recurring order is gone (production removes it
    # after its last month)
    booked = np.zeros(C.n, dtype=bool)
    booked[O.client[O.recurring & (O.line == demand.TRAINING) & (O.client >= 0)]] = True
    due = units[~booked[E.school[units]]]
    if len(due) == 0:
        return due
    schools = E.school[due]
    insourced = C.insourced[schools] >= 0
    if assigns_schools(model):
        renew = ~insourced
    else:
        p = model.config.demand.schools.renew_without_mission_prob
        renew = ~insourced & (model.rng_for("school_renewal").random(len(due)) < p)
    _book_school_contracts(model, due[renew], schools[renew])
    lapsed, lost = due[~renew], schools[~renew]
    C.assigned[lost] = False
    E.school[lapsed] = -1
    stats = model.world.counters
    stats["school_contracts_renewed"] += int(renew.sum())
    stats["school_contracts_lapsed_insourced"] += int(insourced.sum())
    stats["school_contracts_lapsed_other"] += int((~renew & ~insourced).sum())
    if len(lapsed):
        model.log(
            f"{len(lapsed)} school contract(s) ended without renewal "
            f"({int(insourced.sum())} school(s) had insourced)."
        )
    return lapsed


def assign_schools(model: SocialOutsourcingModel) -> None:
    """The mission assigns schools lacking IT staff to training units that have none, each
    on a contract of ``demand.schools.contract_months`` months."""
    if not assigns_schools(model):
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
    _book_school_contracts(model, units, schools)
    model.world.counters["school_contracts_assigned"] += k


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
    """Place public orders: direct orders and consortium bids through the mission while its
    brokering acts; otherwise open tenders, bid by the units' own consortium where it reaches
    and, for the rest (or if its bid loses), by self-marketing units alone."""
    if len(offers) == 0:
        return
    cfg = model.config
    rng = model.rng_for("contracting")
    capacity = production.potential_capacity(model)
    backlog = production.backlog(model)
    ct = cfg.contracting
    base_logit = ct.win_intercept + ct.win_price_coef * np.log(
        max(ct.private_firm_price_multiple, 1e-9)
    )
    direct_draw = rng.random(len(offers))
    win_draw = rng.random(len(offers))
    if intermediary.supports(model, "brokers_public"):
        _broker(model, offers, recurring, capacity, backlog, base_logit, direct_draw, win_draw)
        return
    todo = range(len(offers))
    if consortium.bids(model):
        todo = _consortium_bids(model, offers, recurring, capacity, backlog, base_logit, win_draw)
    _self_bids(model, offers, recurring, capacity, backlog, base_logit, win_draw, todo)


def _consortium_bids(
    model: SocialOutsourcingModel,
    offers: demand.Offers,
    recurring: bool,
    capacity: np.ndarray,
    backlog: np.ndarray,
    base_logit: float,
    win_draw: np.ndarray,
) -> np.ndarray:
    """The units' consortium bids, as the mission's consortium bids, for its members in the
    open tenders it reaches (each with chance ``consortium.tender_reach_share``); return the
    orders it did not place, which the self-marketing units bid for next."""
    cs = model.config.consortium
    reached = np.flatnonzero(
        model.rng_for("consortium").random(len(offers)) < cs.tender_reach_share
    )
    placed = np.zeros(len(offers), dtype=bool)
    if len(reached):
        sub = demand.Offers(
            offers.line[reached], offers.client[reached], offers.qty[reached],
            offers.price[reached], offers.deadline[reached],
        )
        won = _broker(
            model, sub, recurring, capacity, backlog, base_logit,
            np.ones(len(reached)), win_draw[reached], eligible=model.E.consortium,
            k_max=cs.max_units_per_bid, ties=model.rng_for("consortium_ties"),
            count_orders=False,
        )
        placed[reached[won]] = True
        model.world.counters["consortium_orders_won"] += int(won.sum())
    return np.flatnonzero(~placed)


def _self_bids(
    model: SocialOutsourcingModel,
    offers: demand.Offers,
    recurring: bool,
    capacity: np.ndarray,
    backlog: np.ndarray,
    base_logit: float,
    win_draw: np.ndarray,
    todo,
) -> None:
    """Self-marketing units bid for orders ``todo``, each alone: the ``self_bid_units`` units
    of the line with the strongest bids (work they can take x (self_bid_base_weight +
    reputation)) that have room. Bid j beats the private firms with chance
    logistic(b0 + b_r rep_j + b_c cover_j); the agency takes, of the bids that beat them, the
    one with the highest chance (the strongest on a tie). The strongest bid's draw is the
    order's ``win_draw`` (so one bidder draws as before), the others' come from the
    ``self_bid`` stream."""
    cfg = model.config
    E = model.E
    ct = cfg.contracting
    k_bid = ct.self_bid_units
    stats = model.world.counters
    units_of: dict[int, np.ndarray] = {}
    declined = decisions.declines(model)  # played units that do not bid this quarter
    for i in todo:
        line = int(offers.line[i])
        qty = float(offers.qty[i])
        months = int(offers.deadline[i] - model.t)
        units = units_of.get(line)
        if units is None:
            # sellers of the line: its units and those diversified into it (issue 14 item 12)
            sellers = diversification.sells(model, line)
            bidders = sellers & E.markets_self
            if declined is not None:
                bidders = bidders & ~declined
            units = units_of[line] = np.flatnonzero(bidders)
        stats["public_orders"] += 1
        if len(units) == 0:
            continue
        # spare capacity in the order's line's units (diversification: own units / factor)
        factor = diversification.work_factor(model, units, line)
        spare = _spare(model, capacity, backlog, units, 1 if recurring else months) / factor
        need = qty  # recurring: one month's work; one-off: the whole order
        # the k strongest self-marketing units bid, each alone (those with room)
        score = np.minimum(spare, need) * (ct.self_bid_base_weight + E.reputation[units])
        order = np.argsort(-score, kind="stable")[:k_bid]
        order = order[spare[order] > 0]
        if len(order) == 0:
            continue
        p = np.empty(len(order))
        for j, o in enumerate(order):
            spare_j = spare[o : o + 1]
            cover = min(1.0, spare_j.sum() / need)
            rep = float(np.average(E.reputation[units[o : o + 1]],
                                   weights=np.maximum(spare_j, 1e-9)))
            logit = base_logit + ct.win_reputation_coef * rep + ct.win_capacity_coef * cover
            if declined is not None:  # a played unit's own price: log(firms' / its price)
                m = decisions.price_multiple(model, units[o])
                if m != 1.0:
                    logit -= ct.win_price_coef * np.log(m)
            p[j] = _sigmoid(logit)
        u = np.empty(len(order))
        u[0] = win_draw[i]
        if len(order) > 1:
            u[1:] = model.rng_for("self_bid").random(len(order) - 1)
        stats["tenders"] += 1
        wins = np.flatnonzero(u < p)
        if len(wins) == 0:
            continue
        best = order[wins[np.argmax(p[wins])]]
        chosen, spare_c = units[best : best + 1], spare[best : best + 1]
        factor_c = factor[best : best + 1]
        stats["tenders_won"] += 1
        share = spare_c / spare_c.sum()
        take = share * min(need, spare_c.sum())
        keep = take > 1e-9
        chosen, take, factor_c = chosen[keep], take[keep], factor_c[keep]
        price = offers.price[[i] * len(chosen)]
        if declined is not None:  # a played unit is paid the price it bid
            price = price * np.array([decisions.price_multiple(model, u) for u in chosen])
        sub = demand.Offers(
            offers.line[[i] * len(chosen)],
            offers.client[[i] * len(chosen)],
            take,
            price,
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
            backlog[chosen] += take * max(months, 1) * factor_c
        else:
            add_orders(model, chosen, sub, take, private=False)
            backlog[chosen] += take * factor_c
            # any part the unit cannot take goes to a private firm; its records leave the stock
        stats["public_orders_won"] += 1


# Exact ties between equally free units are broken by a random key per unit (False: by row,
# which makes the queue reproduce a plain stable sort - used to verify it against one).
RANDOM_TIES = True
# Scores below this count as a tie at zero: units with (almost) no free share of capacity are
# equally full, and the mission picks among them at random (as a 1e-6 random jitter did).
NEARLY_FULL = 1e-6


class _Queue:
    """The units of one line ranked for the mission, best first: free share of capacity x
    reputation weight, exact ties by a random key. An order changes only the ranks of the units
    it was offered to, so those are re-queued (through a heap) and the others keep their place:
    a month's orders cost O(orders x N log units), not O(orders x units).

    Tie keys are exponential clocks: a re-queued unit gets the largest key yet taken from its
    score group plus a fresh exponential draw. By memorylessness every unit of a group then
    waits an independent exponential time, so each order picks a uniformly random subset of
    the tied units, as drawing fresh noise for every unit at every order would."""

    def __init__(self, units: np.ndarray, mm: int, cap, free, rep, backlog, keys, weight):
        self.units, self.mm = units.tolist(), mm
        room = cap[units] * mm
        spare = np.maximum(room - backlog[units], 0.0)
        share = np.divide(spare, room, out=np.zeros(len(units)), where=room > 0)
        w0, w1 = weight  # mission.rank_base_weight, mission.rank_reputation_weight
        a = np.minimum(share, free[units]) * (w0 + w1 * rep[units])
        if RANDOM_TIES:
            a[a < NEARLY_FULL] = 0.0
        pos = np.arange(len(units))
        keys = keys if RANDOM_TIES else pos.astype(float)
        self.sorted = np.lexsort((pos, keys, -a)).tolist()  # never reordered
        self.neg_a, self.key = (-a).tolist(), keys.tolist()
        self.version = [0] * len(units)  # 0: its sorted entry is valid; >0: its heap entry is
        self.p = 0  # next sorted entry to look at
        self.heap: list[tuple[float, float, int, int]] = []  # re-queued units
        self.taken: dict[float, float] = {}  # score -> largest tie key taken at that score


# Which of the two equal allocation loops runs (same orders, same draws, same bytes): the
# compiled ``broker_kernel.allocate`` (True), the plain-Python reference ``_broker_python``
# (False), or (None) the compiled one for calls of at least KERNEL_FROM_ORDERS orders. Loading
# the compiled code costs a process about a second once (importing numba, reading its cache),
# while the reference takes ~40 us an order: a Kerala-sized world (under 100 orders a month)
# runs faster without it, a national one (thousands a month) about four times faster with it.
COMPILED: bool | None = None
KERNEL_FROM_ORDERS = 500


def _broker(
    model: SocialOutsourcingModel,
    offers: demand.Offers,
    recurring: bool,
    capacity: np.ndarray,
    backlog: np.ndarray,
    base_logit: float,
    direct_draw: np.ndarray,
    win_draw: np.ndarray,
    eligible: np.ndarray | None = None,
    k_max: int | None = None,
    ties: np.random.Generator | None = None,
    count_orders: bool = True,
) -> np.ndarray:
    """The mission's (or the units' consortium's) allocation of ``offers``, as described in
    ``_broker_python``: here run by the compiled loop ``broker_kernel.allocate`` with the tie
    keys drawn beforehand in the reference's order. Return which orders were placed."""
    if not (COMPILED if COMPILED is not None else len(offers) >= KERNEL_FROM_ORDERS):
        return _broker_python(
            model, offers, recurring, capacity, backlog, base_logit, direct_draw, win_draw,
            eligible, k_max, ties, count_orders,
        )
    from sim.mechanisms import broker_kernel  # compiled on first use (numba, cached)

    E = model.E
    ct = model.config.contracting
    if k_max is None:
        k_max = model.config.mission.consortium_max_units
    if ties is None:
        ties = model.rng_for("mission_ties")
    pool = E.alive if eligible is None else E.alive & eligible
    n = len(offers)
    line_of = np.asarray(offers.line, dtype=np.int64)
    months_of = np.asarray(offers.deadline - model.t, dtype=np.int64)
    mm_of = np.ones(n, dtype=np.int64) if recurring else np.maximum(months_of, 1)
    # the lines of this call (in order of first appearance), their sellers and work factors
    lines, line_first = np.unique(line_of, return_index=True)
    lines = lines[np.argsort(line_first)]
    line_idx = np.empty(n, dtype=np.int64)
    fac = np.ones((len(lines), E.n))
    units_of, orders_of = [], []
    for li, line in enumerate(lines.tolist()):
        orders_of.append(np.flatnonzero(line_of == line))
        line_idx[orders_of[-1]] = li
        units_of.append(np.flatnonzero(pool & diversification.sells(model, line)))
        for u, f in diversification.factors(model, line).items():
            fac[li, u] = f
    n_units = np.array([len(u) for u in units_of], dtype=np.int64)
    line_uoff = np.zeros(len(lines) + 1, dtype=np.int64)
    line_uoff[1:] = np.cumsum(n_units)
    line_units = np.concatenate(units_of) if len(units_of) else np.zeros(0, dtype=np.int64)
    # one queue per (line, months of work), made at the line's first order of those months
    qkey = line_idx * (int(mm_of.max()) + 1) + mm_of
    uniq, first = np.unique(qkey, return_index=True)
    made = np.argsort(first, kind="stable")
    q_first = first[made]  # order that makes each queue, in the order they are made
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[made] = np.arange(len(uniq))
    qid_of = rank[np.searchsorted(uniq, qkey)]
    create_of = np.zeros(n, dtype=bool)
    create_of[q_first] = True
    q_line = line_idx[q_first]
    q_mm = mm_of[q_first]
    q_n = n_units[q_line]
    q_off = np.zeros(len(q_first) + 1, dtype=np.int64)
    q_off[1:] = np.cumsum(q_n)
    line_qoff = np.zeros(len(lines) + 1, dtype=np.int64)
    line_qoff[1:] = np.cumsum(np.bincount(q_line, minlength=len(lines)))
    offered_line = np.minimum(k_max, n_units)
    offered = offered_line[line_idx]  # units offered each order
    # each order re-queues its offered units in every queue its line has by then; a queue's
    # heap has room for every push from its first order on
    queues_by_then = np.zeros(n, dtype=np.int64)
    pushes = np.zeros(len(q_first), dtype=np.int64)
    for li, at in enumerate(orders_of):
        qs = np.flatnonzero(q_line == li)
        queues_by_then[at] = np.searchsorted(q_first[qs], at, side="right")
        pushes[qs] = (len(at) - np.searchsorted(at, q_first[qs])) * offered_line[li]
    q_hoff = np.zeros(len(q_first) + 1, dtype=np.int64)
    q_hoff[1:] = np.cumsum(pushes)
    init_keys, pop_keys = _tie_keys(
        ties, q_first, q_n, offered * queues_by_then if RANDOM_TIES else np.zeros(n, np.int64)
    )
    n_rows_max = int(offered.sum())
    rows_o = np.zeros(n_rows_max, dtype=np.int64)
    rows_u = np.zeros(n_rows_max, dtype=np.int64)
    rows_take = np.zeros(n_rows_max)
    rows_m = np.zeros(n_rows_max, dtype=np.int64)
    placed_of = np.zeros(n, dtype=bool)
    counts = np.zeros(4, dtype=np.int64)
    blog = np.array(backlog, dtype=np.float64)
    mc = model.config.mission
    n_rows = broker_kernel.allocate(
        line_idx, np.asarray(offers.qty, dtype=np.float64), months_of,
        direct_draw < mc.direct_order_share, np.asarray(win_draw, dtype=np.float64),
        qid_of, create_of, q_mm, q_off, q_hoff, line_uoff, line_units, line_qoff,
        init_keys, pop_keys, np.asarray(capacity, dtype=np.float64),
        np.asarray(1 - E.utilisation, dtype=np.float64),
        np.asarray(E.reputation, dtype=np.float64), blog, fac,
        int(k_max), bool(recurring), bool(RANDOM_TIES), float(base_logit),
        float(ct.win_reputation_coef), float(ct.win_capacity_coef),
        float(mc.rank_base_weight), float(mc.rank_reputation_weight),
        rows_o, rows_u, rows_take, rows_m, placed_of, counts,
    )
    n_tenders, n_won, n_direct, n_placed = counts.tolist()
    stats = model.world.counters
    stats["public_orders"] += n if count_orders else n_placed
    stats["tenders"] += n_tenders
    stats["tenders_won"] += n_won
    stats["direct_orders"] += n_direct
    stats["public_orders_won"] += n_placed
    if n_rows:
        _book(model, offers, rows_o[:n_rows], rows_u[:n_rows], rows_take[:n_rows],
              rows_m[:n_rows], recurring)
    backlog[:] = blog
    return placed_of


def _book(model: SocialOutsourcingModel, offers: demand.Offers, o: np.ndarray, ent: np.ndarray,
          take: np.ndarray, months: np.ndarray, recurring: bool) -> None:
    """Book the allocation's placements (offer ``o`` to unit ``ent``, ``take`` of it, for
    ``months`` when recurring) as orders: one way for the compiled and the reference loop."""
    sub = demand.Offers(
        offers.line[o], offers.client[o], take, offers.price[o], offers.deadline[o]
    )
    if recurring:
        add_orders(
            model, ent, sub, months.astype(float), private=False, recurring=True,
            qty_month=take,
        )
    else:
        add_orders(model, ent, sub, take, private=False)


TIE_BLOCK = 256  # tie keys the reference draws at a time when it runs out


def _tie_keys(
    ties: np.random.Generator, q_first: np.ndarray, q_n: np.ndarray, used: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The tie keys of one allocation, drawn in the reference's order: each queue's own keys
    (``q_n`` of them) when its first order ``q_first`` comes, and blocks of ``TIE_BLOCK`` for
    re-queued units whenever the block in hand runs out (``used[i]`` keys at order i), taken
    from each block's end first. Return (the queues' keys end to end, the re-queue keys in the
    order they are used). How many keys each order uses is known before the loop (k offered
    units x queues of its line), so the blocks each queue's draw comes after are too."""
    used_before = np.cumsum(used) - used
    blocks: list[np.ndarray] = []
    init: list[np.ndarray] = []
    drawn = 0
    for i, nq in zip(q_first.tolist(), q_n.tolist(), strict=True):
        due = -(-int(used_before[i]) // TIE_BLOCK)
        if due > drawn:
            blocks.append(ties.standard_exponential((due - drawn) * TIE_BLOCK))
            drawn = due
        init.append(ties.standard_exponential(nq))
    due = -(-int(used.sum()) // TIE_BLOCK)
    if due > drawn:
        blocks.append(ties.standard_exponential((due - drawn) * TIE_BLOCK))
    flat = np.concatenate(blocks) if blocks else np.zeros(0)
    pop = flat.reshape(-1, TIE_BLOCK)[:, ::-1].ravel()
    return (np.concatenate(init) if init else np.zeros(0)), pop


def _broker_python(
    model: SocialOutsourcingModel,
    offers: demand.Offers,
    recurring: bool,
    capacity: np.ndarray,
    backlog: np.ndarray,
    base_logit: float,
    direct_draw: np.ndarray,
    win_draw: np.ndarray,
    eligible: np.ndarray | None = None,
    k_max: int | None = None,
    ties: np.random.Generator | None = None,
    count_orders: bool = True,
) -> np.ndarray:
    """The mission spreads each order over up to N units with the lightest load relative to
    their capacity, weighted by reputation (exact ties at random), directly where a state
    ruling allows, else as a consortium bid in an open tender; the order is split over the
    chosen units in proportion to their spare capacity. The units' own consortium bids the same
    way for its members (``eligible``), with its own N and tie stream and no direct orders
    (``count_orders`` False: the orders it does not place are counted by the self-bidders).
    Return which orders were placed; ``backlog`` is updated with the work booked.

    The plain-Python reference of ``broker_kernel.allocate`` (which ``_broker`` runs): same
    orders, same draws, same bytes."""
    E = model.E
    ct = model.config.contracting
    if k_max is None:
        k_max = model.config.mission.consortium_max_units
    if ties is None:
        ties = model.rng_for("mission_ties")
    pool = E.alive if eligible is None else E.alive & eligible
    declined = decisions.declines(model)  # played units that take no new orders this quarter
    if declined is not None:
        pool = pool & ~declined
    heappop, heappush = heapq.heappop, heapq.heappush
    cap = capacity.tolist()
    free_a = 1 - E.utilisation
    free = free_a.tolist()
    rep = E.reputation.tolist()
    blog = backlog.tolist()
    line_of = offers.line.tolist()
    qty_of = offers.qty.tolist()
    months_of = (offers.deadline - model.t).tolist()
    direct_of = (direct_draw < model.config.mission.direct_order_share).tolist()
    win_of = win_draw.tolist()
    c_rep, c_cap = ct.win_reputation_coef, ct.win_capacity_coef
    w0, w1 = model.config.mission.rank_base_weight, model.config.mission.rank_reputation_weight
    queues: dict[tuple[int, int], _Queue] = {}
    of_line: dict[int, list[_Queue]] = {}
    factors_of: dict[int, dict[int, float]] = {}  # diversification (issue 14 item 12)
    keys: list[float] = []
    rows: list[tuple[int, int, float, int]] = []  # (order, enterprise, take, months)
    n_tenders = n_won = n_direct = n_placed = 0
    placed_of = np.zeros(len(line_of), dtype=bool)
    for i in range(len(line_of)):
        line, need, months = line_of[i], qty_of[i], months_of[i]
        mm = 1 if recurring else (months if months > 1 else 1)
        q = queues.get((line, mm))
        fac = factors_of.get(line)
        if fac is None:  # units diversified into the line: own capacity per unit of its work
            fac = factors_of[line] = diversification.factors(model, line)
        if q is None:
            units = np.flatnonzero(pool & diversification.sells(model, line))
            q = queues[(line, mm)] = _Queue(
                units, mm, capacity, free_a, E.reputation, np.asarray(blog),
                ties.standard_exponential(len(units)), (w0, w1),
            )
            of_line.setdefault(line, []).append(q)
        units = q.units
        if not units:
            continue
        # the k best units: merge the sorted list (units not offered work yet) and the heap
        srt, neg_a, key, ver, heap, taken = q.sorted, q.neg_a, q.key, q.version, q.heap, q.taken
        p, n_sorted = q.p, len(srt)
        pos: list[int] = []
        while len(pos) < k_max:
            while p < n_sorted and ver[srt[p]]:
                p += 1
            while heap and heap[0][3] != ver[heap[0][2]]:
                heappop(heap)
            if p < n_sorted:
                j = srt[p]
                top = (neg_a[j], key[j], j)
                if heap and heap[0][:3] < top:
                    top = heappop(heap)
                    j = top[2]
                else:
                    p += 1
            elif heap:
                top = heappop(heap)
                j = top[2]
            else:
                break
            if taken.get(top[0], -1.0) < top[1]:
                taken[top[0]] = top[1]
            ver[j] = -1
            pos.append(j)
        q.p = p
        chosen = [units[j] for j in pos]
        spare_c = [max(cap[u] * mm - blog[u], 0.0) / fac.get(u, 1.0) for u in chosen]
        total = 0.0
        for s in spare_c:
            total += s
        placed = total > 0
        if placed and not direct_of[i]:
            cover = min(1.0, total / need)
            sw = sr = 0.0
            for u, s in zip(chosen, spare_c, strict=True):
                w = s if s > 1e-9 else 1e-9
                sw += w
                sr += rep[u] * w
            p_win = _sigmoid(base_logit + c_rep * (sr / sw) + c_cap * cover)
            n_tenders += 1
            placed = win_of[i] < p_win
            n_won += placed
        elif placed:
            n_direct += 1
        if placed:
            # split the order over the chosen units in proportion to their spare capacity;
            # any part they cannot take goes to a private firm
            part = min(need, total)
            for u, s in zip(chosen, spare_c, strict=True):
                take = s / total * part
                if take > 1e-9:
                    rows.append((i, u, take, months))
                    blog[u] += (
                        take * (months if months > 1 else 1) if recurring else take
                    ) * fac.get(u, 1.0)
            n_placed += 1
            placed_of[i] = True
        # the units offered this order are re-queued with their new load (and a new tie key)
        for qq in of_line[line]:
            m2, ver2, h2, taken2 = qq.mm, qq.version, qq.heap, qq.taken
            for j, u in zip(pos, chosen, strict=True):
                room = cap[u] * m2
                share = max(room - blog[u], 0.0) / room if room > 0 else 0.0
                a = min(share, free[u]) * (w0 + w1 * rep[u])
                if RANDOM_TIES:
                    if a < NEARLY_FULL:
                        a = 0.0
                    if not keys:
                        keys = ties.standard_exponential(256).tolist()
                    k = taken2.get(-a, 0.0) + keys.pop()
                else:
                    k = float(j)
                v = ver2[j] = (ver2[j] if ver2[j] > 0 else 0) + 1
                heappush(h2, (-a, k, j, v))
    stats = model.world.counters
    stats["public_orders"] += len(line_of) if count_orders else n_placed
    stats["tenders"] += n_tenders
    stats["tenders_won"] += n_won
    stats["direct_orders"] += n_direct
    stats["public_orders_won"] += n_placed
    if rows:
        o, ent, take, months = (np.array(c) for c in zip(*rows, strict=True))
        _book(model, offers, o, ent, take, months, recurring)
    backlog[:] = blog
    return placed_of


def allocate_private(model: SocialOutsourcingModel, ent: np.ndarray, offers: demand.Offers) -> None:
    """Private work goes to the unit that found it."""
    add_orders(model, ent, offers, offers.qty, private=True)
