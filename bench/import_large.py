"""Benchmark: import a large extract and compare with a bare DuckDB read of the same files.

    .venv/bin/python bench/import_large.py DIR [--skip-import]

DIR is an extract, e.g. one written by
``manage.py extract_generate DIR --taxpayers 1000000 --years 3`` (100,000,000 invoices).
In the same run it

1. imports DIR into a fresh var directory (``extract_import --quiet`` in a child process)
   and measures wall time and peak memory (ru_maxrss of the child);
2. reads every table file of DIR with bare DuckDB (``read_csv`` / ``read_parquet``, every
   column aggregated, so every cell is parsed) with the same thread and memory settings;

and prints both times, their ratio (target: import within 2x of the bare read) and the peak
memory (target: under 8 GB).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
sys.path.insert(0, str(ROOT / "src"))

from taxlight.extract.contract import LOAD_ORDER, TABLES  # noqa: E402


def bare_duckdb(folder: Path, threads: int, memory: str) -> tuple[float, dict[str, float]]:
    con = duckdb.connect(config={"threads": threads, "memory_limit": memory})
    per: dict[str, float] = {}
    started = time.monotonic()
    for name in LOAD_ORDER:
        cols = TABLES[name].column_names
        aggregate = ", ".join(f"count({c})" for c in cols)
        for fmt in ("csv", "parquet"):
            path = folder / f"{name}.{fmt}"
            if not path.exists():
                continue
            t = time.monotonic()
            source = (
                f"read_csv('{path}', header = true)" if fmt == "csv" else f"read_parquet('{path}')"
            )
            con.execute(f"SELECT count(*), {aggregate} FROM {source}").fetchall()  # noqa: S608
            per[name] = time.monotonic() - t
    return time.monotonic() - started, per


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("extract", type=Path)
    parser.add_argument("--skip-import", action="store_true")
    opts = parser.parse_args()
    threads = int(os.environ.get("DUCKDB_THREADS", os.cpu_count() or 2))
    memory = os.environ.get("DUCKDB_MEMORY_LIMIT", "4GB")
    size = sum(p.stat().st_size for p in opts.extract.iterdir()) / 1024**3
    print(f"extract {opts.extract}: {size:.2f} GB")
    import_s = 0.0
    peak_mb = 0
    if not opts.skip_import:
        var = Path(tempfile.mkdtemp(prefix="bench-large-"))
        env = {**os.environ, "TAXLIGHT_VAR_DIR": str(var)}
        env.pop("DATABASE_URL", None)
        subprocess.run([PY, str(ROOT / "manage.py"), "migrate", "-v0"], check=True, env=env)
        started = time.monotonic()
        subprocess.run(
            [PY, str(ROOT / "manage.py"), "extract_import", str(opts.extract), "--quiet"],
            check=True,
            env=env,
        )
        import_s = time.monotonic() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        script = (
            "from taxlight.extract.models import ExtractImport as E; import json; "
            "print(json.dumps(E.objects.latest('pk').counts))"
        )
        out = subprocess.run(
            [PY, str(ROOT / "manage.py"), "shell", "-c", script],
            check=True,
            env=env,
            capture_output=True,
            text=True,
        ).stdout
        counts = json.loads(out.strip().splitlines()[-1])
        print(f"import: {import_s:.1f} s wall, peak memory {peak_mb} MB")
        for table, c in counts.items():
            rate = c["rows"] / c["seconds"] if c.get("seconds") else 0
            print(
                f"  {table:<20} {c['rows']:>13,} rows {c.get('seconds', 0):>8.1f} s "
                f"{rate:>12,.0f} rows/s"
            )
    bare_s, per = bare_duckdb(opts.extract, threads, memory)
    print(
        f"bare DuckDB read of the same files: {bare_s:.1f} s "
        f"(threads={threads}, memory_limit={memory})"
    )
    for table, secs in per.items():
        print(f"  {table:<20} {secs:8.1f} s")
    if import_s:
        print(f"ratio import / bare read: {import_s / bare_s:.2f} (target <= 2)")
        print(f"peak memory: {peak_mb} MB (target < 8192)")


if __name__ == "__main__":
    main()
