"""Channel backends. Each turns one stored message into one attempt at the outside world and
reports an :class:`Outcome`; the services decide what the outcome means for the row."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from taxlight.notifications.models import Message


@dataclass(frozen=True)
class Outcome:
    """What one attempt achieved.

    * ``accepted``: the provider has the message (``delivered`` if it is already final);
    * ``retry``: try again later; ``ambiguous`` when the provider may have it anyway (timeout,
      connection dropped after sending, 5xx), so the next attempt asks before sending;
    * ``reject``: the provider refused the message for good (e.g. invalid number).
    """

    result: Literal["accepted", "retry", "reject"]
    provider_message_id: str = ""
    error: str = ""
    ambiguous: bool = False
    delivered: bool = False
    payload: dict[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ProviderStatus:
    """The provider's answer about one message, looked up by our client reference."""

    provider_message_id: str
    status: str  # accepted | delivered | failed
    error: str = ""
    payload: dict[str, Any] | None = field(default=None, compare=False)


class ProviderUnavailable(Exception):
    """The provider could not be asked (down, timed out, answered nonsense)."""


class Backend(Protocol):
    #: The provider sends delivery receipts (or can be polled for them).
    has_receipts: bool
    #: The provider can be asked whether it already has a message (by client reference).
    supports_lookup: bool

    def send(self, message: Message) -> Outcome: ...

    def lookup(self, message: Message) -> ProviderStatus | None:
        """None when the provider does not know the message; raises ProviderUnavailable."""
        ...


SMS_BACKENDS = {
    "console": "taxlight.notifications.backends.sms.ConsoleSmsBackend",
    "file": "taxlight.notifications.backends.sms.FileSmsBackend",
    "http": "taxlight.notifications.backends.sms.HttpSmsBackend",
}


def get_backend(channel: str) -> Backend:
    from taxlight.notifications.backends.email import EmailBackend
    from taxlight.notifications.kinds import Channel

    if channel == Channel.EMAIL:
        return EmailBackend()
    if channel == Channel.SMS:
        name = settings.SMS_BACKEND or "console"
        path = SMS_BACKENDS.get(name, name)
        try:
            cls = import_string(path)
        except ImportError as exc:
            raise ImproperlyConfigured(
                f"SMS_BACKEND must be one of {', '.join(SMS_BACKENDS)} or a dotted path, "
                f"not {name!r}"
            ) from exc
        backend: Backend = cls()
        return backend
    raise ValueError(f"channel {channel!r} has no sending backend")
