# SQL here is built from the contract's identifiers, constants and quoted paths only:
# ruff: noqa: S608
"""The fast path of a table: read, check and write it in one DuckDB statement.

For a table file that is well formed, DuckDB's multi-threaded CSV (or Parquet) reader feeds
one ``COPY (SELECT …) TO 'staged.parquet'`` that converts every cell to the contract's type
and checks every cell and row rule *as strictly as or more strictly than* the precise pass
of :mod:`taxlight.extract.validate` (the same RE2 regular expressions, canonical formats for
dates, timestamps, decimals and whole numbers, the USCC check character as SQL arithmetic).
A row that fails any check makes the statement fail (``error()``), as does anything DuckDB
cannot read (bad UTF-8, ragged rows, an unterminated quote…). Then, or when the number of
records does not match the file's lines (values spanning lines, blank lines), the caller
throws the attempt away and runs the precise pass, which finds every problem with its exact
line and column. So a good extract costs one DuckDB scan per table; only a bad (or unusual)
one pays for the precise pass, and nothing the precise pass would refuse can pass here.

Rows are written in file order (``preserve_insertion_order``), so record *n* of the staged
file is record *n* of the source, as the precise pass writes them: the key and reference
checks that follow locate their problems the same way whichever pass staged the table.
"""

from __future__ import annotations

import codecs
import contextlib
import threading
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
from stdnum.cn import uscc as stdnum_uscc

from taxlight.extract.contract import Column, Table, Type
from taxlight.extract.reader import CHUNK, SourceFile
from taxlight.extract.validate import USCC_PATTERN

FAILED = "taxlight: check failed"  # the error() text of a failing row

_ALPHABET = stdnum_uscc._alphabet
_WEIGHTS = [pow(3, i, 31) for i in range(17)]

DECIMAL_PATTERN = r"^-?[0-9]{1,16}(\.[0-9]{1,2})?$"
INT_PATTERN = r"^-?[0-9]{1,18}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TIMESTAMP_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])$"
)
SQL_TYPES: dict[Type, str] = {
    Type.STRING: "VARCHAR",
    Type.ENUM: "VARCHAR",
    Type.USCC: "VARCHAR",
    Type.DATE: "DATE",
    Type.TIMESTAMP: "TIMESTAMPTZ",
    Type.DECIMAL: "DECIMAL(18,2)",
    Type.INT: "BIGINT",
    Type.BOOL: "BOOLEAN",
}


class NotFast(Exception):
    """The fast path cannot decide this table; the precise pass must."""


