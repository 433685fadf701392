"""Scenario comparison: every scenario run on the same seeds (paired replications), written as a
sweep over scenario files.

Replication ``r`` of every scenario uses the same seed, spawned from one root seed with
``numpy.random.SeedSequence`` (the scheme sweeps use), so that with the model's per-mechanism
random streams the scenarios differ only where their parameters make them differ (common random
numbers).

A comparison is a sweep whose one parameter is ``scenario`` (the scenario files, by label), one
design point per file, and the folder ``DIR`` has a sweep's layout (``analysis.sweep``, written by
its ``RunStore``), plus each run's tables::

    DIR/sweep.json                           the comparison as a sweep (``kind: compare``): the
                                             scenarios (label, name, file, scenario as given),
                                             --set overrides, root seed and replication seeds,
                                             version
    DIR/design.parquet                       one row per design point: point, scenario (its label)
    DIR/runs/part-*.parquet                  one row per run: run, point, replication, seed, key,
                                             status, scenario and the sweep's default outcomes
    DIR/timeseries/point=P/part-*.parquet    monthly series of the sweep's default columns
    DIR/manifest.json                        committed parts and counts
    DIR/tables/<scenario>/seed=<seed>/       one run as ``sosim run --out`` writes it: the five
                                             tables as Parquet and summary.json; <scenario> is
                                             the label, the name made a safe folder name
                                             (``folder_label``)
    DIR/runs.parquet                         one row per run: scenario, replication, seed,
                                             scenario_name, the run's summary flattened
                                             (``closures_by_reason.idleness``, ...) and path
                                             (``tables/<scenario>/seed=<seed>``, relative to DIR)
    DIR/paired_differences.{parquet,csv}     each scenario against the first: the mean over
                                             replication pairs (same seed) of the difference in
                                             5- and 10-year survival, units open, earnings and
                                             arrears, with its 95 % t interval (analysis.paired)
    DIR/compare.json                         what was compared: scenarios, reps, root seed, seeds,
                                             --set overrides, version, and this layout; after
                                             --reps auto also ``adaptive`` (precision, maximum,
                                             batches, why it stopped)
    DIR/report.html                          the report (``analysis.report``)

Resume: running the same comparison into ``DIR`` again reuses every finished run. Runs recorded
in ``runs/`` are skipped (the sweep's resume, keyed by scenario, seed and version); a run folder
under ``tables/`` whose ``.compare-key`` (a digest of the scenario as given and the seed, written
after the run's tables) matches is read back instead of being run again. A different comparison
into the same folder starts the sweep files afresh and still reuses identical run folders; run
folders of the older layout (``runs/<scenario>/seed=<seed>/``) are moved to ``tables/``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

from analysis import paired
from analysis.runmany import replication_seeds as replication_seeds  # its old home, kept
from analysis.runmany import run_jobs, with_posterior
from analysis.sweep.design import make_design
from analysis.sweep.lock import lock_folder
from analysis.sweep.outcomes import outcome_values
from analysis.sweep.plan import Plan, _digest
from analysis.sweep.plan import run_key as sweep_run_key
from analysis.sweep.spec import Outcomes, ParameterSpec, Sweep, SweepSpec
from analysis.sweep.store import _PART, RunStore, _warn
from sim import atomic, outputs
from sim.columns import SUMMARY_FIGURES
from sim.scenario import LINES, Scenario, ScenarioError, load_scenario

TABLES_DIR = "tables"
"""Where each run's tables are kept: ``DIR/tables/<scenario>/seed=<seed>/``."""

LAYOUT = (
    "sweep.json + design.parquet + runs/part-*.parquet + timeseries/point=<point>/part-*.parquet"
    " + manifest.json (a sweep over the scenarios) + tables/<scenario>/seed=<seed>/"
    "{timeseries,enterprises,enterprise_years,members,member_years}.parquet + summary.json"
    " + runs.parquet + paired_differences.{parquet,csv}"
)

PART_SIZE = 50
"""Finished runs buffered before the sweep store commits them as one part (as ``run_sweep``)."""
FLUSH_SECONDS = 30.0
"""...or this long after the last commit, whichever comes first."""


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


