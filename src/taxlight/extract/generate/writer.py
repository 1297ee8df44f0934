"""Writes the tables of an extract, batch by batch, as CSV (UTF-8, UTF-8 with BOM or GB18030)
or Parquet, with the column names, order and types of the contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from taxlight.extract.contract import FORMAT, TABLES, Type

from .arrays import arrow_schema, timestamp_text

FORMATS = ("csv", "parquet")
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")
BOM = b"\xef\xbb\xbf"
CSV_SLICE_ROWS = 262_144


class TableWriter:
    """One table of the extract, appended to in batches (memory stays bounded)."""

    def __init__(
        self,
        folder: Path,
        table: str,
        fmt: str = "csv",
        encoding: str = "utf-8",
        row_group_rows: int = 1_000_000,
    ) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
        if encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {ENCODINGS}, not {encoding!r}")
        self.table = TABLES[table]
        self.schema = arrow_schema(self.table)
        self.fmt = fmt
        self.encoding = encoding
        self.path = folder / f"{table}.{fmt}"
        self.rows = 0
        self.row_group_rows = row_group_rows
        self._timestamps = [c.name for c in self.table.columns if c.type is Type.TIMESTAMP]
        self._parquet: pq.ParquetWriter | None = None
        self._file: BinaryIO | None = None
        if fmt == "parquet":
            self._parquet = pq.ParquetWriter(
                self.path, self.schema, compression="zstd", write_statistics=True
            )
        else:
            self._file = self.path.open("wb")
            if encoding == "utf-8-sig":
                self._file.write(BOM)
            header = ",".join(self.table.column_names) + "\n"
            self._write_text(header.encode("utf-8"))

    def _write_text(self, data: bytes) -> None:
        assert self._file is not None
        if self.encoding == "gb18030":
            data = data.decode("utf-8").encode("gb18030")
        self._file.write(data)

    def write(self, columns: dict[str, Any]) -> None:
        """Appends rows given as {column: array}; every column of the table must be there."""
        missing = set(self.table.column_names) - set(columns)
        extra = set(columns) - set(self.table.column_names)
        if missing or extra:
            raise ValueError(f"{self.table.name}: missing {sorted(missing)}, extra {sorted(extra)}")
        arrays = [
            pa.array(columns[f.name], f.type)
            if not isinstance(columns[f.name], pa.Array)
            else columns[f.name].cast(f.type)
            for f in self.schema
        ]
        batch = pa.Table.from_arrays(arrays, schema=self.schema)
        if batch.num_rows == 0:
            return
        self.rows += batch.num_rows
        if self._parquet is not None:
            self._parquet.write_table(batch, row_group_size=self.row_group_rows)
            return
        for name in self._timestamps:
            i = batch.schema.get_field_index(name)
            batch = batch.set_column(i, name, timestamp_text(batch.column(name).combine_chunks()))
        # In slices, so the text of a whole month never sits in memory at once.
        options = pacsv.WriteOptions(include_header=False, batch_size=65_536)
        for start in range(0, batch.num_rows, CSV_SLICE_ROWS):
            sink = pa.BufferOutputStream()
            pacsv.write_csv(batch.slice(start, CSV_SLICE_ROWS), sink, options)
            self._write_text(sink.getvalue().to_pybytes())

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None
        if self._file is not None:
            self._file.close()
            self._file = None


def write_manifest(
    folder: Path,
    *,
    bureau: str,
    extracted_at: str,
    period_from: str,
    period_to: str,
    extra: dict[str, Any] | None = None,
) -> Path:
    manifest = {
        "format": FORMAT,
        "version": 1,
        "bureau": bureau,
        "extracted_at": extracted_at,
        "period_from": period_from,
        "period_to": period_to,
        "mode": "full",
    }
    manifest.update(extra or {})
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
