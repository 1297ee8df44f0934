"""The backend-neutral layer on DuckDB: tables from the current snapshot, typed as the contract
says, and clear errors when the store is not what an analysis needs."""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import taxlight.analytics
from taxlight.analytics import engines, registry
from taxlight.extract import contract, store
from tests.analytics.builders import arrow_table, city, write_store, write_table


def test_every_table_has_the_contract_types(duck: engines.Engine) -> None:
    assert duck.available == contract.LOAD_ORDER
    for name in contract.LOAD_ORDER:
        assert duck.table(name).schema() == engines.ibis_schema(name), name
    assert engines.ibis_schema("filings")["revenue"].precision == 18
    assert str(engines.ibis_schema("filings")["revenue"]) == "decimal(18, 2)"


def test_other_physical_types_are_read_as_the_contract_types(tmp_path: Path) -> None:
    # Given Parquet written with narrower decimals, int32 years, naive (wall-clock) timestamps
    # and an added column the contract does not know
    macro = pa.table(
        {
            "year": pa.array([2024], pa.int32()),
            "gdp": pa.array([Decimal("12.50")], pa.decimal128(9, 2)),
            "source": pa.array(["statistics bureau"]),
        }
    )
    actions_schema = pa.schema(
        [
            f
            if f.name not in ("started_at", "completed_at")
            else pa.field(f.name, pa.timestamp("ms"))
            for f in engines.arrow_schema("enforcement_actions")
        ]
    )
    rows = [dict(city()["enforcement_actions"][0])]
    rows[0]["started_at"] = dt.datetime(2024, 1, 31, 8, 0)  # China wall clock
    rows[0]["completed_at"] = dt.datetime(2024, 2, 1, 0, 30)
    snapshot = store.Snapshot(
        version=3,
        tables={
            "macro": write_table(tmp_path, "macro", macro, version=3),
            "enforcement_actions": write_table(
                tmp_path,
                "enforcement_actions",
                arrow_table("enforcement_actions", rows, actions_schema),
                version=3,
            ),
        },
    )
    store.publish(snapshot, tmp_path)
    # When they are read through the layer
    with engines.connect("duckdb", base=tmp_path) as engine:
        m = engine.table("macro")
        # Then the contract's columns come first with its types, the added one after
        assert m.columns == ("year", "gdp", "source")
        assert str(m.schema()["year"]) == "int64"
        assert str(m.schema()["gdp"]) == "decimal(18, 2)"
        assert engine.table("enforcement_actions").schema() == engines.ibis_schema(
            "enforcement_actions"
        )
        # and wall-clock timestamps give the same months as instants with +08:00 do
        steps = registry.run("REF-ENFORCEMENT-STEPS", engine).to_pylist()
        assert steps == [
            {
                "month": dt.date(2024, 2, 1),
                "step": "accept",
                "completed": 1,
                "total_hours": 16.5,
                "mean_hours": 16.5,
            }
        ]


def test_a_missing_table_is_named(tmp_path: Path) -> None:
    write_store(tmp_path, {"units": city()["units"]})
    with engines.connect("duckdb", base=tmp_path) as engine:
        assert engine.available == ("units",)
        with pytest.raises(engines.MissingTableError, match=r"No table 'macro'.*version 1") as e:
            engine.table("macro")
        assert e.value.table == "macro"
        with pytest.raises(engines.MissingTableError, match="REF-VAT-BURDEN needs table"):
            registry.run("REF-VAT-BURDEN", engine)


def test_an_empty_store_says_so(tmp_path: Path) -> None:
    with pytest.raises(engines.MissingTableError, match="no snapshot yet"):
        registry.run("REF-INVOICE-SELLER", "duckdb", base=tmp_path)


def test_a_table_outside_the_contract_is_refused(duck: engines.Engine) -> None:
    with pytest.raises(engines.AnalyticsError, match="not a table of the source-extract"):
        duck.table("payroll")


def test_a_damaged_store_is_reported(tmp_path: Path) -> None:
    store.publish(store.Snapshot(version=2, tables={"invoices": "tables/invoices/v2"}), tmp_path)
    with (
        engines.connect("duckdb", base=tmp_path) as engine,
        pytest.raises(engines.AnalyticsError, match=r"damaged.*'invoices'"),
    ):
        engine.table("invoices")


