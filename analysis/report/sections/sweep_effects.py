"""What a sweep answers: how each kept outcome moves with each swept parameter (main effects),
how it moves with two parameters together (a heatmap per pair, and the headline outcome drawn
against one parameter in a panel per level of the other), and, with more than two parameters,
which parameters matter most (the sensitivity ranking) before the main effects of the top ones.

Every design point is in these figures: a level's mean is over all runs at that level (every
point of the design that has it, every replication). The band is between replications: with
common random numbers, replication k of every point shares its seed, so the mean of replication
k over a level's points is one draw of that level's effect, and the band is the 5-95 % range of
those draws (over runs instead when the sweep has one replication).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis import plots
from analysis.report.document import Section
from analysis.report.format import axis_format, fmt_value, outcome_unit
from analysis.report.load import RunSet

NOT_PARAMETERS = ("point", "dummy", "factor", "level", "scenario")
MAX_LEVELS = 12
"""A numeric parameter with more distinct values than this (a sampled design) is shown in
``BINS`` bins of equal count, each at its runs' mean value."""
BINS = 10
TOP = 3
"""Parameters shown by main effect and pair after the ranking, when a sweep has more than two."""
HEADLINE = ("survival_10y", "survival_5y", "units_alive_end")
"""The outcome of the answer figure: the first of these a sweep keeps (else its first)."""
NEVER = "none"


@dataclass
class Factor:
    """A swept parameter as the report shows it: the level of each run and the levels' order."""

    name: str
    level: pd.Series  # aligned with the runs table
    order: list[Any]
    numeric: bool
    binned: bool = False
    """Levels are equal-count bins of a sampled parameter (drawn at their runs' mean value)."""


def sweep_parameters(rs: RunSet) -> list[str]:
    """The swept parameters of a sweep folder, in the sweep file's order (the dummy of a Sobol'
    or Morris design and an oat design's factor/level columns are not parameters)."""
    names = rs.meta.get("parameters")
    if not names:
        design = rs.meta.get("_design")
        names = [] if design is None else list(design.columns)
    return [n for n in names if n not in NOT_PARAMETERS and not str(n).startswith("u.")
            and n in rs.runs]


def kept_outcomes(rs: RunSet, params: list[str]) -> list[str]:
    """The kept outcomes of a sweep, in the sweep file's order (summary figures, then the units
    alive at chosen months); any other numeric column of an older folder after them."""
    spec = (rs.meta.get("spec") or {}).get("outcomes") or {}
    skip = {"run", "point", "replication", "seed", "wall_time_s", *params, *NOT_PARAMETERS}
    numeric = [c for c in rs.runs.columns if c not in skip
               and pd.api.types.is_numeric_dtype(rs.runs[c])
               and not pd.api.types.is_bool_dtype(rs.runs[c])]
    first = [c for c in spec.get("summary", []) if c in numeric]
    return first + [c for c in numeric if c not in first]


def _text_order(v: Any) -> tuple[int, str]:
    return (1, "") if str(v) == NEVER else (0, str(v))


SAMPLED = ("lhs", "sobol", "morris")
"""Designs that sample a parameter's range (rather than list its values)."""


def factor(runs: pd.DataFrame, name: str, sampled: bool = False) -> Factor:
    """The levels of parameter ``name`` over the runs: its values, sorted numerically (dates as
    dates, ``none`` - never - last), or, when the design samples it (``sampled``) at more than
    ``MAX_LEVELS`` values, equal-count bins."""
    s = runs[name]
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        s = s.astype(float)
        if s.notna().all() and (s % 1 == 0).all():
            s = s.astype("int64")  # whole values print as 4, not 4.0
        if sampled and s.nunique() > MAX_LEVELS:
            bins = pd.qcut(s, BINS, duplicates="drop")
            centre = s.groupby(bins, observed=True).transform("mean")
            centre = centre.map(lambda v: float(f"{v:.3g}"))  # a readable label per bin
            return Factor(name, centre, sorted(pd.unique(centre)), True, binned=True)
        return Factor(name, s, sorted(pd.unique(s.dropna())), True)
    s = s.astype(object).where(s.notna(), NEVER).astype(str)
    return Factor(name, s, sorted(pd.unique(s), key=_text_order), False)


