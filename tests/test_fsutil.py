"""fsutil: a file is whole or absent, whatever fails and whoever writes at the same time."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest

from site_build import fsutil

# fork: the children run functions of this module without importing it again
FORK = multiprocessing.get_context("fork")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if fsutil.is_temp(p))


def test_a_value_that_fails_half_way_through_json_leaves_the_old_file(tmp_path):
    target = tmp_path / "verdict.json"
    target.write_text('{"old": true}', encoding="utf-8")
    seen_while_writing = []

    def refuse(value):
        # By now the first megabyte went into the temporary file (past any buffer), so the failure is mid-file.
        seen_while_writing.extend((p.name, p.stat().st_size) for p in tmp_path.iterdir() if fsutil.is_temp(p))
        raise TypeError(f"cannot serialise {value!r}")

    with pytest.raises(TypeError, match="cannot serialise"):
        fsutil.atomic_write_json(target, {"a": "x" * (1 << 20), "b": object()}, default=refuse)
    assert len(seen_while_writing) == 1 and seen_while_writing[0][1] >= 1 << 20
    assert target.read_text(encoding="utf-8") == '{"old": true}'
    assert _leftovers(tmp_path) == []


def test_a_full_disk_leaves_the_old_file_and_no_temporary_one(small_disk):
    disk = small_disk("64k")
    target = disk / "versions.json"
    target.write_bytes(b"[]")
    with pytest.raises(OSError) as e:
        fsutil.atomic_write_bytes(target, b"x" * (1 << 20))
    assert e.value.errno == errno.ENOSPC
    assert target.read_bytes() == b"[]"
    assert _leftovers(disk) == []


def test_writes_replace_whole_files_with_the_umask_permissions(tmp_path):
    target = tmp_path / "index.html"
    old = os.umask(0o022)
    try:
        fsutil.atomic_write_text(target, "第一版")
        fsutil.atomic_write_text(target, "第二版")
    finally:
        os.umask(old)
    assert target.read_text(encoding="utf-8") == "第二版"
    assert target.stat().st_mode & 0o777 == 0o644  # a web server must be able to read it
    fsutil.atomic_write_json(target, {"名": 1}, sort_keys=True)
    assert json.loads(target.read_text(encoding="utf-8")) == {"名": 1}
    assert _leftovers(tmp_path) == []


def test_temporary_names_are_unique_and_carry_the_pid(tmp_path):
    target = tmp_path / "a.json"
    names = {fsutil.temp_path(target).name for _ in range(100)}
    assert len(names) == 100
    for name in names:
        assert name.startswith(".a.json.") and f".{os.getpid()}." in name
        assert fsutil.is_temp(tmp_path / name)
    assert not fsutil.is_temp(target)
    assert fsutil.is_temp(tmp_path / ".tmp-2026.01.01-abcdef-99")


def _write_many(path: str, letter: str, size: int, count: int) -> None:
    for _ in range(count):
        fsutil.atomic_write_bytes(Path(path), letter.encode() * size)


def test_two_processes_writing_one_path_never_show_a_torn_file(tmp_path):
    target = tmp_path / "bundle.js"
    size = 256 << 10
    target.write_bytes(b"a" * size)
    writers = [FORK.Process(target=_write_many, args=(str(target), letter, size, 40)) for letter in "bc"]
    for w in writers:
        w.start()
    reads, torn = 0, []
    while any(w.is_alive() for w in writers):
        data = target.read_bytes()
        reads += 1
        if len(data) != size or len(set(data)) != 1:
            torn.append((len(data), sorted(set(data))))
    for w in writers:
        w.join()
        assert w.exitcode == 0
    assert reads > 10 and torn == []
    assert target.read_bytes() in (b"b" * size, b"c" * size)
    assert _leftovers(tmp_path) == []


def _try_lock(path: str, timeout: float, result) -> None:
    try:
        with fsutil.lock(Path(path), timeout=timeout):
            result.put(("acquired", os.getpid()))
    except fsutil.LockTimeout as e:
        result.put(("timeout", e.holder))


def test_a_lock_excludes_another_process_and_names_its_holder(tmp_path):
    path = tmp_path / ".publish.lock"
    result = FORK.Queue()
    with fsutil.lock(path):
        child = FORK.Process(target=_try_lock, args=(str(path), 0.3, result))
        child.start()
        child.join(10)
        assert result.get(timeout=5) == ("timeout", os.getpid())
    child = FORK.Process(target=_try_lock, args=(str(path), 5, result))
    child.start()
    child.join(10)
    assert result.get(timeout=5) == ("acquired", child.pid)


def _hold_lock_forever(path: str, ready) -> None:
    with fsutil.lock(Path(path)):
        ready.set()
        time.sleep(60)


def test_a_killed_holder_releases_the_lock(tmp_path):
    path = tmp_path / "build.lock"
    ready = FORK.Event()
    child = FORK.Process(target=_hold_lock_forever, args=(str(path), ready))
    child.start()
    assert ready.wait(10)
    with pytest.raises(fsutil.LockTimeout) as e:
        with fsutil.lock(path, timeout=0.2):
            pass
    assert e.value.holder == child.pid
    os.kill(child.pid, signal.SIGKILL)
    child.join(10)
    started = time.monotonic()
    with fsutil.lock(path, timeout=5):
        assert fsutil.holder(path) == os.getpid()
    assert time.monotonic() - started < 2


def test_swap_in_replaces_a_folder_and_leaves_nothing_aside(tmp_path):
    dest, staging = tmp_path / "site", tmp_path / "site.staging-1"
    (dest / "old").mkdir(parents=True)
    (staging / "new").mkdir(parents=True)
    fsutil.swap_in(staging, dest)
    assert [p.name for p in dest.iterdir()] == ["new"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_discard_renames_aside_before_deleting(tmp_path):
    (tmp_path / "v1" / "sub").mkdir(parents=True)
    (tmp_path / "v1" / "sub" / "a.html").write_text("x")
    fsutil.discard(tmp_path / "v1", tmp_path / ".trash-v1-1")
    assert list(tmp_path.iterdir()) == []


def test_copy_tree_names_the_file_it_could_not_write(tmp_path, small_disk):
    src = tmp_path / "site"
    src.mkdir()
    (src / "big.bin").write_bytes(os.urandom(1 << 20))
    dst = small_disk("64k") / "copy"
    with pytest.raises(OSError) as e:
        fsutil.copy_tree(src, dst)
    assert e.value.errno == errno.ENOSPC
    assert e.value.filename2 == str(dst / "big.bin")
