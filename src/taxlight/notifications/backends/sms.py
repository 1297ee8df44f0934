"""SMS backends: console and file for development, and a configurable HTTP provider.

The HTTP protocol (documented in docs/notifications.md)::

    POST {SMS_HTTP_URL}/messages          Authorization: Bearer {SMS_HTTP_API_KEY}
         {"to": "+8613812345678", "text": "...", "sign": "taxlight",
          "client_ref": "<our message uuid>", "callback_url": "https://.../receipts"}
      200/201/202 {"message_id": "..."}                accepted
      409         {"message_id": "..."}                we sent this client_ref before
      400/422     {"error": "..."}                     refused for good
      401/403/429                                      try later, nothing was accepted
      5xx, timeout, dropped connection                 unknown: ask before sending again

    GET  {SMS_HTTP_URL}/messages?client_ref=<uuid>
      200 {"message_id": "...", "client_ref": "...", "status": "accepted|delivered|failed",
           "error": "..."}
      404                                              the provider does not have it
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from taxlight.notifications.addresses import e164
from taxlight.notifications.backends import Outcome, ProviderStatus, ProviderUnavailable

if TYPE_CHECKING:
    from taxlight.notifications.models import Message

_file_lock = threading.Lock()


def signed_text(message: Message) -> str:
    return f"【{settings.SMS_SIGN_NAME}】{message.body}"


class ConsoleSmsBackend:
    """Writes each SMS to standard output. Development only: no receipts, no lookup."""

    has_receipts = False
    supports_lookup = False

    def send(self, message: Message) -> Outcome:
        sys.stdout.write(f"[sms] to {message.address}: {signed_text(message)}\n")
        sys.stdout.flush()
        return Outcome("accepted", provider_message_id=f"console-{message.id}", delivered=True)

    def lookup(self, message: Message) -> ProviderStatus | None:
        return None


class FileSmsBackend:
    """Appends each SMS as one JSON line to ``{SMS_FILE_PATH}/sms.jsonl``. Development only."""

    has_receipts = False
    supports_lookup = False

    @staticmethod
    def path() -> Path:
        return Path(settings.SMS_FILE_PATH) / "sms.jsonl"

    def send(self, message: Message) -> Outcome:
        path = self.path()
        record = {
            "at": timezone.now().isoformat(),
            "to": message.address,
            "text": signed_text(message),
            "kind": message.kind,
            "client_ref": message.client_ref,
        }
        try:
            with _file_lock:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as exc:
            return Outcome("retry", error=f"cannot write {path}: {exc}")
        return Outcome("accepted", provider_message_id=f"file-{message.id}", delivered=True)

    def lookup(self, message: Message) -> ProviderStatus | None:
        return None


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def callback_url() -> str:
    return (settings.TAXLIGHT_SITE_URL or "").rstrip("/") + reverse("notifications:sms_receipts")


class HttpSmsBackend:
    """A configurable HTTP SMS provider (see the module docstring for the protocol)."""

    has_receipts = True
    supports_lookup = True

    def __init__(
        self, *, url: str | None = None, api_key: str | None = None, timeout: float | None = None
    ) -> None:
        self.url = (url or settings.SMS_HTTP_URL or "").rstrip("/")
        if not self.url:
            raise ImproperlyConfigured("SMS_BACKEND=http needs SMS_HTTP_URL")
        self.api_key = api_key if api_key is not None else (settings.SMS_HTTP_API_KEY or "")
        self.timeout = float(timeout if timeout is not None else settings.SMS_HTTP_TIMEOUT)

    def _client(self) -> httpx.Client:
        headers = {"Accept": "application/json", "User-Agent": "taxlight-sms/1"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return httpx.Client(base_url=self.url, timeout=self.timeout, headers=headers)

    def send(self, message: Message) -> Outcome:
        payload = {
            "to": e164(message.address),
            "text": message.body,
            "sign": settings.SMS_SIGN_NAME,
            "client_ref": message.client_ref,
            "callback_url": callback_url(),
        }
        try:
            with self._client() as client:
                response = client.post("/messages", json=payload)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # The request never reached the provider: nothing can have been accepted.
            return Outcome("retry", error=f"provider unreachable: {exc!r}")
        except httpx.TimeoutException as exc:
            return Outcome("retry", error=f"provider timed out: {exc!r}", ambiguous=True)
        except httpx.HTTPError as exc:
            return Outcome("retry", error=f"connection failed mid-request: {exc!r}", ambiguous=True)
        data = _json(response)
        status = response.status_code
        provider_id = str(data.get("message_id") or "")
        if status in (200, 201, 202) and provider_id:
            return Outcome("accepted", provider_message_id=provider_id, payload=data)
        if status == 409 and provider_id:
            return Outcome(
                "accepted",
                provider_message_id=provider_id,
                payload=data,
                error="provider already had this client_ref",
            )
        if status in (400, 422):
            return Outcome(
                "reject", error=f"provider refused: {status} {data.get('error', '')}", payload=data
            )
        if status in (401, 403, 429):
            return Outcome(
                "retry", error=f"provider said {status} {data.get('error', '')}", payload=data
            )
        return Outcome(
            "retry", error=f"provider answered {status}", ambiguous=True, payload=data or None
        )

    def lookup(self, message: Message) -> ProviderStatus | None:
        try:
            with self._client() as client:
                response = client.get("/messages", params={"client_ref": message.client_ref})
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"status lookup failed: {exc!r}") from exc
        if response.status_code == 404:
            return None
        data = _json(response)
        if response.status_code != 200 or not data.get("message_id"):
            raise ProviderUnavailable(f"status lookup answered {response.status_code}")
        return ProviderStatus(
            provider_message_id=str(data["message_id"]),
            status=str(data.get("status") or "accepted"),
            error=str(data.get("error") or ""),
            payload=data,
        )
