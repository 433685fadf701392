"""The output folder of a sweep (``RunStore``) and its commit protocol, safe against SIGKILL at any
instant: monthly files are written to ``_staging/<part>/``; the runs part is written to a
temporary name and renamed into ``runs/`` (the commit); the staged monthly files are then renamed
into ``timeseries/``. On start, staged files of a committed part are rolled forward and those of
an uncommitted part deleted, so a run's rows exist in both datasets or in neither."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from analysis.sweep.lock import LOCK_FILE
from analysis.sweep.plan import FORMAT, Plan
from analysis.sweep.spec import SweepError
from sim.atomic import fsync_dir, write_json, write_parquet

_PART = re.compile(r"^part-(\d{6})\.parquet$")
DAMAGED = "damaged"
"""Where ``--resume`` sets aside a committed part that does not read (``DIR/damaged/part-N/``)."""


def _warn(line: str) -> None:
    """Say one thing the sweep did on the way (a part set aside) on standard error."""
    print(f"warning: {line}", file=sys.stderr)


def _crash(point: str, part: int) -> None:
    """Fault injection for the kill-and-resume tests: ``SOSIM_SWEEP_CRASH=<point>:<part>``."""
    want = os.environ.get("SOSIM_SWEEP_CRASH")
    if want and want == f"{point}:{part}":
        os.kill(os.getpid(), signal.SIGKILL)


class RunStore:
    """The output folder of a sweep: committed parts, staging, recovery and the manifest."""

    def __init__(self, out: Path, plan: Plan, notify: Callable[[str], None] | None = None):
        self.out = Path(out)
        self.notify = notify or _warn
        self.plan = plan
        self.runs_dir = self.out / "runs"
        self.ts_dir = self.out / "timeseries"
        self.staging = self.out / "_staging"
        self.runs_schema = plan.runs_schema()
        self.monthly_schema = plan.monthly_schema()
        self.param_names = plan.design.names
        self.next_part = 0
        self._last_flush = time.monotonic()
        self.parts: list[dict[str, Any]] = []
        self._keys: set[str] = set()  # committed runs, by key: what the manifest counts
        self._failed: set[str] = set()
        self._rows: list[dict[str, Any]] = []
        self._monthly: list[tuple[int, dict[str, Any]]] = []

    # ---------------------------------------------------------------- set-up and recovery
    def create(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        write_parquet(self.plan.design_table(), self.out / "design.parquet")
        write_json(self.plan.describe(), self.out / "sweep.json")  # written last: the marker
        self.runs_dir.mkdir(exist_ok=True)
        self._write_manifest()

    def recover(self) -> set[str]:
        """Roll staged parts forward or back, drop temporaries; return the recorded run keys."""
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        for tmp in self.runs_dir.glob(".*.tmp"):
            tmp.unlink()
        committed = {int(m.group(1)) for p in self.runs_dir.iterdir()
                     if (m := _PART.match(p.name))}
        if self.staging.exists():
            for d in sorted(self.staging.iterdir()):
                part = int(d.name) if d.name.isdigit() else -1
                if part in committed:
                    self._move_staged(d, part)
                else:
                    shutil.rmtree(d)
            shutil.rmtree(self.staging, ignore_errors=True)
        if self.ts_dir.exists():
            for tmp in self.ts_dir.rglob(".*.tmp"):
                tmp.unlink()
            for f in self.ts_dir.rglob("part-*.parquet"):  # orphans cannot exist; be safe
                m = _PART.match(f.name)
                if m and int(m.group(1)) not in committed:
                    f.unlink()
        keys: set[str] = set()
        self.parts = []
        self._failed = set()
        self.next_part = max(committed, default=-1) + 1  # a part set aside keeps its number
        for part in sorted(committed):
            name = f"part-{part:06d}.parquet"
            t = self._read_part(part)
            if t is None:
                continue
            status = t.column("status").to_pylist()
            part_keys = t.column("key").to_pylist()
            keys.update(part_keys)
            self._failed.update(k for k, s in zip(part_keys, status, strict=True) if s != "ok")
            self.parts.append({"part": name, "rows": t.num_rows,
                               "failed": sum(s != "ok" for s in status)})
        self._keys = set(keys)
        self._write_manifest()
        return keys

    def _read_part(self, part: int) -> pa.Table | None:
        """The keys and statuses of a committed part; ``None`` when the part, or one of its
        monthly files, does not read (truncated or damaged, issue 17 item 14): the part and its
        monthly files are then set aside under ``damaged/`` (said in one line), so its runs
        count as not recorded and run again."""
        name = f"part-{part:06d}.parquet"
        monthly = sorted(self.ts_dir.glob(f"point=*/{name}")) if self.ts_dir.exists() else []
        bad = self.runs_dir / name
        try:
            t = pq.read_table(bad, columns=["key", "status"])
            for bad in monthly:
                pq.read_metadata(bad)
        except (OSError, pa.ArrowException) as exc:
            self._set_aside(part, monthly, bad, exc)
            return None
        return t

    def _set_aside(self, part: int, monthly: list[Path], bad: Path, exc: Exception) -> None:
        """Move a damaged part (its runs file and monthly files) to ``damaged/part-N[-k]/``."""
        name = f"part-{part:06d}.parquet"
        aside = self.out / DAMAGED / f"part-{part:06d}"
        k = 1
        while aside.exists():
            k += 1
            aside = self.out / DAMAGED / f"part-{part:06d}-{k}"
        (aside / "runs").mkdir(parents=True)
        for f in monthly:  # monthly files first: a kill here leaves the part to be found again
            target = aside / "timeseries" / f.parent.name / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(f, target)
        os.replace(self.runs_dir / name, aside / "runs" / name)
        fsync_dir(self.runs_dir)
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:100]
        self.notify(f"{bad}: cannot be read (truncated or damaged: {reason}); set aside in "
                    f"{aside}/, its runs will run again")

    def _move_staged(self, d: Path, part: int) -> None:
        for f in d.glob("point=*.parquet"):
            point = f.name.removesuffix(".parquet")
            target = self.ts_dir / point / f"part-{part:06d}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(f, target)
        shutil.rmtree(d, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.staging.rmdir()  # only when empty

    # ---------------------------------------------------------------- streaming
    def add(self, result: dict[str, Any]) -> None:
        row = dict(result["row"])
        params = self.plan.design.points[row["point"]]
        for name in self.param_names:
            row[name] = self.plan.param_cell(name, params.get(name))
        self._rows.append(row)
        if result["monthly"] is not None:
            self._monthly.append((row["point"], {"run": row["run"],
                                                 "replication": row["replication"],
                                                 **result["monthly"]}))

    @property
    def pending(self) -> int:
        return len(self._rows)

    def flush_when_due(self, part_size: int, seconds: float) -> None:
        """Commit the buffered runs once there are ``part_size`` of them, or ``seconds`` after
        the last commit, whichever comes first (so a long run loses little on a crash)."""
        if self.pending >= part_size or (
            self.pending and time.monotonic() - self._last_flush >= seconds
        ):
            self.flush()

    def flush(self) -> None:
        """Commit the buffered runs as one part (see the module docstring for the protocol)."""
        if not self._rows:
            return
        part = self.next_part
        stage = self.staging / f"{part:06d}"
        by_point: dict[int, list[dict[str, Any]]] = {}
        for point, m in self._monthly:
            by_point.setdefault(point, []).append(m)
        if by_point:
            stage.mkdir(parents=True, exist_ok=True)
            for point, ms in sorted(by_point.items()):
                write_parquet(self._monthly_table(ms), stage / f"point={point}.parquet")
            fsync_dir(stage)
        _crash("staged", part)
        cols = {f.name: [r.get(f.name) for r in self._rows] for f in self.runs_schema}
        table = pa.Table.from_pydict(cols, schema=self.runs_schema)
        name = f"part-{part:06d}.parquet"
        write_parquet(table, self.runs_dir / name)  # the commit
        fsync_dir(self.runs_dir)
        _crash("committed", part)
        if by_point:
            self._move_staged(stage, part)
            _crash("moved", part)
        self.parts.append({"part": name, "rows": table.num_rows,
                           "failed": sum(r["status"] != "ok" for r in self._rows)})
        self._keys.update(r["key"] for r in self._rows)
        self._failed.update(r["key"] for r in self._rows if r["status"] != "ok")
        self.next_part += 1
        self._rows, self._monthly = [], []
        self._last_flush = time.monotonic()
        self._write_manifest()

    def _monthly_table(self, ms: list[dict[str, Any]]) -> pa.Table:
        arrays = []
        for f in self.monthly_schema:
            if f.name in ("run", "replication"):
                vals = np.concatenate([np.full(len(m["month"]), m[f.name]) for m in ms])
            else:
                vals = np.concatenate([np.asarray(m[f.name]) for m in ms])
            arrays.append(pa.array(vals, type=f.type))
        return pa.Table.from_arrays(arrays, schema=self.monthly_schema)

    def _write_manifest(self, complete: bool = False) -> None:
        """manifest.json: runs counted by key (a run recorded twice counts once, so a folder
        with a doubled run is not taken for complete)."""
        rows = self.recorded
        write_json({
            "format": FORMAT,
            "version": self.plan.version,
            "spec_hash": self.plan.spec_hash(),
            "total_runs": self.plan.total,
            "recorded_runs": rows,
            "failed_runs": self.failed,
            "complete": rows >= self.plan.total,
            "parts": self.parts,
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }, self.out / "manifest.json")

    @property
    def recorded(self) -> int:
        """Distinct runs committed (by key)."""
        return len(self._keys)

    @property
    def failed(self) -> int:
        """Distinct runs committed as failed (by key)."""
        return len(self._failed)


def open_store(out: Path, plan: Plan, resume: bool,
               notify: Callable[[str], None] | None = None) -> tuple[RunStore, set[str]]:
    """Prepare ``out`` for a new sweep, or reopen it for ``--resume`` (checking it matches).
    ``notify`` is told, one line each, of damaged parts set aside (default: standard error)."""
    out = Path(out)
    store = RunStore(out, plan, notify)
    meta_file = out / "sweep.json"
    if out.exists() and not out.is_dir():
        raise SweepError([(str(out), "--out", "exists and is not a directory")])
    if meta_file.exists():
        if not resume:
            raise SweepError([(str(out), "--out",
                               "already holds a sweep; pass --resume to continue it, "
                               "or choose another folder")])
        try:
            meta = json.loads(meta_file.read_text())
            if not isinstance(meta, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            raise SweepError([(str(meta_file), "--resume",
                               f"cannot be read (truncated or damaged: "
                               f"{str(exc).splitlines()[0][:80]}); start a new folder")]) from None
        def slice_of(info: dict | None) -> tuple | None:  # which slice, not its run count
            return None if not info else (info.get("index"), info.get("count"))

        if slice_of(meta.get("shard")) != slice_of(plan.shard_info()):
            def name(info: dict | None) -> str:
                return "the whole sweep" if not info else f"shard {info['index']}/{info['count']}"
            raise SweepError([(str(out), "--resume",
                               f"holds {name(meta.get('shard'))}, this is "
                               f"{name(plan.shard_info())}; give the same --shard")])
        if meta.get("version") != plan.version:
            raise SweepError([(str(out), "--resume",
                               f"written by model version {meta.get('version')}, "
                               f"this is {plan.version}; start a new folder")])
        if meta.get("spec_hash") != plan.spec_hash():
            raise SweepError([(str(out), "--resume",
                               "the sweep file or its base scenario changed since this folder "
                               "was written; start a new folder")])
        done = store.recover()
        if not done <= plan.keys():
            raise SweepError([(str(out), "--resume",
                               f"{len(done - plan.keys())} recorded runs are not runs of this "
                               "sweep (written under another run-key scheme); start a new "
                               "folder")])
        return store, done
    if out.exists() and any(p.name not in ("design.parquet", ".design.parquet.tmp",
                                           ".sweep.json.tmp", LOCK_FILE) for p in out.iterdir()):
        raise SweepError([(str(out), "--out", "exists and is not empty (nor a sweep folder)")])
    store.create()
    return store, set()
