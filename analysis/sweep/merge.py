"""Merging the shards of a sweep (``sosim sweep FILE --shard K/N``, e.g. the tasks of a job array
on a cluster) into one folder with exactly the runs of the unsharded sweep.

Each shard folder is a sweep folder whose ``sweep.json`` carries ``shard: {index, count, runs}``;
its runs are those whose run key falls in its slice (``plan.shard_of``). The merge refuses, with
one line per problem, folders that are not shards, shards of different sweeps (spec, base
scenario or model version), a shard given twice or missing, an unfinished shard, and a run
recorded in two shards. The merged folder is built under a temporary name and renamed into place,
so it is complete or absent; its ``sweep.json`` is that of the unsharded sweep, so ``sosim sweep
FILE --out DIR --resume`` finds nothing left to run and ``sosim report DIR`` reads it as any sweep.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from analysis.sweep.plan import FORMAT, shard_of
from analysis.sweep.spec import SweepError
from sim import atomic

_PART = re.compile(r"^part-(\d{6})\.parquet$")


@dataclass
class MergeReport:
    """What ``merge_shards`` wrote."""

    out: Path
    shards: int
    runs: int
    failed: int


@dataclass
class _Shard:
    folder: Path
    meta: dict[str, Any]
    index: int
    count: int
    parts: list[tuple[int, Path]]
    keys: set[str]
    failed: set[str]


def _read_shard(folder: Path) -> _Shard:
    where = str(folder)
    meta_file = folder / "sweep.json"
    if not folder.is_dir():
        raise SweepError([(where, "", "no such folder")])
    if not meta_file.is_file():
        raise SweepError([(where, "", "not a sweep folder (no sweep.json)")])
    meta = json.loads(meta_file.read_text())
    info = meta.get("shard")
    if not info:
        raise SweepError([(where, "sweep.json", "not a shard (run with sosim sweep FILE "
                           "--shard K/N)")])
    if (folder / "_staging").exists():
        raise SweepError([(where, "", "holds an unfinished commit; resume it first (sosim sweep "
                           f"FILE --shard {info['index']}/{info['count']} --out {folder} "
                           "--resume)")])
    parts = sorted((int(m.group(1)), p) for p in (folder / "runs").glob("part-*.parquet")
                   if (m := _PART.match(p.name)))
    keys: set[str] = set()
    failed: set[str] = set()
    for _, p in parts:
        t = pq.read_table(p, columns=["key", "status"])
        for k, s in zip(t.column("key").to_pylist(), t.column("status").to_pylist(),
                        strict=True):
            keys.add(k)
            if s != "ok":
                failed.add(k)
    return _Shard(folder, meta, int(info["index"]), int(info["count"]), parts, keys, failed)


def _check(shards: list[_Shard]) -> None:
    """Refuse shards of different sweeps, repeated, missing or unfinished shards, overlaps."""
    first = shards[0]
    problems: list[tuple[str, str, str]] = []
    for s in shards[1:]:
        for field, what in (("spec_hash", "the sweep file or its base scenario"),
                            ("version", "the model version"), ("base_hash", "the base scenario")):
            if s.meta.get(field) != first.meta.get(field):
                problems.append((str(s.folder), "sweep.json",
                                 f"is a shard of another sweep than {first.folder} ({what} "
                                 "differs)"))
                break
        else:
            if s.count != first.count:
                problems.append((str(s.folder), "sweep.json",
                                 f"is shard {s.index}/{s.count}, {first.folder} is "
                                 f"{first.index}/{first.count}: the sweep was split differently"))
    if problems:
        raise SweepError(problems)
    seen: dict[int, Path] = {}
    for s in shards:
        if s.index in seen:
            problems.append((str(s.folder), "sweep.json",
                             f"shard {s.index}/{s.count} is given twice (also {seen[s.index]})"))
        seen.setdefault(s.index, s.folder)
    missing = [k for k in range(1, first.count + 1) if k not in seen]
    if missing:
        problems.append((str(first.folder.parent), "shards",
                         f"missing shard(s) {', '.join(f'{k}/{first.count}' for k in missing)}"))
    for s in shards:
        expected = int(s.meta["shard"]["runs"])
        if len(s.keys) < expected:
            problems.append((str(s.folder), "runs",
                             f"shard {s.index}/{s.count} is unfinished ({len(s.keys)} of "
                             f"{expected} runs); finish it with --resume"))
        stray = sum(shard_of(k, s.count) != s.index for k in s.keys)
        if stray:
            problems.append((str(s.folder), "runs",
                             f"{stray} run(s) do not belong to shard {s.index}/{s.count}"))
    if problems:
        raise SweepError(problems)
    owner: dict[str, Path] = {}
    for s in shards:
        for k in s.keys:
            if k in owner:
                problems.append((str(s.folder), "runs",
                                 f"overlaps {owner[k]}: run {k} is recorded in both"))
                break
            owner[k] = s.folder
    if problems:
        raise SweepError(problems)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def merge_shards(folders: list[Path], out: Path) -> MergeReport:
    """Merge the shard folders of one sweep into ``out`` (see the module docstring)."""
    if not folders:
        raise SweepError([("merge", "", "give the shard folders to merge")])
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise SweepError([(str(out), "--out", "exists and is not empty; choose another folder")])
    shards = sorted((_read_shard(Path(f)) for f in folders), key=lambda s: s.index)
    _check(shards)
    designs = {_digest(s.folder / "design.parquet") for s in shards}
    if len(designs) != 1:
        raise SweepError([(str(shards[0].folder), "design.parquet",
                           "the shards' design tables differ")])
    tmp = atomic.temp_dir(out)
    try:
        (tmp / "runs").mkdir()
        shutil.copyfile(shards[0].folder / "design.parquet", tmp / "design.parquet")
        parts: list[dict[str, Any]] = []
        n = 0
        for s in shards:
            for old, path in s.parts:
                name = f"part-{n:06d}.parquet"
                shutil.copyfile(path, tmp / "runs" / name)
                for ts in (s.folder / "timeseries").glob(f"point=*/part-{old:06d}.parquet"):
                    target = tmp / "timeseries" / ts.parent.name / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(ts, target)
                t = pq.read_table(path, columns=["status"]).column("status").to_pylist()
                parts.append({"part": name, "rows": len(t),
                              "failed": sum(x != "ok" for x in t)})
                n += 1
        meta = {k: v for k, v in shards[0].meta.items() if k != "shard"}
        runs = sum(len(s.keys) for s in shards)
        failed = sum(len(s.failed) for s in shards)
        atomic.write_json({
            "format": FORMAT, "version": meta.get("version"), "spec_hash": meta.get("spec_hash"),
            "total_runs": meta.get("runs"), "recorded_runs": runs, "failed_runs": failed,
            "complete": runs >= int(meta.get("runs") or 0), "parts": parts,
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "merged_from": [str(s.folder) for s in shards],
        }, tmp / "manifest.json")
        atomic.write_json(meta, tmp / "sweep.json")  # written last: the marker
        for f in tmp.rglob("*"):
            if f.is_file():
                atomic.fsync_file(f)
        for d in [tmp, *(p for p in tmp.rglob("*") if p.is_dir())]:
            atomic.fsync_dir(d)
        if out.exists():
            out.rmdir()  # empty, checked above
        tmp.rename(out)
        atomic.fsync_dir(out.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return MergeReport(out, len(shards), runs, failed)
