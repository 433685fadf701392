"""A self-contained HTML report of one run, a comparison or a sweep.

``build_report(DIR)`` reads the folder, computes survival (``analysis.survival``), draws the
figures (``analysis.plots``) and writes ``DIR/report.html``: one file with plotly's JavaScript
inlined, so that it opens offline. Three kinds of folder are read:

- a run, as ``sosim run --out DIR`` writes it (``summary.json`` and five Parquet tables);
- a comparison, as ``sosim compare`` writes it (``compare.json``, ``runs.parquet``, and
  ``runs/<scenario>/seed=<seed>/`` run folders; see ``analysis.compare``);
- a sweep (``runs.parquet`` and whatever per-run tables it keeps): sections that need tables
  the folder lacks say so instead of failing.

``export_figures`` writes every figure as PNG or SVG through one kaleido (Chromium) session.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import plots
from analysis import survival as sv
from sim.outputs import TABLES

FIELD = {  # field figures (Heeks & Arun 2010) that the summary carries a counterpart of
    "mean_member_earnings_field_work": ("mean member earnings", 45.0, "US$/month", "{:.1f}"),
    "household_income_share_field_work": ("share of household income", 0.43, "", "{:.0%}"),
    "core_members_per_unit_field_work": ("core members per unit", 7.0, "women", "{:.1f}"),
    "loans_repaid_share_field_work": ("initial loans repaid", 0.50, "", "{:.0%}"),
    "public_orders_won_share": ("public IT orders won by the units", 0.70, "", "{:.0%}"),
}
BASELINE_NAME = "kerala_baseline"
LINES = ("training", "data_entry", "hardware")


class ReportError(Exception):
    """The folder cannot be read as a run, a comparison or a sweep."""


# =============================================================================== reading


@dataclass
class RunSet:
    """The runs of a folder: one row per run (``scenario, replication, seed`` and summary
    figures), the scenarios as resolved, and the per-run tables where they exist."""

    root: Path
    kind: str  # "run", "compare" or "sweep"
    runs: pd.DataFrame
    scenarios: dict[str, dict[str, Any]] = field(default_factory=dict)
    version: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    run_dirs: list[Path | None] = field(default_factory=list)
    _cache: dict[str, pd.DataFrame | None] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return list(pd.unique(self.runs["scenario"].astype(str)))

    def run_tables(self, i: int) -> dict[str, pd.DataFrame] | None:
        """The five tables of run ``i`` (None if the folder does not keep them)."""
        d = self.run_dirs[i] if i < len(self.run_dirs) else None
        if d is None or not (d / "enterprises.parquet").is_file():
            return None
        return {
            name: pd.read_parquet(d / f"{name}.parquet")
            for name in TABLES
            if (d / f"{name}.parquet").is_file()
        }

    def table(self, name: str) -> pd.DataFrame | None:
        """Table ``name`` of every run that keeps it, with ``scenario, replication, seed``
        columns in front; None when no run keeps it."""
        if name in self._cache:
            return self._cache[name]
        frames = []
        for i, row in enumerate(self.runs.itertuples(index=False)):
            d = self.run_dirs[i] if i < len(self.run_dirs) else None
            if d is None or not (d / f"{name}.parquet").is_file():
                continue
            df = pd.read_parquet(d / f"{name}.parquet")
            df.insert(0, "seed", row.seed)
            df.insert(0, "replication", row.replication)
            df.insert(0, "scenario", str(row.scenario))
            frames.append(df)
        out = pd.concat(frames, ignore_index=True) if frames else None
        self._cache[name] = out
        return out

    def end_of(self, label: str) -> pd.Timestamp | None:
        """Last simulated month of a scenario's runs."""
        scn = self.scenarios.get(label) or {}
        if scn.get("end"):
            return pd.Timestamp(f"{scn['end']}-01")
        ts = self.table("timeseries")
        if ts is not None and "date" in ts:
            return pd.Timestamp(ts.loc[ts["scenario"] == label, "date"].max())
        return None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path}: cannot be read ({exc})") from exc


def load(root: str | Path) -> RunSet:
    """Read a run, comparison or sweep folder."""
    root = Path(root)
    if not root.is_dir():
        raise ReportError(f"{root}: not a folder")
    if (root / "compare.json").is_file() and (root / "runs.parquet").is_file():
        meta = _read_json(root / "compare.json")
        runs = pd.read_parquet(root / "runs.parquet")
        dirs = [root / p for p in runs["path"]]
        rs = RunSet(root, "compare", runs, version=meta.get("version"), meta=meta, run_dirs=dirs)
        for label in rs.labels:
            i = int(np.flatnonzero(runs["scenario"].astype(str) == label)[0])
            f = dirs[i] / "summary.json"
            if f.is_file():
                rs.scenarios[label] = _read_json(f).get("scenario", {})
        return rs
    if (root / "summary.json").is_file() and (root / "enterprises.parquet").is_file():
        meta = _read_json(root / "summary.json")
        from analysis.compare import flatten_summary

        flat = flatten_summary(meta.get("summary", {}))
        label = str(flat.pop("scenario", (meta.get("scenario") or {}).get("name", "run")))
        flat.pop("seed", None)
        row = {"scenario": label, "replication": 0, "seed": meta.get("seed"), **flat}
        runs = pd.DataFrame([row])
        return RunSet(
            root, "run", runs, scenarios={label: meta.get("scenario", {})},
            version=meta.get("version"), meta=meta, run_dirs=[root],
        )
    if (root / "sweep.json").is_file() or (root / "runs.parquet").is_file():
        return _load_sweep(root)
    raise ReportError(
        f"{root}: not a run, comparison or sweep folder (no summary.json with tables, "
        "no compare.json, no runs.parquet)"
    )


MAX_POINTS = 8
"""Design points drawn in a sweep report's figures (the outcomes table lists them all)."""


