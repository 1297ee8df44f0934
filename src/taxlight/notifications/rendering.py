"""Renders a kind's subject and body for one channel in the recipient's language.

Lookup order: an active :class:`MessageTemplate` row for (kind, channel, language), else the
template files ``notifications/messages/<kind>/<language>/<channel>_<part>.txt`` then
``.../<part>.txt``. Texts are plain text (no HTML escaping); the inbox escapes on display.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template import Context, Template, TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import select_template
from django.utils import translation

from taxlight.notifications.kinds import Channel, Kind

LANGUAGES = ("zh-hans", "en")


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def resolve_language(language: str | None) -> str:
    lang = (language or "").lower()
    if lang in LANGUAGES:
        return lang
    if lang.startswith("zh"):
        return "zh-hans"
    if lang.startswith("en"):
        return "en"
    return settings.LANGUAGE_CODE


def template_names(kind: str, channel: str, language: str, part: str) -> list[str]:
    base = f"notifications/messages/{kind}/{language}"
    return [f"{base}/{channel}_{part}.txt", f"{base}/{part}.txt"]


def _file_template(kind: str, channel: str, language: str, part: str) -> Template | None:
    try:
        return select_template(template_names(kind, channel, language, part)).template
    except TemplateDoesNotExist:
        return None


def base_context() -> dict[str, Any]:
    return {
        "bureau_name": settings.TAXLIGHT_BUREAU_NAME,
        "site_url": settings.TAXLIGHT_SITE_URL,
    }


def check_syntax(text: str) -> None:
    """Raises TemplateSyntaxError for a template an administrator typed wrongly."""
    Template(text)


def render(kind: Kind, channel: str, language: str, context: Mapping[str, Any]) -> Rendered:
    from taxlight.notifications.models import MessageTemplate

    language = resolve_language(language)
    override = MessageTemplate.objects.filter(
        kind=kind.code, channel=channel, language=language, active=True
    ).first()
    ctx = Context({**base_context(), **context}, autoescape=False)
    with translation.override(language):
        if override is not None:
            try:
                subject = Template(override.subject).render(ctx) if override.subject else ""
                body = Template(override.body).render(ctx)
                return _clean(channel, subject, body)
            except TemplateSyntaxError:
                pass  # a broken override must not stop the message: fall back to the file
        body_tpl = _file_template(kind.code, channel, language, "body")
        if body_tpl is None:
            raise TemplateDoesNotExist(
                ", ".join(template_names(kind.code, channel, language, "body"))
            )
        subject_tpl = _file_template(kind.code, channel, language, "subject")
        subject = subject_tpl.render(ctx) if subject_tpl is not None else ""
        return _clean(channel, subject, body_tpl.render(ctx))


def _clean(channel: str, subject: str, body: str) -> Rendered:
    subject = " ".join(subject.split())[:255]
    body = body.strip()
    if channel == Channel.SMS:
        body = " ".join(body.split())  # an SMS is one paragraph
        subject = ""
    return Rendered(subject=subject, body=body)
