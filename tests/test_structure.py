"""The house rules of the package (issue #11): layers without import cycles, modules a reader
can hold in mind, and settings read only where the program starts."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "assistant"
MAX_LINES = 500
# Entry points: the only places allowed to read the process-wide settings.
ENTRY_POINTS = ("assistant/cli/", "assistant/settings.py", "ui/", "benchmarks/")


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _imports(path: Path, known: dict[str, Path]) -> set[str]:
    """Every assistant module `path` imports, wherever the import statement stands (type
    checking and function-level imports count: a cycle hidden in a function is still a cycle)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module in known:
                found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names
                      if f"{node.module}.{a.name}" in known}
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle() -> None:
    modules = _modules()
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    # A package's __init__ is imported with each of its modules; only edges between modules count.
    graph = {name: {t for t in targets if not name.startswith(t + ".")}
             for name, targets in graph.items()}
    assert _cycles(graph) == []


def test_no_module_over_the_limit() -> None:
    files = [*PACKAGE.rglob("*.py"), *(REPO / "ui").rglob("*.py")]
    long = {str(p.relative_to(REPO)): n for p in files
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


@pytest.mark.xfail(strict=True, reason="issue #11 item 2: the configuration bundle is next")
def test_settings_are_read_only_at_entry_points() -> None:
    callers = []
    for path in [*PACKAGE.rglob("*.py"), *(REPO / "ui").rglob("*.py")]:
        relative = path.relative_to(REPO).as_posix()
        if relative.startswith(ENTRY_POINTS):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "get_settings":
                callers.append(f"{relative}:{node.lineno}")
    assert callers == []
