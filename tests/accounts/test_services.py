"""The account services: their effects, their refusals and their ledger entries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from taxlight.accounts import services
from taxlight.accounts.models import ApiToken, MembershipRole, TaxpayerMembership, UserKind
from taxlight.audit.models import LedgerEntry
from taxlight.audit.services import verify
from taxlight.authz.models import Role
from taxlight.authz.scoping import taxpayer_ids
from tests.accounts.factories import backup_codes, code_for, staff_user
from tests.factories import OfficerFactory, TaxpayerFactory, UserFactory, officer_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    officer = officer_with_role(Role.SYSADMIN)
    assert officer.user is not None
    return officer.user


def last_entry(action: str) -> LedgerEntry:
    entry = LedgerEntry.objects.filter(action=action).order_by("seq").last()
    assert entry is not None, f"no ledger entry {action}"
    return entry


# --- users ----------------------------------------------------------------------------------


def test_create_staff_user_links_the_officer_and_is_audited(admin_user):
    officer = OfficerFactory(user=None, mobile="13812345678")

    user = services.create_staff_user(
        actor=admin_user, officer=officer, username="zhang.wei", password="Quiet-River-2041"
    )

    officer.refresh_from_db()
    assert officer.user == user
    assert user.kind == UserKind.STAFF and user.first_name == officer.name
    assert user.check_password("Quiet-River-2041")
    entry = last_entry("accounts.user.create")
    assert entry.actor_id == admin_user.pk and entry.object_id == str(user.pk)
    assert entry.after["officer"] == officer.officer_id
    assert "Quiet-River-2041" not in str(entry.after)
    assert verify().ok


def test_create_staff_user_without_password_gets_an_unusable_one(admin_user):
    user = services.create_staff_user(
        actor=admin_user, officer=OfficerFactory(user=None), username="li.na"
    )

    assert not user.has_usable_password()


def test_create_staff_user_refuses_weak_passwords_and_taken_names(admin_user):
    with pytest.raises(ValidationError) as weak:
        services.create_staff_user(
            actor=admin_user,
            officer=OfficerFactory(user=None),
            username="wang.fang",
            password="12345",
        )
    assert "password" in weak.value.message_dict
    UserFactory(username="taken")
    with pytest.raises(ValidationError) as taken:
        services.create_staff_user(
            actor=admin_user,
            officer=OfficerFactory(user=None),
            username="TAKEN",
            password="Quiet-River-2041",
        )
    assert "username" in taken.value.message_dict
    assert not LedgerEntry.objects.filter(action="accounts.user.create").exists()


def test_create_staff_user_refuses_an_officer_with_an_account(admin_user):
    officer = OfficerFactory()  # has a user already

    with pytest.raises(ValidationError) as exc:
        services.create_staff_user(
            actor=admin_user, officer=officer, username="second", password="Quiet-River-2041"
        )
    assert "officer" in exc.value.message_dict


def test_create_taxpayer_user_validates_every_field_at_once():
    UserFactory(username="taken")

    with pytest.raises(ValidationError) as exc:
        services.create_taxpayer_user(
            actor=None, username="taken", password="password", mobile="010-12345678"
        )

    assert set(exc.value.message_dict) == {"username", "password", "mobile"}


def test_create_taxpayer_user_normalises_the_mobile_and_audits_masked():
    user = services.create_taxpayer_user(
        actor=None, username="boss", password="Quiet-River-2041", mobile="+86 138-1234-5678"
    )

    assert user.mobile == "13812345678"
    assert user.kind == UserKind.TAXPAYER
    entry = last_entry("accounts.user.create")
    assert entry.actor_id == user.pk
    assert entry.after["mobile"] == "138****5678"


def test_update_profile_records_only_what_changed():
    user = UserFactory(kind=UserKind.TAXPAYER, mobile="13812345678", language="zh-hans")

    services.update_profile(actor=user, user=user, name="王芳", language="en", mobile="13812345678")

    entry = last_entry("accounts.user.update_profile")
    assert set(entry.after) == {"first_name", "language"}
    assert entry.after["language"] == "en"


def test_change_password_is_audited_without_the_password():
    user = UserFactory()

    services.change_password(actor=user, user=user, password="Brand-New-Secret-77")

    user.refresh_from_db()
    assert user.check_password("Brand-New-Secret-77")
    assert "Brand-New-Secret-77" not in str(last_entry("accounts.user.change_password").after)


# --- bindings -------------------------------------------------------------------------------


def test_bind_and_unbind_taxpayer(admin_user):
    user = UserFactory(kind=UserKind.TAXPAYER)
    taxpayer = TaxpayerFactory()

    membership = services.bind_taxpayer(
        actor=admin_user, user=user, taxpayer=taxpayer, role=MembershipRole.FINANCE
    )

    assert taxpayer_ids(user) == {taxpayer.pk}
    assert last_entry("accounts.membership.bind").after["taxpayer"] == taxpayer.taxpayer_id
    services.unbind_taxpayer(actor=admin_user, membership=membership, reason="left the firm")
    assert taxpayer_ids(user) == set()
    assert last_entry("accounts.membership.unbind").reason == "left the firm"
    with pytest.raises(ValidationError):
        services.unbind_taxpayer(actor=admin_user, membership=membership)
    # binding again reactivates
    services.bind_taxpayer(actor=admin_user, user=user, taxpayer=taxpayer)
    assert TaxpayerMembership.objects.get(user=user, taxpayer=taxpayer).active


def test_only_taxpayer_users_are_bound(admin_user):
    with pytest.raises(ValidationError):
        services.bind_taxpayer(actor=admin_user, user=admin_user, taxpayer=TaxpayerFactory())


def test_claim_taxpayer_with_the_registered_mobile():
    user = UserFactory(kind=UserKind.TAXPAYER)
    taxpayer = TaxpayerFactory(mobile="13900001234")

    membership = services.claim_taxpayer(
        actor=user, user=user, uscc=taxpayer.taxpayer_id.lower(), proof="1234"
    )

    assert membership.taxpayer == taxpayer and membership.role == MembershipRole.FILER
    assert last_entry("accounts.membership.bind").actor_id == user.pk


def test_claim_taxpayer_refusals():
    user = UserFactory(kind=UserKind.TAXPAYER)
    taxpayer = TaxpayerFactory(mobile="13900001234")
    bad_check = taxpayer.taxpayer_id[:-1] + ("0" if taxpayer.taxpayer_id[-1] != "0" else "1")

    with pytest.raises(ValidationError) as exc:
        services.claim_taxpayer(actor=user, user=user, uscc=bad_check, proof="1234")
    assert "uscc" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.claim_taxpayer(actor=user, user=user, uscc=taxpayer.taxpayer_id, proof="9999")
    assert "proof" in exc.value.message_dict
    assert last_entry(services.BIND_FAILED_ACTION).after["why"] == "proof"
    assert not TaxpayerMembership.objects.filter(user=user).exists()


def test_claim_taxpayer_is_refused_after_too_many_failures():
    user = UserFactory(kind=UserKind.TAXPAYER)
    taxpayer = TaxpayerFactory(mobile="13900001234")
    for _ in range(services.BIND_FAILURE_LIMIT):
        with pytest.raises(ValidationError):
            services.claim_taxpayer(actor=user, user=user, uscc=taxpayer.taxpayer_id, proof="0000")

    with pytest.raises(ValidationError) as exc:
        services.claim_taxpayer(actor=user, user=user, uscc=taxpayer.taxpayer_id, proof="1234")

    assert "Too many failed binding attempts" in str(exc.value)
    assert not TaxpayerMembership.objects.filter(user=user).exists()


def test_claim_taxpayer_without_a_registered_mobile_is_sent_to_the_service_hall():
    user = UserFactory(kind=UserKind.TAXPAYER)
    taxpayer = TaxpayerFactory(mobile="")

    with pytest.raises(ValidationError) as exc:
        services.claim_taxpayer(actor=user, user=user, uscc=taxpayer.taxpayer_id, proof="1234")

    assert "service hall" in str(exc.value)


# --- second factor --------------------------------------------------------------------------


def test_enroll_and_confirm_totp_are_audited_and_issue_backup_codes():
    user = staff_user(with_device=False)

    device = services.enroll_totp(actor=user, user=user)
    assert services.enroll_totp(actor=user, user=user) == device  # same pending device
    codes = services.confirm_totp(actor=user, user=user, device=device, code=code_for(device))

    assert len(codes) == services.BACKUP_CODE_COUNT
    assert last_entry("accounts.otp.enroll").object_id == str(user.pk)
    confirm = last_entry("accounts.otp.confirm")
    assert confirm.after == {"device": "totp", "backup_codes": 10}
    assert not any(code in str(confirm.after) for code in codes)
    with pytest.raises(ValidationError):
        services.enroll_totp(actor=user, user=user)


def test_confirm_totp_refuses_a_wrong_code():
    user = staff_user(with_device=False)
    device = services.enroll_totp(actor=user, user=user)
    right = code_for(device)

    with pytest.raises(ValidationError) as exc:
        services.confirm_totp(
            actor=user, user=user, device=device, code="123456" if right != "123456" else "654321"
        )

    assert "code" in exc.value.message_dict
    device.refresh_from_db()
    assert not device.confirmed
    assert not LedgerEntry.objects.filter(action="accounts.otp.confirm").exists()


def test_reset_second_factor_removes_every_device_and_needs_a_reason(admin_user):
    user = staff_user()
    backup_codes(user)

    with pytest.raises(ValidationError):
        services.reset_second_factor(actor=admin_user, user=user, reason="  ")
    removed = services.reset_second_factor(actor=admin_user, user=user, reason="phone lost")

    assert removed == 2
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    entry = last_entry("accounts.otp.reset")
    assert entry.actor_id == admin_user.pk and entry.reason == "phone lost"


# --- API tokens -----------------------------------------------------------------------------


def test_issue_api_token_stores_only_a_hash_and_returns_the_secret_once(admin_user):
    system = UserFactory(kind=UserKind.SYSTEM)

    token, secret = services.issue_api_token(actor=admin_user, user=system, name="kiosk")

    assert secret.startswith(f"tl_{token.prefix}_")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.digest == ApiToken.hash_secret(secret)
    assert secret not in {str(getattr(stored, f.attname)) for f in ApiToken._meta.fields}
    entry = last_entry("accounts.token.issue")
    assert secret not in str(entry.after) and entry.after["prefix"] == token.prefix
    found = services.authenticate_token(secret)
    assert found is not None and found.pk == token.pk and found.last_used_at is not None


def test_api_token_usability(admin_user):
    system = UserFactory(kind=UserKind.SYSTEM)
    token, secret = services.issue_api_token(
        actor=admin_user,
        user=system,
        name="nightly export",
        expires_at=timezone.now() + dt.timedelta(days=1),
    )

    assert services.authenticate_token(secret + "x") is None
    assert services.authenticate_token("not-a-token") is None
    assert services.authenticate_token(secret) is not None

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    assert services.authenticate_token(secret) is None

    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    system.is_active = False
    system.save()
    assert services.authenticate_token(secret) is None

    system.is_active = True
    system.save()
    services.revoke_api_token(actor=admin_user, token=token, reason="leaked")
    assert services.authenticate_token(secret) is None
    assert last_entry("accounts.token.revoke").reason == "leaked"
    with pytest.raises(ValidationError):
        services.revoke_api_token(actor=admin_user, token=token)


def test_issue_api_token_refusals(admin_user):
    system = UserFactory(kind=UserKind.SYSTEM)

    with pytest.raises(ValidationError) as exc:
        services.issue_api_token(
            actor=admin_user,
            user=system,
            name=" ",
            expires_at=timezone.now() - dt.timedelta(minutes=1),
        )

    assert set(exc.value.message_dict) == {"name", "expires_at"}
    assert not ApiToken.objects.exists()
