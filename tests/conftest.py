"""Fixtures shared by every test module. Keep this small and generic."""

from __future__ import annotations

import os
from contextlib import ExitStack

import pytest

from tests import browser

# MkDocs 1.6 + Material 9.8 print a "MkDocs 2.0" banner on every build.
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    """One headless Chromium for the whole session, on a fresh profile; non-local requests are blocked.

    Fails (never skips) when Chromium is missing, so a green run always means
    the browser tests ran.
    """
    if not browser.CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {browser.CHROMIUM}; install it with: {browser.INSTALL_HINT}"
                    " (make test does this)", pytrace=False)
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
