"""Pattern metrics on tiny hand-made outputs, the judging rules, and the baseline check."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis import patterns as P
from sim.scenario import ScenarioError, scenario_with

T = pd.Timestamp
NaT = pd.NaT


@pytest.fixture
def tiny():
    """Four units, five members, two years: every figure below is worked out by hand."""
    ents = pd.DataFrame({
        "enterprise_id": [0, 1, 2, 3],
        "line": ["training", "data_entry", "data_entry", "hardware"],
        "founded": [T("2000-01-01"), T("2001-03-01"), T("2003-01-01"), T("2005-06-01")],
        "closed": [NaT, T("2003-02-01"), NaT, NaT],
        "closure_reason": [None, "loss_of_members", None, None],
        "loan_repaid": [T("2004-06-01"), NaT, NaT, NaT],
        "further_loan": [T("2005-01-01"), NaT, T("2006-03-01"), NaT],
        "first_paid_late": [T("2001-05-01"), T("2002-01-01"), T("2006-03-01"), T("2005-09-01")],
    })
    ey = pd.DataFrame({
        "enterprise_id": [0, 2, 0, 2, 3],
        "year": [2004, 2004, 2005, 2005, 2005],
        "alive": [True, True, True, True, True],
        "core_members": [8, 10, 7, 9, 10],
        "employees": [2, 4, 3, 2, 0],
        "revenue": [3000.0, 9000.0, 3500.0, 9500.0, 2000.0],
        "working_pcs": [9, 7, 10, 8, 5],
        "markets_self": [True, False, True, False, True],
    })
    my = pd.DataFrame({
        "member_id": [0, 1, 2, 3, 4],
        "year": [2005, 2005, 2005, 2005, 2004],
        "monthly_earnings": [40.0, 50.0, 30.0, 60.0, 99.0],
        "household_income_share": [0.5, 0.4, 0.2, 0.7, 0.9],
    })
    dates = pd.date_range("2004-01-01", "2005-12-01", freq="MS")
    ts = pd.DataFrame({"date": dates, "public_orders": np.arange(1, 25) * 10,
                       "public_orders_won": np.arange(1, 25) * 7})
    return SimpleNamespace(enterprises=ents, enterprise_years=ey, member_years=my, timeseries=ts)


def test_member_metrics(tiny):
    assert P.member_earnings(tiny, 2005) == pytest.approx(45.0)
    assert P.household_income_share(tiny, 2005) == pytest.approx(0.45)
    assert P.share_at_least_half_income(tiny, 2005) == pytest.approx(0.5)


def test_unit_size_metrics(tiny):
    assert P.core_members_per_unit(tiny, 2005) == pytest.approx((7 + 9 + 10) / 3)
    assert P.participants_per_unit(tiny, 2005) == pytest.approx((10 + 11 + 10) / 3)


def test_loan_metrics_count_only_units_open_at_the_date(tiny):
    # open at 2005-12: units 0, 2, 3; repaid: unit 0 only; further loan by then: unit 0 only
    assert P.share_loans_repaid(tiny, "2005-12") == pytest.approx(1 / 3)
    assert P.share_further_loans(tiny, "2005-12") == pytest.approx(1 / 3)


def test_pcs_of_units_aged(tiny):
    # end 2005 ages: unit 0 ~6 years, unit 2 ~3 years, unit 3 ~0.6 years
    assert P.pcs_of_units_aged(tiny, 2005, 2, 4) == pytest.approx(8)


def test_marketing_and_payment_delays(tiny):
    assert P.share_marketing(tiny, 2005) == pytest.approx(2 / 3)
    # open at 2005-12: 0 (late 2001), 2 (late only in 2006), 3 (late 2005-09)
    assert P.share_paid_late(tiny, "2005-12") == pytest.approx(2 / 3)


def test_share_of_oldest_units_older_than(tiny):
    # the two oldest open at 2006-01 are units 0 (6 years) and 2 (3 years)
    assert P.share_oldest_older_than(tiny, "2006-01", sample=2, years=4) == pytest.approx(0.5)
    assert P.share_oldest_older_than(tiny, "2006-01", sample=1, years=4) == pytest.approx(1.0)


def test_closures_by_reason_respect_the_date(tiny):
    assert P.closures_by_reason(tiny, "loss_of_members", "2006-01") == 1
    assert P.closures_by_reason(tiny, "loss_of_members", "2002-12") == 0
    assert P.closures_by_reason(tiny, "insolvency", "2006-01") == 0


def test_members_walking_away_is_not_a_closure_for_member_loss(tiny):
    # HA2010's "closed because it lost members" is the loss_of_members rule alone: a unit its
    # members left for want of pay (not_viable) is another cause
    tiny.enterprises.loc[2, ["closed", "closure_reason"]] = [T("2005-03-01"), "not_viable"]
    assert P.closures_by_reason(tiny, "loss_of_members", "2006-01") == 1
    assert P.closures_by_reason(tiny, "not_viable", "2006-01") == 1


def test_unit_revenues_take_units_open_all_year(tiny):
    assert P.unit_revenues(tiny, "data_entry", 2005).tolist() == [9500.0]
    assert P.unit_revenues(tiny, "hardware", 2005).tolist() == []  # founded mid-2005


def test_system_counts(tiny):
    assert P.units_founded(tiny, "2003-01") == 3
    assert P.line_split_gap(tiny, "2008-12", {"training": 1, "data_entry": 3, "hardware": 1}) == 1
    assert P.units_open(tiny, "2006-01") == 3


def test_share_of_public_orders_won_in_a_year(tiny):
    assert P.share_public_orders_won(tiny, 2005) == pytest.approx(0.7)
    assert np.isnan(P.share_public_orders_won(tiny, 1999))


def pat(check, observed=10.0, tolerance=1.0):
    return P.Pattern(id="p", level="unit", measures="m", metric="units_open", observed=observed,
                     tolerance=tolerance, check=check, source="s")


@pytest.mark.parametrize("check, values, met", [
    ("mean_within", [9.0, 11.5], True), ("mean_within", [12.0, 12.5], False),
    ("at_least", [9.0, 9.2], True), ("at_least", [8.0, 8.9], False),
    ("at_most", [11.0, 10.8], True), ("at_most", [11.5, 11.2], False),
])
def test_judging_rules(check, values, met):
    table = P.judge([pat(check)], [{"p": v} for v in values])
    assert bool(table["met"].iloc[0]) is met
    assert table["model_mean"].iloc[0] == pytest.approx(np.mean(values))


def test_in_distribution_pools_units_over_replications():
    p = pat("in_distribution", observed=50.0)
    inside = [{"p": np.arange(0, 100.0)}, {"p": np.arange(0, 100.0)}]
    outside = [{"p": np.arange(0, 10.0)}]
    assert P.judge([p], inside)["met"].iloc[0]
    assert not P.judge([p], outside)["met"].iloc[0]


def test_pattern_file_has_at_least_12_patterns_over_three_levels():
    pats = P.load_patterns()
    assert len(pats) >= 12
    assert {p.level for p in pats} == {"member", "unit", "system"}
    assert len({p.id for p in pats}) == len(pats)
    assert all(p.source for p in pats)


def test_replication_seeds_are_stable_and_distinct():
    a = P.replication_seeds(0, 5)
    assert a == P.replication_seeds(0, 5) and len(set(a)) == 5
    assert P.replication_seeds(0, 3) == a[:3]


def test_calibrated_baseline_meets_every_pattern(baseline):
    """8 replications (root seed 0), each pattern judged with its stated tolerance in
    analysis/patterns.yaml; all field patterns lie before 2009, so runs stop at 2008-12."""
    report = P.check_patterns(scenario_with(baseline, {"end": "2008-12"}), reps=8, root_seed=0,
                              workers=2)
    missed = report.table.loc[~report.table["met"], ["pattern", "observed", "model_mean",
                                                     "target"]]
    assert missed.empty, missed.to_string()


def test_pattern_file_is_read_like_a_scenario_file(tmp_path):
    """The pattern file goes through the guarded reader: a device or a file over the 2 MB limit
    is one ScenarioError naming it, not an unbounded read."""
    big = tmp_path / "patterns.yaml"
    big.write_text("# padding\n" * 300_000 + "patterns: []\n")  # ~3 MB of valid YAML
    for path in (big, Path("/dev/zero")):
        with pytest.raises(ScenarioError) as err:
            P.load_patterns(path)
        assert str(path) in str(err.value)


def test_sole_income_share_counts_paid_members_without_other_income(tiny):
    my = tiny.member_years
    tiny.member_years = pd.concat([my, pd.DataFrame({
        "member_id": [5, 6], "year": [2005, 2005], "monthly_earnings": [20.0, 0.0],
        "household_income_share": [1.0, 0.0]})], ignore_index=True)
    # paid in 2005: members 0-3 and 5; only member 5 is her household's sole income
    assert P.share_sole_income(tiny, 2005) == pytest.approx(1 / 5)
