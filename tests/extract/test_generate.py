"""The generated city: a valid extract (contract v1), deterministic, with truthful labels.

The checks read the files directly (duckdb, pyarrow, the csv module), independent of the
importer: validity is checked against ``taxlight.extract.contract`` column by column.
"""

# ruff: noqa: S608 (the SQL is built from the contract's own table and column names)
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from stdnum.cn import uscc

from taxlight.extract.contract import FORMAT, TABLES, Type
from taxlight.extract.generate import FAULTS, PATTERNS, Config, ConfigError, generate
from taxlight.workdays.calendar import WorkCalendar

DECIMAL = re.compile(r"^-?\d+\.\d{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")
MOBILE = re.compile(r"^1[3-9]\d{9}$")


def _make(folder: Path, **kw: Any) -> Path:
    out = folder / "city"
    generate(out, Config(**kw))
    return out


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make(tmp_path_factory.mktemp("gen"), taxpayers=500, years=2, seed=11)


@pytest.fixture(scope="module")
def db(city: Path) -> duckdb.DuckDBPyConnection:
    """Every table as text (so the checks see exactly what is written), plus the labels."""
    con = duckdb.connect()
    for name in TABLES:
        con.execute(
            f"CREATE VIEW {name} AS SELECT * FROM read_csv('{city / name}.csv', "
            "header=true, all_varchar=true, quote='\"', escape='\"')"
        )
    labels = city.parent / "city.labels"
    con.execute(
        f"CREATE VIEW labels AS SELECT * FROM read_csv('{labels}/taxpayer_labels.csv', "
        "header=true, all_varchar=true)"
    )
    con.execute(
        f"CREATE VIEW faults AS SELECT * FROM read_csv('{labels}/action_faults.csv', "
        "header=true, all_varchar=true)"
    )
    return con


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    return con.execute(sql).fetchone()[0]  # type: ignore[index]


# --- the extract as a whole ----------------------------------------------------------------------


