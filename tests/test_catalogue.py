import os
import re
import time
from pathlib import Path

import pytest

from site_build.data.package import DataPackage
from site_build.errors import CatalogueError
from site_build.kpis.catalogue import Catalogue

BASIC = Path(__file__).parent / "sites" / "basic" / "data"

KPI = """\
kpis:
  - id: conversion_rate
    label: 转化率
    description: 下单数 ÷ 会话数。
    resource: traffic
    expression: sum(orders) / sum(sessions)
    time: date
    grain: month
    format: percent
    direction: higher
    target: 0.3
    alert: 0.2
    owner: 增长运营组
    play: {section: index.md#conversion}
"""


def load(tmp_path, text, package=True):
    path = tmp_path / "metrics.yml"
    path.write_text(text, encoding="utf-8")
    return Catalogue.load(path, DataPackage.load(BASIC) if package else None)


def message(tmp_path, text):
    with pytest.raises(CatalogueError) as info:
        load(tmp_path, text)
    return str(info.value).split(": ", 1)[1] if ": " in str(info.value) else str(info.value)


def test_basic_catalogue_loads():
    cat = Catalogue.load(BASIC / "metrics.yml", DataPackage.load(BASIC))
    assert list(cat.kpis) == ["conversion_rate", "revenue", "response_time", "satisfaction"]
    assert cat.kpi("conversion_rate").watch_level == 0.30
    assert cat.kpi("conversion_rate").tags == ("headline",)
    assert cat.as_of == ("traffic", "date")
    assert cat.charts["monthly_conversion"].query == "monthly"


def test_status_thresholds_follow_direction(tmp_path):
    higher = load(tmp_path, KPI).kpi("conversion_rate")
    assert [higher.status_of(v) for v in (0.31, 0.30, 0.25, 0.20, 0.19, None)] == [
        "on-track",
        "on-track",
        "watch",
        "watch",
        "alert",
        "no-data",
    ]
    lower = Catalogue.load(BASIC / "metrics.yml").kpi("response_time")  # target 2 h, alert 3 h
    assert [lower.status_of(v) for v in (3600, 7200, 9000, 10801)] == ["on-track", "on-track", "watch", "alert"]


def test_unknown_kpi_suggests():
    cat = Catalogue.load(BASIC / "metrics.yml")
    with pytest.raises(CatalogueError) as info:
        cat.kpi("conversion")
    assert str(info.value).startswith("Unknown KPI 'conversion'. Did you mean 'conversion_rate'?")


def test_missing_key_names_line_and_entry(tmp_path):
    text = KPI.replace("    owner: 增长运营组\n", "")
    with pytest.raises(CatalogueError) as info:
        load(tmp_path, text)
    assert str(info.value).endswith(
        "metrics.yml:2: kpis[0] ('conversion_rate'): missing required key. 'owner' is a required property. See README 'KPI catalogue' for every key."
    )


def test_bad_enum_lists_choices(tmp_path):
    text = KPI.replace("grain: month", "grain: monthly")
    with pytest.raises(CatalogueError) as info:
        load(tmp_path, text)
    assert str(info.value).endswith(
        "metrics.yml:8: kpis[0] ('conversion_rate') grain: 'monthly' is not allowed. Choose one of: day, week, month, quarter, year."
    )


def test_typo_key_lists_allowed(tmp_path):
    with pytest.raises(CatalogueError, match=r"'owners' was unexpected\)\. Allowed keys: .*owner"):
        load(tmp_path, KPI + "    owners: x\n")


def test_both_sql_and_expression_refused(tmp_path):
    with pytest.raises(CatalogueError, match="define either resource \\+ expression"):
        load(tmp_path, KPI + "    sql: SELECT 1\n")


def test_an_sql_kpi_cannot_declare_dimensions(tmp_path):
    text = KPI.replace("    resource: traffic\n", "").replace("    expression: sum(orders) / sum(sessions)\n", "")
    with pytest.raises(CatalogueError, match="An sql KPI has no dimensions"):
        load(tmp_path, text + "    sql: SELECT 1\n    dimensions: [channel]\n")


def test_unknown_resource_and_time_column(tmp_path):
    with pytest.raises(CatalogueError, match=r"unknown resource 'trafic'\. Did you mean 'traffic'\?"):
        load(tmp_path, KPI.replace("resource: traffic", "resource: trafic"))
    with pytest.raises(CatalogueError, match=r"has no column 'day' for time"):
        load(tmp_path, KPI.replace("time: date", "time: day"))
    with pytest.raises(CatalogueError, match=r"time column 'channel' is a string, not a date"):
        load(tmp_path, KPI.replace("time: date", "time: channel"))


def test_duplicate_ids(tmp_path):
    text = KPI + KPI.replace("kpis:\n", "")
    with pytest.raises(
        CatalogueError, match=r"metrics.yml:15: kpis id 'conversion_rate' is defined twice \(first at line 2\)"
    ):
        load(tmp_path, text)


def test_yaml_syntax_error_has_line(tmp_path):
    with pytest.raises(CatalogueError, match=r"metrics.yml:3: invalid YAML"):
        load(tmp_path, "kpis:\n  - id: a\n   label: [\n")


