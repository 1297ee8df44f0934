from __future__ import annotations

from typing import Any

from taxlight.accounts.models import User, UserKind
from taxlight.notifications.models import Message
from taxlight.notifications.services import notify
from tests.factories import UserFactory

_counter = iter(range(10**9))


def recipient(**kwargs: Any) -> User:
    """A taxpayer user with a mobile number and an e-mail address."""
    n = next(_counter)
    defaults: dict[str, Any] = {
        "kind": UserKind.TAXPAYER,
        "mobile": f"139{n % 100_000_000:08d}",
        "email": f"user{n}@example.com",
        "language": "zh-hans",
    }
    defaults.update(kwargs)
    return UserFactory(**defaults)


def matter_context(**overrides: Any) -> dict[str, Any]:
    return {
        "matter_no": "SL-2025-0001",
        "title": "增值税留抵退税申请",
        "due_date": "2025-03-20",
        **overrides,
    }


def send_matter(key: str | None = None, **kwargs: Any) -> list[Message]:
    kwargs.setdefault("context", matter_context())
    return notify(kind="matter.accepted", idempotency_key=key or f"k-{next(_counter)}", **kwargs)
