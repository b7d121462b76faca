import json
import os
from pathlib import Path

import pytest

from site_build.data.package import DataPackage, Fingerprints
from site_build.data.store import Store
from site_build.errors import PackageError

BASIC = Path(__file__).parent / "sites" / "basic" / "data"


def write_package(tmp_path, descriptor):
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return tmp_path


def test_load_basic():
    pkg = DataPackage.load(BASIC)
    assert list(pkg.resources) == ["traffic", "tickets"]
    traffic = pkg.resource("traffic")
    assert traffic.primary_key == ("date", "channel")
    assert [f.name for f in traffic.time_fields] == ["date"]


def test_unknown_resource_suggests():
    with pytest.raises(PackageError) as info:
        DataPackage.load(BASIC).resource("trafic")
    assert "No resource named 'trafic'" in str(info.value)
    assert "Did you mean 'traffic'?" in str(info.value)
    assert "Available resources: tickets, traffic." in str(info.value)


def test_missing_descriptor(tmp_path):
    with pytest.raises(PackageError, match="datapackage.json not found"):
        DataPackage.load(tmp_path)


def test_invalid_json_names_line(tmp_path):
    (tmp_path / "datapackage.json").write_text('{"resources": [\n  {"name": "a",}\n]}')
    with pytest.raises(PackageError, match=r"datapackage.json:2:\d+: invalid JSON"):
        DataPackage.load(tmp_path)


def test_path_outside_package_refused(tmp_path):
    write_package(tmp_path, {"resources": [{"name": "a", "path": "../a.csv", "schema": {"fields": []}}]})
    with pytest.raises(PackageError, match="points outside"):
        DataPackage.load(tmp_path)


def test_unsupported_type(tmp_path):
    write_package(
        tmp_path,
        {"resources": [{"name": "a", "path": "a.csv", "schema": {"fields": [{"name": "g", "type": "geopoint"}]}}]},
    )
    with pytest.raises(PackageError, match="field 'g' has type 'geopoint'"):
        DataPackage.load(tmp_path)


