"""Scenario discovery on a finished sweep: which regions of the parameter space make an outcome
fall below (or rise above) a threshold.

The runs whose outcome crosses the threshold are the *cases of interest*; PRIM, the Patient Rule
Induction Method (Friedman & Fisher 1999), as used for scenario discovery by Bryant & Lempert
(2010) and implemented in the EMA Workbench (Kwakkel 2017; ``ema_workbench.analysis.prim``),
peels the parameter space down to boxes where those cases are dense. Each box is described by
its limits on each parameter, its *coverage* (the share of all cases of interest inside it), its
*density* (the share of runs inside it that are cases of interest) and its number of runs.

Choices the analyst can change (each a ``discover`` argument, shown in the output):

- ``min_coverage``: from PRIM's peeling trajectory, the box kept is the densest that holds at
  least this share of the cases it started from (all cases for the first box, those outside the
  earlier boxes for the next; assumption: 0.5 by default, so that a box explains at least half);
- ``min_density``: PRIM looks for further boxes (in the runs outside the boxes already found)
  only while the last box found reaches this density, as the EMA Workbench's ``threshold`` did
  (0.8 by default there and here);
- ``max_boxes``, ``peel_alpha`` (share of runs peeled per step, PRIM's default 0.05) and
  ``mass_min`` (smallest share of runs a box may hold, PRIM's default 0.05).

Parameters with numbers are peeled as ranges; other parameters (e.g. the mission's withdrawal
month, with ``none`` for never) as sets of values. The inert ``dummy`` factor of sobol and morris
designs is left out.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.scenario import ScenarioError

NONE_LABEL = "none"
"""How a missing parameter value (the mission never withdraws) is shown to PRIM and printed."""


class DiscoverError(ScenarioError):
    """Bad input to scenario discovery (one line per problem, exit 2 on the command line)."""


@dataclass
class Limit:
    """A box's restriction on one parameter: a numeric range or a set of values."""

    parameter: str
    low: float | None = None
    high: float | None = None
    values: list[Any] | None = None
    """The parameter's values in the sweep that fall inside the box (sorted)."""
    categorical: bool = False

    def text(self) -> str:
        """The restriction as printed: ``2 – 8 (2, 4, 8)`` or ``one of 2002-01, 2004-01``."""
        if self.categorical:
            return "one of " + ", ".join(str(v) for v in self.values or [])
        rng = (_fmt(self.low) if self.low == self.high
               else f"{_fmt(self.low)} – {_fmt(self.high)}")
        if self.values is not None and 1 < len(self.values) <= 12:
            rng += " (" + ", ".join(_fmt(v) for v in self.values) + ")"
        return rng


@dataclass
class Box:
    """One box found by PRIM: its limits on the restricted parameters and its statistics."""

    number: int
    coverage: float
    density: float
    runs: int
    cases: int
    mass: float
    limits: list[Limit]
    trajectory: pd.DataFrame
    """PRIM's peeling and pasting trajectory (coverage, density, n, res_dim per step)."""
    chosen: int
    """The step of the trajectory this box is."""


@dataclass
class Discovery:
    """The result of ``discover``: the boxes and what they were found in."""

    folder: Path
    outcome: str
    direction: str  # "below" or "above"
    threshold: float
    runs: int
    cases: int
    parameters: list[str]
    boxes: list[Box] = field(default_factory=list)
    x: pd.DataFrame | None = None
    interest: np.ndarray | None = None
    y: np.ndarray | None = None
    """The outcome of each run (the rows of ``x``)."""
    settings: dict[str, float] = field(default_factory=dict)

    @property
    def question(self) -> str:
        return f"{self.outcome} {'<' if self.direction == 'below' else '>'} {_fmt(self.threshold)}"


def _fmt(v: Any) -> str:
    if isinstance(v, float | np.floating):
        if math.isnan(v):
            return "-"
        if float(v).is_integer():
            return f"{v:.0f}"
        return f"{v:.3g}"
    return str(v)


