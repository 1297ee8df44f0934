"""Benchmark: every reference analysis on DuckDB (or Spark) over an analytics store.

    .venv/bin/python bench/analytics_reference.py --store DIR          # an existing store
    .venv/bin/python bench/analytics_reference.py                      # builds one first
    .venv/bin/python bench/analytics_reference.py --taxpayers 1000000  # a bigger one

Without ``--store`` it builds a store in ``var/bench/analytics-<N>`` (kept for the next run;
``--rebuild`` builds it again): with ``manage.py extract_generate`` (the realistic generator)
when that command exists, otherwise with the quick synthetic builder below (simple random
data of the right shapes and types: 13,527 taxpayers, 3 years, ~150 invoices per taxpayer).

Each analysis runs in a fresh interpreter, so its peak memory (ru_maxrss) is its own; the
wall time is the query alone (engine start-up is reported separately).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taxlight.settings")

DAY0 = 19358  # 2023-01-01 as days since 1970-01-01


def _setup() -> None:
    import django

    django.setup()


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# -- a quick synthetic store -----------------------------------------------------------------


def _decimal(cents: Any) -> Any:
    """int64 cents → Arrow decimal128(18, 2), without going through Python objects."""
    import numpy as np
    import pyarrow as pa

    cents = np.asarray(cents, dtype=np.int64)
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(18, 2), len(cents), [None, pa.py_buffer(words)])


def _with_nulls(array: Any, mask: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.if_else(pa.array(mask), pa.nulls(len(array), array.type), array)


def build_synthetic(
    base: Path, taxpayers: int, years: int, invoices_per_taxpayer: int, seed: int
) -> dict[str, int]:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from taxlight.analytics.engines import arrow_schema
    from taxlight.extract import store

    rng = np.random.default_rng(seed)
    n = taxpayers
    months = 12 * years
    counts: dict[str, int] = {}
    snapshot = store.Snapshot(version=1, import_id=None, published_at="bench")

    def write(name: str, columns: dict[str, Any]) -> None:
        schema = arrow_schema(name)
        table = pa.Table.from_arrays(
            [
                pa.array(columns[f.name], f.type)
                if not isinstance(columns[f.name], pa.Array)
                else columns[f.name].cast(f.type)
                for f in schema
            ],
            schema=schema,
        )
        target = store.version_dir(name, 1, base)
        target.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            table, target / "part-0.parquet", compression="zstd", row_group_size=1_000_000
        )
        snapshot.tables[name] = str(target.relative_to(base))
        counts[name] = table.num_rows

    branches = [f"B{i:02d}" for i in range(1, 13)]
    write(
        "units",
        {
            "unit_code": ["BUR", *branches],
            "name": ["Bureau", *[f"Branch {b}" for b in branches]],
            "parent_code": [None] + ["BUR"] * len(branches),
            "kind": ["bureau"] + ["branch"] * len(branches),
        },
    )
    write(
        "staff",
        {
            "officer_id": [f"O{i:05d}" for i in range(600)],
            "name": [f"Officer {i}" for i in range(600)],
            "unit_code": [branches[i % len(branches)] for i in range(600)],
            "post_code": ["AUDIT"] * 600,
            "certified_until": np.full(600, DAY0 + 2000, np.int32),
            "active": np.ones(600, bool),
        },
    )
    ids = np.array([f"91330100{i:09d}X" for i in range(n)])
    industries = np.array([f"{x:02d}" for x in range(1, 97)])
    industry = industries[rng.integers(0, len(industries), n)]
    branch = np.array(branches)[rng.integers(0, len(branches), n)]
    general = rng.random(n) < 0.3
    write(
        "taxpayers",
        {
            "taxpayer_id": ids,
            "name": [f"Company {i}" for i in range(n)],
            "industry": industry,
            "unit_code": branch,
            "registered_on": np.full(n, DAY0 - 1000, np.int32),
            "vat_status": np.where(general, "general", "small_scale"),
            "size": np.array(["micro", "small", "medium", "large"])[rng.integers(0, 4, n)],
            "credit_grade": np.array(["A", "B", "M", "C", "D"])[rng.integers(0, 5, n)],
            "status": np.where(rng.random(n) < 0.03, "abnormal", "normal"),
            "status_since": np.full(n, DAY0 - 1000, np.int32),
            "legal_rep": ids,
            "address_key": ids,
            "mobile": [None] * n,
        },
    )

    # filings: monthly VAT for general taxpayers, quarterly for small-scale, annual CIT
    month_start = (
        (np.datetime64("2023-01", "M") + np.arange(months + 1))
        .astype("datetime64[D]")
        .astype(np.int64)
    )
    tp_idx, start_m, span = [], [], []
    g = np.flatnonzero(general)
    s = np.flatnonzero(~general)
    tp_idx += [np.repeat(g, months), np.repeat(s, months // 3)]
    start_m += [np.tile(np.arange(months), len(g)), np.tile(np.arange(0, months, 3), len(s))]
    span += [np.ones(len(g) * months, int), np.full(len(s) * (months // 3), 3)]
    vat_tp = np.concatenate(tp_idx)
    vat_start = np.concatenate(start_m)
    vat_span = np.concatenate(span)
    cit_tp = np.repeat(np.arange(n), years)
    cit_start = np.tile(np.arange(0, months, 12), n)
    tp_all = np.concatenate([vat_tp, cit_tp])
    m0 = np.concatenate([vat_start, cit_start])
    m1 = np.concatenate([vat_start + vat_span, cit_start + 12])
    k = len(tp_all)
    is_vat = np.arange(k) < len(vat_tp)
    period_end = month_start[m1] - 1
    due = period_end + np.where(is_vat, 15, 150)
    late = rng.random(k)
    filed = due - rng.integers(0, 14, k) + np.where(late < 0.06, rng.integers(1, 60, k), 0)
    not_filed = late > 0.98
    revenue = rng.lognormal(11, 1.5, k).astype(np.int64) * 100 * np.where(is_vat, 1, 12)
    revenue[rng.random(k) < 0.05] = 0
    payable = (revenue * rng.uniform(0.005, 0.06, k)).astype(np.int64)
    output = (revenue * 0.13).astype(np.int64)
    write(
        "filings",
        {
            "filing_id": np.char.add("F", np.arange(k).astype(str)),
            "taxpayer_id": ids[tp_all],
            "tax_type": np.where(is_vat, "VAT", "CIT"),
            "period_start": month_start[m0].astype(np.int32),
            "period_end": period_end.astype(np.int32),
            "due_on": due.astype(np.int32),
            "filed_on": _with_nulls(pa.array(filed.astype(np.int32), pa.date32()), not_filed),
            "revenue": _decimal(revenue),
            "output_tax": _with_nulls(_decimal(output), ~is_vat),
            "input_tax": _with_nulls(_decimal(output - payable), ~is_vat),
            "taxable_income": _with_nulls(_decimal(revenue // 10), is_vat),
            "tax_payable": _decimal(payable),
            "tax_paid": _decimal(np.where(not_filed, 0, payable)),
            "paid_on": _with_nulls(
                pa.array(filed.astype(np.int32), pa.date32()), not_filed | (payable == 0)
            ),
        },
    )

    # invoices: sellers weighted towards general taxpayers, some void and red-letter ones
    m = n * invoices_per_taxpayer
    weight = np.where(general, 5.0, 1.0)
    seller = rng.choice(n, m, p=weight / weight.sum())
    buyer = rng.integers(0, n, m)
    issued = DAY0 + rng.integers(0, 365 * years, m)
    status_u = rng.random(m)
    status = np.where(status_u < 0.02, "void", np.where(status_u < 0.04, "red", "valid"))
    amount = rng.lognormal(8, 1.6, m).astype(np.int64) * 100 + 100
    amount = np.where(status == "red", -amount, amount)
    original = np.char.add("I", rng.integers(0, m, m).astype(str))
    write(
        "invoices",
        {
            "invoice_id": np.char.add("I", np.arange(m).astype(str)),
            "seller_id": ids[seller],
            "buyer_id": _with_nulls(pa.array(ids[buyer]), rng.random(m) < 0.2),
            "issued_on": issued.astype(np.int32),
            "kind": np.where(general[seller], "special", "ordinary"),
            "amount": _decimal(amount),
            "tax_amount": _decimal(amount * 13 // 100),
            "goods_code": np.array(["101", "109", "304", "305"])[rng.integers(0, 4, m)],
            "status": status,
            "original_invoice_id": _with_nulls(pa.array(original), status != "red"),
        },
    )

    # enforcement: ~1.5 matters per 10 taxpayers a year, 4 steps each
    cases = max(1, n * years * 15 // 100)
    a = cases * 4
    steps = np.tile(np.array(["accept", "investigate", "decide", "close"]), cases)
    start = (DAY0 * 86400 + rng.integers(0, 365 * years * 86400, a) - 8 * 3600) * 1_000_000
    done = start + rng.integers(600, 30 * 86400, a) * 1_000_000
    write(
        "enforcement_actions",
        {
            "action_id": np.char.add("E", np.arange(a).astype(str)),
            "case_id": np.char.add("C", np.repeat(np.arange(cases), 4).astype(str)),
            "item_code": ["CF-001"] * a,
            "taxpayer_id": ids[rng.integers(0, n, a)],
            "step": steps,
            "officer_id": [f"O{i % 600:05d}" for i in range(a)],
            "unit_code": np.array(branches)[rng.integers(0, len(branches), a)],
            "started_at": pa.array(start, pa.timestamp("us", tz="UTC")),
            "completed_at": _with_nulls(
                pa.array(done, pa.timestamp("us", tz="UTC")), rng.random(a) < 0.05
            ),
            "amount": _with_nulls(_decimal(rng.integers(0, 10**7, a)), steps != "decide"),
            "legal_basis": [None] * a,
            "document_no": [None] * a,
        },
    )

    # audits: ~2 % of taxpayers a year
    q = max(1, n * years // 50)
    selected = DAY0 + rng.integers(0, 365 * years, q)
    open_ = rng.random(q) < 0.15
    outcome = np.array(["no_change", "adjusted", "transferred"])[
        rng.choice(3, q, p=[0.45, 0.5, 0.05])
    ]
    hit = (outcome == "adjusted") & ~open_
    write(
        "audits",
        {
            "audit_id": np.char.add("A", np.arange(q).astype(str)),
            "taxpayer_id": ids[rng.integers(0, n, q)],
            "selected_by": np.array(["risk", "random", "referral", "complaint", "plan"])[
                rng.integers(0, 5, q)
            ],
            "selected_on": selected.astype(np.int32),
            "closed_on": _with_nulls(
                pa.array((selected + 90).astype(np.int32), pa.date32()), open_
            ),
            "outcome": _with_nulls(pa.array(outcome), open_),
            "adjustment": _decimal(np.where(hit, rng.integers(10**4, 10**8, q), 0)),
            "penalty": _decimal(np.where(hit, rng.integers(0, 10**7, q), 0)),
            "late_fee": _decimal(np.where(hit, rng.integers(0, 10**6, q), 0)),
        },
    )
    write(
        "macro",
        {
            "year": list(range(2023, 2023 + years)),
            "gdp": _decimal(np.array([8_000_000_000_000 + 4 * 10**11 * i for i in range(years)])),
        },
    )
    store.publish(snapshot, base)
    return counts


def build_with_generator(base: Path, taxpayers: int, years: int, seed: int) -> bool:
    """Uses ``manage.py extract_generate`` when it exists: extract → store layout."""
    from django.core.management import get_commands

    from taxlight.extract import contract, store

    if "extract_generate" not in get_commands():
        return False
    out = base.parent / (base.name + "-extract")
    shutil.rmtree(out, ignore_errors=True)
    cmd = [
        sys.executable,
        str(ROOT / "manage.py"),
        "extract_generate",
        str(out),
        "--taxpayers",
        str(taxpayers),
        "--years",
        str(years),
        "--seed",
        str(seed),
        "--format",
        "parquet",
        "--force",
        "--quiet",
    ]
    print("generating:", " ".join(cmd[1:]), flush=True)
    if subprocess.run(cmd, check=False).returncode != 0:
        print("extract_generate failed; falling back to the synthetic builder")
        return False
    snapshot = store.Snapshot(version=1, published_at="bench")
    for name in contract.LOAD_ORDER:
        source = out / f"{name}.parquet"
        if source.exists():
            target = store.version_dir(name, 1, base)
            target.mkdir(parents=True, exist_ok=True)
            shutil.move(source, target / "part-0.parquet")
            snapshot.tables[name] = str(target.relative_to(base))
    store.publish(snapshot, base)
    return True


# -- running ------------------------------------------------------------------------------------


def peak_rss_mib() -> float:
    """Peak RSS of this process since it started: VmHWM (per address space, so not inherited
    from the parent that forked us), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_mib()


