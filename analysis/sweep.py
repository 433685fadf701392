"""Scenario sweeps at scale: a sweep file (data) names a base scenario, the parameters to vary
(by their dotted path in the scenario), a design, replications, a root seed and the outcomes to
keep; this module turns it into runs, executes them on a process pool or Dask, streams the
results to Parquet as they finish, and resumes an interrupted sweep without losing or doubling
a run.

Seeds (common random numbers): replication *k* of every design point runs with the same seed,
``SeedSequence(root).spawn(replications)[k].generate_state(1)[0]``, so comparisons between design
points are paired. The one exception is the ``dummy`` factor that ``sobol`` and ``morris``
designs add for the sensitivity analysis: it is inert in the model and is the only input allowed
to move the seed (``SeedSequence(root, spawn_key=(k, code(dummy)))``), so its index measures
run-to-run noise; every pair of runs the Sobol and Morris estimators compare for a real parameter
shares the dummy value and hence the seed.

Storage (``DIR``)::

    sweep.json            the resolved sweep: spec, base scenario, seeds, SALib problem, version
    design.parquet        one row per design point (unit-cube coordinates and parameter values)
    runs/part-*.parquet   one row per run; read the folder as one dataset
    timeseries/point=P/part-*.parquet   monthly series of the kept columns (hive-partitioned)
    manifest.json         committed parts and counts (an index; rebuilt from the parts on resume)

Commit protocol of a part (a batch of finished runs), safe against SIGKILL at any instant:
monthly files are written to ``_staging/<part>/``; the runs part is written to a temporary name
and renamed into ``runs/`` (the commit); the staged monthly files are then renamed into
``timeseries/``. On start, staged files of a committed part are rolled forward and those of an
uncommitted part deleted, so a run's rows exist in both datasets or in neither.

Pilot-sized sweeps: ``scenarios/sweeps/smoke.yaml``. Sources: Saltelli et al. (2010) for the Sobol
design (SALib), Morris (1991) / Campolongo et al. (2007) for elementary effects.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import difflib
import hashlib
import io
import itertools
import json
import math
import multiprocessing
import os
import re
import shutil
import signal
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.scenario import (
    LINES,
    Scenario,
    ScenarioError,
    parse_year_month,
    read_yaml,
    resolve_file,
    set_dotted,
    validate_data,
)

FORMAT = 1
SPECIAL_PARAMETERS = ("mission_withdraws",)
"""Parameters that are not scenario keys: ``mission_withdraws`` (a year, ``YYYY-MM`` or ``none``)
appends a ``mission_withdraws`` event at that month."""
DUMMY = "dummy"
MAX_RUNS = 10_000_000

SUMMARY_OUTCOMES: tuple[str, ...] = (
    "units_founded",
    "units_founded_by_2008",
    "units_alive_end",
    "units_alive_field_work",
    "share_alive_end",
    "survival_5y",
    "survival_10y",
    "mean_member_earnings_field_work",
    "household_income_share_field_work",
    "mean_member_earnings_end",
    "core_members_per_unit_field_work",
    "loans_repaid_share_field_work",
    "arrears_end_usd",
    "arrears_field_work_usd",
    "public_orders_won_share",
)
"""Scalar figures of ``sim.outputs.summarise`` a sweep can keep (as float columns)."""

MONTHLY_COLUMNS: dict[str, str] = {
    "alive_training": "int64",
    "alive_data_entry": "int64",
    "alive_hardware": "int64",
    "units_alive": "int64",
    "units_founded": "int64",
    "units_closed": "int64",
    "core_members": "int64",
    "employees": "int64",
    "casual_workers": "int64",
    "mean_member_earnings": "float64",
    "household_income_share": "float64",
    "revenue": "float64",
    "revenue_private": "float64",
    "cash": "float64",
    "receivables": "float64",
    "arrears": "float64",
    "loan_balance": "float64",
    "units_in_arrears": "int64",
    "units_marketing": "int64",
    "working_pcs": "int64",
    "records_stock": "float64",
    "schools_insourced": "int64",
    "mission_active": "bool",
    "public_orders": "int64",
    "public_orders_won": "int64",
}
"""Monthly series (``RunResult.timeseries`` columns) a sweep can keep, with their types."""


class SweepError(ScenarioError):
    """Invalid sweep input or output folder: (file, key path, reason) problems."""


# =========================================================================== the sweep file
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class ParameterSpec(_Strict):
    """One swept parameter: a list of values, or a range (with ``steps`` for a grid)."""

    values: list[Any] | None = Field(None, min_length=1, description="Values to take")
    range: tuple[float, float] | None = Field(None, description="[low, high] to sample")
    steps: int | None = Field(None, ge=2, description="Evenly spaced grid values over the range")
    integer: bool = Field(False, description="Round sampled values to whole numbers")

    @model_validator(mode="after")
    def _one_of(self) -> ParameterSpec:
        if (self.values is None) == (self.range is None):
            raise ValueError("give either values or range")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"range low must be below high, got {list(self.range)}")
        if self.steps is not None and self.range is None:
            raise ValueError("steps needs a range")
        return self


class Outcomes(_Strict):
    """What each run keeps."""

    summary: list[str] = Field(
        default_factory=lambda: [
            "units_founded",
            "units_alive_end",
            "survival_5y",
            "survival_10y",
            "mean_member_earnings_field_work",
            "mean_member_earnings_end",
            "household_income_share_field_work",
            "loans_repaid_share_field_work",
            "arrears_field_work_usd",
            "arrears_end_usd",
        ],
        description="Scalar summary figures (one column each)",
    )
    alive_at: list[str] = Field(
        default_factory=lambda: ["field_work", "end"],
        description="Months (YYYY-MM, 'field_work' or 'end') at which units alive by line are kept",
    )
    monthly: list[str] = Field(
        default_factory=lambda: [
            "units_alive",
            "alive_training",
            "alive_data_entry",
            "alive_hardware",
            "mean_member_earnings",
            "arrears",
            "cash",
        ],
        description="Monthly series written to the timeseries dataset ([] for none)",
    )


class SobolOptions(_Strict):
    calc_second_order: bool = False
    scramble: bool = True
    skip_values: int = Field(0, ge=0)


class MorrisOptions(_Strict):
    num_levels: int = Field(4, ge=2)
    optimal_trajectories: int | None = None
    local_optimization: bool = True


class SweepSpec(_Strict):
    """A sweep: base scenario, parameters, design, replications, root seed, outcomes."""

    name: str = Field(description="Short name")
    description: str = ""
    base: str = Field(description="Base scenario file, relative to the sweep file")
    set: dict[str, Any] = Field(
        default_factory=dict, description="dotted.path: value overrides of the base (e.g. end)"
    )
    design: Literal["grid", "lhs", "sobol", "morris"]
    samples: int | None = Field(
        None, ge=1, description="lhs: points; sobol: base samples N; morris: trajectories"
    )
    replications: int = Field(1, ge=1, le=100_000)
    seed: int = Field(0, ge=0, description="Root seed")
    parameters: dict[str, ParameterSpec] = Field(min_length=1)
    dummy: bool = Field(True, description="sobol/morris: add an inert dummy factor (noise floor)")
    sobol: SobolOptions = Field(default_factory=SobolOptions)
    morris: MorrisOptions = Field(default_factory=MorrisOptions)
    outcomes: Outcomes = Field(default_factory=Outcomes)


def _is_pow2(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def _close(word: str, valid: list[str] | tuple[str, ...]) -> str:
    hit = difflib.get_close_matches(word, list(valid), n=1, cutoff=0.6)
    return f" (did you mean '{hit[0]}'?)" if hit else ""


_SECTIONS = {"": SweepSpec, "outcomes": Outcomes, "sobol": SobolOptions, "morris": MorrisOptions}


def _spec_problems(exc: ValidationError, file: str) -> list[tuple[str, str, str]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        path = ".".join(loc)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            parent = ".".join(loc[:-1])
            cls = ParameterSpec if loc[0] == "parameters" else _SECTIONS.get(parent)
            msg = "unknown key" + (_close(loc[-1], list(cls.model_fields)) if cls else "")
        elif err["type"] == "missing":
            msg = "required key is missing"
        elif "input" in err and not isinstance(err["input"], dict | list):
            msg = f"{msg} (got {err['input']!r})"
        out.append((file, path, msg))
    return out


@dataclass
class Sweep:
    """A validated sweep: its spec, the resolved base scenario and where it came from."""

    spec: SweepSpec
    base: Scenario
    file: str

    @property
    def parameters(self) -> list[str]:
        return list(self.spec.parameters)

    @property
    def has_dummy(self) -> bool:
        return self.spec.dummy and self.spec.design in ("sobol", "morris")


def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep file; every problem is reported at once as a SweepError."""
    path = Path(path)
    f = str(path)
    try:
        data = read_yaml(path)
    except ScenarioError as exc:
        raise SweepError(exc.problems) from None
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise SweepError(_spec_problems(exc, f)) from None
    problems: list[tuple[str, str, str]] = []
    base = _resolve_base(spec, path, problems)
    problems += _design_problems(spec, f)
    problems += _outcome_problems(spec, f)
    if base is not None:
        problems += _parameter_problems(spec, base, f)
    if problems:
        raise SweepError(problems)
    assert base is not None
    return Sweep(spec, base, f)


