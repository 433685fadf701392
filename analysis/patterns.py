"""Pattern-oriented validation: how well one parameter set reproduces the Kerala field figures.

The patterns are data (``analysis/patterns.yaml``): each names a metric computed from a run's
tables, the observed figure, a tolerance and a check. ``check_patterns`` runs seeded
replications (in parallel where cores allow) and returns one table: pattern, observed, model
mean, 90 % interval across replications, met or not. Grimm et al. (2005), Science 310:987.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from analysis.runmany import replication_seeds, run_in_order, with_posterior
from sim.scenario import Scenario, ScenarioError
from sim.scenario.safe_yaml import read_yaml

PATTERNS_FILE = Path(__file__).with_name("patterns.yaml")


# --------------------------------------------------------------------------- pattern schema
class Pattern(BaseModel):
    """One observed pattern and how the model's counterpart is computed and judged."""

    model_config = ConfigDict(extra="forbid")

    id: str
    level: Literal["member", "unit", "system"]
    measures: str
    metric: str
    args: dict[str, Any] = Field(default_factory=dict)
    observed: float
    tolerance: float = Field(0.0, ge=0)
    check: Literal["mean_within", "at_least", "at_most", "in_distribution"]
    source: str
    context: str | None = None
    """The field work's words around the figure, quoted by the report (figures included)."""


class PatternFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    patterns: list[Pattern]


def load_patterns(path: str | Path = PATTERNS_FILE) -> list[Pattern]:
    """Read and validate the pattern file; every metric must exist. The file is read as scenario
    files are: a regular file of at most 2 MB, with the safe YAML loader (one line on failure)."""
    data = read_yaml(Path(path))
    try:
        patterns = PatternFile.model_validate(data).patterns
    except ValidationError as exc:
        raise ScenarioError([(str(path), ".".join(map(str, e["loc"])), e["msg"])
                             for e in exc.errors()]) from None
    unknown = [(str(path), p.id, f"unknown metric {p.metric!r}") for p in patterns
               if p.metric not in METRICS]
    if unknown:
        raise ScenarioError(unknown)
    return patterns


# --------------------------------------------------------------------------- metrics
@cache
def _by_id() -> dict[str, Pattern]:
    return {p.id: p for p in load_patterns()}


def field_figure(pattern_id: str) -> float:
    """The observed figure of pattern ``pattern_id`` in ``analysis/patterns.yaml``: the one
    place a Kerala field figure is written, so the report and ``sosim run`` quote it from here."""
    try:
        return _by_id()[pattern_id].observed
    except KeyError:
        raise KeyError(f"analysis/patterns.yaml has no pattern {pattern_id!r}") from None


def field_context(pattern_id: str) -> str:
    """The field work's words around pattern ``pattern_id`` (its ``context`` in
    ``analysis/patterns.yaml``), for running text."""
    context = _by_id()[pattern_id].context if pattern_id in _by_id() else None
    if not context:
        raise KeyError(f"analysis/patterns.yaml has no context for pattern {pattern_id!r}")
    return context


def _month(ym: str | int) -> pd.Timestamp:
    text = str(ym)
    return pd.Timestamp(f"{text}-01" if len(text) == 7 else f"{text}-01-01")


def _open_at(ents: pd.DataFrame, date: pd.Timestamp) -> pd.DataFrame:
    return ents[(ents["founded"] <= date) & (ents["closed"].isna() | (ents["closed"] > date))]


def _alive_in(r: Any, year: int) -> pd.DataFrame:
    ey = r.enterprise_years
    return ey[(ey["year"] == year) & ey["alive"]]


def member_earnings(r: Any, year: int) -> float:
    """Mean monthly earnings of the members active in ``year`` [US$/month]."""
    my = r.member_years
    return float(my.loc[my["year"] == year, "monthly_earnings"].mean())


def household_income_share(r: Any, year: int) -> float:
    """Mean share of household income that members' earnings make in ``year``."""
    my = r.member_years
    return float(my.loc[my["year"] == year, "household_income_share"].mean())


