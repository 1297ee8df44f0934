"""`/api/health`: public, honest, and never a crash."""

from __future__ import annotations

import os

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_health_is_public_and_ok_in_embedded_mode() -> None:
    response = Client().get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["cache"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


@override_settings(
    REDIS_URL=UNREACHABLE,
    CELERY_BROKER_URL=UNREACHABLE,
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": UNREACHABLE,
        }
    },
)
def test_unreachable_redis_reports_degraded_without_crashing() -> None:
    response = Client().get("/api/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["cache"] == {"ok": False, "detail": "unreachable"}
    assert body["checks"]["broker"] == {"ok": False, "detail": "unreachable"}
    assert "127.0.0.1" not in response.content.decode()  # no connection details for the public


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
def test_reachable_redis_reports_ok() -> None:
    url = os.environ["REDIS_URL"]
    with override_settings(
        REDIS_URL=url,
        CELERY_BROKER_URL=url,
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
        },
    ):
        body = Client().get("/api/health").json()
    assert body["status"] == "ok"
    assert body["checks"]["cache"] == {"ok": True, "detail": "redis"}
    assert body["checks"]["broker"] == {"ok": True, "detail": "redis"}
