"""The code's shape, checked: layers point one way, no import cycle, the shells talk only
to the library and the maintainer, every setting belongs to a group."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from qabot.settings import Settings, settings_of

PACKAGE = Path(__file__).resolve().parent.parent / "qabot"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path: Path) -> set[str]:
    """qabot modules imported by ``path`` at run time, in functions too (not the imports
    under ``if TYPE_CHECKING:``, which only type checkers read)."""
    tree = ast.parse(path.read_text())
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for child in ast.walk(node))
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("qabot"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("qabot"):
            found.add(node.module)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        targets = set()
        for imported in _runtime_imports(path):
            while imported not in modules and "." in imported:  # `from qabot.x import name`
                imported = imported.rsplit(".", 1)[0]
            if imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def test_no_import_cycle_among_qabots_modules():
    graph = _graph()
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycle = [*path[path.index(target) :], target]
                pytest.fail("import cycle: " + " → ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def _reachable(start: str, graph: dict[str, set[str]]) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        for target in graph.get(node, ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


@pytest.mark.parametrize("lower", ["qabot.index", "qabot.text", "qabot.readers", "qabot.chunking"])
def test_lower_layers_never_reach_the_question_path_or_the_shells(lower: str):
    graph = _graph()
    above = ("qabot.search", "qabot.library", "qabot.maintainer", "qabot.cli", "qabot.bot")
    for module in [m for m in graph if m == lower or m.startswith(lower + ".")]:
        reached = _reachable(module, graph) | graph[module]
        assert not [m for m in reached if m.startswith(above)], module


@pytest.mark.parametrize("shell", ["qabot.cli", "qabot.bot", "qabot.watcher"])
def test_the_shells_talk_to_the_library_and_the_maintainer_only(shell: str):
    graph = _graph()
    allowed_search = {"qabot.search.query"}  # the question's typed values
    for target in graph[shell]:
        if target.startswith("qabot.search"):
            assert target in allowed_search, (shell, target)
        lower = ("qabot.index", "qabot.embedding", "qabot.chunking", "qabot.readers")
        assert not target.startswith(lower), (shell, target)


def test_every_setting_belongs_to_one_group():
    grouped = settings_of("storage", "answering", "watch", "discord")
    assert grouped == set(Settings.model_fields)
