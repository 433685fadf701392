"""Honest comparisons (issue 16, items 3 and 4): paired differences across common-random-number
replications with t intervals, run-aware survival tests (log-rank stratified by replication, Cox
with cluster-robust errors and a proportional-hazards check) and ``--reps auto``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis import paired as pr
from analysis import survival as sv
from analysis.compare import run_comparison
from sosim.cli import app
from tests.conftest import BASELINE

runner = CliRunner()
END = "2002-12"  # four years: quick runs, units founded and closing


def _yaml(path, name: str, extra: str = "") -> str:
    path.write_text(f"extends: {BASELINE}\nname: {name}\nend: {END}\n{extra}")
    return str(path)


@pytest.fixture(scope="module")
def worlds(tmp_path_factory):
    """Three scenarios of the baseline cut to 1999-2002: the reference, the same under another
    name, one forming four more data-entry units in 2001 (a lever with a known effect on units
    founded), and one where the mission withdraws in 2001 (an effect not known in advance)."""
    d = tmp_path_factory.mktemp("worlds")
    return {
        "ref": _yaml(d / "ref.yaml", "ref"),
        "same": _yaml(d / "same.yaml", "same"),
        "more": _yaml(d / "more.yaml", "more",
                      "formation:\n  schedule:\n    data_entry: {2001: 20}\n"),  # 16 + 4
        "exit": _yaml(d / "exit.yaml", "exit", "events:\n  - date: 2001-01\n"
                      "    do: mission_withdraws\n"),
    }


@pytest.fixture(scope="module")
def comparison(worlds, tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "cmp"
    runs = run_comparison([worlds["ref"], worlds["same"], worlds["more"]], out, reps=3,
                          root_seed=5, workers=1)
    return out, runs


# ----------------------------------------------------------------------------- the interval


def _simulated_runs(rng: np.random.Generator, pairs: int, shift: float) -> pd.DataFrame:
    """Runs of two scenarios whose replication k shares a 'market' draw (as common random
    numbers make runs share their history), the second shifted by ``shift``; rows shuffled."""
    market = rng.normal(0.6, 0.08, pairs)
    rows = [{"scenario": s, "replication": k,
             "survival_10y": market[k] + (shift if s == "b" else 0.0) + rng.normal(0, 0.02)}
            for k in range(pairs) for s in ("a", "b")]
    return pd.DataFrame(rows).sample(frac=1.0, random_state=int(rng.integers(1 << 30)))


def test_paired_interval_covers_a_known_shift_at_its_nominal_rate():
    rng = np.random.default_rng(20261204)
    shift, trials = -0.12, 400
    covered, widths = 0, []
    for _ in range(trials):
        runs = _simulated_runs(rng, 12, shift)
        row = pr.paired_differences(runs, ["a", "b"]).set_index("outcome").loc["survival_10y"]
        covered += bool(row["low"] <= shift <= row["high"])
        widths.append(row["half_width"])
    # 95 % nominal; three binomial standard errors either side over 400 trials
    assert 0.917 <= covered / trials <= 0.983
    # pairing removes the shared market spread (sd 0.08): the interval reflects the within-pair
    # noise (sd of a difference about 0.028), not the spread of markets
    assert np.median(widths) < 0.03


def test_paired_differences_pair_by_replication_not_by_row_order():
    rng = np.random.default_rng(3)
    runs = _simulated_runs(rng, 8, 0.05)
    t = pr.paired_differences(runs, ["a", "b"])
    wide = runs.pivot(index="replication", columns="scenario", values="survival_10y")
    d = wide["b"] - wide["a"]
    row = t.set_index("outcome").loc["survival_10y"]
    assert row["difference"] == pytest.approx(d.mean())
    assert row["sd"] == pytest.approx(d.std(ddof=1))
    assert row["pairs"] == 8 and list(t.columns) == pr.COLUMNS


def test_a_pair_missing_a_figure_is_left_out_and_one_pair_gives_no_interval():
    runs = pd.DataFrame({"scenario": ["a", "b", "a", "b"], "replication": [0, 0, 1, 1],
                         "survival_10y": [0.5, 0.4, None, 0.3]})
    row = pr.paired_differences(runs, ["a", "b"]).iloc[0]
    assert row["pairs"] == 1 and row["difference"] == pytest.approx(-0.1)
    assert np.isnan(row["low"]) and "one pair" in pr.sentence(row)


def test_the_sentence_says_direction_size_and_interval_in_plain_words():
    row = pd.Series({"scenario": "no_spem", "reference": "kerala_baseline",
                     "outcome": "survival_10y", "pairs": 30, "difference": -0.12, "sd": 0.05,
                     "low": -0.14, "high": -0.10, "confidence": 0.95})
    assert pr.sentence(row) == (
        "Across 30 paired replications (common random numbers), no spem lowers 10-year "
        "survival by 12.0 points (95 % CI 10.0 to 14.0 points) against kerala baseline.")
    unsure = row.copy()
    unsure["low"], unsure["high"] = -0.13, 0.01
    assert "includes no change" in pr.sentence(unsure)


# ----------------------------------------------------------------------------- end to end


def test_a_lever_with_a_known_effect_is_recovered_by_the_paired_interval(comparison):
    out, runs = comparison
    t = pd.read_parquet(out / "paired_differences.parquet")
    founded = t[(t["scenario"] == "more") & (t["outcome"] == "units_founded")].iloc[0]
    assert founded["pairs"] == 3
    assert founded["low"] <= 4 <= founded["high"]  # four more units scheduled, every pair
    assert founded["difference"] == pytest.approx(4)
    # the same scenario under another name: with common random numbers every pair is equal
    same = t[t["scenario"] == "same"]
    assert len(same) == len(pr.PAIRED_OUTCOMES)
    # on four years no unit is observed 5 or 10 years and the field-work year (2005) is not
    # reached: those rows have no pair
    assert same.loc[same["pairs"] == 0, "outcome"].tolist() == [
        "survival_5y", "survival_10y", "mean_member_earnings_field_work"]
    same = same[same["pairs"] > 0]
    assert (same["pairs"] == 3).all()
    assert (same["difference"] == 0).all() and (same["half_width"] == 0).all()
    # the csv is the same table
    csv = pd.read_csv(out / "paired_differences.csv")
    assert list(csv.columns) == pr.COLUMNS and len(csv) == len(t)
    assert {"scenario", "replication", "seed", "units_founded", "path"} <= set(runs.columns)


def test_the_report_leads_with_the_paired_difference_in_a_sentence(comparison):
    from analysis import report as rp

    out, _ = comparison
    report = rp.build(rp.load(out))
    assert report.sections[0].id == "paired"
    assert len(report.brief) == 2
    assert report.brief[1].startswith("Across 3 paired replications (common random numbers), "
                                      "more ")
    assert any(k.startswith("units open at the end, more - ref") for k, _ in report.headline)
    html = rp.render(report)
    assert report.brief[0] in html
    assert "Log-rank tests between scenarios, stratified by replication" in html


# ----------------------------------------------------------------------------- survival tests


def _frailty_units(hr: float, reps: int = 12, n: int = 150, seed: int = 1,
                   shape_b: float = 1.0) -> pd.DataFrame:
    """Units of two scenarios over ``reps`` replications sharing a market frailty per
    replication; scenario b's hazard ``hr`` times a's (Weibull shape ``shape_b``: 1 is
    proportional), censored at 8 years."""
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(reps):
        frailty = rng.lognormal(0.0, 0.4)
        for s in ("a", "b"):
            shape = shape_b if s == "b" else 1.0
            rate = frailty * (hr if s == "b" else 1.0) / 10.0
            t = (rng.exponential(1.0, n) / rate) ** (1 / shape) if shape != 1.0 else \
                rng.exponential(1.0 / rate, n)
            frames.append(pd.DataFrame({"scenario": s, "replication": k,
                                        "years": np.minimum(t, 8.0), "event": t < 8.0}))
    df = pd.concat(frames, ignore_index=True)
    return df.assign(entry=0.0, exit=df["years"], status=df["event"].astype(int),
                     b=(df["scenario"] == "b").astype(float))


def test_stratified_logrank_separates_a_real_effect_and_not_a_null_one():
    chi2, p = sv.stratified_logrank(*(g for _, g in _frailty_units(2.0).groupby("scenario")),
                                    strata="replication")
    assert np.isfinite(chi2) and p < 1e-6
    chi2, p = sv.stratified_logrank(*(g for _, g in _frailty_units(1.0).groupby("scenario")),
                                    strata="replication")
    assert np.isfinite(chi2) and p > 0.01
    t = sv.pairwise_stratified_logrank(_frailty_units(2.0), "scenario", "replication")
    assert t["strata"].tolist() == [12]


def test_clustered_cox_recovers_a_known_hazard_ratio_with_finite_errors():
    fit = sv.clustered_cox(_frailty_units(2.0), ["b"], groups="replication",
                           strata="replication")
    row = fit.table.iloc[0]
    assert fit.clusters == 12
    assert np.isfinite([row["low"], row["high"]]).all()
    assert row["low"] < 2.0 < row["high"] and row["low"] > 1.5
    assert fit.ph.iloc[0]["p_value"] > 0.01  # proportional by construction


def test_proportional_hazards_check_flags_hazards_that_cross():
    # b: Weibull shape 3 (hazard low early, high late) against a's constant hazard
    fit = sv.clustered_cox(_frailty_units(1.0, shape_b=3.0), ["b"], groups="replication",
                           strata="replication")
    assert fit.ph.iloc[0]["p_value"] < 0.01 and fit.ph.iloc[0]["correlation"] > 0


def test_units_censored_before_any_closure_leave_clustered_errors_defined():
    df = _frailty_units(2.0, reps=4)
    early = df.iloc[:40].assign(years=0.01, exit=0.01, event=False, status=0)  # before any
    fit = sv.clustered_cox(pd.concat([early, df], ignore_index=True), ["b"],
                           groups="replication", strata="replication")
    assert np.isfinite(fit.table[["low", "high", "p_value"]].to_numpy(float)).all()
    assert "4 clusters only" in " ".join(fit.notes)


# ----------------------------------------------------------------------------- --reps auto


def test_next_batch_grows_towards_the_precision_within_bounds():
    assert pr.next_total(10, 0.02, 0.01, 10, 200) == 20  # wants 40: at most doubles
    assert pr.next_total(20, 0.012, 0.01, 10, 200) == 30  # wants 29: at least one batch
    assert pr.next_total(40, 0.011, 0.01, 10, 200) == 50
    assert pr.next_total(150, 0.05, 0.01, 10, 200) == 200  # never above the maximum
    assert pr.next_total(10, float("nan"), 0.01, 10, 200) == 20


def _auto(worlds, out, precision: str):
    return runner.invoke(app, ["compare", worlds["ref"], worlds["exit"], "--reps", "auto",
                               "--precision", precision, "--batch", "2", "--max-reps", "5",
                               "--headline", "units_alive_end", "--seed", "7", "--workers", "1",
                               "--out", str(out)])


def test_reps_auto_stops_when_the_precision_is_met_and_resumes_to_the_maximum(worlds,
                                                                             tmp_path):
    out = tmp_path / "auto"
    res = _auto(worlds, out, "1000")  # any interval is that narrow: one batch
    assert res.exit_code == 0, res.output
    info = json.loads((out / "compare.json").read_text())["adaptive"]
    assert info["reps"] == 2 and info["stopped"] == "precision met"
    assert info["half_width"] <= 1000
    assert "--reps auto: 2 replications per scenario" in res.output
    stamps = {p: (out / p / "enterprises.parquet").stat().st_mtime_ns
              for p in pd.read_parquet(out / "runs.parquet")["path"]}

    res = _auto(worlds, out, "1e-9")  # never that narrow: runs to --max-reps, reusing runs
    assert res.exit_code == 0, res.output
    meta = json.loads((out / "compare.json").read_text())
    info = meta["adaptive"]
    assert info["stopped"] == "maximum reached" and info["reps"] == meta["reps"] == 5
    assert [b["reps"] for b in info["batches"]] == [2, 4, 5]
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 10
    assert all((out / p / "enterprises.parquet").stat().st_mtime_ns == t
               for p, t in stamps.items())  # the first batch was not run again
    t = pd.read_parquet(out / "paired_differences.parquet").set_index("outcome")
    assert t.loc["units_alive_end", "half_width"] == pytest.approx(info["half_width"])
    assert t.loc["units_alive_end", "half_width"] > 1e-9
    assert "5 replications per scenario (3 batches)" in res.output


@pytest.mark.parametrize("args, words", [
    (["--reps", "many"], "--reps: 'many': give a whole number of at least 1, or auto"),
    (["--reps", "0"], "--reps: '0'"),
    (["--reps", "auto", "--headline", "survival_10y"], "needs a horizon of at least 10 years"),
    (["--reps", "auto", "--headline", "nonsense"], "is not a compared figure"),
    (["--reps", "auto", "--precision", "0"], "--precision: must be above 0"),
])
def test_bad_reps_options_fail_in_one_line_before_any_run(worlds, tmp_path, args, words):
    out = tmp_path / "bad"
    res = runner.invoke(app, ["compare", worlds["ref"], worlds["exit"], *args, "--out",
                              str(out)])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and words in lines[0], res.output
    assert not (out / "runs.parquet").exists()


def test_reps_auto_needs_two_scenarios(worlds, tmp_path):
    res = runner.invoke(app, ["compare", worlds["ref"], "--reps", "auto", "--out",
                              str(tmp_path / "one")])
    assert res.exit_code == 2 and "auto needs two scenarios" in res.output
    assert len([ln for ln in res.output.splitlines() if ln.strip()]) == 1
