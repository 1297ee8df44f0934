# SQL here is built from the contract's identifiers and quoted paths only (see _q):
# ruff: noqa: S608
"""Checking an extract and preparing the next version of the analytics store.

The flow (see docs/data.md)::

    manifest → files (checksums, encodings) → per table: stream record batches, check every
    cell and row rule (vectorised), write the typed rows to a staging Parquet file
    → DuckDB over the staged files: keys unique, references resolved, table-wide rules
    → problems resolved to file/line/column → refuse, or (with quarantine) set bad rows aside
    → the new table versions written next to the current ones (not yet published).

:class:`Check` does all of that and touches no database; :mod:`taxlight.extract.services`
publishes the new version in the same flow as the registry's transaction, or throws it away.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

from taxlight.extract import fastpath, store
from taxlight.extract.contract import LOAD_ORDER, TABLES, Table
from taxlight.extract.problems import Problem, message, where
from taxlight.extract.reader import (
    CsvSource,
    EncodingError,
    LineMap,
    Manifest,
    ParquetSource,
    SourceFile,
    check_header,
    find_files,
    first_bad_line,
    precise_csv_lines,
    read_header,
    read_manifest,
    scan,
)
from taxlight.extract.validate import PROBLEM_SCHEMA, Found, accepts, check_batch, describe_type

CHECK_THREADS = 2  # batches checked at once
KEEP_PROBLEMS = 1000  # shown in the workbench and the command's output
REPORT_LIMIT = 1_000_000  # lines in the full report file
RESOLVED_SCHEMA = pa.schema(
    [
        ("tbl", pa.string()),
        ("record", pa.int64()),
        ("line", pa.int64()),
        ("row_group", pa.int64()),
        ("column", pa.string()),
        ("code", pa.string()),
        ("value", pa.string()),
        ("params", pa.string()),
    ]
)
FILE_LEVEL = frozenset(
    {
        "manifest_missing",
        "manifest_invalid",
        "manifest_format",
        "manifest_version",
        "manifest_mode",
        "file_missing",
        "file_twice",
        "unreadable",
        "encoding",
        "empty",
        "column_missing",
        "column_extra",
        "column_twice",
        "column_type",
    }
)


class Progress:
    """A console progress bar per table (tqdm on stderr), or nothing."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    @contextlib.contextmanager
    def table(self, name: str, total: int | None) -> Iterator[Callable[[int], None]]:
        if not self.enabled:
            yield lambda n: None
            return
        from tqdm import tqdm

        with tqdm(
            total=total,
            desc=f"{name:<20}",
            unit=" rows",
            unit_scale=True,
            file=sys.stderr,
            leave=True,
            dynamic_ncols=True,
        ) as bar:
            yield bar.update


@dataclass
class TableState:
    table: Table
    source: SourceFile
    staged: Path | None = None  # typed rows, bad cells null
    line_map: LineMap = field(default_factory=LineMap)
    rows: int = 0
    bad: int = 0  # rows set aside (quarantine)
    counts: dict[str, float] = field(default_factory=dict)
    incoming: str = ""  # SQL: the extract's good rows of this table
    seconds: float = 0.0  # time spent checking and writing this table
    fast: bool = False  # read by the fast path (no problem in its cells and rows)


@dataclass
class Outcome:
    problems: list[Problem] = field(default_factory=list)  # the first KEEP_PROBLEMS
    counts: dict[str, int] = field(default_factory=dict)  # per code
    total: int = 0
    quarantined: int = 0
    report_file: str = ""
    quarantine_file: str = ""
    snapshot: store.Snapshot | None = None  # the new snapshot, not yet published
    new_dirs: list[Path] = field(default_factory=list)
    tables: dict[str, TableState] = field(default_factory=dict)

    @property
    def fatal(self) -> bool:
        return any(code in FILE_LEVEL for code in self.counts)


def duckdb_connect(work: Path) -> duckdb.DuckDBPyConnection:
    temp = work / "duckdb-tmp"
    temp.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        config={
            "memory_limit": str(settings.DUCKDB_MEMORY_LIMIT),
            "threads": int(settings.DUCKDB_THREADS),
            "temp_directory": str(temp),
            "preserve_insertion_order": False,
        }
    )
    con.execute("SET TimeZone = 'UTC'")
    return con


