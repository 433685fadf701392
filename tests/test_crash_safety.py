"""Crash safety (issue 7): ``sosim run`` and ``sosim sweep`` killed with SIGKILL at random
moments leave nothing that a later read would take for whole.

* ``sosim run --out DIR``: after each kill DIR is absent, or holds the whole earlier run, or the
  whole new one (all five Parquet tables readable and equal to an uninterrupted run's, and
  summary.json parses); temporary folders are hidden (their names start with '.') and are
  removed by the next run. Kill moments are drawn (seeded) over the command's whole life, from
  start-up to the final rename.
* ``sosim sweep``: killed again and again, resumed each time; after every kill each committed
  part reads whole, no run is recorded twice, and the final resume equals an uninterrupted sweep.
  (``tests/test_sweep.py`` kills at each commit step; this kills the same folder repeatedly.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.outputs import TABLES
from tests.conftest import BASELINE, ROOT

KILLS = 10
"""SIGKILLs of ``sosim run``; the kill moments are drawn from ``RNG_SEED``."""
SWEEP_KILLS = 4
RNG_SEED = 7
RUN_ARGS = ["--set", "end=2004-12", "--quiet"]


def start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sosim", *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group we started (a sweep's pool workers too) and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait(timeout=30)


def read_run(folder: Path) -> dict[str, pd.DataFrame]:
    """All five tables and the summary of a run folder (raises if any is missing or torn)."""
    tables = {name: pq.read_table(folder / f"{name}.parquet").to_pandas() for name in TABLES}
    meta = json.loads((folder / "summary.json").read_text())
    assert {"version", "seed", "summary", "scenario"} <= set(meta)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{t}.parquet" for t in TABLES] + ["summary.json"])
    return tables


def same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> bool:
    return all(a[n].equals(b[n]) for n in TABLES)


@pytest.mark.slow
def test_sosim_run_killed_at_random_moments_leaves_nothing_partial(tmp_path):
    # uninterrupted runs: the reference tables of seeds 1 and 2, and the command's duration
    refs, seconds = {}, []
    for seed in (1, 2):
        t0 = time.perf_counter()
        proc = start(["run", str(BASELINE), "--seed", str(seed), "--out",
                      str(tmp_path / f"ref{seed}"), *RUN_ARGS])
        assert proc.wait(timeout=120) == 0
        seconds.append(time.perf_counter() - t0)
        refs[seed] = read_run(tmp_path / f"ref{seed}")
    total = min(seconds)  # the second run is the warm one
    rng = np.random.default_rng(RNG_SEED)
    outcomes = {"absent": 0, "old": 0, "new": 0, "temporary left": 0, "finished": 0}
    for k in range(KILLS):
        work = tmp_path / f"k{k}"
        work.mkdir()
        out = work / "run"
        had_old = k % 2 == 1  # every other kill replaces an earlier complete run (seed 1)
        if had_old:
            proc = start(["run", str(BASELINE), "--seed", "1", "--out", str(out), *RUN_ARGS])
            assert proc.wait(timeout=120) == 0
        # the kill lands anywhere from start-up to the final rename (the write is the last
        # ~15 % of the command's life)
        delay = float(rng.uniform(0.2, 1.0)) * total
        proc = start(["run", str(BASELINE), "--seed", "2", "--out", str(out), *RUN_ARGS])
        time.sleep(delay)
        if proc.poll() is not None:
            outcomes["finished"] += 1
        kill_group(proc)
        visible = [p.name for p in work.iterdir() if not p.name.startswith(".")]
        hidden = [p.name for p in work.iterdir() if p.name.startswith(".")]
        outcomes["temporary left"] += bool(hidden)
        assert visible in ([], ["run"]), visible
        if not visible:
            outcomes["absent"] += 1
            continue
        tables = read_run(out)  # whole, or this raises
        if same(tables, refs[2]):
            outcomes["new"] += 1
        else:
            assert had_old and same(tables, refs[1]), "a run folder that is neither old nor new"
            outcomes["old"] += 1
    # the kills must have landed in different phases, or the test proves little
    assert outcomes["finished"] <= KILLS // 2, outcomes
    assert outcomes["absent"] + outcomes["old"] >= 1, outcomes
    # a later run into a folder with a killed writer's leftovers cleans them up
    last = tmp_path / f"k{KILLS - 1}"
    proc = start(["run", str(BASELINE), "--seed", "2", "--out", str(last / "run"), *RUN_ARGS])
    assert proc.wait(timeout=120) == 0
    assert [p.name for p in last.iterdir()] == ["run"]
    print(f"sosim run: {KILLS} kills -> {outcomes}")


SWEEP = f"""
name: killed
base: {BASELINE}
set: {{end: 2002-12}}
design: grid
replications: 3
seed: 3
parameters:
  payments.public_mean_delay_months: {{values: [0, 4, 8, 12]}}
  finance.payout_share: {{values: [0.5, 0.9]}}
