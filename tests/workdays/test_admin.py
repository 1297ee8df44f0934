"""The configuration admin edits the calendar through the services, so every edit is
validated and lands in the audit ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from taxlight.audit.models import LedgerEntry
from taxlight.authz.models import Role
from taxlight.workdays.calendar import PACKAGE_YEARS
from taxlight.workdays.models import CalendarOverride, CalendarYear
from taxlight.workdays.selectors import get_calendar
from tests.factories import officer_with_role

pytestmark = pytest.mark.django_db
NEXT = PACKAGE_YEARS.stop


@pytest.fixture
def sysadmin() -> Any:
    """A system administrator who may use the admin and holds workdays.manage."""
    user = officer_with_role(Role.SYSADMIN).user
    assert user is not None
    user.is_staff = True
    user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def client_for(sysadmin: Any, verified_client: Callable[[Any], Client]) -> Client:
    return verified_client(sysadmin)


def test_adding_an_override_in_the_admin_is_audited(client_for: Client, sysadmin: Any) -> None:
    response = client_for.post(
        reverse("admin:workdays_calendaroverride_add"),
        {"date": "2025-10-09", "is_workday": "", "name": "台风停工", "reason": "市政府通知"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = CalendarOverride.objects.get()
    assert (row.date, row.is_workday, row.name) == (dt.date(2025, 10, 9), False, "台风停工")
    entry = LedgerEntry.objects.get(action="workdays.override.add")
    assert entry.actor_id == sysadmin.pk
    assert not get_calendar().is_workday(dt.date(2025, 10, 9))


def test_a_bad_override_shows_field_errors_and_saves_nothing(client_for: Client) -> None:
    response = client_for.post(
        reverse("admin:workdays_calendaroverride_add"),
        {"date": "1900-01-01", "is_workday": "on", "name": "", "reason": ""},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "reason" in errors and "date" in errors
    assert not CalendarOverride.objects.exists()
    assert not LedgerEntry.objects.filter(action__startswith="workdays.").exists()


def test_changing_and_deleting_in_the_admin_go_through_the_services(client_for: Client) -> None:
    client_for.post(
        reverse("admin:workdays_calendaroverride_add"),
        {"date": "2025-03-08", "is_workday": "on", "name": "", "reason": "notice"},
    )
    row = CalendarOverride.objects.get()
    response = client_for.post(
        reverse("admin:workdays_calendaroverride_change", args=[row.pk]),
        {"is_workday": "", "name": "", "reason": "corrected"},
    )
    assert response.status_code == 302
    assert LedgerEntry.objects.filter(action="workdays.override.change").count() == 1
    response = client_for.post(
        reverse("admin:workdays_calendaroverride_delete", args=[row.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not CalendarOverride.objects.exists()
    entry = LedgerEntry.objects.get(action="workdays.override.remove")
    assert entry.reason == "removed in the configuration admin"


def test_bulk_delete_in_the_admin_is_audited_per_day(client_for: Client) -> None:
    for day in ("2025-03-08", "2025-03-09"):
        client_for.post(
            reverse("admin:workdays_calendaroverride_add"),
            {"date": day, "is_workday": "on", "name": "", "reason": "notice"},
        )
    ids = [str(pk) for pk in CalendarOverride.objects.values_list("pk", flat=True)]
    response = client_for.post(
        reverse("admin:workdays_calendaroverride_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert not CalendarOverride.objects.exists()
    assert LedgerEntry.objects.filter(action="workdays.override.remove").count() == 2


def test_declaring_an_empty_year_in_the_admin_is_refused(client_for: Client) -> None:
    response = client_for.post(
        reverse("admin:workdays_calendaryear_add"),
        {"year": str(NEXT), "complete": "on", "source": "notice"},
    )
    assert response.status_code == 200
    assert "complete" in response.context["adminform"].form.errors
    assert not CalendarYear.objects.exists()


def test_declaring_a_year_in_the_admin_is_audited(client_for: Client) -> None:
    client_for.post(
        reverse("admin:workdays_calendaroverride_add"),
        {"date": f"{NEXT}-01-01", "is_workday": "", "name": "元旦", "reason": "notice"},
    )
    weekday = next(dt.date(NEXT, 5, d) for d in range(1, 8) if dt.date(NEXT, 5, d).weekday() < 5)
    client_for.post(
        reverse("admin:workdays_calendaroverride_add"),
        {"date": weekday.isoformat(), "is_workday": "", "name": "劳动节", "reason": "notice"},
    )
    response = client_for.post(
        reverse("admin:workdays_calendaryear_add"),
        {"year": str(NEXT), "complete": "on", "source": "国办发明电"},
    )
    assert response.status_code == 302
    assert LedgerEntry.objects.filter(action="workdays.year.declare").count() == 1
    assert get_calendar().is_known_year(NEXT)
    # years are withdrawn by unticking "complete", never deleted
    row = CalendarYear.objects.get()
    response = client_for.get(reverse("admin:workdays_calendaryear_delete", args=[row.pk]))
    assert response.status_code == 403


def test_without_workdays_manage_the_admin_shows_nothing(
    verified_client: Callable[[Any], Client],
) -> None:
    user = officer_with_role(Role.SUPERVISOR).user
    assert user is not None
    user.is_staff = True  # a Django staff flag alone opens nothing: no workdays.manage
    user.save()
    client = verified_client(user)
    assert client.get(reverse("admin:workdays_calendaroverride_changelist")).status_code == 403
    response = client.post(
        reverse("admin:workdays_calendaroverride_add"),
        {"date": "2025-03-08", "is_workday": "on", "name": "", "reason": "notice"},
    )
    assert response.status_code == 403
    assert not CalendarOverride.objects.exists()
