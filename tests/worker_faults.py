"""Jobs for the worker-death tests, in a module of their own so that pool workers import only
the standard library: ``(i, folder, dies)``; each attempt leaves a file ``i-<pid>`` in
``folder``, and a job whose ``dies`` is ``once`` (on its first attempt) or ``always`` kills its
own worker process with SIGKILL, as ``kill -9`` or the out-of-memory killer would; ``slow``
takes 0.6 s, so it is still running (or queued) when another job kills its worker."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def job(spec: tuple[int, str, str]) -> int:
    """Square ``i`` after a short pause, or die as ``dies`` says."""
    i, folder, dies = spec
    attempts = list(Path(folder).glob(f"{i}-*"))
    (Path(folder) / f"{i}-{os.getpid()}-{len(attempts)}").touch()
    if dies == "always" or (dies == "once" and not attempts):
        time.sleep(0.2)  # the other worker is busy meanwhile
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.6 if dies == "slow" else 0.05)  # slow: still running when another dies
    return i * i
