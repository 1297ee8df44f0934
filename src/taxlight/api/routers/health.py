"""`/api/health`: can this instance serve? For load balancers and monitoring."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from ninja import Schema
from ninja.responses import Status

from taxlight.api.routing import Router
from taxlight.authz.access import public

router = Router(tags=["health"])
log = logging.getLogger("taxlight.api")

REDIS_TIMEOUT_SECONDS = 2.0


class CheckOut(Schema):
    ok: bool
    detail: str


class HealthOut(Schema):
    status: str  # "ok" or "degraded"
    mode: str  # "embedded" or "production"
    checks: dict[str, CheckOut]


def _database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure is "unreachable", with the details in the log
        log.exception("health: database unreachable")
        return False, "unreachable"
    return True, connection.vendor


def _redis(url: str, what: str) -> tuple[bool, str]:
    import redis

    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
        )
        try:
            client.ping()
        finally:
            client.close()
    except Exception:
        log.warning("health: %s unreachable", what, exc_info=True)
        return False, "unreachable"
    return True, "redis"


@router.get("/health", response={200: HealthOut, 503: HealthOut})
@public
def health(request: HttpRequest) -> Status:
    """200 and `ok` when the database (and, with `REDIS_URL` set, the cache and the job
    broker) answer; 503 and `degraded` otherwise, naming what failed. Never shows
    connection details."""
    checks: dict[str, dict[str, Any]] = {}
    ok, detail = _database()
    checks["database"] = {"ok": ok, "detail": detail}
    if settings.REDIS_URL:
        cache = settings.CACHES["default"]
        if cache["BACKEND"].endswith("RedisCache"):
            ok, detail = _redis(str(cache["LOCATION"]), "cache")
        else:
            ok, detail = True, "local"
        checks["cache"] = {"ok": ok, "detail": detail}
        ok, detail = _redis(settings.CELERY_BROKER_URL, "broker")
        checks["broker"] = {"ok": ok, "detail": detail}
    else:
        checks["cache"] = {"ok": True, "detail": "in-process (embedded mode)"}
        checks["broker"] = {"ok": True, "detail": "in-process (embedded mode)"}
    healthy = all(c["ok"] for c in checks.values())
    body = {
        "status": "ok" if healthy else "degraded",
        "mode": settings.TAXLIGHT_ENV,
        "checks": checks,
    }
    return Status(200 if healthy else 503, body)
