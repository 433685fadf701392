"""Effects of each lever in a one-factor-at-a-time (``design: oat``) sweep on 5- and 10-year
survival by line of business.

The unit of analysis is the replication, not the unit: the units of one run share a market and
a mission, so they are not independent observations. Each run gives one number per line and
horizon, the summary figure ``survival_<h>y_<line>`` (``survival_<h>y`` for all lines): the share
of that line's units, founded at least ``h`` years before the run's last month, still open ``h``
years after founding (``sim.outputs.survival_at``). Per design point (a factor at one level) the
table gives, across replications:

- ``mean`` with a t interval (``low``, ``high``; 95 % by default) of that mean;
- ``q05``, ``q95``: the 5-95 % band of the replications themselves (the spread of one run);
- ``delta`` (level minus baseline) with its t interval, paired by replication: replication k
  runs on the same seed at every point (common random numbers), so the difference of run k at
  a level and run k at the baseline removes most of the shared noise.

A run whose line has no unit observed that long gives no number (null) and is left out of that
cell; ``n`` counts the replications used.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from analysis.sweep.spec import BASELINE, FACTOR, LEVEL
from sim.scenario import LINES

HORIZONS: tuple[int, ...] = (5, 10)
GROUPS: tuple[str, ...] = (*LINES, "all")
"""Lines of business, then all lines together."""
CONFIDENCE = 0.95
FILES = ("effects.parquet", "effects.csv", "effects.md")
"""What ``write_effects`` writes into a sweep folder."""


class EffectsError(ValueError):
    """The runs table is not that of a one-factor-at-a-time sweep, or keeps no survival."""


def survival_column(line: str, horizon: int) -> str:
    """The summary figure that holds a run's survival of ``line`` (or ``all``) at ``horizon``."""
    return f"survival_{horizon}y" if line == "all" else f"survival_{horizon}y_{line}"


def _t_interval(x: np.ndarray, confidence: float) -> tuple[float, float, float]:
    n = len(x)
    if n == 0:
        return (math.nan, math.nan, math.nan)
    m = float(np.mean(x))
    if n == 1:
        return (m, math.nan, math.nan)
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * float(np.std(x, ddof=1)) / math.sqrt(n)
    return (m, m - half, m + half)


