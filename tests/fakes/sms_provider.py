"""A fake SMS provider: a real HTTP server on 127.0.0.1 speaking the protocol of
docs/notifications.md, with switchable faults. It stands in for the outside system only; it
shares no code with taxlight (it signs receipts with its own HMAC code, as a provider would).

Protocol::

    POST /messages   {"to", "text", "sign", "client_ref", "callback_url"}  Bearer key
      -> 200 {"message_id"} | 409 {"message_id"} (client_ref seen before) | 400 | 401
    GET  /messages?client_ref=...  -> 200 {"message_id", "client_ref", "status"} | 404

Faults for the next POSTs (``fail_next``), applied in order, one per request:

* ``"500"``              answer 500 without accepting the message;
* ``"500_after_accept"`` accept the message, then answer 500;
* ``"hang"``             accept the message, then answer only after ``hang_seconds`` (longer
                         than the client's timeout);
* ``"drop"``             accept the message, then close the connection without an answer;
* ``"reject"``           answer 400 (invalid number);
* ``"unauthorised"``     answer 401;
* ``None``               behave normally.

Faults for the next lookups (``fail_lookups``): ``"500"``, ``"hang"``, ``None``.

``accepted`` counts, per client_ref, how many times the provider *accepted a new message*
(it would have been delivered to a handset): a correct client keeps every count at 1.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import random
import socket
import threading
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

SIGNATURE_HEADER = "X-Taxlight-Signature"

Poster = Callable[[str, bytes, dict[str, str]], int]


@dataclass
class StoredMessage:
    message_id: str
    client_ref: str
    to: str
    text: str
    sign: str
    callback_url: str
    status: str = "accepted"


@dataclass
class FakeSmsProvider:
    api_key: str = "fake-provider-key"
    secret: str = "fake-callback-secret"
    hang_seconds: float = 2.0
    messages: dict[str, StoredMessage] = field(default_factory=dict)
    accepted: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    requests: list[tuple[str, str, int | None]] = field(default_factory=list)
    receipts_sent: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._faults: deque[str | None] = deque()
        self._lookup_faults: deque[str | None] = deque()
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- control -----------------------------------------------------------------------

    def start(self) -> FakeSmsProvider:
        provider = self

        class Handler(_Handler):
            fake = provider

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="fake-sms", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # wake hanging handlers
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(self, *faults: str | None) -> None:
        with self._lock:
            self._faults.extend(faults)

    def fail_lookups(self, *faults: str | None) -> None:
        with self._lock:
            self._lookup_faults.extend(faults)

    @property
    def faults_left(self) -> int:
        with self._lock:
            return len(self._faults) + len(self._lookup_faults)

    def by_ref(self, client_ref: str) -> StoredMessage | None:
        with self._lock:
            return self.messages.get(client_ref)

    # --- receipts ----------------------------------------------------------------------

    def deliver(self, client_ref: str, status: str = "delivered", error: str = "") -> None:
        """The handset got it (or not): a receipt is due."""
        with self._lock:
            stored = self.messages[client_ref]
            stored.status = status
            self._pending.append(self._receipt(stored, status, error))

    def deliver_all(self) -> None:
        with self._lock:
            refs = [m.client_ref for m in self.messages.values() if m.status == "accepted"]
        for ref in refs:
            self.deliver(ref)

    def _receipt(self, stored: StoredMessage, status: str, error: str = "") -> dict[str, Any]:
        return {
            "receipt_id": uuid.uuid4().hex,
            "message_id": stored.message_id,
            "client_ref": stored.client_ref,
            "status": status,
            "error": error,
        }

    def sign(self, body: bytes) -> str:
        return "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()

    def signed(self, payload: Any, *, secret: str | None = None) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(payload, ensure_ascii=False).encode()
        key = self.secret if secret is None else secret
        signature = "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
        return body, {SIGNATURE_HEADER: signature, "Content-Type": "application/json"}

    def push_receipts(
        self,
        post: Poster | None = None,
        *,
        duplicate: bool = True,
        out_of_order: bool = True,
        replay_old: bool = True,
        seed: int = 7,
    ) -> list[int]:
        """Sends the pending receipts to the callback, one request each: every one twice
        (``duplicate``), newest first (``out_of_order``), plus a replay of receipts sent
        before (``replay_old``). ``post(url, body, headers) -> status``; by default a real
        HTTP POST to the message's callback_url. Returns the response codes."""
        with self._lock:
            batch, self._pending = self._pending, []
            old = list(self.receipts_sent)
        if out_of_order:
            batch.reverse()
        outgoing = [r for r in batch for _ in range(2 if duplicate else 1)]
        if replay_old and old:
            outgoing += random.Random(seed).sample(old, k=min(len(old), 3))
        statuses = []
        for receipt in outgoing:
            body, headers = self.signed(receipt)
            url = self.messages[receipt["client_ref"]].callback_url
            statuses.append((post or _http_post)(url, body, headers))
        with self._lock:
            self.receipts_sent.extend(batch)
        return statuses

    # --- bookkeeping used by the handler ----------------------------------------------

    def _next_fault(self, lookups: bool = False) -> str | None:
        with self._lock:
            queue = self._lookup_faults if lookups else self._faults
            return queue.popleft() if queue else None

    def _accept(self, data: dict[str, Any]) -> tuple[StoredMessage, bool]:
        """Stores a message; returns (message, is_new). A repeated client_ref is not new."""
        with self._lock:
            ref = data["client_ref"]
            existing = self.messages.get(ref)
            if existing is not None:
                self.duplicates[ref] += 1
                return existing, False
            stored = StoredMessage(
                message_id=f"fake-{uuid.uuid4().hex[:12]}",
                client_ref=ref,
                to=data["to"],
                text=data["text"],
                sign=data.get("sign", ""),
                callback_url=data.get("callback_url", ""),
            )
            self.messages[ref] = stored
            self.accepted[ref] += 1
            self._pending.append(self._receipt(stored, "accepted"))
            return stored, True


