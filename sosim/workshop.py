"""The played workshop (issue 19): a room where each participant runs one cooperative.

``sosim workshop SCENARIO [--host] [--port]`` starts a room. The teacher's page shows the room
link, who has joined, the shared world (every unit, the played ones marked) and controls:
start (a quarter every ``--quarter-seconds``), pause, advance a quarter, reveal, and a dated
event to throw in (the mission withdraws, a payment shock). Each participant opens the room's
link, picks a name and is given one open cooperative; each quarter they decide what the model
otherwise decides by rule (``sim.mechanisms.decisions``) and see their unit's cash, arrears,
members, PCs and earnings, and what happened to it and why. A participant who has not decided
when the quarter ends is left to the rule, so the room never waits on anyone.

Beside the played world the room runs a rule-driven twin: the same scenario, seed and thrown-in
events, with nobody playing. The debrief compares each played unit with its own rule-driven
twin and with the units nobody played (survival, earnings, arrears), as a page and as one
self-contained HTML file for the class.

This module adds no mechanism: the room drives ``SocialOutsourcingModel`` through the decision
hook; the server (Starlette on uvicorn, both already under Solara) serves plain HTML and JSON.
Nothing is fetched from outside this machine.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from sim.mechanisms import assets, decisions, payments, production
from sim.mechanisms.decisions import DecisionError, QuarterDecision
from sim.model import SocialOutsourcingModel
from sim.scenario import (
    LINES,
    MissionWithdraws,
    PaymentDelayShock,
    Scenario,
    ScenarioError,
    add_months,
    month_index,
)

DEFAULT_START = "2001-01"
"""The month the room starts playing (the world runs by rule until then, so units exist)."""
DEFAULT_QUARTER_SECONDS = 90
MAX_NAME = 30
ONE_OFF = ("loan_usd", "buy_pcs", "hire")
"""Decisions taken once, at the next quarter's start; the others stand until changed."""
EVENT_KINDS = {"mission_withdraws": MissionWithdraws, "payment_delay_shock": PaymentDelayShock}
LINE_WORDS = {"training": "IT training", "data_entry": "data entry", "hardware": "PC hardware"}


class RoomError(ValueError):
    """Something asked of the room that it cannot do; ``str()`` is one line for the page."""


@dataclass
class Participant:
    """One person in the room and the unit they run."""

    name: str
    unit: int
    standing: dict[str, Any] = field(default_factory=dict)  # bid, price, marketing, pay share
    once: dict[str, Any] = field(default_factory=dict)  # loan, PCs, hires for the next quarter
    quarters: list[dict[str, Any]] = field(default_factory=list)  # what happened, by quarter


def unit_figures(model: SocialOutsourcingModel, unit: int) -> dict[str, Any]:
    """A unit's money, people and PCs now, in the words of the participant's page."""
    E = model.E
    members, _ = production.member_strength(model)
    return {
        "open": bool(E.alive[unit]),
        "cash": float(E.cash[unit]),
        "arrears": float(payments.arrears(model)[unit]),
        "owed": float(payments.receivables(model)[unit]),
        "members": int(members[unit]),
        "employees": int(E.employees[unit]),
        "pcs": int(assets.working_pcs(model)[unit]),
        "loan": float(E.loan_balance[unit]),
        "pay_per_member": float(E.pay_per_member[unit]),
        "missed_instalments": int(E.missed_instalments[unit]),
        "markets_self": bool(E.markets_self[unit]),
    }


