"""From files and raw mappings to a validated Scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.errors import ScenarioError, validation_problems
from sim.scenario.events import FIXED_DURING_RUN, SetValues, fixed_paths_touched
from sim.scenario.merge import parse_override, resolve_file, set_dotted
from sim.scenario.schema import Scenario


def validate_data(data: dict[str, Any], file: str = "<scenario>") -> Scenario:
    """Validate a raw mapping into a Scenario, or raise ScenarioError listing every problem."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc, file)) from None
    # dated `set` events must name real keys with valid values
    problems: list[tuple[str, str, str]] = []
    for i, ev in enumerate(scenario.events):
        if isinstance(ev, SetValues):
            for key, value in ev.values.items():
                fixed = fixed_paths_touched(key, value)
                for path in fixed:
                    problems.append((file, f"events.{i}.values.{key}",
                                     f"{path} cannot change during a run: "
                                     f"{FIXED_DURING_RUN[path]}"))
                if fixed:
                    continue
                trial = scenario.model_dump(mode="json", exclude={"events"})
                set_dotted(trial, key, value)
                try:
                    Scenario.model_validate(trial)
                except ValidationError as exc:
                    for _f, path, msg in validation_problems(exc, file):
                        where = "" if path == key else f"{path}: "
                        problems.append((file, f"events.{i}.values.{key}", f"{where}{msg}"))
    if problems:
        raise ScenarioError(problems)
    return scenario


def load_scenario(
    path: str | Path, overrides: list[str] | dict[str, Any] | None = None, seed: int | None = None
) -> Scenario:
    """Load a scenario file (following ``extends:``), apply ``dotted.path=value`` overrides."""
    data = resolve_file(path)
    items = (
        overrides.items()
        if isinstance(overrides, dict)
        else (parse_override(o) for o in (overrides or []))
    )
    for key, value in items:
        set_dotted(data, key, value)
    if seed is not None:
        data["seed"] = seed
    return validate_data(data, str(path))


def scenario_with(scenario: Scenario, values: dict[str, Any]) -> Scenario:
    """A copy of ``scenario`` with dotted-path values changed, validated."""
    data = scenario.model_dump(mode="json")
    for key, value in values.items():
        set_dotted(data, key, value)
    return validate_data(data, scenario.name)
