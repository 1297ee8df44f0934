"""The registry of analyses: written once as Ibis expressions, run on any engine.

An analysis is a function ``(tables, params) -> ibis table expression`` registered under a
stable code and a version::

    @analysis(
        code="REF-INVOICE-SELLER", version=1, tables=("invoices",), key=("seller_id",),
        params={"properties": {"date_from": {"type": ["string", "null"], "format": "date",
                                             "default": None}}},
        description_zh="…", description_en="…",
    )
    def invoice_totals(tables: Tables, params: Params) -> ir.Table:
        inv = tables.invoices
        ...

* ``tables`` lists the contract tables it reads; the function sees only those (others raise),
  and a run refuses clearly when one is missing from the analytics store.
* ``params`` is a JSON Schema object (see :mod:`taxlight.analytics.params`); the function gets
  validated parameters with defaults filled in.
* ``key`` is the columns that identify a result row; :func:`run` orders by them (then by every
  other column, nulls last), so a result has the same order on every engine.
* ``kind`` groups analyses ("reference" here; risk indicators and fault rules later).

Only Ibis expressions, never engine-specific SQL: that is what makes an analysis give the same
rows on DuckDB and on Spark. Money stays decimal (sums are exact); ratios are float64 from one
division of two exact sums (see :func:`ratio`), so they are bit-identical too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from taxlight.analytics import engines
from taxlight.analytics import params as params_mod

Params = dict[str, Any]
AnalysisFunction = Callable[["Tables", Params], ir.Table]

CODE = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")


class Tables:
    """The tables an analysis declared, as Ibis tables: ``tables.invoices`` or
    ``tables["invoices"]``."""

    def __init__(self, engine: engines.Engine, declared: tuple[str, ...], code: str) -> None:
        self._engine = engine
        self._declared = declared
        self._code = code

    def __getitem__(self, name: str) -> ir.Table:
        if name not in self._declared:
            raise engines.AnalyticsError(
                f"{self._code} reads table {name!r} without declaring it in tables=."
            )
        return self._engine.table(name, needed_by=self._code)

    def __getattr__(self, name: str) -> ir.Table:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def has(self, name: str) -> bool:
        return name in self._declared and self._engine.has(name)


@dataclass(frozen=True)
class Analysis:
    code: str
    version: int
    tables: tuple[str, ...]
    key: tuple[str, ...]
    params: dict[str, Any]
    description_zh: str
    description_en: str
    function: AnalysisFunction
    kind: str = "reference"
    optional_tables: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        return f"{self.code} v{self.version}"

    def validate(self, params: Mapping[str, Any] | None = None) -> Params:
        return params_mod.validate(self.code, self.params, params)

    def defaults(self) -> Params:
        return self.validate({})

    def expression(
        self, engine: engines.Engine, params: Mapping[str, Any] | None = None
    ) -> ir.Table:
        """The analysis as an ordered Ibis expression on ``engine``."""
        values = self.validate(params)
        for name in self.tables:
            if name not in self.optional_tables:
                engine.table(name, needed_by=self.code)  # refuses a missing table clearly
        expr = self.function(Tables(engine, self.tables, self.code), values)
        missing = [k for k in self.key if k not in expr.columns]
        if missing:
            raise engines.AnalyticsError(
                f"{self.code} declares key column(s) {missing} that its result lacks."
            )
        rest = [c for c in expr.columns if c not in self.key]
        return expr.order_by([ibis.asc(c, nulls_first=False) for c in (*self.key, *rest)])


_REGISTRY: dict[str, Analysis] = {}


def analysis(
    *,
    code: str,
    version: int,
    tables: tuple[str, ...],
    key: tuple[str, ...],
    description_zh: str,
    description_en: str,
    params: Mapping[str, Any] | None = None,
    kind: str = "reference",
    optional_tables: tuple[str, ...] = (),
) -> Callable[[AnalysisFunction], AnalysisFunction]:
    """Registers the decorated function as an analysis (see the module's documentation)."""
    from taxlight.extract import contract

    if not CODE.match(code):
        raise ValueError(f"Analysis code {code!r} must look like 'REF-VAT-BURDEN'.")
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"{code}: version must be a positive integer.")
    unknown = [t for t in tables if t not in contract.TABLES]
    if unknown or not tables:
        raise ValueError(f"{code}: tables {unknown or tables!r} are not contract tables.")
    if not key:
        raise ValueError(f"{code}: declare the key columns of a result row.")
    if not description_zh.strip() or not description_en.strip():
        raise ValueError(f"{code}: a description in Chinese and in English is required.")
    schema = params_mod.check_schema(params or {}, where=code)

    def register(function: AnalysisFunction) -> AnalysisFunction:
        existing = _REGISTRY.get(code)
        if (
            existing is not None
            and existing.function is not function
            and (existing.function.__module__, existing.function.__qualname__)
            != (function.__module__, function.__qualname__)
        ):
            raise ValueError(
                f"Analysis code {code} is already registered by "
                f"{existing.function.__module__}.{existing.function.__qualname__}."
            )
        _REGISTRY[code] = Analysis(
            code=code,
            version=version,
            tables=tuple(tables),
            key=tuple(key),
            params=schema,
            description_zh=description_zh.strip(),
            description_en=description_en.strip(),
            function=function,
            kind=kind,
            optional_tables=tuple(optional_tables),
        )
        return function

    return register