def _id(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _s(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _re(expr: str, pattern: str) -> str:
    return f"regexp_matches({expr}, {_s(pattern)})"


def uscc_sql(x: str) -> str:
    """SQL: whether ``x`` (not null) is a USCC with a valid check character."""
    value = "(instr({a}, substr({x}, {i}, 1)) - 1)"
    total = " + ".join(
        f"{w} * " + value.format(a=_s(_ALPHABET), x=x, i=i + 1) for i, w in enumerate(_WEIGHTS)
    )
    check = value.format(a=_s(_ALPHABET), x=x, i=18)
    return f"({_re(x, USCC_PATTERN)} AND (31 - ({total}) % 31) % 31 = {check})"


def _text_column(col: Column, raw: str, limit: int | None) -> tuple[str, list[str]]:
    """(typed expression, checks on a non-null raw text value)."""
    checks: list[str] = []
    if col.type in (Type.STRING, Type.ENUM, Type.USCC):
        typed = raw
        if limit is not None:
            checks.append(f"length({raw}) <= {limit}")
        if col.type is Type.ENUM:
            checks.append(f"{raw} IN ({', '.join(_s(v) for v in col.enum)})")
        if col.type is Type.USCC:
            checks.append(uscc_sql(raw))
    elif col.type is Type.BOOL:
        typed = f"CASE {raw} WHEN 'true' THEN true WHEN 'false' THEN false END"
        checks.append(f"{raw} IN ('true', 'false')")
    else:
        pattern = {
            Type.DATE: DATE_PATTERN,
            Type.TIMESTAMP: TIMESTAMP_PATTERN,
            Type.DECIMAL: DECIMAL_PATTERN,
            Type.INT: INT_PATTERN,
        }[col.type]
        typed = f"TRY_CAST({raw} AS {SQL_TYPES[col.type]})"
        checks.append(_re(raw, pattern))
    return typed, checks


def _typed_column(col: Column, raw: str, t: pa.DataType) -> str:
    """The typed expression of a Parquet column of arrow type ``t`` (not text)."""
    if pa.types.is_null(t):
        return f"NULL::{SQL_TYPES[col.type]}"
    exact = {
        Type.DATE: pa.types.is_date32(t),
        Type.TIMESTAMP: pa.types.is_timestamp(t) and t.tz is not None and t.unit != "ns",
        Type.DECIMAL: t == pa.decimal128(18, 2) or pa.types.is_integer(t),
        Type.INT: pa.types.is_integer(t),
        Type.BOOL: pa.types.is_boolean(t),
    }.get(col.type, False)
    if not exact:
        raise NotFast(f"{col.name}: {t}")
    return f"TRY_CAST({raw} AS {SQL_TYPES[col.type]})"


def select_sql(
    table: Table,
    source: str,
    types: dict[str, pa.DataType] | None,
    widths: dict[str, int],
) -> str:
    """The checked, typed rows of ``source`` (a DuckDB table function) as one SELECT.
    ``types``: the arrow types of a Parquet file's columns (None: CSV, every cell text)."""
    inner: list[str] = []
    ok: list[str] = []
    for i, col in enumerate(table.columns):
        raw = _id(col.name)
        typed_name = f"t{i}"
        limit = min(
            (x for x in (col.max_length, widths.get(col.name)) if x is not None), default=None
        )
        t = None if types is None else types[col.name]
        if t is None or pa.types.is_string(t) or pa.types.is_large_string(t):
            typed, checks = _text_column(col, raw, limit)
            if col.type not in (Type.STRING, Type.ENUM, Type.USCC, Type.BOOL):
                checks.append(f"{typed_name} IS NOT NULL")
        else:
            typed = _typed_column(col, raw, t)
            checks = [f"{typed_name} IS NOT NULL"]
        if col.min_value is not None:
            checks.append(f"{typed_name} >= {col.min_value}")
        inner.append(f"{raw}")
        inner.append(f"{typed} AS {typed_name}")
        cond = " AND ".join(checks) if checks else "true"
        ok.append(
            f"({raw} IS NOT NULL AND {cond})" if col.required else f"({raw} IS NULL OR ({cond}))"
        )
    names = {c.name: f"t{i}" for i, c in enumerate(table.columns)}
    for rule in table.rules:
        ok.append(f"NOT coalesce({RULE_SQL[rule](names)}, false)")
    all_ok = "\n    AND ".join(ok)
    # Parquet: a column declared required there would be declared so in the store too; the
    # store's columns are all nullable (as the precise pass writes them).
    value = "t{i}" if types is None else "CASE WHEN t{i} IS NULL THEN NULL ELSE t{i} END"
    out = [
        f"CASE WHEN {all_ok} THEN {value.format(i=0)} ELSE error({_s(FAILED)}) END "
        f"AS {_id(table.columns[0].name)}"
    ]
    out += [f"{value.format(i=i)} AS {_id(c.name)}" for i, c in enumerate(table.columns) if i]
    return f"SELECT {', '.join(out)} FROM (SELECT {', '.join(inner)} FROM {source})"


# Row rules: SQL that is true exactly where the vectorised check of validate.RULE_CHECKS
# reports a hit (nulls count as no hit there, so every expression here is coalesced).
def _ne(a: str, b: str) -> str:
    return f"(coalesce({a}, false) <> coalesce({b}, false))"


RULE_SQL: dict[str, Callable[[dict[str, str]], str]] = {
    "unit_root": lambda t: (
        f"({t['kind']} IS NOT NULL AND "
        f"{_ne(t['parent_code'] + ' IS NULL', t['kind'] + " = 'bureau'")})"
    ),
    "industry_division": lambda t: f"NOT {_re(t['industry'], r'^(0[1-9]|[1-8][0-9]|9[0-7])$')}",
    "mobile_number": lambda t: f"NOT {_re(t['mobile'], r'^1[3-9][0-9]{9}$')}",
    "period_order": lambda t: f"{t['period_start']} > {t['period_end']}",
    "vat_only_columns": lambda t: (
        f"(({t['output_tax']} IS NOT NULL OR {t['input_tax']} IS NOT NULL) "
        f"AND {t['tax_type']} <> 'VAT')"
    ),
    "cit_only_column": lambda t: (
        f"({t['tax_type']} <> 'CIT' AND {t['taxable_income']} IS NOT NULL)"
    ),
    "red_sign": lambda t: f"({t['amount']} < 0 AND {t['status']} <> 'red')",
    "tax_same_sign": lambda t: (
        f"(coalesce({t['amount']} > 0 AND {t['tax_amount']} < 0, false) "
        f"OR coalesce({t['amount']} < 0 AND {t['tax_amount']} > 0, false))"
    ),
    "goods_code_digits": lambda t: f"NOT {_re(t['goods_code'], r'^[0-9]{3,}$')}",
    "red_original": lambda t: (
        f"({t['status']} IS NOT NULL AND "
        f"{_ne(f"{t['status']} = 'red'", f'{t["original_invoice_id"]} IS NOT NULL')})"
    ),
    "completed_after_start": lambda t: f"{t['completed_at']} < {t['started_at']}",
    "outcome_when_closed": lambda t: (
        f"(({t['closed_on']} IS NOT NULL) <> ({t['outcome']} IS NOT NULL))"
    ),
}


def csv_source(path: Path, header: list[str]) -> str:
    columns = ", ".join(f"{_s(h)}: 'VARCHAR'" for h in header)
    return (
        f"read_csv({_s(str(path))}, auto_detect = false, header = true, delim = ',', "
        f"quote = '\"', escape = '\"', columns = {{{columns}}}, nullstr = '', "
        "allow_quoted_nulls = true, strict_mode = true, null_padding = false, "
        "ignore_errors = false, encoding = 'utf-8')"
    )


def parquet_source(path: Path) -> str:
    return f"read_parquet({_s(str(path))})"


def transcode(f: SourceFile, target: Path) -> None:
    """Writes ``f`` (GB18030) as UTF-8 to ``target``, streaming; raises NotFast if it does
    not decode (the precise pass then reports where). Newlines stay where they were, so
    line numbers do not change."""
    decoder = codecs.getincrementaldecoder("gb18030")(errors="strict")
    try:
        with f.path.open("rb") as src, target.open("wb") as dst:
            while chunk := src.read(CHUNK):
                dst.write(decoder.decode(chunk).encode("utf-8"))
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError as exc:
        target.unlink(missing_ok=True)
        raise NotFast(str(exc)) from exc


def copy(
    con: duckdb.DuckDBPyConnection,
    select: str,
    target: Path,
    update: Callable[[float], None] | None = None,
) -> int:
    """Runs ``COPY (select) TO target`` in file order; returns the rows written. Raises
    NotFast if any row fails a check or DuckDB cannot read the file. ``update`` gets the
    query's progress (0 to 1) now and then."""
    sql = (
        f"COPY ({select}) TO {_s(str(target))} "
        "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, DICTIONARY_SIZE_LIMIT 1)"
    )
    con.execute("SET preserve_insertion_order = true")
    result: list[int] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            row = con.execute(sql).fetchone()
            result.append(int(row[0]) if row else 0)
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    try:
        if update is None:
            run()
        else:
            worker = threading.Thread(target=run, name="taxlight-fastpath", daemon=True)
            worker.start()
            while worker.is_alive():
                worker.join(0.25)
                with contextlib.suppress(Exception):
                    progress = con.query_progress()
                    if progress >= 0:
                        update(progress / 100)
    finally:
        con.execute("SET preserve_insertion_order = false")
    if failure:
        target.unlink(missing_ok=True)
        if isinstance(failure[0], duckdb.Error):
            raise NotFast(str(failure[0])[:300]) from failure[0]
        raise failure[0]
    return result[0]