outcomes:
  summary: [units_founded, units_alive_end, arrears_end_usd]
  alive_at: [end]
  monthly: [units_alive, cash]
"""


TOTAL = 4 * 2 * 3


def read_sweep(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    runs = pd.read_parquet(out / "runs").drop(columns=["wall_time_s"])
    runs = runs.sort_values("run").reset_index(drop=True)
    ts = pd.read_parquet(out / "timeseries") if (out / "timeseries").exists() else None
    if ts is not None:
        ts = ts.sort_values(["run", "date"]).reset_index(drop=True)
        ts["point"] = ts["point"].astype("int64")
    return runs, ts


@pytest.mark.slow
def test_sosim_sweep_killed_repeatedly_and_resumed_equals_uninterrupted(tmp_path):
    sweep_file = tmp_path / "sweep.yaml"
    sweep_file.write_text(SWEEP)
    ref = tmp_path / "ref"
    proc = start(["sweep", str(sweep_file), "--out", str(ref), "--quiet", "--part-size", "2"])
    assert proc.wait(timeout=300) == 0
    ref_runs, ref_ts = read_sweep(ref)
    assert len(ref_runs) == TOTAL
    out = tmp_path / "out"
    rng = np.random.default_rng(RNG_SEED)
    recorded = []
    for k in range(SWEEP_KILLS):
        args = ["sweep", str(sweep_file), "--out", str(out), "--quiet", "--part-size", "1",
                "--workers", "2"] + (["--resume"] if k else [])
        proc = start(args)
        # wait until this attempt has committed something new, then kill at a random moment
        before = len(list((out / "runs").glob("part-*.parquet"))) if out.exists() else 0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if out.exists() and len(list((out / "runs").glob("part-*.parquet"))) > before:
                break
            time.sleep(0.02)
        time.sleep(float(rng.uniform(0, 0.3)))
        kill_group(proc)
        # what a reader sees now: every committed part whole, no run twice
        for part in (out / "runs").glob("part-*.parquet"):
            pq.read_table(part)
        runs, _ = read_sweep(out)
        assert runs["key"].is_unique and runs["run"].is_unique
        recorded.append(len(runs))
    proc = start(["sweep", str(sweep_file), "--out", str(out), "--quiet", "--resume"])
    assert proc.wait(timeout=300) == 0
    runs, ts = read_sweep(out)
    pd.testing.assert_frame_equal(runs, ref_runs)
    pd.testing.assert_frame_equal(ts, ref_ts)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["recorded_runs"] == TOTAL
    assert not (out / "_staging").exists()
    # runs are never lost between attempts, and the kills did interrupt the sweep
    assert recorded == sorted(recorded) and recorded[SWEEP_KILLS // 2] < TOTAL, recorded
    print(f"sosim sweep: {SWEEP_KILLS} kills, runs recorded after each: {recorded}")
