"""A self-contained HTML report of one run, a comparison or a sweep.

``build_report(DIR)`` reads the folder, computes survival (``analysis.survival``), draws the
figures (``analysis.plots``) and writes ``DIR/report.html``: one file with plotly's JavaScript
inlined, so that it opens offline. The modules:

- ``load``: the folder as a ``RunSet`` (a run, a comparison or a sweep; ``ReportError`` when it
  is none of them);
- ``format``: small table and number helpers;
- ``document``: the report's structure (``Report``, ``Section``, ``Item``);
- ``sections``: one builder per section, grouped by theme;
- ``html``: assembly (``build``), the HTML page (``render``, ``build_report``) and the static
  export of the figures (``export_figures``, ``ExportError``), one kaleido (Chromium) session.

The names below were importable from the single module ``analysis.report`` and still are.
"""

from analysis.report.document import Item, Report, Section
from analysis.report.html import (
    CSS,
    ExportError,
    build,
    build_report,
    export_figures,
    render,
)
from analysis.report.load import MAX_POINTS, ReportError, RunSet, load
from analysis.report.sections import (
    BASELINE_NAME,
    FIELD,
    alive_section,
    arrears_section,
    assets_section,
    closure_section,
    earnings_section,
    outcomes_section,
    parameters_section,
    patterns_section,
    people_section,
    runs_section,
    survival_section,
    sweep_effects_section,
    tenure_section,
)
from sim.scenario import LINES

__all__ = [
    "BASELINE_NAME",
    "CSS",
    "FIELD",
    "LINES",
    "MAX_POINTS",
    "ExportError",
    "Item",
    "Report",
    "ReportError",
    "RunSet",
    "Section",
    "alive_section",
    "arrears_section",
    "assets_section",
    "build",
    "build_report",
    "closure_section",
    "earnings_section",
    "export_figures",
    "load",
    "outcomes_section",
    "parameters_section",
    "patterns_section",
    "people_section",
    "render",
    "runs_section",
    "survival_section",
    "sweep_effects_section",
    "tenure_section",
]
