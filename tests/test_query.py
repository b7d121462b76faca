import datetime as dt
import json
import shutil
import time
from pathlib import Path

import pytest

from site_build.data.engine import QueryEngine
from site_build.data.package import DataPackage
from site_build.data.store import Store
from site_build.errors import QueryError, RowLimitError

BASIC = Path(__file__).parent / "sites" / "basic" / "data"


@pytest.fixture
def data(tmp_path):
    dest = tmp_path / "data"
    shutil.copytree(BASIC, dest)
    return dest


@pytest.fixture
def engine(data, tmp_path):
    with QueryEngine(DataPackage.load(data), store=Store(tmp_path / "cache")) as e:
        yield e


def test_views_are_typed_from_table_schema(engine):
    pkg = engine.package
    assert engine.columns_of(pkg.resource("traffic")) == [
        ("date", "DATE"),
        ("channel", "VARCHAR"),
        ("sessions", "BIGINT"),
        ("orders", "BIGINT"),
        ("revenue", "DOUBLE"),
    ]
    assert engine.columns_of(pkg.resource("tickets"))[1:] == [
        ("created_at", "TIMESTAMP"),
        ("response_seconds", "BIGINT"),
        ("satisfied", "BOOLEAN"),
    ]
    result = engine.query("SELECT min(date) AS d FROM traffic")
    assert result.scalar() == dt.date(2025, 8, 1)


def test_aggregation_happens_in_duckdb(engine):
    result = engine.query("SELECT channel, sum(orders) AS n FROM traffic GROUP BY 1 ORDER BY 1")
    assert result.rows == [("京东", 300), ("天猫", 840)]
    assert result.resources == ("traffic",)


@pytest.mark.parametrize(
    "sql, read",
    [
        # traffic has a column named orders; tickets is only a CTE's name here
        ("SELECT sum(orders) AS orders FROM traffic", ("traffic",)),
        ("WITH tickets AS (SELECT * FROM traffic) SELECT * FROM tickets", ("traffic",)),
        (
            "SELECT (SELECT count(*) FROM tickets) AS n, * FROM TRAFFIC WHERE EXISTS (SELECT 1 FROM main.tickets)",
            ("tickets", "traffic"),
        ),
        ("SELECT 'traffic' AS name", ()),
    ],
)
def test_sources_are_the_tables_read_not_every_name_mentioned(engine, sql, read):
    assert engine.query(sql).resources == read
    # the cache key still covers every resource the SQL mentions
    assert set(read) <= set(engine.resources_of(sql))


def test_copy_to_is_refused(engine, data):
    with pytest.raises(QueryError) as info:
        engine.query(f"COPY traffic TO '{data}/out.csv'")
    assert str(info.value).startswith("Only SELECT queries can run in the handbook, got COPY.")
    assert not (data / "out.csv").exists()


def test_reading_outside_data_is_refused(engine):
    with pytest.raises(QueryError) as info:
        engine.query("SELECT * FROM read_csv('/etc/passwd')")
    message = str(info.value)
    assert 'Permission Error: Cannot access file "/etc/passwd"' in message
    assert "content SQL can only read the package's resources by name" in message


def test_settings_cannot_be_unlocked(engine):
    with pytest.raises(QueryError, match="Only SELECT"):
        engine.query("SET enable_external_access = true")
    with pytest.raises(QueryError, match="Only SELECT"):
        engine.query("INSTALL httpfs")


def test_unknown_column_names_duckdb_candidates(engine):
    with pytest.raises(QueryError) as info:
        engine.query("SELECT chanel FROM traffic")
    message = str(info.value)
    assert 'Referenced column "chanel" not found' in message
    assert '"channel"' in message
    assert "SQL: SELECT chanel FROM traffic" in message


def test_row_limit_gives_counts_and_fix(engine):
    with pytest.raises(RowLimitError) as info:
        engine.query("SELECT * FROM traffic", limit=5)
    assert str(info.value).splitlines()[0] == "Query returned 13 rows, more than the limit of 5."
    assert "ORDER BY … LIMIT 5" in str(info.value)


