"""Small resources made in Python with ``random.Random(seed)``: budget, campaigns,
plan milestones, A/B experiments, competitor prices, short videos, livestreams,
store coupons, packaging and donations.

Dates are placed relative to the calendar, so a different ``end`` moves the
whole story with it; planted values (experiments, milestones) are fixed.
"""

from __future__ import annotations

import datetime as dt
import random

from tools.demodata.plan import Calendar, month_add
from tools.demodata.products import PRODUCTS, STORES, on_sale

#: plan-year allocation: (channel, purpose, ¥); sums to the strategy's ¥2,000,000
BUDGET_LINES = (
    ("官网/APP", "平台建设", 600_000),
    ("官网/APP", "广告投放", 60_000),
    ("天猫", "广告投放", 300_000),
    ("京东", "广告投放", 200_000),
    ("拼多多", "广告投放", 120_000),
    ("抖音", "广告投放", 220_000),
    ("抖音", "直播投流", 150_000),
    ("小红书", "内容种草", 250_000),
    ("线下门店", "O2O 推广", 100_000),
)
AD_TYPES = {"广告投放": "信息流广告", "直播投流": "直播投流", "内容种草": "达人种草", "O2O 推广": "门店引流"}
PROJECTS = ("官网性能优化", "APP 会员中心改版", "推荐系统升级", "统一会员体系", "智能客服接入", "数据看板建设")
COMPETITORS = {
    "智能插座": ("竞品A·生态链", "竞品B·家电"),
    "智能灯具": ("竞品A·生态链", "竞品E·照明"),
    "智能音箱": ("竞品A·生态链", "竞品B·家电"),
    "传感器": ("竞品A·生态链", "竞品F·传感"),
    "摄像头": ("竞品C·安防", "竞品A·生态链"),
    "智能门锁": ("竞品C·安防", "竞品G·门锁"),
    "扫地机器人": ("竞品D·清洁电器", "竞品A·生态链"),
}
MATERIALS = (("可回收纸箱", True), ("可降解快递袋", True), ("塑料快递袋", False), ("气泡膜包装", False))
#: (id, name, metric, plan month, users per arm, conversions A, conversions B)
EXPERIMENTS = (
    ("AB-01", "商品主图统一风格", "点击转化率", 1, 12000, 624, 648),
    ("AB-02", "购物车与结算流程简化", "下单转化率", 2, 15000, 615, 705),
    ("AB-03", "基于浏览历史的推荐位", "下单转化率", 5, 20000, 1000, 1160),
    ("AB-04", "首页布局改版", "点击转化率", 7, 18000, 648, 756),
    ("AB-05", "会员权益页新文案", "入会转化率", 9, 10000, 300, 240),
    ("AB-06", "满减门槛 199 减 20 对比 299 减 30", "下单转化率", 11, 9000, 549, 567),
)
#: (phase, months, milestone, owner, due month, due day, days late or None when open)
MILESTONES = (
    ("初期", "1–3", "完成商品主图和详情页的统一风格设计", "商品组", 2, 15, -5),
    ("初期", "1–3", "优化购物车和结算流程，减少用户流失", "增长运营组", 3, 15, -2),
    ("初期", "1–3", "建立基础客服 SOP（标准作业程序）", "客服组", 2, 28, -3),
    ("初期", "1–3", "官网页面加载提速至 3 秒内", "数据组", 3, 28, -4),
    ("中期", "4–6", "入驻拼多多旗舰店", "渠道组", 4, 28, -13),
    ("中期", "4–6", "启动直播带货，每周 1–2 场", "内容组", 4, 28, -8),
    ("中期", "4–6", "首次小红书、抖音社交媒体广告投放", "内容组", 5, 28, -3),
    ("中期", "4–6", "上线跨平台统一会员", "会员组", 6, 28, 12),
    ("后期", "7–12", "智能配送路线规划上线", "供应链组", 7, 28, -1),
    ("后期", "7–12", "A/B 测试优化首页布局", "增长运营组", 8, 28, -8),
    ("后期", "7–12", "建立季度复盘机制", "数据组", 9, 15, -5),
    ("后期", "7–12", "分析用户留存，调整会员权益", "会员组", 9, 28, -2),
    ("后期", "7–12", "门店自提推广至全部体验店", "渠道组", 8, 15, -6),
    ("后期", "7–12", "按 ROI 调整广告预算分配", "财务组", 10, 28, -1),
    ("后期", "7–12", "可回收包装覆盖 80% 订单", "供应链组", 11, 20, -4),
    ("后期", "7–12", "AI 客服覆盖 90% 常见问题", "客服组", 11, 28, None),
    ("后期", "7–12", "教育基金年度捐赠报告", "品牌公益组", 12, 15, -2),
    ("后期", "7–12", "双11 备货与安全库存复核", "供应链组", 13, 10, None),
)


