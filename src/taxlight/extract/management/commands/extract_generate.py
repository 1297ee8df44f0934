"""``manage.py extract_generate OUT``: writes a generated city (a valid source extract) to
OUT and the truth about it (planted non-compliance and faults) to OUT.labels beside it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from taxlight.extract.generate import Config, ConfigError, generate, labels_folder
from taxlight.extract.generate.writer import ENCODINGS, FORMATS


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--end-date must be a date as YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Generates the extract of a plausible city (manifest and every table of the source "
        "extract contract, mode full) into OUT, and its labels into OUT.labels."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="folder for the extract (new or empty)")
        parser.add_argument("--taxpayers", type=int, default=13_527)
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument(
            "--encoding",
            choices=ENCODINGS,
            default="utf-8",
            help="CSV encoding (ignored for Parquet)",
        )
        parser.add_argument(
            "--end-date",
            type=_date,
            default=dt.date(2025, 12, 31),
            help="last day of the period: the last day of a month",
        )
        parser.add_argument(
            "--invoices",
            type=int,
            default=None,
            help="total invoices (default: about 33 per taxpayer and year)",
        )
        parser.add_argument(
            "--noncompliance",
            type=float,
            default=0.04,
            help="share of taxpayers with a planted pattern (default 0.04)",
        )
        parser.add_argument(
            "--fault-rate",
            type=float,
            default=0.08,
            help="share of enforcement matters with a planted fault",
        )
        parser.add_argument(
            "--force", action="store_true", help="replace OUT and OUT.labels if they exist"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            cfg = Config(
                taxpayers=opts["taxpayers"],
                years=opts["years"],
                seed=opts["seed"],
                end_date=opts["end_date"],
                format=opts["format"],
                encoding=opts["encoding"],
                invoices=opts["invoices"],
                noncompliance=opts["noncompliance"],
                fault_rate=opts["fault_rate"],
            )
            summary = generate(opts["out"], cfg, progress=not opts["quiet"], force=opts["force"])
        except ConfigError as exc:
            raise CommandError(str(exc)) from None
        if opts["verbosity"] == 0:
            return
        out = self.stdout.write
        out(f"Extract written to {summary.extract} in {summary.seconds:.1f} s:")
        for table, rows in summary.rows.items():
            out(f"  {table:<20} {rows:>12,} rows")
        out(
            f"Labels written to {labels_folder(summary.extract)}: "
            f"{sum(summary.patterns.values()):,} planted taxpayers, "
            f"{sum(summary.faults.values()):,} planted faults."
        )
