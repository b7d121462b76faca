"""The validation gate stops the real handbook's build on bad data and loses nothing."""

import shutil
from pathlib import Path

from tests.sitebuild import HANDBOOK_TODAY, build


def _edit_csv(path: Path, edit):
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")


def test_corrupted_demo_data_stops_the_build_with_one_report(handbook_project, tmp_path):
    project = tmp_path / "corrupt"
    shutil.copytree(handbook_project, project)
    before = {p.relative_to(project / "site"): p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
    data = project / "data"
    header = (data / "orders.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    amount, date_col = header.index("amount"), header.index("order_date")

    def corrupt_orders(lines):
        row2 = lines[2].split(",")
        row2[amount] = "-12.5"  # a negative amount
        lines[2] = ",".join(row2)
        row3 = lines[3].split(",")
        row3[date_col] = "2026-02-30"  # a bad date
        lines[3] = ",".join(row3)
        lines.append(lines[4])  # a duplicate id
        return lines

    _edit_csv(data / "orders.csv", corrupt_orders)
    # a missing column: drop the last column of products.csv
    _edit_csv(data / "products.csv", lambda lines: [",".join(l.split(",")[:-1]) for l in lines])
    # a dangling foreign key: an order item pointing at an order that does not exist
    _edit_csv(data / "order_items.csv", lambda lines: [lines[0], "999999999," + lines[1].split(",", 1)[1], *lines[2:]])

    result = build(project, today=HANDBOOK_TODAY)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    out = result.output
    assert "violates minimum 0" in out and "-12.5" in out
    assert "type-error" in out and "2026-02-30" in out
    assert "primary-key" in out or "unique-error" in out
    assert "missing-label" in out
    assert "foreign-key" in out
    after = {p.relative_to(project / "site"): p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
    assert after == before  # the previous site is intact, byte for byte
