"""The dashboard's levers, views and command, without a browser (test_dashboard_browser.py
drives Chromium). Levers must start at the loaded scenario's values and, when left there,
change nothing; moved levers change exactly their scenario paths."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("solara")

from sim.scenario import MissionWithdraws, SetValues, load_scenario, scenario_with  # noqa: E402
from sosim import dashboard as dash  # noqa: E402
from sosim.cli import app as cli  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BASE = load_scenario(ROOT / "scenarios" / "kerala_baseline.yaml")
NO_SPEM = load_scenario(ROOT / "scenarios" / "no_spem.yaml")


def test_defaults_are_read_from_the_scenario():
    s = scenario_with(BASE, {"payments.public_mean_delay_months": 7.5,
                             "assets.failure_scale_months": 50, "formation.grant_multiple": 3})
    d = dash.lever_defaults(s)
    assert d["payment_delay"] == 7.5 and d["asset_life"] == 50 and d["grant_multiple"] == 3
    assert d["dropout"] == pytest.approx(
        s.workforce.marriage_annual_rate + s.workforce.other_job_annual_rate)
    assert d["records"] == pytest.approx(s.demand.digitisation.initial_stock / 1000)
    assert d["seed"] == str(s.seed) and d["mission_withdraws"] is False
    assert dash.lever_defaults(NO_SPEM)["mission_withdraws"] is True
    assert dash.lever_defaults(NO_SPEM)["withdraw_year"] == 2006
    params = dash.model_params(s)
    for key, value in d.items():
        assert params[key]["value"] == value
        if "min" in params[key]:
            assert params[key]["min"] <= value <= params[key]["max"]


def test_model_params_hold_only_plain_inputs_and_reset_keeps_the_base_scenario():
    """Mesa's next major version validates ``model_params``: each is a user input (a dict with
    a ``type``) of plain values, never a pydantic Scenario (issue 17). The base scenario rides
    on the model's class, and a Reset, ``type(model)(**values)``, keeps it."""
    params = dash.model_params(NO_SPEM)
    plain = (str, int, float, bool)
    for key, spec in params.items():
        assert isinstance(spec, dict) and "type" in spec, key
        assert all(isinstance(v, plain) for v in spec.values()), key
    model = dash.workshop_class(NO_SPEM)()
    assert model.config is NO_SPEM
    again = type(model)(**{k: spec["value"] for k, spec in params.items()})
    assert again.base_name == NO_SPEM.name and again.config == NO_SPEM
    assert again.scenario_given.events == NO_SPEM.events


@pytest.mark.parametrize("scenario", [BASE, NO_SPEM])
def test_levers_left_alone_change_nothing(scenario):
    same, notes = dash.apply_levers(scenario, dash.lever_defaults(scenario))
    assert same is scenario and notes == []
    m = dash.WorkshopModel(base=scenario)
    assert m.config is scenario and m.lever_notes == [] and m.seed == scenario.seed


def test_moved_levers_change_their_paths():
    s, notes = dash.apply_levers(BASE, {"payment_delay": 9, "records": 1000, "asset_life": 30,
                                        "grant_multiple": 5, "dropout": 0.19,
                                        "private_access": 2.0})
    assert s.payments.public_mean_delay_months == 9
    assert s.demand.digitisation.initial_stock == 1_000_000
    assert s.assets.failure_scale_months == 30 and s.formation.grant_multiple == 5
    w0, w1 = BASE.workforce, s.workforce
    assert w1.marriage_annual_rate + w1.other_job_annual_rate == pytest.approx(0.19)
    assert w1.marriage_annual_rate / w1.other_job_annual_rate == pytest.approx(
        w0.marriage_annual_rate / w0.other_job_annual_rate)
    # the private-market lever scales the size of each local market, not a unit's reach
    assert s.lines.training.private_market_orders_per_area_month == pytest.approx(
        2 * BASE.lines.training.private_market_orders_per_area_month)
    assert s.lines.training.private_orders_per_month == BASE.lines.training.private_orders_per_month
    assert s.events == BASE.events  # nothing dated was touched
    assert len(notes) == 6


def test_insourcing_slider_replaces_the_yearly_series_and_says_so():
    # the baseline's insourcing follows IT@School as a yearly series (issue 14)
    assert BASE.demand.schools.insourcing_by_year
    s, notes = dash.apply_levers(BASE, {"insourcing": 0.1})
    assert s.demand.schools.insourcing_annual_rate == 0.1
    assert s.demand.schools.insourcing_by_year == {}
    assert any("series is dropped" in n for n in notes)


