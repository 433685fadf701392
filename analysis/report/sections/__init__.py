"""The report's sections, one builder per section (``<name>_section(rs)`` returns a ``Section``),
grouped in modules by theme."""

from analysis.report.sections.assets_people import assets_section, people_section
from analysis.report.sections.closure_tenure import closure_section, tenure_section
from analysis.report.sections.earnings_arrears import arrears_section, earnings_section
from analysis.report.sections.effects import effects_section
from analysis.report.sections.field_patterns import BASELINE_NAME, FIELD, patterns_section
from analysis.report.sections.outcomes_alive import alive_section, outcomes_section
from analysis.report.sections.paired import paired_section
from analysis.report.sections.provenance import parameters_section, runs_section
from analysis.report.sections.survival import survival_section
from analysis.report.sections.sweep_effects import sweep_effects_section

__all__ = [
    "BASELINE_NAME",
    "FIELD",
    "alive_section",
    "arrears_section",
    "assets_section",
    "closure_section",
    "earnings_section",
    "effects_section",
    "outcomes_section",
    "paired_section",
    "parameters_section",
    "patterns_section",
    "people_section",
    "runs_section",
    "survival_section",
    "sweep_effects_section",
    "tenure_section",
]
