"""The adapter between access declarations and ninja (taxlight.api.routing)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.test import Client, override_settings

from taxlight.accounts.models import UserKind
from taxlight.api.routing import Router
from taxlight.audit.models import LedgerEntry
from taxlight.authz.models import Role
from tests.api.factories import bearer, staff, token_for
from tests.factories import UserFactory, taxpayer_user

TEST_URLS = "tests.api.testapi"


def test_an_operation_without_a_declaration_is_refused_at_import() -> None:
    router = Router()
    with pytest.raises(ImproperlyConfigured, match="declares no access"):

        @router.get("/leak")
        def leak(request: HttpRequest) -> dict[str, Any]:
            return {}


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=TEST_URLS)
def test_path_body_and_query_reach_a_decorated_operation() -> None:
    # the operation's module uses `from __future__ import annotations`: without the adapter,
    # ninja would resolve `Payload` in the decorator's module and read it from the query
    response = Client().post(
        "/api/echo/7?note=hi", data={"name": "x", "count": 3}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"item_id": 7, "name": "x", "count": 3, "note": "hi"}


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=TEST_URLS)
def test_access_is_checked_before_the_input() -> None:
    # anonymous and without the required parameter: told to sign in, not what to send
    response = Client().get("/api/needs-input")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_signed_in"
    # signed in and without it: now the input is checked
    client = Client()
    client.force_login(taxpayer_user())
    response = client.get("/api/needs-input")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"number"}


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=TEST_URLS)
def test_permission_is_checked_before_the_operation_runs() -> None:
    client = Client()
    client.force_login(taxpayer_user())
    response = client.get("/api/ledger-reader")
    assert response.status_code == 403


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=TEST_URLS)
def test_a_token_user_is_the_actor_in_the_ledger() -> None:
    # given an integration account calling with its token
    user = UserFactory(kind=UserKind.SYSTEM, username="erp-bridge")
    _token, secret = token_for(user)
    # when it changes something
    response = Client().post("/api/record", **bearer(secret))
    # then the ledger entry names it, the API channel and this request
    assert response.status_code == 200
    entry = LedgerEntry.objects.get(seq=response.json()["seq"])
    assert entry.actor_id == user.pk
    assert entry.channel == "api"
    assert entry.request_id == response["X-Request-ID"]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=TEST_URLS)
def test_a_staff_token_user_carries_role_and_post_into_the_ledger() -> None:
    officer = staff(Role.SUPERVISOR)
    _token, secret = token_for(officer.user)
    response = Client().post("/api/record", **bearer(secret))
    entry = LedgerEntry.objects.get(seq=response.json()["seq"])
    assert entry.role == "supervisor"
    assert entry.post == officer.post.code


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=TEST_URLS)
def test_an_operation_mounted_with_ninjas_own_router_fails_closed() -> None:
    response = Client().get("/api/plain/open")
    assert response.status_code == 401
    user = taxpayer_user()
    client = Client()
    client.force_login(user)
    assert client.get("/api/plain/open").status_code == 401
