"""The demo bureau's fixed shape: units, posts, demo accounts, name parts for enterprises.

A fictional city, 示范市 ("Demo City"). Nothing here describes a real bureau, person or
enterprise; Unified Social Credit Codes are generated with correct check characters but
random bodies.
"""

from __future__ import annotations

from dataclasses import dataclass

from taxlight.authz.models import Role, Scope
from taxlight.extract.generate import reference

BUREAU = ("SF00", "示范市税务局")
BRANCHES = [
    ("SF01", "第一税务分局", "02"),  # code, name, district part of the USCC region code
    ("SF02", "第二税务分局", "05"),
    ("SF03", "第三税务分局", "06"),
    ("SF04", "第四税务分局", "08"),
]
# Departments of the bureau itself: suffix, name, posts of their officers (first = head).
BUREAU_DEPARTMENTS = [
    ("BGS", "办公室", ["LEADER", "LEADER", "GENERAL"]),
    ("FZK", "法制科", ["AUDIT", "AUDIT", "APPROVE"]),
    ("ZGK", "征收管理科", ["APPROVE", "ASSESS", "ACCEPT"]),
    ("NFK", "纳税服务科", ["CONSULT", "CONSULT", "ACCEPT"]),
    ("JCJ", "税务稽查局", ["INSPECT", "INSPECT", "INVESTIGATE", "EXECUTE", "APPROVE"]),
    ("DCK", "督察内审科", ["AUDIT", "AUDIT"]),
    ("SRK", "收入核算科", ["GENERAL", "GENERAL"]),
    ("XXZ", "信息中心", ["GENERAL"]),
]
# Departments of every branch.
BRANCH_DEPARTMENTS = [
    ("BGS", "办公室", ["LEADER", "GENERAL"]),
    ("ZGK", "征收管理科", ["APPROVE", "ACCEPT", "ASSESS"]),
    ("NFK", "纳税服务科", ["CONSULT", "ACCEPT"]),
    ("SYK", "税源管理科", ["INVESTIGATE", "INVESTIGATE", "EXECUTE"]),
    ("FZK", "法制科", ["AUDIT"]),
]

# code, Chinese name, English name, enforcement post?, description
POSTS = [
    ("CONSULT", "咨询岗", "Consultation", True, "Answers taxpayers' questions before a matter."),
    ("ACCEPT", "受理岗", "Acceptance", True, "Receives applications and opens matters."),
    ("INVESTIGATE", "调查岗", "Investigation", True, "Establishes the facts of a matter."),
    ("ASSESS", "核定岗", "Assessment", True, "Assesses tax where it cannot be computed."),
    ("INSPECT", "检查岗", "Inspection", True, "Carries out tax inspections."),
    ("AUDIT", "审核岗", "Legal review", True, "Reviews the legality of proposed decisions."),
    ("APPROVE", "审批岗", "Approval", True, "Approves decisions within delegated powers."),
    ("EXECUTE", "执行岗", "Execution", True, "Serves and enforces decisions."),
    (
        "LEADER",
        "领导岗",
        "Leadership",
        True,
        "Heads a unit; decides collectively reviewed matters.",
    ),
    ("GENERAL", "综合岗", "General affairs", False, "Administration without enforcement powers."),
]

# Personal names: the generator's lists, so the demo and the generated city look alike.
SURNAMES = reference.SURNAMES
GIVEN = reference.GIVEN


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    scope: Scope
    department: str  # unit code of the officer's department
    post: str
    name: str
    note: str = ""


DEMO_PASSWORD = "Demo-taxlight-2026"  # noqa: S105 (demo only: printed by `taxlight demo`)
# One fixed TOTP secret shared by every demo staff account, so a single authenticator entry
# signs in as any of them. Demo only: real accounts enrol their own device.
DEMO_TOTP_BASE32 = "TAXLIGHTDEMOONLYNOTFORPRODUCTION"