def test_a_table_lacking_a_contract_column_is_refused(tmp_path: Path) -> None:
    data = arrow_table("macro", [{"year": 2024, "gdp": Decimal("1.00")}]).drop_columns(["gdp"])
    store.publish(
        store.Snapshot(version=1, tables={"macro": write_table(tmp_path, "macro", data)}), tmp_path
    )
    with (
        engines.connect("duckdb", base=tmp_path) as engine,
        pytest.raises(engines.AnalyticsError, match=r"lacks the contract column.*gdp"),
    ):
        engine.table("macro")


def test_a_version_without_part_files_is_an_empty_table(tmp_path: Path) -> None:
    (tmp_path / "tables" / "invoices" / "v1").mkdir(parents=True)
    store.publish(store.Snapshot(version=1, tables={"invoices": "tables/invoices/v1"}), tmp_path)
    result = registry.run("REF-INVOICE-SELLER", "duckdb", base=tmp_path)
    assert result.num_rows == 0
    assert result.column_names == ["seller_id", "invoices", "red_invoices", "amount", "tax_amount"]


def test_all_part_files_of_a_version_are_read(tmp_path: Path) -> None:
    write_store(tmp_path, {"invoices": city()["invoices"]}, parts=3)
    assert len(list((tmp_path / "tables" / "invoices" / "v1").glob("part-*.parquet"))) == 3
    with engines.connect("duckdb", base=tmp_path) as engine:
        assert engine.table("invoices").count().execute() == 7


def test_an_open_engine_keeps_its_snapshot(tmp_path: Path) -> None:
    # Given an engine opened on version 1
    write_store(tmp_path, {"macro": [{"year": 2024, "gdp": Decimal("1.00")}]})
    with engines.connect("duckdb", base=tmp_path) as engine:
        # When version 2 is published meanwhile
        write_store(
            tmp_path,
            {
                "macro": [
                    {"year": 2024, "gdp": Decimal("2.00")},
                    {"year": 2025, "gdp": Decimal("3.00")},
                ]
            },
            version=2,
        )
        # Then the engine still answers from version 1, a new one from version 2
        assert engine.table("macro").count().execute() == 1
    with engines.connect("duckdb", base=tmp_path) as engine:
        assert engine.snapshot.version == 2
        assert engine.table("macro").count().execute() == 2


def test_duckdb_takes_memory_limit_and_threads_from_settings(
    settings: object, city_store: Path
) -> None:
    settings.DUCKDB_MEMORY_LIMIT = "1GiB"  # type: ignore[attr-defined]
    settings.DUCKDB_THREADS = 1  # type: ignore[attr-defined]
    with engines.connect("duckdb", base=city_store) as engine:
        limit, threads, zone = engine.backend.raw_sql(
            "SELECT current_setting('memory_limit'), current_setting('threads'), "
            "current_setting('TimeZone')"
        ).fetchone()
    assert (limit, threads, zone) == ("1.0 GiB", 1, "Asia/Shanghai")


def test_the_default_engine_and_store_come_from_settings(
    settings: object, city_store: Path
) -> None:
    settings.ANALYTICS_DIR = city_store  # type: ignore[attr-defined]
    settings.ANALYTICS_ENGINE = "duckdb"  # type: ignore[attr-defined]
    assert registry.run("REF-INVOICE-SELLER").num_rows == 2
    settings.ANALYTICS_ENGINE = "oracle"  # type: ignore[attr-defined]
    with pytest.raises(engines.AnalyticsError, match="Unknown analytics engine 'oracle'"):
        engines.connect()


def test_the_parquet_the_tests_write_has_the_contract_types(city_store: Path) -> None:
    path = next((city_store / "tables" / "filings" / "v1").glob("part-*.parquet"))
    schema = pq.read_schema(path)
    assert schema.field("revenue").type == pa.decimal128(18, 2)
    assert schema.field("due_on").type == pa.date32()


def test_the_analytics_layer_never_imports_django_models() -> None:
    # Analyses run on the analytics store only: no ORM, no models, no database connection.
    package = Path(taxlight.analytics.__file__).parent
    for source in ("engines.py", "registry.py", "reference.py", "params.py"):
        tree = ast.parse((package / source).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert not name.startswith("django.db"), (source, name)
                assert not name.endswith(".models"), (source, name)
