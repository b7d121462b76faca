"""One config: the plugin block in mkdocs.yml gives the build and the CLI the same settings."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from site_build.errors import ConfigError
from site_build.mkdocs.config import HandbookConfig, settings_from_file
from site_build.settings import RENAMED, Settings
from tests.sitebuild import build, copy_site
from tests.test_cli import run


def test_every_setting_is_a_plugin_option_with_the_same_default(tmp_path):
    options = {name for name, _ in HandbookConfig._schema} - {"enabled"}
    assert {RENAMED.get(o, o) for o in options} == {f.name for f in dataclasses.fields(Settings)}
    # No mkdocs.yml: the plugin's defaults, paths relative to where the file would be.
    from_plugin = settings_from_file(tmp_path / "mkdocs.yml")
    defaults = Settings()
    for f in dataclasses.fields(Settings):
        expected = getattr(defaults, f.name)
        if isinstance(expected, Path):
            expected = tmp_path / expected
        assert getattr(from_plugin, f.name) == expected, f.name


def test_the_block_is_read_with_mkdocs_tags_and_paths_relative_to_the_file(tmp_path):
    config = tmp_path / "site" / "mkdocs.yml"
    config.parent.mkdir()
    config.write_text(
        "site_name: x\n"
        "markdown_extensions:\n  - toc:\n      slugify: !!python/name:pymdownx.slugs.uslugify\n"
        "plugins:\n  - search\n  - handbook:\n      data_dir: ../shared-data\n      publish_dir: out/public\n"
        "      validation_errors_per_type: 9\n",
        encoding="utf-8",
    )
    settings = settings_from_file(config)
    assert settings.data_dir == config.parent / "../shared-data"
    assert settings.publish_dir == config.parent / "out/public"
    assert settings.errors_per_type == 9


def test_a_wrong_option_names_the_file_and_the_option(tmp_path):
    config = tmp_path / "mkdocs.yml"
    config.write_text("plugins:\n  - handbook:\n      table_max_rows: many\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"mkdocs.yml: plugins: handbook: option 'table_max_rows': .*Fix it in mkdocs.yml"
    ):
        settings_from_file(config)


def test_publish_honours_the_plugins_publish_dir(tmp_path):
    project = copy_site("basic", tmp_path / "p")
    config = project / "mkdocs.yml"
    data = config.read_text(encoding="utf-8").replace("  - handbook\n", "  - handbook:\n      publish_dir: releases\n")
    config.write_text(data, encoding="utf-8")
    assert build(project).exit_code == 0
    result = run("publish", "--json", cwd=project)
    assert result.exit_code == 0, result.output
    version = json.loads(result.output)["version"]
    assert (project / "releases" / version / "build.json").is_file()
    assert not (project / "public").exists()
    # The build read the same block: its 本版变化 compares with the version now in releases/.
    assert build(project).exit_code == 0
    assert json.loads((project / "site" / "build.json").read_text())["published"]["versions"] == [version]


def test_query_describe_lists_columns_and_types(tmp_path):
    project = copy_site("basic", tmp_path / "p")
    result = run("query", "--describe", "traffic", cwd=project)
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert lines[0] == ["column", "sql_type", "schema_type", "required", "description"]
    assert lines[1][:4] == ["date", "DATE", "date", "yes"]
    assert lines[5][:4] == ["revenue", "DOUBLE", "number", "no"]
    result = run("query", "--describe", "trafic", cwd=project)
    assert result.exit_code == 1
    assert "Did you mean 'traffic'?" in result.output


def test_a_query_error_points_at_describe_which_exists(tmp_path):
    project = copy_site("basic", tmp_path / "p")
    result = run("query", "SELECT nope FROM traffic", cwd=project)
    assert result.exit_code == 1
    assert "handbook query --describe NAME" in result.output
    assert "--describe" in run("query", "--help").output


def test_memory_limit_reaches_duckdb_and_a_wrong_amount_is_a_config_error(tmp_path):
    project = copy_site("basic", tmp_path / "p")
    config = project / "mkdocs.yml"
    plain = config.read_text(encoding="utf-8")
    config.write_text(plain.replace("  - handbook\n", "  - handbook:\n      memory_limit: 300MB\n"), encoding="utf-8")
    result = run("query", "SELECT current_setting('memory_limit') AS m", cwd=project)
    assert result.exit_code == 0, result.output
    assert "286.1 MiB" in result.output  # DuckDB's own spelling of 300 MB
    config.write_text(plain.replace("  - handbook\n", "  - handbook:\n      memory_limit: lots\n"), encoding="utf-8")
    result = run("query", "SELECT 1", cwd=project)
    assert result.exit_code == 1
    assert (
        "mkdocs.yml: plugins: handbook: option 'memory_limit': 'lots' is not an amount of memory; "
        "write a number and a unit, like 1GB or 512MB. Fix it in mkdocs.yml."
    ) in result.output


def test_a_memory_limit_too_small_for_validation_says_so_not_that_the_data_is_bad(tmp_path):
    project = copy_site("basic", tmp_path / "p")
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("  - handbook\n", "  - handbook:\n      memory_limit: 1MB\n"),
        encoding="utf-8",
    )
    result = run("validate", cwd=project)
    assert result.exit_code == 1
    assert "validation ran out of memory: Out of Memory Error" in result.output
    assert "Fix: raise memory_limit under the handbook plugin in mkdocs.yml (now 1MB)" in result.output
    assert "source-error" not in result.output and "Traceback" not in result.output