def _point_labels(design: pd.DataFrame | None, points: list[int]) -> dict[int, str]:
    """A short label per design point: ``point 3: delay=8, withdraws=2001-01``."""
    out = {}
    for p in points:
        text = f"point {p}"
        if design is not None and "point" in design:
            row = design[design["point"] == p]
            if len(row):
                cols = [c for c in design.columns if c != "point" and not c.startswith("u.")]
                vals = []
                for c in cols:
                    v = row[c].iloc[0]
                    vals.append(f"{c.rsplit('.', 1)[-1]}={'none' if pd.isna(v) else v}")
                text += ": " + ", ".join(vals)
        out[p] = text
    return out


def _load_sweep(root: Path) -> RunSet:
    """A sweep folder (``analysis.sweep``): ``sweep.json``, ``design.parquet``, the runs table
    (``runs/`` dataset or ``runs.parquet``) and, where kept, ``timeseries/point=P/`` series."""
    src = root / "runs" if (root / "runs").is_dir() else root / "runs.parquet"
    try:
        runs = pd.read_parquet(src)
    except Exception as exc:  # noqa: BLE001
        raise ReportError(f"{src}: cannot be read ({exc})") from exc
    meta = _read_json(root / "sweep.json") if (root / "sweep.json").is_file() else {}
    notes = []
    if "status" in runs:
        failed = int((runs["status"] != "ok").sum())
        if failed:
            notes.append(f"{failed} run(s) of the sweep failed and are left out")
        runs = runs[runs["status"] == "ok"]
    design = pd.read_parquet(root / "design.parquet") if (root / "design.parquet").is_file() \
        else None
    point_of: dict[str, int] = {}
    if "scenario" not in runs:
        if "point" in runs:
            pts = sorted(int(p) for p in pd.unique(runs["point"]))
            labels = _point_labels(design, pts)
            point_of = {v: k for k, v in labels.items()}
            runs = runs.assign(scenario=runs["point"].astype(int).map(labels))
        else:
            runs = runs.assign(scenario="sweep")
    runs["scenario"] = runs["scenario"].astype(str)
    if "replication" not in runs:
        runs["replication"] = runs.groupby("scenario").cumcount()
    if "seed" not in runs:
        runs["seed"] = pd.NA
    runs = runs.sort_values([c for c in ("point", "replication") if c in runs]).reset_index(
        drop=True
    )
    dirs: list[Path | None] = []
    for row in runs.itertuples(index=False):
        path = getattr(row, "path", None)
        cand = root / path if isinstance(path, str) else None
        dirs.append(cand if cand is not None and cand.is_dir() else None)
    if not any(dirs):
        notes.append(
            "this sweep keeps one row per run and some monthly series, not the units' and "
            "members' records, so the sections that need them say so"
        )
    version = meta.get("version") or (
        str(runs["version"].iloc[0]) if "version" in runs and len(runs) else None
    )
    rs = RunSet(root, "sweep", runs, version=version, meta=meta, notes=notes, run_dirs=dirs)
    rs.meta["_design"] = design
    rs.meta["_point_of"] = point_of
    base = meta.get("base_scenario")
    if base:
        for label in rs.labels:
            rs.scenarios[label] = base
    if len(rs.labels) > MAX_POINTS:
        rs.notes.append(
            f"the figures show the first {MAX_POINTS} of {len(rs.labels)} design points; the "
            "outcomes table lists them all"
        )
    ts = _sweep_series(root, runs, point_of)
    if ts is not None:
        rs._cache["timeseries"] = ts
    return rs


def _sweep_series(root: Path, runs: pd.DataFrame, point_of: dict[str, int]) -> pd.DataFrame | None:
    """The sweep's kept monthly series, labelled like the runs (first ``MAX_POINTS`` points)."""
    d = root / "timeseries"
    if not d.is_dir() or not any(d.rglob("*.parquet")):
        return None
    ts = pd.read_parquet(d)
    if "point" not in ts or "date" not in ts:
        return None
    ts["point"] = ts["point"].astype(int)
    labels = {v: k for k, v in point_of.items()}
    keep = sorted(labels)[:MAX_POINTS]
    ts = ts[ts["point"].isin(keep)].copy()
    ts.insert(0, "scenario", ts["point"].map(labels).astype(str))
    ts["date"] = ts["date"].astype("datetime64[s]")
    return ts


# =============================================================================== the report


@dataclass
class Item:
    """One element of a section: a figure with its caption, an HTML table, or a note."""

    kind: str  # "figure", "table", "note"
    name: str = ""
    title: str = ""
    caption: str = ""
    figure: go.Figure | None = None
    html: str = ""


@dataclass
class Section:
    id: str
    title: str
    intro: str = ""
    items: list[Item] = field(default_factory=list)

    def fig(self, name: str, figure: go.Figure, caption: str) -> None:
        self.items.append(Item("figure", name=name, figure=figure, caption=caption))

    def table(self, title: str, df: pd.DataFrame, caption: str = "") -> None:
        self.items.append(Item("table", title=title, html=_table_html(df), caption=caption))

    def note(self, text: str) -> None:
        self.items.append(Item("note", html=html.escape(text)))


@dataclass
class Report:
    title: str
    runset: RunSet
    sections: list[Section]
    headline: list[tuple[str, str]] = field(default_factory=list)

    def figures(self) -> list[tuple[str, go.Figure]]:
        return [
            (it.name, it.figure)
            for s in self.sections
            for it in s.items
            if it.kind == "figure" and it.figure is not None
        ]


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


def _missing(section: Section, what: str) -> None:
    section.note(f"Not shown: this folder does not keep {what}.")


def _field_year(rs: RunSet) -> int:
    for scn in rs.scenarios.values():
        if scn.get("field_work"):
            return int(str(scn["field_work"])[:4])
    return 2005


def _ends(rs: RunSet, df: pd.DataFrame) -> pd.Series:
    ends = {lab: rs.end_of(lab) for lab in rs.labels}
    fallback = max(
        (e for e in ends.values() if e is not None),
        default=pd.Timestamp(df[["founded"]].max().iloc[0]) if "founded" in df else None,
    )
    return df["scenario"].map(lambda s: ends.get(s) or fallback).astype("datetime64[s]")


# ------------------------------------------------------------------------------- sections


