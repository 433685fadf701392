"""Survival estimators on hand-made data, against values worked out by hand (censoring included)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import survival as sv

# Six units: closures at 1, 2, 3 and 5 years; censored at 2 and 4 years.
YEARS = [1, 2, 2, 3, 4, 5]
EVENT = [1, 1, 0, 1, 0, 1]


def test_kaplan_meier_steps_by_hand():
    km = sv.kaplan_meier(YEARS, EVENT)
    c = km.curve.set_index("years")["survival"]
    # S(1) = 5/6; S(2) = 5/6 * 4/5 (the unit censored at 2 is still at risk at 2);
    # S(3) = 2/3 * 2/3; flat through the censoring at 4; S(5) = 0 (one at risk, one closes)
    assert c[0.0] == 1.0
    assert c[1.0] == pytest.approx(5 / 6)
    assert c[2.0] == pytest.approx(2 / 3)
    assert c[3.0] == pytest.approx(4 / 9)
    assert c[4.0] == pytest.approx(4 / 9)
    assert c[5.0] == 0.0
    assert (km.n, km.events) == (6, 4)
    assert km.at(2.5)[0] == pytest.approx(2 / 3)
    assert math.isnan(km.at(6)[0])  # beyond follow-up


def test_log_log_band_by_hand():
    km = sv.kaplan_meier(YEARS, EVENT)
    z = stats.norm.ppf(0.975)
    # Greenwood sum and the log(-log S) transform, at t = 1 and t = 2
    for t, s, greenwood in ((1.0, 5 / 6, 1 / (6 * 5)), (2.0, 2 / 3, 1 / (6 * 5) + 1 / (5 * 4))):
        se = math.sqrt(greenwood) / abs(math.log(s))
        low, high = s ** math.exp(z * se), s ** math.exp(-z * se)
        row = km.curve[km.curve["years"] == t].iloc[0]
        assert row["low"] == pytest.approx(low)
        assert row["high"] == pytest.approx(high)
        assert row["low"] < row["survival"] < row["high"]


def test_median_and_its_interval():
    med, lo, hi = sv.kaplan_meier(YEARS, EVENT).quantile_time(0.5)
    assert med == 3.0  # first time S <= 0.5
    assert lo == 1.0  # first time the lower band is <= 0.5 (0.27 at t = 1)
    assert hi == 5.0  # first time the upper band is <= 0.5 (0 at t = 5)
    # never reached: all censored
    assert math.isnan(sv.kaplan_meier([1, 2, 3], [0, 0, 0]).quantile_time()[0])


def test_no_event_gives_flat_curve():
    km = sv.kaplan_meier([1, 2, 3], [0, 0, 0])
    assert (km.curve["survival"] == 1).all() and (km.curve["low"] == 1).all()


def test_survival_table_by_group():
    df = pd.DataFrame({"g": ["a"] * 6 + ["b"] * 3, "years": YEARS + [1, 2, 3],
                       "event": EVENT + [0, 0, 0]})
    t = sv.survival_table(df, ["g"], horizons=(2, 10)).set_index("g")
    assert t.loc["a", "s2"] == pytest.approx(2 / 3)
    assert math.isnan(t.loc["a", "s10"])
    assert t.loc["b", "events"] == 0 and t.loc["b", "s2"] == 1.0


def test_logrank_by_hand():
    a = pd.DataFrame({"years": [1, 2, 3, 4.0], "event": [True, True, False, True]})
    b = pd.DataFrame({"years": [2, 5, 6, 7.0], "event": [True, False, True, True]})
    # At each event time: expected closures in a = d * n_a / n, variance of the hypergeometric.
    # t=1: n_a=4 n=8 d=1; t=2: n_a=3 n=7 d=2; t=4: n_a=1 n=4 d=1; t=6, 7: n_a=0.
    observed = 3
    expected = 1 * 4 / 8 + 2 * 3 / 7 + 1 * 1 / 4
    var = (1 * (4 / 8) * (4 / 8) * 7 / 7 + 2 * (3 / 7) * (4 / 7) * 5 / 6
           + 1 * (1 / 4) * (3 / 4) * 3 / 3)
    chi2_hand = (observed - expected) ** 2 / var
    chi2, p = sv.logrank(a, b)
    assert chi2 == pytest.approx(chi2_hand)
    assert p == pytest.approx(stats.chi2.sf(chi2_hand, 1))
    pw = sv.pairwise_logrank(pd.concat([a.assign(s="x"), b.assign(s="y")]), "s")
    assert pw.loc[0, "p_value"] == pytest.approx(p)


def test_cumulative_incidence_by_hand():
    # causes: 1 insolvency, 2 loss of members, 3 idleness; 0 censored
    df = pd.DataFrame({"years": YEARS, "cause": [1, 2, 0, 1, 0, 3]})
    inc = sv.cumulative_incidence(df)
    last = inc.groupby("cause")["incidence"].last()
    at = inc.set_index(["cause", "years"])["incidence"]
    # Aalen-Johansen: S(t-) * d_k / n at each time
    assert at[("insolvency", 1.0)] == pytest.approx(1 / 6)
    assert at[("loss_of_members", 2.0)] == pytest.approx(5 / 6 * 1 / 5)
    assert at[("insolvency", 3.0)] == pytest.approx(1 / 6 + 2 / 3 * 1 / 3)
    assert at[("idleness", 5.0)] == pytest.approx(4 / 9)
    assert last.sum() == pytest.approx(1.0)  # everyone closed: the causes add up to 1 - S
    assert (inc["low"] <= inc["incidence"]).all() and (inc["incidence"] <= inc["high"]).all()


def test_durations_from_dates_with_censoring():
    ents = pd.DataFrame({
        "enterprise_id": [0, 1],
        "line": ["training", "data_entry"],
        "founded": pd.to_datetime(["2000-01-01", "2003-01-01"]).astype("datetime64[s]"),
        "closed": pd.to_datetime(["2001-07-01", None]).astype("datetime64[s]"),
        "closure_reason": pd.array(["idleness", None], dtype="string"),
    })
    d = sv.unit_durations(ents, pd.Timestamp("2004-12-01"))
    assert d["years"].tolist() == [1.5, 2.0]  # the open unit is observed through Dec 2004
    assert d["event"].tolist() == [True, False]
    assert d["cause"].tolist() == [3, 0]


def test_episodes_split_at_mission_withdrawal():
    units = pd.DataFrame({
        "run": [0], "founded": pd.to_datetime(["2004-01-01"]).astype("datetime64[s]"),
        "years": [3.0], "event": [True],
    })
    dates = pd.date_range("1999-01-01", "2010-12-01", freq="MS").astype("datetime64[s]")
    mission = pd.DataFrame({"run": 0, "date": dates, "mission_active": dates < "2006-01-01"})
    ep = sv.episodes(units, mission, run_keys=("run",))
    assert ep[["entry", "exit", "status", "mission_active"]].values.tolist() == [
        [0.0, 2.0, 0, 1], [2.0, 3.0, 1, 0]
    ]


def test_cox_hazard_ratio_recovers_truth_and_is_invariant_to_splitting():
    rng = np.random.default_rng(4)
    n = 1500
    x = np.repeat([0.0, 1.0], n)
    t = rng.exponential(1 / np.where(x == 1, 0.2, 0.1))  # true hazard ratio 2
    event = t < 10
    df = pd.DataFrame({"entry": 0.0, "exit": np.minimum(t, 10), "status": event.astype(int),
                       "x": x, "flat": 1.0})
    hr, notes = sv.hazard_ratios(df, ["x", "flat"])
    assert "flat" in notes[0]
    row = hr.set_index("covariate").loc["x"]
    assert row["low"] < 2 < row["high"] and 1.7 < row["hazard_ratio"] < 2.3
    # the same lives cut at 3 years into two counting-process rows give the same fit
    cut = 3.0
    first = df.assign(exit=np.minimum(df["exit"], cut),
                      status=np.where(df["exit"] <= cut, df["status"], 0))
    second = df[df["exit"] > cut].assign(entry=cut)
    hr2, _ = sv.hazard_ratios(pd.concat([first, second], ignore_index=True), ["x"])
    assert hr2["hazard_ratio"].iloc[0] == pytest.approx(row["hazard_ratio"], rel=1e-6)


def test_walking_away_is_a_fourth_closure_cause_after_the_old_codes():
    # not_viable was added after the existing reasons: their codes keep their meaning
    assert sv.CLOSURE_CAUSES[:3] == ("insolvency", "loss_of_members", "idleness")
    ents = pd.DataFrame({
        "enterprise_id": [0, 1, 2],
        "line": ["training", "data_entry", "data_entry"],
        "founded": pd.to_datetime(["2000-01-01"] * 3).astype("datetime64[s]"),
        "closed": pd.to_datetime(["2001-01-01", "2003-01-01", None]).astype("datetime64[s]"),
        "closure_reason": pd.array(["insolvency", "not_viable", None], dtype="string"),
    })
    d = sv.unit_durations(ents, pd.Timestamp("2004-12-01"))
    assert d["cause"].tolist() == [1, 4, 0]
    inc = sv.cumulative_incidence(d).groupby("cause")["incidence"].last()
    assert inc["not_viable"] == pytest.approx(2 / 3 * 1 / 2)  # S(3-) = 2/3, 1 of 2 at risk
    assert inc["loss_of_members"] == 0 and inc["idleness"] == 0
