"""Fault injection (issue 17, acceptance): a sweep on 2 workers is hit again and again by
``kill -9`` of one of its pool workers or of its parent process, at seeded random moments, and
resumed with ``--resume`` after each parent kill. Worker kills must not end the sweep (the pool
is restarted, the runs retried); parent kills must lose nothing committed. After at least
``FAULTS`` faults that hit a live process, a last ``--resume`` must leave the runs and monthly
tables of an uninterrupted sweep, with no key recorded twice at any moment.

Short: 12 runs of 18 months; about 60-90 s on 2 shared cores, hence ``slow``."""

from __future__ import annotations

import contextlib
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

from analysis.sweep import load_sweep, read_monthly, read_runs, run_sweep

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "kerala_baseline.yaml"
FAULTS = 20
"""Faults to inject (each a SIGKILL that hit a live worker or parent)."""
RNG_SEED = 11
SWEEP = f"""
name: faults
base: {BASE}
set: {{end: 2000-06}}
design: grid
replications: 3
seed: 9
parameters:
  payments.public_mean_delay_months: {{values: [1, 6]}}
  finance.payout_share: {{values: [0.5, 0.7]}}
outcomes:
  summary: [units_founded, units_alive_end, arrears_end_usd]
  monthly: [units_alive, cash]
"""
TOTAL = 12


def pool_workers(pid: int) -> list[int]:
    """The pool worker processes of a sweep process: the children of its fork server."""
    import psutil

    try:
        kids = psutil.Process(pid).children()
        return sorted(w.pid for k in kids if "forkserver" in " ".join(k.cmdline())
                      for w in k.children())
    except psutil.Error:
        return []


def check_folder(out: Path) -> int:
    """What a reader sees between faults: every committed part whole, no run key twice; returns
    the runs recorded."""
    if not (out / "runs").is_dir():
        return 0
    parts = sorted((out / "runs").glob("part-*.parquet"))
    keys = [k for p in parts for k in pq.read_table(p, columns=["key"]).column("key").to_pylist()]
    assert len(keys) == len(set(keys)), "a run recorded twice"
    return len(keys)


@pytest.mark.slow
def test_random_kills_of_workers_and_parent_then_resume_equal_an_uninterrupted_sweep(tmp_path):
    pytest.importorskip("psutil")
    sweep_file = tmp_path / "sweep.yaml"
    sweep_file.write_text(SWEEP)
    ref = tmp_path / "ref"
    assert run_sweep(load_sweep(sweep_file), ref).recorded == TOTAL
    out = tmp_path / "out"
    rng = np.random.default_rng(RNG_SEED)
    hits = {"worker": 0, "parent": 0}
    started: list[subprocess.Popen] = []
    recorded: list[int] = []
    t0 = time.perf_counter()
    try:
        while sum(hits.values()) < FAULTS:
            args = [sys.executable, "-m", "sosim", "sweep", str(sweep_file), "--out", str(out),
                    "--quiet", "--workers", "2", "--part-size", "1", "--retries", "100"]
            if out.exists():
                args.append("--resume")
            proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True, start_new_session=True)
            started.append(proc)
            while sum(hits.values()) < FAULTS and proc.poll() is None:
                if rng.uniform() < 0.7:  # a worker dies, once the pool runs; the sweep goes on
                    deadline = time.monotonic() + 30
                    while not (workers := pool_workers(proc.pid)) and proc.poll() is None \
                            and time.monotonic() < deadline:
                        time.sleep(0.05)
                    time.sleep(float(rng.uniform(0.3, 2.5)))
                    if workers and proc.poll() is None:
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(workers[int(rng.integers(len(workers)))], signal.SIGKILL)
                            hits["worker"] += 1
                else:  # the sweep itself dies, at any moment; resumed next round
                    time.sleep(float(rng.uniform(0.2, 3.0)))
                    if proc.poll() is None:
                        os.kill(proc.pid, signal.SIGKILL)
                        hits["parent"] += 1
                        proc.wait(timeout=30)
                        break
            if proc.poll() is None:
                proc.wait(timeout=120)
            recorded.append(check_folder(out))
            if proc.returncode == 0:
                assert recorded[-1] == TOTAL
                # done before all faults were injected: start afresh to go on injecting
                os.rename(out, tmp_path / f"done-{len(started)}")
            else:
                assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
        final = subprocess.run([sys.executable, "-m", "sosim", "sweep", str(sweep_file),
                                "--out", str(out), "--quiet", "--resume", "--workers", "2"],
                               cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert final.returncode == 0, final.stderr
    finally:
        for p in started:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=30)
    seconds = time.perf_counter() - t0
    assert check_folder(out) == TOTAL
    a = read_runs(ref).drop(columns=["wall_time_s"])
    b = read_runs(out).drop(columns=["wall_time_s"])
    assert (b["status"] == "ok").all()
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(read_monthly(ref), read_monthly(out))
    assert hits["worker"] >= 5 and hits["parent"] >= 2, hits
    print(f"fault injection: {hits} in {seconds:.0f} s; runs recorded after each sweep process: "
          f"{recorded}")
