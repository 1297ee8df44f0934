"""The public portal, the shared header and the language switch."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import taxpayer_user

pytestmark = pytest.mark.django_db


@pytest.mark.chinese
def test_anonymous_visitors_see_the_bureau_and_the_honest_list_of_upcoming_services(
    client: Client,
) -> None:
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert settings.TAXLIGHT_BUREAU_NAME in html
    assert 'lang="zh-CN"' in html  # Chinese by default
    assert "Coming to this portal" in html or "即将" in html
    assert html.count('class="badge text-bg-light border"') == 6  # every upcoming one marked
    assert "/accounts/login/?next=/" in html
    assert "data-user-name" not in html
    assert reverse("notifications:unread_count") not in html  # no badge for visitors


def test_the_portal_loads_the_bundled_assets_and_no_cdn(client: Client) -> None:
    html = client.get("/").content.decode()

    assert "/static/dist/app.css" in html
    assert "/static/dist/app.js" in html
    assert "/static/dist/echarts.js" not in html  # only pages with charts load ECharts
    assert "//cdn" not in html
    assert "https://" not in html


def test_a_signed_in_user_sees_their_name_sign_out_and_the_unread_badge_loader(
    client: Client,
) -> None:
    user = taxpayer_user(first_name="小明", last_name="王")
    client.force_login(user)

    html = client.get("/").content.decode()

    assert "data-user-name" in html
    assert user.display_name() in html
    assert f'action="{reverse("accounts:logout")}" method="post"' in html
    badge = reverse("notifications:unread_count")
    assert f'hx-get="{badge}" hx-trigger="load"' in html
    # The fragment the header loads exists and answers this user.
    fragment = client.get(badge)
    assert fragment.status_code == 200
    assert 'id="notifications-unread"' in fragment.content.decode()


def test_the_header_marks_the_current_space_and_page(client: Client) -> None:
    html = client.get("/").content.decode()

    assert 'class="space-portal"' in html
    assert 'aria-current="page" href="/"' in html


@pytest.mark.chinese
def test_the_language_switch_sets_the_cookie_and_renders_english_then_chinese_again(
    client: Client,
) -> None:
    # given a visitor on the Chinese portal
    assert 'lang="zh-CN"' in client.get("/").content.decode()

    # when they choose English in the header
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    # then the choice is kept in the language cookie and the portal speaks English
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert 'value="en" lang="en"' in html
    assert "Public portal" in html
    assert 'data-language="en">English</button>' in html.replace("\n", "")

    # and back to Chinese
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert 'lang="zh-CN"' in client.get("/").content.decode()


def test_the_language_switch_shows_both_languages_by_their_own_names(client: Client) -> None:
    html = " ".join(client.get("/").content.decode().split())

    assert "简体中文</button>" in html
    assert "English</button>" in html
    assert 'name="next" value="/"' in html


@pytest.mark.chinese
def test_an_unknown_language_is_ignored(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/"})

    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert 'lang="zh-CN"' in client.get("/").content.decode()


def test_a_foreign_next_address_is_not_followed(client: Client) -> None:
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "https://evil.example/phish"}
    )

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_the_portal_home_is_cheap(client: Client, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(0):
        assert client.get("/").status_code == 200
