"""Exports: ``sosim export DIR --csv`` (the runs and the per-point summary), the data of every
report figure as a CSV download in the HTML page, and ``--scale`` for PNG/SVG figures."""

from __future__ import annotations

import base64
import io
import re
import shutil
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from typer.testing import CliRunner

from analysis import plots
from analysis.report import Report, Section, render
from analysis.report.csvdata import figure_frame, point_summary
from analysis.report.load import RunSet
from analysis.sweep import load_sweep, read_runs, run_sweep
from sosim.cli import app

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "kerala_baseline.yaml"

TINY = f"""
name: tiny
base: {BASE}
set: {{end: 2000-06}}
design: grid
replications: 3
seed: 5
parameters:
  mission_withdraws: {{values: [none, 2000]}}
  payments.public_mean_delay_months: {{values: [2, 9]}}
outcomes:
  summary: [units_founded, units_alive_end, arrears_end_usd]
  alive_at: [end]
  monthly: [units_alive, alive_training, alive_data_entry, alive_hardware]
"""


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("export")
    (d / "tiny.yaml").write_text(TINY)
    run_sweep(load_sweep(d / "tiny.yaml"), d / "out")
    return d / "out"


def test_export_csv_writes_every_run_and_the_per_point_summary(sweep_dir, tmp_path):
    out = tmp_path / "csv"
    res = CliRunner().invoke(app, ["export", str(sweep_dir), "--csv", "--out", str(out)])
    assert res.exit_code == 0, res.output
    runs = read_runs(sweep_dir)
    csv_runs = pd.read_csv(out / "runs.csv")
    assert len(csv_runs) == len(runs) == 12
    assert list(csv_runs["key"]) == list(runs["key"])
    np.testing.assert_allclose(csv_runs["arrears_end_usd"], runs["arrears_end_usd"])
    assert set(csv_runs["mission_withdraws"]) == {"none", "2000-01"}  # never is "none"
    summary = pd.read_csv(out / "summary_by_point.csv")
    assert list(summary["point"]) == [0, 1, 2, 3] and (summary["runs"] == 3).all()
    expected = runs.groupby("point")["arrears_end_usd"]
    np.testing.assert_allclose(summary["arrears_end_usd_mean"], expected.mean())
    np.testing.assert_allclose(summary["arrears_end_usd_sd"], expected.std())
    np.testing.assert_allclose(summary["arrears_end_usd_p95"], expected.quantile(0.95))
    assert summary.loc[2, "payments.public_mean_delay_months"] == 2
    assert summary.loc[2, "mission_withdraws"] == "2000-01"


def test_per_point_summary_leaves_failed_runs_out_of_the_statistics():
    runs = pd.DataFrame({"run": [0, 1, 2, 3], "point": [0, 0, 1, 1], "status": ["ok", "failed",
                                                                             "ok", "ok"],
                         "x": [1.0, 1.0, 2.0, 2.0], "y": [10.0, np.nan, 4.0, 6.0]})
    s = point_summary(runs, ["x"])
    assert list(s["runs"]) == [2, 2] and list(s["runs_ok"]) == [1, 2]
    assert list(s["y_mean"]) == [10.0, 5.0]


@pytest.mark.parametrize("args, reason", [
    (["--csv"], "no such folder"),
    ([], "say what to export"),
])
def test_bad_export_input_gets_one_line(tmp_path, args, reason):
    res = CliRunner().invoke(app, ["export", str(tmp_path / "nowhere"), *args])
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and reason in lines[0]


def test_export_of_a_folder_that_is_no_sweep_exits_2(tmp_path):
    (tmp_path / "x").mkdir()
    res = CliRunner().invoke(app, ["export", str(tmp_path / "x"), "--csv"])
    assert res.exit_code == 2 and "not a sweep or comparison folder" in res.output
    assert not (tmp_path / "x" / "export").exists()


def _figures() -> list[tuple[str, go.Figure]]:
    line = go.Figure([go.Scatter(x=["1999-01", "1999-02"], y=[3.0, 4.5], name="training",
                                 error_y={"array": [0.5, 0.25]}),
                      go.Scatter(x=["1999-01"], y=[1.0], legendgroup="band", showlegend=False)])
    heat = go.Figure(go.Heatmap(x=[1, 2, 4], y=["none", "2002"], z=[[0.1, 0.2, 0.3],
                                                                      [0.4, 0.5, 0.6]]))
    return [("alive", line), ("survival_grid", heat)]


