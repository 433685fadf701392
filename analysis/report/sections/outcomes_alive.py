"""A sweep's outcomes per design point, and the units alive over time."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import plots
from analysis.report.document import Section
from analysis.report.format import _lines, _pretty, _quantile_band
from analysis.report.load import RunSet
from analysis.report.sections.common import _missing
from sim.scenario import LINES


def outcomes_section(rs: RunSet) -> Section:
    """A sweep's kept outcomes per design point (mean and 5-95 % over replications)."""
    sec = Section("outcomes", "Outcomes per design point")
    skip = {"run", "point", "replication", "seed", "wall_time_s"}
    design = rs.meta.get("_design")
    params = set(design.columns) if design is not None else set()
    cols = [c for c in rs.runs.columns if c not in skip and c not in params
            and pd.api.types.is_numeric_dtype(rs.runs[c])]
    if not cols:
        sec.note("The runs table keeps no numeric outcome.")
        return sec
    g = rs.runs.groupby("scenario", sort=False)
    rows = []
    for label, d in g:
        row: dict[str, Any] = {"design point": label, "runs": len(d)}
        for c in cols:
            v = pd.to_numeric(d[c], errors="coerce").dropna()
            row[_pretty(c)] = (
                "–" if v.empty else f"{v.mean():,.3g} [{v.quantile(0.05):,.3g}, "
                f"{v.quantile(0.95):,.3g}]"
            )
        rows.append(row)
    sec.table("Kept outcomes: mean [5 %, 95 %] over replications", pd.DataFrame(rows))
    return sec


def alive_section(rs: RunSet) -> Section:
    sec = Section("alive", "Units alive over time")
    ts = rs.table("timeseries")
    if ts is None:
        _missing(sec, "the monthly series (timeseries)")
        return sec
    cols = [f"alive_{line}" for line in LINES if f"alive_{line}" in ts]
    if not cols:
        _missing(sec, "the monthly counts of units alive by line")
        return sec
    long = ts.melt(["scenario", "replication", "date"], cols, var_name="line", value_name="n")
    long["line"] = _lines(long["line"].str.removeprefix("alive_"))
    band = _quantile_band(long, ["scenario", "line", "date"], "n")
    sec.fig(
        "units_alive_by_line",
        plots.band_lines(
            band, "date", "median", "low", "high", "scenario",
            "Units alive by line of business", "date (month)", "units open",
            facet="line",
        ),
        "Follow each line's count of open units month by month; the line is the median and the "
        "band the 5–95 % range across replications, so a band that widens means runs disagree.",
    )
    return sec
