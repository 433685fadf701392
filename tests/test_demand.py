"""Demand: a depleting records stock, schools and their insourcing, private work."""

import numpy as np
import pytest

from sim.mechanisms import demand
from sim.model import SocialOutsourcingModel
from tests.mech_helpers import quiet_world, world_with_units


def test_digitisation_orders_deplete_the_stock_and_never_exceed_it():
    m = SocialOutsourcingModel(quiet_world(**{
        "demand.digitisation.initial_stock": 5000,
        "demand.digitisation.new_records_per_month": 0,
        "demand.digitisation.orders_per_month": 20}), seed=1)
    total = 0.0
    for _ in range(24):
        offers = demand.public_orders(m)
        de = offers.line == demand.DATA_ENTRY
        total += offers.qty[de].sum()
        m.t += 1
    assert total == pytest.approx(5000 - m.world.records_stock)
    assert m.world.records_stock >= 0


def test_order_flow_falls_as_the_stock_runs_down():
    counts = {}
    for stock_share in (1.0, 0.25):
        m = SocialOutsourcingModel(quiet_world(**{
            "demand.digitisation.new_records_per_month": 0,
            "demand.digitisation.mean_order_size": 1}), seed=2)
        m.world.records_stock = stock_share * m.config.demand.digitisation.initial_stock
        n = 0
        for _ in range(200):
            n += int((demand.public_orders(m).line == demand.DATA_ENTRY).sum())
        counts[stock_share] = n / 200
    # elasticity 1: a quarter of the stock gives about a quarter of the orders
    assert counts[0.25] / counts[1.0] == pytest.approx(0.25, abs=0.05)


def test_schools_insource_at_the_stated_annual_rate():
    rate = 0.2
    m = SocialOutsourcingModel(quiet_world(**{"demand.schools.pool_size": 4000,
                                              "demand.schools.insourcing_annual_rate": rate}),
                               seed=3)
    for _ in range(12):
        demand.insource(m)
        m.t += 1
    schools = m.C.kind == demand.SCHOOL
    share = (m.C.insourced[schools] >= 0).mean()
    assert share == pytest.approx(rate, abs=0.02)


def test_only_self_marketing_units_find_private_work():
    m = world_with_units([1, 1, 1, 1])
    m.E.markets_self[[0, 1]] = True
    ents = []
    for _ in range(60):
        ent, offers = demand.private_orders(m)
        ents.extend(ent.tolist())
        assert (offers.client == -1).all()
    assert ents and set(ents) <= {0, 1}


def test_each_public_client_has_its_own_mean_payment_delay():
    m = SocialOutsourcingModel(quiet_world(), seed=1)
    d = m.C.mean_delay
    assert d.std() > 0.5
    assert d.mean() == pytest.approx(m.config.payments.public_mean_delay_months, rel=0.15)
    assert np.all(d >= 0)


# --------------------------------------------------------------------- finite local private markets
def _sellers(n: int, areas: list[int], line: int = 1, **values) -> SocialOutsourcingModel:
    """A world of ``n`` self-marketing units of one line placed in the given areas."""
    m = world_with_units([line] * n, **values)
    m.E.markets_self[:] = True
    m.E.area[:] = areas
    return m


def _orders_per_month(m: SocialOutsourcingModel, months: int = 600) -> np.ndarray:
    """Private orders each unit found a month, on average over ``months`` draws."""
    found = np.zeros(m.E.n)
    for _ in range(months):
        ent, _offers = demand.private_orders(m)
        found += np.bincount(ent, minlength=m.E.n)
    return found / months


MARKET = "lines.data_entry.private_market_orders_per_area_month"
REACH = "lines.data_entry.private_orders_per_month"


def test_an_areas_private_orders_do_not_grow_with_the_number_of_sellers():
    # reach far above the market: the market, not the sellers, sets the area's orders
    one = _orders_per_month(_sellers(1, [0], **{MARKET: 2.0, REACH: 50.0}))
    ten = _orders_per_month(_sellers(10, [0] * 10, **{MARKET: 2.0, REACH: 50.0}))
    assert one.sum() == pytest.approx(2.0, rel=0.1)
    assert ten.sum() == pytest.approx(2.0, rel=0.1)  # 10 x 50 without the shared market
    assert ten.max() < 0.5  # each of the ten gets a share of the two orders


def test_units_in_different_areas_do_not_share_a_market():
    values = {MARKET: 1.0, REACH: 50.0, "marketing.areas": 2}
    apart = _orders_per_month(_sellers(2, [0, 1], **values))
    together = _orders_per_month(_sellers(2, [0, 0], **values))
    assert apart == pytest.approx([1.0, 1.0], rel=0.15)  # each has its area's market alone
    assert together.sum() == pytest.approx(1.0, rel=0.15)


