"""Members' earnings and household income against the field figures; arrears and late payment."""

from __future__ import annotations

import numpy as np

from analysis import plots
from analysis.report.document import Section
from analysis.report.field import field_context, field_figure
from analysis.report.format import _quantile_band
from analysis.report.load import RunSet
from analysis.report.sections.common import _field_year, _missing


def earnings_section(rs: RunSet) -> Section:
    sec = Section("earnings", "Member earnings and household income")
    my = rs.table("member_years")
    year = _field_year(rs)
    earnings = field_figure("member_earnings")  # US$ a month
    share = field_figure("household_income_share")
    usd = f"US${earnings:g}"
    pct = f"{share * 100:.0f} %"
    if my is None or my.empty:
        _missing(sec, "the members' yearly records (member_years)")
    else:
        fw = my[my["year"] == year]
        if fw.empty:
            fw = my[my["year"] == my["year"].max()]
            year = int(my["year"].max())
        edges = np.arange(0, 155, 5.0)
        bins = plots.binned(fw["monthly_earnings"], fw["scenario"], edges)
        sec.fig(
            "earnings_distribution",
            plots.histogram(
                bins, "group", f"Member earnings in {year}, the field-work year",
                "monthly earnings (US$ a month; last bar: 150 or more)",
                reference=earnings, reference_label=f"field figure: {usd} a month",
            ),
            "Read where the bulk of members' monthly earnings lies against the dotted line at "
            f"the {usd} a month the women reported in 2005–06 (all replications pooled).",
        )
        bins = plots.binned(fw["household_income_share"], fw["scenario"],
                            np.linspace(0, 1, 21))
        sec.fig(
            "household_share_distribution",
            plots.histogram(
                bins, "group", f"Share of household income from the unit, {year}",
                "members' earnings as a share of household income (%)",
                reference=share, reference_label=f"field figure: {pct} on average",
                percent_x=True,
            ),
            "Read how much of their households' income the members bring home, against the "
            f"{pct} average of the field work (in just over a third of households it was half or "
            "more).",
        )
    ts = rs.table("timeseries")
    if ts is not None and {"mean_member_earnings", "household_income_share"} <= set(ts.columns):
        band = _quantile_band(ts, ["scenario", "date"], "mean_member_earnings")
        sec.fig(
            "earnings_over_time",
            plots.band_lines(
                band, "date", "median", "low", "high", "scenario",
                "Mean member earnings over time", "date (month)", "US$ a month",
                reference=earnings, reference_label=f"field figure {usd} (2005–06)",
            ),
            "See whether members' mean earnings rise or fall over the years, and how far they "
            f"are from the {usd} a month of the field work (median and 5–95 % band over runs).",
        )
        band = _quantile_band(ts, ["scenario", "date"], "household_income_share")
        fig = plots.band_lines(
            band, "date", "median", "low", "high", "scenario",
            "Share of household income from the unit over time", "date (month)",
            "mean share of household income (%)", reference=share,
            reference_label=f"field figure {pct} (2005–06)",
        )
        fig.update_yaxes(tickformat=".0%")
        sec.fig(
            "household_share_over_time", fig,
            "Follow the members' mean contribution to household income over time against "
            f"the {pct} found in the field work.",
        )
    return sec


def arrears_section(rs: RunSet) -> Section:
    sec = Section(
        "arrears", "Arrears and payment delays", field_context("paid_late"),
    )
    ts = rs.table("timeseries")
    if ts is None or not {"arrears", "units_alive", "units_in_arrears"} <= set(ts.columns):
        _missing(sec, "the monthly series of arrears, units in arrears and units alive")
    else:
        ts = ts.assign(
            arrears_per_unit=ts["arrears"] / ts["units_alive"].where(ts["units_alive"] > 0),
            share_in_arrears=ts["units_in_arrears"] / ts["units_alive"].where(
                ts["units_alive"] > 0),
        )
        band = _quantile_band(ts.dropna(subset=["arrears_per_unit"]), ["scenario", "date"],
                              "arrears_per_unit")
        sec.fig(
            "arrears_per_unit",
            plots.band_lines(
                band, "date", "median", "low", "high", "scenario",
                "Arrears owed to a unit", "date (month)", "arrears per open unit (US$)",
            ),
            "Read how much overdue money the average open unit is waiting for; a rising curve "
            "means clients pay later than the units can afford (median and 5–95 % band).",
        )
        band = _quantile_band(ts.dropna(subset=["share_in_arrears"]), ["scenario", "date"],
                              "share_in_arrears")
        fig = plots.band_lines(
            band, "date", "median", "low", "high", "scenario",
            "Units waiting for overdue payments", "date (month)",
            "share of open units with arrears (%)", yrange=(0, 1.02),
        )
        fig.update_yaxes(tickformat=".0%")
        sec.fig(
            "share_in_arrears", fig,
            "Read the share of open units that are owed overdue money each month.",
        )
    ents = rs.table("enterprises")
    if ents is not None and {"paid_late", "pawned_gold"} <= set(ents.columns):
        per_run = (
            ents.groupby(["scenario", "replication"])[["paid_late", "pawned_gold"]]
            .mean()
            .reset_index()
            .melt(["scenario", "replication"], var_name="what", value_name="share")
        )
        per_run["what"] = per_run["what"].map(
            {"paid_late": "ever paid late", "pawned_gold": "members pawned gold"}
        )
        b = _quantile_band(per_run, ["scenario", "what"], "share")
        sec.fig(
            "late_payment_consequences",
            plots.bars_with_intervals(
                b, "what", "median", "low", "high", "scenario",
                "Units paid late and units whose members pawned gold",
                "what happened to the unit (ever, by the end of the run)",
                "share of units ever founded (%)", percent=True,
            ),
            "Compare how many units were ever paid late and how many had members pawn gold to "
            "bridge a cash gap (median over runs, whiskers 5–95 %).",
        )
    return sec
