"""Dated events change the world from their month on."""

import pytest

from sim import run
from sim.model import SocialOutsourcingModel
from sim.scenario import scenario_with
from tests.conftest import step_until


def test_mission_withdraws_and_returns(short):
    s = scenario_with(short, {"events": [{"date": "2001-01", "do": "mission_withdraws"},
                                         {"date": "2002-01", "do": "mission_returns"}]})
    m = SocialOutsourcingModel(s, seed=1)
    step_until(m, 24)
    assert m.world.mission_active  # month 24 (2001-01) has not been stepped yet
    m.step()
    assert not m.world.mission_active
    step_until(m, 37)
    assert m.world.mission_active
    assert any("withdrew" in text for _, text in m.messages)


def test_with_no_intermediary_a_return_event_brings_nobody_back(short):
    s = scenario_with(short, {"intermediary.kind": "none",
                              "events": [{"date": "2000-01", "do": "mission_returns"}]})
    m = SocialOutsourcingModel(s, seed=1)
    assert not m.world.mission_active
    step_until(m, 13)
    assert not m.world.mission_active
    assert any("no intermediary to return" in text for _, text in m.messages)


def test_a_digitisation_drive_adds_records(short):
    s = scenario_with(short, {"events": [{"date": "2001-01", "do": "digitisation_drive",
                                          "records": 1e6}]})
    with_drive = run(s, seed=1).timeseries.set_index("date")["records_stock"]
    without = run(short, seed=1).timeseries.set_index("date")["records_stock"]
    jump = with_drive["2001-01-01"] - without["2001-01-01"]
    assert jump == pytest.approx(1e6, rel=0.05)


def test_set_event_changes_a_parameter_from_its_month(short):
    s = scenario_with(short, {"events": [{"date": "2002-01", "do": "set",
                                          "values": {"payments.terms_months": 5}}]})
    m = SocialOutsourcingModel(s, seed=1)
    step_until(m, 36)
    assert m.config.payments.terms_months == 1
    m.step()
    assert m.config.payments.terms_months == 5


def test_payment_delay_shock_raises_arrears(short):
    shocked = scenario_with(short, {"events": [{"date": "2002-01", "do": "payment_delay_shock",
                                                "extra_months": 12, "duration_months": 24}]})
    a = run(shocked, seed=1).timeseries.set_index("date")["arrears"]["2003-06-01"]
    b = run(short, seed=1).timeseries.set_index("date")["arrears"]["2003-06-01"]
    assert a > 1.5 * b


def test_results_record_the_scenario_as_given_not_as_changed_by_events(short):
    s = scenario_with(short, {"events": [{"date": "2002-01", "do": "set",
                                          "values": {"payments.terms_months": 5}}]})
    res = run(s, seed=1)
    assert res.scenario.payments.terms_months == 1
    assert res.scenario == s


def test_a_set_of_one_support_lever_switches_off_that_support_alone(short):
    from sim.mechanisms import intermediary

    s = scenario_with(short, {"events": [{"date": "2001-01", "do": "set",
                                          "values": {"mission.assigns_schools": False}}]})
    m = SocialOutsourcingModel(s, seed=1)
    step_until(m, 25)
    assert not intermediary.supports(m, "assigns_schools")
    assert all(intermediary.supports(m, n) for n in intermediary.SUPPORTS
               if n != "assigns_schools")


def test_withdrawal_turns_every_support_off_and_return_restores_the_levers_on(short):
    from sim.mechanisms import intermediary

    s = scenario_with(short, {"mission.nominates_members": False,
                              "events": [{"date": "2001-01", "do": "mission_withdraws"},
                                         {"date": "2002-01", "do": "mission_returns"}]})
    m = SocialOutsourcingModel(s, seed=1)
    step_until(m, 25)
    assert not any(intermediary.supports(m, n) for n in intermediary.SUPPORTS)
    step_until(m, 37)
    on = {n for n in intermediary.SUPPORTS if intermediary.supports(m, n)}
    assert on == set(intermediary.SUPPORTS) - {"nominates_members"}
