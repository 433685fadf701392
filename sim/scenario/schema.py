"""The scenario: one world to simulate (all parameter sections and dated events), and its JSON
Schema.

A scenario is a YAML file validated against this pydantic tree (``extra="forbid"``), so a
misspelled key or an impossible value fails before a run starts. Defaults live in the sections
once; ``scenarios/kerala_baseline.yaml`` restates them with sources.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from sim.scenario.events import Event
from sim.scenario.months import YearMonth, month_index, parse_year_month
from sim.scenario.params import (
    MAX_SEED,
    Assets,
    Clients,
    Closure,
    Consortium,
    Contracting,
    Demand,
    Diversification,
    Finance,
    Formation,
    Infrastructure,
    Int,
    Intermediary,
    Lines,
    Marketing,
    Mission,
    Payments,
    Quality,
    Staffing,
    Strict,
    Workforce,
    section,
)

NAME_MAX = 100
"""Longest scenario name: a label in tables and reports (issue 17, item 8)."""


class Scenario(Strict):
    """One world to simulate: all parameters and dated events."""

    name: str = Field("scenario", max_length=NAME_MAX, description="Short name used in outputs")
    description: str = Field("", description="What this scenario asks")
    seed: Int = Field(
        0, ge=0, le=MAX_SEED, description="Seed of the run's random streams (a whole number)"
    )
    start: YearMonth = Field("1999-01", description="First simulated month (YYYY-MM)")
    end: YearMonth = Field("2020-12", description="Last simulated month (YYYY-MM)")
    field_work: YearMonth = Field(
        "2005-06", description="Month of the field survey, for summaries (source: HA2010)"
    )
    priors: str | None = Field(
        None,
        max_length=500,
        description="Prior distributions of the calibrated parameters, read by `sosim calibrate`:"
        " a YAML file, relative to the scenario file that names it (no effect on a run)",
    )
    formation: Formation = section(Formation)
    mission: Mission = section(Mission)
    lines: Lines = section(Lines)
    demand: Demand = section(Demand)
    contracting: Contracting = section(Contracting)
    consortium: Consortium = section(Consortium)
    payments: Payments = section(Payments)
    finance: Finance = section(Finance)
    workforce: Workforce = section(Workforce)
    assets: Assets = section(Assets)
    marketing: Marketing = section(Marketing)
    closure: Closure = section(Closure)
    diversification: Diversification = section(Diversification)
    intermediary: Intermediary = section(Intermediary)
    clients: Clients = section(Clients)
    infrastructure: Infrastructure = section(Infrastructure)
    quality: Quality = section(Quality)
    staffing: Staffing = section(Staffing)
    events: list[Event] = Field(default_factory=list, description="Dated changes")

    @field_validator("start", "end", "field_work", mode="before")
    @classmethod
    def _ym(cls, v: Any) -> str:
        return parse_year_month(v)

    @model_validator(mode="after")
    def _dates_in_horizon(self) -> Scenario:
        n = self.months
        if n < 1:
            raise ValueError(f"end: {self.end} is before start {self.start}")
        # an event after the end simply never happens (so a horizon can be cut short with
        # --set end=...); one before the start is a mistake
        for i, ev in enumerate(self.events):
            if month_index(ev.date, self.start) < 0:
                raise ValueError(f"events.{i}.date: {ev.date} is before the start {self.start}")
        return self

    @property
    def months(self) -> int:
        """Number of simulated months."""
        return month_index(self.end, self.start) + 1


def json_schema() -> dict[str, Any]:
    """JSON Schema of scenario files, for editors."""
    schema = Scenario.model_json_schema()
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "Path of a scenario this file overlays (relative to this file)",
    }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "sosim scenario"
    return schema
