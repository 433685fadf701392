"""Sweeps: sweep-file validation, designs, common seeds, equality across worker counts and
back-ends, streaming storage, failed runs, and kill-and-resume (SIGKILL at any commit step and at
a random moment). Runs are short (1999 to mid-2001) so the file stays well under a minute."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from analysis.sweep import (
    MONTHLY_COLUMNS,
    SUMMARY_OUTCOMES,
    SweepError,
    load_sweep,
    make_design,
    make_plan,
    read_monthly,
    read_runs,
    replication_seeds,
    run_sweep,
)
from sim import run
from sosim.cli import app

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "kerala_baseline.yaml"

SMALL = f"""
name: small
base: {BASE}
set: {{end: 2001-06}}
design: grid
replications: 2
seed: 5
parameters:
  mission_withdraws: {{values: [none, 2000]}}
  payments.public_mean_delay_months: {{values: [2, 9]}}
outcomes:
  summary: [units_founded, units_alive_end, arrears_end_usd, mean_member_earnings_end]
  alive_at: [2000-12, end]
  monthly: [units_alive, arrears, mission_active]
"""


def write(tmp_path: Path, text: str, name: str = "sweep.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def comparable(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs and monthly tables without what legitimately varies (wall time)."""
    runs = read_runs(out).drop(columns=["wall_time_s"])
    return runs, read_monthly(out)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The small sweep, uninterrupted, on one worker."""
    d = tmp_path_factory.mktemp("ref")
    sweep_file = write(d, SMALL)
    out = d / "out"
    rep = run_sweep(load_sweep(sweep_file), out, workers=1, part_size=3)
    assert rep.recorded == rep.total == 8 and rep.failed == 0
    return sweep_file, out


# --------------------------------------------------------------------------- seeds and designs
def test_replication_k_has_the_same_seed_at_every_design_point(reference):
    sweep_file, out = reference
    runs = read_runs(out)
    seeds = replication_seeds(5, 2)
    expected = [int(c.generate_state(1)[0]) for c in np.random.SeedSequence(5).spawn(2)]
    assert seeds == expected
    for k, group in runs.groupby("replication"):
        assert set(group["seed"]) == {seeds[k]}
    assert runs["point"].nunique() == 4 and len(runs) == 8
    # the seed is the run's seed: rerunning one design point by hand gives the same outcome
    row = runs[(runs["point"] == 3) & (runs["replication"] == 1)].iloc[0]
    from analysis.sweep import apply_point

    plan = make_plan(load_sweep(sweep_file))
    res = run(apply_point(plan.sweep.base, plan.design.points[3]), seed=int(row["seed"]))
    assert res.summary["arrears_end_usd"] == pytest.approx(row["arrears_end_usd"])
    assert row["mission_withdraws"] == "2000-01"


def test_runs_table_columns(reference):
    _, out = reference
    runs = read_runs(out)
    for col in ("run", "point", "replication", "seed", "key", "status", "error", "wall_time_s",
                "mission_withdraws", "payments.public_mean_delay_months", "units_alive_end",
                "alive_training_at_2000_12", "units_alive_at_end"):
        assert col in runs.columns
    assert (runs["status"] == "ok").all() and runs["error"].isna().all()
    assert runs["key"].is_unique
    # the withdrawal shows: no unit founded after the mission left in 2000
    never = runs.query("mission_withdraws == 'none'")["units_founded"]
    early = runs.loc[runs["mission_withdraws"] == "2000-01", "units_founded"]
    assert len(never) == len(early) == 4 and early.max() < never.min()
    assert runs["mission_withdraws"].notna().all()  # "never" is the string none, not null
    monthly = read_monthly(out)
    assert len(monthly) == 8 * 30 and set(monthly["point"]) == {0, 1, 2, 3}
    # readable as one dataset by pyarrow too (hive partitions by point)
    table = ds.dataset(out / "timeseries", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 8 * 30
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["recorded_runs"] == 8 and len(manifest["parts"]) >= 2


def test_designs_sizes_ranges_and_determinism(tmp_path):
    base = f"base: {BASE}\nset: {{end: 2000-12}}\nseed: 4\n"
    params = ("parameters:\n"
              "  payments.public_mean_delay_months: {range: [1, 12]}\n"
              "  mission_withdraws: {range: [2001, 2006], integer: true}\n"
              "  formation.founding_members: {values: [6, 8, 10]}\n")
    sizes = {"lhs": ("samples: 7", 7), "sobol": ("samples: 8", 8 * (4 + 2)),
             "morris": ("samples: 4", 4 * (4 + 1))}
    for design, (samples, n) in sizes.items():
        text = f"name: d\ndesign: {design}\n{samples}\n{base}{params}"
        sw = load_sweep(write(tmp_path, text, f"{design}.yaml"))
        d1, d2 = make_design(sw.spec), make_design(sw.spec)
        assert len(d1) == n and d1.points == d2.points
        delays = [p["payments.public_mean_delay_months"] for p in d1.points]
        assert min(delays) >= 1 and max(delays) <= 12
        assert {p["mission_withdraws"] for p in d1.points} <= set(range(2001, 2007))
        assert {p["formation.founding_members"] for p in d1.points} <= {6, 8, 10}
        assert ("dummy" in d1.names) == (design != "lhs")
    grid = load_sweep(write(tmp_path, f"name: g\ndesign: grid\n{base}parameters:\n"
                                      "  finance.payout_share: {range: [0.5, 1.0], steps: 3}\n"
                                      "  formation.founding_members: {values: [6, 10]}\n"))
    points = make_design(grid.spec).points
    assert len(points) == 6 and points[0] == {"finance.payout_share": 0.5,
                                              "formation.founding_members": 6}


def test_dummy_moves_the_seed_and_nothing_else(tmp_path):
    text = (f"name: m\nbase: {BASE}\nset: {{end: 2000-12}}\ndesign: morris\nsamples: 3\n"
            "replications: 2\nparameters:\n  finance.payout_share: {range: [0.5, 1.0]}\n")
    plan = make_plan(load_sweep(write(tmp_path, text)))
    pts = plan.design.points
    for a in range(len(pts) - 1):
        b = a + 1
        if a // 3 != b // 3:  # not the same trajectory
            continue
        changed = {k for k in pts[a] if pts[a][k] != pts[b][k]}
        same_seed = plan.seed(a, 1) == plan.seed(b, 1)
        assert same_seed == ("dummy" not in changed), changed


def test_known_outcome_and_series_names_match_a_run(short):
    res = run(short, seed=1)
    for key in SUMMARY_OUTCOMES:
        assert key in res.summary
    for col, dtype in MONTHLY_COLUMNS.items():
        assert str(res.timeseries[col].dtype) == dtype


# --------------------------------------------------------------------------- back-ends
def test_same_runs_table_with_two_workers(reference, tmp_path):
    sweep_file, ref = reference
    out = tmp_path / "two"
    run_sweep(load_sweep(sweep_file), out, workers=2, part_size=2)
    a, am = comparable(ref)
    b, bm = comparable(out)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(am, bm)


def test_same_runs_table_with_dask(reference, tmp_path):
    pytest.importorskip("distributed", reason="the [dask] extra is not installed")
    sweep_file, ref = reference
    out = tmp_path / "dask"
    run_sweep(load_sweep(sweep_file), out, workers=2, backend="dask", part_size=5)
    a, am = comparable(ref)
    b, bm = comparable(out)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(am, bm)


# --------------------------------------------------------------------------- failures
def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path):
    # each value is valid alone; a start in 2001 with a withdrawal in 2000 is not (event before
    # the start), so those runs raise in the worker
    text = f"""
