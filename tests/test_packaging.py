"""pyproject.toml's version ranges and tools/constraints.txt agree, and the ranges keep builds byte-identical."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "tools" / "constraints.txt"

#: what shapes the built bytes: SQL results, chart specs and SVGs, HTML, the theme, messages, search words
SHAPES_OUTPUT = {
    "duckdb",
    "altair",
    "vl-convert-python",
    "jinja2",
    "mkdocs-material",
    "frictionless",
    "jieba",
    "pymdown-extensions",
    "markdown",
}

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason="reads pyproject.toml with tomllib (3.11+)")


def _requirements() -> list[Requirement]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = project["dependencies"] + project["optional-dependencies"]["test"]
    return [Requirement(line) for line in lines]


def _locked() -> dict[str, Version]:
    """name -> exact version, from the ``name==version`` lines of the constraints file."""
    pins = {}
    for number, line in enumerate(CONSTRAINTS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep, f"tools/constraints.txt:{number}: {line!r} is not an exact name==version pin; run make lock"
        pins[canonicalize_name(name)] = Version(version)
    return pins


def test_every_requirement_is_locked_inside_its_range():
    locked = _locked()
    wrong = []
    for req in _requirements():
        version = locked.get(canonicalize_name(req.name))
        if version is None or not req.specifier.contains(version, prereleases=True):
            wrong.append(f"{req} (locked: {version})")
    assert not wrong, f"tools/constraints.txt does not satisfy pyproject.toml: {wrong}. Run make lock."


def test_the_lock_leaves_out_the_project_itself():
    assert "strategy-handbook" not in _locked(), "tools/constraints.txt pins the project; run make lock"


@pytest.mark.parametrize("name", sorted(SHAPES_OUTPUT))
def test_what_shapes_the_output_stays_on_the_locked_minor(name):
    req = next((r for r in _requirements() if canonicalize_name(r.name) == name), None)
    assert req is not None, f"pyproject.toml does not declare {name}, which shapes the built site"
    locked = _locked()[name]
    next_minor = Version(f"{locked.major}.{locked.minor + 1}")
    assert not req.specifier.contains(next_minor, prereleases=True), (
        f"pyproject.toml: {req} admits {next_minor}, whose output may differ from the golden files; "
        f"bound it with <{next_minor}"
    )
    below = Version(f"{locked.major}.{locked.minor - 1}.9999" if locked.minor else f"{locked.major - 1}.9999")
    assert not req.specifier.contains(below, prereleases=True), (
        f"pyproject.toml: {req} admits {below}, older than the locked {locked}, whose output may differ; "
        f"raise it to >={locked.major}.{locked.minor}"
    )
