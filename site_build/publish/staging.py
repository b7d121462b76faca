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
``copy_tree`` and ``fsync_dir`` are the durable copies publishing renames into place.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

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
        _remove(staging)
        with _claimed(staging):
            try:
                yield staging
            except BaseException:
                _remove(staging)
                raise
            swap_in(staging, dest)
    except OSError as e:
        raise write_error(
            f"Building into {shown(dest)}/",
            e,
            at=written_file(e, staging, dest),
            kept="The partial build was removed.",
            elsewhere="build on another disk with --site-dir DIR",
        ) from None


def swap_in(staging: Path, dest: Path) -> None:
    """Replace ``dest`` with ``staging``: rename the old one aside, rename the new one in, then delete the old."""
    old = dest.with_name(f"{dest.name}.old-{os.getpid()}")
    _remove(old)
    if dest.exists():
        os.rename(dest, old)
    os.rename(staging, dest)
    _remove(old)


def remove_leftovers(dest: str | os.PathLike) -> list[Path]:
    """Remove the ``<dest>.staging-PID`` and ``<dest>.old-PID`` folders of builds that are gone; return them.

    When a build was killed between its two renames, ``dest`` is missing and
    its ``.old-PID`` folder is the previous site: that one is put back instead.
    """
    dest = Path(dest)
    removed = []
    for path in sorted(dest.parent.glob(f"{dest.name}.*-*")):
        match = _LEFTOVER.fullmatch(path.name[len(dest.name) :])
        if not match or not _abandoned(path, int(match.group(2))):
            continue
        if match.group(1) == "old" and not dest.exists():
            os.rename(path, dest)
            log.info("restored %s from %s, left by a build killed while swapping it in", shown(dest), path.name)
            continue
        _remove(path)
        removed.append(path)
        log.info("removed %s, left by an interrupted build", path.name)
    return removed


def write_error(action: str, error: OSError, *, at: str | os.PathLike | None, kept: str, elsewhere: str) -> WriteError:
    """A WriteError: ``action`` failed at ``at`` (a file, when known), the cause, what was kept, and the fix."""
    where = f" at {shown(at)}" if at else ""
    fix = _FIXES.get(error.errno) or f"check that you may write {shown(at) if at else 'there'}"
    return WriteError(f"{action} failed{where}: {os_cause(error)}. {kept}\nFix: {fix}, or {elsewhere}.")


def shown(path: str | os.PathLike) -> str:
    """``path`` relative to the working folder when it is inside it, else absolute: how messages name files."""
    path = Path(path)
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def copy_tree(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst``, then fsync every file and folder, so the rename publishes data that is on disk.

    Copying everything first and syncing afterwards lets the kernel write back
    in bulk: several times faster here than syncing each file as it is written.
    """
    try:
        shutil.copytree(src, dst, copy_function=_copy_file)
    except _CopyFailed as failed:
        raise failed.error from None
    for root, _dirs, files in os.walk(dst):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(root))


class _CopyFailed(Exception):
    """Carries an OSError out of shutil.copytree, which would collect it and go on copying into a full disk."""

    def __init__(self, error: OSError):
        super().__init__(error)
        self.error = error


def _copy_file(src: str, dst: str) -> None:
    try:
        shutil.copyfile(src, dst)
    except OSError as e:
        if not (e.filename2 or e.filename):
            e.filename2 = dst  # a failed write() names no file
        raise _CopyFailed(e) from None


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _claimed(staging: Path):
    """Create ``staging`` and hold an flock on it until the block ends (the kernel drops it if we are killed)."""
    staging.mkdir()
    fd = os.open(staging, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        os.close(fd)


def _abandoned(path: Path, pid: int) -> bool:
    """True when no live build owns ``path``: its PID is not running and nobody holds its flock.

    Both must hold. The PID alone could belong to a build in another PID
    namespace; the flock alone is not yet taken in the instant after a build
    creates its folder. A leftover whose PID was reused waits for that process to end.
    """
    if _running(pid):
        return False
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False  # gone meanwhile, or not a folder: not ours to remove
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


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


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
