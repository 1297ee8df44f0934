"""Signing in: the password step, the code step, backup codes, lock-out and redirects."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken

from taxlight.accounts.models import UserKind
from taxlight.accounts.views import PENDING_KEY
from taxlight.audit.models import LedgerEntry
from tests.accounts.factories import PASSWORD, backup_codes, code_for, device_of, staff_user
from tests.factories import UserFactory, taxpayer_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
OTP = reverse("accounts:otp")
ENROLL = reverse("accounts:otp_enroll")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def no_throttle(settings):
    """Lets one test send a wrong code and then a right one without waiting for
    django-otp's back-off (throttling itself is tested separately)."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def sign_in_password(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- password step --------------------------------------------------------------------------


def test_taxpayer_user_is_signed_in_with_password_alone():
    user = taxpayer_user()
    client = Client()

    response = sign_in_password(client, user.username)

    assert response.status_code == 302
    assert response["Location"] == "/my/"
    assert is_signed_in(client)
    assert client.cookies["taxlight_language"].value == "zh-hans"


def test_staff_with_device_goes_to_code_step_and_is_not_signed_in_yet():
    user = staff_user()
    client = Client()

    response = sign_in_password(client, user.username)

    assert response.status_code == 302
    assert response["Location"].startswith(OTP)
    assert not is_signed_in(client)
    assert client.session[PENDING_KEY]["id"] == user.pk
    # a password-only session reaches nothing that needs a signed-in user
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_staff_without_device_goes_to_enrolment():
    user = staff_user(with_device=False)
    client = Client()

    response = sign_in_password(client, user.username)

    assert response["Location"].startswith(ENROLL)
    assert not is_signed_in(client)


def test_wrong_password_shows_an_error_and_attempts_left():
    user = taxpayer_user()
    client = Client()

    response = sign_in_password(client, user.username, "not-the-password")

    assert response.status_code == 200
    assert "The user name or password is not right" in response.content.decode()
    assert "4 attempts left before the account is locked" in response.content.decode()
    assert not is_signed_in(client)


def test_empty_fields_get_field_errors():
    response = Client().post(LOGIN, {"username": "", "password": ""})

    form = response.context["form"]
    assert "username" in form.errors and "password" in form.errors


def test_system_accounts_cannot_sign_in_interactively():
    user = UserFactory(kind=UserKind.SYSTEM)
    client = Client()

    response = sign_in_password(client, user.username)

    assert response.status_code == 200
    assert "system integrations" in response.content.decode()
    assert not is_signed_in(client)


def test_inactive_user_is_refused_like_a_wrong_password():
    user = taxpayer_user()
    user.is_active = False
    user.save()

    response = sign_in_password(Client(), user.username)

    assert "The user name or password is not right" in response.content.decode()


# --- code step ------------------------------------------------------------------------------


def test_staff_signs_in_with_the_current_totp_code():
    user = staff_user()
    client = Client()
    sign_in_password(client, user.username)

    response = client.post(OTP, {"code": code_for(device_of(user))})

    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    assert is_signed_in(client)
    assert client.session[DEVICE_ID_SESSION_KEY] == device_of(user).persistent_id
    assert PENDING_KEY not in client.session
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_code_step_keeps_a_safe_next():
    user = staff_user()
    client = Client()
    response = sign_in_password(client, user.username, next="/staff/cases/?page=2")
    assert response["Location"] == f"{OTP}?next=%2Fstaff%2Fcases%2F%3Fpage%3D2"

    response = client.post(OTP, {"code": code_for(device_of(user)), "next": "/staff/cases/?page=2"})

    assert response["Location"] == "/staff/cases/?page=2"


