"""Damaged files (issue 17, item 14): a truncated or empty Parquet table in a run, comparison or
sweep folder gives ``sosim report`` one line naming the file and exit 2 (it gave an
``ArrowInvalid`` traceback); on ``sosim sweep --resume`` a committed part that does not read is
set aside (renamed, said in one line) and its runs are run again."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis.sweep import load_sweep, read_monthly, read_runs, run_sweep
from sosim.cli import app

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "kerala_baseline.yaml"


def truncate(path: Path, keep: float = 0.5) -> None:
    """Cut a file to a share of its bytes (0: empty), as a full disk or a killed copy does."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "run"
    res = CliRunner().invoke(app, ["run", str(BASE), "--set", "end=1999-12", "--out", str(out),
                                   "--quiet"])
    assert res.exit_code == 0, res.output
    return out


@pytest.mark.parametrize(("table", "keep"), [("timeseries", 0.5), ("enterprises", 0.0),
                                             ("enterprises", 0.5)])
def test_report_of_a_run_with_a_damaged_table_is_one_line_naming_it(run_folder, tmp_path,
                                                                    table, keep):
    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    bad = folder / f"{table}.parquet"
    truncate(bad, keep)
    proc = subprocess.run([sys.executable, "-m", "sosim", "report", str(folder)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: {folder}: report: {bad}: cannot be read as a Parquet "
                               "table; it is truncated or damaged"), lines
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (folder / "report.html").exists()


SWEEP = f"""
name: parts
base: {BASE}
set: {{end: 2000-06}}
design: grid
replications: 2
seed: 5
parameters:
  payments.public_mean_delay_months: {{values: [2, 9, 12]}}
outcomes:
  summary: [units_founded, units_alive_end]
  monthly: [units_alive]
"""


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("sweep")
    f = d / "sweep.yaml"
    f.write_text(SWEEP)
    out = d / "out"
    rep = run_sweep(load_sweep(f), out, part_size=2)
    assert rep.recorded == 6 and len(list((out / "runs").glob("part-*.parquet"))) == 3
    return f, out


def test_report_of_a_sweep_with_a_truncated_part_names_the_part(sweep, tmp_path):
    _, ref = sweep
    folder = tmp_path / "out"
    shutil.copytree(ref, folder)
    bad = folder / "runs" / "part-000001.parquet"
    truncate(bad)
    res = CliRunner().invoke(app, ["report", str(folder)])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and f"{bad}: cannot be read as a Parquet table" in lines[0], lines


@pytest.mark.parametrize("keep", [0.5, 0.0])
def test_resume_sets_a_truncated_part_aside_and_reruns_its_runs(sweep, tmp_path, keep):
    sweep_file, ref = sweep
    folder = tmp_path / "out"
    shutil.copytree(ref, folder)
    bad = folder / "runs" / "part-000001.parquet"
    truncate(bad, keep)
    res = CliRunner().invoke(app, ["sweep", str(sweep_file), "--out", str(folder), "--resume",
                                   "--quiet"])
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    aside_dir = folder / "damaged" / "part-000001"
    assert lines[0].startswith(f"warning: {bad}: cannot be read (truncated or damaged: "), lines
    assert lines[0].endswith(f"); set aside in {aside_dir}/, its runs will run again"), lines
    # the damaged part and its monthly files are kept for a look, out of the datasets
    aside = sorted(str(p.relative_to(aside_dir)) for p in aside_dir.rglob("*") if p.is_file())
    assert aside == ["runs/part-000001.parquet", "timeseries/point=1/part-000001.parquet"], aside
    a = read_runs(ref).drop(columns=["wall_time_s"])
    b = read_runs(folder).drop(columns=["wall_time_s"])
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(read_monthly(ref), read_monthly(folder))
    # and the report reads the repaired folder
    res = CliRunner().invoke(app, ["report", str(folder)])
    assert res.exit_code == 0, res.output


def test_resume_sets_aside_a_part_whose_monthly_file_is_damaged(sweep, tmp_path):
    sweep_file, ref = sweep
    folder = tmp_path / "out"
    shutil.copytree(ref, folder)
    bad = folder / "timeseries" / "point=2" / "part-000002.parquet"
    truncate(bad)
    lines: list[str] = []
    rep = run_sweep(load_sweep(sweep_file), folder, resume=True, notify=lines.append)
    assert (rep.skipped, rep.ran) == (4, 2)
    assert len(lines) == 1 and lines[0].startswith(f"{bad}: cannot be read"), lines
    pd.testing.assert_frame_equal(read_monthly(ref), read_monthly(folder))


def test_compare_reruns_a_finished_run_whose_table_is_damaged(tmp_path):
    out = tmp_path / "cmp"
    args = ["compare", str(BASE), "--out", str(out), "--reps", "2", "--set", "end=1999-12",
            "--workers", "1"]
    assert CliRunner().invoke(app, args).exit_code == 0
    ref = pd.read_parquet(out / "runs.parquet")
    (out / "runs.parquet").unlink()
    shutil.rmtree(out / "runs")  # the sweep store forgets its runs: they are read back
    damaged = next((out / "tables").rglob("timeseries.parquet"))
    truncate(damaged)
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), ref)
    pd.read_parquet(damaged)  # written again, whole


