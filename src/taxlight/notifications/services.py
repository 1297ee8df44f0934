"""The outbox's services: the only code that creates messages or changes their status.

Guarantees (tested against a fake provider that fails, hangs and duplicates receipts):

* **Nothing lost.** A message is a committed row before anything is sent. Sending is
  enqueued after commit; if the broker is down the row stays ``queued`` and the periodic
  :func:`dispatch_due` sends it. A worker that dies mid-send leaves the row ``sending`` with
  an expired lease, and it is picked up again.
* **Nothing sent twice.** The same idempotency key returns the same messages. A message is
  claimed under a row lock before an attempt. After an attempt whose outcome is unknown
  (timeout, dropped connection, 5xx, abandoned lease) the provider is asked by our client
  reference before sending again; and the provider refuses a repeated client reference (409).
* **Everything on record.** Every status change writes a :class:`MessageEvent` and an audit
  ledger entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from taxlight.audit import services as audit
from taxlight.notifications import kinds as kind_registry
from taxlight.notifications import policy
from taxlight.notifications.addresses import channel_of_address, normalise
from taxlight.notifications.backends import Outcome, ProviderUnavailable, get_backend
from taxlight.notifications.kinds import MANDATORY_CATEGORIES, Category, Channel, Kind
from taxlight.notifications.models import (
    Message,
    MessageEvent,
    MessageTemplate,
    NotificationPreference,
    Status,
    SuppressReason,
)
from taxlight.notifications.rendering import render, resolve_language

log = logging.getLogger("taxlight.notifications")

#: Receipts are polled for this long after sending; after that a message stays ``sent``.
POLL_WINDOW = dt.timedelta(days=3)
#: A receipt normally arrives within this time; only older ``sent`` messages are polled.
POLL_GRACE = dt.timedelta(minutes=1)
SIGNATURE_HEADER = "X-Taxlight-Signature"


class NotifyError(ValueError):
    """A call to :func:`notify` that can never succeed (a programming error)."""


# --- status changes -------------------------------------------------------------------------


def _transition(
    message: Message,
    to: Status,
    *,
    now: dt.datetime,
    source: str = MessageEvent.Source.SYSTEM,
    note: str = "",
    payload: Any = None,
    receipt_key: str | None = None,
) -> None:
    """Moves a message (already locked or new) to ``to``: saves the row, writes the event and
    the ledger entry. Callers set the other fields first."""
    before = message.status if message.status else ""
    message.status = to
    message.updated_at = now
    message.save()
    MessageEvent.objects.create(
        message=message,
        at=now,
        source=source,
        from_status=before,
        to_status=to,
        note=note[:500],
        payload=payload,
        receipt_key=receipt_key,
    )
    audit.record(
        f"notifications.message.{to}",
        obj=message,
        before={"status": before} if before else None,
        after={
            "status": to,
            "kind": message.kind,
            "channel": message.channel,
            "attempts": message.attempts,
            **({"suppressed_reason": message.suppressed_reason} if to == Status.SUPPRESSED else {}),
        },
        reason=note[:500],
    )


def _event(
    message: Message,
    *,
    now: dt.datetime,
    source: str,
    note: str,
    payload: Any = None,
    receipt_key: str | None = None,
) -> MessageEvent:
    """An event that changes no status (a deferral, a late response, a duplicate receipt)."""
    return MessageEvent.objects.create(
        message=message,
        at=now,
        source=source,
        from_status=message.status,
        to_status=message.status,
        note=note[:500],
        payload=payload,
        receipt_key=receipt_key,
    )


# --- creating messages ----------------------------------------------------------------------


def _choose_channels(
    kind: Kind, recipient: Any, address: str | None, channels: Iterable[str] | None
) -> list[Channel]:
    if channels is not None:
        try:
            chosen = [Channel(c) for c in channels]
        except ValueError as exc:
            raise NotifyError(f"unknown channel in {channels!r}") from exc
        if not chosen:
            raise NotifyError("channels must not be empty")
        stray = [c for c in chosen if c not in kind.channels]
        if stray:
            raise NotifyError(f"kind {kind.code!r} is not sent by {', '.join(stray)}")
    else:
        chosen = list(kind.channels)
    if recipient is None:
        if not address:
            raise NotifyError("notify needs a recipient or an address")
        own = channel_of_address(address)
        if channels is None:
            if own not in kind.channels:
                raise NotifyError(f"kind {kind.code!r} is not sent by {own}")
            chosen = [own]
        elif chosen != [own]:
            wanted = ", ".join(c.value for c in chosen)
            raise NotifyError(f"an address alone can only receive {own.value}, not {wanted}")
    return list(dict.fromkeys(chosen))


def _recipient_address(recipient: Any, address: str | None, channel: Channel) -> str:
    if address and channel_of_address(address) == channel:
        return address
    if recipient is None:
        return ""
    if channel == Channel.SMS:
        return str(getattr(recipient, "mobile", "") or "")
    if channel == Channel.EMAIL:
        return str(getattr(recipient, "email", "") or "")
    return ""


def is_opted_out(user: Any, category: str, channel: str) -> bool:
    if user is None or category in MANDATORY_CATEGORIES:
        return False
    return NotificationPreference.objects.filter(
        user=user, category=category, channel=channel, opted_out=True
    ).exists()


def sms_sent_today(address: str, now: dt.datetime) -> int:
    """SMS to one number counted against the daily limit (every one not suppressed)."""
    return (
        Message.objects.filter(
            channel=Channel.SMS, address=address, created_at__gte=policy.local_day_start(now)
        )
        .exclude(status=Status.SUPPRESSED)
        .count()
    )


def _create(
    kind: Kind,
    channel: Channel,
    *,
    recipient: Any,
    address: str | None,
    language: str,
    context: Mapping[str, Any],
    request_key: str,
    now: dt.datetime,
) -> Message:
    rendered = render(kind, channel, language, context)
    message = Message(
        id=uuid.uuid4(),
        idempotency_key=f"{request_key}:{channel}",
        request_key=request_key,
        kind=kind.code,
        category=kind.category,
        channel=channel,
        recipient=recipient,
        language=language,
        subject=rendered.subject,
        body=rendered.body,
        status="",
        created_at=now,
        updated_at=now,
        next_attempt_at=now,
    )
    reason: SuppressReason | None = None
    if channel != Channel.SITE:
        raw = _recipient_address(recipient, address, channel)
        clean = normalise(channel, raw) if raw else None
        message.address = (clean or raw.strip())[:254]
        if not raw:
            reason = SuppressReason.NO_ADDRESS
        elif clean is None:
            reason = SuppressReason.INVALID_ADDRESS
    if reason is None and kind.optional and is_opted_out(recipient, kind.category, channel):
        reason = SuppressReason.OPTED_OUT
    limit = int(settings.SMS_DAILY_LIMIT_PER_NUMBER)
    if (
        reason is None
        and channel == Channel.SMS
        and limit > 0
        and sms_sent_today(message.address, now) >= limit
    ):
        reason = SuppressReason.QUOTA
    _transition(message, Status.QUEUED, now=now, note=f"created by {kind.code}")
    if reason is not None:
        message.suppressed_reason = reason
        message.next_attempt_at = None
        _transition(message, Status.SUPPRESSED, now=now, note=str(reason.label))
    elif channel == Channel.SITE:
        message.delivered_at = now
        message.next_attempt_at = None
        _transition(message, Status.DELIVERED, now=now, note="stored in the recipient's inbox")
    elif channel == Channel.SMS and kind.quiet_hours:
        until = policy.quiet_hours_end(now)
        if until is not None:
            message.next_attempt_at = until
            message.save(update_fields=["next_attempt_at"])
            _event(
                message,
                now=now,
                source=MessageEvent.Source.SYSTEM,
                note=f"quiet hours: held until {until.isoformat()}",
            )
    return message


@transaction.atomic
def notify(
    *,
    kind: str,
    recipient: Any = None,
    address: str | None = None,
    channels: Iterable[str] | None = None,
    context: Mapping[str, Any],
    idempotency_key: str,
    language: str | None = None,
    now: dt.datetime | None = None,
) -> list[Message]:
    """Creates one message per channel for ``kind`` and sends them after commit.

    * ``recipient`` (a user) gives the addresses (mobile, e-mail, inbox) and the language;
      ``address`` alone (a mobile number or an e-mail address) reaches someone without an
      account, on that address's channel only.
    * ``channels`` narrows the kind's channels.
    * ``idempotency_key``: the same key returns the same messages and sends nothing again.
      Derive it from the event (``f"matter-accepted:{matter.pk}"``), not from the time.

    Opted-out, invalid, unreachable and over-limit messages are stored as ``suppressed`` with
    the reason; SMS in quiet hours wait in ``queued`` until the window ends.
    """
    now = now or timezone.now()
    k = kind_registry.get(kind)
    if not idempotency_key or len(idempotency_key) > 200:
        raise NotifyError("idempotency_key must be 1 to 200 characters")
    missing = [p for p in k.params if p not in context]
    if missing:
        raise NotifyError(f"kind {kind!r} needs context {', '.join(missing)}")
    chosen = _choose_channels(k, recipient, address, channels)
    if Channel.SITE in chosen and recipient is None:
        raise NotifyError("in-site messages need a recipient")

    existing = list(Message.objects.filter(request_key=idempotency_key).order_by("channel"))
    if existing:
        if any(m.kind != kind for m in existing):
            raise NotifyError(f"idempotency key {idempotency_key!r} was used for another kind")
        return existing

    lang = resolve_language(language or getattr(recipient, "language", None))
    try:
        with transaction.atomic():
            messages = [
                _create(
                    k,
                    ch,
                    recipient=recipient,
                    address=address,
                    language=lang,
                    context=context,
                    request_key=idempotency_key,
                    now=now,
                )
                for ch in chosen
            ]
    except IntegrityError:
        # A concurrent call with the same key won the race: its messages are the answer.
        return list(Message.objects.filter(request_key=idempotency_key).order_by("channel"))
    for message in messages:
        if (
            message.status == Status.QUEUED
            and message.next_attempt_at is not None
            and message.next_attempt_at <= now
        ):
            transaction.on_commit(_enqueuer(message.pk))
    return messages


def _enqueuer(message_id: uuid.UUID) -> Callable[[], None]:
    def enqueue() -> None:
        from taxlight.jobs.runner import enqueue as enqueue_job
        from taxlight.notifications import tasks

        try:
            enqueue_job(tasks.dispatch, str(message_id))
        except Exception:
            # Broker down (or, in embedded mode, the attempt itself broke): the row is
            # committed and queued, and dispatch_due sends it on its next run.
            log.warning(
                "could not hand message %s to the queue; dispatch_due will send it",
                message_id,
                exc_info=True,
            )

    return enqueue


# --- sending --------------------------------------------------------------------------------


def _claim(message_id: uuid.UUID | str, now: dt.datetime) -> tuple[Message, bool] | None:
    """Locks the row and, if it is due, marks it ``sending`` with a lease. Returns the message
    and whether its last attempt's outcome is unknown (ask the provider first)."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.channel == Channel.SITE:
            return None
        if message.status not in (Status.QUEUED, Status.SENDING):
            return None  # already sent, delivered, failed or suppressed
        if message.next_attempt_at is not None and message.next_attempt_at > now:
            return None  # not due (backing off, in quiet hours, or another worker's lease)
        abandoned = message.status == Status.SENDING
        k = kind_registry.KINDS.get(message.kind)
        if message.channel == Channel.SMS and (k is None or k.quiet_hours):
            until = policy.quiet_hours_end(now)
            if until is not None:
                message.next_attempt_at = until
                if abandoned:
                    message.needs_lookup = True
                    _transition(
                        message, Status.QUEUED, now=now, note="abandoned attempt; quiet hours, held"
                    )
                else:
                    message.save(update_fields=["next_attempt_at"])
                    _event(
                        message,
                        now=now,
                        source=MessageEvent.Source.SYSTEM,
                        note=f"quiet hours: held until {until.isoformat()}",
                    )
                return None
        ambiguous = abandoned or message.needs_lookup
        message.attempts += 1
        message.next_attempt_at = now + policy.sending_lease()
        note = f"attempt {message.attempts}"
        if abandoned:
            note += " (the previous attempt was abandoned)"
        if ambiguous:
            note += "; asking the provider first"
        _transition(message, Status.SENDING, now=now, note=note)
        return message, ambiguous


