"""Where the large facts live: the analytics store, a versioned set of Parquet datasets.

Layout under ``settings.ANALYTICS_DIR`` (default ``var/analytics``; on a cluster, a path on
shared storage that Spark can read)::

    current.json    {"version": 7, "import_id": 7, "published_at": "...",
                     "tables": {"invoices": "tables/invoices/v7", ...}}
    tables/<table>/v<version>/part-*.parquet

An import writes every table it changes into a new version directory, then replaces
``current.json`` atomically (write, fsync, rename). Readers resolve a table through
``current.json`` only, so a reader never sees half an import, and a failed import leaves the
store exactly as it was. Old versions are removed by :func:`prune` once nothing points at them.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

POINTER = "current.json"


def root() -> Path:
    return Path(getattr(settings, "ANALYTICS_DIR", settings.VAR_DIR / "analytics"))


@dataclass
class Snapshot:
    version: int = 0
    tables: dict[str, str] = field(default_factory=dict)  # table -> path relative to root
    import_id: int | None = None
    published_at: str = ""

    def path(self, table: str, base: Path | None = None) -> Path | None:
        rel = self.tables.get(table)
        return None if rel is None else (base or root()) / rel

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "tables": self.tables,
            "import_id": self.import_id,
            "published_at": self.published_at,
        }


def current(base: Path | None = None) -> Snapshot:
    path = (base or root()) / POINTER
    if not path.exists():
        return Snapshot()
    data = json.loads(path.read_text(encoding="utf-8"))
    return Snapshot(
        int(data["version"]),
        dict(data["tables"]),
        data.get("import_id"),
        data.get("published_at", ""),
    )


def version_dir(table: str, version: int, base: Path | None = None) -> Path:
    return (base or root()) / "tables" / table / f"v{version}"


def publish(snapshot: Snapshot, base: Path | None = None) -> None:
    """Makes ``snapshot`` the current one, atomically."""
    base = base or root()
    base.mkdir(parents=True, exist_ok=True)
    tmp = base / f".{POINTER}.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(snapshot.to_json(), fh, ensure_ascii=False, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(base / POINTER)


def prune(base: Path | None = None, keep: int = 1) -> list[Path]:
    """Removes version directories that the current snapshot does not use, keeping the
    ``keep`` newest unused ones per table (for a quick roll-back). Returns what it removed."""
    base = base or root()
    snap = current(base)
    in_use = {(base / rel).resolve() for rel in snap.tables.values()}
    removed: list[Path] = []
    tables_dir = base / "tables"
    if not tables_dir.exists():
        return removed
    for table_dir in tables_dir.iterdir():
        versions = sorted(
            (p for p in table_dir.iterdir() if p.is_dir() and p.name.startswith("v")),
            key=lambda p: int(p.name[1:]) if p.name[1:].isdigit() else -1,
            reverse=True,
        )
        spare = [p for p in versions if p.resolve() not in in_use]
        for old in spare[keep:]:
            shutil.rmtree(old)
            removed.append(old)
    return removed
