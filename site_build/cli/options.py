"""Options and error handling shared by the ``handbook`` commands."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from site_build.errors import HandbookError


def handle_errors(fn):
    """Turn ``HandbookError`` into a plain message and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except HandbookError as e:
            click.secho(f"Error: {e}", fg="red", err=True)
            sys.exit(1)

    return wrapper


def folder_option(name: str, dest: str, help: str, default: str | None = None):
    """A folder option; with no default, the command takes it from the handbook block of mkdocs.yml."""
    return click.option(
        name,
        dest,
        type=click.Path(file_okay=False, path_type=Path),
        default=default,
        show_default=default is not None,
        help=help,
    )


def config_file_option(*, exists: bool, help: str):
    return click.option(
        "-f",
        "--config-file",
        type=click.Path(exists=exists, dir_okay=False, path_type=Path),
        default="mkdocs.yml",
        show_default=True,
        help=help,
    )


config_option = config_file_option(exists=True, help="The MkDocs configuration of the handbook.")
#: for commands that don't build: their defaults come from the handbook block, when the file exists
settings_option = config_file_option(
    exists=False, help="Read defaults (data_dir, publish_dir, …) from this file's handbook plugin block, if it exists."
)


def settings(config_file: Path):
    from site_build.mkdocs.config import settings_from_file

    return settings_from_file(config_file)


data_option = folder_option(
    "--data", "data_dir", "Folder with datapackage.json and metrics.yml (default: data_dir in mkdocs.yml, else data/)."
)
site_option = folder_option("--site", "site_dir", "The built handbook.", default="site")


def json_option(fn):
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON for CI.")(fn)
