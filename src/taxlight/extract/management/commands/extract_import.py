"""``manage.py extract_import DIR [--quarantine FILE] [--actor USERNAME] [--quiet]``

Exit codes: 0 imported (or already imported), 1 refused (problems listed), 2 failed or
could not start (e.g. another import running, unknown user)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from taxlight.core import context
from taxlight.extract import services
from taxlight.extract.models import ExtractImport, ImportStatus

SHOWN = 50  # problems printed; the report file has them all


class Command(BaseCommand):
    help = "Imports a source extract (folder with manifest.json and the table files)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument(
            "--quarantine",
            type=Path,
            metavar="FILE",
            help="import the good rows; write the bad ones with reasons to FILE",
        )
        parser.add_argument("--actor", metavar="USERNAME", help="who imports (for the ledger)")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = None
        if opts["actor"]:
            try:
                actor = get_user_model().objects.get(username=opts["actor"])
            except get_user_model().DoesNotExist:
                raise CommandError(
                    _("There is no user %(name)s.") % {"name": opts["actor"]}, returncode=2
                ) from None
        started = time.monotonic()
        with context.acting(user=actor, channel="command"):
            try:
                rec = services.run_import(
                    folder=opts["folder"],
                    actor=actor,
                    quarantine=opts["quarantine"],
                    progress=not opts["quiet"] and opts["verbosity"] > 0,
                    source=str(opts["folder"].resolve()),
                )
            except services.ImportBusy as exc:
                raise CommandError(str(exc), returncode=2) from exc
            except Exception as exc:
                raise CommandError(
                    _("The import failed; nothing was kept: %(error)s") % {"error": exc},
                    returncode=2,
                ) from exc
        self._report(rec, time.monotonic() - started)
        if rec.status == ImportStatus.REFUSED:
            raise CommandError(
                _("The extract was refused: nothing of it was kept (%(n)s problems).")
                % {"n": rec.problem_total},
                returncode=1,
            )

    def _report(self, rec: ExtractImport, seconds: float) -> None:
        out = self.stdout
        if rec.status == ImportStatus.REFUSED:
            for p in rec.problem_list()[:SHOWN]:
                self.stderr.write(str(p))
            if rec.problem_total > SHOWN:
                self.stderr.write(_("… and %(n)s more.") % {"n": rec.problem_total - SHOWN})
            if rec.report_file:
                self.stderr.write(_("Full report: %(path)s") % {"path": rec.report_file})
            return
        if rec.already_imported:
            out.write(
                _(
                    "Already imported: this extract is what the store holds; nothing "
                    "changed (import #%(id)s)."
                )
                % {"id": rec.pk}
            )
            return
        out.write(
            self.style.SUCCESS(
                _("Imported (import #%(id)s, %(mode)s, store version %(v)s) in %(s).1f s.")
                % {"id": rec.pk, "mode": rec.mode, "v": rec.store_version, "s": seconds}
            )
        )
        for table, c in rec.counts.items():
            parts = [f"{k} {v}" for k, v in c.items()]
            out.write(f"  {table}: " + ", ".join(parts))
        if rec.quarantined:
            out.write(
                self.style.WARNING(
                    _("%(n)s rows were set aside; they are listed with their reasons in %(path)s.")
                    % {"n": rec.quarantined, "path": rec.quarantine_file}
                )
            )
