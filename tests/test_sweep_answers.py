"""Sweeps that answer the analyst's question (issue 18): the sweep report draws every outcome
against the swept parameters (every design point, numeric order, money as US$), a table design
runs exactly the points an analyst lists, and "never withdraws" is the string none."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis import report as rp
from analysis.sweep import SweepError, load_sweep, make_plan, read_runs, run_sweep
from analysis.sweep.spec import apply_point
from sim import run
from sosim.cli import app
from tests.conftest import BASELINE

runner = CliRunner()
DELAY = "payments.public_mean_delay_months"
WITHDRAW = "mission_withdraws"


def synthetic_sweep(d: Path, params: dict[str, list], outcome) -> Path:
    """A grid sweep folder in the layout of analysis.sweep, with outcomes computed from the
    parameters by ``outcome(point values, replication)`` (no model run)."""
    (d / "runs").mkdir(parents=True)
    names = list(params)
    points = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*params.values())]
    rows = []
    for p, pt in enumerate(points):
        for r in range(3):
            rows.append({"run": 3 * p + r, "point": p, "replication": r, "seed": 10 + r,
                         "status": "ok", **pt, **outcome(pt, r)})
    runs = pd.DataFrame(rows)
    runs.to_parquet(d / "runs" / "part-000000.parquet")
    pd.DataFrame([{"point": p, **pt} for p, pt in enumerate(points)]).to_parquet(
        d / "design.parquet")
    keep = [c for c in runs.columns if c not in ("run", "point", "replication", "seed", "status",
                                                 *names)]
    (d / "sweep.json").write_text(json.dumps({
        "name": "synthetic", "version": "x", "design": "grid", "parameters": names,
        "root_seed": 1, "replication_seeds": [10, 11, 12],
        "spec": {"outcomes": {"summary": keep}}}))
    return d


def _wxd_outcome(pt: dict, r: int) -> dict:
    year = 2030 if pt[WITHDRAW] == "none" else int(pt[WITHDRAW][:4])
    surv = min(1.0, 0.4 + 0.04 * (year - 2000) - 0.02 * pt[DELAY] + 0.01 * r)
    return {"survival_10y": surv, "arrears_end_usd": 1000.0 * pt[DELAY] ** 2 + 42_100 + r,
            "units_alive_end": 60.0 - pt[DELAY]}


WXD = {WITHDRAW: ["none", "2002-01", "2004-01", "2006-01", "2008-01", "2012-01"],
       DELAY: [1, 2, 4, 8, 12]}


@pytest.fixture(scope="module")
def wxd_report(tmp_path_factory):
    d = synthetic_sweep(tmp_path_factory.mktemp("wxd") / "sweep", WXD, _wxd_outcome)
    return rp.build(rp.load(d))


def _traces(fig) -> list:
    return [t for t in fig.data if t.name == "mean"]


def test_first_figure_answers_survival_against_delay_for_each_withdrawal_year(wxd_report):
    name, fig = wxd_report.figures()[0]
    assert name.startswith("answer_survival_10y_") and DELAY in name and WITHDRAW in name
    panels = [a.text for a in fig.layout.annotations]
    assert panels == [f"{WITHDRAW} = {v}" for v in
                      ["2002-01", "2004-01", "2006-01", "2008-01", "2012-01", "none"]]
    lines = _traces(fig)
    assert len(lines) == 6
    for line, year in zip(lines, [2002, 2004, 2006, 2008, 2012, 2030], strict=True):
        assert list(line.x) == WXD[DELAY]  # every delay, in numeric order
        expected = [np.mean([min(1.0, 0.4 + 0.04 * (year - 2000) - 0.02 * x + 0.01 * r)
                             for r in range(3)]) for x in WXD[DELAY]]
        assert np.allclose(line.y, expected)
    assert fig.layout.yaxis.tickformat == ".0%"


def test_heatmap_and_main_effects_cover_every_design_point(wxd_report):
    figs = dict(wxd_report.figures())
    heat = figs[f"heatmap_{WITHDRAW}_x_{DELAY}"]
    assert len(heat.data) == 3  # one per outcome, switched by the menu
    z = np.array(heat.data[0].z, dtype=float)
    assert z.shape == (5, 6) and not np.isnan(z).any()  # 30 design points, none left out
    assert list(heat.data[0].x) == ["2002-01", "2004-01", "2006-01", "2008-01", "2012-01", "none"]
    assert list(heat.data[0].y) == ["1", "2", "4", "8", "12"]
    for p in (WITHDRAW, DELAY):
        lines = _traces(figs[f"main_effects_{p}"])
        assert len(lines) == 3 and all(len(t.x) == len(WXD[p]) for t in lines)


def test_outcomes_table_lists_every_point_in_numeric_order_with_money_in_dollars(wxd_report):
    sec = next(s for s in wxd_report.sections if s.id == "outcomes")
    html = sec.items[0].html
    cells = re.findall(r"<tr>\s*<td>point (\d+)</td>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>", html)
    assert len(cells) == 30
    delays = [int(c[2]) for c in cells]
    years = [c[1] for c in cells]
    assert delays[:5] == [1, 2, 4, 8, 12]  # not 1, 12, 2, 4, 8
    assert years == sorted(years, key=lambda y: (y == "none", y))
    assert "US$ 43,100" in html and "e+0" not in html


def test_survival_table_from_the_runs_follows_the_design_points_order(tmp_path):
    d = synthetic_sweep(tmp_path / "s", {DELAY: list(range(1, 13))},
                        lambda pt, r: {"survival_5y": 0.5, "survival_10y": 0.4})
    report = rp.build(rp.load(d))
    html = next(s for s in report.sections if s.id == "survival").items[-1].html
    points = [int(p) for p in re.findall(r"<td>point (\d+):", html)]
    assert points == list(range(12))  # 0, 1, 2, ... 11, not 0, 1, 10, 11, 2


def test_more_than_two_parameters_rank_first_then_top_main_effects(tmp_path):
    params = {"a": [1, 2, 3], "b": [1, 2, 3], "c": [1, 2, 3], "d": [1, 2]}
    d = synthetic_sweep(tmp_path / "s", params,
                        lambda pt, r: {"units_alive_end": 100 * pt["c"] + 10 * pt["a"]
                                       + pt["b"] + 0.01 * pt["d"] + r})
    report = rp.build(rp.load(d))
    names = [n for n, _ in report.figures()]
    assert names[0] == "sensitivity_ranking"
    ranking = report.figures()[0][1]
    assert list(ranking.data[0].y) == ["c", "a", "b", "d"]  # planted: c >> a >> b >> d
    assert "main_effects_c" in names and "main_effects_d" not in names  # the top three only
    assert names.index("main_effects_c") < names.index("main_effects_a")


def test_tiny_two_parameter_sweep_report_has_main_effects_and_heatmap(tmp_path):
    sweep_file = tmp_path / "tiny.yaml"
    sweep_file.write_text(f"""
