"""Build into a staging folder and swap it in only on success.

A failed build leaves the previous ``site/`` exactly as it was; a successful
one replaces it with two renames on the same file system.

A build that is killed leaves ``site.staging-PID/`` behind (killed mid-swap,
also ``site.old-PID/``). The next build removes those whose build is gone. A
build holds an flock on its staging folder while it runs, so a live build's
folder is never taken for a leftover, whatever its PID looks like from here
(another container, a reused PID).

A write that fails (a full disk, a quota, a file size limit) ends in a
``WriteError`` that names the file and the fix, with the partial build removed.
The renames, the flock and the durable copies are ``site_build.fsutil``'s.
"""

from __future__ import annotations

import errno
import logging
import os
import re
from contextlib import contextmanager
from pathlib import Path

from site_build import fsutil
from site_build.errors import WriteError, os_cause

log = logging.getLogger("handbook.output")

_LEFTOVER = re.compile(r"\.(staging|old)-(\d+)")
_FIXES = {
    errno.ENOSPC: "free space on that disk",
    errno.EDQUOT: "free space within your disk quota",
    errno.EFBIG: "raise the file size limit (ulimit -f)",
}


@contextmanager
def staged(dest: str | os.PathLike):
    """Yield a fresh staging folder next to ``dest``; swap it in if the block succeeds.

    On any exception the staging folder is removed and ``dest`` is untouched;
    an OSError (a full disk, say) becomes a ``WriteError``.
    """
    dest = Path(dest).resolve()
    staging = dest.with_name(f"{dest.name}.staging-{os.getpid()}")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(dest)
        fsutil.remove(staging)
        with fsutil.claimed(staging):
            try:
                yield staging
            except BaseException:
                fsutil.remove(staging)
                raise
            fsutil.swap_in(staging, dest)
    except OSError as e:
        raise write_error(
            f"Building into {shown(dest)}/",
            e,
            at=written_file(e, staging, dest),
            kept="The partial build was removed.",
            elsewhere="build on another disk with --site-dir DIR",
        ) from None


def remove_leftovers(dest: str | os.PathLike) -> list[Path]:
    """Remove the ``<dest>.staging-PID`` and ``<dest>.old-PID`` folders of builds that are gone; return them.

    When a build was killed between its two renames, ``dest`` is missing and
    its ``.old-PID`` folder is the previous site: that one is put back instead.
    """
    dest = Path(dest)
    removed = []
    for path in sorted(dest.parent.glob(f"{dest.name}.*-*")):
        match = _LEFTOVER.fullmatch(path.name[len(dest.name) :])
        if not match or not fsutil.abandoned(path, int(match.group(2))):
            continue
        if match.group(1) == "old" and not dest.exists():
            fsutil.rename_into_place(path, dest)
            log.info("restored %s from %s, left by a build killed while swapping it in", shown(dest), path.name)
            continue
        fsutil.remove(path)
        removed.append(path)
        log.info("removed %s, left by an interrupted build", path.name)
    return removed


def write_error(action: str, error: OSError, *, at: str | os.PathLike | None, kept: str, elsewhere: str) -> WriteError:
    """A WriteError: ``action`` failed at ``at`` (a file, when known), the cause, what was kept, and the fix."""
    where = f" at {shown(at)}" if at else ""
    fix = _FIXES.get(error.errno or 0) or f"check that you may write {shown(at) if at else 'there'}"
    return WriteError(f"{action} failed{where}: {os_cause(error)}. {kept}\nFix: {fix}, or {elsewhere}.")


def shown(path: str | os.PathLike) -> str:
    """``path`` relative to the working folder when it is inside it, else absolute: how messages name files."""
    path = Path(path)
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def written_file(error: OSError, staging: Path, dest: Path) -> Path | None:
    """The file ``error`` is about, as it would have landed in ``dest``; None when the error names no file."""
    # A failed copy names its source in filename and the file being written in filename2.
    filename = error.filename2 or error.filename
    if not filename:
        return None
    path = Path(os.fsdecode(filename))
    try:
        return dest / path.relative_to(staging)
    except ValueError:
        return path
