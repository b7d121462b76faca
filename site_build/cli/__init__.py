"""The ``handbook`` command line: a thin click wrapper over the library.

Each command body parses options, calls one library function and prints the
result. User mistakes (``HandbookError``) print a clean message and exit 1;
usage errors exit 2 (click's default); there is no traceback for either.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from site_build import __version__
from site_build.cli import release
from site_build.cli.options import (
    config_option,
    data_option,
    handle_errors,
    json_option,
    settings,
    settings_option,
)
from site_build.errors import WriteError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="handbook")
def main():
    """Build strategy handbooks whose KPIs, tables and charts come from data.

    \b
    Typical use:
      handbook new my-handbook   # start a handbook of your own
      handbook validate          # check data/ against its Table Schemas
      handbook build             # validate, then build site/
      handbook serve             # live preview at http://127.0.0.1:8000
    """


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--lang", "language", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="Page language."
)
@click.option("--currency", help="ISO 4217 code of the money KPIs: USD, EUR, CNY … [default: CNY for zh, else USD]")
@click.option("--example", is_flag=True, help="Also write a page that shows every macro, as written and as shown.")
@handle_errors
def new(folder, language, currency, example):
    """Start a handbook of your own in FOLDER (a new or empty folder).

    Writes mkdocs.yml, macros/, a data package with a sample CSV and three
    KPIs, a chapter, the action, dictionary and data-health pages, a Makefile
    and a GitHub Actions workflow. It builds at once, strict.

    \b
    Example:
      handbook new my-handbook --lang en --currency USD
      cd my-handbook && handbook build
    """
    from site_build.skeleton import create

    currency = currency or ("CNY" if language == "zh" else "USD")
    written = create(folder, language=language, currency=currency, example=example)
    click.echo(
        f"Wrote {len(written)} files into {folder}/. Next:\n  cd {folder}\n"
        "  handbook build     # validate the data and build site/ (open site/index.html)\n"
        "  handbook serve     # or preview as you edit, at http://127.0.0.1:8000"
    )


def _setup_logging(verbose: bool) -> None:
    from site_build.mkdocs.logs import to_terminal

    to_terminal(verbose)


@main.command()
@config_option
@click.option(
    "-d",
    "--site-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: site_dir in mkdocs.yml, usually site/).",
)
@click.option(
    "--strict/--no-strict", default=True, show_default=True, help="Fail on any warning, including a failed macro."
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Also log each query with its SQL, each data load and chart, and MkDocs' debug lines.",
)
@json_option
@handle_errors
def build(config_file, site_dir, strict, verbose, as_json):
    """Validate the data, then build the handbook into site/.

    The build runs in a staging folder that replaces site/ only on success:
    invalid data or a failed macro leaves the previous site/ untouched.
    The log has one line per stage (validate, pages, charts, queries, search,
    output) with counts and seconds; on a terminal a progress bar follows the pages.

    \b
    Example:
      handbook build
      handbook build --site-dir /tmp/preview --no-strict
    """
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from site_build.mkdocs.plugin import HandbookPlugin
    from site_build.publish.staging import staged

    _setup_logging(verbose)
    config = load_config(str(config_file), strict=strict)
    dest = Path(site_dir) if site_dir else Path(config.site_dir)
    try:
        with staged(dest) as staging:
            config = load_config(str(config_file), strict=strict, site_dir=str(staging))
            try:
                mkdocs_build(config)
            finally:
                # As `mkdocs build` does: the plugins close what they opened (the session, a progress bar)
                # also when mkdocs-macros exits part way through.
                config.plugins.on_shutdown()
            plugin = config.plugins.get("handbook")
            manifest = plugin.manifest if isinstance(plugin, HandbookPlugin) else None
    except (MkDocsException, WriteError, SystemExit) as e:
        # mkdocs-macros calls exit() on a template error it has already logged.
        # WriteError: an OSError (a full disk) while writing the staging folder, which staged() removed.
        if isinstance(e, (MkDocsException, WriteError)):
            click.secho(f"Error: {e.format_message() if hasattr(e, 'format_message') else e}", fg="red", err=True)
        click.secho(f"Build failed; {dest} was left as it was.", fg="red", err=True)
        sys.exit(1)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "site_dir": str(dest),
                    "version": manifest and manifest["version"],
                    "data_as_of": manifest and manifest["data_as_of"],
                },
                ensure_ascii=False,
            )
        )
    else:
        click.secho(
            f"Built {dest}"
            + (f" (version {manifest['version']}, data as of {manifest['data_as_of']})" if manifest else ""),
            fg="green",
            err=True,
        )


@main.command()
@config_option
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True, help="IP address and port to serve on.")
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Also log each query with its SQL, each data load and chart, and MkDocs' debug lines.",
)
@handle_errors
def serve(config_file, dev_addr, verbose):
    """Preview the handbook with live reload; rebuilds when content or data change.

    A failing macro or template shows its error on the page. A build that fails
    (invalid data, a broken catalogue or configuration) keeps the last good site
    on screen, under a banner that says why. The server keeps running, and the
    page reloads once the problem is fixed.

    \b
    Example:
      handbook serve --dev-addr 127.0.0.1:8001
    """
    from site_build.mkdocs.preview import serve as preview

    _setup_logging(verbose)
    root = Path(config_file).resolve().parent
    watch = [str(p) for p in (root / "data", root / "macros") if p.exists()]
    preview(str(config_file), dev_addr=dev_addr, watch=watch)


@main.command()
@settings_option
@data_option
@json_option
@click.option(
    "--errors",
    "errors_per_type",
    type=click.IntRange(min=1),
    default=None,
    help="Rows listed per problem; the total is always counted. [default: validation_errors_per_type, 5]",
)
@handle_errors
def validate(config_file, data_dir, as_json, errors_per_type):
    """Check every resource in datapackage.json against its Table Schema.

    Exits 0 when the data is valid, 1 when it is not.

    \b
    Example:
      handbook validate
      handbook validate --data data/ --json --errors 20
    """
    from site_build.data.package import DataPackage
    from site_build.data.validation import validate as run_validation

    handbook = settings(config_file)
    package = DataPackage.load(data_dir or handbook.data_dir)
    errors_per_type = errors_per_type or handbook.errors_per_type
    show = not as_json and sys.stderr.isatty()
    with click.progressbar(length=len(package.resources), label="Validating", file=sys.stderr, hidden=not show) as bar:
        report = run_validation(
            package,
            errors_per_type=errors_per_type,
            memory_limit=handbook.memory_limit,
            # click types the shown item after length's int; it prints any item
            progress=lambda name, done, total: bar.update(1, name),  # type: ignore[arg-type]
        )
    click.echo(report.dumps() if as_json else report.to_text())
    sys.exit(0 if report.valid else 1)


@main.command()
@click.argument("sql", required=False)
@settings_option
@data_option
@json_option
@click.option("--limit", type=int, default=50, show_default=True, help="Refuse results with more rows than this.")
@click.option(
    "--describe", "describe_name", metavar="NAME", help="List dataset NAME's columns and their types instead."
)
@handle_errors
def query(sql, config_file, data_dir, as_json, limit, describe_name):
    """Run one read-only SQL query over the data package, as content macros do.

    \b
    Example:
      handbook query "SELECT channel, sum(orders) FROM traffic GROUP BY 1"
      handbook query --describe traffic
    """
    from site_build.data.columns import describe
    from site_build.data.engine import QueryEngine
    from site_build.data.package import DataPackage

    if bool(sql) == bool(describe_name):
        raise click.UsageError("Give either SQL or --describe NAME.")
    package = DataPackage.load(data_dir or settings(config_file).data_dir)
    with QueryEngine(package, memory_limit=settings(config_file).memory_limit) as engine:
        result = describe(package, engine, describe_name) if describe_name else engine.query(sql, limit=limit)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    click.echo(result.to_text())
    click.echo(f"({len(result.rows)} rows)", err=True)


for command in (release.publish, release.archive, release.pdf, release.digest):
    main.add_command(command)
