"""State changes of the taxpayers' registry, each written to the audit ledger.

The registry is normally fed by source extracts; these functions serve the configuration
admin, the demo bureau and tests.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from taxlight.audit.services import diff, record, snapshot
from taxlight.taxpayers.models import Taxpayer
from taxlight.taxpayers.validators import normalise_uscc

FIELDS = (
    "taxpayer_id",
    "name",
    "industry",
    "unit",
    "registered_on",
    "vat_status",
    "size",
    "credit_grade",
    "status",
    "status_since",
    "legal_rep",
    "address_key",
    "mobile",
    "responsible_officer",
)


@transaction.atomic
def create_taxpayer(*, actor: Any = None, reason: str = "", **values: Any) -> Taxpayer:
    """Creates a taxpayer from the given fields (validated; the code normalised)."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    values["taxpayer_id"] = normalise_uscc(values.get("taxpayer_id", "")).upper()
    taxpayer = Taxpayer(**values)
    taxpayer.full_clean()
    taxpayer.save()
    record(
        "taxpayers.taxpayer.create",
        obj=taxpayer,
        actor=actor,
        reason=reason,
        after=snapshot(taxpayer, FIELDS),
    )
    return taxpayer


@transaction.atomic
def update_taxpayer(
    taxpayer: Taxpayer, *, actor: Any = None, reason: str = "", **changes: Any
) -> bool:
    """Changes the given fields; True if anything changed (then one ledger entry)."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    taxpayer = Taxpayer.objects.select_for_update().get(pk=taxpayer.pk)
    before = snapshot(taxpayer, FIELDS)
    for name, value in changes.items():
        setattr(taxpayer, name, value)
    old, new = diff(before, snapshot(taxpayer, FIELDS))
    if not new:
        return False
    taxpayer.full_clean()
    taxpayer.save()
    record(
        "taxpayers.taxpayer.update", obj=taxpayer, actor=actor, reason=reason, before=old, after=new
    )
    return True
