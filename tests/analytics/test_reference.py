"""The reference analyses on DuckDB, against rows computed by hand from tests/analytics/builders.

Ratios are float64 from one division of two exact sums, so the expected values are written as
the same division and compared exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from taxlight.analytics import engines, registry
from tests.analytics.builders import city, write_store

M = Decimal
NULL = None


def r(num: str | int, den: str | int) -> float:
    return float(M(num)) / float(M(den))


def rows(code: str, engine: engines.Engine, **params: Any) -> list[dict[str, Any]]:
    return registry.run(code, engine, params).to_pylist()


def test_vat_burden_by_month_and_industry(duck: engines.Engine) -> None:
    # Given the city's filed VAT returns (F3, F7 and F8 never filed; F6 is CIT)
    # When the burden is computed per month of the period's end
    result = rows("REF-VAT-BURDEN", duck)
    # Then January holds the monthly returns, March the quarterly one of T5 (0 sales: null)
    assert result == [
        {
            "period": date(2024, 1, 1),
            "industry": "13",
            "returns": 2,
            "taxpayers": 2,
            "revenue": M("1500.00"),
            "vat_payable": M("50.00"),
            "burden": r(50, 1500),
        },
        {
            "period": date(2024, 1, 1),
            "industry": "51",
            "returns": 1,
            "taxpayers": 1,
            "revenue": M("2000.00"),
            "vat_payable": M("60.00"),
            "burden": r(60, 2000),
        },
        {
            "period": date(2024, 3, 1),
            "industry": "51",
            "returns": 1,
            "taxpayers": 1,
            "revenue": M("0.00"),
            "vat_payable": M("0.00"),
            "burden": NULL,
        },
    ]


def test_vat_burden_by_quarter_for_chosen_industries(duck: engines.Engine) -> None:
    result = rows("REF-VAT-BURDEN", duck, granularity="quarter", industries=["51", "99"])
    assert result == [
        {
            "period": date(2024, 1, 1),
            "industry": "51",
            "returns": 2,
            "taxpayers": 2,
            "revenue": M("2000.00"),
            "vat_payable": M("60.00"),
            "burden": r(60, 2000),
        },
    ]


def test_vat_burden_date_window_can_be_empty(duck: engines.Engine) -> None:
    assert rows("REF-VAT-BURDEN", duck, date_from="2024-02-01", date_to="2024-02-29") == []
    by_year = rows("REF-VAT-BURDEN", duck, granularity="year", date_to="2024-01-31")
    assert [(x["period"], x["industry"], x["revenue"]) for x in by_year] == [
        (date(2024, 1, 1), "13", M("1500.00")),
        (date(2024, 1, 1), "51", M("2000.00")),
    ]


def test_invoice_totals_count_valid_and_red_but_not_void(duck: engines.Engine) -> None:
    # T3 issued only a void invoice: no row; T1's void I4 is not counted
    assert rows("REF-INVOICE-SELLER", duck) == [
        {
            "seller_id": "T1",
            "invoices": 3,
            "red_invoices": 1,
            "amount": M("200.00"),
            "tax_amount": M("26.00"),
        },
        {
            "seller_id": "T2",
            "invoices": 2,
            "red_invoices": 1,
            "amount": M("0.00"),
            "tax_amount": M("0.00"),
        },
    ]


def test_invoice_totals_by_kind_and_window(duck: engines.Engine) -> None:
    assert rows("REF-INVOICE-SELLER", duck, kind="special") == [
        {
            "seller_id": "T1",
            "invoices": 2,
            "red_invoices": 1,
            "amount": M("0.00"),
            "tax_amount": M("0.00"),
        },
        {
            "seller_id": "T2",
            "invoices": 1,
            "red_invoices": 1,
            "amount": M("-50.00"),
            "tax_amount": M("-6.50"),
        },
    ]
    assert rows("REF-INVOICE-SELLER", duck, date_to="2024-01-31") == [
        {
            "seller_id": "T1",
            "invoices": 2,
            "red_invoices": 0,
            "amount": M("1200.00"),
            "tax_amount": M("156.00"),
        },
        {
            "seller_id": "T2",
            "invoices": 1,
            "red_invoices": 0,
            "amount": M("50.00"),
            "tax_amount": M("6.50"),
        },
    ]


def test_on_time_filing_rate_per_branch_and_year(duck: engines.Engine) -> None:
    # Given returns due by 2025-06-30 (F8, due 2025-07-15, is not yet due)
    result = rows("REF-FILING-ONTIME", duck, as_of="2025-06-30")
    # Then F2 is late, F3 and F7 never filed, F4 filed on its due date counts as on time,
    # and T4 (no returns at all) adds nothing to BR2
    assert result == [
        {
            "branch_code": "BR1",
            "branch_name": "First branch",
            "year": 2024,
            "due": 4,
            "on_time": 2,
            "late": 1,
            "not_filed": 1,
            "on_time_rate": r(2, 4),
        },
        {
            "branch_code": "BR1",
            "branch_name": "First branch",
            "year": 2025,
            "due": 1,
            "on_time": 1,
            "late": 0,
            "not_filed": 0,
            "on_time_rate": 1.0,
        },
        {
            "branch_code": "BR2",
            "branch_name": "Second branch",
            "year": 2024,
            "due": 1,
            "on_time": 1,
            "late": 0,
            "not_filed": 0,
            "on_time_rate": 1.0,
        },
        {
            "branch_code": "BR2",
            "branch_name": "Second branch",
            "year": 2025,
            "due": 1,
            "on_time": 0,
            "late": 0,
            "not_filed": 1,
            "on_time_rate": 0.0,
        },
    ]


def test_on_time_filing_as_of_and_tax_types(duck: engines.Engine) -> None:
    assert rows("REF-FILING-ONTIME", duck, as_of="2024-02-15") == [
        {
            "branch_code": "BR1",
            "branch_name": "First branch",
            "year": 2024,
            "due": 2,
            "on_time": 1,
            "late": 1,
            "not_filed": 0,
            "on_time_rate": r(1, 2),
        },
        {
            "branch_code": "BR2",
            "branch_name": "Second branch",
            "year": 2024,
            "due": 1,
            "on_time": 1,
            "late": 0,
            "not_filed": 0,
            "on_time_rate": 1.0,
        },
    ]
    only_cit = rows("REF-FILING-ONTIME", duck, as_of="2025-12-31", tax_types=["CIT"])
    assert [(x["branch_code"], x["year"], x["due"], x["on_time"]) for x in only_cit] == [
        ("BR1", 2025, 1, 1)
    ]
    # by default the cut-off is today: every return of the city is due by now
    assert sum(x["due"] for x in rows("REF-FILING-ONTIME", duck)) == 8


def test_red_letter_share_per_seller_and_month(duck: engines.Engine) -> None:
    # In February T1 and T2 issued only red-letter invoices: the amount share is 0 / 0 → null
    assert rows("REF-RED-SHARE", duck) == [
        {
            "seller_id": "T1",
            "month": date(2024, 1, 1),
            "invoices": 2,
            "red_invoices": 0,
            "valid_amount": M("1200.00"),
            "red_amount": M("0.00"),
            "red_count_share": 0.0,
            "red_amount_share": 0.0,
        },
        {
            "seller_id": "T1",
            "month": date(2024, 2, 1),
            "invoices": 1,
            "red_invoices": 1,
            "valid_amount": M("0.00"),
            "red_amount": M("-1000.00"),
            "red_count_share": 1.0,
            "red_amount_share": NULL,
        },
        {
            "seller_id": "T2",
            "month": date(2024, 1, 1),
            "invoices": 1,
            "red_invoices": 0,
            "valid_amount": M("50.00"),
            "red_amount": M("0.00"),
            "red_count_share": 0.0,
            "red_amount_share": 0.0,
        },
        {
            "seller_id": "T2",
            "month": date(2024, 2, 1),
            "invoices": 1,
            "red_invoices": 1,
            "valid_amount": M("0.00"),
            "red_amount": M("-50.00"),
            "red_count_share": 1.0,
            "red_amount_share": NULL,
        },
    ]


def test_audit_hit_rate_and_yield_by_selection_method(duck: engines.Engine) -> None:
    # Open audits count in "audits" only; a transfer to the police is closed but not a hit;
    # referral has no closed audit: its rates are null, its sums zero
    zero = M("0.00")
    assert rows("REF-AUDIT-YIELD", duck) == [
        {
            "selected_by": "random",
            "audits": 2,
            "closed": 1,
            "hits": 0,
            "transferred": 1,
            "adjustment": M("1000.00"),
            "penalty": zero,
            "late_fee": zero,
            "yield_total": M("1000.00"),
            "hit_rate": 0.0,
            "yield_per_closed": 1000.0,
        },
        {
            "selected_by": "referral",
            "audits": 1,
            "closed": 0,
            "hits": 0,
            "transferred": 0,
            "adjustment": zero,
            "penalty": zero,
            "late_fee": zero,
            "yield_total": zero,
            "hit_rate": NULL,
            "yield_per_closed": NULL,
        },
        {
            "selected_by": "risk",
            "audits": 2,
            "closed": 2,
            "hits": 1,
            "transferred": 0,
            "adjustment": M("100.00"),
            "penalty": M("50.00"),
            "late_fee": M("5.25"),
            "yield_total": M("155.25"),
            "hit_rate": 0.5,
            "yield_per_closed": r("155.25", 2),
        },
    ]


def test_audit_yield_for_one_year(duck: engines.Engine) -> None:
    result = rows("REF-AUDIT-YIELD", duck, year=2025)
    assert [(x["selected_by"], x["audits"], x["closed"], x["yield_total"]) for x in result] == [
        ("random", 1, 1, M("1000.00")),
        ("referral", 1, 0, M("0.00")),
    ]


def test_macro_tax_burden_per_year(duck: engines.Engine) -> None:
    # Tax paid by year of payment: 2024 = F1 + F2 + F4; 2025 = F6 (CIT); 2022 has GDP 0
    assert rows("REF-MACRO-BURDEN", duck) == [
        {"year": 2022, "gdp": M("0.00"), "tax_paid": M("0.00"), "burden": NULL},
        {"year": 2024, "gdp": M("1000000.00"), "tax_paid": M("110.00"), "burden": r(110, 1000000)},
        {"year": 2025, "gdp": M("2000000.00"), "tax_paid": M("500.00"), "burden": r(500, 2000000)},
    ]
    only_vat = rows("REF-MACRO-BURDEN", duck, tax_types=["VAT"])
    assert [x["tax_paid"] for x in only_vat] == [M("0.00"), M("110.00"), M("0.00")]


def test_macro_burden_needs_the_macro_table(tmp_path: Path) -> None:
    # Given a store without the optional macro table
    data = city()
    del data["macro"]
    write_store(tmp_path, data)
    # When the macro burden is run, then the error names the analysis and the missing table
    with pytest.raises(engines.MissingTableError, match=r"REF-MACRO-BURDEN needs table 'macro'"):
        registry.run("REF-MACRO-BURDEN", "duckdb", base=tmp_path)
    # while the other analyses still run
    assert registry.run("REF-AUDIT-YIELD", "duckdb", base=tmp_path).num_rows == 3


def test_enforcement_steps_bucket_by_china_standard_time(duck: engines.Engine) -> None:
    # E1 completed at 16:30 UTC on 31 January, i.e. 00:30 on 1 February in China: February
    assert rows("REF-ENFORCEMENT-STEPS", duck) == [
        {
            "month": date(2024, 1, 1),
            "step": "accept",
            "completed": 1,
            "total_hours": 2.0,
            "mean_hours": 2.0,
        },
        {
            "month": date(2024, 2, 1),
            "step": "accept",
            "completed": 2,
            "total_hours": 17.0,
            "mean_hours": 8.5,
        },
        {
            "month": date(2024, 2, 1),
            "step": "investigate",
            "completed": 1,
            "total_hours": 48.0,
            "mean_hours": 48.0,
        },
    ]
    assert rows("REF-ENFORCEMENT-STEPS", duck, date_to="2024-01-31") == [
        {
            "month": date(2024, 1, 1),
            "step": "accept",
            "completed": 1,
            "total_hours": 2.0,
            "mean_hours": 2.0,
        }
    ]


def test_every_analysis_on_empty_fact_tables(tmp_path: Path) -> None:
    # Given a store whose fact tables exist but hold no rows
    data = city()
    for table in ("filings", "invoices", "enforcement_actions", "audits"):
        data[table] = []
    write_store(tmp_path, data)
    with engines.connect("duckdb", base=tmp_path) as engine:
        for spec in registry.registered("reference"):
            # Then every analysis returns no rows (macro: its years with nothing paid)
            result = registry.run(spec.code, engine)
            if spec.code == "REF-MACRO-BURDEN":
                assert result.column("tax_paid").to_pylist() == [M("0.00")] * 3
            else:
                assert result.num_rows == 0, spec.code
            assert set(spec.key) <= set(result.column_names)


def test_keys_identify_result_rows(duck: engines.Engine) -> None:
    for spec in registry.registered("reference"):
        result = registry.run(
            spec.code, duck, {"as_of": "2025-06-30"} if spec.code == "REF-FILING-ONTIME" else {}
        )
        keys = [tuple(row[k] for k in spec.key) for row in result.to_pylist()]
        assert len(keys) == len(set(keys)) > 0, spec.code
        assert keys == sorted(keys), spec.code