def _attempt(message: Message, ambiguous: bool) -> tuple[Outcome, str]:
    """One attempt outside any transaction. Returns the outcome and, when the provider
    already had the message, its status there."""
    backend = get_backend(message.channel)
    if ambiguous and backend.supports_lookup:
        try:
            found = backend.lookup(message)
        except ProviderUnavailable as exc:
            return Outcome("retry", error=str(exc), ambiguous=True), ""
        if found is not None:
            return (
                Outcome(
                    "accepted",
                    provider_message_id=found.provider_message_id,
                    payload=found.payload,
                    error="the provider already had it: not sent again",
                ),
                found.status,
            )
    try:
        return backend.send(message), ""
    except Exception as exc:  # a bug in a backend: treat as unknown, never as "not sent"
        log.exception("SMS/e-mail backend raised for message %s", message.pk)
        return Outcome("retry", error=f"backend error: {exc!r}", ambiguous=True), ""


def _settle(
    message_id: uuid.UUID, outcome: Outcome, provider_status: str, now: dt.datetime
) -> Message:
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status != Status.SENDING:
            # A receipt overtook the provider's response: keep what the receipt said.
            if outcome.result == "accepted" and not message.provider_message_id:
                message.provider_message_id = outcome.provider_message_id[:100]
                message.save(update_fields=["provider_message_id"])
            _event(
                message,
                now=now,
                source=MessageEvent.Source.PROVIDER,
                note=f"late provider response: {outcome.result}",
                payload=outcome.payload,
            )
            return message
        source = MessageEvent.Source.PROVIDER
        if outcome.result == "accepted":
            message.provider_message_id = outcome.provider_message_id[:100]
            message.sent_at = now
            message.needs_lookup = False
            message.next_attempt_at = None
            message.last_error = ""
            _transition(
                message,
                Status.SENT,
                now=now,
                source=source,
                note=outcome.error or "accepted",
                payload=outcome.payload,
            )
            if outcome.delivered or provider_status == "delivered":
                message.delivered_at = now
                _transition(message, Status.DELIVERED, now=now, source=source, note="delivered")
            elif provider_status == "failed":
                message.failed_at = now
                _transition(
                    message,
                    Status.FAILED,
                    now=now,
                    source=source,
                    note="the provider reports the delivery failed",
                )
        elif outcome.result == "reject":
            message.last_error = outcome.error
            message.failed_at = now
            message.next_attempt_at = None
            message.needs_lookup = False
            _transition(
                message,
                Status.FAILED,
                now=now,
                source=source,
                note=outcome.error,
                payload=outcome.payload,
            )
        else:
            message.last_error = outcome.error
            message.needs_lookup = outcome.ambiguous
            if message.attempts >= policy.max_attempts():
                message.failed_at = now
                message.next_attempt_at = None
                _transition(
                    message,
                    Status.FAILED,
                    now=now,
                    source=source,
                    note=f"gave up after {message.attempts} attempts: {outcome.error}",
                    payload=outcome.payload,
                )
            else:
                message.next_attempt_at = now + policy.backoff_delay(message.attempts)
                _transition(
                    message,
                    Status.QUEUED,
                    now=now,
                    source=source,
                    note=f"attempt {message.attempts} failed: {outcome.error}; next "
                    f"{message.next_attempt_at.isoformat()}",
                    payload=outcome.payload,
                )
        return message


