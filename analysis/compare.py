"""Scenario comparison: every scenario run on the same seeds (paired replications).

Replication ``r`` of every scenario uses the same seed, spawned from one root seed with
``numpy.random.SeedSequence`` (the scheme sweeps use), so that with the model's per-mechanism
random streams the scenarios differ only where their parameters make them differ (common random
numbers).

Layout of a comparison folder ``DIR``::

    DIR/compare.json                         what was compared: scenarios, reps, root seed, seeds,
                                             version, and this layout
    DIR/runs.parquet                         one row per run: scenario, replication, seed, path
                                             (relative to DIR) and the run's summary, flattened
                                             (``closures_by_reason.idleness``, ...)
    DIR/runs/<scenario>/seed=<seed>/         one run as ``sosim run --out`` writes it: the five
                                             tables as Parquet and summary.json
    DIR/report.html                          the report (``analysis.report``)

A run folder whose ``.compare-key`` (a digest of the scenario as given and the seed, written
after the run's tables) matches is reused, so an interrupted comparison resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.runmany import replication_seeds, run_jobs
from sim.scenario import Scenario, ScenarioError, load_scenario

LAYOUT = "runs/<scenario>/seed=<seed>/{timeseries,enterprises,enterprise_years,members,member_years}.parquet + summary.json"  # noqa: E501


def flatten_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """A run's summary as one flat row (nested dicts joined with dots)."""
    row: dict[str, Any] = {}
    for key, value in summary.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                row[f"{key}.{sub}"] = v
        else:
            row[key] = value
    return row


def _labels(scenarios: list[Scenario]) -> list[str]:
    """Scenario names, made unique (a name met twice gets -2, -3...)."""
    seen: dict[str, int] = {}
    out = []
    for s in scenarios:
        seen[s.name] = seen.get(s.name, 0) + 1
        out.append(s.name if seen[s.name] == 1 else f"{s.name}-{seen[s.name]}")
    return out


KEY_FILE = ".compare-key"
"""Written into a run folder after the run: the digest of the scenario as given and the seed
(summary.json holds the scenario as it stood at the end of the run, after dated events)."""


def run_key(scenario: Scenario, seed: int) -> str:
    """Digest of what determines a run: the scenario as given, and the seed."""
    text = json.dumps({"scenario": scenario.model_dump(mode="json"), "seed": seed},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _reusable(run_dir: Path, key: str) -> dict[str, Any] | None:
    """The stored summary of a finished identical run, if there is one."""
    try:
        if (run_dir / KEY_FILE).read_text().strip() != key:
            return None
        return json.loads((run_dir / "summary.json").read_text()).get("summary")
    except (OSError, ValueError):
        return None


def run_one(job: tuple[str, int, int, Scenario, str]) -> dict[str, Any]:
    """Run one scenario on one seed, write its tables, and return its runs.parquet row."""
    from sim import __version__, outputs, run

    label, rep, seed, scenario, run_dir = job
    path = Path(run_dir)
    key = run_key(scenario, seed)
    summary = _reusable(path, key)
    if summary is None:
        res = run(scenario, seed=seed)
        outputs.write(res, path, __version__)
        (path / KEY_FILE).write_text(key + "\n")
        summary = res.summary
    flat = flatten_summary(summary)
    flat.pop("seed", None)
    name = flat.pop("scenario", scenario.name)
    return {"scenario": label, "replication": rep, "seed": seed, "scenario_name": name, **flat}


def run_comparison(
    paths: list[str | Path],
    out: str | Path,
    reps: int = 10,
    root_seed: int = 0,
    sets: list[str] | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Run every scenario in ``paths`` on the same ``reps`` seeds and write ``out`` (see the
    module's docstring for the layout). ``sets`` overrides apply to every scenario. Returns the
    runs table. Raises ``ScenarioError`` for bad input before anything is run."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ScenarioError([(str(out), "--out", "exists and is not a directory")])
    if not paths:
        raise ScenarioError([("<command line>", "scenarios", "name at least one scenario")])
    problems: list[tuple[str, str, str]] = []
    scenarios: list[Scenario] = []
    for p in paths:
        try:
            scenarios.append(load_scenario(p, overrides=sets or []))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    labels = _labels(scenarios)
    seeds = replication_seeds(root_seed, reps)
    jobs = [
        (label, rep, seed, scn, str(out / "runs" / label / f"seed={seed}"))
        for label, scn in zip(labels, scenarios, strict=True)
        for rep, seed in enumerate(seeds)
    ]
    out.mkdir(parents=True, exist_ok=True)
    workers = max(1, min(len(jobs), workers or os.cpu_count() or 1))
    rows: list[dict[str, Any]] = []
    with contextlib.closing(run_jobs(run_one, jobs, workers=workers)) as results:
        for item in results:
            assert item is not None
            rows.append(item[1])
            if progress:
                progress(len(rows), len(jobs))
    runs = pd.DataFrame(rows)
    runs["path"] = [
        str(Path("runs") / r.scenario / f"seed={r.seed}") for r in runs.itertuples(index=False)
    ]
    runs["scenario"] = pd.Categorical(runs["scenario"], categories=labels, ordered=True)
    runs = runs.sort_values(["scenario", "replication"]).reset_index(drop=True)
    runs["scenario"] = runs["scenario"].astype(str)
    for col in runs.columns:
        if col.startswith("closures_by_reason."):
            runs[col] = runs[col].fillna(0).astype(int)
    _write_atomic_parquet(runs, out / "runs.parquet")
    from sim import __version__

    manifest = {
        "kind": "compare",
        "version": __version__,
        "root_seed": root_seed,
        "reps": reps,
        "seeds": seeds,
        "sets": list(sets or []),
        "scenarios": [
            {"label": lab, "name": s.name, "file": str(p)}
            for lab, s, p in zip(labels, scenarios, paths, strict=True)
        ],
        "layout": LAYOUT,
    }
    tmp = out / ".compare.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    tmp.replace(out / "compare.json")
    return runs


def _write_atomic_parquet(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    df.to_parquet(tmp, index=False)
    tmp.replace(path)
