"""The query engine: DuckDB views over the data package, read-only SQL, cached results.

This is the only module that imports ``duckdb``. Every resource becomes a view
of the same name, typed from its Table Schema, so content SQL sees dates as
dates. After the views exist the connection is locked: no file outside the
data folder can be read, nothing can be written, no extension installed.

Results are small (aggregation happens in DuckDB) and cached by
(SQL, parameters, fingerprints of the resources the SQL reads): in memory for
the build, and in the store for later builds (``results``).

Content SQL runs under a time limit (``timeout``, the plugin's
``query_timeout``; see ``deadline``): past it the macro fails naming the SQL.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time

import duckdb

from site_build.data.deadline import Deadline, check_timeout, timeout_message
from site_build.data.package import DataPackage, Fingerprints, Resource
from site_build.data.readers import Readers
from site_build.data.result import QueryResult
from site_build.data.results import QueryStats, ResultCache
from site_build.data.sql_names import ident, literal, mentioned
from site_build.data.store import NO_STORE, Store
from site_build.errors import QueryError, RowLimitError, is_disk_full, is_out_of_memory, out_of_room

log = logging.getLogger("handbook.query")

_FILE_FUNCTIONS = re.compile(r"\b(read_\w+|glob|parquet_scan|sniff_csv)\s*\(", re.I)


class QueryEngine:
    """DuckDB over a data package; ``query`` runs read-only SQL with caching."""

    def __init__(
        self,
        package: DataPackage,
        *,
        store: Store = NO_STORE,
        fingerprints: Fingerprints | None = None,
        timeout: float | None = 30.0,
        memory_limit: str = "1GB",
    ):
        self.timeout, self.memory_limit = check_timeout(timeout), memory_limit
        self.package = package
        self._materialized: set[str] = set()
        self.fingerprints = fingerprints or Fingerprints(store)
        self.results = ResultCache(store)
        #: the page's and KPI's sets of the resources the queries read
        self.readers = Readers()
        self._temp, self._con = _connect(memory_limit)
        # Names only: DuckDB's name extraction binds table functions, so it gets a connection
        # of its own with no views (which would bind typed read_csv) and no file access.
        self._names = duckdb.connect(":memory:", config={"enable_external_access": False})
        for resource in package.resources.values():
            self._con.execute(f"CREATE VIEW {ident(resource.name)} AS {view_sql(resource)}")
        _lock_down(self._con, str(package.root) + os.sep)

    @property
    def stats(self) -> QueryStats:
        return self.results.stats

    def close(self) -> None:
        self.fingerprints.save()
        self._con.close()
        self._names.close()
        self._temp.cleanup()

    def __enter__(self) -> QueryEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- public API ----------------------------------------------------------

    def query(
        self, sql: str, params: list | dict | None = None, *, limit: int | None = None, label: str | None = None
    ) -> QueryResult:
        """Run one read-only SELECT and return its result, from cache when possible.

        With ``limit``, raise ``RowLimitError`` when the result has more rows.
        """
        sql = sql.strip().rstrip(";").strip()
        _check_read_only(self._con, sql)
        resources = self.resources_of(sql)
        self.readers.add(_depends_on(sql, resources, self.package))
        key = self._cache_key(sql, params, resources, limit)
        return self.results.fetch(key, sql, label or _short(sql), lambda: self._execute(sql, params, limit, resources))

    def resources_of(self, sql: str) -> tuple[str, ...]:
        """Names of the package resources that ``sql`` mentions anywhere, sorted.

        A token scan, not a parse, so a column or alias named like a resource
        counts too: a superset, which makes cache keys a little stricter but
        never wrong. ``resources_read`` is the exact list.
        """
        return mentioned(sql, self.package.resources)

    def resources_read(self, sql: str) -> tuple[str, ...]:
        """The package resources that ``sql`` reads as tables (not CTEs, columns or aliases), sorted.

        This is what a page's 数据来源 links show. SQL the parser cannot take
        apart (a file function, say) falls back to ``resources_of``.
        """
        try:
            names = {n.lower() for n in self._names.get_table_names(sql, qualified=False)}
        except duckdb.Error:
            return self.resources_of(sql)
        return tuple(sorted(r for r in self.package.resources if r.lower() in names))

    def columns_of(self, resource: Resource) -> list[tuple[str, str]]:
        """(name, DuckDB type) of each column of a resource's view."""
        rows = self._con.execute(f"DESCRIBE {ident(resource.name)}").fetchall()
        return [(r[0], r[1]) for r in rows]

    # -- internals -----------------------------------------------------------

    def _materialize(self, resources: tuple[str, ...]) -> None:
        """Load each file a query reads into a DuckDB table on first use.

        A view over a CSV re-parses the file for every query, and a build runs
        hundreds of them: loading the handbook's files once halved the time its
        queries take (6.2 s to 3.2 s at 100k orders). Loading happens only on a
        cache miss, so a rebuild with unchanged data never pays for it. A
        partitioned folder stays a view, so that filters on its keys prune files.
        """
        for name in resources:
            resource = self.package.resources[name]
            if name in self._materialized or resource.parts:
                continue
            start = time.perf_counter()
            table = ident(f"__table_{name}")
            try:
                self._con.execute(f"CREATE TABLE {table} AS {view_sql(resource)}")
                self._con.execute(f"CREATE OR REPLACE VIEW {ident(name)} AS SELECT * FROM {table}")
            except duckdb.Error as e:
                room = out_of_room(resource.relpath, "loading it into DuckDB", e, self.memory_limit)
                if room:
                    raise QueryError(room) from None
                raise QueryError(
                    f"Could not load {resource.relpath} into DuckDB: {e}\nFix: run `handbook validate` to "
                    "find the bad rows."
                ) from None
            self._materialized.add(name)
            log.debug("load %s into DuckDB %.0f ms", resource.relpath, (time.perf_counter() - start) * 1000)

    def _execute(self, sql: str, params, limit: int | None, resources: tuple[str, ...]) -> QueryResult:
        self._materialize(resources)
        wrapped = sql if limit is None else f"SELECT * FROM ({sql}) AS _q LIMIT {int(limit) + 1}"
        rows, description = self._run(sql, wrapped, params)
        columns = [d[0] for d in description]
        types = [str(d[1]) for d in description]
        rows = _steady_floats(rows, types)
        if limit is not None and len(rows) > limit:
            total = self._run(sql, f"SELECT count(*) FROM ({sql}) AS _q", params)[0][0][0]
            raise RowLimitError(
                f"Query returned {total} rows, more than the limit of {limit}.\nSQL: {_short(sql, 200)}\n"
                f"Fix: aggregate further, add ORDER BY … LIMIT {limit}, or pass limit={total} if the page "
                "really needs every row."
            )
        return QueryResult(columns, types, rows, sql, self.resources_read(sql))

    def _run(self, sql: str, statement: str, params) -> tuple[list[tuple], list]:
        """Run ``statement`` (content ``sql``, maybe wrapped) under the time limit; return (rows, description)."""
        deadline = Deadline(self._con, self.timeout)
        try:
            with deadline:
                rel = self._con.execute(statement, params or None)
                return rel.fetchall(), rel.description
        except duckdb.Error as e:
            if deadline.expired and isinstance(e, duckdb.InterruptException) and self.timeout is not None:
                raise QueryError(timeout_message(_short(sql, 200), self.timeout)) from None
            raise QueryError(_describe(e, sql)) from None

    def _cache_key(self, sql: str, params, resources: tuple[str, ...], limit) -> str:
        resources = _depends_on(sql, resources, self.package)
        prints = {name: self.fingerprints.of(self.package.resources[name].path) for name in resources}
        views = {name: view_sql(self.package.resources[name]) for name in resources}
        return Store.key(duckdb.__version__, sql, params, limit, prints, views)


