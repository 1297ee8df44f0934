"""Parameters of analyses: a JSON Schema (Draft 2020-12), checked with :mod:`jsonschema`.

An analysis declares its parameters as a JSON Schema object, for example::

    {"type": "object",
     "properties": {
         "date_from": {"type": ["string", "null"], "format": "date", "default": None},
         "granularity": {"enum": ["month", "quarter", "year"], "default": "month"}}}

:func:`check_schema` refuses, when the analysis is registered, a schema that is not a valid
Draft 2020-12 schema, that uses a keyword outside :data:`KEYWORDS` (the ones whose failures
are explained in the user's language, so no rule goes unchecked or unexplained), a format
other than ``date``, or an invalid default. ``additionalProperties`` is false unless given:
unknown parameters are refused.

:func:`validate` fills in defaults, checks the values (``format: date`` is asserted: a real
day as ``YYYY-MM-DD``, or a :class:`datetime.date` from Python callers), hands dates to the
analysis as :class:`datetime.date`, and reports every problem by parameter (:class:`ParamError`).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from jsonschema.exceptions import best_match

DRAFT = "https://json-schema.org/draft/2020-12/schema"
KEYWORDS = (
    "$schema",
    "type",
    "enum",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "properties",
    "required",
    "additionalProperties",
    "default",
    "title",
    "description",
)

# Extends the Draft 2020-12 meta-schema: its ``$dynamicRef: "#meta"`` resolves to this schema,
# so every subschema (properties, items) is held to the same subset.
_SUBSET = Draft202012Validator(
    {
        "$schema": DRAFT,
        "$id": "urn:taxlight:analytics:params-schema",
        "$dynamicAnchor": "meta",
        "$ref": DRAFT,
        "propertyNames": {"enum": list(KEYWORDS)},
        "properties": {
            "$schema": {"const": DRAFT},
            "format": {"const": "date"},
            "additionalProperties": {"type": "boolean"},
        },
    }
)

# Python callers may pass a date for a date parameter, and a tuple for a list.
_Validator = jsonschema.validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine_many(
        {
            "string": lambda _checker, value: isinstance(value, str | dt.date),
            "array": lambda _checker, value: isinstance(value, list | tuple),
        }
    ),
)
_STANDARD_DATE = FormatChecker(formats=["date"])
FORMATS = FormatChecker(formats=[])


@FORMATS.checks("date")
def _is_date(value: object) -> bool:
    """The standard check (a real ``YYYY-MM-DD`` day); a date and time is not a date."""
    return not isinstance(value, dt.datetime) and _STANDARD_DATE.conforms(value, "date")


class SchemaError(ValueError):
    """A parameter schema is invalid or uses what this module does not support (a programming
    error)."""


class ParamError(ValueError):
    """Bad parameters for an analysis: ``errors`` maps each parameter to its problems."""

    def __init__(self, code: str, errors: dict[str, list[str]]) -> None:
        self.code = code
        self.errors = errors
        lines = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
        super().__init__(
            _("Invalid parameters for %(code)s: %(errors)s") % {"code": code, "errors": lines}
        )


def check_schema(schema: Mapping[str, Any], where: str = "params") -> dict[str, Any]:
    """Returns a normalized copy of ``schema`` (an object schema), or raises SchemaError."""
    out: dict[str, Any] = copy.deepcopy(dict(schema))
    out.setdefault("type", "object")
    out.setdefault("properties", {})
    out.setdefault("additionalProperties", False)
    if out["type"] != "object":
        raise SchemaError(f"{where}: the parameter schema must be of type 'object'")
    try:
        Draft202012Validator.check_schema(out)
    except jsonschema.SchemaError as bad:
        raise SchemaError(
            f"{where}: invalid JSON Schema at {bad.json_path}: {bad.message}"
        ) from bad
    error = best_match(_SUBSET.iter_errors(out))
    if error is not None:
        raise SchemaError(f"{where}: unsupported at {error.json_path}: {error.message}")
    for name in out.get("required", []):
        if name not in out["properties"]:
            raise SchemaError(f"{where}: required parameter {name!r} is not a property")
    for name, prop in out["properties"].items():
        if "default" in prop:
            error = best_match(
                _Validator(prop, format_checker=FORMATS).iter_errors(prop["default"])
            )
            if error is not None:
                raise SchemaError(f"{where}.{name}: the default is invalid: {error.message}")
    return out


def validate(
    code: str, schema: Mapping[str, Any], params: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Checks ``params`` against ``schema`` (as normalized by :func:`check_schema`) and returns
    them with defaults filled in and dates converted, or raises :class:`ParamError`."""
    if params is not None and not isinstance(params, Mapping):
        raise ParamError(code, {"params": [_("Parameters must be given as an object.")]})
    props: dict[str, Any] = schema["properties"]
    defaults = {name: copy.deepcopy(p["default"]) for name, p in props.items() if "default" in p}
    values = defaults | dict(params or {})
    found = list(_Validator(schema, format_checker=FORMATS).iter_errors(values))
    # A value of the wrong type is told so, not also that it breaks the rules for that type.
    mistyped = {tuple(e.absolute_path) for e in found if e.validator == "type"}
    errors: dict[str, list[str]] = {}
    for error in found:
        if error.validator != "type" and tuple(error.absolute_path) in mistyped:
            continue
        for field, message in _problems(error, props):
            messages = errors.setdefault(field, [])
            if message not in messages:
                messages.append(message)
    if errors:
        raise ParamError(code, errors)
    return {name: _dates(value, props.get(name, {})) for name, value in values.items()}