def share_at_least_half_income(r: Any, year: int) -> float:
    """Share of members whose earnings are at least half their household's income."""
    my = r.member_years
    return float((my.loc[my["year"] == year, "household_income_share"] >= 0.5).mean())


def share_sole_income(r: Any, year: int) -> float:
    """Share of members paid in ``year`` whose earnings are their household's only income (no
    other income: household_income_share 1); HA2010 report 6 %."""
    my = r.member_years
    rows = my[(my["year"] == year) & (my["monthly_earnings"] > 0)]
    return float((rows["household_income_share"] >= 1.0).mean()) if len(rows) else float("nan")


def core_members_per_unit(r: Any, year: int) -> float:
    """Core members per unit open at the end of ``year``."""
    return float(_alive_in(r, year)["core_members"].mean())


def participants_per_unit(r: Any, year: int) -> float:
    """Core members plus employees (including casual workers) per open unit."""
    rows = _alive_in(r, year)
    return float((rows["core_members"] + rows["employees"]).mean())


def share_loans_repaid(r: Any, date: str) -> float:
    """Share of units open at ``date`` that had repaid their formation loan by then."""
    d = _month(date)
    rows = _open_at(r.enterprises, d)
    return float((rows["loan_repaid"] <= d).mean())


def share_further_loans(r: Any, date: str) -> float:
    """Share of units open at ``date`` that had taken a further loan by then."""
    d = _month(date)
    rows = _open_at(r.enterprises, d)
    return float((rows["further_loan"] <= d).mean())


def pcs_of_units_aged(r: Any, year: int, min_years: float, max_years: float) -> float:
    """Working PCs of units whose age at the end of ``year`` lies in [min_years, max_years]."""
    rows = _alive_in(r, year).merge(r.enterprises[["enterprise_id", "founded"]],
                                    on="enterprise_id")
    age = (pd.Timestamp(f"{year}-12-31") - rows["founded"]).dt.days / 365.25
    sel = rows[(age >= min_years) & (age <= max_years)]
    return float(sel["working_pcs"].mean()) if len(sel) else float("nan")


def share_marketing(r: Any, year: int) -> float:
    """Share of units open at the end of ``year`` that market themselves."""
    return float(_alive_in(r, year)["markets_self"].mean())


def share_paid_late(r: Any, date: str) -> float:
    """Share of units open at ``date`` that had been paid late at least once by then."""
    d = _month(date)
    rows = _open_at(r.enterprises, d)
    return float((rows["first_paid_late"] <= d).mean())


def share_oldest_older_than(r: Any, date: str, sample: int, years: float) -> float:
    """Among the ``sample`` oldest units open at ``date``, the share older than ``years``."""
    d = _month(date)
    rows = _open_at(r.enterprises, d).sort_values(["founded", "enterprise_id"]).head(sample)
    return float((rows["founded"] <= d - pd.DateOffset(months=round(12 * years))).mean())


def closures_by_reason(r: Any, reason: str, date: str) -> float:
    """Units closed for ``reason`` by ``date``."""
    ents = r.enterprises
    return float(((ents["closure_reason"] == reason) & (ents["closed"] <= _month(date))).sum())


def unit_revenues(r: Any, line: str, year: int) -> np.ndarray:
    """Yearly revenue of each unit of ``line`` that was open all of ``year``."""
    rows = _alive_in(r, year).merge(r.enterprises[["enterprise_id", "line", "founded"]],
                                    on="enterprise_id")
    rows = rows[(rows["line"] == line) & (rows["founded"] <= pd.Timestamp(f"{year}-01-01"))]
    return rows["revenue"].to_numpy(dtype=float)


def units_founded(r: Any, by: str) -> float:
    """Units formed up to and including month ``by``."""
    return float((r.enterprises["founded"] <= _month(by)).sum())


