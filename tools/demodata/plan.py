"""The demand plan: how many orders each channel gets on each day, and why.

Everything the SQL fact tables need per (day, channel) is decided here in
Python with ``random.Random(seed)``: 5,000 rows at any scale. The patterns
are the ones the handbook's KPIs look for: yearly growth, 618 and 双11 peaks,
a 春节 trough, weekly cycles, 抖音 growing, 拼多多 opening in month 4 of the
plan, 京东 traffic falling since 2026-06 and conversion drifting from about
30% to about 25% as low-converting social channels grow.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

#: (name, conversion in year one, price class, recommendation session share)
#: price class: 0 = normal, 1 = cheap (拼多多), 2 = premium mix (京东, stores)
CHANNELS = (
    ("官网/APP", 0.28, 0, 0.30),
    ("天猫", 0.34, 0, 0.25),
    ("京东", 0.35, 2, 0.25),
    ("拼多多", 0.37, 1, 0.20),
    ("抖音", 0.23, 0, 0.15),
    ("小红书", 0.19, 0, 0.15),
    ("线下门店", 0.42, 2, 0.0),
)
CHANNEL_NAMES = tuple(c[0] for c in CHANNELS)
STORE = "线下门店"
OWN_SITE = "官网/APP"
ORDERS_PER_SCALE = 100_000
#: plan-year registrations at scale 1 (the strategy's target is 100,000: planted a little short)
NEW_USERS_PLAN_YEAR = 94_000
SPRING_FESTIVAL = {
    2024: dt.date(2024, 2, 10),
    2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6),
}
PLAN_COLUMNS = (
    "day",
    "channel",
    "ch",
    "cls",
    "m",
    "n_orders",
    "order_offset",
    "sessions",
    "views",
    "carts",
    "new_users",
    "page_load_ms",
    "rec_sessions",
    "p_rec",
    "p_new",
    "promo",
    "p_pick",
)


@dataclass(frozen=True)
class Calendar:
    """The generated period: 24 whole months ending at ``end``; the plan year is the last 12."""

    end: dt.date

    @property
    def start(self) -> dt.date:
        return month_add(self.end.replace(day=1), -23)

    @property
    def plan_start(self) -> dt.date:
        return month_add(self.end.replace(day=1), -11)

    def days(self):
        d = self.start
        while d <= self.end:
            yield d
            d += dt.timedelta(days=1)

    def month_index(self, day: dt.date) -> int:
        return (day.year - self.start.year) * 12 + day.month - self.start.month

    def plan_month(self, n: int) -> dt.date:
        """First day of month ``n`` (1-based) of the plan year."""
        return month_add(self.plan_start, n - 1)


def month_add(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def build_plan(cal: Calendar, seed: int, scale: float) -> list[dict]:
    """One dict per (day, channel) with order counts, funnel sizes and probabilities."""
    rng = random.Random(f"{seed}:plan")
    raw = []
    for day in cal.days():
        for ch, (name, *_rest) in enumerate(CHANNELS):
            share = _share(cal, name, day)
            if share == 0:
                continue  # the channel is not open yet: no traffic row at all
            expected = _growth(cal, day) * share * _season(day, name) * _weekday(day, name)
            raw.append((day, ch, expected * math.exp(rng.gauss(0, 0.08))))
    norm = ORDERS_PER_SCALE * scale / sum(r[2] for r in raw)
    reg = NEW_USERS_PLAN_YEAR * scale / sum(r[2] * norm for r in raw if r[0] >= cal.plan_start)
    rows, offset = [], 0
    for day, ch, expected in raw:
        expected *= norm
        n = int(expected + rng.random())  # stochastic rounding keeps tiny scales unbiased
        rows.append(_plan_row(cal, rng, day, ch, expected, n, offset, reg))
        offset += n
    return rows


def _plan_row(cal, rng, day, ch, expected, n, offset, reg) -> dict:
    name, conv, cls, rec_share = CHANNELS[ch]
    conv *= _conversion_drift(cal, day, name) * (1.12 if _promo(day) < 1 else 1.0)
    sessions = max(n, round(expected / conv * math.exp(rng.gauss(0, 0.04))))
    carts = min(sessions, max(n, round(n / rng.uniform(0.55, 0.68))))
    lift = _rec_lift(cal, day)
    online = name != STORE
    return {
        "day": day.isoformat(),
        "channel": name,
        "ch": ch,
        "cls": cls,
        "m": cal.month_index(day),
        "n_orders": n,
        "order_offset": offset,
        "sessions": sessions,
        "views": round(sessions * rng.uniform(2.6, 3.6)) if online else round(sessions * 1.4),
        "carts": carts,
        "new_users": round(expected * reg * rng.uniform(0.85, 1.15)) if online else round(expected * reg * 0.4),
        "page_load_ms": _page_load(cal, day, rng) if name == OWN_SITE else "",
        "rec_sessions": round(sessions * rec_share) if online else "",
        # share of orders that came through recommendations, so rec conversion = (1 + lift) × the rest
        "p_rec": round(rec_share * (1 + lift) / (1 + rec_share * lift), 5) if online else 0,
        "p_new": round(0.88 - 0.26 * cal.month_index(day) / 23, 4),
        "promo": _promo(day),
        "p_pick": _pickup_share(cal, day, name),
    }


def _growth(cal: Calendar, day: dt.date) -> float:
    return 1.45 ** ((day - cal.start).days / 365)


def _share(cal: Calendar, name: str, day: dt.date) -> float:
    m = cal.month_index(day) + (day.day - 1) / 31
    if name == "京东":
        decline = max(0.0, m - (cal.month_index(cal.end) - 5))  # falling for the last five months
        return 0.22 * 0.84**decline
    if name == "拼多多":
        opened = cal.plan_month(4) + dt.timedelta(days=14)
        return 0.0 if day < opened else 0.10 * min(1.0, (day - opened).days / 60 + 0.2)
    base = {
        "官网/APP": (0.14, 0.15),
        "天猫": (0.30, 0.25),
        "抖音": (0.10, 0.24),
        "小红书": (0.04, 0.07),
        STORE: (0.06, 0.06),
    }
    a, b = base[name]
    return a + (b - a) * m / 24


def _promo(day: dt.date) -> float:
    """Price factor: big sales (618, 双11, 双12) discount most lines."""
    md = (day.month, day.day)
    if (6, 1) <= md <= (6, 18) or (10, 20) <= md <= (11, 11) or md == (12, 12):
        return 0.88
    return 1.0


def _season(day: dt.date, name: str) -> float:
    md = (day.month, day.day)
    factor = 1.0
    if md == (11, 11):
        factor = 6.5
    elif (11, 1) <= md <= (11, 10):
        factor = 2.0
    elif (10, 20) <= md <= (10, 31):
        factor = 1.25
    elif (11, 12) <= md <= (11, 15):
        factor = 1.3
    elif md == (6, 18):
        factor = 4.0
    elif (6, 1) <= md <= (6, 17):
        factor = 1.5
    elif (6, 19) <= md <= (6, 20):
        factor = 1.2
    elif md == (12, 12):
        factor = 1.8
    elif (3, 5) <= md <= (3, 8):
        factor = 1.3
    elif (10, 1) <= md <= (10, 7):
        factor = 1.2 if name == STORE else 0.92
    elif day.month in (7, 8):
        factor = 0.93
    festival = SPRING_FESTIVAL.get(day.year)
    if festival:
        offset = (day - festival).days
        if -10 <= offset <= -3:
            factor *= 0.85
        elif -2 <= offset <= 6:
            factor *= 0.55
    return factor


def _weekday(day: dt.date, name: str) -> float:
    base = (0.92, 0.95, 0.97, 0.98, 1.03, 1.10, 1.08)[day.weekday()]
    if name in ("抖音", "小红书", STORE) and day.weekday() >= 5:
        base *= 1.12
    return base


def _conversion_drift(cal: Calendar, day: dt.date, name: str) -> float:
    """Conversion erodes slowly in the plan year: more top-of-funnel social traffic."""
    m = cal.month_index(day)
    return 1.0 if m < 12 else 1.0 - 0.13 * (m - 11) / 12


def _rec_lift(cal: Calendar, day: dt.date) -> float:
    """Recommendation conversion lift: 8% until history-based recommendations ship in plan month 5."""
    return 0.08 if day < cal.plan_month(5) else 0.17


def _page_load(cal: Calendar, day: dt.date, rng: random.Random) -> int:
    """Own-site p75 load time: about 3.6 s until the plan's speed-up lands in month 3."""
    base = 3600 if day < cal.plan_month(3) else 2650
    peak = 1.15 if _season(day, OWN_SITE) >= 1.5 else 1.0
    return round(base * peak * rng.uniform(0.92, 1.08))


def _pickup_share(cal: Calendar, day: dt.date, name: str) -> float:
    """Share of online orders collected in a store: piloted 14 months before the end."""
    if day < month_add(cal.plan_start, -2) or name not in (OWN_SITE, "天猫", "京东"):
        return 0.0
    ramp = min(1.0, (day - month_add(cal.plan_start, -2)).days / 240)
    return round((0.10 if name == OWN_SITE else 0.03) * (0.4 + 0.6 * ramp), 4)