def test_same_query_runs_once_per_build(engine):
    for _ in range(5):
        engine.query("SELECT count(*) FROM traffic")
    assert engine.stats.executed == 1
    assert engine.stats.memory_hits == 4


def test_disk_cache_reused_then_invalidated_by_data_change(data, tmp_path):
    sql = "SELECT date, sum(revenue) AS r FROM traffic GROUP BY 1 ORDER BY 1"
    with QueryEngine(DataPackage.load(data), store=Store(tmp_path / "cache")) as first:
        fresh = first.query(sql)
    with QueryEngine(DataPackage.load(data), store=Store(tmp_path / "cache")) as second:
        cached = second.query(sql)
        assert (second.stats.executed, second.stats.disk_hits) == (0, 1)
        # a query on another resource is not affected by the traffic fingerprint
        second.query("SELECT count(*) FROM tickets")
    assert cached.rows == fresh.rows and isinstance(cached.rows[0][0], dt.date)
    with open(data / "traffic.csv", "a") as fh:
        fh.write("2025-11-04,京东,10,1,99.0\n")
    with QueryEngine(DataPackage.load(data), store=Store(tmp_path / "cache")) as third:
        changed = third.query(sql)
        third.query("SELECT count(*) FROM tickets")
        assert third.stats.executed == 1 and third.stats.disk_hits == 1
    assert len(changed.rows) == len(fresh.rows) + 1


def test_corrupt_cache_entry_is_a_miss(data, tmp_path):
    cache = tmp_path / "cache"
    with QueryEngine(DataPackage.load(data), store=Store(cache)) as e:
        e.query("SELECT 1 AS x FROM traffic LIMIT 1")
    entries = Store(cache).entries("queries")
    assert len(entries) == 1
    for path in entries:
        path.write_text("{not json")
    with QueryEngine(DataPackage.load(data), store=Store(cache)) as e:
        assert e.query("SELECT 1 AS x FROM traffic LIMIT 1").rows == [(1,)]
        assert e.stats.executed == 1


def test_records_are_json_friendly(engine):
    records = engine.query("SELECT date, revenue FROM traffic ORDER BY date LIMIT 1").records()
    assert json.dumps(records) == '[{"date": "2025-08-01", "revenue": 15000.0}]'


def test_files_are_loaded_once_on_a_cache_miss(data, tmp_path):
    pkg = DataPackage.load(data)
    with QueryEngine(pkg, store=Store(tmp_path / "cache")) as e:
        first = e.query("SELECT channel, sum(revenue) AS r FROM traffic GROUP BY 1 ORDER BY 1")
        e.query("SELECT count(*) FROM traffic")
        assert e._materialized == {"traffic"}
        assert e.columns_of(pkg.resource("traffic"))[0] == ("date", "DATE")
    with QueryEngine(pkg, store=Store(tmp_path / "cache")) as e:
        assert e.query("SELECT channel, sum(revenue) AS r FROM traffic GROUP BY 1 ORDER BY 1").rows == first.rows
        assert e._materialized == set()  # served from the disk cache: nothing loaded


def test_doubles_are_steady_across_runs(engine):
    # 0.1 summed a thousand times is 99.9999999999986 in floating point, in an order-dependent way
    result = engine.query("SELECT sum(0.1::DOUBLE) AS s, 1.0::DOUBLE / 3 AS third FROM range(1000)")
    assert result.rows == [(100.0, 0.333333333333)]


