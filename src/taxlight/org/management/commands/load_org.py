"""``manage.py load_org UNITS STAFF`` (``taxlight org load UNITS STAFF``): loads the
organisation from the ``units`` and ``staff`` tables of a source extract.

A thin wrapper around the extract importer (:func:`taxlight.extract.services.run_import`):
the two files are copied, byte for byte, into a temporary extract folder with a ``delta``
manifest, and imported like any other extract. The importer does all the checking (every
problem by file, line and column; all or nothing) and the loading (units, posts for unknown
post codes, officers; rows matched by key, only what differs written) and records the import
as an :class:`~taxlight.extract.models.ExtractImport` with one ledger entry.

Exit codes: 0 loaded, 1 refused (problems listed) or a file cannot be read, 2 failed or could
not start (e.g. another import running).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from taxlight.core.context import acting
from taxlight.extract import services
from taxlight.extract.models import ExtractImport, ImportStatus

SHOWN = 50  # problems printed; the import's report file has them all
CHINA = dt.timezone(dt.timedelta(hours=8))


def manifest() -> dict[str, Any]:
    """The manifest of a delta extract holding only the units and staff tables.

    ``extracted_at`` is now, to the microsecond: every run is a new extract, so re-loading
    files is always checked against the registry as it is (never skipped as "already
    imported"), and puts back rows edited since."""
    now = timezone.now().astimezone(CHINA)
    today = now.date().isoformat()
    return {
        "format": "taxlight-extract",
        "version": 1,
        "bureau": settings.TAXLIGHT_BUREAU_NAME,
        "extracted_at": now.isoformat(),
        "period_from": today,
        "period_to": today,
        "mode": "delta",
    }


class Command(BaseCommand):
    help = (
        "Loads the units and staff tables of a source extract (CSV in UTF-8 or GB18030, or "
        "Parquet) through the extract importer. All or nothing; re-loading the same files "
        "changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("units", type=Path, help="the units table (units.csv)")
        parser.add_argument("staff", type=Path, help="the staff table (staff.csv)")

    def handle(self, *args: Any, **options: Any) -> None:
        units: Path = options["units"]
        staff: Path = options["staff"]
        with tempfile.TemporaryDirectory(prefix="taxlight-org-") as tmp:
            folder = Path(tmp)
            unreadable = [
                problem
                for table, path in (("units", units), ("staff", staff))
                if (problem := _copy(path, folder, table))
            ]
            if unreadable:
                for line in unreadable:
                    self.stderr.write(line)
                raise CommandError(_("Nothing was loaded: a file cannot be read."), returncode=1)
            (folder / "manifest.json").write_text(
                json.dumps(manifest(), ensure_ascii=False, indent=2), encoding="utf-8"
            )
            source = f"load_org {units.resolve()} {staff.resolve()}"
            with acting(channel="command"):
                try:
                    rec = services.run_import(folder=folder, actor=None, source=source)
                except services.ImportBusy as exc:
                    raise CommandError(str(exc), returncode=2) from exc
                except Exception as exc:
                    raise CommandError(
                        _("The import failed; nothing was kept: %(error)s") % {"error": exc},
                        returncode=2,
                    ) from exc
        if rec.status == ImportStatus.REFUSED:
            self.stderr.write(
                _("units.csv is %(units)s; staff.csv is %(staff)s.")
                % {"units": units, "staff": staff}
            )
            self._problems(rec)
            raise CommandError(
                _("Nothing was loaded: %(n)s problem(s) found (import #%(id)s).")
                % {"n": rec.problem_total, "id": rec.pk},
                returncode=1,
            )
        self._loaded(rec)

    def _problems(self, rec: ExtractImport) -> None:
        for p in rec.problem_list()[:SHOWN]:
            self.stderr.write(str(p))
        if rec.problem_total > SHOWN:
            self.stderr.write(_("… and %(n)s more.") % {"n": rec.problem_total - SHOWN})
        if rec.report_file:
            self.stderr.write(_("Full report: %(path)s") % {"path": rec.report_file})

    def _loaded(self, rec: ExtractImport) -> None:
        if rec.already_imported:
            self.stdout.write(
                _("Already loaded: nothing changed (import #%(id)s).") % {"id": rec.pk}
            )
            return
        units = rec.counts.get("units", {})
        staff = rec.counts.get("staff", {})
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Loaded (import #%(id)s). Units: %(uc)s created, %(uu)s updated, "
                    "%(un)s unchanged. Posts: %(pc)s created. Officers: %(oc)s created, "
                    "%(ou)s updated, %(on)s unchanged."
                )
                % {
                    "id": rec.pk,
                    "uc": int(units.get("created", 0)),
                    "uu": int(units.get("updated", 0)),
                    "un": int(units.get("unchanged", 0)),
                    "pc": int(staff.get("posts_created", 0)),
                    "oc": int(staff.get("created", 0)),
                    "ou": int(staff.get("updated", 0)),
                    "on": int(staff.get("unchanged", 0)),
                }
            )
        )


def _copy(path: Path, folder: Path, table: str) -> str:
    """Copies ``path`` into ``folder`` as the table's file, bytes unchanged (encoding and
    byte order mark stay as given). Returns a problem line, or "" when copied."""
    fmt = "parquet" if path.suffix.lower() == ".parquet" else "csv"
    try:
        shutil.copyfile(path, folder / f"{table}.{fmt}")
    except OSError as exc:
        return _("%(file)s: cannot be read: %(detail)s") % {
            "file": path.name,
            "detail": exc.strerror or exc,
        }
    return ""
