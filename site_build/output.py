"""Build into a staging folder and swap it in only on success.

A failed build leaves the previous ``site/`` exactly as it was; a successful
one replaces it with two renames on the same file system.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged(dest: str | os.PathLike):
    """Yield a fresh staging folder next to ``dest``; swap it in if the block succeeds.

    On any exception the staging folder is removed and ``dest`` is untouched.
    """
    dest = Path(dest).resolve()
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = dest.with_name(f"{dest.name}.staging-{os.getpid()}")
    _remove(staging)
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        _remove(staging)
        raise
    swap_in(staging, dest)


def swap_in(staging: Path, dest: Path) -> None:
    """Replace ``dest`` with ``staging``: rename the old one aside, rename the new one in, then delete the old."""
    old = dest.with_name(f"{dest.name}.old-{os.getpid()}")
    _remove(old)
    if dest.exists():
        os.rename(dest, old)
    os.rename(staging, dest)
    _remove(old)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
