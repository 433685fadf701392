"""Every output of a run declared once: each column of the five tables and each figure of the
summary, with its type, unit and meaning. Everything else is derived from here: the column order
of the written tables (``sim.outputs``), the outcomes a sweep may keep (``MONTHLY_COLUMNS``,
``SUMMARY_OUTCOMES``), the lines ``sosim run`` prints (``summary_lines``) and the glossary
docs/outputs.md (``python -m sim.columns`` writes it, see ``sim/columns/__main__.py``).

To add an output: compute it in ``sim/outputs.py`` and declare it here (a test fails until both
agree), then run ``python -m sim.columns``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.scenario.params import LINES

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Column:
    """One column of an output table."""

    name: str
    dtype: str
    """pandas dtype as written (``int64``, ``float64``, ``bool``, ``string``, ``datetime64[s]``)."""
    unit: str
    meaning: str
    key: bool = False
    """Identifies the row (month, unit, member, year) rather than measuring something."""


@dataclass(frozen=True)
class Table:
    """One output table: what a row is, and its columns in the order they are written."""

    name: str
    row: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        """Column names in written order."""
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class SummaryFigure:
    """One figure of a run's summary (``RunResult.summary``, summary.json)."""

    name: str
    kind: str
    """Python type of the value: ``str``, ``int``, ``float``, ``dict[str, int]``; with
    ``| None`` when it can be null (nothing observed)."""
    unit: str
    meaning: str
    label: str | None = None
    """Line of ``sosim run``'s summary that prints it (figures sharing a label share a line,
    values joined by " / "); None: not printed there."""
    fmt: str = "{}"
    """Format of the value on that line (null prints as "-")."""
    identity: bool = False
    """Names the run (scenario, seed, dates) rather than measuring it."""

    @property
    def scalar(self) -> bool:
        """A number a sweep can keep as a column."""
        return not self.identity and self.kind.split(" |")[0] in ("int", "float")


DATE = "date (first of month)"
USD = "US$"
SHARE = "share (0-1)"

TIMESERIES = Table(
    "timeseries",
    "month (values at the month's end; flows over the month)",
    (
        Column("date", "datetime64[s]", DATE, "the month", key=True),
        Column("month", "int64", "month index", "months since the start (0 = start month)",
               key=True),
        *(
            Column(f"alive_{line}", "int64", "units",
                   f"units of the {line.replace('_', ' ')} line open")
            for line in LINES
        ),
        Column("units_alive", "int64", "units", "units open"),
        *(
            Column(f"viable_{line}", "int64", "units",
                   f"units of the {line.replace('_', ' ')} line open and viable: members' mean "
                   "pay over the viability window at least the mission's floor "
                   "(closure.viable_usd_per_member_month)")
            for line in LINES
        ),
        Column("units_viable", "int64", "units",
               "units open and viable (members' mean pay over the viability window at least "
               "closure.viable_usd_per_member_month)"),
        Column("units_founded", "int64", "units", "units founded since the start (cumulative)"),
        Column("units_closed", "int64", "units", "units closed since the start (cumulative)"),
        Column("core_members", "int64", "people", "active core members of open units"),
        Column("employees", "int64", "people", "hired employees of open units"),
        Column("casual_workers", "int64", "people", "casual workers of open units this month"),
        Column("mean_member_earnings", "float64", "US$/month",
               "mean pay this month of active core members"),
        Column("household_income_share", "float64", SHARE,
               "mean share of active members' household income earned in the unit this month"),
        Column("revenue", "float64", USD, "revenue earned this month by open units"),
        Column("revenue_private", "float64", USD, "of that revenue, from private clients"),
        Column("cash", "float64", USD, "cash held by open units"),
        Column("receivables", "float64", USD, "invoiced and not yet paid"),
        Column("arrears", "float64", USD, "unpaid invoices past their due month"),
        Column("loan_balance", "float64", USD, "loans outstanding of open units"),
        Column("units_in_arrears", "int64", "units", "open units owed arrears"),
        Column("units_marketing", "int64", "units", "open units that market themselves"),
        Column("working_pcs", "int64", "PCs", "working PCs of the units"),
        Column("records_stock", "float64", "thousand records", "paper records still to digitise"),
        Column("schools_insourced", "int64", "schools",
               "schools that took their computer training in house (cumulative)"),
        Column("mission_active", "bool", "yes/no",
               "the intermediary (the mission) brokers, forms and finances this month"),
        Column("public_orders", "int64", "orders",
               "public orders offered since the start (cumulative)"),
        Column("public_orders_won", "int64", "orders",
               "of those, orders won by the units (cumulative)"),
    ),
)

