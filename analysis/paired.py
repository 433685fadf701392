"""Replication-level comparisons: the paired difference between scenarios across common-random-
number pairs, with its t confidence interval, and the replications an interval of a given width
needs.

Replication ``k`` of every scenario of a comparison runs on the same seed, so run ``k`` of a
scenario and run ``k`` of the reference differ only where their parameters make them differ. The
difference of a per-run figure (10-year survival, units open at the end, ...) within each pair
is one independent observation of the scenario's effect; their mean estimates the effect and the
Student t interval of that mean (``scipy.stats.t``) says how well ``n`` pairs pin it down. Units
of one run share a market, so the run, not the unit, is the unit of analysis here: the interval
narrows with more replications towards the true effect of the model, not towards zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim import atomic

CONFIDENCE = 0.95
"""Level of the paired-difference intervals (two-sided)."""


@dataclass(frozen=True)
class PairedOutcome:
    """A per-run figure of runs.parquet compared across pairs: its column, what a reader calls
    it, its unit, and how a difference in it is written in a sentence."""

    column: str
    label: str
    unit: str
    points: bool = False  # a share: differences are written in percentage points


PAIRED_OUTCOMES: tuple[PairedOutcome, ...] = (
    PairedOutcome("survival_5y", "5-year survival", "share", points=True),
    PairedOutcome("survival_10y", "10-year survival", "share", points=True),
    PairedOutcome("units_alive_end", "units open at the end", "units"),
    PairedOutcome("units_founded", "units founded", "units"),
    PairedOutcome("mean_member_earnings_field_work", "mean member earnings, field-work year",
                  "US$/month"),
    PairedOutcome("mean_member_earnings_end", "mean member earnings, last month", "US$/month"),
    PairedOutcome("arrears_field_work_usd", "arrears at field work", "US$"),
    PairedOutcome("arrears_end_usd", "arrears at the end", "US$"),
)
"""The figures the paired-difference table compares, in its row order."""

OUTCOMES: dict[str, PairedOutcome] = {o.column: o for o in PAIRED_OUTCOMES}

HEADLINE = "survival_10y"
"""The headline difference (of the report's first sentence and of ``--reps auto``): 10-year
survival of all units."""

COLUMNS = ["scenario", "reference", "outcome", "label", "unit", "pairs", "mean_reference",
           "mean_scenario", "difference", "sd", "se", "low", "high", "half_width",
           "confidence"]
"""Columns of the paired-difference table (paired_differences.parquet / .csv)."""

FILE = "paired_differences"
"""Stem of the table's files in a comparison folder."""


def paired_interval(diffs: np.ndarray | pd.Series,
                    confidence: float = CONFIDENCE) -> tuple[float, float, float, float, float]:
    """Mean of the paired differences with its Student t interval: ``(mean, sd, se, low,
    high)``; NaN interval with fewer than two pairs (NaN pairs are left out)."""
    d = np.asarray(diffs, dtype=float)
    d = d[~np.isnan(d)]
    n = len(d)
    if n == 0:
        return (math.nan,) * 5
    mean = float(d.mean())
    if n < 2:
        return (mean, math.nan, math.nan, math.nan, math.nan)
    sd = float(d.std(ddof=1))
    se = sd / math.sqrt(n)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * se
    return (mean, sd, se, mean - half, mean + half)


def paired_differences(runs: pd.DataFrame, labels: list[str] | None = None,
                       outcomes: tuple[PairedOutcome, ...] = PAIRED_OUTCOMES,
                       confidence: float = CONFIDENCE) -> pd.DataFrame:
    """For each scenario against the first (the reference), per outcome: the mean over
    replications of (scenario - reference) in pairs sharing a replication (seed), its sd, se and
    t interval (``COLUMNS``). A pair where either run lacks the figure (e.g. no unit observed
    10 years) is left out; ``pairs`` counts those used."""
    labels = labels or list(pd.unique(runs["scenario"].astype(str)))
    rows: list[dict[str, object]] = []
    if len(labels) < 2:
        return pd.DataFrame(columns=COLUMNS)
    ref = labels[0]
    for lab in labels[1:]:
        for o in outcomes:
            if o.column not in runs:
                continue
            wide = runs.pivot_table(index="replication", columns="scenario", values=o.column,
                                    aggfunc="first", dropna=False)
            if ref not in wide or lab not in wide:
                continue
            pair = wide[[ref, lab]].astype(float).dropna()
            mean, sd, se, low, high = paired_interval(pair[lab] - pair[ref], confidence)
            rows.append({
                "scenario": lab, "reference": ref, "outcome": o.column, "label": o.label,
                "unit": o.unit, "pairs": len(pair),
                "mean_reference": float(pair[ref].mean()) if len(pair) else math.nan,
                "mean_scenario": float(pair[lab].mean()) if len(pair) else math.nan,
                "difference": mean, "sd": sd, "se": se, "low": low, "high": high,
                "half_width": (high - low) / 2, "confidence": confidence,
            })
    return pd.DataFrame(rows, columns=COLUMNS)


def headline_half_width(table: pd.DataFrame, outcome: str = HEADLINE) -> tuple[float, int]:
    """Half-width of the interval of ``outcome``'s difference, second scenario against the
    first, and the pairs it rests on (NaN, 0 when the table lacks it)."""
    rows = table[table["outcome"] == outcome]
    if rows.empty:
        return (math.nan, 0)
    r = rows.iloc[0]
    return (float(r["half_width"]), int(r["pairs"]))


def next_total(done: int, half_width: float, precision: float, batch: int,
               max_reps: int) -> int:
    """Replications to have after the next batch of an adaptive comparison: the number the
    interval's width suggests (half-width shrinks as 1/sqrt(n), so ``n (h / precision)^2``),
    at least one more batch and at most twice as many as done (a noisy early estimate of the
    spread neither stops a comparison early nor sends it to the maximum at once), never above
    ``max_reps``."""
    if math.isnan(half_width):
        want = done + batch
    else:
        want = math.ceil(done * (half_width / precision) ** 2)
    return min(max_reps, max(done + batch, min(2 * done, want)))


def _parts(o: PairedOutcome) -> tuple[str, str, str]:
    """How an amount of ``o`` is written: prefix, number format (of the absolute value, a share
    in percentage points) and suffix."""
    if o.points:
        return ("", "{:.1f}", " points")
    if o.unit == "US$":
        return ("US$ ", "{:,.0f}", "")
    if o.unit == "US$/month":
        return ("US$ ", "{:,.1f}", " a month")
    return ("", "{:,.1f}", f" {o.unit}" if o.unit else "")


def _num(o: PairedOutcome, v: float) -> str:
    return _parts(o)[1].format(abs(v) * (100 if o.points else 1))


def _amount(o: PairedOutcome, v: float) -> str:
    pre, _, post = _parts(o)
    return f"{pre}{_num(o, v)}{post}"


def _signed(o: PairedOutcome, v: float) -> str:
    if o.points:
        return f"{v * 100:+.1f}"
    if o.unit == "US$":
        return f"{v:+,.0f}"
    return f"{v:+,.1f}"


def interval_text(row: pd.Series) -> str:
    """A difference with its interval as the report shows it: ``-12.0 points (95 % CI -14.0 to
    -10.0, 30 pairs)``."""
    o = OUTCOMES.get(str(row["outcome"]), PairedOutcome(str(row["outcome"]), "", ""))
    unit = " points" if o.points else (f" {o.unit}" if o.unit not in ("", "share") else "")
    if math.isnan(float(row["difference"])):
        return "no pair has this figure"
    ci = ("no interval from one pair" if math.isnan(float(row["low"])) else
          f"{int(round(float(row['confidence']) * 100))} % CI {_signed(o, row['low'])} to "
          f"{_signed(o, row['high'])}")
    return f"{_signed(o, row['difference'])}{unit} ({ci}, {int(row['pairs'])} pairs)"


def sentence(row: pd.Series, pretty: dict[str, str] | None = None) -> str:
    """One sentence a policy reader understands for one row of the paired table, e.g. "Across
    30 paired replications, no spem lowers 10-year survival by 12.0 points (95 % CI 10.0 to
    14.0) against kerala baseline.\""""
    pretty = pretty or {}
    o = OUTCOMES.get(str(row["outcome"]), PairedOutcome(str(row["outcome"]),
                                                        str(row["outcome"]), ""))
    scn = pretty.get(str(row["scenario"]), str(row["scenario"]).replace("_", " "))
    ref = pretty.get(str(row["reference"]), str(row["reference"]).replace("_", " "))
    n = int(row["pairs"])
    d = float(row["difference"])
    if n == 0 or math.isnan(d):
        return (f"No run pair has {o.label} (the horizon may be too short), so the scenarios "
                f"cannot be compared on it.")
    what = f"Across {n} paired replication{'s' * (n != 1)} (common random numbers)"
    if d == 0 and (n < 2 or float(row["sd"]) == 0):
        return f"{what}, {scn} leaves {o.label} exactly as in {ref}."
    verb = "raises" if d > 0 else "lowers"
    if math.isnan(float(row["low"])):
        return f"{what}, {scn} {verb} {o.label} by {_amount(o, d)} against {ref}; one pair " \
               "gives no confidence interval."
    lo, hi = sorted((abs(float(row["low"])), abs(float(row["high"]))))
    pre, _, post = _parts(o)
    level = int(round(float(row["confidence"]) * 100))
    if float(row["low"]) <= 0 <= float(row["high"]):
        return (f"{what}, {scn} {verb} {o.label} by {_amount(o, d)} against {ref}, but the "
                f"{level} % confidence interval ({_signed(o, row['low'])} to "
                f"{_signed(o, row['high'])}{post}) includes no change.")
    return (f"{what}, {scn} {verb} {o.label} by {_amount(o, d)} ({level} % CI "
            f"{pre}{_num(o, lo)} to {_num(o, hi)}{post}) against {ref}.")


def write_table(table: pd.DataFrame, folder: Path) -> tuple[Path, Path]:
    """Write the paired table as ``folder/paired_differences.parquet`` and ``.csv`` (each
    atomically)."""
    pq, csv = folder / f"{FILE}.parquet", folder / f"{FILE}.csv"
    atomic.write_file(pq, lambda tmp: table.to_parquet(tmp, index=False))
    atomic.write_file(csv, lambda tmp: table.to_csv(tmp, index=False))
    return pq, csv