def test_insourcing_slider_replaces_a_dated_change_and_says_so():
    dated = scenario_with(BASE, {"events": [{"date": "2006-01", "do": "set", "values": {
        "demand.schools.insourcing_annual_rate": 0.06}}]})
    s, notes = dash.apply_levers(dated, {"insourcing": 0.1})
    assert s.demand.schools.insourcing_annual_rate == 0.1
    assert not any(isinstance(e, SetValues) and "demand.schools.insourcing_annual_rate"
                   in e.values for e in s.events)
    assert any("change of this rate to 0.06 in 2006-01 is dropped" in n for n in notes)


def test_mission_withdrawal_switch_and_year():
    s, notes = dash.apply_levers(BASE, {"mission_withdraws": True, "withdraw_year": 2003})
    assert [e.date for e in s.events if isinstance(e, MissionWithdraws)] == ["2003-01"]
    assert notes == ["The mission withdraws in 2003-01."]
    s, notes = dash.apply_levers(NO_SPEM, {"mission_withdraws": False})
    assert not any(isinstance(e, MissionWithdraws) for e in s.events)
    m = dash.WorkshopModel(base=BASE, mission_withdraws=True, withdraw_year=2000)
    m.run_for(13)
    assert not m.mission_active
    assert any("withdrew" in text for _, text in m.messages)


def test_seed_box():
    assert dash.parse_seed(" 12 ", 0) == (12, None)
    seed, note = dash.parse_seed("twelve", 3)
    assert seed == 3 and "twelve" in note
    assert dash.WorkshopModel(base=BASE, seed="5").seed == 5


def test_views_draw_a_run():
    m = dash.WorkshopModel(base=BASE, mission_withdraws=True, withdraw_year=2003)
    m.run_for(60)
    st = dash.unit_states(m)
    assert len(st["line"]) == m.E.n and not (st["closed"] & st["arrears"]).any()
    assert int(st["closed"].sum()) == m.E.n - m.recorder.monthly[-1]["units_alive"]
    for view in (dash.UnitsAlive, dash.Units, dash.Earnings, dash.CashArrears):
        view(m).args[0].savefig(io.BytesIO(), format="png")  # the figure FigureMatplotlib shows
    panel = dash.WhatHappened(m).kwargs["unsafe_innerHTML"]
    assert "month 60 of" in panel and "2003-01" in panel and "withdrawn" in panel
    assert dash.field_earnings() == 45  # analysis/patterns.yaml


def test_busy_port_and_bad_scenario_are_one_line_errors():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        res = CliRunner().invoke(cli, ["dashboard", "--port", str(port)])
    assert res.exit_code == 1
    assert f"port {port} on 127.0.0.1 is busy" in res.output
    res = CliRunner().invoke(cli, ["dashboard", "missing.yaml"])
    assert res.exit_code == 2 and "missing.yaml" in res.output
    assert dash.port_problem("127.0.0.1", 0) is None


def test_a_scenario_too_large_for_memory_is_refused_before_the_server_starts(monkeypatch):
    import sim.size

    monkeypatch.setattr(sim.size, "machine_memory", lambda: 1e6)
    served: list[int] = []
    monkeypatch.setattr(dash, "serve", lambda *a, **k: served.append(1))
    res = CliRunner().invoke(cli, ["dashboard", "--port", "0"])
    assert res.exit_code == 2, res.output
    assert "formation.schedule: a run would need about" in res.output and served == []
    res = CliRunner().invoke(cli, ["dashboard", "--port", "0", "--allow-large"])
    assert res.exit_code == 0 and "sosim dashboard:" in res.output and served == [1]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "0.0.0.0"])
def test_port_0_prints_the_real_port_and_an_open_host_is_warned_about(host, monkeypatch):
    """Issue 17, item 9: ``--port 0`` printed ``:0``; ``--host 0.0.0.0`` said nothing about
    the network. The port printed is the one the server is given, and free."""
    served = []
    monkeypatch.setattr(dash, "serve", lambda scenario, h, p, open_browser=False:
                        served.append((h, p)))
    res = CliRunner().invoke(cli, ["dashboard", "--host", host, "--port", "0"])
    assert res.exit_code == 0, res.output
    [(h, port)] = served
    assert h == host and 0 < port < 65536
    assert f"on http://{host}:{port} " in res.output
    assert dash.port_problem(host, port) is None
    warnings = [line for line in res.output.splitlines() if line.startswith("warning:")]
    if host == "0.0.0.0":
        assert len(warnings) == 1 and "anyone on the network" in warnings[0]
    else:
        assert warnings == []


