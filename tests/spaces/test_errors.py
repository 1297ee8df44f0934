"""The 403, 404 and 500 pages: in both languages, and without the database."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.utils import translation
from django.views import defaults

from tests.factories import taxpayer_user


@pytest.mark.chinese
def test_an_unknown_address_gets_the_404_page_without_touching_the_database(
    client: Client,
) -> None:
    # no django_db mark: any query would fail the test
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert 'lang="zh-CN"' in html
    assert "404" in html
    assert "/no-such-page/" in html
    assert settings.TAXLIGHT_BUREAU_NAME in html


def test_the_404_page_speaks_english_when_chosen(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get("/no-such-page/").content.decode()

    assert '<html lang="en">' in html
    assert "We could not find this page" in html


def test_the_500_page_renders_without_a_request_or_database() -> None:
    request = RequestFactory().get("/")
    with translation.override("en"):
        response = defaults.server_error(request)

    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert '<html lang="en">' in html
    assert settings.TAXLIGHT_BUREAU_NAME in html
    assert "csrfmiddlewaretoken" not in html  # no form that could not work


@pytest.mark.chinese
def test_the_500_page_is_chinese_by_default() -> None:
    with translation.override(settings.LANGUAGE_CODE):
        response = defaults.server_error(RequestFactory().get("/"))

    assert 'lang="zh-CN"' in response.content.decode()


def test_the_403_handler_shows_the_reason_without_the_database() -> None:
    request = RequestFactory().get("/staff/")
    with translation.override("en"):
        response = defaults.permission_denied(request, PermissionDenied("No entry here."))

    html = response.content.decode()
    assert response.status_code == 403
    assert "You may not open this page" in html
    assert "No entry here." in html


@pytest.mark.django_db
def test_a_refused_page_explains_itself_in_the_users_language(client: Client) -> None:
    client.force_login(taxpayer_user())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get("/staff/")

    html = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="en">' in html
    assert "Open the staff workbench" in html  # the permission that is missing


def test_error_pages_offer_the_way_home(client: Any) -> None:
    html = client.get("/no-such-page/").content.decode()

    assert 'href="/"' in html
    assert 'action="/i18n/setlang/"' in html
