"""Files that are either whole or absent: atomic writes, locks, folder swaps.

Every write the engine makes outside a staging folder goes through here, so a
build or publish that is killed at any instant, or two that run at once,
never leave a reader half a file:

- ``atomic_write_*`` write a temporary file in the same folder, fsync it,
  ``os.replace`` it over the target and fsync the folder. The temporary name
  holds the process id and a random part, so two writers never share one.
- ``lock`` is a cross-process lock (``filelock``: an flock on Unix) whose
  file names its holder.
- ``copy_tree``, ``swap_in``, ``rename_into_place`` and ``discard`` move whole
  folders with renames, for builds and publishes that stage a tree first.

This module is the base layer: it knows nothing of the handbook.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import filelock

#: every temporary file this module writes ends so; folder scans skip them (see ``is_temp``)
TEMP_SUFFIX = ".tmp"
#: the prefix for temporary folders and files that callers name themselves (a staged version)
TEMP_PREFIX = ".tmp-"


class LockTimeout(TimeoutError):
    """``lock`` waited ``timeout`` seconds; ``holder`` is the pid the lock file names, or None."""

    def __init__(self, path: Path, timeout: float, holder: int | None):
        super().__init__(f"{path} is locked by pid {holder or 'unknown'}; gave up after {timeout:g} s")
        self.path, self.timeout, self.holder = path, timeout, holder


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data``; a reader sees the old content or the new, never a mix.

    ``durable=False`` skips the fsyncs: still atomic for readers, but a power cut may
    leave the file empty. Only for caches, whose reader takes an empty entry as a miss.
    """
    with replacing(path, "wb", durable=durable) as handle:
        handle.write(data)


def atomic_write_text(path: str | os.PathLike, text: str, *, durable: bool = True) -> None:
    """``atomic_write_bytes`` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"), durable=durable)


def atomic_write_json(path: str | os.PathLike, obj: Any, *, durable: bool = True, **dumps: Any) -> None:
    """Write ``obj`` as UTF-8 JSON (``json.dump`` keyword arguments in ``dumps``), atomically.

    The JSON is streamed into the temporary file, so a value that cannot be
    serialised fails half-way through it, and ``path`` keeps its old content.
    """
    dumps.setdefault("ensure_ascii", False)
    with replacing(path, "w", durable=durable) as handle:
        json.dump(obj, handle, **dumps)


@contextmanager
def replacing(path: str | os.PathLike, mode: str = "wb", *, durable: bool = True) -> Iterator[IO[Any]]:
    """Yield a temporary file opened in ``mode``; when the block succeeds it is synced and replaces ``path``.

    On any exception the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    tmp = temp_path(path)
    # os.open with 0o666 gives the permissions the umask allows, as open() would; mkstemp's 0600
    # would make a published versions.json unreadable to the web server.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with open(fd, mode, encoding=None if "b" in mode else "utf-8") as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(path.parent)


def temp_path(path: Path) -> Path:
    """A fresh temporary name beside ``path``: ``.<name>.<pid>.<random>.tmp``."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


def is_temp(path: str | os.PathLike) -> bool:
    """True for a temporary file of this module or a ``TEMP_PREFIX`` name: never a finished file."""
    name = Path(path).name
    return name.startswith(TEMP_PREFIX) or (name.startswith(".") and name.endswith(TEMP_SUFFIX))


@contextmanager
def lock(path: str | os.PathLike, *, timeout: float = -1) -> Iterator[None]:
    """Hold the lock file ``path`` against other processes; wait up to ``timeout`` s (-1: forever).

    Raises ``LockTimeout`` naming the holder's pid, which the file holds while
    it is locked. The kernel drops the lock when its holder dies, so a lock file
    left behind is harmless.
    """
    path = Path(path)
    held = filelock.FileLock(path, timeout=timeout, on_acquired=_write_pid)
    try:
        held.acquire()
    except filelock.Timeout:
        raise LockTimeout(path, timeout, holder(path)) from None
    try:
        yield
    finally:
        held.release()


def _write_pid(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)


def holder(path: str | os.PathLike) -> int | None:
    """The pid a lock file names, or None when it names none."""
    try:
        return int(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None


def fsync_dir(path: str | os.PathLike) -> None:
    """Sync a folder, so the renames into it survive a power cut."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_tree(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst``, then fsync every file and folder, so a rename publishes data that is on disk.

    Copying everything first and syncing afterwards lets the kernel write back
    in bulk: several times faster here than syncing each file as it is written.
    A failed write stops the copy at once (shutil.copytree would go on copying
    into a full disk) and names the file being written in ``filename2``.
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
        fsync_dir(root)


class _CopyFailed(Exception):
    """Carries an OSError out of shutil.copytree, which would collect it and go on."""

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


def rename_into_place(src: Path, dest: Path) -> None:
    """Rename ``src`` to ``dest`` (which must not exist as a folder) and sync their folder."""
    os.rename(src, dest)
    fsync_dir(dest.parent)


def merge_into(src: Path, dest: Path) -> list[Path]:
    """Move every file under folder ``src`` to the same place under ``dest``, each replacing its old copy whole.

    Readers of ``dest`` see each file old or new, never half-written. Not
    synced to disk: this is for the preview, which a crash loses anyway.
    Returns the files moved, as paths under ``dest``; ``src`` is removed.
    """
    moved = []
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        target = dest / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        moved.append(target)
    remove(src)
    return moved


def swap_in(staging: Path, dest: Path) -> None:
    """Replace folder ``dest`` with ``staging``: rename the old one aside, the new one in, then delete the old.

    The old one waits as ``<dest>.old-<pid>``: a swap killed between the two
    renames leaves it there for the next run to put back.
    """
    old = dest.with_name(f"{dest.name}.old-{os.getpid()}")
    remove(old)
    if dest.exists():
        os.rename(dest, old)
    rename_into_place(staging, dest)
    remove(old)


def discard(path: Path, trash: Path) -> None:
    """Delete ``path`` by renaming it to ``trash`` first, so a kill mid-delete leaves no half folder at ``path``."""
    rename_into_place(path, trash)
    remove(trash)


def remove(path: Path) -> None:
    """Delete a file, link or folder tree; nothing when it is absent."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


@contextmanager
def claimed(folder: Path) -> Iterator[None]:
    """Create ``folder`` and hold an flock on it until the block ends (the kernel drops it if we are killed).

    ``abandoned`` tells a folder claimed by a live process from a leftover.
    """
    folder.mkdir()
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        os.close(fd)


def abandoned(path: Path, pid: int) -> bool:
    """True when no live process owns ``path``: ``pid`` is not running and nobody holds its flock.

    Both must hold. The pid alone could belong to a process in another pid
    namespace; the flock alone is not yet taken in the instant after a process
    creates its folder. A leftover whose pid was reused waits for that process to end.
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
