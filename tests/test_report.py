"""sosim compare / report: the comparison layout, paired seeds, and a report that builds from a
comparison, a single run and a sweep folder (short horizons, few replications)."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis import report as rp
from analysis.sweep import read_monthly, read_runs
from sim.outputs import TABLES
from sosim.cli import app
from tests.conftest import BASELINE, SCENARIOS

runner = CliRunner()
SHORT = ["--set", "end=2007-12"]  # the mission withdraws in 2006 in no_spem
FIGURES = ("survival_by_scenario", "survival_by_line", "units_alive_by_line",
           "earnings_distribution", "household_share_distribution", "arrears_per_unit",
           "pc_age", "reinvestment", "people_per_unit", "closure_incidence", "member_tenure")


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "cmp"
    res = runner.invoke(app, ["compare", str(BASELINE), str(SCENARIOS / "no_spem.yaml"),
                              "--reps", "2", "--seed", "3", "--workers", "1", "--out", str(out),
                              *SHORT])
    assert res.exit_code == 0, res.output
    return out, res.output


def test_compare_writes_paired_runs_like_a_sweep(comparison):
    out, output = comparison
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 4
    assert list(runs.columns[:3]) == ["scenario", "replication", "seed"]
    seeds = runs.pivot(index="replication", columns="scenario", values="seed")
    assert (seeds["kerala_baseline"] == seeds["no_spem"]).all()  # paired replications
    assert {"units_alive_end", "survival_5y", "mean_member_earnings_field_work"} <= set(runs)
    for path in runs["path"]:
        for name in TABLES:
            assert (out / path / f"{name}.parquet").is_file()
        assert (out / path / "summary.json").is_file()
    meta = json.loads((out / "compare.json").read_text())
    assert meta["reps"] == 2 and meta["root_seed"] == 3 and meta["sets"] == ["end=2007-12"]
    assert "5-year survival, no spem - kerala baseline" in output  # the paired headline
    assert "Across 2 paired replications" in output
    assert "hazard ratio of closure, no spem vs kerala baseline" in output


def test_compare_folder_is_a_sweep_over_the_scenarios(comparison):
    # one results layout: the sweep's (sweep.json, design, runs/ parts, timeseries/), + tables/
    out, _ = comparison
    sweep = json.loads((out / "sweep.json").read_text())
    assert sweep["kind"] == "compare" and sweep["parameters"] == ["scenario"]
    assert [s["label"] for s in sweep["scenarios"]] == ["kerala_baseline", "no_spem"]
    assert sweep["replication_seeds"] == json.loads((out / "compare.json").read_text())["seeds"]
    design = pd.read_parquet(out / "design.parquet")
    assert design["scenario"].tolist() == ["kerala_baseline", "no_spem"]
    recorded = read_runs(out)
    assert len(recorded) == 4 and (recorded["status"] == "ok").all()
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs["path"].str.startswith("tables/").all()
    by_run = recorded.set_index(["scenario", "replication"])
    for r in runs.itertuples(index=False):
        assert by_run.loc[(r.scenario, r.replication), "seed"] == r.seed
        assert by_run.loc[(r.scenario, r.replication), "units_alive_end"] == r.units_alive_end
    assert sorted(read_monthly(out)["point"].unique()) == [0, 1]
    assert json.loads((out / "manifest.json").read_text())["complete"]
    assert rp.load(out).kind == "compare"


def _rerun(out):
    res = runner.invoke(app, ["compare", str(BASELINE), str(SCENARIOS / "no_spem.yaml"),
                              "--reps", "2", "--seed", "3", "--workers", "1", "--out", str(out),
                              *SHORT])
    assert res.exit_code == 0, res.output


def _stamps(out, runs):
    return {p: (out / p / "enterprises.parquet").stat().st_mtime_ns for p in runs["path"]}


def test_interrupted_compare_resumes_with_the_same_results(comparison, tmp_path):
    # killed before its last part was committed, one run's tables not yet written
    src, _ = comparison
    out = tmp_path / "cmp"
    shutil.copytree(src, out)
    runs = pd.read_parquet(out / "runs.parquet")
    for name in ("runs.parquet", "compare.json", "report.html"):
        (out / name).unlink()
    last = sorted((out / "runs").glob("part-*.parquet"))[-1]
    last.unlink()
    for f in (out / "timeseries").rglob(last.name):
        f.unlink()
    shutil.rmtree(out / runs["path"].iloc[-1])
    kept = _stamps(out, runs.iloc[:-1])
    _rerun(out)
    assert _stamps(out, runs.iloc[:-1]) == kept  # finished runs reused, not run again
    again = pd.read_parquet(out / "runs.parquet")  # a read-back summary's keys come sorted
    pd.testing.assert_frame_equal(again, runs, check_like=True)
    cols = ["run", "point", "replication", "seed", "key", "units_alive_end", "survival_5y"]
    pd.testing.assert_frame_equal(read_runs(out)[cols], read_runs(src)[cols])
    pd.testing.assert_frame_equal(read_monthly(out), read_monthly(src))


def test_a_compare_folder_of_the_older_layout_is_moved_and_reused(comparison, tmp_path):
    src, _ = comparison
    out = tmp_path / "old"
    out.mkdir()
    runs = pd.read_parquet(src / "runs.parquet")
    shutil.copy(src / "compare.json", out / "compare.json")
    shutil.copytree(src / "tables", out / "runs")  # runs/<scenario>/seed=<seed>/
    stamps = {p: (out / "runs" / p.split("/", 1)[1] / "enterprises.parquet").stat().st_mtime_ns
              for p in runs["path"]}
    res = runner.invoke(app, ["report", str(out)])
    assert res.exit_code == 2 and "older sosim" in res.output
    _rerun(out)
    assert _stamps(out, runs) == stamps
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["part-000000.parquet"]
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), runs, check_like=True)


def test_a_compare_folder_recorded_under_another_run_key_starts_afresh(comparison, tmp_path):
    # issue 17 item 3: the run key now holds the design point; keys of an earlier scheme match
    # none of the plan's, so the store starts afresh (tables reused) rather than doubling runs
    src, _ = comparison
    out = tmp_path / "oldkeys"
    shutil.copytree(src, out)
    runs = pd.read_parquet(out / "runs.parquet")
    for part in (out / "runs").glob("part-*.parquet"):
        t = pd.read_parquet(part)
        t["key"] = "0" * 32
        t.to_parquet(part, index=False)
    kept = _stamps(out, runs)
    _rerun(out)
    assert _stamps(out, runs) == kept
    recorded = pd.read_parquet(out / "runs")
    assert len(recorded) == 4 and recorded["key"].is_unique
    assert sorted(recorded["key"]) == sorted(read_runs(src)["key"])
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), runs, check_like=True)


def test_report_is_self_contained_with_every_section(comparison):
    out, _ = comparison
    text = (out / "report.html").read_text()
    assert not re.search(r"<script[^>]+src=", text)  # plotly.js inlined, nothing fetched
    assert len(text) > 3_000_000  # plotly.js itself is inside
    for name in FIGURES:
        assert f'data-figure="{name}"' in text, name
    for words in ("Log-rank tests between scenarios, stratified by replication",
                  "Paired differences between scenarios", "proportional-hazards check",
                  "Hazard ratio of closure, each scenario against kerala baseline", "US$45",
                  "43 %", "Why units close", "With errors clustered by run instead",
                  "Parameters and events that differ", "mission_withdraws", "paired"):
        assert words in text, words
    assert text.count('class="caption"') >= len(FIGURES)


def test_every_figure_has_title_axis_labels_and_caption(comparison):
    out, _ = comparison
    report = rp.build(rp.load(out))
    items = [it for s in report.sections for it in s.items if it.kind == "figure"]
    assert len(items) >= len(FIGURES)
    for it in items:
        lay = it.figure.layout
        assert lay.title.text, it.name
        assert lay.xaxis.title.text and lay.yaxis.title.text, it.name
        assert it.caption.endswith(".") and len(it.caption) > 30, it.name


def test_rerun_reuses_finished_runs(comparison, tmp_path):
    out, _ = comparison
    runs = pd.read_parquet(out / "runs.parquet")
    stamp = {p: (out / p / "enterprises.parquet").stat().st_mtime_ns for p in runs["path"]}
    res = runner.invoke(app, ["compare", str(BASELINE), str(SCENARIOS / "no_spem.yaml"),
                              "--reps", "2", "--seed", "3", "--workers", "1", "--out", str(out),
                              *SHORT])
    assert res.exit_code == 0, res.output
    assert stamp == {p: (out / p / "enterprises.parquet").stat().st_mtime_ns for p in stamp}


def test_report_from_a_single_run(tmp_path):
    out = tmp_path / "one"
    assert runner.invoke(app, ["run", str(BASELINE), "--seed", "1", "--out", str(out),
                               "--set", "end=2004-12", "-q"]).exit_code == 0
    res = runner.invoke(app, ["report", str(out)])
    assert res.exit_code == 0, res.output
    text = (out / "report.html").read_text()
    assert 'data-figure="survival_by_scenario"' in text
    assert "One scenario only" in text


def test_report_from_a_sweep_folder_degrades_gracefully(tmp_path):
    # the layout of analysis.sweep: sweep.json, design.parquet, runs/ and timeseries/point=P/
    d = tmp_path / "sweep"
    (d / "runs").mkdir(parents=True)
    (d / "sweep.json").write_text(json.dumps({"name": "tiny", "version": "x", "root_seed": 1,
                                              "replication_seeds": [5, 6]}))
    pd.DataFrame({"point": [0, 1], "payments.public_mean_delay_months": [2.0, 8.0]}).to_parquet(
        d / "design.parquet")
    pd.DataFrame({"run": [0, 1, 2, 3], "point": [0, 0, 1, 1], "replication": [0, 1, 0, 1],
                  "seed": [5, 6, 5, 6], "status": "ok",
                  "payments.public_mean_delay_months": [2.0, 2.0, 8.0, 8.0],
                  "units_alive_end": [10.0, 11.0, 7.0, 8.0]}).to_parquet(
        d / "runs" / "part-000000.parquet")
    dates = pd.date_range("1999-01-01", periods=12, freq="MS").astype("datetime64[s]")
    for p in (0, 1):
        (d / "timeseries" / f"point={p}").mkdir(parents=True)
        pd.concat([pd.DataFrame({"run": 2 * p + r, "replication": r, "date": dates,
                                 "month": range(12), "alive_training": range(12),
                                 "alive_data_entry": 1})
                   for r in (0, 1)]).to_parquet(d / "timeseries" / f"point={p}" / "part-0.parquet")
    res = runner.invoke(app, ["report", str(d)])
    assert res.exit_code == 0, res.output
    text = (d / "report.html").read_text()
    assert "Outcomes per design point" in text and "units alive end" in text
    assert 'data-figure="units_alive_by_line"' in text
    assert "does not keep the units&#x27; records" in text
    assert "public_mean_delay_months=8.0" in text


def test_report_of_a_folder_that_is_not_one(tmp_path):
    res = runner.invoke(app, ["report", str(tmp_path)])
    assert res.exit_code == 2
    assert "not a run, comparison or sweep folder" in res.output
    assert "Traceback" not in res.output


def test_compare_bad_scenario_fails_cleanly(tmp_path):
    res = runner.invoke(app, ["compare", str(BASELINE), str(tmp_path / "missing.yaml"),
                              "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "missing.yaml" in res.output
    assert not (tmp_path / "o").exists()


def test_export_without_a_browser_fails_with_a_message(comparison, monkeypatch):
    out, _ = comparison
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    res = runner.invoke(app, ["report", str(out), "--png"])
    assert res.exit_code == 1
    assert "BROWSER_PATH" in res.output and "Traceback" not in res.output


def test_scenario_labels_are_safe_folder_names_and_ordinary_names_are_kept():
    """Issue 17, item 8: a scenario's name becomes a folder name only after sanitising."""
    from analysis.compare import LABEL_MAX, _labels
    from sim.scenario import Scenario

    def labels(*names: str) -> list[str]:
        return _labels([Scenario(name=n) for n in names])

    assert labels("kerala_baseline", "no_spem", "kerala_baseline") == \
        ["kerala_baseline", "no_spem", "kerala_baseline-2"]
    assert labels("/abs/path", "../../x", ".", "..", "", "a b\\c") == \
        ["_abs_path", "_._.._x", "_", "_.", "_-2", "a_b_c"]
    assert labels("a", "a", "a-2") == ["a", "a-2", "a-2-2"]  # unique, also after a suffix
    assert labels("X", "x") == ["X", "x-2"]  # unique without case
    assert len(labels("n" * 100)[0]) == LABEL_MAX  # the longest name the schema takes


