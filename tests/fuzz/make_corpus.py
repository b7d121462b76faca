"""Write the hand-picked nasties of tests/fuzz/descriptor/ and tests/fuzz/catalogue/.

Each file is the repository's own data/datapackage.json (cut to the traffic
resource) or data/metrics.yml (cut to one KPI, query and chart) with one thing
broken. tests/test_fuzz_inputs.py loads them; they are kept as files so a
failure can be opened and read. Regenerate (after data/ changes) with:

    python tests/fuzz/make_corpus.py
"""
import copy
import json
from pathlib import Path

root = Path(__file__).resolve().parents[2]
full = json.loads((root / "data/datapackage.json").read_text(encoding="utf-8"))
base = {k: v for k, v in full.items() if k != "resources"}
traffic = next(r for r in full["resources"] if r["name"] == "traffic")
orders = next(r for r in full["resources"] if r["name"] == "orders")
base["resources"] = [traffic]
out = root / "tests/fuzz/descriptor"
out.mkdir(parents=True, exist_ok=True)
for p in out.iterdir():
    p.unlink()

def dump(tree):
    return json.dumps(tree, ensure_ascii=False, indent=2)

def mutate(fn):
    tree = copy.deepcopy(base)
    fn(tree)
    return dump(tree)

def res(tree):
    return tree["resources"][0]

def field(tree, i=2):
    return tree["resources"][0]["schema"]["fields"][i]

files = {
    "non-utf8-gbk.json": dump(base).encode("gbk"),
    "utf16.json": dump(base).encode("utf-16"),
    "bom.json": b"\xef\xbb\xbf" + dump(base).encode(),
    "empty.json": b"",
    "top-level-array.json": "[" + dump(traffic) + "]",
    "truncated.json": dump(base)[:1500],
    "trailing-comma.json": dump(base).replace('"required": true\n', '"required": true,\n', 1),
    "fields-empty-object.json": mutate(lambda t: res(t)["schema"].__setitem__("fields", [{}])),
    "fields-null.json": mutate(lambda t: res(t)["schema"]["fields"].__setitem__(0, None)),
    "constraints-string.json": mutate(lambda t: field(t).__setitem__("constraints", "x")),
    "constraints-list.json": mutate(lambda t: field(t).__setitem__("constraints", ["required"])),
    "required-string.json": mutate(lambda t: field(t)["constraints"].__setitem__("required", "yes")),
    "min-length-string.json": mutate(lambda t: field(t)["constraints"].__setitem__("minLength", "3")),
    "pattern-invalid.json": mutate(lambda t: field(t, 1)["constraints"].__setitem__("pattern", "[")),
    "enum-string.json": mutate(lambda t: field(t, 1)["constraints"].__setitem__("enum", "天猫")),
    "format-upper.json": mutate(lambda t: res(t).__setitem__("format", "CSV")),
    "format-list.json": mutate(lambda t: res(t).__setitem__("format", ["csv"])),
    "format-xlsx.json": mutate(lambda t: res(t).__setitem__("format", "xlsx")),
    "resources-string.json": mutate(lambda t: t.__setitem__("resources", "traffic.csv")),
    "resources-object.json": mutate(lambda t: t.__setitem__("resources", {"traffic": traffic})),
    "resources-missing.json": mutate(lambda t: t.pop("resources")),
    "name-number.json": mutate(lambda t: res(t).__setitem__("name", 42)),
    "field-name-number.json": mutate(lambda t: field(t).__setitem__("name", 7)),
    "field-type-object.json": mutate(lambda t: field(t).__setitem__("type", {"name": "integer"})),
    "field-type-geopoint.json": mutate(lambda t: field(t).__setitem__("type", "geopoint")),
    "null-everywhere.json": dump({"name": None, "title": None, "resources": [{"name": None, "path": None, "format": None, "schema": None}]}),
    "null-fields.json": mutate(lambda t: res(t)["schema"].__setitem__("fields", None)),
    "schema-missing.json": mutate(lambda t: res(t).pop("schema")),
    "schema-string-missing.json": mutate(lambda t: res(t).__setitem__("schema", "schemas/traffic.json")),
    "schema-string-outside.json": mutate(lambda t: res(t).__setitem__("schema", "../../../../../etc/passwd")),
    "schema-string-csv.json": mutate(lambda t: res(t).__setitem__("schema", "traffic.csv")),
    "path-absolute.json": mutate(lambda t: res(t).__setitem__("path", "/etc/passwd")),
    "path-parent.json": mutate(lambda t: res(t).__setitem__("path", "../data/traffic.csv")),
    "path-url.json": mutate(lambda t: res(t).__setitem__("path", "https://example.com/traffic.csv")),
    "path-file-url.json": mutate(lambda t: res(t).__setitem__("path", "file:///etc/passwd")),
    "path-list.json": mutate(lambda t: res(t).__setitem__("path", ["traffic.csv", "traffic.csv"])),
    "path-nul.json": mutate(lambda t: res(t).__setitem__("path", "traffic.csv\u0000.txt")),
    "path-folder.json": mutate(lambda t: res(t).__setitem__("path", ".")),
    "huge-integer.json": mutate(lambda t: field(t)["constraints"].__setitem__("maximum", "HUGE")).replace('"HUGE"', "9" * 5000),
    "nan.json": mutate(lambda t: field(t)["constraints"].__setitem__("minimum", "NAN")).replace('"NAN"', "NaN"),
    "infinity.json": mutate(lambda t: field(t)["constraints"].__setitem__("minimum", "INF")).replace('"INF"', "-Infinity"),
    "float-overflow.json": mutate(lambda t: field(t)["constraints"].__setitem__("maximum", "BIG")).replace('"BIG"', "1e400"),
    "deep-nesting.json": mutate(lambda t: t.__setitem__("generator", "DEEP")).replace('"DEEP"', "[" * 5000 + "]" * 5000),
    "duplicate-keys.json": dump(base).replace('"name": "traffic",', '"name": "traffic",\n      "name": "orders",', 1),
    "lone-surrogate.json": dump(base).replace('"流量与转化"', '"\\ud800"', 1),
    "primary-key-number.json": mutate(lambda t: res(t)["schema"].__setitem__("primaryKey", 1)),
    "foreign-keys-string.json": mutate(lambda t: res(t)["schema"].__setitem__("foreignKeys", "channel")),
    "reference-string.json": mutate(lambda t: res(t)["schema"].__setitem__("foreignKeys", [{"fields": ["channel"], "reference": "channels"}])),
    "reference-missing.json": mutate(lambda t: res(t)["schema"].__setitem__("foreignKeys", [{"fields": ["channel"]}])),
    "dialect-string.json": mutate(lambda t: res(t).__setitem__("dialect", ";")),
    "dialect-delimiter-number.json": mutate(lambda t: res(t).__setitem__("dialect", {"delimiter": 59})),
    "duplicate-resource.json": mutate(lambda t: t["resources"].append(copy.deepcopy(traffic))),
    "field-name-tab.json": mutate(lambda t: field(t).__setitem__("name", "sessions\t")),
}
for name, content in files.items():
    (out / name).write_bytes(content if isinstance(content, bytes) else content.encode())

