"""A URLconf for tests: a small API (built like the real one) with operations that raise
every kind of error, and plain views, one of them declaring no access.

Used with ``@override_settings(ROOT_URLCONF="tests.api.testapi")``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from ninja import Router as NinjaRouter
from ninja import Schema

from taxlight.api.routing import Router, TaxlightAPI
from taxlight.api.throttling import AnonRateThrottle
from taxlight.audit.services import record
from taxlight.authz.access import public, requires, signed_in

router = Router()


class Payload(Schema):
    name: str
    count: int


@router.post("/echo/{item_id}")
@public
def echo(request: HttpRequest, item_id: int, payload: Payload, note: str = "") -> dict[str, Any]:
    """Path, body and query in one operation, under `from __future__ import annotations`."""
    return {"item_id": item_id, "name": payload.name, "count": payload.count, "note": note}


@router.get("/needs-input")
@signed_in
def needs_input(request: HttpRequest, number: int) -> dict[str, Any]:
    return {"number": number}


@router.post("/service-error")
@public
def service_error(request: HttpRequest) -> dict[str, Any]:
    raise ValidationError({"name": ["This name is taken."], "__all__": ["Nothing saved."]})


@router.get("/boom")
@public
def boom(request: HttpRequest) -> dict[str, Any]:
    raise RuntimeError("secret internals: password=hunter2")


@router.get("/limited", throttle=AnonRateThrottle("1/hour"))
@public
def limited(request: HttpRequest) -> dict[str, Any]:
    return {"ok": True}


@router.post("/record")
@signed_in
def record_something(request: HttpRequest) -> dict[str, Any]:
    entry = record("test.api.touch", object_type="test", object_id="1")
    return {"seq": entry.seq}


@router.get("/ledger-reader")
@requires("audit.view_ledger")
def ledger_reader(request: HttpRequest) -> dict[str, Any]:
    return {"ok": True}


# An operation mounted with ninja's own Router skips taxlight's: the API refuses every call to
# it (fail closed), declared or not.
plain_router = NinjaRouter()


@plain_router.get("/open")
@public
def plain_open(request: HttpRequest) -> dict[str, Any]:
    return {"ok": True}


test_api = TaxlightAPI(title="test API", version="test", urls_namespace="api_test")
test_api.add_router("", router)
test_api.add_router("/plain", plain_router)


@public
def declared_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("declared")


def undeclared_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("should never be served")


urlpatterns = [
    path("api/", test_api.urls),
    path("declared/", declared_view, name="declared"),
    path("undeclared/", undeclared_view, name="undeclared"),
    # the rest of the site, so that its templates (403.html…) can reverse their links
    path("", include("taxlight.urls")),
]
