"""The registry of message kinds: what may be sent, to which channels, under which rules.

Every message the system sends has a kind, registered here (or by a later feature with
:func:`register` from its AppConfig.ready). A kind names:

* its ``code`` (``<area>.<event>``, e.g. ``matter.accepted``),
* its ``category``, the unit of opt-out (a recipient turns off "reminders by SMS", not one
  kind at a time),
* the ``channels`` it goes to by default,
* whether SMS quiet hours apply (security and urgent kinds bypass them),
* whether recipients may opt out (security and system kinds may not),
* the context keys its templates need (``notify`` refuses a call that lacks one).

Its default texts are Django templates under
``templates/notifications/messages/<code>/<language>/`` (``subject.txt``, ``body.txt``,
optionally ``<channel>_subject.txt`` / ``<channel>_body.txt`` for one channel), and each can
be overridden per kind, channel and language in the admin (:class:`MessageTemplate`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    SITE = "site", _("In-site message")


class Category(models.TextChoices):
    SECURITY = "security", _("Account security")
    SYSTEM = "system", _("System messages")
    MATTER = "matter", _("Progress of my matters")
    POLICY = "policy", _("Policy and announcements")
    REMINDER = "reminder", _("Reminders and deadlines")
    MARKETING = "marketing", _("Surveys and service news")


#: Categories nobody may opt out of: a locked account must be told, whatever the settings.
MANDATORY_CATEGORIES = frozenset({Category.SECURITY, Category.SYSTEM})


@dataclass(frozen=True)
class Kind:
    code: str
    category: Category
    channels: tuple[Channel, ...]
    description: str | Promise
    quiet_hours: bool = True
    optional: bool = True
    params: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.code


KINDS: dict[str, Kind] = {}


def register(
    code: str,
    *,
    category: Category | str,
    channels: tuple[Channel | str, ...] | list[Channel | str],
    description: str | Promise,
    quiet_hours: bool | None = None,
    optional: bool | None = None,
    params: tuple[str, ...] | list[str] = (),
) -> Kind:
    """Registers a kind. ``quiet_hours`` and ``optional`` default from the category:
    security kinds bypass quiet hours and cannot be turned off."""
    if code in KINDS:
        raise ValueError(f"message kind {code!r} is registered twice")
    cat = Category(category)
    if not channels:
        raise ValueError(f"message kind {code!r} needs at least one channel")
    mandatory = cat in MANDATORY_CATEGORIES
    if optional and mandatory:
        raise ValueError(f"kind {code!r}: category {cat.value!r} cannot be opted out of")
    kind = Kind(
        code=code,
        category=cat,
        channels=tuple(Channel(c) for c in channels),
        description=description,
        quiet_hours=(cat != Category.SECURITY) if quiet_hours is None else quiet_hours,
        optional=(not mandatory) if optional is None else optional,
        params=tuple(params),
    )
    KINDS[code] = kind
    return kind


def get(code: str) -> Kind:
    try:
        return KINDS[code]
    except KeyError:
        raise LookupError(f"unknown message kind {code!r}: register it first") from None


def choices() -> list[tuple[str, str]]:
    return [(code, code) for code in sorted(KINDS)]


def optional_categories() -> list[Category]:
    """Categories a recipient may opt out of (those with at least one optional kind)."""
    used = {k.category for k in KINDS.values() if k.optional}
    return [c for c in Category if c in used]


# --- the foundation's kinds ---------------------------------------------------------------

register(
    "security.login_locked",
    category=Category.SECURITY,
    channels=(Channel.SMS, Channel.EMAIL, Channel.SITE),
    description=_("An account was locked after repeated failed sign-ins"),
    params=("username", "minutes"),
)
register(
    "matter.accepted",
    category=Category.MATTER,
    channels=(Channel.SMS, Channel.EMAIL, Channel.SITE),
    description=_("A matter submitted by the taxpayer was accepted"),
    params=("matter_no", "title", "due_date"),
)
register(
    "reminder.deadline",
    category=Category.REMINDER,
    channels=(Channel.SMS, Channel.SITE),
    description=_("A deadline is approaching"),
    params=("title", "due_date"),
)
register(
    "policy.published",
    category=Category.POLICY,
    channels=(Channel.EMAIL, Channel.SITE),
    description=_("A new policy document was published"),
    params=("title", "url"),
)
register(
    "test.ping",
    category=Category.SYSTEM,
    channels=(Channel.SMS, Channel.EMAIL, Channel.SITE),
    description=_("A test message sent by an administrator"),
    quiet_hours=True,
)