# -- catalogue ------------------------------------------------------------------
text = (root / "data/metrics.yml").read_text(encoding="utf-8")
lines = text.splitlines(keepends=True)
kpi_start = next(i for i, l in enumerate(lines) if l.startswith("  - id: monthly_sales"))
kpi_end = next(i for i in range(kpi_start + 1, len(lines)) if lines[i].startswith("  - id:"))
kpi = "".join(lines[kpi_start:kpi_end]).rstrip() + "\n"
q_start = next(i for i, l in enumerate(lines) if l.startswith("queries:"))
q_end = next(i for i in range(q_start + 3, len(lines)) if lines[i].startswith("  - id:"))
query = "".join(lines[q_start + 1:q_end]).rstrip() + "\n"
c_start = next(i for i, l in enumerate(lines) if l.startswith("charts:"))
c_end = next(i for i in range(c_start + 3, len(lines)) if lines[i].startswith("  - id:"))
chart = "".join(lines[c_start + 1:c_end]).rstrip() + "\n"
cat = f"as_of: {{resource: orders, column: order_date}}\n\nkpis:\n{kpi}\nqueries:\n{query}\ncharts:\n{chart}"
out = root / "tests/fuzz/catalogue"
out.mkdir(parents=True, exist_ok=True)
for p in out.iterdir():
    p.unlink()

def sub(old, new, count=1):
    assert old in cat, old
    return cat.replace(old, new, count)

laughs = '    tags:\n      - &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(
    f"      - &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
