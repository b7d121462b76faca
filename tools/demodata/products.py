"""The fictional brand's catalogue, its customers' cities, and which SKU a basket line picks.

A line's SKU depends on the month (what is on sale), the customer's city
(each city favours one category) and the channel's price class (拼多多 buys
cheaper, 京东 and stores dearer). Revenue shares per lifecycle role follow the
plan (核心 ~42%, 潜力新品 ~28%, 清仓 ~30%); within a role, unit weights are
revenue weights divided by price, so cheap accessories sell in volume.
"""

from __future__ import annotations

import datetime as dt

from tools.demodata.plan import Calendar, month_add

CATEGORIES = ("智能插座", "智能灯具", "智能音箱", "传感器", "摄像头", "智能门锁", "扫地机器人", "配件耗材")
ROLES = ("核心", "潜力新品", "清仓")
#: price factor by role: clearance lines sell at a markdown
ROLE_PRICE = {"核心": 1.0, "潜力新品": 1.0, "清仓": 0.7}
#: price factor by channel
CHANNEL_PRICE = {
    "官网/APP": 1.0,
    "天猫": 0.97,
    "京东": 1.0,
    "拼多多": 0.85,
    "抖音": 0.92,
    "小红书": 0.97,
    "线下门店": 1.0,
}

# sku, name, category, role, launch, list price, unit cost, revenue popularity, improved_from, delisted
PRODUCTS = (
    ("PLG-01", "智能插座 mini", "智能插座", "核心", "2023-03-01", 49, 21, 1.0, None, None),
    ("PLG-02", "智能插座 2 电量统计版", "智能插座", "潜力新品", "2025-09-10", 69, 27, 1.0, "PLG-01", None),
    ("PLG-03", "智能排插 四位", "智能插座", "核心", "2023-09-01", 129, 55, 0.8, None, None),
    ("PLG-04", "智能插座 经典款", "智能插座", "清仓", "2022-05-01", 45, 24, 0.8, None, None),
    ("LGT-01", "智能灯泡 E27", "智能灯具", "核心", "2023-02-01", 39, 15, 0.9, None, None),
    ("LGT-02", "彩光灯带 2 米", "智能灯具", "核心", "2023-06-01", 129, 48, 0.9, None, None),
    ("LGT-03", "智能吸顶灯 Pro", "智能灯具", "潜力新品", "2025-04-15", 499, 230, 0.42, None, None),
    ("LGT-04", "智能台灯 护眼版", "智能灯具", "核心", "2024-03-01", 259, 110, 0.48, None, None),
    ("LGT-05", "智能灯泡 一代", "智能灯具", "清仓", "2022-03-01", 35, 18, 0.7, None, "2026-03-31"),
    ("LGT-06", "氛围灯 星空版", "智能灯具", "潜力新品", "2026-03-20", 199, 80, 0.54, None, None),
    ("LGT-07", "智能灯泡 E27 二代", "智能灯具", "潜力新品", "2025-10-20", 49, 19, 0.9, "LGT-01", None),
    ("SPK-01", "智能音箱 mini", "智能音箱", "核心", "2023-04-01", 149, 70, 1.0, None, None),
    ("SPK-02", "智能音箱 Pro", "智能音箱", "核心", "2024-05-01", 399, 190, 0.66, None, None),
    ("SPK-03", "智能音箱 屏幕版", "智能音箱", "潜力新品", "2025-11-11", 599, 300, 0.36, None, None),
    ("SPK-04", "智能音箱 一代", "智能音箱", "清仓", "2022-01-01", 129, 80, 0.9, None, "2025-12-31"),
    ("SPK-05", "智能音箱 mini 二代", "智能音箱", "潜力新品", "2026-08-18", 169, 75, 0.6, "SPK-01", None),
    ("SNS-01", "门窗传感器", "传感器", "核心", "2023-01-01", 49, 18, 0.7, None, None),
    ("SNS-02", "人体传感器", "传感器", "核心", "2023-01-01", 59, 22, 0.8, None, None),
    ("SNS-03", "温湿度计", "传感器", "核心", "2023-05-01", 39, 14, 0.6, None, None),
    ("SNS-04", "多模网关", "传感器", "核心", "2023-01-01", 149, 60, 0.9, None, None),
    ("SNS-05", "水浸传感器", "传感器", "潜力新品", "2025-06-01", 59, 22, 0.7, None, None),
    ("SNS-06", "网关 一代", "传感器", "清仓", "2021-09-01", 99, 60, 0.8, None, None),
    ("SNS-07", "人体存在传感器 毫米波版", "传感器", "潜力新品", "2026-05-20", 129, 52, 0.9, "SNS-02", None),
    ("CAM-01", "室内摄像头 C1", "摄像头", "核心", "2023-08-01", 199, 85, 0.66, None, None),
    ("CAM-02", "室外摄像头 C2", "摄像头", "核心", "2024-04-01", 399, 180, 0.6, None, None),
    ("CAM-03", "云台摄像头 Pro", "摄像头", "潜力新品", "2025-03-01", 299, 130, 0.66, "CAM-01", None),
    ("CAM-04", "摄像头 C0", "摄像头", "清仓", "2022-06-01", 149, 95, 1.0, None, None),
    ("CAM-05", "可视门铃", "摄像头", "潜力新品", "2025-12-05", 349, 150, 0.6, None, None),
    ("LCK-01", "智能门锁 L1", "智能门锁", "清仓", "2022-09-01", 999, 620, 0.3, None, None),
    ("LCK-02", "智能门锁 L2", "智能门锁", "核心", "2024-01-01", 1299, 640, 0.33, None, None),
    ("LCK-03", "智能门锁 L2 Pro", "智能门锁", "潜力新品", "2025-02-18", 1799, 860, 0.33, "LCK-02", None),
    ("LCK-04", "3D 人脸门锁 L3", "智能门锁", "潜力新品", "2026-02-10", 2499, 1200, 0.27, "LCK-03", None),
    ("ROB-01", "扫地机器人 R1", "扫地机器人", "清仓", "2022-08-01", 1299, 850, 0.27, None, None),
    ("ROB-02", "扫拖机器人 R2", "扫地机器人", "核心", "2024-02-01", 1999, 1050, 0.3, None, None),
    ("ROB-03", "扫拖机器人 R2 Pro", "扫地机器人", "潜力新品", "2025-07-15", 2999, 1550, 0.27, "ROB-02", None),
    ("ROB-04", "自清洁扫拖机器人 R3", "扫地机器人", "潜力新品", "2026-06-01", 3699, 1900, 0.24, "ROB-03", None),
    ("ACC-01", "扫地机滤网套装", "配件耗材", "核心", "2024-02-01", 39, 12, 0.5, None, None),
    ("ACC-02", "拖布替换装", "配件耗材", "核心", "2024-02-01", 29, 8, 0.5, None, None),
    ("ACC-03", "门锁电池套装", "配件耗材", "核心", "2024-01-01", 49, 18, 0.4, None, None),
    ("ACC-04", "摄像头存储卡 64G", "配件耗材", "核心", "2023-08-01", 59, 30, 0.5, None, None),
    ("ACC-05", "旧款边刷", "配件耗材", "清仓", "2022-08-01", 19, 8, 0.5, None, None),
    ("ACC-06", "旧款尘盒", "配件耗材", "清仓", "2022-08-01", 29, 14, 0.5, None, None),
)

