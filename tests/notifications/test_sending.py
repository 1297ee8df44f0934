"""dispatch() against the fake HTTP provider: retries with back-off, definitive refusals,
and the rule that a message whose outcome is unknown is looked up before it is sent again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from taxlight.notifications.models import Message, MessageEvent, Status
from taxlight.notifications.policy import sending_lease
from taxlight.notifications.services import dispatch, dispatch_due
from tests.fakes.sms_provider import FakeSmsProvider
from tests.notifications.conftest import DAYTIME
from tests.notifications.factories import send_matter

NUMBER = "13812345678"


def queue_sms(number: str = NUMBER, key: str | None = None) -> Message:
    [msg] = send_matter(key, address=number, now=DAYTIME)
    return msg


def reload(msg: Message) -> Message:
    return Message.objects.get(pk=msg.pk)


@pytest.mark.django_db
def test_a_message_is_posted_to_the_provider_as_the_protocol_says(
    sms_provider: FakeSmsProvider,
) -> None:
    msg = queue_sms()
    sent = dispatch(msg.pk, now=DAYTIME)
    assert sent is not None and sent.status == Status.SENT and sent.attempts == 1
    stored = sms_provider.by_ref(str(msg.pk))
    assert stored is not None
    assert sent.provider_message_id == stored.message_id
    assert stored.to == "+8613812345678"
    assert stored.text == msg.body and stored.sign == "taxlight"
    assert stored.callback_url == "http://testserver/notifications/sms/receipts"


@pytest.mark.django_db
def test_dispatching_again_sends_nothing_more(sms_provider: FakeSmsProvider) -> None:
    msg = queue_sms()
    for _ in range(3):
        dispatch(msg.pk, now=DAYTIME)
    dispatch_due(now=DAYTIME + dt.timedelta(days=1))
    assert sms_provider.accepted[str(msg.pk)] == 1
    assert len([r for r in sms_provider.requests if r[0] == "POST"]) == 1
    assert reload(msg).attempts == 1


@pytest.mark.django_db
def test_a_message_not_yet_due_is_left_alone(sms_provider: FakeSmsProvider) -> None:
    msg = queue_sms()
    Message.objects.filter(pk=msg.pk).update(next_attempt_at=DAYTIME + dt.timedelta(minutes=5))
    assert dispatch(msg.pk, now=DAYTIME).status == Status.QUEUED  # type: ignore[union-attr]
    assert sms_provider.requests == []


@pytest.mark.django_db
def test_a_server_error_is_retried_with_back_off_after_checking_with_the_provider(
    sms_provider: FakeSmsProvider,
) -> None:
    # given a provider that answers 500 once
    sms_provider.fail_next("500")
    msg = queue_sms()
    # when the message is dispatched
    dispatch(msg.pk, now=DAYTIME)
    # then it waits 30-37.5 s, its outcome marked unknown (a 500 may hide an acceptance)
    msg = reload(msg)
    assert msg.status == Status.QUEUED and msg.attempts == 1 and msg.needs_lookup
    wait = (msg.next_attempt_at - DAYTIME).total_seconds()  # type: ignore[operator]
    assert 30 <= wait <= 37.5
    assert "provider answered 500" in msg.last_error
    # and is not retried before then
    dispatch_due(now=DAYTIME + dt.timedelta(seconds=29))
    assert reload(msg).attempts == 1
    # when it is due, the provider is asked first (404: it does not have it), then it is sent
    dispatch_due(now=DAYTIME + dt.timedelta(seconds=40))
    msg = reload(msg)
    assert msg.status == Status.SENT and msg.attempts == 2 and not msg.needs_lookup
    assert [r[0] for r in sms_provider.requests] == ["POST", "GET", "POST"]
    assert sms_provider.accepted[str(msg.pk)] == 1


@pytest.mark.django_db
def test_back_off_grows_and_the_message_fails_after_the_last_attempt(
    sms_provider: FakeSmsProvider, settings: Any
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 4
    sms_provider.fail_next(*["unauthorised"] * 10)  # refused, and not ambiguous
    msg = queue_sms()
    now = DAYTIME
    waits = []
    for _ in range(4):
        dispatch(msg.pk, now=now)
        msg = reload(msg)
        if msg.next_attempt_at is not None:
            waits.append((msg.next_attempt_at - now).total_seconds())
            now = msg.next_attempt_at
    assert msg.status == Status.FAILED and msg.attempts == 4 and msg.failed_at == now
    assert "gave up after 4 attempts" in msg.events.last().note  # type: ignore[union-attr]
    assert [int(w // 30) for w in waits] in ([1, 2, 4], [1, 2, 5])
    assert all(lo <= w <= lo * 1.25 for w, lo in zip(waits, [30, 60, 120], strict=True))
    assert sms_provider.accepted == {}
    # a failed message is never picked up again
    assert dispatch_due(now=now + dt.timedelta(days=1)) == 0


@pytest.mark.django_db
def test_a_refused_number_fails_at_once_without_retries(sms_provider: FakeSmsProvider) -> None:
    sms_provider.fail_next("reject")
    msg = queue_sms()
    dispatch(msg.pk, now=DAYTIME)
    msg = reload(msg)
    assert msg.status == Status.FAILED and msg.attempts == 1 and msg.next_attempt_at is None
    assert "provider refused: 400 invalid number" in msg.last_error


@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["hang", "drop", "500_after_accept"])
def test_after_an_unknown_outcome_the_provider_is_asked_and_nothing_is_sent_twice(
    sms_provider: FakeSmsProvider, fault: str
) -> None:
    # given a provider that accepts the message but the answer never arrives intact
    sms_provider.fail_next(fault)
    msg = queue_sms()
    dispatch(msg.pk, now=DAYTIME)
    msg = reload(msg)
    assert msg.status == Status.QUEUED and msg.needs_lookup
    # when the retry comes due
    dispatch_due(now=DAYTIME + dt.timedelta(minutes=5))
    # then the provider is asked, says it has it, and the message is not posted again
    msg = reload(msg)
    stored = sms_provider.by_ref(str(msg.pk))
    assert stored is not None
    assert msg.status == Status.SENT and msg.provider_message_id == stored.message_id
    assert [r[0] for r in sms_provider.requests] == ["POST", "GET"]
    assert sms_provider.accepted[str(msg.pk)] == 1
    assert MessageEvent.objects.filter(message=msg, note__contains="already had it").exists()


@pytest.mark.django_db
def test_when_the_provider_cannot_be_asked_nothing_is_sent(
    sms_provider: FakeSmsProvider,
) -> None:
    sms_provider.fail_next("hang")
    sms_provider.fail_lookups("500", "hang")
    msg = queue_sms()
    now = DAYTIME
    for _ in range(3):
        dispatch(msg.pk, now=now)
        now = reload(msg).next_attempt_at or now
    msg = reload(msg)
    # two lookups failed: the message was never posted again, and is still unknown-but-due
    assert [r[0] for r in sms_provider.requests] == ["POST", "GET", "GET"]
    assert msg.status == Status.QUEUED and msg.needs_lookup and msg.attempts == 3
    # the third lookup finds it
    dispatch(msg.pk, now=now)
    assert reload(msg).status == Status.SENT
    assert sms_provider.accepted[str(msg.pk)] == 1


@pytest.mark.django_db
def test_an_unreachable_provider_is_retried_without_a_lookup(settings: Any) -> None:
    # nothing listens on port 9: the connection is refused, so nothing can have been accepted
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9"
    msg = queue_sms()
    dispatch(msg.pk, now=DAYTIME)
    msg = reload(msg)
    assert msg.status == Status.QUEUED and not msg.needs_lookup
    assert "provider unreachable" in msg.last_error


@pytest.mark.django_db
def test_an_attempt_abandoned_by_a_crashed_worker_is_resumed_by_asking_first(
    sms_provider: FakeSmsProvider,
) -> None:
    # given a worker that posted the message and died before recording the answer
    msg = queue_sms()
    dispatch(msg.pk, now=DAYTIME)
    Message.objects.filter(pk=msg.pk).update(
        status=Status.SENDING, provider_message_id="", next_attempt_at=DAYTIME + sending_lease()
    )
    # when the sweep runs while the lease holds, nothing happens
    dispatch_due(now=DAYTIME + dt.timedelta(seconds=10))
    assert reload(msg).status == Status.SENDING
    # and after the lease expires the provider is asked, and the message is not sent again
    dispatch_due(now=DAYTIME + sending_lease() + dt.timedelta(seconds=1))
    msg = reload(msg)
    assert msg.status == Status.SENT and msg.provider_message_id
    assert [r[0] for r in sms_provider.requests] == ["POST", "GET"]
    assert sms_provider.accepted[str(msg.pk)] == 1


@pytest.mark.django_db
def test_a_resent_client_ref_is_refused_by_the_provider_and_counts_as_sent(
    sms_provider: FakeSmsProvider, settings: Any
) -> None:
    # given a message the provider has, but whose outcome we lost *and* could not look up:
    # the backend posts it again, and the provider answers 409 with the existing id
    msg = queue_sms()
    dispatch(msg.pk, now=DAYTIME)
    first_id = reload(msg).provider_message_id
    Message.objects.filter(pk=msg.pk).update(
        status=Status.QUEUED, needs_lookup=False, next_attempt_at=DAYTIME
    )
    dispatch(msg.pk, now=DAYTIME)
    msg = reload(msg)
    assert msg.status == Status.SENT and msg.provider_message_id == first_id
    assert sms_provider.accepted[str(msg.pk)] == 1 and sms_provider.duplicates[str(msg.pk)] == 1


@pytest.mark.django_db
def test_a_broken_broker_loses_nothing(
    sms_provider: FakeSmsProvider, django_capture_on_commit_callbacks: Any
) -> None:
    """Redis down when the message is committed: the enqueue fails, is logged, the caller's
    transaction stands, and the periodic sweep sends the message."""
    from taxlight.celery import app

    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:9/0"  # nothing listens there
    app._pool = None
    try:
        with django_capture_on_commit_callbacks(execute=True):
            msg = queue_sms()
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        app._pool = None
    assert reload(msg).status == Status.QUEUED
    assert sms_provider.accepted == {}
    dispatch_due(now=DAYTIME + dt.timedelta(seconds=1))
    assert reload(msg).status == Status.SENT
    assert sms_provider.accepted[str(msg.pk)] == 1
