"""Kinds, their templates in both languages, and administrators' overrides."""

from __future__ import annotations

import pytest

from taxlight.notifications import kinds
from taxlight.notifications.kinds import Channel
from taxlight.notifications.models import MessageTemplate
from taxlight.notifications.rendering import render
from taxlight.notifications.services import NotifyError, notify
from tests.notifications.conftest import DAYTIME
from tests.notifications.factories import matter_context, recipient

SAMPLE = {
    "username": "zhangsan",
    "minutes": 30,
    "matter_no": "SL-1",
    "title": "T",
    "due_date": "D",
    "url": "https://example.invalid/p/1",
    "sender": "admin",
}


@pytest.mark.django_db
@pytest.mark.parametrize("code", sorted(kinds.KINDS))
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_kind_has_a_text_for_each_channel_and_language(code: str, language: str) -> None:
    kind = kinds.get(code)
    for channel in kind.channels:
        rendered = render(kind, channel, language, SAMPLE)
        assert rendered.body.strip()
        if channel == Channel.EMAIL:
            assert rendered.subject.strip(), f"{code} has no e-mail subject in {language}"
        if channel == Channel.SMS:
            assert "\n" not in rendered.body and len(rendered.body) <= 140


@pytest.mark.django_db
def test_messages_are_rendered_in_the_recipients_language() -> None:
    # given one Chinese-speaking and one English-speaking recipient
    zh, en = recipient(language="zh-hans"), recipient(language="en")
    # when both are told their matter was accepted
    zh_msgs = notify(
        kind="matter.accepted",
        recipient=zh,
        context=matter_context(),
        idempotency_key="a",
        channels=["email"],
        now=DAYTIME,
    )
    en_msgs = notify(
        kind="matter.accepted",
        recipient=en,
        context=matter_context(),
        idempotency_key="b",
        channels=["email"],
        now=DAYTIME,
    )
    # then each reads it in their own language, with the context filled in
    assert zh_msgs[0].language == "zh-hans"
    assert zh_msgs[0].subject == "事项 SL-2025-0001 已受理"
    assert "增值税留抵退税申请" in zh_msgs[0].body
    assert en_msgs[0].language == "en"
    assert en_msgs[0].subject == "Matter SL-2025-0001 has been accepted"
    assert "will complete it by 2025-03-20" in en_msgs[0].body


@pytest.mark.django_db
def test_texts_are_plain_text_not_html_escaped() -> None:
    user = recipient(language="en")
    [msg] = notify(
        kind="matter.accepted",
        recipient=user,
        channels=["site"],
        context=matter_context(title="R&D <deduction>"),
        idempotency_key="x",
        now=DAYTIME,
    )
    assert '"R&D <deduction>"' in msg.body


@pytest.mark.django_db
def test_an_administrators_override_replaces_the_default_for_its_channel_and_language() -> None:
    # given an override of the English SMS text only
    MessageTemplate.objects.create(
        kind="matter.accepted",
        channel="sms",
        language="en",
        body="Accepted: {{ matter_no }}. {{ bureau_name }}",
    )
    en, zh = recipient(language="en"), recipient(language="zh-hans")
    # when
    en_msgs = notify(
        kind="matter.accepted",
        recipient=en,
        context=matter_context(),
        idempotency_key="en",
        channels=["sms", "email"],
        now=DAYTIME,
    )
    zh_msgs = notify(
        kind="matter.accepted",
        recipient=zh,
        context=matter_context(),
        idempotency_key="zh",
        channels=["sms"],
        now=DAYTIME,
    )
    # then the English SMS uses it; the English e-mail and the Chinese SMS keep the defaults
    by_channel = {m.channel: m for m in en_msgs}
    assert by_channel["sms"].body.startswith("Accepted: SL-2025-0001.")
    assert by_channel["email"].subject == "Matter SL-2025-0001 has been accepted"
    assert zh_msgs[0].body.startswith("您提交的")


@pytest.mark.django_db
def test_an_inactive_or_broken_override_falls_back_to_the_default() -> None:
    MessageTemplate.objects.create(
        kind="matter.accepted",
        channel="sms",
        language="zh-hans",
        body="不用的 {{ matter_no }}",
        active=False,
    )
    MessageTemplate.objects.create(
        kind="matter.accepted", channel="site", language="zh-hans", body="{% if %}broken"
    )
    user = recipient()
    msgs = notify(
        kind="matter.accepted",
        recipient=user,
        context=matter_context(),
        idempotency_key="k",
        channels=["sms", "site"],
        now=DAYTIME,
    )
    assert all(m.body.startswith("您") for m in msgs)


@pytest.mark.django_db
def test_a_call_missing_template_context_is_refused_and_nothing_is_stored() -> None:
    from taxlight.notifications.models import Message

    with pytest.raises(NotifyError, match="needs context due_date"):
        notify(
            kind="matter.accepted",
            recipient=recipient(),
            idempotency_key="k",
            context={"matter_no": "1", "title": "t"},
            now=DAYTIME,
        )
    assert not Message.objects.exists()


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(LookupError, match=r"unknown message kind 'no\.such'"):
        kinds.get("no.such")


def test_kinds_cannot_be_registered_twice_nor_security_made_optional() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        kinds.register("test.ping", category="system", channels=["sms"], description="x")
    with pytest.raises(ValueError, match="cannot be opted out of"):
        kinds.register(
            "security.other", category="security", channels=["sms"], description="x", optional=True
        )
    assert "security.other" not in kinds.KINDS


def test_security_kinds_bypass_quiet_hours_and_cannot_be_turned_off() -> None:
    locked = kinds.get("security.login_locked")
    assert not locked.quiet_hours and not locked.optional
    accepted = kinds.get("matter.accepted")
    assert accepted.quiet_hours and accepted.optional
