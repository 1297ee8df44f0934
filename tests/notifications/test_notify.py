"""notify(): one message per channel, idempotent, honouring opt-outs, quiet hours, the daily
limit and address validation; sending is enqueued only after commit."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from taxlight.audit.models import LedgerEntry
from taxlight.audit.services import verify
from taxlight.notifications.models import (
    Message,
    MessageEvent,
    NotificationPreference,
    Status,
    SuppressReason,
)
from taxlight.notifications.services import (
    NotifyError,
    dispatch_due,
    notify,
    set_preference,
)
from tests.notifications.conftest import DAYTIME
from tests.notifications.factories import recipient, send_matter

LOCKED = {"username": "zhangsan", "minutes": 30}


def sms_lines(settings: Any) -> list[dict[str, Any]]:
    path = Path(settings.SMS_FILE_PATH) / "sms.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- channels and idempotency ---------------------------------------------------------------


@pytest.mark.django_db
def test_one_message_per_channel_of_the_kind() -> None:
    user = recipient()
    msgs = send_matter(recipient=user, now=DAYTIME)
    assert sorted(m.channel for m in msgs) == ["email", "site", "sms"]
    by = {m.channel: m for m in msgs}
    assert by["sms"].address == user.mobile and by["sms"].status == Status.QUEUED
    assert by["email"].address == user.email and by["email"].status == Status.QUEUED
    assert by["site"].status == Status.DELIVERED and by["site"].delivered_at == DAYTIME


@pytest.mark.django_db
def test_the_same_idempotency_key_returns_the_same_messages_and_sends_nothing_twice(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = recipient()
    # when the caller retries the same event three times
    with django_capture_on_commit_callbacks(execute=True) as first:
        a = send_matter("matter-accepted:42", recipient=user)
    with django_capture_on_commit_callbacks(execute=True) as again:
        b = send_matter("matter-accepted:42", recipient=user)
        c = send_matter("matter-accepted:42", recipient=user, channels=["sms"])
    # then there is one set of messages, sent once
    assert {m.pk for m in a} == {m.pk for m in b} == {m.pk for m in c}
    assert Message.objects.count() == 3
    assert len(first) == 2 and len(again) == 0  # sms + email enqueued once; site needs none
    assert len(sms_lines(settings)) == 1


@pytest.mark.django_db
def test_an_idempotency_key_reused_for_another_kind_is_a_programming_error() -> None:
    user = recipient()
    send_matter("key-1", recipient=user, now=DAYTIME)
    with pytest.raises(NotifyError, match="used for another kind"):
        notify(
            kind="security.login_locked",
            recipient=user,
            context=LOCKED,
            idempotency_key="key-1",
            now=DAYTIME,
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({}, "needs a recipient or an address"),
        ({"address": "13812345678", "channels": ["email"]}, "can only receive sms"),
        ({"address": "a@example.com", "channels": ["site"]}, "only receive email, not site"),
        ({"address": "13812345678", "channels": ["fax"]}, "unknown channel"),
        ({"address": "13812345678", "channels": []}, "must not be empty"),
    ],
)
def test_calls_that_can_never_succeed_are_refused(kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises(NotifyError, match=error):
        send_matter(now=DAYTIME, **kwargs)
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_channel_the_kind_does_not_use_is_refused() -> None:
    with pytest.raises(NotifyError, match="is not sent by sms"):
        notify(
            kind="policy.published",
            recipient=recipient(),
            channels=["sms"],
            context={"title": "t", "url": "u"},
            idempotency_key="k",
            now=DAYTIME,
        )


@pytest.mark.django_db
@pytest.mark.chinese  # someone without an account gets the bureau's default language
def test_an_address_alone_reaches_someone_without_an_account() -> None:
    [msg] = send_matter(address="+86 139-0000-1234", now=DAYTIME)
    assert msg.channel == "sms" and msg.recipient is None
    assert msg.address == "13900001234" and msg.language == "zh-hans"
    [mail] = send_matter(address="Li.Si@Example.com", language="en", now=DAYTIME)
    assert mail.channel == "email" and mail.address == "Li.Si@example.com"
    assert mail.language == "en"


# --- suppression ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("mobile", ["12345", "02012345678", "+14155550123", "1381234567x"])
def test_invalid_mobile_numbers_are_suppressed_not_sent(mobile: str) -> None:
    user = recipient(mobile=mobile)
    by = {m.channel: m for m in send_matter(recipient=user, now=DAYTIME)}
    assert by["sms"].status == Status.SUPPRESSED
    assert by["sms"].suppressed_reason == SuppressReason.INVALID_ADDRESS
    assert by["email"].status == Status.QUEUED  # the other channels still go


@pytest.mark.django_db
def test_missing_and_invalid_addresses_are_recorded_with_their_reason() -> None:
    user = recipient(mobile="", email="not-an-address")
    by = {m.channel: m for m in send_matter(recipient=user, now=DAYTIME)}
    assert by["sms"].suppressed_reason == SuppressReason.NO_ADDRESS
    assert by["email"].suppressed_reason == SuppressReason.INVALID_ADDRESS
    assert dispatch_due(now=DAYTIME + dt.timedelta(hours=1)) == 0


@pytest.mark.django_db
def test_a_recipient_who_opted_out_of_a_category_gets_nothing_there(settings: Any) -> None:
    # given a taxpayer who turned off matter updates by SMS
    user = recipient()
    set_preference(actor=user, user=user, category="matter", channel="sms", opted_out=True)
    # when a matter is accepted
    by = {m.channel: m for m in send_matter(recipient=user, now=DAYTIME)}
    dispatch_due(now=DAYTIME)
    # then the SMS is suppressed (and recorded), the e-mail and inbox message are not
    assert by["sms"].status == Status.SUPPRESSED
    assert by["sms"].suppressed_reason == SuppressReason.OPTED_OUT
    assert sms_lines(settings) == []
    assert Message.objects.get(pk=by["email"].pk).status == Status.SENT
    assert by["site"].status == Status.DELIVERED


@pytest.mark.django_db
def test_opting_back_in_restores_delivery() -> None:
    user = recipient()
    set_preference(actor=user, user=user, category="matter", channel="sms", opted_out=True)
    set_preference(actor=user, user=user, category="matter", channel="sms", opted_out=False)
    by = {m.channel: m for m in send_matter(recipient=user, now=DAYTIME)}
    assert by["sms"].status == Status.QUEUED


@pytest.mark.django_db
def test_security_messages_cannot_be_opted_out_of() -> None:
    user = recipient()
    # the service refuses ...
    with translation.override("en"), pytest.raises(ValidationError, match="cannot be turned off"):
        set_preference(actor=user, user=user, category="security", channel="sms", opted_out=True)
    # ... and even a row written behind its back is ignored
    NotificationPreference.objects.create(
        user=user, category="security", channel="sms", opted_out=True
    )
    msgs = notify(
        kind="security.login_locked",
        recipient=user,
        context=LOCKED,
        idempotency_key="lock-1",
        now=DAYTIME,
    )
    assert all(m.status != Status.SUPPRESSED for m in msgs)


# --- quiet hours ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_sms_in_quiet_hours_waits_until_the_window_ends(settings: Any) -> None:
    # given 22:30 in Shanghai
    late = DAYTIME.replace(hour=22, minute=30)
    morning = (DAYTIME + dt.timedelta(days=1)).replace(hour=8, minute=0)
    user = recipient()
    # when a matter is accepted
    by = {m.channel: m for m in send_matter(recipient=user, now=late)}
    # then the SMS is queued until 08:00; the e-mail and inbox message go now
    assert by["sms"].status == Status.QUEUED and by["sms"].next_attempt_at == morning
    assert by["email"].next_attempt_at == late
    dispatch_due(now=late)
    dispatch_due(now=morning - dt.timedelta(minutes=1))
    assert sms_lines(settings) == []
    assert Message.objects.get(pk=by["email"].pk).status == Status.SENT
    # and at 08:00 it is sent
    dispatch_due(now=morning)
    assert Message.objects.get(pk=by["sms"].pk).status == Status.DELIVERED  # file backend
    assert len(sms_lines(settings)) == 1


@pytest.mark.django_db
def test_security_sms_bypasses_quiet_hours(settings: Any) -> None:
    late = DAYTIME.replace(hour=23)
    msgs = notify(
        kind="security.login_locked",
        recipient=recipient(),
        context=LOCKED,
        idempotency_key="lock",
        channels=["sms"],
        now=late,
    )
    assert msgs[0].next_attempt_at == late
    dispatch_due(now=late)
    assert len(sms_lines(settings)) == 1


@pytest.mark.django_db
def test_a_retry_that_falls_into_quiet_hours_is_held_too(settings: Any) -> None:
    # given an SMS queued in the day whose retry comes due at 21:10
    [msg] = send_matter(address="13812345678", now=DAYTIME)
    at_night = DAYTIME.replace(hour=21, minute=10)
    Message.objects.filter(pk=msg.pk).update(next_attempt_at=at_night)
    # when the sweep runs then
    dispatch_due(now=at_night)
    # then nothing is sent and it waits for the morning
    msg.refresh_from_db()
    assert msg.status == Status.QUEUED and msg.attempts == 0
    assert msg.next_attempt_at == (DAYTIME + dt.timedelta(days=1)).replace(hour=8)
    assert sms_lines(settings) == []


# --- daily limit ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_number_gets_at_most_the_daily_limit_of_sms(settings: Any) -> None:
    settings.SMS_DAILY_LIMIT_PER_NUMBER = 3
    number = "13812345678"
    statuses = [
        send_matter(address=number, now=DAYTIME + dt.timedelta(minutes=i))[0].status
        for i in range(5)
    ]
    assert statuses == [Status.QUEUED] * 3 + [Status.SUPPRESSED] * 2
    assert Message.objects.filter(suppressed_reason=SuppressReason.QUOTA).count() == 2
    # another number is not affected; and the next day the count starts again
    assert send_matter(address="13912345678", now=DAYTIME)[0].status == Status.QUEUED
    tomorrow = (DAYTIME + dt.timedelta(days=1)).replace(hour=0, minute=1)
    assert send_matter(address=number, now=tomorrow)[0].status == Status.QUEUED


@pytest.mark.django_db
def test_the_limit_counts_the_number_not_the_spelling(settings: Any) -> None:
    settings.SMS_DAILY_LIMIT_PER_NUMBER = 1
    assert send_matter(address="13812345678", now=DAYTIME)[0].status == Status.QUEUED
    assert send_matter(address="+86 138 1234 5678", now=DAYTIME)[0].status == Status.SUPPRESSED


# --- after commit, events and the ledger ----------------------------------------------------


@pytest.mark.django_db
def test_sending_is_enqueued_only_after_commit_and_not_at_all_on_rollback(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = recipient()
    # a transaction that rolls back leaves no message and sends nothing
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                send_matter("rolled-back", recipient=user)
                raise RuntimeError("the caller's transaction fails")
        except RuntimeError:
            pass
    assert callbacks == [] and not Message.objects.exists()
    assert sms_lines(settings) == []
    # a committed one is sent (in embedded mode the task runs in-process)
    with django_capture_on_commit_callbacks(execute=True):
        send_matter("committed", recipient=user)
    assert len(sms_lines(settings)) == 1
    assert set(Message.objects.values_list("status", flat=True)) == {"delivered", "sent"}


@pytest.mark.django_db
def test_every_status_change_is_an_event_and_a_ledger_entry() -> None:
    [msg] = send_matter(address="13812345678", now=DAYTIME)
    dispatch_due(now=DAYTIME)
    events = list(MessageEvent.objects.filter(message=msg).values_list("from_status", "to_status"))
    assert events == [
        ("", "queued"),
        ("queued", "sending"),
        ("sending", "sent"),
        ("sent", "delivered"),
    ]
    actions = list(
        LedgerEntry.objects.filter(object_id=str(msg.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "notifications.message.queued",
        "notifications.message.sending",
        "notifications.message.sent",
        "notifications.message.delivered",
    ]
    # the ledger never holds the full number
    labels = LedgerEntry.objects.filter(object_id=str(msg.pk)).values_list(
        "object_label", flat=True
    )
    assert all("13812345678" not in label and "138****5678" in label for label in labels)
    assert verify().ok
