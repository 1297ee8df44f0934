"""The city's fixed part: units, staff, taxpayers, trading relationships and the plan of
planted non-compliance. Everything is arrays indexed by taxpayer number (0..n-1)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import arrays as A
from . import reference as R
from .config import PATTERNS, Config
from .days import Days

PATTERN_NAMES = list(PATTERNS)
PATTERN_CODE = {name: i + 1 for i, name in enumerate(PATTERN_NAMES)}  # 0 = none
P_UNDER = PATTERN_CODE["under_reported_sales"]
P_UNFILED = PATTERN_CODE["invoices_without_filings"]
P_SHELL = PATTERN_CODE["shell_company"]
P_CIRCULAR = PATTERN_CODE["circular_invoicing"]
P_FAKE_INPUT = PATTERN_CODE["fake_input_invoices"]
P_ZERO = PATTERN_CODE["zero_filing_streak"]
P_RED = PATTERN_CODE["red_letter_abuse"]
P_JUST_UNDER = PATTERN_CODE["just_under_limit"]

NORMAL, ABNORMAL, DEREGISTERED = 0, 1, 2
STATUS_NAMES = ["normal", "abnormal", "deregistered"]
NO_DAY = np.iinfo(np.int32).max  # "never" for status changes


def chinese_number(n: int) -> str:
    """1 -> 一, 12 -> 十二, 105 -> 一百零五 (up to 9999)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d:
            if zero and out:
                out += "零"
            out += digits[d] + unit
            zero = False
        elif out:
            zero = True
    return out


@dataclass
class Months:
    """The extract's months, index 0..m-1."""

    year: np.ndarray
    month: np.ndarray
    start: np.ndarray  # day numbers
    end: np.ndarray
    due: np.ndarray  # the VAT/IIT deadline of a return for the month (15th of the next)

    @property
    def n(self) -> int:
        return int(self.year.size)

    def quarter_end(self, m: int) -> bool:
        return int(self.month[m]) % 3 == 0

    def full_quarter(self, m: int) -> bool:
        return self.quarter_end(m) and m >= 2

    def full_year(self, m: int) -> bool:
        return int(self.month[m]) == 12 and m >= 11

    def index(self, day: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.start, day, side="right") - 1


def make_months(cfg: Config, days: Days) -> Months:
    first = cfg.period_from
    ys, ms, starts, ends, dues = [], [], [], [], []
    y, m = first.year, first.month
    for _ in range(cfg.months):
        start = dt.date(y, m, 1)
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        end = dt.date(ny, nm, 1) - dt.timedelta(days=1)
        ys.append(y)
        ms.append(m)
        starts.append(A.day_number(start))
        ends.append(A.day_number(end))
        dues.append(A.day_number(days.filing_due(dt.date(ny, nm, 15))))
        y, m = ny, nm
    return Months(np.array(ys), np.array(ms), np.array(starts), np.array(ends), np.array(dues))


# --- organisation -----------------------------------------------------------------------------


@dataclass
class Org:
    unit_code: list[str]
    unit_name: list[str]
    unit_parent: list[str | None]
    unit_kind: list[str]
    branch_code: list[str]  # index b; the bureau is group n_branches
    branch_short: list[str]  # Chinese numeral for document numbers ("" for the bureau)
    branch_district: list[tuple[str, str]]
    officer_id: list[str]
    officer_name: list[str]
    officer_unit: list[str]
    officer_post: list[str]
    officer_group: np.ndarray  # branch index, or n_branches for the bureau
    certified_until: np.ndarray  # day number, -1 = null
    active: np.ndarray
    good: dict[tuple[int, str], np.ndarray] = field(default_factory=dict)
    uncertified: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _pools: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def n_branches(self) -> int:
        return len(self.branch_code)

    def pick(self, group: np.ndarray, post: str, rng: np.random.Generator) -> np.ndarray:
        """A qualified, active officer of ``post`` in each group (vectorised); a group
        without one borrows the bureau's."""
        if post not in self._pools:
            bureau = self.good[(self.n_branches, post)]
            pools = [self.good.get((g, post), bureau) for g in range(self.n_branches + 1)]
            pools = [p if p.size else bureau for p in pools]
            counts = np.array([p.size for p in pools])
            offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
            self._pools[post] = (offsets, counts, np.concatenate(pools))
        offsets, counts, flat = self._pools[post]
        group = np.asarray(group, dtype=np.int64)
        u = rng.random(group.size)
        return flat[offsets[group] + (u * counts[group]).astype(np.int64)]