def survival_section(rs: RunSet, headline: list[tuple[str, str]]) -> Section:
    sec = Section(
        "survival",
        "Survival of units",
        "Kaplan–Meier estimates of the share of units still open by years since founding, "
        "pooled over replications (each unit of each run is one observation), with 95 % "
        "log-log confidence bands; units open at the end of a run are censored there.",
    )
    ents = rs.table("enterprises")
    if ents is None or ents.empty:
        _missing(sec, "the units' records (enterprises.parquet)")
        _survival_from_summary(rs, sec)
        return sec
    units = sv.unit_durations(ents, _ends(rs, ents))
    units["line"] = _lines(units["line"])
    n_reps = rs.runs.groupby("scenario")["replication"].nunique().to_dict()
    km = sv.km_curves(units, ["scenario"])
    sec.fig(
        "survival_by_scenario",
        plots.survival_curves(km, "scenario", "Survival of units by scenario"),
        "Read how fast each scenario's units close: the further a curve stays up, the longer "
        "units last; shaded bands are 95 % confidence intervals over "
        + ", ".join(f"{_pretty(k)} ({v} run{'s' * (v != 1)})" for k, v in n_reps.items())
        + ".",
    )
    km_line = sv.km_curves(units, ["scenario", "line"])
    sec.fig(
        "survival_by_line",
        plots.survival_curves(
            km_line, "scenario", "Survival of units by line of business", facet="line"
        ),
        "Compare the panels to see which line of business (training, data entry, hardware) "
        "loses units first, and the colours within a panel to see what the scenario changes "
        "for that line.",
    )
    table = sv.survival_table(units, ["scenario"])
    table_line = sv.survival_table(units, ["scenario", "line"])
    sec.table(
        "Median survival and survival at 5 and 10 years, by scenario",
        _survival_display(table, ["scenario"]),
        "Years and shares with 95 % confidence intervals; 'not reached' means fewer than half "
        "the units closed within the horizon.",
    )
    sec.table(
        "… by scenario and line of business",
        _survival_display(table_line, ["scenario", "line"]),
    )
    lr = sv.pairwise_logrank(units, "scenario")
    if not lr.empty:
        sec.table(
            "Log-rank tests between scenarios",
            pd.DataFrame(
                {
                    "scenario A": lr["a"].map(_pretty),
                    "scenario B": lr["b"].map(_pretty),
                    "chi-square (1 df)": lr["chi2"].round(2),
                    "p-value": lr["p_value"].map(_p),
                }
            ),
            "Two-sided log-rank test of equal survival, units pooled over replications and "
            "treated as independent; units of one run share a market, so read the p-value as "
            "a measure of separation rather than an exact error rate.",
        )
        for r in lr.itertuples():
            headline.append(
                (f"log-rank p, {_pretty(r.a)} vs {_pretty(r.b)}", f"{_p(r.p_value)} "
                 f"(chi-square {r.chi2:.1f})")
            )
    rows = []
    for scn, g in units.groupby("scenario", sort=False):
        t = sv.pairwise_logrank(g, "line")
        t.insert(0, "scenario", scn)
        rows.append(t)
    if rows:
        t = pd.concat(rows, ignore_index=True)
        sec.table(
            "Log-rank tests between lines of business, within each scenario",
            pd.DataFrame(
                {
                    "scenario": t["scenario"].map(_pretty),
                    "line A": t["a"].map(_pretty),
                    "line B": t["b"].map(_pretty),
                    "chi-square (1 df)": t["chi2"].round(2),
                    "p-value": t["p_value"].map(_p),
                }
            ),
        )
    for r in table.itertuples():
        headline.append(
            (f"survival at 10 years, {_pretty(r.scenario)}", _ci(r.s10, r.s10_low, r.s10_high,
                                                                 "{:.0%}"))
        )
    _hazard_items(rs, units, sec)
    return sec


