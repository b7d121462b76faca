import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_build.cli import main
from site_build.data.header import read_header
from site_build.data.package import DataPackage
from site_build.data.store import Store
from site_build.data.validation import gate, validate
from site_build.errors import DataInvalid
from tests import parity

PACKAGES = Path(__file__).parent / "packages"
CASES = sorted(p.name for p in PACKAGES.iterdir() if (p / "datapackage.json").exists())


def frictionless_verdict(case: str) -> Counter:
    return parity.frictionless_verdict(PACKAGES / case)


def our_verdict(case: str) -> Counter:
    return parity.engine_verdict(PACKAGES / case)


def test_fixture_per_error_type():
    needed = {"valid", "blank-row", "extra-cell", "missing-cell", "type-error-integer", "type-error-number", "type-error-date",
              "type-error-datetime", "type-error-boolean", "constraint-required", "constraint-unique", "constraint-enum",
              "constraint-pattern", "constraint-minimum", "constraint-maximum", "constraint-minlength", "constraint-maxlength",
              "primary-key", "foreign-key", "duplicate-label", "blank-label", "incorrect-label", "missing-label", "missing-file",
              "bad-descriptor", "encoding", "corrupted-demo"}  # fmt: skip
    assert needed <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_same_verdict_as_frictionless(case):
    expected = frictionless_verdict(case)
    assert our_verdict(case) == expected
    assert bool(expected) == (case not in ("valid", "encoding-detected"))


@pytest.mark.parametrize(
    "case, types",
    [
        ("blank-row", {"blank-row"}),
        ("extra-cell", {"extra-cell"}),
        ("missing-cell", {"missing-cell"}),
        ("constraint-unique", {"unique-error"}),
        ("primary-key", {"primary-key"}),
        ("foreign-key", {"foreign-key"}),
        ("missing-file", {"scheme-error"}),
        ("encoding", {"encoding-error"}),
        ("bad-descriptor", {"schema-error"}),
        ("duplicate-label", {"duplicate-label"}),
        ("blank-label", {"blank-label"}),
        ("incorrect-label", {"incorrect-label"}),
        ("missing-label", {"missing-label"}),
        ("extra-label", {"extra-label"}),
    ],
)
def test_error_type_slugs(case, types):
    report = validate(DataPackage.load(PACKAGES / case))
    assert not report.valid
    assert {e.type for e in report.errors} == types


def test_messages_name_row_field_value_and_rule():
    report = validate(DataPackage.load(PACKAGES / "constraint-minimum"))
    [error] = report.errors
    assert (error.resource, error.path, error.row, error.field, error.field_number) == (
        "data",
        "data.csv",
        3,
        "amount",
        3,
    )
    assert error.message == "amount = -12.5 violates minimum 0"
    assert error.rule == "minimum 0"
    assert error.title == "Constraint Error"
    report = validate(DataPackage.load(PACKAGES / "type-error-date"))
    assert [e.message for e in report.errors] == [
        "day = '2024-02-30' is not a valid date",
        "day = '31/01/2024' is not a valid date",
    ]
    report = validate(DataPackage.load(PACKAGES / "foreign-key"))
    assert [e.message for e in report.errors] == [
        "customer_id = 9 not found in customers(customer_id)",
        "parent_id = 99 not found in orders(order_id)",
    ]
    report = validate(DataPackage.load(PACKAGES / "primary-key"))
    assert [e.message for e in report.errors] == [
        "primary key (id) is empty",
        "id = 1 repeats row 2",
        "id = 01 repeats row 2",
    ]


def test_corrupted_demo_names_all_five_problems():
    report = validate(DataPackage.load(PACKAGES / "corrupted-demo"))
    assert report.flatten(["type", "resourceName", "rowNumber", "fieldName"]) == [
        ["missing-label", "orders", 1, "parent_id"],
        ["type-error", "orders", 4, "order_date"],
        ["constraint-error", "orders", 3, "amount"],
        ["primary-key", "orders", 4, "order_id"],
        ["foreign-key", "orders", 5, "customer_id"],
    ]
    with pytest.raises(DataInvalid) as info:
        gate(DataPackage.load(PACKAGES / "corrupted-demo"))
    text = str(info.value)
    for needle in (
        "parent_id",
        "order_date = '2024/13/03'",
        "amount = -12.5 violates minimum 0",
        "order_id = 11 repeats row 3",
        "customer_id = 9 not found",
    ):
        assert needle in text
    assert info.value.report.error_count == 5


