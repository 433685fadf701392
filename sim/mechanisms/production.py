"""Production: work done in a month is bounded by capacity = people (skilled members,
employees and casual workers) x productivity, and by working PCs; orders are worked first in,
first out; work done is invoiced; orders past their deadline are cancelled, costing reputation.

Sources: Heeks & Arun (2010) - units hire casual workers (52 in the example data-entry unit),
reputation with public officials; capacity rule from the design notes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.mechanisms import assets, demand, diversification, infrastructure, payments
from sim.state import tally

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel


def member_strength(model: SocialOutsourcingModel) -> tuple[np.ndarray, np.ndarray]:
    """(active core members, their summed skill) per enterprise."""
    M = model.M
    active = M.left < 0
    ent = M.enterprise[active]
    n = np.bincount(ent, minlength=model.E.n)
    skill = tally(ent, M.skill[active], model.E.n)
    return n, skill


class CapacityTerms(NamedTuple):
    """The pieces of a unit's monthly capacity, per enterprise row (see ``capacity_terms``)."""

    members: np.ndarray
    """Active core members [people]."""
    skill: np.ndarray
    """Their summed skill [skill-weighted people]."""
    core: np.ndarray
    """Skill of the core team: members' summed skill plus employees x their mean skill
    [skill-weighted people]."""
    per_person: np.ndarray
    """Output of one person at skill 1 this month, after uptime [units of work/month]."""
    pc_cap: np.ndarray
    """Output the working PCs allow, after uptime [units of work/month]."""
    seats: np.ndarray
    """People the working PCs seat [people]."""


def capacity_terms(model: SocialOutsourcingModel) -> CapacityTerms:
    """The capacity formula's terms, in one place for ``potential_capacity`` (what a unit could
    do, read by contracting and clients) and ``produce`` (what it does): people x productivity
    x uptime, bounded by working PCs."""
    E = model.E
    members, skill = member_strength(model)
    pcs = assets.working_pcs(model)
    line = E.line
    up = infrastructure.uptime(model)  # power cuts and connectivity cost working hours
    per_person = model.line_param("output_per_person")[line] * E.productivity * up
    pc_cap = pcs * model.line_param("output_per_pc")[line] * E.productivity * up
    seats = pcs * model.line_param("seats_per_pc")[line]
    core = skill + E.employees * E.employee_skill
    return CapacityTerms(members, skill, core, per_person, pc_cap, seats)


def potential_capacity(model: SocialOutsourcingModel) -> np.ndarray:
    """Output a unit could deliver this month with members, employees and casuals on every seat."""
    E = model.E
    t = capacity_terms(model)
    people = np.maximum(t.core, 0) + np.maximum(t.seats - t.skill - E.employees, 0)
    cap = np.minimum(people * t.per_person, t.pc_cap)
    return np.where(E.alive, cap, 0.0)


def backlog(model: SocialOutsourcingModel) -> np.ndarray:
    """Contracted work not yet done, per enterprise (recurring work counted for one month)."""
    O = model.O
    w = np.where(O.recurring, O.qty_month, O.remaining)
    # a second line's work in the unit's own output units (diversification, issue 14 item 12)
    w = w * diversification.work_factor(model, O.enterprise, O.line)
    return tally(O.enterprise, w, model.E.n)