#: city, weight, favourite category index, has a store
CITIES = (
    ("上海", 10, 5, True),
    ("北京", 9, 4, True),
    ("深圳", 8, 2, True),
    ("广州", 7, 1, True),
    ("杭州", 7, 6, True),
    ("成都", 7, 1, True),
    ("武汉", 5, 0, False),
    ("南京", 5, 3, False),
    ("重庆", 5, 1, False),
    ("苏州", 5, 6, False),
    ("西安", 4, 4, False),
    ("天津", 4, 0, False),
    ("长沙", 4, 2, False),
    ("郑州", 4, 3, False),
    ("青岛", 3, 5, False),
    ("厦门", 3, 7, False),
    ("合肥", 3, 0, False),
    ("宁波", 3, 6, False),
    ("其他城市", 4, 7, False),
)
STORES = (
    ("上海", "上海静安体验店"),
    ("北京", "北京三里屯体验店"),
    ("深圳", "深圳南山体验店"),
    ("广州", "广州天河体验店"),
    ("杭州", "杭州西湖体验店"),
    ("成都", "成都太古里体验店"),
)


def role_shares(m: int) -> dict[str, float]:
    """Planned revenue share of each role in month index ``m`` (0..23)."""
    new = 0.12 + 0.16 * min(m, 20) / 20
    clearance = 0.34 - 0.05 * min(m, 20) / 20
    return {"核心": 1 - new - clearance, "潜力新品": new, "清仓": clearance}


def on_sale(product: tuple, day: dt.date) -> bool:
    launch = dt.date.fromisoformat(product[4])
    delisted = dt.date.fromisoformat(product[9]) if product[9] else None
    return launch <= day and (delisted is None or day <= delisted)


def pick_weights(cal: Calendar) -> list[dict]:
    """Unit pick weights per (month, favourite-category group, price class, sku); each key sums to 1."""
    rows = []
    for m in range(24):
        mid = month_add(cal.start, m) + dt.timedelta(days=14)
        live = [p for p in PRODUCTS if on_sale(p, mid)]
        shares = role_shares(m)
        for grp in range(len(CATEGORIES)):
            for cls in range(3):
                weights = _unit_weights(live, shares, grp, cls)
                total = sum(weights.values())
                rows += [{"m": m, "grp": grp, "cls": cls, "sku": sku, "w": w / total} for sku, w in weights.items()]
    return rows


def _unit_weights(live: list[tuple], shares: dict[str, float], grp: int, cls: int) -> dict[str, float]:
    weights = {}
    present = {p[3] for p in live}
    scale = 1 / sum(shares[r] for r in present)
    for role in present:
        members = [p for p in live if p[3] == role]
        pops = {p[0]: p[7] * _tilt(p, grp, cls) for p in members}
        total = sum(pops.values())
        for p in members:
            weights[p[0]] = shares[role] * scale * pops[p[0]] / total / (p[5] * ROLE_PRICE[role])
    return weights


def _tilt(product: tuple, grp: int, cls: int) -> float:
    tilt = 2.2 if CATEGORIES.index(product[2]) == grp else 1.0
    if cls == 1 and product[5] >= 500:
        tilt *= 0.35
    elif cls == 2 and product[5] >= 500:
        tilt *= 1.6
    return tilt
