"""Fuzzing the two untrusted inputs: data/datapackage.json and data/metrics.yml.

Every variant is the repository's own file with one thing broken: the
hand-picked nasties kept as files in tests/fuzz/descriptor/ and
tests/fuzz/catalogue/, plus a bulk generated from a fixed seed (type swaps,
deleted keys, nulls, huge and non-finite numbers, impossible dates, deep
nesting, duplicate keys, wrong encodings, truncations, byte flips).

The contract: loading a variant either works or raises a ``HandbookError``
whose message names the file; nothing else escapes. A sample also goes
through the real ``handbook`` command, which must exit 1 with no traceback.

Count the outcomes (for the report) with:
    .venv/bin/python tests/test_fuzz_inputs.py
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from site_build.data.package import DataPackage  # noqa: E402
from site_build.errors import HandbookError  # noqa: E402
from site_build.kpis.catalogue import Catalogue  # noqa: E402

DATA = ROOT / "data"
CORPUS = Path(__file__).parent / "fuzz"
SEED = 20261125
#: rows kept per CSV in the data copy the command-line runs validate: enough to read, quick to check
CLI_ROWS = 30
CLI_SAMPLE = 8

DELETE = object()
#: placeholders swapped into the serialised text for values json/yaml cannot write themselves
HUGE = "\x00HUGE\x00"
DEEP = "\x00DEEP\x00"
HUGE_TEXT = "9" * 5000
DEEP_TEXT = "[" * 200 + "]" * 200


@dataclass(frozen=True)
class Variant:
    name: str
    data: bytes


# -- shared mutations -------------------------------------------------------------

VALUES = [
    DELETE,
    None,
    "",
    "x",
    0,
    -1,
    2.5,
    True,
    [],
    {},
    ["x"],
    {"x": 1},
    [None],
    [{}],
    HUGE,
    DEEP,
    math.nan,
    math.inf,
]


def _at(tree, path):
    for part in path:
        tree = tree[part]
    return tree


def _mutated(tree, path, value, dump) -> bytes:
    """``dump(tree)`` with the value at ``path`` replaced (or deleted); ``tree`` is restored after."""
    parent = _at(tree, path[:-1])
    key = path[-1]
    had = isinstance(parent, list) or key in parent
    old = parent[key] if had else None
    if value is DELETE:
        del parent[key]
    else:
        parent[key] = copy.deepcopy(value)
    try:
        return dump(tree).encode()
    finally:
        if isinstance(parent, list) and value is DELETE:
            parent.insert(key, old)
        elif had:
            parent[key] = old
        else:
            del parent[key]


def _label(path, value) -> str:
    where = ".".join(map(str, path))
    shown = "DELETE" if value is DELETE else "HUGE" if value == HUGE else "DEEP" if value == DEEP else repr(value)
    return f"{where}={shown[:40]}"


def _flips(raw: bytes, rng: random.Random, count: int, prefix: str) -> list[Variant]:
    out = []
    for n in range(count):
        data = bytearray(raw)
        for _ in range(3):
            data[rng.randrange(len(data))] = rng.randrange(256)
        out.append(Variant(f"{prefix}flip-{n}", bytes(data)))
    return out


def _truncations(raw: bytes, rng: random.Random, count: int, prefix: str) -> list[Variant]:
    return [Variant(f"{prefix}truncate-{n}", raw[: rng.randrange(1, len(raw))]) for n in range(count)]


def _encodings(text: str, prefix: str) -> list[Variant]:
    return [
        Variant(f"{prefix}bom", b"\xef\xbb\xbf" + text.encode()),
        Variant(f"{prefix}gbk", text.encode("gbk", errors="replace")),
        Variant(f"{prefix}utf-16", text.encode("utf-16")),
        Variant(f"{prefix}latin-1-byte", text.encode().replace(b"\n", b"\n\xff", 3)),
        Variant(f"{prefix}nul-byte", text.encode().replace(b"\n", b"\n\x00", 1)),
        Variant(f"{prefix}empty", b""),
        Variant(f"{prefix}blank", b" \n\t\n"),
    ]


def _files(folder: str) -> list[Variant]:
    return [Variant(f"{folder}/{p.name}", p.read_bytes()) for p in sorted((CORPUS / folder).iterdir()) if p.is_file()]


# -- datapackage.json variants ----------------------------------------------------

DESCRIPTOR_SPECIAL = {
    "format": ["CSV", "Parquet", "xlsx", "json", "csv ", "CSV\n"],
    "path": [
        "../x.csv",
        "../../etc/passwd",
        "/etc/passwd",
        ".",
        "./",
        "orders.csv/..",
        "sub/../orders.csv",
        "orders.csv\u0000",
        "~/x.csv",
        "http://example.com/x.csv",
        "file:///etc/passwd",
        ["orders.csv", "orders.csv"],
        "C:\\x.csv",
        "missing.csv",
        "datapackage.json",
        "metrics.yml",
        "ORDERS.CSV",
        "data/../../orders.csv",
    ],
    "name": [1, "Orders", "订单", "a b", "products", "../x"],
    "schema": [
        "schema.json",
        "../../etc/passwd",
        "/etc/passwd",
        "orders.csv",
        "datapackage.json",
        "http://example.com/s.json",
        ".",
        "metrics.yml",
    ],
    "encoding": ["latin-1", "utf-16", "no-such-codec", 1],
    "dialect": [{"delimiter": 1}, {"delimiter": ""}, {"delimiter": ";;"}, {"header": "x"}, {"delimiter": "\u0000"}],
    "mediatype": [1, "application/x-evil"],
}
FIELD_SPECIAL = {
    "name": [1, "", "a" * 5000, None],
    "type": ["geopoint", "INTEGER", "any", "object", "array", "Date"],
    "format": ["%Y-%m-%d", "%Q", "email", "{{x}}", 1],
    "constraints": [
        "x",
        ["required"],
        {"pattern": "["},
        {"minimum": "x"},
        {"enum": "x"},
        {"maxLength": -1},
        {"enum": []},
        {"required": "yes"},
        {"unique": 1},
        {"minimum": HUGE},
        {"maximum": math.nan},
    ],
}
SCHEMA_SPECIAL = {
    "primaryKey": ["nonexistent", ["sku", "sku"], 1, [1], {}, [[]]],
    "foreignKeys": [
        "x",
        [{}],
        [{"fields": "sku"}],
        [{"fields": ["sku"], "reference": "y"}],
        [{"fields": ["sku"], "reference": {"resource": "nonexistent", "fields": ["x"]}}],
        [{"fields": 1, "reference": {"resource": 1, "fields": 1}}],
        [{"fields": [], "reference": {"fields": []}}],
    ],
    "missingValues": ["x", [1], [None], ["", "NA"]],
    "fields": ["x", [{}], [None], [[]], [{"name": "sku"}] * 2, []],
}


def _descriptor_paths(descriptor: dict) -> list[tuple]:
    paths: list[tuple] = [(k,) for k in descriptor] + [("resources", i) for i in (0, 5)]
    for i in (0, 5):
        res = descriptor["resources"][i]
        paths += [("resources", i, k) for k in list(res) + ["dialect", "profile"]]
        paths += [("resources", i, "schema", k) for k in list(res["schema"]) + ["missingValues"]]
        paths += [("resources", i, "schema", "fields", 0)]
        field = res["schema"]["fields"][0]
        paths += [("resources", i, "schema", "fields", 0, k) for k in list(field) + ["format"]]
        paths += [("resources", i, "schema", "fields", 0, "constraints", k) for k in field.get("constraints", {})]
    fk = ("resources", 5, "schema", "foreignKeys", 0)
    paths += [fk, fk + ("fields",), fk + ("reference",), fk + ("reference", "resource"), fk + ("reference", "fields")]
    return paths


def _specials_for(path: tuple) -> list:
    if len(path) == 3 and path[0] == "resources":
        return DESCRIPTOR_SPECIAL.get(path[2], [])
    if len(path) == 4 and path[2] == "schema":
        return SCHEMA_SPECIAL.get(path[3], [])
    if len(path) == 6 and path[3] == "fields":
        return FIELD_SPECIAL.get(path[5], [])
    return []


def _dump_json(tree) -> str:
    # one line: the C encoder is 10x faster than the indenting one, and the bulk needs no line numbers
    text = json.dumps(tree, ensure_ascii=False)
    return text.replace(json.dumps(HUGE), HUGE_TEXT).replace(json.dumps(DEEP), DEEP_TEXT)


def descriptor_variants() -> list[Variant]:
    """The hand-picked files, then every key of two resources swapped for every kind of wrong value."""
    text = (DATA / "datapackage.json").read_text(encoding="utf-8")
    tree = json.loads(text)
    rng = random.Random(SEED)
    out = _files("descriptor")
    seen = set()
    for path in _descriptor_paths(tree):
        for value in rng.sample(VALUES, 5) + _specials_for(path):
            name = f"generated/{_label(path, value)}"
            if name in seen or (value is DELETE and path[-1] not in _at(tree, path[:-1])):
                continue
            seen.add(name)
            out.append(Variant(name, _mutated(tree, path, value, _dump_json)))
    raw = text.encode()
    out += _encodings(text, "generated/")
    out += _truncations(raw, rng, 12, "generated/")
    out += _flips(raw, rng, 12, "generated/")
    return out


# -- metrics.yml variants -----------------------------------------------------------

#: raw YAML that replaces the value of one key on its line
YAML_VALUES = [
    "2025-02-30",
    "2025-13-01",
    "2025-02-30 10:00:00",
    "0000-00-00",
    ".nan",
    ".NaN",
    ".inf",
    "-.inf",
    "1.0e999",
    "9" * 5000,
    "-" + "9" * 5000,
    "0x" + "F" * 5000,
    "0b" + "1" * 20000,
    "!!python/object/apply:os.system ['echo pwned']",
    "!!python/name:os.system",
    "!!binary '!!!'",
    "!!timestamp 'x'",
    "!!int 'x'",
    "!!float 'x'",
    "!!bool 'x'",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "*nope",
    "&a [*a]",
    "{? [a, b]: c}",
    "'unterminated",
    '"\\x"',
    '"\\ud800"',
    "12:30:00",
    "0o777",
    "~",
    "Yes",
    "1_000",
    "[a, [b, [c]]]",
    "\t1",
    "{a: 1, a: 2}",
    "!!float '1e999'",
    "<<: {x: 1}",
    "2025-02-29",
]
YAML_KEYS = [
    "label",
    "target",
    "alert",
    "watch",
    "target_max",
    "since",
    "id",
    "section",
    "tags",
    "grain",
    "sql",
    "digits",
    "as_of",
]

BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")
)


def _key_lines(text: str, key: str) -> list[int]:
    pattern = re.compile(rf"^\s*(- )?{key}:")
    return [n for n, line in enumerate(text.splitlines()) if pattern.match(line)]


def _replace_value(text: str, line: int, raw: str) -> str:
    lines = text.splitlines(keepends=True)
    head = lines[line].split(":", 1)[0]
    lines[line] = f"{head}: {raw}\n"
    return "".join(lines)


def _catalogue_paths(tree: dict) -> list[tuple]:
    paths: list[tuple] = [(k,) for k in tree] + [
        ("as_of", "resource"),
        ("kpis", 0),
        ("queries", 0),
        ("charts", 0),
        ("pages", 0),
    ]
    for section in ("kpis", "queries", "charts", "pages"):
        paths += [(section, 0, k) for k in tree[section][0]]
    paths += [
        ("kpis", 0, k)
        for k in ("watch", "target_max", "since", "window", "history", "digits", "unit", "freshness_days")
    ]
    paths += [("kpis", 0, "play", k) for k in tree["kpis"][0]["play"]]
    return paths


def _dump_yaml(tree) -> str:
    # safe_dump quotes a string holding NUL; unquote the placeholders it wrote
    text = yaml.dump(tree, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True, sort_keys=False)
    return text.replace('"\\0HUGE\\0"', HUGE_TEXT).replace('"\\0DEEP\\0"', DEEP_TEXT)


def catalogue_variants() -> list[Variant]:
    """The hand-picked files, key/value swaps on the parsed catalogue, raw YAML on chosen lines, and whole-file damage."""
    text = (DATA / "metrics.yml").read_text(encoding="utf-8")
    full = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    # Key swaps use the first entries of each section: dumping the whole catalogue 150 times costs 10 s.
    tree = {k: v[:3] if isinstance(v, list) else v for k, v in full.items()}
    rng = random.Random(SEED)
    out = _files("catalogue")
    values = [DELETE, None, "", "x", 0, 2.5, True, [], {}, ["x"], {"x": 1}, HUGE, DEEP, math.nan, math.inf]
    for path in _catalogue_paths(tree):
        for value in rng.sample(values, 3):
            if value is DELETE and path[-1] not in _at(tree, path[:-1]):
                continue
            out.append(Variant(f"generated/{_label(path, value)}", _mutated(tree, path, value, _dump_yaml)))
    for raw in YAML_VALUES:
        for key in rng.sample(YAML_KEYS, 3):
            line = rng.choice(_key_lines(text, key))
            out.append(
                Variant(f"generated/line{line + 1}-{key}={raw[:30]!r}", _replace_value(text, line, raw).encode())
            )
    out += _encodings(text, "generated/")
    out += [
        Variant("generated/billion-laughs-top", (BILLION_LAUGHS + text).encode()),
        Variant("generated/deep-nesting", ("kpis: " + "[" * 100000 + "]" * 100000 + "\n").encode()),
        Variant("generated/tabs", text.replace("    ", "\t", 50).encode()),
        Variant("generated/duplicate-kpis", (text + "\nkpis: []\n").encode()),
        Variant("generated/multi-document", (text + "\n---\nkpis: []\n").encode()),
    ]
    raw = text.encode()
    out += _truncations(raw, rng, 12, "generated/")
    out += _flips(raw, rng, 12, "generated/")
    return out


# -- running a variant -----------------------------------------------------------------


def _copy_data(dest: Path) -> Path:
    """A copy of data/ with the first rows of each CSV: the same descriptor, quick to validate."""
    dest.mkdir(parents=True)
    for src in DATA.iterdir():
        if src.suffix == ".csv":
            with open(src, encoding="utf-8") as fh:
                (dest / src.name).write_text(
                    "".join(line for _, line in zip(range(CLI_ROWS + 1), fh)), encoding="utf-8"
                )
        else:
            shutil.copy(src, dest / src.name)
    return dest


def load_descriptor(folder: Path, variant: Variant):
    """None when the variant loads, else the HandbookError it raised (any other exception propagates)."""
    (folder / "datapackage.json").write_bytes(variant.data)
    try:
        DataPackage.load(folder)
    except HandbookError as e:
        return e
    return None


def load_catalogue(folder: Path, variant: Variant, package: DataPackage):
    path = folder / "metrics.yml"
    path.write_bytes(variant.data)
    try:
        Catalogue.load(path, package)
    except HandbookError as e:
        return e
    return None


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    # the command runs the same engine the test imported
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "HANDBOOK_TODAY": "2026-11-25", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "site_build", *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


DESCRIPTORS = descriptor_variants()
CATALOGUES = catalogue_variants()


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory):
    return _copy_data(tmp_path_factory.mktemp("fuzz") / "data")


@pytest.fixture(scope="module")
def package(data_copy):
    return DataPackage.load(data_copy)


def test_corpora_are_big_enough():
    assert len(DESCRIPTORS) > 250 and len(CATALOGUES) > 250
    assert len({v.name for v in DESCRIPTORS}) == len(DESCRIPTORS)


def test_every_descriptor_loads_or_fails_cleanly(tmp_path, data_copy):
    folder = shutil.copytree(data_copy, tmp_path / "data")
    failures = []
    for variant in DESCRIPTORS:
        error = load_descriptor(folder, variant)
        if error is not None and "datapackage.json" not in str(error):
            failures.append(f"{variant.name}: message does not name the file: {error}")
    assert failures == []


def test_every_catalogue_loads_or_fails_cleanly(tmp_path, package):
    failures = []
    for variant in CATALOGUES:
        start = time.perf_counter()
        error = load_catalogue(tmp_path, variant, package)
        if error is not None and "metrics.yml" not in str(error):
            failures.append(f"{variant.name}: message does not name the file: {error}")
        if time.perf_counter() - start > 2:
            failures.append(f"{variant.name}: took {time.perf_counter() - start:.1f} s")
    assert failures == []


def _split(variants: list[Variant], load, *args) -> tuple[list[Variant], list[Variant]]:
    """(refused, accepted) variants, by the library's verdict."""
    refused, accepted = [], []
    for variant in variants:
        (refused if load(*args[:1], variant, *args[1:]) is not None else accepted).append(variant)
    return refused, accepted


