"""The API's two authentications: bearer tokens for integrations, the session (with its
second factor and CSRF) for the browser."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from taxlight.accounts.models import ApiToken, UserKind
from taxlight.authz.models import Role
from tests.api.factories import bearer, expired_token, revoked_token, staff, token_for
from tests.factories import UserFactory, taxpayer_user

pytestmark = pytest.mark.django_db


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


# --- bearer tokens ----------------------------------------------------------------------------


def test_a_valid_token_authenticates_without_a_second_factor(bureau: Any) -> None:
    # given an officer with an API token (integrations cannot type a TOTP code)
    officer = staff(Role.OFFICER, unit=bureau.north_tax)
    _token, secret = token_for(officer.user)
    # when the integration calls with the token
    response = Client().get("/api/me", **bearer(secret))
    # then it is the officer, authenticated by token
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == officer.user.username
    assert body["authenticated_by"] == "token"
    assert body["officer"]["officer_id"] == officer.officer_id


def test_a_token_grants_what_its_user_may_do_and_no_more(bureau: Any) -> None:
    officer = staff(Role.OFFICER, unit=bureau.north_tax)  # no audit.verify
    _token, secret = token_for(officer.user)
    response = Client().post("/api/audit/verify", **bearer(secret))
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


def test_a_wrong_secret_for_a_real_prefix_is_refused() -> None:
    user = UserFactory(kind=UserKind.SYSTEM)
    token, secret = token_for(user)
    tampered = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    assert tampered.startswith(f"tl_{token.prefix}_")
    response = Client().get("/api/me", **bearer(tampered))
    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "invalid_token"
    assert "Bearer" in response["WWW-Authenticate"]


def test_an_unknown_token_is_refused() -> None:
    response = Client().get("/api/me", **bearer("tl_0123abcd_" + "x" * 43))
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_token"


def test_a_revoked_token_is_refused() -> None:
    _token, secret = revoked_token(UserFactory(kind=UserKind.SYSTEM))
    response = Client().get("/api/me", **bearer(secret))
    assert response.status_code == 401
    assert error_of(response)["code"] == "token_revoked"


def test_an_expired_token_is_refused() -> None:
    _token, secret = expired_token(UserFactory(kind=UserKind.SYSTEM))
    response = Client().get("/api/me", **bearer(secret))
    assert response.status_code == 401
    assert error_of(response)["code"] == "token_expired"


def test_a_token_of_a_disabled_account_is_refused() -> None:
    user = UserFactory(kind=UserKind.SYSTEM)
    _token, secret = token_for(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = Client().get("/api/me", **bearer(secret))
    assert response.status_code == 401
    assert error_of(response)["code"] == "account_disabled"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",  # no token
        "Bearer ",  # blank token
        "Basic dXNlcjpwYXNz",  # another scheme
        "Token tl_0123abcd_secret",  # another scheme name
        "Bearer not-a-taxlight-token",  # not our format
        "Bearer tl_XYZ_short",  # wrong prefix and secret shape
        "tl_0123abcd_" + "x" * 43,  # no scheme at all
    ],
)
def test_a_malformed_authorization_header_is_refused_not_ignored(header: str) -> None:
    # given a public operation (a missing header would be fine there)
    response = Client().get("/api/health", HTTP_AUTHORIZATION=header)
    # then a present-but-bad header is still an error: the caller meant to authenticate
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_token"


def test_the_token_wins_over_a_session_and_needs_no_csrf(bureau: Any) -> None:
    # given a browser session of one person and a token of a supervisor
    taxpayer = taxpayer_user()
    client = Client(enforce_csrf_checks=True)
    client.force_login(taxpayer)
    supervisor = staff(Role.SUPERVISOR, unit=bureau.north_tax)
    _token, secret = token_for(supervisor.user)
    # when a POST carries the token but no CSRF token
    response = client.post("/api/audit/verify", **bearer(secret))
    # then the token's user acts, and CSRF does not apply (a token cannot be forged by a
    # third-party page)
    assert response.status_code == 200
    assert response.json()["ok"] is True


def test_last_used_is_written_at_most_once_a_minute() -> None:
    token, secret = token_for(UserFactory(kind=UserKind.SYSTEM))
    assert token.last_used_at is None
    Client().get("/api/me", **bearer(secret))
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    # a second call within the minute leaves it alone
    Client().get("/api/me", **bearer(secret))
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    # once the last use is older than a minute, it moves
    older = timezone.now() - dt.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=older)
    Client().get("/api/me", **bearer(secret))
    assert ApiToken.objects.get(pk=token.pk).last_used_at > older


def test_a_refused_token_is_not_marked_as_used() -> None:
    token, secret = revoked_token(UserFactory(kind=UserKind.SYSTEM))
    Client().get("/api/me", **bearer(secret))
    assert ApiToken.objects.get(pk=token.pk).last_used_at is None


# --- session ------------------------------------------------------------------------------------


def test_staff_session_with_verified_second_factor_is_accepted(
    bureau: Any, verified_client: Any
) -> None:
    officer = staff(Role.OFFICER, unit=bureau.north_tax)
    response = verified_client(officer.user).get("/api/me")
    assert response.status_code == 200
    body = response.json()
    assert body["authenticated_by"] == "session"
    assert body["second_factor_verified"] is True


def test_staff_session_without_second_factor_is_refused(bureau: Any) -> None:
    officer = staff(Role.OFFICER, unit=bureau.north_tax)
    client = Client()
    client.force_login(officer.user)  # password step only
    response = client.get("/api/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "second_factor_required"


def test_taxpayer_session_needs_no_second_factor() -> None:
    user = taxpayer_user()
    client = Client()
    client.force_login(user)
    response = client.get("/api/me")
    assert response.status_code == 200
    assert response.json()["kind"] == "taxpayer"


def test_no_credentials_at_all_is_not_signed_in() -> None:
    response = Client().get("/api/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_signed_in"


def test_session_post_without_csrf_token_is_refused(bureau: Any, verified_client: Any) -> None:
    supervisor = staff(Role.SUPERVISOR, unit=bureau.north_tax)
    client = verified_client(supervisor.user)
    client.handler.enforce_csrf_checks = True
    response = client.post("/api/audit/verify")
    assert response.status_code == 403
    assert error_of(response)["code"] == "csrf_failed"


def test_session_post_with_csrf_token_is_accepted(bureau: Any, verified_client: Any) -> None:
    supervisor = staff(Role.SUPERVISOR, unit=bureau.north_tax)
    client = verified_client(supervisor.user)
    client.handler.enforce_csrf_checks = True
    # the browser got its CSRF cookie from a page (here: the API docs)
    client.get("/api/docs")
    csrf = client.cookies["csrftoken"].value
    response = client.post("/api/audit/verify", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200


def test_session_get_needs_no_csrf_token(bureau: Any, verified_client: Any) -> None:
    officer = staff(Role.OFFICER, unit=bureau.north_tax)
    client = verified_client(officer.user)
    client.handler.enforce_csrf_checks = True
    assert client.get("/api/me").status_code == 200
