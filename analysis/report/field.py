"""The Kerala field figures (Heeks & Arun 2010) the report draws and quotes, read from
``analysis/patterns.yaml``: each is written once, there, with its source."""

from __future__ import annotations

from functools import cache

from analysis.patterns import load_patterns

NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                "ten", "eleven", "twelve")


@cache
def _observed() -> dict[str, float]:
    return {p.id: p.observed for p in load_patterns()}


def field_figure(pattern_id: str) -> float:
    """The observed figure of pattern ``pattern_id`` in ``analysis/patterns.yaml``."""
    try:
        return _observed()[pattern_id]
    except KeyError:
        raise KeyError(f"analysis/patterns.yaml has no pattern {pattern_id!r}") from None


def in_words(n: float) -> str:
    """A whole number up to twelve in words (``7`` -> ``seven``), other numbers as digits, for
    figures quoted in running text."""
    return NUMBER_WORDS[int(n)] if n == int(n) and 0 <= n < len(NUMBER_WORDS) else f"{n:g}"


def field_context(pattern_id: str) -> str:
    """The field work's words around pattern ``pattern_id`` (its ``context`` in
    ``analysis/patterns.yaml``), for the report's running text."""
    for p in load_patterns():
        if p.id == pattern_id and p.context:
            return p.context
    raise KeyError(f"analysis/patterns.yaml has no context for pattern {pattern_id!r}")
