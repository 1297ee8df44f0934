"""The fault test of issue item 8: against a provider that fails, hangs after accepting,
drops connections, and sends duplicate and out-of-order receipts, **no message is lost and
none is sent twice**."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from taxlight.audit.services import verify
from taxlight.notifications.models import Message, MessageEvent, Status
from taxlight.notifications.services import dispatch, dispatch_due, poll_receipts
from tests.fakes.sms_provider import FakeSmsProvider
from tests.notifications.conftest import DAYTIME
from tests.notifications.factories import matter_context, recipient, send_matter

Post = Callable[[str, bytes, dict[str, str]], int]


@pytest.mark.django_db
def test_no_message_is_lost_and_none_is_sent_twice(
    sms_provider: FakeSmsProvider, post_receipt: Post, settings: Any
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 8
    # given twelve SMS to twelve recipients, and a provider that misbehaves on the first
    # eleven posts and the first three lookups
    users = [recipient(mobile=f"1390000{i:04d}") for i in range(12)]
    messages = [
        send_matter(f"matter-accepted:{i}", recipient=u, channels=["sms"], now=DAYTIME)[0]
        for i, u in enumerate(users)
    ]
    sms_provider.fail_next(
        "500",
        "hang",
        "drop",
        "500_after_accept",
        None,
        "hang",
        "drop",
        "500",
        "500_after_accept",
        "unauthorised",
        "hang",
    )
    sms_provider.fail_lookups("500", "hang", "500")

    # when, over two simulated hours, the sweep runs every few minutes (and now and then a
    # duplicate task dispatches a message again), the callers retry their notify() calls,
    # and the provider delivers and sends its receipts twice, newest first, replaying old ones
    now = DAYTIME
    codes: list[int] = []
    for round_no in range(30):
        dispatch_due(now=now)
        if round_no % 3 == 0:
            for msg in messages[::4]:
                dispatch(msg.pk, now=now)
            for i, u in enumerate(users[:4]):
                send_matter(
                    f"matter-accepted:{i}",
                    recipient=u,
                    channels=["sms"],
                    context=matter_context(),
                    now=now,
                )
        if round_no % 2 == 1:
            sms_provider.deliver_all()
        codes += sms_provider.push_receipts(post_receipt)
        if round_no % 5 == 4:
            poll_receipts(now=now)
        now += dt.timedelta(minutes=4)

    # then every message is delivered ...
    statuses = dict(Message.objects.values_list("pk", "status"))
    assert len(statuses) == 12, "a retried notify() created a new message"
    assert set(statuses.values()) == {Status.DELIVERED}, statuses
    # ... and the provider accepted each exactly once
    refs = {str(m.pk) for m in messages}
    assert set(sms_provider.accepted) == refs
    assert all(count == 1 for count in sms_provider.accepted.values()), sms_provider.accepted
    # the faults really happened: every scripted fault was served, messages were looked up
    # before a retry, and receipts were duplicated and replayed
    assert sms_provider.faults_left == 0
    assert MessageEvent.objects.filter(note__contains="asking the provider first").exists()
    assert codes and set(codes) == {200}
    receipts = MessageEvent.objects.filter(source="receipt")
    assert receipts.filter(note__contains="no change").exists()
    # each message reached "delivered" once, and the ledger is intact
    for msg in messages:
        into_delivered = MessageEvent.objects.filter(message=msg, to_status="delivered")
        assert into_delivered.exclude(from_status="delivered").count() == 1
    assert verify().ok
