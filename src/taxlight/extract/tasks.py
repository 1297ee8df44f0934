"""Background jobs of the extract app."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from taxlight.extract.models import ExtractImport
from taxlight.jobs.runner import job

log = logging.getLogger("taxlight.extract")


@job("taxlight.extract.tasks.import_folder")
def import_folder(import_id: int, folder: str, remove_after: bool = False) -> str:
    """Runs the import recorded as ``import_id`` on the extract in ``folder`` (an unpacked
    upload, removed afterwards when ``remove_after``). Returns the import's status."""
    from taxlight.extract import services

    rec = ExtractImport.objects.get(pk=import_id)
    try:
        services.run_import(folder=Path(folder), actor=rec.actor, existing=rec, source=rec.source)
    except Exception:  # recorded as failed on the import; the job itself is done
        log.exception("import #%s failed", import_id)
    finally:
        if remove_after:
            shutil.rmtree(folder, ignore_errors=True)
    rec.refresh_from_db()
    return rec.status
