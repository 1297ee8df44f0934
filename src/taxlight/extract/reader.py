"""Reading an extract: the manifest, the table files, their encoding and their rows.

Rows are streamed in record batches (pyarrow's multi-threaded CSV reader, or Parquet row
groups), every cell as text for CSV, so memory stays bounded whatever the file's size. Each
record batch carries the index of its first record; :class:`LineMap` turns record indices
into the line numbers (CSV) or row group and row (Parquet) that problems are reported at.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from taxlight.extract.contract import FORMAT, LOAD_ORDER, MODES, TABLES, VERSIONS, Table
from taxlight.extract.problems import Problem

BOM = b"\xef\xbb\xbf"
SNIFF_BYTES = 4 << 20
BLOCK_SIZE = 8 << 20
CHUNK = 8 << 20


class EncodingError(Exception):
    pass


@dataclass
class Manifest:
    data: dict[str, Any]
    sha256: str

    @property
    def mode(self) -> str:
        return str(self.data.get("mode"))


@dataclass
class SourceFile:
    """One table file of the extract, with what the first pass learnt about it."""

    table: str
    path: Path
    format: str  # csv | parquet
    sha256: str = ""
    bytes: int = 0
    newlines: int = 0  # CSV: number of b"\n" in the raw bytes
    ends_with_newline: bool = True
    encoding: str = ""  # CSV: utf-8-sig | utf-8 | gb18030
    rows: int = 0

    @property
    def name(self) -> str:
        return self.path.name

    def to_json(self) -> dict[str, Any]:
        out = {
            "table": self.table,
            "file": self.name,
            "format": self.format,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "rows": self.rows,
        }
        if self.encoding:
            out["encoding"] = self.encoding
        return out


def read_manifest(folder: Path, problems: list[Problem]) -> Manifest | None:
    path = folder / "manifest.json"
    if not path.is_file():
        problems.append(Problem("manifest_missing", file="manifest.json"))
        return None
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8-sig"))
        if not isinstance(data, dict):
            raise ValueError("the top level is not an object")
    except (ValueError, UnicodeDecodeError) as exc:
        problems.append(
            Problem("manifest_invalid", file="manifest.json", params={"detail": str(exc)[:200]})
        )
        return None
    ok = True
    if data.get("format") != FORMAT:
        problems.append(
            Problem(
                "manifest_format",
                file="manifest.json",
                column="format",
                value=str(data.get("format")),
            )
        )
        ok = False
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version not in VERSIONS:
        problems.append(
            Problem(
                "manifest_version",
                file="manifest.json",
                column="version",
                value=str(version),
                params={"supported": ", ".join(str(v) for v in sorted(VERSIONS))},
            )
        )
        ok = False
    if data.get("mode") not in MODES:
        problems.append(
            Problem(
                "manifest_mode", file="manifest.json", column="mode", value=str(data.get("mode"))
            )
        )
        ok = False
    return Manifest(data, hashlib.sha256(raw).hexdigest()) if ok else None


def find_files(folder: Path, mode: str, problems: list[Problem]) -> list[SourceFile]:
    """The table files, in load order; a missing required table is a problem."""
    out: list[SourceFile] = []
    for name in LOAD_ORDER:
        table = TABLES[name]
        found = [
            folder / f"{name}.{fmt}"
            for fmt in ("csv", "parquet")
            if (folder / f"{name}.{fmt}").is_file()
        ]
        if len(found) > 1:
            problems.append(Problem("file_twice", file=name, params={"table": name}))
            continue
        if not found:
            if mode == "full" and not table.optional:
                problems.append(Problem("file_missing", file=f"{name}.csv", params={"table": name}))
            continue
        out.append(SourceFile(name, found[0], found[0].suffix[1:].lower()))
    return out


def scan(files: list[SourceFile]) -> None:
    """Checksums (SHA-256) and, for CSV, the raw newline count and the encoding, in one
    pass over each file (two files at a time: hashing releases the GIL)."""

    def one(f: SourceFile) -> None:
        h = hashlib.sha256()
        size = newlines = 0
        last = b""
        head = b""
        with f.path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                if not head:
                    head = chunk[:SNIFF_BYTES]
                h.update(chunk)
                size += len(chunk)
                if f.format == "csv":
                    newlines += chunk.count(b"\n")
                last = chunk[-1:]
        f.sha256, f.bytes, f.newlines = h.hexdigest(), size, newlines
        f.ends_with_newline = last in (b"\n", b"")
        if f.format == "csv":
            f.encoding = sniff_encoding(head, complete=size <= len(head))

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(one, files))


def sniff_encoding(head: bytes, *, complete: bool) -> str:
    """BOM → UTF-8 with BOM; strictly valid UTF-8 → UTF-8; else GB18030 (checked strictly
    when read). Only the start of a large file is sniffed; the reader validates the rest
    and falls back to GB18030 if UTF-8 turns out wrong further on."""
    if head.startswith(BOM):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=complete)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def first_bad_line(path: Path, encoding: str) -> int:
    """The line holding the first bytes that do not decode (for the message)."""
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if number == 1 and line.startswith(BOM):
                line = line[3:]
            try:
                line.decode(codec)
            except UnicodeDecodeError:
                return number
    return 1


# --- line numbers ---------------------------------------------------------------------------


@dataclass
class LineMap:
    """Record index (0-based, among the records read) → CSV line, or Parquet row group/row.

    CSV: segments of consecutive records on consecutive lines: record ``r`` in the segment
    starting at record ``rec[i]`` is on line ``line[i] + r - rec[i]``."""

    parquet: bool = False
    rec: np.ndarray = field(default_factory=lambda: np.array([0], dtype=np.int64))
    line: np.ndarray = field(default_factory=lambda: np.array([2], dtype=np.int64))

    def lines(self, records: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(line or row, row group or None) for each record index."""
        records = np.asarray(records, dtype=np.int64)
        i = np.searchsorted(self.rec, records, side="right") - 1
        i = np.clip(i, 0, len(self.rec) - 1)
        offset = records - self.rec[i]
        if self.parquet:
            return offset + 1, i
        return self.line[i] + offset, None