def effects_table(runs: pd.DataFrame, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Mean survival by line and horizon per design point of an oat sweep, with replication
    intervals and the paired change against the baseline (one row per point, line, horizon)."""
    for col in (FACTOR, LEVEL, "point", "replication"):
        if col not in runs:
            raise EffectsError(f"the runs table has no '{col}' column: not an oat sweep")
    if "status" in runs:
        runs = runs[runs["status"] == "ok"]
    pairs = [(g, h, survival_column(g, h)) for h in HORIZONS for g in GROUPS]
    pairs = [p for p in pairs if p[2] in runs]
    if not pairs:
        raise EffectsError("the runs keep no survival figure (outcomes.summary: survival_5y_"
                           "training, ...)")
    base_pts = runs.loc[runs[FACTOR] == BASELINE, "point"].unique()
    if len(base_pts) != 1:
        raise EffectsError("the runs table has no single baseline point")
    base = runs[runs["point"] == base_pts[0]].set_index("replication")
    rows = []
    points = runs.drop_duplicates("point").sort_values("point")
    for pt in points.itertuples(index=False):
        d = runs[runs["point"] == pt.point].set_index("replication")
        for line, h, col in pairs:
            x = pd.to_numeric(d[col], errors="coerce").dropna()
            mean, low, high = _t_interval(x.to_numpy(dtype=float), confidence)
            b = pd.to_numeric(base[col], errors="coerce")
            diff = (x - b.reindex(x.index)).dropna()
            delta, dlow, dhigh = _t_interval(diff.to_numpy(dtype=float), confidence)
            rows.append({
                "point": int(pt.point), "factor": str(getattr(pt, FACTOR)),
                "level": str(getattr(pt, LEVEL)), "line": line, "horizon_years": h,
                "outcome": col, "n": len(x), "mean": mean, "low": low, "high": high,
                "q05": float(x.quantile(0.05)) if len(x) else math.nan,
                "q95": float(x.quantile(0.95)) if len(x) else math.nan,
                "delta": delta, "delta_low": dlow, "delta_high": dhigh, "n_paired": len(diff),
            })
    return pd.DataFrame(rows)


def lever_label(factor: str, level: str) -> str:
    """How a design point reads in tables and figures: ``baseline``, ``delay = 12``, a case."""
    if factor == BASELINE:
        return BASELINE
    if level == "on":
        return factor.replace("_", " ")
    parts = factor.split(".")
    # a line's parameter names its line: the same leaf swept for two lines reads as two levers
    name = " ".join(parts[1:]) if parts[0] == "lines" and len(parts) == 3 else parts[-1]
    return f"{name.replace('_', ' ')} = {level}"


def lever_labels(factors: list[str], levels: list[str]) -> list[str]:
    """``lever_label`` of each (factor, level) row, unique per lever: where two factors would
    read the same (one leaf in two sections, ``mission.lag_months`` and
    ``consortium.lag_months``), their rows name the whole dotted path instead. Figures and
    tables index rows by these labels, so a repeated one would merge two levers."""
    owners: dict[str, set[str]] = {}  # a factor's name as lever_label reads it -> factors
    for f in set(factors):
        owners.setdefault(lever_label(f, "").removesuffix(" = "), set()).add(f)
    shared = {f for fs in owners.values() if len(fs) > 1 for f in fs}
    return [f"{f} = {lv}" if f in shared else lever_label(f, lv)
            for f, lv in zip(factors, levels, strict=True)]


def _pct(v: float) -> str:
    return "–" if v is None or math.isnan(v) else f"{100 * v:.0f}"


def _pp(v: float) -> str:
    return "–" if v is None or math.isnan(v) else f"{100 * v:+.1f}"


def effects_markdown(table: pd.DataFrame, confidence: float = CONFIDENCE) -> str:
    """The effects as markdown: one table per horizon, a row per lever, a column per line; each
    cell ``mean [low, high]`` in % and the change against the baseline in percentage points."""
    level = f"{confidence:.0%}"
    out = [
        f"Survival by line, mean over replications in % with its {level} t interval "
        "[low, high]; Δ: change against the baseline in percentage points (paired by "
        f"replication, {level} interval). n: replications per point.",
        "",
    ]
    lines = [g for g in GROUPS if g in set(table["line"])]
    table = table.assign(label=lever_labels([str(f) for f in table["factor"]],
                                            [str(lv) for lv in table["level"]]))
    for h in HORIZONS:
        t = table[table["horizon_years"] == h]
        if t.empty:
            continue
        out += [f"### {h}-year survival", "",
                "| lever | n | " + " | ".join(g.replace("_", " ") for g in lines) + " |",
                "|---|---|" + "---|" * len(lines)]
        for _, g in t.groupby("point", sort=True):
            first = g.iloc[0]
            cells = []
            for line in lines:
                r = g[g["line"] == line]
                if r.empty:
                    cells.append("–")
                    continue
                r = r.iloc[0]
                cell = f"{_pct(r['mean'])} [{_pct(r['low'])}, {_pct(r['high'])}]"
                if first["factor"] != BASELINE and not math.isnan(r["delta"]):
                    cell += (f"; Δ {_pp(r['delta'])} [{_pp(r['delta_low'])}, "
                             f"{_pp(r['delta_high'])}]")
                cells.append(cell)
            out.append(f"| {first['label']} | "
                       f"{int(g['n'].max())} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def write_effects(folder: str | Path, table_md: str | Path | None = None) -> list[Path]:
    """Write ``effects.parquet``, ``effects.csv`` and ``effects.md`` into an oat sweep's folder
    (and the markdown also to ``table_md``, e.g. a page of docs/); returns the paths written."""
    from analysis.report.load import ReportError
    from analysis.report.load import read_parquet as checked_read
    from analysis.sweep.results import read_runs
    from sim import atomic

    folder = Path(folder)
    try:  # a truncated or damaged part: one line naming it (issue 17, item 14)
        checked_read(folder / "runs", columns=["key"])
    except ReportError as exc:
        raise EffectsError(str(exc)) from None
    table = effects_table(read_runs(folder))
    md = _heading(folder) + effects_markdown(table)
    paths = [folder / name for name in FILES]
    atomic.write_file(paths[0], lambda tmp: table.to_parquet(tmp, index=False))
    atomic.write_file(paths[1], lambda tmp: table.to_csv(tmp, index=False))
    atomic.write_file(paths[2], lambda tmp: tmp.write_text(md, encoding="utf-8"))
    if table_md is not None:
        atomic.write_file(Path(table_md), lambda tmp: tmp.write_text(md, encoding="utf-8"))
        paths.append(Path(table_md))
    return paths


def _heading(folder: Path) -> str:
    """Title and provenance of the markdown table: the sweep's name, description, size and
    version, and how to make the table again."""
    import json

    try:
        meta = json.loads((folder / "sweep.json").read_text())
    except (OSError, ValueError):
        meta = {}
    name = meta.get("name", folder.name)
    spec = meta.get("spec") or {}
    out = [f"# {name}: each lever's effect on survival by line", ""]
    if spec.get("description"):
        out += [" ".join(str(spec["description"]).split()), ""]
    base = meta.get("base_scenario") or {}
    out += [f"{meta.get('points', '?')} design points x {meta.get('replications', '?')} "
            f"replications of {base.get('start', '?')} to {base.get('end', '?')}, root seed "
            f"{meta.get('root_seed', '?')}, sosim {meta.get('version', '?')}; sweep file "
            f"`{meta.get('file', '?')}`. Made by `sosim report DIR --table-md FILE` "
            "(analysis/sweep/effects.py).", ""]
    return "\n".join(out) + "\n"


def is_oat(folder: str | Path) -> bool:
    """Whether a folder holds a one-factor-at-a-time sweep (its sweep.json says design oat)."""
    import json

    f = Path(folder) / "sweep.json"
    try:
        return json.loads(f.read_text()).get("design") == "oat"
    except (OSError, ValueError):
        return False
