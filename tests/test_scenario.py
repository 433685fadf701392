"""The scenario schema: defaults, loading, extends overlays, events, overrides and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.scenario import (
    Scenario,
    ScenarioError,
    add_months,
    decimal_year,
    json_schema,
    load_scenario,
    month_index,
    parse_year_month,
    scenario_with,
)
from tests.conftest import BASELINE, SCENARIOS


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def problems(exc: pytest.ExceptionInfo[ScenarioError]) -> list[tuple[str, str, str]]:
    return exc.value.problems


def test_defaults_validate_and_span_1999_to_2020():
    s = Scenario()
    assert (s.start, s.end) == ("1999-01", "2020-12")
    assert s.months == 264


def test_every_schema_field_has_a_description():
    def walk(model):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
            ann = field.annotation
            if isinstance(ann, type) and hasattr(ann, "model_fields"):
                walk(ann)

    walk(Scenario)


def test_every_numeric_parameter_records_unit_and_source():
    def walk(model, path=""):
        for name, field in model.model_fields.items():
            ann = field.annotation
            if isinstance(ann, type) and hasattr(ann, "model_fields"):
                walk(ann, f"{path}{name}.")
            elif ann in (int, float) and name != "seed":
                extra = field.json_schema_extra or {}
                assert "unit" in extra and "source" in extra, f"{path}{name}"

    walk(Scenario)


@pytest.mark.parametrize("text, expected", [("2006-01", "2006-01"), ("2006-1", "2006-01"),
                                            (2006, "2006-01")])
def test_months_are_read_as_year_month(text, expected):
    assert parse_year_month(text) == expected


@pytest.mark.parametrize("bad", ["2006-13", "06-2006", "soon", True, 1066])
def test_bad_months_are_rejected(bad):
    with pytest.raises(ValueError):
        parse_year_month(bad)


def test_month_index_counts_months():
    assert month_index("2000-03", "1999-01") == 14


@pytest.mark.parametrize("start", ["1999-01", "1999-07", "2004-12"])
def test_add_months_inverts_month_index(start):
    for k in range(0, 40):
        assert month_index(add_months(start, k), start) == k
    assert add_months("1999-12", 1) == "2000-01"
    assert decimal_year("2005-07") == 2005.5


def test_unknown_key_names_file_path_and_suggestion(tmp_path):
    p = write(tmp_path, "x.yaml", "formation:\n  grant_multipl: 5\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(p)
    [(file, path, reason)] = problems(exc)
    assert file == str(p)
    assert path == "formation.grant_multipl"
    assert "unknown key" in reason and "grant_multiple" in reason


def test_wrong_type_and_impossible_value_are_all_listed(tmp_path):
    p = write(tmp_path, "x.yaml",
              "payments:\n  terms_months: soon\nworkforce:\n  marriage_annual_rate: 1.5\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(p)
    paths = {path for _, path, _ in problems(exc)}
    assert paths == {"payments.terms_months", "workforce.marriage_annual_rate"}


def test_negative_money_is_rejected(tmp_path):
    p = write(tmp_path, "x.yaml", "formation:\n  bank_loan_usd: -100\n")
    with pytest.raises(ScenarioError, match="greater than or equal to 0"):
        load_scenario(p)


def test_malformed_yaml_reports_line(tmp_path):
    p = write(tmp_path, "x.yaml", "name: [unclosed\nseed: 1\n")
    with pytest.raises(ScenarioError, match="malformed YAML: line"):
        load_scenario(p)


@pytest.mark.parametrize("text, reason", [("", "empty file"), ("- 1\n- 2\n", "mapping")])
def test_empty_or_non_mapping_files_are_rejected(tmp_path, text, reason):
    with pytest.raises(ScenarioError, match=reason):
        load_scenario(write(tmp_path, "x.yaml", text))


def test_python_object_tags_are_refused(tmp_path):
    p = write(tmp_path, "x.yaml", "name: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ScenarioError, match="malformed YAML"):
        load_scenario(p)


def test_alias_bomb_is_refused(tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, "
                     f"*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    with pytest.raises(ScenarioError, match="aliases"):
        load_scenario(write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n"))


def test_missing_file_and_missing_extends_target(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")
    p = write(tmp_path, "x.yaml", "extends: gone.yaml\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(p)
    [(file, path, reason)] = problems(exc)
    assert (file, path) == (str(p), "extends") and "gone.yaml" in reason


def test_cycle_of_extends_is_reported(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\n")
    with pytest.raises(ScenarioError, match="cycle of extends: a.yaml -> b.yaml -> a.yaml"):
        load_scenario(tmp_path / "a.yaml")


def test_extends_deep_merges_and_events_accumulate(tmp_path):
    write(tmp_path, "base.yaml", "name: base\npayments:\n  terms_months: 2\n"
          "events:\n  - {date: 2003-01, do: digitisation_drive, records: 10}\n")
    p = write(tmp_path, "over.yaml", "extends: base.yaml\nname: over\npayments:\n"
              "  public_mean_delay_months: 9\n"
              "events:\n  - {date: 2006-01, do: mission_withdraws}\n")
    s = load_scenario(p)
    assert s.name == "over"
    assert s.payments.terms_months == 2 and s.payments.public_mean_delay_months == 9
    assert [e.do for e in s.events] == ["digitisation_drive", "mission_withdraws"]


def test_event_before_the_start_is_rejected(tmp_path):
    p = write(tmp_path, "x.yaml", "events:\n  - {date: 1990-01, do: mission_withdraws}\n")
    with pytest.raises(ScenarioError, match="before the start 1999-01"):
        load_scenario(p)


def test_event_after_the_end_is_allowed_and_never_fires(baseline):
    # the baseline has no dated event of its own since its 2006 insourcing change became a
    # dated series (issue 14): give it one after the end
    s = scenario_with(baseline, {"end": "2004-12",
                                 "events": [{"date": "2006-01", "do": "mission_withdraws"}]})
    assert s.events and all(month_index(e.date, s.start) >= s.months for e in s.events)


def test_unknown_event_kind_is_rejected(tmp_path):
    p = write(tmp_path, "x.yaml", "events:\n  - {date: 2003-01, do: mission_explodes}\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(p)
    assert problems(exc)[0][1].startswith("events.0")


def test_set_event_with_bad_key_names_it(tmp_path):
    p = write(tmp_path, "x.yaml",
              "events:\n  - date: 2003-01\n    do: set\n    values: {payments.term: 3}\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(p)
    [(_, path, reason)] = problems(exc)
    assert path == "events.0.values.payments.term" and "did you mean 'terms_months'" in reason


def test_overrides_apply_and_are_validated():
    s = load_scenario(BASELINE, overrides=["payments.public_mean_delay_months=9", "seed=4"])
    assert s.payments.public_mean_delay_months == 9 and s.seed == 4
    with pytest.raises(ScenarioError, match="unknown key"):
        load_scenario(BASELINE, overrides=["payments.mean_delay=9"])
    with pytest.raises(ScenarioError, match="dotted.path=value"):
        load_scenario(BASELINE, overrides=["payments"])


def test_scenario_with_returns_a_validated_copy(baseline):
    s = scenario_with(baseline, {"formation.grant_multiple": 3})
    assert s.formation.grant_multiple == 3 and baseline.formation.grant_multiple == 10
    with pytest.raises(ScenarioError):
        scenario_with(baseline, {"formation.grant_multiple": -1})


def test_json_schema_is_serialisable_and_names_sections():
    schema = json_schema()
    json.dumps(schema)
    assert {"formation", "payments", "events", "extends"} <= set(schema["properties"])


@pytest.mark.parametrize("path", sorted(SCENARIOS.rglob("*.yaml")), ids=lambda p: p.name)
def test_every_scenario_file_validates(path):
    if "sweeps" in path.parts:
        pytest.skip("sweep files are validated by the sweep tests")
    load_scenario(path)


def numbers_without_source(text: str) -> list[str]:
    """Lines holding a number (or a month) with no comment on the line or the line above."""
    import re

    import yaml

    lines = text.splitlines()
    bad = []

    def visit(node):
        if isinstance(node, yaml.MappingNode):
            for _key, value in node.value:
                visit(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                visit(item)
        elif isinstance(node, yaml.ScalarNode):
            numeric = node.tag.endswith((":int", ":float")) or re.fullmatch(
                r"\d{4}-\d{1,2}", str(node.value))
            if numeric:
                i = node.start_mark.line
                above = lines[i - 1].strip() if i > 0 else ""
                if "#" not in lines[i] and not above.startswith("#"):
                    bad.append(lines[i])

    visit(yaml.compose(text))
    return bad


def test_every_number_in_the_baseline_has_a_source_or_assumption_comment():
    assert numbers_without_source(BASELINE.read_text()) == []


def test_the_source_checker_catches_an_uncommented_number():
    assert numbers_without_source("a:\n  b: 3\n  c: 4  # assumption\n") == ["  b: 3"]


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")) + sorted(
    SCENARIOS.glob("events/*.yaml")) + sorted(SCENARIOS.glob("presets/*.yaml"))
    + sorted(SCENARIOS.glob("bench/*.yaml")),
    ids=lambda p: p.name)
def test_every_number_in_shipped_scenarios_is_sourced(path):
    assert numbers_without_source(path.read_text()) == []


def test_the_baseline_restates_every_parameter_of_the_schema():
    import yaml

    data = yaml.safe_load(BASELINE.read_text())

    def walk(model, node, path=""):
        for name, field in model.model_fields.items():
            ann = field.annotation
            assert name in node, f"{path}{name} missing from kerala_baseline.yaml"
            if isinstance(ann, type) and hasattr(ann, "model_fields"):
                walk(ann, node[name], f"{path}{name}.")

    walk(Scenario, data)


def test_the_baseline_states_the_schema_defaults():
    """Defaults live once, in the schema; the baseline restates them with sources, so the two
    must agree (calibrated values were copied into both)."""
    skip = {"name", "description", "events", "priors"}  # priors: where its prior file is
    assert load_scenario(BASELINE).model_dump(exclude=skip) == Scenario().model_dump(exclude=skip)