name: tiny
base: {BASELINE}
set: {{end: 2001-06}}
design: grid
replications: 2
seed: 5
parameters:
  {WITHDRAW}: {{values: [none, 2000]}}
  {DELAY}: {{values: [9, 2]}}
outcomes:
  summary: [units_founded, arrears_end_usd]
  alive_at: [end]
  monthly: [units_alive]
""")
    out = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(sweep_file), "--out", str(out), "-q"]).exit_code == 0
    res = runner.invoke(app, ["report", str(out)])
    assert res.exit_code == 0, res.output
    text = (out / "report.html").read_text()
    order = [m for m in re.findall(r'data-figure="([^"]+)"', text)]
    assert order[0].startswith("answer_")
    for name in (f"main_effects_{WITHDRAW}", f"main_effects_{DELAY}",
                 f"heatmap_{WITHDRAW}_x_{DELAY}"):
        assert name in order, name
    runs = read_runs(out)
    assert len(runs.query(f"{WITHDRAW} == 'none'")) == 4  # never withdraws: the string none


# ------------------------------------------------------------------------- design: table
TABLE_SWEEP = f"""
name: listed
base: {BASELINE}
set: {{end: 2000-12}}
design: table
points: {{points}}
replications: 2
seed: 5
outcomes:
  summary: [units_founded, arrears_end_usd]
  alive_at: [end]
  monthly: [units_alive]
