"""Property tests (issue 7): Hypothesis draws *valid* scenarios - any of the schema's mechanism
parameters within its bounds, a small formation schedule, a short horizon (end 1999-12 to
2003-12) and a few dated events - and every run must keep the model's invariants:

* it finishes;
* every unit's cash ledger balances every month (before + in - out = after);
* no negative counts (members, employees, casuals, PCs), stocks (cash, loans, pawn, records,
  receivables, orders) or asset values, and no NaN;
* closed units stay closed (same month, never alive again) and alive units are not closed;
* a member belongs to one unit for good, leaves at most once, and no active member is in a
  closed unit;
* the Kaplan-Meier survival curve of the units never rises;
* the same seed gives the same tables.

Parameters are drawn from the schema itself (``Scenario.model_fields`` and their ``ge``/``gt``/
``le``/``lt`` bounds; open upper bounds and upper guards are capped at three times the
default), so a parameter
added later is drawn too. Settings are derandomized, so CI runs the same examples every time;
failures Hypothesis found are kept below as ``@example`` regression cases.
"""

from __future__ import annotations

import math
import os
import typing
from dataclasses import dataclass
from typing import Any

import annotated_types as at
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from sim.mechanisms import assets, payments, production
from sim.model import SocialOutsourcingModel
from sim.outputs import TABLES, result
from sim.scenario import LINES, Scenario, scenario_with
from sim.scenario.events import fixed_paths_touched

EXAMPLES = int(os.environ.get("SOSIM_PROPERTY_EXAMPLES", 200))
"""Examples of the main property test (issue 7 asks for at least 200 in CI; raise it locally
with SOSIM_PROPERTY_EXAMPLES=2000 to search harder)."""
SEED_EXAMPLES = 40
"""Examples of the same-seed test (each runs a world twice)."""

# not mechanism parameters, or drawn separately
SKIP = {"name", "description", "seed", "start", "end", "field_work", "events",
        "formation.schedule", "formation.education_years"}


@dataclass(frozen=True)
class Param:
    path: str
    kind: str  # "float", "int", "bool" or "choice"
    low: float = 0.0
    high: float = 0.0
    low_open: bool = False
    high_open: bool = False
    choices: tuple[Any, ...] = ()


def _bounds(field: Any) -> tuple[float | None, float | None, bool, bool]:
    lo = hi = None
    lo_open = hi_open = False
    for m in field.metadata:
        if isinstance(m, at.Ge):
            lo = m.ge
        elif isinstance(m, at.Gt):
            lo, lo_open = m.gt, True
        elif isinstance(m, at.Le):
            hi = m.le
        elif isinstance(m, at.Lt):
            hi, hi_open = m.lt, True
    return lo, hi, lo_open, hi_open


def schema_parameters(section: BaseModel | None = None, prefix: str = "") -> list[Param]:
    """Every scalar parameter of the schema with the range a valid scenario may take (open upper
    bounds capped at three times the default scenario's value)."""
    section = Scenario() if section is None else section
    out: list[Param] = []
    for name, field in type(section).model_fields.items():
        path = f"{prefix}{name}"
        if path in SKIP:
            continue
        ann = field.annotation
        default = getattr(section, name)
        if isinstance(default, BaseModel):
            out += schema_parameters(default, f"{path}.")
        elif typing.get_origin(ann) is typing.Literal:
            choices = typing.get_args(ann)
            if prefix == "diversification.into.":  # a unit's second line is not its own line
                choices = tuple(c for c in choices if c != name)
            out.append(Param(path, "choice", choices=choices))
        elif ann is bool:
            out.append(Param(path, "bool"))
        elif ann in (int, float):
            lo, hi, lo_open, hi_open = _bounds(field)
            if lo is None:
                lo = min(default, 0) - 3 * abs(default) if default else -1.0
            # an upper guard (params.GUARDS: numbers the model cannot hold) is not a domain
            # bound: draw as for an open bound
            if hi is None or "guard" in (field.json_schema_extra or {}):
                hi = max(3 * abs(default), lo + (3 if ann is int else 1.0))
            out.append(Param(path, ann.__name__, lo, hi, lo_open, hi_open))
    return out


PARAMS = schema_parameters()
BY_PATH = {p.path: p for p in PARAMS}


def value_of(p: Param) -> st.SearchStrategy[Any]:
    if p.kind == "bool":
        return st.booleans()
    if p.kind == "choice":
        return st.sampled_from(p.choices)
    if p.kind == "int":
        lo = math.floor(p.low) + (1 if p.low_open else 0)
        hi = math.ceil(p.high) - (1 if p.high_open else 0)
        return st.integers(lo, hi)
    return st.floats(p.low, p.high, exclude_min=p.low_open, exclude_max=p.high_open,
                     allow_nan=False, allow_infinity=False, allow_subnormal=False)


