"""The shape a newcomer can find their way in (issue 10): no module much over 400 lines, no function over 60
lines unless it is a table, and no import cycle among the package's modules at import time."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "src" / "maturity_xl"
MODULE_LINES = 420  # "about 400"
FUNCTION_LINES = 60


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out[".".join(parts)] = path
    return out


def test_no_module_over_about_400_lines():
    long = {name: n for name, path in modules().items() if (n := len(path.read_text().splitlines())) > MODULE_LINES}
    assert long == {}


def test_no_function_over_60_lines():
    long = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.end_lineno - node.lineno + 1 > FUNCTION_LINES:
                    long.append(f"{name}.{node.name}")
    assert long == []


def imports_at_load(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules `name` imports when it is loaded (not inside functions, not for type checking)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in known else target)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("maturity_xl")}
    return {m for m in found if m in known and m != name}


def test_no_import_cycle():
    known = modules()
    graph = {name: imports_at_load(name, path, known) for name, path in known.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for dep in sorted(graph[name]):
            # A package importing its own submodule is how packages are built; the cycle is the way back.
            if state.get(dep) == 1 and not dep.startswith(name + "."):
                cycles.append(path[path.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []
