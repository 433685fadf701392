"""Months as ``YYYY-MM`` strings: parsing scenario input and counting months between them.

The model runs month by month from the scenario's ``start``; every dated input (events, the field
survey, the horizon) is a ``YYYY-MM`` string turned into a month index here.
"""

from __future__ import annotations

import datetime as _dt
import re
import reprlib
from typing import Annotated, Any

from pydantic import Field

_YM = re.compile(r"^(\d{4})-(\d{1,2})$")
MIN_YEAR, MAX_YEAR = 1900, 2200
"""Years a scenario's months may lie in (an assumption: wide around the 1999-2020 the model is
built for; a wider span would only be a typo, or a horizon of thousands of months)."""
_shown = reprlib.Repr(maxstring=40, maxother=40)
"""Values quoted in messages are cut to about 40 characters."""


def _year_in_range(year: int, value: Any) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        got = "" if isinstance(value, int) else f", got {_shown.repr(value)}"
        raise ValueError(f"year {year} out of range {MIN_YEAR}-{MAX_YEAR}{got}")


def parse_year_month(value: Any) -> str:
    """Normalise a month given as ``YYYY-MM``, a year, or a YAML date to ``YYYY-MM``; a year
    outside MIN_YEAR-MAX_YEAR is "out of range" (with the range), anything else is not a
    month."""
    if isinstance(value, bool):
        raise ValueError("expected a month as YYYY-MM")
    if isinstance(value, int):
        _year_in_range(value, value)
        return f"{value:04d}-01"
    if isinstance(value, _dt.date):
        _year_in_range(value.year, str(value))
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        m = _YM.match(value.strip())
        if m and 1 <= int(m.group(2)) <= 12:
            year, month = int(m.group(1)), int(m.group(2))
            _year_in_range(year, value)
            return f"{year:04d}-{month:02d}"
    raise ValueError(f"expected a month as YYYY-MM, got {_shown.repr(value)}")


def month_index(ym: str, start: str) -> int:
    """Months from ``start`` to ``ym`` (both ``YYYY-MM``)."""
    y1, m1 = map(int, ym.split("-"))
    y0, m0 = map(int, start.split("-"))
    return (y1 - y0) * 12 + (m1 - m0)


YearMonth = Annotated[str, Field(json_schema_extra={"format": "year-month"})]


def add_months(ym: str, k: int) -> str:
    """The month ``k`` months after ``ym`` as ``YYYY-MM`` (``add_months(start, t)`` is the date
    of model step ``t``); the inverse of ``month_index``."""
    y, m = map(int, ym.split("-"))
    n = (m - 1) + k
    return f"{y + n // 12:04d}-{n % 12 + 1:02d}"


def decimal_year(ym: str) -> float:
    """``YYYY-MM`` as a year with the month as a fraction (2005-07 -> 2005.5), for plot axes."""
    y, m = map(int, ym.split("-"))
    return y + (m - 1) / 12
