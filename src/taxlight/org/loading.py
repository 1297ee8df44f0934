"""Loads the ``units`` and ``staff`` tables of the source-extract contract (v1) into
:class:`~taxlight.org.models.Unit`, :class:`~taxlight.org.models.Post` and
:class:`~taxlight.org.models.Officer`.

* CSV, UTF-8 (with or without BOM) or GB18030: the encoding is detected.
* All or nothing: both files are checked completely first; if anything is wrong, nothing is
  written and :class:`LoadError` lists *every* problem by file, line and column.
* Idempotent: rows are matched by their key (``unit_code``, ``officer_id``); only what
  differs is written, through :mod:`taxlight.org.services` (one ledger entry per changed
  object). Re-loading the same files changes nothing and writes no ledger entry.
* Units and officers the files do not mention are left as they are (deactivate them with
  ``active=false`` rows, or in the admin).
* A ``post_code`` that is not known yet creates an enforcement post named by its code (rename
  it later in the admin).

Columns beyond the contract's are allowed and ignored. The ``units`` table may carry an
optional ``active`` column (``true``/``false``; default true).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from taxlight.audit.services import record
from taxlight.org import services
from taxlight.org.models import Officer, Post, Unit, UnitKind

UNIT_COLUMNS = ("unit_code", "name", "parent_code", "kind")
STAFF_COLUMNS = ("officer_id", "name", "unit_code", "post_code", "certified_until", "active")
BOOLS = {"true": True, "false": False}


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


class LoadError(Exception):
    """The files cannot be loaded; ``problems`` says every reason. Nothing was written."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class Result:
    units_created: int = 0
    units_updated: int = 0
    posts_created: int = 0
    officers_created: int = 0
    officers_updated: int = 0
    unchanged: int = 0
    changes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.units_created
            or self.units_updated
            or self.posts_created
            or self.officers_created
            or self.officers_updated
        )

    def __str__(self) -> str:
        return (
            f"units: {self.units_created} created, {self.units_updated} updated; "
            f"posts: {self.posts_created} created; officers: {self.officers_created} created, "
            f"{self.officers_updated} updated; {self.unchanged} rows unchanged"
        )


@dataclass
class Row:
    line: int
    values: dict[str, str]


# --- reading --------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 with or without BOM, else GB18030 (a superset of GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_table(
    path: Path, columns: tuple[str, ...], problems: list[Problem], label: str | None = None
) -> list[Row]:
    """The rows of a CSV table as dicts of stripped strings; problems are appended."""
    name = label or path.name
    if path.suffix.lower() == ".parquet":
        problems.append(
            Problem(name, 0, "", "Parquet files are not supported yet; provide the table as CSV")
        )
        return []
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(name, 0, "", f"cannot be read: {exc.strerror or exc}"))
        return []
    try:
        text = decode(data)
    except UnicodeDecodeError:
        problems.append(Problem(name, 0, "", "is neither UTF-8 nor GB18030 text"))
        return []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[Row] = []
    try:
        header = next(reader, None)
        if header is None:
            problems.append(Problem(name, 1, "", "is empty: a header row is required"))
            return []
        header = [h.strip() for h in header]
        missing = [c for c in columns if c not in header]
        for col in missing:
            problems.append(Problem(name, 1, col, "required column is missing"))
        dupes = sorted({h for h in header if header.count(h) > 1 and h})
        for col in dupes:
            problems.append(Problem(name, 1, col, "column appears more than once"))
        if missing or dupes:
            return []
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue  # blank line
            if len(cells) != len(header):
                problems.append(
                    Problem(
                        name, start, "", f"has {len(cells)} cells; the header has {len(header)}"
                    )
                )
                continue
            rows.append(Row(start, {h: c.strip() for h, c in zip(header, cells, strict=True)}))
    except csv.Error as exc:
        problems.append(Problem(name, reader.line_num, "", f"is not valid CSV: {exc}"))
    return rows


def _date(value: str) -> dt.date:
    if len(value) != 10:
        raise ValueError
    return dt.date.fromisoformat(value)


# --- checking -------------------------------------------------------------------------------


@dataclass
class UnitSpec:
    line: int
    code: str
    name: str
    parent_code: str
    kind: str
    active: bool


@dataclass
class StaffSpec:
    line: int
    officer_id: str
    name: str
    unit_code: str
    post_code: str
    certified_until: dt.date | None
    active: bool