ENTERPRISES = Table(
    "enterprises",
    "unit ever founded (state at the end of the run)",
    (
        Column("enterprise_id", "int64", "id", "the unit (row of the enterprise table)", key=True),
        Column("line", "string", "-", "line of business: training, data_entry or hardware"),
        Column("area", "int64", "area",
               "area (district, 0 to marketing.areas - 1) whose private market it sells into"),
        Column("founded", "datetime64[s]", DATE, "month founded"),
        Column("closed", "datetime64[s]", DATE, "month closed; null while open"),
        Column("closure_reason", "string", "-",
               "why it closed: insolvency, loss_of_members, idleness or not_viable (members "
               "walked away from too little pay); null while open"),
        Column("markets_self", "bool", "yes/no", "markets itself"),
        Column("loans_taken", "int64", "loans", "bank loans taken (the first and further ones)"),
        Column("loan_repaid", "datetime64[s]", DATE,
               "month its loans were first fully repaid; null if never"),
        Column("pawned_gold", "bool", "yes/no",
               "members ever pawned gold to meet its costs and instalment"),
        Column("paid_late", "bool", "yes/no", "ever paid by a client after the due month"),
        Column("first_paid_late", "datetime64[s]", DATE,
               "month it was first paid late; null if never"),
        Column("further_loan", "datetime64[s]", DATE,
               "month of its first further loan; null if none"),
        Column("reinvested_usd", "float64", USD, "spent on PCs after formation"),
        Column("reputation", "float64", SHARE, "reputation"),
        # diversification (issue 14, item 12)
        Column("second_line", "string", "-",
               "second line of business it took up (diversification); null if none"),
        Column("diversified", "datetime64[s]", DATE,
               "month it took up its second line; null if never"),
    ),
)

ENTERPRISE_YEARS = Table(
    "enterprise_years",
    "unit x year, for units open at some time in the year (values at the year's end or the "
    "run's last month; flows over the year)",
    (
        Column("enterprise_id", "int64", "id", "the unit", key=True),
        Column("year", "int64", "year", "calendar year", key=True),
        Column("alive", "bool", "yes/no", "open at the year's end"),
        Column("viable", "bool", "yes/no",
               "open and viable at the year's end (members' mean pay over the viability window "
               "at least closure.viable_usd_per_member_month)"),
        Column("core_members", "int64", "people", "active core members"),
        Column("employees", "int64", "people", "hired employees and casual workers"),
        Column("revenue", "float64", USD, "revenue earned in the year"),
        Column("revenue_private", "float64", USD, "of that revenue, from private clients"),
        Column("arrears", "float64", USD, "unpaid invoices past their due month"),
        Column("cash", "float64", USD, "cash held"),
        Column("loan_balance", "float64", USD, "loans outstanding"),
        Column("asset_value", "float64", USD, "written-down value of its working PCs"),
        Column("mean_member_earnings", "float64", "US$/month",
               "members' pay in the year per member-month paid"),
        Column("working_pcs", "int64", "PCs", "working PCs"),
        Column("markets_self", "bool", "yes/no", "markets itself"),
        Column("reputation", "float64", SHARE, "reputation"),
    ),
)

MEMBERS = Table(
    "members",
    "woman who ever joined a unit as a core member",
    (
        Column("member_id", "int64", "id", "the member (row of the member table)", key=True),
        Column("enterprise_id", "int64", "id", "her unit"),
        Column("joined", "datetime64[s]", DATE, "month she joined"),
        Column("left", "datetime64[s]", DATE, "month she left; null while a member"),
        Column("leave_reason", "string", "-",
               "why she left: marriage, other_job, migration or unit_closed; null while a member"),
        Column("education_years", "float64", "years", "years of schooling"),
    ),
)

