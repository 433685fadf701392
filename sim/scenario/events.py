"""Dated events: changes to the world that take effect in a given month of a run."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

from sim.scenario.months import YearMonth, parse_year_month
from sim.scenario.params import LINES, Int, Num, P, Strict


class EventBase(Strict):
    date: YearMonth = Field(description="Month the event takes effect (YYYY-MM)")

    @field_validator("date", mode="before")
    @classmethod
    def _ym(cls, v: Any) -> str:
        return parse_year_month(v)


class MissionWithdraws(EventBase):
    """The mission stops all its supports (``intermediary.SUPPORTS``): forming units, assigning
    schools, brokering public orders, nominating members, training and backing loans."""

    do: Literal["mission_withdraws"]


class MissionReturns(EventBase):
    """The mission resumes its supports: those whose levers (``mission.<support>``) are on."""

    do: Literal["mission_returns"]


class PaymentDelayShock(EventBase):
    """Public clients pay later for a while."""

    do: Literal["payment_delay_shock"]
    extra_months: Num = P(
        6, "months", "Added delay on invoices issued during the shock", ge=0, le=60
    )
    duration_months: Int = P(12, "months", "How long the shock lasts", ge=1)


class DigitisationDrive(EventBase):
    """A computerisation drive adds records to digitise."""

    do: Literal["digitisation_drive"]
    records: Num = P(200_000, "thousand records", "Records added to the stock", ge=0)


class SetValues(EventBase):
    """Set scenario values (dotted paths) from this month on."""

    do: Literal["set"]
    values: dict[str, Any] = Field(description="dotted.path: new value")


FIXED_DURING_RUN: dict[str, str] = {
    "name": "a label of the run, not a parameter of the world",
    "description": "a label of the run, not a parameter of the world",
    "seed": "the run's random streams are seeded once, when the run is built",
    "start": "the horizon is fixed when the run is built",
    "end": "the horizon is fixed when the run is built (cut a run short with --set end=...)",
    "field_work": "the survey month is read by summaries of the whole run, not month by month",
    "priors": "the file of calibration priors is read by sosim calibrate, not by the run",
    "events": "dated events are scheduled when the run is built; add them to the scenario",
    "mission.active_at_start": "the state at the start; use a mission_withdraws or "
    "mission_returns event to change it later",
    "intermediary.kind": "who the intermediary is stays fixed for a run; use a "
    "mission_withdraws event to take it away",
    "demand.public_agencies": "the public clients are created once, at the start",
    "demand.schools.pool_size": "the schools are created once, at the start",
    "demand.schools.mean_students": "schools' sizes are drawn once, at the start",
    "demand.schools.students_sigma": "schools' sizes are drawn once, at the start",
    "demand.schools.min_students": "schools' sizes are drawn once, at the start",
    "marketing.areas": "each unit's area (and so whose private market it shares) is drawn when "
    "it is formed; a new number of areas mid-run would have to move open units between "
    "markets - compare runs with different numbers of areas instead",
    "payments.client_delay_shape": "the spread of clients' own delays is drawn once, at the "
    "start (payments.public_mean_delay_months may change: clients' delays scale with it)",
    **{
        f"lines.{line}.output_unit": "a label of the output unit, not a parameter of the world"
        for line in LINES
    },
}
"""Parameters a dated ``set`` event may not change, each with the reason (scenario validation
refuses such an event, naming the parameter). Every other parameter takes effect from the
event's month: most are read each month, and the two drawn into the world at the start follow
the change (``SocialOutsourcingModel.set_config``). ``tests/test_settable.py`` proves both."""


def fixed_paths_touched(key: str, value: Any) -> list[str]:
    """The parameters of ``FIXED_DURING_RUN`` that setting ``key`` to ``value`` would change
    (a key may name a whole section, given as a mapping)."""
    touched = []
    for path in FIXED_DURING_RUN:
        if key == path or key.startswith(path + "."):
            touched.append(path)
        elif path.startswith(key + ".") and isinstance(value, dict):
            sub: Any = value
            for part in path[len(key) + 1 :].split("."):
                sub = sub.get(part, _MISSING) if isinstance(sub, dict) else _MISSING
            if sub is not _MISSING:
                touched.append(path)
    return touched


_MISSING = object()


Event = Annotated[
    MissionWithdraws | MissionReturns | PaymentDelayShock | DigitisationDrive | SetValues,
    Field(discriminator="do"),
]


EVENT_KINDS: dict[str, type[BaseModel]] = {
    "mission_withdraws": MissionWithdraws,
    "mission_returns": MissionReturns,
    "payment_delay_shock": PaymentDelayShock,
    "digitisation_drive": DigitisationDrive,
    "set": SetValues,
}
"""Event classes by their ``do:`` tag."""
