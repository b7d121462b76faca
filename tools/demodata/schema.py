"""``datapackage.json`` for the demo data: a full Table Schema per resource, with
Chinese titles and descriptions, constraints, primary keys and foreign keys.
"""

from __future__ import annotations

from tools.demodata.dimensions import MATERIALS
from tools.demodata.facts import CARRIERS, COMMON_TOPICS, COMPLEX_TOPICS
from tools.demodata.plan import CHANNEL_NAMES
from tools.demodata.products import CATEGORIES, CITIES, ROLES, STORES

GENERATOR = "handbook demo-data"
TIERS = ["普通会员", "银卡会员", "金卡会员", "黑金会员"]
CHANNELS = list(CHANNEL_NAMES)


def _f(name, type_, title, description, **constraints) -> dict:
    field = {"name": name, "type": type_, "title": title, "description": description}
    if constraints:
        field["constraints"] = constraints
    return field


def _key(name="", title="", description="", type_="integer") -> dict:
    return _f(
        name, type_, title, description, required=True, unique=True, **({"minimum": 1} if type_ == "integer" else {})
    )


def _money(name, title, description, required=True) -> dict:
    return _f(name, "number", title, description, minimum=0, **({"required": True} if required else {}))


def _count(name, title, description, required=True) -> dict:
    return _f(name, "integer", title, description, minimum=0, **({"required": True} if required else {}))


def _date(name, title, description, required=True) -> dict:
    return _f(name, "date", title, description, **({"required": True} if required else {}))


def _enum(name, title, description, values, required=True) -> dict:
    return _f(name, "string", title, description, enum=list(values), **({"required": True} if required else {}))


def _fk(fields, resource, ref=None) -> dict:
    fields = [fields] if isinstance(fields, str) else fields
    return {"fields": fields, "reference": {"resource": resource, "fields": ref or fields}}


