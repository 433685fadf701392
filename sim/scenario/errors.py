"""Invalid scenario input as a list of ``file: key.path: reason`` problems, and the translation
of pydantic's validation errors into them (with "did you mean" hints)."""

from __future__ import annotations

import difflib
import re
import reprlib
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.scenario.events import EVENT_KINDS
from sim.scenario.schema import Scenario


class ScenarioError(Exception):
    """Invalid scenario input: a list of (file, key path, reason) problems."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        super().__init__(self.format())

    def format(self) -> str:
        """One line per problem: ``file: key.path: reason``."""
        lines = []
        for file, path, reason in self.problems:
            where = ": ".join(p for p in (file, path) if p)
            lines.append(f"{where}: {reason}" if where else reason)
        return "\n".join(lines)

_short = reprlib.Repr(maxlevel=2, maxlist=4, maxtuple=4, maxdict=4, maxstring=40, maxother=40)


def _short_key(part: Any) -> str:
    """A key of a path as shown in a message, cut to about 40 characters (a key is input too)."""
    text = str(part)
    return text if len(text) <= 40 else f"{text[:18]}...{text[-18:]}"


def _section_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class found by following ``loc`` from Scenario, if any."""
    cls: Any = Scenario
    for part in loc:
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            return None
        field = cls.model_fields.get(str(part))
        if field is None:
            return None
        ann = field.annotation
        cls = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return cls


def _suggest(key: str, valid: list[str]) -> str:
    """A "did you mean" hint for a misspelled key, or the list of valid keys."""
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    if not close:
        close = [v for v in valid if v.startswith(key) or key.startswith(v)][:1]
    if not close:
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.45)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (valid keys: {', '.join(valid)})"


_KEY_FIRST = re.compile(r"^([A-Za-z_][\w.]*): (.+)$", re.S)


def _with_guard_unit(loc: tuple[Any, ...], msg: str, le: Any) -> str:
    """An upper guard's message with the bound written out and its unit (params.GUARDS)."""
    section = _section_at(loc[:-1]) if loc else None
    field = section.model_fields.get(str(loc[-1])) if section is not None else None
    extra = field.json_schema_extra if field is not None else None
    if not isinstance(extra, dict) or "guard" not in extra or not isinstance(le, int | float):
        return msg
    return f"Input should be less than or equal to {le:,.0f} {extra['unit']}"


def validation_problems(exc: ValidationError, file: str) -> list[tuple[str, str, str]]:
    """pydantic's errors as ``(file, key path, reason)`` problems a person can act on."""
    out = []
    for err in exc.errors():
        raw = tuple(err["loc"])
        # the event's class, from the tag pydantic inserts for unions (for "did you mean")
        event_cls = (
            EVENT_KINDS.get(str(raw[2])) if len(raw) == 4 and raw[0] == "events" else None
        )
        # drop the tag pydantic inserts for unions: events.0.set.values -> events.0.values;
        # and the marker of a bad dict key: formation.schedule.trainig.[key]
        loc = tuple(
            p for p in raw if (p not in EVENT_KINDS or p == raw[-1]) and p != "[key]"
        )
        path = ".".join(_short_key(p) for p in loc)
        msg = err["msg"]
        kind = err["type"]
        ctx = err.get("ctx") or {}
        if kind == "extra_forbidden":
            section = event_cls or _section_at(loc[:-1])
            hint = ""
            if section is not None:
                hint = _suggest(str(loc[-1]), list(section.model_fields))
            msg = f"unknown key{hint}"
        elif kind == "union_tag_not_found":
            path = f"{path}.do" if path else "do"
            msg = f"required key is missing (one of: {', '.join(EVENT_KINDS)})"
        elif kind == "union_tag_invalid":
            path = f"{path}.do" if path else "do"
            tag = str(ctx.get("tag"))
            close = difflib.get_close_matches(tag, list(EVENT_KINDS), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"one of: {', '.join(EVENT_KINDS)}"
            msg = f"unknown event '{tag}' ({hint})"
        elif kind == "literal_error" and isinstance(err.get("input"), str):
            valid = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
            close = difflib.get_close_matches(err["input"], valid, n=1, cutoff=0.6)
            if close:
                msg = f"{msg} (did you mean '{close[0]}'?)"
        elif kind == "model_type":
            msg = "expected a mapping of keys"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
            # a check across keys names the key first: "end: 1998-12 is before start ..."
            m = _KEY_FIRST.match(msg)
            if m:
                path = f"{path}.{m.group(1)}" if path else m.group(1)
                msg = m.group(2)
        elif kind == "missing":
            msg = "required key is missing"
        elif kind == "less_than_equal":
            msg = _with_guard_unit(loc, msg, ctx.get("le"))
        if kind not in {"extra_forbidden", "missing", "union_tag_invalid"} and "input" in err:
            shown = _short.repr(err["input"])  # bounded: the input may be huge
            if len(shown) < 60 and not isinstance(err["input"], dict) and "got " not in msg:
                msg = f"{msg} (got {shown})"
        out.append((file, path, msg))
    return out