files = {
    "impossible-date-label.yml": sub("label: 月销售额", "label: 2025-02-30"),
    "impossible-date-owner.yml": sub("owner: 增长运营组", "owner: 2025-13-45"),
    "leap-day-since.yml": sub("    tags: [headline]\n", "    tags: [headline]\n    window: to_date\n    since: 2025-02-29\n"),
    "since-datetime.yml": sub("    tags: [headline]\n", "    tags: [headline]\n    window: to_date\n    since: 2025-02-03 10:00:00\n"),
    "huge-integer-target.yml": sub("target: 420000", "target: " + "4" * 5000),
    "huge-hex-alert.yml": sub("alert: 350000", "alert: 0x" + "F" * 5000),
    "nan-target.yml": sub("target: 420000", "target: .nan"),
    "inf-watch.yml": sub("target: 420000", "target: 420000\n    watch: .inf"),
    "neg-inf-alert.yml": sub("alert: 350000", "alert: -.inf"),
    "nan-target-max.yml": sub("target: 420000", "target: 420000\n    target_max: .NaN"),
    "float-overflow-target.yml": sub("target: 420000", "target: 1.0e+999"),
    "billion-laughs.yml": sub("    tags: [headline]\n", laughs),
    "billion-laughs-top.yml": 'lol: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(
        f"lol{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")) + cat,
    "recursive-alias.yml": sub("tags: [headline]", "tags: &t [headline, *t]"),
    "undefined-alias.yml": sub("tags: [headline]", "tags: *nowhere"),
    "python-object-tag.yml": sub("label: 月销售额", "label: !!python/object/apply:os.system ['echo pwned > /tmp/pwned']"),
    "python-name-tag.yml": sub("owner: 增长运营组", "owner: !!python/name:os.system"),
    "custom-tag.yml": sub("owner: 增长运营组", "owner: !env HOME"),
    "bad-timestamp-tag.yml": sub("label: 月销售额", "label: !!timestamp not-a-date"),
    "bad-bool-tag.yml": sub("label: 月销售额", "label: !!bool maybe"),
    "bad-int-tag.yml": sub("target: 420000", "target: !!int lots"),
    "binary-tag.yml": sub("label: 月销售额", "label: !!binary aGVsbG8="),
    "set-tag.yml": sub("tags: [headline]", "tags: !!set {headline, other}"),
    "non-utf8-gbk.yml": cat.encode("gbk"),
    "utf16.yml": cat.encode("utf-16"),
    "bom.yml": b"\xef\xbb\xbf" + cat.encode(),
    "nul-byte.yml": sub("label: 月销售额", "label: 月销售\x00额"),
    "tabs.yml": cat.replace("\n    ", "\n\t", 3),
    "empty.yml": "",
    "only-comment.yml": "# nothing yet\n",
    "top-level-list.yml": "- " + cat.replace("\n", "\n  "),
    "duplicate-key.yml": sub("target: 420000", "target: 420000\n    target: 1"),
    "duplicate-top-level.yml": cat + "\nkpis: []\n",
    "bool-key.yml": sub("grain: month", "grain: month\n    on: true"),
    "unhashable-key.yml": sub("grain: month", "grain: month\n    ? [a, b]\n    : c"),
    "deep-nesting.yml": sub("tags: [headline]", "tags: " + "[" * 5000 + "]" * 5000),
    "nesting-500.yml": sub("tags: [headline]", "tags: " + "[" * 500 + "]" * 500),
    "surrogate.yml": sub("label: 月销售额", 'label: "\\ud800"'),
    "multi-document.yml": cat + "---\nkpis: []\n",
    "kpis-mapping.yml": sub("kpis:\n", "kpis:\n  monthly_sales:\n", 1).replace("  - id: monthly_sales\n", "    id: monthly_sales\n", 1),
    "id-number.yml": sub("- id: monthly_sales", "- id: 12345"),
    "target-string.yml": sub("target: 420000", "target: '42 万'"),
    "sexagesimal-target.yml": sub("target: 420000", "target: 190:20:30"),
    "unknown-resource.yml": sub("resource: orders", "resource: ../../etc/passwd"),
    "merge-key.yml": sub("    play:\n", "    play: &p\n", 1),
}
for name, content in files.items():
    (out / name).write_bytes(content if isinstance(content, bytes) else content.encode())
print(len(list((root / "tests/fuzz/descriptor").iterdir())), len(list(out.iterdir())))
