"""Publish builds into a versioned tree whose versions are never rewritten.

The publish tree::

    public/
      versions.json   mike's format, newest first; the newest has the alias "latest"
      versions.js     the same list as a script, for pages opened from disk
      index.html      redirect to the newest version (works under file://)
      pins.txt        optional: versions that --keep never prunes
      <version>/      one complete build each (build.json + pages)
      .publish.lock   flock'ed while a publish runs

Why every step is a rename: a publish may be killed at any instant (CI
timeouts, SIGKILL). A version folder is copied under a temporary name and
renamed into place; the lists are replaced atomically (``fsutil``). So the
tree always serves a complete state: every version listed exists in full.
Leftovers of a killed publish (temporary files and folders, ``.trash-*``,
and version folders a killed prune had already unlisted) are removed by the
next one, under the lock.

A write that fails (a full disk, a quota, a file size limit) ends in a
``WriteError`` naming the file; the partial copy is removed and the tree
still serves what it served before.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from site_build import fsutil
from site_build.errors import PublishError, WriteError
from site_build.publish.staging import shown, write_error, written_file
from site_build.render import script_json, template

VERSIONS_JSON = "versions.json"
VERSIONS_JS = "versions.js"
LOCK_FILE = ".publish.lock"
PINS_FILE = "pins.txt"
LATEST = "latest"
_TMP = fsutil.TEMP_PREFIX
_TRASH = ".trash-"


@dataclass
class PublishResult:
    """What ``publish`` did: ``status`` is "published" or "unchanged"."""

    status: str
    version: str
    public_dir: Path
    pruned: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "status": self.status,
            "version": self.version,
            "public_dir": str(self.public_dir),
            "pruned": self.pruned,
            "versions": self.versions,
        }


def publish(
    site_dir,
    public_dir,
    *,
    keep: int | None = None,
    pins_file: Path | None = None,
    title: str | None = None,
    log: Callable[[str], None] | None = None,
    lock_timeout: float = 60.0,
) -> PublishResult:
    """Add the build in ``site_dir`` to the publish tree ``public_dir``; return what happened.

    Identical inputs (same version, same combined fingerprint) are a no-op.
    A different build under a published version id raises ``PublishError``.
    With ``keep``, only the newest ``keep`` versions stay, plus pinned ones
    and the one just published.
    """
    site, public = Path(site_dir), Path(public_dir)
    say = log or (lambda message: None)
    build = read_build(site)
    if keep is not None and keep < 1:
        raise PublishError(f"--keep must be at least 1, got {keep}. Leave it out to keep every version.")
    try:
        public.mkdir(parents=True, exist_ok=True)
        with lock(public, timeout=lock_timeout):
            _clean_leftovers(public, say)
            entries = (
                read_versions(public)
                if (public / VERSIONS_JSON).is_file()
                else _found(public, say, skip=build["version"])
            )
            status = _place(site, public, build, entries, say)
            if status == "published" or not any(e["version"] == build["version"] for e in entries):
                others = [e for e in entries if e["version"] != build["version"]]
                entries = order([version_entry(build, title=title, site=site), *others])
            entries = _existing(public, entries, say)
            pins = read_pins(Path(pins_file) if pins_file else public / PINS_FILE)
            kept, pruned = _select(entries, keep, pins, current=build["version"])
            _commit(public, kept, site_name=build.get("site_name") or "")
            if status == "published":
                _write_digest(public, build)
            _delete(public, [e["version"] for e in pruned], say)
            _delete(
                public,
                _unlisted(public, kept),
                say,
                done="removed {}: no versions.json entry names it (left by an interrupted prune)",
            )
    except OSError as e:
        raise _write_failed(e, site, public, at=e.filename2 or e.filename) from None
    versions = [e["version"] for e in kept]
    say(
        f"{status} {build['version']} in {public}"
        + (f"; pruned {', '.join(e['version'] for e in pruned)}" if pruned else "")
    )
    return PublishResult(status, build["version"], public, [e["version"] for e in pruned], versions)


def _write_digest(public: Path, build: dict) -> None:
    """The new version's breach digest, beside its pages; in the build's language."""
    from site_build import i18n
    from site_build.publish import digest  # it reads the tree through published, which imports this module

    with i18n.use(build.get("language") or i18n.SOURCE):
        digest.write(public / build["version"], digest.between(public, version=build["version"]))


def read_build(site: Path) -> dict:
    """The build manifest of ``site``, checked to be a complete build; raises PublishError."""
    path = site / "build.json"
    if not path.is_file():
        raise PublishError(
            f"No build in {site}/: {path} is missing. Run `handbook build` first, or pass the built folder with --site."
        )
    try:
        build = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise PublishError(f"{path} is not valid JSON ({e}). Rebuild with `handbook build`.") from None
    version = build.get("version") if isinstance(build, dict) else None
    combined = (build.get("fingerprint") or {}).get("combined") if isinstance(build, dict) else None
    if not isinstance(version, str) or not combined:
        raise PublishError(f"{path} has no 'version' or 'fingerprint.combined'. Rebuild with `handbook build`.")
    if not version or version.startswith(".") or "/" in version or "\\" in version:
        raise PublishError(
            f"{path}: version '{version}' cannot be a folder name. Versions look like 2026.10.31-3f2a1c."
        )
    if not (site / "index.html").is_file():
        raise PublishError(f"{site}/index.html is missing: the build is incomplete. Run `handbook build` again.")
    return build


def read_versions(public: Path) -> list[dict]:
    """The entries of ``public/versions.json``, newest first ([] when there is none)."""
    path = public / VERSIONS_JSON
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise PublishError(
            f"{path} is not valid JSON ({e}). Restore it from backup or rebuild the list from the version folders."
        ) from None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("version"), str) for e in entries
    ):
        raise PublishError(f'{path} is not a list of {{"version": ...}} entries (mike\'s format).')
    return entries


def read_pins(path: Path) -> set[str]:
    """Versions listed in a pin file: one per line, ``#`` starts a comment."""
    if not path.is_file():
        return set()
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return {line for line in lines if line}


