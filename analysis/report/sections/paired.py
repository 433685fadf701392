"""The comparison's answer: paired differences between scenarios across replications that share
their seeds (``analysis.paired``), with their confidence intervals."""

from __future__ import annotations

import pandas as pd

from analysis import paired as pr
from analysis.report.document import Section
from analysis.report.format import _pretty
from analysis.report.load import RunSet

HEADLINE_OUTCOMES = ("survival_10y", "survival_5y", "units_alive_end",
                     "mean_member_earnings_field_work", "arrears_end_usd")
"""Paired differences the report's "In brief" box lists."""


def headline_row(table: pd.DataFrame, scenario: str) -> pd.Series | None:
    """The row a scenario's sentence is about: 10-year survival, or the first outcome some
    pairs have when the horizon is too short for it (None when no row has pairs)."""
    rows = table[(table["scenario"] == scenario) & (table["pairs"] > 0)]
    for outcome in (pr.HEADLINE, *HEADLINE_OUTCOMES):
        hit = rows[rows["outcome"] == outcome]
        if len(hit):
            return hit.iloc[0]
    return None


def paired_section(rs: RunSet, headline: list[tuple[str, str]], brief: list[str]) -> Section:
    """Paired differences of each scenario against the first; adds the sentences of the "In
    brief" box (``brief``) and its lines (``headline``)."""
    sec = Section(
        "paired",
        "Paired differences between scenarios",
        "Replication k of every scenario runs on the same seed (common random numbers), so each "
        "pair of runs differs only where the scenarios' parameters make it differ. The table "
        "gives, for each scenario against the first, the mean over pairs of the difference in "
        "a per-run figure with its 95 % Student t confidence interval: the range of effects "
        "consistent with the replications run. The run, not the unit, is the unit of analysis "
        "(units of one run share a market); more replications narrow the interval around the "
        "model's effect, they do not make any effect 'significant'.",
    )
    table = pr.paired_differences(rs.runs, rs.labels)
    if table.empty:
        sec.note("One scenario only: nothing to compare.")
        return sec
    for lab in rs.labels[1:]:
        row = headline_row(table, lab)
        if row is not None:
            brief.append(pr.sentence(row))
    shown_rows = table[table["outcome"].isin(HEADLINE_OUTCOMES) & (table["pairs"] > 0)]
    for r in shown_rows.itertuples(index=False):
        headline.append((f"{r.label}, {_pretty(r.scenario)} - {_pretty(r.reference)}",
                         pr.interval_text(pd.Series(r._asdict()))))
    shown = pd.DataFrame({
        "scenario": table["scenario"].map(_pretty),
        "against": table["reference"].map(_pretty),
        "figure": table["label"],
        "unit": table["unit"],
        "pairs": table["pairs"],
        "mean, against": table["mean_reference"].round(3),
        "mean, scenario": table["mean_scenario"].round(3),
        "difference": table["difference"].round(3),
        "95 % CI": [("–" if pd.isna(lo) else f"{lo:.3f} to {hi:.3f}")
                    for lo, hi in zip(table["low"], table["high"], strict=True)],
    })
    sec.table(
        "Paired difference, scenario minus the first, per replication pair",
        shown,
        "Shares (survival) as fractions: 0.05 is 5 percentage points. A pair is left out of a "
        "figure when either run lacks it (no unit observed 5 or 10 years on a short horizon). "
        "The same table is in paired_differences.csv and .parquet in the comparison folder.",
    )
    return sec
