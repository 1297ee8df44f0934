"""Audits (inspections) and their outcomes.

Planted taxpayers are audited more often (mostly selected by risk), and an adjusted audit of
a planted taxpayer finds the tax its pattern actually kept from the returns. Ordinary
taxpayers are audited at random, on referral, complaint or plan, and some of those audits
find a little, too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import arrays as A
from . import reference as R
from .city import (
    NORMAL,
    P_CIRCULAR,
    P_FAKE_INPUT,
    P_JUST_UNDER,
    P_SHELL,
    Months,
    Plan,
    Taxpayers,
)
from .config import Config
from .returns import Returns

STREAM = 70
NO_CHANGE, ADJUSTED, TRANSFERRED = 0, 1, 2
OUTCOMES = ["no_change", "adjusted", "transferred"]


@dataclass
class Audits:
    who: np.ndarray
    selected_by: np.ndarray  # index into R.SELECTED_BY
    selected: np.ndarray  # day
    closed: np.ndarray  # planned closing day (the decision, for penalised ones)
    outcome: np.ndarray
    adjustment: np.ndarray  # cents
    penalty: np.ndarray
    gap_day: np.ndarray  # a day in the middle of what was evaded (for the late fee)

    @property
    def n(self) -> int:
        return int(self.who.size)


def plan_audits(cfg: Config, tp: Taxpayers, plan: Plan, months: Months, returns: Returns) -> Audits:
    rng = cfg.rng(STREAM)
    start = A.day_number(cfg.period_from)
    extracted = A.day_number(cfg.extracted_on)
    # Planted taxpayers.
    planted = np.flatnonzero(plan.pattern > 0)
    a = planted[rng.random(planted.size) < R.PLANTED_AUDIT_RATE]
    pat = plan.pattern[a]
    first = months.start[np.minimum(plan.m0[a], months.n - 1)]
    lo = np.where(pat == P_SHELL, tp.status_since[a] + 10, first + 90)
    hi = np.full(a.size, extracted - 20)
    ok = lo < hi
    a, pat, lo, hi = a[ok], pat[ok], lo[ok], hi[ok]
    sel = lo + (rng.random(a.size) * (hi - lo)).astype(np.int64)
    by = rng.choice([0, 2, 3], size=a.size, p=[0.7, 0.15, 0.15])
    by = np.where(pat == P_FAKE_INPUT, np.where(rng.random(a.size) < 0.5, 2, 0), by)
    m_sel = np.minimum(months.index(sel), months.n - 1)
    rows = returns.planted_row[a]
    cum = np.cumsum(returns.gap, axis=1)
    gap = cum[rows, m_sel]
    evaded = np.round(gap * (1 + R.SURCHARGE_RATE)).astype(np.int64)
    u = rng.random(a.size)
    outcome = np.where(u < 0.9, ADJUSTED, NO_CHANGE)
    criminal = (pat == P_SHELL) | (pat == P_CIRCULAR) | (evaded >= R.TRANSFER_THRESHOLD * 100)
    outcome = np.where(criminal & (rng.random(a.size) < 0.75), TRANSFERRED, outcome)
    # Invoice violations without tax lost: a fine for the improper invoices, no adjustment.
    fine_only = ((pat == P_JUST_UNDER) | (pat == P_CIRCULAR)) & (outcome == ADJUSTED)
    adjustment = np.where(outcome == NO_CHANGE, 0, evaded)
    penalty = np.where(
        outcome == ADJUSTED, np.round(adjustment * rng.uniform(0.5, 1.0, a.size) / 100) * 100, 0
    )
    penalty = np.where(fine_only, rng.integers(20, 100, a.size) * 100_00, penalty)
    outcome = np.where((outcome == ADJUSTED) & (adjustment == 0) & ~fine_only, NO_CHANGE, outcome)
    mid = months.start[np.clip((plan.m0[a] + np.minimum(plan.m1[a], m_sel)) // 2, 0, months.n - 1)]
    planted_part = (a, by, sel, outcome, adjustment, penalty.astype(np.int64), mid)
    # Ordinary taxpayers.
    k = round(tp.n * R.AUDIT_RATE * cfg.years)
    o = (
        rng.choice(
            np.flatnonzero(plan.pattern == 0),
            size=min(k, int((plan.pattern == 0).sum())),
            replace=False,
        )
        if k
        else np.zeros(0, dtype=np.int64)
    )
    lo = np.maximum(start, tp.registered[o] + 180)
    stop = np.where(tp.status[o] != NORMAL, tp.status_since[o] - 1, extracted - 20)
    hi = np.minimum(extracted - 20, stop)
    ok = lo < hi
    o, lo, hi = o[ok], lo[ok], hi[ok]
    sel_o = lo + (rng.random(o.size) * (hi - lo)).astype(np.int64)
    by_o = rng.choice(len(R.SELECTED_BY), size=o.size, p=R.SELECTED_BY_SHARES)
    adjusted = rng.random(o.size) < 0.15
    base = np.maximum(returns.declared_revenue[o], 1_000_000)
    adj_o = np.where(
        adjusted, np.round(base * 0.004 * rng.lognormal(0, 0.7, o.size) / 100) * 100, 0
    ).astype(np.int64)
    adj_o = np.where(adjusted, np.maximum(adj_o, 50_000), 0)
    pen_o = np.where(adjusted, np.round(adj_o * rng.uniform(0.5, 1.0, o.size) / 100) * 100, 0)
    mid_o = sel_o - rng.integers(180, 540, o.size)
    ordinary = (
        o,
        by_o,
        sel_o,
        np.where(adjusted, ADJUSTED, NO_CHANGE),
        adj_o,
        pen_o.astype(np.int64),
        mid_o,
    )
    who, by, sel, outcome, adjustment, penalty, mid = (
        np.concatenate([p, q]) for p, q in zip(planted_part, ordinary, strict=True)
    )
    duration = np.where(
        outcome == TRANSFERRED, rng.integers(60, 300, who.size), rng.integers(30, 200, who.size)
    )
    order = np.lexsort((who, sel))
    audits = Audits(
        who[order],
        by[order],
        sel[order],
        (sel + duration)[order],
        outcome[order],
        adjustment[order],
        penalty[order],
        mid[order],
    )
    return audits


def audit_columns(
    audits: Audits, tp: Taxpayers, cfg: Config, decided: np.ndarray
) -> dict[str, object]:
    """``decided``: the decision day of each audit's penalty matter (-1 = none): an audit
    that ends in a penalty closes on the day of the decision."""
    extracted = A.day_number(cfg.extracted_on)
    closed = np.where(decided >= 0, decided, audits.closed)
    is_open = closed >= extracted
    days = np.maximum(closed - audits.gap_day, 0)
    late_fee = np.round(audits.adjustment * R.LATE_FEE_PER_DAY * days).astype(np.int64)
    zero = np.zeros(audits.n, dtype=np.int64)
    return {
        "audit_id": A.codes("JC", np.arange(1, audits.n + 1), 10),
        "taxpayer_id": tp.ids.take(pa.array(audits.who)),
        "selected_by": A.take(R.SELECTED_BY, audits.selected_by),
        "selected_on": A.dates(audits.selected),
        "closed_on": A.dates(np.where(is_open, 0, closed), null=is_open),
        "outcome": A.take(OUTCOMES, np.where(is_open, -1, audits.outcome)),
        "adjustment": A.decimal(np.where(is_open, zero, audits.adjustment)),
        "penalty": A.decimal(np.where(is_open, zero, audits.penalty)),
        "late_fee": A.decimal(np.where(is_open | (audits.outcome == NO_CHANGE), zero, late_fee)),
    }
