"""Bulk model state as growable struct-of-arrays tables, the world's shared state beside them,
and the run's random streams.

Enterprises, members, clients, orders, invoices and IT assets are rows of NumPy columns owned
by the model; Mesa agents are handles on those rows. Mechanisms work on whole columns at once,
which is what makes a run take seconds (see "Performance architecture" in the design notes).
What is not a row of a table - whether the mission is active, the stock of paper records, a
payment-delay shock, running tallies - is a field of ``World`` (``model.world``).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class Table:
    """Named NumPy columns sharing one row count, growing by doubling.

    ``table.col`` is a view of the live rows ``[:n]``; assigning through it writes the table.
    The view is made on first access and kept in the instance (so that the next access is a
    plain attribute read, the bulk of a small world's step) until the row count changes.
    """

    def __init__(self, columns: dict[str, tuple[Any, Any]], capacity: int = 64):
        object.__setattr__(self, "_spec", columns)
        object.__setattr__(self, "_cap", max(1, capacity))
        object.__setattr__(self, "n", 0)
        object.__setattr__(
            self,
            "_data",
            {
                name: np.full(self._cap, fill, dtype=dtype)
                for name, (dtype, fill) in columns.items()
            },
        )

    def __getattr__(self, name: str) -> np.ndarray:
        data = object.__getattribute__(self, "_data")
        if name in data:
            view = data[name][: self.n]
            self.__dict__[name] = view  # found directly next time (cleared by _resized)
            return view
        raise AttributeError(name)

    def _resized(self, n: int) -> None:
        """Set the row count and drop the kept views (their length, or their array, is old)."""
        d = self.__dict__
        for name in self._spec:
            d.pop(name, None)
        object.__setattr__(self, "n", n)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle and copy the columns, not the kept views (a copy's views must be its own)."""
        return {k: v for k, v in self.__dict__.items() if k not in self._spec}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._data:
            self._data[name][: self.n] = value
        else:
            object.__setattr__(self, name, value)

    def __len__(self) -> int:
        return self.n

    @property
    def columns(self) -> list[str]:
        """Column names."""
        return list(self._spec)

    def append(self, count: int, **values: Any) -> np.ndarray:
        """Add ``count`` rows (columns not given take their fill value); return their indices."""
        if count <= 0:
            return np.empty(0, dtype=np.int64)
        need = self.n + count
        if need > self._cap:
            cap = self._cap
            while cap < need:
                cap *= 2
            for name, (dtype, fill) in self._spec.items():
                grown = np.full(cap, fill, dtype=dtype)
                grown[: self.n] = self._data[name][: self.n]
                self._data[name] = grown
            object.__setattr__(self, "_cap", cap)
        idx = np.arange(self.n, need)
        for name, value in values.items():
            if name not in self._data:
                raise KeyError(f"unknown column {name}")
            self._data[name][self.n : need] = value
        self._resized(need)
        return idx

    def keep(self, mask: np.ndarray) -> None:
        """Drop the rows where ``mask`` is False (for transient tables such as invoices)."""
        k = int(mask.sum())
        for name in self._spec:
            col = self._data[name]
            col[:k] = col[: self.n][mask]
        self._resized(k)


@dataclass
class World:
    """The state the mechanisms share beyond the tables: one declared home for each fact that
    one mechanism writes and another reads (held by the model as ``model.world``)."""

    mission_active: bool
    """Whether the intermediary (the mission) is active this month; each of its supports acts
    only if its lever is on too (``intermediary.supports``).
    Written by the model at start (``intermediary.active_at_start``) and ``events``
    (withdraws/returns); read by ``contracting``, ``clients``, ``intermediary``, ``assets``
    (further loans), ``workforce`` (nominated members), outputs and the dashboard."""

    records_stock: float
    """Paper records still to digitise [thousand records]. Written by ``demand`` (monthly
    inflow, orders drawn from it, records of cancelled orders given back), ``events``
    (digitisation drives), ``production`` and ``closure`` (through ``demand.return_records``);
    read by ``demand`` and outputs."""

    brokering_off_since: int = -1
    """Month index since which the mission's brokering of public orders has not acted (-1: it
    acts). Written and read by ``consortium`` (the units' own body forms after a lag)."""

    delay_extra: float = 0.0
    """Months a payment-delay shock adds to public clients' mean delay [months]. Written by
    ``events``; read by ``payments`` while ``t < delay_shock_until``."""

    delay_shock_until: int = -1
    """Month index at which the payment-delay shock ends (-1: none) [month index]. Written by
    ``events``; read by ``payments``."""

    agencies: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    """Rows of the client table that are public agencies (issuers of orders) [row numbers].
    Written by ``demand.init_clients``; read by ``demand`` (who places each order)."""

    casual_cost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """This month's pay owed to casual workers, per enterprise row [US$]. Written by
    ``production``; read by ``finance.settle``."""

    pay_history: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    """Pay per member of each enterprise row in the last months, a ring buffer: row ``t % H``
    (H = ``MAX_VIABILITY_WINDOW_MONTHS``) holds month t, NaN where the unit was not open
    [US$/member-month]. Written and read by ``closure`` (viability and walking away)."""

    counters: Counter[str] = field(default_factory=Counter)
    """Running tallies since the start of the run [counts, or US$ for ``*_usd``]: public
    orders offered and won, clients won, orders cancelled, employees left, members migrated,
    donor money and social-mission costs. Written by ``contracting``, ``clients``,
    ``production``, ``staffing`` and ``intermediary``; read by outputs."""


def monthly_probability(annual: float | np.ndarray) -> float | np.ndarray:
    """Monthly probability of an event with the given annual probability (scalar or array),
    for a constant hazard: 1 - (1 - annual) ** (1 / 12). Shared by every mechanism whose
    parameters are annual rates (leaving, migration, insourcing, client churn)."""
    return 1 - (1 - annual) ** (1 / 12)


def stream(seed: int, name: str) -> np.random.Generator:
    """A generator for one mechanism, seeded from the run seed and the mechanism's name.

    Separate streams mean that switching one mechanism on or off does not shift the draws of
    the others, so scenario comparisons run on common random numbers.
    """
    tag = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")
    return np.random.default_rng(np.random.SeedSequence([seed, tag]))


def enterprise_table() -> Table:
    """Columns of the enterprise table (one row per unit ever formed)."""
    f8, i8, b1 = np.float64, np.int64, np.bool_
    return Table(
        {
            "line": (i8, -1),
            "founded": (i8, -1),
            "closed": (i8, -1),
            "closure_reason": (i8, 0),
            "alive": (b1, False),
            "cash": (f8, 0.0),
            "loan_balance": (f8, 0.0),
            "loan_instalment": (f8, 0.0),
            "loan_rate": (f8, 0.0),
            "loans_taken": (i8, 0),
            "loan_repaid_month": (i8, -1),
            "missed_instalments": (i8, 0),
            "pawn_balance": (f8, 0.0),
            "pawned_ever": (b1, False),
            "distress_months": (i8, 0),
            "idle_months": (i8, 0),
            "reputation": (f8, 0.5),
            "markets_self": (b1, False),
            "area": (i8, 0),  # area (district) whose private market it sells into, 0..areas-1
            "school": (i8, -1),
            "employees": (i8, 0),
            "casuals": (i8, 0),
            "productivity": (f8, 1.0),
            "capacity": (f8, 0.0),
            "output": (f8, 0.0),
            "utilisation": (f8, 0.0),
            "high_util_months": (i8, 0),
            "target_pcs": (i8, 0),
            "member_pay": (f8, 0.0),
            "revenue_month": (f8, 0.0),
            "revenue_private_month": (f8, 0.0),
            "received_month": (f8, 0.0),
            "cash_in_month": (f8, 0.0),
            "cash_out_month": (f8, 0.0),
            "late_paid_ever": (b1, False),
            "first_paid_late": (i8, -1),
            "further_loan": (i8, -1),
            "reinvested_usd": (f8, 0.0),
            # beyond Kerala (issue 8): quality, hired staff's skill, private client segments,
            # costs of the new mechanisms due at the next settlement
            "quality": (f8, 0.0),
            "employee_skill": (f8, 1.0),
            "staff_seen": (i8, 0),
            "overhead_due": (f8, 0.0),
            "clients_domestic": (i8, 0),
            "clients_foreign": (i8, 0),
            # issue 14: a member of the units' own consortium (``sim.mechanisms.consortium``)
            "consortium": (b1, False),
            # diversification (issue 14, item 12): a second line of business
            "second_line": (i8, -1),
            "diversified": (i8, -1),
            "slack_months": (i8, 0),
            # viability (issue 14 item 5): this month's pay per member, its mean over the
            # viability window, whether the unit is viable, months in a row below the
            # walk-away floor
            "pay_per_member": (f8, 0.0),
            "pay_mean": (f8, 0.0),
            "viable": (b1, False),
            "low_pay_months": (i8, 0),
            # yearly accumulators, reset every January
            "revenue_year": (f8, 0.0),
            "revenue_private_year": (f8, 0.0),
        }
    )


def member_table() -> Table:
    """Columns of the member table (one row per woman who ever joined as a core member)."""
    f8, i8 = np.float64, np.int64
    return Table(
        {
            "enterprise": (i8, -1),
            "joined": (i8, -1),
            "left": (i8, -1),
            "leave_reason": (i8, 0),
            "education": (f8, 0.0),
            "skill": (f8, 1.0),
            "role": (i8, 0),
            "earnings": (f8, 0.0),
            # exponential average of her pay (NaN until her first pay), judged against her
            # outside option (issue 14, item 4)
            "earnings_smooth": (f8, np.nan),
            "other_income": (f8, 0.0),
            "earn_year": (f8, 0.0),
            "months_year": (i8, 0),
        }
    )


def client_table() -> Table:
    """Columns of the client table (public agencies, councils, schools)."""
    f8, i8, b1 = np.float64, np.int64, np.bool_
    return Table(
        {
            "kind": (i8, 0),
            "mean_delay": (f8, 0.0),
            # the client's rank for paying on terms, uniform [0, 1): it pays on terms while
            # rank < payments.on_time_client_share (issue 14, item 10)
            "on_time_rank": (f8, 1.0),
            "students": (f8, 0.0),
            "insourced": (i8, -1),
            "assigned": (b1, False),
        }
    )


def order_table() -> Table:
    """Columns of the open-order table (contracted work not yet finished)."""
    f8, i8, b1 = np.float64, np.int64, np.bool_
    return Table(
        {
            "enterprise": (i8, -1),
            "client": (i8, -1),
            "remaining": (f8, 0.0),
            "qty_month": (f8, 0.0),
            "price": (f8, 0.0),
            "deadline": (i8, 0),
            "private": (b1, False),
            "recurring": (b1, False),
            "line": (i8, -1),
        }
    )


def invoice_table() -> Table:
    """Columns of the receivables table (invoices issued, not yet paid)."""
    f8, i8 = np.float64, np.int64
    return Table(
        {
            "enterprise": (i8, -1),
            "amount": (f8, 0.0),
            "issued": (i8, 0),
            "due": (i8, 0),
            "pay": (i8, 0),
        }
    )


def asset_table() -> Table:
    """Columns of the IT-asset table (one row per PC ever bought)."""
    f8, i8, b1 = np.float64, np.int64, np.bool_
    return Table(
        {
            "enterprise": (i8, -1),
            "bought": (i8, 0),
            "cost": (f8, 0.0),
            "working": (b1, False),
        }
    )


def among(values: np.ndarray, ids: np.ndarray, n: int) -> np.ndarray:
    """Whether each of ``values`` is one of ``ids`` (row numbers below ``n``; negative values,
    meaning none, never are): ``np.isin`` by a lookup mask, linear rather than a sort."""
    mask = np.zeros(n + 1, dtype=bool)
    mask[ids] = True
    return mask[np.where(values >= 0, values, n)]


def tally(index: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Sum ``weights`` by ``index`` into ``n`` float bins (float even when nothing is summed)."""
    return np.bincount(index, weights=weights, minlength=n).astype(np.float64, copy=False)
