"""A deterministic corpus of mutated CSVs: validation never raises anything but a report.

The corpus is generated from a fixed seed (no files to keep in sync): binary
junk, NUL bytes, BOMs, mixed line endings, unterminated quotes, huge fields,
wrong widths, non-UTF-8 bytes, empty and header-only files. For the mutations
whose CSV both readers parse alike, the verdict (valid or not) must match
frictionless-py's.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import frictionless
import pytest

from site_build.data.package import DataPackage
from site_build.data.validation import validate

SEED = 20261202
BASE = b"id,name,amount,day\n1,Ann,2.5,2024-01-01\n2,Bo,3,2024-01-02\n3,Cy,-1,2024-01-03\n"
SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer", "constraints": {"unique": True}},
        {"name": "name", "type": "string"},
        {"name": "amount", "type": "number", "constraints": {"minimum": 0}},
        {"name": "day", "type": "date"},
    ]
}


def _mutations(rng: random.Random) -> dict[str, bytes]:
    junk = bytes(rng.randrange(256) for _ in range(200))
    lines = BASE.split(b"\n")
    cases = {
        "empty": b"",
        "header-only": lines[0] + b"\n",
        "binary-junk": junk,
        "junk-after-header": lines[0] + b"\n" + junk,
        "nul-bytes": BASE.replace(b"Bo", b"B\x00o"),
        "bom": b"\xef\xbb\xbf" + BASE,
        "double-bom": b"\xef\xbb\xbf\xef\xbb\xbf" + BASE,
        "crlf": BASE.replace(b"\n", b"\r\n"),
        "mixed-endings": b"\r\n".join(lines[:2]) + b"\r" + b"\n".join(lines[2:]),
        "unterminated-quote": BASE.replace(b"Bo", b'"Bo'),
        "quote-mid-field": BASE.replace(b"Bo", b'B"o'),
        "huge-field": BASE.replace(b"Bo", b"B" * 200_000),
        "short-rows": b"id,name,amount,day\n1\n2,Bo\n3,Cy,1\n",
        "long-rows": b"id,name,amount,day\n1,a,1,2024-01-01,x,y\n2,b,2,2024-01-02,z\n",
        "latin-1": BASE.replace(b"Bo", "Börje".encode("latin-1")),
        "utf-16": BASE.decode().encode("utf-16"),
        "only-newlines": b"\n\n\n",
        "no-trailing-newline": BASE.rstrip(b"\n"),
        "blank-lines": BASE.replace(b"\n2,", b"\n\n\n2,"),
        "semicolons": BASE.replace(b",", b";"),
        "tabs": BASE.replace(b",", b"\t"),
        "duplicate-header": b"id,id,amount,day\n1,2,3,2024-01-01\n",
        "invalid-utf8-in-header": b"id,n\xffame,amount,day\n1,a,1,2024-01-01\n",
    }
    # Random byte flips, deletions and insertions of CSV-significant bytes.
    for i in range(40):
        data = bytearray(BASE)
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(data))
            op = rng.randrange(3)
            byte = rng.choice(b',"\n\r\x00;\xff\xfe ')
            if op == 0:
                data[at] = byte
            elif op == 1:
                del data[at]
            else:
                data.insert(at, byte)
        cases[f"random-{i:02d}"] = bytes(data)
    return cases


CORPUS = _mutations(random.Random(SEED))
#: plain UTF-8 text whose CSV both readers split alike: here the verdicts must agree
PARITY = [
    "header-only",
    "bom",
    "crlf",
    "no-trailing-newline",
    "blank-lines",
    "short-rows",
    "long-rows",
    "semicolons",
    "duplicate-header",
    "latin-1",
]


def _write(tmp_path: Path, data: bytes) -> Path:
    (tmp_path / "data.csv").write_bytes(data)
    descriptor = {"name": "fuzz", "resources": [{"name": "data", "path": "data.csv", "schema": SCHEMA}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return tmp_path


def test_corpus_is_big_and_deterministic():
    assert len(CORPUS) == 63
    assert _mutations(random.Random(SEED)) == CORPUS


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_validation_never_raises(tmp_path, name):
    report = validate(DataPackage.load(_write(tmp_path, CORPUS[name])))
    assert isinstance(report.valid, bool)
    assert all(e.type and e.message for e in report.errors)
    report.to_text()


@pytest.mark.parametrize("name", PARITY)
def test_verdict_matches_frictionless(tmp_path, name):
    root = _write(tmp_path, CORPUS[name])
    expected = frictionless.validate(str(root / "datapackage.json")).valid
    assert validate(DataPackage.load(root)).valid == expected
