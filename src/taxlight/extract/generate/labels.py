"""The truth about the generated city, written beside the extract (never inside it)."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import arrays as A
from .city import (
    P_CIRCULAR,
    P_FAKE_INPUT,
    P_JUST_UNDER,
    P_RED,
    P_SHELL,
    P_UNDER,
    P_UNFILED,
    P_ZERO,
    PATTERN_NAMES,
    Months,
    Plan,
    Taxpayers,
)

TAXPAYER_COLUMNS = ("taxpayer_id", "pattern", "period_from", "period_to", "detail")
FAULT_COLUMNS = ("action_id", "case_id", "fault", "detail")

README = """\
# Labels of a generated extract

This folder holds the truth about the generated city in `{extract}` — what the generator
planted. It sits *beside* the extract on purpose: an importer or a risk engine pointed at the
extract cannot see it. Use it only to evaluate (tests, model evaluation, demos).

All files are UTF-8 CSV with a header row, whatever the extract's encoding.

## taxpayer_labels.csv

One row per planted taxpayer and pattern: `taxpayer_id, pattern, period_from, period_to,
detail`. The period is the span (whole months, or whole quarters for quarterly filers) in
which the pattern shows in the data. Patterns:

- `under_reported_sales`: VAT returns declare well below (30–70 % of) the sales invoiced.
- `invoices_without_filings`: invoices issued, returns not filed.
- `shell_company`: registered during the period, issues many special invoices for a few
  months while declaring almost nothing, then becomes abnormal (非正常户).
- `circular_invoicing`: a ring of 3–5 taxpayers sharing a legal representative or an
  address invoice each other in similar large amounts every month.
- `fake_input_invoices`: deducts the tax of special invoices received from a shell company.
- `zero_filing_streak`: files zero VAT returns for a long streak while invoicing.
- `red_letter_abuse`: reverses a large share of its invoices with red-letter invoices, mostly
  in the next month (after the buyer has deducted).
- `just_under_limit`: many invoices at 95–99.99 % of the per-invoice amount limit (split
  invoicing).

Every other taxpayer is compliant: its VAT returns declare exactly what it invoiced (valid and
red invoices) and deduct exactly the special invoices it received — apart from ordinary noise
(late returns, the odd missing return in a month without any invoice, unpaid tax).

## action_faults.csv

One row per planted procedural fault: `action_id, case_id, fault, detail`; `action_id` is the
step where the fault shows. Faults:

- `out_of_order`: the penalty was decided before the taxpayer was notified (告知).
- `missing_notify`: decided without any notice step.
- `same_officer`: the officer who investigated (or inspected) also decided.
- `no_legal_basis`: a decision without a legal basis.
- `uncertified_officer`: the acting officer had no valid enforcement qualification that day.
- `overdue_step`: a statutory time limit overrun (a decision served after 7 days, a refund
  closed after 30).
- `amount_out_of_range`: a penalty outside the legal range (or above the simple-procedure
  limit).

Matters without a row here follow their procedure.

## summary.json

The generator's settings and the counts of rows, labels and faults.
"""


def _period(months: Months, m0: int, m1: int) -> tuple[str, str]:
    return (
        A.to_date(int(months.start[m0])).isoformat(),
        A.to_date(int(months.end[m1])).isoformat(),
    )


def taxpayer_labels(
    tp: Taxpayers, plan: Plan, months: Months, fake_months: np.ndarray
) -> list[tuple[str, str, str, str, str]]:
    """``fake_months``: (n, 2) first and last month each taxpayer received special invoices
    from a shell company (-1 = never)."""
    ids = tp.ids.to_pylist() if tp.n <= 200_000 else None
    out: list[tuple[str, str, str, str, str]] = []
    ring_of: dict[int, tuple[int, np.ndarray]] = {}
    for k, ring in enumerate(plan.rings):
        for i in ring:
            ring_of[int(i)] = (k, ring)
    planted = np.flatnonzero(plan.pattern > 0)

    def tid(i: int) -> str:
        return ids[i] if ids is not None else tp.ids[i].as_py()

    for i in planted.tolist():
        p = int(plan.pattern[i])
        m0, m1 = min(int(plan.m0[i]), months.n - 1), max(int(plan.m1[i]), 0)
        start, end = _period(months, m0, m1)
        if p == P_UNDER:
            detail = f"VAT returns declare {plan.factor[i]:.0%} of the sales invoiced"
        elif p == P_UNFILED:
            detail = "invoices issued but no return filed"
        elif p == P_ZERO:
            detail = "zero VAT returns filed while invoicing"
        elif p == P_RED:
            detail = "about 30 % of invoices reversed by red-letter invoices, mostly next month"
        elif p == P_JUST_UNDER:
            detail = (
                f"most invoices just under the per-invoice limit of "
                f"{int(tp.limit_c[i]) // 100} yuan"
            )
        elif p == P_SHELL:
            start = A.to_date(int(tp.registered[i])).isoformat()
            end = A.to_date(int(tp.status_since[i])).isoformat()
            heavy = _period(months, m0, m1)
            detail = (
                f"registered {start}; issued special invoices heavily {heavy[0]} to "
                f"{heavy[1]} while declaring almost nothing; abnormal since {end}"
            )
        elif p == P_CIRCULAR:
            k, ring = ring_of[i]
            others = ", ".join(tid(int(j)) for j in ring if int(j) != i)
            detail = (
                f"ring {k + 1} of {ring.size} sharing one {plan.ring_shared[k]}: "
                f"invoices {tid(int(ring[(list(ring).index(i) + 1) % ring.size]))} "
                f"(ring: {others})"
            )
        elif p == P_FAKE_INPUT:
            f0, f1 = int(fake_months[i, 0]), int(fake_months[i, 1])
            if f0 < 0:
                continue  # its shell never sold to it: nothing planted shows
            start, end = _period(months, f0, f1)
            detail = (
                f"deducts special invoices bought from shell company {tid(plan.recipient_shell[i])}"
            )
        else:  # pragma: no cover
            continue
        out.append((tid(i), PATTERN_NAMES[p - 1], start, end, detail))
    out.sort()
    return out


def write_labels(
    folder: Path,
    extract_name: str,
    taxpayers: Sequence[Sequence[str]],
    faults: Sequence[Sequence[str]],
    summary: dict[str, Any],
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, header, rows in (
        ("taxpayer_labels.csv", TAXPAYER_COLUMNS, taxpayers),
        ("action_faults.csv", FAULT_COLUMNS, faults),
    ):
        with (folder / name).open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
    (folder / "README.md").write_text(README.format(extract=extract_name), encoding="utf-8")
    (folder / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
