"""A sweep's outcomes per design point, and the units alive over time."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import plots
from analysis.report.document import Section
from analysis.report.format import _lines, _pretty, _quantile_band, fmt_value, outcome_unit
from analysis.report.load import RunSet
from analysis.report.sections.common import _missing
from sim.scenario import LINES


def outcomes_section(rs: RunSet) -> Section:
    """A sweep's kept outcomes per design point (mean and 5-95 % over replications): every
    point, one column per swept parameter, rows in the parameters' numeric order, money as
    US$ 42,100 and shares as percentages."""
    from analysis.report.sections.sweep_effects import (
        factor,
        kept_outcomes,
        sweep_parameters,
    )

    sec = Section("outcomes", "Outcomes per design point")
    params = sweep_parameters(rs)
    cols = kept_outcomes(rs, params)
    if rs.meta.get("design") == "oat":  # a point is a lever moved alone: its label says which
        params = []
    if not cols:
        sec.note("The runs table keeps no numeric outcome.")
        return sec
    runs = rs.runs.reset_index(drop=True)
    levels = {p: factor(runs, p) for p in params}  # each point's own values, not bins
    g = runs.groupby("scenario", sort=False)
    rows, order = [], []
    for label, d in g:
        row: dict[str, Any] = {"design point": label.split(":")[0]} if params else \
            {"design point": label}
        rank = []
        for p in params:
            f = levels[p]
            v = f.level.iloc[d.index[0]]
            row[p] = v
            rank.append(f.order.index(v) if v in f.order else len(f.order))
        row["runs"] = len(d)
        for c in cols:
            v = pd.to_numeric(d[c], errors="coerce").dropna()
            unit = outcome_unit(c)
            row[_pretty(c)] = (
                "–" if v.empty else f"{fmt_value(v.mean(), unit)} "
                f"[{fmt_value(v.quantile(0.05), unit)}, {fmt_value(v.quantile(0.95), unit)}]"
            )
        rows.append(row)
        order.append(tuple(rank))
    table = pd.DataFrame(rows)
    table = table.iloc[sorted(range(len(rows)), key=lambda i: order[i])]
    sec.table("Kept outcomes: mean [5 %, 95 %] over replications", table,
              f"All {len(table)} design points, in the order of the parameters' values.")
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
