"""Reading YAML safely: plain data only, bounded size, no alias bombs, no duplicate keys.

Every failure becomes a ScenarioError naming the file."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from sim.scenario.errors import ScenarioError

MAX_YAML_BYTES = 2_000_000
MAX_YAML_VALUES = 200_000
"""Most values a document may expand to through its aliases (a few aliases can multiply a file
into billions of values: the "billion laughs")."""


def _kind(mode: int) -> str:
    """What a file that is not a regular file is, for an error message."""
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a named pipe"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def not_regular_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a scenario file (missing, a folder, a device, a pipe, ...),
    or None for an existing regular file. Follows symbolic links, as reading does."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "file not found"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    return None if stat.S_ISREG(mode) else f"is {_kind(mode)}, expected a YAML file"


def read_limited(path: Path, limit: int = MAX_YAML_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or a ScenarioError.

    Devices (``/dev/zero``, ``/dev/urandom``), pipes and folders are refused before any byte is
    read: the file is opened without blocking (a FIFO would wait for a writer for ever), checked
    on its descriptor to be a regular file (no race with a swap after a check by name), and
    read for at most ``limit + 1`` bytes, so a file that grows or lies about its size is never
    read whole."""
    f = str(path)
    why = not_regular_file(path)
    if why is not None:
        raise ScenarioError([(f, "", why)])
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ScenarioError([(f, "", f"cannot read: {exc.strerror or exc}")]) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise ScenarioError([(f, "", f"is {_kind(mode)}, expected a YAML file")])
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise ScenarioError([(f, "", f"cannot read: {exc.strerror or exc}")]) from None
    finally:
        os.close(fd)
    if size > limit:
        raise ScenarioError([(f, "", f"file larger than {limit} bytes")])
    return b"".join(chunks)


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping with the safe loader, turning every failure into a ScenarioError.

    Only a regular file of at most MAX_YAML_BYTES is read (see read_limited)."""
    f = str(path)
    raw = read_limited(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([(f, "", "not a UTF-8 text file")]) from None
    try:
        data = load_yaml_text(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        tag = re.search(r"constructor for the tag '([^']*)'", problem)
        if tag:  # !!python/object and the like: the safe loader builds plain data only
            shown = tag.group(1).replace("tag:yaml.org,2002:", "!!")
            problem = f"tag '{shown}' is not allowed (only plain YAML data is read)"
        raise ScenarioError([(f, "", f"malformed YAML: {at}{problem}")]) from None
    except RecursionError:
        raise ScenarioError([(f, "", "malformed YAML: nested too deeply")]) from None
    if data is None:
        raise ScenarioError([(f, "", "empty file, expected a mapping of scenario keys")])
    if not isinstance(data, dict):
        raise ScenarioError(
            [(f, "", f"expected a mapping at top level, got {type(data).__name__}")]
        )
    return data


def _shown_key(key: Any) -> str:
    """A key quoted in a message, cut to about 40 characters (the file may not be a scenario)."""
    text = str(key)
    return f"'{text}'" if len(text) <= 40 else f"'{text[:18]}...{text[-18:]}'"


class _AliasLimitedLoader(yaml.SafeLoader):
    """Safe loader that refuses alias-heavy documents (billion-laughs)."""

    max_aliases = 100

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            self._aliases = getattr(self, "_aliases", 0) + 1
            if self._aliases > self.max_aliases:
                raise yaml.YAMLError("too many aliases (possible YAML bomb)")
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):  # type: ignore[no-untyped-def]
        # a key given twice (a half-edited file) would silently keep the last value
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                    continue
                key = self.construct_object(key_node)
                if key in seen:
                    first = seen[key] + 1
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {_shown_key(key)} (first on line {first})",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """Values the node graph expands to once aliases are copied (stops counting past limit)."""
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]

    def children(node: yaml.Node) -> list[yaml.Node]:
        if isinstance(node, yaml.MappingNode):
            return [n for pair in node.value for n in pair]
        return list(node.value) if isinstance(node, yaml.SequenceNode) else []

    while stack:
        node, done = stack.pop()
        k = id(node)
        if done:
            on_path.discard(k)
            size[k] = 1 + sum(size.get(id(c), 1) for c in children(node))
            if size[k] > limit:
                return size[k]
        elif k not in size and k not in on_path:
            on_path.add(k)
            stack.append((node, True))
            stack.extend((c, False) for c in children(node))
    return size[id(root)]


def load_yaml_text(text: str) -> Any:
    """Parse YAML text with the alias-limited safe loader, refusing documents that aliases
    expand past MAX_YAML_VALUES."""
    loader = _AliasLimitedLoader(text)  # a SafeLoader subclass: plain data only
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, MAX_YAML_VALUES) > MAX_YAML_VALUES:
            raise yaml.YAMLError(
                f"aliases expand the document to more than {MAX_YAML_VALUES:,} values "
                "(possible YAML bomb)"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()
