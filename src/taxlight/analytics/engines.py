"""The backend-neutral layer: the analytics store seen as Ibis tables, on DuckDB or on Spark.

``connect()`` opens an engine over the *current* snapshot of the analytics store
(:func:`taxlight.extract.store.current`) and exposes every contract table present in it as an
Ibis table with the contract's column types, the same on both engines:

* strings and enums → ``string``; dates → ``date``; amounts → ``decimal(18, 2)``;
  ints → ``int64``; bools → ``boolean``;
* timestamps → ``timestamp`` (no zone) holding the **China Standard Time wall clock**. The
  contract writes every timestamp with ``+08:00`` and China has no daylight saving, so the wall
  clock loses nothing, and dates and months taken from it are the same on both engines.
  (Absolute epoch values of a wall-clock timestamp are engine-specific; use differences.)

DuckDB runs in process (``DUCKDB_MEMORY_LIMIT``, ``DUCKDB_THREADS``; spills to a temporary
directory under ``VAR_DIR``) with one ``read_parquet`` view per table, so nothing is copied.
Spark uses one SparkSession per process on ``SPARK_MASTER`` with one temporary view per table
(``spark.read.parquet``). Nothing here touches the Django models: analyses read the analytics
store only.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa
from django.conf import settings

from taxlight.extract import contract, store

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

ENGINES = ("duckdb", "spark")
TIME_ZONE = "Asia/Shanghai"  # the contract's +08:00

# Contract type → Ibis type; the one place where the engines' column types are decided.
IBIS_TYPES: dict[contract.Type, dt.DataType] = {
    contract.Type.STRING: dt.String(),
    contract.Type.ENUM: dt.String(),
    contract.Type.USCC: dt.String(),
    contract.Type.DATE: dt.Date(),
    contract.Type.TIMESTAMP: dt.Timestamp(),
    contract.Type.DECIMAL: dt.Decimal(18, 2),
    contract.Type.INT: dt.Int64(),
    contract.Type.BOOL: dt.Boolean(),
}

# Contract type → Arrow type, for writing Parquet that the engines read as the types above.
ARROW_TYPES: dict[contract.Type, pa.DataType] = {
    contract.Type.STRING: pa.string(),
    contract.Type.ENUM: pa.string(),
    contract.Type.USCC: pa.string(),
    contract.Type.DATE: pa.date32(),
    contract.Type.TIMESTAMP: pa.timestamp("us", tz=TIME_ZONE),
    contract.Type.DECIMAL: pa.decimal128(18, 2),
    contract.Type.INT: pa.int64(),
    contract.Type.BOOL: pa.bool_(),
}


class AnalyticsError(Exception):
    """Something in the analytics layer went wrong in a way the user can act on."""


class MissingTableError(AnalyticsError, LookupError):
    """A table an analysis needs is not in the current snapshot of the analytics store."""

    def __init__(self, table: str, *, base: Path, version: int, needed_by: str = "") -> None:
        self.table = table
        who = f"{needed_by} needs table {table!r}" if needed_by else f"No table {table!r}"
        if version == 0:
            where = f"the analytics store at {base} has no snapshot yet (import an extract first)"
        else:
            where = f"the current snapshot (version {version}) of the analytics store at {base}"
            where += " does not contain it"
        super().__init__(f"{who}: {where}.")


def ibis_schema(table: str) -> ibis.Schema:
    spec = contract.TABLES[table]
    return ibis.schema({c.name: IBIS_TYPES[c.type] for c in spec.columns})


def arrow_schema(table: str) -> pa.Schema:
    spec = contract.TABLES[table]
    return pa.schema(
        [pa.field(c.name, ARROW_TYPES[c.type], nullable=not c.required) for c in spec.columns]
    )


def _conform(raw: ir.Table, table: str, where: Path) -> ir.Table:
    """The contract's columns first, cast to the contract's types; added columns after."""
    spec = contract.TABLES[table]
    missing = [c for c in spec.column_names if c not in raw.columns]
    if missing:
        raise AnalyticsError(
            f"Table {table!r} at {where} lacks the contract column(s) {', '.join(missing)}."
        )
    typed = [raw[c.name].cast(IBIS_TYPES[c.type]).name(c.name) for c in spec.columns]
    extra = [raw[c] for c in raw.columns if c not in spec.column_names]
    return raw.select(*typed, *extra)


class Engine:
    """An Ibis backend over one snapshot of the analytics store. Use as a context manager
    or call :meth:`close`."""

    name: str
    backend: Any  # an ibis BaseBackend

    def __init__(self, *, base: Path | None = None) -> None:
        self.base = Path(base) if base is not None else store.root()
        self.snapshot = store.current(self.base)
        self._tables: dict[str, ir.Table] = {}

    # -- what the snapshot holds -------------------------------------------------------------
    @property
    def available(self) -> tuple[str, ...]:
        """The contract tables present in the snapshot, in load order."""
        return tuple(t for t in contract.LOAD_ORDER if t in self.snapshot.tables)

    def has(self, name: str) -> bool:
        return name in self.snapshot.tables

    def table(self, name: str, *, needed_by: str = "") -> ir.Table:
        if name not in contract.TABLES:
            raise AnalyticsError(f"{name!r} is not a table of the source-extract contract.")
        if name not in self._tables:
            path = self.snapshot.path(name, self.base)
            if path is None:
                raise MissingTableError(
                    name, base=self.base, version=self.snapshot.version, needed_by=needed_by
                )
            if not path.is_dir():
                raise AnalyticsError(
                    f"The analytics store is damaged: table {name!r} points at {path}, "
                    "which does not exist."
                )
            parts = sorted(path.glob("part-*.parquet"))
            raw = self._register(name, path) if parts else self._empty(name)
            self._tables[name] = _conform(raw, name, path)
        return self._tables[name]

    def _empty(self, name: str) -> ir.Table:
        return ibis.memtable(arrow_schema(name).empty_table())

    # -- running --------------------------------------------------------------------------------
    def to_pyarrow(self, expr: ir.Table) -> pa.Table:
        with warnings.catch_warnings():
            # ibis 12 calls DuckDB 2.0's deprecated fetch_arrow_table(); not ours to fix
            warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
            return self.backend.to_pyarrow(expr)

    def compile(self, expr: ir.Expr) -> str:
        return str(self.backend.compile(expr))

    def close(self) -> None:
        self._tables.clear()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base} v{self.snapshot.version}>"

    def _register(self, name: str, path: Path) -> ir.Table:
        raise NotImplementedError


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class DuckDBEngine(Engine):
    name = "duckdb"

    def __init__(self, *, base: Path | None = None) -> None:
        super().__init__(base=base)
        temp_dir = Path(settings.DUCKDB_TEMP_DIRECTORY)
        temp_dir.mkdir(parents=True, exist_ok=True)
        self.backend = ibis.duckdb.connect(
            memory_limit=str(settings.DUCKDB_MEMORY_LIMIT),
            threads=int(settings.DUCKDB_THREADS),
            temp_directory=str(temp_dir),
        )
        self.backend.raw_sql(f"SET TimeZone = {_sql_string(TIME_ZONE)}")

    def _register(self, name: str, path: Path) -> ir.Table:
        glob = str(path / "part-*.parquet")
        self.backend.raw_sql(
            f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM read_parquet({_sql_string(glob)})'  # noqa: S608
        )
        return self.backend.table(name)

    def close(self) -> None:
        super().close()
        self.backend.disconnect()


_spark_lock = threading.Lock()
_spark: SparkSession | None = None


def spark_session() -> SparkSession:
    """The process's SparkSession on ``settings.SPARK_MASTER``, created on first use.

    Cluster-wide configuration (executor memory, s3a credentials, packages) belongs in
    ``$SPARK_CONF_DIR/spark-defaults.conf`` or in ``settings.SPARK_CONF`` (a dict), see
    docs/analytics.md."""
    global _spark
    with _spark_lock:
        if _spark is not None and not _spark_stopped(_spark):
            return _spark
        from pyspark.sql import SparkSession

        logging.getLogger("py4j").setLevel(logging.WARNING)  # chatty at INFO
        master = str(settings.SPARK_MASTER)
        local = master.startswith("local")
        # Python workers must run the driver's interpreter; on a cluster the executors may
        # name their own (same version) through the environment.
        for var in ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON"):
            if local:
                os.environ[var] = sys.executable
            else:
                os.environ.setdefault(var, sys.executable)
        conf: dict[str, str] = {
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.session.timeZone": TIME_ZONE,
            "spark.sql.execution.arrow.pyspark.enabled": "true",
            "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
            "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
        }
        if local:
            conf |= {
                "spark.sql.shuffle.partitions": "4",
                "spark.default.parallelism": "4",
                "spark.driver.host": "127.0.0.1",
                "spark.driver.bindAddress": "127.0.0.1",
            }
        conf |= {str(k): str(v) for k, v in settings.SPARK_CONF.items()}
        builder = SparkSession.builder.master(master).appName("taxlight-analytics")
        for key, value in conf.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        _spark = session
        return session


def _spark_stopped(session: SparkSession) -> bool:
    jsc = session.sparkContext._jsc
    return jsc is None or bool(jsc.sc().isStopped())


class SparkEngine(Engine):
    name = "spark"

    def __init__(self, *, base: Path | None = None) -> None:
        super().__init__(base=base)
        self.session = spark_session()
        # ibis sets the session time zone to UTC on connect; keep the contract's.
        self.backend = ibis.pyspark.connect(
            self.session, **{"spark.sql.session.timeZone": TIME_ZONE}
        )
        self._prefix = f"taxlight_{uuid.uuid4().hex[:12]}_"
        self._views: list[str] = []

    def _register(self, name: str, path: Path) -> ir.Table:
        from pyspark.sql import functions as F
        from pyspark.sql.types import TimestampType

        df = self.session.read.parquet(self.location(name, path))
        for field in df.schema.fields:
            if isinstance(field.dataType, TimestampType):  # an instant → CST wall clock
                df = df.withColumn(field.name, F.col(field.name).cast("timestamp_ntz"))
        view = self._prefix + name
        df.createOrReplaceTempView(view)
        self._views.append(view)
        return self.backend.table(view)

    def location(self, name: str, path: Path) -> str:
        """Where the executors read a table: under ``ANALYTICS_SPARK_URI`` when set (the same
        store as seen from the cluster, e.g. ``s3a://bucket/analytics`` while ANALYTICS_DIR is
        that bucket mounted on this host), else the local path as a ``file://`` URI."""
        uri = str(settings.ANALYTICS_SPARK_URI or "").rstrip("/")
        if uri:
            return f"{uri}/{self.snapshot.tables[name].lstrip('/')}"
        return path.resolve().as_uri()

    def close(self) -> None:
        super().close()
        if not _spark_stopped(self.session):
            for view in self._views:
                self.session.catalog.dropTempView(view)
        self._views.clear()


def connect(engine: str | None = None, *, base: Path | None = None) -> Engine:
    """Opens ``engine`` ("duckdb" or "spark"; default ``settings.ANALYTICS_ENGINE``) over the
    current snapshot of the analytics store at ``base`` (default ``settings.ANALYTICS_DIR``)."""
    name = (engine or str(settings.ANALYTICS_ENGINE)).strip().lower()
    if name == "duckdb":
        return DuckDBEngine(base=base)
    if name == "spark":
        return SparkEngine(base=base)
    raise AnalyticsError(f"Unknown analytics engine {name!r}: choose one of {', '.join(ENGINES)}.")


@contextmanager
def opened(engine: str | Engine | None = None, *, base: Path | None = None) -> Iterator[Engine]:
    """An engine for the duration of a block: reuses an open one, or connects and closes."""
    if isinstance(engine, Engine):
        yield engine
        return
    eng = connect(engine, base=base)
    try:
        yield eng
    finally:
        eng.close()