def test_parquet_resources_are_typed_views(tmp_path):
    from site_build.data.scanner import Scanner

    with Scanner() as scanner:
        scanner.execute(
            f"COPY (SELECT DATE '2026-10-01' + i::INTEGER AS day, 'c' || (i % 2) AS channel, i * 1.5 AS amount "
            f"FROM range(4) t(i)) TO '{tmp_path / 'sales.parquet'}' (FORMAT parquet)"
        )
    (tmp_path / "datapackage.json").write_text(
        json.dumps(
            {
                "resources": [
                    {
                        "name": "sales",
                        "path": "sales.parquet",
                        "format": "parquet",
                        "schema": {
                            "fields": [
                                {"name": "day", "type": "date"},
                                {"name": "channel", "type": "string"},
                                {"name": "amount", "type": "number"},
                            ]
                        },
                    }
                ]
            }
        )
    )
    with QueryEngine(DataPackage.load(tmp_path)) as e:
        assert e.columns_of(e.package.resource("sales")) == [
            ("day", "DATE"),
            ("channel", "VARCHAR"),
            ("amount", "DOUBLE"),
        ]
        assert e.query("SELECT channel, sum(amount) FROM sales GROUP BY 1 ORDER BY 1").rows == [
            ("c0", 3.0),
            ("c1", 6.0),
        ]


# --- budgets: a time limit for content SQL, a private temp folder --------------

#: 13 traffic rows times a trillion: runs for hours unless something stops it
# a.orders % 7, not a.orders: on a loaded table DuckDB knows every orders value is above 6 and proves the join empty
CROSS_JOIN = "SELECT count(*) AS n FROM traffic a CROSS JOIN range(1000000000000) b WHERE b.range % 7 = a.orders % 7"


def test_a_query_past_the_time_limit_is_stopped_with_sql_limit_and_fix(data, tmp_path):
    with QueryEngine(DataPackage.load(data), store=Store(tmp_path / "cache"), timeout=1) as e:
        start = time.monotonic()
        with pytest.raises(QueryError) as info:
            e.query(CROSS_JOIN)
        elapsed = time.monotonic() - start
        assert str(info.value) == (
            "Query stopped: it ran past the time limit of 1 s.\n"
            "SQL: SELECT count(*) AS n FROM traffic a CROSS JOIN range(1000000000000) b WHERE b.range % 7 = a.orders % 7\n"
            "Fix: make the query cheaper (filter early, aggregate, avoid cross joins), "
            "or raise query_timeout (seconds) under the handbook plugin in mkdocs.yml."
        )
        assert 1 <= elapsed < 3, elapsed
        # the connection is usable afterwards, and the stopped query was not cached
        assert e.query("SELECT count(*) FROM traffic").scalar() == 13
        assert e.stats.executed == 1
    assert len(Store(tmp_path / "cache").entries("queries")) == 1


def test_the_row_count_of_a_too_long_result_is_under_the_limit_too(data):
    with QueryEngine(DataPackage.load(data), timeout=1) as e:
        start = time.monotonic()
        with pytest.raises(QueryError, match=r"^Query stopped: it ran past the time limit of 1 s\.\n"):
            # the first rows come at once; counting all of them would take hours
            e.query("SELECT b.range FROM traffic a CROSS JOIN range(1000000000000) b", limit=5)
        assert time.monotonic() - start < 4


def test_the_time_limit_must_be_positive(data):
    with pytest.raises(QueryError) as info:
        QueryEngine(DataPackage.load(data), timeout=0)
    assert str(info.value) == (
        "query_timeout must be a positive number of seconds, got 0.\n"
        "Fix: set query_timeout in mkdocs.yml to the longest a single query may run, for example 30."
    )


def test_a_file_in_duckdbs_default_temp_folder_cannot_be_read(data, tmp_path, monkeypatch):
    # DuckDB's default temp_directory is <cwd>/.tmp/, which it allows once external access is locked.
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".tmp").mkdir()
    (tmp_path / ".tmp" / "planted.csv").write_text("secret\nhunter2\n", encoding="utf-8")
    with QueryEngine(DataPackage.load(data)) as e:
        for path in (".tmp/planted.csv", str(tmp_path / ".tmp" / "planted.csv")):
            with pytest.raises(QueryError) as info:
                e.query(f"SELECT * FROM read_csv('{path}')")
            assert f'Permission Error: Cannot access file "{path}"' in str(info.value)
        private = Path(e._con.execute("SELECT current_setting('temp_directory')").fetchone()[0])
        assert private.is_dir() and not any(private.iterdir())
        assert private.stat().st_mode & 0o077 == 0  # only this user can plant files there
    assert not private.exists()  # removed on close


