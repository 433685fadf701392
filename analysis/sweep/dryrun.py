"""Dry run: time a few pilot runs and estimate a sweep's time and output size."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from analysis.sweep.plan import make_plan
from analysis.sweep.spec import Sweep, apply_point
from analysis.sweep.store import RunStore
from analysis.sweep.worker import execute
from sim.size import SizeEstimate, check_estimate, estimate


@dataclass
class DryRun:
    runs: int
    points: int
    replications: int
    pilot_runs: int
    seconds_per_run: float
    workers: int
    estimated_seconds: float
    bytes_per_run: float
    estimated_bytes: float
    memory_per_run: float = 0.0
    """Estimated peak memory of the largest run (``sim.size.estimate``), bytes."""


def dry_run(sweep: Sweep, workers: int = 1, pilots: int = 3,
            draws: list[dict[str, float]] | None = None) -> DryRun:
    """Time pilot runs on this machine and estimate the sweep's time and size. The pilots are
    spread over the design (early and late withdrawals, short and long delays: runs differ in
    length) and run as the sweep would, ``workers`` at a time on a process pool, so the time
    per run includes the contention of runs sharing the machine's cores; the estimate is that
    measured time x runs / workers (no constant per run). With posterior ``draws`` the sweep
    has one replication per draw, as ``run_sweep`` runs it."""
    from analysis.runmany import run_jobs

    plan = make_plan(sweep, draws=draws)
    n = min(max(pilots, 2 * workers), plan.total)
    picks = sorted({round(i * (plan.total - 1) / max(n - 1, 1)) for i in range(n)})
    jobs = [j for j in plan.jobs() if j.run in picks]
    results = [r for _, r in (item for item in run_jobs(execute, jobs, workers=workers)
                              if item is not None)]
    times = [float(r["row"]["wall_time_s"]) for r in results]
    store = RunStore(Path("."), plan)
    for r in results:
        store.add(r)
    cols = {f.name: [r.get(f.name) for r in store._rows] for f in store.runs_schema}
    size = _parquet_bytes(pa.Table.from_pydict(cols, schema=store.runs_schema))
    if store._monthly:
        size += _parquet_bytes(store._monthly_table([m for _, m in store._monthly]))
    per_run = float(np.median(times)) if times else 0.0
    per_bytes = size / max(len(results), 1)
    return DryRun(plan.total, len(plan.design), plan.replications, len(jobs), per_run, workers,
                  plan.total * per_run / max(workers, 1), per_bytes, per_bytes * plan.total,
                  largest_run(sweep).bytes)


SIZE_INPUTS = ("formation.", "start", "end")
"""The dotted paths a run's size estimate reads (``sim.size.estimate``): a sweep that varies
none of them has the size of its base scenario at every point."""


def largest_run(sweep: Sweep) -> SizeEstimate:
    """The size estimate (``sim.size.estimate``) of the sweep's largest run: of its base, or,
    when the sweep varies what the estimate reads (the schedule, founding members, start or
    end, by a parameter or a case), the largest over its design points."""
    plan = make_plan(sweep)
    spec = sweep.spec
    varied = [*spec.parameters, *(k for c in (spec.cases or {}).values() for k in c.set)]
    est = estimate(sweep.base)
    if any(k.startswith(SIZE_INPUTS) for k in varied):
        for params in plan.design.points:
            point = estimate(apply_point(sweep.base, params, plan.case(params)))
            est = max(est, point, key=lambda e: e.bytes)
    return est


def check_sweep_size(sweep: Sweep, source: str, workers: int = 1,
                     allow_large: bool = False) -> SizeEstimate:
    """Refuse (``sim.size.check_estimate``, one line) a sweep whose largest run, times the
    workers running at once, would not fit in this machine's memory."""
    return check_estimate(largest_run(sweep), source, workers, allow_large)


def _parquet_bytes(table: pa.Table) -> int:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.tell()