def test_a_seller_finds_at_most_its_search_reach():
    alone = _orders_per_month(_sellers(1, [0], **{MARKET: 1000.0, REACH: 0.5}))
    assert alone[0] == pytest.approx(0.5, rel=0.15)
    # and with a market about its reach it finds less than either
    tight = _orders_per_month(_sellers(1, [0], **{MARKET: 0.5, REACH: 0.5}))
    assert tight[0] < 0.45


def test_a_private_market_of_size_zero_gives_no_private_orders():
    m = _sellers(5, [0, 0, 1, 2, 3], **{MARKET: 0.0, REACH: 5.0})
    assert _orders_per_month(m, months=60).sum() == 0


def test_a_better_reputation_wins_more_of_a_shared_market():
    m = _sellers(2, [0, 0], **{MARKET: 1.0, REACH: 50.0, "marketing.private_base_weight": 0.5})
    m.E.reputation[:] = [1.0, 0.0]  # weights 1.5 and 0.5 per lead
    found = _orders_per_month(m)
    assert found[0] > 2 * found[1]
    even = _sellers(2, [0, 0], **{MARKET: 1.0, REACH: 50.0, "marketing.private_base_weight": 1e3})
    even.E.reputation[:] = [1.0, 0.0]
    share = _orders_per_month(even)
    assert share[0] == pytest.approx(share[1], rel=0.2)  # a large base weight shares evenly


def test_units_draw_their_area_at_formation_from_a_stream_of_their_own():
    m = world_with_units([0] * 300, **{"marketing.areas": 3})
    assert set(m.E.area.tolist()) == {0, 1, 2}
    other = world_with_units([0] * 300, **{"marketing.areas": 14})
    assert other.E.area.max() > 2
    # the number of areas moves no other draw of formation
    assert np.array_equal(m.M.education, other.M.education)
    assert np.array_equal(m.M.other_income, other.M.other_income)


def test_the_insourcing_series_overrides_the_constant_rate_from_its_year():
    m = SocialOutsourcingModel(quiet_world(**{
        "demand.schools.insourcing_annual_rate": 0.0,
        "demand.schools.insourcing_by_year": {2001: 0.5, 2003: 0.1}}), seed=3)
    rate_in = {}
    for t in range(0, 6 * 12, 12):  # January 1999 .. January 2004
        m.t = t
        rate_in[demand.year_of(m)] = demand.insourcing_rate(m)
    assert rate_in == {1999: 0.0, 2000: 0.0, 2001: 0.5, 2002: 0.5, 2003: 0.1, 2004: 0.1}


def test_schools_insource_only_once_the_series_starts():
    m = SocialOutsourcingModel(quiet_world(**{
        "demand.schools.pool_size": 4000,
        "demand.schools.insourcing_annual_rate": 0.0,
        "demand.schools.insourcing_by_year": {2000: 0.3}}), seed=3)
    schools = m.C.kind == demand.SCHOOL
    for _ in range(12):  # 1999: the constant rate, 0
        demand.insource(m)
        m.t += 1
    assert (m.C.insourced[schools] >= 0).sum() == 0
    for _ in range(12):  # 2000: the series' rate
        demand.insource(m)
        m.t += 1
    assert (m.C.insourced[schools] >= 0).mean() == pytest.approx(0.3, abs=0.03)


def test_an_empty_series_means_the_constant_rate():
    m = SocialOutsourcingModel(quiet_world(**{
        "demand.schools.insourcing_annual_rate": 0.07,
        "demand.schools.insourcing_by_year": {}}), seed=3)
    m.t = 15 * 12
    assert demand.insourcing_rate(m) == 0.07


def test_records_added_by_year_reach_the_stock_spread_over_the_year():
    m = SocialOutsourcingModel(quiet_world(**{
        "demand.digitisation.new_records_per_month": 10,
        "demand.digitisation.orders_per_month": 0,
        "demand.digitisation.records_added_by_year": {2000: 1200}}), seed=1)
    start = m.world.records_stock
    stock = []
    for _ in range(36):  # 1999-2001
        demand.public_orders(m)
        stock.append(m.world.records_stock - start)
        m.t += 1
    assert stock[11] == pytest.approx(12 * 10)  # 1999: the steady inflow only
    assert stock[12] - stock[11] == pytest.approx(10 + 100)  # each month of 2000: a twelfth
    assert stock[23] - stock[11] == pytest.approx(12 * 10 + 1200)  # the whole drive by December
    assert stock[35] - stock[23] == pytest.approx(12 * 10)  # 2001: the steady inflow again
