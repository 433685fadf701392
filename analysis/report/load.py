"""Reading a run, comparison or sweep folder into a ``RunSet`` (one row per run, the resolved
scenarios and, where kept, the per-run tables).

Two layouts are read:

- a run, as ``sosim run --out DIR`` writes it (``summary.json`` and five Parquet tables);
- a sweep-like folder, as ``analysis.sweep`` writes it (``sweep.json``, ``design.parquet``,
  ``runs/part-*.parquet``, ``timeseries/point=P/``). A sweep keeps one row per run and some
  monthly series, so sections that need per-run tables say so instead of failing. A comparison
  (``sosim compare``, ``analysis.compare``) is a sweep over scenario files (``sweep.json`` with
  ``kind: compare``, one design point per scenario) that also keeps each run's tables and
  summary under ``tables/<scenario>/seed=<seed>/``; its runs are labelled by scenario and its
  summary figures read from those folders.

The folder layouts are known here; a comparison's runs are read with ``analysis.sweep.read_runs``,
which counts each run (key) once, as the sweep store does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.sweep.results import read_runs
from sim.outputs import TABLES


class ReportError(Exception):
    """The folder cannot be read as a run, a comparison or a sweep."""


@dataclass
class RunSet:
    """The runs of a folder: one row per run (``scenario, replication, seed`` and summary
    figures), the scenarios as resolved, and the per-run tables where they exist."""

    root: Path
    kind: str  # "run", "compare" or "sweep"
    runs: pd.DataFrame
    scenarios: dict[str, dict[str, Any]] = field(default_factory=dict)
    version: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    run_dirs: list[Path | None] = field(default_factory=list)
    _cache: dict[str, pd.DataFrame | None] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return list(pd.unique(self.runs["scenario"].astype(str)))

    def run_tables(self, i: int) -> dict[str, pd.DataFrame] | None:
        """The five tables of run ``i`` (None if the folder does not keep them)."""
        d = self.run_dirs[i] if i < len(self.run_dirs) else None
        if d is None or not (d / "enterprises.parquet").is_file():
            return None
        return {
            name: read_parquet(d / f"{name}.parquet")
            for name in TABLES
            if (d / f"{name}.parquet").is_file()
        }

    def table(self, name: str) -> pd.DataFrame | None:
        """Table ``name`` of every run that keeps it, with ``scenario, replication, seed``
        columns in front; None when no run keeps it."""
        if name in self._cache:
            return self._cache[name]
        frames = []
        for i, row in enumerate(self.runs.itertuples(index=False)):
            d = self.run_dirs[i] if i < len(self.run_dirs) else None
            if d is None or not (d / f"{name}.parquet").is_file():
                continue
            df = read_parquet(d / f"{name}.parquet")
            df.insert(0, "seed", row.seed)
            df.insert(0, "replication", row.replication)
            df.insert(0, "scenario", str(row.scenario))
            frames.append(df)
        out = pd.concat(frames, ignore_index=True) if frames else None
        self._cache[name] = out
        return out

    def end_of(self, label: str) -> pd.Timestamp | None:
        """Last simulated month of a scenario's runs."""
        scn = self.scenarios.get(label) or {}
        if scn.get("end"):
            return pd.Timestamp(f"{scn['end']}-01")
        ts = self.table("timeseries")
        if ts is not None and "date" in ts:
            return pd.Timestamp(ts.loc[ts["scenario"] == label, "date"].max())
        return None


def _unreadable(path: Path, exc: BaseException) -> ReportError:
    """One line for a table that does not read (a truncated or empty Parquet file, or a folder
    dataset with such a part), naming the file: the first part file of a folder that does not
    read, else the folder."""
    if not path.exists():
        return ReportError(f"{path}: is missing")
    bad, why = path, exc
    if path.is_dir():
        import pyarrow.parquet as pq

        for f in sorted(path.rglob("*.parquet")):
            if any(part.startswith((".", "_")) for part in f.relative_to(path).parts):
                continue  # temporaries and staging: Arrow skips them too
            try:
                pq.read_metadata(f)
                pq.read_table(f)
            except Exception as inner:  # noqa: BLE001
                bad, why = f, inner
                break
    text = (str(why).strip().splitlines() or [type(why).__name__])[0]
    if len(text) > 100:
        text = text[:97] + "..."
    return ReportError(f"{bad}: cannot be read as a Parquet table; it is truncated or damaged "
                       f"({text})")


