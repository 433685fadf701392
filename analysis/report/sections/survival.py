"""Survival of units: Kaplan–Meier curves, survival tables, log-rank tests and hazard ratios."""

from __future__ import annotations

import pandas as pd

from analysis import plots
from analysis import survival as sv
from analysis.report.document import Section
from analysis.report.format import _ci, _lines, _p, _pretty
from analysis.report.load import RunSet
from analysis.report.sections.common import _ends, _missing
from sim.scenario import LINES


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
    n_reps = rs.runs.groupby("scenario", sort=False)["replication"].nunique().to_dict()
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
    lr = sv.pairwise_stratified_logrank(units, "scenario", "replication")
    if not lr.empty:
        sec.table(
            "Log-rank tests between scenarios, stratified by replication",
            pd.DataFrame(
                {
                    "scenario A": lr["a"].map(_pretty),
                    "scenario B": lr["b"].map(_pretty),
                    "replications (strata)": lr["strata"],
                    "chi-square (1 df)": lr["chi2"].round(2),
                    "p-value": lr["p_value"].map(_p),
                }
            ),
            "Two-sided log-rank test of equal survival, stratified by replication: closures "
            "are compared with those expected within each replication (the runs that share a "
            "seed, and so a market history) and summed over replications. Units within a run "
            "are still counted as separate observations, and a p-value over simulated runs "
            "falls towards zero as runs are added whatever the size of the effect: read the "
            "size of the effect from the paired differences and the hazard ratios, and the "
            "p-value only as a check of direction.",
        )
    if rs.kind == "compare" and len(rs.labels) > 1:
        _scenario_cox(units, rs.labels, sec, headline)
    rows = []
    for scn, g in units.groupby("scenario", sort=False):
        t = sv.pairwise_stratified_logrank(g, "line", "replication")
        t.insert(0, "scenario", scn)
        rows.append(t)
    if rows:
        t = pd.concat(rows, ignore_index=True)
        sec.table(
            "Log-rank tests between lines of business, within each scenario, stratified by "
            "replication",
            pd.DataFrame(
                {
                    "scenario": t["scenario"].map(_pretty),
                    "line A": t["a"].map(_pretty),
                    "line B": t["b"].map(_pretty),
                    "replications (strata)": t["strata"],
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
    t = rs.runs.groupby("scenario", sort=False)[cols].agg(["mean", "min", "max"])  # point order
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
        fit = sv.clustered_cox(ep, covs, groups="replication")
    except Exception as exc:  # noqa: BLE001 - a failed fit must not sink the report
        sec.note(f"Hazard ratios could not be estimated: {exc}")
        return
    hr, notes = fit.table, fit.notes
    if hr.empty:
        sec.note("Hazard ratios: " + "; ".join(notes) + ".")
        return
    sec.fig(
        "hazard_ratios",
        plots.forest(hr, "Hazard ratios of closure (Cox regression)"),
        "A marker right of the dotted line at 1 means that factor makes units close sooner "
        "(hazard ratio with 95 % interval, all covariates together; mission support changes "
        "during a unit's life where the mission withdraws; "
        + _cluster_words(fit.clusters) + ").",
    )
    _cox_tables(fit, sec, "Hazard ratios of closure")
    if notes:
        sec.note("Hazard ratios: " + "; ".join(notes) + ".")


def _cluster_words(clusters: int) -> str:
    if clusters > 1:
        return (f"errors clustered by replication over {clusters} clusters, each the runs that "
                "share a seed, so units of one run, which share a market, are not taken as "
                "independent")
    return "model-based errors: one run, so units are taken as independent"


def _cox_tables(fit: sv.CoxFit, sec: Section, title: str) -> None:
    """The hazard-ratio table of a Cox fit and, beside it, its proportional-hazards check."""
    hr = fit.table
    shown = hr.assign(
        hazard_ratio=hr["hazard_ratio"].round(3), low=hr["low"].round(3),
        high=hr["high"].round(3), p_value=hr["p_value"].map(_p),
    )
    sec.table(title, shown.rename(columns={"hazard_ratio": "hazard ratio",
                                           "p_value": "p-value"}))
    ph = fit.ph
    if ph.empty:
        return
    sec.table(
        "… proportional-hazards check",
        pd.DataFrame({
            "covariate": ph["covariate"],
            "Schoenfeld residual vs time rank (correlation)": ph["correlation"].round(3),
            "p-value of the trend": ph["p_value"].map(_p),
            "reading": [("hazard ratio drifts with time: read it as an average over the "
                         "horizon" if p < 0.05 else "no clear drift")
                        if p == p else "–" for p in ph["p_value"]],
        }),
        "A Cox hazard ratio assumes the factor multiplies the hazard by the same amount at "
        "every age of a unit. The Schoenfeld residuals of each closure, regressed on the rank "
        "of its time (errors clustered as the fit's), show a drift when it does not; a small "
        "p-value means the ratio changes with units' age.",
    )


def _scenario_cox(units: pd.DataFrame, labels: list[str], sec: Section,
                  headline: list[tuple[str, str]]) -> None:
    """Hazard ratio of closure of each scenario against the first, stratified by replication
    (each its own baseline hazard) with errors clustered by replication."""
    ref = labels[0]
    df = units.assign(entry=0.0, exit=units["years"], status=units["event"].astype(int))
    covs = []
    for lab in labels[1:]:
        name = f"{_pretty(lab)} (vs {_pretty(ref)})"
        df[name] = (df["scenario"] == lab).astype(float)
        covs.append(name)
    try:
        fit = sv.clustered_cox(df, covs, groups="replication", strata="replication")
    except Exception as exc:  # noqa: BLE001 - a failed fit must not sink the report
        sec.note(f"Hazard ratios between scenarios could not be estimated: {exc}")
        return
    if fit.table.empty:
        sec.note("Hazard ratios between scenarios: " + "; ".join(fit.notes) + ".")
        return
    _cox_tables(fit, sec, "Hazard ratio of closure, each scenario against "
                + _pretty(ref) + " (Cox, stratified by replication)")
    by_name = dict(zip(covs, labels[1:], strict=True))
    for r in fit.table.itertuples(index=False):
        lab = by_name[r.covariate]
        headline.append((f"hazard ratio of closure, {_pretty(lab)} vs {_pretty(ref)}",
                         _ci(r.hazard_ratio, r.low, r.high, "{:.2f}")
                         + (" (clustered by replication)" if fit.clusters > 1 else "")))
    by_run = ""
    if fit.clusters > 1:  # the same model, each run its own cluster: what pairing gains
        df["run"] = df["scenario"].astype(str) + "/" + df["replication"].astype(str)
        try:
            alt = sv.clustered_cox(df, covs, groups="run", strata="replication").table
        except Exception:  # noqa: BLE001 - the main fit is shown; this is a comparison
            alt = pd.DataFrame()
        if not alt.empty:
            by_run = (" With errors clustered by run instead (each run its own cluster, the "
                      "seed shared by the runs of a pair ignored) the 95 % intervals are "
                      + "; ".join(f"{r.covariate} [{r.low:.2f}, {r.high:.2f}]"
                                  for r in alt.itertuples(index=False)) + ".")
    sec.note("Hazard ratio between scenarios: a Cox model with one baseline hazard per "
             "replication; " + _cluster_words(fit.clusters) + ". Above 1: units of that "
             "scenario close sooner." + by_run
             + ("" if not fit.notes else " " + "; ".join(fit.notes) + "."))
