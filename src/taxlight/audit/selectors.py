"""Reads of the audit ledger for the workbench and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from taxlight.audit.models import LedgerEntry


@dataclass(frozen=True)
class LedgerFilter:
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    actor: str = ""
    request_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def entries(f: LedgerFilter) -> QuerySet[LedgerEntry]:
    """Newest first. Every filter is an indexed prefix or exact match, so the page stays fast
    on a large ledger."""
    qs = LedgerEntry.objects.order_by("-seq")
    if f.action:
        qs = qs.filter(action__startswith=f.action)
    if f.object_type:
        qs = qs.filter(object_type=f.object_type)
    if f.object_id:
        qs = qs.filter(object_id=f.object_id)
    if f.actor:
        qs = qs.filter(actor_label__icontains=f.actor)
    if f.request_id:
        qs = qs.filter(request_id=f.request_id)
    if f.date_from:
        qs = qs.filter(at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(at__date__lte=f.date_to)
    return qs
