"""Parameters of analyses: a JSON Schema (a small, strict subset) and its validator.

An analysis declares its parameters as a JSON Schema object, for example::

    {"type": "object",
     "properties": {
         "date_from": {"type": ["string", "null"], "format": "date", "default": None},
         "granularity": {"enum": ["month", "quarter", "year"], "default": "month"}}}

Supported keywords: ``type`` (a name or a list of names: object, string, integer, number,
boolean, array, null), ``enum``, ``minimum``, ``maximum``, ``minLength``, ``maxLength``,
``pattern``, ``format`` (``date``: a ``YYYY-MM-DD`` string, handed to the analysis as a
:class:`datetime.date`), ``items``, ``minItems``, ``maxItems``, ``uniqueItems``,
``properties``, ``required``, ``additionalProperties`` (false unless given: unknown parameters
are refused), ``default``, ``title``, ``description``. A schema using anything else is refused
when the analysis is registered, so a rule is never silently not checked.

Validation fills in defaults, converts dates, and reports every problem by parameter in the
user's language (:class:`ParamError`).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

KEYWORDS = frozenset(
    {
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
        "$schema",
    }
)
TYPES = frozenset({"object", "string", "integer", "number", "boolean", "array", "null"})
FORMATS = frozenset({"date"})


class SchemaError(ValueError):
    """A parameter schema uses something this validator does not check (a programming error)."""


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
    if out["type"] != "object":
        raise SchemaError(f"{where}: the parameter schema must be of type 'object'")
    out.setdefault("properties", {})
    out.setdefault("additionalProperties", False)
    _check(out, where)
    for name in out.get("required", []):
        if name not in out["properties"]:
            raise SchemaError(f"{where}: required parameter {name!r} is not a property")
    for name, prop in out["properties"].items():
        if "default" in prop:
            problems: list[str] = []
            _validate(prop["default"], prop, problems)
            if problems:
                raise SchemaError(f"{where}.{name}: the default is invalid: {problems}")
    return out


def _check(node: Mapping[str, Any], where: str) -> None:
    unknown = set(node) - KEYWORDS
    if unknown:
        raise SchemaError(f"{where}: unsupported JSON Schema keyword(s) {sorted(unknown)}")
    types = node.get("type")
    if types is not None:
        for t in [types] if isinstance(types, str) else types:
            if t not in TYPES:
                raise SchemaError(f"{where}: unknown type {t!r}")
    if "format" in node and node["format"] not in FORMATS:
        raise SchemaError(f"{where}: unsupported format {node['format']!r}")
    if "pattern" in node:
        re.compile(node["pattern"])
    if "items" in node:
        _check(node["items"], f"{where}.items")
    for name, prop in node.get("properties", {}).items():
        _check(prop, f"{where}.{name}")
    if not isinstance(node.get("additionalProperties", False), bool):
        raise SchemaError(f"{where}: additionalProperties must be true or false")


def validate(
    code: str, schema: Mapping[str, Any], params: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Checks ``params`` against ``schema`` (as normalized by :func:`check_schema`) and returns
    them with defaults filled in and dates converted, or raises :class:`ParamError`."""
    if params is not None and not isinstance(params, Mapping):
        raise ParamError(code, {"params": [_("Parameters must be given as an object.")]})
    given = dict(params or {})
    errors: dict[str, list[str]] = {}
    props: dict[str, Any] = schema["properties"]
    out: dict[str, Any] = {}
    if not schema.get("additionalProperties", False):
        for name in sorted(set(given) - set(props)):
            errors[name] = [
                _("Unknown parameter; this analysis accepts: %(names)s.")
                % {"names": ", ".join(sorted(props)) or "-"}
            ]
    for name in schema.get("required", []):
        if name not in given:
            errors.setdefault(name, []).append(_("This parameter is required."))
    for name, prop in props.items():
        if name in given:
            value = given[name]
        elif "default" in prop:
            value = copy.deepcopy(prop["default"])
        else:
            continue
        problems: list[str] = []
        out[name] = _validate(value, prop, problems)
        if problems:
            errors.setdefault(name, []).extend(problems)
    if errors:
        raise ParamError(code, errors)
    return out


_TYPE_NAMES = {
    "object": gettext_noop("an object"),
    "string": gettext_noop("a text"),
    "integer": gettext_noop("a whole number"),
    "number": gettext_noop("a number"),
    "boolean": gettext_noop("true or false"),
    "array": gettext_noop("a list"),
    "null": gettext_noop("empty (null)"),
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _type_ok(value: Any, t: str) -> bool:
    match t:
        case "null":
            return value is None
        case "boolean":
            return isinstance(value, bool)
        case "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        case "number":
            return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
        case "string":
            return isinstance(value, str | dt.date)
        case "array":
            return isinstance(value, list | tuple)
        case "object":
            return isinstance(value, Mapping)
    return False


def _validate(value: Any, node: Mapping[str, Any], problems: list[str]) -> Any:
    types = node.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else list(types)
        if not any(_type_ok(value, t) for t in names):
            problems.append(
                _("Expected %(types)s, got %(value)r.")
                % {"types": _(" or ").join(_(_TYPE_NAMES[t]) for t in names), "value": value}
            )
            return value
    if value is None:
        if "enum" in node and None not in node["enum"]:
            problems.append(
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(map(str, node["enum"]))}
            )
        return None
    if "enum" in node and value not in node["enum"]:
        problems.append(
            _("%(value)r is not allowed; choose one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(str(c) for c in node["enum"] if c is not None)}
        )
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        if "minimum" in node and value < node["minimum"]:
            problems.append(_("Must be at least %(min)s.") % {"min": node["minimum"]})
        if "maximum" in node and value > node["maximum"]:
            problems.append(_("Must be at most %(max)s.") % {"max": node["maximum"]})
    if node.get("format") == "date":
        return _date(value, problems)
    if isinstance(value, str):
        if "minLength" in node and len(value) < node["minLength"]:
            problems.append(_("Must be at least %(n)s characters long.") % {"n": node["minLength"]})
        if "maxLength" in node and len(value) > node["maxLength"]:
            problems.append(_("Must be at most %(n)s characters long.") % {"n": node["maxLength"]})
        if "pattern" in node and not re.search(node["pattern"], value):
            problems.append(_("%(value)r does not have the expected form.") % {"value": value})
    if isinstance(value, list | tuple):
        if "minItems" in node and len(value) < node["minItems"]:
            problems.append(_("Give at least %(n)s item(s).") % {"n": node["minItems"]})
        if "maxItems" in node and len(value) > node["maxItems"]:
            problems.append(_("Give at most %(n)s item(s).") % {"n": node["maxItems"]})
        if node.get("uniqueItems") and len(set(map(repr, value))) != len(value):
            problems.append(_("The items must not repeat."))
        if "items" in node:
            return [_validate(item, node["items"], problems) for item in value]
        return list(value)
    return value


def _date(value: Any, problems: list[str]) -> dt.date | Any:
    if isinstance(value, dt.datetime):
        problems.append(_("Expected a date (YYYY-MM-DD), got a date and time."))
        return value
    if isinstance(value, dt.date):
        return value
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        problems.append(_("%(value)r is not a date in the form YYYY-MM-DD.") % {"value": value})
        return value
