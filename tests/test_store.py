"""The build cache: content-addressed entries, a format version per namespace, corrupt entries as misses."""

from __future__ import annotations

import logging

import pytest

from site_build.data.store import FORMATS, NO_STORE, Store


def test_round_trip_of_bytes_text_and_json(tmp_path):
    store = Store(tmp_path)
    key = Store.key("SELECT 1", {"b": 2, "a": 1})
    assert store.get_json("queries", key) is None
    assert store.put_json("queries", key, {"rows": [[1, "京东"]]})
    assert store.get_json("queries", key) == {"rows": [[1, "京东"]]}
    assert store.put_text("svgs", key, "<svg>销售额</svg>")
    assert store.get_text("svgs", key) == "<svg>销售额</svg>"
    assert store.put_bytes("bundles", key, b"\x00\xff")
    assert store.get_bytes("bundles", key) == b"\x00\xff"
    assert store.path("queries", key) == tmp_path / "queries" / f"v{FORMATS['queries']}" / key[:2] / key
    assert store.entries("queries") == [store.path("queries", key)]


def test_keys_are_content_hashes_of_the_parts():
    assert Store.key("a", {"x": 1, "y": 2}) == Store.key("a", {"y": 2, "x": 1})
    assert Store.key("a", 1) != Store.key("a", "1") != Store.key("a1")
    assert len(Store.key()) == 64 and int(Store.key("x"), 16) >= 0


def test_bumping_one_namespace_version_invalidates_only_that_namespace(tmp_path):
    key = Store.key("spec and data")
    old = Store(tmp_path)
    old.put_json("queries", key, [1])
    old.put_json("specs", key, {"mark": "bar"})
    bumped = Store(tmp_path, formats={**FORMATS, "queries": FORMATS["queries"] + 1})
    assert bumped.get_json("queries", key) is None
    assert bumped.get_json("specs", key) == {"mark": "bar"}
    assert old.get_json("queries", key) == [1]  # a build on the old version still finds its entries


def test_a_corrupt_entry_is_a_miss_and_is_removed(tmp_path):
    store = Store(tmp_path)
    key = Store.key("q")
    store.put_json("queries", key, {"rows": []})
    store.path("queries", key).write_text("{not json", encoding="utf-8")
    assert store.get_json("queries", key) is None
    assert not store.path("queries", key).exists()
    store.put_text("svgs", key, "<svg/>")
    store.path("svgs", key).write_bytes(b"\xff\xfe not utf-8")
    assert store.get_text("svgs", key) is None
    assert store.entries("svgs") == []


def test_an_empty_entry_is_a_miss_as_a_power_cut_may_leave_one(tmp_path):
    # The store does not fsync its entries: after a power cut one may be empty.
    store = Store(tmp_path)
    key = Store.key("bundle")
    store.put_bytes("bundles", key, b"vega")
    assert store.get_bytes("bundles", key) == b"vega"
    store.path("bundles", key).write_bytes(b"")
    assert store.get_bytes("bundles", key) is None
    assert store.entries("bundles") == []


def test_an_entry_its_reader_rejects_is_a_miss(tmp_path):
    store = Store(tmp_path)
    key = Store.key("verdict")
    store.put_json("verdicts", key, {"rows": 3})  # no "findings": written by an older shape
    assert store.get_json("verdicts", key, lambda data: (data["rows"], data["findings"])) is None
    assert store.entries("verdicts") == []


def test_a_disabled_store_misses_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for store in (Store(None), NO_STORE):
        assert not store.enabled
        assert store.put_json("queries", "k", [1]) is False
        assert store.put_bytes("bundles", "k", b"x") is False
        assert store.get_json("queries", "k") is None and store.get_bytes("bundles", "k") is None
        assert store.entries("queries") == []
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_namespace_names_the_known_ones(tmp_path):
    with pytest.raises(
        KeyError,
        match="No cache namespace 'query'. Known: bundles, fingerprints, headers, offline, queries, reports, search, specs",
    ):
        Store(tmp_path).put_json("query", "k", [])


def test_a_failed_write_warns_and_the_build_goes_on(tmp_path):
    (tmp_path / "svgs").write_text("a file where the namespace folder belongs")
    store = Store(tmp_path)
    # A handler of its own: after a build, the plugin stops "handbook" records from reaching caplog's root handler.
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("handbook.store").addHandler(handler)
    try:
        assert store.put_text("svgs", Store.key("x"), "<svg/>") is False
    finally:
        logging.getLogger("handbook.store").removeHandler(handler)
    assert [r.getMessage().split(":")[0] for r in records] == [f"Could not write to the cache in {tmp_path}/svgs"]
    assert "point cache_dir in mkdocs.yml elsewhere" in records[0].getMessage()
    assert store.get_text("svgs", Store.key("x")) is None


def test_compiled_templates_are_kept_between_builds_and_a_broken_one_is_a_miss(tmp_path):
    import jinja2

    from site_build import render

    folder = tmp_path / "templates"

    def environment(compile_allowed: bool = True) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.DictLoader({"card.html": "<p>{{ value }}</p>"}), bytecode_cache=render.bytecode_cache(folder)
        )
        if not compile_allowed:
            env.compile = lambda *a, **k: pytest.fail("compiled although the store held the template")  # type: ignore[method-assign]
        return env

    assert environment().get_template("card.html").render(value=1) == "<p>1</p>"
    (entry,) = folder.iterdir()
    whole = entry.read_bytes()
    # the next build's environment loads the compiled code instead of compiling
    assert environment(compile_allowed=False).get_template("card.html").render(value=2) == "<p>2</p>"
    # a broken checksum (Jinja would raise) and a cut-short file: each a miss, compiled and stored again
    magic = len(jinja2.bccache.bc_magic)
    for broken in (whole[:magic] + b"\x00garbage" + whole[magic + 9 :], whole[: len(whole) // 2]):
        entry.write_bytes(broken)
        assert environment().get_template("card.html").render(value=3) == "<p>3</p>"
        assert entry.read_bytes() == whole
    assert render.bytecode_cache(None) is None  # a disabled store keeps nothing
