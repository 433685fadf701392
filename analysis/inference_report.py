"""The calibration's HTML report (plotly, offline: the library's script is inlined once):
priors against posteriors, pairwise plots of the most correlated parameters, the posterior
predictive of every pattern against its observed figure, and the diagnostics."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.patterns import Pattern

PAIRS = 3
"""Pairs of parameters plotted: the most correlated (weighted, last generation)."""


def _grid(n: int, cols: int = 3) -> tuple[int, int]:
    return max(1, math.ceil(n / cols)), min(cols, max(1, n))


def marginals(posterior: pd.DataFrame, priors: dict[str, Any]) -> go.Figure:
    """Prior density (line) against the weighted posterior histogram, per parameter."""
    last = posterior[posterior["generation"] == posterior["generation"].max()]
    rows, cols = _grid(len(priors))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(priors))
    for i, (key, prior) in enumerate(priors.items()):
        r, c = i // cols + 1, i % cols + 1
        x = np.linspace(prior.low, prior.high, 100)
        fig.add_trace(go.Scatter(x=x, y=prior.frozen().pdf(x), mode="lines", name="prior",
                                 line={"color": "grey"}, showlegend=i == 0), row=r, col=c)
        fig.add_trace(go.Histogram(x=last[key], y=last["weight"], histfunc="sum",
                                   histnorm="probability density", name="posterior",
                                   marker={"color": "#1f77b4"}, opacity=0.7,
                                   xbins={"start": prior.low, "end": prior.high,
                                          "size": (prior.high - prior.low) / 20},
                                   showlegend=i == 0), row=r, col=c)
    fig.update_layout(height=260 * rows, title="Prior (grey) and posterior (blue) per parameter",
                      bargap=0.02)
    return fig


def strongest_pairs(posterior: pd.DataFrame, keys: list[str], n: int = PAIRS
                    ) -> list[tuple[str, str, float]]:
    """The ``n`` parameter pairs with the largest weighted |correlation| in the last
    generation."""
    last = posterior[posterior["generation"] == posterior["generation"].max()]
    if len(keys) < 2 or len(last) < 3:
        return []
    x = last[keys].to_numpy(dtype=float)
    w = last["weight"].to_numpy(dtype=float)
    cov = np.cov(x, rowvar=False, aweights=w)
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    pairs = [(keys[i], keys[j], float(corr[i, j])) for i in range(len(keys))
             for j in range(i + 1, len(keys)) if np.isfinite(corr[i, j])]
    return sorted(pairs, key=lambda p: -abs(p[2]))[:n]


def pair_plots(posterior: pd.DataFrame, pairs: list[tuple[str, str, float]]) -> go.Figure:
    """Scatter of the last generation's draws (size by weight) for each strong pair."""
    last = posterior[posterior["generation"] == posterior["generation"].max()]
    fig = make_subplots(rows=1, cols=max(1, len(pairs)),
                        subplot_titles=[f"r = {r:+.2f}" for _a, _b, r in pairs] or [""])
    size = 4 + 16 * last["weight"] / max(float(last["weight"].max()), 1e-300)
    for i, (a, b, _r) in enumerate(pairs):
        fig.add_trace(go.Scatter(x=last[a], y=last[b], mode="markers", showlegend=False,
                                 marker={"size": size, "opacity": 0.6}), row=1, col=i + 1)
        fig.update_xaxes(title_text=a, row=1, col=i + 1)
        fig.update_yaxes(title_text=b, row=1, col=i + 1)
    fig.update_layout(height=380, title="Most correlated parameter pairs (posterior draws)")
    return fig


def predictive(pred: pd.DataFrame, patterns: list[Pattern]) -> go.Figure:
    """Posterior predictive: each pattern's value over the last generation's runs (a box,
    weighted draws resampled) against the observed figure (red)."""
    rows, cols = _grid(len(patterns), 4)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[p.id for p in patterns])
    rng = np.random.default_rng(0)
    w = pred["weight"].to_numpy(dtype=float)
    idx = rng.choice(len(pred), size=min(400, 4 * len(pred)), p=w / w.sum())
    for i, p in enumerate(patterns):
        r, c = i // cols + 1, i % cols + 1
        vals = pred[p.id].to_numpy(dtype=float)[idx]
        fig.add_trace(go.Box(y=vals, name="model", showlegend=False, boxpoints=False,
                             marker={"color": "#1f77b4"}), row=r, col=c)
        fig.add_trace(go.Scatter(x=["model"], y=[p.observed], mode="markers", showlegend=False,
                                 marker={"color": "red", "size": 12, "symbol": "line-ew-open",
                                         "line": {"width": 3}}), row=r, col=c)
    fig.update_layout(height=230 * rows,
                      title="Posterior predictive of each pattern (box: model runs of the last "
                            "generation; red: observed; distribution patterns: median unit)")
    return fig


def _table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0)


def write_report(path: Path, posterior: pd.DataFrame, priors: dict[str, Any], pred: pd.DataFrame,
                 patterns: list[Pattern], diagnostics: pd.DataFrame, ident: pd.DataFrame,
                 runs: int, seconds: float) -> Path:
    """Write the calibration report as one self-contained HTML file."""
    figs = [marginals(posterior, priors),
            pair_plots(posterior, strongest_pairs(posterior, list(priors))),
            predictive(pred, patterns)]
    parts = [f.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, f in enumerate(figs)]
    text = f"""<!doctype html><html><head><meta charset="utf-8">
<title>Calibration (ABC-SMC)</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1200px}}
table{{border-collapse:collapse}}td,th{{padding:2px 8px;text-align:right}}</style></head><body>
<h1>Calibration as inference (ABC-SMC)</h1>
<p>{runs:,} model runs in all ({seconds:,.0f} s in the last call), {len(diagnostics)} generation(s).
The posterior is the last generation's weighted draws. The identifiability column
<em>sd_ratio</em> is the posterior's standard deviation over the prior's: near 1, the field
patterns do not constrain the parameter; well below 1, they do.</p>
<h2>Identifiability</h2>{_table(ident)}
<h2>Diagnostics per generation</h2>{_table(diagnostics)}
<h2>Figures</h2>{''.join(parts)}
<p>Patterns: {html.escape(', '.join(p.id for p in patterns))}.</p>
</body></html>
"""
    from sim import atomic

    atomic.write_file(path, lambda f: f.write_text(text))
    return path
