"""Atomic writes: a file or a folder appears whole or not at all, also after SIGKILL or a power
cut. Files are written under a hidden temporary name, fsynced and renamed into place; folders
are built under a hidden temporary name beside the target and renamed over it. Used by one
run's output folder (``sim.outputs.write``) and by the sweep store (``analysis.sweep.store``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


def fsync_dir(path: Path) -> None:
    """Flush a directory's entries (renames, new files) to disk; a no-op where the platform
    cannot open or fsync a directory."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fsync_file(path: Path) -> None:
    """Flush one file's contents to disk."""
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def temp_name(final: Path) -> Path:
    """The hidden temporary name a file is written under before it is renamed to ``final``
    (``.<name>.tmp`` beside it; readers skip and recovery deletes such names)."""
    return final.with_name(f".{final.name}.tmp")


def write_file(final: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` to write the file under its temporary name, fsync it, then rename it
    to ``final``: the file appears whole or not at all."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(final)
    write(tmp)
    fsync_file(tmp)
    os.replace(tmp, final)


def write_parquet(table: pa.Table, final: Path) -> None:
    """Write an Arrow table as zstd-compressed Parquet to ``final``, atomically."""
    write_file(final, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def write_json(obj: Any, final: Path) -> None:
    """Write ``obj`` as indented JSON with sorted keys (other objects as ``str``) to ``final``,
    atomically."""
    text = json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n"
    write_file(final, lambda tmp: tmp.write_text(text))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def temp_dir(out: Path) -> Path:
    """A new hidden folder beside ``out`` to build its replacement in (``.<name>.tmp-<pid>-*``).
    Leftovers of a writer that was killed (its process is gone) are removed first."""
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f".{out.name}.*-*"):
        m = re.fullmatch(rf"\.{re.escape(out.name)}\.(tmp|old)-(\d+)(-.*)?", stale.name)
        if m and not _alive(int(m.group(2))):
            shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=out.parent))


def replace_dir(tmp: Path, out: Path) -> None:
    """Fsync every file in ``tmp`` (made by ``temp_dir``) and rename it to ``out``, replacing an
    earlier ``out``: a reader sees the old folder, the new one or none, never part of one."""
    for f in tmp.iterdir():
        fsync_file(f)
    fsync_dir(tmp)
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out)
    fsync_dir(out.parent)
