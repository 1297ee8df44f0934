"""What can be wrong with an extract, and how it is said to a data clerk.

A problem is stored as data (a code, where it is, the offending value and a few parameters)
and put into words only when shown, in the language of whoever reads it: the workbench
renders the problems of an import in the viewer's language, the command in the language
active when it runs. Every code has one message; the table below is the complete list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from taxlight.extract.contract import RULES

# code → message (without the location). Parameters: value, and those named in the text.
MESSAGES: dict[str, Any] = {
    # the extract as a whole
    "manifest_missing": gettext_lazy(
        "manifest.json is missing: every extract needs one (format, version, mode)."
    ),
    "manifest_invalid": gettext_lazy("manifest.json is not valid JSON: %(detail)s"),
    "manifest_format": gettext_lazy(
        "manifest.json: format is '%(value)s'; this is not a taxlight extract "
        "(expected 'taxlight-extract')."
    ),
    "manifest_version": gettext_lazy(
        "manifest.json: version %(value)s cannot be read by this release of taxlight, "
        "which reads version(s) %(supported)s. Ask for an extract in a supported version "
        "or upgrade taxlight."
    ),
    "manifest_mode": gettext_lazy(
        "manifest.json: mode is '%(value)s'; it must be 'full' or 'delta'."
    ),
    "file_missing": gettext_lazy(
        "the table file is missing (expected %(table)s.csv or %(table)s.parquet)."
    ),
    "file_twice": gettext_lazy(
        "the table is given twice (%(table)s.csv and %(table)s.parquet); keep one."
    ),
    "unreadable": gettext_lazy("cannot be read: %(detail)s"),
    "encoding": gettext_lazy(
        "is neither UTF-8 nor GB18030 text (first undecodable bytes on this line); "
        "save the file as UTF-8 or GB18030."
    ),
    "empty": gettext_lazy("is empty: a header row with the column names is required."),
    "column_missing": gettext_lazy("the column is missing from the header."),
    "column_extra": gettext_lazy("the header has a column the contract does not know."),
    "column_twice": gettext_lazy("the column appears more than once in the header."),
    "column_type": gettext_lazy(
        "the column is stored as %(detail)s, which cannot be read as %(expected)s."
    ),
    "ragged": gettext_lazy("the row has %(actual)s cells; the header has %(expected)s."),
    "truncated": gettext_lazy(
        "the file ends in the middle of a record: it was cut off (copy it again)."
    ),
    # cells
    "required": gettext_lazy("is empty, but a value is required."),
    "not_date": gettext_lazy("'%(value)s' is not a date (YYYY-MM-DD)."),
    "not_timestamp": gettext_lazy(
        "'%(value)s' is not a date and time with offset (e.g. 2025-03-04T09:30:00+08:00)."
    ),
    "not_decimal": gettext_lazy(
        "'%(value)s' is not an amount in yuan with at most 2 decimals (e.g. 1234.50)."
    ),
    "not_int": gettext_lazy("'%(value)s' is not a whole number."),
    "not_bool": gettext_lazy("'%(value)s' is not true or false."),
    "enum": gettext_lazy("'%(value)s' is not one of: %(allowed)s."),
    "too_long": gettext_lazy("'%(value)s' is longer than %(max)s characters."),
    "uscc": gettext_lazy(
        "'%(value)s' is not a valid Unified Social Credit Code (18 characters; the last "
        "is a check character that does not match)."
    ),
    "negative": gettext_lazy("'%(value)s' is negative; it must be 0 or more."),
    # across rows
    "duplicate_key": gettext_lazy(
        "'%(value)s' appears %(count)s times; each row needs its own %(column)s."
    ),
    "dangling": gettext_lazy(
        "'%(value)s' is not a %(target)s in this extract or in the data already imported."
    ),
    "quarantined_reference": gettext_lazy(
        "'%(value)s' refers to a row of %(target)s that was set aside as bad."
    ),
    # rules (see contract.RULES)
    "rule:unit_root": gettext_lazy(
        "parent_code must be empty for the bureau and given for every other unit."
    ),
    "rule:unit_root_one": gettext_lazy("there is more than one bureau (%(detail)s)."),
    "rule:unit_root_cycle": gettext_lazy(
        "the parents of '%(value)s' never reach the bureau (they form a cycle)."
    ),
    "rule:industry_division": gettext_lazy(
        "'%(value)s' is not a two-digit GB/T 4754-2017 division code (01 to 97)."
    ),
    "rule:mobile_number": gettext_lazy(
        "'%(value)s' is not a mainland mobile number (11 digits starting with 13 to 19)."
    ),
    "rule:period_order": gettext_lazy("period_start is after period_end."),
    "rule:vat_only_columns": gettext_lazy(
        "output_tax and input_tax are given only for VAT returns; this is a %(value)s return."
    ),
    "rule:cit_only_column": gettext_lazy(
        "taxable_income is given only for CIT returns; this is a %(value)s return."
    ),
    "rule:red_sign": gettext_lazy(
        "the amount is negative, but only red-letter invoices (status red) may be negative."
    ),
    "rule:tax_same_sign": gettext_lazy("tax_amount and amount have different signs."),
    "rule:goods_code_digits": gettext_lazy("'%(value)s' is not a code of at least 3 digits."),
    "rule:red_original": gettext_lazy(
        "a red-letter invoice must name the invoice it reverses in original_invoice_id, "
        "and other invoices must leave it empty."
    ),
    "rule:completed_after_start": gettext_lazy("completed_at is before started_at."),
    "rule:outcome_when_closed": gettext_lazy(
        "outcome must be given once the audit is closed (closed_on) and empty while it is open."
    ),
}

# Which message codes each contract rule uses (a rule may have a row and a table part).
RULE_CODES: dict[str, tuple[str, ...]] = {
    name: tuple(c for c in MESSAGES if c == f"rule:{name}" or c.startswith(f"rule:{name}_"))
    for name in RULES
}

# A short name for each kind of problem, for the counts per kind.
LABELS: dict[str, Any] = {
    "manifest_missing": gettext_lazy("Manifest missing"),
    "manifest_invalid": gettext_lazy("Manifest unreadable"),
    "manifest_format": gettext_lazy("Not a taxlight extract"),
    "manifest_version": gettext_lazy("Unsupported version"),
    "manifest_mode": gettext_lazy("Unknown mode"),
    "file_missing": gettext_lazy("Table file missing"),
    "file_twice": gettext_lazy("Table given twice"),
    "unreadable": gettext_lazy("File unreadable"),
    "encoding": gettext_lazy("Wrong encoding"),
    "empty": gettext_lazy("Empty file"),
    "column_missing": gettext_lazy("Column missing"),
    "column_extra": gettext_lazy("Unknown column"),
    "column_twice": gettext_lazy("Column twice"),
    "column_type": gettext_lazy("Column of the wrong type"),
    "ragged": gettext_lazy("Wrong number of cells"),
    "truncated": gettext_lazy("File cut off"),
    "required": gettext_lazy("Required value empty"),
    "not_date": gettext_lazy("Not a date"),
    "not_timestamp": gettext_lazy("Not a date and time"),
    "not_decimal": gettext_lazy("Not an amount"),
    "not_int": gettext_lazy("Not a whole number"),
    "not_bool": gettext_lazy("Not true or false"),
    "enum": gettext_lazy("Value not allowed"),
    "too_long": gettext_lazy("Value too long"),
    "uscc": gettext_lazy("Invalid credit code"),
    "negative": gettext_lazy("Negative amount"),
    "duplicate_key": gettext_lazy("Duplicate key"),
    "dangling": gettext_lazy("Unknown reference"),
    "quarantined_reference": gettext_lazy("Refers to a row set aside"),
}


def label(code: str) -> str:
    if code in LABELS:
        return str(LABELS[code])
    if code.startswith("rule:"):
        name = code[5:]
        base = name if name in RULES else name.rsplit("_", 1)[0]
        return _("Rule: %(rule)s") % {"rule": RULES.get(base, name)}
    return code


@dataclass
class Problem:
    """One problem. ``line`` is the CSV line (header = line 1); for Parquet, ``row_group``
    (from 0) and ``line`` = the row within it (from 1)."""

    code: str
    file: str = ""
    line: int | None = None
    column: str = ""
    value: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    row_group: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "file": self.file}
        if self.line is not None:
            out["line"] = self.line
        if self.row_group is not None:
            out["row_group"] = self.row_group
        if self.column:
            out["column"] = self.column
        if self.value is not None:
            out["value"] = self.value
        if self.params:
            out["params"] = self.params
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Problem:
        return cls(
            code=data["code"],
            file=data.get("file", ""),
            line=data.get("line"),
            column=data.get("column", ""),
            value=data.get("value"),
            params=dict(data.get("params") or {}),
            row_group=data.get("row_group"),
        )

    @property
    def message(self) -> str:
        return message(self.code, self.value, self.params)

    @property
    def where(self) -> str:
        return where(self.file, self.line, self.row_group, self.column)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


def message(code: str, value: str | None = None, params: Mapping[str, Any] | None = None) -> str:
    template = MESSAGES.get(code)
    if template is None:
        return code
    values: dict[str, Any] = {"value": _shorten(value)}
    values.update(params or {})
    try:
        return str(template) % values
    except (KeyError, ValueError, TypeError):
        return str(template)


def where(file: str, line: int | None, row_group: int | None, column: str) -> str:
    parts = [file] if file else []
    if row_group is not None and line is not None:
        parts.append(_("row group %(group)s, row %(row)s") % {"group": row_group, "row": line})
    elif line is not None:
        parts.append(_("line %(line)s") % {"line": line})
    if column:
        parts.append(_("column %(column)s") % {"column": column})
    return ", ".join(parts)


def _shorten(value: str | None, limit: int = 60) -> str:
    if value is None:
        return ""
    value = str(value).replace("\r", "\\r").replace("\n", "\\n")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def summary(counts: Mapping[str, int]) -> str:
    total = sum(counts.values())
    return ngettext("%(n)s problem", "%(n)s problems", total) % {"n": total}