def test_loaded_tables_live_in_the_engines_database_file_beside_which_nothing_can_be_read(data):
    # In a database file DuckDB compresses them; in memory it does not, and big tables spilled.
    with QueryEngine(DataPackage.load(data)) as e:
        assert e.query("SELECT count(*) > 0 FROM traffic").rows == [(True,)]
        tables = e._con.execute("SELECT database_name, table_name FROM duckdb_tables()").fetchall()
        assert tables == [("handbook", "__table_traffic")]
        folder = Path(e._temp.name)
        assert (folder / "tables.duckdb").stat().st_size > 0
        # DuckDB lets SQL read the attached file itself (it holds only rows of the data folder), nothing beside it.
        (folder / "planted.csv").write_text("secret\nhunter2\n", encoding="utf-8")
        with pytest.raises(QueryError) as info:
            e.query(f"SELECT * FROM read_csv('{folder / 'planted.csv'}')")
        assert "Permission Error" in str(info.value)


def test_a_full_temporary_disk_says_so_and_how_to_fix_it_not_that_the_data_is_bad(data, small_disk, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(small_disk("16k")))
    with QueryEngine(DataPackage.load(data)) as e:
        with pytest.raises(QueryError) as info:
            e.query("SELECT count(*) FROM traffic")
    message = str(info.value)
    assert message.startswith("traffic.csv: loading it into DuckDB ran out of disk space: ")
    assert "No space left on device" in message
    assert "Fix: free space on that disk, or point TMPDIR at a folder on a larger one" in message
    assert "handbook validate" not in message


def test_a_full_cache_disk_costs_the_cache_not_the_query(data, small_disk):
    import logging

    cache = small_disk("64k")
    (cache / "filler").write_bytes(b"x" * (64 << 10))  # the disk is full from the start
    # A handler of its own: after a build, the plugin stops "handbook" records from reaching caplog's root handler.
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logging.getLogger("handbook.store").addHandler(handler)
    try:
        with QueryEngine(DataPackage.load(data), store=Store(cache)) as e:
            assert e.query("SELECT channel, count(*) FROM traffic GROUP BY 1 ORDER BY 1").rows == [
                ("京东", 6),
                ("天猫", 7),
            ]
    finally:
        logging.getLogger("handbook.store").removeHandler(handler)
    fix = "The build goes on without it. Fix: free space on that disk, or point cache_dir in mkdocs.yml elsewhere."
    assert [r.getMessage() for r in records] == [
        f"Could not write to the cache in {cache}/queries: no space left on device. {fix}",  # the result
        f"Could not write to the cache in {cache}/fingerprints: no space left on device. {fix}",  # the memo, on close
    ]
    assert not list((cache / "queries").rglob("*.tmp"))


def test_duckdb_draws_no_progress_bar_into_the_build_log(data):
    from site_build.data.scanner import Scanner

    # DuckDB draws one on scans past two seconds, as at 10M rows, unless told not to.
    with QueryEngine(DataPackage.load(data)) as e, Scanner() as scanner:
        assert e._con.execute("SELECT current_setting('enable_progress_bar')").fetchone() == (False,)
        assert scanner.one("SELECT current_setting('enable_progress_bar')") == (False,)


def test_a_query_past_memory_limit_spills_to_the_engines_own_temp_folder(data):
    # Three million groups need more than 40 MB: without a temp folder DuckDB fails with "Out of Memory".
    # The folder is one the lock-down allows (allowed_directories) and only this engine uses.
    sql = "SELECT count(*) AS groups, sum(n) AS n FROM (SELECT range % 3000017 AS k, count(*) AS n FROM range(12000000) GROUP BY 1)"
    with QueryEngine(DataPackage.load(data), memory_limit="40MB") as e:
        assert e.query(sql).rows == [(3000017, 12000000)]
        assert e._con.execute("SELECT current_setting('temp_directory')").fetchone() == (f"{e._temp.name}/spill",)
