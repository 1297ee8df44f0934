"""The taxpayer space: each user sees their own enterprises, and nothing of the staff's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from taxlight.accounts.models import TaxpayerMembership, UserKind
from taxlight.authz.models import Role
from tests.factories import TaxpayerFactory, UserFactory, officer_with_role, taxpayer_user
from tests.spaces.conftest import Bureau

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/my/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fmy%2F"


def test_a_taxpayer_sees_their_enterprises_registry_details(
    client: Client,
    bureau: Bureau,
) -> None:
    mine = bureau.east_taxpayers[0]
    mine.credit_grade = "A"
    mine.save()
    client.force_login(taxpayer_user(mine))

    response = client.get("/my/")

    assert response.status_code == 200
    html = response.content.decode()
    assert mine.name in html
    assert mine.taxpayer_id in html
    assert bureau.east.name in html
    assert mine.get_status_display() in html
    assert '<dd class="col-sm-8 col-lg-9">A</dd>' in html
    assert 'class="space-my"' in html


def test_a_taxpayer_sees_no_other_enterprise(client: Client, bureau: Bureau) -> None:
    client.force_login(taxpayer_user(bureau.east_taxpayers[0]))

    html = client.get("/my/").content.decode()

    for other in [*bureau.east_taxpayers[1:], *bureau.west_taxpayers]:
        assert other.name not in html
        assert other.taxpayer_id not in html


def test_a_user_bound_to_two_enterprises_sees_both_but_not_an_inactive_binding(
    client: Client,
    bureau: Bureau,
) -> None:
    user = taxpayer_user(bureau.east_taxpayers[0])
    TaxpayerMembership.objects.create(user=user, taxpayer=bureau.west_taxpayers[0])
    TaxpayerMembership.objects.create(user=user, taxpayer=bureau.west_taxpayers[1], active=False)
    client.force_login(user)

    html = client.get("/my/").content.decode()

    assert html.count("data-taxpayer=") == 2
    assert bureau.east_taxpayers[0].name in html
    assert bureau.west_taxpayers[0].name in html
    assert bureau.west_taxpayers[1].name not in html


def test_a_taxpayer_user_without_an_enterprise_is_refused(client: Client) -> None:
    client.force_login(UserFactory(kind=UserKind.TAXPAYER))

    response = client.get("/my/")

    assert response.status_code == 403
    assert "This page is for users bound to an enterprise." in response.content.decode()


def test_staff_are_refused_in_the_taxpayer_space(
    verified_client: Callable[[Any], Client],
) -> None:
    officer = officer_with_role(Role.DIRECTOR)
    TaxpayerMembership.objects.create(user=officer.user, taxpayer=TaxpayerFactory())

    response = verified_client(officer.user).get("/my/")

    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/staff/", "/staff/org/"])
def test_a_taxpayer_is_refused_on_staff_pages(
    client: Client,
    bureau: Bureau,
    path: str,
) -> None:
    client.force_login(taxpayer_user(bureau.east_taxpayers[0]))

    response = client.get(path)

    assert response.status_code == 403
    assert bureau.east.name not in response.content.decode()


def test_the_taxpayer_home_is_cheap(
    client: Client,
    bureau: Bureau,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(taxpayer_user(bureau.east_taxpayers[0]))

    with django_assert_max_num_queries(4):  # session, user, bindings (ids), bindings (rows)
        assert client.get("/my/").status_code == 200
