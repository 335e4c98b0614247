"""The house's import rules, read from the source with ``ast``: no import circle between modules, and no import
from a lower layer to a higher one (voxlink < operational < pipelines, data_tests < app, exports < cli).

Every import counts, also one inside a function or under ``TYPE_CHECKING``: a lazy import still ties the two
modules together. ``tests/`` and ``bench/`` are outside the house and not checked.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAYERS = {
    "voxlink": 0,  # the base: settings, the served-warehouse reader, owner-only files
    "operational": 1,
    "pipelines": 2,
    "data_tests": 2,
    "app": 3,
    "exports": 3,
    "cli": 4,  # the one place that composes every part
}
# (importing module, imported module) pairs allowed to break a rule until they can be removed; keep it short
KNOWN_EXCEPTIONS: frozenset[tuple[str, str]] = frozenset()


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules() -> dict[str, Path]:
    """Every module of the product's packages, by dotted name."""
    return {
        _module_name(path): path
        for package in LAYERS
        for path in sorted((REPO / package).rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def _imported(node: ast.AST, module: str, is_package: bool, known: Collection[str]) -> Iterator[str]:
    """The product modules one import statement brings in: ``from pkg import mod`` is an import of ``pkg.mod``
    (not of ``pkg``, whose ``__init__`` Python runs anyway as the parent), ``from mod import name`` of ``mod``."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        if node.level:  # relative: resolved against this module's package
            package = module.split(".") if is_package else module.split(".")[:-1]
            base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        submodules = [f"{base}.{alias.name}" for alias in node.names]
        yield from (name for name in submodules if name in known)
        if not all(name in known for name in submodules):
            yield base


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the product modules it imports (third-party and standard-library imports left out)."""
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            for name in _imported(node, module, path.name == "__init__.py", modules):
                if name in modules and name != module:
                    targets.add(name)
        graph[module] = targets
    return graph


def _layer(module: str) -> int:
    return LAYERS[module.split(".")[0]]


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports from a module to one in a higher layer."""
    return sorted(
        (module, target)
        for module, targets in graph.items()
        for target in targets
        if _layer(target) > _layer(module) and (module, target) not in KNOWN_EXCEPTIONS
    )


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    circles.append(sorted(group))
    return sorted(circles)


def _allowed_circle(circle: list[str]) -> bool:
    return any((a, b) in KNOWN_EXCEPTIONS for a in circle for b in circle)


def test_no_module_imports_one_from_a_higher_layer() -> None:
    assert upward_imports(import_graph(source_modules())) == []


def test_no_two_modules_import_each_other_directly_or_through_others() -> None:
    circles = [c for c in import_circles(import_graph(source_modules())) if not _allowed_circle(c)]
    assert circles == []


def test_the_checker_sees_an_upward_import_and_a_circle() -> None:
    """The rules above are only worth something if the checker finds what they forbid."""
    graph = {
        "voxlink.settings": {"cli.main"},  # the base reaching up to the command line
        "cli.main": {"voxlink.settings"},
        "exports.a": {"exports.b"},
        "exports.b": {"exports.c"},
        "exports.c": {"exports.a"},
        "app.page": {"exports.a"},  # same layer: allowed
    }
    assert upward_imports(graph) == [("voxlink.settings", "cli.main")]
    assert import_circles(graph) == [
        ["cli.main", "voxlink.settings"],
        ["exports.a", "exports.b", "exports.c"],
    ]


def test_the_checker_resolves_relative_and_lazy_imports() -> None:
    source = "def f():\n    from . import sibling\n    from .pkg.mod import name\n"
    known = {"app.queries", "app.queries.sibling", "app.queries.pkg.mod"}
    found = {
        name
        for node in ast.walk(ast.parse(source))
        for name in _imported(node, "app.queries.x", False, known)
    }
    assert found == {"app.queries.sibling", "app.queries.pkg.mod"}


def test_every_product_package_is_given_a_layer() -> None:
    packages = {p.parent.name for p in REPO.glob("*/__init__.py")} - {"tests", "bench"}
    assert packages <= set(LAYERS)
