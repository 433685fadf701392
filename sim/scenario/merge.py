"""Combining raw scenario mappings: ``extends:`` (deep merge; ``events`` accumulate) and
``dotted.path=value`` overrides."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from sim.scenario.errors import ScenarioError
from sim.scenario.safe_yaml import load_yaml_text, not_regular_file, read_yaml


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


def resolve_file(path: str | Path, _stack: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file and everything it ``extends:``, merged into one raw mapping."""
    p = Path(path)
    key = p.resolve()
    data = read_yaml(p)
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
    if target.resolve() in (*_stack, key):  # reported on the file that closes the cycle
        chain = " -> ".join(s.name for s in (*_stack, key, target.resolve()))
        raise ScenarioError([(str(p), "extends", f"cycle of extends: {chain}")])
    base = resolve_file(target, (*_stack, key))
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
