"""The build manifest (``build.json``) and the version id derived from the inputs.

The version is the data date plus the first six hex digits of a fingerprint of
content + data + configuration, e.g. ``2026.10.31-3f2a1c``. Publishing keys
on it; identical inputs give the same version and the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from importlib import metadata
from pathlib import Path

from site_build import fsutil
from site_build.data.package import Fingerprints

FORMAT = 1
TOOLS = (
    "strategy-handbook",
    "mkdocs",
    "mkdocs-material",
    "mkdocs-macros-plugin",
    "duckdb",
    "altair",
    "vl-convert-python",
    "frictionless",
    "jinja2",
    "jieba",
)
_SKIP_DIRS = {"__pycache__", ".git", ".handbook-cache", ".venv"}


def input_files(groups: dict[str, list[Path]], root: Path) -> dict[str, dict[str, Path]]:
    """Every file under each group's paths, keyed by its path relative to ``root``."""
    out: dict[str, dict[str, Path]] = {}
    for group, paths in groups.items():
        files: dict[str, Path] = {}
        for base in paths:
            base = Path(base)
            candidates = (
                [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else []
            )
            for p in candidates:
                if (
                    _SKIP_DIRS.intersection(p.parts)
                    or p.suffix in (".pyc", fsutil.TEMP_SUFFIX)
                    or not _stays_in(p, base)
                ):
                    continue
                files[_key(p, base, root)] = p
        out[group] = dict(sorted(files.items()))
    return out


def _stays_in(path: Path, base: Path) -> bool:
    """False for a symbolic link out of ``base``: data/ comes from other systems, and such a link must not be read."""
    if path == base:
        return True
    try:
        return base.resolve() in path.resolve().parents
    except (OSError, RuntimeError):
        return False


def _key(path: Path, base: Path, root: Path) -> str:
    """The path relative to ``root``; outside it (an installed engine), relative to ``base``'s parent.

    Keys must not depend on where the project is checked out, or identical
    inputs would give different versions.
    """
    path, root = path.resolve(), root.resolve()
    if root in path.parents:
        return path.relative_to(root).as_posix()
    anchor = base.resolve() if base.is_dir() else base.resolve().parent
    return path.relative_to(anchor.parent).as_posix()


def fingerprint(groups: dict[str, dict[str, Path]], hasher: Fingerprints) -> tuple[dict[str, str], dict[str, str]]:
    """(per-file sha256, per-group and combined sha256) for the input groups."""
    per_file: dict[str, str] = {}
    per_group: dict[str, str] = {}
    for group, files in groups.items():
        h = hashlib.sha256()
        for rel, path in files.items():
            digest = hasher.of(path)
            per_file[rel] = digest
            h.update(f"{rel}\0{digest}\n".encode())
        per_group[group] = h.hexdigest()
    combined = hashlib.sha256("".join(f"{g}={d}\n" for g, d in sorted(per_group.items())).encode()).hexdigest()
    per_group["combined"] = combined
    return per_file, per_group


def version_id(as_of: dt.date | None, combined: str) -> str:
    day = as_of.strftime("%Y.%m.%d") if as_of else "undated"
    return f"{day}-{combined[:6]}"


def build_time(as_of: dt.date | None, epoch: str | None = None) -> dt.datetime:
    """``epoch`` (the user's SOURCE_DATE_EPOCH) when given, else midnight UTC of the data date: never the wall clock."""
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    day = as_of or dt.date(1980, 1, 1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def tool_versions() -> dict[str, str]:
    out = {}
    for name in TOOLS:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def manifest(
    *,
    site_name: str,
    as_of: dt.date | None,
    built_at: dt.datetime,
    inputs: dict[str, str],
    groups: dict[str, str],
    kpis: dict,
    resources: dict,
    published: dict | None = None,
    pages: list[dict] | None = None,
    language: str | None = None,
    site_url: str | None = None,
) -> dict:
    """The JSON-ready build manifest; ``pages`` is the reading order (path, title, section) the PDF follows."""
    return {
        "format": FORMAT,
        "site_name": site_name,
        "version": version_id(as_of, groups["combined"]),
        "data_as_of": as_of.isoformat() if as_of else None,
        "built_at": built_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "fingerprint": groups,
        "inputs": inputs,
        "tools": tool_versions(),
        "kpis": kpis,
        "resources": resources,
        "published": published or {},
        "pages": pages or [],
        "language": language,
        "site_url": site_url or None,
    }


def write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