name: failing
base: {BASE}
set: {{end: 2001-12}}
design: grid
replications: 2
parameters:
  start: {{values: [1999-01, 2001-01]}}
  mission_withdraws: {{values: [2000, none]}}
outcomes: {{monthly: [units_alive]}}
"""
    out = tmp_path / "out"
    rep = run_sweep(load_sweep(write(tmp_path, text)), out, workers=2, part_size=3)
    runs = read_runs(out)
    assert rep.recorded == 8 and rep.failed == 2
    failed = runs[runs["status"] == "failed"]
    assert set(failed["point"]) == {2}
    assert failed["error"].str.contains("Traceback").all()
    assert failed["error"].str.contains("before the start").all()
    assert failed["units_founded"].isna().all()
    assert (runs.loc[runs["status"] == "ok", "error"].isna()).all()
    assert set(read_monthly(out)["run"]) == set(runs.loc[runs["status"] == "ok", "run"])


# --------------------------------------------------------------------------- resume
def _sweep_cmd(sweep_file: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sosim", "sweep", str(sweep_file), "--out", str(out),
            "--quiet", *extra]


def _run(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run a sweep in its own process group; output through files, so that orphaned workers
    holding pipes cannot hang the test; whatever is left of the group is killed after."""
    with open(os.devnull, "w") as sink, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=sink,
                                stderr=err, text=True, start_new_session=True)
        try:
            proc.wait(timeout=120)
        finally:
            _kill_group(proc)
        err.seek(0)
        return subprocess.CompletedProcess(cmd, proc.returncode, "", err.read())


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill what is left of the process group we started (pool workers of a killed sweep)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait(timeout=30)