def line_split_gap(r: Any, by: str, expected: dict[str, int]) -> float:
    """Largest gap between units formed per line by ``by`` and the expected counts."""
    ents = r.enterprises
    counts = ents[ents["founded"] <= _month(by)]["line"].value_counts()
    return float(max(abs(int(counts.get(k, 0)) - v) for k, v in expected.items()))


def units_open(r: Any, date: str) -> float:
    """Units open at ``date``."""
    return float(len(_open_at(r.enterprises, _month(date))))


def share_public_orders_won(r: Any, year: int) -> float:
    """Share of the public orders issued in ``year`` that units won."""
    ts = r.timeseries
    y = ts["date"].dt.year
    if not (y == year).any():
        return float("nan")
    end = ts[y == year].iloc[-1]
    before = ts[y < year]
    start = before.iloc[-1] if len(before) else None
    won = end["public_orders_won"] - (start["public_orders_won"] if start is not None else 0)
    issued = end["public_orders"] - (start["public_orders"] if start is not None else 0)
    return float(won / issued) if issued else float("nan")


METRICS: dict[str, Callable[..., Any]] = {
    f.__name__: f
    for f in (member_earnings, household_income_share, share_at_least_half_income,
              share_sole_income,
              core_members_per_unit, participants_per_unit, share_loans_repaid,
              share_further_loans, pcs_of_units_aged, share_marketing, share_paid_late,
              share_oldest_older_than, closures_by_reason, unit_revenues, units_founded,
              line_split_gap, units_open, share_public_orders_won)
}


def measure(r: Any, patterns: list[Pattern]) -> dict[str, Any]:
    """Every pattern's metric on one run (a scalar, or an array for distribution checks)."""
    return {p.id: METRICS[p.metric](r, **p.args) for p in patterns}


# --------------------------------------------------------------------------- replications
def _measure_one(args: tuple[Scenario, int, list[Pattern]]) -> dict[str, Any]:
    from sim import run

    scenario, seed, patterns = args
    return measure(run(scenario, seed=seed), patterns)


def run_replications(scenario: Scenario, patterns: list[Pattern], reps: int, root_seed: int,
                     workers: int | None = None,
                     draws: list[dict[str, float]] | None = None) -> list[dict[str, Any]]:
    """Measure every pattern on ``reps`` seeded runs (in a process pool when workers > 1), in
    the seeds' order. With posterior ``draws`` (``runmany.posterior_draws``), replication k
    runs with draw k's parameter values (so ``reps`` is ``len(draws)``)."""
    if draws:
        reps = len(draws)
    seeds = replication_seeds(root_seed, reps)
    scenarios = with_posterior(scenario, draws) if draws else [scenario] * reps
    jobs = [(sc, s, patterns) for sc, s in zip(scenarios, seeds, strict=True)]
    workers = min(reps, workers or os.cpu_count() or 1)
    return run_in_order(_measure_one, jobs, workers=workers)


@dataclass
class PatternReport:
    """The pattern table and the share of patterns met."""

    table: pd.DataFrame
    reps: int
    root_seed: int

    @property
    def share_met(self) -> float:
        return float(self.table["met"].mean())

    def to_json(self) -> dict[str, Any]:
        return {"reps": self.reps, "root_seed": self.root_seed, "share_met": self.share_met,
                "patterns": self.table.replace({np.nan: None}).to_dict(orient="records")}