class Room:
    """The shared world, its rule-driven twin, the participants and the teacher's controls.
    Every method takes the room's lock: pages call from many threads."""

    def __init__(self, scenario: Scenario, start: str = DEFAULT_START,
                 quarter_seconds: float = DEFAULT_QUARTER_SECONDS, code: str | None = None):
        self.scenario = scenario
        self.code = code or secrets.token_hex(3).upper()  # not a model draw: the room's name
        self.teacher_key = secrets.token_urlsafe(8)
        self.quarter_seconds = float(quarter_seconds)
        self.lock = threading.RLock()
        self.model = SocialOutsourcingModel(scenario)
        self.twin = SocialOutsourcingModel(scenario)  # nobody plays here
        k = month_index(start, scenario.start)
        if not 0 <= k < scenario.months or k % decisions.QUARTER_MONTHS:
            raise RoomError(f"start: {start} is not a quarter's first month within the run "
                            f"({scenario.start} to {scenario.end})")
        self.model.run_for(k)
        self.twin.run_for(k)
        self.participants: dict[str, Participant] = {}
        self.news: list[tuple[str, str]] = []  # (date, what the teacher threw in)
        self.running = False
        self.revealed = False
        self.quarter = 0
        self.seconds_left = self.quarter_seconds
        self._wake = threading.Event()
        self._timer: threading.Thread | None = None

    # ------------------------------------------------------------------ participants
    @property
    def date(self) -> str:
        """The month the next quarter starts with."""
        return add_months(self.scenario.start, self.model.t)

    @property
    def finished(self) -> bool:
        return self.model.t + decisions.QUARTER_MONTHS > self.scenario.months

    def join(self, name: Any) -> Participant:
        """Give ``name`` the first open unit nobody plays (in the order the mission formed
        them); the same name again gets its own unit back."""
        name = str(name or "").strip()
        if not name or len(name) > MAX_NAME or not name.isprintable():
            raise RoomError(f"name: 1 to {MAX_NAME} printable characters, please")
        with self.lock:
            if name in self.participants:
                return self.participants[name]
            taken = {p.unit for p in self.participants.values()}
            free = [int(u) for u in np.flatnonzero(self.model.E.alive) if int(u) not in taken]
            if not free:
                raise RoomError("every open cooperative is taken")
            p = Participant(name, free[0])
            self.participants[name] = p
            decisions.play(self.model, p.unit, self._decider)
            return p

    def participant(self, name: Any) -> Participant:
        p = self.participants.get(str(name or "").strip())
        if p is None:
            raise RoomError("join the room first (pick a name)")
        return p

    def decide(self, name: Any, raw: Any) -> QuarterDecision:
        """Check a participant's decision now (one line naming the field if it cannot be
        taken) and keep it for the next quarter: the standing choices until changed, a loan,
        PCs and hires once."""
        if not isinstance(raw, dict):
            raise RoomError("decision: a set of choices, please")
        with self.lock:
            p = self.participant(name)
            if not self.model.E.alive[p.unit]:
                raise RoomError(f"unit {p.unit} has closed: there is nothing left to decide")
            merged = {**p.standing, **raw}
            d = decisions.validate_decision(self.model, p.unit, merged)
            p.standing = {k: v for k, v in d.model_dump().items() if k not in ONE_OFF}
            p.once = {k: getattr(d, k) for k in ONE_OFF if getattr(d, k)}
            return d

    def _decider(self, model: SocialOutsourcingModel, unit: int) -> dict | None:
        p = next(p for p in self.participants.values() if p.unit == unit)
        if not p.standing and not p.once:
            return None  # undecided: the rule decides
        d, p.once = {**p.standing, **p.once}, {}
        return d

    # ------------------------------------------------------------------ the teacher
    def advance(self) -> None:
        """Run one quarter in the played world and its twin; record what each played unit did
        and why."""
        with self.lock:
            if self.finished:
                self.running = False
                raise RoomError("the run has ended: open the debrief")
            before = {p.name: unit_figures(self.model, p.unit) for p in self.participants.values()}
            first_msg = len(self.model.messages)
            start_t = self.model.t
            flows = {p.unit: [0.0, 0.0, 0.0] for p in self.participants.values()}
            for _ in range(decisions.QUARTER_MONTHS):
                self.model.step()
                self.twin.step()
                E = self.model.E
                for u, f in flows.items():
                    f[0] += float(E.cash_in_month[u])
                    f[1] += float(E.cash_out_month[u])
                    f[2] += float(E.member_pay[u])
            taken = {u: (d, note) for t, u, d, note in self.model.played.history
                     if t == start_t}
            for p in self.participants.values():
                d, note = taken.get(p.unit, (None, "closed"))
                mine = [text for t, text in self.model.messages[first_msg:]
                        if re.search(rf"\bUnit {p.unit}\b", text)]
                now = unit_figures(self.model, p.unit)
                cin, cout, paid = flows[p.unit]
                p.quarters.append({
                    "from": add_months(self.scenario.start, start_t),
                    "decided": d is not None, "note": note,
                    "decision": None if d is None else d.model_dump(),
                    "before": before[p.name], "after": now,
                    "cash_in": cin, "cash_out": cout, "members_paid": paid,
                    "messages": mine,
                })
            self.quarter += 1
            self.seconds_left = self.quarter_seconds
            if self.finished:
                self.running = False

    def start(self) -> None:
        """Advance a quarter every ``quarter_seconds`` until paused (a background thread)."""
        with self.lock:
            self.running = True
            self.seconds_left = self.quarter_seconds
            if self._timer is None or not self._timer.is_alive():
                self._timer = threading.Thread(target=self._tick, daemon=True, name="room-timer")
                self._timer.start()

    def pause(self) -> None:
        with self.lock:
            self.running = False

    def _tick(self) -> None:
        while True:
            self._wake.wait(1.0)
            with self.lock:
                if not self.running:
                    return
                self.seconds_left -= 1.0
                due = self.seconds_left <= 0
            if due:
                try:
                    self.advance()
                except RoomError:
                    return

    def reveal(self) -> None:
        """Show each participant how the rule would have run their unit (their twin)."""
        with self.lock:
            self.revealed = True

    def throw_in(self, raw: Any) -> str:
        """A dated event (the mission withdraws, a payment-delay shock) from the month the next
        quarter starts or later, in the played world and its twin alike; validated as a
        scenario's events are."""
        if not isinstance(raw, dict) or raw.get("do") not in EVENT_KINDS:
            raise RoomError(f"event: do must be one of {', '.join(EVENT_KINDS)}")
        fields = {k: v for k, v in raw.items() if v not in (None, "")}
        with self.lock:
            fields.setdefault("date", self.date)
            try:
                ev = EVENT_KINDS[fields["do"]].model_validate(fields)
            except ValidationError as exc:  # one line for the page
                first = exc.errors()[0]
                where = ".".join(str(x) for x in first["loc"]) or "event"
                raise RoomError(f"event: {where}: {first['msg']}") from None
            k = month_index(ev.date, self.scenario.start)
            if k < self.model.t or k >= self.scenario.months:
                raise RoomError(f"event: date: from {self.date} to {self.scenario.end}")
            for m in (self.model, self.twin):
                m.events_by_month.setdefault(k, []).append(ev)
            text = (f"The mission withdraws in {ev.date}." if isinstance(ev, MissionWithdraws)
                    else f"From {ev.date} public clients pay {ev.extra_months:g} months later, "
                         f"for {ev.duration_months} months.")
            self.news.append((ev.date, text))
            return text

    # ------------------------------------------------------------------ what the pages show
    def picture_png(self) -> bytes:
        """The shared world: one mark per unit, the played ones squared and named."""
        from sosim.dashboard import unit_picture

        with self.lock:
            marked = {p.unit: p.name for p in self.participants.values()}
            fig = unit_picture(self.model, marked)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()

    def comparison(self) -> dict[str, Any]:
        """Played units against their rule-driven twins and against the units nobody played:
        open or not, members' mean pay over the played quarters, cash, arrears."""
        with self.lock:
            rows = []
            for p in self.participants.values():
                mine = unit_figures(self.model, p.unit)
                twin = unit_figures(self.twin, p.unit)
                pay = [q["after"]["pay_per_member"] for q in p.quarters]
                rows.append({
                    "name": p.name, "unit": p.unit,
                    "line": LINE_WORDS[LINES[int(self.model.E.line[p.unit])]],
                    "decided": sum(q["decided"] for q in p.quarters),
                    "quarters": len(p.quarters), "played": mine, "rule": twin,
                    "played_pay": float(np.mean(pay)) if pay else 0.0,
                })
            E = self.model.E
            others = np.ones(E.n, dtype=bool)
            others[[p.unit for p in self.participants.values()]] = False
            formed = others & (E.founded <= self.model.t)
            alive = formed & E.alive
            owed = payments.arrears(self.model)
            rest = {
                "units": int(formed.sum()), "open": int(alive.sum()),
                "pay_per_member": float(E.pay_per_member[alive].mean()) if alive.any() else 0.0,
                "cash": float(E.cash[alive].mean()) if alive.any() else 0.0,
                "arrears": float(owed[alive].mean()) if alive.any() else 0.0,
            }
            return {"rows": rows, "rest": rest, "date": self.shown_date,
                    "quarters": self.quarter, "news": list(self.news)}

    @property
    def shown_date(self) -> str:
        """The last month run."""
        return add_months(self.scenario.start, max(self.model.t - 1, 0))


