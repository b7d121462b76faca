"""Worker processes that draw with vl-convert, away from the build's own process.

vl-convert runs Vega in a V8 engine that holds about 100 MB once it has drawn,
and it draws one chart at a time. In workers, the build's process stays
smaller, and the static SVGs of a cold build are drawn on the other cores
while the pages render. The workers are started on first use, with
``spawn`` (V8 does not survive a fork), kept for the life of the process (so
``handbook serve`` starts them once) and stopped when it exits.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

_pool: ProcessPoolExecutor | None = None


def workers() -> int:
    """How many drawing workers: one per core the process may use, at least one."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def submit(fn: Callable[..., Any], *args: Any) -> Future:
    """Run ``fn(*args)`` in a drawing worker; ``fn`` must be a module-level function."""
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(max_workers=workers(), mp_context=multiprocessing.get_context("spawn"))
        atexit.register(stop)
    return _pool.submit(fn, *args)


def stop() -> None:
    """Stop the workers (the next ``submit`` starts new ones)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None
