"""The mission: the intermediary that forms, finances and brokers for the units."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel


class Mission(mesa.Agent):
    """Handle on the mission's state (formation schedule, brokering, withdrawal)."""

    def __init__(self, model: SocialOutsourcingModel):
        super().__init__(model)

    @property
    def active(self) -> bool:
        """Whether the mission is active (``model.world``; writable); each support acts only
        if its lever is on too (``intermediary.supports``)."""
        return self.model.world.mission_active

    @active.setter
    def active(self, value: bool) -> None:
        self.model.world.mission_active = bool(value)

    @property
    def units_formed(self) -> int:
        return self.model.E.n

    @property
    def planned_formations(self) -> int:
        """Units still to form on the schedule."""
        return sum(len(v) for k, v in self.model.formation_plan.items() if k >= self.model.t)