def test_the_extract_has_a_manifest_and_every_table_of_the_contract(city: Path) -> None:
    manifest = json.loads((city / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == {
        "format": FORMAT,
        "version": 1,
        "bureau": "示范市税务局",
        "extracted_at": "2026-02-14T02:00:00+08:00",
        "period_from": "2024-01-01",
        "period_to": "2025-12-31",
        "mode": "full",
    }
    assert sorted(p.name for p in city.iterdir()) == sorted(
        ["manifest.json", *(f"{t}.csv" for t in TABLES)]
    )


def test_the_same_seed_gives_byte_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    a = _make(tmp_path / "a", taxpayers=120, years=1, seed=5)
    b = _make(tmp_path / "b", taxpayers=120, years=1, seed=5)
    c = _make(tmp_path / "c", taxpayers=120, years=1, seed=6)
    for folder in (a, a.parent / "city.labels"):
        other = b / folder.relative_to(a) if folder == a else b.parent / "city.labels"
        for f in sorted(folder.iterdir()):
            assert f.read_bytes() == (other / f.name).read_bytes(), f.name
    assert (a / "invoices.csv").read_bytes() != (c / "invoices.csv").read_bytes()
    p1 = _make(tmp_path / "p1", taxpayers=80, years=1, seed=5, format="parquet")
    p2 = _make(tmp_path / "p2", taxpayers=80, years=1, seed=5, format="parquet")
    for f in sorted(p1.iterdir()):
        assert f.read_bytes() == (p2 / f.name).read_bytes(), f.name


def test_every_column_is_there_in_the_contract_order_with_values_of_its_type(city: Path) -> None:
    for table in TABLES.values():
        with (city / f"{table.name}.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            assert tuple(next(reader)) == table.column_names, table.name
            rows = list(reader)
        assert rows, f"{table.name} is empty"
        for i, col in enumerate(table.columns):
            values = [r[i] for r in rows]
            where = f"{table.name}.{col.name}"
            if col.required:
                assert all(values), f"{where} has empty cells"
            present = [v for v in values if v]
            if col.type is Type.DECIMAL:
                assert all(DECIMAL.match(v) for v in present), where
                if col.min_value is not None:
                    assert all(not v.startswith("-") for v in present), where
            elif col.type is Type.DATE:
                assert all(DATE.match(v) and dt.date.fromisoformat(v) for v in present), where
            elif col.type is Type.TIMESTAMP:
                assert all(TIMESTAMP.match(v) for v in present), where
            elif col.type is Type.ENUM:
                assert set(present) <= set(col.enum), (where, set(present) - set(col.enum))
            elif col.type is Type.BOOL:
                assert set(present) <= {"true", "false"}, where
            elif col.type is Type.INT:
                assert all(v.isdigit() for v in present), where
            if col.max_length:
                assert all(len(v) <= col.max_length for v in present), where


def test_every_key_is_unique(db: duckdb.DuckDBPyConnection) -> None:
    for table in TABLES.values():
        key = ", ".join(table.key)
        dupes = _one(
            db,
            f"SELECT count(*) FROM (SELECT {key} FROM {table.name} "
            f"GROUP BY {key} HAVING count(*) > 1)",
        )
        assert dupes == 0, table.name


def test_every_reference_resolves(db: duckdb.DuckDBPyConnection) -> None:
    for table in TABLES.values():
        for col in table.columns:
            if not col.references:
                continue
            target, target_col = col.references.split(".")
            dangling = _one(
                db,
                f"SELECT count(*) FROM {table.name} t WHERE t.{col.name} IS NOT "
                f"NULL AND t.{col.name} NOT IN (SELECT {target_col} FROM {target})",
            )
            assert dangling == 0, f"{table.name}.{col.name}"


def test_taxpayer_and_buyer_codes_have_valid_check_characters(
    db: duckdb.DuckDBPyConnection,
) -> None:
    taxpayers = [r[0] for r in _rows(db, "SELECT taxpayer_id FROM taxpayers")]
    assert all(len(t) == 18 and uscc.is_valid(t) for t in taxpayers)
    outside = [
        r[0]
        for r in _rows(
            db,
            "SELECT DISTINCT buyer_id FROM invoices WHERE buyer_id "
            "NOT IN (SELECT taxpayer_id FROM taxpayers)",
        )
    ]
    assert outside, "some buyers are outside the bureau"
    assert all(uscc.is_valid(b) for b in outside)
    assert not any(b.startswith("913301") for b in outside)  # other cities' region codes


def test_the_row_rules_of_the_contract_hold(db: duckdb.DuckDBPyConnection) -> None:
    checks = {
        "unit_root": "SELECT count(*) FROM units WHERE (parent_code IS NULL) <> (kind = 'bureau')",
        "industry_division": "SELECT count(*) FROM taxpayers WHERE NOT regexp_full_match("
        "industry, '[0-9]{2}')",
        "mobile_number": "SELECT count(*) FROM taxpayers WHERE mobile IS NOT NULL AND NOT "
        "regexp_full_match(mobile, '1[3-9][0-9]{9}')",
        "period_order": "SELECT count(*) FROM filings WHERE period_start::DATE > period_end::DATE",
        "vat_only_columns": "SELECT count(*) FROM filings WHERE (tax_type = 'VAT') <> "
        "(output_tax IS NOT NULL) OR (tax_type = 'VAT') <> "
        "(input_tax IS NOT NULL)",
        "cit_only_column": "SELECT count(*) FROM filings WHERE (tax_type = 'CIT') <> "
        "(taxable_income IS NOT NULL)",
        "red_sign": "SELECT count(*) FROM invoices WHERE (amount::DECIMAL(18,2) < 0) <> "
        "(status = 'red')",
        "tax_same_sign": "SELECT count(*) FROM invoices WHERE sign(amount::DECIMAL(18,2)) <> "
        "sign(tax_amount::DECIMAL(18,2))",
        "goods_code_digits": "SELECT count(*) FROM invoices WHERE NOT regexp_full_match("
        "goods_code, '[0-9]{3,}')",
        "red_original": "SELECT count(*) FROM invoices WHERE (status = 'red') <> "
        "(original_invoice_id IS NOT NULL)",
        "completed_after_start": "SELECT count(*) FROM enforcement_actions WHERE "
        "completed_at::TIMESTAMPTZ < started_at::TIMESTAMPTZ",
        "outcome_when_closed": "SELECT count(*) FROM audits WHERE (closed_on IS NULL) <> "
        "(outcome IS NULL)",
    }
    from taxlight.extract.contract import RULES

    assert set(checks) == set(RULES)
    for rule, sql in checks.items():
        assert _one(db, sql) == 0, rule


# --- plausibility ---------------------------------------------------------------------------------


def test_the_city_has_plausible_shares(db: duckdb.DuckDBPyConnection) -> None:
    n = _one(db, "SELECT count(*) FROM taxpayers")
    general = _one(db, "SELECT count(*) FROM taxpayers WHERE vat_status = 'general'") / n
    abnormal = _one(db, "SELECT count(*) FROM taxpayers WHERE status = 'abnormal'") / n
    small = _one(db, "SELECT count(*) FROM taxpayers WHERE size IN ('micro', 'small')") / n
    assert 0.25 <= general <= 0.5
    assert 0.02 <= abnormal <= 0.08
    assert small >= 0.85
    assert _one(db, "SELECT count(*) FROM units WHERE kind = 'branch'") >= 3
    posts = {r[0] for r in _rows(db, "SELECT DISTINCT post_code FROM staff")}
    assert {"ACCEPT", "INVESTIGATE", "APPROVE", "AUDIT", "LEADER"} <= posts
    assert _one(db, "SELECT count(*) FROM staff WHERE certified_until IS NULL") >= 1
    assert _one(db, "SELECT count(*) FROM staff WHERE active = 'false'") >= 1
    # Some people represent several enterprises.
    assert _one(db, "SELECT max(c) FROM (SELECT count(*) c FROM taxpayers GROUP BY legal_rep)") > 1
    # Consumers get ordinary invoices only; some invoices are void, some red.
    consumer_special = "SELECT count(*) FROM invoices WHERE buyer_id IS NULL AND kind = 'special'"
    assert _one(db, consumer_special) == 0
    statuses = dict(_rows(db, "SELECT status, count(*) FROM invoices GROUP BY 1"))
    assert statuses["void"] > 0 and statuses["red"] > 0
    rates = {
        r[0]
        for r in _rows(
            db,
            "SELECT DISTINCT round(tax_amount::DOUBLE / "
            "amount::DOUBLE, 2) FROM invoices WHERE abs(amount::DOUBLE) "
            "> 1000",
        )
    }
    assert {0.13, 0.09, 0.06, 0.03} <= rates
    # The macro tax burden is near 9-10 %.
    burden = _rows(
        db,
        "SELECT m.year, sum(f.tax_paid::DOUBLE) / max(m.gdp::DOUBLE) FROM macro m "
        "JOIN filings f ON year(f.period_end::DATE) = m.year::INT GROUP BY 1",
    )
    assert burden and all(0.085 <= b <= 0.105 for _, b in burden)


def test_returns_are_due_on_working_days(db: duckdb.DuckDBPyConnection) -> None:
    cal = WorkCalendar()
    dues = [dt.date.fromisoformat(r[0]) for r in _rows(db, "SELECT DISTINCT due_on FROM filings")]
    assert all(cal.is_workday(d) and (d.day >= 15 or d.month == 6) for d in dues)


def test_invoices_peak_at_the_year_end_and_dip_at_the_spring_festival(
    db: duckdb.DuckDBPyConnection,
) -> None:
    per_month = dict(
        _rows(db, "SELECT strftime(issued_on::DATE, '%m'), count(*) FROM invoices GROUP BY 1")
    )
    assert per_month["12"] == max(per_month.values())
    assert min(per_month["01"], per_month["02"]) == min(per_month.values())


# --- consistency and truth ------------------------------------------------------------------------

LABELLED = "SELECT taxpayer_id FROM labels"


def test_compliant_vat_returns_declare_exactly_what_was_invoiced(
    db: duckdb.DuckDBPyConnection,
) -> None:
    sql = f"""
        WITH inv AS (
            SELECT seller_id, issued_on::DATE d, amount::DECIMAL(18,2) a,
                   tax_amount::DECIMAL(18,2) t FROM invoices WHERE status <> 'void'),
        f AS (SELECT * FROM filings WHERE tax_type = 'VAT' AND filed_on IS NOT NULL
              AND taxpayer_id NOT IN ({LABELLED}))
        SELECT count(*), count(*) FILTER (WHERE f.revenue::DECIMAL(18,2) <> coalesce(s.a, 0)
                                            OR f.output_tax::DECIMAL(18,2) <> coalesce(s.t, 0))
        FROM f LEFT JOIN (
            SELECT f2.filing_id, sum(a) a, sum(t) t FROM f f2 JOIN inv
            ON inv.seller_id = f2.taxpayer_id AND inv.d BETWEEN f2.period_start::DATE
               AND f2.period_end::DATE GROUP BY 1) s USING (filing_id)"""
    total, wrong = _rows(db, sql)[0]
    assert total > 1000 and wrong == 0


def test_compliant_input_tax_is_the_tax_of_special_invoices_received(
    db: duckdb.DuckDBPyConnection,
) -> None:
    sql = f"""
        WITH inv AS (
            SELECT buyer_id, issued_on::DATE d, tax_amount::DECIMAL(18,2) t FROM invoices
            WHERE status <> 'void' AND kind = 'special'),
        f AS (SELECT * FROM filings WHERE tax_type = 'VAT' AND filed_on IS NOT NULL
              AND taxpayer_id NOT IN ({LABELLED})
              AND taxpayer_id IN (SELECT taxpayer_id FROM taxpayers
                                  WHERE vat_status = 'general'))
        SELECT count(*), count(*) FILTER (WHERE f.input_tax::DECIMAL(18,2) <> coalesce(s.t, 0)
               OR f.tax_payable::DECIMAL(18,2) <> greatest(f.output_tax::DECIMAL(18,2)
                                                           - f.input_tax::DECIMAL(18,2), 0))
        FROM f LEFT JOIN (
            SELECT f2.filing_id, sum(t) t FROM f f2 JOIN inv
            ON inv.buyer_id = f2.taxpayer_id AND inv.d BETWEEN f2.period_start::DATE
               AND f2.period_end::DATE GROUP BY 1) s USING (filing_id)"""
    total, wrong = _rows(db, sql)[0]
    assert total > 500 and wrong == 0


def test_compliant_taxpayers_file_whenever_they_invoiced(db: duckdb.DuckDBPyConnection) -> None:
    missing = _one(
        db,
        f"""
        SELECT count(*) FROM filings f WHERE tax_type = 'VAT' AND filed_on IS NULL
        AND taxpayer_id NOT IN ({LABELLED}) AND EXISTS (
            SELECT 1 FROM invoices i WHERE i.seller_id = f.taxpayer_id AND i.status <> 'void'
            AND i.issued_on::DATE BETWEEN f.period_start::DATE AND f.period_end::DATE)""",
    )
    assert missing == 0
    unpaid_but_dated = _one(
        db, "SELECT count(*) FROM filings WHERE (paid_on IS NULL) <> (tax_paid::DECIMAL(18,2) = 0)"
    )
    assert unpaid_but_dated == 0


def test_red_invoices_reverse_an_earlier_valid_invoice_of_the_same_seller(
    db: duckdb.DuckDBPyConnection,
) -> None:
    bad = _one(
        db,
        """
        SELECT count(*) FROM invoices r LEFT JOIN invoices o
        ON o.invoice_id = r.original_invoice_id WHERE r.status = 'red' AND (
            o.invoice_id IS NULL OR o.seller_id <> r.seller_id OR o.status <> 'valid'
            OR o.issued_on::DATE > r.issued_on::DATE OR o.invoice_id >= r.invoice_id
            OR -r.amount::DECIMAL(18,2) > o.amount::DECIMAL(18,2))""",
    )
    assert bad == 0
    assert _one(db, "SELECT count(*) FROM invoices WHERE status = 'red'") > 0


def test_labels_are_beside_the_extract_and_cover_every_pattern_and_fault(
    city: Path, db: duckdb.DuckDBPyConnection
) -> None:
    labels = city.parent / "city.labels"
    assert sorted(p.name for p in labels.iterdir()) == [
        "README.md",
        "action_faults.csv",
        "summary.json",
        "taxpayer_labels.csv",
    ]
    assert not any("label" in p.name for p in city.iterdir())
    assert {r[0] for r in _rows(db, "SELECT DISTINCT pattern FROM labels")} == set(PATTERNS)
    assert {r[0] for r in _rows(db, "SELECT DISTINCT fault FROM faults")} == set(FAULTS)
    assert (
        _one(
            db,
            "SELECT count(*) FROM labels WHERE taxpayer_id NOT IN "
            "(SELECT taxpayer_id FROM taxpayers)",
        )
        == 0
    )
    assert (
        _one(
            db,
            "SELECT count(*) FROM faults f LEFT JOIN enforcement_actions a "
            "USING (action_id) WHERE a.case_id IS DISTINCT FROM f.case_id",
        )
        == 0
    )
    n = _one(db, "SELECT count(*) FROM taxpayers")
    planted = _one(db, "SELECT count(DISTINCT taxpayer_id) FROM labels")
    assert 0.02 * n <= planted <= 0.08 * n


def test_the_planted_patterns_show_in_the_data(db: duckdb.DuckDBPyConnection) -> None:
    # Under-reported sales: declared well below what was invoiced in the labelled period.
    under = _rows(
        db,
        """
        SELECT l.taxpayer_id,
               (SELECT sum(revenue::DOUBLE) FROM filings f WHERE f.taxpayer_id = l.taxpayer_id
                AND tax_type = 'VAT' AND f.period_start >= l.period_from
                AND f.period_end <= l.period_to),
               (SELECT sum(amount::DOUBLE) FROM invoices i WHERE i.seller_id = l.taxpayer_id
                AND status <> 'void' AND i.issued_on BETWEEN l.period_from AND l.period_to)
        FROM labels l WHERE pattern = 'under_reported_sales'""",
    )
    assert under and all(declared < 0.75 * invoiced for _, declared, invoiced in under)
    # Shells end abnormal; circular rings share a representative or an address.
    assert (
        _one(
            db,
            "SELECT count(*) FROM labels l JOIN taxpayers t USING (taxpayer_id) WHERE "
            "pattern = 'shell_company' AND t.status <> 'abnormal'",
        )
        == 0
    )
    assert (
        _one(
            db,
            """
        SELECT count(*) FROM labels l JOIN taxpayers t USING (taxpayer_id)
        WHERE pattern = 'circular_invoicing' AND NOT EXISTS (
            SELECT 1 FROM labels l2 JOIN taxpayers t2 USING (taxpayer_id)
            WHERE l2.pattern = 'circular_invoicing' AND t2.taxpayer_id <> t.taxpayer_id
            AND (t2.legal_rep = t.legal_rep OR t2.address_key = t.address_key))""",
        )
        == 0
    )
    # Fake input: special invoices received from a labelled shell company.
    assert (
        _one(
            db,
            """
        SELECT count(*) FROM labels l WHERE pattern = 'fake_input_invoices' AND NOT EXISTS (
            SELECT 1 FROM invoices i JOIN labels s ON s.taxpayer_id = i.seller_id
            AND s.pattern = 'shell_company' WHERE i.buyer_id = l.taxpayer_id
            AND i.kind = 'special')""",
        )
        == 0
    )
    # Zero returns while invoicing.
    assert (
        _one(
            db,
            """
        SELECT count(*) FROM labels l WHERE pattern = 'zero_filing_streak' AND NOT EXISTS (
            SELECT 1 FROM filings f WHERE f.taxpayer_id = l.taxpayer_id AND tax_type = 'VAT'
            AND f.filed_on IS NOT NULL AND f.revenue::DOUBLE = 0
            AND f.period_start BETWEEN l.period_from AND l.period_to)""",
        )
        == 0
    )


def test_enforcement_steps_follow_their_procedure_in_working_hours(
    db: duckdb.DuckDBPyConnection,
) -> None:
    cal = WorkCalendar()
    steps = _rows(db, "SELECT started_at, completed_at FROM enforcement_actions")
    for started, completed in steps:
        for stamp in (started, completed):
            if stamp is None:
                continue
            t = dt.datetime.fromisoformat(stamp)
            assert cal.is_workday(t.date()) and dt.time(9) <= t.time() <= dt.time(17, 31), stamp
    assert any(c is None for _, c in steps), "some matters are still open"
    # Without a planted fault, a general-procedure penalty notifies before it decides, decides
    # on a legal basis, and is served within 7 days.
    bad = _one(
        db,
        """
        WITH a AS (SELECT * FROM enforcement_actions
                   WHERE case_id NOT IN (SELECT case_id FROM faults)),
        n AS (SELECT case_id, started_at::TIMESTAMPTZ t FROM a WHERE step = 'notify'),
        d AS (SELECT case_id, started_at::TIMESTAMPTZ t, legal_basis, document_no,
                     completed_at::TIMESTAMPTZ c FROM a WHERE step = 'decide'),
        s AS (SELECT case_id, started_at::TIMESTAMPTZ t FROM a WHERE step = 'serve')
        SELECT count(*) FROM d LEFT JOIN n USING (case_id) LEFT JOIN s USING (case_id)
        WHERE d.legal_basis IS NULL OR (n.t IS NOT NULL AND n.t > d.t)
           OR (s.t IS NOT NULL AND s.t::DATE - d.c::DATE > 7)""",
    )
    assert bad == 0
    docs = [
        r[0]
        for r in _rows(
            db, "SELECT document_no FROM enforcement_actions WHERE document_no IS NOT NULL"
        )
    ]
    assert docs and all(re.fullmatch(r"示范税\S*〔20\d\d〕\d+号", d) for d in docs)
    assert _one(db, "SELECT count(*) FROM enforcement_actions WHERE step = 'hear'") >= 0
    assert (
        _one(
            db,
            "SELECT count(*) FROM enforcement_actions WHERE step = 'decide' AND "
            "legal_basis = '税收征收管理法第六十二条'",
        )
        > 0
    )


def test_adjusted_audits_are_mostly_on_planted_taxpayers(db: duckdb.DuckDBPyConnection) -> None:
    outcomes = dict(_rows(db, "SELECT coalesce(outcome, 'open'), count(*) FROM audits GROUP BY 1"))
    assert outcomes.get("adjusted", 0) > 0 and outcomes.get("no_change", 0) > 0
    planted = _one(
        db,
        f"SELECT count(*) FROM audits WHERE outcome IN ('adjusted', "
        f"'transferred') AND taxpayer_id IN ({LABELLED})",
    )
    found = _one(db, "SELECT count(*) FROM audits WHERE outcome IN ('adjusted', 'transferred')")
    assert planted / found >= 0.5


# --- encodings, Parquet, command ------------------------------------------------------------------


def test_gb18030_and_bom_variants_hold_the_same_text(tmp_path: Path) -> None:
    plain = _make(tmp_path / "u", taxpayers=80, years=1, seed=3)
    bom = _make(tmp_path / "b", taxpayers=80, years=1, seed=3, encoding="utf-8-sig")
    gb = _make(tmp_path / "g", taxpayers=80, years=1, seed=3, encoding="gb18030")
    for name in ("units.csv", "staff.csv", "taxpayers.csv", "enforcement_actions.csv"):
        text = (plain / name).read_text(encoding="utf-8")
        raw_bom = (bom / name).read_bytes()
        assert raw_bom.startswith(b"\xef\xbb\xbf")
        assert raw_bom.decode("utf-8-sig") == text
        raw_gb = (gb / name).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw_gb.decode("utf-8")
        assert raw_gb.decode("gb18030") == text
    names = [
        r["name"]
        for r in csv.DictReader(io.StringIO((gb / "taxpayers.csv").read_bytes().decode("gb18030")))
    ]
    assert all(n.startswith("示范市") for n in names)


def test_parquet_has_the_contract_types_and_the_same_content(tmp_path: Path) -> None:
    plain = _make(tmp_path / "c", taxpayers=80, years=1, seed=4)
    par = _make(tmp_path / "p", taxpayers=80, years=1, seed=4, format="parquet")
    assert sorted(p.suffix for p in par.iterdir() if p.name != "manifest.json") == [
        ".parquet"
    ] * len(TABLES)
    kinds = {
        Type.DECIMAL: pa.decimal128(18, 2),
        Type.DATE: pa.date32(),
        Type.INT: pa.int32(),
        Type.BOOL: pa.bool_(),
    }
    for table in TABLES.values():
        schema = pq.read_schema(par / f"{table.name}.parquet")
        assert schema.names == list(table.column_names)
        for col in table.columns:
            t = schema.field(col.name).type
            if col.type is Type.TIMESTAMP:
                assert pa.types.is_timestamp(t) and t.tz == "+08:00"
            elif col.type in kinds:
                assert t == kinds[col.type], (table.name, col.name, t)
            else:
                assert t == pa.string()
    con = duckdb.connect()
    for name in ("invoices", "filings", "enforcement_actions", "audits"):
        a = con.execute(f"SELECT count(*) FROM read_csv('{plain / name}.csv')").fetchone()
        b = con.execute(f"SELECT count(*) FROM '{par / name}.parquet'").fetchone()
        assert a == b, name
    total_csv = con.execute(
        f"SELECT sum(amount) FROM read_csv('{plain}/invoices.csv', "
        "types={'amount': 'DECIMAL(18,2)'})"
    ).fetchone()
    total_par = con.execute(f"SELECT sum(amount) FROM '{par}/invoices.parquet'").fetchone()
    assert total_csv == total_par
    stamp = con.execute(
        f"SELECT min(started_at) FROM '{par}/enforcement_actions.parquet'"
    ).fetchone()[0]  # type: ignore[index]
    assert stamp.utcoffset() is not None


def test_an_exact_number_of_invoices_can_be_asked_for(tmp_path: Path) -> None:
    out = tmp_path / "city"
    summary = generate(out, Config(taxpayers=100, years=1, seed=2, invoices=4321))
    assert summary.rows["invoices"] == 4321


def test_bad_settings_are_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="last day of a month"):
        Config(end_date=dt.date(2025, 12, 30))
    with pytest.raises(ConfigError, match="taxpayers must be at least"):
        Config(taxpayers=5)
    with pytest.raises(ConfigError, match="encoding"):
        Config(encoding="latin-1")


def test_the_command_writes_the_extract_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "city"
    stdout = io.StringIO()
    call_command(
        "extract_generate",
        str(out),
        "--taxpayers",
        "90",
        "--years",
        "1",
        "--seed",
        "9",
        "--quiet",
        stdout=stdout,
    )
    assert "invoices" in stdout.getvalue() and (out / "manifest.json").exists()
    assert (tmp_path / "city.labels" / "taxpayer_labels.csv").exists()
    with pytest.raises(CommandError, match="not empty"):
        call_command("extract_generate", str(out), "--taxpayers", "90", "--quiet")
    with pytest.raises(CommandError, match="last day of a month"):
        call_command("extract_generate", str(tmp_path / "x"), "--end-date", "2025-06-15")
    call_command(
        "extract_generate",
        str(out),
        "--taxpayers",
        "90",
        "--years",
        "1",
        "--quiet",
        "--force",
        "--format",
        "parquet",
        stdout=io.StringIO(),
    )
    assert (out / "invoices.parquet").exists() and not (out / "invoices.csv").exists()
