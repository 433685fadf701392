"""Clients: public agencies, councils and schools, and the private market."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.agents.handle import RowAgent, column

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel

KINDS = ("agency", "school")


class PublicClient(RowAgent):
    """Handle on one row of the client table (``model.C``)."""

    table = "C"

    @property
    def kind(self) -> str:
        return KINDS[int(self._get("kind"))]

    mean_delay_months = column(
        "mean_delay", float, "This client's habitual delay past terms [months]."
    )

    @property
    def insourced(self) -> bool:
        """For a school: whether it now trains with its own lab and teachers."""
        return int(self._get("insourced")) >= 0


class PrivateMarket(mesa.Agent):
    """The private market that only self-marketing units reach."""

    def __init__(self, model: SocialOutsourcingModel):
        super().__init__(model)

    @property
    def reachable_units(self) -> int:
        E = self.model.E
        return int((E.alive & E.markets_self).sum())
