"""The modules of ``sim`` import each other one way: no cycle among the imports that run
(module level or inside functions). Imports under ``TYPE_CHECKING`` are left out: they
never run, and every mechanism names ``SocialOutsourcingModel`` in its type hints."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _modules(package: str = "sim") -> dict[str, Path]:
    mods = {}
    for f in sorted((ROOT / package).rglob("*.py")):
        parts = list(f.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = f
    return mods


def _imports(mods: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the package-internal modules it imports, TYPE_CHECKING blocks left out."""

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        is_pkg = path.name == "__init__.py"

        def visit(node: ast.AST, mod: str = mod, is_pkg: bool = is_pkg) -> None:
            for ch in ast.iter_child_nodes(node):
                if isinstance(ch, ast.If) and "TYPE_CHECKING" in ast.unparse(ch.test):
                    for sub in ch.orelse:  # the else branch does run
                        visit(sub)
                    continue
                names: list[str] = []
                if isinstance(ch, ast.Import):
                    names = [a.name for a in ch.names]
                elif isinstance(ch, ast.ImportFrom):
                    base = ch.module or ""
                    if ch.level:
                        parts = mod.split(".")
                        keep = len(parts) - ch.level + (1 if is_pkg else 0)
                        base = ".".join(parts[:keep] + ([ch.module] if ch.module else []))
                    names = [f"{base}.{a.name}" for a in ch.names]
                for name in names:
                    target = resolve(name)
                    if target and target != mod:
                        graph[mod].add(target)
                visit(ch)

        visit(ast.parse(path.read_text()))
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path of modules, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def dfs(v: str) -> list[str] | None:
        state[v] = 1
        path.append(v)
        for w in sorted(graph[v]):
            if state.get(w) == 1:
                return path[path.index(w) :] + [w]
            if w not in state and (found := dfs(w)):
                return found
        path.pop()
        state[v] = 2
        return None

    for v in sorted(graph):
        if v not in state and (found := dfs(v)):
            return found
    return None


def test_sim_imports_are_acyclic():
    graph = _imports(_modules("sim"))
    assert len(graph) > 20  # the walk found the package
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
