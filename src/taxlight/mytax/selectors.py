"""Reads for the taxpayer space. Everything is narrowed to the user's own enterprises."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from taxlight.accounts.models import TaxpayerMembership
from taxlight.authz.scoping import taxpayer_ids


def bindings_of(user: Any) -> QuerySet[TaxpayerMembership]:
    """The user's active enterprise bindings, with each enterprise and its managing branch
    (one query)."""
    return (
        TaxpayerMembership.objects.filter(
            user=user, active=True, taxpayer_id__in=taxpayer_ids(user)
        )
        .select_related("taxpayer__unit")
        .order_by("taxpayer__name")
    )
