"""Tiny extracts for the importer's tests, and a snapshot of everything an import may touch.

``extract(folder, **changes)`` writes a small valid extract (3 units, 2 officers, 3
taxpayers, a few filings, invoices, actions, audits, macro); ``changes`` replace a table's
text or rows (``tables={"filings": "...csv text..."}``), the manifest, or the encoding.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import uscc

from taxlight.extract import store
from taxlight.org.models import Officer, Post, Unit
from taxlight.taxpayers.models import Taxpayer


def code(body: str) -> str:
    return body + uscc.calc_check_digit(body)


TP1 = code("91330100MA0000001")
TP2 = code("91330100MA0000002")
TP3 = code("91330100MA0000003")
OUTSIDE = code("91110000MA0000009")

BASE: dict[str, list[str]] = {
    "units": [
        "unit_code,name,parent_code,kind",
        "SF00,示范市税务局,,bureau",
        "SF01,第一税务分局,SF00,branch",
        "SF01-ZS,征收科,SF01,department",
    ],
    "staff": [
        "officer_id,name,unit_code,post_code,certified_until,active",
        "S001,张三,SF01-ZS,ACCEPT,2027-12-31,true",
        "S002,李四,SF01-ZS,APPROVE,,false",
    ],
    "taxpayers": [
        "taxpayer_id,name,industry,unit_code,registered_on,vat_status,size,credit_grade,status,"
        "status_since,legal_rep,address_key,mobile",
        f"{TP1},示范商贸有限公司,51,SF01,2020-01-15,general,small,B,normal,2020-01-15,P1,A1,"
        "13800000001",
        f"{TP2},示范制造有限公司,34,SF01,2019-06-01,general,medium,A,normal,2019-06-01,P2,A2,",
        f"{TP3},示范咨询有限公司,72,SF01,2021-03-01,small_scale,micro,,abnormal,2024-05-01,P3,A3,",
    ],
    "filings": [
        "filing_id,taxpayer_id,tax_type,period_start,period_end,due_on,filed_on,revenue,"
        "output_tax,input_tax,taxable_income,tax_payable,tax_paid,paid_on",
        f"F1,{TP1},VAT,2025-01-01,2025-01-31,2025-02-20,2025-02-10,100000.00,13000.00,5000.00,,"
        "8000.00,8000.00,2025-02-11",
        f"F2,{TP2},CIT,2025-01-01,2025-03-31,2025-04-30,,500000.50,,,-1200.25,0.00,0.00,",
        f"F3,{TP3},VAT,2025-01-01,2025-03-31,2025-04-15,2025-04-01,30000,,,,900.00,900.00,"
        "2025-04-02",
    ],
    "invoices": [
        "invoice_id,seller_id,buyer_id,issued_on,kind,amount,tax_amount,goods_code,status,"
        "original_invoice_id",
        f"I1,{TP1},{TP2},2025-01-05,special,10000.00,1300.00,10101,valid,",
        f"I2,{TP1},,2025-01-06,ordinary,200.00,26.00,10301,valid,",
        f"I3,{TP1},{TP2},2025-01-20,special,-10000.00,-1300.00,10101,red,I1",
        f"I4,{TP2},{OUTSIDE},2025-02-01,special,5000.00,650.00,301,void,",
    ],
    "enforcement_actions": [
        "action_id,case_id,item_code,taxpayer_id,step,officer_id,unit_code,started_at,"
        "completed_at,amount,legal_basis,document_no",
        f"A1,C1,FW-1,{TP3},accept,S001,SF01-ZS,2025-03-01T09:00:00+08:00,"
        "2025-03-01T10:00:00+08:00,,,",
        f"A2,C1,FW-1,{TP3},decide,S002,SF01-ZS,2025-03-05T09:00:00+08:00,,500.00,"
        "税收征收管理法第六十二条,税罚〔2025〕1号",
    ],
    "audits": [
        "audit_id,taxpayer_id,selected_by,selected_on,closed_on,outcome,adjustment,penalty,"
        "late_fee",
        f"J1,{TP2},risk,2025-01-10,2025-03-01,adjusted,12000.00,6000.00,300.00",
        f"J2,{TP1},random,2025-02-10,,,0.00,0.00,0.00",
    ],
    "macro": ["year,gdp", "2025,123456789000.00"],
}

MANIFEST = {
    "format": "taxlight-extract",
    "version": 1,
    "bureau": "示范市税务局",
    "extracted_at": "2026-01-05T02:00:00+08:00",
    "period_from": "2025-01-01",
    "period_to": "2025-12-31",
    "mode": "full",
}


def write_extract(
    folder: Path,
    *,
    tables: dict[str, Any] | None = None,
    manifest: dict[str, Any] | None = None,
    omit: tuple[str, ...] = (),
    encoding: dict[str, str] | None = None,
    no_manifest: bool = False,
    only: tuple[str, ...] | None = None,
) -> Path:
    """Writes a valid tiny extract with the given changes; returns the folder.

    ``tables``: name → list of lines, or bytes written as they are. ``encoding``: name →
    "utf-8" | "utf-8-sig" | "gb18030". ``only``: write only these tables (a delta)."""
    folder.mkdir(parents=True, exist_ok=True)
    content: dict[str, Any] = {**BASE, **(tables or {})}
    for name, value in content.items():
        if name in omit or (only is not None and name not in only):
            continue
        path = folder / f"{name}.csv"
        if isinstance(value, bytes):
            path.write_bytes(value)
            continue
        text = "\n".join(value) + "\n"
        enc = (encoding or {}).get(name, "utf-8")
        data = text.encode("gb18030" if enc == "gb18030" else "utf-8")
        if enc == "utf-8-sig":
            data = b"\xef\xbb\xbf" + data
        path.write_bytes(data)
    if not no_manifest:
        (folder / "manifest.json").write_text(
            json.dumps({**MANIFEST, **(manifest or {})}, ensure_ascii=False), encoding="utf-8"
        )
    return folder


def replace_line(table: str, index: int, old: str, new: str) -> list[str]:
    """BASE[table] with ``old`` replaced by ``new`` in line ``index`` (0 = header)."""
    lines = list(BASE[table])
    assert old in lines[index], (old, lines[index])
    lines[index] = lines[index].replace(old, new, 1)
    return lines


@pytest.fixture(autouse=True)
def _stores(settings: Any, tmp_path: Path) -> None:
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    settings.EXTRACT_IMPORTS_DIR = tmp_path / "imports"
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def extract(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def make(**changes: Any) -> Path:
        return write_extract(tmp_path / f"extract{next(counter)}", **changes)

    return make


def everything() -> dict[str, Any]:
    """What an import may change: the registry's rows and the analytics store's files."""
    base = store.root()
    files: dict[str, bytes] = {}
    if base.exists():
        for p in sorted(base.rglob("*")):
            if p.is_file() and p.name != ".import.lock":
                files[str(p.relative_to(base))] = p.read_bytes()
            elif p.is_dir():
                files[str(p.relative_to(base)) + "/"] = b""
    return {
        "units": list(
            Unit.objects.order_by("code").values_list("code", "name", "parent_id", "kind")
        ),
        "posts": list(Post.objects.order_by("code").values_list("code", "name")),
        "officers": list(
            Officer.objects.order_by("officer_id").values_list(
                "officer_id", "name", "unit_id", "post_id", "certified_until", "active"
            )
        ),
        "taxpayers": list(
            Taxpayer.objects.order_by("taxpayer_id").values_list(
                "taxpayer_id", "name", "industry", "unit_id", "status", "credit_grade", "mobile"
            )
        ),
        "store": files,
    }
