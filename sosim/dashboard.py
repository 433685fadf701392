"""The teaching dashboard: Mesa's Solara controls over ``SocialOutsourcingModel`` (issue 5).

Start it with ``sosim dashboard [SCENARIO] [--port P] [--host H]``. Participants move the levers
(sliders and switches whose defaults are read from the loaded scenario), press Reset to start a
run with them, then Step or Play and watch units alive by line, members' earnings against the
field figure, cash and arrears, one mark per unit, and a panel that says what just happened.

This module is the dashboard only: it turns lever positions into a validated ``Scenario`` (the
same dotted paths and events a YAML overlay would use) and draws what the model records; it adds
no mechanism. Each browser connection gets its own model (``solara.use_memo`` inside ``Page``).
"""

from __future__ import annotations

import errno
import functools
import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # figures are rendered to PNG on the server; no display, no pyplot

import numpy as np  # noqa: E402
import solara  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from mesa.visualization.solara_viz import ModelController, ModelCreator  # noqa: E402
from mesa.visualization.utils import update_counter  # noqa: E402

from analysis.patterns import field_figure  # noqa: E402
from sim.mechanisms import intermediary, payments  # noqa: E402
from sim.model import SocialOutsourcingModel  # noqa: E402
from sim.scenario import (  # noqa: E402
    LINES,
    MissionWithdraws,
    Scenario,
    ScenarioError,
    add_months,
    decimal_year,
    load_scenario,
    month_index,
    scenario_with,
)

SCENARIO_ENV = "SOSIM_DASHBOARD_SCENARIO"
"""Environment variable naming the scenario file (set by ``sosim dashboard``)."""
ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "kerala_baseline.yaml"
LINE_COLOURS = {"training": "#1f77b4", "data_entry": "#ff7f0e", "hardware": "#2ca02c"}
LINE_LABELS = {"training": "IT training", "data_entry": "data entry", "hardware": "hardware"}
ARREARS_COLOUR = "#d62728"


@functools.cache
def base_scenario() -> Scenario:
    """The scenario the levers start from: $SOSIM_DASHBOARD_SCENARIO, else the baseline."""
    return load_scenario(os.environ.get(SCENARIO_ENV) or BASELINE)


@functools.cache
def field_earnings() -> float | None:
    """Members' mean monthly earnings observed in the field work (analysis/patterns.yaml)."""
    try:
        return field_figure("member_earnings")
    except (KeyError, ScenarioError):  # no such pattern, or the pattern file cannot be read
        return None


# --------------------------------------------------------------------------- levers
@dataclass(frozen=True)
class Lever:
    """A slider: its label, scenario path, range and display scale (value shown = x * scale)."""

    label: str
    path: str
    low: float
    high: float
    step: float
    scale: float = 1.0


# Ranges are the dashboard's choice (widened to include the scenario's value); defaults are not.
LEVERS: dict[str, Lever] = {
    "payment_delay": Lever("Payment delay (months)",
                           "payments.public_mean_delay_months", 0, 24, 0.5),
    "insourcing": Lever("Schools insourcing (per year)",
                        "demand.schools.insourcing_annual_rate", 0, 0.3, 0.005),
    "records": Lever("Records to digitise (millions)",
                     "demand.digitisation.initial_stock", 100, 6000, 100, scale=1e-3),
    "dropout": Lever("Members leaving (per year)",
                     "workforce.marriage_annual_rate+workforce.other_job_annual_rate", 0, 0.5,
                     0.005),
    "asset_life": Lever("IT-asset life (months)",
                        "assets.failure_scale_months", 12, 144, 6),
    "grant_multiple": Lever("Grant (x members' stakes)", "formation.grant_multiple",
                            0, 20, 0.5),
    "private_access": Lever("Private market (x scenario)",
                            "lines.*.private_market_orders_per_area_month", 0, 5, 0.1),
}


def _dropout(s: Scenario) -> float:
    return s.workforce.marriage_annual_rate + s.workforce.other_job_annual_rate


def _withdrawals(s: Scenario) -> list[MissionWithdraws]:
    return [ev for ev in s.events if isinstance(ev, MissionWithdraws)]


