"""Writes the dimension tables of an import (units, staff, taxpayers) into the operational
registry (:mod:`taxlight.org`, :mod:`taxlight.taxpayers`), in bulk.

Rows are matched by key; only rows that differ are written (``bulk_create`` /
``bulk_update`` in batches), so re-importing the same data writes nothing. The whole import
gets one ledger entry (written by :mod:`taxlight.extract.services`) listing the extract's
files and their checksums, which identify the source of every row; per-row edits made in
the user interface go through the audited services of those apps instead.

Rows the extract does not mention are left as they are. A ``post_code`` that is not known
yet creates an enforcement post named by its code (rename it in the admin).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pyarrow as pa
from django.db import connection

from taxlight.org.models import Officer, Post, Unit
from taxlight.taxpayers.models import Taxpayer

BATCH = 2000


def limits() -> dict[tuple[str, str], int]:
    """The registry's column widths, checked with the extract's cells (a value that does not
    fit is reported like any other problem, never cut)."""

    def width(model: Any, name: str) -> int:
        return int(model._meta.get_field(name).max_length)

    return {
        ("units", "unit_code"): width(Unit, "code"),
        ("units", "name"): width(Unit, "name"),
        ("staff", "officer_id"): width(Officer, "officer_id"),
        ("staff", "name"): width(Officer, "name"),
        ("staff", "post_code"): width(Post, "code"),
        ("taxpayers", "name"): width(Taxpayer, "name"),
        ("taxpayers", "legal_rep"): width(Taxpayer, "legal_rep"),
        ("taxpayers", "address_key"): width(Taxpayer, "address_key"),
        ("taxpayers", "mobile"): width(Taxpayer, "mobile"),
    }


def _rows(batches: Iterable[pa.RecordBatch]) -> Iterator[dict[str, Any]]:
    for batch in batches:
        yield from batch.to_pylist()


def _chunks(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _counts() -> dict[str, int]:
    return {"created": 0, "updated": 0, "unchanged": 0}


def load_units(batches: Iterable[pa.RecordBatch]) -> dict[str, int]:
    counts = _counts()
    incoming = {r["unit_code"]: r for r in _rows(batches)}
    existing = {u.code: u for u in Unit.objects.all()}
    # Create parents before children, level by level.
    pending = [r for code, r in incoming.items() if code not in existing]
    while pending:
        ready = [r for r in pending if r["parent_code"] is None or r["parent_code"] in existing]
        if not ready:  # cannot happen after the checks; fail loudly rather than loop
            raise ValueError("units: parents that are neither imported nor existing")
        made = Unit.objects.bulk_create(
            [
                Unit(
                    code=r["unit_code"],
                    name=r["name"],
                    kind=r["kind"],
                    parent=existing[r["parent_code"]] if r["parent_code"] else None,
                )
                for r in ready
            ]
        )
        if any(u.pk is None for u in made):  # backends without RETURNING
            made = list(Unit.objects.filter(code__in=[u.code for u in made]))
        for u in made:
            existing[u.code] = u
        counts["created"] += len(made)
        done = {r["unit_code"] for r in ready}
        pending = [r for r in pending if r["unit_code"] not in done]
    changed: list[Unit] = []
    for code, r in incoming.items():  # units just created already hold these values
        unit = existing[code]
        parent_id = existing[r["parent_code"]].pk if r["parent_code"] else None
        if (unit.name, unit.kind, unit.parent_id) != (r["name"], r["kind"], parent_id):
            unit.name, unit.kind, unit.parent_id = r["name"], r["kind"], parent_id
            changed.append(unit)
    if changed:
        Unit.objects.bulk_update(changed, ["name", "kind", "parent"], batch_size=BATCH)
    counts["updated"] = len(changed)
    counts["unchanged"] = len(incoming) - counts["created"] - counts["updated"]
    return counts


def load_staff(batches: Iterable[pa.RecordBatch]) -> dict[str, int]:
    counts = _counts()
    units = dict(Unit.objects.values_list("code", "pk"))
    posts = dict(Post.objects.values_list("code", "pk"))
    counts["posts_created"] = 0
    for chunk in _chunks(_rows(batches)):
        new_posts = sorted({r["post_code"] for r in chunk} - set(posts))
        if new_posts:
            Post.objects.bulk_create([Post(code=c, name=c) for c in new_posts])
            posts.update(Post.objects.filter(code__in=new_posts).values_list("code", "pk"))
            counts["posts_created"] += len(new_posts)
        existing = {
            o.officer_id: o
            for o in Officer.objects.filter(officer_id__in=[r["officer_id"] for r in chunk])
        }
        create: list[Officer] = []
        update: list[Officer] = []
        for r in chunk:
            values = {
                "name": r["name"],
                "unit_id": units[r["unit_code"]],
                "post_id": posts[r["post_code"]],
                "certified_until": r["certified_until"],
                "active": bool(r["active"]),
            }
            officer = existing.get(r["officer_id"])
            if officer is None:
                create.append(Officer(officer_id=r["officer_id"], **values))
            elif _apply(officer, values):
                update.append(officer)
        Officer.objects.bulk_create(create, batch_size=BATCH)
        if update:
            Officer.objects.bulk_update(
                update, ["name", "unit", "post", "certified_until", "active"], batch_size=BATCH
            )
        counts["created"] += len(create)
        counts["updated"] += len(update)
        counts["unchanged"] += len(chunk) - len(create) - len(update)
    return counts


TAXPAYER_FIELDS = (
    "name",
    "industry",
    "unit_id",
    "registered_on",
    "vat_status",
    "size",
    "credit_grade",
    "status",
    "status_since",
    "legal_rep",
    "address_key",
    "mobile",
)


def load_taxpayers(
    batches: Iterable[pa.RecordBatch], progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Taxpayers by key: new ones inserted with one multi-row ``INSERT`` per batch (no model
    instances: at a million taxpayers the ORM's per-object cost dominated the import),
    existing ones compared as plain tuples and only those that differ updated."""
    counts = _counts()
    units = dict(Unit.objects.values_list("code", "pk"))
    meta = Taxpayer._meta
    columns = ["taxpayer_id", *TAXPAYER_FIELDS]
    db_columns = [
        str(getattr(meta.get_field("unit" if c == "unit_id" else c), "column", c)) for c in columns
    ]
    ops = connection.ops
    insert = (
        f"INSERT INTO {ops.quote_name(str(meta.db_table))} "  # noqa: S608 (model's own names)
        f"({', '.join(ops.quote_name(c) for c in db_columns)}) VALUES "
    )
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    per_statement = max(1, min(BATCH, 30_000 // len(columns)))  # SQLite's variable limit
    dates = {"registered_on", "status_since"}
    names = [
        "taxpayer_id", "name", "industry", "unit_code", "registered_on", "vat_status", "size",
        "credit_grade", "status", "status_since", "legal_rep", "address_key", "mobile",
    ]  # fmt: skip
    for chunk in _tuples(batches, names):
        incoming: dict[str, tuple[Any, ...]] = {}
        for r in chunk:
            incoming[r[0]] = (
                r[1],  # name
                r[2],  # industry
                units[r[3]],  # unit_id
                r[4],  # registered_on
                r[5],  # vat_status
                r[6],  # size
                r[7] or "",  # credit_grade
                r[8],  # status
                r[9],  # status_since
                r[10] or "",  # legal_rep
                r[11] or "",  # address_key
                r[12] or "",  # mobile
            )
        existing = {
            row[0]: (row[1], row[2:])
            for row in Taxpayer.objects.filter(taxpayer_id__in=list(incoming)).values_list(
                "taxpayer_id", "pk", *TAXPAYER_FIELDS
            )
        }
        create = [(key, *values) for key, values in incoming.items() if key not in existing]
        update = [
            Taxpayer(
                pk=existing[key][0],
                taxpayer_id=key,
                **dict(zip(TAXPAYER_FIELDS, values, strict=True)),
            )
            for key, values in incoming.items()
            if key in existing and _differs(existing[key][1], values)
        ]
        if create:
            params = [
                tuple(
                    ops.adapt_datefield_value(v) if name in dates else v
                    for name, v in zip(columns, row, strict=True)
                )
                for row in create
            ]
            with connection.cursor() as cursor:
                for i in range(0, len(params), per_statement):
                    part = params[i : i + per_statement]
                    cursor.execute(
                        insert + ", ".join([row_sql] * len(part)),
                        [v for row in part for v in row],
                    )
        if update:
            Taxpayer.objects.bulk_update(
                update, [f.removesuffix("_id") for f in TAXPAYER_FIELDS], batch_size=BATCH
            )
        counts["created"] += len(create)
        counts["updated"] += len(update)
        counts["unchanged"] += len(incoming) - len(create) - len(update)
        if progress is not None:
            progress(len(chunk))
    return counts


def _tuples(
    batches: Iterable[pa.RecordBatch], names: list[str], size: int = BATCH
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows as tuples of the columns ``names``, ``size`` at a time."""
    for batch in batches:
        columns = [batch.column(n).to_pylist() for n in names]
        rows = list(zip(*columns, strict=True))
        for i in range(0, len(rows), size):
            yield rows[i : i + size]


def _differs(current: tuple[Any, ...], values: tuple[Any, ...]) -> bool:
    return any(
        (c.date() if isinstance(c, dt.datetime) else c) != v
        for c, v in zip(current, values, strict=True)
    )


def _apply(obj: Any, values: dict[str, Any]) -> bool:
    """Sets the values; True if any differed."""
    changed = False
    for name, value in values.items():
        current = getattr(obj, name)
        if isinstance(current, dt.datetime):
            current = current.date()
        if current != value:
            setattr(obj, name, value)
            changed = True
    return changed
