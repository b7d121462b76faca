"""The release commands: publish a version, archive it, print it to PDF, and the breach digest."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from site_build.cli.options import folder_option, handle_errors, json_option, settings, settings_option, site_option

fail_on_option = click.option(
    "--fail-on",
    type=click.Choice(["watch", "alert", "never"]),
    default="never",
    show_default=True,
    envvar="HANDBOOK_FAIL_ON",
    help="Exit 3 when a KPI newly enters this status or worse (a breach is published either way). "
    "[env: HANDBOOK_FAIL_ON]",
)


@click.command()
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
@fail_on_option
@json_option
@handle_errors
def publish(config_file, site_dir, public_dir, keep, pins_file, lock_timeout, fail_on, as_json):
    """Add the build in site/ to public/ as a new version, never rewriting old ones.

    Publishing identical inputs again changes nothing and says so. public/
    gets versions.json (mike's format), versions.js (for file://) and an
    index.html that redirects to the newest version. The new version gets a
    breach digest, public/<version>/digest.md and digest.json: the KPIs that
    entered, left, or moved within watch or alert since the version before.
    Under GitHub Actions the outcome is also written to $GITHUB_OUTPUT
    (status=..., version=..., digest=<path of digest.md>, changed=true|false).

    A published breach exits 0; with --fail-on alert a new alert exits 3,
    after publishing.

    \b
    Example:
      handbook publish
      handbook publish --keep 30 --pins public/pins.txt --json
      handbook publish --fail-on alert
    """
    from site_build.publish import digest
    from site_build.publish.publishing import publish as publish_site

    public_dir = public_dir or settings(config_file).publish_dir or Path("public")
    result = publish_site(site_dir, public_dir, keep=keep, pins_file=pins_file, lock_timeout=lock_timeout)
    summary = digest.between(public_dir, version=result.version)
    digest_md = Path(public_dir) / result.version / "digest.md"
    if os.environ.get("GITHUB_OUTPUT"):
        with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
            out.write(f"status={result.status}\nversion={result.version}\n")
            out.write(f"digest={digest_md}\nchanged={'true' if summary['changed'] else 'false'}\n")
    if as_json:
        click.echo(json.dumps({**result.to_json(), "digest": str(digest_md)}, ensure_ascii=False))
    else:
        _say_published(result, public_dir, digest_md)
    _fail_on(summary, fail_on)


def _say_published(result, public_dir, digest_md) -> None:
    message = {
        "published": f"Published {result.version} in {public_dir}/",
        "unchanged": (
            f"Unchanged: {result.version} is already published in {public_dir}/ from identical inputs; nothing to do."
        ),
    }[result.status]
    click.secho(message, fg="green", err=True)
    if result.pruned:
        click.echo(f"Pruned {len(result.pruned)} old version(s): {', '.join(result.pruned)}", err=True)
    if digest_md.is_file():
        click.echo(f"Breach digest: {digest_md}", err=True)


def _fail_on(summary: dict, level: str) -> None:
    """Exit 3 when the digest has a new breach at ``level`` or worse; a breach alone is not a failure."""
    from site_build.kpis.status import status_words
    from site_build.publish import digest

    failing = digest.failing(summary, level)
    if failing:
        named = ", ".join(f"{i['label']} ({status_words(i['status'])})" for i in failing)
        click.secho(f"--fail-on {level}: new breach in {summary['version']}: {named}", fg="red", err=True)
        sys.exit(3)


@click.command()
@settings_option
@folder_option("--public", "public_dir", "The publish tree (default: publish_dir in mkdocs.yml, else public/).")
@click.option("--since", help="Compare with this published version (default: the one before --version).")
@click.option("--version", "version", help="The version to report on (default: the newest published).")
@fail_on_option
@json_option
@handle_errors
def digest(config_file, public_dir, since, version, fail_on, as_json):
    """Print the breach digest of two published versions.

    New breaches, breaches resolved, KPIs that got worse or better while in
    watch or alert, and for each its owner, play, chapter and how long the
    breach has lasted, in versions and in periods.

    \b
    Example:
      handbook digest                      # the newest version against the one before
      handbook digest --since 2026.09.30-1a2b3c
      handbook digest --json --fail-on alert
    """
    from site_build import i18n
    from site_build.publish import digest as digests

    public_dir = public_dir or settings(config_file).publish_dir or Path("public")
    with i18n.use(_language_of(Path(public_dir), version)):
        summary = digests.between(public_dir, version=version, since=since)
        text = digests.markdown(summary)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        click.echo(text)
    _fail_on(summary, fail_on)


def _language_of(public: Path, version: str | None) -> str:
    """The language the version was built in, for the digest's words."""
    from site_build import i18n
    from site_build.publish import published

    for entry, build in published.builds(public):
        if version in (None, entry["version"]):
            return build.get("language") or i18n.SOURCE
    return i18n.SOURCE


@click.command()
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


@click.command()
@site_option
@folder_option("--dist", "dist_dir", "Folder for the PDF.", default="dist")
@json_option
@handle_errors
def pdf(site_dir, dist_dir, as_json):
    """Print the whole build to one PDF: dist/<site-name>-<version>.pdf.

    A cover with the version, data date and status summary, a table of
    contents with page numbers, then every page in the order of the nav,
    with its cards, tables and charts (as vectors). The same file goes into
    site/, so that publish and archive carry it and the version menu links
    it. Two PDFs of one build are byte-identical.

    \b
    Example:
      handbook pdf --dist dist
    """
    from site_build.publish.pdf import write

    result = write(site_dir, dist_dir)
    if as_json:
        click.echo(json.dumps({"pdf": str(result.path), "pages": result.pages, "bytes": result.path.stat().st_size}))
    else:
        click.secho(
            f"Wrote {result.path} ({result.pages} pages, {result.path.stat().st_size / 1e6:.1f} MB, "
            f"{result.seconds:.1f} s)",
            fg="green",
            err=True,
        )