def lever_defaults(s: Scenario) -> dict[str, Any]:
    """Every lever's position as the scenario has it (in the lever's display units)."""
    withdraws = [ev for ev in _withdrawals(s) if month_index(ev.date, s.start) < s.months]
    return {
        "seed": str(s.seed),
        "mission_withdraws": bool(withdraws),
        # without a withdrawal in the scenario, the year slider offers the year after field work
        "withdraw_year": int(withdraws[0].date[:4]) if withdraws else int(s.field_work[:4]) + 1,
        "payment_delay": s.payments.public_mean_delay_months,
        "insourcing": s.demand.schools.insourcing_annual_rate,
        "records": s.demand.digitisation.initial_stock * LEVERS["records"].scale,
        "dropout": _dropout(s),
        "asset_life": s.assets.failure_scale_months,
        "grant_multiple": s.formation.grant_multiple,
        "private_access": 1.0,
    }


def model_params(s: Scenario) -> dict[str, Any]:
    """Mesa's ``model_params``: one input per lever, each a plain dict of numbers, flags and
    text. The base scenario is not among them (Mesa's next major version validates
    ``model_params`` and rejects a pydantic object): it rides on the model's class
    (``workshop_class``), which Mesa's Reset instantiates again."""
    d = lever_defaults(s)
    y0, y1 = int(s.start[:4]), int(s.end[:4])
    params: dict[str, Any] = {
        "seed": {"type": "InputText", "value": d["seed"], "label": "Seed"},
        "mission_withdraws": {"type": "Checkbox", "value": d["mission_withdraws"],
                              "label": "The mission withdraws"},
        "withdraw_year": {"type": "SliderInt", "value": d["withdraw_year"],
                          "min": min(y0 + 1, d["withdraw_year"]),
                          "max": max(y1, d["withdraw_year"]), "step": 1,
                          "label": "Withdrawal year"},
    }
    for key, lever in LEVERS.items():
        v = d[key]
        params[key] = {"type": "SliderFloat", "value": v, "label": lever.label, "step": lever.step,
                       "min": min(lever.low, v), "max": max(lever.high, v)}
    return params


def _moved(value: float, default: float) -> bool:
    return abs(float(value) - float(default)) > 1e-9 * max(1.0, abs(float(default)))


def apply_levers(s: Scenario, levers: dict[str, Any]) -> tuple[Scenario, list[str]]:
    """The scenario with the levers that differ from it applied, and a note for each change.

    Levers left at the scenario's value change nothing (so the scenario's own dated events
    stay); ``None`` means "as in the scenario".
    """
    d = lever_defaults(s)
    lv = {k: (d[k] if v is None else v) for k, v in levers.items() if k in d}
    values: dict[str, Any] = {}
    notes: list[str] = []
    events = [ev.model_dump(mode="json") for ev in s.events]

    on, year = bool(lv.get("mission_withdraws", d["mission_withdraws"])), int(
        lv.get("withdraw_year", d["withdraw_year"]))
    if on != d["mission_withdraws"] or (on and year != d["withdraw_year"]):
        events = [ev for ev in events if ev["do"] != "mission_withdraws"]
        if on:
            events.append({"date": f"{year:04d}-01", "do": "mission_withdraws"})
            notes.append(f"The mission withdraws in {year:04d}-01.")
        else:
            notes.append("The mission never withdraws (the scenario's withdrawal is dropped).")

    for key, lever in LEVERS.items():
        if key not in lv or not _moved(lv[key], d[key]):
            continue
        v = float(lv[key])
        if key == "dropout":
            m, o = s.workforce.marriage_annual_rate, s.workforce.other_job_annual_rate
            share = m / (m + o) if m + o > 0 else 0.5
            values["workforce.marriage_annual_rate"] = v * share
            values["workforce.other_job_annual_rate"] = v * (1 - share)
        elif key == "private_access":
            # the size of each line's local private market (issue 14); a unit's own search
            # reach (private_orders_per_month) is left as it is
            for line in LINES:
                base = getattr(s.lines, line).private_market_orders_per_area_month
                values[f"lines.{line}.private_market_orders_per_area_month"] = base * v
        else:
            values[lever.path] = v / lever.scale
        notes.append(f"{lever.label}: {v:g} (scenario: {d[key]:g}).")
        if key == "insourcing":
            # the yearly series (the state's school IT programme) and any dated `set` of the
            # same rate would override the slider: drop them, and say so
            if s.demand.schools.insourcing_by_year:
                values["demand.schools.insourcing_by_year"] = {}
                notes.append("The scenario's yearly insourcing series is dropped: "
                             f"{v:g} holds throughout.")
            for ev in events:
                if ev["do"] == "set" and lever.path in ev["values"]:
                    old = ev["values"].pop(lever.path)
                    notes.append(f"The scenario's change of this rate to {old:g} in "
                                 f"{ev['date']} is dropped: {v:g} holds throughout.")
            events = [ev for ev in events if ev["do"] != "set" or ev["values"]]
    if events != [ev.model_dump(mode="json") for ev in s.events]:
        values["events"] = events
    return (scenario_with(s, values) if values else s), notes


