"""Vectorised builders of Arrow columns: fixed-width codes, decimals, dates, timestamps.

Nothing here loops over rows in Python: strings are assembled as byte matrices and handed to
Arrow as buffers, decimals are written as 128-bit integers of cents.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from taxlight.extract.contract import Table, Type

EPOCH = dt.date(1970, 1, 1)
TZ_OFFSET_S = 8 * 3600
TIMESTAMP_TYPE = pa.timestamp("us", tz="+08:00")
DECIMAL_TYPE = pa.decimal128(18, 2)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_HEX = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)


def arrow_type(kind: Type) -> pa.DataType:
    """The Arrow (and Parquet) type of a contract column type."""
    return {
        Type.STRING: pa.string(),
        Type.ENUM: pa.string(),
        Type.USCC: pa.string(),
        Type.DATE: pa.date32(),
        Type.TIMESTAMP: TIMESTAMP_TYPE,
        Type.DECIMAL: DECIMAL_TYPE,
        Type.INT: pa.int32(),
        Type.BOOL: pa.bool_(),
    }[kind]


def arrow_schema(table: Table) -> pa.Schema:
    return pa.schema(
        [pa.field(c.name, arrow_type(c.type), nullable=not c.required) for c in table.columns]
    )


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01 (Arrow's date32)."""
    return (day - EPOCH).days


def to_date(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


# --- strings ---------------------------------------------------------------------------------


def from_matrix(matrix: np.ndarray) -> pa.StringArray:
    """Rows of an (n, width) uint8 matrix of ASCII bytes as a string array."""
    n, width = matrix.shape
    data = np.ascontiguousarray(matrix, dtype=np.uint8).reshape(-1)
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def digit_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative integers, as an (n, width) ASCII matrix."""
    v = np.asarray(values, dtype=np.int64)
    out = np.empty((v.size, width), dtype=np.uint8)
    for j in range(width):  # one column at a time: no (n, width) int64 intermediate
        out[:, width - 1 - j] = (v // 10**j) % 10 + 48
    return out


def hex_matrix(values: np.ndarray, width: int) -> np.ndarray:
    v = np.asarray(values, dtype=np.uint64)
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64) * np.uint64(4)
    return _HEX[((v[:, None] >> shifts[None, :]) & np.uint64(15)).astype(np.intp)]


def prefix_matrix(prefix: str, n: int) -> np.ndarray:
    raw = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    return np.broadcast_to(raw, (n, raw.size))


def codes(prefix: str, numbers: np.ndarray, width: int) -> pa.StringArray:
    """``prefix`` followed by each number, zero-padded to ``width`` digits."""
    numbers = np.asarray(numbers)
    return from_matrix(
        np.hstack([prefix_matrix(prefix, numbers.size), digit_matrix(numbers, width)])
    )


def hex_codes(prefix: str, numbers: np.ndarray, width: int) -> pa.StringArray:
    numbers = np.asarray(numbers)
    return from_matrix(np.hstack([prefix_matrix(prefix, numbers.size), hex_matrix(numbers, width)]))


def validity(null: np.ndarray | None) -> pa.Buffer | None:
    """An Arrow validity bitmap (1 = present) for a boolean "is null" mask, or None."""
    if null is None:
        return None
    null = np.asarray(null, dtype=bool)
    if not null.any():
        return None
    return pa.py_buffer(np.packbits(~null, bitorder="little"))


def numbers(values: np.ndarray, kind: pa.DataType, null: np.ndarray | None = None) -> pa.Array:
    """An integer Arrow array from numpy, with nulls (without going through pandas)."""
    dtype = {pa.int64(): np.int64, pa.int32(): np.int32}[kind]
    v = np.ascontiguousarray(values, dtype=dtype)
    return pa.Array.from_buffers(kind, v.size, [validity(null), pa.py_buffer(v)])


def take(
    values: pa.Array | list[str], index: np.ndarray, null: np.ndarray | None = None
) -> pa.Array:
    """``values[index]``, null where ``null`` is true (or where index < 0)."""
    arr = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    index = np.asarray(index)
    mask = index < 0 if null is None else (np.asarray(null) | (index < 0))
    return arr.take(numbers(np.where(mask, 0, index), pa.int64(), mask))


def concat(*parts: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def scoped_keys(prefix: str, index: np.ndarray, salt: int, width: int = 12) -> pa.StringArray:
    """Pseudonymous, unique keys for person or address numbers: a bijection of 48-bit
    integers (odd multiplier modulo 2^48), shown in hex."""
    mult = np.uint64(0x9E3779B97F4B & ((1 << 48) - 1) | 1)
    mask = np.uint64((1 << 48) - 1)
    x = (np.asarray(index, dtype=np.uint64) * mult + np.uint64(salt)) & mask
    return hex_codes(prefix, x, width)


# --- Unified Social Credit Codes --------------------------------------------------------------


def uscc(kind: np.ndarray, region: np.ndarray, body: np.ndarray) -> pa.StringArray:
    """USCCs from a two-digit kind (e.g. 91), a six-digit region code and an eight-digit
    organisation number: the organisation code's GB 11714 check character and the USCC's
    GB 32100 check character are computed."""
    n = len(body)
    m = np.empty((n, 17), dtype=np.int64)
    m[:, 0:2] = digit_matrix(kind, 2) - 48
    m[:, 2:8] = digit_matrix(region, 6) - 48
    m[:, 8:16] = digit_matrix(body, 8) - 48
    org = (11 - (m[:, 8:16] @ _ORG_WEIGHTS) % 11) % 11  # 10 -> X
    m[:, 16] = np.where(org == 10, USCC_ALPHABET.index("X"), org)
    check = (31 - (m @ _USCC_WEIGHTS) % 31) % 31
    alphabet = np.frombuffer(USCC_ALPHABET.encode("ascii"), dtype=np.uint8)
    out = np.empty((n, 18), dtype=np.uint8)
    out[:, :17] = alphabet[m]
    out[:, 17] = alphabet[check]
    return from_matrix(out)


# --- numbers and times -----------------------------------------------------------------------


def decimal(cents: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """A decimal128(18, 2) array from integer cents, exactly."""
    c = np.ascontiguousarray(cents, dtype=np.int64)
    words = np.empty((c.size, 2), dtype=np.int64)
    words[:, 0] = c
    words[:, 1] = c >> 63
    return pa.Array.from_buffers(DECIMAL_TYPE, c.size, [validity(null), pa.py_buffer(words)])


def dates(days: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return numbers(days, pa.int32(), null).view(pa.date32())


def timestamps(local_seconds: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Timestamps given as seconds since 1970-01-01 00:00 *local* (+08:00) time."""
    s = np.asarray(local_seconds, dtype=np.int64)
    utc_us = (s - TZ_OFFSET_S) * 1_000_000
    return numbers(utc_us, pa.int64(), null).view(TIMESTAMP_TYPE)


def timestamp_text(column: pa.Array) -> pa.Array:
    """ISO 8601 text with the +08:00 offset, e.g. 2025-03-04T09:30:00+08:00."""
    local = (
        pc.add(column.cast(pa.int64()), TZ_OFFSET_S * 1_000_000)
        .cast(pa.timestamp("us"))
        .cast(pa.timestamp("s"))
    )
    text = pc.strftime(local, format="%Y-%m-%dT%H:%M:%S")
    return pc.binary_join_element_wise(text, pa.scalar("+08:00"), "")