def _band(runs: pd.DataFrame, by: list[str], outcome: str) -> pd.DataFrame:
    """Mean of ``outcome`` per ``by`` group over all its runs, and the 5-95 % band of the
    replications' means (of the runs when there is one replication)."""
    d = runs[[*by, "replication", outcome]].dropna(subset=[outcome])
    g = d.groupby(by, observed=True, sort=False)[outcome]
    out = g.mean().rename("mean").to_frame()
    out["n"] = g.size()
    per_rep = d.groupby([*by, "replication"], observed=True)[outcome].mean().rename("v")
    spread = per_rep.reset_index() if d["replication"].nunique() > 1 else \
        d.rename(columns={outcome: "v"})
    q = spread.groupby(by, observed=True)["v"]
    out["low"], out["high"] = q.quantile(0.05), q.quantile(0.95)
    return out.reset_index()


def main_effect(runs: pd.DataFrame, f: Factor, outcome: str) -> pd.DataFrame:
    """Columns ``x, mean, low, high, n``: the outcome per level of ``f`` (over every other
    parameter's values and every replication), in the level order."""
    d = runs.assign(x=f.level.to_numpy())
    out = _band(d, ["x"], outcome)
    rank = {v: i for i, v in enumerate(f.order)}
    return out.sort_values("x", key=lambda s: s.map(rank)).reset_index(drop=True)


def pair_effect(runs: pd.DataFrame, fx: Factor, fy: Factor, outcome: str) -> pd.DataFrame:
    """Columns ``x, y, mean, low, high, n``: the outcome per pair of levels."""
    d = runs.assign(x=fx.level.to_numpy(), y=fy.level.to_numpy())
    return _band(d, ["x", "y"], outcome)


def variance_explained(runs: pd.DataFrame, f: Factor, outcome: str) -> float:
    """Share of the outcome's variance over runs that the parameter's main effect explains
    (the correlation ratio eta squared: variance of the level means, weighted by runs, over
    the total variance; a first-order sensitivity measure for any design)."""
    d = pd.DataFrame({"x": f.level.to_numpy(), "y": runs[outcome].to_numpy(dtype=float)})
    d = d.dropna()
    total = float(((d["y"] - d["y"].mean()) ** 2).sum())
    if total <= 0 or len(d) < 2:
        return 0.0
    means = d.groupby("x")["y"].transform("mean")
    return float(((means - d["y"].mean()) ** 2).sum() / total)


def ranking(runs: pd.DataFrame, factors: list[Factor], outcomes: list[str]) -> pd.DataFrame:
    """Variance explained per parameter (rows, most influential first: by the mean over
    outcomes) and outcome (columns)."""
    t = pd.DataFrame({o: [variance_explained(runs, f, o) for f in factors] for o in outcomes},
                     index=[f.name for f in factors])
    return t.loc[t.mean(axis=1).sort_values(ascending=False, kind="stable").index]


def _title(name: str) -> str:
    unit = outcome_unit(name)
    unit = "share" if unit.startswith("share") else unit
    return name.replace("_", " ") + (f" ({unit})" if unit and unit != "-" else "")


def _level_words(f: Factor) -> str:
    return " (none: the mission never withdraws)" if NEVER in f.order else ""


def _headline(outcomes: list[str]) -> str:
    return next((o for o in HEADLINE if o in outcomes), outcomes[0])


def _answer(sec: Section, runs: pd.DataFrame, fx: Factor, fp: Factor, outcome: str) -> None:
    """The headline outcome against ``fx``, one panel per level of ``fp``."""
    fmt = axis_format(outcome_unit(outcome))
    panels = []
    for lv in fp.order:
        keep = (fp.level == lv).to_numpy()
        fx_sub = Factor(fx.name, fx.level[keep], fx.order, fx.numeric, fx.binned)
        panels.append((f"{fp.name} = {lv}", main_effect(runs[keep], fx_sub, outcome), fmt))
    what = outcome.replace("_", " ")
    sec.fig(
        f"answer_{outcome}_{fx.name}_by_{fp.name}",
        plots.band_panels(panels, f"{what.capitalize()} against {fx.name}, for each {fp.name}",
                          fx.name, _title(outcome), None if fx.numeric else fx.order,
                          shared_y=True, ticks=not fx.binned),
        f"Pick the panel of a {fp.name}{_level_words(fp)} and read how {what} changes along "
        f"{fx.name}: the line is the mean over the runs of that cell, the band the 5-95 % range "
        "of the replications' means (paired: replication k has the same seed everywhere).",
    )


