"""The Kerala field figures (Heeks & Arun 2010) the report draws and quotes. They are read from
``analysis/patterns.yaml`` by ``analysis.patterns`` (each is written once, there, with its
source); this module adds how the report words them."""

from __future__ import annotations

from analysis.patterns import field_context, field_figure

__all__ = ["field_context", "field_figure", "in_words"]

NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                "ten", "eleven", "twelve")


def in_words(n: float) -> str:
    """A whole number up to twelve in words (``7`` -> ``seven``), other numbers as digits, for
    figures quoted in running text."""
    return NUMBER_WORDS[int(n)] if n == int(n) and 0 <= n < len(NUMBER_WORDS) else f"{n:g}"
