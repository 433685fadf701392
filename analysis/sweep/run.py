"""The sweep loop: run (or resume) a sweep into a folder, streaming finished runs to Parquet."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.runmany import run_jobs
from analysis.sweep.lock import lock_folder
from analysis.sweep.plan import Plan, make_plan
from analysis.sweep.spec import Sweep
from analysis.sweep.store import open_store
from analysis.sweep.worker import execute, lost_run


@dataclass
class SweepReport:
    out: Path
    total: int
    recorded: int
    skipped: int
    failed: int
    ran: int
    seconds: float
    lost: int = 0
    """Runs not recorded because their Dask workers kept dying (``--resume`` runs them)."""


def run_sweep(
    sweep: Sweep,
    out: str | Path,
    workers: int = 1,
    backend: str = "processes",
    scheduler: str | None = None,
    resume: bool = False,
    part_size: int = 50,
    flush_seconds: float = 30.0,
    progress: bool = False,
    version: str | None = None,
    shard: tuple[int, int] | None = None,
    retries: int | None = None,
    draws: list[dict[str, float]] | None = None,
    notify: Callable[[str], None] | None = None,
) -> SweepReport:
    """Run (or resume) a sweep into ``out``, streaming finished runs to Parquet parts; with
    ``shard=(K, N)`` only the K-th of N disjoint slices of its runs (merged later by
    ``merge_shards``); with posterior ``draws`` (``runmany.posterior_draws``) replication k runs
    on draw k. A run whose worker process dies is retried on a new pool up to ``retries`` times
    (default ``runmany.RETRIES``), then recorded as failed. On Dask a lost worker's runs are run
    again elsewhere, a run that errs on a worker is tried ``retries`` more times (default
    ``runmany.DASK_RETRIES``), and a run whose workers kept dying is left unrecorded (counted in
    ``lost``) while the sweep goes on. ``notify`` is told, one line each, of damaged parts that
    ``--resume`` sets aside (default: standard error)."""
    t0 = time.perf_counter()
    plan = make_plan(sweep, version, shard, draws)
    with lock_folder(Path(out)):  # one writer per folder (issue 17, item 2)
        return _run_locked(sweep, plan, Path(out), workers, backend, scheduler, resume,
                           part_size, flush_seconds, progress, t0, retries, notify)


def _run_locked(sweep: Sweep, plan: Plan, out: Path, workers: int, backend: str,
                scheduler: str | None, resume: bool, part_size: int, flush_seconds: float,
                progress: bool, t0: float, retries: int | None,
                notify: Callable[[str], None] | None) -> SweepReport:
    """``run_sweep`` once the folder's lock is held."""
    store, done = open_store(out, plan, resume, notify)
    todo = plan.total - len(done)
    jobs = plan.jobs(skip=done)
    ran = 0
    lost: list[str] = []

    def on_lost(job: Any, exc: BaseException) -> None:
        lost.append(job.key)
        bar.advance(failed=False)

    bar = _Progress(todo, store.failed, enabled=progress, title=sweep.spec.name)
    try:
        with bar, contextlib.closing(run_jobs(execute, jobs, backend, workers, scheduler,
                                              heartbeat=1.0, retries=retries,
                                              lost=lost_run, on_lost=on_lost)) as results:
            for item in results:
                if item is not None:
                    result = item[1]
                    store.add(result)
                    ran += 1
                    bar.advance(failed=result["row"]["status"] != "ok")
                store.flush_when_due(part_size, flush_seconds)
    finally:
        store.flush()  # whatever finished is committed, also on Ctrl-C
    return SweepReport(Path(out), plan.total, store.recorded, len(done), store.failed, ran,
                       time.perf_counter() - t0, len(lost))


class _Progress:
    """A rich progress bar with ETA and a count of failed runs (or nothing when disabled)."""

    def __init__(self, total: int, failed: int, enabled: bool, title: str):
        self.enabled = enabled
        self.failed = failed
        if enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                MofNCompleteColumn(), TimeElapsedColumn(),
                                TextColumn("ETA"), TimeRemainingColumn(),
                                TextColumn("failed: {task.fields[failed]}"))
            self.task = self.bar.add_task(title, total=total, failed=failed)

    def __enter__(self) -> _Progress:
        if self.enabled:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.enabled:
            self.bar.__exit__(*exc)

    def advance(self, failed: bool) -> None:
        self.failed += int(failed)
        if self.enabled:
            self.bar.update(self.task, advance=1, failed=self.failed)
