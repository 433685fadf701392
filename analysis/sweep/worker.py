"""One sweep run, worker side: run a design point on one seed and keep its outcomes."""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path
from typing import Any

from analysis.sweep.outcomes import outcome_values
from analysis.sweep.plan import Job
from analysis.sweep.spec import apply_point


def execute(job: Job) -> dict[str, Any]:
    """Run one design point with one seed; never raises (a failure is recorded, with traceback)."""
    from sim import run as run_model

    _crash_worker(job.run)
    t0 = time.perf_counter()
    row: dict[str, Any] = {"run": job.run, "point": job.point, "replication": job.replication,
                           "seed": job.seed, "key": job.key}
    monthly = None
    try:
        res = run_model(apply_point(job.base, job.params, job.case), seed=job.seed)
        row.update(outcome_values(res, job.outcomes))
        if job.outcomes.monthly:
            ts = res.timeseries
            monthly = {"date": ts["date"].to_numpy(), "month": ts["month"].to_numpy()}
            for col in job.outcomes.monthly:
                monthly[col] = ts[col].to_numpy()
        row["status"], row["error"] = "ok", None
    except Exception:  # noqa: BLE001 - a failed run is data, the sweep goes on
        row["status"], row["error"] = "failed", traceback.format_exc()
    row["wall_time_s"] = time.perf_counter() - t0
    return {"row": row, "monthly": monthly}


def _crash_worker(run: int) -> None:
    """Fault injection for the lost-worker tests: ``SOSIM_WORKER_CRASH=<run>:<marker>`` ends the
    worker process running that run, once (when the marker file does not exist yet, creating it),
    or every time (``<run>:always``)."""
    want = os.environ.get("SOSIM_WORKER_CRASH")
    if not want:
        return
    which, _, marker = want.partition(":")
    if which != str(run):
        return
    if marker != "always":
        try:
            Path(marker).touch(exist_ok=False)
        except FileExistsError:
            return
    os._exit(1)


def lost_run(job: Job, reason: str) -> dict[str, Any]:
    """The failed row of a run given up after its worker process died on every attempt (see
    ``analysis.runmany.run_jobs``): recorded like a run that raised, so the sweep goes on."""
    row: dict[str, Any] = {"run": job.run, "point": job.point, "replication": job.replication,
                           "seed": job.seed, "key": job.key, "status": "failed",
                           "error": reason, "wall_time_s": float("nan")}
    return {"row": row, "monthly": None}
