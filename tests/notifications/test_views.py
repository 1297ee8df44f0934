"""The inbox, preferences, the staff outbox and its permission and masking."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from taxlight.authz import permissions
from taxlight.authz.models import Role
from taxlight.notifications.forms import MessageTemplateForm
from taxlight.notifications.models import Message, NotificationPreference, Status
from taxlight.notifications.services import notify
from tests.factories import officer_with_role
from tests.notifications.conftest import DAYTIME
from tests.notifications.factories import matter_context, recipient, send_matter

VerifiedClient = Callable[[Any], Client]


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def inbox_message(user: Any, key: str, title: str = "增值税申报") -> Message:
    [msg] = send_matter(
        key, recipient=user, channels=["site"], context=matter_context(title=title), now=DAYTIME
    )
    return msg


# --- inbox ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_inbox_needs_a_signed_in_user(client: Client) -> None:
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302 and "/accounts/" in response["Location"]


@pytest.mark.django_db
def test_the_inbox_lists_only_my_in_site_messages() -> None:
    me, other = recipient(), recipient()
    inbox_message(me, "mine", "我的事项")
    inbox_message(other, "theirs", "别人的事项")
    send_matter("sms-only", recipient=me, channels=["sms"], now=DAYTIME)
    response = signed_in(me).get(reverse("notifications:inbox"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "我的事项" in body and "别人的事项" not in body
    assert body.count('class="list-group-item') == 1


@pytest.mark.django_db
def test_marking_a_message_read_updates_the_unread_count() -> None:
    me = recipient()
    first, _second = inbox_message(me, "a"), inbox_message(me, "b")
    client = signed_in(me)
    badge = client.get(reverse("notifications:unread_count"))
    assert badge.status_code == 200 and ">2</span>" in badge.content.decode()
    # when one is marked read via htmx
    response = client.post(
        reverse("notifications:mark_read", args=[first.pk]), headers={"HX-Request": "true"}
    )
    # then the row comes back without its button, and the badge is told to refresh
    assert response.status_code == 200
    assert response["HX-Trigger"] == "notifications-unread-changed"
    assert reverse("notifications:mark_read", args=[first.pk]) not in response.content.decode()
    first.refresh_from_db()
    assert first.read_at is not None
    assert ">1</span>" in client.get(reverse("notifications:unread_count")).content.decode()
    # and mark-all clears the rest
    assert client.post(reverse("notifications:mark_all_read")).status_code == 302
    assert ">0</span>" in client.get(reverse("notifications:unread_count")).content.decode()


@pytest.mark.django_db
def test_nobody_can_read_or_mark_someone_elses_message() -> None:
    me, other = recipient(), recipient()
    theirs = inbox_message(other, "theirs")
    client = signed_in(me)
    assert client.post(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 405
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- preferences ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_preferences_turn_categories_off_per_channel_but_never_security() -> None:
    me = recipient(language="en")
    client = signed_in(me)
    page = client.get(reverse("notifications:preferences"))
    assert page.status_code == 200
    assert 'name="receive_matter_sms"' in page.content.decode()
    assert 'name="receive_security_sms"' not in page.content.decode()
    # when I untick matter-by-SMS (and forge a field to turn security off)
    form = {
        "receive_matter_email": "on",
        "receive_matter_site": "on",
        "receive_reminder_sms": "on",
        "receive_reminder_site": "on",
        "receive_policy_email": "on",
        "receive_policy_site": "on",
        "receive_security_sms": "",
    }
    response = client.post(reverse("notifications:preferences"), form)
    assert response.status_code == 302
    # then only matter/sms is off
    off = set(
        NotificationPreference.objects.filter(user=me, opted_out=True).values_list(
            "category", "channel"
        )
    )
    assert off == {("matter", "sms")}
    by = {m.channel: m.status for m in send_matter(recipient=me, now=DAYTIME)}
    assert by == {"sms": Status.SUPPRESSED, "email": Status.QUEUED, "site": Status.DELIVERED}
    locked = notify(
        kind="security.login_locked",
        recipient=me,
        idempotency_key="l",
        context={"username": "u", "minutes": 5},
        channels=["sms"],
        now=DAYTIME,
    )
    assert locked[0].status == Status.QUEUED


# --- the staff outbox -----------------------------------------------------------------------


@pytest.fixture
def outbox_rows() -> list[Message]:
    user = recipient(mobile="13812345678", email="zhang.san@example.com")
    return send_matter("row", recipient=user, now=DAYTIME)


@pytest.mark.django_db
def test_the_outbox_is_refused_without_the_permission(
    verified_client: VerifiedClient, outbox_rows: list[Message]
) -> None:
    officer = officer_with_role(Role.OFFICER)
    response = verified_client(officer.user).get(reverse("notifications:outbox"))
    assert response.status_code == 403
    taxpayer = signed_in(recipient())
    assert taxpayer.get(reverse("notifications:outbox")).status_code == 403


@pytest.mark.django_db
def test_the_outbox_shows_full_addresses_to_holders_of_pii_view(
    verified_client: VerifiedClient, outbox_rows: list[Message]
) -> None:
    supervisor = officer_with_role(Role.SUPERVISOR)  # holds view_outbox and pii.view
    body = verified_client(supervisor.user).get(reverse("notifications:outbox")).content.decode()
    assert "13812345678" in body and "zhang.san@example.com" in body


@pytest.mark.django_db
def test_the_outbox_masks_addresses_for_everyone_else(
    verified_client: VerifiedClient, outbox_rows: list[Message], monkeypatch: Any
) -> None:
    # given a bureau whose catalogue does not let supervisors see personal data in full
    pii = permissions.get("pii.view")
    monkeypatch.setitem(
        permissions.PERMISSIONS,
        "pii.view",
        dataclasses.replace(pii, roles=frozenset({Role.SYSADMIN})),
    )
    supervisor = officer_with_role(Role.SUPERVISOR)
    client = verified_client(supervisor.user)
    body = client.get(reverse("notifications:outbox")).content.decode()
    assert "13812345678" not in body and "zhang.san@example.com" not in body
    assert "138****5678" in body and "z***@example.com" in body
    sms = next(m for m in outbox_rows if m.channel == "sms")
    detail = client.get(reverse("notifications:outbox_detail", args=[sms.pk]))
    assert detail.status_code == 200 and "13812345678" not in detail.content.decode()


@pytest.mark.django_db
def test_the_outbox_filters_by_status_and_channel(
    verified_client: VerifiedClient, outbox_rows: list[Message]
) -> None:
    client = verified_client(officer_with_role(Role.SYSADMIN).user)
    url = reverse("notifications:outbox")
    page = client.get(url, {"channel": "site"})
    assert list(page.context["page"].object_list) == [m for m in outbox_rows if m.channel == "site"]
    page = client.get(url, {"status": "queued", "channel": "sms"})
    assert [m.channel for m in page.context["page"].object_list] == ["sms"]
    # a value that is not a choice is an error on that field, and lists nothing
    page = client.get(url, {"status": "lost"})
    assert page.status_code == 200 and page.context["form"].errors["status"]
    assert list(page.context["page"].object_list) == []


@pytest.mark.django_db
def test_administrators_send_test_messages_with_validated_addresses(
    verified_client: VerifiedClient, settings: Any
) -> None:
    settings.SMS_QUIET_HOURS = "off"
    client = verified_client(officer_with_role(Role.SYSADMIN).user)
    response = client.post(reverse("notifications:send_test"), {"address": "12345"})
    assert response.status_code == 400
    assert response.context["test_form"].errors["address"]
    assert 'class="invalid-feedback"' in response.content.decode()
    assert not Message.objects.exists()
    response = client.post(reverse("notifications:send_test"), {"address": "13812345678"})
    assert response.status_code == 302
    [msg] = Message.objects.all()
    assert msg.kind == "test.ping" and msg.channel == "sms" and msg.address == "13812345678"
    # supervisors may look at the outbox but not send
    supervisor = verified_client(officer_with_role(Role.SUPERVISOR).user)
    assert (
        supervisor.post(reverse("notifications:send_test"), {"address": "13812345678"}).status_code
        == 403
    )


# --- admin-editable templates ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_template_form_refuses_broken_templates_and_unused_channels() -> None:
    form = MessageTemplateForm(
        data={
            "kind": "policy.published",
            "channel": "sms",
            "language": "en",
            "subject": "",
            "active": "on",
            "body": "{% if %}",
        }
    )
    assert not form.is_valid()
    assert "body" in form.errors and "channel" in form.errors
    form = MessageTemplateForm(
        data={
            "kind": "matter.accepted",
            "channel": "sms",
            "language": "en",
            "subject": "",
            "active": "on",
            "body": "Accepted {{ matter_no }}",
        }
    )
    assert form.is_valid(), form.errors


@pytest.mark.django_db
def test_saving_a_template_in_the_admin_is_on_the_ledger(
    verified_client: VerifiedClient,
) -> None:
    from taxlight.audit.models import LedgerEntry

    admin = officer_with_role(Role.SYSADMIN).user
    admin.is_staff = True
    admin.is_superuser = True
    admin.save()
    client = verified_client(admin)
    response = client.post(
        reverse("admin:notifications_messagetemplate_add"),
        {
            "kind": "matter.accepted",
            "channel": "sms",
            "language": "en",
            "subject": "",
            "body": "Accepted {{ matter_no }}",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = LedgerEntry.objects.get(action="notifications.template.create")
    assert entry.actor_id == admin.pk


def test_the_pages_declare_their_access() -> None:
    from django.urls import resolve

    from taxlight.authz.access import access_of

    expected = {
        "inbox": "signed_in",
        "unread_count": "signed_in",
        "preferences": "signed_in",
        "mark_all_read": "signed_in",
        "outbox": "permission:notifications.view_outbox",
        "sms_receipts": "public",
        "send_test": "permission:notifications.send_test",
    }
    for name, access in expected.items():
        assert str(access_of(resolve(reverse(f"notifications:{name}")).func)) == access