def _survival_display(t: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    out = pd.DataFrame({c: t[c].map(_pretty) for c in by})
    out["units"] = t["n"]
    out["closures"] = t["events"]
    out["median (years)"] = [_ci(*v, "{:.1f}") for v in
                             zip(t["median"], t["median_low"], t["median_high"], strict=True)]
    for h in (5, 10):
        out[f"{h}-year survival"] = [
            _ci(*v, "{:.0%}") for v in zip(t[f"s{h}"], t[f"s{h}_low"], t[f"s{h}_high"],
                                           strict=True)
        ]
    return out


def _survival_from_summary(rs: RunSet, sec: Section) -> None:
    cols = [c for c in ("survival_5y", "survival_10y", "share_alive_end") if c in rs.runs]
    if not cols:
        return
    t = rs.runs.groupby("scenario")[cols].agg(["mean", "min", "max"])
    t.columns = [f"{a} {b}" for a, b in t.columns]
    sec.table("Survival per run, from the runs table (mean, min, max over runs)",
              t.reset_index().round(3))


def _hazard_items(rs: RunSet, units: pd.DataFrame, sec: Section) -> None:
    ts = rs.table("timeseries")
    mission = None
    if ts is not None and "mission_active" in ts:
        mission = ts[["scenario", "replication", "date", "mission_active"]]
    ep = sv.episodes(units, mission, run_keys=("scenario", "replication"))
    for line in LINES[1:]:
        ep[f"line: {_pretty(line)} (vs training)"] = (ep["line"] == line).astype(float)
    ep["mission support withdrawn"] = 1.0 - ep["mission_active"].astype(float)
    delay = {
        lab: ((scn.get("payments") or {}).get("public_mean_delay_months"))
        for lab, scn in rs.scenarios.items()
    }
    ep["public payment delay (per month of mean delay)"] = ep["scenario"].map(delay).astype(float)
    covs = [c for c in ep.columns if c.startswith("line: ")] + [
        "mission support withdrawn",
        "public payment delay (per month of mean delay)",
    ]
    ep = ep.dropna(subset=covs)
    try:
        hr, notes = sv.hazard_ratios(ep, covs)
    except Exception as exc:  # noqa: BLE001 - a failed fit must not sink the report
        sec.note(f"Hazard ratios could not be estimated: {exc}")
        return
    if hr.empty:
        sec.note("Hazard ratios: " + "; ".join(notes) + ".")
        return
    sec.fig(
        "hazard_ratios",
        plots.forest(hr, "Hazard ratios of closure (Cox regression)"),
        "A marker right of the dotted line at 1 means that factor makes units close sooner "
        "(hazard ratio with 95 % interval, all covariates together; mission support changes "
        "during a unit's life where the mission withdraws).",
    )
    shown = hr.assign(
        hazard_ratio=hr["hazard_ratio"].round(3), low=hr["low"].round(3),
        high=hr["high"].round(3), p_value=hr["p_value"].map(_p),
    )
    sec.table("Hazard ratios of closure", shown.rename(columns={"hazard_ratio": "hazard ratio",
                                                                "p_value": "p-value"}))
    if notes:
        sec.note("Hazard ratios: " + "; ".join(notes) + ".")


def outcomes_section(rs: RunSet) -> Section:
    """A sweep's kept outcomes per design point (mean and 5-95 % over replications)."""
    sec = Section("outcomes", "Outcomes per design point")
    skip = {"run", "point", "replication", "seed", "wall_time_s"}
    design = rs.meta.get("_design")
    params = set(design.columns) if design is not None else set()
    cols = [c for c in rs.runs.columns if c not in skip and c not in params
            and pd.api.types.is_numeric_dtype(rs.runs[c])]
    if not cols:
        sec.note("The runs table keeps no numeric outcome.")
        return sec
    g = rs.runs.groupby("scenario", sort=False)
    rows = []
    for label, d in g:
        row: dict[str, Any] = {"design point": label, "runs": len(d)}
        for c in cols:
            v = pd.to_numeric(d[c], errors="coerce").dropna()
            row[_pretty(c)] = (
                "–" if v.empty else f"{v.mean():,.3g} [{v.quantile(0.05):,.3g}, "
                f"{v.quantile(0.95):,.3g}]"
            )
        rows.append(row)
    sec.table("Kept outcomes: mean [5 %, 95 %] over replications", pd.DataFrame(rows))
    return sec


def alive_section(rs: RunSet) -> Section:
    sec = Section("alive", "Units alive over time")
    ts = rs.table("timeseries")
    if ts is None:
        _missing(sec, "the monthly series (timeseries)")
        return sec
    cols = [f"alive_{line}" for line in LINES if f"alive_{line}" in ts]
    if not cols:
        _missing(sec, "the monthly counts of units alive by line")
        return sec
    long = ts.melt(["scenario", "replication", "date"], cols, var_name="line", value_name="n")
    long["line"] = _lines(long["line"].str.removeprefix("alive_"))
    band = _quantile_band(long, ["scenario", "line", "date"], "n")
    sec.fig(
        "units_alive_by_line",
        plots.band_lines(
            band, "date", "median", "low", "high", "scenario",
            "Units alive by line of business", "date (month)", "units open",
            facet="line",
        ),
        "Follow each line's count of open units month by month; the line is the median and the "
        "band the 5–95 % range across replications, so a band that widens means runs disagree.",
    )
    return sec


def earnings_section(rs: RunSet) -> Section:
    sec = Section("earnings", "Member earnings and household income")
    my = rs.table("member_years")
    year = _field_year(rs)
    if my is None or my.empty:
        _missing(sec, "the members' yearly records (member_years)")
    else:
        fw = my[my["year"] == year]
        if fw.empty:
            fw = my[my["year"] == my["year"].max()]
            year = int(my["year"].max())
        edges = np.arange(0, 155, 5.0)
        bins = plots.binned(fw["monthly_earnings"], fw["scenario"], edges)
        sec.fig(
            "earnings_distribution",
            plots.histogram(
                bins, "group", f"Member earnings in {year}, the field-work year",
                "monthly earnings (US$ a month; last bar: 150 or more)",
                reference=45.0, reference_label="field figure: US$45 a month",
            ),
            "Read where the bulk of members' monthly earnings lies against the dotted line at "
            "the US$45 a month the women reported in 2005–06 (all replications pooled).",
        )
        bins = plots.binned(fw["household_income_share"], fw["scenario"],
                            np.linspace(0, 1, 21))
        sec.fig(
            "household_share_distribution",
            plots.histogram(
                bins, "group", f"Share of household income from the unit, {year}",
                "members' earnings as a share of household income (%)",
                reference=0.43, reference_label="field figure: 43 % on average",
                percent_x=True,
            ),
            "Read how much of their households' income the members bring home, against the "
            "43 % average of the field work (in just over a third of households it was half or "
            "more).",
        )
    ts = rs.table("timeseries")
    if ts is not None and {"mean_member_earnings", "household_income_share"} <= set(ts.columns):
        band = _quantile_band(ts, ["scenario", "date"], "mean_member_earnings")
        sec.fig(
            "earnings_over_time",
            plots.band_lines(
                band, "date", "median", "low", "high", "scenario",
                "Mean member earnings over time", "date (month)", "US$ a month",
                reference=45.0, reference_label="field figure US$45 (2005–06)",
            ),
            "See whether members' mean earnings rise or fall over the years, and how far they "
            "are from the US$45 a month of the field work (median and 5–95 % band over runs).",
        )
        share = _quantile_band(ts, ["scenario", "date"], "household_income_share")
        fig = plots.band_lines(
            share, "date", "median", "low", "high", "scenario",
            "Share of household income from the unit over time", "date (month)",
            "mean share of household income (%)", reference=0.43,
            reference_label="field figure 43 % (2005–06)",
        )
        fig.update_yaxes(tickformat=".0%")
        sec.fig(
            "household_share_over_time", fig,
            "Follow the members' mean contribution to household income over time against "
            "the 43 % found in the field work.",
        )
    return sec


def arrears_section(rs: RunSet) -> Section:
    sec = Section(
        "arrears", "Arrears and payment delays",
        "Public clients paid 3, 6, even 12 months late; a quarter of units named it their main "
        "challenge and some members pawned gold to meet loan instalments.",
    )
    ts = rs.table("timeseries")
    if ts is None or not {"arrears", "units_alive", "units_in_arrears"} <= set(ts.columns):
        _missing(sec, "the monthly series of arrears, units in arrears and units alive")
    else:
        ts = ts.assign(
            arrears_per_unit=ts["arrears"] / ts["units_alive"].where(ts["units_alive"] > 0),
            share_in_arrears=ts["units_in_arrears"] / ts["units_alive"].where(
                ts["units_alive"] > 0),
        )
        band = _quantile_band(ts.dropna(subset=["arrears_per_unit"]), ["scenario", "date"],
                              "arrears_per_unit")
        sec.fig(
            "arrears_per_unit",
            plots.band_lines(
                band, "date", "median", "low", "high", "scenario",
                "Arrears owed to a unit", "date (month)", "arrears per open unit (US$)",
            ),
            "Read how much overdue money the average open unit is waiting for; a rising curve "
            "means clients pay later than the units can afford (median and 5–95 % band).",
        )
        band = _quantile_band(ts.dropna(subset=["share_in_arrears"]), ["scenario", "date"],
                              "share_in_arrears")
        fig = plots.band_lines(
            band, "date", "median", "low", "high", "scenario",
            "Units waiting for overdue payments", "date (month)",
            "share of open units with arrears (%)", yrange=(0, 1.02),
        )
        fig.update_yaxes(tickformat=".0%")
        sec.fig(
            "share_in_arrears", fig,
            "Read the share of open units that are owed overdue money each month.",
        )
    ents = rs.table("enterprises")
    if ents is not None and {"paid_late", "pawned_gold"} <= set(ents.columns):
        per_run = (
            ents.groupby(["scenario", "replication"])[["paid_late", "pawned_gold"]]
            .mean()
            .reset_index()
            .melt(["scenario", "replication"], var_name="what", value_name="share")
        )
        per_run["what"] = per_run["what"].map(
            {"paid_late": "ever paid late", "pawned_gold": "members pawned gold"}
        )
        b = _quantile_band(per_run, ["scenario", "what"], "share")
        sec.fig(
            "late_payment_consequences",
            plots.bars_with_intervals(
                b, "what", "median", "low", "high", "scenario",
                "Units paid late and units whose members pawned gold",
                "what happened to the unit (ever, by the end of the run)",
                "share of units ever founded (%)", percent=True,
            ),
            "Compare how many units were ever paid late and how many had members pawn gold to "
            "bridge a cash gap (median over runs, whiskers 5–95 %).",
        )
    return sec


def assets_section(rs: RunSet) -> Section:
    sec = Section(
        "assets", "Age of IT assets and reinvestment",
        "PCs lose value by declining-balance depreciation (near zero within about five years), "
        "so units must set money aside to replace them.",
    )
    ey = rs.table("enterprise_years")
    if ey is None or ey.empty:
        _missing(sec, "the units' yearly records (enterprise_years)")
    else:
        d = ey[ey["alive"] & (ey["working_pcs"] > 0)].copy()
        ages = []
        for lab, g in d.groupby("scenario"):
            a = (rs.scenarios.get(lab) or {}).get("assets") or {}
            start = (rs.scenarios.get(lab) or {}).get("start", "1999-01")
            price0 = float(a.get("pc_price_usd", 550.0))
            change = float(a.get("pc_price_annual_change", -0.06))
            rate = float(a.get("depreciation_rate", 0.40))
            y0, m0 = map(int, str(start).split("-"))
            t_years = ((g["year"] - y0) * 12 + (12 - m0)) / 12.0  # December of each year
            price = price0 * (1 + change) ** t_years
            per_pc = g["asset_value"] / g["working_pcs"]
            ratio = (per_pc / price).clip(lower=1e-9)
            denom = math.log((1 - rate) / (1 + change)) if rate < 1 else -np.inf
            age = np.log(ratio) / denom if denom < 0 else np.nan
            ages.append(g.assign(pc_age=np.clip(age, 0, None)))
        if ages:
            d = pd.concat(ages)
            per_run = d.groupby(["scenario", "replication", "year"])["pc_age"].mean().reset_index()
            band = _quantile_band(per_run, ["scenario", "year"], "pc_age")
            sec.fig(
                "pc_age",
                plots.band_lines(
                    band, "year", "median", "low", "high", "scenario",
                    "Age of the units' PCs", "year", "mean equivalent age of working PCs (years)",
                ),
                "Read how old the working PCs of open units are on average; a curve that keeps "
                "climbing means units are not replacing worn-out machines (age implied by book "
                "value per PC under the scenario's depreciation and PC price trend).",
            )
        value = d.groupby(["scenario", "replication", "year"])["asset_value"].mean().reset_index()
        band = _quantile_band(value, ["scenario", "year"], "asset_value")
        sec.fig(
            "asset_value",
            plots.band_lines(
                band, "year", "median", "low", "high", "scenario",
                "Book value of a unit's IT assets", "year",
                "written-down value per open unit (US$)",
            ),
            "Read whether units keep the value of their equipment up by reinvesting, or let it "
            "depreciate toward zero (median and 5–95 % band across runs).",
        )
    ents = rs.table("enterprises")
    if ents is not None and "reinvested_usd" in ents:
        units = sv.unit_durations(ents, _ends(rs, ents))
        units = units[units["years"] > 0]
        units = units.assign(per_year=units["reinvested_usd"] / units["years"])
        units["line"] = _lines(units["line"])
        per_run = units.groupby(["scenario", "replication", "line"], observed=True)["per_year"]
        per_run = per_run.mean()
        b = _quantile_band(per_run.reset_index(), ["scenario", "line"], "per_year")
        sec.fig(
            "reinvestment",
            plots.bars_with_intervals(
                b, "line", "median", "low", "high", "scenario",
                "Reinvestment in IT assets by line of business", "line of business",
                "US$ spent on PCs per year open, per unit",
            ),
            "Compare how much a unit spends a year on new and replacement PCs in each line "
            "(median over runs, whiskers 5–95 %).",
        )
    return sec


def people_section(rs: RunSet) -> Section:
    sec = Section(
        "people", "Members and employees per unit",
        "Units start with about ten women; members leave (marriage, another job) and are "
        "replaced by hired employees: at field work core members averaged 7 and participants "
        "just over 10.",
    )
    ts = rs.table("timeseries")
    need = {"units_alive", "core_members", "employees", "casual_workers"}
    if ts is None or not need <= set(ts.columns):
        _missing(sec, "the monthly series of members, employees and units alive")
        return sec
    alive = ts["units_alive"].where(ts["units_alive"] > 0)
    t = pd.DataFrame(
        {
            "scenario": ts["scenario"], "replication": ts["replication"], "date": ts["date"],
            "core members": ts["core_members"] / alive,
            "employees": ts["employees"] / alive,
            "casual workers": ts["casual_workers"] / alive,
        }
    ).melt(["scenario", "replication", "date"], var_name="who", value_name="per_unit")
    band = _quantile_band(t.dropna(), ["scenario", "who", "date"], "per_unit")
    sec.fig(
        "people_per_unit",
        plots.band_lines(
            band, "date", "median", "low", "high", "scenario",
            "Members and employees per open unit", "date (month)", "people per open unit",
            facet="who", reference=7.0, reference_label="field figure: 7 core members",
        ),
        "Read how many core members, employees and casual workers an open unit has; the dotted "
        "line marks the seven core members found at field work.",
    )
    return sec


def closure_section(rs: RunSet) -> Section:
    sec = Section(
        "closures", "Why units close",
        "Three competing causes end a unit: insolvency, loss of members, and long idleness.",
    )
    ents = rs.table("enterprises")
    if ents is None or ents.empty:
        _missing(sec, "the units' records (enterprises.parquet)")
        return sec
    units = sv.unit_durations(ents, _ends(rs, ents))
    inc = sv.incidence_curves(units, ["scenario"])
    sec.fig(
        "closure_incidence",
        plots.survival_curves(
            inc, "cause", "Cumulative incidence of closure by cause", facet="scenario",
            ylabel="share of units closed by this cause", y="incidence", yrange=None,
        ),
        "Read, for each cause, the share of units it has closed by each age; the causes "
        "compete, so their curves add up to the share closed (Aalen–Johansen, 95 % bands).",
    )
    closed = units[units["event"]].copy()
    reps = rs.runs.groupby("scenario")["replication"].nunique()
    if closed.empty:
        sec.note("No unit closed in these runs.")
    else:
        closed["year"] = closed["closed"].dt.year
        closed["closure_reason"] = closed["closure_reason"].astype(str)
        counts = closed.groupby(["scenario", "year", "closure_reason"]).size().rename("n")
        counts = counts.reset_index()
        counts["per_run"] = counts["n"] / counts["scenario"].map(reps)
        sec.fig(
            "closures_per_year",
            plots.stacked_bars(
                counts, "year", "per_run", "closure_reason", "scenario",
                "Closures per calendar year by reason", "year", "units closed per run",
                order=sv.CLOSURE_CAUSES,
            ),
            "See when closures happen and which reason dominates each year (mean units closed "
            "per run, stacked by reason).",
        )
        t = closed.groupby(["scenario", "closure_reason"]).size().unstack(fill_value=0)
        t = t.reindex(columns=list(sv.CLOSURE_CAUSES), fill_value=0)
        t = t.div(reps.reindex(t.index), axis=0).round(2)
        t.columns = [_pretty(c) for c in t.columns]
        t.columns.name = None
        t.index = [_pretty(i) for i in t.index]
        t = t.rename_axis("scenario").reset_index()
        sec.table("Closures per run by reason (mean over runs)", t)
    return sec


def tenure_section(rs: RunSet) -> Section:
    sec = Section(
        "tenure", "Members' tenure",
        "How long a woman stays with her unit, from joining to leaving for any reason "
        "(marriage, another job, migration, or the unit closing); members still active at the "
        "end of a run are censored.",
    )
    mem = rs.table("members")
    if mem is None or mem.empty:
        _missing(sec, "the members' records (members.parquet)")
        return sec
    mem = mem[mem["joined"].notna()]
    md = sv.member_durations(mem, _ends(rs, mem.rename(columns={"joined": "founded"})))
    km = sv.km_curves(md, ["scenario"])
    sec.fig(
        "member_tenure",
        plots.survival_curves(
            km, "scenario", "Members' tenure", xlabel="years since joining",
            ylabel="share of members still in their unit",
        ),
        "Read how quickly members leave their units; where the curve crosses 50 % is the "
        "median tenure (Kaplan–Meier, 95 % log-log bands, replications pooled).",
    )
    t = sv.survival_table(md, ["scenario"])
    d = _survival_display(t, ["scenario"]).rename(
        columns={"units": "members", "closures": "left"}
    )
    sec.table("Median tenure and share still in their unit after 5 and 10 years", d)
    inc = sv.incidence_curves(md, ["scenario"], causes=sv.LEAVE_CAUSES)
    sec.fig(
        "leaving_incidence",
        plots.survival_curves(
            inc, "cause", "Why members leave: cumulative incidence by reason", facet="scenario",
            xlabel="years since joining", ylabel="share of members who left for this reason",
            y="incidence", yrange=None,
        ),
        "Read which reason takes most members away and how soon (competing causes, "
        "Aalen–Johansen estimates with 95 % bands).",
    )
    return sec


def patterns_section(rs: RunSet) -> Section:
    sec = Section(
        "patterns", "Field patterns (baseline)",
        "The baseline should reproduce the patterns observed in Kerala in 2005–06 (Heeks & "
        "Arun 2010).",
    )
    if rs.kind == "sweep":
        sec.note("A sweep varies the baseline, so no run set here is the baseline itself; run "
                 "'sosim patterns' for the pattern table.")
        return sec
    base = [lab for lab in rs.labels if lab == BASELINE_NAME
            or (rs.scenarios.get(lab) or {}).get("name") == BASELINE_NAME]
    if not base:
        sec.note(
            f"No run here is of the baseline scenario ({BASELINE_NAME}), so the pattern table "
            "is left out."
        )
        return sec
    lab = base[0]
    table = _patterns_table(rs, lab)
    if table is not None:
        sec.table(f"Patterns of {_pretty(lab)}: model against field figures", table,
                  "From analysis/patterns.yaml: observed figure, model mean and 5–95 % range "
                  "across replications, and whether the pattern is met.")
        return sec
    runs = rs.runs[rs.runs["scenario"] == lab]
    rows = []
    for col, (label, observed, unit, fmt) in FIELD.items():
        if col not in runs:
            continue
        v = pd.to_numeric(runs[col], errors="coerce").dropna()
        if v.empty:
            continue
        rows.append(
            {
                "pattern": label,
                "unit": unit,
                "observed": fmt.format(observed),
                "model mean": fmt.format(v.mean()),
                "5–95 % across runs": f"{fmt.format(v.quantile(0.05))} – "
                f"{fmt.format(v.quantile(0.95))}",
                "runs": len(v),
            }
        )
    sec.table(f"Patterns of {_pretty(lab)}: model against field figures", pd.DataFrame(rows),
              "Field-work-year figures from each run's summary against the figures reported by "
              "Heeks & Arun (2010).")
    return sec


def _patterns_table(rs: RunSet, label: str) -> pd.DataFrame | None:
    """The table of ``analysis.patterns`` where that module is present and works."""
    try:
        from analysis import patterns as pt

        pats = pt.load_patterns()
        results = []
        for i in np.flatnonzero(rs.runs["scenario"].astype(str) == label):
            tables = rs.run_tables(int(i))
            if tables is None:
                return None
            results.append(pt.measure(SimpleNamespace(**tables), pats))
        if not results:
            return None
        t = pt.judge(pats, results)
    except Exception:  # noqa: BLE001 - fall back to the summary table
        return None
    keep = [c for c in ("pattern", "level", "observed", "model_mean", "model_p05", "model_p95",
                        "target", "met") if c in t]
    t = t[keep].copy()
    for c in ("observed", "model_mean", "model_p05", "model_p95"):
        if c in t:
            t[c] = t[c].map(lambda x: f"{x:,.3g}" if pd.notna(x) else "–")
    if "met" in t:
        t["met"] = t["met"].map({True: "yes", False: "no"})
    return t.rename(columns={"model_mean": "model mean", "model_p05": "model 5 %",
                             "model_p95": "model 95 %"})


def _flatten(d: Any, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(_flatten(v, f"{prefix}{k}." if not isinstance(v, dict) or v else
                                f"{prefix}{k}"))
        return {k.rstrip("."): v for k, v in out.items()}
    out[prefix] = json.dumps(d, sort_keys=True) if isinstance(d, list) else str(d)
    return out


def parameters_section(rs: RunSet) -> Section:
    sec = Section("parameters", "Scenario parameters that differ")
    design = rs.meta.get("_design")
    if rs.kind == "sweep" and design is not None:
        d = design[[c for c in design.columns if not c.startswith("u.")]]
        shown = d.head(200)
        sec.table("Parameters of each design point (the base scenario elsewhere)",
                  shown.astype(object).where(shown.notna(), "none"),
                  "" if len(d) <= 200 else f"First 200 of {len(d)} design points.")
        return sec
    scns = {lab: rs.scenarios.get(lab) for lab in rs.labels}
    have = {k: v for k, v in scns.items() if v}
    if len(have) < 2:
        if len(rs.labels) < 2:
            sec.note("One scenario only: nothing to compare. Its parameters are in summary.json.")
        else:
            sec.note("The scenarios as resolved are not kept in this folder.")
        if len(have) == 1:
            (lab, scn), = have.items()
            ev = scn.get("events") or []
            sec.note(f"{_pretty(lab)}: {len(ev)} dated event(s)"
                     + (": " + json.dumps(ev) if ev else "") + ".")
        return sec
    flat = {lab: _flatten(s) for lab, s in have.items()}
    keys = sorted(set().union(*[set(f) for f in flat.values()]))
    rows = []
    for k in keys:
        if k in ("name", "description", "seed"):
            continue
        vals = [flat[lab].get(k, "–") for lab in have]
        if len(set(vals)) > 1:
            rows.append({"parameter": k, **{_pretty(lab): v for lab, v in
                                            zip(have, vals, strict=True)}})
    if rows:
        sec.table("Parameters and events that differ between the scenarios", pd.DataFrame(rows))
    else:
        sec.note("The scenarios have identical parameters.")
    return sec


def runs_section(rs: RunSet) -> Section:
    sec = Section("runs", "Runs, seeds and version")
    seeds = rs.runs.groupby("scenario", sort=False).agg(
        runs=("replication", "size"),
        seeds=("seed", lambda s: ", ".join(str(x) for x in s)),
    ).reset_index()
    if len(seeds) > 200:
        sec.note(f"Seeds of the first 200 of {len(seeds)} design points.")
        seeds = seeds.head(200)
    sec.table("Runs per scenario and their seeds", seeds,
              "Replication r of every scenario uses the same seed (paired replications)."
              if rs.kind == "compare" else "")
    facts = {
        "folder": str(rs.root),
        "kind": rs.kind,
        "sosim version": rs.version or "unknown",
        "report built": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    }
    if rs.kind == "sweep":
        facts["sweep"] = str(rs.meta.get("name", ""))
        facts["design"] = str(rs.meta.get("design", ""))
        facts["root seed"] = str(rs.meta.get("root_seed"))
        facts["replication seeds"] = ", ".join(str(x) for x in
                                               rs.meta.get("replication_seeds", []))
    if rs.kind == "compare":
        facts["root seed"] = str(rs.meta.get("root_seed"))
        facts["scenario files"] = ", ".join(s.get("file", "") for s in rs.meta.get("scenarios",
                                                                                   []))
        if rs.meta.get("sets"):
            facts["overrides (--set)"] = ", ".join(rs.meta["sets"])
    sec.table("Provenance", pd.DataFrame({"": list(facts), "value": list(facts.values())}))
    return sec


# ------------------------------------------------------------------------------- assembly


def build(rs: RunSet) -> Report:
    """All sections of the report for a run set."""
    headline: list[tuple[str, str]] = []
    sections = [survival_section(rs, headline)]
    if rs.kind == "sweep":
        sections.append(outcomes_section(rs))
    for make in (alive_section, earnings_section, arrears_section, assets_section,
                 people_section, closure_section, tenure_section, patterns_section,
                 parameters_section, runs_section):
        try:
            sections.append(make(rs))
        except Exception as exc:  # noqa: BLE001 - one broken section must not sink the report
            s = Section(make.__name__.removesuffix("_section"), make.__name__)
            s.note(f"This section failed to build: {type(exc).__name__}: {exc}")
            sections.append(s)
    what = {"run": "one run", "compare": "a comparison", "sweep": "a sweep"}[rs.kind]
    n = len(rs.runs)
    names = (", ".join(_pretty(s) for s in rs.labels) if rs.kind != "sweep"
             else str(rs.meta.get("name") or rs.root.name))
    title = f"sosim report: {what} of {names}"
    per = rs.runs.groupby("scenario", sort=False).size()
    detail = (", ".join(f"{_pretty(k)}: {v}" for k, v in per.items()) if len(per) <= MAX_POINTS
              else f"{len(per)} design points")
    headline.insert(0, ("runs", f"{n} ({detail})"))
    return Report(title, rs, sections, headline)


CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#222;
background:#fafafa}
header{background:#1f3b4d;color:#fff;padding:18px 32px}header h1{margin:0;font-size:1.5em}
header p{margin:4px 0 0;opacity:.85}
nav{padding:8px 32px;background:#e8eef2;font-size:.9em}nav a{margin-right:14px;color:#1f3b4d}
main{max-width:1200px;margin:0 auto;padding:8px 32px 48px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 20px 16px;
margin:18px 0}
h2{border-bottom:2px solid #1f3b4d;padding-bottom:4px}
.caption{font-size:.92em;color:#444;margin:2px 0 22px;font-style:italic}
.note{background:#fff7e0;border-left:4px solid #e0a800;padding:6px 10px;margin:8px 0}
table.tbl{border-collapse:collapse;font-size:.88em;margin:6px 0 4px}
table.tbl th,table.tbl td{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left}
table.tbl th{background:#f0f3f5}
.headline td{padding:2px 14px 2px 0}.figure{margin:6px 0}
h3{font-size:1.02em;margin:16px 0 4px}.scroll{overflow-x:auto}
"""


def render(report: Report) -> str:
    """The report as one HTML page, plotly's JavaScript inlined once (works offline)."""
    parts: list[str] = []
    first = True
    for s in report.sections:
        parts.append(f'<section id="{s.id}"><h2>{html.escape(s.title)}</h2>')
        if s.intro:
            parts.append(f"<p>{html.escape(s.intro)}</p>")
        for it in s.items:
            if it.kind == "figure" and it.figure is not None:
                div = it.figure.to_html(
                    full_html=False,
                    include_plotlyjs=True if first else False,
                    include_mathjax=False,
                    div_id=f"fig-{it.name}",
                    config={"displaylogo": False, "responsive": True},
                )
                first = False
                parts.append(f'<div class="figure" data-figure="{it.name}">{div}</div>')
                parts.append(f'<p class="caption">{html.escape(it.caption)}</p>')
            elif it.kind == "table":
                if it.title:
                    parts.append(f"<h3>{html.escape(it.title)}</h3>")
                parts.append(it.html)
                if it.caption:
                    parts.append(f'<p class="caption">{html.escape(it.caption)}</p>')
            else:
                parts.append(f'<p class="note">{it.html}</p>')
        parts.append("</section>")
    nav = "".join(f'<a href="#{s.id}">{html.escape(s.title)}</a>' for s in report.sections)
    head_rows = "".join(
        f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>"
        for k, v in report.headline
    )
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in report.runset.notes)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(report.title)}</title>"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<style>{CSS}</style></head><body>"
        f"<header><h1>{html.escape(report.title)}</h1><p>sosim "
        f"{html.escape(report.runset.version or '')} · {html.escape(str(report.runset.root))}"
        "</p></header>"
        f"<nav>{nav}</nav><main>"
        f'<section id="summary"><h2>In brief</h2>{notes}<table class="headline">{head_rows}'
        "</table></section>" + "".join(parts) + "</main></body></html>\n"
    )


# ------------------------------------------------------------------------------- export


class ExportError(Exception):
    """Static figures could not be written (no kaleido, no browser...)."""


def export_figures(figures: list[tuple[str, go.Figure]], out_dir: Path, fmt: str) -> list[Path]:
    """Write each figure as ``out_dir/<name>.<fmt>`` (png or svg) in one kaleido session."""
    import plotly.io as pio

    try:
        import kaleido  # noqa: F401
    except ImportError as exc:
        raise ExportError(
            "static export needs kaleido: pip install 'sosim[export]' (kaleido>=1)"
        ) from exc
    browser = os.environ.get("BROWSER_PATH")
    if browser and not Path(browser).is_file():
        raise ExportError(f"BROWSER_PATH={browser} does not exist")
    if not browser and not _find_chromium():
        raise ExportError(
            "static export needs Chromium or Chrome: install Debian's 'chromium' package "
            "(apt-get install chromium) or set BROWSER_PATH to a Chrome/Chromium executable"
        )
    pio.defaults.mathjax = None  # nothing is fetched
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{name}.{fmt}" for name, _ in figures]
    figs = [f for _, f in figures]
    heights = [int(f.layout.height or plots.HEIGHT) for f in figs]
    try:
        pio.write_images(figs, paths, format=fmt, width=plots.WIDTH, height=heights)
    except Exception as exc:  # noqa: BLE001 - kaleido/choreographer raise many kinds
        raise ExportError(f"static export failed: {type(exc).__name__}: {exc}") from exc
    return paths


def _find_chromium() -> str | None:
    import shutil

    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                 "chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def build_report(
    root: str | Path, out: str | Path | None = None, formats: tuple[str, ...] = ()
) -> tuple[Path, Report]:
    """Read ``root``, write ``report.html`` (to ``out`` or ``root/report.html``) and, for each
    format in ``formats`` (``png``, ``svg``), the figures under ``root/figures/``."""
    rs = load(root)
    report = build(rs)
    path = Path(out) if out is not None else rs.root / "report.html"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render(report), encoding="utf-8")
    tmp.replace(path)
    for fmt in formats:
        export_figures(report.figures(), rs.root / "figures", fmt)
    return path, report