"""


def test_table_design_runs_exactly_the_listed_points(tmp_path):
    (tmp_path / "points.csv").write_text(f"{WITHDRAW},{DELAY}\nnone,2\n2000,9\nnone,7\nnone,2\n")
    sweep_file = tmp_path / "listed.yaml"
    sweep_file.write_text(TABLE_SWEEP.replace("{points}", "points.csv"))
    out = tmp_path / "out"
    rep = run_sweep(load_sweep(sweep_file), out, workers=1)
    assert rep.recorded == rep.total == 8 and rep.failed == 0
    design = pd.read_parquet(out / "design.parquet")
    assert design[[WITHDRAW, DELAY]].values.tolist() == [
        ["none", 2], ["2000-01", 9], ["none", 7], ["none", 2]]  # in order, the repeat kept
    runs = read_runs(out).sort_values(["point", "replication"])
    assert runs.groupby("point").size().tolist() == [2, 2, 2, 2]
    assert (runs.groupby("point")[DELAY].first() == [2, 9, 7, 2]).all()
    # each run is the listed point's scenario: rerun one by hand
    row = runs[(runs["point"] == 2) & (runs["replication"] == 1)].iloc[0]
    base = load_sweep(sweep_file).base
    res = run(apply_point(base, {WITHDRAW: "none", DELAY: 7}), seed=int(row["seed"]))
    assert res.summary["arrears_end_usd"] == pytest.approx(row["arrears_end_usd"])
    withdrew = runs.loc[runs["point"] == 1, "units_founded"]
    assert withdrew.max() < runs.loc[runs["point"] == 0, "units_founded"].min()


def test_table_design_reads_parquet_relative_to_the_sweep_file(tmp_path):
    (tmp_path / "sub").mkdir()
    pd.DataFrame({DELAY: [3.5, 1.0], "payments.private_mean_delay_months": [1, 2]}).to_parquet(
        tmp_path / "sub" / "pts.parquet")
    sweep_file = tmp_path / "listed.yaml"
    sweep_file.write_text(TABLE_SWEEP.replace("{points}", "sub/pts.parquet"))
    plan = make_plan(load_sweep(sweep_file))
    assert plan.design.points == [{DELAY: 3.5, "payments.private_mean_delay_months": 1},
                                  {DELAY: 1, "payments.private_mean_delay_months": 2}]
    assert plan.total == 4


def test_table_design_takes_its_parameters_from_the_file_only(tmp_path):
    sweep_file = tmp_path / "listed.yaml"
    sweep_file.write_text(TABLE_SWEEP.replace("{points}", "p.csv")
                          + f"parameters:\n  {DELAY}: {{values: [1]}}\n")
    (tmp_path / "p.csv").write_text(f"{DELAY}\n1\n")
    with pytest.raises(SweepError) as exc:
        load_sweep(sweep_file)
    assert exc.value.problems == [(str(sweep_file), "parameters", "a table design takes its "
                                   "parameters from the columns of its points file")]


# ------------------------------------------------------------------------- sosim outcomes
def test_outcomes_prints_exactly_what_survival_10y_counts():
    from sim.columns import SUMMARY_FIGURES

    res = runner.invoke(app, ["outcomes", "survival_10y"])
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.replace("│", " ").split())
    assert "survival_10y" in flat and "units_alive_end" not in flat
    assert "founded later are left out, not counted as survivors" in flat
    assert "founded later are left out" in SUMMARY_FIGURES["survival_10y"].meaning


def test_outcomes_unknown_name_is_one_line_with_a_hint():
    res = runner.invoke(app, ["outcomes", "survival_10"])
    assert res.exit_code == 2
    assert res.output.strip() == ("error: outcomes: survival_10: not an output of sosim "
                                  "(did you mean 'survival_10y'?)")


def test_outcomes_markdown_is_the_generated_glossary():
    from sim.columns import GLOSSARY_PATH

    res = runner.invoke(app, ["outcomes", "--markdown"])
    assert res.exit_code == 0 and res.output == GLOSSARY_PATH.read_text()


def test_every_column_of_a_sweep_runs_table_is_in_the_glossary(tmp_path):
    sweep_file = tmp_path / "tiny.yaml"
    sweep_file.write_text(f"""
