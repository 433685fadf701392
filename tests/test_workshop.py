"""The played workshop's room without a browser (test_workshop_browser.py drives Chromium):
participants join and get distinct open units, their decisions are validated and taken, the
undecided are left to the rule, the teacher's events reach the played world and its twin, the
debrief lists everyone, and the server answers bad requests with one line."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")

from sim.mechanisms import decisions  # noqa: E402
from sim.mechanisms.decisions import DecisionError  # noqa: E402
from sim.model import SocialOutsourcingModel  # noqa: E402
from sim.scenario import MissionWithdraws, load_scenario  # noqa: E402
from sosim import workshop as ws  # noqa: E402
from sosim.cli import app as cli  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BASE = load_scenario(ROOT / "scenarios" / "kerala_baseline.yaml")


def room_of(n: int = 4) -> ws.Room:
    room = ws.Room(BASE, code="TEST")
    for k in range(n):
        room.join(f"p{k}")
    return room


def test_participants_get_distinct_open_units_and_keep_them():
    room = room_of(4)
    units = [p.unit for p in room.participants.values()]
    assert len(set(units)) == 4 and all(room.model.E.alive[u] for u in units)
    assert room.join("p2").unit == units[2]  # the same name again: its own unit back
    assert set(room.model.played.deciders) == set(units)
    for bad in ("", "   ", "x" * 31, "tab\there"):
        with pytest.raises(ws.RoomError, match="name: 1 to 30 printable"):
            room.join(bad)


def test_the_start_must_be_a_quarters_first_month_in_the_run():
    with pytest.raises(ws.RoomError, match="start: 2001-02 is not a quarter's first month"):
        ws.Room(BASE, start="2001-02")
    with pytest.raises(ws.RoomError):
        ws.Room(BASE, start="2030-01")
    assert ws.Room(BASE, start="2002-04").date == "2002-04"


def test_nobody_deciding_leaves_every_played_unit_as_the_rule_runs_it():
    room = room_of(4)
    for _ in range(8):
        room.advance()
    plain = SocialOutsourcingModel(BASE)
    plain.run_for(room.model.t)
    for p in room.participants.values():
        assert ws.unit_figures(room.model, p.unit) == ws.unit_figures(room.twin, p.unit)
        assert ws.unit_figures(room.model, p.unit) == ws.unit_figures(plain, p.unit)
        assert [q["decided"] for q in p.quarters] == [False] * 8


def test_decisions_change_cash_as_they_imply_and_one_offs_act_once():
    room = room_of(3)
    keep, spend, borrow = (room.participants[n] for n in ("p0", "p1", "p2"))
    room.decide("p0", {"pay_share": 0})
    room.decide("p1", {"pay_share": 1})
    cap = BASE.finance.max_further_loan_usd
    room.decide("p2", {"loan_usd": cap})
    cash0 = ws.unit_figures(room.model, borrow.unit)["cash"]
    for _ in range(4):
        room.advance()
    mine = {p.name: ws.unit_figures(room.model, p.unit) for p in (keep, spend, borrow)}
    rule = {p.name: ws.unit_figures(room.twin, p.unit) for p in (keep, spend, borrow)}
    assert mine["p0"]["cash"] > rule["p0"]["cash"] and mine["p0"]["pay_per_member"] == 0
    assert mine["p1"]["cash"] < rule["p1"]["cash"]
    # members get more (up to the cap on a member's pay, finance.max_member_pay_usd)
    assert mine["p1"]["pay_per_member"] >= rule["p1"]["pay_per_member"]
    # the loan came in at the first quarter's start, and only then
    first = borrow.quarters[0]
    assert first["decision"]["loan_usd"] == cap and first["cash_in"] >= cap
    assert first["before"]["cash"] == pytest.approx(cash0)
    assert all(q["decision"]["loan_usd"] == 0 for q in borrow.quarters[1:])
    assert room.model.E.loans_taken[borrow.unit] == room.twin.E.loans_taken[borrow.unit] + 1
    # standing choices stay: every quarter decided
    assert all(q["decided"] for q in keep.quarters)


def test_bad_decisions_are_refused_in_one_line_and_the_unit_keeps_the_rule():
    room = room_of(1)
    for raw, message in (({"pay_share": 3}, "unit 0: pay_share: Input should be less than"),
                         ({"buy_pcs": "many"}, "unit 0: buy_pcs: Input should be a valid"),
                         ({"loan_usd": 1e9}, "unit 0: loan_usd: at most")):
        with pytest.raises(DecisionError) as exc:
            room.decide("p0", raw)
        assert str(exc.value).startswith(message)
    with pytest.raises(ws.RoomError, match="a set of choices"):
        room.decide("p0", "pay everyone")
    with pytest.raises(ws.RoomError, match="join the room first"):
        room.decide("nobody", {"pay_share": 0.5})
    room.advance()
    assert room.participants["p0"].quarters[0]["decided"] is False


def test_the_teachers_event_reaches_the_played_world_and_its_twin():
    room = room_of(2)
    room.advance()
    said = room.throw_in({"do": "mission_withdraws", "date": ""})  # empty: the next quarter
    assert said == f"The mission withdraws in {room.date}."
    room.advance()
    assert not room.model.mission_active and not room.twin.mission_active
    assert room.news == [(room.participants["p0"].quarters[1]["from"], said)]
    assert "News:</b> " + said in ws.participant_live(room, "p0")
    assert "News:</b> " + said in ws.teacher_live(room)
    shock = room.throw_in({"do": "payment_delay_shock", "extra_months": 3,
                           "duration_months": 6})
    assert "3 months later, for 6 months" in shock
    for bad, message in (({"do": "flood"}, "event: do must be one of"),
                         ({"do": "mission_withdraws", "date": "1999-01"}, "event: date: from"),
                         ({"do": "payment_delay_shock", "extra_months": -1},
                          "event: extra_months: Input should be greater")):
        with pytest.raises(ws.RoomError, match=message):
            room.throw_in(bad)
    assert sum(isinstance(e, MissionWithdraws) for evs in room.model.events_by_month.values()
               for e in evs) == 1


def test_debrief_lists_every_participant_and_exports_one_file(tmp_path):
    room = room_of(4)
    room.decide("p0", {"pay_share": 0})
    for _ in range(2):
        room.advance()
    page = ws.debrief_html(room)
    for p in room.participants.values():
        assert f"<td>{p.name}</td><td>{p.unit}</td>" in page
    assert "2 of 2" in page and "0 of 2" in page
    out = tmp_path / "debrief.html"
    ws.write_debrief(room, out)
    text = out.read_text()
    assert "data:image/png;base64," in text and "src='http" not in text and "<script" not in text
    assert not list(tmp_path.glob("*.part"))


def test_the_room_ends_with_the_run():
    room = ws.Room(BASE, start="2020-07")
    room.join("last")
    room.advance()
    room.advance()
    assert room.finished and room.shown_date == "2020-12"
    with pytest.raises(ws.RoomError, match="the run has ended"):
        room.advance()


# ---------------------------------------------------------------------- the server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served():
    room = room_of(1)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(ws.make_app(room), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield room, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def call(url: str, body: bytes | None = None) -> tuple[int, dict | str]:
    req = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            status, raw = r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read().decode()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


def test_the_server_answers_bad_requests_with_one_line(served):
    room, url = served
    assert call(f"{url}/room/{room.code}/decide", b"{not json")[1] == {
        "error": "the request is not JSON"}
    status, said = call(f"{url}/room/{room.code}/decide",
                        json.dumps({"name": "p0", "decision": {"pay_share": 9}}).encode())
    assert status == 400 and said["error"].startswith("unit ")
    assert "\n" not in said["error"] and "Traceback" not in said["error"]
    assert call(f"{url}/room/NOPE/state")[1] == {"error": "no such room"}
    assert call(f"{url}/teacher/wrong/advance", b"{}")[1] == {"error": "not the teacher's link"}
    status, said = call(f"{url}/room/{room.code}/join", json.dumps({"name": "q"}).encode())
    assert status == 200 and said["unit"] == room.participants["q"].unit
    status, said = call(f"{url}/teacher/{room.teacher_key}/advance", b"{}")
    assert status == 200 and room.quarter == 1
    with urllib.request.urlopen(f"{url}/room/{room.code}/picture.png", timeout=10) as r:
        assert r.status == 200 and r.read(8) == b"\x89PNG\r\n\x1a\n"
    state = call(f"{url}/room/{room.code}/state?name=q")[1]
    assert "q: unit" in state["html"]


def test_workshop_command_refuses_bad_input_in_one_line():
    res = CliRunner().invoke(cli, ["workshop", "missing.yaml"])
    assert res.exit_code == 2 and "missing.yaml" in res.output
    res = CliRunner().invoke(cli, ["workshop", "--start", "2001-02"])
    assert res.exit_code == 2
    [line] = [x for x in res.output.splitlines() if x.startswith("error:")]
    assert "start: 2001-02 is not a quarter's first month" in line


def test_a_room_too_large_for_memory_is_refused_before_the_server_starts(monkeypatch):
    """A room runs two worlds (the played one and its rule-driven twin): like the dashboard,
    the command refuses a scenario whose two worlds would not fit in memory, in one line, before
    any world is built or a server starts; --allow-large lets it through."""
    import sim.size

    monkeypatch.setattr(sim.size, "machine_memory", lambda: 1e6)
    built: list[int] = []
    monkeypatch.setattr(ws, "Room", lambda *a, **k: built.append(1) or (_ for _ in ()).throw(
        ws.RoomError("stop here")))
    res = CliRunner().invoke(cli, ["workshop", "--port", "0"])
    assert res.exit_code == 2, res.output
    assert "formation.schedule: a run would need about" in res.output
    res = CliRunner().invoke(cli, ["workshop", "--port", "0", "--allow-large"])
    assert "stop here" in res.output  # past the size check: the room is built


def test_rule_decision_is_what_an_undecided_room_takes():
    """The room's fallback is the model's rule (``decisions.rule_decision`` is the same)."""
    room = room_of(1)
    unit = room.participants["p0"].unit
    d = decisions.rule_decision(room.model, unit)
    room.decide("p0", d.model_dump())
    for _ in range(4):
        room.advance()
    np.testing.assert_equal(ws.unit_figures(room.model, unit), ws.unit_figures(room.twin, unit))


def test_start_advances_a_quarter_when_its_time_is_up_and_pause_stops_it():
    room = ws.Room(BASE, quarter_seconds=1.0)
    room.join("p0")
    room.start()
    deadline = time.monotonic() + 20
    while room.quarter < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    room.pause()
    assert room.quarter >= 2
    stopped = room.quarter
    time.sleep(2.5)
    assert room.quarter in (stopped, stopped + 1)  # at most the one under way finishes
    assert [q["decided"] for q in room.participants["p0"].quarters] == [False] * room.quarter


def test_pcs_bought_stop_at_the_lines_most_and_at_the_cash():
    m = SocialOutsourcingModel(BASE)
    m.run_for(24)
    tops = m.line_param("max_pcs")[m.E.line]
    pcs = decisions.assets.working_pcs(m)
    unit = int(np.flatnonzero(m.E.alive & (pcs < tops))[0])  # a unit with room for more
    top, have = int(tops[unit]), int(pcs[unit])
    m.E.cash[unit] = 1e9
    decisions.play(m, unit, lambda m, u: {"buy_pcs": top + 5})
    decisions.start_quarter(m)
    assert int(decisions.assets.working_pcs(m)[unit]) == top > have
    assert "the line's most PCs per unit" in m.messages[-1][1]
    m.E.cash[unit] = 0.0
    m.t += 3
    other = unit + 1
    decisions.play(m, other, lambda m, u: {"buy_pcs": 1})
    m.E.cash[other] = 0.0
    decisions.start_quarter(m)
    assert m.E.cash[other] == 0.0 and "not enough cash" in m.messages[-1][1]


def test_a_closed_unit_is_said_to_be_closed_not_left_to_the_rule():
    room = room_of(1)
    p = room.participants["p0"]
    room.advance()
    from sim.mechanisms import closure

    closure.close(room.model, np.array([p.unit]), np.array([closure.IDLENESS]))
    room.advance()
    assert p.quarters[-1]["note"] == "closed"
    page = ws.participant_live(room, "p0")
    assert "closed: " in page and f"unit {p.unit} (" in page and ", closed</h4>" in page
    with pytest.raises(ws.RoomError, match="has closed"):
        room.decide("p0", {"pay_share": 0.5})
