"""The import graph of fencelab's packages, read from the source with ``ast`` (nothing is imported).

Modules are discovered by walking the package directories, so moved and renamed modules need no edit here.
Every import counts, also one inside a function (a lazy import is still a dependency); an import under
``if TYPE_CHECKING:`` is kept apart (``typing_only``): it costs nothing at run time but still couples the
modules, so the circle check counts it and the pure-core check does not. Imports made only inside functions
are also noted (``lazy``): importing a module does not run them, so what a pure core loads through other
modules counts their module-level imports only (its own lazy imports count).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
PACKAGES = ("fence_agents", "emulators", "cluster", "harness")


@dataclass
class Module:
    name: str
    path: Path
    lines: int
    runtime: set[str] = field(default_factory=set)  # imported names, resolved (ours: module names)
    typing_only: set[str] = field(default_factory=set)
    lazy: set[str] = field(default_factory=set)  # runtime imports made only inside functions

    @property
    def imports(self) -> set[str]:
        return self.runtime | self.typing_only


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(CHECKOUT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


Found = tuple[str, list[str], bool, bool]  # module, names from it, typing only, inside a function


def _imports(tree: ast.AST, package: str) -> Iterator[Found]:
    """(imported module, names imported from it, typing only, in a function) for every import statement."""

    def walk(node: ast.AST, typing: bool, lazy: bool) -> Iterator[Found]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    yield from walk_stmt(stmt, True, lazy)
                for stmt in child.orelse:
                    yield from walk_stmt(stmt, typing, lazy)
            else:
                yield from walk_stmt(child, typing, lazy)

    def walk_stmt(node: ast.AST, typing: bool, lazy: bool) -> Iterator[Found]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], typing, lazy
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            yield base, [a.name for a in node.names], typing, lazy
        else:
            inside = lazy or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            yield from walk(node, typing, inside)

    yield from walk(tree, False, False)


def load(packages: Iterable[str] = PACKAGES) -> dict[str, Module]:
    modules: dict[str, Module] = {}
    parsed: dict[str, tuple[ast.AST, str]] = {}
    for package in packages:
        for path in sorted((CHECKOUT / package).rglob("*.py")):
            name = _module_name(path)
            text = path.read_text()
            modules[name] = Module(name, path, text.count("\n") + (not text.endswith("\n") and bool(text)))
            is_package = path.name == "__init__.py"
            parsed[name] = (ast.parse(text, str(path)), name if is_package else name.rpartition(".")[0])
    for name, (tree, package) in parsed.items():
        module = modules[name]
        eager: set[str] = set()
        for target, names, typing, lazy in _imports(tree, package):
            resolved = {f"{target}.{n}" if f"{target}.{n}" in modules else target for n in names} or {target}
            (module.typing_only if typing else module.runtime).update(resolved)
            if not typing and not lazy:
                eager.update(resolved)
        module.lazy = module.runtime - eager
    for module in modules.values():
        module.typing_only -= module.runtime
    return modules


def top(name: str) -> str:
    return name.split(".", 1)[0]


def ours(modules: dict[str, Module], names: Iterable[str]) -> set[str]:
    return {n for n in names if n in modules}


def runtime_closure(modules: dict[str, Module], start: str, own_lazy: bool = True) -> dict[str, str]:
    """Every module ``start`` imports at run time, directly or through our modules: name -> the module of
    ours that imports it (for error messages). ``start``'s own lazy imports count (``own_lazy``); those of
    the modules it goes through do not (importing a module does not run its functions)."""
    seen: dict[str, str] = {}
    todo = [start]
    visited = {start}
    while todo:
        current = todo.pop()
        module = modules[current]
        wanted = module.runtime if (current == start and own_lazy) else module.runtime - module.lazy
        for imported in sorted(wanted):
            seen.setdefault(imported, current)
            if imported in modules and imported not in visited:
                visited.add(imported)
                todo.append(imported)
    return seen


def circles(modules: dict[str, Module]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    graph = {name: sorted(ours(modules, m.imports) - {name}) for name, m in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)
