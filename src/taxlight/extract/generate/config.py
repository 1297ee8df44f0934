"""What to generate: size, period, seed, format, and the planted shares."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from .writer import ENCODINGS, FORMATS

INVOICES_PER_TAXPAYER_YEAR = 100 / 3  # 1,000,000 taxpayers, 3 years -> 100,000,000 invoices
MIN_TAXPAYERS = 60

# The planted patterns and their shares of the planted taxpayers.
PATTERNS = {
    "under_reported_sales": 0.22,
    "invoices_without_filings": 0.10,
    "shell_company": 0.10,
    "circular_invoicing": 0.12,
    "fake_input_invoices": 0.18,
    "zero_filing_streak": 0.10,
    "red_letter_abuse": 0.08,
    "just_under_limit": 0.10,
}
FAULTS = (
    "out_of_order",
    "same_officer",
    "no_legal_basis",
    "uncertified_officer",
    "overdue_step",
    "amount_out_of_range",
    "missing_notify",
)


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Config:
    taxpayers: int = 13_527
    years: int = 3
    seed: int = 1
    end_date: dt.date = dt.date(2025, 12, 31)
    format: str = "csv"
    encoding: str = "utf-8"
    invoices: int | None = None  # total invoices; default ~33 per taxpayer and year
    noncompliance: float = 0.04  # share of taxpayers with a planted pattern
    fault_rate: float = 0.08  # share of closed enforcement matters with a planted fault
    chunk_rows: int = 1_000_000  # rows per written batch / Parquet row group
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.taxpayers < MIN_TAXPAYERS:
            raise ConfigError(f"taxpayers must be at least {MIN_TAXPAYERS}, not {self.taxpayers}")
        if not 1 <= self.years <= 20:
            raise ConfigError(f"years must be between 1 and 20, not {self.years}")
        last = calendar.monthrange(self.end_date.year, self.end_date.month)[1]
        if self.end_date.day != last:
            raise ConfigError(
                f"the end date must be the last day of a month (the extract covers whole "
                f"months), not {self.end_date.isoformat()}"
            )
        if self.format not in FORMATS:
            raise ConfigError(f"format must be one of {', '.join(FORMATS)}, not {self.format!r}")
        if self.encoding not in ENCODINGS:
            raise ConfigError(
                f"encoding must be one of {', '.join(ENCODINGS)}, not {self.encoding!r}"
            )
        if self.invoices is not None and self.invoices < 0:
            raise ConfigError(f"invoices must not be negative, not {self.invoices}")
        if not 0 <= self.noncompliance <= 0.3:
            raise ConfigError(f"noncompliance must be between 0 and 0.3, not {self.noncompliance}")
        if not 0 <= self.fault_rate <= 0.5:
            raise ConfigError(f"fault rate must be between 0 and 0.5, not {self.fault_rate}")
        if not 0 <= self.seed < 2**63:
            raise ConfigError(f"seed must be a non-negative integer, not {self.seed}")

    @property
    def months(self) -> int:
        return self.years * 12

    @property
    def period_from(self) -> dt.date:
        y, m = self.end_date.year, self.end_date.month - self.months + 1
        while m < 1:
            y, m = y - 1, m + 12
        return dt.date(y, m, 1)

    @property
    def period_to(self) -> dt.date:
        return self.end_date

    @property
    def extracted_on(self) -> dt.date:
        """The extract is taken 45 days after the period: the last month's and quarter's
        returns are due by then; the annual CIT return of the last year is not (31 May)."""
        return self.end_date + dt.timedelta(days=45)

    @property
    def target_invoices(self) -> int:
        if self.invoices is not None:
            return self.invoices
        return round(self.taxpayers * self.years * INVOICES_PER_TAXPAYER_YEAR)

    def rng(self, *stream: int) -> np.random.Generator:
        """An independent random stream per component (and per month), so that one part's
        draws never shift another's."""
        return np.random.default_rng(np.random.SeedSequence([self.seed, *stream]))