RESOURCES = [
    (
        "products",
        "商品",
        "在售与历史商品：品类、生命周期角色（核心/潜力新品/清仓）、上市日期、迭代来源与评分。",
        [
            _key("sku", "SKU", "商品编码，如 LCK-02。", type_="string"),
            _f("product_name", "string", "商品名称", "中文商品名。", required=True),
            _enum("category", "品类", "智能家居品类。", CATEGORIES),
            _enum("lifecycle_role", "生命周期角色", "产品组合中的角色：核心产品、潜力新品或清仓库存。", ROLES),
            _date("launch_date", "上市日期", "首次开售日期。"),
            _date("delisted_date", "下架日期", "停止销售的日期；仍在售为空。", required=False),
            _f("improved_from", "string", "改进自", "改进型产品所迭代的上一代 SKU；全新产品为空。"),
            _money("list_price", "标价（元）", "官方零售价。"),
            _money("unit_cost", "单位成本（元）", "采购与生产成本，用于估算毛利。"),
            _f("review_score", "number", "综合评分", "全部月份的加权平均评分（1–5 分）。", minimum=1, maximum=5),
            _count("review_count", "评价数", "累计评价条数。"),
        ],
        ["sku"],
        [_fk("improved_from", "", ["sku"])],
    ),
    (
        "customers",
        "顾客",
        "有过下单记录的顾客：首单日期视为注册日期，含出生年份、城市与注册渠道。",
        [
            _key("customer_id", "顾客编号", "顾客唯一编号。"),
            _date("signup_date", "注册日期", "注册（首单）日期。"),
            _enum("signup_channel", "注册渠道", "首单所在渠道。", CHANNELS),
            _f(
                "birth_year",
                "integer",
                "出生年份",
                "用于划分年龄段（如 18–30 岁）。",
                required=True,
                minimum=1940,
                maximum=2012,
            ),
            _enum("city", "城市", "收货或所在城市。", [c[0] for c in CITIES]),
        ],
        ["customer_id"],
        [],
    ),
    (
        "members",
        "会员",
        "加入会员体系的顾客：等级、积分余额与使用过的平台（统一会员）。",
        [
            _key("customer_id", "顾客编号", "会员对应的顾客编号。"),
            _date("join_date", "入会日期", "加入会员的日期。"),
            _enum("tier", "会员等级", "按累计消费划分：普通 <¥150，银卡 ¥150–300，金卡 ¥300–600，黑金 ≥¥600。", TIERS),
            _count("points_balance", "积分余额", "截至数据日期的可用积分（1 积分 = ¥0.1）。"),
            _f("platforms_used", "string", "使用平台", "以分号分隔的平台列表，首位为主平台。", required=True),
            _f("platform_count", "integer", "平台数", "使用过的平台数量。", required=True, minimum=1, maximum=6),
        ],
        ["customer_id"],
        [_fk("customer_id", "customers")],
    ),
    (
        "budget",
        "年度预算",
        "按渠道与用途分配的年度预算；本计划年度合计 ¥2,000,000。",
        [
            _key("budget_line_id", "预算行编号", "预算行唯一编号。"),
            _date("plan_year_start", "计划年度起始", "该预算所属计划年度的第一天。"),
            _enum("channel", "渠道", "预算所属渠道。", CHANNELS),
            _enum("purpose", "用途", "预算用途。", ["平台建设", "广告投放", "直播投流", "内容种草", "O2O 推广"]),
            _money("allocated_cny", "预算金额（元）", "分配金额。"),
        ],
        ["budget_line_id"],
        [],
    ),
    (
        "campaigns",
        "营销活动",
        "营销活动与平台建设项目：花费、归因订单与归因销售额。",
        [
            _key("campaign_id", "活动编号", "活动唯一编号。"),
            _f("campaign_name", "string", "活动名称", "活动或项目名称。", required=True),
            _enum("channel", "渠道", "投放渠道。", CHANNELS),
            _enum(
                "campaign_type",
                "活动类型",
                "大促、信息流、直播投流、达人种草、门店引流或平台建设。",
                ["大促活动", "信息流广告", "直播投流", "达人种草", "门店引流", "平台建设"],
            ),
            _date("start_date", "开始日期", "活动开始日期。"),
            _date("end_date", "结束日期", "活动结束日期（数据截止日之后的部分未计入）。"),
            _f("budget_line_id", "integer", "预算行", "花费计入的预算行。", required=True),
            _money("spend", "花费（元）", "活动花费。"),
            _count("attributed_orders", "归因订单数", "归因到该活动的订单数。"),
            _money("attributed_revenue", "归因销售额（元）", "归因订单的实付金额合计。"),
        ],
        ["campaign_id"],
        [_fk("budget_line_id", "budget")],
    ),
    (
        "orders",
        "订单",
        "已支付订单：日期、顾客、渠道、优惠与实付金额、归因活动、是否经由推荐。",
        [
            _key("order_id", "订单编号", "订单唯一编号。"),
            _date("order_date", "下单日期", "支付日期。"),
            _f("customer_id", "integer", "顾客编号", "下单顾客。", required=True),
            _enum("channel", "渠道", "成交渠道。", CHANNELS),
            _money("discount", "优惠金额（元）", "活动与优惠券抵扣。"),
            _money("amount", "实付金额（元）", "商品金额减优惠后的实付金额。"),
            _f("campaign_id", "integer", "归因活动", "归因的营销活动；无归因为空。"),
            _f("recommended", "boolean", "推荐成交", "是否经由个性化推荐位成交。", required=True),
        ],
        ["order_id"],
        [_fk("customer_id", "customers"), _fk("campaign_id", "campaigns")],
    ),
    (
        "order_items",
        "订单明细",
        "订单中的商品行。",
        [
            _f("order_id", "integer", "订单编号", "所属订单。", required=True),
            _f("line_no", "integer", "行号", "订单内行号。", required=True, minimum=1, maximum=3),
            _f("sku", "string", "SKU", "商品编码。", required=True),
            _f("quantity", "integer", "数量", "购买件数。", required=True, minimum=1, maximum=3),
            _money("unit_price", "成交单价（元）", "含渠道价与大促折扣的成交单价。"),
        ],
        ["order_id", "line_no"],
        [_fk("order_id", "orders"), _fk("sku", "products")],
    ),
    (
        "points_ledger",
        "积分流水",
        "会员积分的获得（每消费 ¥100 得 10 积分）与兑换（20 积分起兑，按 10 积分递增）。",
        [
            _key("entry_id", "流水编号", "流水唯一编号。"),
            _f("customer_id", "integer", "会员编号", "积分所属会员。", required=True),
            _date("entry_date", "日期", "发生日期。"),
            _enum("entry_type", "类型", "获得或兑换。", ["获得", "兑换"]),
            _f("points", "integer", "积分", "获得为正，兑换为负。", required=True),
            _f("order_id", "integer", "订单编号", "关联订单。", required=True),
        ],
        ["entry_id"],
        [_fk("customer_id", "members"), _fk("order_id", "orders")],
    ),
    (
        "traffic",
        "流量与转化",
        "各渠道每日访问会话、浏览、加购、订单、新注册用户、官网加载时长与推荐成交。",
        [
            _date("date", "日期", "统计日期。"),
            _enum("channel", "渠道", "流量渠道；线下门店的会话数为进店客流。", CHANNELS),
            _count("sessions", "访问会话数", "进店或访问会话数。"),
            _count("product_views", "商品浏览数", "商品详情页浏览次数。"),
            _count("add_to_cart", "加购数", "加入购物车次数。"),
            _count("orders", "订单数", "当日该渠道支付订单数。"),
            _count("new_users", "新注册用户数", "当日新注册账号（含未下单用户）。"),
            _count("page_load_p75_ms", "页面加载 P75（毫秒）", "仅官网/APP：75 分位页面加载时长。", required=False),
            _count("recommended_sessions", "推荐会话数", "点击过推荐位的会话；线下门店为空。", required=False),
            _count("recommended_orders", "推荐成交订单数", "经由推荐位成交的订单；线下门店为空。", required=False),
        ],
        ["date", "channel"],
        [],
    ),
    (
        "inventory_snapshots",
        "库存快照",
        "每周各 SKU 库存：在库数量、近 30 天需求与安全库存（需求的 10%–15%）。",
        [
            _date("snapshot_date", "快照日期", "每周快照日期。"),
            _f("sku", "string", "SKU", "商品编码。", required=True),
            _count("on_hand", "在库数量", "可售库存件数。"),
            _count("demand_30d", "近 30 天需求", "快照日前 30 天销售件数。"),
            _f(
                "safety_pct",
                "number",
                "安全库存比例",
                "安全库存占近 30 天需求的比例。",
                required=True,
                minimum=0.1,
                maximum=0.15,
            ),
            _count("safety_stock", "安全库存", "安全库存件数 = 向上取整(近 30 天需求 × 比例)。"),
        ],
        ["snapshot_date", "sku"],
        [_fk("sku", "products")],
    ),
    (
        "product_reviews",
        "商品评价",
        "各 SKU 每月评价数与平均评分。",
        [
            _date("month", "月份", "月份第一天。"),
            _f("sku", "string", "SKU", "商品编码。", required=True),
            _count("reviews", "评价数", "当月新增评价数。"),
            _f("avg_score", "number", "平均评分", "当月平均评分（1–5 分）。", required=True, minimum=1, maximum=5),
        ],
        ["month", "sku"],
        [_fk("sku", "products")],
    ),
    (
        "competitor_prices",
        "竞品价格",
        "每周对主要 SKU 与两家竞品的价格监测。",
        [
            _date("check_date", "监测日期", "价格采集日期。"),
            _f("sku", "string", "SKU", "我方商品编码。", required=True),
            _f("competitor", "string", "竞品", "竞品品牌（虚构）。", required=True),
            _money("our_price", "我方价格（元）", "当日我方价格。"),
            _money("competitor_price", "竞品价格（元）", "当日竞品同类商品价格。"),
        ],
        ["check_date", "sku", "competitor"],
        [_fk("sku", "products")],
    ),
    (
        "short_videos",
        "短视频",
        "抖音、小红书短视频投放及其带动的商品点击率提升。",
        [
            _key("video_id", "视频编号", "视频唯一编号。"),
            _date("publish_date", "发布日期", "发布日期。"),
            _enum("platform", "平台", "发布平台。", ["抖音", "小红书"]),
            _f("sku", "string", "主推 SKU", "视频主推商品。", required=True),
            _f("title", "string", "标题", "视频标题。", required=True),
            _count("views", "播放量", "播放次数。"),
            _count("clicks", "点击量", "视频内商品链接点击次数。"),
            _f(
                "ctr_before",
                "number",
                "发布前点击率",
                "主推商品发布前 14 天的点击率。",
                required=True,
                minimum=0,
                maximum=1,
            ),
            _f(
                "ctr_after",
                "number",
                "发布后点击率",
                "主推商品发布后 14 天的点击率。",
                required=True,
                minimum=0,
                maximum=1,
            ),
            _f("ctr_lift", "number", "点击率提升", "发布后点击率 ÷ 发布前点击率 − 1。", required=True),
        ],
        ["video_id"],
        [_fk("sku", "products")],
    ),
    (
        "livestreams",
        "直播",
        "直播带货场次与成交额（GMV，平台口径，含未付款与退款，不与订单表逐单对应）。",
        [
            _key("stream_id", "场次编号", "直播场次唯一编号。"),
            _date("stream_date", "直播日期", "开播日期。"),
            _enum("platform", "平台", "直播平台。", ["抖音", "天猫"]),
            _enum("host", "主播类型", "品牌自播或达人合作。", ["品牌自播", "达人合作"]),
            _count("duration_min", "时长（分钟）", "直播时长。"),
            _count("viewers", "观看人数", "累计观看人数。"),
            _money("gmv", "成交额（元）", "本场 GMV。"),
        ],
        ["stream_id"],
        [],
    ),
    (
        "service_tickets",
        "客服工单",
        "客服工单：AI 客服或人工处理、首次响应时间、是否由机器人解决、满意度（1–5，未评价为空）。",
        [
            _key("ticket_id", "工单编号", "工单唯一编号。"),
            _f("order_id", "integer", "订单编号", "关联订单。", required=True),
            _f("created_at", "datetime", "创建时间", "工单创建时间。", required=True),
            _f("first_response_at", "datetime", "首次响应时间", "首次响应的时间。", required=True),
            _count("first_response_seconds", "首次响应时长（秒）", "首次响应时间 − 创建时间。"),
            _enum("contact_channel", "联系方式", "在线聊天、电话或邮件。", ["在线聊天", "电话", "邮件"]),
            _enum("topic_type", "问题类型", "常见问题或复杂咨询。", ["常见问题", "复杂咨询"]),
            _enum("topic", "问题主题", "具体主题。", COMMON_TOPICS + COMPLEX_TOPICS),
            _enum("handled_by", "处理方", "AI 客服或人工。", ["AI客服", "人工"]),
            _f("resolved_by_bot", "boolean", "机器人解决", "是否由 AI 客服独立解决。", required=True),
            _f("satisfaction", "integer", "满意度", "1–5 分，4 分及以上视为满意；未评价为空。", minimum=1, maximum=5),
        ],
        ["ticket_id"],
        [_fk("order_id", "orders")],
    ),
    (
        "ab_experiments",
        "A/B 实验",
        "A/B 实验各组的用户数与转化数。",
        [
            _f("experiment_id", "string", "实验编号", "实验编号。", required=True),
            _f("experiment", "string", "实验名称", "实验内容。", required=True),
            _f("metric", "string", "指标", "实验主指标。", required=True),
            _date("start_date", "开始日期", "实验开始日期。"),
            _date("end_date", "结束日期", "实验结束日期。"),
            _enum("variant", "组别", "对照组或实验组。", ["A 对照组", "B 实验组"]),
            _f("users", "integer", "用户数", "进入该组的用户数。", required=True, minimum=1),
            _count("conversions", "转化数", "完成主指标的用户数。"),
        ],
        ["experiment_id", "variant"],
        [],
    ),
    (
        "store_pickups",
        "门店自提",
        "线上下单、到店自提（O2O）的订单。",
        [
            _key("pickup_id", "自提编号", "自提记录唯一编号。"),
            _f("order_id", "integer", "订单编号", "线上订单。", required=True, unique=True),
            _enum("store", "门店", "自提门店。", [s for _c, s in STORES]),
            _enum("city", "城市", "门店城市。", [c for c, _s in STORES]),
            _date("order_date", "下单日期", "线上下单日期。"),
            _date("picked_up_date", "自提日期", "到店提货日期。"),
        ],
        ["pickup_id"],
        [_fk("order_id", "orders")],
    ),
    (
        "store_coupons",
        "门店引流券",
        "门店发放、引导到线上使用的优惠券（每店每月）。",
        [
            _date("month", "月份", "月份第一天。"),
            _enum("store", "门店", "发券门店。", [s for _c, s in STORES]),
            _enum("city", "城市", "门店城市。", [c for c, _s in STORES]),
            _count("coupons_issued", "发券数", "门店发放的线上券数量。"),
            _count("coupons_redeemed", "线上核销数", "在线上商城核销的数量。"),
            _money("redeemed_sales_cny", "核销带动销售额（元）", "核销订单的实付金额。"),
        ],
        ["month", "store"],
        [],
    ),
    (
        "packaging",
        "包装",
        "每月按包装材料统计的发货量，区分是否可回收或可降解。",
        [
            _date("month", "月份", "月份第一天。"),
            _enum("material", "包装材料", "包装材料。", [m for m, _r in MATERIALS]),
            _f("recyclable", "boolean", "环保材料", "可回收或可降解。", required=True),
            _count("shipments", "发货量", "使用该材料的包裹数。"),
        ],
        ["month", "material"],
        [],
    ),
    (
        "deliveries",
        "配送",
        "每日按承运商与是否使用优化路线统计的配送单数与碳排放。",
        [
            _date("date", "日期", "发货日期。"),
            _enum("carrier", "承运商", "快递公司。", CARRIERS),
            _f("route_optimised", "boolean", "优化路线", "是否经智能算法规划路线。", required=True),
            _count("deliveries", "配送单数", "配送包裹数。"),
            _count("carbon_g", "碳排放（克）", "估算的二氧化碳排放合计。"),
        ],
        ["date", "carrier", "route_optimised"],
        [],
    ),
    (
        "donations",
        "公益捐赠",
        "每单捐赠 1 元用于教育基金（按月）。",
        [
            _date("month", "月份", "月份第一天。"),
            _f("fund", "string", "公益项目", "捐赠去向。", required=True),
            _count("orders", "订单数", "当月订单数。"),
            _money("donated_cny", "捐赠金额（元）", "当月捐赠金额。"),
        ],
        ["month"],
        [],
    ),
    (
        "plan_milestones",
        "计划里程碑",
        "首年计划分阶段（初期 1–3 月、中期 4–6 月、后期 7–12 月）的里程碑与状态。",
        [
            _key("milestone_id", "里程碑编号", "里程碑唯一编号。"),
            _enum("phase", "阶段", "初期、中期或后期。", ["初期", "中期", "后期"]),
            _enum("plan_months", "计划月份", "阶段覆盖的计划月份。", ["1–3", "4–6", "7–12"]),
            _f("milestone", "string", "里程碑", "里程碑内容。", required=True),
            _f("owner", "string", "负责团队", "负责的团队。", required=True),
            _date("due_date", "截止日期", "计划完成日期。"),
            _date("done_date", "完成日期", "实际完成日期；未完成为空。", required=False),
            _enum("status", "状态", "截至数据日期的状态。", ["按期完成", "延期完成", "进行中", "已逾期"]),
        ],
        ["milestone_id"],
        [],
    ),
]


def descriptor(seed: int, scale: float, end: str) -> dict:
    """The whole datapackage.json as a dict."""
    resources = []
    for name, title, description, fields, pk, fks in RESOURCES:
        schema = {"fields": fields, "primaryKey": pk}
        if fks:
            schema["foreignKeys"] = fks
        resources.append(
            {
                "name": name,
                "title": title,
                "description": description,
                "path": f"{name}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema,
            }
        )
    return {
        "name": "smart-home-ecommerce-demo",
        "title": "智能家居品牌电商运营示例数据",
        "description": "虚构的“科技感”智能家居品牌在官网/APP、天猫、京东、拼多多、抖音、小红书与线下门店的 24 个月运营数据，由 handbook demo-data 生成。",
        "licenses": [
            {"name": "CC0-1.0", "title": "CC0 1.0", "path": "https://creativecommons.org/publicdomain/zero/1.0/"}
        ],
        "generator": {"name": GENERATOR, "seed": seed, "scale": scale, "end": end},
        "resources": resources,
    }
