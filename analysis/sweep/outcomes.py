"""What a sweep run can keep: the summary figures and monthly series by name (declared once in
``sim.columns``, re-exported here), and the kept values of one run (summary figures and units
alive by line at chosen months)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.columns import MONTHLY_COLUMNS as MONTHLY_COLUMNS  # re-exported for the sweep
from sim.columns import SUMMARY_OUTCOMES as SUMMARY_OUTCOMES
from sim.scenario import LINES, parse_year_month

if TYPE_CHECKING:
    from analysis.sweep.spec import Outcomes

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