def test_compare_never_writes_outside_out(tmp_path):
    """A scenario named ``../../x`` or ``/abs/path`` wrote its run folders there (issue 17,
    item 8); its readable name stays in runs.parquet and compare.json."""
    outside = tmp_path / "abs"
    files = []
    for i, name in enumerate(["../../escaped", str(outside)]):
        f = tmp_path / f"s{i}.yaml"
        f.write_text(f"extends: {BASELINE}\nname: '{name}'\n")
        files.append(str(f))
    work = tmp_path / "a" / "b"
    out = work / "cmp"
    from analysis.compare import folder_label, run_comparison

    runs = run_comparison(files, out, reps=1, sets=["end=1999-06"], workers=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "s0.yaml", "s1.yaml"]
    assert sorted(p.name for p in work.iterdir()) == ["cmp"]
    assert not outside.exists()
    labels = sorted(p.name for p in (out / "tables").iterdir())
    assert labels == sorted(["_._.._escaped", folder_label(str(outside))])
    assert all(re.fullmatch(r"[A-Za-z0-9._-]{1,64}", lab) for lab in labels)
    assert runs.equals(pd.read_parquet(out / "runs.parquet"))
    assert set(runs["scenario_name"]) == {"../../escaped", str(outside)}
    meta = json.loads((out / "compare.json").read_text())
    assert [s["name"] for s in meta["scenarios"]] == ["../../escaped", str(outside)]


def test_report_reads_no_run_folder_outside_the_comparison(comparison, tmp_path):
    """A design label of ``../../x`` (a hand-edited or older folder) made the report read run
    folders outside DIR (issue 17, item 8's sibling): such a run counts as missing."""
    src, _ = comparison
    out = tmp_path / "c" / "cmp"
    shutil.copytree(src, out)
    design = pd.read_parquet(out / "design.parquet")
    design["scenario"] = design["scenario"].replace("no_spem", "../../stolen")
    design.to_parquet(out / "design.parquet", index=False)
    shutil.move(out / "tables" / "no_spem", tmp_path / "c" / "stolen")
    rs = rp.load(out)
    assert set(rs.runs["scenario"]) == {"kerala_baseline"}
    assert any("2 recorded run(s) have no tables" in n for n in rs.notes)
    assert all(out in p.parents for p in rs.run_dirs)