# ---------------------------------------------------------------------- HTML
def _usd(x: float) -> str:
    return f"US${x:,.0f}"


CSS = """
body { font-family: system-ui, sans-serif; margin: 0; color: #222; }
header { background: #1976d2; color: white; padding: 10px 16px; font-size: 20px; }
main { padding: 10px 16px; }
.cols { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 12px; }
img { max-width: 100%; }
table { border-collapse: collapse; font-size: 14px; }
td, th { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: right; }
td:first-child, th:first-child { text-align: left; }
.news { background: #fff3cd; border: 1px solid #e0c36c; padding: 6px 10px; margin: 6px 0; }
.error { color: #b00020; font-weight: bold; }
.ok { color: #1b5e20; }
button { background: #1976d2; color: white; border: 0; padding: 6px 12px; margin: 2px;
  border-radius: 3px; font-size: 14px; cursor: pointer; }
fieldset { border: 1px solid #ccc; margin: 4px 0; }
label { display: block; margin: 3px 0; }
"""

POLL_JS = """
async function refresh() {
  try {
    const r = await fetch(STATE_URL);
    const s = await r.json();
    document.getElementById('live').innerHTML = s.html;
  } catch (e) {}
}
async function post(url, body) {
  const r = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'},
                              body: JSON.stringify(body || {})});
  const s = await r.json();
  const out = document.getElementById('said');
  if (out) { out.textContent = s.error || s.said || ''; out.className = s.error ? 'error' : 'ok'; }
  await refresh();
  return s;
}
setInterval(refresh, 1500);
refresh();
"""