MEMBER_YEARS = Table(
    "member_years",
    "member x year, for members paid in at least one month of the year",
    (
        Column("member_id", "int64", "id", "the member", key=True),
        Column("year", "int64", "year", "calendar year", key=True),
        Column("monthly_earnings", "float64", "US$/month",
               "her pay in the year per month she was paid"),
        Column("household_income_share", "float64", SHARE,
               "share of her household's income that pay makes up"),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (TIMESERIES, ENTERPRISES, ENTERPRISE_YEARS, MEMBERS, MEMBER_YEARS)
}
"""The five output tables by name, in the order they are written."""

FW = "at field work (December of the field-work year, or the nearest month of the run)"



def _survival(h: int, who: str) -> str:
    """What ``survival_<h>y`` counts (``sim.outputs.survival_at``), in words."""
    return (f"of the {who} whose first {h} years after founding lie within the run (founded no "
            f"later than {h} years before the month after the run's last month), the share "
            f"not closed before the month {h} years after their founding month; units founded "
            "later are left out, not counted as survivors; null if there are none")


SUMMARY: tuple[SummaryFigure, ...] = (
    SummaryFigure("scenario", "str", "-", "scenario name", identity=True),
    SummaryFigure("seed", "int", "-", "seed of the run", identity=True),
    SummaryFigure("start", "str", "YYYY-MM", "first simulated month", identity=True),
    SummaryFigure("end", "str", "YYYY-MM", "last simulated month", identity=True),
    SummaryFigure("units_founded", "int", "units", "units founded over the run"),
    SummaryFigure("units_founded_by_line", "dict[str, int]", "units",
                  "units founded over the run, by line (lines with none left out)"),
    SummaryFigure("units_founded_by_2008", "int", "units", "units founded before 2009",
                  label="units founded by end of 2008"),
    SummaryFigure("units_alive_end", "int", "units", "units open in the last month",
                  label="units open / viable at end"),
    SummaryFigure("units_alive_end_by_line", "dict[str, int]", "units",
                  "units open in the last month, by line"),
    SummaryFigure("units_alive_field_work", "int", "units", f"units open {FW}",
                  label="units open / viable at field work"),
    SummaryFigure("units_viable_field_work", "int", "units",
                  f"units open and viable {FW}: members' mean pay over the viability window at "
                  "least the mission's floor (closure.viable_usd_per_member_month)",
                  label="units open / viable at field work"),
    SummaryFigure("units_viable_end", "int", "units",
                  "units open and viable in the last month", label="units open / viable at end"),
    SummaryFigure("share_alive_end", "float", SHARE,
                  "units open in the last month / units founded"),
    *(
        SummaryFigure(f"survival_{h}y", "float | None", SHARE, _survival(h, "units (all lines)"),
                      label="survival 5 / 10 years after founding", fmt="{:.1%}")
        for h in (5, 10)
    ),
    # issue 14: survival by line, for the threats-and-supports sweep (one number per run)
    *(
        SummaryFigure(f"survival_{h}y_{line}", "float | None", SHARE,
                      _survival(h, f"{line.replace('_', ' ')} line's units"))
        for h in (5, 10)
        for line in LINES
    ),
    SummaryFigure("closures_by_reason", "dict[str, int]", "units",
                  "units closed over the run, by reason", label="closures by reason"),
    SummaryFigure("mean_member_earnings_field_work", "float | None", "US$/month",
                  "members' mean monthly earnings in the field-work year (member_years)",
                  label="mean member earnings, field-work year", fmt="US$ {:.1f}/month"),
    SummaryFigure("household_income_share_field_work", "float | None", SHARE,
                  "members' mean share of household income in the field-work year",
                  label="share of household income, field-work year", fmt="{:.1%}"),
    SummaryFigure("mean_member_earnings_end", "float", "US$/month",
                  "mean pay of active core members in the last month"),
    SummaryFigure("core_members_per_unit_field_work", "float | None", "people",
                  f"active core members per open unit {FW}",
                  label="core members per unit at field work", fmt="{:.1f}"),
    SummaryFigure("loans_repaid_share_field_work", "float | None", SHARE,
                  f"share of the units open {FW} that had repaid their loans",
                  label="initial loans repaid at field work", fmt="{:.1%}"),
    SummaryFigure("arrears_end_usd", "float", USD,
                  "unpaid invoices past their due month, last month",
                  label="arrears at field work / at end", fmt="US$ {:,.0f}"),
    SummaryFigure("arrears_field_work_usd", "float", USD,
                  f"unpaid invoices past their due month, {FW}",
                  label="arrears at field work / at end", fmt="US$ {:,.0f}"),
    SummaryFigure("public_orders_won_share", "float | None", SHARE,
                  "share of the public orders offered over the run that the units won"),
    SummaryFigure("public_orders_won_share_field_work", "float | None", SHARE,
                  "share of the public orders offered in the field-work year that the units won",
                  label="public orders won by the units, field-work year", fmt="{:.1%}"),
    SummaryFigure("headcount_field_work", "int", "people",
                  f"core members, employees and casual workers of open units {FW}",
                  label="people working (members, employees, casual): field work / end",
                  fmt="{:,}"),
    SummaryFigure("headcount_end", "int", "people",
                  "core members, employees and casual workers of open units, last month",
                  label="people working (members, employees, casual): field work / end",
                  fmt="{:,}"),
    SummaryFigure("revenue_field_work_year_usd", "float", USD,
                  "revenue earned by the units in the field-work year",
                  label="earned revenue, field-work year", fmt="US$ {:,.0f}"),
)
"""The summary figures, in the order ``sim.outputs.summarise`` returns them."""

SUMMARY_FIGURES: dict[str, SummaryFigure] = {f.name: f for f in SUMMARY}

PRINTED: tuple[str, ...] = (
    "units_founded_by_2008", "units_alive_field_work", "units_viable_field_work",
    "units_alive_end", "units_viable_end", "survival_5y", "survival_10y", "closures_by_reason",
    "mean_member_earnings_field_work", "household_income_share_field_work",
    "core_members_per_unit_field_work", "loans_repaid_share_field_work",
    "public_orders_won_share_field_work", "headcount_field_work", "headcount_end",
    "revenue_field_work_year_usd", "arrears_field_work_usd", "arrears_end_usd",
)
"""The order in which ``sosim run`` prints the labelled figures (the reading order of the
summary: founding, units open and viable, survival, earnings, money); exactly the figures that
have a label."""
assert set(PRINTED) == {f.name for f in SUMMARY if f.label is not None}

SWEEP_RUNS = Table(
    "runs",
    "run of a sweep (`sosim sweep --out DIR`: the `DIR/runs/` dataset; `sosim compare` writes "
    "the same)",
    (
        Column("run", "int64", "index", "the run: point x replications + replication", key=True),
        Column("point", "int64", "index", "design point (row of design.parquet)", key=True),
        Column("replication", "int64", "index",
               "replication k: the same seed at every design point (common random numbers)",
               key=True),
        Column("seed", "int64", "-", "seed of the run"),
        Column("key", "string", "-",
               "run identity (base scenario, point, replication, parameters, seed, version): "
               "what --resume skips by"),
        Column("status", "string", "-", "ok, or failed (the run raised; outcomes null)"),
        Column("error", "string", "-", "the failed run's traceback; null when ok"),
        Column("wall_time_s", "float64", "s", "wall-clock time of the run"),
        Column("<parameter path>", "as the values", "the parameter's",
               "one column per swept parameter, by its dotted path (e.g. "
               "payments.public_mean_delay_months); mission_withdraws holds the withdrawal "
               "month as YYYY-MM, or the string none when the mission never withdraws"),
        Column("<summary figure>", "float64", "the figure's",
               "one column per kept figure (outcomes.summary; those marked (sweep) in the "
               "summary below)"),
        Column("alive_<line>_at_<when>", "int64", "units",
               "units of the line open at the month kept by outcomes.alive_at (when: end, "
               "field_work or YYYY_MM)"),
        Column("units_alive_at_<when>", "int64", "units",
               "units open at the month kept by outcomes.alive_at"),
    ),
)
"""The runs table of a sweep: the columns every run has, then one per parameter and kept
outcome (``analysis.sweep.plan.Plan.runs_schema`` writes them in this order)."""

RUN_COLUMNS: tuple[Column, ...] = tuple(c for c in SWEEP_RUNS.columns if not c.name.startswith(
    ("<", "alive_", "units_alive_at_")))
"""The columns of a sweep's runs table that every run has, before its parameters."""

MONTHLY_COLUMNS: dict[str, str] = {c.name: c.dtype for c in TIMESERIES.columns if not c.key}
"""Monthly series (``RunResult.timeseries`` columns) a sweep can keep, with their dtypes."""

SUMMARY_OUTCOMES: tuple[str, ...] = tuple(f.name for f in SUMMARY if f.scalar)
"""Scalar figures of ``sim.outputs.summarise`` a sweep can keep (as float columns)."""


def conform(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the columns of table ``name`` in declared order; raises if a column is not
    declared or a declared one is missing (an output computed but not declared, or the
    reverse). An empty frame without columns (no rows recorded) gets the declared columns."""
    import pandas as pd

    table = TABLES[name]
    names = table.names
    if df.empty and len(df.columns) == 0:
        return pd.DataFrame({c.name: pd.Series([], dtype=c.dtype) for c in table.columns})
    if list(df.columns) == names:
        return df
    extra = [c for c in df.columns if c not in names]
    missing = [c for c in names if c not in df.columns]
    if extra or missing:
        raise ValueError(f"table {name}: columns not declared in sim.columns {extra}, "
                         f"declared but not computed {missing}")
    return df[names]


def ordered_summary(summary: Mapping[str, Any]) -> dict[str, Any]:
    """``summary`` in declared order; raises if a figure is not declared or a declared one is
    missing."""
    extra = [k for k in summary if k not in SUMMARY_FIGURES]
    missing = [k for k in SUMMARY_FIGURES if k not in summary]
    if extra or missing:
        raise ValueError(f"summary: figures not declared in sim.columns {extra}, "
                         f"declared but not computed {missing}")
    return {k: summary[k] for k in SUMMARY_FIGURES}


def _value(figure: SummaryFigure, value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, Mapping):
        return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in value.items()) or "none"
    return figure.fmt.format(value)


def summary_lines(
    summary: Mapping[str, Any], notes: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """The (label, value) lines ``sosim run`` prints for a summary, one per label in ``PRINTED``
    order; figures sharing a label are joined by " / ". ``notes`` maps a figure name to a text
    appended to its line (e.g. the observed field figure to compare with)."""
    lines: dict[str, list[str]] = {}
    for f in (SUMMARY_FIGURES[name] for name in PRINTED):
        assert f.label is not None
        lines.setdefault(f.label, []).append(_value(f, summary.get(f.name)))
        if notes and f.name in notes:
            lines[f.label][-1] += f"  {notes[f.name]}"
    return [(label, " / ".join(values)) for label, values in lines.items()]


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def glossary() -> str:
    """docs/outputs.md: every table's columns and every summary figure, with type, unit and
    meaning (generated; ``python -m sim.columns`` rewrites it)."""
    out = [
        "# Outputs of a run",
        "",
        "<!-- generated from sim/columns/ by `python -m sim.columns`; do not edit -->",
        "",
        "`sosim run SCENARIO --out DIR` writes each table as `DIR/<table>.parquet` and the "
        "summary in `DIR/summary.json` (under `summary`, beside `seed`, `version`, the "
        "resolved `scenario` and `files`: each table's size and SHA-256, so that a later run "
        "replaces DIR only while it holds nothing else); `sim.run` returns them as a "
        "`RunResult` (`res.timeseries`, ..., "
        "`res.summary`). Money is in US$ of the field-work years; dates are the first day of the "
        "month. Key columns identify the row.",
        "",
    ]
    for t in TABLES.values():
        out += [f"## `{t.name}`", "", f"One row per {_md(t.row)}.", "",
                "| column | type | unit | meaning |", "|---|---|---|---|"]
        for c in t.columns:
            key = " (key)" if c.key else ""
            out.append(f"| `{c.name}`{key} | {c.dtype} | {_md(c.unit)} | {_md(c.meaning)} |")
        out.append("")
    out += ["## Summary (`summary.json`)", "",
            "Figures marked (sweep) can be kept by a sweep (`outcomes.summary`); every "
            "`timeseries` column but the keys can be kept as a monthly series "
            "(`outcomes.monthly`).", "",
            "| figure | type | unit | meaning |", "|---|---|---|---|"]
    for f in SUMMARY:
        tag = " (sweep)" if f.scalar else ""
        out.append(f"| `{f.name}`{tag} | {_md(f.kind)} | {_md(f.unit)} | {_md(f.meaning)} |")
    t = SWEEP_RUNS
    out += ["", "## Sweep runs (`runs/`)", "", f"One row per {_md(t.row)}; read it with "
            "`pd.read_parquet(\"DIR/runs\")`. Each run's monthly series are in "
            "`DIR/timeseries/point=P/` (the `timeseries` columns kept by `outcomes.monthly`, "
            "with `run` and `replication`).", "",
            "| column | type | unit | meaning |", "|---|---|---|---|"]
    for c in t.columns:
        key = " (key)" if c.key else ""
        out.append(f"| `{c.name}`{key} | {c.dtype} | {_md(c.unit)} | {_md(c.meaning)} |")
    return "\n".join(out) + "\n"


def entries() -> list[tuple[str, str, str, str, str]]:
    """Every output as ``(where, name, type, unit, meaning)``: the summary figures first (where
    ``summary``, or ``summary, sweep`` for those a sweep can keep), then the sweep's runs table
    and each table's columns (where: the table's name); what ``sosim outcomes`` prints."""
    out = [("summary, sweep" if f.scalar else "summary", f.name, f.kind, f.unit, f.meaning)
           for f in SUMMARY]
    for t in (SWEEP_RUNS, *TABLES.values()):
        out += [(t.name, c.name, c.dtype, c.unit, c.meaning) for c in t.columns]
    return out


GLOSSARY_PATH = Path(__file__).resolve().parents[2] / "docs" / "outputs.md"
"""Where the glossary lives (``python -m sim.columns`` writes it)."""