def parse_seed(text: Any, default: int) -> tuple[int, str | None]:
    """The seed typed in the box, or the scenario's with a note when it is not a whole number."""
    try:
        seed = int(str(text).strip())
        if seed < 0:
            raise ValueError
        return seed, None
    except ValueError:
        return default, f"Seed {text!r} is not a whole number >= 0: using {default}."


class WorkshopModel(SocialOutsourcingModel):
    """The model built from the dashboard's levers (keyword arguments, as Mesa's controller needs).

    Mesa's Reset calls ``type(model)(**lever_values)``; ``None`` keeps the scenario's value.
    The base scenario is ``base``, else the class's ``BASE`` (``workshop_class``), else the
    file named by $SOSIM_DASHBOARD_SCENARIO (or the baseline).
    """

    BASE: Scenario | None = None

    def __init__(
        self,
        base: Scenario | None = None,
        seed: str | int | None = None,
        mission_withdraws: bool | None = None,
        withdraw_year: int | None = None,
        payment_delay: float | None = None,
        insourcing: float | None = None,
        records: float | None = None,
        dropout: float | None = None,
        asset_life: float | None = None,
        grant_multiple: float | None = None,
        private_access: float | None = None,
    ):
        if base is None:
            base = type(self).BASE if type(self).BASE is not None else base_scenario()
        levers = dict(mission_withdraws=mission_withdraws, withdraw_year=withdraw_year,
                      payment_delay=payment_delay, insourcing=insourcing, records=records,
                      dropout=dropout, asset_life=asset_life, grant_multiple=grant_multiple,
                      private_access=private_access)
        scenario, notes = apply_levers(base, levers)
        run_seed, seed_note = parse_seed(base.seed if seed is None else seed, base.seed)
        super().__init__(scenario, seed=run_seed)
        self.base_name = base.name
        self.lever_notes = notes + ([seed_note] if seed_note else [])


def workshop_class(base: Scenario) -> type[WorkshopModel]:
    """A ``WorkshopModel`` class whose base scenario is ``base``: SolaraViz rebuilds the model
    as ``type(model)(**lever_values)``, so the scenario is carried by the class rather than
    passed through ``model_params``."""
    return type("WorkshopModel", (WorkshopModel,), {"BASE": base, "__module__": __name__})


# --------------------------------------------------------------------------- views
STEP_CHOICES = {"month": 1, "quarter": 3, "year": 12}
"""What one press of Step (or one frame of play) covers, in months."""
PLAY_INTERVAL_MS = 100
"""Pause between frames while playing (Mesa's default; not a workshop choice)."""
KIND_ORDER = ("closure", "mission", "payment_shock", "loan_default", "other")
"""The order of consequence in which the panel lists a period's events (``model.log``)."""
KIND_WORDS = {"closure": "closure(s)", "mission": "mission change(s)",
              "payment_shock": "payment shock(s)", "loan_default": "missed loan instalment(s)",
              "other": "other event(s)"}
RECENT_MONTHS = 12
"""How far back "what just happened" looks: a year, the longest step the dashboard offers."""
SHOWN_EVENTS = 8
# figure sizes (inches at 80 dpi) chosen so that, on a 1366x768 laptop, the unit picture, the
# explanation and one row of charts fit without scrolling
PICTURE_SIZE = (6.4, 3.5)
CHART_SIZE = (6.4, 3.3)