LABEL_MAX = 64
"""Longest folder label made from a scenario name (before a ``-2``, ``-3``... suffix)."""
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def folder_label(name: str) -> str:
    """A scenario name made safe as one folder name under ``tables/``: every character outside
    ``[A-Za-z0-9._-]`` becomes ``_`` (so ``/`` and ``\\`` cannot leave the folder), at most
    ``LABEL_MAX`` characters, never empty and never starting with ``.`` (so never ``.``,
    ``..`` or hidden). Ordinary names (``kerala_baseline``, ``no_spem``) are kept as they are
    (issue 17, item 8)."""
    label = _UNSAFE.sub("_", name)[:LABEL_MAX]
    if label.startswith("."):  # ".", "..": another folder; ".x": a hidden one
        label = "_" + label[1:]
    return label or "_"


def _labels(scenarios: list[Scenario]) -> list[str]:
    """Scenario names as folder labels (``folder_label``), made unique: a label met again gets
    -2, -3... (the first free one; compared without case, as some file systems do). The readable
    name stays in compare.json and runs.parquet's ``scenario_name``."""
    used: set[str] = set()
    out = []
    for s in scenarios:
        base = folder_label(s.name)
        label, n = base, 1
        while label.lower() in used:
            n += 1
            label = f"{base}-{n}"
        used.add(label.lower())
        out.append(label)
    return out


KEY_FILE = ".compare-key"
"""Written into a run folder after the run: the digest of the scenario as given and the seed
(summary.json holds the scenario as it stood at the end of the run, after dated events)."""


