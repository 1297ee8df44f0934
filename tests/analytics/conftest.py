"""Fixtures of the analytics tests: a tiny city in an analytics store, and the engines.

Spark tests (marked ``spark``) share one SparkSession for the whole test session: starting
the JVM takes seconds, each query then well under one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from taxlight.analytics import engines
from tests.analytics.builders import city, write_store


@pytest.fixture
def city_store(tmp_path: Path) -> Path:
    base = tmp_path / "analytics"
    write_store(base, city())
    return base


@pytest.fixture
def duck(city_store: Path) -> Iterator[engines.Engine]:
    with engines.connect("duckdb", base=city_store) as engine:
        yield engine


@pytest.fixture(scope="session")
def shared_city_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The city, written once (parts split in two files) for the cross-engine tests."""
    base = tmp_path_factory.mktemp("analytics-city")
    write_store(base, city(), parts=2)
    return base


@pytest.fixture(scope="session")
def spark_session() -> Iterator[object]:
    session = engines.spark_session()
    yield session
    session.stop()


@pytest.fixture(scope="session")
def spark_city(spark_session: object, shared_city_store: Path) -> Iterator[engines.Engine]:
    with engines.connect("spark", base=shared_city_store) as engine:
        yield engine


@pytest.fixture(scope="session")
def duck_city(shared_city_store: Path) -> Iterator[engines.Engine]:
    with engines.connect("duckdb", base=shared_city_store) as engine:
        yield engine


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Third-party noise: ibis 12 calls a method DuckDB 2.0 deprecates, ibis and pyspark use
    # pandas options pandas 3 deprecates; none is ours to fix.
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(
                pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")
            )
            item.add_marker(pytest.mark.filterwarnings("ignore:The 'future.infer_string'"))
            item.add_marker(pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"))
