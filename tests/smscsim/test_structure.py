"""The simulator's modules import one way: no circle, the HTTP API never reaches the server."""

from __future__ import annotations

import ast
from pathlib import Path

import smscsim

ROOT = Path(smscsim.__file__).parent


def _imports() -> dict[str, set[str]]:
    """Module -> the simulator's modules it imports anywhere (TYPE_CHECKING and functions
    too); ``from . import text`` counts as ``smscsim.text``."""
    modules = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                target = node.module or ""
                if node.level:
                    base = package.split(".")[: package.count(".") + 2 - node.level]
                    target = ".".join([*base, target] if target else base)
                for alias in node.names:
                    module = f"{target}.{alias.name}"
                    found.add(module if module in modules else target)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        # a package importing its own modules is how re-exports work, not a circle
        graph[name] = {m for m in found if m in modules and not m.startswith(name + ".")} - {name}
    return graph


def test_no_import_circle() -> None:
    graph = _imports()
    assert "smscsim.server" in graph
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        for target in graph[name]:
            assert target not in path, " -> ".join([*path[path.index(target) :], target])
            if target not in done:
                visit(target, [*path, target])
        done.add(name)

    for name in graph:
        visit(name, [name])


def test_the_http_api_does_not_import_the_server() -> None:
    graph = _imports()
    for name, targets in graph.items():
        if name.startswith("smscsim.httpapi"):
            assert "smscsim.server" not in targets, name
