"""The demo bureau (taxlight.demo): plausible, complete, deterministic and idempotent."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from stdnum.cn import ric, uscc

from taxlight.accounts.models import TaxpayerMembership, User, UserKind
from taxlight.audit.models import LedgerEntry
from taxlight.audit.services import verify
from taxlight.authz import scoping
from taxlight.authz.models import Role, RoleAssignment
from taxlight.demo import data
from taxlight.demo.services import load_demo, officer_specs, taxpayer_specs
from taxlight.org.models import Officer, Post, Unit, UnitKind
from taxlight.taxpayers.models import Taxpayer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings: object) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


def test_the_demo_bureau_has_the_expected_shape() -> None:
    result = load_demo()

    bureau = Unit.objects.get(kind=UnitKind.BUREAU)
    assert bureau.name == "示范市税务局"
    branches = Unit.objects.filter(kind=UnitKind.BRANCH)
    assert sorted(b.name for b in branches) == sorted(
        ["第一税务分局", "第二税务分局", "第三税务分局", "第四税务分局"]
    )
    for branch in branches:
        names = set(branch.children.values_list("name", flat=True))
        assert {"办公室", "征收管理科", "纳税服务科", "法制科"} <= names
    assert {"税务稽查局", "法制科", "办公室"} <= set(bureau.children.values_list("name", flat=True))
    assert {
        "ACCEPT",
        "INVESTIGATE",
        "APPROVE",
        "AUDIT",
        "LEADER",
        "CONSULT",
        "ASSESS",
        "INSPECT",
        "EXECUTE",
    } <= set(Post.objects.values_list("code", flat=True))
    assert all(p.name and p.name_en for p in Post.objects.all())
    assert 55 <= Officer.objects.count() <= 70
    assert result.created["taxpayers"] == 300


def test_officers_have_qualifications_some_expiring_soon_some_missing() -> None:
    load_demo()
    today = timezone.localdate()

    enforcement = Officer.objects.filter(post__is_enforcement=True)
    unqualified = enforcement.filter(certified_until__isnull=True).count()
    soon = enforcement.filter(certified_until__lte=today + dt.timedelta(days=30)).count()
    assert 2 <= unqualified <= 10
    assert 2 <= soon <= 10
    assert all(ric.is_valid(o.id_number) for o in Officer.objects.all())


def test_taxpayers_are_valid_and_varied() -> None:
    load_demo()

    taxpayers = list(Taxpayer.objects.all())
    assert len(taxpayers) == 300
    assert all(uscc.is_valid(t.taxpayer_id) for t in taxpayers)
    assert len({t.name for t in taxpayers}) == 300
    assert all(t.name.endswith("公司") for t in taxpayers)
    assert len({t.industry for t in taxpayers}) >= 15
    assert set(Counter(t.size for t in taxpayers)) == {"micro", "small", "medium", "large"}
    assert {"general", "small_scale"} == {t.vat_status for t in taxpayers}
    statuses = Counter(t.status for t in taxpayers)
    assert 3 <= statuses["abnormal"] <= 30
    assert all(t.unit.kind == UnitKind.BRANCH for t in taxpayers)
    assert sum(1 for t in taxpayers if t.responsible_officer_id) == 300


def test_the_generated_data_is_deterministic_per_seed() -> None:
    assert taxpayer_specs(50, seed=7) == taxpayer_specs(50, seed=7)
    assert taxpayer_specs(50, seed=7) != taxpayer_specs(50, seed=8)
    assert officer_specs(seed=7) == officer_specs(seed=7)


def test_every_role_has_a_demo_account_with_a_working_second_factor() -> None:
    load_demo()

    for account in data.ACCOUNTS:
        user = User.objects.get(username=account.username)
        assert user.kind == UserKind.STAFF and user.check_password(data.DEMO_PASSWORD)
        assert user.officer.name == account.name  # type: ignore[attr-defined]
        assert scoping.roles(user) == {account.role}
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        code = str(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits))
        assert device.verify_token(code.zfill(device.digits))
    assert {a.role for a in data.ACCOUNTS} == set(Role)
    assert User.objects.get(username="sysadmin").is_staff
    assert not User.objects.get(username="director").is_staff


def test_two_taxpayer_users_are_bound_to_enterprises() -> None:
    load_demo()

    one, two = User.objects.get(username="taxpayer1"), User.objects.get(username="taxpayer2")
    assert one.kind == two.kind == UserKind.TAXPAYER
    assert len(scoping.taxpayer_ids(one)) == 1
    assert len(scoping.taxpayer_ids(two)) == 2
    assert not TOTPDevice.objects.filter(user__in=[one, two]).exists()


def test_loading_twice_changes_nothing() -> None:
    load_demo()
    counts = (
        Unit.objects.count(),
        Officer.objects.count(),
        Taxpayer.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        TaxpayerMembership.objects.count(),
        TOTPDevice.objects.count(),
    )
    entries = LedgerEntry.objects.count()

    again = load_demo()

    assert not again.changed
    assert counts == (
        Unit.objects.count(),
        Officer.objects.count(),
        Taxpayer.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        TaxpayerMembership.objects.count(),
        TOTPDevice.objects.count(),
    )
    assert LedgerEntry.objects.count() == entries
    assert [x.username for x in again.logins] == [a.username for a in data.ACCOUNTS] + [
        "taxpayer1",
        "taxpayer2",
    ]


def test_every_change_is_in_an_intact_ledger() -> None:
    load_demo()

    assert verify().ok
    actions = Counter(LedgerEntry.objects.values_list("action", flat=True))
    assert actions["taxpayers.taxpayer.create"] == 300
    assert actions["org.officer.create"] == Officer.objects.count()
    assert actions["authz.role.assign"] == len(data.ACCOUNTS)
    assert actions["demo.otp.install"] == len(data.ACCOUNTS)


def test_demo_command_loads_without_serving_and_prints_the_logins(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("demo", "--no-serve", "--taxpayers=20", "--city-taxpayers=0")

    out = capsys.readouterr().out
    assert "Demo bureau loaded" in out
    for username in [a.username for a in data.ACCOUNTS] + ["taxpayer1", "taxpayer2"]:
        assert f"  {username} " in out
    assert data.DEMO_PASSWORD in out
    assert data.DEMO_TOTP_BASE32 in out and "taxlight manage otpcode USER" in out
    assert Taxpayer.objects.count() == 20

    call_command("demo", "--no-serve", "--taxpayers=20", "--city-taxpayers=0")
    assert "already loaded: nothing to do" in capsys.readouterr().out


def test_demo_command_imports_a_generated_city_once(
    tmp_path: Path, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from taxlight.extract import store
    from taxlight.extract.models import ExtractImport

    settings.VAR_DIR = tmp_path
    settings.ANALYTICS_DIR = tmp_path / "analytics"

    call_command("demo", "--no-serve", "--taxpayers=20", "--city-taxpayers=60")

    out = capsys.readouterr().out
    assert "import #" in out and "succeeded" in out
    snapshot = store.current(tmp_path / "analytics")
    assert {"filings", "invoices", "enforcement_actions", "audits"} <= set(snapshot.tables)
    assert Taxpayer.objects.count() == 20 + 60
    assert not (tmp_path / "analytics" / "labels").exists()  # the truth stays out

    call_command("demo", "--no-serve", "--taxpayers=20", "--city-taxpayers=60")
    assert "already imported: nothing changed" in capsys.readouterr().out
    assert ExtractImport.objects.filter(already_imported=False).count() == 1
