"""The trusted DuckDB connection for the engine's own SQL (validation scans).

Only this module and ``engine`` import ``duckdb``.
"""

from __future__ import annotations

import duckdb

from site_build.data.sql_names import literal


class Scanner:
    """An unlocked DuckDB connection for the engine's own trusted SQL (validation scans).

    Content SQL never runs here; use ``QueryEngine.query`` for that. It has no
    time limit on purpose: its statements are ours, single scans and hash
    joins whose time grows with the data, so any fixed limit would fail a
    valid large package on a slow machine. Its memory limit is its budget.
    """

    def __init__(self, memory_limit: str | None = None, threads: int | None = None):
        self._con = duckdb.connect(":memory:")
        self.memory_limit = memory_limit
        #: temporary tables made on this connection, by the SQL of what they hold: made once, used by many scans
        self.tables: dict[str, str] = {}
        self._con.execute("SET autoinstall_known_extensions = false")
        self._con.execute("SET autoload_known_extensions = false")
        # DuckDB draws its own progress bar on long scans, into the middle of the build log.
        self._con.execute("SET enable_progress_bar = false")
        if memory_limit:
            self._con.execute(f"SET memory_limit = {literal(memory_limit)}")
        if threads:
            self._con.execute(f"SET threads = {int(threads)}")

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        return self._con.execute(sql, params or None).fetchall()

    def one(self, sql: str, params: list | None = None) -> tuple:
        """The first row: for the aggregate scans that call this, the only one there is."""
        row = self._con.execute(sql, params or None).fetchone()
        if row is None:
            raise LookupError(f"the scan returned no row, where an aggregate always returns one: {sql[:200]}")
        return row

    def execute(self, sql: str, params: list | None = None) -> None:
        self._con.execute(sql, params or None)

    def table(self, sql: str) -> str:
        """A temporary table of the rows of ``sql``, made on first use; its name."""
        if sql not in self.tables:
            name = f"__t{len(self.tables)}"
            self._con.execute(f"CREATE TEMPORARY TABLE {name} AS {sql}")
            self.tables[sql] = name
        return self.tables[sql]

    def columns(self, sql: str, params: list | None = None) -> list[str]:
        rel = self._con.execute(sql, params or None)
        return [d[0] for d in rel.description]

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Scanner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    Error = duckdb.Error
