"""The data behind a report figure as CSV, so that every figure of the HTML report can be
downloaded as a table (``figure_csv``, ``csv_link``), and the CSV export of a sweep folder
(``export_csv``: the runs and the per-point summary)."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

BANDS = (0.05, 0.95)
"""The between-replication band of the per-point summary: the 5 % and 95 % quantiles of the
runs at a design point (the band the report draws)."""

_RUN_COLUMNS = ("run", "point", "replication", "seed", "key", "status", "error", "wall_time_s")


def _values(v: Any) -> list[Any] | None:
    """A trace attribute as a flat list, or None when it is not per-point data."""
    if v is None or isinstance(v, str | int | float | bool | dict):
        return None
    arr = np.asarray(v, dtype=object)
    if arr.ndim == 0:
        return None
    return [x.item() if isinstance(x, np.generic) else x for x in arr.ravel().tolist()]


def _axis(fig: go.Figure, ref: str | None, letter: str) -> Any:
    """The layout axis a trace's ``xaxis``/``yaxis`` reference names (``x2`` -> ``xaxis2``)."""
    key = f"{letter}axis{(ref or letter)[1:]}"
    return fig.layout[key] if key in fig.layout else None


def _panel_titles(fig: go.Figure) -> dict[tuple[str, str], str]:
    """The title of each subplot (make_subplots puts it centred above the subplot's domain),
    by (xaxis, yaxis) reference."""
    out: dict[tuple[str, str], str] = {}
    for t in fig.data:
        xref, yref = getattr(t, "xaxis", None) or "x", getattr(t, "yaxis", None) or "y"
        xa, ya = _axis(fig, xref, "x"), _axis(fig, yref, "y")
        if xa is None or ya is None or xa.domain is None or ya.domain is None:
            continue
        cx, top = (xa.domain[0] + xa.domain[1]) / 2, ya.domain[1]
        for ann in fig.layout.annotations or ():
            if (ann.xref == "paper" and ann.yref == "paper" and ann.x is not None
                    and ann.y is not None and abs(ann.x - cx) < 1e-6 and abs(ann.y - top) < 1e-6):
                out[(xref, yref)] = str(ann.text)
    return out


def _title(axis: Any) -> str:
    return str(axis.title.text) if axis is not None and axis.title and axis.title.text else ""


def figure_frame(fig: go.Figure) -> pd.DataFrame:
    """The figure's data in long form: one row per plotted value, with the trace's name (and
    its panel when the figure has several), x, y and, where the trace has them, z, text, error
    bars (``error_y``, ``error_y_minus``) and hover data (``customdata``). The x and y columns
    are named after the axes' title when the panels that have one share it."""
    frames = []
    several_axes = len({(getattr(t, "xaxis", None), getattr(t, "yaxis", None))
                        for t in fig.data}) > 1
    panels = _panel_titles(fig) if several_axes else {}
    for i, t in enumerate(fig.data):
        # a band's edge traces carry no name of their own but the group of the line they bound
        name = (getattr(t, "name", None) or getattr(t, "legendgroup", None) or f"trace {i}")
        cols: dict[str, list[Any]] = {}
        z = getattr(t, "z", None)
        if z is not None and np.asarray(z, dtype=object).ndim == 2:  # heatmap: a grid
            zz = np.asarray(z, dtype=object)
            xs = _values(getattr(t, "x", None)) or list(range(zz.shape[1]))
            ys = _values(getattr(t, "y", None)) or list(range(zz.shape[0]))
            cols["x"] = [xs[j] for _ in range(zz.shape[0]) for j in range(zz.shape[1])]
            cols["y"] = [ys[r] for r in range(zz.shape[0]) for _ in range(zz.shape[1])]
            cols["z"] = [x.item() if isinstance(x, np.generic) else x for x in zz.ravel()]
        else:
            for attr in ("x", "y", "z", "labels", "values", "text"):
                vals = _values(getattr(t, attr, None))
                if vals is not None:
                    cols[attr] = vals
            for axis in ("x", "y"):
                err = getattr(t, f"error_{axis}", None)
                if err is not None and err.array is not None:
                    cols[f"error_{axis}"] = _values(err.array) or []
                    if err.arrayminus is not None:
                        cols[f"error_{axis}_minus"] = _values(err.arrayminus) or []
            custom = getattr(t, "customdata", None)
            if custom is not None:
                arr = np.asarray(custom, dtype=object)
                if arr.ndim == 1:
                    cols["customdata"] = _values(arr) or []
                elif arr.ndim == 2:
                    for j in range(arr.shape[1]):
                        cols[f"customdata_{j}"] = _values(arr[:, j]) or []
        if not cols:
            continue
        n = max(len(v) for v in cols.values())
        df = pd.DataFrame({k: v + [None] * (n - len(v)) for k, v in cols.items()})
        df.insert(0, "trace", name)
        if several_axes:
            ref = (getattr(t, "xaxis", None) or "x", getattr(t, "yaxis", None) or "y")
            df.insert(1, "panel", panels.get(ref, f"{ref[0]}/{ref[1]}"))
        frames.append(df)
    if not frames:
        return pd.DataFrame({"trace": []})
    out = pd.concat(frames, ignore_index=True, sort=False)
    rename = {}
    for letter in ("x", "y"):
        refs = {getattr(t, f"{letter}axis", None) or letter for t in fig.data}
        titles = {_title(_axis(fig, r, letter)) for r in refs} - {""}  # often on one panel only
        if len(titles) == 1 and (title := titles.pop()) not in out.columns:
            rename[letter] = title
    return out.rename(columns=rename)


