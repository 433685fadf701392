"""Age and value of the units' IT assets and their reinvestment; members and employees per unit."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis import plots
from analysis import survival as sv
from analysis.report.document import Section
from analysis.report.field import field_figure, in_words
from analysis.report.format import _lines, _quantile_band
from analysis.report.load import RunSet
from analysis.report.sections.common import _ends, _missing
from sim.scenario import Assets, Formation, Scenario, month_index

# where a folder keeps no resolved scenario, the model's own defaults (sim.scenario)
DEFAULT_ASSETS = Assets()
DEFAULT_START = Scenario.model_fields["start"].default
FOUNDING_MEMBERS = Formation.model_fields["founding_members"].default


def assets_section(rs: RunSet) -> Section:
    sec = Section(
        "assets", "Age of IT assets and reinvestment",
        "PCs lose value by declining-balance depreciation (near zero within about five years), "
        "so units must set money aside to replace them.",
    )
    ey = rs.table("enterprise_years")
    if ey is None or ey.empty:
        _missing(sec, "the units' yearly records (enterprise_years)")
    else:
        d = ey[ey["alive"] & (ey["working_pcs"] > 0)].copy()
        ages = []
        for lab, g in d.groupby("scenario"):
            a = (rs.scenarios.get(lab) or {}).get("assets") or {}
            start = (rs.scenarios.get(lab) or {}).get("start", DEFAULT_START)
            price0 = float(a.get("pc_price_usd", DEFAULT_ASSETS.pc_price_usd))
            change = float(a.get("pc_price_annual_change", DEFAULT_ASSETS.pc_price_annual_change))
            rate = float(a.get("depreciation_rate", DEFAULT_ASSETS.depreciation_rate))
            december = g["year"].map(lambda y, s=str(start): month_index(f"{int(y)}-12", s))
            t_years = december / 12.0  # years from the start to December of each year
            price = price0 * (1 + change) ** t_years
            per_pc = g["asset_value"] / g["working_pcs"]
            ratio = (per_pc / price).clip(lower=1e-9)
            denom = math.log((1 - rate) / (1 + change)) if rate < 1 else -np.inf
            age = np.log(ratio) / denom if denom < 0 else np.nan
            ages.append(g.assign(pc_age=np.clip(age, 0, None)))
        if ages:
            d = pd.concat(ages)
            per_run = d.groupby(["scenario", "replication", "year"])["pc_age"].mean().reset_index()
            band = _quantile_band(per_run, ["scenario", "year"], "pc_age")
            sec.fig(
                "pc_age",
                plots.band_lines(
                    band, "year", "median", "low", "high", "scenario",
                    "Age of the units' PCs", "year", "mean equivalent age of working PCs (years)",
                ),
                "Read how old the working PCs of open units are on average; a curve that keeps "
                "climbing means units are not replacing worn-out machines (age implied by book "
                "value per PC under the scenario's depreciation and PC price trend).",
            )
        value = d.groupby(["scenario", "replication", "year"])["asset_value"].mean().reset_index()
        band = _quantile_band(value, ["scenario", "year"], "asset_value")
        sec.fig(
            "asset_value",
            plots.band_lines(
                band, "year", "median", "low", "high", "scenario",
                "Book value of a unit's IT assets", "year",
                "written-down value per open unit (US$)",
            ),
            "Read whether units keep the value of their equipment up by reinvesting, or let it "
            "depreciate toward zero (median and 5–95 % band across runs).",
        )
    ents = rs.table("enterprises")
    if ents is not None and "reinvested_usd" in ents:
        units = sv.unit_durations(ents, _ends(rs, ents))
        units = units[units["years"] > 0]
        units = units.assign(per_year=units["reinvested_usd"] / units["years"])
        units["line"] = _lines(units["line"])
        per_run = units.groupby(["scenario", "replication", "line"], observed=True)["per_year"]
        per_run = per_run.mean()
        b = _quantile_band(per_run.reset_index(), ["scenario", "line"], "per_year")
        sec.fig(
            "reinvestment",
            plots.bars_with_intervals(
                b, "line", "median", "low", "high", "scenario",
                "Reinvestment in IT assets by line of business", "line of business",
                "US$ spent on PCs per year open, per unit",
            ),
            "Compare how much a unit spends a year on new and replacement PCs in each line "
            "(median over runs, whiskers 5–95 %).",
        )
    return sec


def people_section(rs: RunSet) -> Section:
    core = field_figure("core_members_per_unit")
    participants = field_figure("participants_per_unit")
    sec = Section(
        "people", "Members and employees per unit",
        f"Units start with about {in_words(FOUNDING_MEMBERS)} women; members leave (marriage, "
        "another job) and are replaced by hired employees: at field work core members averaged "
        f"{core:g} and participants just over {int(participants)}.",
    )
    ts = rs.table("timeseries")
    need = {"units_alive", "core_members", "employees", "casual_workers"}
    if ts is None or not need <= set(ts.columns):
        _missing(sec, "the monthly series of members, employees and units alive")
        return sec
    alive = ts["units_alive"].where(ts["units_alive"] > 0)
    t = pd.DataFrame(
        {
            "scenario": ts["scenario"], "replication": ts["replication"], "date": ts["date"],
            "core members": ts["core_members"] / alive,
            "employees": ts["employees"] / alive,
            "casual workers": ts["casual_workers"] / alive,
        }
    ).melt(["scenario", "replication", "date"], var_name="who", value_name="per_unit")
    band = _quantile_band(t.dropna(), ["scenario", "who", "date"], "per_unit")
    sec.fig(
        "people_per_unit",
        plots.band_lines(
            band, "date", "median", "low", "high", "scenario",
            "Members and employees per open unit", "date (month)", "people per open unit",
            facet="who", reference=core, reference_label=f"field figure: {core:g} core members",
        ),
        "Read how many core members, employees and casual workers an open unit has; the dotted "
        f"line marks the {in_words(core)} core members found at field work.",
    )
    return sec
