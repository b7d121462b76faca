"""The ``handbook`` command line: a thin click wrapper over the library.

Each command body parses options, calls one library function and prints the
result. User mistakes (``HandbookError``) print a clean message and exit 1;
usage errors exit 2 (click's default); there is no traceback for either.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

import click

from site_build import __version__
from site_build.errors import HandbookError, WriteError


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


def _settings(config_file: Path):
    from site_build.mkdocs.config import settings_from_file

    return settings_from_file(config_file)


data_option = folder_option(
    "--data", "data_dir", "Folder with datapackage.json and metrics.yml (default: data_dir in mkdocs.yml, else data/)."
)
site_option = folder_option("--site", "site_dir", "The built handbook.", default="site")


def json_option(fn):
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON for CI.")(fn)


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

    settings = _settings(config_file)
    package = DataPackage.load(data_dir or settings.data_dir)
    errors_per_type = errors_per_type or settings.errors_per_type
    show = not as_json and sys.stderr.isatty()
    with click.progressbar(length=len(package.resources), label="Validating", file=sys.stderr, hidden=not show) as bar:
        report = run_validation(
            package,
            errors_per_type=errors_per_type,
            # click types the shown item after length's int; it prints any item
            progress=lambda name, done, total: bar.update(1, name),  # type: ignore[arg-type]
        )
    click.echo(report.dumps() if as_json else report.to_text())
    sys.exit(0 if report.valid else 1)


@main.command()
@settings_option
@site_option
@folder_option(
    "--public",
    "public_dir",
    "The publish tree, one folder per version (default: publish_dir in mkdocs.yml, else public/).",
)
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=None,
    envvar="HANDBOOK_KEEP",
    help="Keep only the newest N versions, plus pinned ones. [env: HANDBOOK_KEEP]",
)
@click.option(
    "--pins",
    "pins_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File of versions --keep never prunes, one per line (default: <public>/pins.txt).",
)
@click.option(
    "--lock-timeout", type=float, default=60.0, show_default=True, help="Seconds to wait for another publish to finish."
)
@json_option
@handle_errors
def publish(config_file, site_dir, public_dir, keep, pins_file, lock_timeout, as_json):
    """Add the build in site/ to public/ as a new version, never rewriting old ones.

    Publishing identical inputs again changes nothing and says so. public/
    gets versions.json (mike's format), versions.js (for file://) and an
    index.html that redirects to the newest version. Under GitHub Actions
    the outcome is also written to $GITHUB_OUTPUT (status=..., version=...).

    \b
    Example:
      handbook publish
      handbook publish --keep 30 --pins public/pins.txt --json
    """
    from site_build.publish.publishing import publish as publish_site

    public_dir = public_dir or _settings(config_file).publish_dir or Path("public")
    result = publish_site(site_dir, public_dir, keep=keep, pins_file=pins_file, lock_timeout=lock_timeout)
    if os.environ.get("GITHUB_OUTPUT"):
        with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
            out.write(f"status={result.status}\nversion={result.version}\n")
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        return
    message = {
        "published": f"Published {result.version} in {public_dir}/",
        "unchanged": (
            f"Unchanged: {result.version} is already published in {public_dir}/ from identical inputs; nothing to do."
        ),
    }[result.status]
    click.secho(message, fg="green", err=True)
    if result.pruned:
        click.echo(f"Pruned {len(result.pruned)} old version(s): {', '.join(result.pruned)}", err=True)


@main.command()
@site_option
@folder_option("--dist", "dist_dir", "Folder for the zip.", default="dist")
@json_option
@handle_errors
def archive(site_dir, dist_dir, as_json):
    """Write the build as one offline zip: dist/<site-name>-<version>.zip.

    Unzipped, its index.html opens the handbook from disk with no network.
    Two archives of the same build are byte-identical.

    \b
    Example:
      handbook archive --dist dist
    """
    from site_build.publish.archive import archive as archive_site

    path = archive_site(site_dir, dist_dir)
    if as_json:
        click.echo(json.dumps({"archive": str(path), "bytes": path.stat().st_size}, ensure_ascii=False))
    else:
        click.secho(f"Wrote {path} ({path.stat().st_size / 1e6:.1f} MB)", fg="green", err=True)


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
    package = DataPackage.load(data_dir or _settings(config_file).data_dir)
    with QueryEngine(package) as engine:
        result = describe(package, engine, describe_name) if describe_name else engine.query(sql, limit=limit)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    click.echo(result.to_text())
    click.echo(f"({len(result.rows)} rows)", err=True)
