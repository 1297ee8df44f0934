"""One error format for every error, in the caller's language.

Until the Chinese translations exist the messages are English in both languages, so these
tests assert the structure, the codes and the language the response was made in
(``Content-Language``), not Chinese text.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client, override_settings

from taxlight.authz.models import Role
from tests.api.factories import bearer, staff, token_for
from tests.factories import taxpayer_user

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "zh-hans"]
TEST_URLS = "tests.api.testapi"


def assert_error(
    response: Any, status: int, code: str, language: str | None = None
) -> dict[str, Any]:
    """The one format: {"error": {code, message, fields, request_id}}."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields", "request_id"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"].strip()
    assert isinstance(error["fields"], dict)
    assert error["request_id"] and error["request_id"] == response["X-Request-ID"]
    if language is not None:
        assert response["Content-Language"] == language
    return error


@pytest.mark.parametrize("language", LANGUAGES)
def test_not_signed_in(language: str) -> None:
    response = Client().get("/api/me", HTTP_ACCEPT_LANGUAGE=language)
    assert_error(response, 401, "not_signed_in", language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_second_factor_required(language: str, bureau: Any) -> None:
    client = Client()
    client.force_login(staff(Role.OFFICER, unit=bureau.north_tax).user)
    response = client.get("/api/me", HTTP_ACCEPT_LANGUAGE=language)
    assert_error(response, 401, "second_factor_required", language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_permission_denied_names_the_permission(language: str) -> None:
    client = Client()
    client.force_login(taxpayer_user())
    response = client.get("/api/audit/entries", HTTP_ACCEPT_LANGUAGE=language)
    error = assert_error(response, 403, "permission_denied", language)
    assert error["fields"] == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_invalid_query_parameters_are_reported_per_field(language: str, bureau: Any) -> None:
    _token, secret = token_for(staff(Role.DIRECTOR, unit=bureau.north_tax).user)
    response = Client().get(
        "/api/org/officers?page=abc&page_size=1000", HTTP_ACCEPT_LANGUAGE=language, **bearer(secret)
    )
    error = assert_error(response, 400, "invalid_input", language)
    assert set(error["fields"]) == {"page", "page_size"}
    assert all(
        messages and all(isinstance(m, str) for m in messages)
        for messages in error["fields"].values()
    )


def test_invalid_path_parameter_is_a_field_error(bureau: Any) -> None:
    _token, secret = token_for(staff(Role.DIRECTOR, unit=bureau.north_tax).user)
    response = Client().get("/api/taxpayers/not-a-code", **bearer(secret))
    error = assert_error(response, 400, "invalid_input")
    assert set(error["fields"]) == {"taxpayer_id"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_unknown_address_under_api(language: str) -> None:
    response = Client().get("/api/no/such/thing", HTTP_ACCEPT_LANGUAGE=language)
    assert_error(response, 404, "not_found", language)


def test_unknown_object_is_not_found_without_internals(bureau: Any) -> None:
    _token, secret = token_for(staff(Role.DIRECTOR, unit=bureau.north_tax).user)
    response = Client().get("/api/taxpayers/91110000MA0000000X", **bearer(secret))
    error = assert_error(response, 404, "not_found")
    assert "Taxpayer" not in error["message"] and "matching query" not in error["message"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_wrong_method(language: str) -> None:
    response = Client().delete("/api/health", HTTP_ACCEPT_LANGUAGE=language)
    assert_error(response, 405, "method_not_allowed", language)
    assert response["Allow"] == "GET"


def test_api_root_describes_the_api() -> None:
    response = Client().get("/api/")
    assert response.status_code == 200
    assert response.json()["docs"] == "/api/docs"
    assert response.json()["openapi"] == "/api/openapi.json"


def test_request_id_from_a_proxy_is_kept() -> None:
    response = Client().get("/api/me", HTTP_X_REQUEST_ID="proxy-req-12345678")
    assert assert_error(response, 401, "not_signed_in")["request_id"] == "proxy-req-12345678"


# --- through the test API: errors the real operations cannot provoke on demand ---------------


@override_settings(ROOT_URLCONF=TEST_URLS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_service_validation_error_keeps_its_fields(language: str) -> None:
    response = Client().post("/api/service-error", HTTP_ACCEPT_LANGUAGE=language)
    error = assert_error(response, 400, "invalid_input", language)
    assert error["fields"] == {"name": ["This name is taken."], "__all__": ["Nothing saved."]}


@override_settings(ROOT_URLCONF=TEST_URLS)
def test_invalid_body_is_reported_per_field_of_the_body() -> None:
    response = Client().post(
        "/api/echo/7", data={"name": "x", "count": "many"}, content_type="application/json"
    )
    error = assert_error(response, 400, "invalid_input")
    assert set(error["fields"]) == {"count"}


@override_settings(ROOT_URLCONF=TEST_URLS)
def test_missing_body_field_is_required() -> None:
    response = Client().post("/api/echo/7", data={"count": 1}, content_type="application/json")
    error = assert_error(response, 400, "invalid_input")
    assert set(error["fields"]) == {"name"}


@override_settings(ROOT_URLCONF=TEST_URLS)
def test_body_that_is_not_json() -> None:
    response = Client().post("/api/echo/7", data="{not json", content_type="application/json")
    error = assert_error(response, 400, "invalid_input")
    assert error["fields"]


@override_settings(ROOT_URLCONF=TEST_URLS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_unexpected_exception_is_a_500_without_internals(
    language: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="taxlight.api"):
        response = Client().get("/api/boom", HTTP_ACCEPT_LANGUAGE=language)
    error = assert_error(response, 500, "server_error", language)
    assert "hunter2" not in response.content.decode()
    assert "RuntimeError" not in response.content.decode()
    # but the operators get the whole story in the log, under the same request id
    assert any(r.exc_info and "hunter2" in str(r.exc_info[1]) for r in caplog.records)
    assert error["request_id"]


@override_settings(ROOT_URLCONF=TEST_URLS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_rate_limited(language: str) -> None:
    client = Client()
    assert client.get("/api/limited").status_code == 200
    response = client.get("/api/limited", HTTP_ACCEPT_LANGUAGE=language)
    assert_error(response, 429, "rate_limited", language)
    assert int(response["Retry-After"]) > 0


@override_settings(ROOT_URLCONF=TEST_URLS, DATA_UPLOAD_MAX_MEMORY_SIZE=100)
def test_too_large_body() -> None:
    response = Client().post(
        "/api/echo/7", data={"name": "x" * 500, "count": 1}, content_type="application/json"
    )
    assert_error(response, 413, "too_large")


def test_every_error_kind_has_a_distinct_code_in_the_docs() -> None:
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    for code in [
        "invalid_input",
        "invalid_token",
        "token_revoked",
        "token_expired",
        "account_disabled",
        "not_signed_in",
        "second_factor_required",
        "csrf_failed",
        "permission_denied",
        "not_found",
        "method_not_allowed",
        "too_large",
        "rate_limited",
        "bad_request",
        "server_error",
    ]:
        assert f"`{code}`" in docs, code