def _page(title: str, body: str, state_url: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><style>{CSS}</style></head><body><header>{html.escape(title)}</header>"
            f"<main>{body}</main><script>let STATE_URL = {json.dumps(state_url)};"
            f"{POLL_JS}</script></body></html>")


def _news(room: Room) -> str:
    return "".join(f"<div class='news'><b>News:</b> {html.escape(t)}</div>"
                   for _, t in room.news)


def teacher_page(room: Room, base_url: str) -> str:
    """The teacher's screen: room link, controls, who joined, the shared world."""
    link = f"{base_url}/room/{room.code}"
    body = f"""
<p>Room <b id='code'>{room.code}</b>: participants open
<a href='{html.escape(link)}'>{html.escape(link)}</a></p>
<div>
<button onclick="post(ACT + 'start')">Start</button>
<button onclick="post(ACT + 'pause')">Pause</button>
<button onclick="post(ACT + 'advance')">Advance a quarter</button>
<button onclick="post(ACT + 'reveal')">Reveal</button>
<a href='/room/{room.code}/debrief'>Debrief</a>
</div>
<fieldset><legend>Throw in an event</legend>
<select id='ev_do'><option value='mission_withdraws'>the mission withdraws</option>
<option value='payment_delay_shock'>a payment shock</option></select>
from <input id='ev_date' size='8' placeholder='YYYY-MM'>
(shock: +<input id='ev_extra' size='3' value='6'> months for
<input id='ev_dur' size='3' value='12'> months)
<button onclick="post(ACT + 'event', {{do: ev_do.value, date: ev_date.value,
  extra_months: ev_do.value == 'payment_delay_shock' ? ev_extra.value : null,
  duration_months: ev_do.value == 'payment_delay_shock' ? ev_dur.value : null}})">Throw in</button>
</fieldset>
<p id='said'></p>
<div id='live'></div>
<script>const ACT = '/teacher/{room.teacher_key}/';</script>
"""
    return _page(f"sosim workshop: teacher, room {room.code}", body,
                 f"/teacher/{room.teacher_key}/state")


