"""Helpers to build the tiny handbooks in tests/sites/ in-process, with real MkDocs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from bs4 import BeautifulSoup
from click.testing import CliRunner

from site_build.cli import main

SITES = Path(__file__).parent / "sites"
ROOT = Path(__file__).resolve().parent.parent
#: the shipped demo data ends 2026-10-31; judge its freshness as of this day
HANDBOOK_TODAY = "2026-11-25"


def copy_site(name: str, dest: Path) -> Path:
    """Copy tests/sites/<name> to ``dest`` so builds and caches stay out of the repo."""
    shutil.copytree(SITES / name, dest, ignore=shutil.ignore_patterns("site", ".handbook-cache", "__pycache__"))
    return dest


def copy_handbook(dest: Path) -> Path:
    """Copy the shipped handbook's inputs (content, data, macros, mkdocs.yml) to ``dest``."""
    dest.mkdir(parents=True)
    for name in ("content", "data", "macros"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    return dest


def build(project: Path, *args: str, today: str = "2025-11-20"):
    """Run ``handbook build`` in ``project`` with data freshness judged on ``today``; return the click Result."""
    import os

    cwd = os.getcwd()
    os.chdir(project)
    try:
        return CliRunner(env={"HANDBOOK_TODAY": today}).invoke(main, ["build", *args], catch_exceptions=False)
    finally:
        os.chdir(cwd)


def article(html_path: Path) -> str:
    """The normalised inner HTML of the page's <article>, for golden files.

    Chart specs and build-time SVG fallbacks are replaced by placeholders:
    they have golden files of their own in tests/golden/charts/.
    """
    soup = BeautifulSoup(html_path.read_text(encoding="utf-8"), "html.parser")
    node = soup.select_one("article.md-content__inner")
    for spec in node.select("script.hb-chart__spec"):
        spec.string = "{…spec…}"
    for svg in node.select(".hb-chart__static svg"):
        svg.replace_with(soup.new_string("[static svg]"))
    for link in node.select("a.headerlink"):
        link.decompose()
    text = node.decode_contents()
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{2,}", "\n", text)
    return text.strip() + "\n"


def soup(html_path: Path) -> BeautifulSoup:
    return BeautifulSoup(html_path.read_text(encoding="utf-8"), "html.parser")