def _check_units(rows: list[Row], name: str, problems: list[Problem]) -> dict[str, UnitSpec]:
    specs: dict[str, UnitSpec] = {}
    seen: dict[str, int] = {}
    for row in rows:
        v = row.values
        ok = True

        def bad(column: str, message: str, *, line: int = row.line) -> None:
            nonlocal ok
            ok = False
            problems.append(Problem(name, line, column, message))

        code = v["unit_code"]
        if not code:
            bad("unit_code", "is required")
        elif len(code) > 40:
            bad("unit_code", "is longer than 40 characters")
        elif code in seen:
            bad("unit_code", f"{code!r} appears twice (first on line {seen[code]})")
        else:
            seen[code] = row.line
        if not v["name"]:
            bad("name", "is required")
        elif len(v["name"]) > 200:
            bad("name", "is longer than 200 characters")
        kind = v["kind"]
        if kind not in UnitKind.values:
            bad("kind", f"{kind!r} is not one of {', '.join(UnitKind.values)}")
        elif kind == UnitKind.BUREAU and v["parent_code"]:
            bad("parent_code", "must be empty for the bureau")
        elif kind != UnitKind.BUREAU and not v["parent_code"]:
            bad("parent_code", f"is required for a {kind}")
        active = True
        if v.get("active"):
            if v["active"].lower() not in BOOLS:
                bad("active", f"{v['active']!r} is not true or false")
            else:
                active = BOOLS[v["active"].lower()]
        if ok:
            specs[code] = UnitSpec(row.line, code, v["name"], v["parent_code"], kind, active)
    existing = {u.code: u for u in Unit.objects.select_related("parent")}
    # Parents: in the file or already in the database; no cycles; one bureau.
    for spec in specs.values():
        if spec.parent_code and spec.parent_code not in specs and spec.parent_code not in existing:
            problems.append(
                Problem(
                    name,
                    spec.line,
                    "parent_code",
                    f"{spec.parent_code!r} is not a unit in this file or in the database",
                )
            )
        if spec.parent_code == spec.code:
            problems.append(
                Problem(name, spec.line, "parent_code", "a unit cannot be its own parent")
            )
    db_parent = {u.code: (u.parent.code if u.parent else "") for u in existing.values()}
    for spec in specs.values():
        if spec.parent_code == spec.code:
            continue
        chain = {spec.code}
        parent = spec.parent_code
        while parent:
            if parent in chain:
                problems.append(
                    Problem(
                        name, spec.line, "parent_code", f"the parents of {spec.code!r} form a cycle"
                    )
                )
                break
            chain.add(parent)
            parent = specs[parent].parent_code if parent in specs else db_parent.get(parent, "")
    bureaus = {c for c, s in specs.items() if s.kind == UnitKind.BUREAU}
    bureaus |= {
        c
        for c, u in existing.items()
        if u.kind == UnitKind.BUREAU and (c not in specs or specs[c].kind == UnitKind.BUREAU)
    }
    if len(bureaus) > 1:
        for code in sorted(bureaus & set(specs)):
            problems.append(
                Problem(
                    name,
                    specs[code].line,
                    "kind",
                    f"there can be only one bureau (found: {', '.join(sorted(bureaus))})",
                )
            )
    return specs


def _check_staff(
    rows: list[Row], name: str, units: dict[str, UnitSpec], problems: list[Problem]
) -> dict[str, StaffSpec]:
    known_units = set(units) | set(Unit.objects.values_list("code", flat=True))
    specs: dict[str, StaffSpec] = {}
    seen: dict[str, int] = {}
    for row in rows:
        v = row.values
        ok = True

        def bad(column: str, message: str, *, line: int = row.line) -> None:
            nonlocal ok
            ok = False
            problems.append(Problem(name, line, column, message))

        oid = v["officer_id"]
        if not oid:
            bad("officer_id", "is required")
        elif len(oid) > 40:
            bad("officer_id", "is longer than 40 characters")
        elif oid in seen:
            bad("officer_id", f"{oid!r} appears twice (first on line {seen[oid]})")
        else:
            seen[oid] = row.line
        if not v["name"]:
            bad("name", "is required")
        elif len(v["name"]) > 100:
            bad("name", "is longer than 100 characters")
        if not v["unit_code"]:
            bad("unit_code", "is required")
        elif v["unit_code"] not in known_units:
            bad(
                "unit_code",
                f"{v['unit_code']!r} is not a unit in the units file or in the database",
            )
        if not v["post_code"]:
            bad("post_code", "is required")
        elif len(v["post_code"]) > 40:
            bad("post_code", "is longer than 40 characters")
        certified: dt.date | None = None
        if v["certified_until"]:
            try:
                certified = _date(v["certified_until"])
            except ValueError:
                bad("certified_until", f"{v['certified_until']!r} is not a date (YYYY-MM-DD)")
        active = False
        if v["active"].lower() not in BOOLS:
            bad(
                "active",
                f"{v['active']!r} is not true or false"
                if v["active"]
                else "is required (true or false)",
            )
        else:
            active = BOOLS[v["active"].lower()]
        if ok:
            specs[oid] = StaffSpec(
                row.line, oid, v["name"], v["unit_code"], v["post_code"], certified, active
            )
    return specs


# --- loading --------------------------------------------------------------------------------


