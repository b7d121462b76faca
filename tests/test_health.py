import datetime as dt
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

from site_build.data.engine import QueryEngine
from site_build.data.package import DataPackage
from site_build.data.validation import validate
from site_build.views.health import last_modified, render_health, resource_health

PACKAGES = Path(__file__).parent / "packages"


class Sections(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.text = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self.ids.append(dict(attrs)["id"])

    def handle_data(self, data):
        self.text.append(data)


def _health(case):
    package = DataPackage.load(PACKAGES / case)
    report = validate(package)
    with QueryEngine(package) as engine:
        return package, report, resource_health(package, report, engine), render_health(package, report, engine)


def test_resource_health_facts():
    package, _, health, _ = _health("valid")
    assert [r["name"] for r in health] == ["customers", "orders", "lines", "shipments"]
    orders = health[1]
    assert orders["anchor"] == "data-orders"
    assert (orders["path"], orders["rows"], orders["status"], orders["errors"]) == ("orders.csv", 3, "valid", 0)
    assert orders["time_range"] == [{"field": "order_date", "min": "2024-03-01", "max": "2024-03-03"}]
    assert orders["fields"][0] == {"name": "order_id", "type": "integer", "title": "", "constraints": "primaryKey"}
    assert orders["fields"][3]["constraints"] == "minimum 0"
    assert len(orders["sha256"]) == 64
    # tracked by git and unchanged: the last commit's date, the same in every clone
    committed = subprocess.run(
        ["git", "log", "-1", "--format=%cs", "--", "orders.csv"],
        cwd=PACKAGES / "valid",
        capture_output=True,
        text=True,
        check=True,
    )
    assert orders["modified"] == committed.stdout.strip()
    customers = health[0]
    assert [t["field"] for t in customers["time_range"]] == ["signup", "last_seen"]


def test_last_modified_of_an_untracked_file_is_its_mtime(tmp_path):
    copy = tmp_path / "orders.csv"
    shutil.copy(PACKAGES / "valid" / "orders.csv", copy)
    os.utime(copy, (0, dt.datetime(2024, 5, 6, 12, tzinfo=dt.timezone.utc).timestamp()))
    assert last_modified(copy) == "2024-05-06"


def test_health_html_sections_and_status():
    _, _, _, html = _health("valid")
    parser = Sections()
    parser.feed(str(html))
    assert parser.ids == ["data-customers", "data-orders", "data-lines", "data-shipments"]
    text = "".join(parser.text)
    for label in (
        "路径",
        "行数",
        "哈希",
        "时间范围",
        "最后修改",
        "校验状态",
        "✓ 通过",
        "order_date：2024-03-01 至 2024-03-03",
    ):
        assert label in text


def test_health_shows_invalid_resource():
    _, report, health, html = _health("constraint-minimum")
    assert health[0]["status"] == "invalid" and health[0]["errors"] == report.error_count == 1
    assert "✗ 未通过（1 个错误）" in str(html)


def test_last_modified_uses_the_commit_date_of_a_tracked_unchanged_file(tmp_path):
    import subprocess

    from site_build.views.health import last_modified

    data = tmp_path / "orders.csv"
    data.write_text("a\n1\n")
    env = {
        "GIT_AUTHOR_DATE": "2024-03-05T12:00:00Z",
        "GIT_COMMITTER_DATE": "2024-03-05T12:00:00Z",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "PATH": "/usr/bin:/bin",
    }
    for cmd in (["git", "init", "-q"], ["git", "add", "orders.csv"], ["git", "commit", "-q", "-m", "data"]):
        subprocess.run(cmd, cwd=tmp_path, check=True, env=env)
    assert last_modified(data) == "2024-03-05"
    data.write_text("a\n2\n")  # an uncommitted change: the file's own time
    assert last_modified(data) != "2024-03-05"