def test_to_date_needs_since(tmp_path):
    with pytest.raises(CatalogueError, match="window: to_date needs since"):
        load(tmp_path, KPI + "    window: to_date\n")


def test_target_range_overshoot_is_watch(tmp_path):
    kpi = load(tmp_path, KPI.replace("    target: 0.3\n", "    target: 0.3\n    target_max: 0.5\n")).kpi(
        "conversion_rate"
    )
    assert [kpi.status_of(v) for v in (0.4, 0.5, 0.55, 0.25, 0.1)] == [
        "on-track",
        "on-track",
        "watch",
        "watch",
        "alert",
    ]


# -- untrusted catalogues: every mistake is a CatalogueError naming the line and the fix ----------


def refused(tmp_path, text) -> str:
    """The CatalogueError message for ``text`` (str or bytes), without the file name."""
    path = tmp_path / "metrics.yml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(CatalogueError) as info:
        Catalogue.load(path, DataPackage.load(BASIC))
    prefix = os.path.relpath(path)
    assert str(info.value).startswith(prefix), str(info.value)
    return str(info.value).removeprefix(prefix)


@pytest.mark.parametrize("key, line", [("target", 11), ("alert", 12), ("watch", 12), ("target_max", 12)])
@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "1.0e+999"])
def test_non_finite_kpi_numbers_are_refused(tmp_path, key, line, value):
    if key in ("target", "alert"):
        text = re.sub(rf"{key}: [0-9.]+", f"{key}: {value}", KPI)
    else:
        text = KPI.replace("    target: 0.3\n", f"    target: 0.3\n    {key}: {value}\n")
    assert (
        refused(tmp_path, text)
        == f":{line}: {key}: {value!r} is not a finite number. Write a number such as 0.3, or leave the key out."
    )


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            "label: 转化率",
            "label: 2025-02-30",
            ":3: label: '2025-02-30' reads as a date but is not one (day is out of range for month). Write a real date as YYYY-MM-DD, or quote it if it is text.",
        ),
        (
            "owner: 增长运营组",
            "owner: 2025-13-01 10:00:00",
            ":13: owner: '2025-13-01 10:00:00' reads as a date but is not one (month must be in 1..12). Write a real date as YYYY-MM-DD, or quote it if it is text.",
        ),
        (
            "target: 0.3",
            "target: " + "9" * 5000,
            f":11: target: '{'9' * 58}… is a number with 5,000 digits. Write a number with at most 100 digits, or quote it if it is text.",
        ),
        (
            "target: 0.3",
            "target: 0x" + "F" * 200,
            f":11: target: '0x{'F' * 56}… is a number with more than 100 digits. Write a smaller number, or quote it if it is text.",
        ),
        (
            "label: 转化率",
            "label: !!python/object/apply:os.system ['echo pwned']",
            ":3: the tag '!!python/object/apply:os.system' is not allowed: only plain text, numbers, dates, lists and mappings are. Remove the tag.",
        ),
        (
            "label: 转化率",
            "label: !!python/name:os.system",
            ":3: label: the tag '!!python/name:os.system' is not allowed: only plain text, numbers, dates, lists and mappings are. Remove the tag.",
        ),
        (
            "target: 0.3",
            "target: !!float x",
            ":11: target: 'x' cannot be read as a number. Quote it if it is text, or fix the value.",
        ),
        (
            "label: 转化率",
            "label: !!timestamp x",
            ":3: label: 'x' reads as a date but is not one. Write a real date as YYYY-MM-DD, or quote it if it is text.",
        ),
        (
            "grain: month",
            "grain: month\n    grain: year",
            ":9: the key 'grain' is given twice in the same entry (first at line 8); YAML would silently keep only the last. Keep one of them.",
        ),
        (
            "label: 转化率",
            'label: "\\e[2J转化率"',
            ":3: label: '\\x1b[2J转化率' contains the control character U+001B. Remove it; it usually comes from a broken export or a copy and paste.",
        ),
        (
            "label: 转化率",
            "label: 转化\x00率",
            ":3: the character #x0000 is not allowed in YAML (control characters are not allowed). Remove it; it often comes from a copy and paste.",
        ),
        (
            "grain: month",
            "grain: month\n    on: 1",
            ":9: the key 'on' is not text (YAML reads it as bool). Quote it, or use a plain name.",
        ),
    ],
)
def test_unreadable_values_are_refused_with_line(tmp_path, old, new, message):
    assert old in KPI
    assert refused(tmp_path, KPI.replace(old, new)) == message


def test_since_must_be_a_real_date(tmp_path):
    text = KPI + "    window: to_date\n    since: 2025-02-30\n"
    assert (
        refused(tmp_path, text)
        == ":16: since: '2025-02-30' reads as a date but is not one (day is out of range for month). Write a real date as YYYY-MM-DD, or quote it if it is text."
    )
    text = KPI + "    window: to_date\n    since: 2025-02-03 10:00:00\n"
    assert (
        refused(tmp_path, text)
        == ":2: KPI 'conversion_rate': since: 2025-02-03 10:00:00 has a time of day. Write the date only, as YYYY-MM-DD."
    )
    text = KPI + "    window: to_date\n    since: 1000\n"
    assert refused(tmp_path, text) == ":2: KPI 'conversion_rate': since: 1000 is not a date. Write it as YYYY-MM-DD."


