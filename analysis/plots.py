"""Figures for the report and for papers: each function takes tidy DataFrames and returns a plotly
figure with a title and axis labels carrying units. Nothing here runs the model or reads files;
``analysis.report`` prepares the frames.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#17becf"] + qualitative.Safe
TEMPLATE = "plotly_white"
WIDTH, HEIGHT = 900, 460


def colours(groups: Sequence[object]) -> dict[object, str]:
    """A fixed colour per group, in order of appearance."""
    return {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}


def _rgba(colour: str, alpha: float) -> str:
    c = colour.strip()
    if c.startswith("rgb("):
        return c.replace("rgb(", "rgba(").replace(")", f",{alpha})")
    if c.startswith("#") and len(c) == 7:
        r, g, b = (int(c[i : i + 2], 16) for i in (1, 3, 5))
        return f"rgba({r},{g},{b},{alpha})"
    return c


def _layout(fig: go.Figure, title: str, x: str, y: str, height: int = HEIGHT) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"},
        template=TEMPLATE,
        width=None,
        height=height,
        legend={"title": {"text": ""}},
        margin={"l": 70, "r": 20, "t": 80, "b": 60},
    )
    fig.update_xaxes(title_text=x)
    if fig._grid_ref is not None:  # subplots: label the first panel's axis only
        fig.update_yaxes(title_text=y, col=1)
    else:
        fig.update_yaxes(title_text=y)
    return fig


def _groups(df: pd.DataFrame, col: str | None) -> list[object]:
    if col is None or col not in df:
        return [None]
    return list(pd.unique(df[col].dropna()))


def _subplots(facets: list[object], shared_y: bool = True) -> go.Figure:
    n = len(facets)
    if n <= 1:
        return go.Figure()
    titles = [str(f).replace("_", " ") for f in facets]
    return make_subplots(
        rows=1, cols=n, shared_yaxes=shared_y, subplot_titles=titles, horizontal_spacing=0.04
    )


def _add(fig: go.Figure, trace: go.BaseTraceType, col: int, n: int) -> None:
    if n <= 1:
        fig.add_trace(trace)
    else:
        fig.add_trace(trace, row=1, col=col)


def band_lines(
    df: pd.DataFrame,
    x: str,
    y: str,
    low: str | None,
    high: str | None,
    colour: str | None,
    title: str,
    xlabel: str,
    ylabel: str,
    facet: str | None = None,
    step: bool = False,
    dash: str | None = None,
    reference: float | None = None,
    reference_label: str | None = None,
    yrange: tuple[float, float] | None = None,
    height: int = HEIGHT,
) -> go.Figure:
    """Lines of ``y`` against ``x`` per ``colour`` group (and ``dash`` group), each with a shaded
    band from ``low`` to ``high``, in one panel per ``facet`` value. ``step`` draws step
    functions (survival curves). ``reference`` adds a dotted horizontal line (a field figure)."""
    facets = _groups(df, facet)
    groups = _groups(df, colour)
    dashes = _groups(df, dash)
    cmap = colours(groups)
    dash_styles = ["solid", "dash", "dot", "dashdot"]
    dmap = {d: dash_styles[i % len(dash_styles)] for i, d in enumerate(dashes)}
    fig = _subplots(facets)
    shape = "hv" if step else "linear"
    shown: set[str] = set()
    for fi, fv in enumerate(facets, start=1):
        fdf = df if fv is None else df[df[facet] == fv]
        for g in groups:
            gdf = fdf if g is None else fdf[fdf[colour] == g]
            for dv in dashes:
                d = gdf if dv is None else gdf[gdf[dash] == dv]
                if d.empty:
                    continue
                d = d.sort_values(x)
                name = " / ".join(str(v).replace("_", " ") for v in (g, dv) if v is not None)
                name = name or ylabel
                col = cmap[g]
                if low is not None and high is not None:
                    _add(
                        fig,
                        go.Scatter(
                            x=d[x], y=d[high], mode="lines", line={"width": 0, "shape": shape},
                            showlegend=False, hoverinfo="skip", legendgroup=name,
                        ),
                        fi, len(facets),
                    )
                    _add(
                        fig,
                        go.Scatter(
                            x=d[x], y=d[low], mode="lines", line={"width": 0, "shape": shape},
                            fill="tonexty", fillcolor=_rgba(col, 0.18), showlegend=False,
                            hoverinfo="skip", legendgroup=name,
                        ),
                        fi, len(facets),
                    )
                _add(
                    fig,
                    go.Scatter(
                        x=d[x], y=d[y], mode="lines", name=name, legendgroup=name,
                        line={"color": col, "shape": shape, "width": 2, "dash": dmap[dv]},
                        showlegend=name not in shown,
                    ),
                    fi, len(facets),
                )
                shown.add(name)
    if reference is not None:
        fig.add_hline(
            y=reference, line={"dash": "dot", "color": "#444"},
            annotation_text=reference_label or f"{reference:g}", annotation_position="top left",
        )
    _layout(fig, title, xlabel, ylabel, height)
    if yrange is not None:
        fig.update_yaxes(range=list(yrange))
    return fig


def survival_curves(
    curves: pd.DataFrame,
    colour: str,
    title: str,
    facet: str | None = None,
    xlabel: str = "years since founding",
    ylabel: str = "share of units still open",
    y: str = "survival",
    yrange: tuple[float, float] | None = (0, 1.02),
) -> go.Figure:
    """Kaplan-Meier (or cumulative-incidence) step curves with their confidence bands."""
    fig = band_lines(
        curves, "years", y, "low", "high", colour, title, xlabel, ylabel, facet=facet, step=True,
        yrange=yrange,
    )
    fig.update_yaxes(tickformat=".0%")
    return fig


def histogram(
    bins: pd.DataFrame,
    colour: str,
    title: str,
    xlabel: str,
    ylabel: str = "share of members",
    reference: float | None = None,
    reference_label: str | None = None,
    percent_x: bool = False,
) -> go.Figure:
    """Pre-binned distributions (``left, right, share`` per ``colour`` group) as overlaid bars,
    with a dotted vertical line at a field figure."""
    fig = go.Figure()
    groups = _groups(bins, colour)
    cmap = colours(groups)
    for g in groups:
        d = bins if g is None else bins[bins[colour] == g]
        fig.add_trace(
            go.Bar(
                x=(d["left"] + d["right"]) / 2, y=d["share"], name=str(g).replace("_", " "),
                marker={"color": cmap[g]},
            )
        )
    fig.update_layout(barmode="group", bargap=0.05)
    if reference is not None:
        fig.add_vline(
            x=reference, line={"dash": "dot", "color": "#222", "width": 2},
            annotation_text=reference_label or f"{reference:g}", annotation_position="top right",
        )
    _layout(fig, title, xlabel, ylabel)
    fig.update_yaxes(tickformat=".0%")
    if percent_x:
        fig.update_xaxes(tickformat=".0%")
    return fig


def bars_with_intervals(
    df: pd.DataFrame,
    x: str,
    y: str,
    low: str,
    high: str,
    colour: str,
    title: str,
    xlabel: str,
    ylabel: str,
    percent: bool = False,
) -> go.Figure:
    """Grouped bars of ``y`` by ``x`` and ``colour`` with interval whiskers."""
    fig = go.Figure()
    groups = _groups(df, colour)
    cmap = colours(groups)
    for g in groups:
        d = df if g is None else df[df[colour] == g]
        fig.add_trace(
            go.Bar(
                x=[str(v).replace("_", " ") for v in d[x]], y=d[y], name=str(g).replace("_", " "),
                marker={"color": cmap[g]},
                error_y={"type": "data", "symmetric": False, "array": (d[high] - d[y]).clip(0),
                         "arrayminus": (d[y] - d[low]).clip(0), "color": "#333"},
            )
        )
    fig.update_layout(barmode="group")
    _layout(fig, title, xlabel, ylabel)
    if percent:
        fig.update_yaxes(tickformat=".0%")
    return fig


def stacked_bars(
    df: pd.DataFrame,
    x: str,
    y: str,
    stack: str,
    facet: str | None,
    title: str,
    xlabel: str,
    ylabel: str,
    order: Sequence[str] = (),
) -> go.Figure:
    """Bars of ``y`` by ``x``, stacked by ``stack``, one panel per ``facet`` value."""
    facets = _groups(df, facet)
    stacks = list(order) + [s for s in _groups(df, stack) if s not in order]
    cmap = colours(stacks)
    fig = _subplots(facets)
    for fi, fv in enumerate(facets, start=1):
        fdf = df if fv is None else df[df[facet] == fv]
        for s in stacks:
            d = fdf[fdf[stack] == s]
            _add(
                fig,
                go.Bar(
                    x=d[x], y=d[y], name=str(s).replace("_", " "), legendgroup=str(s),
                    marker={"color": cmap[s]}, showlegend=fi == 1,
                ),
                fi, len(facets),
            )
    fig.update_layout(barmode="stack", bargap=0.1)
    return _layout(fig, title, xlabel, ylabel)


def forest(hr: pd.DataFrame, title: str, xlabel: str = "hazard ratio of closure (log scale)"):
    """Hazard ratios with intervals, one row per covariate, on a log axis."""
    d = hr.iloc[::-1]
    labels = [str(c).replace("_", " ") for c in d["covariate"]]
    fig = go.Figure(
        go.Scatter(
            x=d["hazard_ratio"], y=labels, mode="markers",
            marker={"size": 10, "color": PALETTE[0]},
            error_x={"type": "data", "symmetric": False,
                     "array": d["high"] - d["hazard_ratio"],
                     "arrayminus": d["hazard_ratio"] - d["low"]},
            name="hazard ratio",
        )
    )
    fig.add_vline(x=1, line={"dash": "dot", "color": "#444"})
    _layout(fig, title, xlabel, "covariate", height=max(300, 90 + 60 * len(d)))
    fig.update_xaxes(type="log")
    return fig


def empty_figure(title: str, message: str) -> go.Figure:
    """A placeholder figure that says why there is nothing to draw."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, "", "", height=250)