def test_totals_count_every_row_but_list_first_n(tmp_path):
    shutil.copytree(PACKAGES / "constraint-minimum", tmp_path / "pkg")
    lines = ["id,name,amount"] + [f"{i},n{i},{-i}" for i in range(1, 1301)]
    (tmp_path / "pkg" / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = validate(DataPackage.load(tmp_path / "pkg"), errors_per_type=3)
    [group] = report.groups
    assert (group.total, len(group.errors), group.more) == (1300, 3, 1297)
    assert [e.row for e in group.errors] == [2, 3, 4]
    text = report.to_text()
    assert "… and 1,297 more rows share this problem" in text
    assert text.splitlines()[-1].startswith("✗ invalid: 1,300 errors in data")


def test_to_json_and_text_of_valid_package():
    report = validate(DataPackage.load(PACKAGES / "valid"))
    assert report.valid and report.errors == []
    data = report.to_json()
    assert data["valid"] is True and data["error_count"] == 0
    assert data["stats"]["rows"] == {"customers": 3, "orders": 3, "lines": 3, "shipments": 2}
    assert report.to_text().startswith("✓ valid: 4 resources, 11 rows checked in ")


def test_to_json_groups():
    data = validate(DataPackage.load(PACKAGES / "constraint-pattern")).to_json()
    [group] = data["groups"]
    assert {k: group[k] for k in ("type", "resource", "path", "field", "rule", "total", "more")} == {
        "type": "constraint-error", "resource": "data", "path": "data.csv", "field": "code",
        "rule": "pattern [A-Z]{2}[0-9]+", "total": 2, "more": 0,
    }  # fmt: skip
    assert group["errors"][0]["message"] == "code = ab12 violates pattern [A-Z]{2}[0-9]+"
    assert group["errors"][0]["fix"]


def test_progress_reports_each_resource():
    calls = []
    validate(DataPackage.load(PACKAGES / "valid"), progress=lambda *a: calls.append(a))
    assert calls == [("customers", 1, 4), ("orders", 2, 4), ("lines", 3, 4), ("shipments", 4, 4)]


def test_cache_reuses_verdict_until_file_changes(tmp_path):
    shutil.copytree(PACKAGES / "foreign-key", tmp_path / "pkg")
    cache = tmp_path / "cache"
    first = validate(DataPackage.load(tmp_path / "pkg"), store=Store(cache))
    again = validate(DataPackage.load(tmp_path / "pkg"), store=Store(cache))
    assert again.stats["cached"] == ["customers", "orders"]
    assert again.flatten(["type", "row", "message"]) == first.flatten(["type", "row", "message"])
    # Adding the missing customer changes the verdict on orders, which references it.
    with open(tmp_path / "pkg" / "customers.csv", "a", encoding="utf-8") as fh:
        fh.write("9,Ivy,gold,2024-04-01,false,1999,2024-04-01T09:00:00,09:00:00,50\n")
    third = validate(DataPackage.load(tmp_path / "pkg"), store=Store(cache))
    assert third.stats["cached"] == []
    assert third.flatten(["type", "row"]) == [["foreign-key", 6]]


@pytest.mark.parametrize("case", CASES)
def test_headers_from_the_store_give_the_same_verdict_without_frictionless(case, tmp_path, monkeypatch):
    from site_build.data import header as headers

    shutil.copytree(PACKAGES / case, tmp_path / "pkg")
    store = Store(tmp_path / "cache")
    monkeypatch.setattr(headers, "_HEADERS", {})
    first = validate(DataPackage.load(tmp_path / "pkg"), store=store)
    if not store.entries("headers"):
        # Nothing to keep: a bad descriptor, a missing file, or an encoding that frictionless checks whole
        assert not first.valid or case.startswith("encoding"), case
        return
    for namespace in ("reports", "verdicts"):  # the rows are scanned again, with the stored headers
        for entry in store.entries(namespace):
            entry.unlink()
    monkeypatch.setattr(headers, "_HEADERS", {})
    opened = []
    monkeypatch.setattr(headers, "read_header", lambda res, *a: opened.append(res.name) or read_header(res, *a))
    again = validate(DataPackage.load(tmp_path / "pkg"), store=store)
    assert again.to_json()["groups"] == first.to_json()["groups"]
    assert again.stats["rows"] == first.stats["rows"]
    stored = len(store.entries("headers"))
    assert len(opened) == len(first.stats["rows"]) - stored  # only the headers not kept were read again


def test_after_a_one_file_change_only_that_header_is_read_again(tmp_path, monkeypatch):
    from site_build.data import header as headers

    shutil.copytree(PACKAGES / "foreign-key", tmp_path / "pkg")
    store = Store(tmp_path / "cache")
    monkeypatch.setattr(headers, "_HEADERS", {})  # as in a new process
    validate(DataPackage.load(tmp_path / "pkg"), store=store)
    monkeypatch.setattr(headers, "_HEADERS", {})
    opened = []
    monkeypatch.setattr(headers, "read_header", lambda res, *a: opened.append(res.name) or read_header(res, *a))
    monkeypatch.setattr(headers, "open_package", None)  # the descriptor is known valid: no whole package
    with open(tmp_path / "pkg" / "customers.csv", "a", encoding="utf-8") as fh:
        fh.write("9,Ivy,gold,2024-04-01,false,1999,2024-04-01T09:00:00,09:00:00,50\n")
    report = validate(DataPackage.load(tmp_path / "pkg"), store=store)
    assert opened == ["customers"]
    monkeypatch.undo()
    assert report.to_json()["groups"] == validate(DataPackage.load(tmp_path / "pkg")).to_json()["groups"]


def test_an_unchanged_package_reuses_the_whole_report(tmp_path):
    shutil.copytree(PACKAGES / "foreign-key", tmp_path / "pkg")
    store = Store(tmp_path / "cache")
    first = validate(DataPackage.load(tmp_path / "pkg"), store=store, errors_per_type=5)
    assert len(store.entries("reports")) == 1
    again = validate(DataPackage.load(tmp_path / "pkg"), store=store, errors_per_type=5)
    assert not again.valid
    assert again.to_json()["groups"] == first.to_json()["groups"]
    assert again.stats["rows"] == first.stats["rows"]
    # What the report shows depends on the rows listed per problem: another setting is another report.
    validate(DataPackage.load(tmp_path / "pkg"), store=store, errors_per_type=1)
    assert len(store.entries("reports")) == 2
    # A changed descriptor is another package.
    descriptor = tmp_path / "pkg" / "datapackage.json"
    descriptor.write_text(descriptor.read_text(encoding="utf-8").replace("\n", "\n\n", 1), encoding="utf-8")
    validate(DataPackage.load(tmp_path / "pkg"), store=store, errors_per_type=5)
    assert len(store.entries("reports")) == 3


def test_cli_validate_exit_codes():
    runner = CliRunner()
    ok = runner.invoke(main, ["validate", "--data", str(PACKAGES / "valid")])
    assert ok.exit_code == 0, ok.output
    assert "✓ valid" in ok.output
    bad = runner.invoke(main, ["validate", "--data", str(PACKAGES / "corrupted-demo"), "--json", "--errors", "1"])
    assert bad.exit_code == 1
    data = json.loads(bad.output)
    assert data["valid"] is False and data["error_count"] == 5
    usage = runner.invoke(main, ["validate", "--errors", "0"])
    assert usage.exit_code == 2
    missing = runner.invoke(main, ["validate", "--data", str(PACKAGES / "nowhere")])
    assert missing.exit_code == 1
    assert "datapackage.json not found" in missing.output


def test_parquet_resource_checks_typed_columns(tmp_path):
    from site_build.data.scanner import Scanner
    from site_build.data.sql_names import literal

    with Scanner() as scanner:
        scanner.execute(
            f"COPY (SELECT * FROM (VALUES (1, DATE '2024-01-01', 5.0), (2, DATE '2024-01-02', -1.5), (2, NULL, 3.0)) t(id, day, amount)) "
            f"TO {literal(str(tmp_path / 'data.parquet'))} (FORMAT parquet)"
        )
    fields = [
        {"name": "id", "type": "integer"},
        {"name": "day", "type": "date", "constraints": {"required": True}},
        {"name": "amount", "type": "number", "constraints": {"minimum": 0}},
    ]
    descriptor = {
        "name": "pq",
        "resources": [
            {
                "name": "data",
                "path": "data.parquet",
                "format": "parquet",
                "schema": {"fields": fields, "primaryKey": ["id"]},
            }
        ],
    }
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    report = validate(DataPackage.load(tmp_path))
    assert report.flatten(["type", "row", "field", "rule"]) == [
        ["constraint-error", 4, "day", "required"],
        ["constraint-error", 3, "amount", "minimum 0"],
        ["primary-key", 4, "id", "primary key (id)"],
    ]


def _dates_package(tmp_path, values: list[str]) -> DataPackage:
    descriptor = {
        "name": "dates",
        "resources": [
            {
                "name": "sales",
                "path": "sales.csv",
                "schema": {"fields": [{"name": "day", "type": "date"}, {"name": "amount", "type": "number"}]},
            }
        ],
    }
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    rows = "".join(f"{v},{n}\n" for n, v in enumerate(values))
    (tmp_path / "sales.csv").write_text("day,amount\n" + rows, encoding="utf-8")
    return DataPackage.load(tmp_path)


def test_dates_that_all_fail_in_one_layout_get_the_format_that_reads_them(tmp_path):
    report = validate(_dates_package(tmp_path, ["19970101", "19970215", "19971231"]))
    assert not report.valid
    (group,) = report.groups
    assert group.type == "type-error" and group.field == "day"
    assert 'add "format": "%Y%m%d" to field day in datapackage.json' in report.to_text()
    assert group.to_json()["fix"].endswith('add "format": "%Y%m%d" to field day in datapackage.json.')


def test_no_format_is_suggested_when_some_dates_are_fine(tmp_path):
    report = validate(_dates_package(tmp_path, ["1997-01-01", "19970215"]))
    assert not report.valid and '"format"' not in report.to_text()


def test_a_second_validation_in_one_process_reads_only_the_changed_header(tmp_path, monkeypatch):
    from site_build.data import header as headers
    from site_build.data import validation

    shutil.copytree(PACKAGES / "foreign-key", tmp_path / "pkg")
    store = Store(tmp_path / "cache")
    opened: list[str] = []
    read_header = headers.read_header
    monkeypatch.setattr(headers, "_HEADERS", {})
    monkeypatch.setattr(headers, "read_header", lambda res, *a: opened.append(res.name) or read_header(res, *a))
    first = validate(DataPackage.load(tmp_path / "pkg"), store=store)
    assert opened == ["customers", "orders"]
    # Renaming a column in the header: only that file is read again, and the rename is reported.
    opened.clear()
    customers = tmp_path / "pkg" / "customers.csv"
    customers.write_text(customers.read_text(encoding="utf-8").replace("name", "nom", 1), encoding="utf-8")
    second = validate(DataPackage.load(tmp_path / "pkg"), store=store)
    assert opened == ["customers"]
    assert ["incorrect-label", "customers"] in second.flatten(["type", "resource"])
    # Back as it was: the verdict is the first one, and the header comes from memory.
    opened.clear()
    customers.write_text(customers.read_text(encoding="utf-8").replace("nom", "name", 1), encoding="utf-8")
    monkeypatch.setattr(validation, "load_report", lambda *a: None)  # not the whole stored report
    third = validate(DataPackage.load(tmp_path / "pkg"), store=store)
    assert opened == []
    assert third.flatten(["type", "resource", "row"]) == first.flatten(["type", "resource", "row"])
