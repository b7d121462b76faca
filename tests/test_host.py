"""The plugin checks mkdocs.yml first and says every fix in one message that names the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from site_build.cli import main
from tests.sitebuild import build

TODAY = "2026-12-03"


@pytest.fixture
def project(tmp_path) -> Path:
    folder = tmp_path / "book"
    assert CliRunner(env={"HANDBOOK_TODAY": TODAY}).invoke(main, ["new", str(folder)]).exit_code == 0
    return folder


def _edit(project: Path, old: str, new: str) -> None:
    path = project / "mkdocs.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


MACROS = """  - macros:
      module_name: macros
      on_undefined: strict
      on_error_fail: true
      # {#id} is attr_list syntax for heading ids, not a Jinja comment.
      j2_comment_start_string: "{##"
      j2_comment_end_string: "##}"
"""


def _fails(project: Path) -> str:
    result = build(project, today=TODAY)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.output


def test_without_the_macros_plugin_the_build_fails_instead_of_publishing_raw_macros(project):
    _edit(project, MACROS, "")
    output = _fails(project)
    assert "mkdocs.yml: the macros plugin is missing" in output and "raw {{ kpi(...) }} text" in output
    assert "module_name: macros" in output  # the block to paste


def test_macros_before_handbook_is_named(project):
    _edit(project, MACROS, "")
    _edit(project, "  - handbook:", MACROS + "  - handbook:")
    assert "'- macros' comes before '- handbook'" in _fails(project)


def test_a_missing_macros_module_is_one_line_with_the_file_to_write(project):
    (project / "macros" / "__init__.py").unlink()
    (project / "macros").rmdir()
    output = _fails(project)
    assert "the macros module 'macros' (macros: module_name) is not in book/" in output
    assert "def define_env(env):" in output and "install(env)" in output


def test_every_problem_comes_in_one_message(project):
    _edit(project, "  font: false\n", "")
    _edit(project, "  - offline\n", "")
    output = _fails(project)
    assert "mkdocs.yml: the handbook needs 2 changes:" in output
    assert "set 'font: false'" in output and "Add '- offline' under plugins" in output


def test_heading_ids_work_without_the_comment_settings(project):
    _edit(project, '      j2_comment_start_string: "{##"\n      j2_comment_end_string: "##}"\n', "")
    chapter = project / "content" / "playbook.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n## Notes {#notes}\n\nMore.\n", encoding="utf-8")
    result = build(project, today=TODAY)
    assert result.exit_code == 0, result.output
    assert 'id="notes"' in (project / "site" / "playbook.html").read_text(encoding="utf-8")


def test_cards_linking_to_a_missing_dictionary_fail_the_strict_build_with_the_fix(project):
    (project / "content" / "dictionary.md").unlink()
    _edit(project, "  - dictionary.md\n", "")
    output = _fails(project)
    assert "KPI cards link to the KPI dictionary at dictionary.md, which is not a page in content/" in output
    assert "Add content/dictionary.md with {{ kpi_dictionary() }}" in output


def test_a_kpi_without_a_play_builds_and_says_so_in_the_dictionary(project):
    catalogue = project / "data" / "metrics.yml"
    text = catalogue.read_text(encoding="utf-8")
    play = "    play:\n      alert: Check the checkout funnel for a broken step.\n      section: playbook.md#revenue\n"
    assert play in text
    catalogue.write_text(text.replace(play, ""), encoding="utf-8")
    result = build(project, today=TODAY)
    assert result.exit_code == 0, result.output
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((project / "site" / "dictionary.html").read_text(encoding="utf-8"), "html.parser")
    rows = {
        th.get_text(): td.get_text()
        for th, td in zip(soup.select("#kpi-def-orders th"), soup.select("#kpi-def-orders td"))
    }
    assert rows["Play"] == "—"


def test_page_templates_compile_once_and_are_reused_by_the_next_build(tmp_path, monkeypatch):
    from types import SimpleNamespace

    import jinja2

    from site_build import render
    from site_build.mkdocs.macros import cache_page_templates

    compiled = []

    def fresh(**options):
        env = jinja2.Environment(**options)
        original = env.compile
        env.compile = lambda source, *a, **k: compiled.append(source) or original(source, *a, **k)
        cache_page_templates(SimpleNamespace(env=env), render.bytecode_cache(tmp_path / "templates"))
        return env

    first = fresh()
    assert first.from_string("# {{ title }}").render(title="一") == "# 一"
    assert first.from_string("{{ 1 + 1 }}").render() == "2"
    assert len(compiled) == 2
    second = fresh()  # the next build: a new environment, the same store
    assert second.from_string("# {{ title }}").render(title="二") == "# 二"
    assert second.from_string("{{ 1 + 1 }}").render() == "2"
    assert len(compiled) == 2  # both came from the store
    other = fresh(variable_start_string="[[", variable_end_string="]]")  # compiles differently: its own entries
    assert other.from_string("# {{ title }} [[ title ]]").render(title="三") == "# {{ title }} 三"
    assert other.from_string("# {{ title }}").render(title="四") == "# {{ title }}"
    assert len(compiled) == 4
