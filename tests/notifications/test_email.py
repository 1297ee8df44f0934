"""E-mail through Django's mail backends: the file backend's output, and SMTP failures."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path
from typing import Any

import pytest
from django.core import mail

from taxlight.notifications.models import Message, Status
from taxlight.notifications.services import dispatch, dispatch_due
from tests.notifications.conftest import DAYTIME
from tests.notifications.factories import recipient, send_matter


@pytest.mark.django_db
def test_the_file_backend_writes_the_rendered_email(settings: Any, tmp_path: Path) -> None:
    # given the development file backend
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path / "email")},
        }
    }
    user = recipient(email="li.si@example.com", language="en")
    # when a matter-accepted e-mail is dispatched
    [msg] = send_matter(recipient=user, channels=["email"], now=DAYTIME)
    dispatch(msg.pk, now=DAYTIME)
    # then one file holds it, addressed, with its subject, text and stable Message-ID
    [written] = list((tmp_path / "email").iterdir())
    raw = written.read_text(encoding="utf-8").split("\n" + "-" * 79)[0]
    parsed = email.message_from_string(raw, policy=email.policy.default)
    assert parsed["To"] == "li.si@example.com"
    assert parsed["Subject"] == "Matter SL-2025-0001 has been accepted"
    assert parsed["Message-ID"] == f"<{msg.pk}@taxlight.notifications>"
    assert "will complete it by 2025-03-20" in parsed.get_content()  # type: ignore[attr-defined]
    msg.refresh_from_db()
    assert msg.status == Status.SENT  # SMTP has no receipts: sent is final
    assert msg.provider_message_id == f"<{msg.pk}@taxlight.notifications>"


@pytest.mark.django_db
def test_chinese_subjects_survive_the_mail_encoding() -> None:
    # pytest-django's locmem backend keeps sent mail in mail.outbox
    [msg] = send_matter(recipient=recipient(), channels=["email"], now=DAYTIME)
    dispatch(msg.pk, now=DAYTIME)
    [sent] = mail.outbox
    assert sent.subject == "事项 SL-2025-0001 已受理"
    assert sent.to == [msg.address]


@pytest.mark.django_db
def test_an_unreachable_mail_server_is_retried_then_given_up(settings: Any) -> None:
    # given SMTP pointed at a port nobody listens on
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    settings.NOTIFY_MAX_ATTEMPTS = 2
    [msg] = send_matter(recipient=recipient(), channels=["email"], now=DAYTIME)
    # when it is dispatched
    dispatch(msg.pk, now=DAYTIME)
    msg = Message.objects.get(pk=msg.pk)
    # then it waits and retries, then fails with the reason
    assert msg.status == Status.QUEUED and "mail server" in msg.last_error
    dispatch_due(now=DAYTIME + dt.timedelta(minutes=5))
    msg = Message.objects.get(pk=msg.pk)
    assert msg.status == Status.FAILED and msg.attempts == 2