def test_figure_data_is_in_long_form_with_names_and_error_bars():
    line, heat = (f for _, f in _figures())
    df = figure_frame(line)
    assert list(df["trace"]) == ["training", "training", "band"]
    assert list(df["y"]) == [3.0, 4.5, 1.0] and list(df["error_y"][:2]) == [0.5, 0.25]
    h = figure_frame(heat)
    assert len(h) == 6
    row = h[(h["x"] == 4) & (h["y"] == "2002")]
    assert row["z"].item() == 0.6  # each cell keeps its own x and y


def test_every_report_figure_has_a_csv_download_of_its_data(tmp_path):
    rs = RunSet(tmp_path, "sweep", pd.DataFrame({"scenario": []}))
    s = Section("s", "A section")
    for name, fig in _figures():
        s.fig(name, fig, "caption")
    page = render(Report("t", rs, [s]))
    links = re.findall(r'<a class="csv" download="([^"]+)" data-csv="[^"]+" '
                       r'href="data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]+)"', page)
    figures = re.findall(r'data-figure="([^"]+)"', page)
    assert [f"{f}.csv" for f in figures] == [name for name, _ in links] == [
        "alive.csv", "survival_grid.csv"]
    alive = pd.read_csv(io.StringIO(base64.b64decode(links[0][1]).decode("utf-8")))
    assert list(alive["y"]) == [3.0, 4.5, 1.0]
    grid = pd.read_csv(io.StringIO(base64.b64decode(links[1][1]).decode("utf-8")))
    assert grid["z"].tolist() == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_scale_multiplies_the_size_of_exported_figures(tmp_path):
    pytest.importorskip("kaleido", reason="the [export] extra is not installed")
    if not (shutil.which("chromium") or shutil.which("google-chrome")):
        pytest.skip("static export needs Debian's chromium")
    from analysis.report import export_figures

    fig = _figures()[:1]
    (one,) = export_figures(fig, tmp_path / "x1", "png")
    (three,) = export_figures(fig, tmp_path / "x3", "png", scale=3)
    w1, h1 = _png_size(one)
    assert (w1, h1) == (plots.WIDTH, plots.HEIGHT)
    assert _png_size(three) == (3 * w1, 3 * h1)


def test_export_png_with_scale_writes_the_report_figures_at_that_scale(sweep_dir):
    pytest.importorskip("kaleido", reason="the [export] extra is not installed")
    if not (shutil.which("chromium") or shutil.which("google-chrome")):
        pytest.skip("static export needs Debian's chromium")
    res = CliRunner().invoke(app, ["export", str(sweep_dir), "--png", "--scale", "2"])
    assert res.exit_code == 0, res.output
    pngs = sorted((sweep_dir / "figures").glob("*.png"))
    assert pngs and all(_png_size(p)[0] == 2 * plots.WIDTH for p in pngs)
    assert (sweep_dir / "report.html").is_file()


def test_per_point_summary_of_a_comparison_names_each_scenario_once():
    runs = pd.DataFrame({"run": [0, 1], "point": [0, 1], "status": ["ok", "ok"],
                         "scenario": ["kerala_baseline", "no_spem"], "y": [1.0, 2.0]})
    s = point_summary(runs, ["scenario"])
    assert list(s.columns[:2]) == ["point", "scenario"] and s.columns.is_unique


def test_figure_data_names_each_panel_and_the_axes():
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=["withdraws 2002", "never"])
    fig.add_trace(go.Scatter(x=[1, 4], y=[0.6, 0.5], name="mean"), row=1, col=1)
    fig.add_trace(go.Scatter(x=[1, 4], y=[0.9, 0.8], name="mean"), row=1, col=2)
    fig.update_xaxes(title_text="payment delay (months)", row=1, col=1)
    fig.update_yaxes(title_text="survival 10y", row=1, col=1)
    df = figure_frame(fig)
    assert list(df.columns) == ["trace", "panel", "payment delay (months)", "survival 10y"]
    assert list(df["panel"]) == ["withdraws 2002"] * 2 + ["never"] * 2
    assert list(df["survival 10y"]) == [0.6, 0.5, 0.9, 0.8]
