"""The base of every agent that stands for one row of a model table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel


class RowAgent(mesa.Agent):
    """A Mesa agent that is a named handle on row ``row`` of the model table ``table``."""

    table: str = ""  # attribute of the model holding the table: "E", "M" or "C"

    def __init__(self, model: SocialOutsourcingModel, row: int):
        super().__init__(model)
        self.row = row

    def _get(self, column: str) -> Any:
        return getattr(getattr(self.model, self.table), column)[self.row]
