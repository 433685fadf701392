"""A one-factor-at-a-time sweep's answer: each lever's effect on 5- and 10-year survival by line
(``analysis.sweep.effects``), as a dot-and-whisker chart and a table."""

from __future__ import annotations

import pandas as pd

from analysis import plots
from analysis.report.document import Section
from analysis.report.load import RunSet
from analysis.sweep.effects import (
    GROUPS,
    HORIZONS,
    EffectsError,
    _pct,
    _pp,
    effects_table,
    lever_labels,
)


def effects_section(rs: RunSet) -> Section:
    """Each lever's effect on survival by line, replication by replication (oat sweeps)."""
    sec = Section(
        "effects",
        "Effects of each lever on survival (one factor at a time)",
        "Each row moves one factor from the baseline (or applies one case) and keeps the rest. "
        "A run gives one number per line: the share of its units, founded at least 5 (10) "
        "years before the run's end, still open 5 (10) years after founding. The unit of "
        "analysis is the replication (units of one run share a market): dots are means over "
        "replications, thick whiskers the 95 % t interval of that mean, thin grey whiskers "
        "the 5-95 % range of the runs. Red: the change against the baseline (paired by "
        "replication, same seeds) is below zero with 95 % confidence; blue: above; grey: "
        "not distinguishable.",
    )
    try:
        t = effects_table(rs.runs)
    except EffectsError as exc:
        sec.note(f"Not shown: {exc}.")
        return sec
    t["label"] = lever_labels([str(f) for f in t["factor"]], [str(lv) for lv in t["level"]])
    facets = [g for g in GROUPS if g in set(t["line"])]
    sec.fig(
        "effects_survival_by_line",
        plots.effect_dots(t, "Survival by line: each lever moved alone", facets,
                          [h for h in HORIZONS if h in set(t["horizon_years"])]),
        "Read each panel from the dotted line (the baseline): a dot left of it means that "
        "lever shortens the life of that line's units; a red dot means the change is clear "
        "of replication noise.",
    )
    for h in HORIZONS:
        d = t[t["horizon_years"] == h]
        if d.empty:
            continue
        rows = []
        for _, g in d.groupby("point", sort=True):
            row = {"lever": g["label"].iloc[0], "replications": int(g["n"].max())}
            for line in facets:
                r = g[g["line"] == line]
                if r.empty:
                    continue
                r = r.iloc[0]
                row[f"{line.replace('_', ' ')} %"] = (
                    f"{_pct(r['mean'])} [{_pct(r['low'])}, {_pct(r['high'])}]")
                if g["factor"].iloc[0] != "baseline":
                    row[f"{line.replace('_', ' ')} Δ pp"] = (
                        f"{_pp(r['delta'])} [{_pp(r['delta_low'])}, {_pp(r['delta_high'])}]")
            rows.append(row)
        sec.table(f"{h}-year survival by line: mean [95 % interval] and change against the "
                  "baseline", pd.DataFrame(rows).fillna("–"))
    return sec