def test_encodings(tmp_path):
    assert (
        refused(tmp_path, KPI.encode("gbk"))
        == ":3: byte 0xBB is not UTF-8 (invalid start byte). The file was saved in another encoding (such as GBK or Latin-1): save it as UTF-8."
    )
    assert refused(tmp_path, KPI.encode("utf-16")) == ": the file is UTF-16. Save it as UTF-8."
    # Notepad's byte-order mark is fine
    assert list(load(tmp_path, "\ufeff" + KPI).kpis) == ["conversion_rate"]


def test_billion_laughs_is_refused_quickly(tmp_path):
    levels = "".join(f"      - &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    text = KPI + '    tags:\n      - &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + levels
    start = time.perf_counter()
    assert (
        refused(tmp_path, text)
        == ":21: this value expands to more than 200,000 values through YAML aliases (*name). Write the values out, or use fewer aliases."
    )
    assert time.perf_counter() - start < 1


def test_recursive_alias_and_deep_nesting_are_refused(tmp_path):
    assert (
        refused(tmp_path, KPI + "    tags: &t [headline, *t]\n")
        == ":15: a YAML alias here refers to the value that contains it, which never ends. Remove the alias."
    )
    text = KPI + "    tags: " + "[" * 500 + "]" * 500 + "\n"
    assert (
        refused(tmp_path, text)
        == ":15: values nest more than 32 levels deep. The catalogue needs fewer than ten: remove the extra brackets or indentation."
    )
    text = KPI + "    tags: " + "[" * 100_000 + "]" * 100_000 + "\n"
    assert (
        refused(tmp_path, text)
        == ":15: invalid YAML: exceeded maximum nesting depth. Fix the syntax (check indentation and quotes)."
    )


def test_anchors_that_stay_small_still_work(tmp_path):
    text = KPI.replace("play: {section: index.md#conversion}", "play: &p {section: index.md#conversion}") + KPI.replace(
        "kpis:\n", ""
    ).replace("id: conversion_rate", "id: other").replace("play: {section: index.md#conversion}", "play: *p")
    assert load(tmp_path, text).kpi("other").play.section == "index.md#conversion"


def test_wrong_types_are_short_and_say_what_to_write(tmp_path):
    text = KPI.replace("kpis:\n  - id: conversion_rate", "kpis:\n  conversion_rate:\n    id: conversion_rate")
    assert refused(tmp_path, text) == (
        ":2: kpis: {'conversion_rate': {'id': 'conversion_rate', 'label': '转化率… is a mapping, but it must be a list. "
        "Write one entry per line, each starting with '- '."
    )
    assert refused(tmp_path, KPI.replace("target: 0.3", "target: 30%")) == (
        ":11: kpis[0] ('conversion_rate') target: '30%' is text, but it must be a number. Write a plain number such as 0.3, without units or quotes."
    )


def test_every_schema_problem_comes_in_one_run_in_file_order(tmp_path):
    second = (
        KPI.replace("kpis:\n", "").replace("conversion_rate", "revenue").replace("direction: higher", "direction: up")
    )
    text = KPI.replace("grain: month", "grain: monthly").replace("    owner: 增长运营组\n", "") + second
    with pytest.raises(CatalogueError) as info:
        load(tmp_path, text)
    lines = str(info.value).splitlines()
    assert lines[0].startswith("3 problems in ") and lines[0].endswith("metrics.yml:")
    numbers = [int(re.match(r".*?metrics\.yml:(\d+):", line).group(1)) for line in lines[1:]]
    assert len(numbers) == 3 and numbers == sorted(numbers)
    assert "'owner' is a required property" in lines[1] and "'monthly'" in lines[2] and "'up'" in lines[3]


def test_one_process_parses_a_catalogue_again_only_when_its_bytes_change(tmp_path, monkeypatch):
    from site_build.kpis import catalogue_file

    parsed: list[bytes] = []
    read_yaml = catalogue_file._read_yaml
    monkeypatch.setattr(catalogue_file, "_CHECKED", {})
    monkeypatch.setattr(catalogue_file, "_read_yaml", lambda path, raw: parsed.append(raw) or read_yaml(path, raw))
    first = load(tmp_path, KPI)
    assert load(tmp_path, KPI).kpis == first.kpis and len(parsed) == 1  # serve's data edit: not parsed again
    edited = load(tmp_path, KPI.replace("target: 0.3", "target: 0.35"))
    assert edited.kpi("conversion_rate").target == 0.35 and len(parsed) == 2
    # a broken catalogue is never kept: each load reports it
    for _ in range(2):
        assert "ownr" in message(tmp_path, KPI.replace("owner:", "ownr:"))
    assert len(parsed) == 4
