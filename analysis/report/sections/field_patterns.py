"""The baseline's field patterns: the table of ``analysis.patterns`` or, where that cannot be
computed, the summary's field-work figures against Heeks & Arun (2010)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from analysis.report.document import Section
from analysis.report.field import field_figure
from analysis.report.format import _pretty
from analysis.report.load import RunSet

FIELD = {  # summary column -> (label, its pattern in analysis/patterns.yaml, unit, format)
    "mean_member_earnings_field_work": ("mean member earnings", "member_earnings", "US$/month",
                                        "{:.1f}"),
    "household_income_share_field_work": ("share of household income", "household_income_share",
                                          "", "{:.0%}"),
    "core_members_per_unit_field_work": ("core members per unit", "core_members_per_unit",
                                         "women", "{:.1f}"),
    "loans_repaid_share_field_work": ("initial loans repaid", "initial_loans_repaid", "",
                                      "{:.0%}"),
    "public_orders_won_share": ("public IT orders won by the units", "public_contracts_won", "",
                                "{:.0%}"),
}
"""The field figures (Heeks & Arun 2010) the summary carries a counterpart of."""


BASELINE_NAME = "kerala_baseline"


def patterns_section(rs: RunSet) -> Section:
    sec = Section(
        "patterns", "Field patterns (baseline)",
        "The baseline should reproduce the patterns observed in Kerala in 2005–06 (Heeks & "
        "Arun 2010).",
    )
    if rs.kind == "sweep":
        sec.note("A sweep varies the baseline, so no run set here is the baseline itself; run "
                 "'sosim patterns' for the pattern table.")
        return sec
    base = [lab for lab in rs.labels if lab == BASELINE_NAME
            or (rs.scenarios.get(lab) or {}).get("name") == BASELINE_NAME]
    if not base:
        sec.note(
            f"No run here is of the baseline scenario ({BASELINE_NAME}), so the pattern table "
            "is left out."
        )
        return sec
    lab = base[0]
    table = _patterns_table(rs, lab)
    if table is not None:
        sec.table(f"Patterns of {_pretty(lab)}: model against field figures", table,
                  "From analysis/patterns.yaml: observed figure, model mean and 5–95 % range "
                  "across replications, and whether the pattern is met.")
        return sec
    runs = rs.runs[rs.runs["scenario"] == lab]
    rows = []
    for col, (label, pattern, unit, fmt) in FIELD.items():
        observed = field_figure(pattern)
        if col not in runs:
            continue
        v = pd.to_numeric(runs[col], errors="coerce").dropna()
        if v.empty:
            continue
        rows.append(
            {
                "pattern": label,
                "unit": unit,
                "observed": fmt.format(observed),
                "model mean": fmt.format(v.mean()),
                "5–95 % across runs": f"{fmt.format(v.quantile(0.05))} – "
                f"{fmt.format(v.quantile(0.95))}",
                "runs": len(v),
            }
        )
    sec.table(f"Patterns of {_pretty(lab)}: model against field figures", pd.DataFrame(rows),
              "Field-work-year figures from each run's summary against the figures reported by "
              "Heeks & Arun (2010).")
    return sec


def _patterns_table(rs: RunSet, label: str) -> pd.DataFrame | None:
    """The table of ``analysis.patterns`` where that module is present and works."""
    try:
        from analysis import patterns as pt

        pats = pt.load_patterns()
        results = []
        for i in np.flatnonzero(rs.runs["scenario"].astype(str) == label):
            tables = rs.run_tables(int(i))
            if tables is None:
                return None
            results.append(pt.measure(SimpleNamespace(**tables), pats))
        if not results:
            return None
        t = pt.judge(pats, results)
    except Exception:  # noqa: BLE001 - fall back to the summary table
        return None
    keep = [c for c in ("pattern", "level", "observed", "model_mean", "model_p05", "model_p95",
                        "target", "met") if c in t]
    t = t[keep].copy()
    for c in ("observed", "model_mean", "model_p05", "model_p95"):
        if c in t:
            t[c] = t[c].map(lambda x: f"{x:,.3g}" if pd.notna(x) else "–")
    if "met" in t:
        t["met"] = t["met"].map({True: "yes", False: "no"})
    return t.rename(columns={"model_mean": "model mean", "model_p05": "model 5 %",
                             "model_p95": "model 95 %"})