def _http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    return httpx.post(url, content=body, headers=headers, timeout=10).status_code


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSmsProvider
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self) -> bool:
        return self.headers.get("Authorization") == f"Bearer {self.fake.api_key}"

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        path = urlsplit(self.path).path
        if path != "/messages":
            self._send_json(404, {"error": "no such endpoint"})
            return
        fault = self.fake._next_fault()
        self.fake.requests.append(("POST", path, None))
        if fault == "unauthorised" or not self._authorised():
            self._send_json(401, {"error": "bad api key"})
            return
        try:
            data = json.loads(raw)
        except ValueError:
            self._send_json(400, {"error": "body is not JSON"})
            return
        to = str(data.get("to", ""))
        if fault == "reject" or not (to.startswith("+861") and len(to) == 14):
            self._send_json(400, {"error": "invalid number"})
            return
        if not data.get("text") or not data.get("client_ref"):
            self._send_json(400, {"error": "text and client_ref are required"})
            return
        if fault == "500":
            self._send_json(500, {"error": "internal error"})
            return
        stored, is_new = self.fake._accept(data)
        if fault == "drop":
            self._drop()
            return
        if fault == "hang":
            self.fake._release.wait(self.fake.hang_seconds)
        if fault == "500_after_accept":
            self._send_json(500, {"error": "internal error"})
            return
        with contextlib.suppress(OSError):  # the client may have given up waiting
            self._send_json(200 if is_new else 409, {"message_id": stored.message_id})

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != "/messages":
            self._send_json(404, {"error": "no such endpoint"})
            return
        self.fake.requests.append(("GET", parts.path, None))
        if not self._authorised():
            self._send_json(401, {"error": "bad api key"})
            return
        fault = self.fake._next_fault(lookups=True)
        if fault == "500":
            self._send_json(500, {"error": "internal error"})
            return
        if fault == "hang":
            self.fake._release.wait(self.fake.hang_seconds)
        ref = (parse_qs(parts.query).get("client_ref") or [""])[0]
        stored = self.fake.by_ref(ref)
        try:
            if stored is None:
                self._send_json(404, {"error": "unknown client_ref"})
            else:
                self._send_json(
                    200,
                    {"message_id": stored.message_id, "client_ref": ref, "status": stored.status},
                )
        except OSError:
            pass


def running(**kwargs: Any) -> Iterator[FakeSmsProvider]:
    """A started fake, stopped afterwards (for use in a fixture)."""
    fake = FakeSmsProvider(**kwargs).start()
    try:
        yield fake
    finally:
        fake.stop()
