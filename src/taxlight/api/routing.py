"""The adapter between taxlight's access declarations and django-ninja.

Operations are plain ninja operations that carry the same decorators as views::

    router = Router(tags=["org"])

    @router.get("/officers", response=list[OfficerOut])
    @paginate(Pagination)
    @requires("org.view")
    def officers(request, unit: int | None = None): ...

:class:`Router` (use it instead of ``ninja.Router``) does three things when an operation is
registered:

* refuses, at import time, a function that declares no access;
* gives the operation the authentication chain of :mod:`taxlight.api.auth`, ending with the
  declared access, so access is checked before the parameters and body are read;
* pins the function's signature with its annotations resolved. ninja resolves string
  annotations (``from __future__ import annotations``) in the globals of the *outermost*
  function, which for a decorated operation is ``taxlight.authz.access`` — a body schema
  would silently turn into a query parameter. Resolving them in the operation's own module
  and storing the result as ``__signature__`` (which ``inspect.signature`` honours) fixes it.

:class:`TaxlightAPI` serves the OpenAPI docs as public pages, answers unknown ``/api/`` paths
and wrong methods in the one error format, and lists its operations for the URL walk and the
docs (:func:`operations`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path, reverse
from ninja import NinjaAPI
from ninja import Router as NinjaRouter
from ninja.constants import NOT_SET

from taxlight.api import auth, errors
from taxlight.authz.access import Access, access_of, public

ERROR_STATUSES = {
    "public": (400, 429, 500),
    "default": (400, 401, 403, 404, 429, 500),
}


def describe(access: Access) -> str:
    """How the docs name an access declaration."""
    return {
        "public": "public",
        "signed_in": "signed in",
        "taxpayer": "taxpayer user",
    }.get(access.kind, f"permission `{access.permission}`")


class Router(NinjaRouter):
    def add_api_operation(
        self,
        path: str,
        methods: list[str],
        view_func: Callable[..., Any],
        *,
        auth: Any = NOT_SET,
        response: Any = NOT_SET,
        openapi_extra: dict[str, Any] | None = None,
        description: str | None = None,
        **kwargs: Any,
    ) -> None:
        access = access_of(view_func)
        if access is None:
            name = f"{view_func.__module__}.{view_func.__qualname__}"
            raise ImproperlyConfigured(
                f"API operation {name} declares no access: decorate it with @public, "
                "@signed_in, @taxpayer_required or @requires(...) from taxlight.authz.access"
            )
        if not hasattr(view_func, "__signature__"):
            view_func.__signature__ = inspect.signature(  # type: ignore[attr-defined]
                view_func, eval_str=True
            )
        if auth is NOT_SET:
            auth = auth_chain(access)
        statuses = ERROR_STATUSES["public" if access.kind == "public" else "default"]
        if response is not NOT_SET:
            given = response if isinstance(response, dict) else {200: response}
            response = {**given, **{s: errors.ErrorOut for s in statuses if s not in given}}
        extra: dict[str, Any] = {"x-taxlight-access": str(access)}
        if access.kind == "public":
            # OpenAPI: the empty requirement means "anonymous callers are welcome too" (ninja
            # appends it to the token and session requirements).
            extra["security"] = [{}]
        extra.update(openapi_extra or {})
        note = f"**Access:** {describe(access)}."
        doc = description if description is not None else inspect.cleandoc(view_func.__doc__ or "")
        super().add_api_operation(
            path,
            methods,
            view_func,
            auth=auth,
            response=response,
            openapi_extra=extra,
            description=f"{doc}\n\n{note}".strip(),
            **kwargs,
        )


def auth_chain(access: Access) -> list[Any]:
    return auth.chain(access)


@dataclass(frozen=True)
class OperationInfo:
    methods: tuple[str, ...]
    path: str  # as mounted, e.g. "/api/org/officers"
    view_func: Callable[..., Any]
    access: Access | None

    @property
    def name(self) -> str:
        return f"{self.view_func.__module__}.{self.view_func.__qualname__}"


def operations(api: NinjaAPI, mount: str = "/api/") -> Iterator[OperationInfo]:
    """Every operation of ``api``, as bound (the functions ninja will call), with its
    declaration. Works for any NinjaAPI, declared or not: the URL walk uses it."""
    for bound in api._get_bound_routers():
        for route, path_view in bound.path_operations.items():
            full = "/" + "/".join(
                p.strip("/") for p in (mount, bound.prefix, route) if p.strip("/")
            )
            for operation in path_view.operations:
                yield OperationInfo(
                    tuple(operation.methods),
                    full,
                    operation.view_func,
                    access_of(operation.view_func),
                )


def operation_url_names(api: NinjaAPI) -> set[str]:
    """The URL names ninja gives the operations' URL patterns."""
    names: set[str] = set()
    for bound in api._get_bound_routers():
        names.update(p.name for p in bound.urls_paths(bound.prefix) if p.name)
    return names


NINJA_OWN_URL_NAMES = frozenset({"openapi-json", "openapi-view", "api-root"})


def _json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ninja answers a wrong method with a plain-text 405; give it the one format."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = [m.strip() for m in response["Allow"].split(",") if m.strip()]
            return errors.method_not_allowed(request, allowed)
        return response

    return wrapper


class TaxlightAPI(NinjaAPI):
    """NinjaAPI with taxlight's routers, error format and public docs."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("default_router", Router())
        kwargs.setdefault("docs_decorator", public)
        # API-wide auth only matters for operations not registered through our Router
        # (there should be none): they identify callers but never admit one (fail closed).
        # It also tells the docs page to send the CSRF token.
        kwargs.setdefault("auth", [auth.BearerToken(), auth.SessionCookie()])
        super().__init__(**kwargs)
        errors.install(self)

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        out: list[URLResolver | URLPattern] = []
        for pattern in super()._get_urls():
            if isinstance(pattern, URLPattern) and pattern.name == "api-root":
                out.append(path("", public(self._index), name="api-root"))
            elif isinstance(pattern, URLPattern) and pattern.name not in NINJA_OWN_URL_NAMES:
                out.append(
                    URLPattern(
                        pattern.pattern,
                        _json_errors(pattern.callback),
                        pattern.default_args,
                        pattern.name,
                    )
                )
            else:
                out.append(pattern)
        out.append(re_path(r"^.*$", public(self._unknown), name="unknown"))
        return out

    def _index(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        ns = self.urls_namespace
        return JsonResponse(
            {
                "title": self.title,
                "version": self.version,
                "docs": reverse(f"{ns}:openapi-view") if self.docs_url else None,
                "openapi": reverse(f"{ns}:openapi-json") if self.openapi_url else None,
            }
        )

    def _unknown(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return errors.not_found(request)
