"""What a sweep run can keep: the summary figures and monthly series by name, and the kept values
of one run (summary figures and units alive by line at chosen months)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.scenario import LINES, parse_year_month

if TYPE_CHECKING:
    from analysis.sweep.spec import Outcomes

# merge: SUMMARY_OUTCOMES and MONTHLY_COLUMNS become imports from sim.outputs

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


def alive_columns(o: Outcomes) -> list[str]:
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
