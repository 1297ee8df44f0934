"""Changing the calendar: validated, audited in the same transaction, and seen at once by
:func:`get_calendar`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from taxlight.audit import services as audit
from taxlight.audit.models import LedgerEntry
from taxlight.workdays import services
from taxlight.workdays.calendar import PACKAGE_YEARS, UnknownHolidayYear
from taxlight.workdays.models import CalendarOverride, CalendarYear
from taxlight.workdays.selectors import get_calendar
from tests.factories import UserFactory

D = dt.date
NEXT = PACKAGE_YEARS.stop  # the first year the package does not know
NOTICE = "国办发明电〔2026〕N号"


@pytest.fixture
def admin() -> object:
    return UserFactory(username="calendar-admin", kind="staff")


def _entries(action: str) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(action=action).order_by("seq"))


@pytest.mark.django_db
def test_set_override_adds_a_day_and_audits_it(admin: object) -> None:
    row = services.set_override(
        actor=admin, date=D(2025, 10, 9), is_workday=False, name="台风停工", reason="市政府通知"
    )
    assert CalendarOverride.objects.get().pk == row.pk
    [entry] = _entries("workdays.override.add")
    assert entry.actor_id == admin.pk  # type: ignore[attr-defined]
    assert entry.object_type == "workdays.calendaroverride"
    assert entry.object_id == str(row.pk)
    assert entry.after == {
        "date": "2025-10-09",
        "is_workday": False,
        "name": "台风停工",
        "reason": "市政府通知",
    }
    assert entry.reason == "市政府通知"
    cal = get_calendar()
    assert not cal.is_workday(D(2025, 10, 9))
    assert cal.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 10)
    assert audit.verify().ok


@pytest.mark.django_db
def test_changing_an_override_records_before_and_after(admin: object) -> None:
    services.set_override(
        actor=admin, date=D(2025, 3, 8), is_workday=True, name="补班", reason="first notice"
    )
    services.set_override(
        actor=admin, date=D(2025, 3, 8), is_workday=False, name="补班", reason="corrected notice"
    )
    assert CalendarOverride.objects.count() == 1
    [entry] = _entries("workdays.override.change")
    assert entry.before == {"is_workday": True, "reason": "first notice"}
    assert entry.after == {"is_workday": False, "reason": "corrected notice"}
    assert not get_calendar().is_workday(D(2025, 3, 8))


@pytest.mark.django_db
def test_setting_the_same_override_again_records_nothing(admin: object) -> None:
    services.set_override(
        actor=admin, date=D(2025, 3, 8), is_workday=True, name="", reason="notice"
    )
    count = LedgerEntry.objects.count()
    services.set_override(
        actor=admin, date=D(2025, 3, 8), is_workday=True, name="", reason="notice"
    )
    assert LedgerEntry.objects.count() == count


@pytest.mark.django_db
def test_remove_override_restores_the_package_and_audits_it(admin: object) -> None:
    services.set_override(
        actor=admin, date=D(2025, 9, 28), is_workday=False, name="", reason="test"
    )
    assert not get_calendar().is_workday(D(2025, 9, 28))
    services.remove_override(actor=admin, date=D(2025, 9, 28), reason="entered by mistake")
    assert not CalendarOverride.objects.exists()
    [entry] = _entries("workdays.override.remove")
    assert entry.before is not None and entry.before["date"] == "2025-09-28"
    assert entry.after is None
    assert entry.reason == "entered by mistake"
    assert get_calendar().is_workday(D(2025, 9, 28))  # the package's make-up working day
    assert audit.verify().ok


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"reason": ""}, "reason"),
        ({"name": "节" * 51}, "name"),
        ({"date": dt.datetime(2025, 3, 8, tzinfo=dt.UTC)}, "date"),
        ({"date": "2025-03-08"}, "date"),
        ({"date": D(1900, 1, 1)}, "date"),
        ({"is_workday": "yes"}, "is_workday"),
    ],
)
@pytest.mark.django_db
def test_bad_overrides_are_refused_by_field_and_nothing_is_saved(
    admin: object, kwargs: dict[str, object], field: str
) -> None:
    args: dict[str, object] = {
        "date": D(2025, 3, 8),
        "is_workday": True,
        "name": "",
        "reason": "notice",
    } | kwargs
    with pytest.raises(ValidationError) as caught:
        services.set_override(actor=admin, **args)  # type: ignore[arg-type]
    assert field in caught.value.message_dict
    assert not CalendarOverride.objects.exists()
    assert not LedgerEntry.objects.exists()


@pytest.mark.django_db
def test_removing_a_missing_override_is_refused(admin: object) -> None:
    with pytest.raises(ValidationError) as caught:
        services.remove_override(actor=admin, date=D(2025, 3, 8), reason="tidy up")
    assert "date" in caught.value.message_dict
    assert not LedgerEntry.objects.exists()


@pytest.mark.django_db
def test_removing_needs_a_reason(admin: object) -> None:
    services.set_override(
        actor=admin, date=D(2025, 3, 8), is_workday=True, name="", reason="notice"
    )
    with pytest.raises(ValidationError) as caught:
        services.remove_override(actor=admin, date=D(2025, 3, 8), reason="")
    assert "reason" in caught.value.message_dict
    assert CalendarOverride.objects.exists()


def _enter_new_year_holidays(actor: object) -> None:
    """The bureau types in the first holidays of the next, not yet packaged, year."""
    services.set_override(
        actor=actor, date=D(NEXT, 1, 1), is_workday=False, name="元旦", reason=NOTICE
    )
    # declare_year wants at least one holiday on a weekday
    weekday = next(D(NEXT, 5, d) for d in range(1, 8) if D(NEXT, 5, d).weekday() < 5)
    services.set_override(actor=actor, date=weekday, is_workday=False, name="劳动节", reason=NOTICE)


@pytest.mark.django_db
def test_declaring_a_year_makes_the_calendar_know_it(admin: object) -> None:
    _enter_new_year_holidays(admin)
    with pytest.raises(UnknownHolidayYear):
        get_calendar().is_workday(D(NEXT, 3, 3))  # entered but not yet declared
    row = services.declare_year(actor=admin, year=NEXT, complete=True, source=NOTICE)
    [entry] = _entries("workdays.year.declare")
    assert entry.object_id == str(row.pk)
    assert entry.after == {"complete": True, "source": NOTICE, "year": NEXT}
    assert entry.reason == NOTICE
    cal = get_calendar()
    assert cal.year_source(NEXT) == "declared"
    assert not cal.is_workday(D(NEXT, 1, 1))
    assert cal.holiday_name(D(NEXT, 1, 1)) == "元旦"


@pytest.mark.django_db
def test_withdrawing_a_declaration_makes_the_year_unknown_again(admin: object) -> None:
    _enter_new_year_holidays(admin)
    services.declare_year(actor=admin, year=NEXT, complete=True, source=NOTICE)
    services.declare_year(
        actor=admin, year=NEXT, complete=False, source=NOTICE, reason="the notice was amended"
    )
    entries = _entries("workdays.year.declare")
    assert entries[-1].before == {"complete": True}
    assert entries[-1].after == {"complete": False}
    assert entries[-1].reason == "the notice was amended"
    with pytest.raises(UnknownHolidayYear):
        get_calendar().is_workday(D(NEXT, 3, 3))


@pytest.mark.django_db
def test_a_year_without_holidays_cannot_be_declared_complete(admin: object) -> None:
    # an empty year would silently count as weekends only
    with pytest.raises(ValidationError) as caught:
        services.declare_year(actor=admin, year=NEXT, complete=True, source=NOTICE)
    assert "complete" in caught.value.message_dict
    assert not CalendarYear.objects.exists()
    assert not LedgerEntry.objects.exists()


@pytest.mark.django_db
def test_a_declared_year_needs_its_source(admin: object) -> None:
    _enter_new_year_holidays(admin)
    with pytest.raises(ValidationError) as caught:
        services.declare_year(actor=admin, year=NEXT, complete=True, source=" ")
    assert "source" in caught.value.message_dict


@pytest.mark.parametrize("year", [1800, 3000, "2027", True])
@pytest.mark.django_db
def test_bad_years_are_refused(admin: object, year: object) -> None:
    with pytest.raises(ValidationError) as caught:
        services.declare_year(actor=admin, year=year, complete=False)  # type: ignore[arg-type]
    assert "year" in caught.value.message_dict


@pytest.mark.django_db
def test_a_year_in_progress_can_be_recorded_before_it_is_complete(admin: object) -> None:
    row = services.declare_year(actor=admin, year=NEXT, complete=False, source="draft")
    assert not row.complete
    assert not get_calendar().is_known_year(NEXT)


# --- the cache --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_calendar_is_cached_until_a_change(
    admin: object, django_assert_num_queries: object
) -> None:
    first = get_calendar()
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert get_calendar() is first
    services.set_override(
        actor=admin, date=D(2025, 3, 8), is_workday=True, name="", reason="notice"
    )
    second = get_calendar()
    assert second is not first
    assert second.is_workday(D(2025, 3, 8))
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert get_calendar() is second


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_is_not_served_from_the_cache(admin: object) -> None:
    get_calendar()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.set_override(
            actor=admin, date=D(2025, 3, 8), is_workday=True, name="", reason="notice"
        )
        assert get_calendar().is_workday(D(2025, 3, 8))  # the transaction sees its change
        raise RuntimeError("roll back")
    assert not CalendarOverride.objects.exists()
    assert not LedgerEntry.objects.exists()
    assert not get_calendar().is_workday(D(2025, 3, 8))