def produce(model: SocialOutsourcingModel) -> None:
    """Work this month's orders, hire casual workers for overflow, invoice what was done."""
    E, O = model.E, model.O
    cfg = model.config
    n = E.n
    E.output = 0.0
    E.revenue_month = 0.0
    E.revenue_private_month = 0.0
    E.capacity = 0.0
    E.casuals = 0
    model.world.casual_cost = np.zeros(n)
    if n == 0:
        return

    members, _, core, per_person, pc_cap, seats = capacity_terms(model)
    line = E.line
    core_cap = core * per_person
    want = np.where(O.recurring, O.qty_month, O.remaining)
    # diversification (issue 14 item 12): capacity and output are in the unit's own output
    # units; a second line's order is worked at `factor` own units per unit of its work
    factor = diversification.work_factor(model, O.enterprise, O.line)
    want = want * factor
    demand_e = tally(O.enterprise, want, n)

    # casual workers fill free seats when contracted work exceeds the core team's capacity
    free_seats = np.maximum(np.floor(seats - members - E.employees), 0)
    extra = np.minimum(
        np.maximum(np.minimum(demand_e, pc_cap) - core_cap, 0), free_seats * per_person
    )
    casuals = np.ceil(extra / np.maximum(per_person, 1e-12)).astype(np.int64)
    capacity = np.minimum(core_cap + extra, pc_cap)
    capacity = np.where(E.alive, capacity, 0.0)
    E.capacity = capacity
    E.casuals = np.where(E.alive, casuals, 0)

    # first in, first out within each enterprise
    if O.n:
        order = np.lexsort((np.arange(O.n), O.enterprise))
        ent = O.enterprise[order]
        w = want[order]
        cum = np.cumsum(w)
        start = np.concatenate(([0], np.flatnonzero(ent[1:] != ent[:-1]) + 1))
        group_first = np.zeros(len(ent), dtype=np.int64)
        group_first[start] = start
        group_first = np.maximum.accumulate(group_first)
        before = cum - w - (cum[group_first] - w[group_first])
        done_sorted = np.clip(capacity[ent] - before, 0, w)
        done = np.empty(O.n)
        done[order] = done_sorted
    else:
        done = np.empty(0)

    output = tally(O.enterprise, done, n)
    done = done / factor  # back in each order's own line's units
    value = done * O.price
    E.output = output
    revenue = tally(O.enterprise, value, n)
    revenue_private = tally(O.enterprise, np.where(O.private, value, 0.0), n)
    E.revenue_month = revenue
    E.revenue_private_month = revenue_private
    E.revenue_year += revenue
    E.revenue_private_year += revenue_private

    # casual workers are paid piece-rate for the overflow they produced
    casual_output = np.minimum(np.maximum(output - core_cap, 0), extra)
    avg_price = np.divide(revenue, output, out=np.zeros(n), where=output > 0)
    model.world.casual_cost = casual_output * avg_price * model.line_param("casual_pay_share")[line]

    billed = value > 0
    payments.invoice(
        model, O.enterprise[billed], value[billed], O.client[billed], O.private[billed]
    )

    # advance orders: one-off work is used up; recurring contracts use up a month
    O.remaining = np.where(O.recurring, O.remaining - 1, O.remaining - done)
    finished = ~O.recurring & (O.remaining <= 1e-9)
    expired = ~O.recurring & ~finished & (O.deadline <= model.t + 1)
    ended = O.recurring & (O.remaining <= 0)
    ct = cfg.contracting
    for mask, gain in ((finished, True), (expired, False)):
        if mask.any():
            ent_m = O.enterprise[mask]
            counts = np.bincount(ent_m, minlength=n)
            hit = counts > 0
            if gain:
                E.reputation[hit] += (1 - E.reputation[hit]) * (
                    1 - (1 - ct.reputation_gain) ** counts[hit]
                )
            else:
                E.reputation[hit] *= (1 - ct.reputation_loss) ** counts[hit]
    # unfinished public digitisation goes back to the stock
    demand.return_records(model, expired)
    model.world.counters["orders_cancelled"] += int(expired.sum())
    O.keep(~(finished | expired | ended))

    # utilisation and idleness
    util = np.divide(output, capacity, out=np.zeros(n), where=capacity > 0)
    E.utilisation = util
    busy = util >= cfg.assets.expand_utilisation
    E.high_util_months = np.where(busy & E.alive, E.high_util_months + 1, 0)
    E.idle_months = np.where(E.alive & (output <= 0), E.idle_months + 1, 0)
