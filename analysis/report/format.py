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


def outcome_unit(name: str) -> str:
    """The unit of a kept sweep outcome, from the one declaration of outputs (``sim.columns``):
    a summary figure's unit, ``units`` for the counts of units alive kept by ``alive_at``."""
    from sim.columns import SUMMARY_FIGURES

    f = SUMMARY_FIGURES.get(name)
    if f is not None:
        return f.unit
    if name.startswith(("alive_", "units_alive_at_")):
        return "units"
    return ""


def fmt_value(v: object, unit: str) -> str:
    """A number as the report prints it: money as ``US$ 42,100`` (``US$ 37.2`` below 100),
    shares as percentages, other figures with thousands separators and 3 significant digits."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    x = float(v)  # type: ignore[arg-type]
    if unit.startswith("US$"):
        sign = "-" if x < 0 else ""
        body = f"{abs(x):,.0f}" if abs(x) >= 100 else f"{abs(x):,.1f}"
        return f"{sign}US$ {body}"
    if unit.startswith("share"):
        return f"{x:.1%}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def axis_format(unit: str) -> dict[str, str]:
    """plotly axis settings that print a value in ``unit`` the way ``fmt_value`` does."""
    if unit.startswith("US$"):
        return {"tickprefix": "US$ ", "tickformat": ",.0f"}
    if unit.startswith("share"):
        return {"tickformat": ".0%"}
    return {"tickformat": ",~g"}
