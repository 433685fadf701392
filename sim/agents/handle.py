"""The base of every agent that stands for one row of a model table, the attributes that are a
column of that row, and the collections that make a row's handle the first time it is asked for.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

import mesa

if TYPE_CHECKING:
    from sim.model import SocialOutsourcingModel
    from sim.state import Table


class RowAgent(mesa.Agent):
    """A Mesa agent that is a named handle on row ``row`` of the model table ``table``."""

    table: str = ""  # attribute of the model holding the table: "E", "M" or "C"

    def __init__(self, model: SocialOutsourcingModel, row: int):
        super().__init__(model)
        self.row = row

    def _get(self, column: str) -> Any:
        return getattr(getattr(self.model, self.table), column)[self.row]

    def _set(self, column: str, value: Any) -> None:
        getattr(getattr(self.model, self.table), column)[self.row] = value


def column(name: str, kind: Callable[[Any], Any], doc: str, writable: bool = True) -> property:
    """An attribute of a handle that is column ``name`` of its row: reading gives the cell as
    ``kind`` (float, int, bool); writing, where ``writable``, stores the value in the table -
    for a notebook user trying out a change (the mechanisms themselves work on whole columns)."""

    def get(agent: RowAgent) -> Any:
        return kind(agent._get(name))

    def put(agent: RowAgent, value: Any) -> None:
        agent._set(name, value)

    return property(get, put if writable else None, doc=doc)


def _row(key: Any, n: int) -> int:
    """``key`` as a row number below ``n`` (IndexError if it is none)."""
    try:
        row = operator.index(key)
    except TypeError:
        raise IndexError(key) from None
    if not 0 <= row < n:
        raise IndexError(key)
    return row


class _Made[A: RowAgent]:
    """The handles of one table's rows, each made (and registered with Mesa) the first time it
    is asked for and kept, so a run nobody inspects builds no per-row agents."""

    def __init__(self, model: SocialOutsourcingModel, kind: type[A]):
        self._model = model
        self._kind = kind
        self._made: dict[int, A] = {}

    def _table(self) -> Table:
        return getattr(self._model, self._kind.table)

    def _handle(self, row: int) -> A:
        h = self._made.get(row)
        if h is None:
            h = self._made[row] = self._kind(self._model, row)
        return h

    def __len__(self) -> int:
        return self._table().n

    def __repr__(self) -> str:
        return f"<{len(self)} {self._kind.__name__} handles, {len(self._made)} made>"


class Handles[A: RowAgent](_Made[A], Mapping[int, A]):
    """Row -> handle, for a table that grows (enterprises, members): a mapping like a dict."""

    def __getitem__(self, key: Any) -> A:
        try:
            return self._handle(_row(key, len(self)))
        except IndexError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self)))


class HandleList[A: RowAgent](_Made[A], Sequence[A]):
    """The handles in row order, for a table fixed at the start (clients): a sequence like a
    list."""

    @overload
    def __getitem__(self, key: int) -> A: ...

    @overload
    def __getitem__(self, key: slice) -> list[A]: ...

    def __getitem__(self, key: int | slice) -> A | list[A]:
        n = len(self)
        if isinstance(key, slice):
            return [self._handle(r) for r in range(*key.indices(n))]
        row = operator.index(key)
        return self._handle(_row(row + n if row < 0 else row, n))

    def __iter__(self) -> Iterator[A]:
        return (self._handle(r) for r in range(len(self)))
