"""Per-SKU resources derived from what actually sold: weekly inventory snapshots,
monthly product reviews and the product list with its overall review score.

Planted for the latest snapshot: three fast sellers under their safety stock
before 双11; for the latest month: two SKUs with poor reviews (a camera
after a firmware problem and an old lock on clearance).
"""

from __future__ import annotations

import datetime as dt
import math
import random

from tools.demodata.plan import Calendar
from tools.demodata.products import PRODUCTS, on_sale

BELOW_SAFETY = ("LGT-07", "PLG-02", "SNS-07")
POOR_REVIEWS = {"CAM-02": 3.78, "LCK-01": 3.91}
SAFETY_PCTS = (0.10, 0.12, 0.15)


def inventory(cal: Calendar, daily_units: dict[tuple[dt.date, str], int], seed: int) -> list[dict]:
    """Weekly snapshots ending on ``cal.end``: on hand, 30-day demand and the safety stock (10–15% of it)."""
    rng = random.Random(f"{seed}:stock")
    dates = []
    day = cal.end
    while day >= cal.start + dt.timedelta(days=29):
        dates.append(day)
        day -= dt.timedelta(days=7)
    dates.reverse()
    cycles = {p[0]: (rng.randint(3, 6), rng.randint(0, 5), rng.choice(SAFETY_PCTS)) for p in PRODUCTS}
    rows = []
    for week, snap in enumerate(dates):
        for p in PRODUCTS:
            if not on_sale(p, snap):
                continue
            demand = sum(daily_units.get((snap - dt.timedelta(days=i), p[0]), 0) for i in range(30))
            length, phase, pct = cycles[p[0]]
            cover = _cover(p, week, length, phase, rng, last=snap == cal.end)
            safety = math.ceil(demand * pct)
            # stock-outs round down; healthy stock rounds up so rounding never fakes a breach
            on_hand = math.floor(demand * cover) if cover < 0.1 else math.ceil(demand * cover)
            rows.append(
                {
                    "snapshot_date": snap,
                    "sku": p[0],
                    "on_hand": on_hand,
                    "demand_30d": demand,
                    "safety_pct": pct,
                    "safety_stock": safety,
                }
            )
    return rows


def _cover(p: tuple, week: int, length: int, phase: int, rng: random.Random, *, last: bool) -> float:
    """Months of demand on hand: a replenishment saw-tooth, overstock for clearance, rare stock-outs."""
    if last and p[0] in BELOW_SAFETY:
        return 0.05
    if p[3] == "清仓":
        return rng.uniform(1.5, 4.0)
    saw = 1 - ((week + phase) % length) / length
    cover = 0.22 + 1.1 * saw * rng.uniform(0.85, 1.1)
    if not last and rng.random() < 0.03:
        cover = rng.uniform(0.02, 0.09)
    return cover


def reviews(cal: Calendar, monthly_units: dict[tuple[dt.date, str], int], seed: int) -> list[dict]:
    """Monthly review count and average score (1–5) per SKU that sold that month."""
    rng = random.Random(f"{seed}:reviews")
    base = {p[0]: rng.uniform(4.35, 4.8) for p in PRODUCTS}
    last = cal.end.replace(day=1)
    rows = []
    for (month, sku), units in sorted(monthly_units.items()):
        score = base[sku] + rng.uniform(-0.08, 0.08)
        if sku in POOR_REVIEWS:
            months_left = (last.year - month.year) * 12 + last.month - month.month
            if months_left <= 2:
                score = POOR_REVIEWS[sku] + 0.12 * months_left + rng.uniform(-0.03, 0.03)
        rows.append(
            {"month": month, "sku": sku, "reviews": max(2, round(units * 0.2)), "avg_score": round(min(score, 5.0), 2)}
        )
    return rows


def products(review_rows: list[dict]) -> list[dict]:
    """The product list with each SKU's review score over all months (weighted by review count)."""
    totals: dict[str, list[float]] = {}
    for r in review_rows:
        t = totals.setdefault(r["sku"], [0.0, 0])
        t[0] += r["avg_score"] * r["reviews"]
        t[1] += r["reviews"]
    rows = []
    for sku, name, category, role, launch, price, cost, _pop, improved, delisted in PRODUCTS:
        score, count = totals.get(sku, (0.0, 0))
        rows.append(
            {
                "sku": sku,
                "product_name": name,
                "category": category,
                "lifecycle_role": role,
                "launch_date": launch,
                "delisted_date": delisted,
                "improved_from": improved,
                "list_price": f"{price:.2f}",
                "unit_cost": f"{cost:.2f}",
                "review_score": round(score / count, 2) if count else None,
                "review_count": count,
            }
        )
    return rows