def budget(cal: Calendar) -> list[dict]:
    """Two plan years of budget lines; the earlier year had 80% of today's lines and no 拼多多."""
    rows = []
    for year, start in enumerate((month_add(cal.plan_start, -12), cal.plan_start)):
        for channel, purpose, amount in BUDGET_LINES:
            if year == 0 and channel == "拼多多":
                continue
            rows.append(
                {
                    "budget_line_id": len(rows) + 1,
                    "plan_year_start": start,
                    "channel": channel,
                    "purpose": purpose,
                    "allocated_cny": f"{amount * (0.8 if year == 0 else 1):.2f}",
                }
            )
    return rows


def campaigns(cal: Calendar, lines: list[dict], seed: int) -> list[dict]:
    """Campaigns without spend yet: big promotions, monthly always-on pushes and platform projects."""
    rng = random.Random(f"{seed}:campaigns")
    rows = []
    for line in lines:
        year_end = month_add(line["plan_year_start"], 12) - dt.timedelta(days=1)
        if line["purpose"] == "平台建设":
            for i, name in enumerate(rng.sample(PROJECTS, 3)):
                start = month_add(line["plan_year_start"], 1 + 4 * i)
                rows.append(_campaign(rows, line, f"{name}项目", "平台建设", start, start + dt.timedelta(days=59), rng))
            continue
        month = line["plan_year_start"]
        while month <= min(year_end, cal.end):
            if line["channel"] == "拼多多" and month < cal.plan_month(4):
                month = month_add(month, 1)
                continue
            for start, days, label in _windows(month, line, rng):
                end = min(start + dt.timedelta(days=days - 1), cal.end)
                if start <= cal.end and (
                    line["channel"] != "抖音" or line["purpose"] != "直播投流" or start >= cal.plan_month(4)
                ):
                    rows.append(
                        _campaign(
                            rows,
                            line,
                            label,
                            AD_TYPES[line["purpose"]] if "大促" not in label else "大促活动",
                            start,
                            end,
                            rng,
                        )
                    )
            month = month_add(month, 1)
    return rows


def _windows(month: dt.date, line: dict, rng: random.Random):
    channel, kind = line["channel"], AD_TYPES[line["purpose"]]
    tag = f"{month.year}-{month.month:02d} {channel}"
    sale = line["purpose"] == "广告投放"
    if sale and month.month == 10:
        yield month + dt.timedelta(days=rng.randrange(0, 6)), rng.randrange(7, 10), f"{tag} {kind} 第1波"
        yield dt.date(month.year, 10, 20), 12, f"{month.year} 双11 {channel}预售大促"
    elif sale and month.month == 11:
        yield month, 11, f"{month.year} 双11 {channel}正式大促"
        yield month + dt.timedelta(days=rng.randrange(15, 20)), rng.randrange(6, 10), f"{tag} {kind} 第2波"
    elif sale and month.month == 6:
        yield month, 18, f"{month.year} 618 {channel}大促"
        yield month + dt.timedelta(days=rng.randrange(21, 24)), rng.randrange(5, 7), f"{tag} {kind} 第2波"
    else:
        yield month + dt.timedelta(days=rng.randrange(0, 8)), rng.randrange(7, 12), f"{tag} {kind} 第1波"
        yield month + dt.timedelta(days=rng.randrange(14, 20)), rng.randrange(6, 10), f"{tag} {kind} 第2波"


def _campaign(rows, line, name, kind, start, end, rng) -> dict:
    return {
        "campaign_id": len(rows) + 1,
        "campaign_name": name,
        "channel": line["channel"],
        "campaign_type": kind,
        "start_date": start,
        "end_date": end,
        "budget_line_id": line["budget_line_id"],
        "roi_hint": 0.0
        if kind == "平台建设"
        else (rng.uniform(0.5, 0.9) if rng.random() < 0.12 else rng.lognormvariate(0.75, 0.3)),
    }


def campaign_days(rows: list[dict]) -> list[dict]:
    """(day, channel, k, campaign_id): the campaigns an order on that day and channel can be attributed to."""
    days: dict[tuple, list[int]] = {}
    for c in rows:
        if c["campaign_type"] == "平台建设":
            continue
        d = c["start_date"]
        while d <= c["end_date"]:
            days.setdefault((d, c["channel"]), []).append(c["campaign_id"])
            d += dt.timedelta(days=1)
    return [
        {"day": d, "channel": ch, "k": k, "campaign_id": cid}
        for (d, ch), ids in sorted(days.items())
        for k, cid in enumerate(ids)
    ]


