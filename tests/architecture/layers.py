"""The dependency rule, as code: which module may import which.

Layers, bottom to top (docs/ARCHITECTURE.md, "Who may import whom"):

    core → config (settings) → accounts → products → templates_engine → generation
         → billing → campaigns → surfaces

- ``core`` is framework-free shared code (errors, the safe HTTP client and address guard,
  image validation, the vocabulary). It imports no app and no Django.
- Each app's *domain* modules (models, services, selectors, tasks, events, and the
  framework-free packages inside it) may import their own app and any lower layer.
- *Surfaces* are how people and machines reach the domain: each app's ``api/``, ``views``,
  ``urls``, ``admin``, ``management/`` commands, and ``config.urls``. They may import any
  domain module and each other (the shared API base lives in ``accounts.api``), never the
  reverse.
- No cycles, whatever the layers: a cycle between two modules of one app is still a knot.

Imports are read with ``ast`` from the source, at module level and inside functions (a
function-level import is still a dependency; it only hides a cycle from Python), including
``if TYPE_CHECKING`` blocks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Bottom to top. A package not named here is outside the rule (tests, bench, scripts).
LAYERS: tuple[str, ...] = (
    "core",
    "config",
    "accounts",
    "products",
    "templates_engine",
    "generation",
    "billing",
    "campaigns",
)
SURFACE = "surfaces"
SURFACE_PARTS = frozenset({"api", "views", "urls", "admin", "management"})
# config's own surfaces: the URL map, the WSGI/ASGI entry points.
SURFACE_MODULES = frozenset({"config.urls", "config.wsgi", "config.asgi"})
# What framework-free code must not import.
FRAMEWORKS = ("django", "rest_framework", "celery", "drf_spectacular", "allauth")


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted
    target: str  # the imported project module, dotted
    path: Path
    line: int


@dataclass(frozen=True)
class Violation:
    kind: str  # "upward" | "cycle" | "framework"
    message: str

    def __str__(self) -> str:
        return self.message


def module_files(root: Path, packages: Iterable[str] = LAYERS) -> dict[str, Path]:
    """Every project module under ``root`` (migrations left out: Django writes them)."""
    found: dict[str, Path] = {}
    for package in packages:
        base = root / package
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def layer_of(module: str) -> str:
    parts = module.split(".")
    if module in SURFACE_MODULES or SURFACE_PARTS.intersection(parts[1:]):
        return SURFACE
    return parts[0]


def rank(layer: str) -> int:
    return len(LAYERS) if layer == SURFACE else LAYERS.index(layer)


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> tuple[list[Import], list[tuple[str, int]]]:
    """The project modules ``module`` imports, and every imported name (for the framework check)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: list[Import] = []
    raw: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            # ``from pkg import name`` may import the submodule pkg.name, or a name defined in pkg.
            names = [f"{base}.{alias.name}" for alias in node.names] if base else []
            raw.append((base, node.lineno))
        else:
            continue
        raw.extend((name, node.lineno) for name in names)
        seen: set[str] = set()
        for name in names:
            target = _resolve(name, modules)
            if target and target != module and target not in seen:
                seen.add(target)
                found.append(Import(module, target, path, node.lineno))
    return found, raw


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return components


def check(root: Path = ROOT) -> list[Violation]:
    modules = module_files(root)
    edges: dict[str, list[Import]] = {}
    violations: list[Violation] = []
    for module, path in modules.items():
        found, raw = imports_of(module, path, modules)
        edges[module] = found
        source_layer = layer_of(module)
        shown = path.relative_to(root)
        if source_layer == "core":
            for name, line in raw:
                if name.split(".")[0] in FRAMEWORKS:
                    violations.append(Violation(
                        "framework", f"{shown}:{line}: core is framework-free but imports {name}"))
        for imp in found:
            target_layer = layer_of(imp.target)
            if source_layer != SURFACE and rank(target_layer) > rank(source_layer):
                violations.append(Violation(
                    "upward",
                    f"{shown}:{imp.line}: {module} ({source_layer}) imports {imp.target} "
                    f"({target_layer}), a higher layer",
                ))
    graph = {module: {imp.target for imp in found} for module, found in edges.items()}
    for component in _cycles(graph):
        members = set(component)
        links = [
            f"{imp.path.relative_to(root)}:{imp.line} {imp.source} → {imp.target}"
            for module in component
            for imp in edges[module]
            if imp.target in members
        ]
        violations.append(Violation(
            "cycle", f"import cycle of {len(component)} modules:\n    " + "\n    ".join(links)))
    return violations
