"""Small analytics stores written directly as Parquet, with the contract's types.

``write_store(base, rows)`` writes each table of ``rows`` (table → list of dicts, missing
columns null) as ``tables/<table>/v1/part-0.parquet`` and publishes a snapshot that points at
them, exactly as an import leaves the store.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq

from taxlight.analytics.engines import arrow_schema
from taxlight.extract import store

CST = ZoneInfo("Asia/Shanghai")


def arrow_table(
    table: str, rows: list[dict[str, Any]], schema: pa.Schema | None = None
) -> pa.Table:
    schema = schema or arrow_schema(table)
    columns = {f.name: [row.get(f.name) for row in rows] for f in schema}
    return pa.Table.from_pydict(columns, schema=schema)


def write_table(base: Path, table: str, data: pa.Table, version: int = 1, parts: int = 1) -> str:
    target = store.version_dir(table, version, base)
    target.mkdir(parents=True, exist_ok=True)
    if parts <= 1 or data.num_rows < parts:
        pq.write_table(data, target / "part-0.parquet")
    else:
        step = -(-data.num_rows // parts)
        for i in range(parts):
            pq.write_table(data.slice(i * step, step), target / f"part-{i}.parquet")
    return str(target.relative_to(base))


def write_store(
    base: Path, rows: dict[str, list[dict[str, Any]]], version: int = 1, parts: int = 1
) -> store.Snapshot:
    snapshot = store.Snapshot(
        version=version, import_id=version, published_at="2026-11-01T02:00:00+08:00"
    )
    for table, table_rows in rows.items():
        snapshot.tables[table] = write_table(
            base, table, arrow_table(table, table_rows), version, parts
        )
    store.publish(snapshot, base)
    return snapshot


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def ts(text: str) -> dt.datetime:
    """A contract timestamp: ISO 8601 with its offset."""
    return dt.datetime.fromisoformat(text)


M = Decimal


def city() -> dict[str, list[dict[str, Any]]]:
    """A tiny city with the edge cases the reference analyses must get right."""
    units = [
        {"unit_code": "BUR", "name": "Municipal bureau", "parent_code": None, "kind": "bureau"},
        {"unit_code": "BR1", "name": "First branch", "parent_code": "BUR", "kind": "branch"},
        {"unit_code": "BR2", "name": "Second branch", "parent_code": "BUR", "kind": "branch"},
        {
            "unit_code": "D11",
            "name": "Audit department",
            "parent_code": "BR1",
            "kind": "department",
        },
    ]
    staff = [
        {
            "officer_id": "O1",
            "name": "Officer one",
            "unit_code": "D11",
            "post_code": "AUDIT",
            "certified_until": d("2027-12-31"),
            "active": True,
        },
        {
            "officer_id": "O2",
            "name": "Officer two",
            "unit_code": "D11",
            "post_code": "ACCEPT",
            "certified_until": None,
            "active": False,
        },
    ]

    def taxpayer(tid: str, industry: str, unit: str, vat: str = "general") -> dict[str, Any]:
        return {
            "taxpayer_id": tid,
            "name": f"Company {tid}",
            "industry": industry,
            "unit_code": unit,
            "registered_on": d("2020-01-01"),
            "vat_status": vat,
            "size": "small",
            "credit_grade": None if tid == "T5" else "B",
            "status": "normal",
            "status_since": d("2020-01-01"),
            "legal_rep": f"P{tid}",
            "address_key": f"A{tid}",
            "mobile": None,
        }

    taxpayers = [
        taxpayer("T1", "13", "BR1"),
        taxpayer("T2", "13", "BR1"),
        taxpayer("T3", "51", "BR2"),
        taxpayer("T4", "70", "BR2"),  # no filings, no invoices, no audits
        taxpayer("T5", "51", "BR1", "small_scale"),
    ]

    def filing(
        fid: str,
        tid: str,
        start: str,
        end: str,
        due: str,
        filed: str | None,
        revenue: str,
        payable: str,
        paid: str,
        paid_on: str | None,
        tax_type: str = "VAT",
        taxable_income: str | None = None,
    ) -> dict[str, Any]:
        vat = tax_type == "VAT"
        return {
            "filing_id": fid,
            "taxpayer_id": tid,
            "tax_type": tax_type,
            "period_start": d(start),
            "period_end": d(end),
            "due_on": d(due),
            "filed_on": d(filed) if filed else None,
            "revenue": M(revenue),
            "output_tax": M(revenue) * M("0.13") if vat else None,
            "input_tax": M("0.00") if vat else None,
            "taxable_income": M(taxable_income) if taxable_income else None,
            "tax_payable": M(payable),
            "tax_paid": M(paid),
            "paid_on": d(paid_on) if paid_on else None,
        }

    filings = [
        filing(
            "F1",
            "T1",
            "2024-01-01",
            "2024-01-31",
            "2024-02-15",
            "2024-02-10",
            "1000.00",
            "30.00",
            "30.00",
            "2024-02-10",
        ),
        filing(
            "F2",
            "T2",
            "2024-01-01",
            "2024-01-31",
            "2024-02-15",
            "2024-02-20",
            "500.00",
            "20.00",
            "20.00",
            "2024-02-20",
        ),  # late
        filing(
            "F3", "T1", "2024-02-01", "2024-02-29", "2024-03-15", None, "0.00", "0.00", "0.00", None
        ),  # never filed
        filing(
            "F4",
            "T3",
            "2024-01-01",
            "2024-01-31",
            "2024-02-15",
            "2024-02-15",
            "2000.00",
            "60.00",
            "60.00",
            "2024-02-15",
        ),  # filed on the due date
        filing(
            "F5",
            "T5",
            "2024-01-01",
            "2024-03-31",
            "2024-04-15",
            "2024-04-01",
            "0.00",
            "0.00",
            "0.00",
            None,
        ),  # quarterly, no sales: 0 / 0
        filing(
            "F6",
            "T1",
            "2024-01-01",
            "2024-12-31",
            "2025-05-31",
            "2025-05-20",
            "12000.00",
            "500.00",
            "500.00",
            "2025-05-20",
            "CIT",
            "2000.00",
        ),
        filing(
            "F7", "T3", "2024-12-01", "2024-12-31", "2025-01-15", None, "0.00", "0.00", "0.00", None
        ),  # never filed
        filing(
            "F8", "T2", "2025-06-01", "2025-06-30", "2025-07-15", None, "0.00", "0.00", "0.00", None
        ),  # not yet due on 2025-06-30
    ]

    def invoice(
        iid: str,
        seller: str,
        buyer: str | None,
        issued: str,
        kind: str,
        amount: str,
        tax: str,
        status: str,
        original: str | None = None,
    ) -> dict[str, Any]:
        return {
            "invoice_id": iid,
            "seller_id": seller,
            "buyer_id": buyer,
            "issued_on": d(issued),
            "kind": kind,
            "amount": M(amount),
            "tax_amount": M(tax),
            "goods_code": "109",
            "status": status,
            "original_invoice_id": original,
        }

    invoices = [
        invoice("I1", "T1", "T3", "2024-01-05", "special", "1000.00", "130.00", "valid"),
        invoice("I2", "T1", None, "2024-01-20", "ordinary", "200.00", "26.00", "valid"),
        invoice("I3", "T1", "T3", "2024-02-03", "special", "-1000.00", "-130.00", "red", "I1"),
        invoice("I4", "T1", "T3", "2024-02-10", "special", "300.00", "39.00", "void"),
        invoice("I5", "T2", "X-OUTSIDE", "2024-01-31", "ordinary", "50.00", "6.50", "valid"),
        invoice("I6", "T3", None, "2024-03-01", "ordinary", "100.00", "13.00", "void"),
        invoice("I7", "T2", "X-OUTSIDE", "2024-02-01", "special", "-50.00", "-6.50", "red", "I5"),
    ]

    def action(
        aid: str, case: str, step: str, started: str, completed: str | None
    ) -> dict[str, Any]:
        return {
            "action_id": aid,
            "case_id": case,
            "item_code": "CF-001",
            "taxpayer_id": "T1",
            "step": step,
            "officer_id": "O1",
            "unit_code": "D11",
            "started_at": ts(started),
            "completed_at": ts(completed) if completed else None,
            "amount": None,
            "legal_basis": None,
            "document_no": None,
        }

    actions = [
        # completed at 16:30 UTC on 31 January = 00:30 on 1 February in China: February
        action("E1", "C1", "accept", "2024-01-31T08:00:00+08:00", "2024-01-31T16:30:00+00:00"),
        action("E2", "C1", "investigate", "2024-02-01T09:00:00+08:00", "2024-02-03T09:00:00+08:00"),
        action("E3", "C2", "accept", "2024-01-10T09:00:00+08:00", "2024-01-10T11:00:00+08:00"),
        action("E4", "C2", "investigate", "2024-01-11T09:00:00+08:00", None),  # still open
        action("E5", "C3", "accept", "2024-02-05T10:00:00+08:00", "2024-02-05T10:30:00+08:00"),
    ]

    def audit(
        aid: str,
        tid: str,
        by: str,
        selected: str,
        closed: str | None,
        outcome: str | None,
        adj: str = "0.00",
        pen: str = "0.00",
        fee: str = "0.00",
    ) -> dict[str, Any]:
        return {
            "audit_id": aid,
            "taxpayer_id": tid,
            "selected_by": by,
            "selected_on": d(selected),
            "closed_on": d(closed) if closed else None,
            "outcome": outcome,
            "adjustment": M(adj),
            "penalty": M(pen),
            "late_fee": M(fee),
        }

    audits = [
        audit(
            "A1", "T1", "risk", "2024-03-01", "2024-06-01", "adjusted", "100.00", "50.00", "5.25"
        ),
        audit("A2", "T2", "risk", "2024-04-01", "2024-05-01", "no_change"),
        audit("A3", "T3", "random", "2024-05-01", None, None),  # open
        audit("A4", "T3", "random", "2025-01-10", "2025-02-01", "transferred", "1000.00"),
        audit("A5", "T1", "referral", "2025-02-01", None, None),  # open
    ]
    macro = [
        {"year": 2022, "gdp": M("0.00")},  # 0 GDP: a ratio over zero is null
        {"year": 2024, "gdp": M("1000000.00")},
        {"year": 2025, "gdp": M("2000000.00")},
    ]
    return {
        "units": units,
        "staff": staff,
        "taxpayers": taxpayers,
        "filings": filings,
        "invoices": invoices,
        "enforcement_actions": actions,
        "audits": audits,
        "macro": macro,
    }