def _heatmap(sec: Section, runs: pd.DataFrame, fx: Factor, fy: Factor,
             outcomes: list[str]) -> None:
    cells = []
    for o in outcomes:
        d = pair_effect(runs, fx, fy, o)
        unit = outcome_unit(o)
        cells.append((o, d, axis_format(unit), [fmt_value(v, unit) for v in d["mean"]]))
    sec.fig(
        f"heatmap_{fx.name}_x_{fy.name}",
        plots.heatmap_selector(cells, fx.order, fy.order,
                               f"Mean of each outcome over {fx.name} and {fy.name}",
                               fx.name, fy.name),
        f"Each cell is the mean over its runs (every replication and the other parameters' "
        f"values); choose the outcome in the menu at the top right{_level_words(fx)}; hover "
        "for the 5-95 % band of the replications' means.",
    )


def _main_effects(sec: Section, runs: pd.DataFrame, f: Factor, outcomes: list[str]) -> None:
    panels = [(_title(o), main_effect(runs, f, o), axis_format(outcome_unit(o)))
              for o in outcomes]
    sec.fig(
        f"main_effects_{f.name}",
        plots.band_panels(panels, f"Main effects of {f.name}", f.name,
                          order=None if f.numeric else f.order, ticks=not f.binned),
        f"Read each panel along {f.name}{_level_words(f)}: the mean of the outcome over every "
        "run at that value (all values of the other parameters, all replications) and the "
        "5-95 % band of the replications' means"
        + (f"; the values are grouped in {BINS} bins of equal count, each drawn at its mean"
           if f.binned else "") + ".",
    )


def sweep_effects_section(rs: RunSet) -> Section:
    """A sweep's answer: ranking (more than two parameters), the headline outcome against two
    parameters, heatmaps of every outcome per pair, main effects of each parameter, and the
    outcomes table sorted by the parameters' values."""
    sec = Section(
        "sweep_effects", "What the sweep answers: outcomes against the swept parameters",
        "Every design point counts: a value's mean is over every run that has it. The band is "
        "between replications (common random numbers: replication k runs with the same seed "
        "at every design point).",
    )
    params = sweep_parameters(rs)
    runs = rs.runs.reset_index(drop=True)
    outcomes = [o for o in kept_outcomes(rs, params) if runs[o].notna().any()]
    if not params or not outcomes:
        sec.note("Not shown: this sweep has no swept parameter or no numeric outcome.")
        return sec
    sampled = rs.meta.get("design") in SAMPLED
    factors = [factor(runs, p, sampled) for p in params]
    factors = [f for f in factors if len(f.order) > 1] or factors
    top = factors
    if len(factors) > 2:
        t = ranking(runs, factors, outcomes)
        sec.fig(
            "sensitivity_ranking",
            plots.ranking_heatmap(t, "Which parameters matter: share of each outcome's "
                                     "variance explained by each parameter alone"),
            "Parameters are ranked by the mean share over outcomes (top: most influential). "
            "A cell is the variance of the parameter's level means over the runs' variance "
            "(correlation ratio; what the parameter explains alone, not with others); the rest "
            "is interactions and replication noise"
            + (" (sosim sensitivity gives the Sobol' or Morris indices of this design with "
               "intervals)" if rs.meta.get("design") in ("sobol", "morris") else "") + ".",
        )
        by_name = {f.name: f for f in factors}
        top = [by_name[n] for n in list(t.index)[:TOP]]
    head = _headline(outcomes)
    if len(top) >= 2:
        fa, fb = top[0], top[1]
        # the answer: the headline outcome along the numeric parameter with more levels
        # (payment delay), one panel per level of the other (the withdrawal year)
        fx, fp = sorted((fa, fb), key=lambda f: (not f.numeric, -len(f.order)))
        if not (fx.binned or fp.binned):  # listed values (a grid): one panel per value
            _answer(sec, runs, fx, fp, head)
        first = [head, *[o for o in outcomes if o != head]]  # the menu opens on the headline
        for f1, f2 in itertools.combinations(top, 2):
            gx, gy = sorted((f1, f2), key=lambda f: (f.numeric, len(f.order)))
            _heatmap(sec, runs, gx, gy, first)
    for f in top:
        _main_effects(sec, runs, f, outcomes)
    return sec
