"""The sweep loop: run (or resume) a sweep into a folder, streaming finished runs to Parquet."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.runmany import RETRIES, run_jobs
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
    retries: int = RETRIES,
    notify: Callable[[str], None] | None = None,
) -> SweepReport:
    """Run (or resume) a sweep into ``out``, streaming finished runs to Parquet parts. A run
    whose worker process dies is retried on a new pool up to ``retries`` times, then recorded
    as failed (``analysis.runmany.run_jobs``). ``notify`` is told, one line each, of damaged
    parts that ``--resume`` sets aside (default: standard error)."""
    t0 = time.perf_counter()
    plan = make_plan(sweep, version)
    with lock_folder(Path(out)):  # one writer per folder (issue 17, item 2)
        return _run_locked(sweep, plan, Path(out), workers, backend, scheduler, resume,
                           part_size, flush_seconds, progress, t0, retries, notify)


def _run_locked(sweep: Sweep, plan: Plan, out: Path, workers: int, backend: str,
                scheduler: str | None, resume: bool, part_size: int, flush_seconds: float,
                progress: bool, t0: float, retries: int,
                notify: Callable[[str], None] | None) -> SweepReport:
    """``run_sweep`` once the folder's lock is held."""
    store, done = open_store(out, plan, resume, notify)
    todo = plan.total - len(done)
    jobs = plan.jobs(skip=done)
    ran = 0
    bar = _Progress(todo, store.failed, enabled=progress, title=sweep.spec.name)
    try:
        with bar, contextlib.closing(run_jobs(execute, jobs, backend, workers, scheduler,
                                              heartbeat=1.0, retries=retries,
                                              lost=lost_run)) as results:
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
                       time.perf_counter() - t0)


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
