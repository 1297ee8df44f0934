"""Loading the contract's units and staff tables (taxlight.org.loading)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from taxlight.audit.models import LedgerEntry
from taxlight.org.loading import LoadError, load
from taxlight.org.models import Officer, Post, Unit

pytestmark = pytest.mark.django_db

UNITS = """unit_code,name,parent_code,kind
B,示范市税务局,,bureau
B01,第一税务分局,B,branch
B01D1,征收管理科,B01,department
B01D2,纳税服务科,B01,department
BD1,法制科,B,department
"""

STAFF = """officer_id,name,unit_code,post_code,certified_until,active
S001,张伟,B01D1,ACCEPT,2027-06-30,true
S002,王芳,B01D1,INVESTIGATE,,true
S003,李娜,BD1,LEADER,2026-12-31,false
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def files(
    tmp_path: Path, units: str = UNITS, staff: str = STAFF, encoding: str = "utf-8"
) -> tuple[Path, Path]:
    return write(tmp_path, "units.csv", units, encoding), write(
        tmp_path, "staff.csv", staff, encoding
    )


def test_loads_units_posts_and_officers(tmp_path: Path) -> None:
    result = load(*files(tmp_path))

    assert (result.units_created, result.officers_created, result.posts_created) == (5, 3, 3)
    dept = Unit.objects.get(code="B01D1")
    assert dept.parent is not None and dept.parent.code == "B01"
    assert dept.branch is not None and dept.branch.code == "B01"
    zhang = Officer.objects.get(officer_id="S001")
    assert (zhang.name, zhang.unit.code, zhang.post.code) == ("张伟", "B01D1", "ACCEPT")
    assert zhang.certified_until == dt.date(2027, 6, 30)
    assert Officer.objects.get(officer_id="S002").certified_until is None
    assert Officer.objects.get(officer_id="S003").active is False
    assert LedgerEntry.objects.filter(action="org.officer.create").count() == 3
    assert LedgerEntry.objects.filter(action="org.load").count() == 1


def test_unknown_post_codes_become_posts_named_by_their_code(tmp_path: Path) -> None:
    Post.objects.create(code="ACCEPT", name="受理岗")

    load(*files(tmp_path))

    assert Post.objects.get(code="ACCEPT").name == "受理岗"  # existing: untouched
    assert Post.objects.get(code="INVESTIGATE").name == "INVESTIGATE"


def test_reloading_the_same_files_changes_nothing_and_writes_no_ledger_entry(
    tmp_path: Path,
) -> None:
    paths = files(tmp_path)
    load(*paths)
    entries = LedgerEntry.objects.count()

    result = load(*paths)

    assert not result.changed
    assert result.unchanged == 8
    assert LedgerEntry.objects.count() == entries


def test_a_changed_row_updates_only_that_officer(tmp_path: Path) -> None:
    load(*files(tmp_path))
    before = LedgerEntry.objects.count()
    staff = STAFF.replace(
        "S002,王芳,B01D1,INVESTIGATE,,true", "S002,王芳,B01D2,INVESTIGATE,2028-01-31,true"
    )

    result = load(*files(tmp_path, staff=staff))

    assert (result.officers_updated, result.officers_created, result.unchanged) == (1, 0, 7)
    wang = Officer.objects.get(officer_id="S002")
    assert wang.unit.code == "B01D2" and wang.certified_until == dt.date(2028, 1, 31)
    new = list(LedgerEntry.objects.filter(seq__gt=before).order_by("seq"))
    assert [e.action for e in new] == ["org.officer.update", "org.load"]
    assert set(new[0].after) == {"unit", "certified_until"}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_reads_utf8_with_bom_and_gb18030(tmp_path: Path, encoding: str) -> None:
    load(*files(tmp_path, encoding=encoding))

    assert Unit.objects.get(code="B01").name == "第一税务分局"
    assert Officer.objects.get(officer_id="S001").name == "张伟"