def _sample(variants: list[Variant], k: int) -> list[Variant]:
    """``k`` variants, half of them hand-picked files, chosen by the fixed seed."""
    rng = random.Random(SEED)
    files = [v for v in variants if not v.name.startswith("generated/")]
    generated = [v for v in variants if v.name.startswith("generated/")]
    chosen = rng.sample(files, min(k // 2, len(files)))
    return chosen + rng.sample(generated, min(k - len(chosen), len(generated)))


def _clean_exit(result: subprocess.CompletedProcess, name: str, expected: tuple[int, ...], file: str | None) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output, (name, output[-3000:])
    assert result.returncode in expected, (name, result.returncode, output[-3000:])
    if file:
        assert file in output, (name, output[-3000:])


def test_validate_command_exits_cleanly(tmp_path, data_copy):
    """``handbook validate`` on a sample: exit 1 with the file named for refused descriptors, never a traceback."""
    refused, accepted = _split(DESCRIPTORS, load_descriptor, shutil.copytree(data_copy, tmp_path / "probe"))
    # accepted ones may still fail validation (exit 1): the cut CSVs break foreign keys
    runs = [(v, (1,), "datapackage.json") for v in _sample(refused, CLI_SAMPLE)] + [
        (v, (0, 1), None) for v in _sample(accepted, 2)
    ]
    for variant, expected, file in runs:
        folder = tmp_path / "run"
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(data_copy, folder)
        (folder / "datapackage.json").write_bytes(variant.data)
        result = _run(["validate", "--data", str(folder)], cwd=tmp_path)
        _clean_exit(result, variant.name, expected, file)


def test_build_command_exits_cleanly_on_refused_catalogues(tmp_path, data_copy, package):
    """``handbook build`` on a sample of refused catalogues: exit 1, the file named, no traceback.

    The project is tests/sites/basic over the data copy, with the validation
    gate off (the copy's cut CSVs break foreign keys): the catalogue is read
    right after the descriptor, before any page renders.
    """
    refused, _ = _split(CATALOGUES, load_catalogue, tmp_path, package)
    project = shutil.copytree(
        Path(__file__).parent / "sites" / "basic",
        tmp_path / "project",
        ignore=shutil.ignore_patterns("data", "site", ".handbook-cache"),
    )
    shutil.copytree(data_copy, project / "data")
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "  - handbook\n", "  - handbook:\n      validation_enabled: false\n"
        ),
        encoding="utf-8",
    )
    for variant in _sample(refused, CLI_SAMPLE // 2):
        (project / "data" / "metrics.yml").write_bytes(variant.data)
        result = _run(["build"], cwd=project)
        _clean_exit(result, variant.name, (1,), "metrics.yml")


# -- counting, for the report ------------------------------------------------------------


def _outcome(load, *args) -> str:
    import signal

    def _hang(*_):
        raise TimeoutError

    signal.signal(signal.SIGALRM, _hang)
    signal.alarm(10)
    try:
        error = load(*args)
    except TimeoutError:
        return "hang"
    except BaseException as e:
        return f"traceback {type(e).__name__}: {str(e)[:150]}"
    finally:
        signal.alarm(0)
    return "ok" if error is None else "refused"


def _validate_outcome(folder: Path) -> str:
    from site_build.data.validation import validate

    try:
        validate(DataPackage.load(folder))
    except HandbookError:
        return "refused"
    except BaseException as e:
        return f"traceback in validate {type(e).__name__}: {str(e)[:150]}"
    return "ok"


def main(argv: list[str]) -> None:
    import tempfile
    from collections import Counter

    with tempfile.TemporaryDirectory() as tmp:
        data = _copy_data(Path(tmp) / "data")
        package = DataPackage.load(data)
        for kind, variants, load, extra in (
            ("descriptor", DESCRIPTORS, load_descriptor, ()),
            ("catalogue", CATALOGUES, load_catalogue, (package,)),
        ):
            folder = Path(tmp) / kind
            shutil.copytree(data, folder)
            counts = Counter()
            for variant in variants:
                outcome = _outcome(load, folder, variant, *extra)
                if kind == "descriptor" and outcome == "ok" and "--validate" in argv:
                    outcome = _validate_outcome(folder)
                counts[outcome.split(" ", 1)[0]] += 1
                if outcome not in ("ok", "refused"):
                    print(f"  {kind} {variant.name}: {outcome}")
            print(f"{kind}: {len(variants)} variants: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main(sys.argv[1:])