def test_loopback_hosts():
    assert dash.is_loopback("127.0.0.1") and dash.is_loopback("::1")
    assert dash.is_loopback("localhost") and dash.is_loopback("127.0.0.2")
    assert not dash.is_loopback("0.0.0.0") and not dash.is_loopback("::")
    assert not dash.is_loopback("no-such-host.invalid")


def test_the_last_month_reads_as_the_runs_last_month():
    """Issue 19: after 264 of 264 months the panel said 2021-01, a month the run never had."""
    m = dash.WorkshopModel(base=BASE)
    assert dash.shown_date(m) == BASE.start  # before any month: the first
    m.run()
    panel = dash.WhatHappened(m).kwargs["unsafe_innerHTML"]
    assert f"<h3>2020-12: month {BASE.months} of {BASE.months}</h3>" in panel
    assert dash.unit_picture(m).axes[0].get_title().startswith("The units, 2020-12:")


def test_step_choices_are_a_month_a_quarter_and_a_year():
    assert dash.STEP_CHOICES == {"month": 1, "quarter": 3, "year": 12}


@pytest.mark.parametrize("view", [dash.UnitsAlive, dash.Earnings, dash.CashArrears])
def test_withdrawal_marker_is_clear_of_the_legend(view):
    """The "mission withdraws" label sat under the charts' legends (upper left)."""
    m = dash.WorkshopModel(base=BASE, mission_withdraws=True, withdraw_year=2006)
    m.run_for(150)
    fig = view(m).args[0]
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = fig.axes[0]
    [marker] = [t for t in ax.texts if t.get_gid() == "withdrawal-marker"]
    assert "2006-01" in marker.get_text()
    label = marker.get_window_extent(renderer)
    legend = ax.get_legend().get_window_extent(renderer)
    assert not label.overlaps(legend)
    assert ax.get_window_extent(renderer).contains(label.x0 + 1, label.y0 + 1)


def test_what_happened_lists_the_most_consequential_first():
    m = dash.WorkshopModel(base=BASE)
    m.run_for(30)
    m.messages.clear()
    m.message_kinds.clear()
    m.log("A school insourced.")  # other
    m.log("2 unit(s) missed a loan instalment.", kind="loan_default")
    m.log("Payment-delay shock.", kind="payment_shock")
    m.log("The mission withdrew.", kind="mission")
    m.log("Unit 3 (training) closed: idleness.", kind="closure")
    m.t += 1
    m.log("Unit 7 (data_entry) closed: insolvency.", kind="closure")
    shown, left = dash.recent_events(m)
    assert [text for _, text in shown] == [
        "Unit 7 (data_entry) closed: insolvency.", "Unit 3 (training) closed: idleness.",
        "The mission withdrew.", "Payment-delay shock.", "2 unit(s) missed a loan instalment.",
        "A school insourced."]
    assert left == {}
    shown, left = dash.recent_events(m, shown=2)
    assert len(shown) == 2 and left == {"mission": 1, "payment_shock": 1, "loan_default": 1,
                                        "other": 1}


def test_what_happened_in_a_run_puts_closures_and_the_withdrawal_before_insourcing():
    m = dash.WorkshopModel(base=NO_SPEM)
    m.run_for(12 * 12)
    kinds = dict(zip(m.messages, m.message_kinds, strict=True))
    assert {"closure", "mission", "other"} <= set(kinds.values())
    order = {k: r for r, k in enumerate(dash.KIND_ORDER)}
    shown, _ = dash.recent_events(m, months=12 * 12, shown=10_000)
    ranks = [order[kinds[e]] for e in shown]
    assert ranks == sorted(ranks) and ranks[0] == 0
    closures = [text for (_, text), k in zip(m.messages, m.message_kinds, strict=True)
                if k == "closure"]
    # a closure says why, and an insolvency says which of its two rules ended the unit
    for text in closures:
        assert "closed: " in text
        if "insolvency" in text:
            assert "the bank called its loan" in text or "unable to meet its costs" in text


def test_the_command_says_ready_once_the_port_answers(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        dash.announce_when_ready("127.0.0.1", port, "sosim dashboard", timeout_s=10)
        import time

        time.sleep(0.6)
        assert "ready" not in capsys.readouterr().out  # nothing listens yet
        s.listen()
        deadline = time.monotonic() + 10
        out = ""
        while "ready" not in out and time.monotonic() < deadline:
            time.sleep(0.1)
            out += capsys.readouterr().out
    assert out.strip() == f"sosim dashboard: ready on http://127.0.0.1:{port}"