def _resolve_base(spec: SweepSpec, path: Path, problems: list) -> Scenario | None:
    f = str(path)
    target = Path(spec.base) if Path(spec.base).is_absolute() else path.parent / spec.base
    if not target.exists():
        problems.append((f, "base", f"scenario file not found: {spec.base}"))
        return None
    try:
        data = resolve_file(target)
    except ScenarioError as exc:
        problems += [(file, f"base: {key}" if key else "base", why)
                     for file, key, why in exc.problems]
        return None
    for key, value in spec.set.items():
        if key in ("seed", "events"):
            problems.append((f, f"set.{key}", "not settable by a sweep (seeds come from the root)"))
            continue
        set_dotted(data, key, value)
    try:
        return validate_data(data, f)
    except ScenarioError as exc:
        for file, key, why in exc.problems:
            head = next((k for k in spec.set if key == k or key.startswith(k + ".")), None)
            if head is None and not key:  # a check across keys: name a set key it mentions
                head = next((k for k in spec.set if re.search(rf"\b{re.escape(k)}\b", why)), None)
                key = head or ""
            problems.append((file, f"set.{key}" if head else f"base: {key}".rstrip(": "), why))
        return None


def _design_problems(spec: SweepSpec, f: str) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    d, n = spec.design, spec.samples
    if d == "grid":
        if n is not None:
            out.append((f, "samples", "a grid takes no samples (its size is the values' product)"))
        for name, p in spec.parameters.items():
            if p.range is not None and p.steps is None:
                out.append((f, f"parameters.{name}", "a grid needs values, or a range with steps"))
        if not out and grid_size(spec) * spec.replications > MAX_RUNS:
            out.append((f, "parameters", f"more than {MAX_RUNS:,} runs"))
        return out
    if n is None:
        return [(f, "samples", f"required for a {d} design")]
    for name, p in spec.parameters.items():
        if p.steps is not None:
            out.append((f, f"parameters.{name}.steps", f"steps is for grids; a {d} design samples"))
    k = len(spec.parameters) + (1 if spec.dummy else 0)
    if d == "sobol":
        # SALib's rules for Saltelli's extension of the Sobol' sequence
        if not _is_pow2(n) or n < 2:
            out.append((f, "samples", f"Sobol' samples must be a power of 2 (SALib), got {n}"))
        sv = spec.sobol.skip_values
        if sv and not _is_pow2(sv):
            out.append((f, "sobol.skip_values", f"must be a power of 2 (SALib), got {sv}"))
        elif sv and n > sv:
            out.append((f, "sobol.skip_values", f"must be at least samples ({n}), got {sv}"))
        size = n * (2 * k + 2 if spec.sobol.calc_second_order else k + 2)
    elif d == "morris":
        m = spec.morris
        if m.num_levels % 2:
            out.append((f, "morris.num_levels", f"must be even (SALib), got {m.num_levels}"))
        if n < 2:
            out.append((f, "samples", "Morris needs at least 2 trajectories"))
        ot = m.optimal_trajectories
        if ot is not None:
            if not 2 <= ot < n:
                out.append((f, "morris.optimal_trajectories",
                            f"must be between 2 and samples-1 ({n - 1}) (SALib), got {ot}"))
            elif not m.local_optimization and ot > 10:
                out.append((f, "morris.optimal_trajectories",
                            "more than 10 needs local_optimization (SALib)"))
        size = (ot or n) * (k + 1)
    else:
        size = n
    if size * spec.replications > MAX_RUNS:
        out.append((f, "samples", f"more than {MAX_RUNS:,} runs"))
    return out


