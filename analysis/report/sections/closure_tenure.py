"""Why units close (competing causes) and how long members stay."""

from __future__ import annotations

from analysis import plots
from analysis import survival as sv
from analysis.report.document import Section
from analysis.report.format import _pretty
from analysis.report.load import RunSet
from analysis.report.sections.common import _ends, _missing
from analysis.report.sections.survival import _survival_display


def closure_section(rs: RunSet) -> Section:
    sec = Section(
        "closures", "Why units close",
        "Four competing causes end a unit: insolvency, loss of members, long idleness, and "
        "members walking away from a unit that has paid them next to nothing for long (not "
        "viable).",
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