def run_key(scenario: Scenario, seed: int) -> str:
    """Digest of what determines a run: the scenario as given, and the seed."""
    text = json.dumps({"scenario": scenario.model_dump(mode="json"), "seed": seed},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def table_path(label: str, seed: int) -> str:
    """Folder of a run's tables, relative to the comparison folder (runs.parquet's ``path``)."""
    return str(Path(TABLES_DIR) / label / f"seed={seed}")


def _stored(run_dir: Path, key: str | None = None) -> dict[str, Any] | None:
    """The summary.json of a finished run (when ``key`` is given: only if it is that run)."""
    try:
        if key is not None and (run_dir / KEY_FILE).read_text().strip() != key:
            return None
        return json.loads((run_dir / "summary.json").read_text())
    except (OSError, ValueError):
        return None


def summary_row(label: str, replication: int, seed: int, summary: dict[str, Any],
                default_name: str) -> dict[str, Any]:
    """A run's row of runs.parquet (without ``path``): scenario label, replication, seed, the
    scenario's name and the flattened summary."""
    flat = flatten_summary(summary)
    flat.pop("seed", None)
    name = flat.pop("scenario", default_name)
    return {"scenario": label, "replication": replication, "seed": seed, "scenario_name": name,
            **flat}


_FIRST = ("scenario", "replication", "seed", "scenario_name")


def _column_rank(column: str) -> tuple[int, int, str]:
    """Where a column of runs.parquet goes, whatever order the runs finished or were read back
    in: identity first, then the summary figures in their declared order (``sim.columns``), the
    parts of a nested figure in line order or alphabetically, ``path`` last."""
    if column in _FIRST:
        return (_FIRST.index(column), 0, "")
    if column == "path":
        return (len(_FIRST) + len(SUMMARY_FIGURES) + 1, 0, "")
    figure, _, part = column.partition(".")
    names = list(SUMMARY_FIGURES)
    rank = names.index(figure) if figure in names else len(names)
    return (len(_FIRST) + rank, LINES.index(part) if part in LINES else len(LINES), part)


def runs_table(rows: list[dict[str, Any]], labels: list[str]) -> pd.DataFrame:
    """runs.parquet from the runs' rows (``summary_row``) in the jobs' order (scenario, then
    replication): ``path`` added, sorted by scenario (in the order given) and replication, and
    closure counts as whole numbers (0 where a run had no closure of that reason)."""
    runs = pd.DataFrame(rows)
    runs["path"] = [table_path(r.scenario, r.seed) for r in runs.itertuples(index=False)]
    runs["scenario"] = pd.Categorical(runs["scenario"], categories=labels, ordered=True)
    runs = runs.sort_values(["scenario", "replication"]).reset_index(drop=True)
    runs["scenario"] = runs["scenario"].astype(str)
    runs = runs[sorted(runs.columns, key=_column_rank)]
    for col in runs.columns:
        if col.startswith("closures_by_reason."):
            runs[col] = runs[col].fillna(0).astype(int)
    return runs


@dataclass(frozen=True)
class CompareJob:
    """One run of a comparison (picklable): a scenario (design point) on one seed, where its
    tables go, its sweep run key, and the outcomes the sweep store keeps."""

    run: int
    point: int
    replication: int
    seed: int
    key: str
    label: str
    scenario: Scenario
    run_dir: str
    outcomes: Outcomes


@dataclass
class ComparePlan(Plan):
    """A comparison as a sweep plan: the one parameter ``scenario`` takes the scenarios' labels
    (a grid, one design point per scenario file) and each point runs its own scenario. The
    schemas, design table and seeds are the sweep's; the run keys and ``spec_hash`` cover every
    scenario as given."""

    scenarios: list[Scenario] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    sets: list[str] = field(default_factory=list)
    out: Path = Path()
    hashes: list[str] = field(init=False)
    by_draw: list[list[Scenario]] = field(init=False, repr=False)
    """Each scenario as replication k runs it: with posterior draw k's values (``draws``), or
    itself."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.hashes = [_digest(s.model_dump(mode="json")) for s in self.scenarios]
        self.base_hash = _digest(self.hashes)
        self.by_draw = [with_posterior(s, self.draws) for s in self.scenarios]

    @property
    def labels(self) -> list[str]:
        return [str(pt["scenario"]) for pt in self.design.points]

    def jobs(self, skip: set[str] | frozenset[str] = frozenset()) -> Iterator[CompareJob]:  # type: ignore[override]
        """The comparison's runs not yet recorded, scenario-major."""
        o = self.sweep.spec.outcomes
        for p, params in enumerate(self.design.points):
            for k in range(self.replications):
                seed = self.seed(p, k)
                keyed = params if not self.draws else {**params, "posterior_draw": self.draws[k]}
                key = sweep_run_key(self.hashes[p], keyed, seed, self.version, p, k)
                if key not in skip:
                    label = str(params["scenario"])
                    scenario = self.by_draw[p][k] if self.draws else self.scenarios[p]
                    yield CompareJob(p * self.replications + k, p, k, seed, key, label,
                                     scenario, str(self.out / table_path(label, seed)), o)

    def describe(self) -> dict[str, Any]:
        """sweep.json: the sweep's description, with the scenarios in place of a base."""
        d = super().describe()
        del d["base_scenario"]
        d["kind"] = "compare"
        d["sets"] = list(self.sets)
        d["scenarios"] = [
            {"label": lab, "name": s.name, "file": f, "hash": h,
             "scenario": s.model_dump(mode="json")}
            for lab, s, f, h in zip(self.labels, self.scenarios, self.files, self.hashes,
                                    strict=True)
        ]
        d["layout"] = LAYOUT
        return d


def comparison_plan(scenarios: list[Scenario], files: list[str], sets: list[str], reps: int,
                    root_seed: int, out: Path, version: str | None = None,
                    draws: list[dict[str, float]] | None = None) -> ComparePlan:
    """The sweep over ``scenarios`` (loaded from ``files`` with ``sets``) that a comparison is;
    with posterior ``draws`` (``runmany.posterior_draws``) replication k runs on draw k."""
    if version is None:
        from sim import __version__ as version
    labels = _labels(scenarios)
    spec = SweepSpec(name="compare", base="", design="grid", replications=reps, seed=root_seed,
                     dummy=False, parameters={"scenario": ParameterSpec(values=labels)})
    sweep = Sweep(spec, scenarios[0], "")
    return ComparePlan(sweep, make_design(spec), version, draws=draws, scenarios=scenarios,
                       files=files, sets=sets, out=out)


def run_one(job: CompareJob) -> dict[str, Any]:
    """Run one scenario on one seed (or read back its finished run folder), write its tables,
    and return its sweep row and monthly series (for the store) and its runs.parquet row."""
    from sim import __version__, run

    t0 = time.perf_counter()
    path = Path(job.run_dir)
    ckey = run_key(job.scenario, job.seed)
    stored = _stored(path, ckey)
    note = None
    if stored is not None and outputs.foreign_file(path) is not None:
        stored, note = None, _set_aside_run(path)  # a table changed since: truncated, damaged
    if stored is None:
        res: Any = run(job.scenario, seed=job.seed)
        outputs.write(res, path, __version__, extra={KEY_FILE: ckey + "\n"})
    else:
        res = SimpleNamespace(summary=stored.get("summary") or {}, scenario=job.scenario,
                              timeseries=pd.read_parquet(path / "timeseries.parquet"))
    row: dict[str, Any] = {"run": job.run, "point": job.point, "replication": job.replication,
                           "seed": job.seed, "key": job.key, "status": "ok", "error": None,
                           **outcome_values(res, job.outcomes)}
    ts = res.timeseries
    monthly = {"date": ts["date"].to_numpy(), "month": ts["month"].to_numpy()}
    for col in job.outcomes.monthly:
        monthly[col] = ts[col].to_numpy()
    row["wall_time_s"] = time.perf_counter() - t0
    summary = summary_row(job.label, job.replication, job.seed, res.summary, job.scenario.name)
    return {"row": row, "monthly": monthly, "summary": summary, "note": note}


def _set_aside_run(path: Path) -> str:
    """Move a finished run folder whose tables no longer match the sizes and hashes its
    summary.json lists (truncated or damaged since; issue 17, item 14) to
    ``DIR/damaged/tables/<label>/seed=<seed>[-k]``, so the run is run again; returns the line
    that says so."""
    root = path.parent.parent.parent
    aside = root / "damaged" / TABLES_DIR / path.parent.name / path.name
    k = 1
    while aside.exists():
        k += 1
        aside = aside.with_name(f"{path.name}-{k}")
    aside.parent.mkdir(parents=True, exist_ok=True)
    bad = outputs.foreign_file(path)
    os.replace(path, aside)
    return (f"{path / str(bad)}: does not match its run's summary.json (truncated or damaged); "
            f"the run folder is set aside in {aside}/ and run again")


def _start_afresh(out: Path) -> None:
    """Clear the sweep files of an earlier, different comparison in ``out`` (sweep.json, the
    marker, first) and move run folders of the older layout (``runs/<scenario>/seed=<seed>/``)
    to ``tables/``, where identical runs are reused."""
    (out / "sweep.json").unlink(missing_ok=True)
    for name in ("design.parquet", "manifest.json"):
        (out / name).unlink(missing_ok=True)
    for name in ("timeseries", "_staging"):
        shutil.rmtree(out / name, ignore_errors=True)
    runs = out / "runs"
    if not runs.is_dir():
        return
    for p in runs.iterdir():
        if p.is_dir():  # runs/<scenario>/ of the older layout
            for run_dir in p.glob("seed=*"):
                target = out / TABLES_DIR / p.name / run_dir.name
                if not target.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    run_dir.rename(target)
            shutil.rmtree(p)
        elif _PART.match(p.name) or p.name.endswith(".tmp"):
            p.unlink()


def _open_store(out: Path, plan: ComparePlan) -> tuple[RunStore, set[str]]:
    """The sweep store of ``out``: reopened (with the recorded run keys) when it holds this very
    comparison, else started afresh."""
    store = RunStore(out, plan)
    meta_file = out / "sweep.json"
    if meta_file.is_file():
        try:
            meta = json.loads(meta_file.read_text())
        except ValueError:
            meta = {}
        if meta.get("kind") != "compare":
            raise ScenarioError([(str(out), "--out",
                                  "holds a sweep, not a comparison; choose another folder")])
        if meta.get("version") == plan.version and meta.get("spec_hash") == plan.spec_hash():
            done = store.recover()
            if done <= plan.keys():  # else recorded under another key scheme: start afresh
                return store, done
    if meta_file.is_file() or (out / "compare.json").is_file():
        _start_afresh(out)
    store.create()
    return store, set()


def run_comparison(
    paths: list[str | Path],
    out: str | Path,
    reps: int = 10,
    root_seed: int = 0,
    sets: list[str] | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    adaptive: dict[str, Any] | None = None,
    allow_large: bool = False,
    draws: list[dict[str, float]] | None = None,
) -> pd.DataFrame:
    """Run every scenario in ``paths`` on the same ``reps`` seeds and write ``out`` (see the
    module's docstring for the layout). ``sets`` overrides apply to every scenario; ``adaptive``
    (from ``run_adaptive_comparison``) is recorded in compare.json. Returns the runs table.
    Raises ``ScenarioError`` for bad input before anything is run, also for a scenario whose
    runs, on every worker at once, would not fit in this machine's memory (``sim.size``;
    ``allow_large`` lets them through). With posterior ``draws`` (one per replication, so
    ``reps`` is their number) replication k of every scenario runs on draw k and seed k."""
    out = Path(out)
    if draws and len(draws) != reps:
        raise ScenarioError([("--draws", "", f"{len(draws)} posterior draws for {reps} "
                              "replications: give one draw per replication")])
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
    from sim.size import check_size

    at_once = max(1, min(len(paths) * reps, workers or os.cpu_count() or 1))
    for p, scn in zip(paths, scenarios, strict=True):
        check_size(scn, str(p), at_once, allow_large)
    plan = comparison_plan(scenarios, [str(p) for p in paths], list(sets or []), reps, root_seed,
                           out, draws=draws)
    labels = plan.labels
    with lock_folder(out, "a comparison"):  # one writer per folder (issue 17, item 2)
        out.mkdir(parents=True, exist_ok=True)
        store, done = _open_store(out, plan)
        rows: dict[int, dict[str, Any]] = {}
        todo: list[CompareJob] = []
        for job in plan.jobs():
            stored = _stored(Path(job.run_dir), run_key(job.scenario, job.seed)) \
                if job.key in done else None
            if stored is None or outputs.foreign_file(Path(job.run_dir)) is not None:
                todo.append(job)  # not run, or its tables damaged since: run (again)
                continue
            rows[job.run] = summary_row(job.label, job.replication, job.seed,
                                        stored.get("summary") or {}, job.scenario.name)
            if progress:
                progress(len(rows), plan.total)
        workers = max(1, min(len(todo), workers or os.cpu_count() or 1))
        try:
            with contextlib.closing(run_jobs(run_one, todo, workers=workers,
                                             heartbeat=1.0)) as results:
                for item in results:
                    if item is not None:
                        result = item[1]
                        if result["row"]["key"] not in done:  # else recorded, its tables redone
                            store.add(result)
                        rows[result["row"]["run"]] = result["summary"]
                        if result.get("note"):
                            _warn(result["note"])
                        if progress:
                            progress(len(rows), plan.total)
                    store.flush_when_due(PART_SIZE, FLUSH_SECONDS)
        finally:
            store.flush()  # whatever finished is committed, also on Ctrl-C
        runs = runs_table([rows[i] for i in sorted(rows)], labels)
        _write_atomic_parquet(runs, out / "runs.parquet")
        paired.write_table(paired.paired_differences(runs, labels), out)
        manifest = {
            "kind": "compare",
            "version": plan.version,
            "root_seed": root_seed,
            "reps": reps,
            "seeds": plan.seeds,
            "sets": list(sets or []),
            "scenarios": [
                {"label": lab, "name": s.name, "file": str(p)}
                for lab, s, p in zip(labels, scenarios, paths, strict=True)
            ],
            "layout": LAYOUT,
        }
        if adaptive is not None:
            manifest["adaptive"] = adaptive
        text = json.dumps(manifest, indent=2) + "\n"
        atomic.write_file(out / "compare.json", lambda tmp: tmp.write_text(text))
        return runs


def _write_atomic_parquet(df: pd.DataFrame, path: Path) -> None:
    atomic.write_file(path, lambda tmp: df.to_parquet(tmp, index=False))


FIRST_BATCH = 10
"""Replications of the first batch of ``--reps auto`` (assumption: enough pairs for a first
estimate of the spread of the differences that the next batch size rests on)."""
MAX_REPS = 200
"""Most replications ``--reps auto`` runs by default (assumption: a bound on the cost, 400 runs of
two scenarios' full horizon, about a quarter of an hour on one core at the 2.1 s a run measured
for the baseline against no_spem)."""


def check_headline(paths: list[str | Path], sets: list[str] | None, outcome: str) -> None:
    """Refuse, before any run, a headline figure the comparison cannot have: one the paired
    table does not compare, or a 10-year (5-year) survival on a horizon shorter than that."""
    if outcome not in paired.OUTCOMES:
        raise ScenarioError([("<command line>", "--headline",
                              f"{outcome!r} is not a compared figure; choose one of "
                              + ", ".join(paired.OUTCOMES))])
    years = {"survival_5y": 5, "survival_10y": 10}.get(outcome)
    if years is None or not paths:
        return
    scn = load_scenario(paths[0], overrides=sets or [])
    if scn.months < 12 * years:
        raise ScenarioError([("<command line>", "--headline",
                              f"{outcome} needs a horizon of at least {years} years (the first "
                              f"scenario runs {scn.start} to {scn.end}); choose a longer end "
                              "or --headline survival_5y")])


def run_adaptive_comparison(
    paths: list[str | Path],
    out: str | Path,
    precision: float,
    max_reps: int = MAX_REPS,
    batch: int = FIRST_BATCH,
    outcome: str = paired.HEADLINE,
    root_seed: int = 0,
    sets: list[str] | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_done: Callable[[int, float], None] | None = None,
    allow_large: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``--reps auto``: run the comparison in batches of replications until the confidence
    interval of the headline difference (``outcome``, second scenario against the first) has a
    half-width of at most ``precision``, or ``max_reps`` replications are done. Each batch is a
    ``run_comparison`` with more replications into the same folder, so finished runs are reused
    and an interrupted comparison resumes (the batch sizes follow from the results, which the
    seeds fix). Returns the runs table and what compare.json records under ``adaptive``."""
    if len(paths) < 2:
        raise ScenarioError([("<command line>", "--reps",
                              "auto needs two scenarios: it narrows the interval of their "
                              "difference")])
    if not precision > 0:
        raise ScenarioError([("<command line>", "--precision", "must be above 0")])
    check_headline(paths, sets, outcome)
    reps = min(batch, max_reps)
    batches: list[dict[str, Any]] = []
    while True:
        runs = run_comparison(paths, out, reps=reps, root_seed=root_seed, sets=sets,
                              workers=workers, progress=progress, allow_large=allow_large)
        labels = list(pd.unique(runs["scenario"]))
        table = paired.paired_differences(runs, labels[:2],
                                          outcomes=(paired.OUTCOMES[outcome],))
        half, pairs = paired.headline_half_width(table, outcome)
        if pairs == 0:
            raise ScenarioError([("<command line>", "--headline",
                                  f"no run pair has {outcome} on this horizon (no unit observed "
                                  "that long); choose a longer end or another --headline")])
        batches.append({"reps": reps, "pairs": pairs,
                        "half_width": None if half != half else half})
        if batch_done:
            batch_done(reps, half)
        met = half == half and half <= precision
        if met or reps >= max_reps:
            break
        reps = paired.next_total(reps, half, precision, batch, max_reps)
    info = {"outcome": outcome, "precision": precision, "max_reps": max_reps, "batch": batch,
            "reps": reps, "half_width": batches[-1]["half_width"], "batches": batches,
            "stopped": "precision met" if met else "maximum reached"}
    runs = run_comparison(paths, out, reps=reps, root_seed=root_seed, sets=sets,
                          workers=workers, adaptive=info, allow_large=allow_large)
    return runs, info