def _outcome_problems(spec: SweepSpec, f: str) -> list[tuple[str, str, str]]:
    out = []
    o = spec.outcomes
    for i, key in enumerate(o.summary):
        if key not in SUMMARY_OUTCOMES:
            out.append((f, f"outcomes.summary.{i}",
                        f"unknown summary figure '{key}'{_close(key, SUMMARY_OUTCOMES)}"))
    for i, key in enumerate(o.monthly):
        if key not in MONTHLY_COLUMNS:
            out.append((f, f"outcomes.monthly.{i}",
                        f"unknown monthly series '{key}'{_close(key, list(MONTHLY_COLUMNS))}"))
    for i, when in enumerate(o.alive_at):
        if when not in ("end", "field_work"):
            try:
                parse_year_month(when)
            except ValueError as exc:
                out.append((f, f"outcomes.alive_at.{i}", f"{exc}, 'end' or 'field_work'"))
    return out


def _trial_values(p: ParameterSpec) -> list[Any]:
    if p.values is not None:
        return list(p.values)
    lo, hi = p.range  # type: ignore[misc]
    return [round(lo), round(hi)] if p.integer else [lo, hi]


def _parameter_problems(spec: SweepSpec, base: Scenario, f: str) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    dump = base.model_dump(mode="json")
    for name, p in spec.parameters.items():
        where = f"parameters.{name}"
        if name == DUMMY and spec.dummy and spec.design in ("sobol", "morris"):
            out.append((f, where, "'dummy' is the name of the added noise factor"))
            continue
        if name in ("seed", "events"):
            out.append((f, where, "cannot be swept (seeds come from the root seed)"))
            continue
        if name in SPECIAL_PARAMETERS:
            if p.range is not None and not p.integer:
                out.append((f, where, "a range of years needs integer: true"))
            for i, v in enumerate(_trial_values(p)):
                try:
                    apply_point(base, {name: v})
                except (ScenarioError, ValueError) as exc:
                    reason = exc.problems[0][2] if isinstance(exc, ScenarioError) else str(exc)
                    out.append((f, f"{where}.values.{i}" if p.values else f"{where}.range", reason))
            continue
        cur: Any = dump
        bad = False
        for part in name.split(".")[:-1]:
            if not isinstance(cur, dict) or part not in cur:
                bad = True
                break
            cur = cur[part]
        if bad or not isinstance(cur, dict):
            out.append((f, where, "not a key of the scenario"))
            continue
        leaf = name.split(".")[-1]
        if leaf not in cur:
            out.append((f, where, f"not a key of the scenario{_close(leaf, list(cur))}"))
            continue
        if isinstance(cur[leaf], dict):
            out.append((f, where, "is a section; name one of its keys"))
            continue
        for i, v in enumerate(_trial_values(p)):
            try:
                apply_point(base, {name: v})
            except ScenarioError as exc:
                for _f, _key, why in exc.problems:
                    at = f"{where}.values.{i}" if p.values is not None else f"{where}.range"
                    out.append((f, at, why))
    return out