def judge(patterns: list[Pattern], results: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per pattern: observed, model mean and 90 % interval, and whether it is met."""
    rows = []
    for p in patterns:
        values = [res[p.id] for res in results]
        if p.check == "in_distribution":
            pooled = np.concatenate([np.atleast_1d(v) for v in values]) if values else np.array([])
            pooled = pooled[np.isfinite(pooled)]
            lo, hi = (np.quantile(pooled, [0.05, 0.95]) if len(pooled) else (np.nan, np.nan))
            mean = float(np.mean(pooled)) if len(pooled) else np.nan
            met = bool(len(pooled) and lo <= p.observed <= hi)
            band = f"observed within model 5-95 % of units [{lo:,.0f}, {hi:,.0f}]"
        else:
            arr = np.asarray(values, dtype=float)
            arr = arr[np.isfinite(arr)]
            mean = float(arr.mean()) if len(arr) else np.nan
            lo, hi = (np.quantile(arr, [0.05, 0.95]) if len(arr) else (np.nan, np.nan))
            if p.check == "mean_within":
                met = bool(abs(mean - p.observed) <= p.tolerance + 1e-12)
                band = f"{p.observed:g} +- {p.tolerance:g}"
            elif p.check == "at_least":
                met = bool(mean >= p.observed - p.tolerance - 1e-12)
                band = f">= {p.observed - p.tolerance:g}"
            else:
                met = bool(mean <= p.observed + p.tolerance + 1e-12)
                band = f"<= {p.observed + p.tolerance:g}"
        rows.append({"pattern": p.id, "level": p.level, "measures": p.measures,
                     "observed": p.observed, "model_mean": mean, "model_p05": float(lo),
                     "model_p95": float(hi), "target": band, "met": met, "source": p.source})
    return pd.DataFrame(rows)


def check_patterns(scenario: Scenario, reps: int = 30, root_seed: int = 0,
                   workers: int | None = None,
                   patterns: list[Pattern] | None = None,
                   draws: list[dict[str, float]] | None = None) -> PatternReport:
    """Run ``reps`` replications of ``scenario`` (or one per posterior draw in ``draws``: the
    bands then hold parameter and stochastic uncertainty) and judge every pattern."""
    patterns = patterns if patterns is not None else load_patterns()
    results = run_replications(scenario, patterns, reps, root_seed, workers, draws)
    return PatternReport(judge(patterns, results), len(results), root_seed)


# --------------------------------------------------------------------------- distance
MISSING_PENALTY = 10.0
"""Distance term of a pattern a run cannot measure (no unit of the kind, say): as if it were
ten tolerances away. A stated choice, so a run that loses a whole kind of unit is far."""


def pattern_scale(p: Pattern) -> float:
    """The unit in which a pattern's miss is counted: its tolerance, or where the tolerance is
    0 (exact figures, distribution checks) a tenth of the observed figure, at least 1."""
    return p.tolerance if p.tolerance > 0 else max(abs(p.observed) * 0.1, 1.0)


def distance_terms(patterns: list[Pattern], measured: dict[str, Any]) -> dict[str, float]:
    """Each pattern's normalised distance on one run (``measure``'s output), in
    ``pattern_scale`` units: a two-sided pattern |model - observed| (so the run is drawn to the
    figure, not just into its band); a one-sided one how far it falls short of its bound (0
    when met); a distribution pattern how far the observed figure lies outside the run's 5-95 %
    of units."""
    out: dict[str, float] = {}
    for p in patterns:
        v = measured[p.id]
        if p.check == "in_distribution":
            arr = np.atleast_1d(np.asarray(v, dtype=float))
            arr = arr[np.isfinite(arr)]
            if not len(arr):
                out[p.id] = MISSING_PENALTY
                continue
            lo, hi = np.quantile(arr, [0.05, 0.95])
            gap = max(lo - p.observed, p.observed - hi, 0.0)
        else:
            m = float(v)
            if not np.isfinite(m):
                out[p.id] = MISSING_PENALTY
                continue
            if p.check == "mean_within":
                gap = abs(m - p.observed)
            elif p.check == "at_least":
                gap = max(p.observed - p.tolerance - m, 0.0)
            else:
                gap = max(m - p.observed - p.tolerance, 0.0)
        out[p.id] = float(gap / pattern_scale(p))
    return out


def distance(patterns: list[Pattern], measured: dict[str, Any]) -> float:
    """The normalised distance of one run to the field patterns: the sum of ``distance_terms``
    (what ``sosim calibrate`` minimises)."""
    return float(sum(distance_terms(patterns, measured).values()))
