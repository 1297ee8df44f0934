"""A generated city: a valid source extract (contract v1) of a plausible Chinese city, with
planted non-compliance and procedural faults, and the truth about them in a sibling folder.

    from taxlight.extract.generate import Config, generate
    summary = generate(Path("var/city"), Config(taxpayers=13_527, years=3, seed=7))

writes ``var/city/`` (manifest.json and every table) and ``var/city.labels/``. The same seed
and settings give byte-identical files. Memory stays bounded: invoices and returns are made
and written month by month; see docs/generator.md.
"""

from __future__ import annotations

import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from . import arrays as A
from . import reference as R
from .audits import audit_columns, plan_audits
from .city import (
    P_SHELL,
    assign_status,
    make_months,
    make_network,
    make_org,
    make_plan,
    make_taxpayers,
    org_tables,
)
from .config import FAULTS, PATTERNS, Config, ConfigError
from .days import Days
from .enforcement import Enforcement
from .labels import taxpayer_labels, write_labels
from .returns import Returns
from .trade import Trade
from .writer import TableWriter, write_manifest

__all__ = ["FAULTS", "PATTERNS", "Config", "ConfigError", "Summary", "generate", "labels_folder"]


@dataclass
class Summary:
    extract: Path
    labels: Path
    rows: dict[str, int] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)
    patterns: dict[str, int] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["extract"], d["labels"] = str(self.extract), str(self.labels)
        return d


def labels_folder(out: Path) -> Path:
    """Where the labels of the extract in ``out`` go: ``OUT.labels`` beside it."""
    out = Path(out)
    return out.parent / f"{out.name}.labels"


