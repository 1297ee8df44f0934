"""Reference analyses over the source-extract tables, written once in Ibis.

They show that one definition gives the same rows on DuckDB and on Spark, and they are the
yardstick of the benchmarks. Conventions: money columns are exact decimal sums; ratios are
float64 (null when the denominator is zero); periods are dates (the first day of the month,
quarter or year), taken from dates or from China Standard Time wall-clock timestamps.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

from taxlight.analytics.registry import (
    ZERO,
    Params,
    Tables,
    analysis,
    money,
    month_of,
    period_of,
    ratio,
)
from taxlight.extract import contract

DATE_OR_NULL = {"type": ["string", "null"], "format": "date", "default": None}
TAX_TYPES = list(contract.TABLES["filings"].column("tax_type").enum)
TAX_TYPES_OR_NULL = {
    "type": ["array", "null"],
    "default": None,
    "uniqueItems": True,
    "items": {"enum": TAX_TYPES},
    "description": "null = all",
}


def _between(col: ir.DateValue, params: Params) -> ir.BooleanValue:
    cond = ibis.literal(True)
    if params.get("date_from") is not None:
        cond &= col >= params["date_from"]
    if params.get("date_to") is not None:
        cond &= col <= params["date_to"]
    return cond


def _count_if(cond: ir.BooleanValue) -> ir.IntegerScalar:
    return ibis.ifelse(cond, 1, 0).cast("int64").sum().coalesce(0)


@analysis(
    code="REF-VAT-BURDEN",
    version=1,
    tables=("filings", "taxpayers"),
    key=("period", "industry"),
    params={
        "properties": {
            "granularity": {
                "enum": ["month", "quarter", "year"],
                "default": "month",
                "description": "bucket of the return's period_end",
            },
            "date_from": DATE_OR_NULL | {"description": "first period_end included"},
            "date_to": DATE_OR_NULL | {"description": "last period_end included"},
            "industries": {
                "type": ["array", "null"],
                "default": None,
                "uniqueItems": True,
                "items": {"type": "string", "pattern": r"^\d{2}$"},
                "description": "GB/T 4754-2017 division codes; null = all",
            },
        }
    },
    description_zh="分行业增值税税负：按月（或季、年）和国民经济行业门类代码，"
    "已申报增值税的应纳税额合计除以销售额合计。",
    description_en="VAT burden by industry: VAT payable over declared sales of the filed VAT "
    "returns, per month (or quarter, year) of the return period and GB/T 4754 "
    "division.",
)
def vat_burden(tables: Tables, params: Params) -> ir.Table:
    f = tables.filings
    tp = tables.taxpayers.select("taxpayer_id", "industry")
    f = f.filter(f.tax_type == "VAT", f.filed_on.notnull(), _between(f.period_end, params))
    j = f.join(tp, "taxpayer_id")
    if params["industries"] is not None:
        j = j.filter(j.industry.isin(params["industries"]))
    j = j.mutate(period=period_of(j.period_end, params["granularity"]))
    out = j.group_by("period", "industry").aggregate(
        returns=j.count(),
        taxpayers=j.taxpayer_id.nunique(),
        revenue=money(j.revenue.sum()),
        vat_payable=money(j.tax_payable.sum()),
    )
    return out.mutate(burden=ratio(out.vat_payable, out.revenue))


@analysis(
    code="REF-INVOICE-SELLER",
    version=1,
    tables=("invoices",),
    key=("seller_id",),
    params={
        "properties": {
            "date_from": DATE_OR_NULL | {"description": "first issue date included"},
            "date_to": DATE_OR_NULL | {"description": "last issue date included"},
            "kind": {
                "enum": ["special", "ordinary", None],
                "default": None,
                "description": "invoice kind; null = both",
            },
        }
    },
    description_zh="按销方统计发票：正常票与红字票（不含作废票）的份数、金额和税额合计。",
    description_en="Invoice totals per seller: count, amount and tax of valid and red-letter "
    "invoices (void ones excluded).",
)
def invoice_totals(tables: Tables, params: Params) -> ir.Table:
    inv = tables.invoices
    inv = inv.filter(inv.status != "void", _between(inv.issued_on, params))
    if params["kind"] is not None:
        inv = inv.filter(inv.kind == params["kind"])
    return inv.group_by("seller_id").aggregate(
        invoices=inv.count(),
        red_invoices=_count_if(inv.status == "red"),
        amount=money(inv.amount.sum()),
        tax_amount=money(inv.tax_amount.sum()),
    )


@analysis(
    code="REF-FILING-ONTIME",
    version=1,
    tables=("filings", "taxpayers", "units"),
    key=("branch_code", "year"),
    params={
        "properties": {
            "as_of": DATE_OR_NULL
            | {
                "description": "returns due on or before this date count; "
                "null = today (China Standard Time)"
            },
            "tax_types": TAX_TYPES_OR_NULL,
        }
    },
    description_zh="按主管分局和年度统计按期申报率：截至统计日已到期的申报中，"
    "在申报期限内（含当日）申报的比例。",
    description_en="On-time filing rate per managing branch and year: among returns due by "
    "the as-of date, the share filed on or before the due date.",
)
def on_time_filing(tables: Tables, params: Params) -> ir.Table:
    as_of = params["as_of"] or dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    f = tables.filings
    f = f.filter(f.due_on <= as_of)
    if params["tax_types"] is not None:
        f = f.filter(f.tax_type.isin(params["tax_types"]))
    tp = tables.taxpayers.select("taxpayer_id", branch_code="unit_code")
    units = tables.units.select(unit_code="unit_code", branch_name="name")
    j = f.join(tp, "taxpayer_id")
    j = j.left_join(units, j.branch_code == units.unit_code).drop("unit_code")
    j = j.mutate(year=j.due_on.year().cast("int64"))
    on_time = j.filed_on.notnull() & (j.filed_on <= j.due_on)
    out = j.group_by("branch_code", "branch_name", "year").aggregate(
        due=j.count(),
        on_time=_count_if(on_time),
        late=_count_if(j.filed_on > j.due_on),
        not_filed=_count_if(j.filed_on.isnull()),
    )
    return out.mutate(on_time_rate=ratio(out.on_time, out.due))


@analysis(
    code="REF-RED-SHARE",
    version=1,
    tables=("invoices",),
    key=("seller_id", "month"),
    params={
        "properties": {
            "date_from": DATE_OR_NULL | {"description": "first issue date included"},
            "date_to": DATE_OR_NULL | {"description": "last issue date included"},
        }
    },
    description_zh="按销方和月份统计红字发票占比：红字票份数占比，以及红字冲减金额占正常票金额的比例。",
    description_en="Red-letter share per seller and month: share of red-letter invoices among "
    "the non-void ones, and red-letter amount reversed over valid amount.",
)
def red_share(tables: Tables, params: Params) -> ir.Table:
    inv = tables.invoices
    inv = inv.filter(inv.status != "void", _between(inv.issued_on, params))
    inv = inv.mutate(month=month_of(inv.issued_on))
    red = inv.status == "red"
    out = inv.group_by("seller_id", "month").aggregate(
        invoices=inv.count(),
        red_invoices=_count_if(red),
        valid_amount=money(inv.amount.sum(where=~red).coalesce(ZERO)),
        red_amount=money(inv.amount.sum(where=red).coalesce(ZERO)),
    )
    return out.mutate(
        red_count_share=ratio(out.red_invoices, out.invoices),
        red_amount_share=ratio(-out.red_amount, out.valid_amount),
    )


@analysis(
    code="REF-AUDIT-YIELD",
    version=1,
    tables=("audits",),
    key=("selected_by",),
    params={
        "properties": {
            "year": {
                "type": ["integer", "null"],
                "minimum": 1990,
                "maximum": 2100,
                "default": None,
                "description": "year of selection; null = all",
            },
        }
    },
    description_zh="按选案方式统计稽查命中率和查补收入：已结案件中“调整”结论的比例，"
    "以及补税、罚款、滞纳金合计。",
    description_en="Audit hit rate and yield by selection method: among closed audits, the "
    "share with outcome adjusted, and adjustment + penalty + late fee.",
)
def audit_yield(tables: Tables, params: Params) -> ir.Table:
    a = tables.audits
    if params["year"] is not None:
        a = a.filter(a.selected_on.year() == params["year"])
    closed = a.closed_on.notnull()
    total = a.adjustment + a.penalty + a.late_fee
    out = a.group_by("selected_by").aggregate(
        audits=a.count(),
        closed=_count_if(closed),
        hits=_count_if(closed & (a.outcome == "adjusted")),
        transferred=_count_if(closed & (a.outcome == "transferred")),
        adjustment=money(a.adjustment.sum(where=closed).coalesce(ZERO)),
        penalty=money(a.penalty.sum(where=closed).coalesce(ZERO)),
        late_fee=money(a.late_fee.sum(where=closed).coalesce(ZERO)),
        yield_total=money(total.sum(where=closed).coalesce(ZERO)),
    )
    return out.mutate(
        hit_rate=ratio(out.hits, out.closed),
        yield_per_closed=ratio(out.yield_total, out.closed),
    )


@analysis(
    code="REF-MACRO-BURDEN",
    version=1,
    tables=("filings", "macro"),
    key=("year",),
    params={
        "properties": {
            "tax_types": TAX_TYPES_OR_NULL,
        }
    },
    description_zh="宏观税负：各年度实际入库税款（按缴款日期）占地区生产总值的比例；"
    "需要 macro 表。",
    description_en="Macro tax burden: tax paid in each year (by payment date) over the "
    "region's GDP; needs the optional macro table.",
)
def macro_burden(tables: Tables, params: Params) -> ir.Table:
    f = tables.filings
    f = f.filter(f.paid_on.notnull())
    if params["tax_types"] is not None:
        f = f.filter(f.tax_type.isin(params["tax_types"]))
    f = f.mutate(year=f.paid_on.year().cast("int64"))
    paid = f.group_by("year").aggregate(tax_paid=money(f.tax_paid.sum()))
    m = tables.macro
    j = m.left_join(paid, m.year == paid.year).select(
        year=m.year, gdp=m.gdp, tax_paid=money(paid.tax_paid.coalesce(ZERO))
    )
    return j.mutate(burden=ratio(j.tax_paid, j.gdp))


@analysis(
    code="REF-ENFORCEMENT-STEPS",
    version=1,
    tables=("enforcement_actions",),
    key=("month", "step"),
    params={
        "properties": {
            "date_from": DATE_OR_NULL | {"description": "first completion date included"},
            "date_to": DATE_OR_NULL | {"description": "last completion date included"},
        }
    },
    description_zh="执法环节用时：按完成月份（北京时间）和环节统计已完成环节数、"
    "总用时和平均用时（小时）。",
    description_en="Enforcement step durations: completed steps, total and mean hours, per "
    "month of completion (China Standard Time) and step.",
)
def enforcement_steps(tables: Tables, params: Params) -> ir.Table:
    e = tables.enforcement_actions
    e = e.filter(e.completed_at.notnull())
    e = e.mutate(done_on=e.completed_at.date())
    e = e.filter(_between(e.done_on, params))
    e = e.mutate(
        month=month_of(e.done_on),
        seconds=(e.completed_at.epoch_seconds() - e.started_at.epoch_seconds()).cast("int64"),
    )
    out = e.group_by("month", "step").aggregate(completed=e.count(), seconds=e.seconds.sum())
    return out.select(
        "month",
        "step",
        "completed",
        total_hours=out.seconds.cast("float64") / 3600.0,
        mean_hours=ratio(out.seconds, out.completed * 3600),
    )
