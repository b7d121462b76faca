"""Offline archives: deterministic bytes, a single-version publish tree inside."""

from __future__ import annotations

import json
import os
import stat
import zipfile

import pytest
from publish_helpers import check_tree, make_site, versions_js

from site_build import fsutil
from site_build.errors import PublishError
from site_build.publish.archive import archive, slug


def test_two_archives_of_the_same_build_are_byte_identical(tmp_path):
    make_site(tmp_path / "site", pages=("index.html", "a.html", "sub/b.html"))
    first = archive(tmp_path / "site", tmp_path / "one").read_bytes()
    # A copy with other mtimes and permissions must not change a byte.
    make_site(tmp_path / "copy", pages=("index.html", "a.html", "sub/b.html"))
    for path in (tmp_path / "copy").rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
        os.chmod(path, 0o700)
    second = archive(tmp_path / "copy", tmp_path / "two").read_bytes()
    assert first == second


def test_archive_layout_and_metadata(tmp_path):
    build = make_site(tmp_path / "site", pages=("index.html", "sub/b.html"))
    path = archive(tmp_path / "site", tmp_path / "dist")
    top = f"电商运营战略手册-{build['version']}"
    assert path == tmp_path / "dist" / f"{top}.zip"
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        assert names == sorted(names)
        assert f"{top}/index.html" in names and f"{top}/versions.json" in names and f"{top}/versions.js" in names
        assert f"{top}/{build['version']}/sub/b.html" in names
        for info in infos:
            assert info.date_time == (2026, 10, 31, 0, 0, 0)
            assert info.extra == b""
            mode = info.external_attr >> 16
            assert stat.S_IMODE(mode) == (0o755 if info.is_dir() else 0o644), info.filename
        entries = json.loads(zf.read(f"{top}/versions.json"))
    assert [(e["version"], e["aliases"]) for e in entries] == [(build["version"], ["latest"])]


def test_unzipped_archive_is_a_complete_publish_tree(tmp_path):
    build = make_site(tmp_path / "site")
    with zipfile.ZipFile(archive(tmp_path / "site", tmp_path / "dist")) as zf:
        zf.extractall(tmp_path / "out")
    tree = tmp_path / "out" / f"电商运营战略手册-{build['version']}"
    assert check_tree(tree) == []
    assert versions_js(tree) == [build["version"]]
    assert (tree / build["version"] / "a.html").read_bytes() == (tmp_path / "site/a.html").read_bytes()


def test_the_archive_carries_the_pdf_and_its_version_list_names_it(tmp_path):
    build = make_site(tmp_path / "site")
    name = f"电商运营战略手册-{build['version']}.pdf"
    (tmp_path / "site" / name).write_bytes(b"%PDF-1.7 stand-in: archive copies files, it does not read them")
    with zipfile.ZipFile(archive(tmp_path / "site", tmp_path / "dist")) as zf:
        top = f"电商运营战略手册-{build['version']}"
        assert zf.read(f"{top}/{build['version']}/{name}").startswith(b"%PDF")
        entries = json.loads(zf.read(f"{top}/versions.json"))
    assert entries[0]["properties"]["pdf"] == name
    bare = make_site(tmp_path / "bare", salt="b")
    with zipfile.ZipFile(archive(tmp_path / "bare", tmp_path / "dist")) as zf:
        listed = json.loads(zf.read(f"电商运营战略手册-{bare['version']}/versions.json"))
    assert "pdf" not in listed[0]["properties"]


def test_archive_name_and_missing_build(tmp_path):
    build = make_site(tmp_path / "site")
    assert archive(tmp_path / "site", tmp_path / "dist", name="Q4 Review").name == f"q4-review-{build['version']}.zip"
    assert not [p for p in (tmp_path / "dist").iterdir() if fsutil.is_temp(p)]
    with pytest.raises(PublishError, match="Run `handbook build` first"):
        archive(tmp_path / "nothing", tmp_path / "dist")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("电商运营战略手册", "电商运营战略手册"),
        ("电商 运营/手册", "电商-运营-手册"),
        ("  ", "handbook"),
        ("Ｑ４ Plan!", "q4-plan"),
    ],
)
def test_slug(text, expected):
    assert slug(text) == expected


def test_a_full_disk_fails_archive_cleanly_and_keeps_the_previous_zip(tmp_path, small_disk):
    from click.testing import CliRunner

    from site_build.cli import main

    dist = small_disk("1m") / "dist"
    build = make_site(tmp_path / "site")
    previous = archive(tmp_path / "site", dist)
    before = previous.read_bytes()
    (tmp_path / "site" / "data.bin").write_bytes(os.urandom(2 << 20))  # 2 MB that deflate cannot shrink
    result = CliRunner().invoke(main, ["archive", "--site", str(tmp_path / "site"), "--dist", str(dist)])
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"Error: Archiving {tmp_path}/site/ failed at {dist}/电商运营战略手册-{build['version']}.zip: no space left on device. "
        f"The partial zip was removed; {dist}/ holds what it held before.\n"
        "Fix: free space on that disk, or write the zip to another disk with --dist DIR.\n"
    )
    assert [p.name for p in dist.iterdir()] == [previous.name]
    assert previous.read_bytes() == before