def teacher_live(room: Room) -> str:
    """The part of the teacher's screen that follows the room."""
    with room.lock:
        state = ("running" if room.running else "paused")
        state = "ended" if room.finished else state
        people = "".join(
            f"<tr><td>{k}</td><td>{html.escape(p.name)}</td><td>unit {p.unit}</td>"
            f"<td>{'yes' if p.standing or p.once else 'rule'}</td>"
            f"<td>{_usd(unit_figures(room.model, p.unit)['cash'])}</td>"
            f"<td>{'open' if room.model.E.alive[p.unit] else 'closed'}</td></tr>"
            for k, p in enumerate(room.participants.values(), start=1))
        return (
            f"<h3>{room.shown_date}: quarter {room.quarter} played, {state}"
            + (f", next quarter in {room.seconds_left:.0f} s" if room.running else "")
            + f"</h3>{_news(room)}<div class='cols'><div><img alt='the units' "
            f"src='/room/{room.code}/picture.png?t={room.model.t}-{len(room.participants)}'>"
            f"</div><div><b>Joined ({len(room.participants)})</b><table><tr><th>#</th>"
            "<th>name</th>"
            f"<th>unit</th><th>decided</th><th>cash</th><th></th></tr>{people}</table>"
            f"<p>{int(room.model.E.alive.sum())} units open of {room.model.E.n} formed.</p>"
            "</div></div>")


def participant_page(room: Room) -> str:
    """A participant's screen: pick a name, then run one cooperative."""
    body = f"""
<div id='join'>Your name: <input id='name' maxlength='{MAX_NAME}'>
<button onclick="join()">Join room {room.code}</button></div>
<p id='said'></p>
<fieldset id='decide' style='display:none'><legend>Your decisions for the next quarter</legend>
<label><input type='checkbox' id='bid' checked> take new public orders (bid)</label>
<label>your bid price: <input id='price' size='4' value='1'> x the usual price</label>
<label><input type='checkbox' id='market'> market to private clients yourself</label>
<label>members' pay: <input id='pay' size='4'> of the free cash each month (0 to 1; the rest
is kept as reserve; it starts at the rule's share)</label>
<label>a further loan: US$ <input id='loan' size='6' value='0'></label>
<label>buy PCs: <input id='pcs' size='3' value='0'></label>
<label>hire employees: <input id='hire' size='3' value='0'></label>
<button onclick="decide()">Decide</button>
</fieldset>
<div id='live'></div>
<script>
function me() {{ return document.getElementById('name').value.trim(); }}
async function join() {{
  const s = await post('/room/{room.code}/join', {{name: me()}});
  if (!s.error) {{
    document.getElementById('bid').checked = s.rule.bid;
    document.getElementById('price').value = s.rule.price_multiple;
    document.getElementById('market').checked = !!s.rule.market_private;
    document.getElementById('pay').value = s.rule.pay_share;
    STATE_URL = '/room/{room.code}/state?name=' + encodeURIComponent(me());
    document.getElementById('decide').style.display = 'block';
    document.getElementById('name').disabled = true;
    await refresh();
  }}
}}
function val(id) {{ return document.getElementById(id).value.trim(); }}
async function decide() {{
  const d = {{bid: document.getElementById('bid').checked, price_multiple: val('price'),
             market_private: document.getElementById('market').checked,
             loan_usd: val('loan') || 0, buy_pcs: val('pcs') || 0, hire: val('hire') || 0}};
  if (val('pay') !== '') d.pay_share = val('pay');
  await post('/room/{room.code}/decide', {{name: me(), decision: d}});
}}
</script>
"""
    return _page(f"sosim workshop: room {room.code}", body, f"/room/{room.code}/state")


