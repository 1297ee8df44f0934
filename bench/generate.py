"""Benchmark of the city generator: wall time, rows, bytes and peak memory.

    .venv/bin/python bench/generate.py                       # 13,527 taxpayers, 3 years
    .venv/bin/python bench/generate.py --taxpayers 1000000 --invoices 100000000 --out /big/city

Writes into a temporary folder (removed afterwards) unless --out is given. Peak memory is the
process's maximum resident set size (``resource.getrusage``), which counts numpy and Arrow
buffers too (tracemalloc would not).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from taxlight.extract.generate import Config, generate


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--taxpayers", type=int, default=13_527)
    p.add_argument("--years", type=int, default=3)
    p.add_argument(
        "--invoices",
        type=int,
        default=None,
        help="total invoices (default: about 33 per taxpayer and year)",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--format", choices=["csv", "parquet"], default="csv")
    p.add_argument("--encoding", choices=["utf-8", "utf-8-sig", "gb18030"], default="utf-8")
    p.add_argument("--end-date", type=dt.date.fromisoformat, default=dt.date(2025, 12, 31))
    p.add_argument("--out", type=Path, default=None, help="keep the extract here")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)
    cfg = Config(
        taxpayers=args.taxpayers,
        years=args.years,
        seed=args.seed,
        invoices=args.invoices,
        format=args.format,
        encoding=args.encoding,
        end_date=args.end_date,
    )
    tmp = None
    if args.out is None:
        tmp = Path(tempfile.mkdtemp(prefix="taxlight-bench-"))
        out = tmp / "city"
    else:
        out = args.out
    try:
        began = time.perf_counter()
        summary = generate(out, cfg, progress=not args.quiet, force=True)
        wall = time.perf_counter() - began
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    total_rows = sum(summary.rows.values())
    total_bytes = sum(summary.bytes.values())
    figures = {
        "taxpayers": cfg.taxpayers,
        "years": cfg.years,
        "format": cfg.format,
        "encoding": cfg.encoding,
        "wall_seconds": round(wall, 1),
        "peak_rss_mb": round(peak_mb, 1),
        "rows": summary.rows,
        "bytes": summary.bytes,
        "total_rows": total_rows,
        "total_bytes": total_bytes,
        "rows_per_second": round(total_rows / wall),
        "invoices_per_second": round(summary.rows.get("invoices", 0) / wall),
        "patterns": summary.patterns,
        "faults": summary.faults,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(
        f"generated {cfg.taxpayers:,} taxpayers / {cfg.years} years "
        f"({cfg.format}, {cfg.encoding}) in {wall:,.1f} s; peak RSS {peak_mb:,.0f} MB"
    )
    width = max(len(t) for t in summary.rows)
    for table, rows in summary.rows.items():
        size = summary.bytes.get(f"{table}.{cfg.format}", 0)
        print(f"  {table:<{width}}  {rows:>14,} rows  {size / 2**20:>10,.1f} MiB")
    print(
        f"  {'total':<{width}}  {total_rows:>14,} rows  {total_bytes / 2**20:>10,.1f} MiB"
        f"  ({total_rows / wall:,.0f} rows/s, "
        f"{summary.rows.get('invoices', 0) / wall:,.0f} invoices/s)"
    )
    print(f"  planted taxpayers: {sum(summary.patterns.values()):,} {summary.patterns}")
    print(f"  planted faults:    {sum(summary.faults.values()):,} {summary.faults}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