def dispatch(message_id: uuid.UUID | str, *, now: dt.datetime | None = None) -> Message | None:
    """Makes one attempt at a message if it is due; otherwise does nothing.

    Safe to call any number of times, from any number of workers: the claim under a row lock
    lets one attempt through, and a message that is sent, failed or not yet due is left
    alone. No lock is held while talking to the provider."""
    claimed = _claim(message_id, now or timezone.now())
    if claimed is None:
        return Message.objects.filter(pk=message_id).first()
    message, ambiguous = claimed
    outcome, provider_status = _attempt(message, ambiguous)
    return _settle(message.pk, outcome, provider_status, now or timezone.now())


def due_messages(now: dt.datetime) -> Any:
    return (
        Message.objects.filter(status__in=[Status.QUEUED, Status.SENDING], next_attempt_at__lte=now)
        .exclude(channel=Channel.SITE)
        .order_by("next_attempt_at", "created_at")
    )


def dispatch_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Sends every due message (new, backing off, out of quiet hours, abandoned). Returns the
    number of attempts made. Run every 30 seconds by beat (or the embedded scheduler)."""
    now = now or timezone.now()
    ids = list(due_messages(now).values_list("pk", flat=True)[:limit])
    attempts = 0
    for message_id in ids:
        try:
            before = Message.objects.filter(pk=message_id).values_list("attempts", flat=True)
            first = before.first() or 0
            message = dispatch(message_id, now=now)
            if message is not None and message.attempts > first:
                attempts += 1
        except Exception:
            log.exception("dispatch of message %s failed; it stays due", message_id)
    return attempts


# --- receipts -------------------------------------------------------------------------------

RECEIPT_STATUSES = {
    "accepted": Status.SENT,
    "sent": Status.SENT,
    "submitted": Status.SENT,
    "delivered": Status.DELIVERED,
    "failed": Status.FAILED,
    "undelivered": Status.FAILED,
    "rejected": Status.FAILED,
    "expired": Status.FAILED,
}


def sign(body: bytes, secret: str) -> str:
    """The signature header value for a receipt body: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(body: bytes, header: str | None, secret: str) -> bool:
    if not header or not secret:
        return False
    return hmac.compare_digest(sign(body, secret), header.strip())