@pytest.mark.parametrize(
    "evil",
    [
        "https://evil.example/phish",
        "//evil.example/",
        "http://evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_open_redirect_next_is_rejected(evil):
    user = taxpayer_user()
    client = Client()

    response = sign_in_password(client, user.username, next=evil)

    assert response.status_code == 302
    assert response["Location"] == "/my/"


def test_open_redirect_next_is_rejected_after_the_code_step():
    user = staff_user()
    client = Client()
    sign_in_password(client, user.username)

    response = client.post(
        OTP, {"code": code_for(device_of(user)), "next": "https://evil.example/"}
    )

    assert response["Location"] == "/staff/"


def test_wrong_code_is_refused_and_counts_toward_lockout():
    user = staff_user()
    client = Client()
    sign_in_password(client, user.username)

    response = client.post(
        OTP, {"code": "000000" if code_for(device_of(user)) != "000000" else "111111"}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "This code is not right" in body
    assert "4 attempts left before the account is locked" in body
    assert not is_signed_in(client)
    assert (
        LedgerEntry.objects.filter(action="accounts.signin.failed", after__step="otp").count() == 1
    )


def test_wrong_then_right_code(no_throttle):
    user = staff_user()
    client = Client()
    sign_in_password(client, user.username)
    right = code_for(device_of(user))
    wrong = "123456" if right != "123456" else "654321"

    client.post(OTP, {"code": wrong})
    response = client.post(OTP, {"code": right})

    assert response.status_code == 302
    assert is_signed_in(client)


def test_repeated_wrong_codes_are_throttled(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 600  # a back-off no slow test run can outlast
    user = staff_user()
    client = Client()
    sign_in_password(client, user.username)
    right = code_for(device_of(user))
    wrong = "123456" if right != "123456" else "654321"

    client.post(OTP, {"code": wrong})
    response = client.post(OTP, {"code": right})  # within django-otp's back-off

    assert response.status_code == 200
    assert "Too many wrong codes. Wait" in response.content.decode()
    assert not is_signed_in(client)


def test_code_step_without_a_password_goes_back_to_sign_in():
    response = Client().get(OTP + "?next=/staff/")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=%2Fstaff%2F"


def test_pending_password_step_expires(settings):
    user = staff_user()
    client = Client()
    sign_in_password(client, user.username)
    session = client.session
    session[PENDING_KEY] = {**session[PENDING_KEY], "at": 0}
    session.save()

    response = client.post(OTP, {"code": code_for(device_of(user))})

    assert response["Location"].startswith(LOGIN)
    assert not is_signed_in(client)


def test_a_code_is_accepted_only_once():
    user = staff_user()
    code = code_for(device_of(user))
    first, second = Client(), Client()
    sign_in_password(first, user.username)
    sign_in_password(second, user.username)

    assert first.post(OTP, {"code": code}).status_code == 302
    response = second.post(OTP, {"code": code})

    assert response.status_code == 200
    assert not is_signed_in(second)


# --- backup codes ---------------------------------------------------------------------------


def test_backup_code_signs_in_once():
    user = staff_user()
    codes = backup_codes(user)
    client = Client()
    sign_in_password(client, user.username)

    response = client.post(OTP, {"code": codes[0].upper()})

    assert response.status_code == 302
    assert is_signed_in(client)
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    entry = LedgerEntry.objects.filter(action="accounts.signin.succeeded").last()
    assert entry is not None and entry.after["second_factor"] == "backup_code"

    again = Client()
    sign_in_password(again, user.username)
    response = again.post(OTP, {"code": codes[0]})
    assert response.status_code == 200
    assert not is_signed_in(again)


# --- lockout --------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_with_a_clear_message():
    user = taxpayer_user()
    client = Client()

    for expected_left in (4, 3, 2, 1):
        response = sign_in_password(client, user.username, "wrong-password-x")
        assert response.status_code == 200
        assert f"{expected_left} attempt" in response.content.decode()
    response = sign_in_password(client, user.username, "wrong-password-x")

    assert response.status_code == 429
    body = response.content.decode()
    assert 'id="locked-out"' in body
    assert "After 5 failed attempts" in body
    assert "Try again in 30 minutes" in body
    # the right password does not help while locked
    response = sign_in_password(client, user.username)
    assert response.status_code == 429
    assert not is_signed_in(client)
    assert LedgerEntry.objects.filter(action="accounts.signin.locked_out").exists()


def test_lockout_is_per_user_name():
    locked, other = taxpayer_user(), taxpayer_user()
    client = Client()
    for _ in range(5):
        sign_in_password(client, locked.username, "wrong-password-x")

    response = sign_in_password(client, other.username)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_wrong_codes_lock_out_a_staff_user_who_knows_the_password():
    user = staff_user()
    client = Client()
    sign_in_password(client, user.username)
    right = code_for(device_of(user))
    wrong = "123456" if right != "123456" else "654321"

    for _ in range(4):
        assert client.post(OTP, {"code": wrong}).status_code == 200
    response = client.post(OTP, {"code": wrong})

    assert response.status_code == 429
    assert 'id="locked-out"' in response.content.decode()
    assert PENDING_KEY not in client.session
    # starting over with the password does not reset the count
    response = sign_in_password(client, user.username)
    assert response.status_code == 429


def test_password_then_code_failures_add_up():
    user = staff_user()
    client = Client()
    for _ in range(3):
        sign_in_password(client, user.username, "wrong-password-x")
    sign_in_password(client, user.username)
    right = code_for(device_of(user))
    wrong = "123456" if right != "123456" else "654321"

    client.post(OTP, {"code": wrong})
    response = client.post(OTP, {"code": wrong})

    assert response.status_code == 429


def test_success_resets_the_failure_count(no_throttle):
    user = taxpayer_user(language="en")  # signing in sets the user's language
    client = Client()
    for _ in range(4):
        sign_in_password(client, user.username, "wrong-password-x")
    sign_in_password(client, user.username)
    client.post(reverse("accounts:logout"))

    for _ in range(4):
        response = sign_in_password(client, user.username, "wrong-password-x")
    assert response.status_code == 200  # 4 fresh failures: not locked
    assert "1 attempt left" in response.content.decode()


# --- middleware round trip and sign-out -----------------------------------------------------


def test_unverified_staff_session_completes_the_code_step(verified_client):
    """A session signed in before its second factor was reset is sent to the code step."""
    user = staff_user()
    client = Client()
    client.force_login(user)

    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(OTP)

    response = client.post(
        OTP, {"code": code_for(device_of(user)), "next": reverse("accounts:profile")}
    )
    assert response["Location"] == reverse("accounts:profile")
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_logout_needs_post_and_signs_out():
    user = taxpayer_user()
    client = Client()
    sign_in_password(client, user.username)

    assert client.get(reverse("accounts:logout")).status_code == 200
    assert is_signed_in(client)
    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert not is_signed_in(client)
    assert LedgerEntry.objects.filter(action="accounts.signout", object_id=str(user.pk)).exists()


def test_logout_refuses_a_forged_post():
    user = taxpayer_user()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 403
    assert is_signed_in(client)


def test_signin_is_audited_without_secrets():
    user = staff_user()
    client = Client()
    sign_in_password(client, user.username, "a-wrong-password-123")
    sign_in_password(client, user.username)
    code = code_for(device_of(user))
    client.post(OTP, {"code": code})

    actions = list(LedgerEntry.objects.order_by("seq").values_list("action", flat=True))
    assert "accounts.signin.failed" in actions
    assert "accounts.signin.password_accepted" in actions
    assert actions[-1] == "accounts.signin.succeeded"
    dump = " ".join(
        str(e.before) + str(e.after) + e.object_label for e in LedgerEntry.objects.all()
    )
    assert "a-wrong-password-123" not in dump
    assert PASSWORD not in dump
    assert code not in dump
