"""One page of each space in a real Chromium: the bundled CSS and scripts load, the chart
draws, and the navigation collapses on a phone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings

from taxlight.authz.models import Role, Scope
from tests.factories import TaxpayerFactory, UnitFactory, officer_with_role, taxpayer_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLUE = "rgb(31, 78, 140)"  # --tl-blue of assets/css/app.css, on .btn-primary


def sign_in(page: Any, live_server: Any, verified_client: Callable[[Any], Any], user: Any) -> None:
    """Signs the browser in by handing it the session of a verified test client (the sign-in
    form itself is tested in tests/browser of the accounts)."""
    client = verified_client(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def assert_assets_loaded(page: Any) -> None:
    # Bootstrap's CSS and ours: the primary button is the bureau's blue, the container is
    # centred, the skip link is hidden until focused
    assert page.eval_on_selector(".btn-primary", "e => getComputedStyle(e).backgroundColor") == BLUE
    assert page.eval_on_selector(".tl-skip-link", "e => getComputedStyle(e).position") == "absolute"
    assert page.eval_on_selector("main", "e => getComputedStyle(e).marginLeft") != "0px"
    # htmx and Bootstrap's JavaScript, as globals
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("window.htmx.version").startswith("2.")
    assert page.evaluate("typeof window.bootstrap.Collapse") == "function"


def test_the_public_portal(browser_page: Any, live_server: Any, screenshot: Any) -> None:
    page = browser_page

    page.goto(live_server.url + "/")

    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator(".tl-bureau").inner_text() == settings.TAXLIGHT_BUREAU_NAME
    assert_assets_loaded(page)
    assert page.evaluate("typeof window.echarts") == "undefined"  # not loaded without charts
    screenshot(page, "portal")


def test_the_taxpayer_space(
    browser_page: Any, live_server: Any, verified_client: Any, screenshot: Any
) -> None:
    page = browser_page
    enterprise = TaxpayerFactory(name="示范科技有限公司")
    sign_in(page, live_server, verified_client, taxpayer_user(enterprise, first_name="小红"))

    page.goto(live_server.url + "/my/")

    assert page.locator("h2", has_text="示范科技有限公司").is_visible()
    assert page.get_by_text(enterprise.taxpayer_id).is_visible()
    assert page.locator("[data-user-name]").inner_text() == "小红"
    assert page.eval_on_selector("body", "e => e.className") == "space-my"
    # Bootstrap and ours, on a page without a primary button in the content
    assert page.eval_on_selector(".tl-navbar", "e => getComputedStyle(e).backgroundColor") == (
        "rgb(23, 98, 90)"
    )
    assert page.evaluate("typeof window.htmx") == "object"
    screenshot(page, "mytax")


def test_the_staff_workbench_draws_its_chart(
    browser_page: Any, live_server: Any, verified_client: Any, screenshot: Any
) -> None:
    page = browser_page
    for code, name, count in [("B01", "东城税务分局", 3), ("B02", "西城税务分局", 5)]:
        branch = UnitFactory(code=code, name=name)
        for _ in range(count):
            TaxpayerFactory(unit=branch)
    director = officer_with_role(Role.DIRECTOR, Scope.BUREAU, name="局长甲")
    sign_in(page, live_server, verified_client, director.user)

    page.goto(live_server.url + "/staff/")

    assert page.locator("[data-user-name]").inner_text() == "局长甲"
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("typeof window.echarts.init") == "function"
    chart = page.locator('[data-chart="chart-taxpayers-per-branch"]')
    chart.locator("svg").wait_for()
    assert chart.get_attribute("data-chart-ready") == "1"
    assert "西城税务分局" in chart.inner_html()
    screenshot(page, "workbench")

    page.get_by_role("link", name="组织机构").click()  # the browser asks for Chinese
    page.wait_for_url("**/staff/org/")
    page.get_by_role("link", name="西城税务分局").click()  # htmx swaps the panel in place
    page.wait_for_url("**/staff/org/?unit=*")
    assert "西城税务分局" in page.locator("#officers-heading").inner_text()
    screenshot(page, "organisation")


def test_on_a_phone_the_navigation_collapses_behind_a_menu_button(
    browser_page: Any,
    live_server: Any,
    screenshot: Any,
) -> None:
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    toggler = page.locator(".navbar-toggler")
    home_link = page.locator("#tl-nav .nav-link").first

    assert toggler.is_visible()
    assert not home_link.is_visible()
    assert toggler.get_attribute("aria-expanded") == "false"
    assert page.locator(".tl-lang").is_visible()  # the language switch stays in reach
    no_overflow = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(no_overflow)

    toggler.click()
    home_link.wait_for(state="visible")

    assert toggler.get_attribute("aria-expanded") == "true"
    screenshot(page, "phone-menu")
