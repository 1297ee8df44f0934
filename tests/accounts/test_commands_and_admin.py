"""Operator commands and the configuration admin for accounts."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from taxlight.accounts import services
from taxlight.accounts.models import ApiToken, User, UserKind
from taxlight.audit.models import LedgerEntry
from taxlight.authz.models import Role
from tests.accounts.factories import code_for, device_of, staff_user
from tests.factories import OfficerFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_createofficeruser_generates_and_prints_a_password():
    officer = OfficerFactory(user=None)

    out, _ = run("createofficeruser", officer.officer_id, "zhao.lei")

    user = User.objects.get(username="zhao.lei")
    password = out.split("shown once): ")[1].split()[0]
    assert user.check_password(password)
    assert user.kind == UserKind.STAFF
    officer.refresh_from_db()
    assert officer.user == user
    entry = LedgerEntry.objects.get(action="accounts.user.create")
    assert entry.channel == "command" and password not in str(entry.after)


def test_createofficeruser_refuses_unknown_officers_and_weak_passwords():
    with pytest.raises(CommandError, match="No officer"):
        run("createofficeruser", "NOPE", "x")
    officer = OfficerFactory(user=None)
    with pytest.raises(CommandError, match="10"):  # the minimum length, any language
        run("createofficeruser", officer.officer_id, "zhao.lei", "--password", "short")


def test_resetotp_removes_the_devices():
    user = staff_user()

    out, _ = run("resetotp", user.username, "--reason", "phone lost")

    assert "Removed 1" in out
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert LedgerEntry.objects.get(action="accounts.otp.reset").reason == "phone lost"


def test_resetotp_unknown_user():
    with pytest.raises(CommandError, match="No account"):
        run("resetotp", "ghost", "--reason", "x")


def test_issuetoken_prints_a_working_secret_once():
    system = UserFactory(kind=UserKind.SYSTEM)

    out, err = run("issuetoken", system.username, "kiosk", "--days", "30")

    secret = out.strip()
    token = services.authenticate_token(secret)
    assert token is not None and token.name == "kiosk" and token.expires_at is not None
    assert "shown once" in err


def test_otpcode_prints_the_current_code_in_embedded_mode(settings):
    settings.EMBEDDED_JOBS = True
    user = staff_user()

    out, _ = run("otpcode", user.username)

    assert out.strip() == code_for(device_of(user))


def test_otpcode_is_refused_in_production(settings):
    settings.EMBEDDED_JOBS = False
    settings.DEBUG = False
    user = staff_user()

    with pytest.raises(CommandError, match="Refused"):
        run("otpcode", user.username)


def test_otpcode_without_a_device(settings):
    settings.EMBEDDED_JOBS = True
    user = staff_user(with_device=False)

    with pytest.raises(CommandError, match="no confirmed authenticator"):
        run("otpcode", user.username)


# --- admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(verified_client):
    user = staff_user()
    user.is_staff = True
    user.is_superuser = True
    user.save()
    grant(user, Role.SYSADMIN)
    return verified_client(user), user


def test_admin_user_list_masks_mobile_numbers(admin_client):
    client, _ = admin_client
    UserFactory(username="mobile-owner", mobile="13812345678")

    response = client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "138****5678" in body and "13812345678" not in body


def test_admin_changes_are_audited(admin_client):
    client, admin = admin_client
    target = UserFactory(username="target")

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [target.pk]},
    )

    assert response.status_code == 302
    entry = LedgerEntry.objects.get(action="accounts.otp.reset")
    assert entry.actor_id == admin.pk and entry.object_id == str(target.pk)


def test_admin_issues_a_token_through_the_service_and_shows_the_secret_once(admin_client):
    client, _ = admin_client
    system = UserFactory(kind=UserKind.SYSTEM)

    response = client.post(
        reverse("admin:accounts_apitoken_add"), {"user": system.pk, "name": "kiosk"}
    )

    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert services.authenticate_token(secret) is not None
    assert LedgerEntry.objects.filter(action="accounts.token.issue").exists()
    token = ApiToken.objects.get()
    page = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert page.status_code == 200
    assert secret not in page.content.decode()
    assert token.digest not in page.content.decode()


def test_admin_needs_a_verified_sysadmin():
    user = staff_user()
    user.is_staff = True
    user.is_superuser = True
    user.save()
    from django.test import Client

    client = Client()
    client.force_login(user)  # no second factor, no sysadmin role

    response = client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp"))
