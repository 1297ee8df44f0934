"""Enforcement matters (``enforcement_actions``): every step of every matter, following the
procedure of its kind, with planted procedural faults.

Kinds and their steps (post of the acting officer in brackets):

* registration (税务登记): accept [ACCEPT] → approve [APPROVE] → close [ACCEPT]
* consultation (纳税咨询): consult [CONSULT] → close [CONSULT]
* refund (留抵退税): accept [ACCEPT] → investigate [INVESTIGATE] → approve [APPROVE] →
  decide [LEADER] → close [ACCEPT]; closed within 30 days of acceptance
* simple-procedure penalty (简易程序, late return): decide [APPROVE] → serve (on the spot,
  same officer) → execute [EXECUTE] → close; at most 2,000 yuan
* general-procedure penalty (一般程序, late or missing returns): investigate [INVESTIGATE] →
  notify 告知 [INVESTIGATE] → hear 听证 [AUDIT] (when requested, 10,000 yuan or more) →
  approve (legal review) [AUDIT] → decide [LEADER] → serve 送达 [EXECUTE] (within 7 days) →
  execute [EXECUTE] → close [INVESTIGATE]
* inspection penalty (稽查, from an adjusted audit), at the bureau's inspection bureau:
  inspect [INSPECT] → notify → hear → approve → decide → serve → execute → close

Times are in working hours (09:00–17:30, +08:00) on working days. Matters still running when
the extract is taken have their later steps missing and the current one open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from taxlight.extract.contract import TABLES

from . import arrays as A
from . import reference as R
from .audits import ADJUSTED, Audits
from .city import P_UNFILED, Months, Org, Plan, Taxpayers
from .config import Config
from .days import Days
from .returns import Events

STREAM = 60
STEPS = TABLES["enforcement_actions"].column("step").enum
DOC_TYPES = ["罚告", "罚", "简罚", "退", "稽罚告", "稽罚"]
BASES = list(dict.fromkeys(R.LAW.values()))
ITEM_KINDS = list(R.ITEMS)
DAY_START, DAY_END = 9 * 60, 17 * 60 + 30


def _basis(key: str) -> int:
    return BASES.index(R.LAW[key])


@dataclass
class Part:
    """One step of a flow, for all its matters (full length; ``mask`` = has the step)."""

    step: str
    mask: np.ndarray
    officer: np.ndarray
    s_day: np.ndarray
    s_min: np.ndarray
    e_day: np.ndarray
    e_min: np.ndarray
    amount: np.ndarray  # cents, -1 = null
    basis: np.ndarray  # index into BASES, -1 = null
    doc: np.ndarray  # index into DOC_TYPES, -1 = none


@dataclass
class Fault:
    case: int  # global matter number
    step: str
    fault: str
    detail: str


class Flow:
    """The steps of n matters of one kind, computed column-wise."""

    def __init__(
        self,
        gen: Enforcement,
        kind: str,
        group: np.ndarray,
        taxpayer: np.ndarray,
        anchor: np.ndarray,
    ) -> None:
        self.gen = gen
        self.rng = gen.rng
        self.kind = kind
        self.n = int(anchor.size)
        self.group = group.astype(np.int64)
        self.taxpayer = taxpayer.astype(np.int64)
        self.cases = gen.new_cases(self.n)
        self.day = gen.days.on_or_after(anchor)
        self.min = self.rng.integers(DAY_START, 15 * 60, self.n)
        self.parts: dict[str, Part] = {}
        gen.flows.append(self)

    def step(
        self,
        step: str,
        post: str,
        gap: tuple[int, int] | np.ndarray = (0, 0),
        dur: tuple[int, int] | np.ndarray = (0, 0),
        mask: np.ndarray | None = None,
        officer: np.ndarray | None = None,
        amount: np.ndarray | None = None,
        basis: int = -1,
        doc: int = -1,
        within: int | None = None,
    ) -> Part:
        n, rng, days = self.n, self.rng, self.gen.days
        mask = np.ones(n, dtype=bool) if mask is None else mask
        g = gap if isinstance(gap, np.ndarray) else rng.integers(gap[0], gap[1] + 1, n)
        d = dur if isinstance(dur, np.ndarray) else rng.integers(dur[0], dur[1] + 1, n)
        later = self.min + rng.integers(5, 45, n)
        same = (g == 0) & (later <= 16 * 60 + 30)
        s_day = np.where(same, self.day, days.add(self.day, np.maximum(g, 1)))
        s_min = np.where(same, later, rng.integers(DAY_START, 16 * 60, n))
        if within is not None:  # a statutory limit in calendar days: never overrun by chance
            over = s_day - self.day > within
            s_day = np.where(over, self.day, s_day)
            s_min = np.where(over, np.minimum(self.min + 5, DAY_END - 15), s_min)
        e_day = np.where(d == 0, s_day, days.add(s_day, np.maximum(d, 1)))
        e_min = np.where(
            d == 0,
            np.minimum(s_min + rng.integers(10, 90, n), DAY_END),
            rng.integers(DAY_START, DAY_END, n),
        )
        e_min = np.where(e_day == s_day, np.maximum(e_min, s_min + 1), e_min)
        if officer is None:
            officer = self.gen.org.pick(self.group, post, rng)
        part = Part(
            step,
            mask,
            officer.copy(),
            s_day,
            s_min,
            e_day,
            e_min,
            np.full(n, -1, dtype=np.int64) if amount is None else amount.copy(),
            np.full(n, basis, dtype=np.int64),
            np.full(n, doc, dtype=np.int64),
        )
        self.parts[step] = part
        self.day = np.where(mask, e_day, self.day)
        self.min = np.where(mask, e_min, self.min)
        return part

    def choose_faults(self, rate: float, kinds: Sequence[str]) -> np.ndarray:
        """A fault (index into ``kinds``) for some matters, -1 for the rest. When faults are
        planted at all, every kind is planted at least once (in a matter begun at least 90
        days before the extract, so that it is complete), if there are matters enough."""
        u = self.rng.random(self.n)
        which = self.rng.integers(0, len(kinds), self.n)
        fault = np.where(u < rate, which, -1)
        if rate <= 0:
            return fault
        settled = self.day < A.day_number(self.gen.cfg.extracted_on) - 90
        for k in range(len(kinds)):
            if (fault == k).any():
                continue
            free = np.flatnonzero((fault < 0) & settled)
            if free.size:
                fault[free[self.rng.integers(0, free.size)]] = k
        return fault


@dataclass
class Enforcement:
    cfg: Config
    org: Org
    tp: Taxpayers
    days: Days
    rng: np.random.Generator
    flows: list[Flow] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    cases: int = 0

    def new_cases(self, n: int) -> np.ndarray:
        out = np.arange(self.cases, self.cases + n)
        self.cases += n
        return out

    # --- the kinds of matters ------------------------------------------------------------------

    def registrations(self) -> None:
        tp, cfg = self.tp, self.cfg
        start, end = A.day_number(cfg.period_from), A.day_number(cfg.extracted_on) - 1
        who = np.flatnonzero((tp.registered >= start) & (tp.registered <= end))
        f = Flow(self, "registration", tp.branch[who], who, tp.registered[who])
        accept = f.step("accept", "ACCEPT")
        f.step("approve", "APPROVE", gap=(0, 1), basis=_basis("registration"))
        f.step("close", "ACCEPT", officer=accept.officer)
        fault = f.choose_faults(self.cfg.fault_rate / 4, ["uncertified_officer"])
        self._uncertified(f, "approve", fault == 0)

    def consultations(self) -> None:
        tp, cfg, rng = self.tp, self.cfg, self.rng
        k = round(tp.n * 0.01 * cfg.years)
        start = A.day_number(cfg.period_from)
        end = A.day_number(cfg.extracted_on) - 2
        who = rng.integers(0, tp.n, k)
        anchor = np.maximum(
            start + (rng.random(k) * (end - start)).astype(np.int64), tp.registered[who]
        )
        anchor = np.minimum(anchor, end)
        taxpayer = np.where(rng.random(k) < 0.3, -1, who)
        f = Flow(self, "consult", tp.branch[who], taxpayer, anchor)
        c = f.step("consult", "CONSULT")
        f.step("close", "CONSULT", officer=c.officer)

    def refunds(self, events: Events) -> None:
        who, filed, amount = Events.join(events.refund)
        if not who.size:
            return
        rng = self.rng
        anchor = filed + rng.integers(1, 20, who.size)
        f = Flow(self, "refund", self.tp.branch[who], who, anchor)
        kinds = ["same_officer", "no_legal_basis", "uncertified_officer", "overdue_step"]
        fault = f.choose_faults(self.cfg.fault_rate, kinds)
        accept = f.step("accept", "ACCEPT")
        overdue = fault == kinds.index("overdue_step")
        inv_dur = np.where(overdue, rng.integers(24, 36, f.n), rng.integers(1, 5, f.n))
        inv = f.step("investigate", "INVESTIGATE", gap=(0, 1), dur=inv_dur)
        f.step("approve", "APPROVE", gap=(0, 1))
        same = fault == kinds.index("same_officer")
        officer = f.gen.org.pick(f.group, "LEADER", rng)
        decide = f.step(
            "decide",
            "LEADER",
            gap=(0, 1),
            amount=amount,
            officer=np.where(same, inv.officer, officer),
            basis=_basis("refund_decide"),
            doc=DOC_TYPES.index("退"),
        )
        close = f.step("close", "ACCEPT", gap=(0, 1), officer=accept.officer)
        self._label(
            f,
            same,
            "decide",
            "same_officer",
            lambda i: (
                f"officer {self.org.officer_id[inv.officer[i]]} both investigated "
                "and decided the refund"
            ),
        )
        nobasis = fault == kinds.index("no_legal_basis")
        decide.basis[nobasis] = -1
        self._label(
            f, nobasis, "decide", "no_legal_basis", lambda i: "refund decided without a legal basis"
        )
        self._uncertified(f, "decide", fault == kinds.index("uncertified_officer"))
        self._label(
            f,
            overdue,
            "close",
            "overdue_step",
            lambda i: (
                f"refund closed {close.e_day[i] - accept.s_day[i]} days after "
                f"the application (limit {R.REFUND_WITHIN_DAYS})"
            ),
        )

    def late_penalties(self, events: Events, plan: Plan, months: Months) -> None:
        """Late returns: simple procedure for most, general procedure when very late;
        general procedure for the planted non-filers."""
        rng = self.rng
        who, filed, late = Events.join(events.late)
        general = (late > 20) | (rng.random(who.size) < 0.1)
        s_who, s_day, s_late = who[~general], filed[~general], late[~general]
        self._simple(s_who, s_day + rng.integers(0, 6, s_who.size), s_late)
        amount = np.clip(200 + late[general] * 40, 500, 5_000) * 100
        g_who, g_day = who[general], filed[general] + rng.integers(0, 10, int(general.sum()))
        # Planted non-filers, once their streak of missing returns ends.
        nf = np.flatnonzero(plan.pattern == P_UNFILED)
        nf_day = months.due[np.minimum(plan.m1[nf], months.n - 1)] + rng.integers(30, 60, nf.size)
        ok = nf_day < A.day_number(self.cfg.extracted_on) - 5
        nf, nf_day = nf[ok], nf_day[ok]
        nf_amount = rng.integers(20, 100, nf.size) * 100 * 100
        self._general(
            np.concatenate([g_who, nf]),
            np.concatenate([g_day, nf_day]),
            np.concatenate([amount, nf_amount]).astype(np.int64),
        )

    def _simple(self, who: np.ndarray, anchor: np.ndarray, late: np.ndarray) -> None:
        if not who.size:
            return
        rng = self.rng
        f = Flow(self, "late_filing", self.tp.branch[who], who, anchor)
        kinds = ["amount_out_of_range", "uncertified_officer"]
        fault = f.choose_faults(self.cfg.fault_rate / 2, kinds)
        amount = (np.clip(50 + late * 20, 50, R.SIMPLE_PENALTY_MAX) // 50 * 50 * 100).astype(
            np.int64
        )
        high = fault == 0
        amount = np.where(high, rng.integers(35, 80, f.n) * 100 * 100, amount)
        decide = f.step(
            "decide", "APPROVE", amount=amount, basis=_basis("late"), doc=DOC_TYPES.index("简罚")
        )
        f.step("serve", "APPROVE", officer=decide.officer)
        f.step("execute", "EXECUTE", gap=(0, 8), amount=amount)
        f.step("close", "APPROVE", gap=(0, 1), officer=decide.officer)
        self._label(
            f,
            high,
            "decide",
            "amount_out_of_range",
            lambda i: (
                f"simple-procedure penalty of {amount[i] // 100} yuan exceeds "
                f"{R.SIMPLE_PENALTY_MAX} yuan"
            ),
        )
        self._uncertified(f, "decide", fault == 1)

    def _general(
        self,
        who: np.ndarray,
        anchor: np.ndarray,
        amount: np.ndarray,
        bureau: bool = False,
        inspect_days: np.ndarray | None = None,
    ) -> Flow | None:
        if not who.size:
            return None
        rng, tp = self.rng, self.tp
        group = np.full(who.size, self.org.n_branches) if bureau else tp.branch[who]
        kind = "evasion" if bureau else "late_filing"
        f = Flow(self, kind, group, who, anchor)
        kinds = [
            "out_of_order",
            "same_officer",
            "no_legal_basis",
            "uncertified_officer",
            "overdue_step",
            "missing_notify",
        ]
        if not bureau:
            kinds.append("amount_out_of_range")
        fault = f.choose_faults(self.cfg.fault_rate, kinds)
        lo, hi = R.LATE_PENALTY_RANGE
        out_of_range = (
            (fault == kinds.index("amount_out_of_range"))
            if not bureau
            else (np.zeros(f.n, dtype=bool))
        )
        amount = np.where(
            out_of_range, rng.integers(hi // 100 + 20, hi // 100 + 200, f.n) * 100 * 100, amount
        )
        first_post = "INSPECT" if bureau else "INVESTIGATE"
        first_step = "inspect" if bureau else "investigate"
        # An inspection lasts until shortly before the audit's decision.
        dur = np.maximum(inspect_days, 3) if inspect_days is not None else rng.integers(2, 10, f.n)
        investigate = f.step(first_step, first_post, dur=dur)
        missing = fault == kinds.index("missing_notify")
        notice = "稽罚告" if bureau else "罚告"
        notify = f.step(
            "notify",
            first_post,
            gap=(0, 2),
            mask=~missing,
            basis=_basis("late_notify"),
            doc=DOC_TYPES.index(notice),
        )
        hearing = (amount >= R.HEARING_THRESHOLD * 100) & (rng.random(f.n) < 0.35) & ~missing
        f.step("hear", "AUDIT", gap=(3, 5), mask=hearing, basis=_basis("hearing"))
        f.step("approve", "AUDIT", gap=(3, 5), dur=(0, 1))
        same = fault == kinds.index("same_officer")
        leader = self.org.pick(f.group, "LEADER", rng)
        decision = "稽罚" if bureau else "罚"
        decide = f.step(
            "decide",
            "LEADER",
            gap=(0, 2),
            amount=amount,
            officer=np.where(same, investigate.officer, leader),
            basis=_basis("evasion" if bureau else "late"),
            doc=DOC_TYPES.index(decision),
        )
        overdue = fault == kinds.index("overdue_step")
        serve_gap = np.where(overdue, rng.integers(8, 16, f.n), rng.integers(0, 2, f.n))
        serve = f.step("serve", "EXECUTE", gap=serve_gap)
        # Limit: never overrun by chance (holidays); the planted ones overrun on purpose.
        ok = ~overdue & (serve.s_day - decide.e_day > R.SERVE_WITHIN_DAYS)
        serve.s_day[ok] = decide.e_day[ok]
        serve.s_min[ok] = np.minimum(decide.e_min[ok] + 10, DAY_END - 20)
        serve.e_day[ok] = serve.s_day[ok]
        serve.e_min[ok] = serve.s_min[ok] + 10
        f.day = np.where(ok, serve.e_day, f.day)
        f.min = np.where(ok, serve.e_min, f.min)
        f.step("execute", "EXECUTE", gap=(1, 10), amount=amount)
        f.step("close", first_post, gap=(0, 2), officer=investigate.officer)
        # Faults that change the record, not the timing.
        swap = (fault == kinds.index("out_of_order")) & ~missing
        for attr in ("s_day", "s_min", "e_day", "e_min"):
            a, b = getattr(notify, attr), getattr(decide, attr)
            a[swap], b[swap] = b[swap].copy(), a[swap].copy()
        self._label(
            f,
            swap,
            "decide",
            "out_of_order",
            lambda i: "decided before the taxpayer was notified of the proposed penalty (告知)",
        )
        self._label(
            f,
            same,
            "decide",
            "same_officer",
            lambda i: (
                f"officer {self.org.officer_id[investigate.officer[i]]} both "
                f"{first_step}ed and decided"
            ),
        )
        nobasis = fault == kinds.index("no_legal_basis")
        decide.basis[nobasis] = -1
        self._label(
            f,
            nobasis,
            "decide",
            "no_legal_basis",
            lambda i: "penalty decided without a legal basis",
        )
        self._uncertified(f, "decide", fault == kinds.index("uncertified_officer"))
        self._label(
            f,
            overdue,
            "serve",
            "overdue_step",
            lambda i: (
                f"decision served {serve.s_day[i] - decide.e_day[i]} days after "
                f"it was made (limit {R.SERVE_WITHIN_DAYS})"
            ),
        )
        self._label(
            f,
            missing,
            "decide",
            "missing_notify",
            lambda i: (
                "decided without notifying the taxpayer of the proposed penalty "
                "and of the right to a hearing"
            ),
        )
        self._label(
            f,
            out_of_range,
            "decide",
            "amount_out_of_range",
            lambda i: (
                f"penalty of {amount[i] // 100} yuan outside the legal range "
                f"{lo}–{hi} yuan of {R.LAW['late']}"
            ),
        )
        return f

    def inspections(self, audits: Audits) -> np.ndarray:
        """Penalty matters of adjusted audits; returns each audit's decision day (-1)."""
        decided = np.full(audits.n, -1, dtype=np.int64)
        sel = np.flatnonzero((audits.outcome == ADJUSTED) & (audits.penalty > 0))
        if not sel.size:
            return decided
        wd = self.days.working_days_between(audits.selected[sel], audits.closed[sel])
        f = self._general(
            audits.who[sel],
            audits.selected[sel],
            audits.penalty[sel],
            bureau=True,
            inspect_days=np.maximum(wd - 12, 3),
        )
        if f is not None:
            decide = f.parts["decide"]
            decided[sel] = decide.e_day
            # A fine for invoice violations without tax lost rests on the invoice rules.
            fine_only = (audits.adjustment[sel] == 0) & (decide.basis >= 0)
            decide.basis[fine_only] = _basis("invoice")
        return decided

    # --- faults -----------------------------------------------------------------------------------

    def _label(self, f: Flow, mask: np.ndarray, step: str, fault: str, detail) -> None:
        for i in np.flatnonzero(mask):
            self.faults.append(Fault(int(f.cases[i]), step, fault, detail(int(i))))

    def _uncertified(self, f: Flow, step: str, mask: np.ndarray) -> None:
        """An officer not qualified on the day acts in ``step``."""
        part = f.parts[step]
        org = self.org
        pool = org.uncertified
        for i in np.flatnonzero(mask):
            day = int(part.s_day[i])
            cand = pool[(org.certified_until[pool] < 0) | (org.certified_until[pool] < day)]
            same_group = cand[org.officer_group[cand] == f.group[i]]
            cand = same_group if same_group.size else cand
            o = int(cand[self.rng.integers(0, cand.size)])
            part.officer[i] = o
            cert = int(org.certified_until[o])
            why = (
                "has no enforcement qualification"
                if cert < 0
                else f"whose qualification lapsed on {A.to_date(cert).isoformat()}"
            )
            self.faults.append(
                Fault(
                    int(f.cases[i]),
                    step,
                    "uncertified_officer",
                    f"officer {org.officer_id[o]} {why} acted on {A.to_date(day).isoformat()}",
                )
            )

    # --- output ----------------------------------------------------------------------------------

    def columns(self) -> tuple[dict[str, object], list[tuple[str, str, str, str]]]:
        """The table, and the fault labels (action_id, case_id, fault, detail)."""
        rows: dict[str, list[np.ndarray]] = {
            k: []
            for k in (
                "case",
                "order",
                "step",
                "officer",
                "start",
                "end",
                "amount",
                "basis",
                "doc",
                "group",
                "taxpayer",
                "item",
            )
        }
        rng = self.rng
        for f in self.flows:
            for position, part in enumerate(f.parts.values()):
                m = part.mask
                k = int(m.sum())
                rows["case"].append(f.cases[m])
                rows["order"].append(np.full(k, position))
                rows["step"].append(np.full(k, STEPS.index(part.step)))
                rows["officer"].append(part.officer[m])
                rows["start"].append(
                    part.s_day[m] * 86400 + part.s_min[m] * 60 + rng.integers(0, 60, k)
                )
                rows["end"].append(
                    part.e_day[m] * 86400 + part.e_min[m] * 60 + rng.integers(0, 60, k)
                )
                rows["amount"].append(part.amount[m])
                rows["basis"].append(part.basis[m])
                rows["doc"].append(part.doc[m])
                rows["group"].append(f.group[m])
                rows["taxpayer"].append(f.taxpayer[m])
                rows["item"].append(np.full(k, ITEM_KINDS.index(f.kind)))
        r = {k: np.concatenate(v) if v else np.zeros(0, dtype=np.int64) for k, v in rows.items()}
        r["end"] = np.maximum(r["end"], r["start"])
        # Cut at the moment of the extract: later steps do not exist yet; running ones are open.
        cut = A.day_number(self.cfg.extracted_on) * 86400 + 2 * 3600
        keep = r["start"] < cut
        r = {k: v[keep] for k, v in r.items()}
        open_ = r["end"] >= cut
        # Matters numbered in the order they began; steps in procedure order.
        n_cases = self.cases
        first = np.full(n_cases, np.iinfo(np.int64).max)
        np.minimum.at(first, r["case"], r["start"])
        case_rank = np.empty(n_cases, dtype=np.int64)
        case_rank[np.lexsort((np.arange(n_cases), first))] = np.arange(n_cases)
        order = np.lexsort((r["order"], case_rank[r["case"]]))
        r = {k: v[order] for k, v in r.items()}
        open_ = open_[order]
        t = r["case"].size
        action_ids = A.codes("ZF", np.arange(1, t + 1), 12)
        case_no = case_rank[r["case"]] + 1
        case_ids = A.codes("AJ", case_no, 10)
        docs = self._document_numbers(r)
        officer_units = np.array(self.org.officer_unit, dtype=object)
        table = {
            "action_id": action_ids,
            "case_id": case_ids,
            "item_code": A.take([R.ITEMS[k][0] for k in ITEM_KINDS], r["item"]),
            "taxpayer_id": A.take(self.tp.ids, r["taxpayer"]),
            "step": A.take(list(STEPS), r["step"]),
            "officer_id": A.take(self.org.officer_id, r["officer"]),
            "unit_code": pa.array(officer_units[r["officer"]], pa.string()),
            "started_at": A.timestamps(r["start"]),
            "completed_at": A.timestamps(r["end"], null=open_),
            "amount": A.decimal(np.maximum(r["amount"], 0), null=r["amount"] < 0),
            "legal_basis": A.take(BASES, r["basis"]),
            "document_no": docs,
        }
        # Fault labels: the labelled step's row, if it exists yet.
        key = r["case"] * 16 + r["step"]
        by_key = np.argsort(key)
        wanted = np.array(
            [fl.case * 16 + STEPS.index(fl.step) for fl in self.faults], dtype=np.int64
        )
        at = np.searchsorted(key[by_key], wanted)
        labels = []
        for fl, j, w in zip(self.faults, at.tolist(), wanted.tolist(), strict=True):
            if j < key.size and key[by_key[j]] == w:
                i = int(by_key[j])
                labels.append((action_ids[i].as_py(), case_ids[i].as_py(), fl.fault, fl.detail))
        labels.sort()
        return table, labels

    def _document_numbers(self, r: dict[str, np.ndarray]) -> pa.Array:
        has = np.flatnonzero(r["doc"] >= 0)
        out: list[str | None] = [None] * r["case"].size
        if not has.size:
            return pa.array(out, pa.string())
        years = (
            np.datetime64("1970-01-01") + (r["start"][has] // 86400).astype("timedelta64[D]")
        ).astype("datetime64[Y]").astype(int) + 1970
        order = np.lexsort((r["start"][has], years, r["doc"][has], r["group"][has]))
        counter: dict[tuple[int, int, int], int] = {}
        shorts = [*self.org.branch_short, ""]
        for j in order:
            i = int(has[j])
            key = (int(r["group"][i]), int(r["doc"][i]), int(years[j]))
            counter[key] = counter.get(key, 0) + 1
            short = shorts[key[0]] if DOC_TYPES[key[1]][0] != "稽" else ""
            out[i] = f"{R.CITY_SHORT}税{short}{DOC_TYPES[key[1]]}〔{key[2]}〕{counter[key]}号"
        return pa.array(out, pa.string())
