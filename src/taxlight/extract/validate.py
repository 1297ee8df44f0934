"""Checking the cells and rows of a table, a record batch at a time, vectorised.

Every cell is converted to the contract's type (dates, timestamps with offset, decimals with
at most 2 decimals — never floats —, ints, ``true``/``false``), checked against ``required``,
``enum``, ``max_length``, ``min_value`` and, for ``uscc`` columns, the check character; then
every row rule of ``contract.RULES`` named by the table. Problems are collected as arrays
(record, column, code, value), never one Python object per cell on the fast path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from stdnum.cn import uscc as stdnum_uscc

from taxlight.extract.contract import RULES, Column, Table, Type

# Contract type → the type stored in the analytics store.
STORE_TYPES: dict[Type, pa.DataType] = {
    Type.STRING: pa.string(),
    Type.ENUM: pa.string(),
    Type.USCC: pa.string(),
    Type.DATE: pa.date32(),
    Type.TIMESTAMP: pa.timestamp("us", tz="UTC"),
    Type.DECIMAL: pa.decimal128(18, 2),
    Type.INT: pa.int64(),
    Type.BOOL: pa.bool_(),
}
NOT_A: dict[Type, str] = {
    Type.DATE: "not_date",
    Type.TIMESTAMP: "not_timestamp",
    Type.DECIMAL: "not_decimal",
    Type.INT: "not_int",
}


def store_schema(table: Table) -> pa.Schema:
    return pa.schema([pa.field(c.name, STORE_TYPES[c.type]) for c in table.columns])


# --- problems as arrays ---------------------------------------------------------------------

PROBLEM_SCHEMA = pa.schema(
    [
        ("record", pa.int64()),
        ("column", pa.string()),
        ("code", pa.string()),
        ("value", pa.string()),
        ("params", pa.string()),
    ]
)


@dataclass
class Found:
    """Problems of one batch, as parallel arrays."""

    parts: list[pa.RecordBatch] = field(default_factory=list)
    rows: int = 0

    def add(
        self,
        code: str,
        column: str,
        local: np.ndarray,
        base: int,
        values: pa.Array | None = None,
        params: str | None = None,
    ) -> None:
        if len(local) == 0:
            return
        n = len(local)
        idx = pa.array(local, pa.int64())
        vals = (
            pc.take(values, idx).cast(pa.string())
            if values is not None
            else pa.nulls(n, pa.string())
        )
        self.parts.append(
            pa.RecordBatch.from_arrays(
                [
                    pc.add(idx, base),
                    pa.array([column] * n, pa.string()),
                    pa.array([code] * n, pa.string()),
                    vals,
                    pa.array([params] * n, pa.string()),
                ],
                schema=PROBLEM_SCHEMA,
            )
        )
        self.rows += n


def _where(mask: pa.Array | pa.ChunkedArray | np.ndarray) -> np.ndarray:
    if isinstance(mask, np.ndarray):
        return np.flatnonzero(mask)
    arr = pc.fill_null(mask, False)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return np.flatnonzero(arr.to_numpy(zero_copy_only=False))


def _bool(mask: Any) -> np.ndarray:
    arr = pc.fill_null(mask, False)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=bool)


# --- conversions ----------------------------------------------------------------------------


def cast_or_find(raw: pa.Array, target: pa.DataType) -> tuple[pa.Array, np.ndarray]:
    """Casts the whole array; if that fails, finds the bad elements by bisection (so what
    counts as valid is exactly what the cast accepts) and casts the rest."""
    try:
        return pc.cast(raw, target), np.empty(0, dtype=np.int64)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OverflowError):
        pass
    bad: list[int] = []

    def find(lo: int, hi: int) -> None:
        try:
            pc.cast(raw.slice(lo, hi - lo), target)
            return
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OverflowError):
            if hi - lo == 1:
                bad.append(lo)
                return
        mid = (lo + hi) // 2
        find(lo, mid)
        find(mid, hi)

    find(0, len(raw))
    idx = np.array(bad, dtype=np.int64)
    mask = np.zeros(len(raw), dtype=bool)
    mask[idx] = True
    cleaned = pc.if_else(pa.array(mask), pa.scalar(None, raw.type), raw)
    return pc.cast(cleaned, target), idx


_USCC_VALUES = np.zeros(256, dtype=np.int64)
for _i, _ch in enumerate(stdnum_uscc._alphabet):
    _USCC_VALUES[ord(_ch)] = _i
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
USCC_PATTERN = r"^[0-9]{8}[0-9A-HJ-NP-RTUWXY]{10}$"  # stdnum.cn.uscc's format


def uscc_valid(raw: pa.Array) -> np.ndarray:
    """True where the value is a valid USCC (as ``stdnum.cn.uscc.is_valid`` without its
    clean-up of spaces and lower case: keys are taken as written). Nulls count as valid."""
    fmt = _bool(pc.match_substring_regex(raw, USCC_PATTERN))
    filler = "0" * 18  # a valid code: its check character is 0
    filled = pc.if_else(pa.array(fmt), raw, pa.scalar(filler))
    filled = pc.fill_null(filled, filler)
    if isinstance(filled, pa.ChunkedArray):
        filled = filled.combine_chunks()
    offsets = np.frombuffer(filled.buffers()[1], dtype=np.int32)[
        filled.offset : filled.offset + len(filled) + 1
    ]
    data = np.frombuffer(filled.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    chars = _USCC_VALUES[data.reshape(-1, 18)]
    check = (31 - (chars[:, :17] @ _USCC_WEIGHTS) % 31) % 31
    ok = check == chars[:, 17]
    return ok | ~fmt & _bool(pc.is_null(raw))


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def accepts(col: Column, t: pa.DataType) -> bool:
    """Whether a Parquet column of type ``t`` can hold the contract column ``col``."""
    if _is_text(t) or pa.types.is_null(t):
        return True
    if col.type is Type.DATE:
        return pa.types.is_date(t)
    if col.type is Type.TIMESTAMP:
        return pa.types.is_timestamp(t) and t.tz is not None
    if col.type is Type.DECIMAL:
        return pa.types.is_decimal(t) or pa.types.is_integer(t)
    if col.type is Type.INT:
        return pa.types.is_integer(t)
    if col.type is Type.BOOL:
        return pa.types.is_boolean(t)
    return False


def describe_type(t: pa.DataType) -> str:
    if pa.types.is_floating(t):
        return f"{t} (a floating-point number; amounts must be decimals)"
    if pa.types.is_timestamp(t) and t.tz is None:
        return f"{t} without a time zone"
    return str(t)


# --- a batch --------------------------------------------------------------------------------


def check_batch(
    table: Table,
    batch: pa.RecordBatch,
    base: int,
    found: Found,
    widths: dict[str, int] | None = None,
) -> pa.RecordBatch:
    """The batch converted to the store schema (bad cells null); problems go to ``found``.
    ``widths``: further maximum lengths per column (the registry's column widths)."""
    n = batch.num_rows
    widths = widths or {}
    bad_row = np.zeros(n, dtype=bool)
    typed: dict[str, pa.Array] = {}
    for col in table.columns:
        raw = batch.column(col.name)
        if isinstance(raw, pa.ChunkedArray):
            raw = raw.combine_chunks()
        value, bad = _check_column(col, raw, base, found, widths.get(col.name))
        typed[col.name] = value
        if bad is not None:
            bad_row |= bad
    for name in table.rules:
        for code, column, mask, values in RULE_CHECKS[name](typed):
            hits = _bool(mask) & ~bad_row
            idx = np.flatnonzero(hits)
            if len(idx):
                found.add(code, column, idx, base, values)
    schema = store_schema(table)
    return pa.RecordBatch.from_arrays([typed[f.name] for f in schema], schema=schema)


def _check_column(
    col: Column, raw: pa.Array, base: int, found: Found, width: int | None = None
) -> tuple[pa.Array, np.ndarray | None]:
    target = STORE_TYPES[col.type]
    n = len(raw)
    bad = np.zeros(n, dtype=bool)
    any_bad = False

    def report(
        code: str, idx: np.ndarray, values: pa.Array | None = raw, params: str | None = None
    ) -> None:
        nonlocal any_bad
        if len(idx):
            found.add(code, col.name, idx, base, values, params)
            bad[idx] = True
            any_bad = True

    if raw.null_count and col.required:
        report("required", _where(pc.is_null(raw)), None)
    text = _is_text(raw.type)
    if pa.types.is_null(raw.type):
        value = pa.nulls(n, target)
    elif col.type in (Type.STRING, Type.ENUM, Type.USCC):
        value = raw.cast(pa.string()) if raw.type != pa.string() else raw
        limit = min(x for x in (col.max_length, width, 10**9) if x is not None)
        if limit < 10**9:
            report(
                "too_long",
                _where(pc.greater(pc.utf8_length(value), limit)),
                params=_json({"max": limit}),
            )
        if col.type is Type.ENUM:
            allowed = pa.array(col.enum, pa.string())
            miss = pc.and_(pc.invert(pc.is_in(value, value_set=allowed)), pc.is_valid(value))
            report("enum", _where(miss), params=_json({"allowed": ", ".join(col.enum)}))
        if col.type is Type.USCC:
            report("uscc", np.flatnonzero(~uscc_valid(value) & ~bad))
    elif col.type is Type.BOOL:
        if text:
            ok = pc.is_in(raw, value_set=pa.array(["true", "false"]))
            report("not_bool", _where(pc.and_(pc.invert(ok), pc.is_valid(raw))))
            value = pc.equal(raw, "true")
        else:
            value = raw
    else:
        value, idx = cast_or_find(raw, target)
        if len(idx):
            report(NOT_A[col.type] if text else "not_" + col.type.value, idx)
        if col.min_value is not None:
            report("negative", _where(pc.less(value, col.min_value)), raw)
    if any_bad:
        value = pc.if_else(pa.array(bad), pa.scalar(None, value.type), value)
    return value, (bad if any_bad else None)


def _json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, ensure_ascii=False)


