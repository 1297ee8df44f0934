"""Fixtures shared by the whole suite.

* ``verified_client(user)``: a test client signed in as ``user`` with a confirmed TOTP
  device, as after a real two-step sign-in.
* ``browser_page``: a Playwright page in Debian's Chromium (``/usr/bin/chromium``); tests
  marked ``browser`` use it with ``live_server``. Screenshots go to ``var/test-artifacts``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# alongside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent.parent / "var" / "test-artifacts"
CHROMIUM = os.environ.get("TAXLIGHT_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _jobs_in_process(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tasks run in the test's own process, also when REDIS_URL is set (the PostgreSQL +
    Redis pass of .ci/run), so a test sees its job's effect. Tests marked ``redis`` talk to
    the real broker and a real worker instead."""
    from taxlight.celery import app

    if request.node.get_closest_marker("redis"):
        yield
        return
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def _english_unless_marked(request: pytest.FixtureRequest, settings: Any) -> Iterator[None]:
    """The product's default language is Simplified Chinese. Tests assert on the English
    msgids, so they run with English as the default language; tests marked ``chinese`` keep
    the product's default (tests/test_translations.py checks that pages, forms and errors
    are Chinese out of the box)."""
    from django.utils import translation

    if request.node.get_closest_marker("chinese"):
        yield
        return
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Factories set a password on every user; the production hasher's work factor would
    make up most of the suite's run time. Password *validation* is unaffected."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def verified_client() -> Callable[[Any], Client]:
    def make(user: Any) -> Client:
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="default", defaults={"confirmed": True}
        )
        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return make


@pytest.fixture(scope="session")
def _browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make system-deps`")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(_browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = _browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    def take(page: Any, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
