"""The woman member of a cooperative."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.agents.handle import RowAgent
from sim.mechanisms import formation, workforce

if TYPE_CHECKING:
    pass


class Member(RowAgent):
    """Handle on one row of the member table (``model.M``)."""

    table = "M"

    @property
    def enterprise(self) -> int:
        """Row of her enterprise."""
        return int(self._get("enterprise"))

    @property
    def active(self) -> bool:
        return int(self._get("left")) < 0

    @property
    def education(self) -> float:
        """Years of schooling."""
        return float(self._get("education"))

    @property
    def skill(self) -> float:
        return float(self._get("skill"))

    @property
    def tenure(self) -> int:
        """Months since she joined (to leaving, if she left)."""
        left = int(self._get("left"))
        end = left if left >= 0 else self.model.t
        return end - int(self._get("joined"))

    @property
    def role(self) -> str:
        return formation.ROLES[int(self._get("role"))]

    @property
    def earnings(self) -> float:
        """Pay this month [US$]."""
        return float(self._get("earnings"))

    @property
    def household_income_share(self) -> float:
        e = self.earnings
        return e / (e + float(self._get("other_income"))) if e > 0 else 0.0

    @property
    def leave_reason(self) -> str:
        return workforce.LEAVE_REASONS[int(self._get("leave_reason"))]