def choices_in_words(p: Participant) -> str:
    """A participant's standing choices and pending one-offs, as a sentence."""
    d = {**p.standing, **p.once}
    words = [("you take public orders" if d.get("bid", True) else "you take no new public "
              "orders") + f" at {d.get('price_multiple', 1.0):g} x the usual price"]
    market = d.get("market_private")
    words.append("as the rule decides about marketing" if market is None else
                 "you market to private clients" if market else "you do not market yourself")
    share = d.get("pay_share")
    words.append("members' pay as the rule" if share is None else
                 f"members get {share:.0%} of the free cash, the rest is reserve")
    for key, what in (("loan_usd", "a loan of US${:,.0f}"), ("buy_pcs", "{} PC(s) to buy"),
                      ("hire", "{} employee(s) to hire")):
        if p.once.get(key):
            words.append(what.format(p.once[key]) + " next quarter")
    return "; ".join(words)


def participant_live(room: Room, name: str | None) -> str:
    """The part of a participant's screen that follows their unit."""
    with room.lock:
        head = f"<h3>{room.shown_date}: quarter {room.quarter} played</h3>{_news(room)}"
        if not name or name not in room.participants:
            return head + "<p>Pick a name and join: you will be given one cooperative.</p>"
        p = room.participants[name]
        f = unit_figures(room.model, p.unit)
        line = LINE_WORDS[LINES[int(room.model.E.line[p.unit])]]
        mine = (f"<h4 id='me'>{html.escape(p.name)}: unit {p.unit} ({line}), "
                f"{'open' if f['open'] else 'closed'}</h4>"
                "<table><tr><th></th><th>your unit</th>"
                + ("<th>as the rule would have run it</th>" if room.revealed else "")
                + "</tr>")
        twin = unit_figures(room.twin, p.unit)
        for key, label, fmt in (
                ("cash", "cash", _usd), ("arrears", "overdue from clients (arrears)", _usd),
                ("owed", "owed by clients", _usd), ("members", "members", str),
                ("employees", "employees", str), ("pcs", "working PCs", str),
                ("loan", "loan owed", _usd), ("pay_per_member", "pay per member this month",
                                                _usd)):
            mine += (f"<tr><td>{label}</td><td class='v-{key}'>{fmt(f[key])}</td>"
                     + (f"<td class='r-{key}'>{fmt(twin[key])}</td>" if room.revealed else "")
                     + "</tr>")
        mine += "</table>"
        if p.standing or p.once:
            mine += f"<p>Your choices: {html.escape(choices_in_words(p))}.</p>"
        else:
            mine += "<p>You have not decided: the model's rule runs your unit.</p>"
        hist = ""
        for q in reversed(p.quarters):
            why = "".join(f"<li>{html.escape(t)}</li>" for t in q["messages"])
            a = q["after"]
            if a["missed_instalments"]:
                why += (f"<li>missed {a['missed_instalments']} loan instalment(s) in a row "
                        f"(the bank calls the loan after "
                        f"{room.scenario.finance.missed_instalments_to_default})</li>")
            who = ("closed" if q["note"] == "closed" else
                   "you decided" if q["decided"] else "the rule decided")
            hist += (f"<li class='quarter'><b>{q['from']}</b> {who}: "
                     f"cash {_usd(q['before']['cash'])} → {_usd(a['cash'])} (came in "
                     f"{_usd(q['cash_in'])}, went out {_usd(q['cash_out'])}, of which members "
                     f"{_usd(q['members_paid'])})<ul>{why}</ul></li>")
        mine += f"<p><b>What happened to you and why</b></p><ul>{hist or '<li>not yet</li>'}</ul>"
        if room.revealed or room.finished:
            mine += f"<p><a href='/room/{room.code}/debrief'>The debrief</a></p>"
        return head + mine