def run_one(code: str, engine: str, store_dir: Path, params: dict[str, Any]) -> dict[str, Any]:
    _setup()
    from taxlight.analytics import engines, registry

    t0 = time.perf_counter()
    with engines.connect(engine, base=store_dir) as eng:
        eng.to_pyarrow(eng.table("units").count().as_table())  # loads the converters (pandas)
        started = time.perf_counter() - t0
        baseline = peak_rss_mib()
        t1 = time.perf_counter()
        result = registry.run(code, eng, params)
        first = time.perf_counter() - t1
        t2 = time.perf_counter()
        registry.run(code, eng, params)
        again = time.perf_counter() - t2
    return {
        "code": code,
        "rows": result.num_rows,
        "first": first,
        "again": again,
        "startup": started,
        "peak_mib": peak_rss_mib(),
        "baseline_mib": baseline,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, help="an existing analytics store directory")
    parser.add_argument("--engine", default="duckdb", choices=("duckdb", "spark"))
    parser.add_argument("--taxpayers", type=int, default=13_527)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--invoices-per-taxpayer", type=int, default=150)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help="use the quick synthetic builder even if the generator exists",
    )
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--only", help=argparse.SUPPRESS)  # internal: one analysis, JSON out
    args = parser.parse_args()

    params_for = {"REF-FILING-ONTIME": {"as_of": "2026-06-30"}}
    if args.only:
        print(
            json.dumps(run_one(args.only, args.engine, args.store, params_for.get(args.only, {})))
        )
        return

    _setup()
    from django.conf import settings

    from taxlight.analytics import registry

    store_dir = args.store
    if store_dir is None:
        store_dir = ROOT / "var" / "bench" / f"analytics-{args.taxpayers}"
        if args.rebuild or not (store_dir / "current.json").exists():
            shutil.rmtree(store_dir, ignore_errors=True)
            t0 = time.perf_counter()
            used = not args.synthetic and build_with_generator(
                store_dir, args.taxpayers, args.years, args.seed
            )
            if not used:
                counts = build_synthetic(
                    store_dir, args.taxpayers, args.years, args.invoices_per_taxpayer, args.seed
                )
                print("synthetic store:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
            print(
                f"built {store_dir} in {time.perf_counter() - t0:.1f} s (peak {peak_mib():.0f} MiB)"
            )
    size = sum(p.stat().st_size for p in store_dir.rglob("*.parquet"))
    print(
        f"store {store_dir} ({size / 2**20:.0f} MiB of Parquet), engine {args.engine}"
        + (
            f", DuckDB memory_limit {settings.DUCKDB_MEMORY_LIMIT}, "
            f"threads {settings.DUCKDB_THREADS}"
            if args.engine == "duckdb"
            else f", SPARK_MASTER {settings.SPARK_MASTER}"
        )
    )
    print(f"{'analysis':24} {'rows':>8} {'first s':>8} {'again s':>8} {'peak MiB':>9}")
    baselines: list[float] = []
    startups: list[float] = []
    for spec in registry.registered("reference"):
        cmd = [
            sys.executable,
            __file__,
            "--only",
            spec.code,
            "--engine",
            args.engine,
            "--store",
            str(store_dir),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"{spec.code:24} failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{r['code']:24} {r['rows']:>8,} {r['first']:>8.2f} {r['again']:>8.2f} "
            f"{r['peak_mib']:>9.0f}"
        )
        baselines.append(r["baseline_mib"])
        startups.append(r["startup"])
    if baselines:
        print(
            f"first = cold run in a fresh interpreter, again = the same query once more; peak = "
            f"peak RSS of that interpreter (VmHWM / ru_maxrss), of which ~{max(baselines):.0f} "
            f"MiB is the interpreter with its libraries before the query; engine start-up "
            f"{min(startups):.1f}-{max(startups):.1f} s, not included."
        )


if __name__ == "__main__":
    main()