def _depends_on(sql: str, resources: tuple[str, ...], package: DataPackage) -> tuple[str, ...]:
    """The resources whose data ``sql``'s result depends on: those it names, or all for SQL that reads files."""
    if _FILE_FUNCTIONS.search(sql) or not resources:
        return tuple(package.resources)
    return resources


def view_sql(resource: Resource) -> str:
    """The SELECT that types a resource's file from its Table Schema."""
    path = literal(str(resource.path))
    if resource.format == "parquet" and resource.parts:
        # Partition keys typed by DuckDB as it reads the folder names, uncast: a filter on them prunes files.
        keys = resource.partition_keys
        cols = ", ".join(
            ident(f.name) if f.name in keys else f"CAST({ident(f.name)} AS {f.sql_type}) AS {ident(f.name)}"
            for f in resource.fields
        )
        files = "[" + ", ".join(literal(str(p)) for p in resource.parts) + "]"
        hive = "{" + ", ".join(f"{literal(k)}: {literal(resource.field(k).sql_type)}" for k in keys) + "}"
        return f"SELECT {cols} FROM read_parquet({files}, hive_partitioning = true, hive_types = {hive})"
    if resource.format == "parquet":
        cols = ", ".join(f"CAST({ident(f.name)} AS {f.sql_type}) AS {ident(f.name)}" for f in resource.fields)
        return f"SELECT {cols} FROM read_parquet({path})"
    # Dates with a custom Table Schema format are read as text and parsed here.
    columns = {}
    select = []
    for f in resource.fields:
        custom = f.type in ("date", "datetime") and f.format not in (None, "default", "any")
        columns[f.name] = "VARCHAR" if custom else f.sql_type
        if custom and f.format:
            select.append(f"CAST(strptime({ident(f.name)}, {literal(f.format)}) AS {f.sql_type}) AS {ident(f.name)}")
        else:
            select.append(ident(f.name))
    spec = "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in columns.items()) + "}"
    return (
        f"SELECT {', '.join(select)} FROM read_csv({path}, header = true, auto_detect = false, "
        f"delim = {literal(resource.delimiter)}, quote = '\"', escape = '\"', columns = {spec})"
    )