def debrief_html(room: Room, standalone: bool = False) -> str:
    """Played units against their rule-driven twins and the units nobody played; with
    ``standalone`` one file with the picture inside, for the class."""
    c = room.comparison()
    rows = "".join(
        f"<tr class='played'><td>{html.escape(r['name'])}</td><td>{r['unit']}</td>"
        f"<td>{r['line']}</td><td>{r['decided']} of {r['quarters']}</td>"
        f"<td>{'open' if r['played']['open'] else 'closed'}</td>"
        f"<td>{'open' if r['rule']['open'] else 'closed'}</td>"
        f"<td class='p-cash'>{_usd(r['played']['cash'])}</td>"
        f"<td class='t-cash'>{_usd(r['rule']['cash'])}</td>"
        f"<td>{_usd(r['played']['arrears'])}</td><td>{_usd(r['rule']['arrears'])}</td>"
        f"<td>{_usd(r['played']['pay_per_member'])}</td><td>{_usd(r['rule']['pay_per_member'])}"
        f"</td><td class='p-loan'>{_usd(r['played']['loan'])}</td>"
        f"<td class='t-loan'>{_usd(r['rule']['loan'])}</td></tr>"
        for r in c["rows"])
    rest = c["rest"]
    pic = ""
    if standalone:
        pic = ("<p><img alt='the units' src='data:image/png;base64,"
               + base64.b64encode(room.picture_png()).decode() + "'></p>")
    news = "".join(f"<li>{html.escape(t)}</li>" for _, t in c["news"]) or "<li>none</li>"
    body = f"""
<h3>Debrief, {c['date']}: {c['quarters']} quarter(s) played</h3>
<p>Each played unit beside the same unit in the rule-driven twin (same scenario, seed and
events, nobody playing). "Decided": quarters the participant decided; in the others the rule
did.</p>
<table><tr><th>participant</th><th>unit</th><th>line</th><th>decided</th><th>played</th>
<th>rule</th><th>cash played</th><th>cash rule</th><th>arrears played</th><th>arrears rule</th>
<th>pay/member played</th><th>pay/member rule</th><th>loan played</th><th>loan rule</th></tr>
{rows}</table>
<p>The units nobody played: {rest['open']} of {rest['units']} open; per open unit, members'
pay {_usd(rest['pay_per_member'])} a month, cash {_usd(rest['cash'])}, arrears
{_usd(rest['arrears'])}.</p>
<p>Events thrown in:</p><ul>{news}</ul>{pic}
<p>Questions: Which decisions kept units open? Did paying members less build a reserve that
carried the unit through late payments? What did the mission's withdrawal do to your unit and
to the rule's?</p>
"""
    title = f"sosim workshop: debrief, room {room.code}"
    if standalone:
        return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
                f"<style>{CSS}</style></head><body><header>{title}</header><main>{body}</main>"
                "</body></html>")
    link = f"<p><a href='/room/{room.code}/debrief.html' download>Save as HTML</a></p>"
    return _page(title, body + link, f"/room/{room.code}/state")


