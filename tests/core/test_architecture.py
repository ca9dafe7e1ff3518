"""The layers of docs/architecture.md hold: no import cycle, and the core knows no web or map library.

The import graph is read from the source with ``ast`` (every import, also those inside functions,
since a lazy import still ties two modules together), so the test needs no import side effects.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = "geo_industry"
SOURCE = Path(__file__).resolve().parents[2] / "src" / PACKAGE
# The web and map layers, and the command line that wires everything together.
OUTER_LAYERS = ("api", "maps", "cli", "__main__")
WEB_AND_MAP_LIBRARIES = ("fastapi", "starlette", "uvicorn", "folium", "branca")


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(SOURCE.rglob("*.py"))}


def _imported_names(module: str, tree: ast.Module) -> set[str]:
    """Every module name ``module`` imports (absolute; ``from a import b`` counts ``a.b`` when b is a module)."""
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES)
    return names


def _imports() -> dict[str, set[str]]:
    return {module: _imported_names(module, ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
            for module, path in MODULES.items()}


IMPORTS = _imports()


def _is_outer(module: str) -> bool:
    return module.split(".")[1] in OUTER_LAYERS if "." in module else False


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle graphlib finds, one edge of each taken out before looking again."""
    cycles = []
    while True:
        try:
            tuple(graphlib.TopologicalSorter(graph).static_order())
            return cycles
        except graphlib.CycleError as error:
            cycle = error.args[1]  # each module is imported by the next one
            cycles.append(cycle[::-1])
            graph[cycle[1]].discard(cycle[0])


def test_the_package_has_no_import_cycle() -> None:
    graph = {module: {name for name in names if name in MODULES and name != module}
             for module, names in IMPORTS.items()}
    cycles = _cycles(graph)
    assert not cycles, "import cycles: " + "; ".join(" imports ".join(cycle) for cycle in cycles)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not _is_outer(m)))
def test_the_core_imports_no_web_or_map_layer(module: str) -> None:
    banned = [name for name in IMPORTS[module]
              if name.split(".")[0] in WEB_AND_MAP_LIBRARIES or (name.startswith(f"{PACKAGE}.") and _is_outer(name))]
    assert not banned, f"{module} (core) imports {', '.join(sorted(banned))}"


def test_the_graph_is_read() -> None:
    """Guards the two tests above against passing on an empty or mis-resolved graph."""
    assert f"{PACKAGE}.store.sqlite" in MODULES
    assert f"{PACKAGE}.store.base" in IMPORTS[f"{PACKAGE}.store.sqlite"] or any(
        name.startswith(f"{PACKAGE}.") for name in IMPORTS[f"{PACKAGE}.store.sqlite"])
    assert "fastapi" in IMPORTS[f"{PACKAGE}.api.app"]


def test_no_store_backend_imports_another() -> None:
    """Backends share the contract (``store.base``) and the in-memory engine (``store.memory``), nothing else."""
    from geo_industry.store.registry import BACKENDS

    backends = {f"{PACKAGE}.store.{name}" for name in BACKENDS}
    assert backends <= set(MODULES)
    for backend in sorted(backends):
        assert IMPORTS[backend] & backends == set(), f"{backend} imports another backend"
