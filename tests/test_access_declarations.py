"""Every URL declares who may reach it.

The walk visits every URL pattern of ``taxlight.urls``, through every include, and asks the
same question the middleware asks at run time (:func:`declared_access`): Django's admin is
covered by one rule; patterns of the ninja API (whose namespace starts with ``api``, which
the middleware leaves to the API layer) are covered by walking **every operation** of the
API and checking its function's declaration. ninja's own docs, schema and root views count
as public. The walk is then shown to fail on an undeclared view and an undeclared operation,
and the middleware to refuse an undeclared view at run time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path
from django.urls.resolvers import ResolverMatch
from ninja import NinjaAPI
from ninja import Router as PlainNinjaRouter

from taxlight.api.main import api as taxlight_api
from taxlight.api.routing import NINJA_OWN_URL_NAMES, operation_url_names, operations
from taxlight.authz.access import public
from taxlight.authz.middleware import declared_access, is_api


@dataclass(frozen=True)
class Found:
    route: str
    callback: Any
    name: str | None
    app_names: tuple[str, ...]
    namespaces: tuple[str, ...]

    def match(self) -> ResolverMatch:
        return ResolverMatch(
            self.callback,
            (),
            {},
            self.name,
            list(self.app_names),
            list(self.namespaces),
            route=self.route,
        )

    def label(self) -> str:
        view = getattr(self.callback, "__qualname__", repr(self.callback))
        module = getattr(self.callback, "__module__", "?")
        return f"/{self.route} ({module}.{view}, name={self.name!r})"


def walk(
    patterns: Sequence[URLPattern | URLResolver],
    prefix: str = "",
    app_names: tuple[str, ...] = (),
    namespaces: tuple[str, ...] = (),
) -> Iterator[Found]:
    """Every URL pattern, with the route, app names and namespaces it resolves under."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(
                entry.url_patterns,
                route,
                app_names + ((entry.app_name,) if entry.app_name else ()),
                namespaces + ((entry.namespace,) if entry.namespace else ()),
            )
        else:
            yield Found(route, entry.callback, entry.name, app_names, namespaces)


def undeclared(patterns: Sequence[URLPattern | URLResolver], apis: Sequence[NinjaAPI]) -> list[str]:
    """What declares no access: plain views, API patterns that are neither ninja's own nor an
    operation, operations of the given APIs, and API mounts of unknown APIs."""
    problems: list[str] = []
    by_namespace = {a.urls_namespace: a for a in apis}
    operation_names = {ns: operation_url_names(a) for ns, a in by_namespace.items()}
    mounted: set[str] = set()
    for found in walk(patterns):
        match = found.match()
        if not is_api(match):
            if declared_access(match) is None:
                problems.append(f"view {found.label()} declares no access")
            continue
        namespace = found.namespaces[0]
        if namespace not in by_namespace:
            problems.append(
                f"{found.label()} is in API namespace {namespace!r}, whose "
                "operations this walk was not given"
            )
            continue
        mounted.add(namespace)
        if found.name in NINJA_OWN_URL_NAMES or declared_access(match) is not None:
            continue  # docs, schema, root: public; or a declared extra view
        if found.name not in operation_names[namespace]:
            problems.append(f"API pattern {found.label()} is no operation and declares no access")
    for namespace in sorted(mounted):
        for op in operations(by_namespace[namespace]):
            if op.access is None:
                problems.append(
                    f"API operation {'/'.join(op.methods)} {op.path} ({op.name}) declares no access"
                )
    return problems


# --- the real URLconf ---------------------------------------------------------------------------


def test_every_url_and_every_api_operation_declares_its_access() -> None:
    problems = undeclared(get_resolver().url_patterns, [taxlight_api])
    assert problems == [], "\n".join(problems)


def test_the_walk_reaches_every_api_operation() -> None:
    # guards the walk against ninja changing how it mounts operations: each operation route
    # found by walking the API is also served by a URL pattern of the real URLconf
    api_routes = {
        "/" + f.route.replace("<", "{").replace(">", "}")
        for f in walk(get_resolver().url_patterns)
        if f.namespaces[:1] == ("api",)
    }
    op_paths = {op.path for op in operations(taxlight_api)}
    assert op_paths, "no operations found"
    assert op_paths <= {r.rstrip("/") if r != "/api/" else r for r in api_routes}, (
        op_paths - api_routes
    )


def test_the_walk_covers_admin_and_ninja_own_views() -> None:
    found = list(walk(get_resolver().url_patterns))
    assert any("admin" in f.namespaces for f in found)
    assert {f.name for f in found if f.namespaces[:1] == ("api",)} >= NINJA_OWN_URL_NAMES


# --- the walk can fail ------------------------------------------------------------------------


def _undeclared_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("nobody said who may see this")


@public
def _declared_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("anyone")


def _plain_api_with_an_undeclared_operation() -> NinjaAPI:
    """Built with ninja's own Router: taxlight's would refuse the operation outright."""
    router = PlainNinjaRouter()

    @router.get("/open")
    @public
    def declared_operation(request: HttpRequest) -> dict[str, str]:
        return {}

    @router.get("/leaky")
    def undeclared_operation(request: HttpRequest) -> dict[str, str]:
        return {}

    plain = NinjaAPI(urls_namespace="api_walktest", version="walktest")
    plain.add_router("/things", router)
    return plain


def test_the_walk_reports_an_undeclared_view() -> None:
    patterns = [
        path("ok/", _declared_view),
        path("nested/", ([path("leak/", _undeclared_view, name="leak")], "nested", "nested")),
    ]
    problems = undeclared(patterns, [])
    assert len(problems) == 1
    assert "nested/leak/" in problems[0] and "_undeclared_view" in problems[0]


def test_the_walk_reports_an_undeclared_api_operation() -> None:
    plain = _plain_api_with_an_undeclared_operation()
    problems = undeclared([path("api/", plain.urls)], [plain])
    assert len(problems) == 1, problems
    assert "GET /api/things/leaky" in problems[0]
    assert "undeclared_operation" in problems[0]


def test_the_walk_reports_an_api_it_was_not_told_about() -> None:
    plain = _plain_api_with_an_undeclared_operation()
    problems = undeclared([path("api/", plain.urls)], [])
    assert problems and all("api_walktest" in p for p in problems)


def test_the_walk_reports_an_undeclared_plain_view_inside_an_api_namespace() -> None:
    # the middleware skips everything in an api* namespace: the walk must not
    plain = NinjaAPI(urls_namespace="api_sneaky", version="sneaky")
    patterns = [
        path("api/", plain.urls),
        path("api2/", ([path("x/", _undeclared_view, name="x")], "app", "api_extra")),
    ]
    problems = undeclared(patterns, [plain])
    assert any("api_extra" in p for p in problems), problems


# --- run time: the middleware refuses an undeclared view -----------------------------------------


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.api.testapi")
def test_an_undeclared_view_is_refused_at_run_time() -> None:
    client = Client()
    assert client.get("/declared/").status_code == 200
    response = client.get("/undeclared/")
    assert response.status_code == 403
    assert b"should never be served" not in response.content
