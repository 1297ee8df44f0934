"""Anchors: the chain head copied outside the ledger table.

A hash chain shows any edit, removal or reordering, but someone who can rewrite the whole
table could recompute every hash. Checkpoints copy the head (sequence and hash) to the log
and to an append-only anchor file (``LEDGER_ANCHOR_FILE``, default ``var/ledger-anchors.log``)
that operations can ship elsewhere; ``taxlight audit verify --anchors FILE`` checks them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from taxlight.audit.models import LedgerCheckpoint, LedgerEntry, LedgerHead

log = logging.getLogger("taxlight.audit")


def anchor_file() -> Path:
    return Path(getattr(settings, "LEDGER_ANCHOR_FILE", settings.VAR_DIR / "ledger-anchors.log"))


def write_checkpoint() -> LedgerCheckpoint | None:
    head = LedgerHead.objects.filter(id=1).first()
    if head is None or head.last_seq == 0:
        return None
    last = LedgerCheckpoint.objects.first()
    if last is not None and last.seq == head.last_seq:
        return last
    cp = LedgerCheckpoint.objects.create(seq=head.last_seq, entry_hash=head.last_hash)
    line = f"{timezone.now().isoformat()} {cp.seq} {cp.entry_hash}\n"
    path = anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line)
    log.info("ledger checkpoint #%s %s", cp.seq, cp.entry_hash)
    return cp


def check_anchors(path: Path) -> list[str]:
    """Problems found comparing an anchor file with the ledger (empty list = all match)."""
    problems: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split()
        if len(parts) != 3 or not parts[1].isdigit():
            problems.append(f"{path}:{number}: not an anchor line")
            continue
        seq, digest = int(parts[1]), parts[2]
        stored = LedgerEntry.objects.filter(seq=seq).values_list("entry_hash", flat=True).first()
        if stored is None:
            problems.append(f"anchor #{seq} ({path}:{number}): the entry no longer exists")
        elif stored != digest:
            problems.append(
                f"anchor #{seq} ({path}:{number}): the ledger's hash differs from the anchor "
                "— the chain was rewritten"
            )
    return problems
