"""Sensitivity of a sweep: Morris and Sobol' indices with confidence intervals and a dummy
(noise floor), the bar chart, the command, and clear errors for folders it cannot analyse.
Short runs (1999-2000) and small designs keep it fast; the shapes are checked, not the figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from analysis.sensitivity import analyse, point_means, sensitivity_figure
from analysis.sweep import SweepError, load_sweep, run_sweep
from sosim.cli import app

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "kerala_baseline.yaml"


def _sweep(tmp_path: Path, design: str, samples: int) -> Path:
    text = f"""
name: {design}
base: {BASE}
set: {{end: 2000-12}}
design: {design}
samples: {samples}
replications: 1
seed: 8
parameters:
  payments.public_mean_delay_months: {{range: [1, 12]}}
  formation.founding_members: {{range: [5, 12], integer: true}}
outcomes:
  summary: [units_alive_end, arrears_end_usd, mean_member_earnings_end]
  alive_at: [end]
  monthly: []
"""
    f = tmp_path / f"{design}.yaml"
    f.write_text(text)
    out = tmp_path / f"{design}_out"
    run_sweep(load_sweep(f), out, workers=2, part_size=50)
    return out


@pytest.fixture(scope="module")
def morris_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _sweep(tmp_path_factory.mktemp("morris"), "morris", 4)  # 4 x (2 + 1 + 1) = 16 runs


@pytest.fixture(scope="module")
def sobol_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _sweep(tmp_path_factory.mktemp("sobol"), "sobol", 4)  # 4 x (3 + 2) = 20 runs


def test_morris_indices_with_conf_and_dummy(morris_out):
    table, skipped = analyse(morris_out, num_resamples=100)
    assert set(table["index"]) == {"mu_star"}
    assert set(table["parameter"]) == {"payments.public_mean_delay_months",
                                       "formation.founding_members", "dummy"}
    assert {"value", "conf", "low", "high", "sigma", "noise_floor", "effect"} <= set(table.columns)
    assert (table["conf"] >= 0).all() and np.isfinite(table["value"]).all()
    assert not table.loc[table["parameter"] == "dummy", "effect"].any()
    # arrears answer to payment delays far above the noise
    arrears = table[(table["outcome"] == "arrears_end_usd")].set_index("parameter")
    assert arrears.loc["payments.public_mean_delay_months", "value"] > arrears.loc["dummy", "value"]
    assert "alive_hardware_at_end" in skipped  # no hardware unit before 2002: constant


def test_sobol_indices_and_figure(sobol_out):
    table, _ = analyse(sobol_out, outcomes=["arrears_end_usd"], num_resamples=100)
    assert set(table["index"]) == {"S1", "ST"} and len(table) == 2 * 3
    fig = sensitivity_figure(table)
    assert len(fig.data) == 2 and "noise" in fig.layout.title.text


def test_point_means_average_replications(morris_out):
    means = point_means(morris_out, ["units_alive_end"])
    assert len(means) == 16 and means["units_alive_end"].notna().all()


def test_sensitivity_command_writes_table_and_chart(morris_out):
    res = CliRunner().invoke(app, ["sensitivity", str(morris_out), "--resamples", "50",
                                   "--outcome", "arrears_end_usd"])
    assert res.exit_code == 0, res.output
    assert "mu_star" in res.output and "dummy" in res.output
    assert (morris_out / "sensitivity.csv").exists()
    assert (morris_out / "sensitivity.html").stat().st_size > 10_000


def test_sensitivity_refuses_a_grid_and_a_non_sweep(tmp_path):
    f = tmp_path / "g.yaml"
    f.write_text(f"name: g\nbase: {BASE}\nset: {{end: 1999-06}}\ndesign: grid\n"
                 "parameters: {finance.payout_share: {values: [0.5, 0.9]}}\n"
                 "outcomes: {monthly: []}\n")
    out = tmp_path / "out"
    run_sweep(load_sweep(f), out)
    with pytest.raises(SweepError, match="needs a sobol or morris sweep"):
        analyse(out)
    res = CliRunner().invoke(app, ["sensitivity", str(tmp_path)])
    assert res.exit_code == 2 and "not a sweep folder" in res.output
    res = CliRunner().invoke(app, ["sensitivity", str(out)])
    assert res.exit_code == 2 and "sobol or morris" in res.output