def _q(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _pq(path: Path | None, rownum: bool = False) -> str:
    assert path is not None
    return f"read_parquet({_q(path)}{', file_row_number = true' if rownum else ''})"


class Check:
    """Checks one extract folder and prepares the new store version (see the module)."""

    def __init__(
        self,
        folder: Path,
        *,
        quarantine: Path | None = None,
        progress: bool = False,
        base: Path | None = None,
        report_dir: Path | None = None,
        fast: bool | None = None,
    ) -> None:
        self.folder = Path(folder)
        # The fast path first (True), or the precise pass only (False); None: the setting
        # EXTRACT_FAST_PATH, else env TAXLIGHT_EXTRACT_FAST_PATH (on unless "0"). On the
        # project's loaded 2-core machine the two were within measuring noise of each other
        # (docs/data.md, Figures); with more cores DuckDB's parallel writer should pull ahead.
        if fast is None:
            fast = bool(
                getattr(
                    settings,
                    "EXTRACT_FAST_PATH",
                    os.environ.get("TAXLIGHT_EXTRACT_FAST_PATH", "1") != "0",
                )
            )
        self.fast = fast
        self.quarantine = quarantine
        self.progress = Progress(progress)
        self.base = base or store.root()
        self.work = self.base / ".work" / uuid.uuid4().hex
        self.report_dir = report_dir
        self.manifest: Manifest | None = None
        self.files: list[SourceFile] = []
        self.outcome = Outcome()
        self.previous = store.current(self.base)
        self._early: list[Problem] = []
        self._con: duckdb.DuckDBPyConnection | None = None
        self.widths: dict[tuple[str, str], int] = {}
        with contextlib.suppress(Exception):  # outside Django (benchmarks): no registry widths
            from taxlight.extract.registry_load import limits

            self.widths = limits()

    # -- phase 1: manifest, files, checksums -------------------------------------------------
    def open(self) -> bool:
        """Reads the manifest and scans the files; False if the extract is unusable."""
        if not self.folder.is_dir():
            self._early.append(
                Problem("unreadable", file=str(self.folder), params={"detail": "not a folder"})
            )
            return False
        self.manifest = read_manifest(self.folder, self._early)
        if self.manifest is None:
            return False
        self.files = find_files(self.folder, self.manifest.mode, self._early)
        scan(self.files)
        return not self._early

    @property
    def mode(self) -> str:
        return self.manifest.mode if self.manifest else ""

    # -- phase 2: rows -----------------------------------------------------------------------
    def run(self) -> Outcome:
        """Checks everything; on success (or quarantine) prepares the new store version."""
        self.work.mkdir(parents=True, exist_ok=True)
        try:
            if not self._early:
                for f in self.files:
                    self._read_table(f)
                if not self._fatal_so_far():
                    self._cross_checks()
            self._summarise()
            if self.outcome.total and (self.quarantine is None or self.outcome.fatal):
                return self.outcome
            self._write_versions()
            return self.outcome
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def cleanup(self, *, keep_new: bool) -> None:
        """Removes the work directory and, unless kept, the new version directories."""
        self.close()
        shutil.rmtree(self.work, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.work.parent.rmdir()  # .work, if nothing else is in it
        if not keep_new:
            for d in self.outcome.new_dirs:
                shutil.rmtree(d, ignore_errors=True)
                with contextlib.suppress(OSError):
                    d.parent.rmdir()  # tables/<table>, if this import created it
            with contextlib.suppress(OSError):
                (self.base / "tables").rmdir()

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            self._con = duckdb_connect(self.work)
            self._con.execute("CREATE TABLE bad (tbl VARCHAR, rec BIGINT)")
        return self._con

    def _fatal_so_far(self) -> bool:
        return bool(self._early)

    def _file_problem(self, p: Problem) -> None:
        self._early.append(p)

    def _read_table(self, f: SourceFile) -> None:
        table = TABLES[f.table]
        try:
            header = read_header(f)
        except (OSError, UnicodeDecodeError, pa.ArrowException) as exc:
            if isinstance(exc, UnicodeDecodeError) and f.encoding == "utf-8":
                f.encoding = "gb18030"
                return self._read_table(f)
            if isinstance(exc, UnicodeDecodeError):
                self._file_problem(
                    Problem("encoding", file=f.name, line=first_bad_line(f.path, "utf-8"))
                )
            else:
                self._file_problem(
                    Problem("unreadable", file=f.name, params={"detail": str(exc)[:300]})
                )
            return None
        header_problems = check_header(f, header, table)
        if header_problems:
            self._early.extend(header_problems)
            return None
        assert header is not None
        state = TableState(table, f)
        src: CsvSource | ParquetSource
        if f.format == "parquet":
            psrc = src = ParquetSource(f)
            schema = psrc.file.schema_arrow
            bad_types = [c for c in table.columns if not accepts(c, schema.field(c.name).type)]
            for c in bad_types:
                self._file_problem(
                    Problem(
                        "column_type",
                        file=f.name,
                        column=c.name,
                        params={
                            "detail": describe_type(schema.field(c.name).type),
                            "expected": c.type.value,
                        },
                    )
                )
            if bad_types:
                return None
            state.line_map = psrc.line_map
            if self._fast(state, header, {c: schema.field(c).type for c in header}):
                self.outcome.tables[f.table] = state
                return None
        else:
            if self._fast(state, header, None):
                self.outcome.tables[f.table] = state
                return None
            src = CsvSource(f, header)
        try:
            self._stream(state, src)
        except EncodingError:
            if f.encoding == "utf-8":  # valid at the start only: try GB18030 strictly
                f.encoding = "gb18030"
                return self._read_table(f)
            self._file_problem(
                Problem("encoding", file=f.name, line=first_bad_line(f.path, f.encoding))
            )
            return None
        except (pa.ArrowException, OSError) as exc:
            self._file_problem(
                Problem("unreadable", file=f.name, params={"detail": str(exc)[:300]})
            )
            return None
        self.outcome.tables[f.table] = state
        return None

    def _fast(
        self, state: TableState, header: list[str], types: dict[str, pa.DataType] | None
    ) -> bool:
        """The fast path (see :mod:`taxlight.extract.fastpath`): True if the table was read,
        checked without a single problem and staged; False if the precise pass must run."""
        if not self.fast:
            return False
        f, table = state.source, state.table
        started = time.monotonic()
        staged = self.work / f"{table.name}.parquet"
        transcoded: Path | None = None
        widths = {c: w for (t, c), w in self.widths.items() if t == table.name}
        try:
            if f.format == "csv":
                path = f.path
                if f.encoding not in ("utf-8", "utf-8-sig"):
                    transcoded = path = self.work / f"{table.name}.utf-8.csv"
                    fastpath.transcode(f, transcoded)
                source = fastpath.csv_source(path, header)
                expected = f.newlines - 1 if f.ends_with_newline else f.newlines
            else:
                source = fastpath.parquet_source(f.path)
                expected = pq.ParquetFile(f.path).metadata.num_rows
            select = fastpath.select_sql(table, source, types, widths)
            with self.progress.table(table.name, max(expected, 0)) as update:
                done = 0

                def advance(fraction: float) -> None:
                    nonlocal done
                    now = int(fraction * expected)
                    if now > done:
                        update(now - done)
                        done = now

                rows = fastpath.copy(self.con, select, staged, advance)
                advance(1.0)
        except fastpath.NotFast:
            state.seconds += time.monotonic() - started
            return False
        finally:
            if transcoded is not None:
                transcoded.unlink(missing_ok=True)
        if rows != expected:  # values spanning lines, blank lines: the precise pass maps lines
            staged.unlink(missing_ok=True)
            state.seconds += time.monotonic() - started
            return False
        state.rows = f.rows = rows
        state.staged = staged
        state.fast = True
        state.seconds += time.monotonic() - started
        return True

    def _stream(self, state: TableState, src: CsvSource | ParquetSource) -> None:
        f, table = state.source, state.table
        from taxlight.extract.validate import store_schema

        started = time.monotonic()
        staged = self.work / f"{table.name}.parquet"
        raw_problems = self.work / f"{table.name}.problems-raw.parquet"
        writer = pq.ParquetWriter(
            staged, store_schema(table), compression="zstd", compression_level=1
        )
        pwriter: pq.ParquetWriter | None = None
        total = max(f.newlines - 1, 0) if f.format == "csv" else getattr(src, "rows", None)
        widths = {c: w for (t, c), w in self.widths.items() if t == table.name}
        rows = 0
        try:
            with (
                self.progress.table(table.name, total) as update,
                ThreadPoolExecutor(max_workers=CHECK_THREADS) as pool,
            ):
                # Batches are checked in parallel (pyarrow.compute releases the GIL) and
                # written in file order; at most a few batches are in flight.
                pending: deque[tuple[Future[pa.RecordBatch], Found, int]] = deque()

                def drain(keep: int) -> None:
                    nonlocal pwriter, rows
                    while len(pending) > keep:
                        future, found, n = pending.popleft()
                        writer.write_batch(future.result())
                        if found.parts:
                            if pwriter is None:
                                pwriter = pq.ParquetWriter(raw_problems, PROBLEM_SCHEMA)
                            for part in found.parts:
                                pwriter.write_batch(part)
                        rows += n
                        update(n)

                for batch in src.batches():
                    found = Found()
                    future = pool.submit(check_batch, table, batch.data, batch.first, found, widths)
                    pending.append((future, found, batch.data.num_rows))
                    drain(CHECK_THREADS)
                drain(0)
        finally:
            writer.close()
            if pwriter is not None:
                pwriter.close()
        state.rows = f.rows = rows
        state.staged = staged
        state.seconds += time.monotonic() - started
        extra: list[Problem] = []
        if isinstance(src, CsvSource):
            expected = rows + 1 if f.ends_with_newline else rows
            if src.invalid or f.newlines != expected:
                state.line_map, extra = precise_csv_lines(f.path, f.encoding, len(src.header))
                if extra and not f.ends_with_newline:
                    last = extra[-1]
                    if last.line is not None and last.line >= f.newlines + 1:
                        last.code = "truncated"
                        last.params = {}
                if src.invalid and not extra:  # the parsers disagree: report what Arrow saw
                    extra = [
                        Problem(
                            "ragged",
                            file=f.name,
                            value=r.text,
                            params={"actual": r.actual, "expected": r.expected},
                        )
                        for r in src.invalid
                    ]
        if pwriter is not None or extra:
            self._resolve(state, raw_problems if pwriter is not None else None, extra, "cells")

    def _resolve(
        self,
        state: TableState,
        raw: Path | None,
        extra: list[Problem],
        suffix: str,
        batches: list[pa.RecordBatch] | None = None,
    ) -> None:
        """Writes problems with their lines resolved, to <table>.problems-<suffix>.parquet."""
        out = self.work / f"{state.table.name}.problems-{suffix}.parquet"
        with pq.ParquetWriter(out, RESOLVED_SCHEMA) as w:
            source: list[pa.RecordBatch] = list(batches or [])
            if raw is not None:
                source_iter: Any = pq.ParquetFile(raw).iter_batches(batch_size=500_000)
            else:
                source_iter = []
            for b in [*source, *source_iter]:
                rec = b.column("record").to_numpy()
                line, group = state.line_map.lines(rec)
                n = b.num_rows
                w.write_batch(
                    pa.RecordBatch.from_arrays(
                        [
                            pa.array([state.source.name] * n, pa.string()),
                            b.column("record"),
                            pa.array(line, pa.int64()),
                            pa.array(group, pa.int64())
                            if group is not None
                            else pa.nulls(n, pa.int64()),
                            b.column("column"),
                            b.column("code"),
                            b.column("value"),
                            b.column("params"),
                        ],
                        schema=RESOLVED_SCHEMA,
                    )
                )
            if extra:
                n = len(extra)
                w.write_batch(
                    pa.RecordBatch.from_arrays(
                        [
                            pa.array([state.source.name] * n, pa.string()),
                            pa.nulls(n, pa.int64()),
                            pa.array([p.line for p in extra], pa.int64()),
                            pa.nulls(n, pa.int64()),
                            pa.array([p.column for p in extra], pa.string()),
                            pa.array([p.code for p in extra], pa.string()),
                            pa.array([p.value for p in extra], pa.string()),
                            pa.array(
                                [json.dumps(p.params) if p.params else None for p in extra],
                                pa.string(),
                            ),
                        ],
                        schema=RESOLVED_SCHEMA,
                    )
                )
        if raw is not None:
            raw.unlink(missing_ok=True)

    # -- phase 3: across rows (DuckDB) -------------------------------------------------------
    def _bad_from_cells(self, state: TableState) -> None:
        path = self.work / f"{state.table.name}.problems-cells.parquet"
        if path.exists():
            self.con.execute(
                f"INSERT INTO bad SELECT DISTINCT {_q(state.table.name)}, record "
                f"FROM {_pq(path)} WHERE record IS NOT NULL"
            )

    def _keys_view(self, name: str, *, good_only: bool) -> str:
        """SQL for the key set of table ``name`` after this import."""
        table = TABLES[name]
        key = table.key[0]
        parts: list[str] = []
        state = self.outcome.tables.get(name)
        old = self.previous.path(name, self.base)
        keep_old = old is not None and (state is None or self.mode == "delta")
        if keep_old and old is not None and any(old.glob("part-*.parquet")):
            parts.append(f"SELECT {key} AS k FROM read_parquet({_q(old / 'part-*.parquet')})")
        if state is not None and state.staged is not None:
            cond = f"{key} IS NOT NULL"
            if good_only:
                cond += f" AND file_row_number NOT IN (SELECT rec FROM bad WHERE tbl = {_q(name)})"
            parts.append(f"SELECT {key} AS k FROM {_pq(state.staged, True)} WHERE {cond}")
        return " UNION ALL ".join(parts) if parts else "SELECT NULL::VARCHAR AS k WHERE false"

    def _add_found(
        self,
        state: TableState,
        rows: list[tuple[int, str]],
        code: str,
        column: str,
        params: dict[str, Any] | None = None,
        per_row: list[dict[str, Any]] | None = None,
    ) -> int:
        if not rows:
            return 0
        rec = pa.array([r[0] for r in rows], pa.int64())
        n = len(rows)
        if per_row is not None:
            prm = pa.array([json.dumps(p, ensure_ascii=False) for p in per_row], pa.string())
        else:
            prm = pa.array(
                [json.dumps(params, ensure_ascii=False) if params else None] * n, pa.string()
            )
        batch = pa.RecordBatch.from_arrays(
            [
                rec,
                pa.array([column] * n, pa.string()),
                pa.array([code] * n, pa.string()),
                pa.array([None if r[1] is None else str(r[1]) for r in rows], pa.string()),
                prm,
            ],
            schema=PROBLEM_SCHEMA,
        )
        suffix = f"{code.replace(':', '-')}-{column}-{uuid.uuid4().hex[:6]}"
        self._resolve(state, None, [], suffix, [batch])
        self.con.execute(
            "INSERT INTO bad SELECT ?, unnest(?)", [state.table.name, [r[0] for r in rows]]
        )
        return n

    def _cross_checks(self) -> None:
        quarantine = self.quarantine is not None
        for name in LOAD_ORDER:
            state = self.outcome.tables.get(name)
            if state is None or state.staged is None:
                continue
            started = time.monotonic()
            self._bad_from_cells(state)
            table = state.table
            key = table.key[0]
            staged = _pq(state.staged, True)
            dups = self.con.execute(
                f"SELECT s.file_row_number, s.{key}, d.n FROM {staged} s JOIN "
                f"(SELECT {key}, count(*) AS n FROM {_pq(state.staged)} WHERE {key} IS NOT NULL "
                f"GROUP BY {key} HAVING count(*) > 1) d USING ({key}) "
                "ORDER BY s.file_row_number"
            ).fetchall()
            if dups:
                self._add_found(
                    state,
                    [(r[0], r[1]) for r in dups],
                    "duplicate_key",
                    key,
                    per_row=[{"count": r[2], "column": key} for r in dups],
                )
            if name == "units":
                self._unit_tree(state)
            refs = [c for c in table.columns if c.references]
            # a self-reference may need several rounds once bad rows are set aside
            for _round in range(50 if quarantine else 1):
                added = 0
                for col in refs:
                    assert col.references is not None
                    target = col.references.split(".")[0]
                    added += self._references(state, col.name, target, quarantine)
                if not added or not any((c.references or "").startswith(name + ".") for c in refs):
                    break
            state.seconds += time.monotonic() - started

    def _references(self, state: TableState, column: str, target: str, quarantine: bool) -> int:
        name = state.table.name
        good = self._keys_view(target, good_only=quarantine)
        already = (
            f"AND file_row_number NOT IN (SELECT rec FROM bad WHERE tbl = {_q(name)})"
            if quarantine
            else ""
        )
        rows = self.con.execute(
            f"SELECT file_row_number, {column} FROM {_pq(state.staged, True)} s "
            f"WHERE {column} IS NOT NULL {already} "
            f"AND NOT EXISTS (SELECT 1 FROM ({good}) g WHERE g.k = s.{column}) "
            "ORDER BY file_row_number"
        ).fetchall()
        if not rows:
            return 0
        target_label = f"{target}.{TABLES[target].key[0]}"
        if quarantine:
            everything = self._keys_view(target, good_only=False)
            values = [r[1] for r in rows]
            known = {
                r[0]
                for r in self.con.execute(
                    f"SELECT DISTINCT k FROM ({everything}) WHERE k IN (SELECT unnest(?))", [values]
                ).fetchall()
            }
            set_aside = [r for r in rows if r[1] in known]
            dangling = [r for r in rows if r[1] not in known]
            return self._add_found(
                state, set_aside, "quarantined_reference", column, {"target": target_label}
            ) + self._add_found(state, dangling, "dangling", column, {"target": target_label})
        return self._add_found(state, rows, "dangling", column, {"target": target_label})

    def _unit_tree(self, state: TableState) -> None:
        """unit_root across rows: one bureau, and every unit's parents reach it."""
        sql = (
            f"SELECT unit_code, parent_code, kind, file_row_number FROM "
            f"{_pq(state.staged, True)} WHERE unit_code IS NOT NULL"
        )
        rows = self.con.execute(sql).fetchall()
        units: dict[str, tuple[str | None, str | None, int | None]] = {}
        old = self.previous.path("units", self.base)
        if self.mode == "delta" and old is not None and any(old.glob("part-*.parquet")):
            for code, parent, kind in self.con.execute(
                f"SELECT unit_code, parent_code, kind FROM "
                f"read_parquet({_q(old / 'part-*.parquet')})"
            ).fetchall():
                units[code] = (parent, kind, None)
        for code, parent, kind, rec in rows:
            units[code] = (parent, kind, rec)
        bureaus = sorted(c for c, (_p, k, _r) in units.items() if k == "bureau")
        if len(bureaus) > 1:
            self._add_found(
                state,
                [(rec, c) for c in bureaus if (rec := units[c][2]) is not None],
                "rule:unit_root_one",
                "kind",
                {"detail": ", ".join(bureaus)},
            )
        cyclic: list[tuple[int, str]] = []
        for code, (_parent, _kind, rec) in units.items():
            if rec is None:
                continue
            seen = {code}
            node = units[code][0]
            while node is not None and node in units:
                if node in seen:
                    cyclic.append((rec, code))
                    break
                seen.add(node)
                node = units[node][0]
        self._add_found(state, sorted(cyclic), "rule:unit_root_cycle", "parent_code")

    # -- phase 4: the problems, in words -----------------------------------------------------
    def _problem_files(self) -> list[Path]:
        return sorted(self.work.glob("*.problems-*.parquet"))

    def _summarise(self) -> None:
        out = self.outcome
        order = {f.name: i for i, f in enumerate(self.files)}
        for p in self._early:
            out.counts[p.code] = out.counts.get(p.code, 0) + 1
        out.total = len(self._early)
        out.problems = list(self._early[:KEEP_PROBLEMS])
        files = [p for p in self._problem_files() if "problems-raw" not in p.name]
        if files:
            con = self.con
            con.execute(
                "CREATE OR REPLACE VIEW problems AS SELECT * FROM read_parquet(["
                + ", ".join(_q(p) for p in files)
                + "], union_by_name = true)"
            )
            for code, n in con.execute(
                "SELECT code, count(*) FROM problems GROUP BY code"
            ).fetchall():
                out.counts[code] = out.counts.get(code, 0) + int(n)
            total = con.execute("SELECT count(*) FROM problems").fetchone()
            out.total += int(total[0]) if total else 0
            col_order = {
                (t.name, c.name): i for t in TABLES.values() for i, c in enumerate(t.columns)
            }
            con.execute("CREATE OR REPLACE TEMP TABLE file_order (tbl VARCHAR, o INT)")
            con.executemany("INSERT INTO file_order VALUES (?, ?)", list(order.items()))
            ordered = (
                "SELECT p.* FROM problems p LEFT JOIN file_order f USING (tbl) "
                "ORDER BY f.o, p.row_group NULLS FIRST, p.line NULLS FIRST, p.column"
            )
            room = KEEP_PROBLEMS - len(out.problems)
            if room > 0:
                for row in con.execute(f"{ordered} LIMIT {room}").fetchall():
                    out.problems.append(_problem(row))
            del col_order
            if self.report_dir is not None:
                out.report_file = str(self._write_report(ordered))
        elif self._early and self.report_dir is not None:
            out.report_file = str(self._write_report(None))
        if self.quarantine is not None and files and not out.fatal:
            out.quarantined = self._write_quarantine()
            out.quarantine_file = str(self.quarantine)

    def _write_report(self, ordered: str | None) -> Path:
        assert self.report_dir is not None
        self.report_dir.mkdir(parents=True, exist_ok=True)
        path = self.report_dir / "problems.csv"
        written = 0
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["file", "line", "row_group", "column", "problem", "message"])
            for p in self._early:
                w.writerow([p.file, p.line or "", "", p.column, p.code, p.message])
                written += 1
            if ordered is not None:
                cur = self.con.execute(f"{ordered} LIMIT {REPORT_LIMIT}")
                while chunk := cur.fetchmany(50_000):
                    for row in chunk:
                        p = _problem(row)
                        w.writerow(
                            [
                                p.file,
                                p.line if p.line is not None else "",
                                p.row_group if p.row_group is not None else "",
                                p.column,
                                p.code,
                                p.message,
                            ]
                        )
                        written += 1
            if self.outcome.total > written:
                w.writerow(["", "", "", "", "", f"… {self.outcome.total - written} more"])
        return path

    def _write_quarantine(self) -> int:
        assert self.quarantine is not None
        self.quarantine.parent.mkdir(parents=True, exist_ok=True)
        count = 0
        with self.quarantine.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["file", "line", "row_group", "key", "reasons"])
            for f in self.files:
                state = self.outcome.tables.get(f.table)
                if state is None or state.staged is None:
                    continue
                key = state.table.key[0]
                cur = self.con.execute(
                    f"SELECT p.record, min(p.line), min(p.row_group), any_value(s.{key}), "
                    "list(struct_pack(c := p.column, k := p.code, v := p.value, q := p.params)) "
                    f"FROM problems p LEFT JOIN {_pq(state.staged, True)} s "
                    "ON s.file_row_number = p.record "
                    f"WHERE p.tbl = {_q(f.name)} GROUP BY p.record "
                    "ORDER BY min(p.row_group) NULLS FIRST, min(p.line)"
                )
                while chunk := cur.fetchmany(20_000):
                    for _record, line, group, keyval, items in chunk:
                        reasons = "; ".join(
                            f"{it['c']}: " * bool(it["c"])
                            + message(it["k"], it["v"], json.loads(it["q"]) if it["q"] else None)
                            for it in items
                        )
                        w.writerow(
                            [
                                f.name,
                                line if line is not None else "",
                                group if group is not None else "",
                                keyval or "",
                                reasons,
                            ]
                        )
                        count += 1
                bad = self.con.execute(
                    f"SELECT count(DISTINCT rec) FROM bad WHERE tbl = {_q(f.table)}"
                ).fetchone()
                state.bad = int(bad[0]) if bad else 0
        return count

    def _scalar(self, sql: str) -> int:
        row = self.con.execute(sql).fetchone()
        return int(row[0]) if row else 0

    def incoming(self, name: str, batch_rows: int = 20_000) -> Iterator[pa.RecordBatch]:
        """The extract's good rows of table ``name`` (for the registry), in batches."""
        state = self.outcome.tables.get(name)
        if state is None or not state.incoming:
            return
        reader = self.con.cursor().sql(state.incoming).to_arrow_reader(batch_rows)
        yield from reader

    # -- phase 5: the new table versions -----------------------------------------------------
    def _next_version(self) -> int:
        highest = self.previous.version
        tables_dir = self.base / "tables"
        if tables_dir.exists():
            for d in tables_dir.glob("*/v*"):
                if d.name[1:].isdigit():
                    highest = max(highest, int(d.name[1:]))
        return highest + 1

    def _write_versions(self) -> None:
        version = self._next_version()
        snap = store.Snapshot(version=version, tables=dict(self.previous.tables))
        for name in LOAD_ORDER:
            state = self.outcome.tables.get(name)
            if state is None or state.staged is None:
                continue
            target = store.version_dir(name, version, self.base)
            target.mkdir(parents=True, exist_ok=False)
            self.outcome.new_dirs.append(target)
            part = target / "part-0.parquet"
            cols = ", ".join(state.table.column_names)
            key = state.table.key[0]
            has_bad = bool(self._scalar(f"SELECT count(*) FROM bad WHERE tbl = {_q(name)}"))
            good = (
                (
                    f"SELECT {cols} FROM {_pq(state.staged, True)} WHERE file_row_number NOT IN "
                    f"(SELECT rec FROM bad WHERE tbl = {_q(name)})"
                )
                if has_bad
                else (f"SELECT {cols} FROM {_pq(state.staged)}")
            )
            old = self.previous.path(name, self.base)
            old_parts = old is not None and any(old.glob("part-*.parquet"))
            counts: dict[str, int] = {}
            if self.mode == "delta" and old_parts:
                assert old is not None
                old_sql = f"SELECT {cols} FROM read_parquet({_q(old / 'part-*.parquet')})"
                self.con.execute(f"CREATE OR REPLACE TEMP VIEW incoming AS {good}")
                self.con.execute(f"CREATE OR REPLACE TEMP VIEW existing AS {old_sql}")
                replaced = self._scalar(
                    f"SELECT count(*) FROM incoming WHERE {key} IN (SELECT {key} FROM existing)"
                )
                same = self._scalar(
                    "SELECT count(*) FROM (SELECT * FROM incoming INTERSECT ALL "
                    f"SELECT * FROM existing WHERE {key} IN (SELECT {key} FROM incoming))"
                )
                incoming = self._scalar("SELECT count(*) FROM incoming")
                counts = {
                    "created": int(incoming - replaced),
                    "updated": int(replaced - same),
                    "unchanged": int(same),
                }
                self.con.execute(
                    f"COPY (SELECT * FROM existing WHERE {key} NOT IN (SELECT {key} FROM incoming) "
                    f"UNION ALL SELECT * FROM incoming) TO {_q(part)} "
                    "(FORMAT parquet, COMPRESSION zstd)"
                )
            elif has_bad:
                self.con.execute(f"COPY ({good}) TO {_q(part)} (FORMAT parquet, COMPRESSION zstd)")
            else:
                assert state.staged is not None
                state.staged.replace(part)
                state.staged = part
            moved = state.staged == part
            state.incoming = f"SELECT {cols} FROM {_pq(part)}" if moved else good
            rows = pq.ParquetFile(part).metadata.num_rows
            state.counts = {"rows": int(rows), **counts, "seconds": round(state.seconds, 3)}
            snap.tables[name] = str(target.relative_to(self.base))
        self.outcome.snapshot = snap


def _problem(row: tuple[Any, ...]) -> Problem:
    tbl, _record, line, group, column, code, value, params = row
    return Problem(
        code=code,
        file=tbl,
        line=line,
        column=column or "",
        value=value,
        params=json.loads(params) if params else {},
        row_group=group,
    )


def describe(p: Problem) -> str:
    loc = where(p.file, p.line, p.row_group, p.column)
    return f"{loc}: {p.message}" if loc else p.message
