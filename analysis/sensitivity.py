"""Global sensitivity of a finished sweep: Sobol' indices (first order S1 and total ST, from a
``sobol`` sweep; Saltelli et al. 2010, Jansen 1999 estimators as in SALib) or Morris elementary
effects (mu*, sigma; Morris 1991, Campolongo et al. 2007) with bootstrap confidence intervals.

Each outcome is averaged over a design point's successful replications before the analysis.
The sweep's inert ``dummy`` factor (see ``analysis.sweep``) gets indices too: its runs differ only
in their seed, so its index (upper confidence bound) is the noise floor, and a parameter counts
as an effect only when the lower bound of its index lies above it (Khorashadi Zadeh et al. 2017).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.sweep import DUMMY, SweepError, read_runs
from sim import atomic

INDICES = {"sobol": ("S1", "ST"), "morris": ("mu_star",)}


def _meta(out: Path) -> dict[str, Any]:
    f = out / "sweep.json"
    if not f.exists():
        raise SweepError([(str(out), "", "not a sweep folder (no sweep.json)")])
    meta = json.loads(f.read_text())
    if meta["design"] not in INDICES:
        raise SweepError([(str(out), "design", "sensitivity needs a sobol or morris sweep, "
                           f"this one is {meta['design']}")])
    return meta


def point_means(out: str | Path, outcomes: list[str] | None = None) -> pd.DataFrame:
    """Each outcome averaged over a design point's successful replications (index: point)."""
    out = Path(out)
    meta = _meta(out)
    runs = read_runs(out)
    if len(runs) < meta["runs"]:
        raise SweepError([(str(out), "", f"{len(runs)} of {meta['runs']} runs recorded; "
                           "finish the sweep (--resume) first")])
    kept = meta["spec"]["outcomes"]["summary"]
    alive = [c for c in runs.columns if c.startswith(("alive_", "units_alive_at_"))]
    names = outcomes or [*kept, *alive]
    bad = [n for n in names if n not in runs.columns]
    if bad:
        raise SweepError([(str(out), "--outcome", f"not an outcome of this sweep: {b}")
                          for b in bad])
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby("point")[names].mean()
    return means.reindex(range(meta["points"]))


def _check_tables(out: Path) -> None:
    """Raise ``SweepError`` (one line naming the file) when the design or a part of the runs
    does not read as Parquet (truncated or damaged), instead of an Arrow traceback."""
    from analysis.report.load import ReportError, read_parquet

    try:
        read_parquet(out / "design.parquet", columns=["point"])
        read_parquet(out / "runs", columns=["key"])
    except ReportError as exc:
        raise SweepError([(str(out), "", str(exc))]) from None


def analyse(out: str | Path, outcomes: list[str] | None = None, num_resamples: int = 1000,
            conf_level: float = 0.95, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """Sensitivity indices with confidence intervals, as a tidy table, and skipped outcomes.

    Columns: outcome, parameter, index, value, conf, low, high, noise_floor, effect.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    out = Path(out)
    meta = _meta(out)
    problem = meta["salib_problem"]
    names = problem["names"]
    _check_tables(out)
    design = pd.read_parquet(out / "design.parquet").sort_values("point")
    X = design[[f"u.{n}" for n in names]].to_numpy(dtype=float)
    Y = point_means(out, outcomes)
    rows: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    for outcome in Y.columns:
        y = Y[outcome].to_numpy(dtype=float)
        if np.isnan(y).any():
            skipped[outcome] = (f"{int(np.isnan(y).sum())} design point(s) without a value "
                                "(failed runs, or a date outside the horizon)")
            continue
        if np.ptp(y) == 0:
            skipped[outcome] = "the same at every design point"
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if meta["design"] == "sobol":
                si = sobol_analyze.analyze(
                    problem, y, calc_second_order=meta["spec"]["sobol"]["calc_second_order"],
                    num_resamples=num_resamples, conf_level=conf_level, seed=seed)
            else:
                si = morris_analyze.analyze(
                    problem, X, y, num_resamples=num_resamples, conf_level=conf_level,
                    num_levels=meta["spec"]["morris"]["num_levels"], seed=seed)
        for index in INDICES[meta["design"]]:
            for j, name in enumerate(names):
                value = float(si[index][j])
                conf = float(si[f"{index}_conf"][j])
                rows.append({"outcome": outcome, "parameter": name, "index": index,
                             "value": value, "conf": conf, "low": value - conf,
                             "high": value + conf})
            if meta["design"] == "morris":
                for j in range(len(names)):
                    rows[-len(names) + j]["sigma"] = float(si["sigma"][j])
    table = pd.DataFrame(rows)
    if table.empty:
        return table, skipped
    if meta["dummy"]:
        floor = (table[table["parameter"] == DUMMY].set_index(["outcome", "index"])["high"]
                 .rename("noise_floor"))
        table = table.join(floor, on=["outcome", "index"])
        table["effect"] = (table["low"] > table["noise_floor"]) & (table["parameter"] != DUMMY)
    else:
        table["noise_floor"] = np.nan
        table["effect"] = table["low"] > 0
    return table, skipped


def sensitivity_figure(table: pd.DataFrame, title: str = "Sensitivity") -> go.Figure:
    """Bar chart: one panel per outcome, a bar per parameter and index with its confidence
    interval; the dummy (noise) in grey and its upper bound as a dashed line."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    indices = list(dict.fromkeys(table["index"]))
    fig = make_subplots(rows=len(outcomes), cols=1, subplot_titles=outcomes,
                        vertical_spacing=min(0.08, 0.5 / max(len(outcomes), 1)))
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c"]
    for r, outcome in enumerate(outcomes, start=1):
        sub = table[table["outcome"] == outcome]
        for i, index in enumerate(indices):
            s = sub[sub["index"] == index]
            fig.add_trace(go.Bar(
                x=s["parameter"], y=s["value"], name=index, legendgroup=index,
                showlegend=r == 1,
                marker_color=[("#9e9e9e" if p == DUMMY else colours[i % 3])
                              for p in s["parameter"]],
                error_y={"type": "data", "array": s["conf"].to_numpy(), "visible": True},
            ), row=r, col=1)
            floor = s["noise_floor"].dropna()
            if len(floor):
                fig.add_hline(y=float(floor.iloc[0]), line_dash="dash", line_color=colours[i % 3],
                              opacity=0.6, row=r, col=1)
        fig.update_yaxes(title_text="index (-)" if indices[0] != "mu_star"
                         else "mu* (outcome units per range)", row=r, col=1)
    fig.update_layout(title=f"{title} (bars: 95% CI; dashed: dummy's upper bound = noise)",
                      barmode="group", template="plotly_white",
                      height=max(320, 260 * len(outcomes)), width=900)
    return fig


def write_outputs(table: pd.DataFrame, out: Path, html: Path | None = None,
                  title: str = "Sensitivity") -> tuple[Path, Path]:
    """Write the table as CSV and the chart as self-contained HTML (atomically)."""
    csv = out / "sensitivity.csv"
    html = html or out / "sensitivity.html"
    atomic.write_file(csv, lambda tmp: table.to_csv(tmp, index=False))
    fig = sensitivity_figure(table, title)
    atomic.write_file(html, lambda tmp: fig.write_html(tmp, include_plotlyjs=True))
    return csv, html
