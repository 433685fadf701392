"""Back-ends that run a sweep's jobs: in this process, a process pool, or Dask distributed."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from analysis.sweep.spec import SweepError


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
             scheduler: str | None = None) -> Iterator[cf.Executor]:
    """A ``concurrent.futures`` executor: a process pool, or Dask distributed's."""
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
        raise SweepError([("--backend", "", f"unknown back-end {backend!r} (processes or dask)")])
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise SweepError([("--backend", "dask",
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
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