def load_inputs(folder: Path, outcome: str) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """The parameter table (one row per successful run), the outcome and the parameter names of
    a sweep folder; ``DiscoverError`` for a missing folder, unknown outcome or no runs."""
    folder = Path(folder)
    where = str(folder)
    if not folder.is_dir():
        raise DiscoverError([(where, "", "no such folder")])
    meta_file = folder / "sweep.json"
    if not meta_file.is_file() or not (folder / "runs").is_dir():
        raise DiscoverError([(where, "", "not a sweep folder (no sweep.json and runs/)")])
    meta = json.loads(meta_file.read_text())
    try:
        runs = pd.read_parquet(folder / "runs")
    except Exception as exc:  # noqa: BLE001 - an empty or broken dataset
        raise DiscoverError([(where, "runs", f"no runs recorded ({type(exc).__name__})")]) from None
    if len(runs) == 0:
        raise DiscoverError([(where, "runs", "no runs recorded")])
    runs = runs.sort_values("run", kind="stable").drop_duplicates("key")
    from analysis.sweep.spec import DUMMY

    params = [p for p in meta.get("parameters", []) if p != DUMMY and p in runs.columns]
    if not params:
        raise DiscoverError([(where, "sweep.json", "the sweep varies no parameter")])
    reserved = {"run", "point", "replication", "seed", "key", "status", "error", "wall_time_s",
                *meta.get("parameters", [])}
    outcomes = [c for c in runs.columns if c not in reserved
                and pd.api.types.is_numeric_dtype(runs[c])]
    if outcome not in outcomes:
        raise DiscoverError([(where, "--outcome",
                              f"unknown outcome {outcome!r}; this sweep kept "
                              f"{', '.join(outcomes) or 'none'}")])
    ok = runs[(runs["status"] == "ok") & runs[outcome].notna()]
    if len(ok) == 0:
        raise DiscoverError([(where, "runs", f"no successful run has a value of {outcome}")])
    x = pd.DataFrame(index=range(len(ok)))
    for p in params:
        col = ok[p].reset_index(drop=True)
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            x[p] = col.map(lambda v: NONE_LABEL if v is None or v != v else str(v)).astype(str)
        elif pd.api.types.is_integer_dtype(col):
            x[p] = col.astype("int64")
        else:
            x[p] = col.astype("float64")
    # a parameter with a single value cannot bound a box
    params = [p for p in params if x[p].nunique() > 1]
    return x[params], ok[outcome].astype(float).reset_index(drop=True), params


def _limits(prim_box: Any, i: int, box_init: pd.DataFrame, x: pd.DataFrame) -> list[Limit]:
    lims = prim_box.box_lims[i]
    out = []
    for p in x.columns:
        lo, hi = lims[p].iloc[0], lims[p].iloc[1]
        if isinstance(lo, set):
            if lo == box_init[p].iloc[0]:
                continue
            out.append(Limit(p, values=sorted(lo, key=str), categorical=True))
            continue
        if lo == box_init[p].iloc[0] and hi == box_init[p].iloc[1]:
            continue
        inside = sorted(v for v in pd.unique(x[p]) if lo <= v <= hi)
        out.append(Limit(p, low=float(lo), high=float(hi),
                         values=[float(v) for v in inside]))
    return out


