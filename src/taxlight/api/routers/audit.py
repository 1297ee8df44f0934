"""`/api/audit`: reading and verifying the audit ledger."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Schema
from ninja.pagination import paginate

from taxlight.api.pagination import Pagination
from taxlight.api.routing import Router
from taxlight.audit import services
from taxlight.audit.models import LedgerEntry
from taxlight.authz.access import requires

router = Router(tags=["audit"])


class EntryOut(Schema):
    seq: int
    at: dt.datetime
    actor_id: int | None
    actor_label: str
    role: str
    post: str
    action: str
    object_type: str
    object_id: str
    object_label: str
    before: Any
    after: Any
    reason: str
    request_id: str
    channel: str
    prev_hash: str
    entry_hash: str


class VerifyOut(Schema):
    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: str
    summary: str


@router.get("/entries", response=list[EntryOut])
@paginate(Pagination)
@requires("audit.view_ledger")
def entries(
    request: HttpRequest,
    object_type: str | None = None,
    object_id: str | None = None,
    action: str | None = None,
    request_id: str | None = None,
) -> QuerySet[LedgerEntry]:
    """Ledger entries, newest first. `object_type` is `app_label.model` (e.g.
    `org.officer`); `action` matches a prefix (`accounts.` for every account change)."""
    qs = LedgerEntry.objects.all()
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action__startswith=action)
    if request_id:
        qs = qs.filter(request_id=request_id)
    return qs.order_by("-seq")


@router.post("/verify", response=VerifyOut)
@requires("audit.verify")
def verify(request: HttpRequest) -> dict[str, Any]:
    """Walks the whole hash chain and names the first entry that was changed, removed or
    reordered. `ok` is false when the ledger was tampered with (the request itself
    succeeded: 200)."""
    result = services.verify()
    return {
        "ok": result.ok,
        "checked": result.checked,
        "first_bad_seq": result.first_bad_seq,
        "problem": result.problem,
        "summary": str(result),
    }
