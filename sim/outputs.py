"""What a run records and writes: monthly model-level series, a yearly enterprise and member
panel, one row per unit and per member, and a summary; written as Parquet plus summary.json,
atomically (temporary folder, then rename) so that an interrupted write leaves nothing half-done.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim import atomic, columns
from sim.mechanisms import assets, closure, payments, production, workforce
from sim.scenario import LINES, Scenario, ScenarioError, add_months, month_index
from sim.state import tally

model_date = add_months
"""The date of model step ``t`` as YYYY-MM (its old name; see ``sim.scenario.months``)."""

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel

TABLES: tuple[str, ...] = tuple(columns.TABLES)
"""The five output tables, in the order they are written (declared in ``sim.columns``)."""


def month_dates(start: str, months: int) -> pd.DatetimeIndex:
    """First day of each simulated month."""
    return pd.date_range(f"{start}-01", periods=months, freq="MS").as_unit("s")


class Recorder:
    """Collects model-level series every month and the yearly panels every December."""

    def __init__(self, model: SocialOutsourcingModel):
        self.monthly: list[dict[str, Any]] = []
        self.enterprise_years: list[pd.DataFrame] = []
        self.member_years: list[pd.DataFrame] = []

    def collect(self, model: SocialOutsourcingModel) -> None:
        """Record this month (and the year's panel in its last month)."""
        E, M = model.E, model.M
        alive = E.alive
        members, _ = production.member_strength(model)
        active = M.left < 0
        earn = M.earnings[active]
        household = earn + M.other_income[active]  # 0 for an unpaid member with no other income
        share = np.divide(earn, household, out=np.zeros(len(earn)), where=household > 0)
        arrears = payments.arrears(model)
        row: dict[str, Any] = {"month": model.t}
        for code, line in enumerate(LINES):
            row[f"alive_{line}"] = int((alive & (E.line == code)).sum())
        viable = alive & E.viable
        for code, line in enumerate(LINES):
            row[f"viable_{line}"] = int((viable & (E.line == code)).sum())
        row.update(
            units_alive=int(alive.sum()),
            units_viable=int(viable.sum()),
            units_founded=int(E.n),
            units_closed=int((E.closed >= 0).sum()),
            core_members=int(members[alive].sum()),
            employees=int(E.employees[alive].sum()),
            casual_workers=int(E.casuals[alive].sum()),
            mean_member_earnings=float(earn.mean()) if len(earn) else 0.0,
            household_income_share=float(share.mean()) if len(share) else 0.0,
            revenue=float(E.revenue_month[alive].sum()),
            revenue_private=float(E.revenue_private_month[alive].sum()),
            cash=float(E.cash[alive].sum()),
            receivables=float(payments.receivables(model).sum()),
            arrears=float(arrears.sum()),
            loan_balance=float(E.loan_balance[alive].sum()),
            units_in_arrears=int((alive & (arrears > 0)).sum()),
            units_marketing=int((alive & E.markets_self).sum()),
            working_pcs=int(assets.working_pcs(model).sum()),
            records_stock=float(model.records_stock),
            schools_insourced=int((model.C.insourced >= 0).sum()),
            mission_active=bool(model.mission_active),
            public_orders=int(model.counters["public_orders"]),
            public_orders_won=int(model.counters["public_orders_won"]),
        )
        self.monthly.append(row)
        if model.t % 12 == 11 or model.t == model.config.months - 1:
            self._year(model, arrears, members)

    def _year(
        self, model: SocialOutsourcingModel, arrears: np.ndarray, members: np.ndarray
    ) -> None:
        E, M = model.E, model.M
        year = int(model.date[:4])
        y0 = model.t - (model.t % 12)
        rows = np.flatnonzero((E.closed < 0) | (E.closed >= y0))
        pay_months = tally(M.enterprise, M.months_year, E.n)
        pay_total = tally(M.enterprise, M.earn_year, E.n)
        self.enterprise_years.append(
            pd.DataFrame(
                {
                    "enterprise_id": rows.astype(np.int64),
                    "year": np.full(len(rows), year, dtype=np.int64),
                    "alive": E.alive[rows].copy(),
                    "viable": (E.alive & E.viable)[rows],
                    "core_members": members[rows].astype(np.int64),
                    "employees": (E.employees[rows] + E.casuals[rows]).astype(np.int64),
                    "revenue": E.revenue_year[rows].copy(),
                    "revenue_private": E.revenue_private_year[rows].copy(),
                    "arrears": arrears[rows].copy(),
                    "cash": E.cash[rows].copy(),
                    "loan_balance": E.loan_balance[rows].copy(),
                    "asset_value": assets.value_by_enterprise(model)[rows],
                    "mean_member_earnings": np.divide(
                        pay_total[rows],
                        pay_months[rows],
                        out=np.zeros(len(rows)),
                        where=pay_months[rows] > 0,
                    ),
                    "working_pcs": assets.working_pcs(model)[rows].astype(np.int64),
                    "markets_self": E.markets_self[rows].copy(),
                    "reputation": E.reputation[rows].copy(),
                }
            )
        )
        had = np.flatnonzero(M.months_year > 0)
        monthly_earn = M.earn_year[had] / M.months_year[had]
        self.member_years.append(
            pd.DataFrame(
                {
                    "member_id": had.astype(np.int64),
                    "year": np.full(len(had), year, dtype=np.int64),
                    "monthly_earnings": monthly_earn,
                    "household_income_share": np.divide(
                        monthly_earn,
                        monthly_earn + M.other_income[had],
                        out=np.zeros(len(had)),
                        where=(monthly_earn + M.other_income[had]) > 0,
                    ),
                }
            )
        )
        E.revenue_year = 0.0
        E.revenue_private_year = 0.0
        M.earn_year = 0.0
        M.months_year = 0


@dataclass
class RunResult:
    """Everything one run produced: tables as DataFrames, and a summary."""

    scenario: Scenario
    seed: int
    timeseries: pd.DataFrame
    enterprises: pd.DataFrame
    enterprise_years: pd.DataFrame
    members: pd.DataFrame
    member_years: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    messages: list[tuple[str, str]] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The five output tables by name."""
        return {name: getattr(self, name) for name in TABLES}


def _dates(index: np.ndarray, dates: pd.DatetimeIndex) -> pd.Series:
    index = np.asarray(index)
    out = pd.Series(pd.NaT, index=range(len(index)), dtype="datetime64[s]")
    ok = index >= 0
    out[ok] = dates[index[ok]]
    return out


def result(model: SocialOutsourcingModel) -> RunResult:
    """Assemble the run's tables and summary from a finished model."""
    cfg = model.scenario_given
    dates = month_dates(cfg.start, cfg.months)
    rec = model.recorder
    ts = pd.DataFrame(rec.monthly)
    ts.insert(0, "date", dates[: len(ts)])
    E, M = model.E, model.M
    n = E.n
    ents = pd.DataFrame(
        {
            "enterprise_id": np.arange(n, dtype=np.int64),
            "line": pd.Series([LINES[c] for c in E.line], dtype="string"),
            "area": E.area.copy(),
            "founded": _dates(E.founded, dates),
            "closed": _dates(E.closed, dates),
            "closure_reason": pd.Series(
                [closure.CLOSURE_REASONS[r] or None for r in E.closure_reason], dtype="string"
            ),
            "markets_self": E.markets_self.copy(),
            "loans_taken": E.loans_taken.copy(),
            "loan_repaid": _dates(E.loan_repaid_month, dates),
            "pawned_gold": E.pawned_ever.copy(),
            "paid_late": E.late_paid_ever.copy(),
            "first_paid_late": _dates(E.first_paid_late, dates),
            "further_loan": _dates(E.further_loan, dates),
            "reinvested_usd": E.reinvested_usd.copy(),
            "reputation": E.reputation.copy(),
            "second_line": pd.Series(
                [LINES[c] if c >= 0 else None for c in E.second_line], dtype="string"
            ),
            "diversified": _dates(E.diversified, dates),
        }
    )
    mem = pd.DataFrame(
        {
            "member_id": np.arange(M.n, dtype=np.int64),
            "enterprise_id": M.enterprise.copy(),
            "joined": _dates(M.joined, dates),
            "left": _dates(M.left, dates),
            "leave_reason": pd.Series(
                [workforce.LEAVE_REASONS[r] or None for r in M.leave_reason], dtype="string"
            ),
            "education_years": M.education.copy(),
        }
    )
    ey = _concat(rec.enterprise_years)
    my = _concat(rec.member_years)
    res = RunResult(
        cfg,
        model.seed,
        columns.conform("timeseries", ts),
        columns.conform("enterprises", ents),
        columns.conform("enterprise_years", ey),
        columns.conform("members", mem),
        columns.conform("member_years", my),
        messages=[(add_months(cfg.start, t), m) for t, m in model.messages],
    )
    res.summary = summarise(res)
    return res


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def survival_at(ents: pd.DataFrame, years: int, end: pd.Timestamp) -> float | None:
    """Share of units still open ``years`` after founding, among units observed that long."""
    horizon = pd.DateOffset(years=years)
    observed = ents[ents["founded"] + horizon <= end + pd.DateOffset(months=1)]
    if observed.empty:
        return None
    ok = observed["closed"].isna() | (observed["closed"] >= observed["founded"] + horizon)
    return float(ok.mean())


def survival_by_line(
    ents: pd.DataFrame, end: pd.Timestamp, horizons: tuple[int, ...] = (5, 10)
) -> dict[str, float | None]:
    """``survival_<h>y_<line>`` for each horizon and line: ``survival_at`` on that line's units
    alone (None where the line has no unit founded at least ``h`` years before ``end``). One
    number per run, so that a sweep can take the replication as its unit of analysis."""
    return {f"survival_{h}y_{line}": survival_at(ents[ents["line"] == line], h, end)
            for h in horizons for line in LINES}


def summarise(res: RunResult) -> dict[str, Any]:
    """Headline figures of a run (what ``sosim run`` prints and summary.json stores), each
    declared in ``sim.columns.SUMMARY``."""
    cfg = res.scenario
    ts, ents = res.timeseries, res.enterprises
    end = ts["date"].iloc[-1]
    last = ts.iloc[-1]
    # stock figures "at field work" are read at the end of the field-work year and flows over
    # that year, as in analysis/patterns.yaml
    fw_year = int(cfg.field_work[:4])
    fw = min(max(month_index(f"{fw_year}-12", cfg.start), 0), len(ts) - 1)
    fwrow = ts.iloc[fw]
    prev = ts.iloc[fw - 12] if fw >= 12 else None
    won_fw = fwrow["public_orders_won"] - (prev["public_orders_won"] if prev is not None else 0)
    issued_fw = fwrow["public_orders"] - (prev["public_orders"] if prev is not None else 0)
    my = res.member_years
    fw_members = my[my["year"] == fw_year] if not my.empty else my
    founded_by_line = ents.groupby("line")["enterprise_id"].count().to_dict()
    by_2008 = ents[ents["founded"] < pd.Timestamp("2009-01-01")]
    reasons = ents["closure_reason"].dropna().value_counts().to_dict()
    fw_date = fwrow["date"]
    open_at_fw = ents[
        (ents["founded"] <= fw_date) & (ents["closed"].isna() | (ents["closed"] > fw_date))
    ]
    repaid_at_fw = (open_at_fw["loan_repaid"] <= fw_date).mean() if len(open_at_fw) else None
    fw_months = ts.iloc[max(fw - 11, 0) : fw + 1]
    return columns.ordered_summary({
        "scenario": cfg.name,
        "seed": res.seed,
        "start": cfg.start,
        "end": cfg.end,
        "units_founded": int(len(ents)),
        "units_founded_by_line": {k: int(v) for k, v in sorted(founded_by_line.items())},
        "units_founded_by_2008": int(len(by_2008)),
        "units_alive_end": int(last["units_alive"]),
        "units_alive_end_by_line": {line: int(last[f"alive_{line}"]) for line in LINES},
        "units_alive_field_work": int(fwrow["units_alive"]),
        "units_viable_field_work": int(fwrow["units_viable"]),
        "units_viable_end": int(last["units_viable"]),
        "share_alive_end": float(last["units_alive"] / max(len(ents), 1)),
        "survival_5y": survival_at(ents, 5, end),
        "survival_10y": survival_at(ents, 10, end),
        **survival_by_line(ents, end),
        "closures_by_reason": {k: int(v) for k, v in sorted(reasons.items())},
        "mean_member_earnings_field_work": float(fw_members["monthly_earnings"].mean())
        if len(fw_members)
        else None,
        "household_income_share_field_work": float(fw_members["household_income_share"].mean())
        if len(fw_members)
        else None,
        "mean_member_earnings_end": float(last["mean_member_earnings"]),
        "core_members_per_unit_field_work": float(fwrow["core_members"] / fwrow["units_alive"])
        if fwrow["units_alive"]
        else None,
        "loans_repaid_share_field_work": None if repaid_at_fw is None else float(repaid_at_fw),
        "arrears_end_usd": float(last["arrears"]),
        "arrears_field_work_usd": float(fwrow["arrears"]),
        "public_orders_won_share": float(last["public_orders_won"] / last["public_orders"])
        if last["public_orders"]
        else None,
        "public_orders_won_share_field_work": float(won_fw / issued_fw) if issued_fw else None,
        "headcount_field_work": headcount(fwrow),
        "headcount_end": headcount(last),
        "revenue_field_work_year_usd": float(fw_months["revenue"].sum()),
    })


def headcount(row: pd.Series) -> int:
    """People working in the units in one month: core members, employees and casual workers."""
    return int(row["core_members"] + row["employees"] + row["casual_workers"])


RUN_FILES: tuple[str, ...] = (*(f"{t}.parquet" for t in TABLES), "summary.json")
"""The files ``write`` puts in a run folder (beside any ``extra`` files it is given)."""

_LEGACY_NAMES = frozenset(RUN_FILES) | {".compare-key"}
"""What a run folder held before summary.json listed its files (``analysis.compare`` wrote
``.compare-key`` beside the tables): such a folder, and nothing else, counts as the project's."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _manifest(folder: Path, names: list[str]) -> dict[str, dict[str, Any]]:
    """Size and SHA-256 of each named file in ``folder`` (summary.json's ``files``)."""
    return {n: {"bytes": (folder / n).stat().st_size, "sha256": _sha256(folder / n)}
            for n in sorted(names)}


def foreign_file(out: Path) -> str | None:
    """The first entry (sorted by name) of an existing folder ``out`` that a run did not write,
    or ``None`` when every entry is the project's: the files listed, with their sizes and
    hashes, in its summary.json's ``files`` (or, for a folder written before that list, only
    the names a run folder held then, with a summary.json that reads as a run's)."""
    entries = sorted(out.iterdir(), key=lambda p: p.name)
    if not entries:
        return None
    try:
        meta = json.loads((out / "summary.json").read_text())
        if not isinstance(meta, dict):
            raise ValueError
    except (OSError, ValueError):
        meta = None
    files = meta.get("files") if meta is not None else None
    for p in entries:
        if p.is_symlink() or not p.is_file():
            return p.name
        if p.name == "summary.json":
            if meta is None or not {"version", "seed", "summary", "scenario"} <= set(meta):
                return p.name
            continue
        if isinstance(files, dict):
            want = files.get(p.name)
            if (not isinstance(want, dict) or want.get("bytes") != p.stat().st_size
                    or want.get("sha256") != _sha256(p)):
                return p.name
        elif p.name not in _LEGACY_NAMES:
            return p.name
    if meta is None:
        return entries[0].name  # run tables without their summary.json: not a whole run
    return None


def check_out(out: str | Path) -> None:
    """Refuse, before any work, an ``--out`` folder that a run may not replace or cannot write:
    the current folder, a file, a folder holding anything a run did not write (replacing it
    would delete the user's files; see ``foreign_file``), or a place whose parent cannot be
    made or written (the new folder is built beside it and renamed into place)."""
    out = Path(out)
    if out.resolve() == Path.cwd().resolve():
        raise ScenarioError([(str(out), "--out", "is the current folder; name a new folder or "
                              "an earlier run's folder")])
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise ScenarioError([(str(out), "--out", "exists and is not a directory")])
    if out.exists():
        first = foreign_file(out)
        if first is not None:
            raise ScenarioError([(str(out), "--out", f"holds {first!r}, which no run wrote "
                                  "there; a run replaces only its own folder: choose another "
                                  "folder")])
    check_writable(out.absolute().parent, out)


def check_writable(folder: str | Path, out: str | Path | None = None) -> None:
    """Refuse (naming ``out``, default ``folder``) a ``folder`` that cannot be made or written:
    its nearest existing ancestor (or itself) must be a folder in which a probe folder can be
    made and removed, so that a read-only folder or file system is found before any work."""
    folder = Path(folder).absolute()
    out = folder if out is None else out
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise ScenarioError([(str(out), "--out", f"cannot be made: {folder} is not a folder")])
    try:
        probe = Path(tempfile.mkdtemp(prefix=".sosim-probe-", dir=folder))
        probe.rmdir()
    except OSError as exc:
        raise ScenarioError([(str(out), "--out", f"cannot be written: {folder}: "
                              f"{exc.strerror or exc}")]) from None


def write(res: RunResult, out: str | Path, version: str,
          extra: dict[str, str] | None = None) -> Path:
    """Write the tables as Parquet and summary.json (plus ``extra``: file name -> text) into
    ``out``, replacing it atomically: the folder is built under a hidden temporary name and
    renamed into place, so a reader sees the old folder, the new one, or none, never part of
    one (also after SIGKILL). summary.json's ``files`` lists every other file with its size and
    SHA-256, so that a later run replaces this folder only while it holds nothing else
    (``check_out``, called first)."""
    out = Path(out)
    check_out(out)
    tmp = atomic.temp_dir(out)
    try:
        for name, df in res.tables().items():
            table = pa.Table.from_pandas(df, preserve_index=False)
            pq.write_table(table, tmp / f"{name}.parquet", compression="zstd")
        for name, text in (extra or {}).items():
            (tmp / name).write_text(text)
        meta = {
            "version": version,
            "seed": res.seed,
            "summary": res.summary,
            "scenario": res.scenario.model_dump(mode="json"),
            "files": _manifest(tmp, [p.name for p in tmp.iterdir()]),
        }
        (tmp / "summary.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        atomic.replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
