"""The engine stays host-independent: each outside library is imported by its own module only."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "site_build"

#: library -> the only modules (relative to site_build/) allowed to import it
OWNERS = {
    "mkdocs": {"plugin.py", "macros.py", "cli.py", "preview.py"},
    "mkdocs_macros": {"macros.py"},
    "click": {"cli.py"},
    "duckdb": {"query.py"},
    "altair": {"charts.py", "chart_runtime.py"},
    "vl_convert": {"charts.py", "chart_runtime.py"},
    "frictionless": {"package.py", "validation.py"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("library", sorted(OWNERS))
def test_only_the_owning_modules_import(library):
    importers = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if library in _imports(p)}
    assert importers <= OWNERS[library], f"{library} imported outside its module(s): {sorted(importers - OWNERS[library])}"


def test_modules_stay_small():
    sizes = {p.relative_to(PACKAGE).as_posix(): len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 400} == {}