def _months_as_years(model: SocialOutsourcingModel, n: int) -> np.ndarray:
    return decimal_year(model.config.start) + np.arange(n) / 12


def _date_of(model: SocialOutsourcingModel, t: int) -> str:
    return add_months(model.config.start, t)


def shown_date(model: SocialOutsourcingModel) -> str:
    """The month the picture shows: the last month run (the start month before any)."""
    return _date_of(model, max(model.t - 1, 0))


def _series(model: SocialOutsourcingModel, *keys: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rows = model.recorder.monthly
    x = _months_as_years(model, len(rows))
    return x, {k: np.array([r[k] for r in rows], dtype=float) for k in keys}


def _time_axes(model: SocialOutsourcingModel, title: str, ylabel: str) -> tuple[Figure, Any]:
    fig = Figure(figsize=CHART_SIZE, dpi=80)  # fixed margins: constrained layout costs 50 %
    fig.subplots_adjust(left=0.11, right=0.98, top=0.91, bottom=0.09)
    ax = fig.subplots()
    y0 = _months_as_years(model, 1)[0]
    ax.set_xlim(y0, y0 + model.config.months / 12)
    ax.set_title(title, fontsize=11)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ev in _withdrawals(model.config):
        k = month_index(ev.date, model.config.start)
        if 0 <= k < model.config.months:
            x = _months_as_years(model, k + 1)[-1]
            ax.axvline(x, color="grey", ls="--", lw=1)
            # along the line at the foot of the axes: the legends sit in the upper left
            ax.annotate(f"mission withdraws {ev.date}", (x, 0), xycoords=("data", "axes fraction"),
                        xytext=(-3, 4), textcoords="offset points", fontsize=8, color="dimgrey",
                        rotation=90, ha="right", va="bottom", gid="withdrawal-marker",
                        bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none",
                              "alpha": 0.8})
    return fig, ax


def UnitsAlive(model: SocialOutsourcingModel):
    """Units alive by line of business."""
    x, s = _series(model, "units_alive", "units_viable", *(f"alive_{line}" for line in LINES))
    fig, ax = _time_axes(model, "Units alive by line of business", "units")
    ax.plot(x, s["units_alive"], color="black", lw=1.5, label="all units")
    floor = model.config.closure.viable_usd_per_member_month
    ax.plot(x, s["units_viable"], color="black", lw=1.2, ls="--",
            label=f"viable (members' mean pay ≥ US${floor:.0f}/month)")
    for line in LINES:
        ax.plot(x, s[f"alive_{line}"], color=LINE_COLOURS[line], label=LINE_LABELS[line])
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize=8)
    return solara.FigureMatplotlib(fig, format="png", dependencies=[model, model.t])


def Earnings(model: SocialOutsourcingModel):
    """Members' mean monthly earnings against the field figure."""
    x, s = _series(model, "mean_member_earnings")
    fig, ax = _time_axes(model, "Mean member earnings", "US$ a month")
    ax.plot(x, s["mean_member_earnings"], color="purple", label="model: mean member earnings")
    field = field_earnings()
    if field is not None:
        ax.axhline(field, color="black", ls=":", lw=1.5,
                   label=f"field figure: US${field:g} a month (2005-06)")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize=8)
    return solara.FigureMatplotlib(fig, format="png", dependencies=[model, model.t])


def CashArrears(model: SocialOutsourcingModel):
    """All units' cash, receivables and arrears (overdue receivables)."""
    x, s = _series(model, "cash", "receivables", "arrears")
    fig, ax = _time_axes(model, "Cash and arrears, all units", "US$ thousand")
    ax.plot(x, s["cash"] / 1e3, color="tab:green", label="cash in hand")
    ax.plot(x, s["receivables"] / 1e3, color="tab:grey", ls="--", label="owed by clients")
    ax.plot(x, s["arrears"] / 1e3, color=ARREARS_COLOUR, label="of which overdue (arrears)")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize=8)
    return solara.FigureMatplotlib(fig, format="png", dependencies=[model, model.t])


