"""Assembling the report (``build``), writing it as one self-contained HTML page (``render``,
``build_report``) and exporting its figures as PNG or SVG (``export_figures``)."""

from __future__ import annotations

import html
import os
from pathlib import Path

import plotly.graph_objects as go

from analysis import plots
from analysis.report.csvdata import csv_link
from analysis.report.document import Report, Section
from analysis.report.format import _pretty
from analysis.report.load import MAX_POINTS, RunSet, load
from analysis.report.sections import (
    alive_section,
    arrears_section,
    assets_section,
    closure_section,
    earnings_section,
    effects_section,
    outcomes_section,
    paired_section,
    parameters_section,
    patterns_section,
    people_section,
    runs_section,
    survival_section,
    sweep_effects_section,
    tenure_section,
)
from sim import atomic


def build(rs: RunSet) -> Report:
    """All sections of the report for a run set."""
    headline: list[tuple[str, str]] = []
    brief: list[str] = []
    sections = []
    if rs.kind == "compare":
        try:  # the comparison's answer first
            sections.append(paired_section(rs, headline, brief))
        except Exception as exc:  # noqa: BLE001 - one broken section must not sink the report
            s = Section("paired", "Paired differences between scenarios")
            s.note(f"This section failed to build: {type(exc).__name__}: {exc}")
            sections.append(s)
    if rs.kind == "sweep" and rs.meta.get("design") == "oat":
        sections.append(effects_section(rs))  # the answer of a one-factor-at-a-time sweep first
    elif rs.kind == "sweep":
        sections.append(sweep_effects_section(rs))  # the outcomes against the parameters first
    sections.append(survival_section(rs, headline))
    if rs.kind == "sweep":
        sections.append(outcomes_section(rs))
    for make in (alive_section, earnings_section, arrears_section, assets_section,
                 people_section, closure_section, tenure_section, patterns_section,
                 parameters_section, runs_section):
        try:
            sections.append(make(rs))
        except Exception as exc:  # noqa: BLE001 - one broken section must not sink the report
            s = Section(make.__name__.removesuffix("_section"), make.__name__)
            s.note(f"This section failed to build: {type(exc).__name__}: {exc}")
            sections.append(s)
    what = {"run": "one run", "compare": "a comparison", "sweep": "a sweep"}[rs.kind]
    n = len(rs.runs)
    names = (", ".join(_pretty(s) for s in rs.labels) if rs.kind != "sweep"
             else str(rs.meta.get("name") or rs.root.name))
    title = f"sosim report: {what} of {names}"
    per = rs.runs.groupby("scenario", sort=False).size()
    detail = (", ".join(f"{_pretty(k)}: {v}" for k, v in per.items()) if len(per) <= MAX_POINTS
              else f"{len(per)} design points")
    headline.insert(0, ("runs", f"{n} ({detail})"))
    return Report(title, rs, sections, headline, brief)


CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#222;
background:#fafafa}
header{background:#1f3b4d;color:#fff;padding:18px 32px}header h1{margin:0;font-size:1.5em}
header p{margin:4px 0 0;opacity:.85}
nav{padding:8px 32px;background:#e8eef2;font-size:.9em}nav a{margin-right:14px;color:#1f3b4d}
main{max-width:1200px;margin:0 auto;padding:8px 32px 48px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 20px 16px;
margin:18px 0}
h2{border-bottom:2px solid #1f3b4d;padding-bottom:4px}
.caption{font-size:.92em;color:#444;margin:2px 0 22px;font-style:italic}
.note{background:#fff7e0;border-left:4px solid #e0a800;padding:6px 10px;margin:8px 0}
table.tbl{border-collapse:collapse;font-size:.88em;margin:6px 0 4px}
table.tbl th,table.tbl td{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left}
table.tbl th{background:#f0f3f5}
.headline td{padding:2px 14px 2px 0}.figure{margin:6px 0}
h3{font-size:1.02em;margin:16px 0 4px}.scroll{overflow-x:auto}
.download{font-size:.85em;margin:0 0 4px;text-align:right}.download a{color:#1f3b4d}
"""


def render(report: Report) -> str:
    """The report as one HTML page, plotly's JavaScript inlined once (works offline)."""
    parts: list[str] = []
    first = True
    for s in report.sections:
        parts.append(f'<section id="{s.id}"><h2>{html.escape(s.title)}</h2>')
        if s.intro:
            parts.append(f"<p>{html.escape(s.intro)}</p>")
        for it in s.items:
            if it.kind == "figure" and it.figure is not None:
                div = it.figure.to_html(
                    full_html=False,
                    include_plotlyjs=True if first else False,
                    include_mathjax=False,
                    div_id=f"fig-{it.name}",
                    config={"displaylogo": False, "responsive": True},
                )
                first = False
                parts.append(f'<div class="figure" data-figure="{it.name}">{div}</div>')
                parts.append(f'<p class="download">{csv_link(it.name, it.figure)}</p>')
                parts.append(f'<p class="caption">{html.escape(it.caption)}</p>')
            elif it.kind == "table":
                if it.title:
                    parts.append(f"<h3>{html.escape(it.title)}</h3>")
                parts.append(it.html)
                if it.caption:
                    parts.append(f'<p class="caption">{html.escape(it.caption)}</p>')
            else:
                parts.append(f'<p class="note">{it.html}</p>')
        parts.append("</section>")
    nav = "".join(f'<a href="#{s.id}">{html.escape(s.title)}</a>' for s in report.sections)
    head_rows = "".join(
        f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>"
        for k, v in report.headline
    )
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in report.runset.notes)
    notes += "".join(f'<p class="brief"><b>{html.escape(b)}</b></p>' for b in report.brief)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(report.title)}</title>"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<style>{CSS}</style></head><body>"
        f"<header><h1>{html.escape(report.title)}</h1><p>sosim "
        f"{html.escape(report.runset.version or '')} · {html.escape(str(report.runset.root))}"
        "</p></header>"
        f"<nav>{nav}</nav><main>"
        f'<section id="summary"><h2>In brief</h2>{notes}<table class="headline">{head_rows}'
        "</table></section>" + "".join(parts) + "</main></body></html>\n"
    )


class ExportError(Exception):
    """Static figures could not be written (no kaleido, no browser...)."""


def export_figures(figures: list[tuple[str, go.Figure]], out_dir: Path, fmt: str,
                   scale: float = 1.0) -> list[Path]:
    """Write each figure as ``out_dir/<name>.<fmt>`` (png or svg) in one kaleido session;
    ``scale`` multiplies the pixels of a PNG (e.g. 3 for print at 300 dpi of a 900-pixel-wide
    figure 3 inches wide; an SVG is resolution-free, its size is multiplied the same)."""
    import plotly.io as pio

    try:
        import kaleido  # noqa: F401
    except ImportError as exc:
        raise ExportError(
            "static export needs kaleido: pip install 'sosim[export]' (kaleido>=1)"
        ) from exc
    browser = os.environ.get("BROWSER_PATH")
    if browser and not Path(browser).is_file():
        raise ExportError(f"BROWSER_PATH={browser} does not exist")
    if not browser and not _find_chromium():
        raise ExportError(
            "static export needs Chromium or Chrome: install Debian's 'chromium' package "
            "(apt-get install chromium) or set BROWSER_PATH to a Chrome/Chromium executable"
        )
    pio.defaults.mathjax = None  # nothing is fetched
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{name}.{fmt}" for name, _ in figures]
    figs = [f for _, f in figures]
    heights = [int(f.layout.height or plots.HEIGHT) for f in figs]
    try:
        pio.write_images(figs, paths, format=fmt, width=plots.WIDTH, height=heights,
                         scale=scale)
    except Exception as exc:  # noqa: BLE001 - kaleido/choreographer raise many kinds
        raise ExportError(f"static export failed: {type(exc).__name__}: {exc}") from exc
    return paths


def _find_chromium() -> str | None:
    import shutil

    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                 "chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def build_report(
    root: str | Path, out: str | Path | None = None, formats: tuple[str, ...] = (),
    scale: float = 1.0,
) -> tuple[Path, Report]:
    """Read ``root``, write ``report.html`` (to ``out`` or ``root/report.html``) and, for each
    format in ``formats`` (``png``, ``svg``), the figures under ``root/figures/`` (``scale``:
    see ``export_figures``)."""
    rs = load(root)
    report = build(rs)
    path = Path(out) if out is not None else rs.root / "report.html"
    html = render(report)
    atomic.write_file(path, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    for fmt in formats:
        export_figures(report.figures(), rs.root / "figures", fmt, scale)
    return path, report
