"""One version of the handbook as a zip that works offline, byte for byte reproducible.

The zip holds a publish tree with a single version, so every relative link
behaves as on the server::

    <slug>-<version>/
      index.html       redirect to <version>/index.html
      versions.json    this version only (mike's format)
      versions.js      the same, loadable from file:// by the version switcher
      <version>/...    the build

Entries are sorted, stamped with the build time from build.json (never the
clock) and get fixed permissions (0644 files, 0755 folders) and no extra
attributes, so two archives of the same build are identical.

The zip is written atomically (``fsutil.replacing``), so a full
disk (or any failed write) leaves ``dist/`` as it was and ends in a
``WriteError`` that names the zip and the fix.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
import zipfile
from pathlib import Path

from site_build import fsutil
from site_build.errors import PublishError
from site_build.publish import publishing
from site_build.publish.staging import shown, write_error

_EPOCH = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644
_DIR_MODE = 0o040755
_UNIX = 3


def archive(site_dir, dist_dir, *, name: str | None = None) -> Path:
    """Write ``dist_dir/<slug>-<version>.zip`` from the build in ``site_dir``; return its path."""
    site, dist = Path(site_dir), Path(dist_dir)
    build = publishing.read_build(site)
    top = f"{slug(name or build.get('site_name') or 'handbook')}-{build['version']}"
    stamp = _timestamp(build.get("built_at"))
    dest = dist / f"{top}.zip"
    try:
        members = _members(site, build, top)
        dist.mkdir(parents=True, exist_ok=True)
        with fsutil.replacing(dest, "wb") as handle, zipfile.ZipFile(handle, "w") as zf:
            for arcname in sorted(members):
                _write_member(zf, arcname, members[arcname], stamp)
    except OSError as e:
        # A failed write names no file, or the temporary one: either way it is the zip being written.
        at = dest if e.filename is None or fsutil.is_temp(os.fsdecode(e.filename)) else e.filename
        raise write_error(
            f"Archiving {shown(site)}/",
            e,
            at=at,
            kept=f"The partial zip was removed; {shown(dist)}/ holds what it held before.",
            elsewhere="write the zip to another disk with --dist DIR",
        ) from None
    return dest


def slug(text: str) -> str:
    """A file-name-safe form of ``text`` that keeps Chinese: '电商 运营/手册' → '电商-运营-手册'."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    text = re.sub(r"[^\w.]+", "-", text).strip("-.")
    return text or "handbook"


def _members(site: Path, build: dict, top: str) -> dict[str, bytes | None]:
    """Archive path → bytes (None for a folder)."""
    version = build["version"]
    entries = publishing.order([publishing.version_entry(build, site=site)])
    members: dict[str, bytes | None] = {f"{top}/": None, f"{top}/{version}/": None}
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        members[f"{top}/{version}/{rel}" + ("/" if path.is_dir() else "")] = (
            None if path.is_dir() else path.read_bytes()
        )
    members[f"{top}/versions.json"] = publishing.versions_json(entries)
    members[f"{top}/versions.js"] = publishing.versions_js(entries, {version: publishing.page_list(site)})
    members[f"{top}/index.html"] = publishing.redirect_html(entries, build.get("site_name") or "")
    return members


def _write_member(zf: zipfile.ZipFile, arcname: str, data: bytes | None, stamp: tuple) -> None:
    info = zipfile.ZipInfo(arcname, date_time=stamp)
    info.create_system = _UNIX
    if data is None:
        info.external_attr = (_DIR_MODE << 16) | 0x10  # 0x10: MS-DOS directory flag
        zf.writestr(info, b"")
        return
    info.external_attr = _FILE_MODE << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data, compresslevel=9)


def _timestamp(built_at: str | None) -> tuple:
    """Zip date_time from build.json's built_at; 1980-01-01 (the zip epoch) when absent or earlier."""
    if not built_at:
        return _EPOCH
    try:
        when = dt.datetime.strptime(built_at, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise PublishError(
            f"build.json: built_at '{built_at}' is not like 2026-10-31T00:00:00Z. Rebuild with `handbook build`."
        ) from None
    return max(_EPOCH, when.timetuple()[:6])