def make_org(cfg: Config, rng: np.random.Generator, days: Days) -> Org:
    nb = max(R.MIN_BRANCHES, round(cfg.taxpayers / R.TAXPAYERS_PER_BRANCH))
    width = max(2, len(str(nb)))
    unit_code: list[str] = [R.BUREAU_CODE]
    unit_name: list[str] = [R.BUREAU_NAME]
    unit_parent: list[str | None] = [None]
    unit_kind: list[str] = ["bureau"]
    branch_code: list[str] = []
    branch_short: list[str] = []
    branch_district: list[tuple[str, str]] = []
    for b in range(nb):
        code = f"SF{b + 1:0{width}d}"
        district = R.DISTRICTS[b % len(R.DISTRICTS)]
        branch_code.append(code)
        branch_short.append(chinese_number(b + 1))
        branch_district.append(district)
        unit_code.append(code)
        unit_name.append(f"{R.BUREAU_NAME}第{chinese_number(b + 1)}税务分局")
        unit_parent.append(R.BUREAU_CODE)
        unit_kind.append("branch")
    officers: list[tuple[str, str, int]] = []  # unit, post, group
    for suffix, name, posts in R.BUREAU_DEPARTMENTS:
        code = f"{R.BUREAU_CODE}-{suffix}"
        unit_code.append(code)
        unit_name.append(f"{R.BUREAU_NAME}{name}")
        unit_parent.append(R.BUREAU_CODE)
        unit_kind.append("department")
        officers += [(code, post, nb) for post in posts]
    for b, bcode in enumerate(branch_code):
        for suffix, name, posts in R.BRANCH_DEPARTMENTS:
            code = f"{bcode}-{suffix}"
            unit_code.append(code)
            unit_name.append(f"{unit_name[b + 1]}{name}")
            unit_parent.append(bcode)
            unit_kind.append("department")
            officers += [(code, post, b) for post in posts]
    n = len(officers)
    group = np.array([o[2] for o in officers], dtype=np.int64)
    post = [o[1] for o in officers]
    # The first officer of each post in each group is always qualified and active.
    seen: set[tuple[int, str]] = set()
    first = np.zeros(n, dtype=bool)
    for i, (_, p, g) in enumerate(officers):
        if (g, p) not in seen:
            seen.add((g, p))
            first[i] = True
    end = A.day_number(cfg.extracted_on)
    start = A.day_number(cfg.period_from)
    certified = end + rng.integers(180, 5 * 365, n)
    u = rng.random(n)
    uncert = ~first & (u < R.UNCERTIFIED_SHARE)
    expired = ~first & (u >= R.UNCERTIFIED_SHARE) & (u < R.UNCERTIFIED_SHARE + R.EXPIRED_SHARE)
    inactive = ~first & (rng.random(n) < R.INACTIVE_SHARE) & ~uncert & ~expired
    spare = np.flatnonzero(~first & (np.array(post) != "GENERAL"))
    # At least one of each kind, so the faults and the tests always have them.
    for mask in (uncert, expired, inactive):
        if not mask.any():
            free = spare[~(uncert | expired | inactive)[spare]]
            mask[free[int(rng.integers(0, free.size))]] = True
    certified = np.where(uncert, -1, certified)
    span = max(1, end - start)
    certified = np.where(expired, start + rng.integers(0, max(1, span // 2), n), certified)
    active = ~inactive
    names = _person_names(rng, n)
    officer_id = [
        f"1{R.REGION_PREFIX}00{i + 1:04d}" if n < 10_000 else f"1{R.REGION_PREFIX}{i + 1:06d}"
        for i in range(n)
    ]
    org = Org(
        unit_code,
        unit_name,
        unit_parent,
        unit_kind,
        branch_code,
        branch_short,
        branch_district,
        officer_id,
        names,
        [o[0] for o in officers],
        post,
        group,
        certified.astype(np.int64),
        active,
    )
    qualified = active & (certified >= end)
    for g, p in seen:
        sel = np.flatnonzero(qualified & (group == g) & (np.array(post) == p))
        org.good[(g, p)] = sel
    org.uncertified = np.flatnonzero(uncert | expired)
    return org


def _person_names(rng: np.random.Generator, n: int) -> list[str]:
    s = rng.integers(0, len(R.SURNAMES), n)
    g = rng.integers(0, len(R.GIVEN), n)
    return [R.SURNAMES[a] + R.GIVEN[b] for a, b in zip(s, g, strict=True)]


def org_tables(org: Org) -> tuple[dict[str, object], dict[str, object]]:
    units = {
        "unit_code": org.unit_code,
        "name": org.unit_name,
        "parent_code": org.unit_parent,
        "kind": org.unit_kind,
    }
    cert = org.certified_until
    staff = {
        "officer_id": org.officer_id,
        "name": org.officer_name,
        "unit_code": org.officer_unit,
        "post_code": org.officer_post,
        "certified_until": A.dates(np.maximum(cert, 0), null=cert < 0),
        "active": pa.array(org.active),
    }
    return units, staff


# --- taxpayers --------------------------------------------------------------------------------


@dataclass
class Taxpayers:
    n: int
    ids: pa.StringArray
    names: pa.Array
    industry: np.ndarray  # index into R.INDUSTRIES
    branch: np.ndarray
    size: np.ndarray
    general: np.ndarray
    credit: np.ndarray  # index into R.CREDIT_GRADES, -1 = null
    status: np.ndarray
    status_since: np.ndarray
    registered: np.ndarray
    individual: np.ndarray  # 个体工商户 (USCC type 92): no CIT
    rep: np.ndarray
    address: np.ndarray
    mobile: pa.Array
    activity: np.ndarray
    median: np.ndarray  # median invoice amount, yuan
    limit_c: np.ndarray  # per-invoice limit, cents
    margin: np.ndarray
    employees: np.ndarray
    cit_rate: np.ndarray
    outside_ids: pa.StringArray  # buyers outside the bureau
    rep_salt: int = 0
    address_salt: int = 0
    fade: np.ndarray | None = None  # the day an abnormal taxpayer stops trading and filing

    def fading(self, start: int, end: int) -> np.ndarray:
        """Taxpayers in the months before they vanish (abnormal): no trade, no returns."""
        assert self.fade is not None
        return (self.fade <= end) & (self.status_since > start)

    def active_on(self, day: np.ndarray, who: np.ndarray) -> np.ndarray:
        return (self.registered[who] <= day) & (
            (self.status[who] == NORMAL) | (self.status_since[who] > day)
        )

    def active_in_month(self, start: int, end: int) -> np.ndarray:
        return (self.registered <= end) & ((self.status == NORMAL) | (self.status_since > start))

    def table(self) -> dict[str, object]:
        credit = self.credit
        grades = A.take(R.CREDIT_GRADES, credit)
        return {
            "taxpayer_id": self.ids,
            "name": self.names,
            "industry": A.take([ind.code for ind in R.INDUSTRIES], self.industry),
            "unit_code": None,  # filled by the caller (needs the org)
            "registered_on": A.dates(self.registered),
            "vat_status": A.take(["small_scale", "general"], self.general.astype(np.int64)),
            "size": A.take(R.SIZES, self.size),
            "credit_grade": grades,
            "status": A.take(STATUS_NAMES, self.status),
            "status_since": A.dates(
                np.where(self.status == NORMAL, self.registered, self.status_since)
            ),
            "legal_rep": A.scoped_keys("P", self.rep, self.rep_salt),
            "address_key": A.scoped_keys("A", self.address, self.address_salt),
            "mobile": self.mobile,
        }


def _unique_bodies(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct eight-digit organisation numbers."""
    out = np.unique(rng.integers(10_000_000, 100_000_000, int(n * 1.05) + 16))
    while out.size < n:
        out = np.unique(np.concatenate([out, rng.integers(10_000_000, 100_000_000, n)]))
    return rng.permutation(out)[:n]


def _choose(rng: np.random.Generator, n: int, shares: list[float]) -> np.ndarray:
    p = np.asarray(shares, dtype=np.float64)
    return rng.choice(p.size, size=n, p=p / p.sum())


def make_taxpayers(cfg: Config, rng: np.random.Generator, org: Org) -> Taxpayers:
    n = cfg.taxpayers
    nb = org.n_branches
    start = A.day_number(cfg.period_from)
    end = A.day_number(cfg.period_to)
    branch = rng.integers(0, nb, n)
    industry = _choose(rng, n, [ind.weight for ind in R.INDUSTRIES])
    size = _choose(rng, n, R.SIZE_SHARES)
    general = rng.random(n) < np.asarray(R.GENERAL_SHARE_BY_SIZE)[size]
    # Registration: most before the period (older firms are rarer), some during it.
    new = rng.random(n) < R.NEW_IN_PERIOD_SHARE
    age = np.minimum(rng.exponential(6.5 * 365, n).astype(np.int64) + 30, 30 * 365)
    registered = np.where(new, rng.integers(start, max(start + 1, end - 60), n), start - age)
    grade_u = rng.random(n)
    cum = np.cumsum(np.asarray(R.CREDIT_SHARES_BY_SIZE), axis=1)[size]
    credit = (grade_u[:, None] >= cum).sum(axis=1)
    credit = np.where(credit >= len(R.CREDIT_GRADES), -1, credit)
    credit = np.where(new & (rng.random(n) < 0.6), -1, credit)  # new firms: not yet graded
    individual = (size == 0) & ~general & (rng.random(n) < R.INDIVIDUAL_BUSINESS_SHARE)
    # Unified Social Credit Codes: the region code of the managing branch's district.
    n_out = max(200, n // 3)
    bodies = _unique_bodies(rng, n + n_out)
    districts = np.array([int(R.REGION_PREFIX + d[0]) for d in org.branch_district])
    ids = A.uscc(np.where(individual, 92, 91), districts[branch], bodies[:n])
    out_regions = np.array([int(r) for r in R.OUTSIDE_REGIONS])
    outside_ids = A.uscc(
        np.full(n_out, 91), out_regions[rng.integers(0, out_regions.size, n_out)], bodies[n:]
    )
    # Legal representatives and addresses: most unique, some shared.
    rep = np.arange(n, dtype=np.int64)
    serial = rng.random(n) < R.SERIAL_REP_SHARE
    pool = max(3, int(n * R.SERIAL_REPS_PER_ENTERPRISE))
    rep[serial] = n + np.minimum(
        (rng.pareto(1.2, int(serial.sum())) * pool / 6).astype(np.int64), pool - 1
    )
    address = np.arange(n, dtype=np.int64)
    shared = rng.random(n) < R.SHARED_ADDRESS_SHARE
    apool = max(2, int(n * R.SHARED_ADDRESSES_PER_ENTERPRISE))
    address[shared] = n + np.minimum(
        (rng.pareto(1.0, int(shared.sum())) * apool / 5).astype(np.int64), apool - 1
    )
    # Mobiles: valid mainland numbers for most.
    has_mobile = rng.random(n) < R.MOBILE_SHARE
    prefix = rng.integers(0, len(R.MOBILE_PREFIXES), n)
    mobile = A.concat(
        A.take(R.MOBILE_PREFIXES, prefix, null=~has_mobile),
        A.codes("", rng.integers(0, 10**8, n), 8),
    )
    # Activity, amounts, limits, margins.
    activity = np.asarray(R.ACTIVITY_BY_SIZE)[size] * rng.lognormal(0.0, 0.8, n)
    median = np.asarray(R.MEDIAN_AMOUNT_BY_SIZE)[size] * rng.lognormal(0.0, 0.4, n)
    limit = np.empty(n, dtype=np.int64)
    for s, (choices, weights) in enumerate(R.LIMITS_BY_SIZE):
        sel = size == s
        limit[sel] = np.asarray(choices)[_choose(rng, int(sel.sum()), weights)]
    limit = np.where(~general, np.minimum(limit, 100_000), limit)
    margins = np.array([ind.margin for ind in R.INDUSTRIES])[industry] + rng.normal(0, 0.04, n)
    lo = np.array([e[0] for e in R.EMPLOYEES_BY_SIZE])[size]
    hi = np.array([e[1] for e in R.EMPLOYEES_BY_SIZE])[size]
    employees = rng.integers(lo, hi)
    employees = np.where((size == 0) & (rng.random(n) < 0.75), 0, employees)
    codes = np.array([ind.code for ind in R.INDUSTRIES])
    high_tech = (
        np.isin(codes[industry], list(R.HIGH_TECH_DIVISIONS)) & (size >= 2) & (rng.random(n) < 0.4)
    )
    cit_rate = np.where(size <= 1, 0.05, np.where(high_tech, 0.15, 0.25))
    names = _company_names(rng, industry, individual, size, branch, org)
    return Taxpayers(
        n=n,
        ids=ids,
        names=names,
        industry=industry,
        branch=branch,
        size=size,
        general=general,
        credit=credit,
        status=np.zeros(n, dtype=np.int64),
        status_since=np.full(n, NO_DAY, dtype=np.int64),
        registered=registered.astype(np.int64),
        individual=individual,
        rep=rep,
        address=address,
        mobile=mobile,
        activity=activity,
        median=median,
        limit_c=limit * 100,
        margin=margins,
        employees=employees,
        cit_rate=cit_rate,
        outside_ids=outside_ids,
        rep_salt=int(rng.integers(1, 2**47)),
        address_salt=int(rng.integers(1, 2**47)),
    )


def _company_names(
    rng: np.random.Generator,
    industry: np.ndarray,
    individual: np.ndarray,
    size: np.ndarray,
    branch: np.ndarray,
    org: Org,
) -> pa.Array:
    n = industry.size
    first = A.take(list(R.FIRST_CHARS), rng.integers(0, len(R.FIRST_CHARS), n))
    second = A.take(list(R.SECOND_CHARS), rng.integers(0, len(R.SECOND_CHARS), n))
    words_flat: list[str] = []
    offsets = []
    for ind in R.INDUSTRIES:
        offsets.append(len(words_flat))
        words_flat += list(ind.words)
    counts = np.array([len(ind.words) for ind in R.INDUSTRIES])
    word_idx = np.array(offsets)[industry] + (rng.random(n) * counts[industry]).astype(np.int64)
    word = A.take(words_flat, word_idx)
    suffix_idx = rng.integers(0, len(R.SUFFIXES), n)
    suffix = A.take(R.SUFFIXES, suffix_idx)
    large = A.take(R.LARGE_SUFFIXES, rng.integers(0, len(R.LARGE_SUFFIXES), n))
    suffix = pc.if_else(pa.array(size == 3), large, suffix)
    district = A.take([d[1] for d in org.branch_district], branch)
    city = pa.array([R.CITY] * n, pa.string()) if n else pa.array([], pa.string())
    company = A.concat(city, first, second, word, suffix)
    shop = A.concat(
        city,
        district,
        first,
        second,
        word,
        A.take(["经营部", "店", "工作室"], rng.integers(0, 3, n)),
    )
    return pc.if_else(pa.array(individual), shop, company)


def assign_status(
    cfg: Config, rng: np.random.Generator, tp: Taxpayers, planted: np.ndarray, months: Months
) -> None:
    """Abnormal (非正常户) and deregistered taxpayers, among those not planted."""
    start = A.day_number(cfg.period_from)
    end = A.day_number(cfg.period_to)
    u = rng.random(tp.n)
    lo = np.maximum(tp.registered + 120, start + 30)
    ok = (lo < end - 10) & (planted == 0)
    since = lo + (rng.random(tp.n) * np.maximum(end - 10 - lo, 1)).astype(np.int64)
    abnormal = ok & (u < R.ABNORMAL_SHARE)
    dereg = ok & (u >= R.ABNORMAL_SHARE) & (u < R.ABNORMAL_SHARE + R.DEREGISTERED_SHARE)
    tp.status[abnormal] = ABNORMAL
    tp.status[dereg] = DEREGISTERED
    tp.status_since[abnormal | dereg] = since[abnormal | dereg]
    tp.credit[abnormal] = np.where(rng.random(int(abnormal.sum())) < 0.7, 4, -1)  # D
    # An ordinary abnormal taxpayer stops trading and filing about three months before it is
    # declared abnormal, from the start of a filing period (a quarter for small-scale ones).
    fade_month = np.clip(months.index(tp.status_since - 92), 0, months.n - 1)
    quarter_start = fade_month - (months.month[fade_month] - 1) % 3
    fade_month = np.where(tp.general, fade_month, np.maximum(quarter_start, 0))
    tp.fade = np.where(abnormal, months.start[fade_month], NO_DAY).astype(np.int64)


# --- trading relationships --------------------------------------------------------------------


@dataclass
class Network:
    """Stable supplier -> customer relationships, grouped by supplier (CSR)."""

    offsets: np.ndarray  # n + 1
    buyer: np.ndarray
    cumw: np.ndarray  # cumulative weights in supplier order

    def degree(self) -> np.ndarray:
        return np.diff(self.offsets)

    def pick(self, seller: np.ndarray, u: np.ndarray) -> np.ndarray:
        """A customer of each seller, by relationship weight (sellers need degree ≥ 1)."""
        lo = self.offsets[seller]
        hi = self.offsets[seller + 1]
        base = np.where(lo > 0, self.cumw[np.maximum(lo - 1, 0)], 0.0)
        top = self.cumw[hi - 1]
        target = base + u * (top - base)
        edge = np.searchsorted(self.cumw, target, side="right")
        return self.buyer[np.clip(edge, lo, hi - 1)]


def _industry_matrix() -> np.ndarray:
    k = len(R.INDUSTRIES)
    m = np.zeros((k, k))
    for i, ind in enumerate(R.INDUSTRIES):
        for code, w in {**R.COMMON_UPSTREAM, **(ind.upstream or R.DEFAULT_UPSTREAM)}.items():
            if code in R.INDUSTRY_INDEX:
                m[i, R.INDUSTRY_INDEX[code]] += w
    return m  # m[buyer industry, supplier industry]


def _partners(
    rng: np.random.Generator,
    from_industry: np.ndarray,
    matrix: np.ndarray,
    industry: np.ndarray,
    weight: np.ndarray,
) -> np.ndarray:
    """For each row, a taxpayer of an industry drawn from ``matrix[from_industry]``, chosen
    within that industry with probability proportional to ``weight``."""
    k = matrix.shape[0]
    present = np.bincount(industry, minlength=k) > 0
    m = matrix * present[None, :]
    m = m / np.maximum(m.sum(axis=1, keepdims=True), 1e-12)
    flat = (np.cumsum(m, axis=1) + np.arange(k)[:, None]).ravel()
    target = from_industry + rng.random(from_industry.size) * (1 - 1e-9)
    j = np.searchsorted(flat, target, side="right")
    to_industry = np.clip(j - from_industry * k, 0, k - 1)
    order = np.argsort(industry, kind="stable")
    w = weight[order]
    cw = np.cumsum(w)
    starts = np.searchsorted(industry[order], np.arange(k), side="left")
    ends = np.searchsorted(industry[order], np.arange(k), side="right")
    base = np.where(starts > 0, cw[np.maximum(starts - 1, 0)], 0.0)
    top = cw[np.maximum(ends - 1, 0)]
    lo, hi = base[to_industry], top[to_industry]
    pos = np.searchsorted(cw, lo + rng.random(from_industry.size) * (hi - lo), side="right")
    pos = np.clip(pos, starts[to_industry], np.maximum(ends[to_industry] - 1, 0))
    return order[pos]


def make_network(rng: np.random.Generator, tp: Taxpayers) -> Network:
    n = tp.n
    matrix = _industry_matrix()
    # Each buyer's suppliers, preferring the big and active (preferential attachment).
    k_buy = np.round(np.array([3, 6, 15, 30])[tp.size] * rng.uniform(0.5, 1.5, n)).astype(np.int64)
    buyers = np.repeat(np.arange(n), k_buy)
    sellers = _partners(rng, tp.industry[buyers], matrix, tp.industry, tp.activity**1.3)
    # Each seller's own few customers, downstream.
    k_sell = rng.integers(1, 4, n)
    s2 = np.repeat(np.arange(n), k_sell)
    b2 = _partners(rng, tp.industry[s2], matrix.T.copy(), tp.industry, np.sqrt(tp.activity))
    seller = np.concatenate([sellers, s2])
    buyer = np.concatenate([buyers, b2])
    keep = seller != buyer
    key = np.unique(seller[keep].astype(np.int64) * n + buyer[keep])
    seller, buyer = key // n, key % n
    weight = rng.lognormal(0, 1, key.size) * np.sqrt(tp.activity[buyer])
    offsets = np.concatenate([[0], np.cumsum(np.bincount(seller, minlength=n))])
    return Network(offsets=offsets, buyer=buyer.astype(np.int64), cumw=np.cumsum(weight))


# --- the plan of planted non-compliance -------------------------------------------------------


@dataclass
class Plan:
    pattern: np.ndarray  # per taxpayer, 0 = none
    m0: np.ndarray  # first month of the pattern (index), per taxpayer
    m1: np.ndarray  # last month
    factor: np.ndarray  # share of sales declared (under-reporting)
    shell_recipients: dict[int, np.ndarray] = field(default_factory=dict)
    rings: list[np.ndarray] = field(default_factory=list)
    ring_base_c: list[int] = field(default_factory=list)
    ring_shared: list[str] = field(default_factory=list)
    recipient_shell: dict[int, int] = field(default_factory=dict)

    def in_span(self, m: int) -> np.ndarray:
        return (self.m0 <= m) & (m <= self.m1)


def make_plan(cfg: Config, rng: np.random.Generator, tp: Taxpayers, months: Months) -> Plan:
    n, nm = tp.n, months.n
    plan = Plan(
        np.zeros(n, dtype=np.int64),
        np.full(n, nm, dtype=np.int64),
        np.full(n, -1, dtype=np.int64),
        np.ones(n),
    )
    total = round(n * cfg.noncompliance)
    if total == 0:
        return plan
    start = A.day_number(cfg.period_from)
    counts = {name: max(1, round(total * share)) for name, share in PATTERNS.items()}
    counts["circular_invoicing"] = max(3, counts["circular_invoicing"])
    counts["fake_input_invoices"] = max(2, counts["fake_input_invoices"])
    # Established, ordinary taxpayers are the candidates (shells are created new).
    pool = np.flatnonzero((tp.registered < start) & ~tp.individual)
    pool = rng.permutation(pool)
    taken = 0

    def draw(k: int, general_only: bool = False) -> np.ndarray:
        nonlocal taken
        out: list[int] = []
        while len(out) < k and taken < pool.size:
            i = int(pool[taken])
            taken += 1
            if general_only and not tp.general[i]:
                continue
            out.append(i)
        return np.array(out, dtype=np.int64)

    def span(idx: np.ndarray, lo: int, hi: int, quarterly: bool = True) -> None:
        length = np.minimum(rng.integers(lo, hi + 1, idx.size), nm)
        m0 = (rng.random(idx.size) * (nm - length + 1)).astype(np.int64)
        m1 = m0 + length - 1
        if quarterly:  # small-scale taxpayers file quarterly: whole quarters
            small = ~tp.general[idx]
            q0 = m0 - (months.month[m0] - 1) % 3
            q1 = m1 + (2 - (months.month[m1] - 1) % 3)
            m0 = np.where(small, np.maximum(q0, 0), m0)
            m1 = np.where(small, np.minimum(q1, nm - 1), m1)
        plan.m0[idx], plan.m1[idx] = m0, m1

    def mark(idx: np.ndarray, name: str) -> None:
        plan.pattern[idx] = PATTERN_CODE[name]

    idx = draw(counts["under_reported_sales"])
    mark(idx, "under_reported_sales")
    span(idx, 6, 18)
    plan.factor[idx] = rng.uniform(0.3, 0.7, idx.size)
    tp.activity[idx] = np.maximum(tp.activity[idx], 6.0)
    for name, lo, hi in (
        ("invoices_without_filings", 3, 9),
        ("zero_filing_streak", 6, 15),
        ("red_letter_abuse", 4, 12),
        ("just_under_limit", 4, 12),
    ):
        idx = draw(counts[name])
        mark(idx, name)
        span(idx, lo, hi)
        tp.activity[idx] = np.maximum(tp.activity[idx], 6.0)
    # Circular invoicing: rings of 3-5 general taxpayers sharing a representative or address.
    ring_members = draw(counts["circular_invoicing"], general_only=True)
    pos = 0
    while ring_members.size - pos >= 3:
        k = min(int(rng.integers(3, 6)), ring_members.size - pos)
        if ring_members.size - pos - k in (1, 2):
            k = ring_members.size - pos
        ring = ring_members[pos : pos + k]
        pos += k
        mark(ring, "circular_invoicing")
        length = min(int(rng.integers(6, 19)), nm)
        m0 = int(rng.integers(0, nm - length + 1))
        plan.m0[ring], plan.m1[ring] = m0, m0 + length - 1
        tp.industry[ring] = R.INDUSTRY_INDEX["51"]
        tp.limit_c[ring] = np.maximum(tp.limit_c[ring], 1_000_000 * 100)
        if rng.random() < 0.5:
            tp.rep[ring] = tp.rep[ring[0]]
            plan.ring_shared.append("legal representative")
        else:
            tp.address[ring] = tp.address[ring[0]]
            plan.ring_shared.append("registered address")
        plan.rings.append(ring)
        plan.ring_base_c.append(int(rng.lognormal(np.log(400_000), 0.4) * 100))
    # Shell companies: registered during the period, issue heavily, then vanish (abnormal).
    n_shell = counts["shell_company"]
    shells = draw(n_shell)
    if nm >= 6 and shells.size:
        mark(shells, "shell_company")
        heavy = np.minimum(rng.integers(3, 7, shells.size), nm - 4)
        m0 = 2 + (rng.random(shells.size) * np.maximum(nm - heavy - 3, 1)).astype(np.int64)
        m1 = m0 + heavy - 1
        plan.m0[shells], plan.m1[shells] = m0, m1
        tp.registered[shells] = months.start[m0] - rng.integers(20, 60, shells.size)
        tp.general[shells] = True
        tp.size[shells] = rng.integers(0, 2, shells.size)
        tp.industry[shells] = R.INDUSTRY_INDEX["51"]
        tp.limit_c[shells] = np.where(rng.random(shells.size) < 0.6, 100_000, 1_000_000) * 100
        tp.activity[shells] = rng.uniform(30, 60, shells.size)
        tp.median[shells] = rng.uniform(40_000, 90_000, shells.size)
        tp.credit[shells] = np.where(rng.random(shells.size) < 0.5, 2, -1)
        tp.employees[shells] = 0
        tp.status[shells] = ABNORMAL
        tp.status_since[shells] = np.minimum(
            months.end[m1] + rng.integers(30, 75, shells.size), months.end[nm - 1] - 1
        )
    else:
        shells = np.zeros(0, dtype=np.int64)
    # Fake input invoices: general taxpayers buying special invoices from the shells.
    recipients = draw(counts["fake_input_invoices"], general_only=True)
    if shells.size and recipients.size:
        mark(recipients, "fake_input_invoices")
        owner = shells[np.arange(recipients.size) % shells.size]
        plan.recipient_shell = dict(zip(recipients.tolist(), owner.tolist(), strict=True))
        for j, s in enumerate(shells.tolist()):
            plan.shell_recipients[s] = recipients[j :: shells.size]
    return plan