def check(units_path: Path, staff_path: Path) -> tuple[dict[str, UnitSpec], dict[str, StaffSpec]]:
    """Reads and checks both files; raises :class:`LoadError` with every problem."""
    problems: list[Problem] = []
    units_name, staff_name = units_path.name, staff_path.name
    if units_name == staff_name:
        units_name, staff_name = str(units_path), str(staff_path)
    unit_rows = read_table(units_path, UNIT_COLUMNS, problems, units_name)
    staff_rows = read_table(staff_path, STAFF_COLUMNS, problems, staff_name)
    units = _check_units(unit_rows, units_name, problems)
    staff = _check_staff(staff_rows, staff_name, units, problems)
    if problems:
        raise LoadError(problems)
    return units, staff


def _ordered(units: dict[str, UnitSpec]) -> list[UnitSpec]:
    """Parents before children."""
    out: list[UnitSpec] = []
    placed: set[str] = set()

    def place(spec: UnitSpec) -> None:
        if spec.code in placed:
            return
        if spec.parent_code in units:
            place(units[spec.parent_code])
        placed.add(spec.code)
        out.append(spec)

    for spec in units.values():
        place(spec)
    return out


def _as_problems(exc: ValidationError, file: str, line: int) -> list[Problem]:
    if hasattr(exc, "error_dict"):
        return [
            Problem(file, line, "" if f == "__all__" else f, " ".join(msgs))
            for f, msgs in exc.message_dict.items()
        ]
    return [Problem(file, line, "", " ".join(exc.messages))]


@transaction.atomic
def load(units_path: Path, staff_path: Path, *, actor: Any = None) -> Result:
    """Loads both tables (see the module's documentation). Raises :class:`LoadError`."""
    units, staff = check(units_path, staff_path)
    try:
        return _load(units, staff, units_path, staff_path, actor)
    except ValidationError as exc:  # a rule only the database state reveals
        file = getattr(exc, "taxlight_file", units_path.name)
        raise LoadError(_as_problems(exc, file, getattr(exc, "taxlight_line", 0))) from exc


def _load(
    units: dict[str, UnitSpec],
    staff: dict[str, StaffSpec],
    units_path: Path,
    staff_path: Path,
    actor: Any,
) -> Result:
    result = Result()
    reason = f"loaded from {units_path.name} and {staff_path.name}"
    by_code = {u.code: u for u in Unit.objects.select_for_update()}
    # Create or move units parents-first. A unit moved below a unit created later in the
    # same file is handled because the order is parents-first.
    for spec in _ordered(units):
        with _at(units_path.name, spec.line):
            _load_unit(spec, by_code, result, actor, reason)
    posts = {p.code: p for p in Post.objects.all()}
    officers = {o.officer_id: o for o in Officer.objects.select_for_update()}
    for s in staff.values():
        with _at(staff_path.name, s.line):
            _load_officer(s, by_code, posts, officers, result, actor, reason)
    if result.changed:
        record(
            "org.load",
            actor=actor,
            object_type="org.load",
            object_id=units_path.name,
            reason=reason,
            after={
                "units_created": result.units_created,
                "units_updated": result.units_updated,
                "posts_created": result.posts_created,
                "officers_created": result.officers_created,
                "officers_updated": result.officers_updated,
            },
        )
    return result


@contextlib.contextmanager
def _at(file: str, line: int) -> Iterator[None]:
    try:
        yield
    except ValidationError as exc:
        exc.taxlight_file = file  # type: ignore[attr-defined]
        exc.taxlight_line = line  # type: ignore[attr-defined]
        raise


def _load_unit(
    spec: UnitSpec, by_code: dict[str, Unit], result: Result, actor: Any, reason: str
) -> None:
    parent = by_code[spec.parent_code] if spec.parent_code else None
    unit = by_code.get(spec.code)
    if unit is None:
        by_code[spec.code] = services.create_unit(
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
            parent=parent,
            active=spec.active,
            actor=actor,
            reason=reason,
        )
        result.units_created += 1
    elif services.update_unit(
        unit,
        name=spec.name,
        kind=spec.kind,
        parent=parent,
        active=spec.active,
        actor=actor,
        reason=reason,
    ):
        by_code[spec.code] = Unit.objects.get(pk=unit.pk)
        result.units_updated += 1
    else:
        result.unchanged += 1


def _load_officer(
    s: StaffSpec,
    by_code: dict[str, Unit],
    posts: dict[str, Post],
    officers: dict[str, Officer],
    result: Result,
    actor: Any,
    reason: str,
) -> None:
    post = posts.get(s.post_code)
    if post is None:
        post = posts[s.post_code] = services.create_post(
            code=s.post_code, name=s.post_code, actor=actor, reason=reason
        )
        result.posts_created += 1
    unit = by_code[s.unit_code]
    officer = officers.get(s.officer_id)
    if officer is None:
        services.create_officer(
            officer_id=s.officer_id,
            name=s.name,
            unit=unit,
            post=post,
            certified_until=s.certified_until,
            active=s.active,
            actor=actor,
            reason=reason,
        )
        result.officers_created += 1
    elif services.update_officer(
        officer,
        name=s.name,
        unit=unit,
        post=post,
        certified_until=s.certified_until,
        active=s.active,
        actor=actor,
        reason=reason,
    ):
        result.officers_updated += 1
    else:
        result.unchanged += 1
