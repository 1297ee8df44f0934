"""The fast path (one DuckDB statement per table) against the precise pass: a good extract
is read by the fast path alone, and for good and bad cells alike both give exactly the same
stored rows and the same problems at the same lines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from taxlight.extract.importer import Check

from .conftest import replace_line

pytestmark = pytest.mark.django_db


def check(folder: Path, base: Path, *, fast: bool) -> tuple[Check, dict[str, Any]]:
    """Checks ``folder`` into the store at ``base``; returns the check and what it found:
    problems (file, line, row group, column, code, value) and the typed rows per table."""
    c = Check(folder, base=base, fast=fast)
    try:
        c.open()
        outcome = c.run()
        rows = {
            name: pq.read_table(state.staged)
            for name, state in outcome.tables.items()
            if state.staged is not None and state.staged.exists()
        }
        found = {
            "problems": sorted(
                (p.file, p.line or 0, p.row_group or 0, p.column, p.code, p.value or "")
                for p in outcome.problems
            ),
            "counts": outcome.counts,
            "rows": rows if not outcome.total else {},
        }
        return c, found
    finally:
        c.cleanup(keep_new=False)


def same_either_way(folder: Path, tmp_path: Path) -> tuple[Check, dict[str, Any]]:
    fast_check, fast = check(folder, tmp_path / "fast-store", fast=True)
    _precise_check, precise = check(folder, tmp_path / "precise-store", fast=False)
    assert fast["problems"] == precise["problems"]
    assert fast["counts"] == precise["counts"]
    assert fast["rows"].keys() == precise["rows"].keys()
    for name, table in fast["rows"].items():
        assert table.schema == precise["rows"][name].schema, name
        assert table.to_pylist() == precise["rows"][name].to_pylist(), name
    return fast_check, fast


def test_a_good_extract_is_read_by_the_fast_path_alone(extract, tmp_path):
    c, found = same_either_way(extract(), tmp_path)
    assert found["problems"] == []
    assert found["rows"]["invoices"].num_rows == 4
    assert all(state.fast for state in c.outcome.tables.values())


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_bom_and_gb18030_files_take_the_fast_path_with_the_same_rows(encoding, extract, tmp_path):
    folder = extract(encoding={"taxpayers": encoding, "staff": encoding})
    c, found = same_either_way(folder, tmp_path)
    assert found["problems"] == []
    assert c.outcome.tables["taxpayers"].fast
    assert found["rows"]["taxpayers"].column("name")[0].as_py() == "示范商贸有限公司"


def test_a_generated_parquet_extract_takes_the_fast_path(tmp_path):
    folder = tmp_path / "pq"
    call_command(
        "extract_generate", str(folder), "--taxpayers", "60", "--years", "1", "--format",
        "parquet", "--quiet",
    )  # fmt: skip
    c, found = same_either_way(folder, tmp_path)
    assert found["problems"] == []
    assert all(state.fast for state in c.outcome.tables.values())


# Cells at the edge of each type: some valid, some not. Whatever the fast path makes of them,
# the outcome must be the precise pass's (the fast path may only hand over to it).
EDGES: list[tuple[str, int, str, str]] = [
    ("filings", 1, "100000.00", "1e5"),
    ("filings", 1, "100000.00", "+100000.00"),
    ("filings", 1, "100000.00", "100000.001"),
    ("filings", 1, "100000.00", "100000.010"),
    ("filings", 1, "100000.00", ".5"),
    ("filings", 1, "100000.00", "1,000"),
    ("filings", 1, "100000.00", " 100000.00"),
    ("filings", 1, "100000.00", "12345678901234567.00"),
    ("filings", 1, "100000.00", "9999999999999999.99"),
    ("filings", 1, "2025-01-01", "2025-1-1"),
    ("filings", 1, "2025-01-01", " 2025-01-01"),
    ("filings", 1, "2025-01-01", "2025-02-29"),
    ("filings", 1, "2025-01-01", "20250101"),
    ("filings", 1, "2025-01-01", "2025-01-01T00:00"),
    ("enforcement_actions", 1, "2025-03-01T09:00:00+08:00", "2025-03-01T24:00:00+08:00"),
    ("enforcement_actions", 1, "2025-03-01T09:00:00+08:00", "2025-03-01T09:00:60+08:00"),
    ("enforcement_actions", 1, "2025-03-01T09:00:00+08:00", "2025-03-01 09:00:00+08:00"),
    ("enforcement_actions", 1, "2025-03-01T09:00:00+08:00", "2025-03-01T09:00:00"),
    ("enforcement_actions", 1, "2025-03-01T09:00:00+08:00", "2025-03-01T09:00:00Z"),
    ("enforcement_actions", 1, "2025-03-01T09:00:00+08:00", "2025-03-01T09:00:00+0800"),
    ("enforcement_actions", 1, "2025-03-01T09:00:00+08:00", "2025-03-01T09:00:00.5+08:00"),
    ("staff", 1, "true", "TRUE"),
    ("staff", 1, "true", "1"),
    ("macro", 1, "2025,", "+2025,"),
    ("macro", 1, "2025,", "2025.0,"),
    ("taxpayers", 1, "small,B", "small,b"),
    ("taxpayers", 1, ",51,", ",5,"),
    ("taxpayers", 1, "13800000001", "1380000000"),
    ("invoices", 1, "10101", "1 0101"),
    ("units", 2, "SF01,", "SF01 ,"),
]


@pytest.mark.parametrize(("table", "line", "old", "new"), EDGES)
def test_edge_cells_give_the_same_outcome_on_both_paths(
    table: str, line: int, old: str, new: str, extract: Callable[..., Path], tmp_path: Path
) -> None:
    folder = extract(tables={table: replace_line(table, line, old, new)})
    same_either_way(folder, tmp_path)


def test_a_bad_uscc_check_character_is_caught_by_both(extract, tmp_path):
    lines = replace_line("taxpayers", 1, "91330100MA0000001", "91330100MA0000002")
    c, found = same_either_way(extract(tables={"taxpayers": lines}), tmp_path)
    assert "uscc" in found["counts"]
    assert not c.outcome.tables["taxpayers"].fast


def test_values_spanning_lines_and_blank_lines_keep_their_line_numbers(extract, tmp_path):
    lines = list(replace_line("staff", 1, "张三", '"张\n三"'))
    lines.insert(2, "")
    lines.append("S003,王五,SF01-ZS,ACCEPT,2027-12-31,maybe")
    _check, found = same_either_way(extract(tables={"staff": lines}), tmp_path)
    assert [(p[1], p[4]) for p in found["problems"]] == [(6, "not_bool")]
