"""The engine's shape: layers you can see in the folder list, imports that point one way.

    mkdocs/, cli/        adapters: the only code that knows the host
    session.py macros.py the build-wide session; the macros that glue calls to renderers, and the REPL facade
    views/  publish/     renderers; writing and reading what is published
    kpis/                the KPI catalogue and the metrics computed from it
    data/                the data package, validation, the SQL engine, the build cache
    errors.py formats.py periods.py render.py markup.py settings.py fsutil.py   shared by all

A module may import from a lower layer, or from its own folder; never upward
and never sideways (views and publish do not know each other). Adapters may
use each other (the CLI starts the MkDocs preview). Modules stay within 400
lines and classes within 150, so that each one reads in one sitting.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "site_build"

#: library -> the only modules (relative to site_build/) allowed to import it
OWNERS = {
    "mkdocs": {
        "mkdocs/plugin.py",
        "mkdocs/config.py",
        "mkdocs/host.py",
        "mkdocs/logs.py",
        "mkdocs/macros.py",
        "mkdocs/pages.py",
        "mkdocs/preview.py",
        "mkdocs/rebuild.py",
        "mkdocs/toc.py",
        "mkdocs/stages.py",
        "cli/__init__.py",
    },
    "mkdocs_macros": {"mkdocs/macros.py"},
    "click": {"cli/__init__.py", "cli/options.py", "cli/release.py"},
    "weasyprint": {"publish/pdf.py"},
    "duckdb": {"data/engine.py", "data/scanner.py"},
    "altair": {"views/charts.py", "views/vega.py", "views/history_chart.py"},
    "vl_convert": {"views/charts.py", "views/vega.py"},
    "frictionless": {"data/header.py"},
    # the build's progress bar; the library never draws on the terminal
    "rich": {"mkdocs/progress.py"},
    # every lock goes through fsutil.lock, so there is one locking policy
    "filelock": {"fsutil.py"},
}

#: first path part -> layer rank; top-level modules not listed here are the shared base (rank 0)
LAYERS = {
    "data": 1,
    "kpis": 2,
    "views": 3,
    "publish": 3,
    "session.py": 4,
    "macros.py": 4,
    "mkdocs": 5,
    "cli": 5,
    "__main__.py": 5,
}
ADAPTERS = 5

#: renderers get query results, never a connection
RENDERERS = {
    "views/tables.py",
    "views/charts.py",
    "views/cards.py",
    "views/pages.py",
    "views/vega.py",
    "views/page_templates.py",
}


def _imports(path: Path) -> set[str]:
    """Every absolute name ``path`` imports (``from a.b import c`` gives a.b.c, a module or not)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _module_file(package: Path, dotted: str) -> Path | None:
    """The file inside ``package`` that a ``site_build...`` name refers to, if any."""
    parts = dotted.split(".")[1:]
    for end in range(len(parts), 0, -1):
        base = package.joinpath(*parts[:end])
        if base.with_suffix(".py").is_file():
            return base.with_suffix(".py")
        if (base / "__init__.py").is_file():
            return base / "__init__.py"
    return None


def _place(package: Path, path: Path) -> tuple[int, str]:
    """(rank, folder) of a module: its layer and the folder it shares with its siblings."""
    rel = path.relative_to(package)
    head = rel.parts[0]
    return LAYERS.get(head, 0), (head if len(rel.parts) > 1 else "")


def wrong_way_imports(package: Path) -> list[str]:
    """'importer -> imported' for each import that points up or sideways."""
    found = []
    for path in sorted(package.rglob("*.py")):
        rank, folder = _place(package, path)
        for name in sorted(_imports(path)):
            if name.split(".")[0] != package.name:
                continue
            target = _module_file(package, name)
            if target is None or target == path or (target.name == "__init__.py" and target.parent == package):
                continue
            target_rank, target_folder = _place(package, target)
            if (target_folder == folder and (folder or rank == target_rank)) or rank == target_rank == ADAPTERS:
                continue
            if target_rank >= rank:
                found.append(f"{path.relative_to(package)} -> {target.relative_to(package)}")
    return sorted(set(found))


@pytest.mark.parametrize("library", sorted(OWNERS))
def test_only_the_owning_modules_import(library):
    importers = {
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if library in {name.split(".")[0] for name in _imports(p)}
    }
    assert importers <= OWNERS[library], (
        f"{library} imported outside its module(s): {sorted(importers - OWNERS[library])}"
    )


def test_imports_point_down_the_layers():
    assert wrong_way_imports(PACKAGE) == []


def test_renderers_never_touch_the_engine():
    touching = {
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if p.relative_to(PACKAGE).as_posix() in RENDERERS
        and any(name.startswith(("site_build.data.engine", "site_build.data.scanner")) for name in _imports(p))
    }
    assert touching == set()


def test_the_checker_catches_upward_and_sideways_imports(tmp_path):
    package = tmp_path / "site_build"
    for folder in ("data", "views", "publish", "kpis"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "errors.py").write_text("")
    (package / "data" / "engine.py").write_text(
        "from site_build.kpis import catalogue\nfrom site_build import errors\n"
    )
    (package / "data" / "scanner.py").write_text("from site_build.data.engine import x\n")
    (package / "kpis" / "catalogue.py").write_text("from site_build.data import engine\n")
    (package / "views" / "charts.py").write_text("from site_build.publish.staging import staged\n")
    (package / "publish" / "staging.py").write_text("import site_build.views.charts\n")
    (package / "errors.py").write_text("from site_build.data.engine import x\n")
    assert wrong_way_imports(package) == [
        "data/engine.py -> kpis/catalogue.py",
        "errors.py -> data/engine.py",
        "publish/staging.py -> views/charts.py",
        "views/charts.py -> publish/staging.py",
    ]


MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 150


def oversized(package: Path) -> list[str]:
    """'module: N lines' and 'module: class C, N lines' past the limits of small modules and classes."""
    found = []
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(package).as_posix()
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"{rel}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > MAX_CLASS_LINES:
                    found.append(f"{rel}: class {node.name}, {size} lines")
    return found


def test_modules_and_classes_stay_small():
    assert oversized(PACKAGE) == []


def test_the_size_check_catches_a_long_module_and_a_long_class(tmp_path):
    (tmp_path / "long.py").write_text("x = 1\n" * (MAX_MODULE_LINES + 1))
    body = "    x = 1\n" * MAX_CLASS_LINES
    (tmp_path / "hub.py").write_text(f"class Hub:\n{body}\n\nclass Small:\n    pass\n")
    assert oversized(tmp_path) == [
        f"hub.py: class Hub, {MAX_CLASS_LINES + 1} lines",
        f"long.py: {MAX_MODULE_LINES + 1} lines",
    ]
