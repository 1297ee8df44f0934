"""The audit ledger: append, hash chain, verification that names the broken entry."""

from __future__ import annotations

import itertools
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from taxlight.audit import services as audit
from taxlight.audit.checkpoints import check_anchors, write_checkpoint
from taxlight.audit.models import GENESIS_HASH, LedgerEntry, LedgerHead
from taxlight.core import context
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _fill(n: int) -> list[LedgerEntry]:
    return [
        audit.record(
            "test.thing.change",
            object_type="test.thing",
            object_id=str(i),
            before={"n": i},
            after={"n": i + 1},
            reason=f"step {i}",
        )
        for i in range(n)
    ]


def _raw_update(sql: str, params: list[object]) -> None:
    """Tamper with the table behind the application's back, as an attacker with database
    access would (on PostgreSQL the append-only trigger must be switched off first)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE audit_ledgerentry DISABLE TRIGGER USER")
        cur.execute(sql, params)
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE audit_ledgerentry ENABLE TRIGGER USER")


def test_entries_are_chained_in_gap_free_sequence() -> None:
    entries = _fill(5)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS_HASH
    for prev, nxt in itertools.pairwise(entries):
        assert nxt.prev_hash == prev.entry_hash
    head = LedgerHead.objects.get()
    assert (head.last_seq, head.last_hash) == (5, entries[-1].entry_hash)
    assert audit.verify().ok
    assert audit.verify().checked == 5


def test_rolled_back_transaction_leaves_no_gap() -> None:
    _fill(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record("test.doomed")
        raise RuntimeError("roll back")
    entry = audit.record("test.after")
    assert entry.seq == 3
    assert audit.verify().ok


def test_entry_records_actor_role_post_request_and_channel() -> None:
    user = UserFactory(first_name="", username="alice")
    with context.acting(
        user=user, role="officer", post="ACCEPT", channel="web", request_id="req-12345678"
    ):
        entry = audit.record("test.acted", object_type="x", object_id="1", reason="because")
    entry.refresh_from_db()
    assert entry.actor_id == user.pk
    assert entry.actor_label == "alice"
    assert (entry.role, entry.post, entry.channel) == ("officer", "ACCEPT", "web")
    assert entry.request_id == "req-12345678"
    assert entry.reason == "because"


def test_secrets_and_personal_data_are_kept_out_of_the_ledger() -> None:
    entry = audit.record(
        "test.pii",
        before={"password": "hunter2-hunter2", "mobile": "13812345678"},
        after={"id_number": "110101199003071234", "api_key": "abc", "amount": Decimal("1.50")},
    )
    entry.refresh_from_db()
    assert entry.before == {"password": "[redacted]", "mobile": "138****5678"}
    assert entry.after == {
        "id_number": "110101********1234",
        "api_key": "[redacted]",
        "amount": "1.50",
    }
    assert audit.verify().ok


def test_diff_keeps_only_changed_keys() -> None:
    before, after = audit.diff({"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 5, "d": 4})
    assert before == {"b": 2, "c": 3, "d": None}
    assert after == {"b": 5, "c": None, "d": 4}


def test_verify_names_an_edited_entry() -> None:
    _fill(6)
    _raw_update("UPDATE audit_ledgerentry SET reason = %s WHERE seq = %s", ["forged", 4])
    result = audit.verify()
    assert not result.ok
    assert result.first_bad_seq == 4
    assert "changed" in result.problem
    assert result.checked == 3


def test_verify_names_an_entry_edited_with_a_recomputed_hash() -> None:
    # An attacker who recomputes the edited entry's own hash still breaks the next link.
    from taxlight.audit.chain import entry_hash
    from taxlight.audit.services import _entry_fields

    _fill(5)
    victim = LedgerEntry.objects.get(seq=2)
    victim.after = {"n": 999}
    new_hash = entry_hash(_entry_fields(victim))
    _raw_update(
        "UPDATE audit_ledgerentry SET after = %s, entry_hash = %s WHERE seq = 2",
        ['{"n": 999}', new_hash],
    )
    result = audit.verify()
    assert not result.ok
    assert result.first_bad_seq == 3
    assert "#2 was replaced" in result.problem


def test_verify_names_a_removed_entry() -> None:
    _fill(5)
    _raw_update("DELETE FROM audit_ledgerentry WHERE seq = %s", [3])
    result = audit.verify()
    assert not result.ok
    assert result.first_bad_seq == 3
    assert "removed" in result.problem


def test_verify_notices_entries_removed_from_the_end() -> None:
    _fill(5)
    _raw_update("DELETE FROM audit_ledgerentry WHERE seq >= %s", [4])
    result = audit.verify()
    assert not result.ok
    assert result.first_bad_seq == 4
    assert "end" in result.problem


def test_verify_names_reordered_entries() -> None:
    _fill(4)
    # Swap the contents of #2 and #3 (ids stay, so the walk meets #3 where #2 should be).
    rows = {e.seq: e for e in LedgerEntry.objects.filter(seq__in=[2, 3])}
    _raw_update(
        "UPDATE audit_ledgerentry SET seq = %s, entry_hash = %s WHERE id = %s",
        [-1, "x" * 64, rows[2].id],
    )
    _raw_update("UPDATE audit_ledgerentry SET seq = %s WHERE id = %s", [2, rows[3].id])
    _raw_update(
        "UPDATE audit_ledgerentry SET seq = %s, entry_hash = %s WHERE id = %s",
        [3, rows[2].entry_hash, rows[2].id],
    )
    result = audit.verify()
    assert not result.ok
    assert result.first_bad_seq == 2
    assert "reordered" in result.problem


def test_verify_of_an_empty_ledger_is_ok() -> None:
    assert audit.verify().ok
    assert audit.verify().checked == 0


def test_verify_reads_in_batches() -> None:
    _fill(12)
    assert audit.verify(batch_size=5).checked == 12
    _raw_update("UPDATE audit_ledgerentry SET action = %s WHERE seq = %s", ["x", 11])
    assert audit.verify(batch_size=5).first_bad_seq == 11


def test_command_passes_and_fails_naming_the_entry(capsys: pytest.CaptureFixture[str]) -> None:
    _fill(3)
    call_command("audit_verify")
    assert "3 entries checked" in capsys.readouterr().out
    _raw_update("UPDATE audit_ledgerentry SET actor_label = %s WHERE seq = %s", ["mallory", 2])
    with pytest.raises(CommandError, match=r"entry #2"):
        call_command("audit_verify")


def test_checkpoints_anchor_the_head_outside_the_table(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LEDGER_ANCHOR_FILE = tmp_path / "anchors.log"
    assert write_checkpoint() is None  # nothing to anchor yet
    _fill(3)
    cp = write_checkpoint()
    assert cp is not None and cp.seq == 3
    assert write_checkpoint() == cp  # no duplicate when nothing changed
    assert check_anchors(settings.LEDGER_ANCHOR_FILE) == []
    # A rewrite of the whole chain would keep verify() happy but not the anchor.
    _raw_update("UPDATE audit_ledgerentry SET entry_hash = %s WHERE seq = %s", ["f" * 64, 3])
    problems = check_anchors(settings.LEDGER_ANCHOR_FILE)
    assert problems and "rewritten" in problems[0]


def test_hash_is_unique_so_a_copied_entry_cannot_be_inserted() -> None:
    entry = _fill(1)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            seq=99,
            at=entry.at,
            action="copy",
            prev_hash=entry.prev_hash,
            entry_hash=entry.entry_hash,
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigger exists on PostgreSQL")
def test_postgresql_refuses_update_and_delete() -> None:
    from django.db.utils import DatabaseError

    _fill(2)
    for sql in ("UPDATE audit_ledgerentry SET reason = 'x'", "DELETE FROM audit_ledgerentry"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql)
    assert LedgerEntry.objects.count() == 2
    assert audit.verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain() -> None:
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("in-memory SQLite is one connection; concurrency is tested on PostgreSQL")
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for i in range(10):
                audit.record("test.concurrent", object_id=f"{k}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert LedgerEntry.objects.count() == 40
    result = audit.verify()
    assert result.ok, str(result)