def apply_point(base: Scenario, params: dict[str, Any]) -> Scenario:
    """The base scenario with a design point's values: dotted paths set, special ones as events."""
    data = base.model_dump(mode="json")
    for key, value in params.items():
        if key == DUMMY:
            continue
        if key == "mission_withdraws":
            if value is None or (isinstance(value, str) and value.lower() == "none"):
                continue
            data["events"] = [*data.get("events", []),
                              {"date": parse_year_month(value), "do": "mission_withdraws"}]
        else:
            set_dotted(data, key, value)
    return validate_data(data, base.name)


# =========================================================================== designs and seeds
@dataclass
class Design:
    """Design points: parameter values (one dict per point) and unit-cube coordinates."""

    names: list[str]  # parameters, with the dummy last when present
    points: list[dict[str, Any]]
    unit: np.ndarray | None  # (points, names) in [0, 1]; None for a grid
    problem: dict[str, Any] | None  # the SALib problem (unit bounds) for sobol/morris

    def __len__(self) -> int:
        return len(self.points)


def grid_size(spec: SweepSpec) -> int:
    return math.prod(len(p.values) if p.values is not None else (p.steps or 0)
                     for p in spec.parameters.values())


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


def _grid_values(p: ParameterSpec) -> list[Any]:
    if p.values is not None:
        return [_plain(v) for v in p.values]
    lo, hi = p.range  # type: ignore[misc]
    vals = np.linspace(lo, hi, p.steps)  # type: ignore[arg-type]
    if p.integer:
        return list(dict.fromkeys(int(round(v)) for v in vals))
    return [float(v) for v in vals]


def _from_unit(p: ParameterSpec, u: float) -> Any:
    if p.values is not None:
        n = len(p.values)
        return _plain(p.values[min(int(u * n), n - 1)])
    lo, hi = p.range  # type: ignore[misc]
    if p.integer:
        a, b = math.ceil(lo), math.floor(hi)
        return int(min(a + math.floor(u * (b - a + 1)), b))
    return float(lo + u * (hi - lo))


def design_seed(root: int) -> int:
    """Seed of the design's sampler, derived from the root (distinct from the runs' seeds)."""
    return int(np.random.SeedSequence([root, 0xD5]).generate_state(1)[0])


def make_design(spec: SweepSpec) -> Design:
    """Design points of a sweep (deterministic given the spec)."""
    names = list(spec.parameters)
    params = spec.parameters
    if spec.design == "grid":
        axes = [_grid_values(params[n]) for n in names]
        points = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes)]
        return Design(names, points, None, None)
    dummy = spec.dummy and spec.design in ("sobol", "morris")
    all_names = [*names, DUMMY] if dummy else names
    n, seed = spec.samples, design_seed(spec.seed)
    assert n is not None
    problem = {"num_vars": len(all_names), "names": all_names,
               "bounds": [[0.0, 1.0]] * len(all_names)}
    if spec.design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(seed)).random(n)
        problem = None
    elif spec.design == "sobol":
        from SALib.sample import sobol as sobol_sample

        o = spec.sobol
        unit = sobol_sample.sample(problem, n, calc_second_order=o.calc_second_order,
                                   scramble=o.scramble, skip_values=o.skip_values, seed=seed)
    else:
        from SALib.sample import morris as morris_sample

        o = spec.morris
        unit = morris_sample.sample(problem, n, num_levels=o.num_levels,
                                    optimal_trajectories=o.optimal_trajectories,
                                    local_optimization=o.local_optimization, seed=seed)
    unit = np.clip(np.asarray(unit, dtype=float), 0.0, 1.0)
    points = []
    for row in unit:
        pt = {name: _from_unit(params[name], float(u)) for name, u in zip(names, row, strict=False)}
        if dummy:
            pt[DUMMY] = float(row[-1])
        points.append(pt)
    return Design(all_names, points, unit, problem)