def _connect(memory_limit: str) -> tuple[tempfile.TemporaryDirectory, duckdb.DuckDBPyConnection]:
    # Locking external access adds temp_directory to allowed_directories, and DuckDB's
    # default is a hidden folder in the working directory, where anything planted could be read by content SQL.
    # A fresh folder only this user can write holds nothing but DuckDB's own spill files;
    # TemporaryDirectory also removes it at exit when nobody calls close() (`handbook build` does not).
    temp = tempfile.TemporaryDirectory(prefix="handbook-duckdb-", ignore_cleanup_errors=True)
    spill = os.path.join(temp.name, "spill")
    os.mkdir(spill, 0o700)
    # Past memory_limit DuckDB moves loaded tables and join state to temp_directory: at 10M orders the loaded
    # tables alone were 3 GB.
    con = duckdb.connect(":memory:", config={"temp_directory": spill, "memory_limit": memory_limit})
    con.execute("SET enable_progress_bar = false")  # DuckDB's own bar, drawn into the build log on long queries
    # Loaded tables live in a database file beside the spill folder (outside what content SQL may read), not
    # in memory: DuckDB compresses a file's tables, not in-memory ones. At 10M orders the three big tables
    # took 1.3 GB in memory, spilled past the 1 GB limit, and the order-line joins ran twice as long as over
    # the file's 140 MB of blocks (the build's queries: 37 s before, 26 s after). Nothing reads the file after
    # the build, so no checkpoint at close.
    con.execute(f"ATTACH {literal(os.path.join(temp.name, 'tables.duckdb'))} AS handbook")
    con.execute("USE handbook")
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    return temp, con


def _lock_down(con: duckdb.DuckDBPyConnection, root: str) -> None:
    """After the views exist: no file outside ``root``, no extension, no setting can change."""
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET allowed_directories = ?", [[root]])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def _check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Raise QueryError unless ``sql`` is exactly one SELECT."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as e:
        raise QueryError(_describe(e, sql)) from None
    if len(statements) != 1:
        raise QueryError(
            f"Expected one SQL statement, got {len(statements)}.\nSQL: {_short(sql, 200)}\n"
            "Fix: run one SELECT per macro call; combine results with WITH … or UNION ALL."
        )
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise QueryError(
            f"Only SELECT queries can run in the handbook, got {kind.name}.\nSQL: {_short(sql, 200)}\n"
            "Content SQL is read-only: it cannot write files, change settings or install extensions."
        )


def _steady_floats(rows: list[tuple], types: list[str]) -> list[tuple]:
    """Round DOUBLE and FLOAT values to 12 significant digits.

    DuckDB sums doubles in parallel, in an order that varies from run to run,
    so the last bits differ (5758389.099999053 vs 5758389.100000839). Builds
    from identical inputs must be byte-identical, and no figure needs more
    than 12 digits.
    """
    floats = [i for i, t in enumerate(types) if t in ("DOUBLE", "FLOAT")]
    if not floats:
        return rows
    out = []
    for row in rows:
        values = list(row)
        for i in floats:
            if values[i] is not None and values[i] == values[i]:
                values[i] = float(f"{values[i]:.12g}")
        out.append(tuple(values))
    return out


def _short(sql: str, width: int = 60) -> str:
    one = " ".join(sql.split())
    return one if len(one) <= width else one[: width - 1] + "…"


def _describe(error: Exception, sql: str) -> str:
    message = str(error).strip()
    hint = ""
    if "Permission Error" in message or "disabled by configuration" in message:
        hint = "\nFix: content SQL can only read the package's resources by name (for example FROM orders)."
    elif "Catalog Error" in message and "Table" in message:
        hint = "\nFix: query a resource by its name in data/datapackage.json."
    elif "Binder Error" in message:
        hint = "\nFix: check the column names against the resource's Table Schema (handbook query --describe NAME)."
    elif is_out_of_memory(error):
        hint = "\nFix: raise memory_limit under the handbook plugin in mkdocs.yml, or aggregate earlier in the query."
    elif is_disk_full(error):
        hint = "\nFix: free space on that disk, or point TMPDIR at a folder on a larger one (where DuckDB spills)."
    return f"Query failed: {message}\nSQL: {_short(sql, 400)}{hint}"
