"""Fixtures shared by every test module. Keep this small and generic."""

from __future__ import annotations

import itertools
import os
import subprocess
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from site_build import i18n
from tests import browser

# MkDocs 1.6 + Material 9.8 print a "MkDocs 2.0" banner on every build.
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


@pytest.fixture(autouse=True)
def _chinese_words_and_yuan():
    """Unit tests see the shipped handbook's language and currency; a test of another says so with i18n.use."""
    with i18n.use("zh", "CNY"):
        yield


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    """One headless Chromium for the whole session, on a fresh profile; non-local requests are blocked.

    Fails (never skips) when Chromium is missing, so a green run always means
    the browser tests ran.
    """
    if not browser.CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing at {browser.CHROMIUM}; install it with: {browser.INSTALL_HINT} (make test does this)",
            pytrace=False,
        )
    with browser.chromium_context(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture
def static_server():
    """A function ``serve(directory) -> base URL`` whose servers stop when the test ends."""
    with ExitStack() as stack:
        yield lambda directory: stack.enter_context(browser.static_server(directory))


@pytest.fixture(scope="session")
def handbook_project(tmp_path_factory):
    """A copy of the shipped handbook (content, data, macros, mkdocs.yml), built once per session.

    Tests that change files must copy this project first.
    """
    from tests.sitebuild import HANDBOOK_TODAY, build, copy_handbook

    project = copy_handbook(tmp_path_factory.mktemp("handbook") / "project")
    result = build(project, today=HANDBOOK_TODAY)
    assert result.exit_code == 0, result.output
    return project


@pytest.fixture
def small_disk(tmp_path):
    """A function ``mount(size) -> folder``: a tmpfs of ``size`` ("1m"), a real file system that fills up.

    Each is unmounted when the test ends. Fails (never skips) when mounting is
    impossible, so a green run always means the full-disk tests ran.
    """
    numbers = itertools.count()
    with ExitStack() as stack:
        yield lambda size="1m": stack.enter_context(_tmpfs(tmp_path / f"disk-{next(numbers)}", size))


@contextmanager
def _tmpfs(folder: Path, size: str):
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.fail(
            f"Cannot mount a {size} tmpfs at {folder}: {mounted.stderr.strip()}. The full-disk tests need root "
            "(CAP_SYS_ADMIN) to mount a small real file system.",
            pytrace=False,
        )
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)