# ---------------------------------------------------------------------- server
def make_app(room: Room):
    """The Starlette application serving the room (pages, JSON state and actions)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    def check(request: Request) -> None:
        if request.path_params.get("code", room.code) != room.code:
            raise RoomError("no such room")
        if request.path_params.get("key", room.teacher_key) != room.teacher_key:
            raise RoomError("not the teacher's link")

    def base_url(request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}"

    async def body_of(request: Request) -> dict:
        try:
            data = await request.json()
        except (ValueError, UnicodeDecodeError):
            raise RoomError("the request is not JSON") from None
        if not isinstance(data, dict):
            raise RoomError("the request is not a set of fields")
        return data

    def guarded(handler):
        async def wrapped(request: Request):
            try:
                check(request)
                return await handler(request)
            except (RoomError, DecisionError, ScenarioError) as exc:
                return JSONResponse({"error": str(exc).splitlines()[0]}, status_code=400)
        return wrapped

    @guarded
    async def index(request: Request):
        return HTMLResponse(participant_page(room))

    @guarded
    async def room_page(request: Request):
        return HTMLResponse(participant_page(room))

    @guarded
    async def room_state(request: Request):
        return JSONResponse({"html": participant_live(room, request.query_params.get("name"))})

    @guarded
    async def join(request: Request):
        p = room.join((await body_of(request)).get("name"))
        with room.lock:  # the form starts at the participant's choices, else the rule's
            rule = {**decisions.rule_decision(room.model, p.unit).model_dump(), **p.standing}
        return JSONResponse({"said": f"{p.name}: you run unit {p.unit}.", "unit": p.unit,
                             "rule": rule})

    @guarded
    async def decide(request: Request):
        data = await body_of(request)
        room.decide(data.get("name"), data.get("decision"))
        return JSONResponse({"said": f"Decided for the quarter from {room.date}."})

    @guarded
    async def picture(request: Request):
        return Response(room.picture_png(), media_type="image/png")

    @guarded
    async def debrief(request: Request):
        return HTMLResponse(debrief_html(room))

    @guarded
    async def debrief_file(request: Request):
        return HTMLResponse(debrief_html(room, standalone=True), headers={
            "Content-Disposition": f"attachment; filename=debrief_{room.code}.html"})

    @guarded
    async def teacher(request: Request):
        return HTMLResponse(teacher_page(room, base_url(request)))

    @guarded
    async def teacher_state(request: Request):
        return JSONResponse({"html": teacher_live(room)})

    @guarded
    async def act(request: Request):
        action = request.path_params["action"]
        if action == "start":
            room.start()
            said = "Started."
        elif action == "pause":
            room.pause()
            said = "Paused."
        elif action == "advance":
            room.advance()
            said = f"A quarter played: {room.shown_date}."
        elif action == "reveal":
            room.reveal()
            said = "Revealed: participants see the rule's run of their unit."
        elif action == "event":
            said = room.throw_in(await body_of(request))
        else:
            raise RoomError(f"no such action: {action}")
        return JSONResponse({"said": said})

    routes = [
        Route("/", index),
        Route("/room/{code}", room_page),
        Route("/room/{code}/state", room_state),
        Route("/room/{code}/join", join, methods=["POST"]),
        Route("/room/{code}/decide", decide, methods=["POST"]),
        Route("/room/{code}/picture.png", picture),
        Route("/room/{code}/debrief", debrief),
        Route("/room/{code}/debrief.html", debrief_file),
        Route("/teacher/{key}", teacher),
        Route("/teacher/{key}/state", teacher_state),
        Route("/teacher/{key}/{action}", act, methods=["POST"]),
    ]
    return Starlette(routes=routes)


def serve(room: Room, host: str, port: int) -> None:
    """Serve the room with uvicorn until interrupted (``sosim workshop``)."""
    import uvicorn

    uvicorn.run(make_app(room), host=host, port=port, log_level="warning")


def write_debrief(room: Room, path: Path) -> None:
    """The debrief as one HTML file (written whole or not at all)."""
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_text(debrief_html(room, standalone=True), encoding="utf-8")
    tmp.replace(path)
