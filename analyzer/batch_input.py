"""Reading district exports for the batch runners: file lists, headers, record-aligned chunks, names.

Both engines (the local runner and the Ray one) read through `record_chunks`, so they see the same
rows, the same row numbers and the same chunk boundaries (a long-form record never straddles two).
"""
from __future__ import annotations

import csv
import glob
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from .batch import BatchInputError, ColumnMap, cell_text, record_keys
from .redact import name_parts, strong_names

CHUNK_ROWS = 64
SUPPORTED = (".csv", ".tsv", ".jsonl", ".xlsx", ".parquet")
ROW = "__row__"  # the 1-based data row number each chunk carries


def check_input(path: Path) -> None:
    if not path.exists():
        raise BatchInputError(f"input not found: {path}")
    if path.suffix.lower() not in SUPPORTED:
        raise BatchInputError(f"{path}: unknown file type '{path.suffix}'; use {', '.join(SUPPORTED)}")


def is_glob(spec: str | Path) -> bool:
    return any(ch in str(spec) for ch in "*?[")


def input_files(spec: str | Path) -> list[Path]:
    """The export files a spec names: one file, a folder (its supported files), or a glob; sorted, so the
    order (and with it which of two equal record ids is the first) is the same on every run."""
    path = Path(spec)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED)
        if not files:
            raise BatchInputError(f"{path}: the folder holds no {', '.join(SUPPORTED)} files")
        return files
    if is_glob(spec):
        files = sorted(Path(p) for p in glob.glob(str(spec)) if Path(p).is_file())
        if not files:
            raise BatchInputError(f"no file matches {spec}")
        for f in files:
            check_input(f)
        return files
    check_input(path)
    return [path]


def read_chunks(path: Path, encoding: str, rows: int | None = None) -> Iterator[pd.DataFrame]:
    """DataFrame chunks of `rows` (default CHUNK_ROWS) string cells, with a `__row__` column (1-based data row
    number)."""
    rows = rows or CHUNK_ROWS
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        chunks = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", dtype=str, keep_default_na=False,
                             chunksize=rows, encoding=encoding, on_bad_lines="error")
    elif suffix == ".jsonl":
        chunks = pd.read_json(path, lines=True, dtype=False, chunksize=rows, encoding=encoding)
    elif suffix == ".parquet":
        import pyarrow.parquet as pq

        chunks = (b.to_pandas() for b in pq.ParquetFile(path).iter_batches(batch_size=rows))
    elif suffix == ".xlsx":
        chunks = _excel_chunks(path, rows)
    else:
        raise BatchInputError(f"{path}: unknown file type '{suffix}'; use {', '.join(SUPPORTED)}")
    start = 1
    for chunk in chunks:
        chunk = chunk.copy()
        chunk[ROW] = range(start, start + len(chunk))
        start += len(chunk)
        yield chunk


def record_chunks(path: Path, encoding: str, columns: ColumnMap, rows: int | None = None) -> Iterator[pd.DataFrame]:
    """`read_chunks`, cut so that each chunk ends on a record boundary: in long form the rows of the last
    record of a chunk wait for the rest of its rows. Deterministic for a given file."""
    carry = None
    for chunk in read_chunks(path, encoding, rows):
        if carry is not None:
            chunk, carry = pd.concat([carry, chunk]), None
        if columns.long_form:
            keys = record_keys(chunk, columns)
            tail = len(keys) - 1
            while tail > 0 and keys[tail - 1] == keys[-1] and keys[-1]:
                tail -= 1
            chunk, carry = chunk.iloc[:tail], chunk.iloc[tail:]
        if not chunk.empty:
            yield chunk
    if carry is not None and not carry.empty:
        yield carry


