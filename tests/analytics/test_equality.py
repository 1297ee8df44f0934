"""One definition, two engines: every registered analysis gives the same rows, in the same
order, with the same types, on DuckDB and on Spark in local mode. Decimals are compared
exactly, floats bit for bit (an Arrow table equality).

Marked ``spark``: one SparkSession serves the whole test session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from taxlight.analytics import engines, registry
from taxlight.extract import contract
from tests.analytics.builders import city, write_store

pytestmark = pytest.mark.spark

# Besides the defaults, one set of parameters per analysis that exercises its options.
OPTIONS: dict[str, dict[str, Any]] = {
    "REF-VAT-BURDEN": {
        "granularity": "quarter",
        "industries": ["13", "51"],
        "date_from": "2024-01-01",
    },
    "REF-INVOICE-SELLER": {"kind": "special", "date_to": "2024-12-31"},
    "REF-FILING-ONTIME": {"as_of": "2025-06-30", "tax_types": ["VAT", "CIT"]},
    "REF-RED-SHARE": {"date_from": "2024-02-01"},
    "REF-AUDIT-YIELD": {"year": 2024},
    "REF-MACRO-BURDEN": {"tax_types": ["VAT"]},
    "REF-ENFORCEMENT-STEPS": {"date_from": "2024-01-15"},
}
CODES = [spec.code for spec in registry.registered()]


def assert_same(duck: pa.Table, spark: pa.Table, label: str) -> None:
    assert spark.schema == duck.schema, label
    assert spark.to_pylist() == duck.to_pylist(), label
    assert spark.equals(duck), label


def test_every_registered_analysis_has_parameters_to_compare_with() -> None:
    assert set(OPTIONS) == set(CODES)


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("variant", ["defaults", "options"])
def test_duckdb_and_spark_give_the_same_rows(
    code: str, variant: str, duck_city: engines.Engine, spark_city: engines.Engine
) -> None:
    params = {} if variant == "defaults" else OPTIONS[code]
    duck = registry.run(code, duck_city, params)
    spark = registry.run(code, spark_city, params)
    assert duck.num_rows > 0, "compare something, not two empty tables"
    assert_same(duck, spark, f"{code} {params}")


def test_both_engines_give_the_contract_types(
    duck_city: engines.Engine, spark_city: engines.Engine
) -> None:
    for name in contract.LOAD_ORDER:
        assert spark_city.table(name).schema() == engines.ibis_schema(name), name
        assert duck_city.table(name).schema() == engines.ibis_schema(name), name


def test_whole_tables_read_the_same(duck_city: engines.Engine, spark_city: engines.Engine) -> None:
    # Timestamps included: both engines show the China Standard Time wall clock.
    for name in ("filings", "enforcement_actions", "taxpayers"):
        key = contract.TABLES[name].key[0]
        duck = duck_city.to_pyarrow(duck_city.table(name).order_by(key))
        spark = spark_city.to_pyarrow(spark_city.table(name).order_by(key))
        assert_same(duck, spark, name)


def test_empty_tables_give_the_same_empty_results(spark_session: object, tmp_path: Path) -> None:
    data = city()
    data["invoices"] = []
    write_store(tmp_path, data)
    (tmp_path / "tables" / "audits" / "v1" / "part-0.parquet").unlink()  # no part files at all
    for code in ("REF-INVOICE-SELLER", "REF-RED-SHARE", "REF-AUDIT-YIELD"):
        duck = registry.run(code, "duckdb", base=tmp_path)
        spark = registry.run(code, "spark", base=tmp_path)
        assert duck.num_rows == 0
        assert_same(duck, spark, code)


def test_spark_names_a_missing_table_too(spark_session: object, tmp_path: Path) -> None:
    data = city()
    del data["macro"]
    write_store(tmp_path, data)
    with pytest.raises(engines.MissingTableError, match="REF-MACRO-BURDEN needs table 'macro'"):
        registry.run("REF-MACRO-BURDEN", "spark", base=tmp_path)


def test_spark_orders_nulls_last_like_duckdb(
    spark_city: engines.Engine, duck_city: engines.Engine
) -> None:
    # Spark sorts nulls first by default, DuckDB last: the registry states it explicitly.
    def buyers(engine: engines.Engine) -> pa.Table:
        inv = engine.table("invoices")
        expr = inv.group_by("buyer_id").aggregate(n=inv.count())
        spec = registry.Analysis(
            code="TEST-BUYERS",
            version=1,
            tables=("invoices",),
            key=("buyer_id",),
            params={"type": "object", "properties": {}, "additionalProperties": False},
            description_zh="按购方",
            description_en="Per buyer",
            kind="test",
            function=lambda tables, params: expr,
        )
        return engine.to_pyarrow(spec.expression(engine))

    assert buyers(spark_city).column("buyer_id").to_pylist() == ["T3", "X-OUTSIDE", None]
    assert_same(buyers(duck_city), buyers(spark_city), "buyers")


def test_spark_reads_the_store_where_the_cluster_sees_it(
    spark_session: object, settings: Any, tmp_path: Path, duck_city: engines.Engine
) -> None:
    # Given the store mounted here at one path and seen by the executors at another URI
    cluster_copy = tmp_path / "as-seen-by-the-cluster"
    write_store(cluster_copy, city())
    local_mount = tmp_path / "mounted-here"
    write_store(local_mount, {name: [] for name in city()})  # same layout, no rows
    settings.ANALYTICS_SPARK_URI = cluster_copy.as_uri()
    # When Spark runs over the local store, then it reads the rows at the cluster's URI
    with engines.connect("spark", base=local_mount) as spark:
        assert spark.location("invoices", local_mount) == (
            f"{cluster_copy.as_uri()}/tables/invoices/v1"
        )
        assert_same(
            registry.run("REF-INVOICE-SELLER", duck_city),
            registry.run("REF-INVOICE-SELLER", spark),
            "mapped",
        )