def unregister(code: str) -> None:
    """Removes an analysis (for tests that register throwaway ones)."""
    _REGISTRY.pop(code, None)


def _load() -> None:
    # The analyses that ship with taxlight register themselves on import.
    from taxlight.analytics import reference  # noqa: F401


def get(code: str) -> Analysis:
    _load()
    try:
        return _REGISTRY[code]
    except KeyError:
        raise engines.AnalyticsError(
            f"No analysis is registered under {code!r}; known: {', '.join(sorted(_REGISTRY))}."
        ) from None


def registered(kind: str | None = None) -> list[Analysis]:
    _load()
    return sorted(
        (a for a in _REGISTRY.values() if kind is None or a.kind == kind), key=lambda a: a.code
    )


def run(
    code: str,
    engine: str | engines.Engine | None = None,
    params: Mapping[str, Any] | None = None,
    *,
    base: Path | None = None,
) -> pa.Table:
    """Runs the analysis ``code`` on ``engine`` (a name, an open engine, or the default) and
    returns its rows as an Arrow table, in a deterministic order. Parameters are validated
    before any engine is started."""
    spec = get(code)
    spec.validate(params)
    with engines.opened(engine, base=base) as eng:
        expr = spec.expression(eng, params)
        return eng.to_pyarrow(expr)


# -- small expression helpers shared by analyses ----------------------------------------------


def ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    """``numerator / denominator`` as float64, null when the denominator is zero or null.

    Give it exact sums (decimals or integers): both are converted to float64 exactly as
    IEEE 754 prescribes and divided once, which both engines do bit-identically."""
    den = denominator.cast("float64")
    return (numerator.cast("float64") / ibis.ifelse(den == 0, ibis.null("float64"), den)).name(
        "ratio"
    )


def month_of(value: ir.DateValue | ir.TimestampValue) -> ir.DateValue:
    """The first day of the month (a date) of a date or a wall-clock timestamp."""
    return ibis.date(value.year(), value.month(), 1)


def quarter_of(value: ir.DateValue | ir.TimestampValue) -> ir.DateValue:
    """The first day of the quarter."""
    m = value.month()
    first = ibis.cases((m <= 3, 1), (m <= 6, 4), (m <= 9, 7), else_=10)
    return ibis.date(value.year(), first, 1)


def year_of(value: ir.DateValue | ir.TimestampValue) -> ir.DateValue:
    """The first day of the year."""
    return ibis.date(value.year(), 1, 1)


def period_of(value: ir.DateValue | ir.TimestampValue, granularity: str) -> ir.DateValue:
    return {"month": month_of, "quarter": quarter_of, "year": year_of}[granularity](value)


def money(value: ir.Value) -> ir.DecimalValue:
    """A sum of amounts, typed as the decimal every engine agrees on."""
    return value.cast("decimal(38, 2)")


ZERO = ibis.literal(0, type="decimal(18, 2)")
