"""The fixed shape of the generated city: industries, names, posts, laws, shares.

A fictional city, 示范市 ("Demo City", region code 3301xx as in the demo bureau). Nothing here
describes a real bureau, person or enterprise. Shares are plausible orders of magnitude for a
Chinese prefecture-level city, not statistics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CITY = "示范市"
CITY_SHORT = "示范"  # used in document numbers: 示范税罚〔2025〕15号
BUREAU_CODE = "SF00"
BUREAU_NAME = "示范市税务局"
REGION_PREFIX = "3301"  # province 33, city 01: USCC region codes 3301xx
PROVINCE = "33"  # the tax authority part of a fully digital invoice number
DISTRICTS = [  # (two-digit district code, district name); branches cycle through them
    ("02", "上城区"),
    ("05", "拱墅区"),
    ("06", "西湖区"),
    ("08", "滨江区"),
    ("09", "萧山区"),
    ("10", "余杭区"),
    ("11", "富阳区"),
    ("12", "临安区"),
    ("13", "临平区"),
    ("14", "钱塘区"),
    ("22", "桐庐县"),
    ("27", "淳安县"),
    ("82", "建德市"),
]
# Region codes of other cities, for buyers outside the bureau.
OUTSIDE_REGIONS = [
    "310115",
    "310104",
    "320102",
    "320506",
    "330205",
    "330304",
    "330402",
    "330602",
    "340104",
    "350203",
    "360102",
    "370202",
    "420106",
    "440305",
    "440106",
    "510107",
    "110105",
    "120116",
    "500112",
    "610113",
]

# --- units and staff -------------------------------------------------------------------------

# Department suffix, name, posts of its officers. The first officer of each post in a unit
# is always certified and active, so every step of every matter has a fitting officer.
BUREAU_DEPARTMENTS = [
    ("BGS", "办公室", ["LEADER", "LEADER", "LEADER", "GENERAL"]),
    ("FZK", "法制科", ["AUDIT", "AUDIT", "AUDIT", "APPROVE"]),
    ("ZGK", "征收管理科", ["APPROVE", "ASSESS", "ACCEPT"]),
    ("NFK", "纳税服务科", ["CONSULT", "CONSULT", "ACCEPT"]),
    (
        "JCJ",
        "税务稽查局",
        [
            "INSPECT",
            "INSPECT",
            "INSPECT",
            "INVESTIGATE",
            "INVESTIGATE",
            "EXECUTE",
            "EXECUTE",
            "APPROVE",
        ],
    ),
    ("DCK", "督察内审科", ["AUDIT", "AUDIT"]),
    ("SRK", "收入核算科", ["GENERAL", "GENERAL"]),
    ("XXZ", "信息中心", ["GENERAL"]),
]
BRANCH_DEPARTMENTS = [
    ("BGS", "办公室", ["LEADER", "LEADER", "GENERAL"]),
    ("ZGK", "征收管理科", ["APPROVE", "APPROVE", "ACCEPT", "ACCEPT", "ACCEPT", "ASSESS", "ASSESS"]),
    ("NFK", "纳税服务科", ["CONSULT", "CONSULT", "CONSULT", "ACCEPT", "ACCEPT"]),
    (
        "SYK",
        "税源管理科",
        [
            "INVESTIGATE",
            "INVESTIGATE",
            "INVESTIGATE",
            "INVESTIGATE",
            "EXECUTE",
            "EXECUTE",
            "INSPECT",
        ],
    ),
    ("FZK", "法制科", ["AUDIT", "AUDIT"]),
]
POSTS = [
    "CONSULT",
    "ACCEPT",
    "INVESTIGATE",
    "ASSESS",
    "INSPECT",
    "AUDIT",
    "APPROVE",
    "EXECUTE",
    "LEADER",
    "GENERAL",
]
TAXPAYERS_PER_BRANCH = 1500
MIN_BRANCHES = 3
# Shares of officers (beyond the first of each post in a unit) that are not qualified.
UNCERTIFIED_SHARE = 0.02  # certified_until null
EXPIRED_SHARE = 0.04  # qualification lapsed during the period
INACTIVE_SHARE = 0.03

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "文博",
    "思远",
    "晓燕",
    "海涛",
    "志强",
    "雪梅",
    "国栋",
    "丹",
    "鹏",
    "婷",
    "宇航",
    "佳怡",
    "子涵",
    "浩然",
    "欣怡",
    "梓萱",
    "俊杰",
    "雨桐",
    "嘉懿",
    "一鸣",
    "晨阳",
    "书瑶",
    "立新",
    "红梅",
    "春燕",
    "建国",
    "卫东",
    "玉兰",
    "凤英",
    "振宇",
    "诗涵",
    "明轩",
    "若曦",
    "天佑",
    "宏伟",
]

# --- taxpayers --------------------------------------------------------------------------------

SIZES = ["micro", "small", "medium", "large"]
SIZE_SHARES = [0.80, 0.155, 0.035, 0.010]
GENERAL_SHARE_BY_SIZE = [0.25, 0.70, 0.98, 1.0]  # VAT general taxpayers; ~35 % overall
EMPLOYEES_BY_SIZE = [(2, 10), (10, 100), (100, 300), (300, 2000)]
# Per-invoice limit (单张最高开票限额, yuan) by size: choices and weights.
LIMITS_BY_SIZE = [
    ([10_000, 100_000], [0.4, 0.6]),
    ([100_000, 1_000_000], [0.7, 0.3]),
    ([1_000_000, 10_000_000], [0.8, 0.2]),
    ([10_000_000], [1.0]),
]
# Relative invoicing activity and median invoice amount (yuan) by size.
ACTIVITY_BY_SIZE = [1.0, 4.0, 15.0, 60.0]
MEDIAN_AMOUNT_BY_SIZE = [2_500.0, 9_000.0, 32_000.0, 90_000.0]
CONSUMER_MEDIAN_AMOUNT = 260.0

CREDIT_GRADES = ["A", "B", "M", "C", "D"]
# Shares by size (the rest of each row, up to 1, is "not yet graded" = null).
CREDIT_SHARES_BY_SIZE = [
    [0.06, 0.50, 0.22, 0.05, 0.03],
    [0.15, 0.55, 0.12, 0.06, 0.03],
    [0.35, 0.50, 0.05, 0.04, 0.02],
    [0.55, 0.38, 0.02, 0.02, 0.01],
]
ABNORMAL_SHARE = 0.035  # 非正常户 (besides the planted shell companies)
DEREGISTERED_SHARE = 0.03
NEW_IN_PERIOD_SHARE = 0.22  # registered during the extract's period
INDIVIDUAL_BUSINESS_SHARE = 0.10  # of micro small-scale: 个体工商户 (USCC type 92)
MOBILE_SHARE = 0.93
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "175",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "184",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "193",
    "195",
    "198",
    "199",
]
# Legal representatives: most represent one enterprise, a few represent several.
SERIAL_REP_SHARE = 0.07  # share of enterprises whose representative is a "serial" one
SERIAL_REPS_PER_ENTERPRISE = 0.025  # pool size of serial representatives, per enterprise
SHARED_ADDRESS_SHARE = 0.18  # enterprises registered at a shared address (business centres)
SHARED_ADDRESSES_PER_ENTERPRISE = 0.01

FIRST_CHARS = (
    "恒华瑞鑫宏金东盛天安博嘉凯隆明启润森泰万祥新永远振中百诚鼎丰光海佳锦立美南青荣顺"
    "同五信亚银卓正知致汇聚蓝绿品晨德昌兴达通源创科伟浩腾越晟弘睿鸿昊宇泽铭峰骏力"
)
SECOND_CHARS = (
    "通信丰源达桥方世成泰远禾瑞兴德航泽茂和象云锐昌华川信盛光纳美程信达山禾荣发创洲泰"
    "河越正行远丰力海源品曦辉峰宇鑫诚恒捷图汇坤晖跃腾嘉业"
)
SUFFIXES = ["有限公司", "有限公司", "有限公司", "有限责任公司"]
LARGE_SUFFIXES = ["股份有限公司", "集团有限公司", "有限公司"]


@dataclass(frozen=True)
class Goods:
    prefix: str  # prefix of the tax classification code (商品和服务税收分类编码)
    rate: int  # VAT rate for a general taxpayer, percent
    weight: float = 1.0


@dataclass(frozen=True)
class Industry:
    code: str  # GB/T 4754-2017 division
    weight: float  # share of the city's enterprises, percent (normalised)
    words: tuple[str, ...]  # business words in names
    goods: tuple[Goods, ...]
    consumer: float = 0.03  # share of invoices to consumers (no buyer)
    outside: float = 0.15  # share of invoices to buyers outside the city
    margin: float = 0.06  # taxable income / revenue
    upstream: dict[str, float] = field(default_factory=dict)  # supplier divisions


G = Goods
_OFFICE = {"51": 2.0, "65": 1.0, "72": 1.0, "54": 0.5, "52": 0.5}
_MFG = {"51": 4.0, "54": 1.5, "44": 0.6, "72": 0.4, "34": 0.6, "29": 0.4}

INDUSTRIES: tuple[Industry, ...] = (
    Industry(
        "01",
        1.2,
        ("农业科技", "生态农业", "种植"),
        (G("10101", 9),),
        0.10,
        0.25,
        0.06,
        {"51": 3, "26": 1.5, "54": 1},
    ),
    Industry(
        "03", 0.5, ("畜牧", "养殖"), (G("10103", 9),), 0.05, 0.3, 0.05, {"13": 2, "51": 2, "54": 1}
    ),
    Industry(
        "13",
        1.2,
        ("食品", "粮油"),
        (G("10301", 13, 3), G("10101", 9)),
        0.05,
        0.35,
        0.05,
        {"01": 3, "03": 2, "51": 2, "54": 1, "22": 0.5},
    ),
    Industry(
        "14",
        0.8,
        ("食品科技", "乳业"),
        (G("10301", 13),),
        0.05,
        0.35,
        0.07,
        {"13": 2, "01": 1, "51": 2, "22": 0.7, "29": 0.7},
    ),
    Industry(
        "15",
        0.4,
        ("酒业", "饮品"),
        (G("10302", 13), G("10303", 13)),
        0.05,
        0.4,
        0.12,
        {"01": 2, "13": 1, "51": 2, "30": 0.5},
    ),
    Industry(
        "17",
        1.0,
        ("纺织",),
        (G("10401", 13),),
        0.01,
        0.45,
        0.05,
        {"51": 3, "26": 1.5, "17": 1, "54": 1},
    ),
    Industry(
        "18",
        1.2,
        ("服饰", "制衣"),
        (G("10402", 13),),
        0.05,
        0.45,
        0.06,
        {"17": 4, "51": 2, "54": 1},
    ),
    Industry("20", 0.4, ("木业",), (G("10501", 13),), 0.02, 0.35, 0.05, {"51": 2, "54": 1}),
    Industry(
        "21",
        0.5,
        ("家具",),
        (G("10502", 13),),
        0.15,
        0.35,
        0.06,
        {"20": 3, "51": 2, "29": 1, "33": 1},
    ),
    Industry(
        "22", 0.3, ("纸业", "包装"), (G("10503", 13),), 0.01, 0.3, 0.05, {"51": 2, "26": 1, "20": 1}
    ),
    Industry(
        "23",
        0.4,
        ("印务", "彩印"),
        (G("10504", 13), G("20101", 13)),
        0.02,
        0.15,
        0.06,
        {"22": 3, "26": 1, "51": 1},
    ),
    Industry(
        "26",
        0.8,
        ("化工", "新材料"),
        (G("10603", 13),),
        0.01,
        0.45,
        0.08,
        {"51": 3, "26": 2, "44": 1, "54": 1},
    ),
    Industry(
        "27",
        0.4,
        ("药业", "生物医药"),
        (G("10607", 13),),
        0.02,
        0.5,
        0.14,
        {"26": 3, "51": 2, "73": 1, "22": 0.5},
    ),
    Industry(
        "29",
        0.9,
        ("塑胶", "橡塑"),
        (G("10701", 13), G("10702", 13, 2)),
        0.01,
        0.4,
        0.05,
        {"26": 3, "51": 2, "54": 1},
    ),
    Industry(
        "30",
        0.9,
        ("建材", "新型建材"),
        (G("10703", 13),),
        0.01,
        0.3,
        0.06,
        {"51": 2, "44": 1.5, "26": 1, "54": 1},
    ),
    Industry(
        "33",
        1.2,
        ("五金", "金属制品"),
        (G("10805", 13), G("10801", 13)),
        0.02,
        0.4,
        0.05,
        {"51": 4, "33": 1, "54": 1},
    ),
    Industry(
        "34",
        1.4,
        ("机械制造", "机械设备"),
        (G("10901", 13), G("20201", 13)),
        0.01,
        0.5,
        0.07,
        {"33": 3, "51": 2, "38": 1, "29": 1, "54": 1},
    ),
    Industry(
        "35",
        0.9,
        ("专用设备", "智能装备"),
        (G("10902", 13),),
        0.01,
        0.5,
        0.08,
        {"33": 2, "34": 2, "38": 1, "39": 1, "51": 1},
    ),
    Industry(
        "36",
        0.4,
        ("汽车零部件",),
        (G("10903", 13),),
        0.01,
        0.55,
        0.06,
        {"33": 3, "29": 2, "38": 1, "51": 1},
    ),
    Industry(
        "38",
        1.0,
        ("电气", "电器"),
        (G("10904", 13),),
        0.03,
        0.5,
        0.07,
        {"33": 2, "39": 2, "29": 1, "51": 2},
    ),
    Industry(
        "39",
        1.1,
        ("电子科技", "通信设备"),
        (G("10905", 13),),
        0.02,
        0.55,
        0.08,
        {"39": 3, "51": 2, "38": 1, "29": 1},
    ),
    Industry(
        "40", 0.3, ("仪器仪表",), (G("10906", 13),), 0.01, 0.5, 0.1, {"39": 2, "33": 1, "51": 1}
    ),
    Industry(
        "44",
        0.2,
        ("热电", "能源"),
        (G("11001", 13), G("11002", 9)),
        0.2,
        0.05,
        0.08,
        {"51": 2, "34": 1},
    ),
    Industry("45", 0.1, ("燃气",), (G("11004", 9),), 0.5, 0.05, 0.06, {"51": 2, "48": 1}),
    Industry("46", 0.1, ("水务",), (G("11003", 9),), 0.5, 0.02, 0.05, {"26": 1, "48": 1}),
    Industry(
        "47",
        2.5,
        ("建设工程", "建筑工程"),
        (G("30501", 9),),
        0.02,
        0.2,
        0.05,
        {"30": 4, "33": 2, "51": 3, "47": 1.5, "50": 1, "71": 1, "74": 1},
    ),
    Industry(
        "48",
        1.8,
        ("市政工程", "路桥建设"),
        (G("30501", 9),),
        0.0,
        0.25,
        0.05,
        {"30": 4, "51": 2, "48": 1, "71": 1.5, "74": 1},
    ),
    Industry(
        "49",
        1.3,
        ("安装工程", "机电安装"),
        (G("30502", 9),),
        0.02,
        0.2,
        0.05,
        {"38": 3, "33": 2, "51": 2},
    ),
    Industry(
        "50",
        2.4,
        ("装饰工程", "建筑装饰"),
        (G("30504", 9),),
        0.25,
        0.1,
        0.06,
        {"30": 3, "21": 1, "51": 3, "50": 1},
    ),
    Industry(
        "51",
        20.0,
        ("商贸", "贸易", "进出口", "供应链"),
        (
            G("10301", 13, 2),
            G("10402", 13, 2),
            G("10901", 13, 2),
            G("10905", 13, 2),
            G("10603", 13, 1),
            G("10703", 13, 1),
            G("10101", 9, 1.5),
            G("10801", 13, 1),
        ),
        0.05,
        0.3,
        0.02,
        {
            "13": 2,
            "14": 1,
            "17": 1,
            "18": 1.5,
            "26": 1,
            "29": 1,
            "30": 1,
            "33": 1.5,
            "34": 1.5,
            "38": 1,
            "39": 1.5,
            "51": 3,
            "54": 1,
        },
    ),
    Industry(
        "52",
        11.0,
        ("商业连锁", "百货", "超市", "商行"),
        (G("10301", 13, 3), G("10402", 13, 2), G("10905", 13, 1), G("10101", 9, 1)),
        0.65,
        0.03,
        0.03,
        {"51": 6, "13": 1, "18": 1, "14": 1, "54": 0.5},
    ),
    Industry(
        "54",
        2.5,
        ("物流", "运输"),
        (G("30101", 9),),
        0.05,
        0.3,
        0.04,
        {"51": 2, "36": 1, "81": 1, "71": 1},
    ),
    Industry(
        "58", 0.8, ("货运代理", "供应链管理"), (G("30404", 6),), 0.02, 0.4, 0.04, {"54": 4, "72": 1}
    ),
    Industry("59", 0.5, ("仓储",), (G("30404", 6),), 0.02, 0.2, 0.06, {"48": 1, "54": 1}),
    Industry(
        "61",
        0.8,
        ("酒店管理", "宾馆"),
        (G("3070402", 6),),
        0.5,
        0.1,
        0.06,
        {"52": 2, "51": 2, "80": 1, "13": 1},
    ),
    Industry(
        "62",
        3.0,
        ("餐饮管理", "餐饮"),
        (G("3070401", 6),),
        0.75,
        0.02,
        0.05,
        {"51": 3, "01": 2, "13": 2, "52": 1},
    ),
    Industry(
        "63", 0.2, ("通信技术",), (G("30302", 6), G("30301", 9)), 0.3, 0.2, 0.1, {"39": 2, "65": 1}
    ),
    Industry(
        "64",
        2.0,
        ("网络科技", "互联网科技"),
        (G("30402", 6), G("30408", 6)),
        0.2,
        0.35,
        0.1,
        {"65": 2, "39": 1, "72": 1, "63": 1},
    ),
    Industry(
        "65",
        4.0,
        ("软件", "信息技术", "数字科技"),
        (G("30402", 6, 3), G("401", 6)),
        0.03,
        0.4,
        0.12,
        {"65": 2, "39": 2, "72": 1, "64": 1},
    ),
    Industry(
        "70",
        2.5,
        ("房地产开发", "置业"),
        (G("501", 9, 3), G("30405", 9)),
        0.55,
        0.1,
        0.15,
        {"47": 5, "48": 1, "50": 2, "74": 1, "72": 1},
    ),
    Industry(
        "71",
        0.8,
        ("租赁", "设备租赁"),
        (G("30405", 13),),
        0.05,
        0.2,
        0.08,
        {"34": 2, "36": 1, "51": 1},
    ),
    Industry(
        "72",
        9.0,
        ("企业管理咨询", "人力资源", "商务服务", "文化传媒"),
        (G("30408", 6, 3), G("30406", 6, 2), G("30403", 6, 1)),
        0.03,
        0.25,
        0.08,
        {"65": 1, "72": 2, "52": 1, "51": 1, "23": 0.5},
    ),
    Industry(
        "73",
        1.0,
        ("生物科技", "研究院"),
        (G("30401", 6),),
        0.01,
        0.4,
        0.1,
        {"26": 1, "51": 1, "74": 1, "40": 1},
    ),
    Industry(
        "74",
        2.0,
        ("检测技术", "工程设计", "勘察设计"),
        (G("30401", 6), G("30406", 6)),
        0.02,
        0.25,
        0.09,
        {"65": 1, "40": 1, "72": 1},
    ),
    Industry(
        "75",
        3.0,
        ("科技", "科技服务"),
        (G("30401", 6), G("401", 6)),
        0.02,
        0.3,
        0.08,
        {"65": 1, "72": 1, "39": 1},
    ),
    Industry(
        "80",
        1.5,
        ("家政服务", "洗涤", "物业服务"),
        (G("30705", 6),),
        0.6,
        0.02,
        0.05,
        {"52": 2, "51": 1},
    ),
    Industry(
        "81", 0.8, ("汽车维修", "维修服务"), (G("20201", 13),), 0.5, 0.02, 0.06, {"36": 2, "51": 2}
    ),
    Industry(
        "83",
        0.6,
        ("教育科技", "培训"),
        (G("30702", 6),),
        0.6,
        0.05,
        0.08,
        {"65": 1, "72": 1, "52": 1},
    ),
    Industry(
        "84",
        0.3,
        ("医疗管理", "门诊部"),
        (G("30702", 6),),
        0.6,
        0.02,
        0.08,
        {"27": 2, "51": 2, "40": 1},
    ),
    Industry("87", 0.4, ("影视文化", "传媒"), (G("30403", 6),), 0.3, 0.3, 0.1, {"72": 2, "65": 1}),
    Industry(
        "88", 0.4, ("文化艺术", "文化发展"), (G("30701", 6),), 0.4, 0.1, 0.07, {"72": 1, "52": 1}
    ),
    Industry(
        "89", 0.2, ("体育发展", "健身"), (G("30701", 6),), 0.6, 0.05, 0.06, {"52": 1, "51": 1}
    ),
    Industry(
        "90", 0.3, ("娱乐", "文旅"), (G("30703", 6),), 0.7, 0.05, 0.07, {"52": 1, "51": 1, "62": 1}
    ),
)
DEFAULT_UPSTREAM = _OFFICE
INDUSTRY_INDEX = {ind.code: i for i, ind in enumerate(INDUSTRIES)}
# Every industry also buys a little from these (offices, software, logistics, power).
COMMON_UPSTREAM = {"51": 0.6, "65": 0.4, "72": 0.5, "54": 0.4, "44": 0.2, "52": 0.3}
SMALL_SCALE_RATE = 3  # percent (征收率)
HIGH_TECH_DIVISIONS = {"27", "35", "39", "40", "65", "73"}

# --- seasonality -----------------------------------------------------------------------------

QUARTER_END_FACTOR = 1.15
YEAR_END_FACTOR = 1.30  # December (on top of the quarter end)
SPRING_FESTIVAL_FACTOR = 0.72  # the month of the Spring Festival holiday
AFTER_FESTIVAL_FACTOR = 0.92  # the month after it

# --- filings ---------------------------------------------------------------------------------

LATE_BY_GRADE = {"A": 0.01, "B": 0.03, "M": 0.05, "C": 0.12, "D": 0.20, None: 0.05}
DORMANT_MISSING = 0.10  # share of returns without any invoicing that are never filed
PAY_PARTIAL = 0.03
PAY_NONE = 0.02
SURCHARGE_RATE = 0.12  # 城建税 7 % + 教育费附加 3 % + 地方教育附加 2 % of VAT
STAMP_RATE = 0.0003  # 买卖合同 万分之三
CONSUMPTION_RATE = 0.10  # division 15 (drinks): a simplified ad-valorem rate
IIT_RATE = 0.025  # average withholding on wages
MONTHLY_WAGE = 8_000.0

# --- enforcement -----------------------------------------------------------------------------

# item code, name, kind
ITEMS = {
    "registration": ("QT-DJ-001", "税务登记"),
    "refund": ("XZQR-TS-001", "增值税留抵退税"),
    "late_filing": ("XZCF-062", "未按期申报的处罚"),
    "evasion": ("XZCF-063", "偷税的处罚"),
    "consult": ("FW-ZX-001", "纳税咨询"),
}
LAW = {
    "registration": "税收征收管理法第十五条",
    "refund": "财政部 税务总局公告2022年第14号",
    "refund_decide": "税收征收管理法第五十一条",
    "late_notify": "行政处罚法第四十四条",
    "late": "税收征收管理法第六十二条",
    "evasion": "税收征收管理法第六十三条",
    "hearing": "行政处罚法第六十三条",
    "execute": "税收征收管理法第四十条",
    "invoice": "发票管理办法第三十五条",
}
# Legal range of a penalty (yuan) for general procedure under Art. 62; simple procedure
# (当场处罚) for an organisation is at most 3,000 yuan (行政处罚法第五十一条), and the bureau's
# discretion standard keeps it at 2,000.
LATE_PENALTY_RANGE = (200, 10_000)
SIMPLE_PENALTY_MAX = 2_000
HEARING_THRESHOLD = 10_000  # a hearing may be requested for penalties of 10,000 yuan or more
SERVE_WITHIN_DAYS = 7  # 行政处罚法第六十一条
REFUND_WITHIN_DAYS = 30  # 税收征收管理法实施细则第七十九条

# --- audits ----------------------------------------------------------------------------------

AUDIT_RATE = 0.012  # share of taxpayers audited per year (besides the planted ones)
PLANTED_AUDIT_RATE = 0.45  # share of planted taxpayers audited during the period
SELECTED_BY = ["risk", "random", "referral", "complaint", "plan"]
SELECTED_BY_SHARES = [0.40, 0.20, 0.10, 0.10, 0.20]
LATE_FEE_PER_DAY = 0.0005  # 滞纳金: 万分之五 per day
TRANSFER_THRESHOLD = 1_000_000  # evaded tax (yuan) above which a case goes to the police
