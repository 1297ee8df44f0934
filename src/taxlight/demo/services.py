"""Loads the demo bureau: units, posts, officers, taxpayers and an account for every role.

:func:`load_demo` is idempotent: it creates what is missing and leaves what exists as it is,
so running it twice changes nothing (and writes nothing to the ledger the second time).
Everything is generated from a seed, so two fresh loads with the same seed are identical
(qualification dates are relative to the day of the first load).

Every change goes through the audited services of the owning apps
(:mod:`taxlight.org.services`, :mod:`taxlight.taxpayers.services`,
:mod:`taxlight.accounts.services`); the demo-only steps (a fixed TOTP device, the admin-site
flag of the demo system administrator) are recorded here with ``demo.*`` actions.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from stdnum.cn import ric, uscc

from taxlight.accounts import services as accounts
from taxlight.accounts.models import TaxpayerMembership, User, UserKind
from taxlight.audit.services import record
from taxlight.authz.models import RoleAssignment
from taxlight.demo import data
from taxlight.org import services as org
from taxlight.org.models import Officer, Post, Unit, UnitKind
from taxlight.taxpayers import services as taxpayers
from taxlight.taxpayers.models import Taxpayer

DEFAULT_SEED = 2026
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass
class Login:
    username: str
    password: str
    role: str
    scope: str
    where: str


@dataclass
class DemoResult:
    created: dict[str, int] = field(default_factory=dict)
    logins: list[Login] = field(default_factory=list)

    def count(self, what: str) -> None:
        self.created[what] = self.created.get(what, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created)


def demo_totp_key_hex() -> str:
    return base64.b32decode(data.DEMO_TOTP_BASE32).hex()


# --- organisation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficerSpec:
    officer_id: str
    name: str
    unit_code: str
    post_code: str
    certified_days: int | None  # from the day of loading; None = not qualified
    mobile: str
    id_number: str


def _departments() -> list[tuple[str, str, str, list[str]]]:
    """(code, name, parent code, posts) of every department, bureau first."""
    out = [
        (f"{data.BUREAU[0]}-{suffix}", name, data.BUREAU[0], posts)
        for suffix, name, posts in data.BUREAU_DEPARTMENTS
    ]
    for branch_code, _branch_name, _district in data.BRANCHES:
        out += [
            (f"{branch_code}-{suffix}", name, branch_code, posts)
            for suffix, name, posts in data.BRANCH_DEPARTMENTS
        ]
    return out


def officer_specs(seed: int = DEFAULT_SEED) -> list[OfficerSpec]:
    rng = random.Random(f"{seed}-officers")
    enforcement = {code for code, _n, _e, enf, _d in data.POSTS if enf}
    account_slots: dict[tuple[str, str], list[str]] = {}
    for a in data.ACCOUNTS:
        account_slots.setdefault((a.department, a.post), []).append(a.name)
    used: set[str] = {a.name for a in data.ACCOUNTS}
    specs: list[OfficerSpec] = []
    for code, _name, _parent, posts in _departments():
        for post in posts:
            n = len(specs) + 1
            names = account_slots.get((code, post))
            if names:
                name = names.pop(0)
            else:
                while True:
                    name = rng.choice(data.SURNAMES) + rng.choice(data.GIVEN)
                    if name not in used:
                        break
                used.add(name)
            if post not in enforcement or (n % 11 == 5 and (code, post) not in account_slots):
                days: int | None = None  # not qualified
            elif n % 9 == 4 and (code, post) not in account_slots:
                days = 5 + n % 20  # expires soon
            else:
                days = 180 + rng.randrange(900)
            birth = dt.date(1968, 1, 1) + dt.timedelta(days=rng.randrange(365 * 30))
            region = rng.choice(["330100", "330200", "330300", "320100", "340100", "360100"])
            body = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
            mobile = (
                rng.choice(["138", "139", "150", "151", "186", "187", "135"])
                + f"{rng.randrange(10**8):08d}"
            )
            specs.append(
                OfficerSpec(
                    f"SF{n:04d}",
                    name,
                    code,
                    post,
                    days,
                    mobile,
                    body + ric.calc_check_digit(body + "0"),
                )
            )
    return specs


def _ensure_org(result: DemoResult, today: dt.date, seed: int) -> dict[str, Officer]:
    posts = {p.code: p for p in Post.objects.all()}
    for code, name, name_en, enforcement, description in data.POSTS:
        if code not in posts:
            posts[code] = org.create_post(
                code=code,
                name=name,
                name_en=name_en,
                is_enforcement=enforcement,
                description=description,
            )
            result.count("posts")
    units = {u.code: u for u in Unit.objects.all()}

    def unit(code: str, name: str, kind: str, parent: str | None) -> None:
        if code not in units:
            units[code] = org.create_unit(
                code=code, name=name, kind=kind, parent=units[parent] if parent else None
            )
            result.count("units")

    unit(data.BUREAU[0], data.BUREAU[1], UnitKind.BUREAU, None)
    for code, name, _district in data.BRANCHES:
        unit(code, name, UnitKind.BRANCH, data.BUREAU[0])
    for code, name, parent, _posts in _departments():
        unit(code, name, UnitKind.DEPARTMENT, parent)
    officers = {o.officer_id: o for o in Officer.objects.all()}
    for spec in officer_specs(seed):
        if spec.officer_id in officers:
            continue
        officers[spec.officer_id] = org.create_officer(
            officer_id=spec.officer_id,
            name=spec.name,
            unit=units[spec.unit_code],
            post=posts[spec.post_code],
            certified_until=None
            if spec.certified_days is None
            else today + dt.timedelta(days=spec.certified_days),
            mobile=spec.mobile,
            id_number=spec.id_number,
        )
        result.count("officers")
    return officers


# --- taxpayers ------------------------------------------------------------------------------


def taxpayer_specs(count: int = 300, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """The demo enterprises as field dicts (``unit`` as a unit code)."""
    rng = random.Random(f"{seed}-taxpayers")
    divisions = list(data.INDUSTRIES)
    weights = [data.INDUSTRIES[d][1] for d in divisions]
    names: set[str] = set()
    codes: set[str] = set()
    legal_reps: list[str] = []
    out: list[dict[str, Any]] = []
    for n in range(count):
        branch_code, _bname, district = data.BRANCHES[n % len(data.BRANCHES)]
        industry = rng.choices(divisions, weights)[0]
        size = rng.choices(["micro", "small", "medium", "large"], [45, 35, 15, 5])[0]
        while True:
            word = rng.choice(data.INDUSTRIES[industry][0])
            form = (
                "股份有限公司"
                if size == "large" and rng.random() < 0.5
                else rng.choices(["有限公司", "有限责任公司"], [5, 1])[0]
            )
            prefix = "示范市" if rng.random() < 0.6 else ""
            name = f"{prefix}{rng.choice(data.TRADE_NAMES)}{word}{form}"
            if name not in names:
                break
        names.add(name)
        while True:
            body = f"913301{district}" + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
            code = body + uscc.calc_check_digit(body)
            if code not in codes:
                break
        codes.add(code)
        vat = "general" if size in {"medium", "large"} or rng.random() < 0.25 else "small_scale"
        registered = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(365 * 25))
        status = rng.choices(["normal", "abnormal", "deregistered"], [94, 4, 2])[0]
        if n < 3:
            status = "normal"  # bound to the demo taxpayer users
        grade = (
            rng.choices(["A", "B", "M", "C", "D", ""], [15, 50, 20, 8, 2, 5])[0]
            if status == "normal"
            else rng.choice(["C", "D"])
        )
        since = (
            registered
            if status == "normal"
            else dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(600))
        )
        if legal_reps and rng.random() < 0.06:
            legal_rep = rng.choice(legal_reps)  # one person behind several enterprises
        else:
            legal_rep = f"LR{rng.getrandbits(40):010x}"
            legal_reps.append(legal_rep)
        mobile = ""
        if n < 3 or rng.random() < 0.8:
            mobile = rng.choice(["139", "137", "158", "188", "133"]) + f"{rng.randrange(10**8):08d}"
        out.append(
            {
                "taxpayer_id": code,
                "name": name,
                "industry": industry,
                "unit": branch_code,
                "registered_on": registered,
                "vat_status": vat,
                "size": size,
                "credit_grade": grade,
                "status": status,
                "status_since": since,
                "legal_rep": legal_rep,
                "address_key": f"AD{rng.getrandbits(40):010x}",
                "mobile": mobile,
            }
        )
    return out


def _ensure_taxpayers(
    result: DemoResult, count: int, seed: int, officers: dict[str, Officer]
) -> list[Taxpayer]:
    units = {u.code: u for u in Unit.objects.all()}
    existing = {t.taxpayer_id: t for t in Taxpayer.objects.all()}
    managers: dict[str, list[Officer]] = {}
    for officer in officers.values():
        if officer.unit.code.endswith("-SYK"):
            managers.setdefault(officer.unit.code.split("-")[0], []).append(officer)
    out: list[Taxpayer] = []
    for n, spec in enumerate(taxpayer_specs(count, seed)):
        found = existing.get(spec["taxpayer_id"])
        if found is None:
            branch = spec["unit"]
            candidates = managers.get(branch, [])
            found = taxpayers.create_taxpayer(
                **{
                    **spec,
                    "unit": units[branch],
                    "responsible_officer": candidates[n % len(candidates)] if candidates else None,
                }
            )
            result.count("taxpayers")
        out.append(found)
    return out


# --- accounts -------------------------------------------------------------------------------


def _ensure_totp(user: User, result: DemoResult) -> None:
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return
    TOTPDevice.objects.create(
        user=user, name=accounts.TOTP_DEVICE_NAME, key=demo_totp_key_hex(), confirmed=True
    )
    record(
        "demo.otp.install",
        obj=user,
        after={"device": "totp", "fixed_demo_device": True},
        reason="demo account: fixed authenticator (demo only)",
    )
    result.count("totp devices")


def _ensure_accounts(
    result: DemoResult, officers: dict[str, Officer], enterprises: list[Taxpayer]
) -> None:
    by_slot: dict[tuple[str, str, str], Officer] = {}
    for officer in officers.values():
        by_slot[(officer.unit.code, officer.post.code, officer.name)] = officer
    for account in data.ACCOUNTS:
        officer = by_slot[(account.department, account.post, account.name)]
        user = User.objects.filter(username=account.username).first()
        if user is None:
            user = accounts.create_staff_user(
                actor=None, officer=officer, username=account.username, password=data.DEMO_PASSWORD
            )
            result.count("users")
        if account.role == "sysadmin" and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            record(
                "demo.user.admin_site",
                obj=user,
                after={"is_staff": True},
                reason="demo system administrator may use the configuration admin",
            )
        before = RoleAssignment.objects.filter(user=user).count()
        org.assign_role(user=user, role=account.role, scope=account.scope, reason="demo account")
        if RoleAssignment.objects.filter(user=user).count() != before:
            result.count("role assignments")
        _ensure_totp(user, result)
        result.logins.append(
            Login(
                account.username,
                data.DEMO_PASSWORD,
                str(account.role.label),
                str(account.scope.label),
                f"{officer.unit.name} ({officer.unit.code}), {officer.post.name}",
            )
        )
    index = 0
    for username, name, mobile, count, role in data.TAXPAYER_ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = accounts.create_taxpayer_user(
                actor=None, username=username, password=data.DEMO_PASSWORD, mobile=mobile, name=name
            )
            result.count("users")
        bound: list[str] = []
        for enterprise in enterprises[index : index + count]:
            if not TaxpayerMembership.objects.filter(
                user=user, taxpayer=enterprise, active=True
            ).exists():
                accounts.bind_taxpayer(
                    actor=None, user=user, taxpayer=enterprise, role=role, reason="demo account"
                )
                result.count("enterprise bindings")
            bound.append(f"{enterprise.name} ({enterprise.taxpayer_id})")
        index += count
        result.logins.append(
            Login(username, data.DEMO_PASSWORD, str(UserKind.TAXPAYER.label), "—", "; ".join(bound))
        )


# --- the whole bureau -----------------------------------------------------------------------


@transaction.atomic
def load_demo(
    *, seed: int = DEFAULT_SEED, taxpayer_count: int = 300, today: dt.date | None = None
) -> DemoResult:
    """Creates whatever of the demo bureau is missing; returns what was created and the
    demo logins."""
    result = DemoResult()
    today = today or timezone.localdate()
    officers = _ensure_org(result, today, seed)
    enterprises = _ensure_taxpayers(result, taxpayer_count, seed, officers)
    _ensure_accounts(result, officers, enterprises)
    return result