def _excel_chunks(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        lines = book.worksheets[0].iter_rows(values_only=True)
        header = [str(h) if h is not None else "" for h in next(lines, ())]
        block = []
        for values in lines:
            if all(v is None for v in values):
                continue
            block.append(list(values) + [None] * (len(header) - len(values)))
            if len(block) == rows:
                yield pd.DataFrame(block, columns=header)
                block = []
        if block:
            yield pd.DataFrame(block, columns=header)
    finally:
        book.close()


def read_header(path: Path, encoding: str) -> list[str]:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".xlsx"):
        try:
            if suffix == ".parquet":
                import pyarrow.parquet as pq

                return list(pq.ParquetFile(path).schema_arrow.names)
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True)
            try:
                first = next(book.worksheets[0].iter_rows(values_only=True, max_row=1), None)
            finally:
                book.close()
        except Exception as exc:  # the readers raise many types for a damaged file
            raise BatchInputError(f"{path}: cannot read it as {suffix[1:]} ({type(exc).__name__}); check the file") from None
        if not first or all(v is None for v in first):
            raise BatchInputError(f"{path}: the first sheet has no header row")
        return [str(v) if v is not None else "" for v in first]
    try:
        with path.open(encoding=encoding, newline="") as fh:
            if suffix == ".jsonl":
                first = next((line for line in fh if line.strip()), None)
                if first is None:
                    raise BatchInputError(f"{path}: the file is empty")
                try:
                    return list(json.loads(first))
                except (json.JSONDecodeError, TypeError):
                    raise BatchInputError(f"{path}: the first line is not a JSON object") from None
            header = next(csv.reader(fh, delimiter="\t" if suffix == ".tsv" else ","), None)
    except UnicodeDecodeError as exc:
        raise BatchInputError(f"{path}: not {encoding} (byte {exc.object[exc.start]:#04x} at position {exc.start}); "
                              "pass --encoding (e.g. cp1252)") from None
    if not header:
        raise BatchInputError(f"{path}: the file is empty (no header row)")
    return header


def count_rows(path: Path, encoding: str) -> int | None:
    """Data rows in the file (for the progress bar's ETA); None if it cannot be counted cheaply."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    if suffix == ".xlsx":
        return None
    try:
        with path.open(encoding=encoding, newline="") as fh:
            if suffix == ".jsonl":
                return sum(1 for line in fh if line.strip())
            return max(sum(1 for _ in csv.reader(fh, delimiter="\t" if suffix == ".tsv" else ",")) - 1, 0)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def total_rows(files: list[Path], encoding: str, limit_bytes: int = 2 * 1024**3) -> int | None:
    """Data rows in all files (for a progress bar's ETA); None when uncountable or too large to count quickly."""
    if sum(f.stat().st_size for f in files) > limit_bytes:
        return None
    counts = [count_rows(f, encoding) for f in files]
    return None if None in counts else sum(counts)


def name_columns(header: list[str], columns: ColumnMap) -> tuple[list[str], list[str]]:
    """For --redact: (columns whose header contains "name", the teacher / evaluator columns)."""
    return ([c for c in header if "name" in str(c).lower()],
            [columns.fields[k] for k in ("teacher", "evaluator") if k in columns.fields])


def chunk_names(chunk: pd.DataFrame, named: list[str], ids: list[str], text_column: str) -> set[str]:
    """The names one chunk holds: cells of name columns, teacher / evaluator cells that are names rather than
    ids, and names the texts show by context (a title, a speech verb)."""
    found: set[str] = set()
    for column in named + ids:
        for value in chunk[column]:
            text = cell_text(value)
            if text and (column in named or not any(ch.isdigit() for ch in text)):
                found |= name_parts(text)
    for value in chunk[text_column]:
        text = cell_text(value)
        if text:
            found |= strong_names(text)
    return found


def known_names(path: Path, encoding: str, columns: ColumnMap) -> frozenset[str]:
    """For --redact: every name the export holds (a pass over the file, no models), so a name found in one
    record is redacted in all of them."""
    named, ids = name_columns(read_header(path, encoding), columns)
    found: set[str] = set()
    for chunk in read_chunks(path, encoding):
        found |= chunk_names(chunk, named, ids, columns.fields["text"])
    return frozenset(found)