def precise_csv_lines(path: Path, encoding: str, width: int) -> tuple[LineMap, list[Problem]]:
    """A second, exact pass with Python's csv module, used only when the fast pass cannot
    know every line (values spanning lines, ragged rows, blank lines). Returns the line map
    of the well-formed records and a problem for each ragged row (and a cut-off end)."""
    rec_starts: list[int] = []
    line_starts: list[int] = []
    problems: list[Problem] = []
    record = 0
    expect_line: int | None = None
    with path.open("r", encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, strict=False)
        try:
            next(reader)
        except StopIteration:
            return LineMap(), problems
        start = reader.line_num + 1
        for cells in reader:
            line = start
            start = reader.line_num + 1
            if not cells:
                continue  # a blank line
            if len(cells) != width:
                problems.append(
                    Problem(
                        "ragged",
                        file=path.name,
                        line=line,
                        params={"actual": len(cells), "expected": width},
                    )
                )
                continue
            if expect_line != line:
                rec_starts.append(record)
                line_starts.append(line)
            expect_line = line + 1
            record += 1
    if not rec_starts:
        rec_starts, line_starts = [0], [2]
    return LineMap(
        False, np.array(rec_starts, dtype=np.int64), np.array(line_starts, dtype=np.int64)
    ), problems


# --- reading rows ---------------------------------------------------------------------------


def read_header(f: SourceFile) -> list[str] | None:
    """The header's column names, or None if the file has no header (empty)."""
    if f.format == "parquet":
        return list(pq.ParquetFile(f.path).schema_arrow.names)
    with f.path.open("r", encoding=f.encoding, newline="") as fh:
        try:
            header = next(csv.reader(fh))
        except StopIteration:
            return None
    header = [h.strip() for h in header]
    return header if any(header) else None


def check_header(f: SourceFile, header: list[str] | None, table: Table) -> list[Problem]:
    if header is None:
        return [Problem("empty", file=f.name)]
    line = None if f.format == "parquet" else 1
    problems: list[Problem] = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem("column_twice", file=f.name, line=line, column=name))
        seen.add(name)
    for name in table.column_names:
        if name not in seen:
            problems.append(Problem("column_missing", file=f.name, line=line, column=name))
    for name in header:
        if name not in table.column_names:
            problems.append(Problem("column_extra", file=f.name, line=line, column=name))
    return problems


@dataclass
class Batch:
    first: int  # index of its first record
    data: pa.RecordBatch


@dataclass
class InvalidRow:
    expected: int
    actual: int
    text: str


class CsvSource:
    """The records of a CSV table file, streamed as all-text record batches."""

    def __init__(self, f: SourceFile, header: list[str]) -> None:
        self.f = f
        self.header = header
        self.invalid: list[InvalidRow] = []

    def _handler(self, row: Any) -> str:
        self.invalid.append(InvalidRow(row.expected_columns, row.actual_columns, row.text))
        return "skip"

    def batches(self) -> Iterator[Batch]:
        encoding = "utf8" if self.f.encoding in ("utf-8", "utf-8-sig") else self.f.encoding
        read = pacsv.ReadOptions(encoding=encoding, block_size=BLOCK_SIZE)
        parse = pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=self._handler)
        convert = pacsv.ConvertOptions(
            column_types={name: pa.string() for name in self.header},
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            null_values=[""],
        )
        try:  # Arrow skips a UTF-8 byte order mark itself
            reader = pacsv.open_csv(
                self.f.path, read_options=read, parse_options=parse, convert_options=convert
            )
        except pa.ArrowInvalid as exc:
            raise _encoding_or(exc) from exc
        except UnicodeDecodeError as exc:
            raise EncodingError(str(exc)) from exc
        first = 0
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as exc:
                raise _encoding_or(exc) from exc
            except UnicodeDecodeError as exc:
                raise EncodingError(str(exc)) from exc
            if batch.num_rows:
                yield Batch(first, batch)
                first += batch.num_rows
        self.rows = first


def _encoding_or(exc: Exception) -> Exception:
    text = str(exc)
    if "UTF8" in text or "UTF-8" in text or "utf8" in text or "decode" in text:
        return EncodingError(text)
    return exc


class ParquetSource:
    """The records of a Parquet table file, one row group at a time."""

    def __init__(self, f: SourceFile) -> None:
        self.f = f
        self.file = pq.ParquetFile(f.path)
        meta = self.file.metadata
        sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]) if sizes else np.array([0])
        self.line_map = LineMap(
            True, starts.astype(np.int64), np.zeros(len(starts), dtype=np.int64)
        )
        self.rows = int(meta.num_rows)
        self.invalid: list[InvalidRow] = []

    def batches(self) -> Iterator[Batch]:
        first = 0
        for group in range(self.file.num_row_groups):
            for batch in self.file.iter_batches(batch_size=262_144, row_groups=[group]):
                if batch.num_rows:
                    yield Batch(first, batch)
                    first += batch.num_rows


def csv_text(value: Any) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow([value])
    return buf.getvalue().strip()
