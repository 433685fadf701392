"""The report's structure: a ``Report`` of ``Section``s, each a list of ``Item``s (a figure with
its caption, an HTML table, or a note)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from analysis.report.format import _table_html
from analysis.report.load import RunSet


@dataclass
class Item:
    """One element of a section: a figure with its caption, an HTML table, or a note."""

    kind: str  # "figure", "table", "note"
    name: str = ""
    title: str = ""
    caption: str = ""
    figure: go.Figure | None = None
    html: str = ""


@dataclass
class Section:
    id: str
    title: str
    intro: str = ""
    items: list[Item] = field(default_factory=list)

    def fig(self, name: str, figure: go.Figure, caption: str) -> None:
        self.items.append(Item("figure", name=name, figure=figure, caption=caption))

    def table(self, title: str, df: pd.DataFrame, caption: str = "") -> None:
        self.items.append(Item("table", title=title, html=_table_html(df), caption=caption))

    def note(self, text: str) -> None:
        self.items.append(Item("note", html=html.escape(text)))


@dataclass
class Report:
    title: str
    runset: RunSet
    sections: list[Section]
    headline: list[tuple[str, str]] = field(default_factory=list)
    brief: list[str] = field(default_factory=list)  # sentences opening the "In brief" box

    def figures(self) -> list[tuple[str, go.Figure]]:
        return [
            (it.name, it.figure)
            for s in self.sections
            for it in s.items
            if it.kind == "figure" and it.figure is not None
        ]
