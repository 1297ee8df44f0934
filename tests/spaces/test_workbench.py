"""The staff workbench: who may enter, what they see, how far their scope reaches."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from taxlight.accounts.models import UserKind
from taxlight.authz.models import Role, Scope
from tests.factories import (
    OfficerFactory,
    TaxpayerFactory,
    UnitFactory,
    UserFactory,
    grant,
    officer_with_role,
)
from tests.spaces.conftest import Bureau

pytestmark = pytest.mark.django_db

Verified = Callable[[Any], Client]


def chart_option(html: str, element_id: str) -> dict[str, Any]:
    found = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, f"no chart data {element_id!r} in the page"
    return dict(json.loads(found.group(1)))


@pytest.mark.parametrize("path", ["/staff/", "/staff/org/"])
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_staff_without_the_second_factor_are_sent_to_the_code_step(
    client: Client,
    bureau: Bureau,
) -> None:
    client.force_login(bureau.east_officer.user)

    response = client.get("/staff/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/")


def test_staff_without_workbench_access_are_refused(verified: Verified, bureau: Bureau) -> None:
    # west_officer holds no role at all
    response = verified(bureau.west_officer.user).get("/staff/")

    assert response.status_code == 403


def test_a_content_editor_enters_the_workbench_but_not_the_organisation(
    verified: Verified,
) -> None:
    editor = officer_with_role(Role.CONTENT_EDITOR)
    client = verified(editor.user)

    home = client.get("/staff/")
    org = client.get("/staff/org/")

    assert home.status_code == 200
    assert 'href="/staff/org/"' not in home.content.decode()
    assert "No taxpayers are within your scope." in home.content.decode()
    assert org.status_code == 403


def test_the_home_shows_the_officers_post_department_and_roles(
    verified: Verified,
    bureau: Bureau,
) -> None:
    officer = bureau.east_officer

    html = verified(officer.user).get("/staff/").content.decode()

    assert officer.name in html
    assert officer.officer_id in html
    assert officer.post.name in html
    assert bureau.east_dept.name in html
    assert bureau.east.name in html  # the branch above the department
    assert "Officer</td><td>Own unit</td>" in html.replace("\n", "")
    assert 'class="space-staff"' in html
    assert "/static/dist/echarts.js" in html
    assert 'href="/staff/org/"' in html  # officers hold org.view


@pytest.mark.parametrize(
    ("days", "state"), [(10, "expiring"), (30, "expiring"), (0, "expiring"), (-1, "expired")]
)
def test_a_qualification_near_its_end_is_warned_about(
    verified: Verified,
    bureau: Bureau,
    days: int,
    state: str,
) -> None:
    officer = bureau.east_officer
    officer.certified_until = timezone.localdate() + dt.timedelta(days=days)
    officer.save()

    html = verified(officer.user).get("/staff/").content.decode()

    assert f'data-qualification="{state}"' in html


def test_a_qualification_valid_for_long_is_not_warned_about(
    verified: Verified,
    bureau: Bureau,
) -> None:
    officer = bureau.east_officer
    officer.certified_until = timezone.localdate() + dt.timedelta(days=31)
    officer.save()

    html = verified(officer.user).get("/staff/").content.decode()

    assert "data-qualification=" not in html


def test_an_account_without_an_officer_record_still_gets_a_home(verified: Verified) -> None:
    user = UserFactory(kind=UserKind.STAFF)
    grant(user, Role.SYSADMIN)

    response = verified(user).get("/staff/")

    assert response.status_code == 200
    assert "No active officer record is linked to your account." in response.content.decode()


def test_the_chart_counts_taxpayers_per_branch_across_the_bureau(
    verified: Verified,
    bureau: Bureau,
) -> None:
    director = officer_with_role(Role.DIRECTOR, Scope.BUREAU)

    html = verified(director.user).get("/staff/").content.decode()

    option = chart_option(html, "chart-taxpayers-per-branch")
    assert option["yAxis"]["data"] == [bureau.east.name, bureau.west.name]
    assert option["series"][0]["data"] == [3, 2]
    assert 'data-chart="chart-taxpayers-per-branch"' in html


def test_the_chart_is_narrowed_to_the_officers_own_branch(
    verified: Verified,
    bureau: Bureau,
) -> None:
    html = verified(bureau.east_officer.user).get("/staff/").content.decode()

    option = chart_option(html, "chart-taxpayers-per-branch")
    assert option["yAxis"]["data"] == [bureau.east.name]
    assert option["series"][0]["data"] == [3]
    assert bureau.west.name not in html


def test_the_workbench_home_makes_a_bounded_number_of_queries(
    verified: Verified,
    bureau: Bureau,
    django_assert_max_num_queries: Any,
) -> None:
    # given many more taxpayers and branches than the fixture has
    for i in range(5):
        branch = UnitFactory(code=f"B9{i}", parent=bureau.bureau)
        for _ in range(3):
            TaxpayerFactory(unit=branch)
    client = verified(bureau.east_officer.user)

    # then the count stays fixed: session, user, device, officer and post (middleware), grants
    # with their anchor units (authz), the officer record and the one aggregate query
    with django_assert_max_num_queries(13):
        assert client.get("/staff/").status_code == 200


# --- organisation ----------------------------------------------------------------------------


def test_the_organisation_page_shows_units_and_officers_in_scope(
    verified: Verified,
    bureau: Bureau,
) -> None:
    html = verified(bureau.east_officer.user).get("/staff/org/").content.decode()

    assert bureau.east.name in html
    assert bureau.east_dept.name in html
    assert bureau.east_officer.name in html
    assert bureau.west.name not in html
    assert bureau.west_dept.name not in html
    assert bureau.west_officer.name not in html
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert bureau.bureau.name not in main  # not the bureau root itself


def test_mobile_numbers_are_masked_without_pii_view(verified: Verified, bureau: Bureau) -> None:
    director = officer_with_role(Role.DIRECTOR, Scope.BUREAU)  # org.view but not pii.view

    html = verified(director.user).get("/staff/org/").content.decode()

    assert "138****5678" in html
    assert "139****4321" in html
    assert "13812345678" not in html
    assert "13987654321" not in html


def test_mobile_numbers_are_shown_in_full_with_pii_view(verified: Verified, bureau: Bureau) -> None:
    supervisor = officer_with_role(Role.SUPERVISOR, Scope.BUREAU)

    html = verified(supervisor.user).get("/staff/org/").content.decode()

    assert "13812345678" in html
    assert "13987654321" in html
    assert "****" not in html


def test_pii_view_reaches_only_as_far_as_its_scope(verified: Verified, bureau: Bureau) -> None:
    # given a department head of the east department (pii.view there) who also holds
    # org.view over the whole bureau as director
    head = OfficerFactory(unit=bureau.east_dept)
    grant(head.user, Role.DEPARTMENT_HEAD, Scope.DEPARTMENT)
    grant(head.user, Role.DIRECTOR, Scope.BUREAU)

    html = verified(head.user).get("/staff/org/").content.decode()

    assert "13812345678" in html  # east: within the department head's reach
    assert "139****4321" in html  # west: visible, but masked
    assert "13987654321" not in html


def test_choosing_a_unit_lists_only_its_officers(verified: Verified, bureau: Bureau) -> None:
    director = officer_with_role(Role.DIRECTOR, Scope.BUREAU)
    client = verified(director.user)

    html = client.get("/staff/org/", {"unit": bureau.west.pk}).content.decode()

    assert bureau.west_officer.name in html
    assert bureau.east_officer.name not in html
    assert (
        f'href="?unit={bureau.west.pk}" hx-get="?unit={bureau.west.pk}" aria-current="true"' in html
    )


@pytest.mark.parametrize("unit", ["abc", "999999", "-1"])
def test_a_bad_or_foreign_unit_is_reported_and_everything_in_scope_listed(
    verified: Verified,
    bureau: Bureau,
    unit: str,
) -> None:
    html = verified(bureau.east_officer.user).get("/staff/org/", {"unit": unit}).content.decode()

    assert "That unit does not exist or is outside what you may see" in html
    assert bureau.east_officer.name in html


def test_a_unit_outside_the_scope_is_refused_like_an_unknown_one(
    verified: Verified,
    bureau: Bureau,
) -> None:
    html = (
        verified(bureau.east_officer.user)
        .get("/staff/org/", {"unit": bureau.west.pk})
        .content.decode()
    )

    assert "That unit does not exist or is outside what you may see" in html
    assert bureau.west_officer.name not in html


def test_htmx_requests_get_only_the_panel(verified: Verified, bureau: Bureau) -> None:
    client = verified(bureau.east_officer.user)

    response = client.get("/staff/org/", {"unit": bureau.east_dept.pk}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="org-panel"')
    assert "<html" not in html
    assert bureau.east_officer.name in html


def test_the_officers_list_is_paged(verified: Verified, bureau: Bureau) -> None:
    for _ in range(55):
        OfficerFactory(unit=bureau.east_dept, mobile="")
    client = verified(bureau.east_officer.user)

    first = client.get("/staff/org/").content.decode()
    second = client.get("/staff/org/", {"page": 2}).content.decode()
    beyond = client.get("/staff/org/", {"page": "nonsense"})

    assert first.count("data-officer=") == 50
    assert second.count("data-officer=") == 6
    assert beyond.status_code == 200


def test_the_organisation_page_makes_a_bounded_number_of_queries(
    verified: Verified,
    bureau: Bureau,
    django_assert_max_num_queries: Any,
) -> None:
    for _ in range(20):
        OfficerFactory(unit=bureau.east_dept)
    client = verified(officer_with_role(Role.SUPERVISOR, Scope.BUREAU).user)

    with django_assert_max_num_queries(12):
        assert client.get("/staff/org/").status_code == 200


@pytest.mark.chinese
def test_unit_links_carry_plain_ids_whatever_their_size(verified: Verified, bureau: Bureau) -> None:
    # Ids past 999 once came out localised ("?unit=1,062") and the link chose nothing.
    from tests.factories import DepartmentFactory

    big = DepartmentFactory(pk=1062, code="B01-D9", name="东城第九科", parent=bureau.east)
    html = verified(bureau.east_officer.user).get("/staff/org/").content.decode()

    assert f'href="?unit={big.pk}"' in html
    assert "1,062" not in html
