"""The woman member of a cooperative."""

from __future__ import annotations

from sim.agents.handle import RowAgent, column
from sim.mechanisms import formation, workforce


class Member(RowAgent):
    """Handle on one row of the member table (``model.M``)."""

    table = "M"

    enterprise = column("enterprise", int, "Row of her enterprise.", writable=False)

    @property
    def active(self) -> bool:
        return int(self._get("left")) < 0

    education = column("education", float, "Years of schooling.")
    skill = column("skill", float, "Skill, a multiplier of the line's output per person.")

    @property
    def tenure(self) -> int:
        """Months since she joined (to leaving, if she left)."""
        left = int(self._get("left"))
        end = left if left >= 0 else self.model.t
        return end - int(self._get("joined"))

    @property
    def role(self) -> str:
        return formation.ROLES[int(self._get("role"))]

    earnings = column("earnings", float, "Pay this month [US$].")

    @property
    def household_income_share(self) -> float:
        e = self.earnings
        return e / (e + float(self._get("other_income"))) if e > 0 else 0.0

    @property
    def leave_reason(self) -> str:
        return workforce.LEAVE_REASONS[int(self._get("leave_reason"))]
