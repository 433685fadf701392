"""Dated scenario events: the mission withdraws or returns, payment-delay shocks,
digitisation drives, and generic ``set`` changes of any parameter from a month on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.scenario import (
    DigitisationDrive,
    MissionReturns,
    MissionWithdraws,
    PaymentDelayShock,
    SetValues,
    month_index,
    scenario_with,
)

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel


def apply(model: SocialOutsourcingModel) -> None:
    """Apply every event dated this month, in file order."""
    for ev in model.events_by_month.get(model.t, ()):
        none = model.config.intermediary.kind == "none"
        if isinstance(ev, MissionWithdraws):
            model.world.mission_active = False
            model.log(
                f"The mission withdrew in {ev.date}: all its supports end (formation, "
                "schools, brokering, nominated members, training, backing of loans)."
                if not none else f"{ev.date}: there is no intermediary to withdraw.",
                kind="mission",
            )
        elif isinstance(ev, MissionReturns):
            # with no intermediary (kind none) there is nobody to return
            model.world.mission_active = not none
            model.log(
                f"The mission returned in {ev.date} (the supports whose levers are on)."
                if not none else f"{ev.date}: there is no intermediary to return.",
                kind="mission",
            )
        elif isinstance(ev, PaymentDelayShock):
            model.world.delay_extra = ev.extra_months
            model.world.delay_shock_until = model.t + ev.duration_months
            model.log(
                f"Payment-delay shock from {ev.date}: +{ev.extra_months:g} months "
                f"for {ev.duration_months} months.",
                kind="payment_shock",
            )
        elif isinstance(ev, DigitisationDrive):
            model.world.records_stock += ev.records
            model.log(
                f"A digitisation drive in {ev.date} added {ev.records:,.0f} thousand records."
            )
        elif isinstance(ev, SetValues):
            model.set_config(scenario_with(model.config, ev.values))
            shown = ", ".join(f"{k}={v}" for k, v in ev.values.items())
            model.log(f"From {ev.date}: {shown}.")


def by_month(model: SocialOutsourcingModel) -> dict[int, list]:
    """Events grouped by month index."""
    out: dict[int, list] = {}
    for ev in model.config.events:
        out.setdefault(month_index(ev.date, model.config.start), []).append(ev)
    return out