def replication_seeds(root: int, replications: int) -> list[int]:
    """Seed of replication k (the same at every design point): common random numbers."""
    children = np.random.SeedSequence(root).spawn(replications)
    return [int(c.generate_state(1)[0]) for c in children]


def dummy_seed(root: int, replication: int, dummy: float) -> int:
    """Seed of a run whose design point carries a dummy value: the dummy moves the seed."""
    code = int(round(dummy * 2**32)) % 2**32
    return int(np.random.SeedSequence(root, spawn_key=(replication, code)).generate_state(1)[0])


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def _digest(obj: Any) -> str:
    return hashlib.sha256(_canonical(obj).encode()).hexdigest()


def run_key(base_hash: str, params: dict[str, Any], seed: int, version: str) -> str:
    """Identity of a run: resolved base scenario, parameter values, seed and model version."""
    return _digest({"base": base_hash, "params": params, "seed": seed, "version": version})[:32]


# =========================================================================== one run (worker side)
@dataclass(frozen=True)
class Job:
    """Everything a worker needs for one run (picklable)."""

    run: int
    point: int
    replication: int
    seed: int
    key: str
    params: dict[str, Any]
    base: Scenario
    outcomes: Outcomes


def _alive_columns(o: Outcomes) -> list[str]:
    cols = []
    for when in o.alive_at:
        tag = when if when in ("end", "field_work") else parse_year_month(when).replace("-", "_")
        cols += [f"alive_{line}_at_{tag}" for line in LINES] + [f"units_alive_at_{tag}"]
    return cols


def outcome_values(res: Any, o: Outcomes) -> dict[str, Any]:
    """The kept outcomes of one run: summary figures and units alive by line at chosen months."""
    out: dict[str, Any] = {}
    for key in o.summary:
        v = res.summary.get(key)
        out[key] = None if v is None else float(v)
    ts = res.timeseries
    cfg = res.scenario
    for when in o.alive_at:
        if when == "end":
            ym, tag = cfg.end, "end"
        elif when == "field_work":
            ym, tag = cfg.field_work, "field_work"
        else:
            ym = parse_year_month(when)
            tag = ym.replace("-", "_")
        hit = ts[ts["date"] == pd.Timestamp(f"{ym}-01")]
        row = hit.iloc[0] if len(hit) else None
        for line in LINES:
            out[f"alive_{line}_at_{tag}"] = None if row is None else int(row[f"alive_{line}"])
        out[f"units_alive_at_{tag}"] = None if row is None else int(row["units_alive"])
    return out


def execute(job: Job) -> dict[str, Any]:
    """Run one design point with one seed; never raises (a failure is recorded, with traceback)."""
    from sim import run as run_model

    t0 = time.perf_counter()
    row: dict[str, Any] = {"run": job.run, "point": job.point, "replication": job.replication,
                           "seed": job.seed, "key": job.key}
    monthly = None
    try:
        res = run_model(apply_point(job.base, job.params), seed=job.seed)
        row.update(outcome_values(res, job.outcomes))
        if job.outcomes.monthly:
            ts = res.timeseries
            monthly = {"date": ts["date"].to_numpy(), "month": ts["month"].to_numpy()}
            for col in job.outcomes.monthly:
                monthly[col] = ts[col].to_numpy()
        row["status"], row["error"] = "ok", None
    except Exception:  # noqa: BLE001 - a failed run is data, the sweep goes on
        row["status"], row["error"] = "failed", traceback.format_exc()
    row["wall_time_s"] = time.perf_counter() - t0
    return {"row": row, "monthly": monthly}