def test_compare_reruns_a_recorded_run_whose_table_is_damaged(tmp_path):
    out = tmp_path / "cmp"
    args = ["compare", str(BASE), "--out", str(out), "--reps", "2", "--set", "end=1999-12",
            "--workers", "1"]
    assert CliRunner().invoke(app, args).exit_code == 0
    ref = pd.read_parquet(out / "runs.parquet")
    damaged = sorted((out / "tables").rglob("enterprises.parquet"))[1]
    damaged.write_bytes(b"")
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert f"{damaged}: does not match its run's summary.json" in res.output
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), ref)
    assert len(pd.read_parquet(damaged)) > 0


@pytest.mark.parametrize("text", ["", '{"format": 1, "ver', "[1, 2]"])
def test_resume_of_a_folder_whose_sweep_json_is_damaged_is_one_line(sweep, tmp_path, text):
    sweep_file, ref = sweep
    folder = tmp_path / "out"
    shutil.copytree(ref, folder)
    (folder / "sweep.json").write_text(text)
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    res = CliRunner().invoke(app, ["sweep", str(sweep_file), "--out", str(folder), "--resume",
                                   "--quiet"])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(
        f"error: {folder / 'sweep.json'}: --resume: cannot be read (truncated or damaged"), lines
    assert lines[0].endswith("start a new folder"), lines
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before


def test_sensitivity_of_a_sweep_with_a_truncated_part_names_the_part(tmp_path):
    f = tmp_path / "sobol.yaml"
    f.write_text(f"""
name: s
base: {BASE}
set: {{end: 1999-12}}
design: sobol
samples: 2
parameters:
  finance.payout_share: {{range: [0.5, 0.9]}}
""")
    out = tmp_path / "out"
    run_sweep(load_sweep(f), out, part_size=2)
    bad = out / "runs" / "part-000001.parquet"
    truncate(bad)
    res = CliRunner().invoke(app, ["sensitivity", str(out)])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and f"{bad}: cannot be read as a Parquet table" in lines[0], lines


def test_report_of_an_oat_sweep_with_a_truncated_part_names_the_part(tmp_path):
    f = tmp_path / "oat.yaml"
    f.write_text(f"""
name: oat
base: {BASE}
set: {{end: 1999-12}}
design: oat
parameters:
  payments.public_mean_delay_months: {{values: [4, 1]}}
""")
    out = tmp_path / "out"
    run_sweep(load_sweep(f), out, part_size=1)
    bad = out / "runs" / "part-000001.parquet"
    truncate(bad)
    res = CliRunner().invoke(app, ["report", str(out)])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and f"{bad}: cannot be read as a Parquet table" in lines[0], lines
