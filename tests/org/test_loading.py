"""Loading the organisation from the contract's units and staff tables: ``load_org UNITS
STAFF``, a thin wrapper that imports the two files as a delta extract through the extract
importer (taxlight.extract.services.run_import)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from taxlight.audit.models import LedgerEntry
from taxlight.extract import store
from taxlight.extract.models import ExtractImport, ImportStatus
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


@pytest.fixture(autouse=True)
def _stores(settings: Any, tmp_path: Path) -> None:
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    settings.EXTRACT_IMPORTS_DIR = tmp_path / "imports"
    settings.LANGUAGE_CODE = "en"


def write(tmp_path: Path, name: str, text: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


def files(
    tmp_path: Path, units: str = UNITS, staff: str = STAFF, encoding: str = "utf-8"
) -> tuple[Path, Path]:
    return (
        write(tmp_path, "hr-units.csv", units, encoding),
        write(tmp_path, "hr-staff.csv", staff, encoding),
    )


def load(units: Path, staff: Path) -> str:
    """Runs the command; returns what it printed (raises CommandError when refused)."""
    out = _Buffer()
    call_command("load_org", str(units), str(staff), stdout=out, stderr=out)
    return out.text


def refused(units: Path, staff: Path) -> tuple[CommandError, str]:
    err = _Buffer()
    with pytest.raises(CommandError) as caught:
        call_command("load_org", str(units), str(staff), stdout=_Buffer(), stderr=err)
    return caught.value, err.text


class _Buffer:
    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> None:
        self.text += s

    def flush(self) -> None:
        pass


def registry() -> dict[str, list[tuple[Any, ...]]]:
    return {
        "units": list(
            Unit.objects.order_by("code").values_list("code", "name", "parent__code", "kind")
        ),
        "posts": list(Post.objects.order_by("code").values_list("code", "name")),
        "officers": list(
            Officer.objects.order_by("officer_id").values_list(
                "officer_id", "name", "unit__code", "post__code", "certified_until", "active"
            )
        ),
    }


def test_loads_units_posts_and_officers_through_the_importer(tmp_path: Path) -> None:
    printed = load(*files(tmp_path))

    assert "Units: 5 created, 0 updated, 0 unchanged." in printed
    assert "Posts: 3 created." in printed
    assert "Officers: 3 created, 0 updated, 0 unchanged." in printed
    dept = Unit.objects.get(code="B01D1")
    assert dept.parent is not None and dept.parent.code == "B01"
    assert dept.branch is not None and dept.branch.code == "B01"
    zhang = Officer.objects.get(officer_id="S001")
    assert (zhang.name, zhang.unit.code, zhang.post.code) == ("张伟", "B01D1", "ACCEPT")
    assert zhang.certified_until == dt.date(2027, 6, 30)
    assert Officer.objects.get(officer_id="S002").certified_until is None
    assert Officer.objects.get(officer_id="S003").active is False
    # one recorded import, with a delta manifest naming the bureau, and one ledger entry
    rec = ExtractImport.objects.get()
    assert rec.status == ImportStatus.SUCCEEDED and rec.mode == "delta"
    assert rec.manifest["format"] == "taxlight-extract" and rec.manifest["version"] == 1
    assert rec.manifest["bureau"] == "示范市税务局"
    assert rec.manifest["extracted_at"].endswith("+08:00")
    assert rec.manifest["period_from"] == rec.manifest["period_to"]
    assert [f["file"] for f in rec.files] == ["manifest.json", "units.csv", "staff.csv"]
    assert "hr-units.csv" in rec.source and "hr-staff.csv" in rec.source
    entry = LedgerEntry.objects.get(action="extract.import")
    assert entry.channel == "command"
    # the store now holds the two tables (later deltas are checked against them)
    assert set(store.current().tables) == {"units", "staff"}


def test_unknown_post_codes_become_posts_named_by_their_code(tmp_path: Path) -> None:
    Post.objects.create(code="ACCEPT", name="受理岗")

    printed = load(*files(tmp_path))

    assert "Posts: 2 created." in printed
    assert Post.objects.get(code="ACCEPT").name == "受理岗"  # existing: untouched
    assert Post.objects.get(code="INVESTIGATE").name == "INVESTIGATE"


def test_reloading_the_same_files_changes_nothing(tmp_path: Path) -> None:
    paths = files(tmp_path)
    load(*paths)
    before = registry()

    printed = load(*paths)

    assert "Units: 0 created, 0 updated, 5 unchanged." in printed
    assert "Officers: 0 created, 0 updated, 3 unchanged." in printed
    assert "Posts: 0 created." in printed
    assert registry() == before


def test_a_changed_row_updates_only_that_officer(tmp_path: Path) -> None:
    load(*files(tmp_path))
    before = registry()
    staff = STAFF.replace(
        "S002,王芳,B01D1,INVESTIGATE,,true", "S002,王芳,B01D2,INVESTIGATE,2028-01-31,true"
    )

    printed = load(*files(tmp_path, staff=staff))

    assert "Officers: 0 created, 1 updated, 2 unchanged." in printed
    after = registry()
    assert after["units"] == before["units"] and after["posts"] == before["posts"]
    changed = [o for o in after["officers"] if o not in before["officers"]]
    assert changed == [("S002", "王芳", "B01D2", "INVESTIGATE", dt.date(2028, 1, 31), True)]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_reads_utf8_with_bom_and_gb18030_as_given(tmp_path: Path, encoding: str) -> None:
    units, staff = files(tmp_path, encoding=encoding)

    load(units, staff)

    assert Unit.objects.get(code="B01").name == "第一税务分局"
    assert Officer.objects.get(officer_id="S001").name == "张伟"
    rec = ExtractImport.objects.get()
    assert {f["file"]: f["encoding"] for f in rec.files if f["format"] == "csv"} == {
        "units.csv": encoding,
        "staff.csv": encoding,
    }
    assert rec.file_checksums()["units.csv"] == _sha256(units)  # the bytes as given


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_bad_file_is_refused_whole_by_file_line_and_column(tmp_path: Path) -> None:
    units = """unit_code,name,parent_code,kind