def price_campaigns(
    rows: list[dict], revenue: dict[int, tuple[int, float]], lines: list[dict], seed: int
) -> list[dict]:
    """Set spend per campaign: each budget line spends 90–100% of its allocation, shared by revenue ÷ ROI."""
    rng = random.Random(f"{seed}:spend")
    out = []
    for line in lines:
        mine = [c for c in rows if c["budget_line_id"] == line["budget_line_id"]]
        weights = [
            1.0
            if c["campaign_type"] == "平台建设"
            else max(revenue.get(c["campaign_id"], (0, 0.0))[1], 1.0) / c["roi_hint"]
            for c in mine
        ]
        budget_used = float(line["allocated_cny"]) * rng.uniform(0.9, 1.0)
        for c, w in zip(mine, weights):
            orders, rev = revenue.get(c["campaign_id"], (0, 0.0))
            spend = round(budget_used * w / sum(weights), -2)
            out.append(
                {k: v for k, v in c.items() if k != "roi_hint"}
                | {"spend": f"{spend:.2f}", "attributed_orders": orders, "attributed_revenue": f"{rev:.2f}"}
            )
    return sorted(out, key=lambda c: c["campaign_id"])


def milestones(cal: Calendar) -> list[dict]:
    """Plan milestones per phase with done dates and a status as of the data's end."""
    rows = []
    for i, (phase, months, name, owner, due_month, due_day, late) in enumerate(MILESTONES, 1):
        due = cal.plan_month(due_month) + dt.timedelta(days=due_day - 1)
        done = None if late is None else due + dt.timedelta(days=late)
        if done is not None and done > cal.end:
            done = None
        if done is not None:
            status = "按期完成" if done <= due else "延期完成"
        else:
            status = "已逾期" if due < cal.end else "进行中"
        rows.append(
            {
                "milestone_id": i,
                "phase": phase,
                "plan_months": months,
                "milestone": name,
                "owner": owner,
                "due_date": due,
                "done_date": done,
                "status": status,
            }
        )
    return rows


def experiments(cal: Calendar) -> list[dict]:
    rows = []
    for exp_id, name, metric, month, users, conv_a, conv_b in EXPERIMENTS:
        start = cal.plan_month(month) + dt.timedelta(days=4)
        for variant, conversions in (("A 对照组", conv_a), ("B 实验组", conv_b)):
            rows.append(
                {
                    "experiment_id": exp_id,
                    "experiment": name,
                    "metric": metric,
                    "start_date": start,
                    "end_date": start + dt.timedelta(days=20),
                    "variant": variant,
                    "users": users,
                    "conversions": conversions,
                }
            )
    return rows


