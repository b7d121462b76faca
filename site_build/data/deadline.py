"""Time limits for content SQL: a statement that runs too long is interrupted, not waited for.

DuckDB has no statement timeout setting; ``connection.interrupt()`` from
another thread is its documented way to cancel a running query. The query
engine wraps each content statement in a ``Deadline`` and turns the
interruption into a ``QueryError`` with ``timeout_message``.
"""

from __future__ import annotations

import threading

from site_build.errors import QueryError


class Deadline:
    """Call ``con.interrupt()`` if the block still runs after ``seconds`` (None: never).

    ``expired`` says whether it did.
    """

    def __init__(self, con, seconds: float | None):
        self._con = con
        self._seconds = seconds
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._running = False
        self.expired = False

    def __enter__(self) -> Deadline:
        if self._seconds is not None:
            self._running = True
            self._timer = threading.Timer(self._seconds, self._expire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def _expire(self) -> None:
        # Under the lock, so a late timer can never interrupt the statement that runs next.
        with self._lock:
            if self._running:
                self.expired = True
                self._con.interrupt()

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._running = False
        if self._timer is not None:
            self._timer.cancel()


def check_timeout(seconds: float | None) -> float | None:
    """``seconds`` when it is a usable limit (None: no limit); raises QueryError otherwise."""
    if seconds is not None and not seconds > 0:
        raise QueryError(
            f"query_timeout must be a positive number of seconds, got {seconds:g}.\n"
            "Fix: set query_timeout in mkdocs.yml to the longest a single query may run, for example 30."
        )
    return seconds


def timeout_message(sql: str, seconds: float) -> str:
    """What a stopped query reports: the limit, the (shortened) SQL and the fix."""
    return (
        f"Query stopped: it ran past the time limit of {seconds:g} s.\nSQL: {sql}\n"
        "Fix: make the query cheaper (filter early, aggregate, avoid cross joins), "
        "or raise query_timeout (seconds) under the handbook plugin in mkdocs.yml."
    )
