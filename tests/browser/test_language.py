"""Switching the language from the header, in a real Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_switch_to_english_and_back_to_chinese(
    browser_page: Any, live_server: Any, screenshot: Any
) -> None:
    page = browser_page
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"

    # when the visitor chooses English in the header
    page.locator(".tl-lang button[data-language=en]").click()

    # then the page comes back in English, on the same address, and remembers the choice
    page.wait_for_selector("html[lang=en]")
    assert page.url == live_server.url + "/"
    assert page.locator(".tl-lang button[data-language=en]").get_attribute("aria-pressed") == (
        "true"
    )
    assert page.get_by_role("heading", name="Services open now").is_visible()
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies[settings.LANGUAGE_COOKIE_NAME] == "en"
    screenshot(page, "english")

    page.goto(live_server.url + "/no-such-page/")  # the choice holds on every page
    assert page.locator("html").get_attribute("lang") == "en"
    page.go_back()

    # and back to Chinese
    page.locator(".tl-lang button[data-language=zh-hans]").click()
    page.wait_for_selector("html[lang=zh-CN]")
    assert (
        page.locator(".tl-lang button[data-language=zh-hans]").get_attribute("aria-pressed")
        == "true"
    )
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies[settings.LANGUAGE_COOKIE_NAME] == "zh-hans"
    screenshot(page, "chinese")


def test_the_language_switch_is_keyboard_usable(browser_page: Any, live_server: Any) -> None:
    page = browser_page
    page.goto(live_server.url + "/")

    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    page.locator(".tl-lang button[data-language=en]").focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    page.keyboard.press("Enter")

    page.wait_for_selector("html[lang=en]")
    assert outline != "none"  # a visible focus ring