def unit_states(model: SocialOutsourcingModel) -> dict[str, np.ndarray]:
    """Per unit formed so far: line code, closed, and in arrears (clients owe it more overdue
    money than it holds in cash)."""
    E = model.E
    owed = payments.arrears(model)
    # the same length for all (a step running in another thread may add units while this draws)
    n = min(len(E.line), len(E.alive), len(E.cash), len(owed))
    alive = E.alive[:n].astype(bool)
    return {"line": E.line[:n].astype(int), "closed": ~alive,
            "arrears": alive & (owed[:n] > 0) & (owed[:n] > E.cash[:n])}


def unit_picture(model: SocialOutsourcingModel, marked: dict[int, str] | None = None) -> Figure:
    """One mark per unit, in the order the mission formed them, by line and state; units in
    ``marked`` (row -> label) get a black square around their mark and their label."""
    st = unit_states(model)
    n = len(st["line"])
    planned = max(n, sum(len(v) for v in model.formation_plan.values()))
    cols = 20
    rows = max(1, -(-planned // cols))
    fig = Figure(figsize=PICTURE_SIZE, dpi=80)
    fig.subplots_adjust(left=0.02, right=0.98, top=0.91, bottom=0.18)
    ax = fig.subplots()
    k = np.arange(planned)
    gx, gy = k % cols, -(k // cols)
    ax.scatter(gx[n:], gy[n:], s=6, color="#dddddd")
    colours = np.array([LINE_COLOURS[LINES[c]] for c in st["line"]], dtype=object)
    open_ = ~st["closed"]
    ok = open_ & ~st["arrears"]
    late = open_ & st["arrears"]
    ax.scatter(gx[:n][ok], gy[:n][ok], s=60, c=list(colours[ok]), edgecolors="none")
    ax.scatter(gx[:n][late], gy[:n][late], s=50, c="white", edgecolors=list(colours[late]),
               linewidths=2.5)  # a ring: the unit's money is out with its clients
    ax.scatter(gx[:n][st["closed"]], gy[:n][st["closed"]], s=40, marker="x",
               c=list(colours[st["closed"]]), alpha=0.45, linewidths=1.5)
    played = [(i, label) for i, label in (marked or {}).items() if i < planned]
    for k, (i, _) in enumerate(played, start=1):  # numbered: neighbours' names would overlap
        ax.scatter([gx[i]], [gy[i]], s=190, marker="s", facecolors="none",
                   edgecolors="black", linewidths=1.8)
        ax.annotate(str(k), (gx[i], gy[i]), xytext=(5, 4), textcoords="offset points",
                    fontsize=7, weight="bold")
    ax.set_xlim(-1, cols)
    ax.set_ylim(-rows, 1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"The units, {shown_date(model)}: {int(ok.sum())} healthy, {int(late.sum())} "
                 f"in arrears, {int(st['closed'].sum())} closed", fontsize=11)
    handles = [Line2D([], [], ls="", marker="o", ms=8, color=LINE_COLOURS[line],
                      label=LINE_LABELS[line]) for line in LINES]
    handles += [
        Line2D([], [], ls="", marker="o", ms=8, mfc="white", mec="dimgrey", mew=2.5,
               label="ring: in arrears (owed more overdue than its cash)"),
        Line2D([], [], ls="", marker="x", ms=7, color="grey", mew=1.5, label="closed"),
        Line2D([], [], ls="", marker="o", ms=3, color="#dddddd", label="planned, not formed"),
    ]
    if played:
        handles.append(Line2D([], [], ls="", marker="s", ms=9, mfc="none", mec="black",
                              mew=1.8, label="played (# as listed)"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=3,
              fontsize=8, frameon=False)
    return fig


def Units(model: SocialOutsourcingModel):
    """One mark per unit, in the order the mission formed them, by line and state."""
    return solara.FigureMatplotlib(unit_picture(model), format="png",
                                   dependencies=[model, model.t])


def recent_events(model: SocialOutsourcingModel, months: int = RECENT_MONTHS,
                  shown: int = SHOWN_EVENTS) -> tuple[list[tuple[int, str]], dict[str, int]]:
    """The events of the last ``months`` months, most consequential first (closures and their
    reasons, a mission change, a payment shock, a missed loan instalment, then the rest; within
    a kind the latest first), at most ``shown`` of them, and how many of each kind were left
    out. With nothing in that window, the latest three earlier events."""
    kinds = getattr(model, "message_kinds", [])
    entries = [(t, text, kinds[k] if k < len(kinds) else "other")
               for k, (t, text) in enumerate(model.messages)]
    window = [e for e in entries if e[0] >= model.t - months]
    if not window:
        return [(t, text) for t, text, _ in entries[-3:][::-1]], {}
    rank = {kind: r for r, kind in enumerate(KIND_ORDER)}
    window.sort(key=lambda e: (rank.get(e[2], len(KIND_ORDER)), -e[0]))
    left: dict[str, int] = {}
    for _, _, kind in window[shown:]:
        left[kind] = left.get(kind, 0) + 1
    return [(t, text) for t, text, _ in window[:shown]], left


def WhatHappened(model: SocialOutsourcingModel):
    """What just happened (the model's own messages, most consequential first) and this run's
    levers."""
    esc = html.escape
    status = "active" if model.mission_active else "withdrawn"
    if model.mission_active:  # a support whose lever is off does not act (issue 14)
        off = [n.replace("_", " ") for n in intermediary.SUPPORTS
               if not getattr(model.config.mission, n)]
        status += f" (not: {', '.join(off)})" if off else ""
    recent, left = recent_events(model)
    happened = [f"<li><b>{_date_of(model, t)}</b> {esc(text)}</li>" for t, text in recent]
    if left:
        happened.append("<li><i>and " + ", ".join(
            f"{k} {KIND_WORDS.get(kind, kind)}" for kind, k in left.items()) + "</i></li>")
    notes = [f"<li>{esc(n)}</li>" for n in getattr(model, "lever_notes", [])]
    name = esc(getattr(model, "base_name", model.config.name))
    viable = int((model.E.alive & model.E.viable).sum())
    floor = model.config.closure.viable_usd_per_member_month
    body = (
        f"<h3>{shown_date(model)}: month {model.t} of {model.config.months}</h3>"
        f"<p>Mission <b>{status}</b>; <b>{int(model.E.alive.sum())}</b> units alive of "
        f"{model.E.n} formed, <b>{viable}</b> of them viable (members' mean pay at least "
        f"US${floor:.0f} a month, the mission's Rs 1,500; a unit whose members are paid next "
        "to nothing for long closes: not viable).</p>"
        f"<p><b>What just happened</b> (the last {RECENT_MONTHS} months, most serious first)</p>"
        f"<ul>{''.join(happened) or '<li>Nothing yet: press Step or ▶.</li>'}</ul>"
        f"<p><b>This run</b>: scenario <i>{name}</i>, seed {model.seed}</p>"
        f"<ul>{''.join(notes) or '<li>Every lever as in the scenario.</li>'}</ul>"
        "<p><i>Move the levers, then press <b>Reset</b> to start a run with them.</i></p>"
    )
    return solara.HTML(tag="div", unsafe_innerHTML=body, classes=["sosim-explain"])


# slider values always visible (participants read them), the explanation panel scrolls; the
# charts shrink with the window
CSS = """
.v-slider__thumb-label-container { display: block !important; }
.v-slider__thumb-label { transform: translateY(-20%) translateY(-12px) translateX(-50%)
  rotate(45deg) !important; }
.v-input--is-label-active .v-slider { margin-top: 26px; }
.sosim-explain { font-size: 13px; overflow-y: auto; height: 280px; padding: 4px 8px; }
.sosim-explain h3 { margin: 0 0 4px 0; }
.sosim-explain p { margin: 0 0 4px 0; }
.sosim-explain ul { margin: 0 0 6px 0; }
.sosim-grid { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 8px; }
.sosim-grid img { max-width: 100%; height: auto; display: block; }
.sosim-sidebar .v-card { margin-bottom: 6px; }
"""


COMPONENTS = [Units, WhatHappened, UnitsAlive, Earnings, CashArrears]


@solara.component
def Views(model: SocialOutsourcingModel):
    """The picture and the explanation side by side, the charts below, two to a row."""
    update_counter.get()  # Mesa's controller bumps it after each step
    with solara.Div(classes=["sosim-grid"]):
        for view in COMPONENTS:
            view(model)


@solara.component
def Page():
    """The dashboard; one model per browser connection. Mesa's controller (Reset, play, Step)
    and lever inputs, laid out for a workshop: no tabs, no threads or play-speed controls."""
    base = base_scenario()
    first = solara.use_memo(lambda: workshop_class(base)(), [])
    model = solara.use_reactive(first)
    params = solara.use_memo(lambda: model_params(base), [])
    lever_values = solara.use_reactive({})
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    use_threads = solara.use_reactive(False)
    per_step = solara.use_reactive("month")
    render_interval = solara.use_reactive(STEP_CHOICES["month"])

    def choose(label: str) -> None:
        per_step.set(label)
        render_interval.set(STEP_CHOICES[label])

    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(f"sosim workshop: {base.name}")
    with solara.Sidebar(), solara.Column(classes=["sosim-sidebar"]):
        with solara.Card("Run"):
            solara.Text("Each Step (or frame of ▶) covers a")
            solara.ToggleButtonsSingle(value=per_step.value, values=list(STEP_CHOICES),
                                       on_value=choose)
            ModelController(model, model_parameters=lever_values, play_interval=play_interval,
                            render_interval=render_interval, use_threads=use_threads)
        with solara.Card("Levers"):
            ModelCreator(model, params, model_parameters=lever_values)
    Views(model.value)


# --------------------------------------------------------------------------- server
def _bind(host: str, port: int) -> tuple[str | None, int]:
    """Try to listen on host:port as the server will: (why not, or None; the port bound, which
    for port 0 is the one the system picked)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"cannot listen on {host}: {exc.strerror}", port
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind(addr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"port {port} on {host} is busy (another program listens there); "
                        "choose another with --port"), port
            return f"cannot listen on {host}:{port}: {exc.strerror}", port
        return None, sock.getsockname()[1]


def port_problem(host: str, port: int) -> str | None:
    """Why the dashboard cannot listen on host:port (busy, unknown address), or None."""
    return _bind(host, port)[0]


def choose_port(host: str, port: int) -> tuple[int, str | None]:
    """The port the dashboard will listen on, and why it cannot (or None). For port 0 a free
    port is picked now, so that the address printed is the real one (it printed ``:0``;
    issue 17, item 9); another program could take it in the moment before the server binds."""
    problem, bound = _bind(host, port)
    return (port or bound), problem


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` names is this machine's loopback (127.0.0.0/8, ::1):
    only then is the dashboard out of reach of the network."""
    import ipaddress
    import socket

    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return False
    addresses = {str(info[4][0]).split("%")[0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def announce_when_ready(host: str, port: int, what: str, timeout_s: float = 120.0) -> None:
    """Print "ready" once host:port accepts connections (the server starts in this process
    after the browser libraries load, which takes seconds), from a background thread."""
    import socket
    import threading
    import time

    def wait() -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((host, port), timeout=1):
                    print(f"{what}: ready on http://{host}:{port}", flush=True)
                    return
            except OSError:
                time.sleep(0.25)

    threading.Thread(target=wait, daemon=True, name="announce-ready").start()


def serve(scenario: Path | None, host: str, port: int, open_browser: bool = False) -> None:
    """Run the dashboard with Solara's server until interrupted (``sosim dashboard``).

    Page assets come from the local ``solara-assets`` install (``share/solara/cdn``); Solara's
    telemetry and version check are off, so the server contacts nothing outside this machine.
    """
    if scenario is not None:
        os.environ[SCENARIO_ENV] = str(Path(scenario).resolve())
    import solara.server.settings
    from solara.__main__ import run as solara_run

    solara.server.settings.telemetry.mixpanel_enable = False
    announce_when_ready(host, port, "sosim dashboard")

    args = ["sosim.dashboard", "--host", host, "--port", str(port), "--production",
            "--no-check-version", "--open" if open_browser else "--no-open"]
    solara_run.main(args=args, prog_name="sosim dashboard", standalone_mode=True)
