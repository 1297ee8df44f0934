"""Fixtures of the outbox tests: a running fake SMS provider wired into the settings, dev
backends writing under tmp_path, quiet hours off unless a test turns them on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from taxlight.notifications.policy import BUREAU_TZ
from tests.fakes.sms_provider import FakeSmsProvider, running

#: A weekday at 10:00 in the bureau's time zone: outside the default quiet hours.
DAYTIME = dt.datetime(2025, 3, 12, 10, 0, tzinfo=BUREAU_TZ)


@pytest.fixture(autouse=True)
def _outbox_settings(settings: Any, tmp_path: Any) -> None:
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    settings.SMS_QUIET_HOURS = "21:00-08:00"
    settings.SMS_DAILY_LIMIT_PER_NUMBER = 10
    settings.NOTIFY_MAX_ATTEMPTS = 6
    settings.SMS_CALLBACK_SECRET = "fake-callback-secret"
    settings.TAXLIGHT_SITE_URL = "http://testserver"
    # fast hashing: these tests create many users and never sign in with a password
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sms_provider(settings: Any) -> Iterator[FakeSmsProvider]:
    """The fake provider, running, with SMS_BACKEND=http pointed at it. The client times out
    after 0.3 s; the fake's "hang" fault answers after 1.5 s."""
    for fake in running(hang_seconds=1.5):
        settings.SMS_BACKEND = "http"
        settings.SMS_HTTP_URL = fake.url
        settings.SMS_HTTP_API_KEY = fake.api_key
        settings.SMS_HTTP_TIMEOUT = 0.3
        settings.SMS_CALLBACK_SECRET = fake.secret
        yield fake


@pytest.fixture
def post_receipt(client: Client) -> Callable[[str, bytes, dict[str, str]], int]:
    """Delivers a receipt the fake signed to our callback view through the test client."""
    path = reverse("notifications:sms_receipts")

    def post(url: str, body: bytes, headers: dict[str, str]) -> int:
        assert url.endswith(path)
        response = client.post(
            path,
            data=body,
            content_type="application/json",
            headers={k: v for k, v in headers.items() if k != "Content-Type"},
        )
        return int(response.status_code)

    return post
