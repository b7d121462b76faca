"""Query results kept for reuse: in memory for the build, in the store for later builds.

The engine decides what a result depends on (its key); this module decides
where a result comes from, and counts it; each query is logged at DEBUG
(``query monthly_gmv [cached] 3 ms``) and the host logs the counts once per build.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from site_build.data.result import QueryResult
from site_build.data.store import Store
from site_build.errors import QueryError

log = logging.getLogger("handbook.query")

NAMESPACE = "queries"


@dataclass
class QueryStats:
    executed: int = 0
    memory_hits: int = 0
    disk_hits: int = 0
    seconds: float = 0.0
    log: list[tuple[str, str, float]] = field(default_factory=list)


class ResultCache:
    """Results by key: the build's memory first, then the store, else ``run``."""

    def __init__(self, store: Store):
        self.store = store
        self.stats = QueryStats()
        self._memory: dict[str, QueryResult] = {}

    def fetch(self, key: str, sql: str, label: str, run: Callable[[], QueryResult]) -> QueryResult:
        """The result stored under ``key``; on a miss, ``run()``'s, which is then stored."""
        if key in self._memory:
            self.stats.memory_hits += 1
            return self._memory[key]
        start = time.perf_counter()
        result = self.store.get_json(NAMESPACE, key, lambda data: QueryResult.from_json(data, sql))
        state = "cached"
        if result is None:
            try:
                result = run()
            except QueryError:
                # The time a failed query cost (a stopped one: about the limit); the macro's warning has the message.
                log.debug("query %s [failed] %.0f ms", label, (time.perf_counter() - start) * 1000)
                raise
            self.store.put_json(NAMESPACE, key, result.to_json())
            state = "fresh"
            self.stats.executed += 1
        else:
            self.stats.disk_hits += 1
        elapsed = time.perf_counter() - start
        self.stats.seconds += elapsed
        self.stats.log.append((label, state, elapsed))
        # One line per query only at DEBUG (-v): the build logs their total, "queries: N run, …".
        log.debug("query %s [%s] %.0f ms", label, state, elapsed * 1000)
        log.debug("SQL for %s:\n%s", label, sql)
        self._memory[key] = result
        return result