def _dates(value: Any, node: Mapping[str, Any]) -> Any:
    if node.get("format") == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if isinstance(value, list | tuple):
        return [_dates(item, node.get("items", {})) for item in value]
    return value


def _problems(error: ValidationError, props: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(parameter, message) pairs for one jsonschema error."""
    if error.absolute_path:
        yield str(error.absolute_path[0]), _message(error)
    elif error.validator == "required":
        for name in error.validator_value:
            if name not in error.instance:
                yield name, _("This parameter is required.")
    elif error.validator == "additionalProperties":
        accepted = ", ".join(sorted(props)) or "-"
        for name in sorted(set(error.instance) - set(props)):
            yield (
                name,
                _("Unknown parameter; this analysis accepts: %(names)s.") % {"names": accepted},
            )
    else:
        yield "params", _message(error)


_TYPE_NAMES = {
    "object": gettext_noop("an object"),
    "string": gettext_noop("a text"),
    "integer": gettext_noop("a whole number"),
    "number": gettext_noop("a number"),
    "boolean": gettext_noop("true or false"),
    "array": gettext_noop("a list"),
    "null": gettext_noop("empty (null)"),
}


def _message(error: ValidationError) -> str:
    """The problem in the user's language, for each keyword that :data:`KEYWORDS` allows."""
    value, rule = error.instance, error.validator_value
    match error.validator:
        case "type":
            names = [rule] if isinstance(rule, str) else rule
            types = _(" or ").join(_(_TYPE_NAMES[t]) for t in names)
            return _("Expected %(types)s, got %(value)r.") % {"types": types, "value": value}
        case "enum" if value is None:
            return _("Choose one of: %(choices)s.") % {"choices": ", ".join(map(str, rule))}
        case "enum":
            choices = ", ".join(str(c) for c in rule if c is not None)
            return _("%(value)r is not allowed; choose one of: %(choices)s.") % {
                "value": value,
                "choices": choices,
            }
        case "format" if isinstance(value, dt.datetime):
            return _("Expected a date (YYYY-MM-DD), got a date and time.")
        case "format":
            return _("%(value)r is not a date in the form YYYY-MM-DD.") % {"value": value}
        case "minimum":
            return _("Must be at least %(min)s.") % {"min": rule}
        case "maximum":
            return _("Must be at most %(max)s.") % {"max": rule}
        case "minLength":
            return _("Must be at least %(n)s characters long.") % {"n": rule}
        case "maxLength":
            return _("Must be at most %(n)s characters long.") % {"n": rule}
        case "pattern":
            return _("%(value)r does not have the expected form.") % {"value": value}
        case "minItems":
            return _("Give at least %(n)s item(s).") % {"n": rule}
        case "maxItems":
            return _("Give at most %(n)s item(s).") % {"n": rule}
        case "uniqueItems":
            return _("The items must not repeat.")
        case "required":
            return _("This parameter is required.")
    return str(error.message)
