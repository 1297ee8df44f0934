"""Importing good extracts: the stores, idempotence, deltas, quarantine, the ledger, the
command, and the workbench's pages and upload."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from taxlight.audit.models import LedgerEntry
from taxlight.authz.models import Role
from taxlight.extract import services, store
from taxlight.extract.models import ExtractImport, ImportStatus
from taxlight.org.models import Officer, Unit
from taxlight.taxpayers.models import Taxpayer
from tests.factories import officer_with_role

from .conftest import BASE, TP1, TP2, TP3, everything, replace_line

pytestmark = pytest.mark.django_db


def table(name: str) -> list[dict]:
    snap = store.current()
    path = snap.path(name)
    assert path is not None
    rel = duckdb.read_parquet(f"{path}/part-*.parquet").order("1")
    return rel.to_arrow_table().to_pylist()


def test_a_good_extract_fills_the_registry_and_the_store(extract):
    rec = services.run_import(folder=extract())
    assert rec.status == ImportStatus.SUCCEEDED
    assert Unit.objects.get(code="SF01-ZS").parent.code == "SF01"
    officer = Officer.objects.get(officer_id="S002")
    assert (officer.post.code, officer.active, officer.certified_until) == ("APPROVE", False, None)
    tp = Taxpayer.objects.get(taxpayer_id=TP3)
    assert (tp.credit_grade, tp.status, tp.unit.code) == ("", "abnormal", "SF01")
    snap = store.current()
    assert snap.version == rec.store_version == 1 and snap.import_id == rec.pk
    assert set(snap.tables) == set(BASE)
    # the contract's types, decimals never floats
    schema = pq.read_schema(next((snap.path("filings") or Path()).glob("*.parquet")))
    assert str(schema.field("revenue").type) == "decimal128(18, 2)"
    assert str(schema.field("due_on").type) == "date32[day]"
    ea = pq.read_schema(next((snap.path("enforcement_actions") or Path()).glob("*.parquet")))
    assert str(ea.field("started_at").type) == "timestamp[us, tz=UTC]"
    filings = table("filings")
    assert str(filings[1]["taxable_income"]) == "-1200.25"
    actions = table("enforcement_actions")
    assert actions[0]["started_at"] == dt.datetime(2025, 3, 1, 1, 0, tzinfo=dt.UTC)
    assert [r["unit_code"] for r in table("units")] == ["SF00", "SF01", "SF01-ZS"]


def test_importing_the_same_extract_again_changes_nothing(extract):
    folder = extract()
    first = services.run_import(folder=folder)
    before = everything()
    second = services.run_import(folder=folder)
    assert second.status == ImportStatus.SUCCEEDED and second.already_imported
    assert second.store_version == first.store_version
    assert everything() == before


def test_the_same_data_in_new_files_changes_no_registry_row(extract):
    services.run_import(folder=extract())
    units, officers, taxpayers = (list(m.objects.values()) for m in (Unit, Officer, Taxpayer))
    later = {"extracted_at": "2026-02-01T02:00:00+08:00"}
    rec = services.run_import(folder=extract(manifest=later))
    assert not rec.already_imported
    counts = {k: v for k, v in rec.counts["taxpayers"].items() if k != "seconds"}
    assert counts == {"rows": 3, "created": 0, "updated": 0, "unchanged": 3}
    assert [list(m.objects.values()) for m in (Unit, Officer, Taxpayer)] == [
        units,
        officers,
        taxpayers,
    ]


def test_a_delta_replaces_rows_by_key_in_the_store_and_the_registry(extract):
    services.run_import(folder=extract())
    taxpayers = replace_line("taxpayers", 2, "示范制造有限公司", "示范制造股份有限公司")
    taxpayers = [taxpayers[0], taxpayers[2]]  # only the changed one
    invoices = [
        BASE["invoices"][0],
        BASE["invoices"][2].replace("200.00,26.00", "250.00,32.50"),
        f"I5,{TP2},{TP1},2025-03-01,special,100.00,13.00,10101,valid,",
    ]
    rec = services.run_import(
        folder=extract(
            manifest={"mode": "delta"},
            only=("taxpayers", "invoices"),
            tables={"taxpayers": taxpayers, "invoices": invoices},
        )
    )
    assert rec.status == ImportStatus.SUCCEEDED, rec.problems
    counts = {k: v for k, v in rec.counts["invoices"].items() if k != "seconds"}
    assert counts == {"rows": 5, "created": 1, "updated": 1, "unchanged": 0}
    assert rec.counts["taxpayers"]["updated"] == 1
    assert Taxpayer.objects.get(taxpayer_id=TP2).name == "示范制造股份有限公司"
    assert Taxpayer.objects.count() == 3
    rows = {r["invoice_id"]: r for r in table("invoices")}
    assert sorted(rows) == ["I1", "I2", "I3", "I4", "I5"]
    assert str(rows["I2"]["amount"]) == "250.00"
    assert len(table("filings")) == 3  # tables absent from the delta are kept
    assert len(table("taxpayers")) == 3


def test_a_delta_may_refer_to_rows_already_imported(extract):
    services.run_import(folder=extract())
    filings = [
        BASE["filings"][0],
        f"F9,{TP3},STAMP,2025-05-01,2025-05-31,2025-06-15,,10.00,,,,1.00,1.00,",
    ]
    rec = services.run_import(
        folder=extract(manifest={"mode": "delta"}, only=("filings",), tables={"filings": filings})
    )
    assert rec.status == ImportStatus.SUCCEEDED, rec.problems


def test_a_delta_with_a_dangling_reference_is_refused(extract):
    services.run_import(folder=extract())
    before = everything()
    filings = [
        BASE["filings"][0],
        "F9,91330100MA00000999,STAMP,2025-05-01,2025-05-31,2025-06-15,,1.00,,,,1.00,1.00,",
    ]
    rec = services.run_import(
        folder=extract(manifest={"mode": "delta"}, only=("filings",), tables={"filings": filings})
    )
    assert rec.status == ImportStatus.REFUSED
    assert {p.code for p in rec.problem_list()} == {"dangling"}
    assert everything() == before


def test_quarantine_imports_the_good_rows_and_writes_the_bad_ones(extract, tmp_path):
    taxpayers = replace_line("taxpayers", 3, "small_scale", "tiny")  # TP3 is bad
    invoices = replace_line("invoices", 2, "2025-01-06", "2025-01-32")
    quarantine = tmp_path / "rejects.csv"
    rec = services.run_import(
        folder=extract(tables={"taxpayers": taxpayers, "invoices": invoices}), quarantine=quarantine
    )
    assert rec.status == ImportStatus.SUCCEEDED
    assert Taxpayer.objects.filter(taxpayer_id=TP3).count() == 0
    assert Taxpayer.objects.count() == 2
    with quarantine.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    by_key = {(r["file"], r["key"]): r for r in rows}
    assert "vat_status: 'tiny' is not one of" in by_key[("taxpayers.csv", TP3)]["reasons"]
    assert by_key[("taxpayers.csv", TP3)]["line"] == "4"
    assert "is not a date" in by_key[("invoices.csv", "I2")]["reasons"]
    # rows that only fail because the row they refer to was set aside go with it
    assert "set aside as bad" in by_key[("filings.csv", "F3")]["reasons"]
    assert ("enforcement_actions.csv", "A1") in by_key
    assert rec.quarantined == len(rows) == 5
    assert sorted(r["invoice_id"] for r in table("invoices")) == ["I1", "I3", "I4"]
    assert sorted(r["filing_id"] for r in table("filings")) == ["F1", "F2"]
    assert rec.counts["invoices"]["quarantined"] == 1


def test_quarantine_still_refuses_an_extract_with_file_level_problems(extract, tmp_path):
    rec = services.run_import(folder=extract(tables={"audits": b""}), quarantine=tmp_path / "q.csv")
    assert rec.status == ImportStatus.REFUSED
    assert everything()["store"] == {}


def test_each_import_gets_one_ledger_entry_with_checksums(extract):
    before = LedgerEntry.objects.count()
    rec = services.run_import(folder=extract())
    entries = list(LedgerEntry.objects.filter(action="extract.import"))
    assert LedgerEntry.objects.count() == before + 1 and len(entries) == 1
    after = entries[0].after
    assert after["status"] == "succeeded" and after["mode"] == "full"
    files = {f["file"]: f for f in after["files"]}
    assert files["invoices.csv"]["rows"] == 4
    assert len(files["invoices.csv"]["sha256"]) == 64
    assert "manifest.json" in files
    assert after["counts"]["taxpayers"]["created"] == 3
    assert entries[0].object_id == str(rec.pk)
    refused = services.run_import(folder=extract(tables={"macro": ["year,gdp", "x,1"]}))
    entry = LedgerEntry.objects.filter(action="extract.import").latest("seq")
    assert entry.object_id == str(refused.pk) and entry.after["status"] == "refused"


def test_parquet_extracts_are_read_and_problems_located_by_row_group(tmp_path):
    call_command(
        "extract_generate",
        str(tmp_path / "pq"),
        "--taxpayers",
        "60",
        "--years",
        "1",
        "--format",
        "parquet",
        "--quiet",
    )
    rec = services.run_import(folder=tmp_path / "pq")
    assert rec.status == ImportStatus.SUCCEEDED, rec.problems[:5]
    assert Taxpayer.objects.count() == 60
    # a floating-point amount column is refused by name
    import pyarrow as pa

    path = tmp_path / "pq" / "macro.parquet"
    t = pq.read_table(path)
    pq.write_table(t.set_column(1, "gdp", t.column("gdp").cast(pa.float64())), path)
    rec = services.run_import(folder=tmp_path / "pq")
    assert rec.status == ImportStatus.REFUSED
    (p,) = rec.problem_list()
    assert (p.code, p.column) == ("column_type", "gdp") and "floating-point" in str(p)
    t2 = pq.read_table(path).set_column(1, "gdp", t.column("gdp"))
    pq.write_table(pa.concat_tables([t2, t2.slice(0, 1)]), path)
    rec = services.run_import(folder=tmp_path / "pq")
    dup = [p for p in rec.problem_list() if p.code == "duplicate_key"]
    assert dup and dup[-1].row_group == 0 and dup[-1].line == t2.num_rows + 1
    assert "row group 0, row" in str(dup[-1])


def test_a_generated_extract_imports_cleanly(tmp_path):
    call_command(
        "extract_generate",
        str(tmp_path / "city"),
        "--taxpayers",
        "60",
        "--years",
        "1",
        "--encoding",
        "gb18030",
        "--quiet",
    )
    rec = services.run_import(folder=tmp_path / "city")
    assert rec.status == ImportStatus.SUCCEEDED, rec.problems[:5]
    assert rec.counts["invoices"]["rows"] > 0


# --- the command ----------------------------------------------------------------------------


def test_the_command_imports_and_says_so(extract):
    out, err = io.StringIO(), io.StringIO()
    folder = extract()
    call_command("extract_import", str(folder), "--quiet", stdout=out, stderr=err)
    assert "Imported (import #" in out.getvalue()
    assert "invoices: rows 4" in out.getvalue()
    out = io.StringIO()
    call_command("extract_import", str(folder), "--quiet", stdout=out)
    assert "Already imported" in out.getvalue()


def test_the_command_exits_1_and_lists_the_problems_of_a_refused_extract(extract):
    err = io.StringIO()
    lines = replace_line("filings", 2, "2025-04-30", "2025-02-30")
    with pytest.raises(CommandError) as exc:
        call_command(
            "extract_import", str(extract(tables={"filings": lines})), "--quiet", stderr=err
        )
    assert exc.value.returncode == 1
    assert "refused" in str(exc.value)
    assert (
        "filings.csv, line 3, column due_on: '2025-02-30' is not a date (YYYY-MM-DD)."
        in err.getvalue()
    )
    assert "Full report:" in err.getvalue()


def test_the_command_exits_2_for_an_unknown_actor(extract):
    with pytest.raises(CommandError) as exc:
        call_command("extract_import", str(extract()), "--actor", "nobody", "--quiet")
    assert exc.value.returncode == 2


def test_the_command_records_the_actor_and_writes_the_quarantine_file(extract, tmp_path):
    officer = officer_with_role(Role.SYSADMIN)
    assert officer.user is not None
    lines = replace_line("macro", 1, "2025", "20x5")
    out = io.StringIO()
    call_command(
        "extract_import",
        str(extract(tables={"macro": lines})),
        "--quiet",
        "--actor",
        officer.user.username,
        "--quarantine",
        str(tmp_path / "q.csv"),
        stdout=out,
    )
    rec = ExtractImport.objects.latest("pk")
    assert rec.actor == officer.user and rec.quarantined == 1
    assert "1 rows were set aside" in out.getvalue()
    assert (tmp_path / "q.csv").exists()


# --- the workbench --------------------------------------------------------------------------


def _zip(files: dict[str, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    buf.seek(0)
    return buf


def _zip_folder(folder: Path, prefix: str = "") -> io.BytesIO:
    return _zip({prefix + p.name: p.read_bytes() for p in folder.iterdir()})


@pytest.fixture
def analyst_client(verified_client: Callable) -> object:
    officer = officer_with_role(Role.ANALYST)
    return verified_client(officer.user)


def test_uploading_an_extract_imports_it_and_shows_the_result(analyst_client, extract):
    upload = _zip_folder(extract(), prefix="extract/")
    upload.name = "city.zip"
    response = analyst_client.post(reverse("extract:upload"), {"archive": upload})
    rec = ExtractImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("extract:import", args=[rec.pk])
    assert rec.status == ImportStatus.SUCCEEDED and rec.source == "city.zip"
    assert Taxpayer.objects.count() == 3
    page = analyst_client.get(response.url)
    assert page.status_code == 200 and "invoices.csv" in page.content.decode()
    listing = analyst_client.get(reverse("extract:imports"))
    assert "city.zip" in listing.content.decode()
    assert not any((services.imports_dir() / "uploads").iterdir())  # unpacked files removed


def test_the_detail_page_shows_problems_by_file_line_and_column(analyst_client, extract):
    lines = replace_line("filings", 2, "2025-04-30", "2025-02-30")
    rec = services.run_import(folder=extract(tables={"filings": lines}))
    page = analyst_client.get(reverse("extract:import", args=[rec.pk])).content.decode()
    assert "filings.csv" in page and "<code>due_on</code>" in page
    assert "&#x27;2025-02-30&#x27; is not a date (YYYY-MM-DD)." in page
    report = analyst_client.get(reverse("extract:report", args=[rec.pk]))
    assert report.status_code == 200
    assert b"2025-02-30" in b"".join(report.streaming_content)


def test_a_file_that_is_not_a_zip_is_refused(analyst_client):
    upload = io.BytesIO(b"not a zip at all")
    upload.name = "extract.zip"
    response = analyst_client.post(reverse("extract:upload"), {"archive": upload})
    assert response.status_code == 400
    assert "not a valid .zip archive" in response.content.decode()
    assert not ExtractImport.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "../manifest.json",
        "/etc/manifest.json",
        "a/../../manifest.json",
        "x/y/manifest.json",
        "evil.sh",
    ],
)
def test_an_archive_with_unsafe_or_foreign_paths_is_refused(analyst_client, name, tmp_path):
    upload = _zip({name: b"{}", "manifest.json": b"{}"})
    upload.name = "extract.zip"
    response = analyst_client.post(reverse("extract:upload"), {"archive": upload})
    assert response.status_code == 400
    assert not ExtractImport.objects.exists()
    assert not (tmp_path / "manifest.json").exists()
    uploads = services.imports_dir() / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_an_upload_larger_than_the_limit_is_refused(analyst_client, settings):
    settings.EXTRACT_UPLOAD_MAX_BYTES = 10
    upload = _zip({"manifest.json": json.dumps({"x": "y" * 100}).encode()})
    upload.name = "extract.zip"
    response = analyst_client.post(reverse("extract:upload"), {"archive": upload})
    assert response.status_code == 400 and "larger than" in response.content.decode()


def test_the_pages_need_their_permissions(verified_client):
    officer = officer_with_role(Role.OFFICER)
    client = verified_client(officer.user)
    assert client.get(reverse("extract:imports")).status_code == 403
    assert client.get(reverse("extract:upload")).status_code == 403
    supervisor = verified_client(officer_with_role(Role.SUPERVISOR).user)
    assert supervisor.get(reverse("extract:imports")).status_code == 200
    assert supervisor.get(reverse("extract:upload")).status_code == 403
    assert supervisor.post(reverse("extract:upload")).status_code == 403
