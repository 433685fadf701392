"""Scenario discovery (``sosim discover``): PRIM finds a box planted in synthetic sweep data, with
its limits near the planted ones; ``--above`` turns the question round; bad input gets one line
and exit 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("ema_workbench", reason="the [analysis] extra is not installed")

from analysis.discover import DiscoverError, discover, write_html  # noqa: E402
from sosim.cli import app  # noqa: E402


def planted(folder: Path, n: int = 600, seed: int = 1) -> Path:
    """A sweep folder whose outcome is low exactly where x1 > 0.7 and x2 < 0.3 (x3 inert), plus
    a categorical parameter that does nothing."""
    rng = np.random.default_rng(seed)
    x1, x2, x3 = rng.random(n), rng.random(n), rng.random(n)
    low = (x1 > 0.7) & (x2 < 0.3)
    y = np.where(low, 0.5, 0.95) + rng.normal(0, 0.02, n)
    runs = pd.DataFrame({
        "run": range(n), "point": range(n), "replication": 0, "seed": 7,
        "key": [f"k{i}" for i in range(n)], "status": "ok", "error": None, "wall_time_s": 0.1,
        "x1": x1, "x2": x2, "x3": x3,
        "mission_withdraws": rng.choice(np.array([None, "2002-01", "2006-01"], dtype=object), n),
        "survival_10y": y,
    })
    (folder / "runs").mkdir(parents=True)
    runs.to_parquet(folder / "runs" / "part-000000.parquet")
    (folder / "sweep.json").write_text(json.dumps(
        {"parameters": ["x1", "x2", "x3", "mission_withdraws"]}))
    return folder


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return planted(tmp_path_factory.mktemp("planted") / "sweep")


def test_prim_finds_the_planted_box_with_limits_near_the_planted_ones(sweep_dir):
    d = discover(sweep_dir, "survival_10y", below=0.8)
    assert d.cases == int((pd.read_parquet(sweep_dir / "runs")["survival_10y"] < 0.8).sum())
    box = d.boxes[0]
    lims = {lim.parameter: lim for lim in box.limits}
    assert set(lims) == {"x1", "x2"}  # the inert x3 and the categorical stay free
    assert lims["x1"].low == pytest.approx(0.7, abs=0.05) and lims["x1"].high > 0.95
    assert lims["x2"].high == pytest.approx(0.3, abs=0.05) and lims["x2"].low < 0.05
    assert box.coverage > 0.9 and box.density > 0.9
    runs = pd.read_parquet(sweep_dir / "runs")
    inside = runs["x1"].between(lims["x1"].low, lims["x1"].high) & runs["x2"].between(
        lims["x2"].low, lims["x2"].high)
    assert box.runs == int(inside.sum())  # the count printed is that of the limits printed
    assert box.cases == int((inside & (runs["survival_10y"] < 0.8)).sum())


def test_above_finds_the_complement_region(sweep_dir):
    d = discover(sweep_dir, "survival_10y", above=0.8, min_coverage=0.3)
    # the runs above 0.8 lie outside the planted corner: a box restricts x1 low or x2 high
    lims = {lim.parameter: lim for lim in d.boxes[0].limits}
    assert d.boxes[0].density > 0.95
    assert ("x1" in lims and lims["x1"].high <= 0.72) or ("x2" in lims and lims["x2"].low >= 0.28)


def test_discover_command_prints_each_box_and_writes_the_page(sweep_dir, tmp_path):
    page = tmp_path / "page.html"
    res = CliRunner().invoke(app, ["discover", str(sweep_dir), "--outcome", "survival_10y",
                                   "--below", "0.8", "--html", str(page)])
    assert res.exit_code == 0, res.output
    assert "box 1: coverage" in res.output and "density" in res.output
    assert "x1" in res.output and "x2" in res.output
    text = page.read_text()
    assert "PRIM peeling trade-off" in text and "plotly" in text.lower()
    assert not re.search(r"<script[^>]+src=", text)  # offline: plotly's script is inlined
    assert 'download="tradeoff.csv"' in text and 'download="box_1.csv"' in text


@pytest.mark.parametrize("args, reason", [
    (["--outcome", "nope", "--below", "0.8"], "unknown outcome 'nope'"),
    (["--outcome", "survival_10y", "--below", "0.1"], "no run has survival_10y < 0.1"),
    (["--outcome", "survival_10y", "--above", "0.1"], "every run has survival_10y > 0.1"),
    (["--outcome", "survival_10y"], "give exactly one threshold"),
])
def test_bad_discovery_input_gets_one_line_and_exit_2(sweep_dir, args, reason):
    res = CliRunner().invoke(app, ["discover", str(sweep_dir), *args])
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and reason in lines[0]
    assert "Traceback" not in res.output


def test_missing_folder_and_folder_without_runs_exit_2(tmp_path):
    res = CliRunner().invoke(app, ["discover", str(tmp_path / "nowhere"), "--outcome", "x",
                                   "--below", "1"])
    assert res.exit_code == 2 and "no such folder" in res.output
    empty = tmp_path / "empty"
    (empty / "runs").mkdir(parents=True)
    (empty / "sweep.json").write_text(json.dumps({"parameters": ["x1"]}))
    res = CliRunner().invoke(app, ["discover", str(empty), "--outcome", "x", "--below", "1"])
    assert res.exit_code == 2 and "no runs recorded" in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_failed_runs_are_left_out(tmp_path):
    folder = planted(tmp_path / "s")
    runs = pd.read_parquet(folder / "runs")
    runs.loc[:99, "status"] = "failed"
    runs.loc[:99, "survival_10y"] = np.nan
    runs.to_parquet(folder / "runs" / "part-000000.parquet")
    d = discover(folder, "survival_10y", below=0.8)
    assert d.runs == 500


def test_page_is_written_atomically_where_asked(sweep_dir, tmp_path):
    d = discover(sweep_dir, "survival_10y", below=0.8)
    out = write_html(d, tmp_path / "p.html")
    assert out.is_file() and not list(tmp_path.glob(".*tmp*"))
    with pytest.raises(DiscoverError):
        discover(sweep_dir, "survival_10y", below=0.8, above=0.9)


def test_a_page_that_cannot_be_written_is_one_line_naming_html(sweep_dir, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = CliRunner().invoke(app, ["discover", str(sweep_dir), "--outcome", "survival_10y",
                                   "--below", "0.8", "--html", str(blocker / "page.html")])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "--html" in lines[0] and "not a folder" in lines[0]
