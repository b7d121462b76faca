"""The README documents every macro, CLI command and option, plugin option and catalogue key."""

import json
import re
from pathlib import Path

import click
import pytest

from site_build.cli import main
from site_build.mkdocs import macros
from site_build.mkdocs.plugin import HandbookConfig

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands():
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()] == ["make build", "make test"]


@pytest.mark.parametrize("name", sorted(macros.MACROS))
def test_every_macro_documented_with_example(name):
    assert f"| `{name}(" in README, f"README's macro table lacks {name}()"
    assert re.search(r"\{\{ " + name + r"\(", README), f"README has no example call of {name}()"


def _commands():
    for name, command in sorted(main.commands.items()):
        yield name, command


@pytest.mark.parametrize("name", [n for n, _ in _commands()])
def test_every_command_and_option_documented(name):
    command = main.commands[name]
    row = next((line for line in README.splitlines() if line.startswith(f"| `handbook {name}")), None)
    assert row, f"README's command table lacks handbook {name}"
    for param in command.params:
        if isinstance(param, click.Option):
            assert any(opt in row for opt in param.opts), f"handbook {name}: option {param.opts} not in README"
    assert "Example" in (command.help or ""), f"handbook {name} --help has no example"


@pytest.mark.parametrize(
    "option",
    [k for k in HandbookConfig._schema_keys]
    if hasattr(HandbookConfig, "_schema_keys")
    else [k for k, _ in HandbookConfig._schema],
)
def test_every_plugin_option_documented(option):
    assert f"| `{option}` |" in README


def test_every_catalogue_key_documented():
    schema = json.loads((Path(__file__).parent.parent / "site_build/kpis/schemas/metrics.schema.json").read_text())
    for key in schema["$defs"]["kpi"]["properties"]:
        assert f"`{key}`" in README, f"KPI key {key} is not documented in README"


@pytest.mark.parametrize("section", ["page", "query", "chart"])
def test_every_page_query_and_chart_key_appears_in_readme(section):
    schema = json.loads((Path(__file__).parent.parent / "site_build/kpis/schemas/metrics.schema.json").read_text())
    for key in schema["$defs"][section]["properties"]:
        assert re.search(rf"`{key}`|\b{key}:", README), f"{section} key {key} is not documented in README"


def test_every_top_level_catalogue_key_appears_in_readme():
    schema = json.loads((Path(__file__).parent.parent / "site_build/kpis/schemas/metrics.schema.json").read_text())
    for key in schema["properties"]:
        assert f"\n{key}:" in README, f"top-level catalogue key {key} has no example in README"


def test_the_readmes_start_your_own_handbook_commands_run_as_written(tmp_path):
    import os
    import subprocess
    import sys

    section = README.split("## Start your own handbook", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.split("#")[0].strip()]
    assert commands[0].startswith("handbook new ") and "handbook build" in commands
    cwd, env = tmp_path, {**os.environ, "HANDBOOK_TODAY": "2026-12-03"}
    for command in commands:
        words = command.split()
        if words[0] == "cd":
            cwd = cwd / words[1]
        elif words[:2] != ["handbook", "serve"]:  # serve runs until stopped; test_serve covers it
            done = subprocess.run(
                [sys.executable, "-m", "site_build", *words[1:]], cwd=cwd, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, f"{command}:\n{done.stderr}"
    assert (cwd / "site" / "index.html").is_file()
