"""Pure hashing of ledger entries: canonical JSON, SHA-256, chained by ``prev_hash``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "role",
    "post",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "before",
    "after",
    "reason",
    "request_id",
    "channel",
    "prev_hash",
)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return canonical_time(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def jsonable(value: Any) -> Any:
    """What a JSON column gives back for ``value``: decimals, dates and sets made plain."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=_default, ensure_ascii=False))


def canonical_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(fields: dict[str, Any]) -> str:
    payload = {name: fields.get(name) for name in HASHED_FIELDS}
    if isinstance(payload["at"], dt.datetime):
        payload["at"] = canonical_time(payload["at"])
    payload["actor_id"] = None if payload["actor_id"] is None else str(payload["actor_id"])
    text = json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
