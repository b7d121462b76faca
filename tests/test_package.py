import json
from pathlib import Path

import pytest

from site_build.errors import PackageError
from site_build.package import DataPackage, Fingerprints

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
    write_package(tmp_path, {"resources": [{"name": "a", "path": "a.csv", "schema": {"fields": [{"name": "g", "type": "geopoint"}]}}]})
    with pytest.raises(PackageError, match="field 'g' has type 'geopoint'"):
        DataPackage.load(tmp_path)


def test_fingerprints_memoised(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("a\n1\n")
    memo = tmp_path / "memo.json"
    prints = Fingerprints(memo)
    first = prints.of(f)
    prints.save()
    again = Fingerprints(memo)
    assert again.of(f) == first and not again._dirty
    f.write_text("a\n2\n")
    assert again.of(f) != first