# --- row rules ------------------------------------------------------------------------------

Hit = tuple[str, str, Any, pa.Array | None]  # code, column, mask, values to show
RuleCheck = Callable[[dict[str, pa.Array]], list[Hit]]


def _xor(a: Any, b: Any) -> Any:
    return pc.xor(pc.fill_null(a, False), pc.fill_null(b, False))


def _unit_root(t: dict[str, pa.Array]) -> list[Hit]:
    bureau = pc.equal(t["kind"], "bureau")
    return [
        (
            "rule:unit_root",
            "parent_code",
            pc.and_(pc.is_valid(t["kind"]), _xor(pc.is_null(t["parent_code"]), bureau)),
            t["parent_code"],
        )
    ]


def _industry(t: dict[str, pa.Array]) -> list[Hit]:
    ok = pc.match_substring_regex(t["industry"], r"^(0[1-9]|[1-8][0-9]|9[0-7])$")
    return [("rule:industry_division", "industry", pc.invert(ok), t["industry"])]


def _mobile(t: dict[str, pa.Array]) -> list[Hit]:
    ok = pc.match_substring_regex(t["mobile"], r"^1[3-9][0-9]{9}$")
    return [("rule:mobile_number", "mobile", pc.invert(ok), t["mobile"])]


def _period(t: dict[str, pa.Array]) -> list[Hit]:
    return [
        (
            "rule:period_order",
            "period_end",
            pc.greater(t["period_start"], t["period_end"]),
            t["period_end"],
        )
    ]


