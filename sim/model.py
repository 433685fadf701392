"""SocialOutsourcingModel: builds the world from a Scenario and orders the monthly step.

The model owns the bulk state (struct-of-arrays tables in ``sim.state``); each mechanism in
``sim.mechanisms`` is a function over those arrays; Mesa agents are handles on their rows.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from sim import state
from sim.agents import Enterprise, Member, Mission, PrivateMarket, PublicClient
from sim.agents.handle import HandleList, Handles
from sim.mechanisms import (
    assets,
    clients,
    closure,
    consortium,
    contracting,
    decisions,
    demand,
    diversification,
    events,
    finance,
    formation,
    infrastructure,
    intermediary,
    marketing,
    payments,
    production,
    quality,
    staffing,
    workforce,
)
from sim.outputs import Recorder
from sim.scenario import LINES, Scenario, add_months


def _world_alias(name: str) -> property:
    """A model attribute that reads and writes ``model.world.<name>``: the old place of a world
    field, kept so that code outside the mechanisms (tests, notebooks) works unchanged."""

    def get(model: SocialOutsourcingModel) -> Any:
        return getattr(model.world, name)

    def put(model: SocialOutsourcingModel, value: Any) -> None:
        setattr(model.world, name, value)

    return property(get, put, doc=f"``world.{name}`` (read and write).")


class SocialOutsourcingModel(mesa.Model):
    """IT social enterprises, their members, the mission and their clients, month by month."""

    def __init__(self, scenario: Scenario, seed: int | None = None, record_ledger: bool = False):
        seed = scenario.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.seed = seed
        self.scenario_given = scenario  # as resolved from the file; `config` follows events
        self.config = scenario
        self.t = 0
        self._streams: dict[str, np.random.Generator] = {}
        self._line_params: dict[str, np.ndarray] = {}
        self.world = state.World(
            mission_active=intermediary.active_at_start(scenario),
            records_stock=float(scenario.demand.digitisation.initial_stock),
        )
        self.messages: list[tuple[int, str]] = []
        self.played = decisions.Played()  # units whose quarterly decisions a participant takes
        self.message_kinds: list[str] = []  # one per message: see ``log``

        self.E = state.enterprise_table()
        self.M = state.member_table()
        self.C = state.client_table()
        self.O = state.order_table()
        self.I = state.invoice_table()
        self.A = state.asset_table()
        # Mesa agents: handles on rows, each made the first time it is asked for
        self.enterprises: Handles[Enterprise] = Handles(self, Enterprise)
        self.members: Handles[Member] = Handles(self, Member)

        demand.init_clients(self)
        self.clients: HandleList[PublicClient] = HandleList(self, PublicClient)
        self.mission = Mission(self)
        self.private_market = PrivateMarket(self)
        self.events_by_month = events.by_month(self)
        self.formation_plan = formation.plan(self)
        self.record_ledger = record_ledger
        self.ledger_rows: list[dict[str, np.ndarray]] = []
        self.recorder = Recorder(self)

    # ------------------------------------------------------------------ helpers for mechanisms
    def rng_for(self, mechanism: str) -> np.random.Generator:
        """The random stream of one mechanism (spawned from the run seed and its name)."""
        g = self._streams.get(mechanism)
        if g is None:
            g = self._streams[mechanism] = state.stream(self.seed, mechanism)
        return g

    def line_param(self, name: str) -> np.ndarray:
        """A per-line parameter as an array indexed by line code."""
        v = self._line_params.get(name)
        if v is None:
            v = np.array([getattr(line, name) for line in self.config.lines.by_code()])
            self._line_params[name] = v
        return v

    def set_config(self, scenario: Scenario) -> None:
        """Replace the parameters from this month on (dated ``set`` events). Most parameters are
        read each month; the two that are drawn into the world at the start follow here: public
        clients' mean delays and the formation plan. (Those that cannot change during a run are
        refused at validation: ``sim.scenario.events.FIXED_DURING_RUN``.)"""
        before = self.config
        self.config = scenario
        self._line_params.clear()
        demand.follow_delay_mean(self, before.payments.public_mean_delay_months)
        if scenario.formation.schedule != before.formation.schedule:
            formation.replan(self, before.formation.schedule)

    @staticmethod
    def line_name(code: int) -> str:
        return LINES[code]

    def log(self, message: str, kind: str = "other") -> None:
        """Record what happened this month, for the dashboard's explanation panel. ``kind``
        ("closure", "mission", "payment_shock", "loan_default" or "other") lets the panel show
        the most consequential events first; it changes nothing in the run."""
        self.messages.append((self.t, message))
        self.message_kinds.append(kind)

    # ------------------------------------------------------------------ old names of world fields
    # The world's state lives in ``self.world`` (``sim.state.World``); these read it under the
    # names the outputs, the dashboard, the analysis and notebooks have always used (read and
    # write, as before).
    mission_active = _world_alias("mission_active")
    records_stock = _world_alias("records_stock")
    delay_extra = _world_alias("delay_extra")
    delay_shock_until = _world_alias("delay_shock_until")
    agencies = _world_alias("agencies")
    casual_cost = _world_alias("casual_cost")
    counters = _world_alias("counters")

    @property
    def date(self) -> str:
        """Current month as YYYY-MM."""
        return add_months(self.config.start, self.t)

    @property
    def finished(self) -> bool:
        return self.t >= self.config.months

    # ------------------------------------------------------------------ the monthly step
    def step(self) -> None:
        """One month: events, formation, quality, the units' consortium, demand, contracting
        (and private client segments), production, marketing, diversification, payments, donors
        and overheads, finance, workforce, staffing, assets, closure, data collection."""
        if self.finished:
            self.running = False
            return
        E = self.E
        E.cash_in_month = 0.0
        E.cash_out_month = 0.0
        cash_before = E.cash.copy()

        events.apply(self)
        intermediary.on_founded(self, formation.form(self))
        if self.played:
            decisions.start_quarter(self)
        quality.update(self)
        consortium.step(self)
        demand.insource(self)
        contracting.renew_school_contracts(self)
        contracting.assign_schools(self)
        contracting.allocate_public(self, demand.public_orders(self))
        contracting.allocate_public(self, demand.maintenance_offers(self), recurring=True)
        contracting.allocate_private(self, *demand.private_orders(self))
        clients.step(self)
        production.produce(self)
        marketing.adopt(self)
        if self.played:
            decisions.keep_marketing_choice(self)
        diversification.step(self)
        payments.collect(self)
        intermediary.fund(self)
        infrastructure.charge(self)
        finance.settle(self)
        workforce.step(self)
        staffing.step(self)
        assets.fail(self)
        assets.reinvest(self)
        closure.step(self)

        if self.record_ledger:
            n = E.n
            before = np.zeros(n)
            before[: len(cash_before)] = cash_before
            self.ledger_rows.append(
                {
                    "before": before,
                    "in": E.cash_in_month.copy(),
                    "out": E.cash_out_month.copy(),
                    "after": E.cash.copy(),
                }
            )
        self.recorder.collect(self)
        self.t += 1
        if self.finished:
            self.running = False

    def run(self) -> None:
        """Run to the end of the horizon."""
        self.run_for(self.config.months - self.t)
