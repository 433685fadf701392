"""Public and private demand: digitisation orders drawn from a finite, depleting stock of
paper records; schools that buy training places and may insource it; PC orders and annual
maintenance contracts; and private work that only units marketing themselves can find, from a
finite market local to each area that the sellers there share.

Sources: Heeks & Arun (2010) - lines of business, digitisation saturation, insourcing threat;
IT@School programme (schools' own teachers as IT trainers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import diversification
from sim.scenario import LINES, add_months
from sim.state import monthly_probability

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel

TRAINING, DATA_ENTRY, HARDWARE = (LINES.index(x) for x in LINES)
AGENCY, SCHOOL = 0, 1
# client codes on orders and invoices besides public clients (their rows, >= 0): the lines' own
# private work, and the private client segments (segment s is FIRST_SEGMENT_CLIENT - s)
LINE_PRIVATE_CLIENT = -1
FIRST_SEGMENT_CLIENT = -2


@dataclass
class Offers:
    """Work offered this month, one entry per order (column arrays)."""

    line: np.ndarray
    client: np.ndarray
    qty: np.ndarray
    price: np.ndarray
    deadline: np.ndarray

    def __len__(self) -> int:
        return len(self.line)


def init_clients(model: SocialOutsourcingModel) -> None:
    """Create public agencies (each with its own mean payment delay and its rank for paying on
    terms) and the pool of schools."""
    cfg = model.config
    rng = model.rng_for("clients")
    C = model.C
    n_s = cfg.demand.schools.pool_size
    kinds = np.r_[np.full(cfg.demand.public_agencies, AGENCY), np.full(n_s, SCHOOL)]
    mean = cfg.payments.public_mean_delay_months
    shape = cfg.payments.client_delay_shape
    delay = rng.gamma(shape, mean / shape, size=len(kinds)) if mean > 0 else np.zeros(len(kinds))
    sc = cfg.demand.schools
    size = sc.mean_students * np.exp(sc.students_sigma * rng.standard_normal(len(kinds))
                                      - sc.students_sigma**2 / 2)
    students = np.where(kinds == SCHOOL, np.maximum(sc.min_students, size), 0.0)
    # which clients pay on terms: a rank each from a stream of its own (issue 14, item 10), so
    # that the other draws are not shifted
    rank = model.rng_for("clients.on_time").random(len(kinds))
    C.append(len(kinds), kind=kinds, mean_delay=delay, students=students, on_time_rank=rank)
    model.world.agencies = np.flatnonzero(C.kind == AGENCY)


def follow_delay_mean(model: SocialOutsourcingModel, before: float) -> None:
    """A dated ``set`` of ``payments.public_mean_delay_months``: each public client's own mean
    delay scales with the new mean (its place in the spread kept), for invoices issued from this
    month on; from a mean of 0 (everyone paid on time) the delays are drawn afresh, from a stream
    of their own so that runs without the change draw exactly as before."""
    cfg = model.config.payments
    after = cfg.public_mean_delay_months
    if after == before:
        return
    C = model.C
    if before > 0:
        C.mean_delay = C.mean_delay * (after / before)
    else:
        shape = cfg.client_delay_shape
        C.mean_delay = model.rng_for("clients.delay_reset").gamma(shape, after / shape, size=C.n)


def _lognormal(rng: np.random.Generator, mean: float, sigma: float, n: int) -> np.ndarray:
    mu = np.log(mean) - sigma**2 / 2
    return np.exp(mu + sigma * rng.standard_normal(n))


def public_orders(model: SocialOutsourcingModel) -> Offers:
    """This month's public one-off orders: digitisation (limited by the records stock) and PCs."""
    cfg = model.config
    rng = model.rng_for("demand")
    d = cfg.demand.digitisation
    price = model.line_param("price_usd")

    model.world.records_stock += records_inflow(model)
    share = min(model.world.records_stock / d.initial_stock, 1.0) ** d.depletion_elasticity
    n_de = rng.poisson(d.orders_per_month * share)
    size = _lognormal(rng, d.mean_order_size, d.order_size_sigma, n_de)
    # orders cannot ask for more records than remain
    cum = np.cumsum(size)
    size = np.clip(np.minimum(cum, model.world.records_stock) - (cum - size), 0, None)
    size = size[size > 0]
    model.world.records_stock -= size.sum()

    h = cfg.demand.hardware
    n_hw = rng.poisson(h.orders_per_month)
    pcs = 1 + rng.poisson(max(h.mean_order_size - 1, 0), n_hw).astype(float)

    n1, n2 = len(size), n_hw
    lines = np.r_[np.full(n1, DATA_ENTRY), np.full(n2, HARDWARE)].astype(np.int64)
    clients = model.world.agencies[rng.integers(0, len(model.world.agencies), n1 + n2)]
    deadline = model.t + np.r_[np.full(n1, d.deadline_months), np.full(n2, h.deadline_months)]
    return Offers(lines, clients, np.r_[size, pcs], price[lines], deadline.astype(np.int64))


def return_records(model: SocialOutsourcingModel, lapsed: np.ndarray) -> None:
    """Records of open orders that lapse unfinished (mask ``lapsed`` over the order table) go
    back to the stock, if the order is public one-off digitisation: the one rule shared by
    cancelled orders (``production``) and the work of closing units (``closure``)."""
    O = model.O
    back = lapsed & ~O.private & ~O.recurring & (O.line == DATA_ENTRY)
    model.world.records_stock += float(O.remaining[back].sum())


