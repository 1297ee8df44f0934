"""Importing a source extract: the one service that changes the registry and the analytics
store from an extract, and the upload that starts it from the workbench.

An import is all or nothing: the registry's rows are written in one transaction, and the new
version of the analytics store is published (``current.json`` replaced atomically) as the
last step inside that transaction; if anything fails, the transaction is rolled back, the
previous snapshot is put back and the new version directories are removed. Every import —
succeeded, refused or failed — is recorded as an :class:`ExtractImport` and gets exactly one
ledger entry.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import shutil
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from taxlight.audit.services import record
from taxlight.core import context
from taxlight.extract import registry_load, store
from taxlight.extract.contract import TABLES
from taxlight.extract.importer import Check
from taxlight.extract.models import ExtractImport, ImportStatus

log = logging.getLogger("taxlight.extract")

DEFAULT_UPLOAD_LIMIT = 2 * 1024**3  # bytes of the .zip
DEFAULT_UNPACKED_LIMIT = 20 * 1024**3  # bytes once unpacked (zip bombs)
MAX_MEMBERS = 100


class ImportBusy(Exception):
    """Another import is running on this analytics store."""


class UploadError(Exception):
    """The uploaded file cannot be used; the message says why, for the user."""


def imports_dir() -> Path:
    return Path(getattr(settings, "EXTRACT_IMPORTS_DIR", Path(settings.VAR_DIR) / "imports"))


@contextlib.contextmanager
def _lock(base: Path) -> Iterator[None]:
    base.mkdir(parents=True, exist_ok=True)
    with (base / ".import.lock").open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise ImportBusy(
                _("Another import is running; try again when it has finished.")
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def run_import(
    *,
    folder: Path,
    actor: Any = None,
    quarantine: Path | None = None,
    progress: bool = False,
    existing: ExtractImport | None = None,
    source: str = "",
) -> ExtractImport:
    """Imports the extract in ``folder`` (see the module). Returns the import's record,
    whose status says what happened; raises only for failures (the record then says
    ``failed``) and :class:`ImportBusy`."""
    base = store.root()
    with _lock(base):
        rec = existing or ExtractImport.objects.create(
            source=source or str(folder),
            actor=actor if _is_user(actor) else None,
            channel=context.current().channel,
        )
        check = Check(
            Path(folder),
            quarantine=quarantine,
            progress=progress,
            base=base,
            report_dir=imports_dir() / str(rec.pk),
        )
        try:
            _run(rec, check, actor, quarantine)
        except Exception as exc:
            check.cleanup(keep_new=False)
            _finish(rec, ImportStatus.FAILED, actor, error=f"{type(exc).__name__}: {exc}")
            raise
        return rec


def _run(rec: ExtractImport, check: Check, actor: Any, quarantine: Path | None) -> None:
    usable = check.open()
    rec.manifest = check.manifest.data if check.manifest else {}
    rec.mode = check.mode
    rec.files = _files(check)
    if usable and _already_imported(rec, check):
        rec.already_imported = True
        rec.store_version = check.previous.version
        rec.counts = {}
        check.cleanup(keep_new=True)
        _finish(rec, ImportStatus.SUCCEEDED, actor)
        return
    outcome = check.run()
    rec.files = _files(check)
    rec.problems = [p.to_json() for p in outcome.problems]
    rec.problem_counts = outcome.counts
    rec.problem_total = outcome.total
    rec.report_file = outcome.report_file
    if outcome.total and (quarantine is None or outcome.fatal):
        check.cleanup(keep_new=False)
        _finish(rec, ImportStatus.REFUSED, actor)
        return
    rec.quarantined = outcome.quarantined
    rec.quarantine_file = outcome.quarantine_file
    snapshot = outcome.snapshot
    assert snapshot is not None
    snapshot.import_id = rec.pk
    snapshot.published_at = timezone.now().isoformat()
    published = False
    try:
        with transaction.atomic():
            counts: dict[str, dict[str, float]] = {}
            for name, state in outcome.tables.items():
                counts[name] = dict(state.counts)
                if state.bad:
                    counts[name]["quarantined"] = state.bad
            for name, loader in (
                ("units", registry_load.load_units),
                ("staff", registry_load.load_staff),
                ("taxpayers", registry_load.load_taxpayers),
            ):
                if name in outcome.tables:
                    counts[name].update(loader(check.incoming(name)))
            rec.counts = counts
            rec.store_version = snapshot.version
            _finish(rec, ImportStatus.SUCCEEDED, actor)
            store.publish(snapshot, check.base)  # the last step: nothing can fail after it
            published = True
    except BaseException:
        if published:
            store.publish(check.previous, check.base)
        raise
    check.cleanup(keep_new=True)
    store.prune(check.base, keep=1)


def _files(check: Check) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if check.manifest is not None:
        out.append(
            {
                "table": "",
                "file": "manifest.json",
                "format": "json",
                "sha256": check.manifest.sha256,
            }
        )
    out.extend(f.to_json() for f in check.files)
    return out


def _checksums(files: list[dict[str, Any]]) -> dict[str, str]:
    return {f["file"]: f["sha256"] for f in files}


def _already_imported(rec: ExtractImport, check: Check) -> bool:
    """The data the store holds now came from an import of exactly these files."""
    if not check.previous.version:
        return False
    last = (
        ExtractImport.objects.filter(
            status=ImportStatus.SUCCEEDED, store_version=check.previous.version
        )
        .exclude(pk=rec.pk)
        .order_by("-pk")
        .first()
    )
    return last is not None and _checksums(last.files) == _checksums(rec.files)


def _finish(rec: ExtractImport, status: str, actor: Any, error: str = "") -> None:
    """Saves the record's outcome and writes the import's one ledger entry."""
    with transaction.atomic():
        rec.status = status
        rec.error = error[:5000]
        rec.finished_at = timezone.now()
        rec.save()
        record(
            "extract.import",
            obj=rec,
            actor=actor if _is_user(actor) else None,
            object_label=f"{rec.source} ({status})"[:300],
            reason=rec.source,
            after={
                "status": status,
                "mode": rec.mode,
                "already_imported": rec.already_imported,
                "files": [
                    {"file": f["file"], "sha256": f["sha256"], "rows": f.get("rows")}
                    for f in rec.files
                ],
                "counts": rec.counts,
                "quarantined": rec.quarantined,
                "problems": rec.problem_total,
                "store_version": rec.store_version,
                "error": error[:500],
            },
        )


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


# --- upload ---------------------------------------------------------------------------------


def upload_limit() -> int:
    return int(getattr(settings, "EXTRACT_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_LIMIT))


def _allowed_names() -> set[str]:
    names = {"manifest.json"}
    for t in TABLES:
        names |= {f"{t}.csv", f"{t}.parquet"}
    return names


def unpack(upload: UploadedFile) -> Path:
    """Unpacks a .zip of an extract folder into a new folder under ``imports_dir()``, safely:
    no absolute paths, no ``..``, no links, only the contract's file names (in the zip's root
    or in one folder), size-limited. Raises :class:`UploadError`."""
    if upload.size is not None and upload.size > upload_limit():
        raise UploadError(
            _("The file is larger than %(limit)s MB.") % {"limit": upload_limit() // 1024**2}
        )
    try:
        archive = zipfile.ZipFile(upload)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UploadError(_("The file is not a valid .zip archive.")) from exc
    if len(members) > MAX_MEMBERS:
        raise UploadError(_("The archive holds too many files."))
    allowed = _allowed_names()
    chosen: dict[str, zipfile.ZipInfo] = {}
    folders: set[str] = set()
    total = 0
    for info in members:
        name = info.filename
        path = PurePosixPath(name.replace("\\", "/"))
        if name.startswith(("/", "\\")) or ".." in path.parts or ":" in name:
            raise UploadError(_("The archive contains an unsafe path: %(name)s") % {"name": name})
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise UploadError(_("The archive contains a link: %(name)s") % {"name": name})
        if info.is_dir():
            continue
        if path.name.startswith(".") or path.parts[0] == "__MACOSX":
            continue
        if len(path.parts) > 2:
            raise UploadError(
                _("Put the extract's files at the top of the archive or in one folder: %(name)s")
                % {"name": name}
            )
        if path.name not in allowed:
            raise UploadError(
                _("The archive contains a file that is not part of an extract: %(name)s")
                % {"name": name}
            )
        folders.add(path.parts[0] if len(path.parts) == 2 else "")
        if path.name in chosen:
            raise UploadError(_("The archive contains %(name)s twice.") % {"name": path.name})
        chosen[path.name] = info
        total += info.file_size
    if len(folders) > 1:
        raise UploadError(_("Put the extract's files at the top of the archive or in one folder."))
    if "manifest.json" not in chosen:
        raise UploadError(_("The archive has no manifest.json: it is not an extract folder."))
    if total > int(getattr(settings, "EXTRACT_UNPACKED_MAX_BYTES", DEFAULT_UNPACKED_LIMIT)):
        raise UploadError(_("The archive is too large once unpacked."))
    target = imports_dir() / "uploads" / uuid.uuid4().hex
    target.mkdir(parents=True)
    try:
        for name, info in chosen.items():
            written = 0
            with archive.open(info) as src, (target / name).open("wb") as dst:
                while chunk := src.read(1 << 20):
                    written += len(chunk)
                    if written > info.file_size:  # lies about its size
                        raise UploadError(_("The archive is damaged."))
                    dst.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise UploadError(_("The archive is damaged.")) from exc
    except UploadError:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


def start_upload(*, upload: UploadedFile, actor: Any) -> ExtractImport:
    """Unpacks the upload and starts its import as a background job (in embedded mode it
    runs now, in-process). Returns the import's record. Raises :class:`UploadError`."""
    from taxlight.extract.tasks import import_folder
    from taxlight.jobs.runner import JobQueueUnavailable, enqueue_or_raise

    folder = unpack(upload)
    rec = ExtractImport.objects.create(
        source=upload.name or "upload.zip", actor=actor, channel=context.current().channel or "web"
    )
    try:
        enqueue_or_raise(import_folder, rec.pk, str(folder), True)
    except JobQueueUnavailable as exc:
        shutil.rmtree(folder, ignore_errors=True)
        _finish(rec, ImportStatus.FAILED, actor, error=str(exc))
        raise UploadError(
            _("The job queue is unreachable; the import was not started. Try again later.")
        ) from exc
    rec.refresh_from_db()
    return rec