def receipt_key(receipt: Mapping[str, Any]) -> str:
    """The identity of a receipt: the provider's receipt id if it gives one, else its
    canonical content (a duplicate is the same receipt sent again)."""
    if receipt.get("receipt_id"):
        basis = f"id:{receipt['receipt_id']}"
    else:
        basis = json.dumps(receipt, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(basis.encode()).hexdigest()


def _find_for_receipt(client_ref: str, provider_message_id: str) -> Message | None:
    qs = Message.objects.select_for_update().filter(channel=Channel.SMS)
    if client_ref:
        try:
            return qs.filter(pk=uuid.UUID(client_ref)).first()
        except ValueError:
            return None
    if provider_message_id:
        return qs.filter(provider_message_id=provider_message_id).first()
    return None


@transaction.atomic
def apply_receipt(
    *,
    client_ref: str = "",
    provider_message_id: str = "",
    status: str,
    error: str = "",
    at: str | None = None,
    payload: Any = None,
    key: str | None = None,
    source: str = MessageEvent.Source.RECEIPT,
    now: dt.datetime | None = None,
) -> tuple[Message | None, bool]:
    """Applies a provider's word about a message. Returns (message or None if unknown,
    whether it changed anything). Duplicates (same ``key``) and out-of-order receipts
    change nothing: ``delivered`` is final, and ``failed`` never undoes ``delivered``."""
    now = now or timezone.now()
    if key and MessageEvent.objects.filter(receipt_key=key).exists():
        return Message.objects.filter(events__receipt_key=key).first(), False
    message = _find_for_receipt(client_ref, provider_message_id)
    if message is None:
        return None, False
    target = RECEIPT_STATUSES.get((status or "").lower())
    when = (parse_datetime(at) if at else None) or now
    if timezone.is_naive(when):
        when = timezone.make_aware(when, dt.UTC)
    if provider_message_id and not message.provider_message_id:
        message.provider_message_id = provider_message_id[:100]
    current = message.status
    unsent = (Status.QUEUED, Status.SENDING)
    note = f"provider: {status}" + (f" ({error})" if error else "")
    changed = False
    if target == Status.DELIVERED and current in (*unsent, Status.SENT, Status.FAILED):
        message.delivered_at = when
        message.sent_at = message.sent_at or when
        changed = True
    elif target == Status.FAILED and current in (*unsent, Status.SENT):
        message.failed_at = when
        message.last_error = error or status
        changed = True
    elif target == Status.SENT and (
        current in unsent or (current == Status.FAILED and message.needs_lookup)
    ):
        message.sent_at = message.sent_at or when
        message.failed_at = None
        changed = True
    if changed and target is not None:
        message.needs_lookup = False
        message.next_attempt_at = None
        _transition(
            message, target, now=now, source=source, note=note, payload=payload, receipt_key=key
        )
        return message, True
    message.save(update_fields=["provider_message_id"])
    if source == MessageEvent.Source.RECEIPT:
        reason = "unknown status" if target is None else "no change (duplicate or out of order)"
        _event(
            message,
            now=now,
            source=source,
            note=f"{note}: {reason}",
            payload=payload,
            receipt_key=key,
        )
    return message, False


def poll_receipts(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Asks the provider about SMS sent without a receipt yet, and about messages that
    failed with an unknown outcome. Returns how many changed."""
    now = now or timezone.now()
    backend = get_backend(Channel.SMS)
    if not (backend.has_receipts and backend.supports_lookup):
        return 0
    candidates = (
        Message.objects.filter(channel=Channel.SMS)
        .filter(
            Q(status=Status.SENT, sent_at__lte=now - POLL_GRACE, sent_at__gte=now - POLL_WINDOW)
            | Q(status=Status.FAILED, needs_lookup=True, failed_at__gte=now - POLL_WINDOW)
        )
        .order_by("updated_at")[:limit]
    )
    changed = 0
    for message in list(candidates):
        try:
            found = backend.lookup(message)
        except ProviderUnavailable as exc:
            log.warning("receipt poll stopped: %s", exc)
            break
        if found is None:
            if message.status == Status.FAILED:
                with transaction.atomic():
                    Message.objects.filter(pk=message.pk).update(needs_lookup=False)
                    _event(
                        message,
                        now=now,
                        source=MessageEvent.Source.POLL,
                        note="the provider confirms it never had this message",
                    )
            continue
        _msg, did = apply_receipt(
            client_ref=message.client_ref,
            provider_message_id=found.provider_message_id,
            status=found.status,
            error=found.error,
            payload=found.payload,
            source=MessageEvent.Source.POLL,
            now=now,
        )
        changed += int(did)
    return changed


# --- recipients' actions --------------------------------------------------------------------


def inbox(user: Any) -> Any:
    return Message.objects.filter(
        recipient=user, channel=Channel.SITE, status=Status.DELIVERED
    ).order_by("-created_at")


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return int(inbox(user).filter(read_at__isnull=True).count())


@transaction.atomic
def mark_read(*, message: Message, actor: Any, now: dt.datetime | None = None) -> Message:
    now = now or timezone.now()
    locked = Message.objects.select_for_update().get(pk=message.pk)
    if locked.recipient_id != actor.pk or locked.channel != Channel.SITE:
        raise ValidationError(_("This message is not in your inbox."))
    if locked.read_at is None:
        locked.read_at = now
        locked.save(update_fields=["read_at"])
        _event(locked, now=now, source=MessageEvent.Source.USER, note="read")
        audit.record("notifications.message.read", obj=locked, actor=actor, after={"read_at": now})
    return locked


@transaction.atomic
def mark_all_read(*, actor: Any, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    ids = list(inbox(actor).filter(read_at__isnull=True).values_list("pk", flat=True))
    if ids:
        Message.objects.filter(pk__in=ids).update(read_at=now)
        audit.record(
            "notifications.inbox.read_all",
            object_type="accounts.user",
            object_id=actor.pk,
            object_label=str(actor),
            actor=actor,
            after={"count": len(ids)},
        )
    return len(ids)


@transaction.atomic
def set_preference(
    *,
    actor: Any,
    user: Any,
    category: str,
    channel: str,
    opted_out: bool,
    now: dt.datetime | None = None,
) -> NotificationPreference:
    """Turns one category on one channel off (``opted_out``) or back on for ``user``."""
    now = now or timezone.now()
    try:
        cat, ch = Category(category), Channel(channel)
    except ValueError as exc:
        raise ValidationError(_("Unknown category or channel.")) from exc
    if opted_out and cat in MANDATORY_CATEGORIES:
        raise ValidationError(
            _("Messages about %(category)s cannot be turned off.") % {"category": cat.label}
        )
    pref, _created = NotificationPreference.objects.select_for_update().get_or_create(
        user=user, category=cat, channel=ch, defaults={"opted_out": False, "updated_at": now}
    )
    if pref.opted_out != opted_out:
        before = pref.opted_out
        pref.opted_out = opted_out
        pref.updated_at = now
        pref.save()
        audit.record(
            "notifications.preference.change",
            obj=pref,
            actor=actor,
            before={"opted_out": before},
            after={"opted_out": opted_out},
            object_label=f"{cat.value}/{ch.value}",
        )
    return pref


@transaction.atomic
def save_template(*, actor: Any, template: MessageTemplate) -> MessageTemplate:
    """Saves an administrator's override of a default text (and puts it on the ledger)."""
    is_new = template._state.adding
    template.updated_at = timezone.now()
    template.save()
    audit.record(
        "notifications.template.create" if is_new else "notifications.template.change",
        obj=template,
        actor=actor,
        after={"subject": template.subject, "body": template.body, "active": template.active},
    )
    return template


def send_test(*, actor: Any, address: str, now: dt.datetime | None = None) -> list[Message]:
    """A ``test.ping`` to one address, for an administrator checking a channel."""
    return notify(
        kind="test.ping",
        address=address,
        context={"sender": str(actor)},
        idempotency_key=f"test.ping:{uuid.uuid4()}",
        now=now,
        language=getattr(actor, "language", None),
    )
