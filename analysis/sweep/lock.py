"""One writer per sweep folder: a lock on ``DIR/.sweep.lock`` held for the whole sweep (or
comparison), so that a second sweep or a ``--resume`` started while the first still runs is
refused (issue 17, item 2: a concurrent ``--resume`` doubled runs, and two sweeps into one folder
both crashed and left a third of the runs).

The lock is an ``fcntl.flock`` on the file, from the standard library, rather than a package
such as ``filelock``: the kernel drops a flock when its process dies, by SIGKILL too, so a stale
lock of a dead process is taken over with no guess about ages or process ids (``filelock``'s
Unix lock is the same flock, and its soft lock cannot tell a dead holder from a live one); and
the holder writes its process id into the file, which the refusal names (``filelock`` keeps no
holder). The descriptor is not inherited by the pool's worker processes (Python opens files
non-inheritable), so a worker outliving its parent for a moment does not keep the lock. Where
``fcntl`` is missing (Windows) the folder is not locked.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from analysis.sweep.spec import SweepError

LOCK_FILE = ".sweep.lock"
"""The lock file inside a sweep or comparison folder (hidden; never a run's file)."""


def holder(folder: Path) -> str:
    """The process id written in ``folder``'s lock file (``?`` when unreadable or empty)."""
    try:
        text = (Path(folder) / LOCK_FILE).read_text().strip()
    except OSError:
        return "?"
    return text if text.isdigit() else "?"


@contextlib.contextmanager
def lock_folder(folder: Path, what: str = "a sweep") -> Iterator[None]:
    """Hold the folder's lock while the block runs (creating the folder if it is absent).
    Raises ``SweepError`` (one line naming the holder's process id) when another live process
    holds it; a lock left by a dead process is taken over."""
    try:
        import fcntl
    except ImportError:  # no flock on this platform: unlocked, as before
        yield
        return
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise SweepError([(str(folder), "--out", "exists and is not a directory")])
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SweepError([(str(folder), "--out",
                               f"{what} is already running in this folder (process "
                               f"{holder(folder)}); wait for it to end, or choose another "
                               "folder")]) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays (removing it would race a newcomer)