ACCOUNTS = [
    DemoAccount("director", Role.DIRECTOR, Scope.BUREAU, "SF00-BGS", "LEADER", "周建华"),
    DemoAccount("deputy", Role.DEPUTY_DIRECTOR, Scope.BUREAU, "SF00-BGS", "LEADER", "吴晓燕"),
    DemoAccount(
        "depthead", Role.DEPARTMENT_HEAD, Scope.DEPARTMENT, "SF01-ZGK", "APPROVE", "郑国栋"
    ),
    DemoAccount("officer", Role.OFFICER, Scope.UNIT, "SF01-ZGK", "ACCEPT", "王思远"),
    DemoAccount("supervisor", Role.SUPERVISOR, Scope.BUREAU, "SF00-DCK", "AUDIT", "林雪梅"),
    DemoAccount("auditor", Role.AUDITOR, Scope.BUREAU, "SF00-JCJ", "INSPECT", "孙海涛"),
    DemoAccount("analyst", Role.ANALYST, Scope.BUREAU, "SF00-SRK", "GENERAL", "何佳怡"),
    DemoAccount("editor", Role.CONTENT_EDITOR, Scope.BUREAU, "SF00-BGS", "GENERAL", "许文博"),
    DemoAccount("sysadmin", Role.SYSADMIN, Scope.BUREAU, "SF00-XXZ", "GENERAL", "曹宇航"),
]
# Taxpayer users: username, name, mobile, how many enterprises, membership role.
TAXPAYER_ACCOUNTS = [
    ("taxpayer1", "陈子涵", "13905710001", 1, "legal_rep"),
    ("taxpayer2", "冯婷", "13905710002", 2, "agent"),
]

# Enterprise names: 字号 (trade names) and, per GB/T 4754-2017 division, the business words
# and a weight (how common the division is among the city's enterprises).
TRADE_NAMES = [
    "恒通",
    "华信",
    "瑞丰",
    "鑫源",
    "宏达",
    "金桥",
    "东方",
    "盛世",
    "天成",
    "安泰",
    "博远",
    "嘉禾",
    "凯瑞",
    "隆兴",
    "明德",
    "启航",
    "润泽",
    "森茂",
    "泰和",
    "万象",
    "祥云",
    "新锐",
    "永昌",
    "远航",
    "振华",
    "中和",
    "百川",
    "诚信",
    "鼎盛",
    "丰源",
    "光明",
    "海纳",
    "佳美",
    "锦程",
    "立信",
    "美达",
    "南山",
    "青禾",
    "荣昌",
    "顺发",
    "同创",
    "五洲",
    "信达",
    "亚泰",
    "银河",
    "卓越",
    "正泰",
    "知行",
    "致远",
    "汇丰",
    "聚力",
    "蓝海",
    "绿源",
    "品优",
    "晨曦",
]
INDUSTRIES: dict[str, tuple[list[str], int]] = {
    "01": (["生态农业", "农业科技"], 2),
    "13": (["食品", "粮油"], 4),
    "17": (["纺织"], 3),
    "18": (["服饰"], 4),
    "26": (["化工"], 2),
    "30": (["新型建材"], 2),
    "34": (["机械制造", "机械设备"], 5),
    "38": (["电气"], 3),
    "39": (["电子科技"], 4),
    "44": (["热电"], 1),
    "47": (["建筑工程"], 5),
    "51": (["商贸", "贸易", "进出口"], 18),
    "52": (["商业连锁", "百货", "超市"], 10),
    "54": (["物流", "运输"], 5),
    "61": (["酒店管理"], 2),
    "62": (["餐饮管理"], 5),
    "64": (["网络科技"], 4),
    "65": (["软件", "信息技术"], 6),
    "70": (["房地产开发", "置业"], 4),
    "72": (["企业管理咨询", "人力资源"], 6),
    "73": (["生物科技"], 2),
    "74": (["检测技术", "工程设计"], 3),
    "80": (["家政服务"], 2),
}