def discover(folder: str | Path, outcome: str, below: float | None = None,
             above: float | None = None, min_coverage: float = 0.5, min_density: float = 0.8,
             max_boxes: int = 3, peel_alpha: float = 0.05, mass_min: float = 0.05) -> Discovery:
    """Find boxes of the sweep's parameter space where ``outcome`` is below ``below`` (or above
    ``above``) with PRIM (EMA Workbench). See the module docstring for the choices."""
    folder = Path(folder)
    if (below is None) == (above is None):
        raise DiscoverError([(str(folder), "--below/--above", "give exactly one threshold")])
    x, y, params = load_inputs(folder, outcome)
    if not params:
        raise DiscoverError([(str(folder), "parameters",
                              "every parameter has one value in the runs; nothing to peel")])
    direction, threshold = ("below", below) if below is not None else ("above", above)
    assert threshold is not None
    interest = (y < threshold if direction == "below" else y > threshold).to_numpy()
    cases = int(interest.sum())
    op = "<" if direction == "below" else ">"
    if cases == 0:
        raise DiscoverError([(str(folder), f"--{direction}",
                              f"no run has {outcome} {op} {_fmt(threshold)} (its range is "
                              f"{_fmt(y.min())} to {_fmt(y.max())})")])
    if cases == len(y):
        raise DiscoverError([(str(folder), f"--{direction}",
                              f"every run has {outcome} {op} {_fmt(threshold)}: there is no "
                              "region to tell apart")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the workbench warns about optional parallel back-ends
        from ema_workbench.analysis import prim

        algo = prim.Prim(x, interest.copy(), peel_alpha=peel_alpha, mass_min=mass_min)
        box_init = algo.box_init
        res = Discovery(folder, outcome, direction, float(threshold), len(y), cases, params,
                        x=x, interest=interest, y=y.to_numpy(float),
                        settings={"min_coverage": min_coverage, "min_density": min_density,
                                  "max_boxes": max_boxes, "peel_alpha": peel_alpha,
                                  "mass_min": mass_min})
        for number in range(1, max_boxes + 1):
            pbox = algo.find_box()
            if pbox is None:
                break
            traj = pbox.peeling_trajectory.reset_index(drop=True)
            # coverage is of all cases of interest; min_coverage is of those this box starts
            # from (all for the first box, those outside earlier boxes for the next)
            left = float(traj.loc[0, "k"]) or 1.0
            ok = traj[traj["k"] / left >= min_coverage]
            if ok.empty:
                ok = traj
            best = ok.sort_values(["density", "coverage"], ascending=False, kind="stable")
            i = int(best.index[0])
            if number > 1 and traj.loc[i, "density"] < min_density:
                break
            pbox.select(i)
            row = traj.loc[i]
            res.boxes.append(Box(number, float(row["coverage"]), float(row["density"]),
                                 int(row["n"]), int(row["k"]), float(row["n"]) / len(y),
                                 _limits(pbox, i, box_init, x), traj, i))
            if float(row["density"]) < min_density:
                break
    return res


# ----------------------------------------------------------------------------- the HTML page
def tradeoff_figure(d: Discovery) -> go.Figure:
    """The peeling trajectory of each box: coverage against density, the kept box marked."""
    fig = go.Figure()
    for b in d.boxes:
        t = b.trajectory
        fig.add_trace(go.Scatter(
            x=t["coverage"], y=t["density"], mode="lines+markers", name=f"box {b.number}",
            marker={"color": t["res_dim"], "colorscale": "Viridis", "size": 8,
                    "colorbar": {"title": "parameters<br>restricted"} if b.number == 1 else None,
                    "showscale": b.number == 1},
            customdata=np.stack([t.index, t["n"], t["res_dim"]], axis=1),
            hovertemplate="step %{customdata[0]}<br>coverage %{x:.2f}<br>density %{y:.2f}"
                          "<br>runs %{customdata[1]}<br>restricted %{customdata[2]}"
                          "<extra></extra>"))
        fig.add_trace(go.Scatter(
            x=[b.coverage], y=[b.density], mode="markers+text", name=f"box {b.number} kept",
            text=[f"box {b.number}"], textposition="top right",
            marker={"symbol": "star", "size": 16, "color": "crimson"}))
    fig.update_layout(title=f"PRIM peeling trade-off: {d.question}", xaxis_title="coverage",
                      yaxis_title="density", height=480, template="plotly_white",
                      legend={"orientation": "h", "y": -0.2})
    fig.update_xaxes(range=[0, 1.05])
    fig.update_yaxes(range=[0, 1.05])
    return fig


def box_figure(d: Discovery, b: Box) -> go.Figure:
    """The runs on the box's first two restricted parameters (cases of interest in red) with the
    box drawn; with one restricted parameter, the outcome against it and the threshold."""
    assert d.x is not None and d.interest is not None and d.y is not None
    num = [lim for lim in b.limits if not lim.categorical]
    dims = [lim.parameter for lim in b.limits][:2]
    x = d.x
    rng = np.random.default_rng(0)  # jitter only spreads overlapping grid points on the page

    def coord(p: str) -> np.ndarray:
        col = x[p]
        if pd.api.types.is_numeric_dtype(col):
            span = float(col.max() - col.min()) or 1.0
            jitter = 0.012 * span if col.nunique() <= 20 else 0.0
            return col.to_numpy(float) + rng.uniform(-jitter, jitter, len(col))
        return col.to_numpy()

    fig = go.Figure()
    if not dims:
        return fig
    px_ = coord(dims[0])
    py_ = coord(dims[1]) if len(dims) > 1 else d.y
    for flag, name, color in ((False, "other runs", "#9aa9b5"),
                              (True, f"{d.question}", "crimson")):
        m = d.interest == flag
        fig.add_trace(go.Scatter(x=px_[m], y=py_[m], mode="markers", name=name,
                                 marker={"color": color, "size": 6, "opacity": 0.7}))
    lims = {lim.parameter: lim for lim in num}
    if dims[0] in lims:
        a = lims[dims[0]]
        y0, y1 = (lims[dims[1]].low, lims[dims[1]].high) if len(dims) > 1 and dims[1] in lims \
            else (None, None)
        if y0 is not None and len(dims) > 1:
            fig.add_shape(type="rect", x0=a.low, x1=a.high, y0=y0, y1=y1,
                          line={"color": "black", "width": 2, "dash": "dash"})
        else:
            fig.add_vrect(x0=a.low, x1=a.high, line={"color": "black", "dash": "dash"},
                          fillcolor="rgba(0,0,0,0.04)")
    elif len(dims) > 1 and dims[1] in lims:
        a = lims[dims[1]]
        fig.add_hrect(y0=a.low, y1=a.high, line={"color": "black", "dash": "dash"},
                      fillcolor="rgba(0,0,0,0.04)")
    fig.update_layout(
        title=f"box {b.number}: coverage {b.coverage:.2f}, density {b.density:.2f}, "
              f"{b.runs} runs", xaxis_title=dims[0],
        yaxis_title=dims[1] if len(dims) > 1 else d.outcome, height=480,
        template="plotly_white", legend={"orientation": "h", "y": -0.2})
    if len(dims) == 1:
        fig.add_hline(y=d.threshold, line={"color": "crimson", "dash": "dot"},
                      annotation_text=f"threshold {_fmt(d.threshold)}")
    for axis, p in zip(("xaxis", "yaxis"), dims, strict=False):
        if not pd.api.types.is_numeric_dtype(x[p]):  # e.g. withdrawal months: not a date axis
            fig.update_layout({axis: {"type": "category",
                                      "categoryorder": "category ascending"}})
    return fig


def box_table(d: Discovery) -> pd.DataFrame:
    """Every box's limits and statistics, one row per restricted parameter (for the page and
    for a CSV)."""
    rows = []
    for b in d.boxes:
        for lim in b.limits or [Limit("(none)")]:
            rows.append({"box": b.number, "parameter": lim.parameter, "limits": lim.text(),
                         "coverage": round(b.coverage, 3), "density": round(b.density, 3),
                         "runs": b.runs, "cases of interest": b.cases})
    return pd.DataFrame(rows)


def write_html(d: Discovery, path: Path) -> Path:
    """An offline HTML page (plotly inlined): the trade-off, each box, and the box table."""
    import html

    from sim import atomic

    parts = [f"<h1>Scenario discovery: {html.escape(d.question)}</h1>",
             f"<p>{html.escape(str(d.folder))}: {d.cases} of {d.runs} runs are cases of interest "
             f"({d.cases / d.runs:.0%}). PRIM (EMA Workbench); settings: "
             + html.escape(", ".join(f"{k} {v:g}" for k, v in d.settings.items())) + ".</p>",
             "<p><b>Coverage</b>: the share of all cases of interest inside a box. "
             "<b>Density</b>: the share of a box's runs that are cases of interest.</p>"]
    from analysis.report.csvdata import csv_link

    figs = [("tradeoff", tradeoff_figure(d))] + [(f"box_{b.number}", box_figure(d, b))
                                                  for b in d.boxes]
    for i, (name, fig) in enumerate(figs):
        parts.append(fig.to_html(full_html=False, include_plotlyjs=(i == 0),
                                 include_mathjax=False, config={"displaylogo": False}))
        parts.append(f'<p style="text-align:right;font-size:.85em">{csv_link(name, fig)}</p>')
    parts.append(box_table(d).to_html(index=False, border=0, classes="tbl"))
    text = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(d.question)}</title><style>body{{font-family:system-ui,"
            "sans-serif;max-width:1100px;margin:0 auto;padding:12px 24px}table.tbl{"
            "border-collapse:collapse}table.tbl td,table.tbl th{border-bottom:1px solid #ddd;"
            "padding:4px 10px;text-align:left}</style></head><body>"
            + "".join(parts) + "</body></html>\n")
    atomic.write_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path