def binned(values: pd.Series, groups: pd.Series, edges: np.ndarray) -> pd.DataFrame:
    """Share of values per bin per group (``group, left, right, share``), for ``histogram``."""
    rows = []
    for g in pd.unique(groups.dropna()):
        v = values[groups == g].dropna().to_numpy(dtype=float)
        v = np.clip(v, edges[0], edges[-1])
        counts, _ = np.histogram(v, bins=edges)
        share = counts / max(counts.sum(), 1)
        rows.append(pd.DataFrame({"group": g, "left": edges[:-1], "right": edges[1:],
                                  "share": share}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["group", "left", "right", "share"]
    )


def effect_dots(t: pd.DataFrame, title: str, facets: Sequence[str], rows: Sequence[int]
                ) -> go.Figure:
    """Dot-and-whisker chart of a one-factor-at-a-time sweep: a row per lever (``label``), a
    panel per line (column ``line``, in ``facets``) and horizon (``horizon_years``, in ``rows``).
    The dot is the mean over replications, the thick whisker its interval (``low``, ``high``),
    the thin grey one the 5-95 % band of the runs (``q05``, ``q95``); red where the paired
    change against the baseline (``delta_low``, ``delta_high``) is below zero, blue above, grey
    where the interval spans zero; a dotted line marks the baseline's mean."""
    labels = list(dict.fromkeys(t["label"]))
    fig = make_subplots(
        rows=len(rows), cols=len(facets), shared_yaxes=True, vertical_spacing=0.12,
        horizontal_spacing=0.03,
        subplot_titles=[f"{str(f).replace('_', ' ')}, {h}-year survival" for h in rows
                        for f in facets],
    )
    for i, h in enumerate(rows, start=1):
        for j, line in enumerate(facets, start=1):
            d = t[(t["horizon_years"] == h) & (t["line"] == line)].set_index("label")
            d = d.reindex(labels).dropna(subset=["mean"])
            if d.empty:
                continue
            colour = np.where(d["delta_high"] < 0, PALETTE[1],
                              np.where(d["delta_low"] > 0, PALETTE[0], "#555555"))
            fig.add_trace(go.Scatter(
                x=d["mean"], y=d.index, mode="markers", showlegend=False, hoverinfo="skip",
                marker={"size": 1, "color": "rgba(0,0,0,0)"},
                error_x={"type": "data", "symmetric": False, "array": d["q95"] - d["mean"],
                         "arrayminus": d["mean"] - d["q05"], "color": "#bbbbbb",
                         "thickness": 1, "width": 0},
            ), row=i, col=j)
            text = [f"{lab}: {m:.1%} [{lo:.1%}, {hi:.1%}]; change {dm:+.1%} "
                    f"[{dl:+.1%}, {dh:+.1%}]; n = {n}"
                    for lab, m, lo, hi, dm, dl, dh, n in zip(
                        d.index, d["mean"], d["low"], d["high"], d["delta"].fillna(0),
                        d["delta_low"].fillna(0), d["delta_high"].fillna(0), d["n"],
                        strict=True)]
            fig.add_trace(go.Scatter(
                x=d["mean"], y=d.index, mode="markers", showlegend=False, text=text,
                hovertemplate="%{text}<extra></extra>",
                marker={"size": 9, "color": colour},
                error_x={"type": "data", "symmetric": False,
                         "array": (d["high"] - d["mean"]).fillna(0),
                         "arrayminus": (d["mean"] - d["low"]).fillna(0), "thickness": 2.5,
                         "width": 0},
            ), row=i, col=j)
            if "baseline" in d.index:
                fig.add_vline(x=float(d.loc["baseline", "mean"]), row=i, col=j,
                              line={"dash": "dot", "color": "#444", "width": 1})
    fig.update_xaxes(tickformat=".0%")
    fig.update_yaxes(autorange="reversed")
    height = max(380, 120 + len(rows) * (40 + 32 * len(labels)))
    return _layout(fig, title, "", "", height=height)


def _grid(n: int, cols: int, titles: Sequence[str], shared_y: bool) -> tuple[go.Figure, int, int]:
    cols = max(1, min(cols, n))
    rows = max(1, -(-n // cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(titles),
                        shared_yaxes="all" if shared_y else False,
                        horizontal_spacing=0.06 if shared_y else 0.09,
                        vertical_spacing=min(0.5 / rows, 0.12) if rows > 1 else 0.1)
    return fig, rows, cols


def band_panels(
    panels: Sequence[tuple[str, pd.DataFrame, dict[str, str]]],
    title: str,
    xlabel: str,
    ylabel: str = "",
    order: Sequence[object] | None = None,
    cols: int = 3,
    shared_y: bool = False,
    band_label: str = "5-95 % over replications",
    ticks: bool = True,
) -> go.Figure:
    """Small multiples of a mean with its band: one panel per ``(title, frame, y-axis format)``,
    each frame with columns ``x, mean, low, high`` (and optionally ``n``). ``order`` lists the
    x values of a categorical axis in display order (None: a numeric axis). Every panel shares
    the x axis; ``shared_y`` also the y axis (one outcome in several conditions); ``ticks``
    puts a tick at each x value of a numeric axis with few values (a grid's)."""
    fig, rows, ncols = _grid(len(panels), cols, [p[0] for p in panels], shared_y)
    colour = PALETTE[0]
    for i, (_, d, _fmt) in enumerate(panels):
        r, c = i // ncols + 1, i % ncols + 1
        if order is not None:
            rank = {v: k for k, v in enumerate(order)}
            d = d.assign(_r=d["x"].map(rank)).sort_values("_r")
            xs = [str(v) for v in d["x"]]
        else:
            d = d.sort_values("x")
            xs = d["x"].tolist()
        first = i == 0
        fig.add_trace(go.Scatter(x=xs, y=d["high"], mode="lines", line={"width": 0},
                                 showlegend=False, hoverinfo="skip", legendgroup="band"),
                      row=r, col=c)
        fig.add_trace(go.Scatter(x=xs, y=d["low"], mode="lines", line={"width": 0},
                                 fill="tonexty", fillcolor=_rgba(colour, 0.2), name=band_label,
                                 showlegend=first, legendgroup="band", hoverinfo="skip"),
                      row=r, col=c)
        fig.add_trace(go.Scatter(x=xs, y=d["mean"], mode="lines+markers", name="mean",
                                 line={"color": colour, "width": 2}, marker={"size": 6},
                                 showlegend=first, legendgroup="mean",
                                 customdata=np.c_[d["low"], d["high"]],
                                 hovertemplate="%{x}: %{y:.4g} [%{customdata[0]:.4g}, "
                                               "%{customdata[1]:.4g}]<extra></extra>"),
                      row=r, col=c)
        if order is not None:
            fig.update_xaxes(type="category", categoryorder="array",
                             categoryarray=[str(v) for v in order], row=r, col=c)
        elif ticks and d["x"].nunique() <= 12:  # a grid's few values: a tick at each
            fig.update_xaxes(tickvals=sorted(d["x"].unique()), row=r, col=c)
        if not shared_y or c == 1:
            fig.update_yaxes(**_fmt, row=r, col=c)
    height = max(HEIGHT, 90 + 250 * rows)
    _layout(fig, title, "", ylabel, height=height)
    fig.update_xaxes(title_text=xlabel, row=rows)
    # the legend on the title's line (container coordinates), clear of the panels' titles
    fig.update_layout(legend={"orientation": "h", "yref": "container", "y": 1.0,
                              "yanchor": "top", "x": 1, "xanchor": "right"},
                      margin={"t": 100})
    return fig


def heatmap_selector(
    cells: Sequence[tuple[str, pd.DataFrame, dict[str, str], Sequence[str]]],
    x_order: Sequence[object],
    y_order: Sequence[object],
    title: str,
    xlabel: str,
    ylabel: str,
) -> go.Figure:
    """A heatmap of the mean of an outcome over two parameters, one per ``(outcome, frame,
    colour-bar format, cell texts)`` with a menu to switch between outcomes. Each frame has
    columns ``x, y, mean, low, high``; ``x_order`` and ``y_order`` fix the axes' order; the
    texts (one per frame row) are printed in the cells."""
    fig = go.Figure()
    xs, ys = [str(v) for v in x_order], [str(v) for v in y_order]
    for i, (name, d, fmt, texts) in enumerate(cells):
        d = d.assign(x=d["x"].astype(str), y=d["y"].astype(str), text=list(texts))

        def grid(col: str, d: pd.DataFrame = d) -> list[list[object]]:
            p = d.pivot(index="y", columns="x", values=col).reindex(index=ys, columns=xs)
            return p.to_numpy(dtype=object).tolist()

        z = grid("mean")
        low, high = np.array(grid("low"), dtype=object), np.array(grid("high"), dtype=object)
        fig.add_trace(go.Heatmap(
            x=xs, y=ys, z=z, text=[["" if t is None or t != t else t for t in row]
                                   for row in grid("text")],  # no run there: an empty cell
            texttemplate="%{text}", colorscale="Viridis",
            customdata=np.dstack([low, high]), name=name, visible=i == 0,
            colorbar={"title": {"text": name.replace("_", " ")}, **fmt},
            hovertemplate=f"{xlabel} %{{x}}, {ylabel} %{{y}}: %{{z:.4g}} "
                          "[%{customdata[0]:.4g}, %{customdata[1]:.4g}]<extra></extra>",
        ))
    if len(cells) > 1:
        buttons = [{"label": name.replace("_", " "), "method": "update",
                    "args": [{"visible": [j == i for j in range(len(cells))]}]}
                   for i, (name, *_rest) in enumerate(cells)]
        fig.update_layout(updatemenus=[{"buttons": buttons, "x": 1.0, "xanchor": "right",
                                        "y": 1.12, "yanchor": "bottom", "direction": "down"}])
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=xs)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=ys)
    return _layout(fig, title, xlabel, ylabel, height=max(HEIGHT, 160 + 45 * len(ys)))


def ranking_heatmap(table: pd.DataFrame, title: str) -> go.Figure:
    """Sensitivity ranking: rows = parameters (most influential first), columns = outcomes, the
    cell the share of the outcome's variance its main effect explains (0-1)."""
    fig = go.Figure(go.Heatmap(
        x=[str(c).replace("_", " ") for c in table.columns], y=list(table.index),
        z=table.to_numpy(dtype=float), zmin=0, zmax=1, colorscale="Blues",
        text=[[f"{v:.0%}" for v in row] for row in table.to_numpy(dtype=float)],
        texttemplate="%{text}", colorbar={"title": {"text": "variance explained"},
                                          "tickformat": ".0%"},
        hovertemplate="%{y} on %{x}: %{z:.1%}<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, "outcome", "parameter",
                   height=max(320, 160 + 40 * len(table.index)))
