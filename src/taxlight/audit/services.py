"""The one write path of the ledger.

Every service that changes state calls :func:`record` inside its own transaction, so the
change and its ledger entry are committed together or not at all::

    with transaction.atomic():
        officer.post = new_post
        officer.save()
        audit.record("org.officer.change_post", obj=officer,
                     before={"post": old}, after={"post": new_post.code}, reason=reason)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from taxlight.audit.chain import entry_hash, jsonable
from taxlight.audit.models import GENESIS_HASH, LedgerEntry, LedgerHead
from taxlight.core import context

SENSITIVE_KEYS = frozenset({"password", "secret", "key", "token", "otp", "id_number", "mobile"})


def _scrub(data: Mapping[str, Any] | None) -> Any:
    """Keeps secrets out of the ledger and masks personal data (the ledger is read widely)."""
    from taxlight.core.masking import mask_id_number, mask_mobile

    if data is None:
        return None
    clean: dict[str, Any] = {}
    for key, value in data.items():
        lowered = key.lower()
        if lowered == "mobile" or lowered.endswith("_mobile"):
            clean[key] = mask_mobile(str(value)) if value else value
        elif lowered == "id_number" or lowered.endswith("_id_number"):
            clean[key] = mask_id_number(str(value)) if value else value
        elif any(word in lowered for word in ("password", "secret", "token", "otp_", "api_key")):
            clean[key] = "[redacted]" if value else value
        else:
            clean[key] = value
    return jsonable(clean)


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ: a readable before/after summary."""
    keys = [k for k in {*before, *after} if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in sorted(keys)}, {k: after.get(k) for k in sorted(keys)}


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of a model instance, foreign keys as their raw id."""
    out: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        out[name] = getattr(obj, attname)
    return out


def _actor_label(user: Any) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{full} ({user.get_username()})" if full else user.get_username()


@transaction.atomic
def record(
    action: str,
    *,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_label: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
    actor: Any = None,
    role: str | None = None,
    post: str | None = None,
) -> LedgerEntry:
    """Appends one entry to the ledger and returns it.

    The actor, role, post, request id and channel come from the acting context (set per
    request by the middleware, per job by the job runner) unless given explicitly.
    """
    ctx = context.current()
    if actor is None:
        actor = ctx.user
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_label = object_label or str(obj)[:300]
    user_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None

    head, _ = LedgerHead.objects.select_for_update().get_or_create(
        id=1, defaults={"last_seq": 0, "last_hash": GENESIS_HASH}
    )
    fields: dict[str, Any] = {
        "seq": head.last_seq + 1,
        "at": timezone.now().astimezone(dt.UTC),
        "actor_id": user_id,
        "actor_label": _actor_label(actor)[:200],
        "role": (ctx.role if role is None else role)[:50],
        "post": (ctx.post if post is None else post)[:50],
        "action": action[:100],
        "object_type": object_type[:100],
        "object_id": str(object_id)[:100],
        "object_label": object_label[:300],
        "before": _scrub(before),
        "after": _scrub(after),
        "reason": reason,
        "request_id": ctx.request_id,
        "channel": ctx.channel,
        "prev_hash": head.last_hash,
    }
    fields["entry_hash"] = entry_hash(fields)
    entry = LedgerEntry.objects.create(**fields)
    head.last_seq = entry.seq
    head.last_hash = entry.entry_hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"ledger intact: {self.checked} entries checked"
        return f"ledger broken at entry #{self.first_bad_seq}: {self.problem}"


def _entry_fields(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at,
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "role": entry.role,
        "post": entry.post,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
        "request_id": entry.request_id,
        "channel": entry.channel,
        "prev_hash": entry.prev_hash,
    }


def verify(*, batch_size: int = 5000) -> VerifyResult:
    """Walks the whole chain and names the first entry that was changed, removed or
    reordered. Reads in batches: memory stays flat whatever the ledger's size."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        batch = list(LedgerEntry.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            break
        for entry in batch:
            last_id = entry.id
            if entry.seq != expected_seq:
                if (
                    entry.seq > expected_seq
                    and LedgerEntry.objects.filter(seq=expected_seq).exists()
                ):
                    return VerifyResult(
                        False,
                        checked,
                        expected_seq,
                        f"entry #{expected_seq} is out of place: found #{entry.seq} where "
                        f"#{expected_seq} belongs — the entries were reordered",
                    )
                if entry.seq > expected_seq:
                    missing = (
                        f"#{expected_seq}"
                        if entry.seq == expected_seq + 1
                        else f"#{expected_seq}–#{entry.seq - 1}"
                    )
                    return VerifyResult(
                        False,
                        checked,
                        expected_seq,
                        f"entry {missing} was removed (found #{entry.seq} after "
                        f"#{expected_seq - 1})",
                    )
                return VerifyResult(
                    False,
                    checked,
                    entry.seq,
                    f"entry #{entry.seq} is out of order (expected #{expected_seq})",
                )
            if entry_hash(_entry_fields(entry)) != entry.entry_hash:
                return VerifyResult(
                    False,
                    checked,
                    entry.seq,
                    f"entry #{entry.seq} was changed: its content does not match its hash",
                )
            if entry.prev_hash != prev_hash:
                return VerifyResult(
                    False,
                    checked,
                    entry.seq,
                    f"entry #{entry.seq} does not link to entry #{entry.seq - 1}: "
                    f"#{entry.seq - 1} was replaced or the entries were reordered",
                )
            prev_hash = entry.entry_hash
            expected_seq += 1
            checked += 1
    head = LedgerHead.objects.filter(id=1).first()
    last_seq = expected_seq - 1
    if head is not None and (head.last_seq != last_seq or head.last_hash != prev_hash):
        if head.last_seq > last_seq:
            return VerifyResult(
                False,
                checked,
                last_seq + 1,
                f"entries #{last_seq + 1}–#{head.last_seq} were removed from the end",
            )
        return VerifyResult(
            False,
            checked,
            head.last_seq,
            "the chain head does not match the last entry",
        )
    if head is None and checked:
        return VerifyResult(False, checked, 1, "the chain head is missing")
    return VerifyResult(True, checked)


def history(obj: models.Model) -> models.QuerySet[LedgerEntry]:
    """Every ledger entry about one object, oldest first."""
    return LedgerEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("seq")