@pytest.mark.parametrize("crash", ["staged:1", "committed:1", "moved:2"])
def test_killed_at_each_commit_step_and_resumed_equals_uninterrupted(reference, tmp_path, crash):
    sweep_file, ref = reference
    out = tmp_path / "out"
    killed = _run(_sweep_cmd(sweep_file, out, "--workers", "2", "--part-size", "2"),
                  env={"SOSIM_SWEEP_CRASH": crash})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(read_runs(out)) < 8
    rep = run_sweep(load_sweep(sweep_file), out, workers=1, resume=True)
    assert rep.skipped + rep.ran == rep.recorded == 8 and rep.ran > 0
    a, am = comparable(ref)
    b, bm = comparable(out)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(am, bm)
    assert not (out / "_staging").exists()


def test_killed_at_a_random_moment_and_resumed_equals_uninterrupted(reference, tmp_path):
    sweep_file, ref = reference
    out = tmp_path / "out"
    proc = subprocess.Popen(_sweep_cmd(sweep_file, out, "--workers", "2", "--part-size", "1"),
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (out / "runs" / "part-000002.parquet").exists():
            time.sleep(0.01)
        time.sleep(float(np.random.default_rng().uniform(0, 0.1)))
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        _kill_group(proc)
    rep = run_sweep(load_sweep(sweep_file), out, workers=1, resume=True)
    assert rep.skipped + rep.ran == rep.recorded == 8 and rep.ran > 0
    a, am = comparable(ref)
    b, bm = comparable(out)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(am, bm)


REPEATS = f"""
name: repeats
base: {BASE}
set: {{end: 2000-06}}
design: lhs
samples: 6
replications: 1
seed: 3
parameters:
  payments.public_mean_delay_months: {{range: [1, 2], integer: true}}
outcomes:
  summary: [units_founded, arrears_end_usd]
  monthly: [units_alive]
"""


def test_repeated_design_points_are_distinct_runs_on_resume(tmp_path):
    """Issue 17 item 3: an integer LHS over [1, 2] with 6 samples repeats its two values; each
    design point is its own run (its key holds the point), so a crash and --resume record all 6
    with the values of an uninterrupted sweep and no key twice."""
    sweep_file = write(tmp_path, REPEATS)
    plan = make_plan(load_sweep(sweep_file))
    values = [pt["payments.public_mean_delay_months"] for pt in plan.design.points]
    assert sorted(values) == [1, 1, 1, 2, 2, 2]
    keys = [j.key for j in plan.jobs()]
    assert len(set(keys)) == len(keys) == 6
    ref = tmp_path / "ref"
    run_sweep(load_sweep(sweep_file), ref, workers=1, part_size=2)
    out = tmp_path / "out"
    killed = _run(_sweep_cmd(sweep_file, out, "--workers", "1", "--part-size", "2"),
                  env={"SOSIM_SWEEP_CRASH": "committed:1"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(read_runs(out)) == 4
    rep = run_sweep(load_sweep(sweep_file), out, workers=1, resume=True)
    assert (rep.skipped, rep.ran, rep.recorded, rep.total) == (4, 2, 6, 6)
    assert json.loads((out / "manifest.json").read_text())["complete"] is True
    b, bm = comparable(out)
    assert pd.read_parquet(out / "runs")["key"].is_unique and b["run"].tolist() == list(range(6))
    assert sorted(b["payments.public_mean_delay_months"]) == [1, 1, 1, 2, 2, 2]
    a, am = comparable(ref)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(am, bm)
    again = run_sweep(load_sweep(sweep_file), out, workers=1, resume=True)
    assert again.ran == 0 and again.recorded == 6
    # a run committed twice counts once: a folder with part 0 doubled and part 2 lost is 4 of 6
    # runs, not complete, and --resume runs the 2 that are missing
    for f in [out / "runs" / "part-000002.parquet", *out.glob("timeseries/*/part-000002.parquet")]:
        f.unlink()
    shutil.copy(out / "runs" / "part-000000.parquet", out / "runs" / "part-000007.parquet")
    rep = run_sweep(load_sweep(sweep_file), out, workers=1, resume=True)
    assert (rep.skipped, rep.ran, rep.recorded) == (4, 2, 6)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["recorded_runs"] == 6 and manifest["complete"] is True
    b, bm = comparable(out)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(am, bm)


def test_resume_refuses_runs_recorded_under_another_key(reference, tmp_path):
    """A folder whose recorded keys are not this plan's (written before the key held the design
    point) is refused, not silently doubled by rerunning every run."""
    sweep_file, ref = reference
    out = tmp_path / "out"
    shutil.copytree(ref, out)
    part = out / "runs" / "part-000000.parquet"
    t = pq.read_table(part)
    t = t.set_column(t.schema.get_field_index("key"), "key",
                     pa.array(["0" * 32] * t.num_rows, pa.string()))
    pq.write_table(t, part)
    with pytest.raises(SweepError, match="not runs of this sweep"):
        run_sweep(load_sweep(sweep_file), out, resume=True)


def test_resume_of_a_complete_sweep_runs_nothing(reference, tmp_path):
    sweep_file, ref = reference
    rep = run_sweep(load_sweep(sweep_file), ref, resume=True)
    assert rep.ran == 0 and rep.skipped == 8 and rep.recorded == 8


def test_resume_refuses_a_changed_sweep_and_out_needs_resume(reference, tmp_path):
    sweep_file, ref = reference
    changed = write(tmp_path, SMALL.replace("seed: 5", "seed: 6"))
    with pytest.raises(SweepError, match="changed since"):
        run_sweep(load_sweep(changed), ref, resume=True)
    with pytest.raises(SweepError, match="already holds a sweep"):
        run_sweep(load_sweep(sweep_file), ref)


# --------------------------------------------------------------------------- bad sweep files
BAD = [
    ("desing: grid", "desing", "unknown key (did you mean 'design'?)"),
    ("replications: 0", "replications", "greater than or equal to 1"),
    ("parameters: {payments.public_mean_delay: {values: [1]}}",
     "parameters.payments.public_mean_delay", "did you mean 'public_mean_delay_months'?"),
    ("parameters: {payments.public_mean_delay_months: {values: [3, -1]}}",
     "parameters.payments.public_mean_delay_months.values.1", "greater than or equal to 0"),
    ("parameters: {payments: {values: [1]}}", "parameters.payments", "is a section"),
    ("parameters: {seed: {values: [1, 2]}}", "parameters.seed", "cannot be swept"),
    ("parameters: {mission_withdraws: {values: [2006, soon]}}",
     "parameters.mission_withdraws.values.1", "expected a month"),
    ("parameters: {finance.payout_share: {range: [0.9, 0.1], steps: 3}}",
     "parameters.finance.payout_share", "low must be below high"),
    ("parameters: {finance.payout_share: {range: [0.1, 0.9]}}",
     "parameters.finance.payout_share", "a grid needs values, or a range with steps"),
    ("parameters: {finance.payout_share: {values: [0.5], range: [0.1, 0.9]}}",
     "parameters.finance.payout_share", "either values or range"),
    ("design: sobol\nsamples: 10\nparameters: {finance.payout_share: {range: [0.1, 0.9]}}",
     "samples", "power of 2"),
    ("design: morris\nsamples: 4\nmorris: {num_levels: 5}\n"
     "parameters: {finance.payout_share: {range: [0.1, 0.9]}}", "morris.num_levels", "even"),
    ("design: morris\nsamples: 4\nmorris: {optimal_trajectories: 4}\n"
     "parameters: {finance.payout_share: {range: [0.1, 0.9]}}",
     "morris.optimal_trajectories", "between 2 and"),
    ("design: lhs\nparameters: {finance.payout_share: {range: [0.1, 0.9]}}",
     "samples", "required for a lhs design"),
    ("base: nowhere.yaml", "base", "scenario file not found"),
    ("set: {end: 1990-01}", "set.end", "before start"),
    ("outcomes: {summary: [survival_5]}", "outcomes.summary.0", "did you mean 'survival_5y'?"),
    ("outcomes: {monthly: [alive]}", "outcomes.monthly.0", "unknown monthly series"),
    ("outcomes: {alive_at: [2005-13]}", "outcomes.alive_at.0", "expected a month"),
]


def _bad_file(tmp_path: Path, change: str) -> Path:
    keys = {line.split(":")[0] for line in change.splitlines()}
    lines = {"name": "bad", "base": str(BASE), "design": "grid",
             "parameters": "{finance.payout_share: {values: [0.5]}}"}
    text = "\n".join(f"{k}: {v}" for k, v in lines.items() if k not in keys)
    return write(tmp_path, text + "\n" + change + "\n", "bad.yaml")


@pytest.mark.parametrize(("change", "path", "reason"), BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_bad_sweep_files_get_clear_errors(tmp_path, change, path, reason):
    f = _bad_file(tmp_path, change)
    with pytest.raises(SweepError) as info:
        load_sweep(f)
    problems = info.value.problems
    assert any(p[0] == str(f) and p[1] == path and reason in p[2] for p in problems), problems


def test_bad_sweep_file_on_the_command_line(tmp_path):
    f = write(tmp_path, f"name: x\nbase: {BASE}\ndesing: grid\nreplications: -1\n"
                        "parameters: {payments.public_mean_delay_months: {values: [-2]}}\n")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["sweep", str(f), "--out", str(out)])
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert any(f"{f}: desing: unknown key (did you mean 'design'?)" in ln for ln in lines)
    assert any(f"{f}: replications:" in ln for ln in lines)
    assert "Traceback" not in res.output
    assert not out.exists()
    for text in ("name: [unclosed", "just a string"):
        g = write(tmp_path, text, "g.yaml")
        res = CliRunner().invoke(app, ["sweep", str(g), "--out", str(out)])
        assert res.exit_code == 2 and str(g) in res.output and not out.exists()


def test_dry_run_writes_nothing(tmp_path, reference):
    sweep_file, _ = reference
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["sweep", str(sweep_file), "--out", str(out), "--dry-run",
                                   "--workers", "2"])
    assert res.exit_code == 0, res.output
    assert "8 runs (4 design points x 2 replications)" in res.output
    assert "estimated time on 2 worker(s)" in res.output and "MB" in res.output
    assert not out.exists()


def test_shipped_sweep_files_are_valid():
    files = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))
    assert {f.name for f in files} >= {"smoke.yaml", "withdrawal_x_delay.yaml",
                                       "sobol_mechanisms.yaml"}
    for f in files:
        plan = make_plan(load_sweep(f))
        assert plan.total > 0
    smoke = make_plan(load_sweep(ROOT / "scenarios" / "sweeps" / "smoke.yaml"))
    assert smoke.total <= 24
    grid = load_sweep(ROOT / "scenarios" / "sweeps" / "withdrawal_x_delay.yaml")
    assert grid.spec.design == "grid" and "mission_withdraws" in grid.spec.parameters
    sobol = load_sweep(ROOT / "scenarios" / "sweeps" / "sobol_mechanisms.yaml")
    assert sobol.spec.design == "sobol"
