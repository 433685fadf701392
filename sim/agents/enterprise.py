"""The enterprise: a cooperative of women in one line of business."""

from __future__ import annotations

import numpy as np

from sim.agents.handle import RowAgent, column
from sim.mechanisms import assets, closure, payments, production


class Enterprise(RowAgent):
    """Handle on one row of the enterprise table (``model.E``)."""

    table = "E"

    @property
    def line(self) -> str:
        """Line of business: training, data_entry or hardware."""
        return self.model.line_name(int(self._get("line")))

    @property
    def second_line(self) -> str | None:
        """Second line of business it took up (diversification), or None."""
        code = int(self._get("second_line"))
        return self.model.line_name(code) if code >= 0 else None

    alive = column("alive", bool, "Whether the unit is open (closing is closure's business).",
                   writable=False)
    viable = column("viable", bool, "Open and paying its members on average at least the "
                    "mission's floor over the viability window (closure's business).",
                    writable=False)
    cash = column("cash", float, "Cash in hand [US$].")
    loan_balance = column("loan_balance", float, "Bank loans outstanding [US$].")
    reputation = column("reputation", float, "Reputation with clients, 0-1.")
    markets_self = column("markets_self", bool, "Whether the unit markets itself.")
    employees = column("employees", int, "Hired employees (besides the core members).")
    founded = column("founded", int, "Month index of formation.", writable=False)

    @property
    def closure_reason(self) -> str:
        return closure.CLOSURE_REASONS[int(self._get("closure_reason"))]

    @property
    def core_members(self) -> int:
        M = self.model.M
        return int(np.count_nonzero((M.enterprise == self.row) & (M.left < 0)))

    @property
    def working_pcs(self) -> int:
        A = self.model.A
        return int(np.count_nonzero((A.enterprise == self.row) & A.working))

    @property
    def receivables(self) -> float:
        """Invoiced, unpaid [US$]."""
        return float(payments.receivables(self.model)[self.row])

    @property
    def arrears(self) -> float:
        """Unpaid past the contractual due month [US$]."""
        return float(payments.arrears(self.model)[self.row])

    @property
    def asset_value(self) -> float:
        """Written-down value of working PCs [US$]."""
        return float(assets.value_by_enterprise(self.model)[self.row])

    @property
    def capacity(self) -> float:
        return float(production.potential_capacity(self.model)[self.row])

    def __repr__(self) -> str:
        state = "alive" if self.alive else f"closed ({self.closure_reason})"
        return f"<Enterprise {self.row} {self.line} {state} cash={self.cash:.0f}>"
