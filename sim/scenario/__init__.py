"""Scenario schema: every parameter of the model, with its default, unit, bounds and source.

A scenario is a YAML file validated against this pydantic tree (``extra="forbid"``), so a
misspelled key or an impossible value fails before a run starts. Files may ``extends:`` another
file (deep merge; ``events`` accumulate) and carry dated ``events`` that change the world during
a run. Defaults live here once; ``scenarios/kerala_baseline.yaml`` restates them with sources.

The package holds one concern a module: ``months`` (YYYY-MM), ``params`` (parameter sections),
``events`` (dated events), ``schema`` (the Scenario and its JSON Schema), ``errors`` (problem
lists and their wording), ``safe_yaml`` (reading YAML safely), ``merge`` (``extends:`` and
overrides) and ``loading`` (files and mappings to a validated Scenario). Everything callers use is
re-exported here, so ``from sim.scenario import ...`` keeps working.
"""

from sim.scenario.errors import ScenarioError
from sim.scenario.events import (
    EVENT_KINDS,
    DigitisationDrive,
    Event,
    EventBase,
    MissionReturns,
    MissionWithdraws,
    PaymentDelayShock,
    SetValues,
)
from sim.scenario.loading import load_scenario, scenario_with, validate_data
from sim.scenario.merge import parse_override, resolve_file, set_dotted
from sim.scenario.months import (
    YearMonth,
    add_months,
    decimal_year,
    month_index,
    parse_year_month,
)
from sim.scenario.params import (
    LINES,
    Assets,
    Clients,
    ClientSegment,
    Closure,
    Consortium,
    Contracting,
    Demand,
    Digitisation,
    Finance,
    Formation,
    HardwareDemand,
    Infrastructure,
    Intermediary,
    Line,
    Lines,
    Marketing,
    Mission,
    P,
    Payments,
    Quality,
    Schools,
    Staffing,
    Strict,
    Workforce,
    section,
)
from sim.scenario.safe_yaml import (
    MAX_YAML_BYTES,
    MAX_YAML_VALUES,
    _AliasLimitedLoader,
    load_yaml_text,
    read_yaml,
)
from sim.scenario.schema import Scenario, json_schema

__all__ = [
    "EVENT_KINDS",
    "LINES",
    "MAX_YAML_BYTES",
    "MAX_YAML_VALUES",
    "Assets",
    "ClientSegment",
    "Clients",
    "Closure",
    "Consortium",
    "Contracting",
    "Demand",
    "Digitisation",
    "DigitisationDrive",
    "Event",
    "EventBase",
    "Finance",
    "Formation",
    "HardwareDemand",
    "Infrastructure",
    "Intermediary",
    "Line",
    "Lines",
    "Marketing",
    "Mission",
    "MissionReturns",
    "MissionWithdraws",
    "P",
    "PaymentDelayShock",
    "Payments",
    "Quality",
    "Scenario",
    "ScenarioError",
    "Schools",
    "SetValues",
    "Staffing",
    "Strict",
    "Workforce",
    "YearMonth",
    "_AliasLimitedLoader",
    "add_months",
    "decimal_year",
    "json_schema",
    "load_scenario",
    "load_yaml_text",
    "month_index",
    "parse_override",
    "parse_year_month",
    "read_yaml",
    "resolve_file",
    "scenario_with",
    "section",
    "set_dotted",
    "validate_data",
]
