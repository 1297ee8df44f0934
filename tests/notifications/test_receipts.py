"""The receipt callback: HMAC-verified, idempotent, robust to duplicates and disorder; and
the poll for messages whose receipt never came."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from taxlight.notifications.models import Message, MessageEvent, Status
from taxlight.notifications.services import dispatch, poll_receipts
from tests.fakes.sms_provider import SIGNATURE_HEADER, FakeSmsProvider
from tests.notifications.conftest import DAYTIME
from tests.notifications.factories import send_matter

URL = "/notifications/sms/receipts"
Post = Callable[[str, bytes, dict[str, str]], int]


def sent_sms(fake: FakeSmsProvider, number: str = "13812345678") -> Message:
    [msg] = send_matter(address=number, now=DAYTIME)
    dispatch(msg.pk, now=DAYTIME)
    return Message.objects.get(pk=msg.pk)


def post(client: Client, body: bytes, signature: str | None) -> Any:
    headers = {SIGNATURE_HEADER: signature} if signature is not None else {}
    return client.post(URL, data=body, content_type="application/json", headers=headers)


def test_the_callback_lives_where_the_protocol_says() -> None:
    assert reverse("notifications:sms_receipts") == URL


@pytest.mark.django_db
def test_a_signed_delivery_receipt_marks_the_message_delivered(
    sms_provider: FakeSmsProvider, client: Client
) -> None:
    msg = sent_sms(sms_provider)
    receipt = {
        "message_id": msg.provider_message_id,
        "client_ref": str(msg.pk),
        "status": "delivered",
        "at": "2025-03-12T02:00:05Z",
    }
    body, headers = sms_provider.signed(receipt)
    response = post(client, body, headers[SIGNATURE_HEADER])
    assert response.status_code == 200
    assert response.json() == {"results": [{"client_ref": str(msg.pk), "result": "applied"}]}
    msg.refresh_from_db()
    assert msg.status == Status.DELIVERED
    assert msg.delivered_at == dt.datetime(2025, 3, 12, 2, 0, 5, tzinfo=dt.UTC)
    event = msg.events.last()
    assert event is not None and event.payload == receipt and event.source == "receipt"


@pytest.mark.django_db
def test_receipts_found_by_the_providers_id_alone(
    sms_provider: FakeSmsProvider, client: Client
) -> None:
    msg = sent_sms(sms_provider)
    body, headers = sms_provider.signed(
        {"message_id": msg.provider_message_id, "status": "failed", "error": "handset off"}
    )
    assert post(client, body, headers[SIGNATURE_HEADER]).status_code == 200
    msg.refresh_from_db()
    assert msg.status == Status.FAILED and msg.last_error == "handset off"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=" + "0" * 64, "md5=abc", "wrong"],
)
def test_a_bad_signature_is_refused_and_changes_nothing(
    sms_provider: FakeSmsProvider, client: Client, signature: str | None
) -> None:
    msg = sent_sms(sms_provider)
    body, _ = sms_provider.signed({"client_ref": str(msg.pk), "status": "delivered"})
    response = post(client, body, signature)
    assert response.status_code == 400 and response.json() == {"error": "bad signature"}
    msg.refresh_from_db()
    assert msg.status == Status.SENT


@pytest.mark.django_db
def test_a_receipt_signed_with_another_secret_or_altered_after_signing_is_refused(
    sms_provider: FakeSmsProvider, client: Client
) -> None:
    msg = sent_sms(sms_provider)
    body, headers = sms_provider.signed(
        {"client_ref": str(msg.pk), "status": "delivered"}, secret="someone-elses"
    )
    assert post(client, body, headers[SIGNATURE_HEADER]).status_code == 400
    body, headers = sms_provider.signed({"client_ref": str(msg.pk), "status": "failed"})
    tampered = body.replace(b"failed", b"delivered")
    assert post(client, tampered, headers[SIGNATURE_HEADER]).status_code == 400
    msg.refresh_from_db()
    assert msg.status == Status.SENT


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"not json", "the body is not JSON"),
        (b"\xff\xfe", "the body is not JSON"),
        (b"[1]", "receipt 0 is not an object"),
        (b'{"client_ref": "x"}', "receipt 0 has no status"),
        (b'{"status": "delivered"}', "receipt 0 names no client_ref or message_id"),
        (b'[{"client_ref": "x", "status": "delivered"}, {"status": 1}]', "receipt 1 has no"),
    ],
)
def test_a_malformed_body_is_refused_even_when_signed(
    sms_provider: FakeSmsProvider, client: Client, body: bytes, error: str
) -> None:
    response = post(client, body, sms_provider.sign(body))
    assert response.status_code == 400
    assert response.json()["error"].startswith(error)


@pytest.mark.django_db
def test_a_receipt_for_an_unknown_message_is_404(
    sms_provider: FakeSmsProvider, client: Client
) -> None:
    for ref in ["9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d", "not-a-uuid"]:
        body, headers = sms_provider.signed({"client_ref": ref, "status": "delivered"})
        response = post(client, body, headers[SIGNATURE_HEADER])
        assert response.status_code == 404
        assert response.json() == {"results": [{"client_ref": ref, "result": "unknown"}]}


@pytest.mark.django_db
def test_without_a_configured_secret_every_receipt_is_refused(
    client: Client, settings: Any
) -> None:
    settings.SMS_CALLBACK_SECRET = None
    response = post(client, b"{}", "sha256=")
    assert response.status_code == 503


@pytest.mark.django_db
def test_only_post_is_accepted(client: Client) -> None:
    assert client.get(URL).status_code == 405


@pytest.mark.django_db
def test_duplicate_receipts_are_applied_once_and_stored_once(
    sms_provider: FakeSmsProvider, client: Client
) -> None:
    msg = sent_sms(sms_provider)
    body, headers = sms_provider.signed(
        {"receipt_id": "r-1", "client_ref": str(msg.pk), "status": "delivered"}
    )
    results = [post(client, body, headers[SIGNATURE_HEADER]).json() for _ in range(3)]
    assert [r["results"][0]["result"] for r in results] == ["applied", "unchanged", "unchanged"]
    assert MessageEvent.objects.filter(message=msg, source="receipt").count() == 1
    assert MessageEvent.objects.filter(message=msg, to_status="delivered").count() == 1


@pytest.mark.django_db
def test_receipts_out_of_order_never_undo_a_delivery(
    sms_provider: FakeSmsProvider, client: Client
) -> None:
    msg = sent_sms(sms_provider)
    ref = str(msg.pk)
    # delivered arrives first, then the older "accepted", then a stray "failed"
    for status in ["delivered", "accepted", "failed"]:
        body, headers = sms_provider.signed({"client_ref": ref, "status": status})
        assert post(client, body, headers[SIGNATURE_HEADER]).status_code == 200
    msg.refresh_from_db()
    assert msg.status == Status.DELIVERED
    # and a "delivered" after a "failed" is believed: the handset got it
    other = sent_sms(sms_provider, "13912345678")
    for status in ["failed", "delivered"]:
        body, headers = sms_provider.signed({"client_ref": str(other.pk), "status": status})
        post(client, body, headers[SIGNATURE_HEADER])
    other.refresh_from_db()
    assert other.status == Status.DELIVERED


@pytest.mark.django_db
def test_a_receipt_that_overtakes_the_providers_answer_wins(
    sms_provider: FakeSmsProvider, client: Client
) -> None:
    # given a message the provider accepted, but whose answer timed out
    sms_provider.fail_next("hang")
    [msg] = send_matter(address="13812345678", now=DAYTIME)
    dispatch(msg.pk, now=DAYTIME)
    # when the delivery receipt arrives before our retry
    sms_provider.deliver(str(msg.pk))
    codes = sms_provider.push_receipts(
        lambda url, body, headers: post(client, body, headers[SIGNATURE_HEADER]).status_code
    )
    assert set(codes) == {200}
    # then it is delivered and nothing is retried
    msg.refresh_from_db()
    assert msg.status == Status.DELIVERED and msg.next_attempt_at is None
    assert msg.provider_message_id
    dispatch(msg.pk, now=DAYTIME + dt.timedelta(hours=1))
    assert [r[0] for r in sms_provider.requests] == ["POST"]


@pytest.mark.django_db
def test_a_batch_of_receipts_in_one_request(sms_provider: FakeSmsProvider, client: Client) -> None:
    a, b = sent_sms(sms_provider), sent_sms(sms_provider, "13912345678")
    batch = [
        {"client_ref": str(a.pk), "status": "delivered"},
        {"client_ref": str(b.pk), "status": "undelivered", "error": "blocked"},
        {"client_ref": "00000000-0000-0000-0000-000000000000", "status": "delivered"},
    ]
    body, headers = sms_provider.signed(batch)
    response = post(client, body, headers[SIGNATURE_HEADER])
    assert response.status_code == 200
    assert [r["result"] for r in response.json()["results"]] == ["applied", "applied", "unknown"]
    assert Message.objects.get(pk=a.pk).status == Status.DELIVERED
    assert Message.objects.get(pk=b.pk).status == Status.FAILED


@pytest.mark.django_db
def test_receipts_arrive_over_real_http_from_the_fake(
    sms_provider: FakeSmsProvider, live_server: Any, settings: Any
) -> None:
    # given our callback served by a live server, and a message sent through the fake
    settings.TAXLIGHT_SITE_URL = live_server.url
    msg = sent_sms(sms_provider)
    # when the fake posts its (duplicated, reordered) receipts over HTTP
    sms_provider.deliver(str(msg.pk))
    codes = sms_provider.push_receipts()
    # then they are accepted and the message is delivered
    assert set(codes) == {200} and len(codes) == 4
    assert Message.objects.get(pk=msg.pk).status == Status.DELIVERED


@pytest.mark.django_db
def test_polling_finds_receipts_that_never_came(sms_provider: FakeSmsProvider) -> None:
    msg = sent_sms(sms_provider)
    sms_provider.deliver(str(msg.pk))  # the provider knows; its callback never reaches us
    # too early to poll: receipts normally take a moment
    assert poll_receipts(now=DAYTIME + dt.timedelta(seconds=10)) == 0
    assert poll_receipts(now=DAYTIME + dt.timedelta(minutes=5)) == 1
    msg.refresh_from_db()
    assert msg.status == Status.DELIVERED
    assert msg.events.last().source == "poll"  # type: ignore[union-attr]
    # nothing left to poll
    assert poll_receipts(now=DAYTIME + dt.timedelta(minutes=10)) == 0


@pytest.mark.django_db
def test_polling_rescues_a_message_given_up_while_the_provider_had_it(
    sms_provider: FakeSmsProvider, settings: Any
) -> None:
    # given a message whose only attempt hung after acceptance, with no attempts left
    settings.NOTIFY_MAX_ATTEMPTS = 1
    sms_provider.fail_next("hang")
    [msg] = send_matter(address="13812345678", now=DAYTIME)
    dispatch(msg.pk, now=DAYTIME)
    msg.refresh_from_db()
    assert msg.status == Status.FAILED and msg.needs_lookup
    # when the poll asks the provider
    assert poll_receipts(now=DAYTIME + dt.timedelta(minutes=5)) == 1
    # then the record tells the truth: it was sent
    msg.refresh_from_db()
    assert msg.status == Status.SENT and not msg.needs_lookup


@pytest.mark.django_db
def test_polling_is_a_no_op_for_backends_without_receipts(settings: Any) -> None:
    settings.SMS_BACKEND = "file"
    assert poll_receipts(now=DAYTIME) == 0


def test_the_signature_is_hmac_sha256_of_the_raw_body() -> None:
    from taxlight.notifications.services import sign, signature_ok

    body = json.dumps({"client_ref": "x", "status": "delivered"}).encode()
    fake = FakeSmsProvider(secret="s3cret")
    assert sign(body, "s3cret") == fake.sign(body)
    assert signature_ok(body, fake.sign(body), "s3cret")
    assert not signature_ok(body + b" ", fake.sign(body), "s3cret")
    assert not signature_ok(body, fake.sign(body), "")
