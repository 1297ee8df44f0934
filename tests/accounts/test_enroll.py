"""Setting up an authenticator at the first sign-in of a staff user."""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from taxlight.accounts.views import PENDING_KEY
from tests.accounts.factories import PASSWORD, code_for, staff_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
OTP = reverse("accounts:otp")
ENROLL = reverse("accounts:otp_enroll")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def start(client: Client, username: str) -> None:
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response["Location"].startswith(ENROLL)


def test_enrolment_page_shows_an_inline_svg_qr_code_and_the_key():
    user = staff_user(with_device=False)
    client = Client()
    start(client, user.username)

    response = client.get(ENROLL)

    assert response.status_code == 200
    body = response.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert '<svg class="totp-qr"' in body
    assert "http://" not in body.split('<svg class="totp-qr"')[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", ""
    )
    secret = base64.b32encode(device.bin_key).decode()
    assert response.context["secret"].replace(" ", "") == secret
    # reloading keeps the same secret (the phone may have scanned it already)
    client.get(ENROLL)
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_enrolment_confirms_with_a_first_code_and_shows_ten_backup_codes_once():
    user = staff_user(with_device=False)
    client = Client()
    start(client, user.username)
    client.get(ENROLL)
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    response = client.post(ENROLL, {"code": code_for(device), "next": "/staff/"})

    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code in response.content.decode() for code in codes)
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    )
    device.refresh_from_db()
    assert device.confirmed
    assert StaticToken.objects.filter(device__user=user).count() == 10
    # signed in and verified
    assert "_auth_user_id" in client.session
    assert PENDING_KEY not in client.session
    assert client.get(reverse("accounts:profile")).status_code == 200
    # the page cannot be used again to see or replace the codes
    response = client.get(ENROLL)
    assert response.status_code == 302


def test_enrolment_with_a_wrong_code_is_refused_with_a_field_error():
    user = staff_user(with_device=False)
    client = Client()
    start(client, user.username)
    client.get(ENROLL)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    right = code_for(device)
    wrong = "123456" if right != "123456" else "654321"

    response = client.post(ENROLL, {"code": wrong})

    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    device.refresh_from_db()
    assert not device.confirmed
    assert "_auth_user_id" not in client.session


def test_enrolment_code_must_be_six_digits():
    user = staff_user(with_device=False)
    client = Client()
    start(client, user.username)

    response = client.post(ENROLL, {"code": "12ab"})

    assert "Enter the 6 digits" in str(response.context["form"].errors["code"])


def test_enrolment_needs_the_password_step():
    response = Client().get(ENROLL)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_user_with_an_authenticator_cannot_enrol_another():
    user = staff_user()
    client = Client()
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})

    response = client.get(ENROLL)

    assert response.status_code == 302
    assert response["Location"].startswith(OTP)
    assert TOTPDevice.objects.filter(user=user).count() == 1
