"""The scenario parameters that differ between the run sets, and the runs, seeds and version."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

import pandas as pd

from analysis.report.document import Section
from analysis.report.format import _pretty
from analysis.report.load import RunSet


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
    draws = rs.meta.get("posterior_draws")
    if rs.kind in ("sweep", "compare"):
        facts["uncertainty in the bands"] = (
            f"parameter and stochastic: replication k ran on posterior draw k ({len(draws)} "
            "draws of a sosim calibrate posterior, resampled by weight) and seed k" if draws
            else "stochastic only: every replication has the scenario's parameter values")
    sec.table("Provenance", pd.DataFrame({"": list(facts), "value": list(facts.values())}))
    return sec
