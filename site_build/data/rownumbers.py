"""Row numbers as frictionless counts them, for files with empty lines.

DuckDB skips empty lines; frictionless counts them as rows (and reports
them as blank rows). When a file has any, the findings' row numbers are
shifted to frictionless's numbering.
"""

from __future__ import annotations

import bisect
import csv
from pathlib import Path

from site_build.data.cells import Column
from site_build.data.checks import Finding
from site_build.data.package import Resource


def shift_rows(
    res: Resource, delimiter: str, rows: int, findings: list[Finding], pk: list[Column], first: int, lines: int
) -> tuple[list[Finding], int]:
    """Renumber rows when the file has empty lines, which DuckDB skips but frictionless counts.

    Returns the findings and the number of empty lines.
    """
    empties = _empty_records(res.path, rows + 1, delimiter, lines)
    if not empties:
        return findings, 0
    for f in findings:
        f.samples = [(_real_row(s[0], empties), *s[1:]) for s in f.samples]
        if f.type in ("unique-error", "primary-key") and f.samples and len(f.samples[0]) > 2:
            f.samples = [(r, v, _real_row(n, empties)) for r, v, n in f.samples]
    kinds = [("blank-row", None)] + ([("primary-key", "all key cells empty")] if pk else [])
    for kind, rule in kinds:
        found = next((f for f in findings if f.type == kind and f.rule == rule), None)
        if found is None:
            found = Finding(kind, field=", ".join(c.name for c in pk) if rule else None, rule=rule)
            findings.append(found)
        found.total += len(empties)
        found.samples = sorted(found.samples + [(r, None) for r in empties[:first]])[:first]
    return findings, len(empties)


def count_lines(path: Path) -> int:
    """Lines in the file, counting a last line without a newline."""
    lines, last = 0, b"\n"
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def _empty_records(path: Path, records: int, delimiter: str, lines: int) -> list[int]:
    if lines == records:
        return []  # one record per line: DuckDB's numbering is exact
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        return [n for n, cells in enumerate(csv.reader(fh, delimiter=delimiter), start=1) if not cells]


def _real_row(rn: int, empties: list[int]) -> int:
    row = rn
    while True:
        shifted = rn + bisect.bisect_right(empties, row)
        if shifted == row:
            return row
        row = shifted
