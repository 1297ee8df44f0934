"""Invoices, month by month, vectorised; with the per-taxpayer sums the returns are made of."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import arrays as A
from . import reference as R
from .city import (
    NORMAL,
    P_CIRCULAR,
    P_JUST_UNDER,
    P_RED,
    P_SHELL,
    Months,
    Network,
    Plan,
    Taxpayers,
)
from .config import Config
from .days import Days

STREAM = 40
VALID, VOID, RED = 0, 1, 2
RED_SHARE = 0.012
RED_ABUSE_SHARE = 0.30
VOID_SHARE = 0.015
SPECIAL_GENERAL = 0.85
SPECIAL_SMALL = 0.15
FIELDS = (
    "seller",
    "buyer",
    "outside",
    "day",
    "special",
    "goods",
    "rate",
    "amount",
    "tax",
    "status",
    "orig",
    "oyy",
    "oseq",
    "base",
)


@dataclass
class Sums:
    """One month's invoice sums per taxpayer (cents), valid and red invoices only."""

    out_net: np.ndarray  # sales issued, before tax
    out_tax: np.ndarray
    issued: np.ndarray  # number of invoices issued
    in_tax: np.ndarray  # tax on special invoices received (deductible)
    in_amount: np.ndarray  # purchases
    fake_in_tax: np.ndarray  # tax on special invoices received from shell companies
    red_tax: np.ndarray  # tax reversed by red-letter invoices issued (positive)


BOOL_FIELDS = ("special", "base")


def _empty() -> dict[str, np.ndarray]:
    return {k: np.zeros(0, dtype=bool if k in BOOL_FIELDS else np.int64) for k in FIELDS}


def _cat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    parts = [_empty(), *parts]
    return {k: np.concatenate([p[k] for p in parts]) for k in FIELDS}


def _take(rows: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[idx] for k, v in rows.items()}