name: tiny
base: {BASELINE}
design: grid
parameters:
  {DELAY}: {{values: [2, 9]}}
outcomes:
  alive_at: [2005-06, field_work, end]
""")
    plan = make_plan(load_sweep(sweep_file))
    for name in plan.runs_schema().names:
        if name == DELAY:
            continue  # a swept parameter: the <parameter path> entry
        res = runner.invoke(app, ["outcomes", name])
        assert res.exit_code == 0, (name, res.output)


# ------------------------------------------------------------------------- dry run
def test_dry_run_estimate_is_the_pilots_measured_time_not_a_constant(tmp_path, monkeypatch):
    from analysis.sweep import dryrun

    sweep_file = tmp_path / "tiny.yaml"
    sweep_file.write_text(f"""
name: tiny
base: {BASELINE}
set: {{end: 1999-06}}
design: grid
replications: 3
parameters:
  {DELAY}: {{values: [2, 9]}}
""")
    real = dryrun.execute
    slow = {"s": 0.0}

    def timed(job):  # the machine as slow as we say: the estimate must follow
        out = real(job)
        out["row"]["wall_time_s"] = slow["s"]
        return out

    monkeypatch.setattr(dryrun, "execute", timed)
    for seconds in (0.5, 4.0):
        slow["s"] = seconds
        d = dryrun.dry_run(load_sweep(sweep_file), workers=1)
        assert d.pilot_runs == 3 and d.seconds_per_run == seconds
        assert d.estimated_seconds == pytest.approx(6 * seconds)


# ------------------------------------------------------------------------- make test's summary
def test_skipped_browser_tests_are_named_with_their_reason_and_the_fix():
    from types import SimpleNamespace

    from tests.conftest import browser_skip_lines

    reports = [
        SimpleNamespace(nodeid="tests/test_report_browser.py::test_x",
                        longrepr=("f", 1, "Skipped: Debian's chromium is not installed")),
        SimpleNamespace(nodeid="tests/test_report_browser.py::test_y",
                        longrepr=("f", 1, "Skipped: Debian's chromium is not installed")),
        SimpleNamespace(nodeid="tests/test_cli.py::test_z", longrepr=("f", 1, "Skipped: root")),
    ]
    lines = browser_skip_lines(reports)
    assert lines[0] == ("tests/test_report_browser.py: SKIPPED (Debian's chromium is not "
                        "installed)")
    assert len(lines) == 2 and "apt-get install -y chromium" in lines[1]
    assert browser_skip_lines(reports[2:]) == []


def test_a_sampled_design_is_shown_in_equal_count_bins(tmp_path):
    rng = np.random.default_rng(3)
    values = {"a": list(rng.uniform(0, 1, 40)), "b": list(rng.uniform(0, 9, 40))}
    d = tmp_path / "s"
    (d / "runs").mkdir(parents=True)
    rows = [{"run": 2 * p + r, "point": p, "replication": r, "seed": r, "status": "ok",
             "a": values["a"][p], "b": values["b"][p],
             "units_alive_end": 100 * values["a"][p] + r} for p in range(40) for r in range(2)]
    pd.DataFrame(rows).to_parquet(d / "runs" / "part-0.parquet")
    pd.DataFrame({"point": range(40), **values}).to_parquet(d / "design.parquet")
    (d / "sweep.json").write_text(json.dumps({"name": "lhs", "design": "lhs",
                                              "parameters": ["a", "b"]}))
    figs = dict(rp.build(rp.load(d)).figures())
    assert not any(n.startswith("answer_") for n in figs)  # no panel per sampled value
    line = _traces(figs["main_effects_a"])[0]
    assert len(line.x) == 10 and list(line.y) == sorted(line.y)  # 10 bins, the planted rise