def maintenance_offers(model: SocialOutsourcingModel) -> Offers:
    """New annual maintenance contracts for hardware units (recurring, one unit of work a month)."""
    h = model.config.demand.hardware
    rng = model.rng_for("demand")
    n = rng.poisson(h.amc_per_month)
    clients = model.world.agencies[rng.integers(0, len(model.world.agencies), n)]
    return Offers(
        np.full(n, HARDWARE, dtype=np.int64),
        clients,
        np.ones(n),
        np.full(n, h.amc_usd_per_month),
        np.full(n, model.t + h.amc_months),
    )


def private_orders(model: SocialOutsourcingModel) -> tuple[np.ndarray, Offers]:
    """Private orders found by units that market themselves: (enterprise of each, offers).

    Each line has a finite private market in each area: Poisson(``private_market_orders_per_
    area_month``) orders arise there a month, drawn for every line and area whether anyone sells
    there or not (stream ``private.market``), so that the market does not grow with its sellers.
    Each self-marketing unit follows up Poisson(``private_orders_per_month``) leads (its search
    reach). The area's orders go to its sellers' leads, at most one order a lead, chosen without
    replacement with weight ``marketing.private_base_weight`` + the unit's reputation; orders
    beyond the leads go elsewhere. So a unit alone in an unlimited market finds its reach, and
    many sellers share the area's orders."""
    E = model.E
    n_areas = model.config.marketing.areas
    size_of_market = model.line_param("private_market_orders_per_area_month")
    mrng = model.rng_for("private.market")
    market = mrng.poisson(np.repeat(size_of_market, n_areas))  # row: line * n_areas + area
    rng = model.rng_for("private")
    units = np.flatnonzero(E.alive & E.markets_self)
    empty = np.empty(0, dtype=np.int64)
    if len(units) == 0:
        return empty, Offers(empty, empty, np.empty(0), np.empty(0), empty)
    line = E.line[units]
    # a diversified unit also sells its second line (issue 14 item 12)
    units, line = diversification.seller_pairs(model, units, line)
    leads = rng.poisson(model.line_param("private_orders_per_month")[line])
    lead_of = np.repeat(units, leads)
    lead_line = np.repeat(line, leads)
    if len(lead_of) == 0:
        return empty, Offers(empty, empty, np.empty(0), np.empty(0), empty)
    group = lead_line * n_areas + E.area[lead_of]
    # weighted sampling without replacement within each group (Efraimidis & Spirakis 2006):
    # the leads with the largest log(u) / weight win the group's orders
    weight = model.config.marketing.private_base_weight + E.reputation[lead_of]
    key = np.log(mrng.random(len(lead_of))) / weight
    order = np.lexsort((-key, group))
    g = group[order]
    rank = np.arange(len(g)) - np.searchsorted(g, g, side="left")
    won = np.sort(order[rank < market[g]])
    ent, ln = lead_of[won], lead_line[won]
    mk = model.config.marketing  # spread and deadline of the orders self-marketing finds
    size = _lognormal(rng, 1.0, mk.private_order_size_sigma, len(ent))
    size = size * model.line_param("private_order_size")[ln]
    price = model.line_param("price_usd")[ln] * model.line_param("private_price_multiple")[ln]
    offers = Offers(
        ln,
        np.full(len(ent), LINE_PRIVATE_CLIENT, dtype=np.int64),
        size,
        price,
        np.full(len(ent), model.t + mk.private_deadline_months, dtype=np.int64),
    )
    return ent, offers


def year_of(model: SocialOutsourcingModel) -> int:
    """The calendar year of the current month."""
    return int(add_months(model.config.start, model.t)[:4])


def by_year(series: dict[int, float], year: int, default: float) -> float:
    """The value of a year-keyed series in force in ``year``: that of the latest year on or
    before it, or ``default`` before the series' first year (and for an empty series)."""
    past = [y for y in series if y <= year]
    return series[max(past)] if past else default


def records_inflow(model: SocialOutsourcingModel) -> float:
    """Records added to the stock this month: the steady inflow plus a twelfth of this year's
    e-governance drive (``digitisation.records_added_by_year``) [thousand records]."""
    d = model.config.demand.digitisation
    return d.new_records_per_month + d.records_added_by_year.get(year_of(model), 0.0) / 12


def insourcing_rate(model: SocialOutsourcingModel) -> float:
    """Schools' annual insourcing rate this year: the state programme's series
    (``schools.insourcing_by_year``) from its first year on, else the constant rate."""
    sc = model.config.demand.schools
    return by_year(sc.insourcing_by_year, year_of(model), sc.insourcing_annual_rate)


def insource(model: SocialOutsourcingModel) -> np.ndarray:
    """Schools set up their own labs and teachers with this year's monthly hazard; return
    those that did. A school's contract runs to its term all the same: insourcing acts at
    renewal (``contracting.renew_school_contracts``)."""
    C = model.C
    rate = insourcing_rate(model)
    if rate <= 0:
        return np.empty(0, dtype=np.int64)
    schools = np.flatnonzero((C.kind == SCHOOL) & (C.insourced < 0))
    p = monthly_probability(rate)
    hit = schools[model.rng_for("insourcing").random(len(schools)) < p]
    C.insourced[hit] = model.t
    if len(hit):
        served = np.isin(model.E.school, hit)
        if served.any():
            model.log(f"{int(served.sum())} school(s) insourced their IT training this month "
                      "(their units' contracts run to term and are not renewed).")
    return hit