def test_fingerprints_memoised(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("a\n1\n")
    memo = Store(tmp_path / "cache")
    prints = Fingerprints(memo)
    first = prints.of(f)
    prints.save()
    assert len(memo.entries("fingerprints")) == 1
    again = Fingerprints(memo)
    assert again.of(f) == first and not again._dirty
    f.write_text("a\n2\n")
    assert again.of(f) != first


# -- untrusted descriptors: every mistake is a PackageError naming the key and the fix --------

GOOD = {"resources": [{"name": "a", "path": "a.csv", "schema": {"fields": [{"name": "x", "type": "integer"}]}}]}


def refused(tmp_path, descriptor) -> str:
    """The PackageError message for ``descriptor`` (a dict, or the file's text or bytes), without the file name."""
    path = tmp_path / "datapackage.json"
    if isinstance(descriptor, dict):
        descriptor = json.dumps(descriptor, ensure_ascii=False)
    path.write_bytes(descriptor if isinstance(descriptor, bytes) else descriptor.encode())
    with pytest.raises(PackageError) as info:
        DataPackage.load(tmp_path)
    prefix = os.path.relpath(path)
    assert str(info.value).startswith(prefix), str(info.value)
    return str(info.value).removeprefix(prefix)


def changed(**resource) -> dict:
    """GOOD with the first resource's keys replaced (None deletes a key)."""
    out = json.loads(json.dumps(GOOD))
    for key, value in resource.items():
        if value is None:
            del out["resources"][0][key]
        else:
            out["resources"][0][key] = value
    return out


def with_field(**field) -> dict:
    return changed(schema={"fields": [{"name": "x", "type": "integer", **field}]})


@pytest.mark.parametrize(
    "descriptor, message",
    [
        (
            changed(schema={"fields": [{}]}),
            ": resources[0].schema.fields[0] needs a 'name': the column's header in the file.",
        ),
        (
            changed(schema={"fields": [None]}),
            ': resources[0].schema.fields[0] is null, but it must be an object. Write it like {"name": "order_id", "type": "string"}.',
        ),
        (
            changed(schema={"fields": "x"}),
            """: resources[0].schema.fields is a string ('x'), but it must be a list. Write it like 'fields': [{"name": "order_id", "type": "string"}].""",
        ),
        (
            with_field(constraints="x"),
            """: resources[0].schema.fields[0].constraints is a string ('x'), but it must be an object. Write it like 'constraints': {"required": true}.""",
        ),
        (
            with_field(constraints={"required": "yes"}),
            ": resources[0].schema.fields[0].constraints.required is a string ('yes'), but it must be true or false. Write it like 'required': true.",
        ),
        (
            with_field(constraints={"minLength": "3"}),
            ": resources[0].schema.fields[0].constraints.minLength is a string ('3'), but it must be an integer. Write it like 'minLength': 1.",
        ),
        (
            with_field(constraints={"maxLength": -1}),
            ": resources[0].schema.fields[0].constraints.maxLength is -1; a length cannot be negative. Use 0 or more.",
        ),
        (
            with_field(constraints={"pattern": "["}),
            ": resources[0].schema.fields[0].constraints.pattern '[' is not a regular expression: unterminated character set at position 0. Fix the pattern (escape [ and ( with a backslash).",
        ),
        (
            with_field(type={"a": 1}),
            """: resources[0].schema.fields[0].type is an object, but it must be a string. Write it like 'type': "string".""",
        ),
        (
            with_field(name=1),
            """: resources[0].schema.fields[0].name is an integer (1), but it must be a string. Write it like 'name': "order_id".""",
        ),
        (
            with_field(name="a\tb"),
            ": resources[0].schema.fields[0].name 'a\\tb' contains a tab or a line break. Use a plain name.",
        ),
        (changed(format="CSV"), """: resources[0].format is 'CSV'; formats are lower case. Write "format": "csv"."""),
        (
            changed(format=["csv"]),
            """: resources[0].format is a list, but it must be a string. Write it like 'format': "csv".""",
        ),
        (
            changed(name=1),
            """: resources[0].name is an integer (1), but it must be a string. Write it like 'name': "orders".""",
        ),
        (changed(name=None), ": resources[0] needs a 'name' (a lower-case identifier such as 'orders')."),
        (
            changed(schema=None),
            ": resources[0] (resource 'a') needs a 'schema' with a 'fields' list, one entry per column.",
        ),
        (changed(schema={}), ": resources[0].schema (resource 'a') needs a 'fields' list, one entry per column."),
        (
            changed(schema={"fields": [], "primaryKey": 1}),
            """: resources[0].schema.primaryKey is an integer (1), but it must be a string or a list. Write it like 'primaryKey': ["order_id"].""",
        ),
        (
            changed(schema={"fields": [], "primaryKey": [1]}),
            """: resources[0].schema.primaryKey must list field names as strings, not [1]. Write it like ["customer_id"].""",
        ),
        (
            changed(schema={"fields": [], "foreignKeys": [{"fields": ["x"], "reference": "y"}]}),
            """: resources[0].schema.foreignKeys[0].reference is a string ('y'), but it must be an object. Write it like 'reference': {"resource": "customers", "fields": ["customer_id"]}.""",
        ),
        (
            changed(schema={"fields": [], "foreignKeys": [{"fields": ["x"]}]}),
            """: resources[0].schema.foreignKeys[0] needs a 'reference' to the resource and fields it points to. Write it like {"fields": ["customer_id"], "reference": {"resource": "customers", "fields": ["customer_id"]}}.""",
        ),
        (
            changed(dialect={"delimiter": 1}),
            """: resources[0].dialect.delimiter is an integer (1), but it must be a string. Write it like 'delimiter': ";".""",
        ),
        (
            changed(dialect="x"),
            """: resources[0].dialect is a string ('x'), but it must be an object. Write it like 'dialect': {"delimiter": ";"}.""",
        ),
        (
            {"resources": "x"},
            """: resources is a string ('x'), but it must be a list. Write it like 'resources': [{"name": "orders", "path": "orders.csv", "schema": …}].""",
        ),
        (
            "[]",
            """: a descriptor is an object with a 'resources' list. Write it like {"resources": [{"name": "orders", "path": "orders.csv", "schema": …}]}.""",
        ),
        (
            {"resources": [None]},
            ': resources[0] is null, but it must be an object. Write it like {"name": "orders", "path": "orders.csv", "schema": {"fields": […]}}.',
        ),
        ({**GOOD, "title": None}, """: title is null, but it must be a string. Write it like 'title': "销售数据"."""),
    ],
)
def test_descriptor_type_confusion_is_refused_with_key(tmp_path, descriptor, message):
    assert refused(tmp_path, descriptor) == message


@pytest.mark.parametrize(
    "text, message",
    [
        (
            '{"resources": [\n{"name": "订单"}]}'.encode("gbk"),
            ":2: byte 0xB6 is not UTF-8 (invalid start byte). The file was saved in another encoding (such as GBK or Latin-1): save it as UTF-8.",
        ),
        (json.dumps(GOOD).encode("utf-16"), ": the file is UTF-16. Save it as UTF-8 without a byte-order mark."),
        (
            b"\xef\xbb\xbf" + json.dumps(GOOD).encode(),
            ": the file starts with a UTF-8 byte-order mark (BOM). Save it as UTF-8 without BOM.",
        ),
        (b"", ":1:1: invalid JSON: Expecting value. Fix the syntax and build again."),
        (
            '{"resources": [], "x":\n' + "[" * 100_000 + "]" * 100_000 + "}",
            ":2: brackets nest more than 32 levels deep. A descriptor needs fewer than ten: remove the extra brackets.",
        ),
        (
            json.dumps(changed(title="x")).replace('"title": "x"', '"title": ' + "9" * 5000),
            ": resources[0].title is a number with 5,000 digits. Write a number with at most 100 digits.",
        ),
        (
            json.dumps(with_field(constraints={"maximum": "M"})).replace('"M"', "NaN"),
            ": resources[0].schema.fields[0].constraints.maximum is NaN, which is not a number in JSON. Write a finite number, or leave the key out.",
        ),
        (
            json.dumps(with_field(constraints={"maximum": "M"})).replace('"M"', "1e400"),
            ": resources[0].schema.fields[0].constraints.maximum is '1e400', too large to be a number. Write a smaller number.",
        ),
        (
            json.dumps(GOOD).replace('"name": "x"', '"name": "x", "name": "y"'),
            ": resources[0].schema.fields[0] has the key 'name' twice; one of the values would be silently lost. Keep one of them.",
        ),
        (
            json.dumps(GOOD).replace('"name": "x"', '"name": "\\ud800"'),
            ": resources[0].schema.fields[0].name '\\ud800' holds half of a UTF-16 pair (a \\ud800-\\udfff escape), which cannot be written as UTF-8. Remove the escape.",
        ),
        (
            json.dumps(changed(path="a.csv\u0000")),
            ": resources[0].path 'a.csv\\x00' contains the control character U+0000. Remove it; it usually comes from a broken export or a copy and paste.",
        ),
        (
            json.dumps(changed(title="\u001b[2J")),
            ": resources[0].title '\\x1b[2J' contains the control character U+001B. Remove it; it usually comes from a broken export or a copy and paste.",
        ),
        (
            json.dumps({**GOOD, "x": {"a b\u0007": 1}}),
            ": x has the key 'a b\\x07', which contains the control character U+0007. Remove it; it usually comes from a broken export or a copy and paste.",
        ),
        (
            json.dumps({**GOOD, "x": {"a b": float("nan")}}),
            ": x['a b'] is NaN, which is not a number in JSON. Write a finite number, or leave the key out.",
        ),
    ],
)
def test_unreadable_descriptor_is_refused(tmp_path, text, message):
    assert refused(tmp_path, text) == message


@pytest.mark.parametrize(
    "path, problem",
    [
        (
            "/etc/passwd",
            "points outside {root}/: absolute paths and '..' are refused. Keep data files inside the package folder and give their path relative to it.",
        ),
        (
            "sub/../../a.csv",
            "points outside {root}/: absolute paths and '..' are refused. Keep data files inside the package folder and give their path relative to it.",
        ),
        (
            "http://example.com/a.csv",
            "is a URL; the handbook reads only files inside {root}/ and never the network. Save the file there and give its relative path.",
        ),
        ("..\\a.csv", "contains a backslash. Write the path with forward slashes, relative to {root}/."),
        (".", "is a folder. Give the path of one file inside {root}/."),
    ],
)
def test_resource_path_must_stay_inside(tmp_path, path, problem):
    root = os.path.relpath(tmp_path)
    expected = f": resources[0].path {path!r} (resource 'a') " + problem.format(root=root)
    assert refused(tmp_path, changed(path=path)) == expected


def test_missing_schema_file(tmp_path):
    message = refused(tmp_path, changed(schema="schema.json"))
    assert (
        message
        == f": resources[0].schema: {os.path.relpath(tmp_path / 'schema.json')} not found. Create it, or write the schema inline."
    )


@pytest.mark.parametrize("path", ["a.csv", "linked/secret.csv"])
def test_symlink_out_of_the_package_is_refused(tmp_path, path):
    (tmp_path / "secret.csv").write_text("x\n1\n")
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").symlink_to(tmp_path / "secret.csv")
    (data / "linked").symlink_to(tmp_path, target_is_directory=True)
    assert refused(data, changed(path=path)) == (
        f": resources[0].path {path!r} (resource 'a') points outside {os.path.relpath(data)}/: through a symbolic link it leads to "
        f"{tmp_path / 'secret.csv'}. Keep data files inside the package folder: copy the file in instead of linking to it."
    )


def test_schema_symlink_out_of_the_package_is_refused(tmp_path):
    (tmp_path / "schema.json").write_text('{"fields": []}')
    data = tmp_path / "data"
    data.mkdir()
    (data / "schema.json").symlink_to(tmp_path / "schema.json")
    message = refused(data, changed(schema="schema.json"))
    assert message == (
        f": resources[0].schema 'schema.json' (resource 'a') points outside {os.path.relpath(data)}/: through a symbolic link it leads to "
        f"{tmp_path / 'schema.json'}. Keep data files inside the package folder: copy the file in instead of linking to it."
    )


def test_symlinks_inside_the_package_and_unused_ones_are_fine(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "real.csv").write_text("x\n1\n")
    (data / "a.csv").symlink_to("real.csv")
    (data / "unused-out").symlink_to(tmp_path)
    (data / "unused-dangling").symlink_to("/nonexistent/file.csv")
    (data / "schema.json").write_text('{"fields": [{"name": "x", "type": "integer"}]}')
    write_package(data, changed(schema="schema.json"))
    package = DataPackage.load(data)
    assert package.resource("a").path == (data / "real.csv").resolve()
    assert [f.name for f in package.resource("a").fields] == ["x"]


def test_upper_case_file_suffix_reads_as_its_format(tmp_path):
    # frictionless lower-cases a suffix it infers from; only a written "format" must be lower case
    package = DataPackage.load(write_package(tmp_path, changed(path="A.CSV")))
    assert package.resource("a").format == "csv"
