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
    sec = Section(
        "alive", "Units open and viable over time",
        "Open is not viable: a unit is viable in a month when it is open and its members' mean "
        "pay over the viability window (closure.viability_window_months) is at least the "
        "mission's floor of Rs 1,500 per member per month (closure.viable_usd_per_member_month)."
    )
    ts = rs.table("timeseries")
    if ts is None:
        _missing(sec, "the monthly series (timeseries)")
        return sec
    cols = [f"alive_{line}" for line in LINES if f"alive_{line}" in ts]
    if not cols:
        _missing(sec, "the monthly counts of units alive by line")
        return sec
    viable = [f"viable_{line}" for line in LINES if f"viable_{line}" in ts]
    long = ts.melt(["scenario", "replication", "date"], cols + viable, var_name="series",
                   value_name="n")
    long["status"] = long["series"].str.split("_").str[0].map({"alive": "open",
                                                               "viable": "viable"})
    long["line"] = _lines(long["series"].str.split("_", n=1).str[1])
    band = _quantile_band(long, ["scenario", "status", "line", "date"], "n")
    sec.fig(
        "units_alive_by_line",
        plots.band_lines(
            band, "date", "median", "low", "high", "scenario",
            "Units open and viable by line of business", "date (month)", "units",
            facet="line", dash="status" if viable else None,
        ),
        "Follow each line's count of open units month by month"
        + (" (solid) and of those that are viable (dashed): the gap is the units that stay "
           "open while paying their members less than the mission's floor" if viable else "")
        + "; the line is the median and the band the 5–95 % range across replications, so a "
        "band that widens means runs disagree.",
    )
    by_age = _viable_by_age(rs)
    if by_age is not None and not by_age.empty:
        fig = plots.band_lines(
            by_age, "age", "median", "low", "high", "scenario",
            "Units still open and viable, by years since founding", "years since founding",
            "share of units open and viable", facet="line", yrange=(0, 1.02),
        )
        fig.update_yaxes(tickformat=".0%")
        sec.fig(
            "viable_by_age",
            fig,
            "Read, for each line, the share of the units founded that are open and viable at "
            "the end of each year of their life (whole years since founding at the year's end; "
            "a unit counts once it has reached that age within the run). Unlike survival, a "
            "unit can leave and re-enter viability; the line is the median over replications "
            "and the band the 5–95 % range.",
        )
    return sec


def _viable_by_age(rs: RunSet) -> pd.DataFrame | None:
    """Share of units open and viable at each year's end, by whole years since founding and
    line: median and 5-95 % band over replications (None without the yearly panel)."""
    ents = rs.table("enterprises")
    ey = rs.table("enterprise_years")
    if ents is None or ey is None or ents.empty or ey.empty or "viable" not in ey:
        return None
    run = ["scenario", "replication"]
    e = ents.loc[ents["founded"].notna(), [*run, "enterprise_id", "line", "founded"]]
    e = e.join(ey.groupby(run)["year"].max().rename("last"), on=run).reset_index(drop=True)
    first = e["founded"].dt.year
    span = (e["last"] - first + 1).clip(lower=0).fillna(0).astype(int)
    rows = e.loc[e.index.repeat(span)].copy()
    rows["year"] = first.loc[rows.index] + rows.groupby(level=0).cumcount()
    months = (rows["year"] - first.loc[rows.index]) * 12 + 12 - rows["founded"].dt.month
    rows["age"] = (months // 12).astype(int)
    rows = rows.merge(ey[[*run, "enterprise_id", "year", "viable"]], how="left",
                      on=[*run, "enterprise_id", "year"])
    rows["viable"] = rows["viable"].astype("boolean").fillna(False).astype(float)
    rows["line"] = _lines(rows["line"])
    share = rows.groupby([*run, "line", "age"], observed=True)["viable"].mean().reset_index()
    return _quantile_band(share, ["scenario", "line", "age"], "viable")
