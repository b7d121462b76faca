"""Realistic, deterministic demo data for the e-commerce strategy handbook.

``generate(out_dir, seed=42, scale=1)`` writes about 24 months of data for a
fictional smart-home brand (CSV files plus ``datapackage.json``). The same
seed and scale give byte-identical files. Scale 1 is about 100,000 orders;
the big fact tables come from DuckDB, so scale 100 (10 million) stays quick.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from site_build.data.scanner import Scanner
from site_build.data.sql_names import literal
from site_build.errors import HandbookError
from tools.demodata import dimensions as dims
from tools.demodata import facts, stock
from tools.demodata.plan import PLAN_COLUMNS, STORE, Calendar, build_plan
from tools.demodata.products import PRODUCTS, pick_weights
from tools.demodata.schema import GENERATOR, RESOURCES, descriptor

DEFAULT_END = dt.date(2026, 10, 31)
#: files that may sit beside the data without making the folder "not empty"
COMPANIONS = {"metrics.yml", ".gitkeep"}
Progress = Callable[[str, int], None]


class DemoDataError(HandbookError):
    """The demo data cannot be written where it was asked to go."""

    type = "demo-data-error"


def generate(
    out_dir: Path, *, seed: int = 42, scale: float = 1, end: dt.date = DEFAULT_END, progress: Progress | None = None
) -> dict[str, int]:
    """Write every resource and ``datapackage.json`` into ``out_dir``; return row counts per resource."""
    if scale <= 0:
        raise DemoDataError(
            f"--scale must be greater than 0, got {scale}. Use 1 for about 100,000 orders, 0.01 for a quick sample."
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cal = Calendar(end)
    counts: dict[str, int] = {}

    def done(part: dict[str, int]) -> None:
        for name, rows in part.items():
            counts[name] = rows
            if progress:
                progress(name, rows)

    with tempfile.TemporaryDirectory(prefix="demodata-") as tmp_name, Scanner(memory_limit="4GB") as sx:
        tmp = Path(tmp_name)
        sx.execute(f"SET temp_directory = {literal(str(tmp / 'spill'))}")
        lines = dims.budget(cal)
        campaigns = dims.campaigns(cal, lines, seed)
        _write_inputs(tmp, cal, seed, scale, campaigns)
        facts.load_inputs(sx, seed, tmp)
        facts.build_orders(sx)
        done(facts.write_orders(sx, out))
        done(facts.write_members(sx, out, unify=cal.plan_month(6)))
        done(facts.write_traffic(sx, out))
        done(facts.write_service(sx, out, cal))
        done(facts.write_fulfilment(sx, out, cal, route_start=cal.plan_month(7)))
        done(_write_products(sx, out, cal, seed))
        revenue = {
            r[0]: (r[1], float(r[2]))
            for r in sx.rows(
                "SELECT campaign_id, count(*), sum(gross - discount) FROM orders WHERE campaign_id IS NOT NULL GROUP BY 1"
            )
        }
        done({"budget": _write(out, "budget", lines)})
        done({"campaigns": _write(out, "campaigns", dims.price_campaigns(campaigns, revenue, lines, seed))})
        monthly_orders = dict(
            sx.rows("SELECT CAST(date_trunc('month', order_date) AS DATE), count(*) FROM orders GROUP BY 1")
        )
        shipments = dict(
            sx.rows(f"""
            SELECT CAST(date_trunc('month', order_date) AS DATE), count(*) FROM orders
            WHERE channel <> {literal(STORE)} AND order_id NOT IN (SELECT order_id FROM pickups) GROUP BY 1""")
        )
    small = {
        "competitor_prices": dims.competitor_prices(cal, seed),
        "short_videos": dims.short_videos(cal, seed),
        "livestreams": dims.livestreams(cal, seed),
        "ab_experiments": dims.experiments(cal),
        "store_coupons": dims.store_coupons(cal, seed),
        "packaging": dims.packaging(cal, shipments),
        "donations": dims.donations(cal, monthly_orders),
        "plan_milestones": dims.milestones(cal),
    }
    for name, rows in small.items():
        done({name: _write(out, name, rows)})
    text = json.dumps(descriptor(seed, scale, end.isoformat()), ensure_ascii=False, indent=2) + "\n"
    (out / "datapackage.json").write_text(text, encoding="utf-8")
    return {name: counts[name] for name, *_rest in RESOURCES}


def check_target(out_dir: Path, *, force: bool = False) -> None:
    """Raise ``DemoDataError`` when ``out_dir`` holds files that are not an earlier demo-data output."""
    out = Path(out_dir)
    if force or not out.exists():
        return
    if not out.is_dir():
        raise DemoDataError(f"{out} is a file, not a folder. Choose a folder for --out.")
    if all(p.name in COMPANIONS for p in out.iterdir()):
        return
    if is_demo_output(out):
        return
    raise DemoDataError(
        f"{out}/ is not empty and does not hold earlier demo data (no datapackage.json written by {GENERATOR}). "
        "Refusing to overwrite it. Choose an empty folder with --out, or pass --force to write into it anyway."
    )


def is_demo_output(folder: Path) -> bool:
    """True when ``folder/datapackage.json`` was written by this generator."""
    try:
        meta = json.loads((Path(folder) / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(meta, dict)
        and isinstance(meta.get("generator"), dict)
        and meta["generator"].get("name") == GENERATOR
    )


def _write_inputs(tmp: Path, cal: Calendar, seed: int, scale: float, campaigns: list[dict]) -> None:
    _write_csv(tmp / "plan.csv", PLAN_COLUMNS, build_plan(cal, seed, scale))
    _write_csv(tmp / "weights.csv", ("m", "grp", "cls", "sku", "w"), pick_weights(cal))
    _write_csv(
        tmp / "prod.csv",
        ("sku", "role", "list_price"),
        [{"sku": p[0], "role": p[3], "list_price": p[5]} for p in PRODUCTS],
    )
    _write_csv(tmp / "campaign_days.csv", ("day", "channel", "k", "campaign_id"), dims.campaign_days(campaigns))


def _write_products(sx: Scanner, out: Path, cal: Calendar, seed: int) -> dict[str, int]:
    daily = {
        (d, sku): int(n)
        for d, sku, n in sx.rows(
            "SELECT o.order_date, i.sku, sum(i.quantity) FROM items i JOIN orders o USING (order_id) GROUP BY 1, 2"
        )
    }
    monthly: dict[tuple[dt.date, str], int] = {}
    for (day, sku), n in daily.items():
        key = (day.replace(day=1), sku)
        monthly[key] = monthly.get(key, 0) + n
    reviews = stock.reviews(cal, monthly, seed)
    return {
        "products": _write(out, "products", stock.products(reviews)),
        "inventory_snapshots": _write(out, "inventory_snapshots", stock.inventory(cal, daily, seed)),
        "product_reviews": _write(out, "product_reviews", reviews),
    }


def _write(out: Path, name: str, rows: list[dict]) -> int:
    fields = next(r[3] for r in RESOURCES if r[0] == name)
    _write_csv(out / f"{name}.csv", [f["name"] for f in fields], rows)
    return len(rows)


def _write_csv(path: Path, columns, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row[c]) for c in columns])


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)