def competitor_prices(cal: Calendar, seed: int) -> list[dict]:
    """Weekly price checks of the main SKUs against two competitors each."""
    rng = random.Random(f"{seed}:prices")
    tracked = [p for p in PRODUCTS if p[3] != "清仓" and p[2] in COMPETITORS]
    ratio = {(p[0], c): rng.uniform(0.9, 1.02) for p in tracked for c in COMPETITORS[p[2]]}
    ratio[("LCK-03", "竞品G·门锁")] = 0.86  # one SKU priced well above its rival, for the gap table
    rows = []
    day = cal.end - dt.timedelta(days=7 * ((cal.end - cal.start).days // 7))
    while day <= cal.end:
        promo = (
            0.9 if (6, 1) <= (day.month, day.day) <= (6, 18) or (10, 20) <= (day.month, day.day) <= (11, 11) else 1.0
        )
        for p in tracked:
            if not on_sale(p, day):
                continue
            for comp in COMPETITORS[p[2]]:
                ours = round(p[5] * promo, 2)
                theirs = round(
                    p[5] * ratio[(p[0], comp)] * rng.uniform(0.97, 1.03) * (promo if rng.random() < 0.8 else 1), 0
                )
                rows.append(
                    {
                        "check_date": day,
                        "sku": p[0],
                        "competitor": comp,
                        "our_price": f"{ours:.2f}",
                        "competitor_price": f"{theirs:.2f}",
                    }
                )
        day += dt.timedelta(days=7)
    return rows


def short_videos(cal: Calendar, seed: int) -> list[dict]:
    """Short videos: few in year one, 5–10 a quarter in the plan year; each lifts its product's click-through."""
    rng = random.Random(f"{seed}:videos")
    rows = []
    quarter = dt.date(cal.start.year, 3 * ((cal.start.month - 1) // 3) + 1, 1)
    while quarter <= cal.end:
        planned = quarter >= month_add(cal.plan_start, -1)
        count = rng.randint(6, 9) if planned else rng.randint(2, 4)
        lifts = [rng.gauss(0, 0.05) for _ in range(count)]
        centre = sum(lifts) / count
        for i in range(count):
            day = quarter + dt.timedelta(days=rng.randrange(0, 90))
            if day < cal.start or day > cal.end:
                continue
            product = rng.choice([p for p in PRODUCTS if on_sale(p, day) and p[3] != "清仓"])
            before = rng.uniform(0.028, 0.045)
            lift = max(0.02, (0.23 if planned else 0.12) + lifts[i] - 0.7 * centre)  # keep the quarter near plan
            views = int(rng.lognormvariate(11.5, 0.8))
            rows.append(
                {
                    "publish_date": day,
                    "platform": rng.choice(("抖音", "抖音", "小红书")),
                    "sku": product[0],
                    "title": f"{product[1]}｜{rng.choice(('开箱', '一分钟上手', '真实家庭体验', '对比评测', '安装教程'))}",
                    "views": views,
                    "clicks": int(views * rng.uniform(0.02, 0.06)),
                    "ctr_before": round(before, 4),
                    "ctr_after": round(before * (1 + lift), 4),
                    "ctr_lift": round(lift, 4),
                }
            )
        quarter = month_add(quarter, 3)
    rows.sort(key=lambda r: (r["publish_date"], r["sku"]))
    return [{"video_id": i} | r for i, r in enumerate(rows, 1)]


def livestreams(cal: Calendar, seed: int) -> list[dict]:
    """Livestreams from plan month 4: one or two a week, GMV per session climbing toward ¥100k."""
    rng = random.Random(f"{seed}:live")
    rows = []
    start = cal.plan_month(4) + dt.timedelta(days=6)
    week = start - dt.timedelta(days=start.weekday())
    while week <= cal.end:
        for slot in (4, 5)[: 2 if rng.random() < 0.5 else 1]:
            day = week + dt.timedelta(days=slot)
            if start <= day <= cal.end:
                progress = (day - start).days / max((cal.end - start).days, 1)
                gmv = (42_000 + 45_000 * progress) * rng.uniform(0.85, 1.15) * (1.25 if day.month in (6, 11) else 1)
                rows.append(
                    {
                        "stream_date": day,
                        "platform": "抖音" if rng.random() < 0.7 else "天猫",
                        "host": "品牌自播" if rng.random() < 0.6 else "达人合作",
                        "duration_min": rng.choice((90, 120, 150, 180)),
                        "viewers": int(gmv * rng.uniform(0.9, 1.6)),
                        "gmv": f"{round(gmv, -1):.2f}",
                    }
                )
        week += dt.timedelta(days=7)
    return [{"stream_id": i} | r for i, r in enumerate(rows, 1)]


def store_coupons(cal: Calendar, seed: int) -> list[dict]:
    """Per store and month: coupons handed out in store that are redeemed online (from the O2O pilot on)."""
    rng = random.Random(f"{seed}:coupons")
    rows = []
    month = month_add(cal.plan_start, -2)
    while month <= cal.end:
        age = (month.year - cal.plan_start.year) * 12 + month.month - cal.plan_start.month + 2
        for city, store in STORES:
            issued = rng.randint(280, 620)
            redeemed = round(issued * min(0.34, 0.2 + 0.009 * age) * rng.uniform(0.92, 1.08))
            rows.append(
                {
                    "month": month,
                    "store": store,
                    "city": city,
                    "coupons_issued": issued,
                    "coupons_redeemed": redeemed,
                    "redeemed_sales_cny": f"{redeemed * rng.uniform(95, 140):.2f}",
                }
            )
        month = month_add(month, 1)
    return rows


def packaging(cal: Calendar, shipments: dict[dt.date, int]) -> list[dict]:
    """Monthly shipments by packaging material; the eco share climbs from ~45% to ~84%."""
    rows = []
    for month, total in sorted(shipments.items()):
        eco = 0.45 + 0.39 * min(1.0, cal.month_index(month) / 22)
        shares = (eco * 0.7, eco * 0.3, (1 - eco) * 0.75, (1 - eco) * 0.25)
        for (material, recyclable), share in zip(MATERIALS, shares):
            rows.append(
                {"month": month, "material": material, "recyclable": recyclable, "shipments": round(total * share)}
            )
    return rows


def donations(cal: Calendar, orders: dict[dt.date, int]) -> list[dict]:
    """¥1 per order to the education fund, from the programme's start six months into the data."""
    start = month_add(cal.start, 6)
    return [
        {"month": m, "fund": "乡村教育基金", "orders": n, "donated_cny": f"{n:.2f}"}
        for m, n in sorted(orders.items())
        if m >= start
    ]