def read_parquet(path: Path, **kwargs: Any) -> pd.DataFrame:
    """``pd.read_parquet``, with a table that does not read as one ``ReportError`` line naming
    the file (issue 17, item 14: a truncated ``timeseries.parquet`` or an empty
    ``enterprises.parquet`` gave an ``ArrowInvalid`` traceback)."""
    try:
        return pd.read_parquet(path, **kwargs)
    except Exception as exc:  # noqa: BLE001 - Arrow raises several kinds for a damaged file
        raise _unreadable(Path(path), exc) from exc


def _inside(rel: str) -> bool:
    """Whether a folder named in a comparison or sweep (a label, a ``path``) stays inside it:
    not absolute, no ``..`` (a hand-edited or older folder could name any place)."""
    parts = Path(rel).parts
    return bool(parts) and not Path(rel).is_absolute() and ".." not in parts


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path}: cannot be read ({exc})") from exc


def load(root: str | Path) -> RunSet:
    """Read a run, comparison or sweep folder."""
    root = Path(root)
    if not root.is_dir():
        raise ReportError(f"{root}: not a folder")
    if (root / "sweep.json").is_file():
        meta = _read_json(root / "sweep.json")
        return _load_comparison(root, meta) if meta.get("kind") == "compare" \
            else _load_sweep(root)
    if (root / "summary.json").is_file() and (root / "enterprises.parquet").is_file():
        meta = _read_json(root / "summary.json")
        from analysis.compare import flatten_summary

        flat = flatten_summary(meta.get("summary", {}))
        label = str(flat.pop("scenario", (meta.get("scenario") or {}).get("name", "run")))
        flat.pop("seed", None)
        row = {"scenario": label, "replication": 0, "seed": meta.get("seed"), **flat}
        runs = pd.DataFrame([row])
        return RunSet(
            root, "run", runs, scenarios={label: meta.get("scenario", {})},
            version=meta.get("version"), meta=meta, run_dirs=[root],
        )
    if (root / "compare.json").is_file():
        raise ReportError(
            f"{root}: a comparison in the layout of an older sosim (runs/<scenario>/seed=...); "
            "run the same sosim compare into it again to move its runs to the current layout "
            "(finished runs are reused)"
        )
    if (root / "runs.parquet").is_file():
        return _load_sweep(root)
    raise ReportError(
        f"{root}: not a run, comparison or sweep folder (no summary.json with tables, "
        "no sweep.json, no runs.parquet)"
    )


MAX_POINTS = 8
"""Design points drawn one line each in a sweep report's figures of series over time (the
figures of outcomes against the parameters and the outcomes table show them all)."""


def _point_labels(design: pd.DataFrame | None, points: list[int]) -> dict[int, str]:
    """A short label per design point: ``point 3: delay=8, withdraws=2001-01``."""
    out = {}
    for p in points:
        text = f"point {p}"
        if design is not None and "point" in design:
            row = design[design["point"] == p]
            if len(row) and {"factor", "level"} <= set(design.columns):  # one factor at a time
                from analysis.sweep.effects import lever_label

                text += ": " + lever_label(str(row["factor"].iloc[0]), str(row["level"].iloc[0]))
            elif len(row):
                cols = [c for c in design.columns if c != "point" and not c.startswith("u.")]
                vals = []
                for c in cols:
                    v = row[c].iloc[0]
                    vals.append(f"{c.rsplit('.', 1)[-1]}={'none' if pd.isna(v) else v}")
                text += ": " + ", ".join(vals)
        out[p] = text
    return out


def _load_comparison(root: Path, meta: dict[str, Any]) -> RunSet:
    """A comparison folder (``analysis.compare``): a sweep over scenario files. Its runs are
    those recorded in ``runs/`` (labelled by the design's ``scenario``), each with its tables
    and summary in ``tables/<scenario>/seed=<seed>/``; ``runs`` holds what runs.parquet holds."""
    from analysis.compare import runs_table, summary_row, table_path

    if (root / "runs").is_dir():
        read_parquet(root / "runs", columns=["key"])  # a damaged part: one line naming it
    design = read_parquet(root / "design.parquet")
    try:
        recorded = read_runs(root)[["point", "replication", "seed", "status", "key"]]
    except Exception as exc:  # noqa: BLE001
        raise ReportError(f"{root}: cannot be read as a comparison ({exc})") from exc
    label_of = dict(zip(design["point"].astype(int), design["scenario"].astype(str),
                        strict=True))
    labels = [label_of[p] for p in sorted(label_of)]
    notes = []
    failed = int((recorded["status"] != "ok").sum())
    if failed:
        notes.append(f"{failed} run(s) of the comparison failed and are left out")
    recorded = recorded[recorded["status"] == "ok"].sort_values(["point", "replication"])
    rows, stored, missing = [], {}, 0
    for point, rep, seed in recorded[["point", "replication", "seed"]].itertuples(index=False):
        label = label_of[int(point)]
        f = root / table_path(label, int(seed)) / "summary.json"
        if not _inside(table_path(label, int(seed))) or not f.is_file():
            missing += 1
            continue
        run = _read_json(f)
        stored.setdefault(label, run)
        rows.append(summary_row(label, int(rep), int(seed), run.get("summary") or {},
                                (run.get("scenario") or {}).get("name", label)))
    if missing:
        notes.append(f"{missing} recorded run(s) have no tables under tables/ and are left out")
    if not rows:
        raise ReportError(f"{root}: a comparison with no finished runs")
    runs = runs_table(rows, labels)
    meta = {**meta, "root_seed": meta.get("root_seed"), "reps": meta.get("replications"),
            "seeds": meta.get("replication_seeds", [])}
    rs = RunSet(root, "compare", runs, version=meta.get("version"), meta=meta, notes=notes,
                run_dirs=[root / p for p in runs["path"]])
    for label in rs.labels:
        rs.scenarios[label] = stored[label].get("scenario", {})
    return rs


