"""Own-account pages: password change, profile, registration and enterprise binding."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from taxlight.accounts.models import TaxpayerMembership, User, UserKind
from taxlight.audit.models import LedgerEntry
from tests.accounts.factories import PASSWORD, staff_user
from tests.factories import TaxpayerFactory, UserFactory, taxpayer_user

pytestmark = pytest.mark.django_db

PASSWORD_CHANGE = reverse("accounts:password_change")
PROFILE = reverse("accounts:profile")
REGISTER = reverse("accounts:register")
BIND = reverse("accounts:bind_enterprise")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- password -------------------------------------------------------------------------------


def test_password_change_needs_sign_in():
    response = Client().get(PASSWORD_CHANGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short-1", "too short"),
        ("1234567890123", "entirely numeric"),
        ("password1234", "too common"),
    ],
)
def test_password_change_applies_the_validators(new, message):
    user = taxpayer_user()
    client = signed_in(user)

    response = client.post(
        PASSWORD_CHANGE, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )

    assert response.status_code == 200
    assert message in str(response.context["form"].errors["new_password2"])
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_checks_the_old_password():
    client = signed_in(taxpayer_user())

    response = client.post(
        PASSWORD_CHANGE,
        {
            "old_password": "nope",
            "new_password1": "Brand-New-Secret-77",
            "new_password2": "Brand-New-Secret-77",
        },
    )

    assert "old_password" in response.context["form"].errors


def test_password_change_keeps_a_staff_user_signed_in_and_verified(verified_client):
    user = staff_user()
    client = verified_client(user)

    response = client.post(
        PASSWORD_CHANGE,
        {
            "old_password": PASSWORD,
            "new_password1": "Brand-New-Secret-77",
            "new_password2": "Brand-New-Secret-77",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Brand-New-Secret-77")
    assert client.get(PROFILE).status_code == 200
    assert LedgerEntry.objects.filter(action="accounts.user.change_password").exists()


# --- profile --------------------------------------------------------------------------------


def test_profile_saves_name_language_and_mobile():
    user = taxpayer_user()
    client = signed_in(user)

    response = client.post(PROFILE, {"name": "王芳", "language": "en", "mobile": "139 0000 1234"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.language, user.mobile) == ("王芳", "en", "13900001234")
    assert response.cookies["taxlight_language"].value == "en"


@pytest.mark.parametrize(
    ("mobile", "message"),
    [
        ("010-12345678", "landline"),
        ("12345", "not a valid mainland mobile"),
        ("+1 650 253 0000", "Only mainland China"),
        ("abc", "not a phone number"),
    ],
)
def test_profile_refuses_a_bad_mobile_with_a_field_error(mobile, message):
    user = taxpayer_user()
    client = signed_in(user)

    response = client.post(PROFILE, {"name": "王芳", "language": "en", "mobile": mobile})

    assert response.status_code == 200
    assert message in str(response.context["form"].errors["mobile"])
    user.refresh_from_db()
    assert user.language == "zh-hans"  # nothing half-saved


def test_profile_needs_a_verified_staff_user():
    user = staff_user()
    client = Client()
    client.force_login(user)

    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp"))


# --- registration ---------------------------------------------------------------------------


def test_registration_creates_a_signed_in_taxpayer_user():
    client = Client()

    response = client.post(
        REGISTER,
        {
            "username": "boss",
            "name": "王老板",
            "mobile": "13812345678",
            "password1": "Quiet-River-2041",
            "password2": "Quiet-River-2041",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == BIND
    user = User.objects.get(username="boss")
    assert user.kind == UserKind.TAXPAYER
    assert client.session["_auth_user_id"] == str(user.pk)


def test_registration_reports_each_bad_field():
    UserFactory(username="taken")

    response = Client().post(
        REGISTER,
        {
            "username": "taken",
            "mobile": "010-12345678",
            "password1": "password",
            "password2": "password",
        },
    )

    errors = response.context["form"].errors
    assert "already taken" in str(errors["username"])
    assert "landline" in str(errors["mobile"])
    assert "too short" in str(errors["password1"])
    assert User.objects.filter(username="taken").count() == 1


def test_registration_passwords_must_match():
    response = Client().post(
        REGISTER,
        {
            "username": "boss",
            "mobile": "13812345678",
            "password1": "Quiet-River-2041",
            "password2": "Quiet-River-2042",
        },
    )

    assert "differ" in str(response.context["form"].errors["password2"])
    assert not User.objects.filter(username="boss").exists()


# --- binding --------------------------------------------------------------------------------


def test_binding_with_the_right_proof():
    user = UserFactory(kind=UserKind.TAXPAYER)
    taxpayer = TaxpayerFactory(mobile="13900001234")
    client = signed_in(user)

    response = client.post(
        BIND, {"uscc": f" {taxpayer.taxpayer_id.lower()} ", "proof": "1234", "role": "finance"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/my/"
    membership = TaxpayerMembership.objects.get(user=user)
    assert membership.taxpayer == taxpayer and membership.role == "finance"


def test_binding_with_a_bad_check_character_says_so():
    user = UserFactory(kind=UserKind.TAXPAYER)
    taxpayer = TaxpayerFactory(mobile="13900001234")
    code = taxpayer.taxpayer_id
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    client = signed_in(user)

    response = client.post(BIND, {"uscc": bad, "proof": "1234", "role": "filer"})

    assert response.status_code == 200
    assert "check character" in str(response.context["form"].errors["uscc"])
    assert not TaxpayerMembership.objects.filter(user=user).exists()


def test_binding_with_a_wrong_proof_says_so_and_counts():
    user = UserFactory(kind=UserKind.TAXPAYER)
    taxpayer = TaxpayerFactory(mobile="13900001234")
    client = signed_in(user)

    response = client.post(BIND, {"uscc": taxpayer.taxpayer_id, "proof": "4321", "role": "filer"})

    errors = str(response.context["form"].errors["proof"])
    assert "do not match" in errors and "4 attempts left" in errors
    assert not TaxpayerMembership.objects.filter(user=user).exists()


def test_binding_an_unknown_enterprise():
    from tests.factories import make_uscc

    client = signed_in(UserFactory(kind=UserKind.TAXPAYER))

    response = client.post(BIND, {"uscc": make_uscc(), "proof": "1234", "role": "filer"})

    assert "No enterprise with this code" in str(response.context["form"].errors["uscc"])


def test_binding_twice_is_refused():
    taxpayer = TaxpayerFactory(mobile="13900001234")
    user = taxpayer_user(taxpayer)
    client = signed_in(user)

    response = client.post(BIND, {"uscc": taxpayer.taxpayer_id, "proof": "1234", "role": "filer"})

    assert "already bound" in str(response.context["form"].errors["uscc"])


def test_binding_is_for_taxpayer_users_only(verified_client):
    client = verified_client(staff_user())

    assert client.get(BIND).status_code == 403
