"""One error format for the whole API.

Every error, whatever raised it, leaves as::

    {"error": {"code": "permission_denied",
               "message": "<in the user's language>",
               "fields": {"page": ["Enter a whole number."]},
               "request_id": "…"}}

``code`` is stable and meant for programs; ``message`` is for people and follows
``Accept-Language``; ``fields`` is empty unless the input was at fault; ``request_id`` is the
id of this request in the logs and in the audit ledger (also sent as ``X-Request-ID``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from taxlight.authz.access import NotSignedIn, SecondFactorRequired

log = logging.getLogger("taxlight.api")

ALL_FIELDS = NON_FIELD_ERRORS  # "__all__": errors about the input as a whole


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]
    request_id: str


class ErrorOut(Schema):
    """The body of every error response."""

    error: ErrorBody


class ApiError(Exception):
    """An error the API reports as is: raise it from an operation or an authenticator."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        code: str | None = None,
        fields: Mapping[str, Sequence[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.fields = {k: list(v) for k, v in (fields or {}).items()}
        self.headers = dict(headers or {})
        super().__init__(message or self.code)


class InvalidToken(ApiError):
    """The request carries an Authorization header that does not authenticate."""

    status = 401
    code = "invalid_token"

    def __init__(self, message: str, *, code: str = "invalid_token") -> None:
        super().__init__(
            message,
            code=code,
            headers={"WWW-Authenticate": 'Bearer realm="taxlight", error="invalid_token"'},
        )


class CsrfFailed(ApiError):
    status = 403
    code = "csrf_failed"


def error_response(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: Mapping[str, Sequence[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    body = {
        "error": {
            "code": code,
            "message": str(message),
            "fields": {key: [str(m) for m in msgs] for key, msgs in (fields or {}).items()},
            "request_id": getattr(request, "request_id", ""),
        }
    }
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# --- field-level messages for request validation ----------------------------------------------


def _validation_message(error: Mapping[str, Any]) -> str:
    """Pydantic's English message, replaced by a translatable one for the common kinds."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("Enter a whole number.")
    if kind in {"float_parsing", "float_type", "decimal_parsing", "decimal_type"}:
        return _("Enter a number.")
    if kind in {"bool_parsing", "bool_type"}:
        return _("Enter true or false.")
    if kind in {"string_type"}:
        return _("Enter text.")
    if kind == "string_too_short":
        return _("Enter at least %(n)s characters.") % {"n": ctx.get("min_length", "?")}
    if kind == "string_too_long":
        return _("Enter at most %(n)s characters.") % {"n": ctx.get("max_length", "?")}
    if kind == "string_pattern_mismatch":
        return _("This value does not have the expected format.")
    if kind in {"greater_than_equal", "greater_than"}:
        bound = ctx.get("ge", ctx.get("gt", "?"))
        if kind == "greater_than":
            return _("Enter a value greater than %(n)s.") % {"n": bound}
        return _("Enter a value greater than or equal to %(n)s.") % {"n": bound}
    if kind in {"less_than_equal", "less_than"}:
        bound = ctx.get("le", ctx.get("lt", "?"))
        if kind == "less_than":
            return _("Enter a value less than %(n)s.") % {"n": bound}
        return _("Enter a value less than or equal to %(n)s.") % {"n": bound}
    if kind in {"enum", "literal_error"}:
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind in {"date_parsing", "date_from_datetime_parsing", "date_type"}:
        return _("Enter a valid date (YYYY-MM-DD).")
    if kind in {"datetime_parsing", "datetime_from_date_parsing", "datetime_type"}:
        return _("Enter a valid date and time (ISO 8601).")
    if kind in {"uuid_parsing", "uuid_type"}:
        return _("Enter a valid UUID.")
    if kind in {"json_invalid", "json_type"}:
        return _("The request body is not valid JSON.")
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return _("This must be a JSON object.")
    if kind == "list_type":
        return _("This must be a list.")
    return str(error.get("msg", _("This value is not valid.")))


def _field_name(loc: Sequence[Any]) -> str:
    """``("query", "page")`` → ``page``; ``("body", "payload", "name")`` → ``name`` (a body
    schema's fields are sent at the top level of the JSON body); whole-body errors →
    ``__all__``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body" and len(parts) > 2:
        parts = parts[2:]
    elif parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "file"}:
        parts = parts[1:]
    return ".".join(parts) or ALL_FIELDS


def validation_fields(errors: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        fields.setdefault(_field_name(error.get("loc", ())), []).append(_validation_message(error))
    return fields


def django_validation_fields(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {key: [str(m) for m in msgs] for key, msgs in exc.message_dict.items()}
    return {ALL_FIELDS: [str(m) for m in exc.messages]}


# --- the handlers -------------------------------------------------------------------------------

_STATUS_CODES = {
    400: "bad_request",
    401: "not_signed_in",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
}


def _status_message(status: int) -> str:
    return {
        400: _("The request could not be understood."),
        401: _("Sign in, or send an API token, to use this."),
        403: _("You do not have permission to do this."),
        404: _("Nothing was found at this address."),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
        429: _("Too many requests: please wait and try again."),
    }.get(status, _("The request failed."))


def not_found(request: HttpRequest) -> HttpResponse:
    return error_response(request, 404, "not_found", _status_message(404))


def method_not_allowed(request: HttpRequest, allowed: Iterable[str]) -> HttpResponse:
    methods = ", ".join(sorted(allowed))
    return error_response(
        request,
        405,
        "method_not_allowed",
        _("This method is not allowed here. Allowed: %(methods)s.") % {"methods": methods},
        headers={"Allow": methods},
    )


def install(api: NinjaAPI) -> None:
    """Registers the handlers that give every error the one format."""

    @api.exception_handler(ApiError)
    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        message = exc.message or _status_message(exc.status)
        return error_response(request, exc.status, exc.code, message, exc.fields, exc.headers)

    @api.exception_handler(NinjaValidationError)
    def on_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return error_response(
            request,
            400,
            "invalid_input",
            _("Some of the data sent is not valid."),
            validation_fields(exc.errors),
        )

    @api.exception_handler(DjangoValidationError)
    def on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return error_response(
            request,
            400,
            "invalid_input",
            _("Some of the data sent is not valid."),
            django_validation_fields(exc),
        )

    @api.exception_handler(NotSignedIn)
    def on_not_signed_in(request: HttpRequest, exc: NotSignedIn) -> HttpResponse:
        return error_response(
            request,
            401,
            "not_signed_in",
            _status_message(401),
            headers={"WWW-Authenticate": 'Bearer realm="taxlight"'},
        )

    @api.exception_handler(SecondFactorRequired)
    def on_second_factor(request: HttpRequest, exc: SecondFactorRequired) -> HttpResponse:
        return error_response(
            request,
            401,
            "second_factor_required",
            _("Confirm your sign-in with the code from your authenticator app first."),
        )

    @api.exception_handler(PermissionDenied)
    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        message = str(exc) if exc.args and exc.args[0] else _status_message(403)
        return error_response(request, 403, "permission_denied", message)

    @api.exception_handler(Http404)
    @api.exception_handler(ObjectDoesNotExist)
    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Never the exception's text: it names models and lookups.
        return not_found(request)

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return error_response(request, 413, "too_large", _status_message(413))

    @api.exception_handler(SuspiciousOperation)
    def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        log.warning("suspicious API request: %s", exc)
        return error_response(request, 400, "bad_request", _status_message(400))

    @api.exception_handler(Throttled)
    def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        if exc.wait:
            message = _("Too many requests: please wait %(seconds)d seconds and try again.") % {
                "seconds": max(int(exc.wait + 0.999), 1)
            }
        else:
            message = _status_message(429)
        return error_response(request, 429, "rate_limited", message)

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        if status == 400 and str(exc).startswith("Cannot parse request body"):
            # ninja's parser failed on the body (not JSON, or not the declared encoding)
            return error_response(
                request,
                400,
                "invalid_input",
                _("Some of the data sent is not valid."),
                {ALL_FIELDS: [_("The request body is not valid JSON.")]},
            )
        code = _STATUS_CODES.get(status, "error" if status < 500 else "server_error")
        return error_response(request, status, code, _status_message(status))

    @api.exception_handler(Exception)
    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.error(
            "unexpected error in %s %s",
            request.method,
            request.path,
            exc_info=(type(exc), exc, exc.__traceback__),
        )
        return error_response(
            request,
            500,
            "server_error",
            _(
                "Something went wrong on our side. Please quote the request id when you "
                "report this."
            ),
        )