def test_every_problem_is_reported_by_file_line_and_column_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    units = """unit_code,name,parent_code,kind
B,示范市税务局,,bureau
B01,第一税务分局,B,branch
B02,,B,branch
B03,第三税务分局,NOPE,branch
B04,第四税务分局,B,office
B01,重复,B,branch
X1,环一,X2,department
X2,环二,X1,department
"""
    staff = """officer_id,name,unit_code,post_code,certified_until,active
S001,张伟,B01,ACCEPT,2027-02-30,true
S002,王芳,ZZZ,ACCEPT,,yes
S001,李娜,B01,,,true
S004,赵磊,B01,ACCEPT,,
"""
    with pytest.raises(LoadError) as caught:
        load(*files(tmp_path, units, staff))

    found = {(p.file, p.line, p.column) for p in caught.value.problems}
    assert found == {
        ("units.csv", 4, "name"),
        ("units.csv", 5, "parent_code"),
        ("units.csv", 6, "kind"),
        ("units.csv", 7, "unit_code"),
        ("units.csv", 8, "parent_code"),
        ("units.csv", 9, "parent_code"),
        ("staff.csv", 2, "certified_until"),
        ("staff.csv", 3, "unit_code"),
        ("staff.csv", 3, "active"),
        ("staff.csv", 4, "officer_id"),
        ("staff.csv", 4, "post_code"),
        ("staff.csv", 5, "active"),
    }
    messages = str(caught.value)
    assert "units.csv:5: parent_code: 'NOPE' is not a unit" in messages
    assert "units.csv:6: kind: 'office' is not one of bureau, branch, department" in messages
    assert "cycle" in messages
    assert Unit.objects.count() == 0 and Officer.objects.count() == 0
    assert LedgerEntry.objects.count() == 0


def test_missing_columns_are_named(tmp_path: Path) -> None:
    units = "unit_code,name,kind\nB,示范市税务局,bureau\n"
    staff = "officer_id,name,unit_code,post_code,active\n"

    with pytest.raises(LoadError) as caught:
        load(*files(tmp_path, units, staff))

    assert {(p.file, p.line, p.column) for p in caught.value.problems} == {
        ("units.csv", 1, "parent_code"),
        ("staff.csv", 1, "certified_until"),
    }


def test_ragged_rows_empty_files_and_unreadable_files_are_reported(tmp_path: Path) -> None:
    units = UNITS + "B05,第五税务分局,B\n"
    staff_path = tmp_path / "missing.csv"

    with pytest.raises(LoadError) as caught:
        load(write(tmp_path, "units.csv", units), staff_path)

    problems = [str(p) for p in caught.value.problems]
    assert any(p.startswith("missing.csv: cannot be read") for p in problems)
    assert "units.csv:7: has 3 cells; the header has 4" in problems

    with pytest.raises(LoadError) as caught:
        load(write(tmp_path, "units.csv", ""), write(tmp_path, "staff.csv", STAFF))
    assert "units.csv:1: is empty: a header row is required" in str(caught.value)


def test_a_second_bureau_is_refused(tmp_path: Path) -> None:
    load(*files(tmp_path))
    units = UNITS.replace("B,示范市税务局,,bureau", "B,示范市税务局,,bureau\nC,另一局,,bureau")

    with pytest.raises(LoadError) as caught:
        load(*files(tmp_path, units=units))

    assert ("units.csv", 3, "kind") in {(p.file, p.line, p.column) for p in caught.value.problems}


def test_staff_may_refer_to_units_already_in_the_database(tmp_path: Path) -> None:
    load(*files(tmp_path))
    staff = (
        "officer_id,name,unit_code,post_code,certified_until,active\n"
        "S009,孙强,B01D2,AUDIT,2027-01-01,TRUE\n"
    )

    result = load(
        write(tmp_path, "units2.csv", "unit_code,name,parent_code,kind\n"),
        write(tmp_path, "staff2.csv", staff),
    )

    assert result.officers_created == 1
    assert Officer.objects.get(officer_id="S009").unit.code == "B01D2"


def test_moving_a_unit_below_its_own_child_in_the_database_is_refused(tmp_path: Path) -> None:
    load(*files(tmp_path))
    units = "unit_code,name,parent_code,kind\nB01,第一税务分局,B01D1,branch\n"

    with pytest.raises(LoadError) as caught:
        load(write(tmp_path, "u.csv", units), write(tmp_path, "s.csv", STAFF))

    assert "cycle" in str(caught.value)
    assert Unit.objects.get(code="B01").parent is not None
    assert Unit.objects.get(code="B01").parent.code == "B"  # type: ignore[union-attr]


def test_load_org_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    units, staff = files(tmp_path)

    call_command("load_org", str(units), str(staff))
    assert "officers: 3 created" in capsys.readouterr().out
    assert LedgerEntry.objects.filter(action="org.load").get().channel == "command"

    bad = write(tmp_path, "bad.csv", STAFF.replace("2027-06-30", "30/06/2027"))
    with pytest.raises(CommandError, match="nothing was loaded: 1 problem"):
        call_command("load_org", str(units), str(bad))
    assert "bad.csv:2: certified_until: '30/06/2027' is not a date" in capsys.readouterr().err