def _vat_only(t: dict[str, pa.Array]) -> list[Hit]:
    given = pc.or_(pc.is_valid(t["output_tax"]), pc.is_valid(t["input_tax"]))
    other = pc.not_equal(t["tax_type"], "VAT")
    return [("rule:vat_only_columns", "output_tax", pc.and_(other, given), t["tax_type"])]


def _cit_only(t: dict[str, pa.Array]) -> list[Hit]:
    other = pc.not_equal(t["tax_type"], "CIT")
    return [
        (
            "rule:cit_only_column",
            "taxable_income",
            pc.and_(other, pc.is_valid(t["taxable_income"])),
            t["tax_type"],
        )
    ]


def _red_sign(t: dict[str, pa.Array]) -> list[Hit]:
    negative = pc.less(t["amount"], 0)
    return [
        (
            "rule:red_sign",
            "amount",
            pc.and_(negative, pc.not_equal(t["status"], "red")),
            t["amount"],
        )
    ]


def _same_sign(t: dict[str, pa.Array]) -> list[Hit]:
    a, x = t["amount"], t["tax_amount"]
    differ = pc.or_(
        pc.and_(pc.greater(a, 0), pc.less(x, 0)), pc.and_(pc.less(a, 0), pc.greater(x, 0))
    )
    return [("rule:tax_same_sign", "tax_amount", differ, x)]


def _goods(t: dict[str, pa.Array]) -> list[Hit]:
    ok = pc.match_substring_regex(t["goods_code"], r"^[0-9]{3,}$")
    return [("rule:goods_code_digits", "goods_code", pc.invert(ok), t["goods_code"])]


def _red_original(t: dict[str, pa.Array]) -> list[Hit]:
    red = pc.equal(t["status"], "red")
    return [
        (
            "rule:red_original",
            "original_invoice_id",
            pc.and_(pc.is_valid(t["status"]), _xor(red, pc.is_valid(t["original_invoice_id"]))),
            t["original_invoice_id"],
        )
    ]


def _completed(t: dict[str, pa.Array]) -> list[Hit]:
    return [
        (
            "rule:completed_after_start",
            "completed_at",
            pc.less(t["completed_at"], t["started_at"]),
            None,
        )
    ]


def _outcome(t: dict[str, pa.Array]) -> list[Hit]:
    return [
        (
            "rule:outcome_when_closed",
            "outcome",
            _xor(pc.is_valid(t["closed_on"]), pc.is_valid(t["outcome"])),
            t["outcome"],
        )
    ]


# Every rule of contract.RULES: its row check here (unit_root also has table-wide checks in
# the importer: one bureau, no cycles).
RULE_CHECKS: dict[str, RuleCheck] = {
    "unit_root": _unit_root,
    "industry_division": _industry,
    "mobile_number": _mobile,
    "period_order": _period,
    "vat_only_columns": _vat_only,
    "cit_only_column": _cit_only,
    "red_sign": _red_sign,
    "tax_same_sign": _same_sign,
    "goods_code_digits": _goods,
    "red_original": _red_original,
    "completed_after_start": _completed,
    "outcome_when_closed": _outcome,
}
assert set(RULE_CHECKS) == set(RULES), "every contract rule needs a check"
