"""Benchmark: generate the 13,527-taxpayer, 3-year city and import it.

    .venv/bin/python bench/import_city.py [--extract DIR] [--taxpayers N] [--years N]

Generates the extract with ``extract_generate`` (unless DIR already holds one), imports it
into a fresh var directory (SQLite + analytics store) with ``extract_import``, and prints the
import's wall time, peak memory (ru_maxrss of the importing process) and rows/s per table.
Target (issue 3): within 60 s on a 2-core machine.
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

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def manage(*args: str, env: dict[str, str]) -> tuple[float, int]:
    """Runs manage.py in a child; returns (seconds, peak RSS of the child in MB)."""
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run([PY, str(ROOT / "manage.py"), *args], check=True, env=env)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return time.monotonic() - started, max(peak, before) // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--extract", type=Path, default=Path(tempfile.gettempdir()) / "city_extract"
    )
    parser.add_argument("--taxpayers", type=int, default=13_527)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    opts = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="bench-import-"))
    env = {**os.environ, "TAXLIGHT_VAR_DIR": str(var), "DATABASE_URL": ""}
    env.pop("DATABASE_URL")
    subprocess.run([PY, str(ROOT / "manage.py"), "migrate", "-v0"], check=True, env=env)
    if not (opts.extract / "manifest.json").exists():
        secs, mb = manage(
            "extract_generate",
            str(opts.extract),
            "--taxpayers",
            str(opts.taxpayers),
            "--years",
            str(opts.years),
            "--seed",
            str(opts.seed),
            "--quiet",
            "--force",
            env=env,
        )
        print(f"generated {opts.extract} in {secs:.1f} s (peak {mb} MB)")
    size = sum(p.stat().st_size for p in opts.extract.iterdir()) / 1024**2
    secs, mb = manage("extract_import", str(opts.extract), "--quiet", env=env)
    print(
        f"\nimport of {opts.extract} ({size:.0f} MB): {secs:.1f} s wall (process start "
        f"included), peak memory {mb} MB"
    )
    script = (
        "from taxlight.extract.models import ExtractImport as E; import json; "
        "r = E.objects.latest('pk'); s = (r.finished_at - r.started_at).total_seconds(); "
        "print(json.dumps({'counts': r.counts, 's': s}))"
    )
    out = subprocess.run(
        [PY, str(ROOT / "manage.py"), "shell", "-c", script],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    info = json.loads(out.strip().splitlines()[-1])
    total = sum(c.get("rows", 0) for c in info["counts"].values())
    print(
        f"import itself (as recorded): {info['s']:.1f} s, {total:,} rows, "
        f"{total / info['s']:,.0f} rows/s overall"
    )
    for table, c in info["counts"].items():
        rate = c["rows"] / c["seconds"] if c.get("seconds") else 0
        print(
            f"  {table:<20} {c.get('rows', 0):>12,} rows  {c.get('seconds', 0):>7.2f} s  "
            f"{rate:>12,.0f} rows/s (checks and writing)"
        )
    secs2, _mb = manage("extract_import", str(opts.extract), "--quiet", env=env)
    print(f"re-import of the same extract (already imported): {secs2:.1f} s")
    print(f"(var dir: {var})")


if __name__ == "__main__":
    main()
