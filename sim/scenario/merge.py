"""Combining raw scenario mappings: ``extends:`` (deep merge; ``events`` accumulate) and
``dotted.path=value`` overrides."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import yaml

from sim.scenario.errors import ScenarioError
from sim.scenario.safe_yaml import load_yaml_text, not_regular_file, read_yaml
from sim.scenario.schema import Scenario


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if k == "events" and isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = list(out[k]) + list(v)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


MAX_EXTENDS_DEPTH = 32
"""Most files a chain of ``extends:`` may hold (a chain of thousands ran out of Python's stack
and was reported as "nested too deeply" in some file of the middle)."""

NOT_A_SCENARIO = "not a scenario file (none of its top-level keys is a scenario key; its " \
    "contents are not shown)"


def looks_like_scenario(data: dict[str, Any]) -> bool:
    """Whether a mapping read from a file is meant as a scenario: at least one top-level key is
    a scenario key, or close to one (a typo such as ``seeed``, which then gets "did you mean").

    A file that is not (a password file, a config of another program) must not have its keys
    and values echoed as "unknown key" errors; it gets one line instead."""
    keys = [*Scenario.model_fields, "extends"]
    return any(
        isinstance(k, str) and (k in keys or difflib.get_close_matches(k, keys, 1, 0.8))
        for k in data
    )


def resolve_file(path: str | Path, _stack: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file and everything it ``extends:``, merged into one raw mapping."""
    p = Path(path)
    key = p.resolve()
    data = read_yaml(p)
    if not looks_like_scenario(data):
        raise ScenarioError([(str(p), "", NOT_A_SCENARIO)])
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError([(str(p), "extends", "expected a file name")])
    target = (p.parent / parent) if not Path(parent).is_absolute() else Path(parent)
    why = not_regular_file(target)  # a device or pipe would be read for ever
    if why is not None:
        why = why.replace("expected a YAML file", "expected a file")
        raise ScenarioError([(str(p), "extends", f"{why}: {parent}")])
    if len(_stack) + 1 >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(
            [(str(p), "extends", f"more than {MAX_EXTENDS_DEPTH} files deep: {parent}")]
        )
    if target.resolve() in (*_stack, key):  # reported on the file that closes the cycle
        chain = " -> ".join(s.name for s in (*_stack, key, target.resolve()))
        raise ScenarioError([(str(p), "extends", f"cycle of extends: {chain}")])
    try:
        base = resolve_file(target, (*_stack, key))
    except ScenarioError as exc:  # name the file whose extends: points at a non-scenario
        if exc.problems == [(str(target), "", NOT_A_SCENARIO)]:
            raise ScenarioError([(str(p), "extends", f"{NOT_A_SCENARIO}: {parent}")]) from None
        raise
    return _deep_merge(base, data)


def set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``a.b.c = value`` in a nested mapping, creating mappings on the way."""
    parts = dotted.split(".")
    cur = data
    for part in parts[:-1]:
        nxt = cur.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            cur[part] = nxt
        cur = nxt
    cur[parts[-1]] = value


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``dotted.path=value`` (value read as YAML, so 9, 0.5, true, [1, 2] work)."""
    if "=" not in text:
        raise ScenarioError([("--set", text, "expected dotted.path=value")])
    key, _, raw = text.partition("=")
    key = key.strip()
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*", key):
        raise ScenarioError(
            [("--set", key, "expected a dotted key path like payments.terms_months")]
        )
    try:
        value = load_yaml_text(raw) if raw.strip() else None
    except yaml.YAMLError:
        raise ScenarioError([("--set", key, f"cannot read value {raw!r}")]) from None
    return key, value
