"""Tax returns (the ``filings`` table), built each month from the month's invoice sums.

A compliant VAT return declares exactly what its taxpayer invoiced (valid and red invoices;
void ones do not count) and deducts exactly the tax of the special invoices it received;
``tax_payable = max(output_tax - input_tax, 0)`` (no carried-forward credit). The planted
patterns change what is declared, never the invoices.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from . import arrays as A
from . import reference as R
from .city import (
    NORMAL,
    P_RED,
    P_SHELL,
    P_UNDER,
    P_UNFILED,
    P_ZERO,
    Months,
    Plan,
    Taxpayers,
)
from .config import Config
from .days import Days
from .trade import Sums

STREAM = 50
LATE_PENALTY_SHARE = 0.3  # late returns that lead to a (simple) penalty
REFUND_SHARE = 0.1  # months with an excess input credit of 10,000 yuan or more, refunded
REFUND_MIN_C = 1_000_000


Triple = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass
class Events:
    """What the returns give rise to, for the enforcement matters."""

    late: list[Triple] = field(default_factory=list)
    refund: list[Triple] = field(default_factory=list)

    @staticmethod
    def join(parts: list[Triple]) -> Triple:
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        a, b, c = (np.concatenate([p[i] for p in parts]) for i in range(3))
        return a, b, c


@dataclass
class Batch:
    """Returns of one tax type for one period, as arrays (cents, day numbers)."""

    tax_type: str
    who: np.ndarray
    p_start: np.ndarray
    p_end: np.ndarray
    due: np.ndarray
    filed: np.ndarray  # -1 = not filed
    revenue: np.ndarray
    output: np.ndarray | None
    input: np.ndarray | None
    taxable: np.ndarray | None
    payable: np.ndarray
    paid: np.ndarray
    paid_on: np.ndarray  # -1 = nothing paid


class Returns:
    def __init__(self, cfg: Config, tp: Taxpayers, plan: Plan, months: Months, days: Days) -> None:
        self.cfg, self.tp, self.plan, self.months, self.days = cfg, tp, plan, months, days
        n = tp.n
        self.extracted = A.day_number(cfg.extracted_on)
        self.seq = 0
        self.rows = 0
        self.events = Events()
        self.late_grade = np.array(
            [R.LATE_BY_GRADE[g] for g in R.CREDIT_GRADES] + [R.LATE_BY_GRADE[None]]
        )
        planted = np.flatnonzero(plan.pattern > 0)
        self.planted_row = np.full(n, -1, dtype=np.int64)
        self.planted_row[planted] = np.arange(planted.size)
        self.gap = np.zeros((planted.size, months.n), dtype=np.int64)  # tax not declared
        self.declared_revenue = np.zeros(n, dtype=np.int64)
        self.paid_by_year: dict[int, int] = {}
        self._q = self._zero_quarter()
        self._reset_quarter_returns()
        self._y = {k: np.zeros(n, dtype=np.int64) for k in ("revenue", "taxable", "prepaid")}

    def _zero_quarter(self) -> dict[str, np.ndarray]:
        n = self.tp.n
        q = {k: np.zeros(n, dtype=np.int64) for k in ("net", "declared", "declared_tax", "issued")}
        q["forced"] = np.zeros(n, dtype=bool)
        return q

    # --- filing and paying ---------------------------------------------------------------------

    def _file(
        self,
        rng: np.random.Generator,
        who: np.ndarray,
        p_end: np.ndarray,
        due: np.ndarray,
        forced: np.ndarray,
    ) -> np.ndarray:
        """The day each return is filed, or -1: most on time, some late, the forced never."""
        k = who.size
        late = rng.random(k) < self.late_grade[self.tp.credit[who]]
        window = np.maximum(due - p_end, 1)
        filed = p_end + 1 + (rng.random(k) * window).astype(np.int64)
        filed = np.minimum(filed, due)
        delay = rng.geometric(1 / 15, k)
        # A late return is filed before the extract is taken (if it can be): a return missing
        # at the extract is always a planted or a dormant one.
        room = self.extracted - 1 - due
        delay = np.where(
            (due + delay >= self.extracted) & (room >= 1),
            1 + (rng.random(k) * np.maximum(room, 1)).astype(np.int64),
            delay,
        )
        filed = np.where(late, due + delay, filed)
        return np.where(forced | (filed > self.extracted), -1, filed)

    def _pay(
        self, rng: np.random.Generator, payable: np.ndarray, filed: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        k = payable.size
        u = rng.random(k)
        partial = u < R.PAY_PARTIAL
        none = (u >= R.PAY_PARTIAL) & (u < R.PAY_PARTIAL + R.PAY_NONE)
        paid = np.where(partial, np.round(payable * rng.uniform(0.3, 0.9, k)), payable)
        paid = np.where(none | (filed < 0), 0, paid).astype(np.int64)
        paid_on = filed + rng.integers(0, 3, k)
        paid_on = np.where(paid_on > self.extracted, -1, paid_on)
        paid = np.where(paid_on < 0, 0, paid)
        paid_on = np.where(paid > 0, paid_on, -1)
        return paid, paid_on

    def _batch(
        self,
        rng: np.random.Generator,
        tax_type: str,
        who: np.ndarray,
        p_start: int,
        p_end: int,
        due: int,
        revenue: np.ndarray,
        payable: np.ndarray,
        forced: np.ndarray,
        output: np.ndarray | None = None,
        input_: np.ndarray | None = None,
        taxable: np.ndarray | None = None,
        filed: np.ndarray | None = None,
    ) -> Batch:
        k = who.size
        ends = np.full(k, p_end, dtype=np.int64)
        dues = np.full(k, due, dtype=np.int64)
        if filed is None:
            filed = self._file(rng, who, ends, dues, forced)
        gone = filed < 0

        def zero(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else np.where(gone, 0, a).astype(np.int64)

        revenue = np.where(gone, 0, revenue).astype(np.int64)
        payable = np.where(gone, 0, payable).astype(np.int64)
        paid, paid_on = self._pay(rng, payable, filed)
        return Batch(
            tax_type,
            who,
            np.full(k, p_start, dtype=np.int64),
            ends,
            dues,
            filed,
            revenue,
            zero(output),
            zero(input_),
            zero(taxable),
            payable,
            paid,
            paid_on,
        )

    # --- one month -------------------------------------------------------------------------------

    def month(self, m: int, sums: Sums) -> list[Batch]:
        cfg, tp, plan, months = self.cfg, self.tp, self.plan, self.months
        rng = cfg.rng(STREAM, m)
        start, end, due = int(months.start[m]), int(months.end[m]), int(months.due[m])
        year = int(months.year[m])
        batches: list[Batch] = []
        in_span = plan.in_span(m)
        pat = plan.pattern
        active = tp.active_in_month(start, end)
        shell = pat == P_SHELL
        # Not filed: the planted non-filers, shells after their heavy months, and ordinary
        # taxpayers in the three months before they vanish (abnormal).
        fading = tp.fading(start, end) & ~shell
        forced = ((pat == P_UNFILED) & in_span) | (shell & (m > plan.m1)) | fading
        dormant = (
            (sums.issued == 0)
            & (sums.out_net == 0)
            & (pat == 0)
            & (rng.random(tp.n) < R.DORMANT_MISSING)
        )
        # What a truthful VAT return would say, and what is declared.
        net = np.maximum(sums.out_net, 0)
        tax = np.maximum(sums.out_tax, 0)
        f = np.where((pat == P_UNDER) & in_span, plan.factor, 1.0)
        f = np.where(shell & in_span, 0.03, f)
        zero = (pat == P_ZERO) & in_span
        decl_net = np.where(zero, 0, np.round(net * f)).astype(np.int64)
        decl_tax = np.where(zero, 0, np.round(tax * f)).astype(np.int64)
        true_in = sums.in_tax - sums.fake_in_tax
        # General taxpayers: monthly VAT return.
        gen = np.flatnonzero(active & tp.general)
        if gen.size:
            inp = np.where(zero[gen] | (shell[gen] & in_span[gen]), 0, sums.in_tax[gen])
            payable = np.maximum(decl_tax[gen] - inp, 0)
            b = self._batch(
                rng,
                "VAT",
                gen,
                start,
                end,
                due,
                decl_net[gen],
                payable,
                forced[gen] | dormant[gen],
                output=decl_tax[gen],
                input_=inp,
            )
            batches += [b, *self._after_vat(rng, b)]
            true_payable = np.maximum(tax[gen] - true_in[gen], 0)
            self._gap(gen, m, true_payable - b.payable)
        # Small-scale taxpayers: quarterly VAT return (3 % on sales, no deduction).
        q = self._q
        q["net"] += sums.out_net
        q["declared"] += decl_net
        q["declared_tax"] += decl_tax
        q["forced"] |= forced
        q["issued"] += sums.issued
        self._gap(np.arange(tp.n), m, np.where(forced, tax, tax - decl_tax), only_small=True)
        if months.quarter_end(m):
            if months.full_quarter(m):
                q_start = int(months.start[m - 2])
                q_active = tp.active_in_month(q_start, end)
                small = np.flatnonzero(q_active & ~tp.general)
                if small.size:
                    silent = (
                        (q["issued"][small] == 0)
                        & (q["net"][small] == 0)
                        & (pat[small] == 0)
                        & (rng.random(small.size) < R.DORMANT_MISSING)
                    )
                    tax_q = q["declared_tax"][small]
                    b = self._batch(
                        rng,
                        "VAT",
                        small,
                        q_start,
                        end,
                        due,
                        q["declared"][small],
                        tax_q,
                        q["forced"][small] | silent,
                        output=tax_q,
                        input_=np.zeros(small.size, dtype=np.int64),
                    )
                    batches += [b, *self._after_vat(rng, b)]
            self._q = self._zero_quarter()
        # Red-letter abuse: the reversed tax is the loss (the buyers keep their deduction).
        red_abuse = np.flatnonzero((pat == P_RED) & in_span)
        self._gap(red_abuse, m, sums.red_tax[red_abuse])
        # Monthly withholding of employees' income tax.
        emp = np.flatnonzero(active & (tp.employees > 0) & ~shell)
        if emp.size:
            wages = np.round(
                tp.employees[emp] * R.MONTHLY_WAGE * 100 * rng.lognormal(0, 0.05, emp.size)
            ).astype(np.int64)
            batches.append(
                self._batch(
                    rng,
                    "IIT",
                    emp,
                    start,
                    end,
                    due,
                    wages,
                    np.round(wages * R.IIT_RATE).astype(np.int64),
                    forced[emp],
                )
            )
        if months.full_quarter(m):
            batches += self._quarterly(rng, m)
        elif months.quarter_end(m):
            self._reset_quarter_returns()
        if months.full_year(m):
            annual = self._annual(rng, m)
            if annual is not None:
                batches.append(annual)
        elif int(months.month[m]) == 12:
            self._y = {k: np.zeros(tp.n, dtype=np.int64) for k in self._y}
        for b in batches:
            self.paid_by_year[year] = self.paid_by_year.get(year, 0) + int(b.paid.sum())
            if b.tax_type == "VAT":
                self.declared_revenue[b.who] += b.revenue  # who is unique in a batch
        return batches

    def _gap(self, who: np.ndarray, m: int, gap: np.ndarray, only_small: bool = False) -> None:
        rows = self.planted_row[who]
        sel = rows >= 0
        if only_small:
            sel &= ~self.tp.general[who]
        np.add.at(self.gap[:, m], rows[sel], np.maximum(gap[sel], 0))

    def _after_vat(self, rng: np.random.Generator, b: Batch) -> list[Batch]:
        """Quarter sums and events of a VAT batch; the returns filed with it."""
        filed = b.filed >= 0
        # CIT and stamp duty use the declared revenue of the quarter.
        self._quarter_revenue[b.who] += b.revenue  # who is unique in a batch
        self._quarter_forced[b.who[~filed]] = True
        # Late returns -> penalties; large excess input credit -> refund applications.
        late = filed & (b.filed > b.due) & (self.plan.pattern[b.who] == 0)
        pick = late & (rng.random(b.who.size) < LATE_PENALTY_SHARE)
        if pick.any():
            self.events.late.append((b.who[pick], b.filed[pick], b.filed[pick] - b.due[pick]))
        if b.input is not None and b.output is not None:
            excess = b.input - b.output
            refund = filed & (excess >= REFUND_MIN_C) & (rng.random(b.who.size) < REFUND_SHARE)
            if refund.any():
                self.events.refund.append((b.who[refund], b.filed[refund], excess[refund]))
        return self._with_vat(rng, b)

    def _with_vat(self, rng: np.random.Generator, b: Batch) -> list[Batch]:
        """Surcharges (OTHER) on VAT paid, and consumption tax for drinks makers."""
        tp = self.tp
        out: list[Batch] = []
        sur = (b.payable > 0) & (b.filed >= 0)
        if sur.any():
            who = b.who[sur]
            base = b.payable[sur]
            rate = np.where(tp.general[who], R.SURCHARGE_RATE, R.SURCHARGE_RATE / 2)
            payable = np.round(base * rate).astype(np.int64)
            paid = np.where(b.paid[sur] >= b.payable[sur], payable, 0)
            out.append(
                Batch(
                    "OTHER",
                    who,
                    b.p_start[sur],
                    b.p_end[sur],
                    b.due[sur],
                    b.filed[sur],
                    base,
                    None,
                    None,
                    None,
                    payable,
                    paid,
                    np.where(paid > 0, b.paid_on[sur], -1),
                )
            )
        drinks = tp.industry[b.who] == R.INDUSTRY_INDEX["15"]
        drinks &= tp.general[b.who]
        if drinks.any():
            who = b.who[drinks]
            rev = b.revenue[drinks]
            payable = np.round(rev * R.CONSUMPTION_RATE).astype(np.int64)
            paid, paid_on = self._pay(rng, payable, b.filed[drinks])
            out.append(
                Batch(
                    "CONSUMPTION",
                    who,
                    b.p_start[drinks],
                    b.p_end[drinks],
                    b.due[drinks],
                    b.filed[drinks],
                    rev,
                    None,
                    None,
                    None,
                    payable,
                    paid,
                    paid_on,
                )
            )
        return out

    def _reset_quarter_returns(self) -> None:
        self._quarter_revenue = np.zeros(self.tp.n, dtype=np.int64)
        self._quarter_forced = np.zeros(self.tp.n, dtype=bool)

    def _quarterly(self, rng: np.random.Generator, m: int) -> list[Batch]:
        """CIT prepayment and stamp duty, after a full quarter."""
        tp, months = self.tp, self.months
        start, end, due = int(months.start[m - 2]), int(months.end[m]), int(months.due[m])
        revenue, forced = self._quarter_revenue, self._quarter_forced
        self._reset_quarter_returns()
        active = tp.active_in_month(start, end)
        out = []
        ent = np.flatnonzero(active & ~tp.individual)
        if ent.size:
            rev = revenue[ent]
            taxable = np.round(rev * (tp.margin[ent] + rng.normal(0, 0.02, ent.size))).astype(
                np.int64
            )
            payable = np.round(np.maximum(taxable, 0) * tp.cit_rate[ent]).astype(np.int64)
            b = self._batch(
                rng, "CIT", ent, start, end, due, rev, payable, forced[ent], taxable=taxable
            )
            out.append(b)
            self._y["revenue"][ent] += b.revenue
            self._y["taxable"][ent] += b.taxable if b.taxable is not None else 0
            self._y["prepaid"][ent] += b.payable
        stamp = np.flatnonzero(active & tp.general & (revenue > 0))
        if stamp.size:
            rev = revenue[stamp]
            out.append(
                self._batch(
                    rng,
                    "STAMP",
                    stamp,
                    start,
                    end,
                    due,
                    rev,
                    np.round(rev * R.STAMP_RATE).astype(np.int64),
                    forced[stamp],
                )
            )
        return out

    def _annual(self, rng: np.random.Generator, m: int) -> Batch | None:
        """The annual CIT return (汇算清缴), due 31 May of the next year."""
        tp, months = self.tp, self.months
        y = self._y
        self._y = {k: np.zeros(tp.n, dtype=np.int64) for k in y}
        year = int(months.year[m])
        due = A.day_number(self.days.filing_due(dt.date(year + 1, 5, 31)))
        if due >= self.extracted:
            return None
        start, end = A.day_number(dt.date(year, 1, 1)), int(months.end[m])
        still = (tp.registered <= end) & ((tp.status == NORMAL) | (tp.status_since > end))
        who = np.flatnonzero(still & ~tp.individual)
        if not who.size:
            return None
        rev = y["revenue"][who]
        taxable = y["taxable"][who] + np.round(rev * rng.normal(0, 0.005, who.size)).astype(
            np.int64
        )
        tax = np.round(np.maximum(taxable, 0) * tp.cit_rate[who]).astype(np.int64)
        payable = np.maximum(tax - y["prepaid"][who], 0)
        return self._batch(
            rng,
            "CIT",
            who,
            start,
            end,
            due,
            rev,
            payable,
            np.zeros(who.size, dtype=bool),
            taxable=taxable,
        )

    # --- output ----------------------------------------------------------------------------------

    def columns(self, batches: list[Batch]) -> dict[str, object] | None:
        if not batches:
            return None

        def cat(get: str) -> np.ndarray:
            return np.concatenate([getattr(b, get) for b in batches])

        def optional(get: str) -> pa.Array:
            parts = [getattr(b, get) for b in batches]
            vals = np.concatenate(
                [
                    p if p is not None else np.zeros(b.who.size, dtype=np.int64)
                    for p, b in zip(parts, batches, strict=True)
                ]
            )
            null = np.concatenate(
                [np.full(b.who.size, p is None) for p, b in zip(parts, batches, strict=True)]
            )
            return A.decimal(vals, null=null)

        who = cat("who")
        k = who.size
        filed, paid_on = cat("filed"), cat("paid_on")
        seq = self.seq + 1 + np.arange(k)
        self.seq += k
        self.rows += k
        types = np.concatenate([np.full(b.who.size, b.tax_type, dtype=object) for b in batches])
        return {
            "filing_id": A.codes("SB", seq, 12),
            "taxpayer_id": self.tp.ids.take(pa.array(who)),
            "tax_type": pa.array(types, pa.string()),
            "period_start": A.dates(cat("p_start")),
            "period_end": A.dates(cat("p_end")),
            "due_on": A.dates(cat("due")),
            "filed_on": A.dates(np.maximum(filed, 0), null=filed < 0),
            "revenue": A.decimal(cat("revenue")),
            "output_tax": optional("output"),
            "input_tax": optional("input"),
            "taxable_income": optional("taxable"),
            "tax_payable": A.decimal(cat("payable")),
            "tax_paid": A.decimal(cat("paid")),
            "paid_on": A.dates(np.maximum(paid_on, 0), null=paid_on < 0),
        }