class _Progress:
    def __init__(self, total: int, enabled: bool) -> None:
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total, file=sys.stderr, unit="step", desc="generating", dynamic_ncols=True
            )

    def step(self, what: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(what, refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _prepare(out: Path, labels: Path, force: bool) -> None:
    for folder in (out, labels):
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            if not force:
                raise ConfigError(f"{folder} exists and is not empty (use --force to replace it)")
            if folder.is_dir():
                shutil.rmtree(folder)
            else:
                folder.unlink()
        folder.mkdir(parents=True, exist_ok=True)


def generate(out: Path, cfg: Config, *, progress: bool = False, force: bool = False) -> Summary:
    """Writes the extract to ``out`` and its labels to ``labels_folder(out)``."""
    began = time.monotonic()
    out = Path(out)
    labels = labels_folder(out)
    _prepare(out, labels, force)
    bar = _Progress(cfg.months + 6, progress)
    try:
        summary = _generate(out, labels, cfg, bar)
    finally:
        bar.close()
    summary.seconds = round(time.monotonic() - began, 3)
    return summary


def _generate(out: Path, labels: Path, cfg: Config, bar: _Progress) -> Summary:
    import datetime as dt

    days = Days(cfg.period_from - dt.timedelta(days=400), cfg.extracted_on + dt.timedelta(days=900))
    months = make_months(cfg, days)
    org = make_org(cfg, cfg.rng(10), days)
    tp = make_taxpayers(cfg, cfg.rng(20), org)
    plan = make_plan(cfg, cfg.rng(30), tp, months)
    assign_status(cfg, cfg.rng(21), tp, plan.pattern, months)
    net = make_network(cfg.rng(25), tp)
    bar.step("city")
    writers: dict[str, TableWriter] = {}

    def writer(name: str) -> TableWriter:
        if name not in writers:
            writers[name] = TableWriter(out, name, cfg.format, cfg.encoding, cfg.chunk_rows)
        return writers[name]

    units, staff = org_tables(org)
    writer("units").write(units)
    writer("staff").write(staff)
    table = tp.table()
    table["unit_code"] = A.take(org.branch_code, tp.branch)
    writer("taxpayers").write(table)
    bar.step("taxpayers")
    # Invoices and returns, month by month.
    trade = Trade(cfg, tp, net, plan, months, days)
    returns = Returns(cfg, tp, plan, months, days)
    fake_months = np.full((tp.n, 2), -1, dtype=np.int64)
    invoices, filings = writer("invoices"), writer("filings")
    for m in range(months.n):
        columns, sums = trade.month(m)
        _write_chunked(invoices, columns, cfg.chunk_rows)
        batches = returns.month(m, sums)
        cols = returns.columns(batches)
        if cols is not None:
            _write_chunked(filings, cols, cfg.chunk_rows)
        got = sums.fake_in_tax > 0
        fake_months[got & (fake_months[:, 0] < 0), 0] = m
        fake_months[got, 1] = m
        bar.step(f"{int(months.year[m])}-{int(months.month[m]):02d}")
    # Audits, then enforcement matters (inspection penalties close the audits).
    audits = plan_audits(cfg, tp, plan, months, returns)
    enf = Enforcement(cfg, org, tp, days, cfg.rng(60))
    enf.registrations()
    enf.consultations()
    enf.refunds(returns.events)
    enf.late_penalties(returns.events, plan, months)
    decided = enf.inspections(audits)
    actions, faults = enf.columns()
    _write_chunked(writer("enforcement_actions"), actions, cfg.chunk_rows)
    bar.step("enforcement")
    writer("audits").write(audit_columns(audits, tp, cfg, decided))
    # Macro: GDP giving a macro tax burden of about 9-10 % on the tax paid in full years.
    rng = cfg.rng(80)
    years = sorted(
        int(y)
        for y in set(months.year.tolist())
        if (months.year == y).sum() == 12 and returns.paid_by_year.get(int(y), 0) > 0
    )
    burden = rng.uniform(0.092, 0.098, len(years))
    gdp = [
        round(returns.paid_by_year[y] / b) // 100 * 100 for y, b in zip(years, burden, strict=True)
    ]
    writer("macro").write(
        {"year": pa.array(years, pa.int32()), "gdp": A.decimal(np.array(gdp, dtype=np.int64))}
    )
    bar.step("audits")
    for w in writers.values():
        w.close()
    write_manifest(
        out,
        bureau=R.BUREAU_NAME,
        extracted_at=f"{cfg.extracted_on.isoformat()}T02:00:00+08:00",
        period_from=cfg.period_from.isoformat(),
        period_to=cfg.period_to.isoformat(),
    )
    # Labels, beside the extract.
    tlabels = taxpayer_labels(tp, plan, months, fake_months)
    summary = Summary(extract=out, labels=labels)
    summary.rows = {name: w.rows for name, w in writers.items()}
    summary.bytes = {p.name: p.stat().st_size for p in sorted(out.iterdir())}
    for label in tlabels:
        summary.patterns[label[1]] = summary.patterns.get(label[1], 0) + 1
    for fault in faults:
        summary.faults[fault[2]] = summary.faults.get(fault[2], 0) + 1
    settings = {
        "taxpayers": cfg.taxpayers,
        "years": cfg.years,
        "seed": cfg.seed,
        "end_date": cfg.end_date.isoformat(),
        "format": cfg.format,
        "encoding": cfg.encoding,
        "invoices": cfg.target_invoices,
        "noncompliance": cfg.noncompliance,
        "fault_rate": cfg.fault_rate,
        "shell_companies": int((plan.pattern == P_SHELL).sum()),
    }
    write_labels(
        labels,
        out.name,
        tlabels,
        faults,
        {
            "settings": settings,
            "rows": summary.rows,
            "patterns": summary.patterns,
            "faults": summary.faults,
        },
    )
    bar.step("labels")
    return summary


def _write_chunked(w: TableWriter, columns: dict[str, Any], chunk: int) -> None:
    n = len(next(iter(columns.values())))
    if n <= chunk:
        w.write(columns)
        return
    for lo in range(0, n, chunk):
        w.write(
            {
                k: v.slice(lo, chunk) if isinstance(v, pa.Array) else v[lo : lo + chunk]
                for k, v in columns.items()
            }
        )