class Trade:
    def __init__(
        self, cfg: Config, tp: Taxpayers, net: Network, plan: Plan, months: Months, days: Days
    ) -> None:
        self.cfg, self.tp, self.net, self.plan, self.months, self.days = (
            cfg,
            tp,
            net,
            plan,
            months,
            days,
        )
        n = tp.n
        inds = R.INDUSTRIES
        self.consumer = np.array([i.consumer for i in inds])
        self.outside = np.array([i.outside for i in inds])
        prefixes: list[str] = []
        rates: list[int] = []
        cdf_rows = []
        for k, ind in enumerate(inds):
            w = np.array([g.weight for g in ind.goods], dtype=np.float64)
            cdf_rows.append((len(prefixes), np.cumsum(w) / w.sum() + k))
            prefixes += [g.prefix for g in ind.goods]
            rates += [g.rate for g in ind.goods]
        self.goods_prefix = prefixes
        self.goods_rate = np.array(rates)
        self.goods_start = np.array([r[0] for r in cdf_rows])
        self.goods_cdf = np.concatenate([r[1] for r in cdf_rows])
        self.goods_cdf_start = np.cumsum([0] + [len(ind.goods) for ind in inds])[:-1]
        self.all_ids = pa.concat_arrays([tp.ids, tp.outside_ids])
        self.n_out = len(tp.outside_ids)
        # Shell -> recipients as CSR.
        rec_count = np.zeros(n, dtype=np.int64)
        flat: list[np.ndarray] = []
        for s in sorted(plan.shell_recipients):
            rec_count[s] = plan.shell_recipients[s].size
            flat.append(plan.shell_recipients[s])
        self.rec_offsets = np.concatenate([[0], np.cumsum(rec_count)])
        self.rec_flat = np.concatenate(flat) if flat else np.zeros(0, dtype=np.int64)
        self.degree = net.degree()
        self.season = self._season()
        self.month_target = self._month_targets()
        self.seq = 0
        self.written = 0
        self.carry: dict[str, np.ndarray] | None = None

    # --- how much is issued when --------------------------------------------------------------

    def _season(self) -> np.ndarray:
        mo = self.months.month
        f = np.ones(self.months.n)
        f[mo % 3 == 0] *= R.QUARTER_END_FACTOR
        f[mo == 12] *= R.YEAR_END_FACTOR
        for i, (y, m) in enumerate(zip(self.months.year, mo, strict=True)):
            sf = self.days.spring_festival_month(int(y))
            if m == sf:
                f[i] *= R.SPRING_FESTIVAL_FACTOR
            elif m == sf + 1:
                f[i] *= R.AFTER_FESTIVAL_FACTOR
        return f

    def lam(self, m: int) -> np.ndarray:
        tp, plan = self.tp, self.plan
        start, end = int(self.months.start[m]), int(self.months.end[m])
        active = tp.active_in_month(start, end)
        lam = tp.activity * self.season[m] * active
        in_span = plan.in_span(m)
        shell = plan.pattern == P_SHELL
        lam = np.where(shell & ~in_span, np.where(m < plan.m0, 0.3 * active, 0.0), lam)
        lam = np.where((plan.pattern == P_JUST_UNDER) & in_span, lam * 2, lam)
        # Ordinary taxpayers that later vanish (abnormal) stop trading some months before.
        return np.where(tp.fading(start, end) & ~shell, 0.0, lam)

    def _month_targets(self) -> np.ndarray:
        weight = np.array([self.lam(m).sum() for m in range(self.months.n)])
        if weight.sum() == 0:
            return np.zeros(self.months.n, dtype=np.int64)
        cum = np.round(np.cumsum(weight) / weight.sum() * self.cfg.target_invoices)
        return cum.astype(np.int64)  # cumulative target at the end of each month

    # --- one month -----------------------------------------------------------------------------

    def _day_cdf(self, m: int) -> tuple[np.ndarray, np.ndarray, int]:
        start, end = int(self.months.start[m]), int(self.months.end[m])
        d = np.arange(start, end + 1)
        work = self.days.is_work(d)
        w_any = np.where(work, 1.0, 0.8)
        w_work = np.where(work, 1.0, 0.06)
        return np.cumsum(w_any) / w_any.sum(), np.cumsum(w_work) / w_work.sum(), start

    def _draw(self, rng: np.random.Generator, m: int, total: int) -> dict[str, np.ndarray]:
        tp, plan = self.tp, self.plan
        lam = self.lam(m)
        if total <= 0 or lam.sum() <= 0:
            return _empty()
        counts = rng.multinomial(total, lam / lam.sum())
        seller = np.repeat(np.arange(tp.n), counts)
        t = seller.size
        ind = tp.industry[seller]
        in_span = (plan.m0[seller] <= m) & (m <= plan.m1[seller])
        shell = (plan.pattern[seller] == P_SHELL) & in_span
        r = rng.random(t)
        cons = (r < self.consumer[ind]) & ~shell
        out = ~cons & ((r < self.consumer[ind] + self.outside[ind]) | (self.degree[seller] == 0))
        buyer = np.full(t, -1, dtype=np.int64)
        via_net = ~cons & ~out
        buyer[via_net] = self.net.pick(seller[via_net], rng.random(int(via_net.sum())))
        # Shell companies sell to "their" recipients (fake input) and to outsiders.
        if shell.any():
            cnt = (self.rec_offsets[1:] - self.rec_offsets[:-1])[seller]
            to_rec = shell & (cnt > 0) & (rng.random(t) < 0.75)
            pick = self.rec_offsets[seller[to_rec]] + (
                rng.random(int(to_rec.sum())) * cnt[to_rec]
            ).astype(np.int64)
            buyer[to_rec] = self.rec_flat[pick]
            out = np.where(shell, ~to_rec, out)
            buyer[shell & ~to_rec] = -1
        cdf_any, cdf_work, start = self._day_cdf(m)
        u = rng.random(t)
        day = start + np.where(
            cons,
            np.searchsorted(cdf_any, u, side="right"),
            np.searchsorted(cdf_work, u, side="right"),
        )
        day = np.minimum(day, int(self.months.end[m]))
        day = np.maximum(day, tp.registered[seller])
        gone = tp.status[seller] != NORMAL
        day = np.where(gone, np.minimum(day, tp.status_since[seller] - 1), day)
        has = buyer >= 0
        ok = np.ones(t, dtype=bool)
        ok[has] = tp.active_on(day[has], buyer[has])
        out = out | (has & ~ok)
        buyer = np.where(has & ~ok, -1, buyer)
        outside = np.where(
            out & (buyer < 0), (self.n_out * rng.random(t) ** 2).astype(np.int64), -1
        )
        business = (buyer >= 0) | (outside >= 0)
        general = tp.general[seller]
        p_special = np.where(shell, 0.97, np.where(general, SPECIAL_GENERAL, SPECIAL_SMALL))
        special = business & (rng.random(t) < p_special)
        k = self.goods_cdf_start[ind]
        g = np.searchsorted(self.goods_cdf, ind + rng.random(t) * (1 - 1e-9), side="right")
        goods = np.clip(g, k, k + np.array([len(i.goods) for i in R.INDUSTRIES])[ind] - 1)
        rate = np.where(general, self.goods_rate[goods], R.SMALL_SCALE_RATE)
        median = np.where(business, tp.median[seller], R.CONSUMER_MEDIAN_AMOUNT)
        amount = rng.lognormal(np.log(median), np.where(business, 1.1, 0.9))
        limit = tp.limit_c[seller] / 100
        amount = np.where(amount > limit, limit * rng.uniform(0.05, 0.9, t), amount)
        just = (plan.pattern[seller] == P_JUST_UNDER) & in_span & (rng.random(t) < 0.6)
        amount = np.where(just, limit * rng.uniform(0.95, 0.9999, t), amount)
        cents = np.maximum(np.round(amount * 100), 1_000).astype(np.int64)
        return {
            "seller": seller,
            "buyer": buyer,
            "outside": outside,
            "day": day,
            "special": special,
            "goods": goods,
            "rate": rate,
            "amount": cents,
            "tax": (cents * rate + 50) // 100,
            "status": np.zeros(t, dtype=np.int64),
            "orig": np.full(t, -1, dtype=np.int64),
            "oyy": np.zeros(t, dtype=np.int64),
            "oseq": np.zeros(t, dtype=np.int64),
            "base": np.ones(t, dtype=bool),
        }

    def _circular(self, rng: np.random.Generator, m: int) -> dict[str, np.ndarray]:
        parts = []
        cdf_work = self._day_cdf(m)[1]
        start = int(self.months.start[m])
        for ring, base in zip(self.plan.rings, self.plan.ring_base_c, strict=True):
            if not self.plan.m0[ring[0]] <= m <= self.plan.m1[ring[0]]:
                continue
            k = rng.integers(2, 6, ring.size)
            seller = np.repeat(ring, k)
            buyer = np.repeat(np.roll(ring, -1), k)
            t = seller.size
            day = start + np.searchsorted(cdf_work, rng.random(t), side="right")
            ind = self.tp.industry[seller]
            goods = self.goods_cdf_start[ind]
            rate = self.goods_rate[goods]
            cents = np.minimum(
                (base * rng.uniform(0.9, 1.1, t)).astype(np.int64),
                (self.tp.limit_c[seller] * 0.98).astype(np.int64),
            )
            parts.append(
                {
                    "seller": seller,
                    "buyer": buyer,
                    "outside": np.full(t, -1),
                    "day": np.minimum(day, int(self.months.end[m])),
                    "special": np.ones(t, dtype=bool),
                    "goods": goods,
                    "rate": rate,
                    "amount": cents,
                    "tax": (cents * rate + 50) // 100,
                    "status": np.zeros(t, dtype=np.int64),
                    "orig": np.full(t, -1),
                    "oyy": np.zeros(t, dtype=np.int64),
                    "oseq": np.zeros(t, dtype=np.int64),
                    "base": np.zeros(t, dtype=bool),
                }
            )
        return _cat(parts)

    def month(self, m: int) -> tuple[dict[str, object], Sums]:
        cfg, tp, plan = self.cfg, self.tp, self.plan
        rng = cfg.rng(STREAM, m)
        end = int(self.months.end[m])
        last = m == self.months.n - 1
        carried = self.carry if self.carry is not None else _empty()
        self.carry = None
        remaining = int(self.month_target[m]) - self.written - carried["seller"].size
        base_total = max(0, round(remaining / (1 + RED_SHARE)))
        rows = _cat([self._draw(rng, m, base_total), self._circular(rng, m)])
        t = rows["seller"].size
        seller = rows["seller"]
        # Red-letter reversals of this month's invoices, and void invoices.
        in_span = (plan.m0[seller] <= m) & (m <= plan.m1[seller])
        abuse = (plan.pattern[seller] == P_RED) & in_span
        p_red = np.where(abuse, RED_ABUSE_SHARE, RED_SHARE)
        chosen = rng.random(t) < p_red
        void = ~chosen & (rng.random(t) < VOID_SHARE) & (plan.pattern[seller] != P_CIRCULAR)
        rows["status"][void] = VOID
        orig = np.flatnonzero(chosen)
        red = _take(rows, orig)
        full = rng.random(orig.size) < 0.75
        frac = np.where(full, 1.0, rng.uniform(0.1, 0.5, orig.size))
        red["amount"] = -np.where(full, red["amount"], np.round(red["amount"] * frac)).astype(
            np.int64
        )
        red["tax"] = -np.where(full, red["tax"], np.round(red["tax"] * frac)).astype(np.int64)
        red["status"] = np.full(orig.size, RED)
        red["orig"] = orig
        red["base"] = np.zeros(orig.size, dtype=bool)
        delay = np.where(
            abuse[orig], rng.integers(10, 45, orig.size), rng.geometric(0.25, orig.size) - 1
        )
        red["day"] = red["day"] + delay
        s = red["seller"]
        stop = np.where(tp.status[s] != NORMAL, tp.status_since[s] - 1, np.iinfo(np.int64).max)
        # Ordinary sellers correct within the month; abusers reverse in the next month.
        red["day"] = np.where(abuse[orig], red["day"], np.minimum(red["day"], end))
        keep = (red["day"] <= stop) & (red["amount"] < 0)
        later = keep & (red["day"] > end)
        now = keep & ~later
        if last:
            later[:] = False
        carry_rows = _take(red, np.flatnonzero(later))
        if not last:  # issued next month, whatever the delay
            carry_rows["day"] = np.minimum(carry_rows["day"], int(self.months.end[m + 1]))
        rows = _cat([rows, _take(red, np.flatnonzero(now)), carried])
        t = rows["seller"].size
        # Exactly the target in the last month: top up with ordinary invoices, or leave out
        # some ordinary ones (never an original of a reversal).
        if last:
            want = cfg.target_invoices - self.written
            if want > t:
                extra = self._draw(cfg.rng(STREAM, m, 1), m, want - t)
                rows = _cat([rows, extra])
            elif want < t:
                originals = np.zeros(t, dtype=bool)
                originals[rows["orig"][rows["orig"] >= 0]] = True
                removable = np.flatnonzero(rows["base"] & ~originals & (rows["status"] == VALID))
                drop = rng.choice(removable, size=min(t - want, removable.size), replace=False)
                keep_rows = np.ones(t, dtype=bool)
                keep_rows[drop] = False
                # Re-point the reversals' originals after the removal.
                new_index = np.cumsum(keep_rows) - 1
                rows = _take(rows, np.flatnonzero(keep_rows))
                has = rows["orig"] >= 0
                rows["orig"][has] = new_index[rows["orig"][has]]
            t = rows["seller"].size
        # Invoice numbers in date order; a reversal always after its original.
        order = np.lexsort((rows["status"] == RED, rows["day"]))
        rank = np.empty(t, dtype=np.int64)
        rank[order] = np.arange(t)
        seq = self.seq + 1 + rank
        yy = int(self.months.year[m]) % 100
        has = rows["orig"] >= 0
        rows["oyy"] = np.where(has, yy, rows["oyy"])
        rows["oseq"] = np.where(has, seq[np.maximum(rows["orig"], 0)], rows["oseq"])
        if carry_rows["seller"].size:
            carry_rows["oyy"] = np.full(carry_rows["seller"].size, yy)
            carry_rows["oseq"] = seq[carry_rows["orig"]]
            carry_rows["orig"] = np.full(carry_rows["seller"].size, -1)
            self.carry = carry_rows
        for k in FIELDS:  # reorder field by field: one copy of a column at a time
            rows[k] = rows[k][order]
        seq = seq[order]
        self.seq += t
        self.written += t
        return self._columns(rows, seq, yy), self._sums(rows)

    def _columns(self, rows: dict[str, np.ndarray], seq: np.ndarray, yy: int) -> dict[str, object]:
        t = seq.size
        head = np.hstack(
            [
                A.digit_matrix(np.full(t, yy), 2),
                A.prefix_matrix(R.PROVINCE + "1", t),
                A.digit_matrix(seq, 15),
            ]
        )
        buyer_index = np.where(
            rows["buyer"] >= 0,
            rows["buyer"],
            np.where(rows["outside"] >= 0, self.tp.n + rows["outside"], -1),
        )
        red = rows["status"] == RED
        red_idx = np.flatnonzero(red)
        orig_ids = A.from_matrix(
            np.hstack(
                [
                    A.digit_matrix(rows["oyy"][red_idx], 2),
                    A.prefix_matrix(R.PROVINCE + "1", red_idx.size),
                    A.digit_matrix(rows["oseq"][red_idx], 15),
                ]
            )
        )
        pointer = np.full(t, -1, dtype=np.int64)
        pointer[red_idx] = np.arange(red_idx.size)
        return {
            "invoice_id": A.from_matrix(head),
            "seller_id": self.tp.ids.take(pa.array(rows["seller"])),
            "buyer_id": A.take(self.all_ids, buyer_index),
            "issued_on": A.dates(rows["day"]),
            "kind": A.take(["ordinary", "special"], rows["special"].astype(np.int64)),
            "amount": A.decimal(rows["amount"]),
            "tax_amount": A.decimal(rows["tax"]),
            "goods_code": A.take(self.goods_prefix, rows["goods"]),
            "status": A.take(["valid", "void", "red"], rows["status"]),
            "original_invoice_id": A.take(orig_ids, pointer),
        }

    def _sums(self, rows: dict[str, np.ndarray]) -> Sums:
        n = self.tp.n
        counted = rows["status"] != VOID
        s = rows["seller"][counted]
        amount = rows["amount"][counted].astype(np.float64)
        tax = rows["tax"][counted].astype(np.float64)
        b = rows["buyer"][counted]
        special = rows["special"][counted]

        def total(idx: np.ndarray, w: np.ndarray) -> np.ndarray:
            return np.rint(np.bincount(idx, weights=w, minlength=n)).astype(np.int64)

        to_tp = b >= 0
        sp = to_tp & special
        from_shell = sp & (self.plan.pattern[s] == P_SHELL)
        return Sums(
            out_net=total(s, amount),
            out_tax=total(s, tax),
            issued=np.bincount(s[rows["status"][counted] == VALID], minlength=n),
            in_tax=total(b[sp], tax[sp]),
            in_amount=total(b[to_tp], amount[to_tp]),
            fake_in_tax=total(b[from_shell], tax[from_shell]),
            red_tax=-total(s[tax < 0], tax[tax < 0]),
        )