# =========================================================================== the plan
@dataclass
class Plan:
    """A sweep's runs, enumerated lazily: (point, replication) in point-major order."""

    sweep: Sweep
    design: Design
    version: str
    seeds: list[int] = field(init=False)
    base_hash: str = field(init=False)
    _ptypes: dict[str, pa.DataType] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.seeds = replication_seeds(self.sweep.spec.seed, self.sweep.spec.replications)
        self.base_hash = _digest(self.sweep.base.model_dump(mode="json"))
        self._ptypes = self.param_types()

    @property
    def replications(self) -> int:
        return self.sweep.spec.replications

    @property
    def total(self) -> int:
        return len(self.design) * self.replications

    def seed(self, point: int, replication: int) -> int:
        pt = self.design.points[point]
        if DUMMY in pt and self.sweep.has_dummy:
            return dummy_seed(self.sweep.spec.seed, replication, pt[DUMMY])
        return self.seeds[replication]

    def jobs(self, skip: set[str] | frozenset[str] = frozenset()) -> Iterator[Job]:
        """Jobs not yet recorded (their keys not in ``skip``)."""
        o = self.sweep.spec.outcomes
        for p, params in enumerate(self.design.points):
            for k in range(self.replications):
                seed = self.seed(p, k)
                key = run_key(self.base_hash, params, seed, self.version)
                if key not in skip:
                    yield Job(p * self.replications + k, p, k, seed, key, params,
                              self.sweep.base, o)

    def spec_hash(self) -> str:
        spec = self.sweep.spec.model_dump(mode="json", exclude={"description"})
        return _digest({"spec": spec, "base": self.base_hash})

    # ---------------------------------------------------------------- Arrow schemas
    def param_types(self) -> dict[str, pa.DataType]:
        out: dict[str, pa.DataType] = {}
        for name in self.design.names:
            if name == DUMMY:
                out[name] = pa.float64()
                continue
            p = self.sweep.spec.parameters[name]
            if name == "mission_withdraws":
                out[name] = pa.string()
            elif p.values is None:
                out[name] = pa.int64() if p.integer else pa.float64()
            else:
                vals = [v for v in p.values if v is not None]
                if vals and all(isinstance(v, bool) for v in vals):
                    out[name] = pa.bool_()
                elif vals and all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
                    out[name] = pa.int64()
                elif vals and all(isinstance(v, int | float) and not isinstance(v, bool)
                                  for v in vals):
                    out[name] = pa.float64()
                else:
                    out[name] = pa.string()
        return out

    def runs_schema(self) -> pa.Schema:
        o = self.sweep.spec.outcomes
        fields = [("run", pa.int64()), ("point", pa.int64()), ("replication", pa.int64()),
                  ("seed", pa.int64()), ("key", pa.string()), ("status", pa.string()),
                  ("error", pa.string()), ("wall_time_s", pa.float64())]
        fields += list(self.param_types().items())
        fields += [(k, pa.float64()) for k in o.summary]
        fields += [(c, pa.int64()) for c in _alive_columns(o)]
        return pa.schema(fields)

    def monthly_schema(self) -> pa.Schema:
        types = {"int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}
        fields = [("run", pa.int64()), ("replication", pa.int64()),
                  ("date", pa.timestamp("s")), ("month", pa.int64())]
        fields += [(c, types[MONTHLY_COLUMNS[c]]) for c in self.sweep.spec.outcomes.monthly]
        return pa.schema(fields)

    def param_cell(self, name: str, value: Any) -> Any:
        if name == "mission_withdraws":
            if value is None or (isinstance(value, str) and value.lower() == "none"):
                return None
            return parse_year_month(value)
        if pa.types.is_string(self._ptypes[name]) and value is not None:
            return value if isinstance(value, str) else json.dumps(value)
        return value

    def design_table(self) -> pa.Table:
        cols: dict[str, list] = {"point": list(range(len(self.design)))}
        if self.design.unit is not None:
            for j, name in enumerate(self.design.names):
                cols[f"u.{name}"] = self.design.unit[:, j].tolist()
        types = self.param_types()
        for name in self.design.names:
            cols[name] = [self.param_cell(name, pt.get(name)) for pt in self.design.points]
        schema = pa.schema([("point", pa.int64())]
                           + [(c, pa.float64()) for c in cols if c.startswith("u.")]
                           + list(types.items()))
        return pa.Table.from_pydict(cols, schema=schema)

    def describe(self) -> dict[str, Any]:
        """What sweep.json stores."""
        return {
            "format": FORMAT,
            "name": self.sweep.spec.name,
            "file": self.sweep.file,
            "version": self.version,
            "spec": self.sweep.spec.model_dump(mode="json"),
            "spec_hash": self.spec_hash(),
            "base_scenario": self.sweep.base.model_dump(mode="json"),
            "base_hash": self.base_hash,
            "design": self.sweep.spec.design,
            "parameters": self.design.names,
            "points": len(self.design),
            "replications": self.replications,
            "runs": self.total,
            "root_seed": self.sweep.spec.seed,
            "replication_seeds": self.seeds,
            "dummy": self.sweep.has_dummy,
            "salib_problem": self.design.problem,
        }


def make_plan(sweep: Sweep, version: str | None = None) -> Plan:
    if version is None:
        from sim import __version__ as version
    return Plan(sweep, make_design(sweep.spec), version)


# =========================================================================== streaming store
def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_parquet(table: pa.Table, final: Path) -> None:
    """Write to a temporary name, fsync, rename: the file appears whole or not at all."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, final)


def _write_json(obj: Any, final: Path) -> None:
    tmp = final.with_name(f".{final.name}.tmp")
    with open(tmp, "w") as fh:
        fh.write(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, final)


_PART = re.compile(r"^part-(\d{6})\.parquet$")


def _crash(point: str, part: int) -> None:
    """Fault injection for the kill-and-resume tests: ``SOSIM_SWEEP_CRASH=<point>:<part>``."""
    want = os.environ.get("SOSIM_SWEEP_CRASH")
    if want and want == f"{point}:{part}":
        os.kill(os.getpid(), signal.SIGKILL)


class RunStore:
    """The output folder of a sweep: committed parts, staging, recovery and the manifest."""

    def __init__(self, out: Path, plan: Plan):
        self.out = Path(out)
        self.plan = plan
        self.runs_dir = self.out / "runs"
        self.ts_dir = self.out / "timeseries"
        self.staging = self.out / "_staging"
        self.runs_schema = plan.runs_schema()
        self.monthly_schema = plan.monthly_schema()
        self.param_names = plan.design.names
        self.next_part = 0
        self.parts: list[dict[str, Any]] = []
        self._rows: list[dict[str, Any]] = []
        self._monthly: list[tuple[int, dict[str, Any]]] = []

    # ---------------------------------------------------------------- set-up and recovery
    def create(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        _write_parquet(self.plan.design_table(), self.out / "design.parquet")
        _write_json(self.plan.describe(), self.out / "sweep.json")  # written last: the marker
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
        for part in sorted(committed):
            name = f"part-{part:06d}.parquet"
            t = pq.read_table(self.runs_dir / name, columns=["key", "status"])
            status = t.column("status").to_pylist()
            keys.update(t.column("key").to_pylist())
            self.parts.append({"part": name, "rows": t.num_rows,
                               "failed": sum(s != "ok" for s in status)})
        self.next_part = max(committed, default=-1) + 1
        self._write_manifest()
        return keys

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
                _write_parquet(self._monthly_table(ms), stage / f"point={point}.parquet")
            _fsync_dir(stage)
        _crash("staged", part)
        cols = {f.name: [r.get(f.name) for r in self._rows] for f in self.runs_schema}
        table = pa.Table.from_pydict(cols, schema=self.runs_schema)
        name = f"part-{part:06d}.parquet"
        _write_parquet(table, self.runs_dir / name)  # the commit
        _fsync_dir(self.runs_dir)
        _crash("committed", part)
        if by_point:
            self._move_staged(stage, part)
            _crash("moved", part)
        self.parts.append({"part": name, "rows": table.num_rows,
                           "failed": sum(r["status"] != "ok" for r in self._rows)})
        self.next_part += 1
        self._rows, self._monthly = [], []
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
        rows = sum(p["rows"] for p in self.parts)
        _write_json({
            "format": FORMAT,
            "version": self.plan.version,
            "spec_hash": self.plan.spec_hash(),
            "total_runs": self.plan.total,
            "recorded_runs": rows,
            "failed_runs": sum(p["failed"] for p in self.parts),
            "complete": rows >= self.plan.total,
            "parts": self.parts,
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }, self.out / "manifest.json")

    @property
    def recorded(self) -> int:
        return sum(p["rows"] for p in self.parts)

    @property
    def failed(self) -> int:
        return sum(p["failed"] for p in self.parts)


def open_store(out: Path, plan: Plan, resume: bool) -> tuple[RunStore, set[str]]:
    """Prepare ``out`` for a new sweep, or reopen it for ``--resume`` (checking it matches)."""
    out = Path(out)
    store = RunStore(out, plan)
    meta_file = out / "sweep.json"
    if out.exists() and not out.is_dir():
        raise SweepError([(str(out), "--out", "exists and is not a directory")])
    if meta_file.exists():
        if not resume:
            raise SweepError([(str(out), "--out",
                               "already holds a sweep; pass --resume to continue it, "
                               "or choose another folder")])
        meta = json.loads(meta_file.read_text())
        if meta.get("version") != plan.version:
            raise SweepError([(str(out), "--resume",
                               f"written by model version {meta.get('version')}, "
                               f"this is {plan.version}; start a new folder")])
        if meta.get("spec_hash") != plan.spec_hash():
            raise SweepError([(str(out), "--resume",
                               "the sweep file or its base scenario changed since this folder "
                               "was written; start a new folder")])
        return store, store.recover()
    if out.exists() and any(p.name not in ("design.parquet", ".design.parquet.tmp",
                                           ".sweep.json.tmp") for p in out.iterdir()):
        raise SweepError([(str(out), "--out", "exists and is not empty (nor a sweep folder)")])
    store.create()
    return store, set()


# =========================================================================== back-ends
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


# =========================================================================== the sweep loop
@dataclass
class SweepReport:
    out: Path
    total: int
    recorded: int
    skipped: int
    failed: int
    ran: int
    seconds: float


def run_sweep(
    sweep: Sweep,
    out: str | Path,
    workers: int = 1,
    backend: str = "processes",
    scheduler: str | None = None,
    resume: bool = False,
    part_size: int = 50,
    flush_seconds: float = 30.0,
    progress: bool = False,
    version: str | None = None,
) -> SweepReport:
    """Run (or resume) a sweep into ``out``, streaming finished runs to Parquet parts."""
    t0 = time.perf_counter()
    plan = make_plan(sweep, version)
    store, done = open_store(Path(out), plan, resume)
    todo = plan.total - len(done)
    jobs = plan.jobs(skip=done)
    ran = 0
    bar = _Progress(todo, store.failed, enabled=progress, title=sweep.spec.name)
    last_flush = time.monotonic()
    try:
        with bar, executor(backend, workers, scheduler) as ex:
            window = max(2, 4 * workers)
            pending: set[cf.Future] = set()
            exhausted = False
            while True:
                while not exhausted and len(pending) < window:
                    job = next(jobs, None)
                    if job is None:
                        exhausted = True
                        break
                    pending.add(ex.submit(execute, job))
                if not pending:
                    break
                finished, pending = cf.wait(pending, timeout=1.0,
                                            return_when=cf.FIRST_COMPLETED)
                for fut in finished:
                    result = fut.result()
                    store.add(result)
                    ran += 1
                    bar.advance(failed=result["row"]["status"] != "ok")
                if store.pending >= part_size or (
                    store.pending and time.monotonic() - last_flush >= flush_seconds
                ):
                    store.flush()
                    last_flush = time.monotonic()
    finally:
        store.flush()  # whatever finished is committed, also on Ctrl-C
    return SweepReport(Path(out), plan.total, store.recorded, len(done), store.failed, ran,
                       time.perf_counter() - t0)


class _Progress:
    """A rich progress bar with ETA and a count of failed runs (or nothing when disabled)."""

    def __init__(self, total: int, failed: int, enabled: bool, title: str):
        self.enabled = enabled
        self.failed = failed
        if enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                MofNCompleteColumn(), TimeElapsedColumn(),
                                TextColumn("ETA"), TimeRemainingColumn(),
                                TextColumn("failed: {task.fields[failed]}"))
            self.task = self.bar.add_task(title, total=total, failed=failed)

    def __enter__(self) -> _Progress:
        if self.enabled:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.enabled:
            self.bar.__exit__(*exc)

    def advance(self, failed: bool) -> None:
        self.failed += int(failed)
        if self.enabled:
            self.bar.update(self.task, advance=1, failed=self.failed)


# =========================================================================== dry run
@dataclass
class DryRun:
    runs: int
    points: int
    replications: int
    pilot_runs: int
    seconds_per_run: float
    workers: int
    estimated_seconds: float
    bytes_per_run: float
    estimated_bytes: float


def dry_run(sweep: Sweep, workers: int = 1, pilots: int = 3) -> DryRun:
    """Time a few pilot runs (spread over the design) and estimate the sweep's time and size."""
    plan = make_plan(sweep)
    n = min(pilots, plan.total)
    picks = sorted({round(i * (plan.total - 1) / max(n - 1, 1)) for i in range(n)})
    jobs = [j for j in plan.jobs() if j.run in picks]
    times, results = [], []
    for job in jobs:
        t = time.perf_counter()
        results.append(execute(job))
        times.append(time.perf_counter() - t)
    store = RunStore(Path("."), plan)
    for r in results:
        store.add(r)
    cols = {f.name: [r.get(f.name) for r in store._rows] for f in store.runs_schema}
    size = _parquet_bytes(pa.Table.from_pydict(cols, schema=store.runs_schema))
    if store._monthly:
        size += _parquet_bytes(store._monthly_table([m for _, m in store._monthly]))
    per_run = float(np.median(times)) if times else 0.0
    per_bytes = size / max(len(results), 1)
    return DryRun(plan.total, len(plan.design), plan.replications, len(jobs), per_run, workers,
                  plan.total * per_run / max(workers, 1), per_bytes, per_bytes * plan.total)


def _parquet_bytes(table: pa.Table) -> int:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.tell()


# =========================================================================== reading results
def read_runs(out: str | Path) -> pd.DataFrame:
    """The runs table of a sweep folder, ordered by run."""
    df = pd.read_parquet(Path(out) / "runs")
    return df.sort_values("run", kind="stable").reset_index(drop=True)


def read_monthly(out: str | Path) -> pd.DataFrame:
    """The monthly series of a sweep folder (with ``point`` from the partition), ordered."""
    path = Path(out) / "timeseries"
    if not path.exists():
        return pd.DataFrame()
    df = pd.read_parquet(path)
    df["point"] = df["point"].astype("int64")
    return df.sort_values(["run", "date"], kind="stable").reset_index(drop=True)
