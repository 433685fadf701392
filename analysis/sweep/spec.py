"""The sweep file: its schema (pydantic), its validation against the base scenario (every problem
at once, as a SweepError) and ``apply_point``, which gives a design point's scenario."""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from analysis.sweep.outcomes import MONTHLY_COLUMNS, SUMMARY_OUTCOMES
from sim.scenario import (
    Scenario,
    ScenarioError,
    parse_year_month,
    read_yaml,
    resolve_file,
    set_dotted,
    validate_data,
)

SPECIAL_PARAMETERS = ("mission_withdraws",)
"""Parameters that are not scenario keys: ``mission_withdraws`` (a year, ``YYYY-MM`` or ``none``)
appends a ``mission_withdraws`` event at that month."""
DUMMY = "dummy"
MAX_RUNS = 10_000_000
FACTOR, LEVEL = "factor", "level"
"""Columns an ``oat`` design adds to each point: the factor moved (a parameter, a case's name, or
``baseline``) and its level as text."""
BASELINE = "baseline"


class SweepError(ScenarioError):
    """Invalid sweep input or output folder: (file, key path, reason) problems."""


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


class Case(_Strict):
    """A named level of a one-factor-at-a-time design: values set and dated events added
    together, applied alone to the baseline point (e.g. a support switched off from 2008)."""

    description: str = ""
    set: dict[str, Any] = Field(default_factory=dict, description="dotted.path: value")
    events: list[dict[str, Any]] = Field(
        default_factory=list, description="Dated events added (as in a scenario's events)"
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
    design: Literal["grid", "lhs", "sobol", "morris", "oat", "table"]
    points: str | None = Field(
        None, description="table: CSV or Parquet file of the design points, relative to the "
        "sweep file (one column per parameter path, one row per point)"
    )
    samples: int | None = Field(
        None, ge=1, description="lhs: points; sobol: base samples N; morris: trajectories"
    )
    replications: int = Field(1, ge=1, le=100_000)
    seed: int = Field(0, ge=0, description="Root seed")
    parameters: dict[str, ParameterSpec] = Field(
        default_factory=dict,
        description="Swept parameters; in an oat design the first value is the baseline level",
    )
    cases: dict[str, Case] = Field(
        default_factory=dict, description="oat: named levels, each moved alone from the baseline"
    )
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
            cls = (ParameterSpec if loc[0] == "parameters"
                   else Case if loc[0] == "cases" else _SECTIONS.get(parent))
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
    rows: list[dict[str, Any]] | None = None
    """A table design's points, as read from its ``points`` file (None for other designs)."""

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
    rows = None
    if spec.design == "table":
        if base is not None and not problems:
            rows = read_points(spec, base, path, problems)
    elif base is not None:
        problems += _parameter_problems(spec, base, f)
        if not problems:
            problems += _case_problems(spec, base, f)
    if problems:
        raise SweepError(problems)
    assert base is not None
    return Sweep(spec, base, f, rows)


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
        if key == "seed":
            problems.append((f, f"set.{key}", "not settable by a sweep (seeds come from the root)"))
            continue
        if key == "events" and not isinstance(value, list):
            problems.append((f, "set.events", "expected a list of events (replaces the base's "
                             "dated events; [] drops them)"))
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
    if spec.cases and d != "oat":
        out.append((f, "cases", f"cases are levels of an oat design, not of a {d} design"))
    if spec.points is not None and d != "table":
        out.append((f, "points", f"points are the rows of a table design, not of a {d} design"))
    if d == "oat":
        return out + _oat_problems(spec, f)
    if d == "table":
        if spec.points is None:
            out.append((f, "points", "a table design needs points: a CSV or Parquet file of "
                        "design points (one column per parameter)"))
        if spec.parameters:
            out.append((f, "parameters", "a table design takes its parameters from the "
                        "columns of its points file"))
        if n is not None:
            out.append((f, "samples", "a table design takes no samples (one point per row)"))
        return out
    if not spec.parameters:
        return [*out, (f, "parameters", f"a {d} design needs at least one parameter")]
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


def _oat_problems(spec: SweepSpec, f: str) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    if spec.samples is not None:
        out.append((f, "samples", "an oat design takes no samples (one point per level)"))
    if not spec.parameters and not spec.cases:
        out.append((f, "parameters", "an oat design needs parameters or cases"))
    for name, p in spec.parameters.items():
        where = f"parameters.{name}"
        if p.range is not None and p.steps is None:
            out.append((f, where, "an oat design needs values, or a range with steps"))
        elif p.values is not None and len(p.values) < 2:
            out.append((f, f"{where}.values",
                        "an oat factor needs its baseline level (first) and at least one other"))
    for name in spec.cases:
        if name == BASELINE or name in spec.parameters:
            out.append((f, f"cases.{name}",
                        "a case needs a name of its own (not 'baseline' or a parameter's)"))
    if not out and oat_size(spec) * spec.replications > MAX_RUNS:
        out.append((f, "parameters", f"more than {MAX_RUNS:,} runs"))
    return out


def _case_problems(spec: SweepSpec, base: Scenario, f: str) -> list[tuple[str, str, str]]:
    """Each case applied to the baseline point must give a valid scenario."""
    if not spec.cases:
        return []
    from analysis.sweep.design import oat_baseline

    start = oat_baseline(spec)
    out: list[tuple[str, str, str]] = []
    for name, case in spec.cases.items():
        refused = [key for key in case.set if key in ("seed", "events", "name")]
        for key in refused:
            out.append((f, f"cases.{name}.set.{key}",
                        "not settable by a case (add events under events)"))
        if refused:
            continue
        try:
            apply_point(base, start, case)
        except ScenarioError as exc:
            for _f, key, why in exc.problems:
                head = next((k for k in case.set if key == k or key.startswith(k + ".")), None)
                where = f"cases.{name}.set.{head}" if head else (
                    f"cases.{name}.{key}" if key.startswith("events") else f"cases.{name}")
                if key.startswith("events."):  # renumber: the base's events come first
                    parts = key.split(".")
                    i = int(parts[1]) - len(base.events) if parts[1].isdigit() else -1
                    if i >= 0:
                        where = ".".join([f"cases.{name}.events", str(i), *parts[2:]])
                out.append((f, where, why))
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


def apply_point(base: Scenario, params: dict[str, Any], case: Case | None = None) -> Scenario:
    """The base scenario with a design point's values: dotted paths set, special ones as events;
    with ``case`` (a level of an oat design), its values set and its dated events added."""
    data = base.model_dump(mode="json")
    for key, value in params.items():
        if key in (DUMMY, FACTOR, LEVEL):
            continue
        if key == "mission_withdraws":
            if value is None or (isinstance(value, str) and value.lower() == "none"):
                continue
            data["events"] = [*data.get("events", []),
                              {"date": parse_year_month(value), "do": "mission_withdraws"}]
        else:
            set_dotted(data, key, value)
    if case is not None:
        for key, value in case.set.items():
            set_dotted(data, key, value)
        data["events"] = [*data.get("events", []), *case.events]
    return validate_data(data, base.name)


def oat_size(spec: SweepSpec) -> int:
    """Points of a one-factor-at-a-time design: the baseline, each other level of each
    parameter, and each case."""
    n = sum((len(p.values) if p.values is not None else (p.steps or 0)) - 1
            for p in spec.parameters.values())
    return 1 + n + len(spec.cases)


def grid_size(spec: SweepSpec) -> int:
    return math.prod(len(p.values) if p.values is not None else (p.steps or 0)
                     for p in spec.parameters.values())


MAX_TABLE_POINTS = 100_000
"""Rows a table design may list (each is a design point, each point runs every replication)."""
MAX_ROW_PROBLEMS = 20
"""Bad rows of a points file listed before the rest are summarised in one line."""


def _cell(v: Any) -> Any:
    """A cell of a points file as a sweep value: numbers as numbers (also when a CSV column mixes
    them with words such as ``none``), true/false as booleans, other text as text."""
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if not isinstance(v, str):
        return v
    text = v.strip()
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            x = kind(text)
        except ValueError:
            continue
        return int(x) if isinstance(x, float) and x.is_integer() else x
    return text


def read_points(spec: SweepSpec, base: Scenario, path: Path,
                problems: list[tuple[str, str, str]]) -> list[dict[str, Any]] | None:
    """A table design's points: read ``spec.points`` (CSV or Parquet, relative to the sweep
    file ``path``), check every column is a parameter and every row gives a valid scenario,
    and set ``spec.parameters`` to each column's values (so the runs table types them). Each
    problem is appended as (points file, column (row r), reason); None if any."""
    import pandas as pd

    assert spec.points is not None
    target = Path(spec.points) if Path(spec.points).is_absolute() else path.parent / spec.points
    pf = str(target)
    if not target.is_file():
        problems.append((str(path), "points", f"file not found: {spec.points}"))
        return None
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        problems.append((str(path), "points", f"expected a .csv or .parquet file, got "
                         f"{target.name}"))
        return None
    if target.stat().st_size == 0:
        problems.append((pf, "", "empty file (no design points)"))
        return None
    try:
        if suffix == ".csv":
            df = pd.read_csv(target, keep_default_na=False, na_values=[""], dtype=object,
                             skipinitialspace=True)
        else:
            df = pd.read_parquet(target)
    except Exception as exc:  # noqa: BLE001 - pandas/pyarrow raise many kinds
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        problems.append((pf, "", f"cannot be read as {suffix.lstrip('.')}: {reason}"))
        return None
    if df.columns.empty or df.empty:
        problems.append((pf, "", "no design points (the file has no columns or no rows)"))
        return None
    if len(df) > MAX_TABLE_POINTS:
        problems.append((pf, "", f"more than {MAX_TABLE_POINTS:,} design points"))
        return None
    if len(df) * spec.replications > MAX_RUNS:
        problems.append((pf, "", f"more than {MAX_RUNS:,} runs"))
        return None
    cols = [str(c) for c in df.columns]
    if len(set(cols)) != len(cols):
        dup = next(c for c in cols if cols.count(c) > 1)
        problems.append((pf, dup, "a column named twice"))
        return None
    rows = [{c: _cell(v) for c, v in zip(cols, rec, strict=True)}
            for rec in df.itertuples(index=False, name=None)]
    # a column must be a parameter: the checks of a swept parameter, on its first value
    found: list[tuple[str, str, str]] = []
    for c in cols:
        trial = spec.model_copy(update={
            "design": "grid", "parameters": {c: ParameterSpec(values=[rows[0][c]])}})
        for _f, where, why in _parameter_problems(trial, base, pf):
            if where == f"parameters.{c}":
                found.append((pf, c, why))
    if found:
        problems += found
        return None
    start = len(problems)
    for i, row in enumerate(rows, start=1):
        if len(problems) - start >= MAX_ROW_PROBLEMS:
            problems.append((pf, "", f"more bad rows after row {i - 1} not listed"))
            break
        empty = [c for c, v in row.items()
                 if v is None or (isinstance(v, float) and math.isnan(v))]
        for c in empty:
            problems.append((pf, f"{c} (row {i})", "empty cell (give a value)"))
        if empty:
            continue
        try:
            apply_point(base, row)
        except (ScenarioError, ValueError) as exc:
            items = exc.problems if isinstance(exc, ScenarioError) else [("", "", str(exc))]
            for _f, key, why in items:
                col = next((c for c in cols if key == c or key.startswith(c + ".")),
                           "mission_withdraws" if "mission_withdraws" in cols and (
                               not key or key.startswith("events")) else None)
                problems.append((pf, f"{col or key} (row {i})".strip(), why))
    if problems:
        return None
    spec.parameters = {c: ParameterSpec(values=list(dict.fromkeys(r[c] for r in rows)))
                       for c in cols}
    return rows
