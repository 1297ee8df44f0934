"""Bad extracts: each is refused whole with a clear message naming file, line and column,
and leaves the registry and the analytics store exactly as they were."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from taxlight.extract import services
from taxlight.extract.contract import RULES
from taxlight.extract.models import ImportStatus
from taxlight.extract.problems import Problem

from .conftest import BASE, TP1, TP2, everything, replace_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(extract: Callable[..., Path]) -> dict[str, Any]:
    """Given a store and registry that already hold a good extract."""
    rec = services.run_import(folder=extract())
    assert rec.status == ImportStatus.SUCCEEDED, rec.problems
    return everything()


def refused(folder: Path, before: dict[str, Any]) -> list[Problem]:
    """Imports ``folder``; asserts it was refused and nothing changed; returns problems."""
    rec = services.run_import(folder=folder)
    assert rec.status == ImportStatus.REFUSED
    assert rec.problem_total >= 1
    assert everything() == before
    return rec.problem_list()


def one(problems: list[Problem], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert found, [str(p) for p in problems]
    return found[0]


def test_bytes_that_are_neither_utf8_nor_gb18030_are_refused(extract, imported):
    lines = "\n".join(BASE["taxpayers"]).encode("utf-8") + b"\n"
    bad = lines.replace("示范咨询".encode(), b"\x80\x80")
    p = one(refused(extract(tables={"taxpayers": bad}), imported), "encoding")
    assert p.file == "taxpayers.csv" and p.line == 4
    assert "neither UTF-8 nor GB18030" in str(p)


def test_a_gb18030_file_is_read_correctly(extract):
    rec = services.run_import(folder=extract(encoding={"taxpayers": "gb18030", "units": "gb18030"}))
    assert rec.status == ImportStatus.SUCCEEDED, rec.problems
    from taxlight.taxpayers.models import Taxpayer

    assert Taxpayer.objects.get(taxpayer_id=TP1).name == "示范商贸有限公司"
    assert {f["file"]: f.get("encoding") for f in rec.files}["taxpayers.csv"] == "gb18030"


def test_a_file_with_a_byte_order_mark_is_read(extract):
    rec = services.run_import(
        folder=extract(encoding={"units": "utf-8-sig", "taxpayers": "utf-8-sig"})
    )
    assert rec.status == ImportStatus.SUCCEEDED, rec.problems
    assert {f["file"]: f.get("encoding") for f in rec.files}["units.csv"] == "utf-8-sig"
    from taxlight.org.models import Unit

    assert Unit.objects.filter(code="SF00").exists()  # not "\ufeffunit_code"


def test_a_missing_column_is_named(extract, imported):
    lines = [",".join(cells[:-1]) for cells in (line.split(",") for line in BASE["macro"])]
    p = one(refused(extract(tables={"macro": lines}), imported), "column_missing")
    assert (p.file, p.line, p.column) == ("macro.csv", 1, "gdp")
    assert str(p) == "macro.csv, line 1, column gdp: the column is missing from the header."


def test_an_extra_column_is_named(extract, imported):
    lines = [BASE["macro"][0] + ",note", BASE["macro"][1] + ",x"]
    p = one(refused(extract(tables={"macro": lines}), imported), "column_extra")
    assert (p.file, p.column) == ("macro.csv", "note")


def test_a_date_that_does_not_exist_is_refused(extract, imported):
    lines = replace_line("filings", 2, "2025-04-30", "2025-02-30")
    p = one(refused(extract(tables={"filings": lines}), imported), "not_date")
    assert str(p) == (
        "filings.csv, line 3, column due_on: '2025-02-30' is not a date (YYYY-MM-DD)."
    )


def test_a_negative_amount_where_forbidden_is_refused(extract, imported):
    lines = replace_line("filings", 1, "100000.00", "-100000.00")
    p = one(refused(extract(tables={"filings": lines}), imported), "negative")
    assert (p.line, p.column) == (2, "revenue")


def test_a_negative_amount_is_allowed_where_the_contract_allows_it(extract):
    # taxable_income of F2 is negative in the base extract
    assert services.run_import(folder=extract()).status == ImportStatus.SUCCEEDED


def test_an_amount_with_three_decimals_is_refused(extract, imported):
    lines = replace_line("filings", 1, "8000.00,8000.00", "8000.001,8000.00")
    p = one(refused(extract(tables={"filings": lines}), imported), "not_decimal")
    assert (p.line, p.column, p.value) == (2, "tax_payable", "8000.001")


def test_an_unknown_enum_value_is_refused(extract, imported):
    lines = replace_line("taxpayers", 2, "general,medium", "general,huge")
    p = one(refused(extract(tables={"taxpayers": lines}), imported), "enum")
    assert (p.line, p.column) == (3, "size")
    assert "'huge' is not one of: micro, small, medium, large" in str(p)


def test_a_wrong_check_character_is_refused(extract, imported):
    wrong = TP1[:-1] + ("0" if TP1[-1] != "0" else "1")
    lines = [line.replace(TP1, wrong) for line in BASE["taxpayers"]]
    problems = refused(extract(tables={"taxpayers": lines}), imported)
    p = one(problems, "uscc")
    assert (p.file, p.line, p.column, p.value) == ("taxpayers.csv", 2, "taxpayer_id", wrong)
    # and the filings that name the right code now dangle
    assert one(problems, "dangling").file == "filings.csv"


def test_duplicate_keys_are_refused(extract, imported):
    lines = [*BASE["invoices"], BASE["invoices"][2]]
    problems = refused(extract(tables={"invoices": lines}), imported)
    dups = [p for p in problems if p.code == "duplicate_key"]
    assert [(p.line, p.column, p.value) for p in dups] == [
        (3, "invoice_id", "I2"),
        (6, "invoice_id", "I2"),
    ]
    assert "'I2' appears 2 times" in str(dups[0])


def test_dangling_references_are_refused(extract, imported):
    lines = replace_line("staff", 1, "SF01-ZS", "SF09")
    p = one(refused(extract(tables={"staff": lines}), imported), "dangling")
    assert (p.file, p.line, p.column, p.value) == ("staff.csv", 2, "unit_code", "SF09")
    assert "is not a units.unit_code" in str(p)


def test_a_truncated_file_is_refused(extract, imported):
    text = ("\n".join(BASE["invoices"]) + "\n").encode()
    cut = text[: text.rindex(b"10101,red") + 3]  # the last record cut mid-way
    p = one(refused(extract(tables={"invoices": cut + b"\n" + b"I9,x"}), imported), "ragged")
    assert p.file == "invoices.csv"
    problems = refused(extract(tables={"invoices": cut}), imported)
    p = one(problems, "truncated")
    assert (p.file, p.line) == ("invoices.csv", 4)
    assert "cut off" in str(p)


def test_a_ragged_row_is_refused_with_its_line(extract, imported):
    lines = list(BASE["units"])
    lines.insert(2, "SF05,多一格,SF00,branch,extra")
    p = one(refused(extract(tables={"units": lines}), imported), "ragged")
    assert (p.file, p.line) == ("units.csv", 3)
    assert str(p) == "units.csv, line 3: the row has 5 cells; the header has 4."


def test_an_empty_file_is_refused(extract, imported):
    p = one(refused(extract(tables={"audits": b""}), imported), "empty")
    assert p.file == "audits.csv"
    assert "header row" in str(p)


def test_a_missing_manifest_is_refused(extract, imported):
    p = one(refused(extract(no_manifest=True), imported), "manifest_missing")
    assert "manifest.json is missing" in str(p)


def test_a_version_this_release_cannot_read_is_refused(extract, imported):
    p = one(refused(extract(manifest={"version": 2}), imported), "manifest_version")
    assert "version 2 cannot be read by this release" in str(p)
    assert "reads version(s) 1" in str(p)


def test_a_missing_table_file_is_refused_in_a_full_extract(extract, imported):
    p = one(refused(extract(omit=("audits",)), imported), "file_missing")
    assert "audits.csv or audits.parquet" in str(p)


def test_the_optional_macro_table_may_be_missing(extract):
    assert services.run_import(folder=extract(omit=("macro",))).status == "succeeded"


def test_required_values_and_timestamps_without_offset_are_refused(extract, imported):
    lines = replace_line(
        "enforcement_actions", 1, "2025-03-01T09:00:00+08:00", "2025-03-01T09:00:00"
    )
    lines[2] = lines[2].replace(",S002,", ",,")
    problems = refused(extract(tables={"enforcement_actions": lines}), imported)
    assert one(problems, "not_timestamp").column == "started_at"
    p = one(problems, "required")
    assert (p.line, p.column) == (3, "officer_id")


def test_every_problem_is_reported_not_only_the_first(extract, imported):
    lines = replace_line("filings", 1, "2025-02-20", "2025-02-31")
    lines = [lines[0], lines[1], lines[2].replace("CIT", "XXX"), lines[3]]
    problems = refused(extract(tables={"filings": lines, "macro": ["year,gdp", "y,1"]}), imported)
    assert {(p.file, p.code) for p in problems} >= {
        ("filings.csv", "not_date"),
        ("filings.csv", "enum"),
        ("macro.csv", "not_int"),
    }


# --- every row rule of the contract ---------------------------------------------------------

RULE_CASES: dict[str, tuple[str, int, str, str, str]] = {
    # rule: (table, line index, old, new, column reported)
    "unit_root": ("units", 2, "SF00,branch", ",branch", "parent_code"),
    "industry_division": ("taxpayers", 1, ",51,", ",99,", "industry"),
    "mobile_number": ("taxpayers", 1, "13800000001", "0571-888", "mobile"),
    "period_order": ("filings", 1, "2025-01-01,2025-01-31", "2025-02-01,2025-01-31", "period_end"),
    "vat_only_columns": ("filings", 2, "0.50,,,", "0.50,10.00,,", "output_tax"),
    "cit_only_column": ("filings", 1, "5000.00,,", "5000.00,7.00,", "taxable_income"),
    "red_sign": ("invoices", 2, "200.00,26.00", "-200.00,-26.00", "amount"),
    "tax_same_sign": ("invoices", 1, "10000.00,1300.00", "10000.00,-1300.00", "tax_amount"),
    "goods_code_digits": ("invoices", 4, ",301,", ",3A1,", "goods_code"),
    "red_original": ("invoices", 3, "red,I1", "red,", "original_invoice_id"),
    "completed_after_start": (
        "enforcement_actions",
        1,
        "2025-03-01T10:00:00+08:00",
        "2025-03-01T08:00:00+08:00",
        "completed_at",
    ),
    "outcome_when_closed": ("audits", 2, "2025-02-10,,", "2025-02-10,2025-03-01,", "outcome"),
}


def test_every_contract_rule_has_a_bad_input_case():
    assert set(RULE_CASES) == set(RULES)


@pytest.mark.parametrize("rule", sorted(RULE_CASES))
def test_each_rule_refuses_a_row_that_breaks_it(rule, extract, imported):
    table, index, old, new, column = RULE_CASES[rule]
    lines = replace_line(table, index, old, new)
    problems = refused(extract(tables={table: lines}), imported)
    p = one(problems, f"rule:{rule}")
    assert (p.file, p.line, p.column) == (f"{table}.csv", index + 1, column)


def test_unit_root_also_refuses_two_bureaus_and_cycles(extract, imported):
    lines = [*BASE["units"], "SF99,另一局,,bureau"]
    assert (
        one(refused(extract(tables={"units": lines}), imported), "rule:unit_root_one").column
        == "kind"
    )
    lines = [*BASE["units"], "SF07,甲,SF08,branch", "SF08,乙,SF07,branch"]
    p = one(refused(extract(tables={"units": lines}), imported), "rule:unit_root_cycle")
    assert p.line in (5, 6)


def test_a_second_bad_extract_after_a_refusal_still_leaves_nothing(extract, imported):
    refused(extract(tables={"macro": ["year,gdp", "2025,-1"]}), imported)
    refused(extract(tables={"macro": ["year,gdp", "2025,-1"]}), imported)
    assert TP2  # the registry still holds the first import
