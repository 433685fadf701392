"""Dated events: changes to the world that take effect in a given month of a run."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

from sim.scenario.months import YearMonth, parse_year_month
from sim.scenario.params import Int, Num, P, Strict


class EventBase(Strict):
    date: YearMonth = Field(description="Month the event takes effect (YYYY-MM)")

    @field_validator("date", mode="before")
    @classmethod
    def _ym(cls, v: Any) -> str:
        return parse_year_month(v)


class MissionWithdraws(EventBase):
    """The mission stops brokering, forming and backing units."""

    do: Literal["mission_withdraws"]


class MissionReturns(EventBase):
    """The mission resumes its support."""

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
