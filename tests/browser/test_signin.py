"""A staff user signs in in a real Chromium: password, then the current TOTP code."""

from __future__ import annotations

import re

import pytest

from taxlight.authz.models import Role
from tests.accounts.factories import PASSWORD, code_for, device_of, staff_user
from tests.factories import grant


@pytest.mark.browser
def test_staff_signs_in_with_password_and_totp(
    live_server, transactional_db, browser_page, screenshot
):
    # given an officer with an authenticator and a role in the workbench
    user = staff_user()
    grant(user, Role.OFFICER)
    page = browser_page

    # when they sign in with their password …
    page.goto(f"{live_server.url}/accounts/login/?next=/staff/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/otp/"))
    assert page.locator("input[name=password]").count() == 0
    screenshot(page, "code-step")

    # … and the code their phone shows now
    page.fill("input[name=code]", code_for(device_of(user)))
    page.click("main form button[type=submit]")

    # then they land in the staff workbench, signed in
    page.wait_for_url(f"{live_server.url}/staff/")
    assert page.url == f"{live_server.url}/staff/"
    assert page.locator("input[name=code]").count() == 0
    assert page.locator("input[name=password]").count() == 0
