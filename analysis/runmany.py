"""Run many jobs: the one layer that runs a set of jobs (a scenario on a seed, and what to keep)
on a back-end and streams the results as they finish. Sweeps, comparisons, pattern checks and the
calibration all run through it, so each has the same back-ends (this process, a process pool, or
Dask distributed), the same worker watch (a pool worker exits when the main process dies, even by
SIGKILL) and the same seeds.

Seeds (common random numbers): replication *k* runs with ``replication_seeds(root, n)[k]``,
``SeedSequence(root).spawn(n)[k].generate_state(1)[0]``, whatever is being run, so that runs of
different design points or scenarios are paired.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy as np

from sim.scenario import ScenarioError

BACKENDS = ("processes", "dask")

DASK_RETRIES = 3
"""Dask: how many more times a run is tried when its task errs on a worker (``retries=`` of
``Client.submit``; assumption: 3, as many as Dask's own ``allowed-failures`` for lost workers)."""


def replication_seeds(root: int, replications: int) -> list[int]:
    """Seed of replication k (the same at every design point or scenario): common random
    numbers. ``replication_seeds(root, m)`` begins with ``replication_seeds(root, n)``, m > n."""
    children = np.random.SeedSequence(root).spawn(replications)
    return [int(c.generate_state(1)[0]) for c in children]


def _input_error(problems: list[tuple[str, str, str]]) -> ScenarioError:
    """A bad back-end is a sweep input error (``SweepError``; imported here, not at the top, as
    the sweep package itself runs on this module)."""
    from analysis.sweep.spec import SweepError

    return SweepError(problems)


class InlineExecutor(cf.Executor):
    """Runs each job in this process when submitted (one worker, no pool)."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> cf.Future:  # type: ignore[override]
        fut: cf.Future = cf.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001
            fut.set_exception(exc)
        return fut


def _watch_parent(main_pid: int) -> None:
    """Pool-worker initializer: exit when the sweep's process dies (e.g. by SIGKILL), instead of
    idling forever as an orphan. With forkserver the worker's parent is the fork server, which
    exits with the main process, so a change of parent is the signal."""
    import threading

    ppid = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != ppid:
                os._exit(0)
            try:
                os.kill(main_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


@contextlib.contextmanager
def executor(backend: str = "processes", workers: int = 1,
             scheduler: str | None = None, retries: int = DASK_RETRIES) -> Iterator[cf.Executor]:
    """A ``concurrent.futures`` executor: a process pool, or Dask distributed's (whose tasks
    are tried ``retries`` more times when they err on a worker)."""
    if backend == "processes":
        if workers <= 1:
            yield InlineExecutor()
            return
        # forkserver: forking a process that already runs threads can deadlock its children
        ctx = multiprocessing.get_context("forkserver")
        pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                      initializer=_watch_parent, initargs=(os.getpid(),))
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    if backend != "dask":
        raise _input_error([("--backend", "", f"unknown back-end {backend!r} (processes or dask)")])
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise _input_error([("--backend", "dask",
                           "needs the [dask] extra: pip install 'sosim[dask]'")]) from None
    import logging

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        yield client.get_executor(pure=False, retries=retries)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


RETRIES = 2
"""How many times a job is run again after its worker process died under it (killed by a signal,
out of memory) before it is given up: the pool is restarted and the job retried, so one dead
worker does not end a sweep of many runs (issue 17, item 4). A parameter of ``run_jobs`` (and of
``sosim sweep --retries``)."""


class WorkerLost(RuntimeError):
    """A job whose worker process died on its first run and on every retry."""


def lost_reason(attempts: int) -> str:
    """What is recorded for a job given up after its worker died ``attempts`` times."""
    return (f"its worker process died (killed by a signal, or out of memory) on each of "
            f"{attempts} attempt(s)")


def run_jobs[J, R](
    work: Callable[[J], R],
    jobs: Iterable[J],
    backend: str = "processes",
    workers: int = 1,
    scheduler: str | None = None,
    heartbeat: float | None = None,
    retries: int | None = None,
    lost: Callable[[J, str], R] | None = None,
    on_lost: Callable[[J, BaseException], None] | None = None,
) -> Iterator[tuple[int, R] | None]:
    """Run ``work(job)`` for every job on a back-end; yield ``(i, result)`` as each finishes
    (``i``: the job's position in ``jobs``). Jobs are drawn lazily, a few per worker at a time,
    so a million-run sweep never holds all its jobs. With ``heartbeat`` (seconds), ``None`` is
    yielded whenever that long passes with nothing finished, so the caller can commit what it
    holds while a long run goes on. A job that raises ends the iteration with its exception.

    A pool worker that dies (``kill -9``, out of memory) breaks a process pool: the pool is then
    started again and the jobs it held are submitted again. The jobs that were running when it
    broke are charged one attempt; one charged more than ``retries`` times (default
    ``RETRIES``) is given up: its result is ``lost(job, reason)``, or, without ``lost``,
    ``WorkerLost`` is raised. Jobs that were only queued are resubmitted uncharged.

    With Dask, a lost worker does not end the iteration: its jobs are run again on the other
    workers (Dask reschedules them, up to the scheduler's ``allowed-failures``), a job that errs
    on a worker is tried ``retries`` more times (default ``DASK_RETRIES``), and with ``on_lost``
    a job whose workers kept dying (``KilledWorker``) is handed to ``on_lost(job, error)`` and
    the others go on. Close the generator (or use ``contextlib.closing``) to stop early."""
    pool_retries = RETRIES if retries is None else retries
    dask_retries = DASK_RETRIES if retries is None else retries
    source = iter(enumerate(jobs))
    again: list[tuple[int, J]] = []  # jobs of a broken pool, submitted first to the next one
    # the suspects of a break with several jobs in flight, run one at a time so that the one
    # that kills its worker is the only one charged (a future in the pool's queue also reads as
    # running, so a break cannot tell its culprit from its neighbours)
    alone: list[tuple[int, J]] = []
    solo: set[int] = set()  # jobs taken from ``alone``: while one is in flight, nothing else is
    charged: dict[int, int] = {}
    exhausted = False
    window = max(2, 4 * workers)
    while True:
        broken: list[tuple[int, J]] = []
        suspects: set[int] = set()
        with executor(backend, workers, scheduler, dask_retries) as ex:
            pending: dict[cf.Future, tuple[int, J]] = {}
            running: set[int] = set()
            while not broken:
                pool_broke = False
                while len(pending) < (1 if alone or solo & {i for i, _ in pending.values()}
                                      else window):
                    if alone:
                        item = alone.pop(0)
                        solo.add(item[0])
                    elif again:
                        item = again.pop(0)
                    elif not exhausted and (item := next(source, None)) is not None:
                        pass
                    else:
                        exhausted = True
                        break
                    try:
                        pending[ex.submit(work, item[1])] = item
                    except BrokenProcessPool:  # broke since the last wait
                        (alone if item[0] in solo else again).insert(0, item)
                        pool_broke = True
                        break
                if not pending and not pool_broke:
                    return
                if not pool_broke:
                    running = {item[0] for fut, item in pending.items() if fut.running()}
                    finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED,
                                          timeout=1.0 if heartbeat is None else heartbeat)
                    if not finished and heartbeat is not None:
                        yield None
                    pool_broke = any(isinstance(f.exception(), BrokenProcessPool)
                                     for f in finished)
                if pool_broke:
                    cf.wait(pending)  # a broken pool fails all its futures at once
                    finished = set(pending)
                    suspects = running
                for fut in sorted(finished, key=lambda f: pending[f][0]):
                    item = pending.pop(fut)
                    if isinstance(fut.exception(), BrokenProcessPool):
                        broken.append(item)
                    elif on_lost is not None and backend == "dask" and _lost_worker(fut):
                        on_lost(item[1], fut.exception())  # type: ignore[arg-type]
                    else:
                        yield item[0], fut.result()
                if pool_broke and not broken:  # broke with nothing in flight: a new pool
                    break
        # the pool broke. One job in flight: it is charged an attempt. Several: the ones that
        # were running (all of them, if none was seen) are run again one at a time, uncharged
        candidates = {i for i, _ in broken if i in suspects} or {i for i, _ in broken}
        charge = candidates if len(broken) == 1 or len(candidates) == 1 else set()
        if not charge:
            alone.extend(item for item in broken if item[0] in candidates)
            again[:0] = [item for item in broken if item[0] not in candidates]
            continue
        for i, job in broken:
            if i in charge:
                charged[i] = charged.get(i, 0) + 1
                if charged[i] > pool_retries:
                    if lost is None:
                        raise WorkerLost(f"job {i}: {lost_reason(charged[i])}")
                    yield i, lost(job, lost_reason(charged[i]))
                    continue
                alone.append((i, job))  # retried alone: a break then is its own
            else:
                again.append((i, job))


def _lost_worker(fut: cf.Future) -> bool:
    """Whether a Dask future failed because the workers running it died (not by its code)."""
    exc = fut.exception()
    if exc is None:
        return False
    from distributed import KilledWorker

    return isinstance(exc, KilledWorker)


def run_in_order[J, R](work: Callable[[J], R], jobs: Iterable[J], backend: str = "processes",
                       workers: int = 1, scheduler: str | None = None) -> list[R]:
    """``run_jobs`` collected in the jobs' order (for results that are reduced in that order)."""
    out: dict[int, R] = {}
    with contextlib.closing(run_jobs(work, jobs, backend, workers, scheduler)) as results:
        for item in results:
            assert item is not None
            out[item[0]] = item[1]
    return [out[i] for i in range(len(out))]


# --------------------------------------------------------------------------- posterior draws
POSTERIOR_FILE = "posterior.parquet"


def posterior_draws(folder: str | os.PathLike[str], draws: int,
                    root: int) -> list[dict[str, float]]:
    """``draws`` parameter sets resampled by weight (with replacement) from the last generation
    of a calibration's ``posterior.parquet`` (``sosim calibrate``), with a generator seeded by
    ``root``: replication k of a run set takes draw k, and runs of different scenarios with the
    same root seed take the same draws, so their pairs still share parameters and seeds.
    ScenarioError (one line) when the folder holds no posterior."""
    import pandas as pd

    path = os.path.join(os.fspath(folder), POSTERIOR_FILE)
    if not os.path.isfile(path):
        raise ScenarioError([(os.fspath(folder), "--posterior",
                              f"no {POSTERIOR_FILE} (a folder written by sosim calibrate)")])
    try:
        post = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - a damaged file is bad input, one line
        raise ScenarioError([(path, "", f"cannot be read as Parquet ({type(exc).__name__})")]) \
            from None
    needed = {"generation", "weight"}
    if not needed <= set(post.columns) or post.empty:
        raise ScenarioError([(path, "", "expected columns generation and weight, and draws")])
    last = post[post["generation"] == post["generation"].max()]
    names = [c for c in last.columns if c not in ("generation", "weight", "distance")]
    w = last["weight"].to_numpy(dtype=float)
    if not names or not np.all(np.isfinite(w)) or w.sum() <= 0:
        raise ScenarioError([(path, "weight", "needs positive weights and parameter columns")])
    rng = np.random.default_rng(np.random.SeedSequence([root, 0x9057]))
    picks = rng.choice(len(last), size=draws, replace=True, p=w / w.sum())
    values = last[names].to_numpy(dtype=float)
    return [{n: float(values[i, j]) for j, n in enumerate(names)} for i in picks]


def with_posterior(scenario: Any, draws: list[dict[str, float]] | None) -> list[Any]:
    """The scenario of each replication: ``scenario`` with posterior draw k's values (or, with
    no draws, ``scenario`` itself once)."""
    from sim.scenario import scenario_with

    if not draws:
        return [scenario]
    return [scenario_with(scenario, d) for d in draws]
