"""E-mail through Django's mail framework: the ``default`` mailer of ``settings.MAILERS``
(console, file or SMTP, chosen by the ``EMAIL_BACKEND`` environment variable).

SMTP gives no delivery receipts: an e-mail ends at ``sent``. Each message carries a stable
``Message-ID`` made from our id, so a retry after an ambiguous SMTP failure is recognisable
as the same message by the receiving side."""

from __future__ import annotations

import smtplib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from taxlight.notifications.backends import Outcome, ProviderStatus

if TYPE_CHECKING:
    from taxlight.notifications.models import Message


class EmailBackend:
    has_receipts = False
    supports_lookup = False

    def send(self, message: Message) -> Outcome:
        message_id = f"<{message.id}@taxlight.notifications>"
        mail = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.address],
            headers={"Message-ID": message_id, "X-Taxlight-Kind": message.kind},
        )
        try:
            mail.send(using="default")
        except smtplib.SMTPRecipientsRefused as exc:
            return Outcome("reject", error=f"recipient refused: {exc.recipients!r}")
        except (smtplib.SMTPException, OSError) as exc:
            return Outcome("retry", error=f"mail server: {exc!r}")
        return Outcome("accepted", provider_message_id=message_id)

    def lookup(self, message: Message) -> ProviderStatus | None:
        return None
