"""Small helpers that turn numbers and frames into what the report shows: HTML tables,
estimates with intervals, p-values, labels, quantile bands and the lines of business."""

from __future__ import annotations

import math

import pandas as pd

from sim.scenario import LINES


def _table_html(df: pd.DataFrame) -> str:
    table = df.to_html(index=False, na_rep="–", border=0, classes="tbl", escape=True)
    return f'<div class="scroll">{table}</div>'


def _ci(v: float, lo: float, hi: float, fmt: str = "{:.2f}") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "not reached" if fmt != "{:.0%}" else "–"

    def f(x: float) -> str:
        return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt.format(x)

    return f"{f(v)} [{f(lo)}, {f(hi)}]"


def _p(p: float) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    return "< 1e-300" if p == 0 else (f"{p:.3g}" if p >= 1e-4 else f"{p:.2e}")


def _pretty(s: object) -> str:
    return str(s).replace("_", " ")


def _quantile_band(df: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """Median and 5 %-95 % band of ``value`` across replications, per ``by`` group."""
    g = df.groupby(by, observed=True)[value]
    out = g.quantile(0.5).rename("median").to_frame()
    out["low"] = g.quantile(0.05)
    out["high"] = g.quantile(0.95)
    return out.reset_index()


def _lines(s: pd.Series) -> pd.Series:
    """Lines of business as an ordered categorical (training, data entry, hardware)."""
    extra = [x for x in pd.unique(s.dropna().astype(str)) if x not in LINES]
    return pd.Categorical(s.astype(str), categories=[*LINES, *extra], ordered=True)