def month(start_year: int, index: int) -> str:
    return f"{start_year + index // 12:04d}-{index % 12 + 1:02d}"


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """A valid scenario: some parameters changed within bounds, a short horizon, small schedule,
    a few events (possibly after the end, where they never fire)."""
    months = draw(st.integers(12, 60), label="months")  # end 1999-12 ... 2003-12
    end = month(1999, months - 1)
    values: dict[str, Any] = {"end": end}
    schedule = {}
    for line in LINES:
        years = draw(st.dictionaries(st.integers(1999, 1999 + (months - 1) // 12),
                                     st.integers(0, 6), max_size=3), label=f"schedule {line}")
        schedule[line] = years
    values["formation.schedule"] = schedule
    chosen = draw(st.lists(st.sampled_from([p.path for p in PARAMS]), max_size=15,
                           unique=True), label="parameters")
    for path in chosen:
        values[path] = draw(value_of(BY_PATH[path]), label=path)
    if values.get("intermediary.kind") == "none":
        values["intermediary.brokers_private"] = False
    events = []
    for _ in range(draw(st.integers(0, 3), label="events")):
        date = month(1999, draw(st.integers(0, months + 6)))
        kind = draw(st.sampled_from(["mission_withdraws", "mission_returns",
                                     "payment_delay_shock", "digitisation_drive", "set"]))
        ev: dict[str, Any] = {"date": date, "do": kind}
        if kind == "payment_delay_shock":
            ev["extra_months"] = draw(st.floats(0, 24))
            ev["duration_months"] = draw(st.integers(1, 24))
        elif kind == "digitisation_drive":
            ev["records"] = draw(st.floats(0, 2e6))
        elif kind == "set":
            p = draw(st.sampled_from([p for p in PARAMS if p.path != "intermediary.kind"
                                      and p.path != "intermediary.brokers_private"
                                      and not fixed_paths_touched(p.path, None)]))
            ev["values"] = {p.path: draw(value_of(p))}
        events.append(ev)
    values["events"] = events
    return scenario_with(Scenario(name="drawn"), values)


# --------------------------------------------------------------------------- the invariants
TOL = 1e-6


def check_month(m: SocialOutsourcingModel, seen: dict[str, np.ndarray]) -> None:
    """Invariants that must hold after every month."""
    E, M, A, I, O = m.E, m.M, m.A, m.I, m.O
    t = m.t - 1
    row = m.ledger_rows[-1]
    np.testing.assert_allclose(row["after"], row["before"] + row["in"] - row["out"],
                               atol=TOL, rtol=1e-9, err_msg=f"ledger broken in month {t}")
    for name in ("in", "out"):
        assert (row[name] >= -TOL).all(), f"negative cash {name} in month {t}"
    for name, arr in (("cash", E.cash), ("loan_balance", E.loan_balance),
                      ("pawn_balance", E.pawn_balance), ("asset cost", A.cost),
                      ("invoice amount", I.amount), ("order remaining", O.remaining),
                      ("asset value", assets.value_by_enterprise(m)),
                      ("receivables", payments.receivables(m)), ("arrears", payments.arrears(m)),
                      ("member earnings", M.earnings), ("reputation", E.reputation)):
        assert np.isfinite(arr).all(), f"{name} not finite in month {t}"
        assert (arr >= -TOL).all(), f"negative {name} in month {t}: {arr.min()}"
    members, _ = production.member_strength(m)
    for name, arr in (("members", members), ("employees", E.employees),
                      ("casuals", E.casuals), ("working PCs", assets.working_pcs(m)),
                      ("missed instalments", E.missed_instalments)):
        assert (arr >= 0).all(), f"negative {name} in month {t}"
    assert m.records_stock >= -TOL and math.isfinite(m.records_stock)
    assert ((E.reputation >= -TOL) & (E.reputation <= 1 + TOL)).all()
    # closed units stay closed; alive and closed exclude each other
    closed = E.closed >= 0
    assert not (E.alive & closed).any(), f"a closed unit is alive in month {t}"
    assert ((E.founded >= 0) & (E.founded <= t)).all()
    assert (E.closed[closed] >= E.founded[closed]).all() and (E.closed <= t).all()
    prev = seen.get("closed")
    if prev is not None:
        was = prev >= 0
        assert (E.closed[: len(prev)][was] == prev[was]).all(), f"a unit reopened in month {t}"
    seen["closed"] = E.closed.copy()
    # one unit per member, for good; leavers stay gone; no active member in a closed unit
    assert ((M.enterprise >= 0) & (M.enterprise < E.n)).all()
    for key, arr in (("enterprise", M.enterprise), ("joined", M.joined)):
        prev = seen.get(key)
        if prev is not None:
            assert (arr[: len(prev)] == prev).all(), f"member {key} changed in month {t}"
        seen[key] = arr.copy()
    prev = seen.get("left")
    if prev is not None:
        gone = prev >= 0
        assert (M.left[: len(prev)][gone] == prev[gone]).all(), f"a leaver came back, {t}"
    seen["left"] = M.left.copy()
    active = M.left < 0
    assert E.alive[M.enterprise[active]].all(), f"an active member in a closed unit, {t}"
    assert (M.left[~active] >= M.joined[~active]).all()


def check_run(scenario: Scenario, seed: int) -> Any:
    m = SocialOutsourcingModel(scenario, seed=seed, record_ledger=True)
    seen: dict[str, np.ndarray] = {}
    for _ in range(scenario.months):
        m.step()
        check_month(m, seen)
    assert m.finished and len(m.ledger_rows) == scenario.months
    res = result(m)
    ents = res.enterprises
    assert len(res.timeseries) == scenario.months
    assert ents["enterprise_id"].is_unique and res.members["member_id"].is_unique
    assert (ents["closed"].isna() == ents["closure_reason"].isna()).all()
    counts = res.timeseries.select_dtypes("number")
    assert (counts >= -TOL).all().all(), counts.min()[counts.min() < -TOL]
    # the survival curve of the units never rises (and stays in [0, 1])
    from analysis.survival import kaplan_meier, unit_durations

    if len(ents):
        d = unit_durations(ents, res.timeseries["date"].iloc[-1])
        assert (d["years"] >= 0).all()
        km = kaplan_meier(d["years"], d["event"]).curve
        s = km["survival"].to_numpy()
        assert ((s >= 0) & (s <= 1)).all() and (np.diff(s) <= 1e-12).all()
        # and so does the number of units of the first cohort still open, month by month
        first = ents[ents["founded"] == ents["founded"].min()]
        dates = res.timeseries["date"]
        open_ = [((first["founded"] <= d) & (first["closed"].isna() | (first["closed"] > d))).sum()
                 for d in dates[dates >= first["founded"].min()]]
        assert (np.diff(open_) <= 0).all()
    return res


# --------------------------------------------------------------------------- the tests
SETTINGS = settings(deadline=None, derandomize=True, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.slow
@settings(SETTINGS, max_examples=EXAMPLES)
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
# regression cases Hypothesis found (kept whatever the draws do later):
# a near-zero PC price made cash / price overflow int64 in assets.reinvest (negative PC counts)
@example(scenario=scenario_with(Scenario(), {
    "end": "1999-12",
    "formation.schedule": {"training": {}, "data_entry": {}, "hardware": {1999: 2}},
    "formation.member_stake_usd": 0.0, "formation.grant_multiple": 0.0,
    "formation.bank_loan_usd": 0.0, "formation.loan_term_months": 1,
    "formation.loan_annual_interest": 0.0, "assets.pc_price_usd": 2.2250738585072014e-308,
}), seed=0)
# a near-zero gamma shape of clients' delays drew a mean too large for numpy's Poisson sampler
@example(scenario=scenario_with(Scenario(), {
    "end": "1999-12",
    "formation.schedule": {"training": {}, "data_entry": {}, "hardware": {1999: 1}},
    "formation.founding_members": 1, "payments.client_delay_shape": 2.2250738585072014e-308,
}), seed=0)
def test_every_valid_scenario_keeps_the_invariants(scenario, seed):
    check_run(scenario, seed)


@pytest.mark.slow
@settings(SETTINGS, max_examples=SEED_EXAMPLES)
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_same_seed_gives_the_same_tables(scenario, seed):
    from sim import run

    a, b = run(scenario, seed=seed), run(scenario, seed=seed)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True,
                                      obj=name)
    assert a.summary == b.summary


def test_the_strategy_draws_from_every_section_of_the_schema():
    sections = {p.path.split(".")[0] for p in PARAMS}
    assert sections >= {"formation", "mission", "lines", "demand", "contracting", "payments",
                        "finance", "workforce", "assets", "marketing", "closure",
                        "intermediary", "clients", "infrastructure", "quality", "staffing"}
    assert len(PARAMS) > 100
    for p in PARAMS:  # every drawn range is valid for the schema
        if p.kind in ("int", "float"):
            assert p.low <= p.high, p
