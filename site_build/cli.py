"""The ``handbook`` command line: a thin click wrapper over the library.

Each command body parses options, calls one library function and prints the
result. User mistakes (``HandbookError``) print a clean message and exit 1;
usage errors exit 2 (click's default); there is no traceback for either.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from site_build import __version__
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


def data_option(fn):
    return click.option(
        "--data",
        "data_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default="data",
        show_default=True,
        help="Folder with datapackage.json and metrics.yml.",
    )(fn)


def json_option(fn):
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON for CI.")(fn)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="handbook")
def main():
    """Build strategy handbooks whose KPIs, tables and charts come from data.

    \b
    Typical use:
      handbook validate          # check data/ against its Table Schemas
      handbook build             # validate, then build site/
      handbook serve             # live preview at http://127.0.0.1:8000
    """


@main.command()
@click.argument("sql")
@data_option
@json_option
@click.option("--limit", type=int, default=50, show_default=True, help="Refuse results with more rows than this.")
@handle_errors
def query(sql, data_dir, as_json, limit):
    """Run one read-only SQL query over the data package, as content macros do.

    \b
    Example:
      handbook query "SELECT channel, sum(orders) FROM traffic GROUP BY 1"
    """
    from site_build.package import DataPackage
    from site_build.query import QueryEngine

    with QueryEngine(DataPackage.load(data_dir)) as engine:
        result = engine.query(sql, limit=limit)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    widths = [max(len(str(c)), *(len(str(r[i])) for r in result.rows)) if result.rows else len(str(c)) for i, c in enumerate(result.columns)]
    click.echo("  ".join(str(c).ljust(w) for c, w in zip(result.columns, widths)))
    for row in result.rows:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(row, widths)))
    click.echo(f"({len(result.rows)} rows)", err=True)
