"""The big fact tables, generated in DuckDB so that 10 million orders stay fast.

Randomness is ``hash(seed, key, salt)`` turned into a uniform number, never
``random()``: the result depends only on the row's key, so any thread
order gives the same bytes. Every aggregated number is an integer or a
DECIMAL, so sums are exact, and every COPY has an ORDER BY on a unique key.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from site_build.data.scanner import Scanner
from site_build.data.sql_names import literal
from tools.demodata.plan import CHANNEL_NAMES, PLAN_COLUMNS, STORE, Calendar
from tools.demodata.products import CHANNEL_PRICE, CITIES, ROLE_PRICE, STORES

#: probability that a customer from this signup channel is 18–30, and becomes a member
YOUNG = {"官网/APP": 0.38, "天猫": 0.40, "京东": 0.28, "拼多多": 0.45, "抖音": 0.62, "小红书": 0.70, STORE: 0.22}
MEMBER = {"官网/APP": 0.75, "天猫": 0.35, "京东": 0.30, "拼多多": 0.20, "抖音": 0.35, "小红书": 0.45, STORE: 0.60}
PLATFORM_OF = {
    "官网/APP": "APP",
    "天猫": "天猫",
    "京东": "京东",
    "拼多多": "小程序",
    "抖音": "抖音",
    "小红书": "小程序",
    STORE: "小程序",
}
PLATFORMS = ("APP", "小程序", "官网", "天猫", "京东", "抖音")
CARRIERS = ("顺丰速运", "京东物流", "中通快递")
COMMON_TOPICS = ("物流查询", "退换货政策", "发票开具", "设备联网", "积分与优惠券")
COMPLEX_TOPICS = ("设备故障", "安装预约", "售后维修", "投诉建议")
#: share of orders on a campaign day that the campaign gets credit for; own-site traffic is mostly organic
ATTRIBUTION = {"官网/APP": 0.12, "天猫": 0.85, "京东": 0.85, "拼多多": 0.85, "抖音": 0.85, "小红书": 0.85, STORE: 0.5}


def load_inputs(sx: Scanner, seed: int, tmp: Path) -> None:
    """Create the hash macros and load the Python-made inputs written to ``tmp``."""
    # hash(a, b, c) combines its arguments too weakly (two salts on one key correlate at 0.9+),
    # so the parts are hashed separately and the XOR is hashed again.
    sx.execute(
        "CREATE MACRO u(k, salt) AS CAST(hash(xor(xor(hash(CAST(k AS BIGINT)), hash(CAST(salt AS VARCHAR))), "
        f"hash(CAST({int(seed)} AS BIGINT)))) >> 11 AS DOUBLE) / 9007199254740992.0"
    )
    sx.execute("CREATE MACRO u3(k, j, salt) AS u(CAST(k AS BIGINT) * 4 + j, salt)")
    types = {
        "day": "DATE",
        "channel": "VARCHAR",
        "page_load_ms": "INTEGER",
        "rec_sessions": "INTEGER",
        "p_rec": "DOUBLE",
        "p_new": "DOUBLE",
        "promo": "DOUBLE",
        "p_pick": "DOUBLE",
    }
    _load(sx, "plan", tmp / "plan.csv", {c: types.get(c, "BIGINT") for c in PLAN_COLUMNS})
    _load(
        sx,
        "weights",
        tmp / "weights.csv",
        {"m": "INTEGER", "grp": "INTEGER", "cls": "INTEGER", "sku": "VARCHAR", "w": "DOUBLE"},
    )
    _load(sx, "prod", tmp / "prod.csv", {"sku": "VARCHAR", "role": "VARCHAR", "list_price": "DOUBLE"})
    _load(
        sx,
        "campaign_days",
        tmp / "campaign_days.csv",
        {"day": "DATE", "channel": "VARCHAR", "k": "INTEGER", "campaign_id": "INTEGER"},
    )
    sx.execute(
        "CREATE TABLE chprice AS SELECT * FROM (VALUES "
        + ", ".join(f"({i}, {CHANNEL_PRICE[name]})" for i, name in enumerate(CHANNEL_NAMES))
        + ") t(ch, factor)"
    )
    sx.execute(
        "CREATE TABLE roleprice AS SELECT * FROM (VALUES "
        + ", ".join(f"({literal(r)}, {f})" for r, f in ROLE_PRICE.items())
        + ") t(role, factor)"
    )
    sx.execute(
        "CREATE TABLE stores AS SELECT * FROM (VALUES "
        + ", ".join(f"({literal(c)}, {literal(s)})" for c, s in STORES)
        + ") t(city, store)"
    )
    sx.execute(
        "CREATE TABLE cities AS SELECT * FROM (VALUES "
        + ", ".join(f"({literal(c)}, {g})" for c, _w, g, _s in CITIES)
        + ") t(city, grp)"
    )


def build_orders(sx: Scanner) -> None:
    """Tables ``oc`` (orders with customer), ``cust``, ``items`` and ``orders``."""
    sx.execute("""
        CREATE TABLE ob AS
        SELECT order_offset + k + 1 AS order_id, day AS order_date, channel, ch, cls, m, p_new, p_rec, promo, p_pick
        FROM (SELECT *, unnest(range(n_orders)) AS k FROM plan)""")
    # A new customer takes the next id; a returning order picks an earlier customer, recent ones more often.
    sx.execute("""
        CREATE TABLE oc AS
        WITH flagged AS (SELECT *, (order_id = 1 OR u(order_id, 'new') < p_new) AS is_new FROM ob),
        ranked AS (SELECT *, sum(CAST(is_new AS BIGINT)) OVER (ORDER BY order_id ROWS UNBOUNDED PRECEDING) AS nrank FROM flagged)
        SELECT order_id, order_date, channel, ch, cls, m, p_rec, promo, p_pick, is_new,
               CASE WHEN is_new THEN nrank ELSE greatest(1, CAST(ceil(nrank * sqrt(u(order_id, 'who'))) AS BIGINT)) END AS customer_id
        FROM ranked""")
    sx.execute("DROP TABLE ob")
    sx.execute(f"""
        CREATE TABLE cust AS
        SELECT customer_id, order_date AS signup_date, channel AS signup_channel,
               CAST(year(order_date) - CASE WHEN u(customer_id, 'young') < {_case("channel", YOUNG)}
                    THEN 18 + floor(u(customer_id, 'age') * 13)
                    ELSE 31 + floor(pow(u(customer_id, 'age'), 1.6) * 32) END AS INTEGER) AS birth_year,
               CASE WHEN channel = {literal(STORE)} THEN {_pick_city(True)} ELSE {_pick_city(False)} END AS city
        FROM oc WHERE is_new""")
    sx.execute("""
        CREATE TABLE pick AS
        WITH c AS (SELECT *, sum(w) OVER (PARTITION BY m, grp, cls ORDER BY sku ROWS UNBOUNDED PRECEDING) AS hi FROM weights)
        SELECT m, grp, cls, sku, unnest(range(CAST(round((hi - w) * 10000) AS INTEGER), CAST(round(hi * 10000) AS INTEGER))) AS b
        FROM c""")
    sx.execute("""
        CREATE TABLE items AS
        WITH lines AS (
            SELECT o.order_id, o.m, o.cls, o.ch, o.promo, ci.grp,
                   unnest(range(1, 1 + CASE WHEN u(o.order_id, 'lines') < 0.72 THEN 1 WHEN u(o.order_id, 'lines') < 0.93 THEN 2 ELSE 3 END)) AS line_no
            FROM oc o JOIN cust c USING (customer_id) JOIN cities ci ON ci.city = c.city)
        SELECT l.order_id, CAST(l.line_no AS INTEGER) AS line_no, k.sku,
               CASE WHEN u3(l.order_id, l.line_no, 'qty') < 0.86 THEN 1 WHEN u3(l.order_id, l.line_no, 'qty') < 0.97 THEN 2 ELSE 3 END AS quantity,
               CAST(greatest(round(p.list_price * r.factor * cp.factor * l.promo) - 0.1, 0.9) AS DECIMAL(10, 2)) AS unit_price
        FROM lines l
        JOIN pick k ON k.m = l.m AND k.grp = l.grp AND k.cls = l.cls AND k.b = CAST(floor(u3(l.order_id, l.line_no, 'sku') * 10000) AS INTEGER)
        JOIN prod p ON p.sku = k.sku JOIN roleprice r ON r.role = p.role JOIN chprice cp ON cp.ch = l.ch""")
    sx.execute("DROP TABLE pick")
    sx.execute(f"""
        CREATE TABLE orders AS
        WITH gross AS (SELECT order_id, sum(quantity * unit_price) AS gross FROM items GROUP BY 1),
        active AS (SELECT day, channel, count(*) AS n FROM campaign_days GROUP BY 1, 2),
        joined AS (
            SELECT o.*, g.gross, d.campaign_id FROM oc o JOIN gross g USING (order_id)
            LEFT JOIN active a ON a.day = o.order_date AND a.channel = o.channel
            LEFT JOIN campaign_days d ON d.day = o.order_date AND d.channel = o.channel
                 AND u(o.order_id, 'attr') < {_case("o.channel", ATTRIBUTION)} AND d.k = CAST(floor(u(o.order_id, 'camp') * a.n) AS INTEGER))
        SELECT order_id, order_date, customer_id, channel, ch, m, gross, campaign_id, p_pick,
               CAST(CASE WHEN campaign_id IS NOT NULL THEN round(gross * 0.06, 1)
                         WHEN u(order_id, 'coupon') < 0.12 THEN least(10, round(gross * 0.1, 1)) ELSE 0 END AS DECIMAL(12, 2)) AS discount,
               channel <> {literal(STORE)} AND u(order_id, 'rec') < p_rec AS recommended
        FROM joined""")


def write_orders(sx: Scanner, out: Path) -> dict[str, int]:
    """COPY customers, orders and order_items; return their row counts."""
    return {
        "customers": _copy(
            sx,
            "SELECT customer_id, signup_date, signup_channel, birth_year, city FROM cust ORDER BY customer_id",
            out / "customers.csv",
        ),
        "orders": _copy(
            sx,
            """
            SELECT order_id, order_date, customer_id, channel, discount, gross - discount AS amount, campaign_id, recommended
            FROM orders ORDER BY order_id""",
            out / "orders.csv",
        ),
        "order_items": _copy(
            sx,
            "SELECT order_id, line_no, sku, quantity, unit_price FROM items ORDER BY order_id, line_no",
            out / "order_items.csv",
        ),
    }


def write_members(sx: Scanner, out: Path, unify: dt.date) -> dict[str, int]:
    """Members, their points ledger (10 points per ¥100; 20 or more redeemed in steps of 10) and balances."""
    sx.execute(f"""
        CREATE TABLE mem AS
        SELECT customer_id, signup_date AS join_date, signup_channel FROM cust
        WHERE u(customer_id, 'member') < {_case("signup_channel", MEMBER)}""")
    # Redemptions only spend points earned since the previous redemption chance, so balances never go negative.
    sx.execute("""
        CREATE TABLE ledger AS
        WITH earn AS (
            SELECT o.order_id, o.order_date, o.customer_id, CAST(round((o.gross - o.discount) / 10) AS INTEGER) AS pts,
                   u(o.order_id, 'redeem') < 0.5 AS chance
            FROM orders o JOIN mem USING (customer_id)),
        prev AS (SELECT *, coalesce(sum(pts) OVER w, 0) AS before FROM earn
                 WINDOW w AS (PARTITION BY customer_id ORDER BY order_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
        last AS (SELECT *, coalesce(max(CASE WHEN chance THEN before END) OVER w, 0) AS spent_to FROM prev
                 WINDOW w AS (PARTITION BY customer_id ORDER BY order_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
        SELECT order_id * 2 AS entry_id, customer_id, order_date AS entry_date, '获得' AS entry_type, pts AS points, order_id FROM last WHERE pts > 0
        UNION ALL
        SELECT order_id * 2 + 1, customer_id, order_date, '兑换', -CAST(10 * floor((before - spent_to) / 10) AS INTEGER), order_id
        FROM last WHERE chance AND before - spent_to >= 20""")
    platforms = "[" + ", ".join(literal(p) for p in PLATFORMS) + "]"
    counts = {
        "members": _copy(
            sx,
            f"""
        WITH spend AS (SELECT customer_id, sum(gross - discount) AS spend FROM orders GROUP BY 1),
        balance AS (SELECT customer_id, sum(points) AS balance FROM ledger GROUP BY 1),
        base AS (
            SELECT m.*, s.spend, coalesce(b.balance, 0) AS balance, {_case("signup_channel", PLATFORM_OF, quote=True)} AS home,
                   1 + CAST(u(customer_id, 'plat') < CASE WHEN join_date >= DATE {literal(unify.isoformat())} THEN 0.55 ELSE 0.30 END AS INTEGER)
                     + CAST(u(customer_id, 'plat') < CASE WHEN join_date >= DATE {literal(unify.isoformat())} THEN 0.20 ELSE 0.08 END AS INTEGER) AS n,
                   CAST(floor(u(customer_id, 'rot') * 5) AS INTEGER) AS rot
            FROM mem m JOIN spend s USING (customer_id) LEFT JOIN balance b USING (customer_id)),
        lists AS (
            SELECT *, list_filter({platforms}, lambda x: x <> home) AS others FROM base)
        SELECT customer_id, join_date,
               CASE WHEN spend >= 600 THEN '黑金会员' WHEN spend >= 300 THEN '金卡会员' WHEN spend >= 150 THEN '银卡会员' ELSE '普通会员' END AS tier,
               balance AS points_balance,
               array_to_string(list_prepend(home, list_slice(list_concat(list_slice(others, rot + 1, 5), list_slice(others, 1, rot)), 1, n - 1)), ';') AS platforms_used,
               n AS platform_count
        FROM lists ORDER BY customer_id""",
            out / "members.csv",
        )
    }
    counts["points_ledger"] = _copy(sx, "SELECT * FROM ledger ORDER BY entry_id", out / "points_ledger.csv")
    return counts


def write_traffic(sx: Scanner, out: Path) -> dict[str, int]:
    """Per channel and day: funnel sizes from the plan, recommended orders counted from ``orders``."""
    return {
        "traffic": _copy(
            sx,
            f"""
        SELECT p.day AS date, p.channel, p.sessions, p.views AS product_views, p.carts AS add_to_cart, p.n_orders AS orders,
               p.new_users, p.page_load_ms AS page_load_p75_ms, p.rec_sessions AS recommended_sessions,
               CASE WHEN p.channel = {literal(STORE)} THEN NULL ELSE coalesce(r.n, 0) END AS recommended_orders
        FROM plan p LEFT JOIN (SELECT order_date, channel, count(*) AS n FROM orders WHERE recommended GROUP BY 1, 2) r
             ON r.order_date = p.day AND r.channel = p.channel
        ORDER BY p.day, p.ch""",
            out / "traffic.csv",
        )
    }


def write_service(sx: Scanner, out: Path, cal: Calendar) -> dict[str, int]:
    """Service tickets: the AI bot answers a growing share of common questions; people answer the rest."""
    end = f"DATE {literal(cal.end.isoformat())}"
    common = "[" + ", ".join(map(literal, COMMON_TOPICS)) + "]"
    hard = "[" + ", ".join(map(literal, COMPLEX_TOPICS)) + "]"
    sx.execute(f"""
        CREATE TABLE tickets AS
        WITH t AS (
            SELECT order_id, order_date, m,
                   least(order_date + CAST(floor(u(order_id, 'tday') * 6) AS INTEGER), {end}) AS day,
                   CASE WHEN u(order_id, 'tnight') < 0.12 THEN (21 + CAST(floor(u(order_id, 'thour') * 12) AS INTEGER)) % 24
                        ELSE 9 + CAST(floor(u(order_id, 'thour') * 12) AS INTEGER) END AS hour,
                   u(order_id, 'ttype') < 0.74 AS is_common
            FROM orders WHERE u(order_id, 'ticket') < 0.15),
        h AS (
            SELECT *, day + to_seconds(hour * 3600 + CAST(floor(u(order_id, 'tsec') * 3600) AS INTEGER)) AS created_at,
                   is_common AND u(order_id, 'tbot') < 0.55 + 0.30 * m / 23 AS by_bot,
                   month(day) = 11 AS peak
            FROM t),
        r AS (
            SELECT *, CASE
                WHEN by_bot THEN 3 + CAST(floor(u(order_id, 'tresp') * 40) AS INTEGER)
                WHEN hour BETWEEN 9 AND 20 THEN CAST(60 * (10 + 110 * pow(u(order_id, 'tresp'), 2)) * CASE WHEN peak THEN 2.6 ELSE 1 END AS INTEGER)
                ELSE CAST(60 * (60 + 180 * u(order_id, 'tresp')) AS INTEGER) END AS wait
            FROM h)
        SELECT order_id, created_at, created_at + to_seconds(wait) AS first_response_at, wait,
               CASE WHEN u(order_id, 'tvia') < 0.7 THEN '在线聊天' WHEN u(order_id, 'tvia') < 0.9 THEN '电话' ELSE '邮件' END AS contact_channel,
               CASE WHEN is_common THEN '常见问题' ELSE '复杂咨询' END AS topic_type,
               CASE WHEN is_common THEN {common}[1 + CAST(floor(u(order_id, 'ttopic') * 5) AS INTEGER)]
                    ELSE {hard}[1 + CAST(floor(u(order_id, 'ttopic') * 4) AS INTEGER)] END AS topic,
               CASE WHEN by_bot THEN 'AI客服' ELSE '人工' END AS handled_by, by_bot AS resolved_by_bot,
               CASE WHEN u(order_id, 'trated') >= 0.55 THEN NULL
                    WHEN u(order_id, 'tsat') < CASE WHEN by_bot THEN 0.84 WHEN wait > 7200 THEN 0.80 ELSE 0.945 END
                    THEN 4 + CAST(u(order_id, 'tfive') < 0.6 AS INTEGER)
                    ELSE 1 + CAST(floor(u(order_id, 'tfive') * 3) AS INTEGER) END AS satisfaction
        FROM r""")
    return {
        "service_tickets": _copy(
            sx,
            """
        SELECT row_number() OVER (ORDER BY created_at, order_id) AS ticket_id, order_id,
               strftime(created_at, '%Y-%m-%dT%H:%M:%S') AS created_at,
               strftime(first_response_at, '%Y-%m-%dT%H:%M:%S') AS first_response_at,
               wait AS first_response_seconds, contact_channel, topic_type, topic, handled_by, resolved_by_bot, satisfaction
        FROM tickets ORDER BY created_at, order_id""",
            out / "service_tickets.csv",
        )
    }


def write_fulfilment(sx: Scanner, out: Path, cal: Calendar, route_start: dt.date) -> dict[str, int]:
    """Store pickups (click and collect) and daily deliveries with their carbon."""
    end = f"DATE {literal(cal.end.isoformat())}"
    sx.execute("""
        CREATE TABLE pickups AS
        SELECT o.order_id, o.order_date, s.store, s.city FROM orders o JOIN cust c USING (customer_id) JOIN stores s ON s.city = c.city
        WHERE u(o.order_id, 'pick') < o.p_pick * 2.2""")
    carriers = "[" + ", ".join(map(literal, CARRIERS)) + "]"
    counts = {
        "store_pickups": _copy(
            sx,
            f"""
        SELECT row_number() OVER (ORDER BY order_id) AS pickup_id, order_id, store, city, order_date,
               least(order_date + CAST(floor(u(order_id, 'pday') * 3) AS INTEGER), {end}) AS picked_up_date
        FROM pickups ORDER BY order_id""",
            out / "store_pickups.csv",
        )
    }
    counts["deliveries"] = _copy(
        sx,
        f"""
        WITH d AS (
            SELECT order_id, order_date, {carriers}[1 + CAST(floor(u(order_id, 'carrier') * 3) AS INTEGER)] AS carrier,
                   u(order_id, 'route') < CASE WHEN order_date >= DATE {literal(route_start.isoformat())} THEN 0.72 ELSE 0.15 END AS optimised
            FROM orders WHERE channel <> {literal(STORE)} AND order_id NOT IN (SELECT order_id FROM pickups))
        SELECT order_date AS date, carrier, optimised AS route_optimised, count(*) AS deliveries,
               sum(CAST(CASE WHEN optimised THEN 360 + 80 * u(order_id, 'co2') ELSE 520 + 120 * u(order_id, 'co2') END
                        * CASE WHEN carrier = '京东物流' THEN 0.95 ELSE 1 END AS INTEGER)) AS carbon_g
        FROM d GROUP BY ALL ORDER BY date, carrier, route_optimised""",
        out / "deliveries.csv",
    )
    return counts


def _load(sx: Scanner, name: str, path: Path, columns: dict[str, str]) -> None:
    spec = "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in columns.items()) + "}"
    sx.execute(
        f"CREATE TABLE {name} AS SELECT * FROM read_csv({literal(str(path))}, header = true, auto_detect = false, columns = {spec})"
    )


def _copy(sx: Scanner, sql: str, path: Path) -> int:
    return sx.one(f"COPY ({sql}) TO {literal(str(path))} (HEADER, DELIMITER ',')")[0]


def _case(column: str, mapping: dict, *, quote: bool = False) -> str:
    whens = " ".join(f"WHEN {column} = {literal(k)} THEN {literal(v) if quote else v}" for k, v in mapping.items())
    return f"(CASE {whens} END)"


def _pick_city(store_only: bool) -> str:
    cities = [(c, w) for c, w, _g, s in CITIES if s or not store_only]
    total = sum(w for _c, w in cities)
    whens, acc = [], 0
    for city, weight in cities[:-1]:
        acc += weight
        whens.append(f"WHEN u(customer_id, 'city') < {acc / total:.6f} THEN {literal(city)}")
    return f"CASE {' '.join(whens)} ELSE {literal(cities[-1][0])} END"