B,示范市税务局,,bureau
B01,第一税务分局,B,branch
B02,,B,branch
B03,第三税务分局,NOPE,branch
B04,第四税务分局,B,office
B01,重复,B,branch
"""
    staff = """officer_id,name,unit_code,post_code,certified_until,active
S001,张伟,B01,ACCEPT,2027-02-30,true
S002,王芳,ZZZ,ACCEPT,,yes
S004,赵磊,B01,,,true
"""
    error, printed = refused(*files(tmp_path, units, staff))

    assert error.returncode == 1
    assert "Nothing was loaded" in str(error)
    assert f"units.csv is {tmp_path / 'hr-units.csv'}" in printed
    for where in (
        "units.csv, line 3, column unit_code",
        "units.csv, line 4, column name",
        "units.csv, line 5, column parent_code",
        "units.csv, line 6, column kind",
        "units.csv, line 7, column unit_code",
        "staff.csv, line 2, column certified_until",
        "staff.csv, line 3, column unit_code",
        "staff.csv, line 3, column active",
        "staff.csv, line 4, column post_code",
    ):
        assert where in printed, where
    assert "'office' is not one of" in printed
    assert "'NOPE' is not a units.unit_code" in printed
    # nothing written: no unit, post or officer, nothing in the store
    assert registry() == {"units": [], "posts": [], "officers": []}
    assert store.current().version == 0
    assert ExtractImport.objects.get().status == ImportStatus.REFUSED


def test_a_bad_staff_file_keeps_good_units_out_too(tmp_path: Path) -> None:
    staff = STAFF.replace("2027-06-30", "30/06/2027")

    _error, printed = refused(*files(tmp_path, staff=staff))

    assert "staff.csv, line 2, column certified_until: '30/06/2027' is not a date" in printed
    assert Unit.objects.count() == 0


def test_missing_and_unknown_columns_are_named(tmp_path: Path) -> None:
    units = "unit_code,name,kind,active\nB,示范市税务局,bureau,true\n"
    staff = "officer_id,name,unit_code,post_code,active\n"

    _error, printed = refused(*files(tmp_path, units, staff))

    assert "units.csv, line 1, column parent_code" in printed
    assert "units.csv, line 1, column active" in printed  # not in the contract
    assert "staff.csv, line 1, column certified_until" in printed
    assert Unit.objects.count() == 0


def test_an_unreadable_file_is_named_and_nothing_is_imported(tmp_path: Path) -> None:
    units, _staff = files(tmp_path)

    error, printed = refused(units, tmp_path / "missing.csv")

    assert error.returncode == 1
    assert "missing.csv: cannot be read" in printed
    assert not ExtractImport.objects.exists()


def test_a_second_bureau_is_refused_against_what_was_loaded_before(tmp_path: Path) -> None:
    load(*files(tmp_path))
    units = "unit_code,name,parent_code,kind\nC,另一局,,bureau\n"
    staff = "officer_id,name,unit_code,post_code,certified_until,active\n"

    _error, printed = refused(write(tmp_path, "u2.csv", units), write(tmp_path, "s2.csv", staff))

    assert "units.csv, line 2, column kind: there is more than one bureau" in printed
    assert not Unit.objects.filter(code="C").exists()


def test_staff_may_refer_to_units_loaded_before(tmp_path: Path) -> None:
    load(*files(tmp_path))
    staff = (
        "officer_id,name,unit_code,post_code,certified_until,active\n"
        "S009,孙强,B01D2,AUDIT,2027-01-01,true\n"
    )

    printed = load(
        write(tmp_path, "units2.csv", "unit_code,name,parent_code,kind\n"),
        write(tmp_path, "staff2.csv", staff),
    )

    assert "Officers: 1 created" in printed
    assert Officer.objects.get(officer_id="S009").unit.code == "B01D2"
    assert Officer.objects.count() == 4  # the delta kept the others


def test_moving_a_unit_below_its_own_child_is_refused(tmp_path: Path) -> None:
    load(*files(tmp_path))
    units = "unit_code,name,parent_code,kind\nB01,第一税务分局,B01D1,branch\n"

    _error, printed = refused(write(tmp_path, "u.csv", units), write(tmp_path, "s.csv", STAFF))

    assert "cycle" in printed
    b01 = Unit.objects.get(code="B01")
    assert b01.parent is not None and b01.parent.code == "B"


def test_the_manifest_is_a_delta_of_today_for_the_configured_bureau(
    tmp_path: Path, settings: Any
) -> None:
    settings.TAXLIGHT_BUREAU_NAME = "另一市税务局"

    load(*files(tmp_path))

    manifest = ExtractImport.objects.get().manifest
    extracted = dt.datetime.fromisoformat(manifest["extracted_at"])
    assert manifest["bureau"] == "另一市税务局" and manifest["mode"] == "delta"
    assert manifest["period_from"] == extracted.date().isoformat()
    assert json.loads(json.dumps(manifest)) == manifest


def test_reloading_puts_back_rows_edited_since(tmp_path: Path) -> None:
    paths = files(tmp_path)
    load(*paths)
    Officer.objects.filter(officer_id="S001").update(name="张伟伟", active=False)

    printed = load(*paths)

    assert "Officers: 0 created, 1 updated, 2 unchanged." in printed
    zhang = Officer.objects.get(officer_id="S001")
    assert (zhang.name, zhang.active) == ("张伟", True)