def _load_sweep(root: Path) -> RunSet:
    """A sweep folder (``analysis.sweep``): ``sweep.json``, ``design.parquet``, the runs table
    (``runs/`` dataset or ``runs.parquet``) and, where kept, ``timeseries/point=P/`` series."""
    src = root / "runs" if (root / "runs").is_dir() else root / "runs.parquet"
    runs = read_parquet(src)
    meta = _read_json(root / "sweep.json") if (root / "sweep.json").is_file() else {}
    notes = []
    if "status" in runs:
        failed = int((runs["status"] != "ok").sum())
        if failed:
            notes.append(f"{failed} run(s) of the sweep failed and are left out")
        runs = runs[runs["status"] == "ok"]
    design = read_parquet(root / "design.parquet") if (root / "design.parquet").is_file() \
        else None
    point_of: dict[str, int] = {}
    if "scenario" not in runs:
        if "point" in runs:
            pts = sorted(int(p) for p in pd.unique(runs["point"]))
            labels = _point_labels(design, pts)
            point_of = {v: k for k, v in labels.items()}
            runs = runs.assign(scenario=runs["point"].astype(int).map(labels))
        else:
            runs = runs.assign(scenario="sweep")
    runs["scenario"] = runs["scenario"].astype(str)
    if "replication" not in runs:
        runs["replication"] = runs.groupby("scenario").cumcount()
    if "seed" not in runs:
        runs["seed"] = pd.NA
    runs = runs.sort_values([c for c in ("point", "replication") if c in runs]).reset_index(
        drop=True
    )
    dirs: list[Path | None] = []
    for row in runs.itertuples(index=False):
        path = getattr(row, "path", None)
        cand = root / path if isinstance(path, str) and _inside(path) else None
        dirs.append(cand if cand is not None and cand.is_dir() else None)
    if not any(dirs):
        notes.append(
            "this sweep keeps one row per run and some monthly series, not the units' and "
            "members' records, so the sections that need them say so"
        )
    version = meta.get("version") or (
        str(runs["version"].iloc[0]) if "version" in runs and len(runs) else None
    )
    rs = RunSet(root, "sweep", runs, version=version, meta=meta, notes=notes, run_dirs=dirs)
    rs.meta["_design"] = design
    rs.meta["_point_of"] = point_of
    base = meta.get("base_scenario")
    if base:
        for label in rs.labels:
            rs.scenarios[label] = base
    if len(rs.labels) > MAX_POINTS:
        rs.notes.append(
            f"the figures of series over time draw the first {MAX_POINTS} of "
            f"{len(rs.labels)} design points (one line each); the figures of outcomes against "
            "the swept parameters and the outcomes table show all of them"
        )
    ts = _sweep_series(root, runs, point_of)
    if ts is not None:
        rs._cache["timeseries"] = ts
    return rs


def _sweep_series(root: Path, runs: pd.DataFrame, point_of: dict[str, int]) -> pd.DataFrame | None:
    """The sweep's kept monthly series, labelled like the runs (first ``MAX_POINTS`` points)."""
    d = root / "timeseries"
    if not d.is_dir() or not any(d.rglob("*.parquet")):
        return None
    ts = read_parquet(d)
    if "point" not in ts or "date" not in ts:
        return None
    ts["point"] = ts["point"].astype(int)
    labels = {v: k for k, v in point_of.items()}
    keep = sorted(labels)[:MAX_POINTS]
    ts = ts[ts["point"].isin(keep)].copy()
    ts.insert(0, "scenario", ts["point"].map(labels).astype(str))
    ts["date"] = ts["date"].astype("datetime64[s]")
    return ts