def version_entry(build: dict, *, title: str | None = None, site: Path | None = None) -> dict:
    """The versions.json entry (mike's format) for a build manifest; ``pdf`` names the build's PDF in ``site``."""
    properties = {
        "data_as_of": build.get("data_as_of"),
        "fingerprint": build["fingerprint"]["combined"],
        "built_at": build.get("built_at"),
    }
    pdfs = sorted(p.name for p in site.glob(f"*-{build['version']}.pdf")) if site else []
    if pdfs:  # written by handbook pdf; the version menu links it
        properties["pdf"] = pdfs[0]
    return {"version": build["version"], "title": title or build["version"], "aliases": [], "properties": properties}


def order(entries: list[dict]) -> list[dict]:
    """Entries newest first by data date (publish order breaks ties); only the first keeps "latest"."""
    entries = sorted(entries, key=lambda e: (e.get("properties") or {}).get("data_as_of") or "", reverse=True)
    out = []
    for i, entry in enumerate(entries):
        aliases = [a for a in entry.get("aliases") or [] if a != LATEST]
        out.append({**entry, "aliases": [LATEST, *aliases] if i == 0 else aliases})
    return out


def versions_json(entries: list[dict]) -> bytes:
    return (json.dumps(entries, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def versions_js(entries: list[dict], pages: dict[str, list[str]]) -> bytes:
    """``versions.js``: the version list and each version's pages, loadable by a <script> tag from disk."""
    return (
        "// Written by `handbook publish`. Pages opened from disk cannot fetch versions.json,\n"
        "// but they can load this file with a <script> tag.\n"
        f"window.__HANDBOOK_VERSIONS__ = {script_json(entries)};\n"
        f"window.__HANDBOOK_PAGES__ = {script_json(pages)};\n"
    ).encode()


def redirect_html(entries: list[dict], site_name: str) -> bytes:
    """The root ``index.html``: meta refresh + script + link to the newest version."""
    latest = entries[0]
    html = template("publish_redirect.html").render(
        href=f"{latest['version']}/index.html", version=latest["version"], site_name=site_name
    )
    return html.encode("utf-8")


def page_list(version_dir: Path) -> list[str]:
    """Every HTML page of a version, relative and sorted, so the switcher can stay on the same page."""
    return sorted(p.relative_to(version_dir).as_posix() for p in version_dir.rglob("*.html"))


@contextmanager
def lock(public: Path, *, timeout: float = 60.0):
    """Hold ``public/.publish.lock``; wait up to ``timeout`` seconds, then raise PublishError."""
    try:
        with fsutil.lock(public / LOCK_FILE, timeout=timeout):
            yield
    except fsutil.LockTimeout as e:
        raise PublishError(
            f"Another publish is running: {e.path} is locked by pid {e.holder or 'unknown'}; gave up after waiting "
            f"{timeout:g} s. Wait for it to finish and run publish again (raise the wait with "
            "--lock-timeout). The lock "
            "is released when that process exits, so a leftover lock file is harmless."
        ) from None


def write_atomic(path: Path, data: bytes) -> bool:
    """Replace ``path`` with ``data`` atomically and durably; return False when it already held them."""
    if path.is_file() and path.read_bytes() == data:
        return False
    fsutil.atomic_write_bytes(path, data)
    return True


def _place(site: Path, public: Path, build: dict, entries: list[dict], say) -> str:
    """Put the build at ``public/<version>/``; return "published" or "unchanged"."""
    version = build["version"]
    dest = public / version
    listed = any(e["version"] == version for e in entries)
    if dest.exists():
        theirs = _fingerprint_of(dest)
        if theirs == build["fingerprint"]["combined"]:
            return "unchanged" if listed else "published"
        if listed:
            raise PublishError(
                f"Version {version} is already published in {dest} from different inputs (fingerprint "
                f"{str(theirs)[:12]}… "
                f"there, {build['fingerprint']['combined'][:12]}… in {site}/build.json). Published versions are never "
                f"rewritten: rebuild so the version id reflects the inputs, or delete {dest} and its "
                "versions.json entry by hand."
            )
        # Not listed: a leftover of a publish or prune that was killed; it was never served.
        _delete(public, [version], say)
    staging = public / f"{_TMP}{version}-{os.getpid()}"
    try:
        fsutil.copy_tree(site, staging)
    except OSError as e:
        shutil.rmtree(staging, ignore_errors=True)
        raise _write_failed(e, site, public, at=written_file(e, staging, dest)) from None
    if _fingerprint_of(staging) != build["fingerprint"]["combined"]:
        shutil.rmtree(staging)
        raise PublishError(
            f"{site}/ changed while it was being published (a build finished meanwhile?). Run publish again."
        )
    fsutil.rename_into_place(staging, dest)
    say(f"copied {site} to {dest}")
    return "published"


def _select(entries: list[dict], keep: int | None, pins: set[str], *, current: str) -> tuple[list[dict], list[dict]]:
    if keep is None:
        return entries, []
    kept: list[dict] = []
    pruned: list[dict] = []
    for i, entry in enumerate(entries):
        (kept if i < keep or entry["version"] in pins or entry["version"] == current else pruned).append(entry)
    return order(kept), pruned


def _existing(public: Path, entries: list[dict], say) -> list[dict]:
    """Drop entries whose folder was deleted by hand, so the lists only name complete versions."""
    present = [e for e in entries if (public / e["version"] / "build.json").is_file()]
    for entry in entries:
        if entry not in present:
            say(f"dropped {entry['version']} from {VERSIONS_JSON}: its folder is gone")
    return order(present) if len(present) != len(entries) else entries


def _commit(public: Path, entries: list[dict], *, site_name: str) -> None:
    # versions.js and index.html first, versions.json last: each only names folders that exist.
    pages = {e["version"]: page_list(public / e["version"]) for e in entries}
    write_atomic(public / VERSIONS_JS, versions_js(entries, pages))
    write_atomic(public / "index.html", redirect_html(entries, site_name))
    write_atomic(public / VERSIONS_JSON, versions_json(entries))


def _write_failed(error: OSError, site: Path, public: Path, *, at) -> WriteError:
    return write_error(
        f"Publishing {shown(site)}/ into {shown(public)}/",
        error,
        at=at,
        kept=f"{shown(public)}/ still serves complete versions only; nothing half-written was left in it.",
        elsewhere="publish into a folder on another disk with --public DIR",
    )


def _unlisted(public: Path, kept: list[dict]) -> list[str]:
    """Version folders that no entry names, once the lists are committed: a publish killed while pruning leaves them.

    Called after ``_commit``, when versions.json, versions.js and index.html
    all name exactly ``kept``: before that, a killed publish may have left
    versions.js naming a folder that versions.json does not. Only folders
    whose build.json names the folder itself count; anything else in
    public/ is someone else's.
    """
    listed = {e["version"] for e in kept}
    return [p.name for p in sorted(public.iterdir()) if p.name not in listed and _is_version_folder(p)]


def _found(public: Path, say, *, skip: str) -> list[dict]:
    """Entries for the version folders of a tree that has no versions.json (a first publish killed before
    writing it, or a lost list): complete folders are adopted, not taken for leftovers and deleted.

    ``skip`` (the version being published) is left to ``_place``, so its status stays "published".
    """
    entries = []
    for folder in sorted(public.iterdir()):
        if folder.name != skip and _is_version_folder(folder):
            entries.append(version_entry(json.loads((folder / "build.json").read_text(encoding="utf-8"))))
            say(f"listed {folder.name} again: {VERSIONS_JSON} was missing")
    return order(entries)


def _is_version_folder(folder: Path) -> bool:
    if folder.is_symlink() or not folder.is_dir():
        return False
    try:
        build = json.loads((folder / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    fingerprint = build.get("fingerprint") if isinstance(build, dict) else None
    return build.get("version") == folder.name and isinstance(fingerprint, dict) and bool(fingerprint.get("combined"))


def _delete(public: Path, versions: list[str], say, *, done: str = "pruned {}") -> None:
    """Rename each folder aside first, so a kill mid-delete leaves a .trash-* folder, not a half version."""
    for version in versions:
        folder = public / version
        if not folder.exists():
            continue
        fsutil.discard(folder, public / f"{_TRASH}{version}-{os.getpid()}")
        say(done.format(version))


def _clean_leftovers(public: Path, say) -> None:
    for path in sorted(public.iterdir()):
        if path.name.startswith(_TRASH) or fsutil.is_temp(path):
            fsutil.remove(path)
            say(f"removed {path.name}, left by an interrupted publish")


def _fingerprint_of(folder: Path) -> str | None:
    try:
        return json.loads((folder / "build.json").read_text(encoding="utf-8"))["fingerprint"]["combined"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
