"""The benchmark's synthetic builder writes a store every reference analysis can run on (so
bench/analytics_reference.py does not rot between benchmark runs)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from taxlight.analytics import engines, registry

BENCH = Path(__file__).resolve().parents[2] / "bench" / "analytics_reference.py"


def test_the_synthetic_store_runs_every_reference_analysis(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("analytics_reference_bench", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    counts = bench.build_synthetic(tmp_path, taxpayers=40, years=2, invoices_per_taxpayer=5, seed=7)
    assert counts["taxpayers"] == 40
    assert counts["invoices"] == 200
    with engines.connect("duckdb", base=tmp_path) as engine:
        for name in engine.available:
            assert engine.table(name).schema() == engines.ibis_schema(name)
        for analysis in registry.registered("reference"):
            assert registry.run(analysis.code, engine).num_rows > 0, analysis.code