def figure_csv(fig: go.Figure) -> str:
    """``figure_frame`` as CSV text."""
    return figure_frame(fig).to_csv(index=False)


def csv_link(name: str, fig: go.Figure) -> str:
    """An HTML link that downloads the figure's data as ``<name>.csv`` (a data: URI, so it works
    offline and from a file opened on its own)."""
    data = base64.b64encode(figure_csv(fig).encode("utf-8")).decode("ascii")
    safe = html.escape(name, quote=True)
    return (f'<a class="csv" download="{safe}.csv" data-csv="{safe}" '
            f'href="data:text/csv;charset=utf-8;base64,{data}">data of this figure (CSV)</a>')


# ----------------------------------------------------------------------------- sweep export
def point_summary(runs: pd.DataFrame, parameters: list[str]) -> pd.DataFrame:
    """One row per design point: its parameter values, runs (all and ok), and for each numeric
    outcome its mean, standard deviation and 5-95 % band over the successful runs."""
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    params = [p for p in parameters if p in runs.columns]
    outcomes = [c for c in runs.columns if c not in _RUN_COLUMNS and c not in params
                and c != "scenario" and pd.api.types.is_numeric_dtype(runs[c])
                and not pd.api.types.is_bool_dtype(runs[c])]
    label = ["scenario"] if "scenario" in runs and "scenario" not in params else []
    first = runs.groupby("point", sort=True)[[*label, *params]].first()
    cols: dict[str, pd.Series] = {
        "runs": runs.groupby("point").size(),
        "runs_ok": ok.groupby("point").size().reindex(first.index, fill_value=0),
    }
    g = ok.groupby("point")
    for c in outcomes:
        cols[f"{c}_mean"] = g[c].mean()
        cols[f"{c}_sd"] = g[c].std()
        cols[f"{c}_p05"] = g[c].quantile(BANDS[0])
        cols[f"{c}_p95"] = g[c].quantile(BANDS[1])
    stats = pd.DataFrame(cols).reindex(first.index)
    return pd.concat([first, stats], axis=1).reset_index()


def export_csv(folder: str | Path, out: str | Path | None = None) -> list[Path]:
    """Write ``runs.csv`` (every run, as stored) and ``summary_by_point.csv``
    (``point_summary``) of a sweep or comparison folder into ``out`` (default ``DIR/export``);
    ``ScenarioError`` (one line) when the folder holds no runs."""
    from analysis.sweep.results import read_runs
    from sim import atomic
    from sim.scenario import ScenarioError

    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError([(str(folder), "", "no such folder")])
    if not (folder / "sweep.json").is_file() or not (folder / "runs").is_dir():
        raise ScenarioError([(str(folder), "", "not a sweep or comparison folder (no "
                              "sweep.json and runs/)")])
    try:
        runs = read_runs(folder)
    except Exception as exc:  # noqa: BLE001 - an empty or unreadable dataset
        raise ScenarioError([(str(folder), "runs", f"no runs recorded ({type(exc).__name__})")]) \
            from None
    if runs.empty:
        raise ScenarioError([(str(folder), "runs", "no runs recorded")])
    if "mission_withdraws" in runs:  # never withdrawing is the value "none", not an empty cell
        runs["mission_withdraws"] = runs["mission_withdraws"].astype(object).where(
            runs["mission_withdraws"].notna(), "none")
    meta = json.loads((folder / "sweep.json").read_text())
    params = list(meta.get("parameters", []))
    dest = Path(out) if out is not None else folder / "export"
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in (("runs.csv", runs), ("summary_by_point.csv", point_summary(runs, params))):
        text = df.to_csv(index=False)
        atomic.write_file(dest / name, lambda tmp, text=text: tmp.write_text(text,
                                                                             encoding="utf-8"))
        written.append(dest / name)
    return written
