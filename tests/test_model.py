"""Whole-model behaviour: reproducibility, the cash ledger, invariants, and extreme worlds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import run
from sim.scenario import scenario_with
from tests.conftest import model_for


def test_baseline_forms_232_units_by_2008_in_the_151_78_3_split(baseline_run):
    ents = baseline_run.enterprises
    by_2008 = ents[ents["founded"] < pd.Timestamp("2009-01-01")]
    assert len(by_2008) == 232
    assert by_2008["line"].value_counts().to_dict() == {"training": 151, "data_entry": 78,
                                                        "hardware": 3}


def test_same_seed_gives_identical_tables(short):
    a, b = run(short, seed=3), run(short, seed=3)
    for name, df in a.tables().items():
        pd.testing.assert_frame_equal(df, b.tables()[name], check_exact=True, obj=name)


def test_other_seed_gives_different_tables(short):
    a, b = run(short, seed=3), run(short, seed=4)
    assert not a.timeseries.equals(b.timeseries)


def test_seed_defaults_to_the_scenarios_own(short):
    s = scenario_with(short, {"seed": 7})
    assert run(s).timeseries.equals(run(s, seed=7).timeseries)


def test_every_units_cash_ledger_balances_every_month(short):
    m = model_for(short, seed=2, record_ledger=True)
    m.run()
    assert len(m.ledger_rows) == short.months
    for t, row in enumerate(m.ledger_rows):
        expected = row["before"] + row["in"] - row["out"]
        np.testing.assert_allclose(row["after"], expected, atol=1e-6,
                                   err_msg=f"ledger broken in month {t}")
    # money really moved: the check is not vacuous
    assert sum(r["in"].sum() for r in m.ledger_rows) > 1e5


def test_cash_never_goes_negative(short):
    m = model_for(short, seed=5)
    for _ in range(short.months):
        m.step()
        assert (m.E.cash >= -1e-6).all()


def test_closed_units_never_come_back(short):
    hard = scenario_with(short, {"demand.digitisation.orders_per_month": 3,
                                 "demand.schools.insourcing_annual_rate": 0.5})
    m = model_for(hard, seed=1)
    closed_at: dict[int, int] = {}
    for _ in range(hard.months):
        m.step()
        E = m.E
        for i in np.flatnonzero(E.closed >= 0):
            closed_at.setdefault(int(i), int(E.closed[i]))
            assert not E.alive[i]
            assert E.closed[i] == closed_at[int(i)]
    assert closed_at, "the harsh world should close some units"


def test_no_member_is_in_two_units_and_leavers_stay_gone(baseline_run):
    mem = baseline_run.members
    assert mem["member_id"].is_unique
    left = mem.dropna(subset=["left"])
    assert (left["left"] >= left["joined"]).all()


def test_closure_records_a_reason_and_a_date_together(baseline_run):
    ents = baseline_run.enterprises
    assert (ents["closed"].isna() == ents["closure_reason"].isna()).all()
    assert set(ents["closure_reason"].dropna()) <= {"insolvency", "loss_of_members", "idleness",
                                                    "not_viable"}


def test_members_of_a_closed_unit_leave_with_it(baseline_run):
    ents = baseline_run.enterprises.set_index("enterprise_id")
    mem = baseline_run.members
    closed = ents["closed"].dropna()
    of_closed = mem[mem["enterprise_id"].isin(closed.index)]
    assert of_closed["left"].notna().all()


def test_no_demand_closes_every_unit():
    from sim.scenario import Scenario

    s = scenario_with(Scenario(), {
        "end": "2008-12",
        "demand.digitisation.orders_per_month": 0,
        "demand.schools.pool_size": 0,
        "demand.hardware.orders_per_month": 0,
        "demand.hardware.amc_per_month": 0,
        "lines.training.private_orders_per_month": 0,
        "lines.data_entry.private_orders_per_month": 0,
        "lines.hardware.private_orders_per_month": 0,
        "formation.schedule": {"data_entry": {1999: 5}, "training": {1999: 5},
                               "hardware": {1999: 2}},
    })
    res = run(s, seed=1)
    assert len(res.enterprises) == 12
    assert res.enterprises["closed"].notna().all()
    assert res.timeseries["revenue"].sum() == 0


def test_generous_grant_no_delays_no_dropout_means_no_insolvency(short):
    s = scenario_with(short, {
        "formation.grant_multiple": 200,
        "formation.bank_loan_usd": 0,
        "payments.public_mean_delay_months": 0,
        "payments.private_mean_delay_months": 0,
        "workforce.marriage_annual_rate": 0,
        "workforce.other_job_annual_rate": 0,
        "workforce.migration_annual_rate": 0,
    })
    for seed in (1, 2, 3):
        reasons = run(s, seed=seed).enterprises["closure_reason"]
        assert (reasons != "insolvency").all()
        assert (reasons != "loss_of_members").all()


def test_tables_have_the_promised_columns(baseline_run):
    r = baseline_run
    assert {"enterprise_id", "line", "founded", "closed", "closure_reason"} <= set(r.enterprises)
    assert {"enterprise_id", "year", "alive", "core_members", "employees", "revenue",
            "revenue_private", "arrears", "cash", "loan_balance", "asset_value",
            "mean_member_earnings"} <= set(r.enterprise_years)
    assert {"member_id", "enterprise_id", "joined", "left", "leave_reason"} <= set(r.members)
    assert {"member_id", "year", "monthly_earnings", "household_income_share"} <= set(
        r.member_years)
    assert r.timeseries["date"].iloc[0] == pd.Timestamp("1999-01-01")
    assert len(r.timeseries) == 264
    assert (r.enterprises["founded"].dt.day == 1).all()


def test_yearly_panel_rows_are_unique_and_closed_units_drop_out(baseline_run):
    ey = baseline_run.enterprise_years
    assert not ey.duplicated(["enterprise_id", "year"]).any()
    ents = baseline_run.enterprises.set_index("enterprise_id")
    closed = ents["closed"].dropna()
    for eid, when in closed.items():
        rows = ey[ey["enterprise_id"] == eid]
        assert rows["year"].max() == when.year
        assert not rows[rows["year"] == when.year]["alive"].any()


def test_mesa_agents_are_handles_on_the_arrays(short):
    m = model_for(short, seed=1)
    m.run()
    assert len(m.enterprises) == m.E.n and len(m.members) == m.M.n
    row = next(iter(m.enterprises))
    agent = m.enterprises[row]
    assert agent.cash == pytest.approx(m.E.cash[row])
    assert agent.line in {"training", "data_entry", "hardware"}
    assert agent in m.agents
    member = next(iter(m.members.values()))
    assert member.education in (12.0, 15.0)


def test_the_mission_withdrawing_stops_formation_and_brokering(short):
    s = scenario_with(short, {"events": [{"date": "2001-01", "do": "mission_withdraws"}]})
    res = run(s, seed=1)
    assert (res.enterprises["founded"] < pd.Timestamp("2001-01-01")).all()
    ts = res.timeseries.set_index("date")
    assert not ts.loc["2001-01-01":, "mission_active"].any()
