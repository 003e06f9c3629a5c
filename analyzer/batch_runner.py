"""`fqa batch`: stream a district export through `process_batch` and write the outputs.

Reads CSV, TSV, JSONL, Excel (.xlsx, first sheet) or Parquet in chunks (bounded memory), optionally in worker processes (each loads the
models once; chunks come back in input order, so output order is deterministic). After each chunk,
results and errors are appended and flushed, then `progress.json` records how many rows are done and
the byte sizes of the output files; `--resume` truncates the outputs to those sizes and continues,
so an interrupted run (Ctrl-C, a kill) is neither redone nor duplicated.
"""
from __future__ import annotations

import csv
import json
import os
import secrets
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .batch import (
    SCORE_COLUMNS,
    BatchInputError,
    ColumnMap,
    cell_text,
    detect_columns,
    long_groups,
    process_batch,
    record_keys,
    score_row,
)
from .batch_report import write_report
from .redact import Redactor, name_parts, strong_names

CHUNK_ROWS = 64
SUPPORTED = (".csv", ".tsv", ".jsonl", ".xlsx", ".parquet")
PROGRESS = "progress.json"
OUTPUTS = ("results.jsonl", "errors.jsonl", "scores.csv")


@dataclass
class BatchSummary:
    input: str
    records_in: int
    results: int
    errors: int
    resumed_from_row: int


def _reader(path: Path, encoding: str) -> Iterator:
    """DataFrame chunks of string cells, with a `__row__` column (1-based data row number)."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        chunks = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", dtype=str, keep_default_na=False,
                             chunksize=CHUNK_ROWS, encoding=encoding, on_bad_lines="error")
    elif suffix == ".jsonl":
        chunks = pd.read_json(path, lines=True, dtype=False, chunksize=CHUNK_ROWS, encoding=encoding)
    elif suffix == ".parquet":
        import pyarrow.parquet as pq

        chunks = (b.to_pandas() for b in pq.ParquetFile(path).iter_batches(batch_size=CHUNK_ROWS))
    elif suffix == ".xlsx":
        chunks = _excel_chunks(path)
    else:
        raise BatchInputError(f"{path}: unknown file type '{suffix}'; use .csv, .tsv, .jsonl, .xlsx or .parquet")
    start = 1
    for chunk in chunks:
        chunk = chunk.copy()
        chunk["__row__"] = range(start, start + len(chunk))
        start += len(chunk)
        yield chunk


def _excel_chunks(path: Path) -> Iterator:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(h) if h is not None else "" for h in next(rows, ())]
        block = []
        for values in rows:
            if all(v is None for v in values):
                continue
            block.append(list(values) + [None] * (len(header) - len(values)))
            if len(block) == CHUNK_ROWS:
                yield pd.DataFrame(block, columns=header)
                block = []
        if block:
            yield pd.DataFrame(block, columns=header)
    finally:
        book.close()


def _header(path: Path, encoding: str) -> list[str]:
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


def _work(args: tuple) -> tuple[list[dict], list[dict], int, int]:
    """One chunk in a worker: (results, errors, its last input row, its record count)."""
    chunk, columns, rubric, duplicates, redactor, last_row, n_records = args
    results, errors = process_batch(chunk, columns, rubric, seen_ids=set(), duplicate_rows=duplicates,
                                    redactor=redactor)
    return results, errors, last_row, n_records


def known_names(path: Path, encoding: str, columns: ColumnMap) -> frozenset[str]:
    """For --redact: the names an export holds (a pass over the file, no models): every column whose header
    contains "name", teacher / evaluator cells that are names rather than ids, and names the texts show by
    context (a title, a speech verb), so a name found in one record is redacted in all of them."""
    name_columns = [c for c in _header(path, encoding) if "name" in str(c).lower()]
    id_columns = [columns.fields[k] for k in ("teacher", "evaluator") if k in columns.fields]
    found: set[str] = set()
    for chunk in _reader(path, encoding):
        for column in name_columns + id_columns:
            for value in chunk[column]:
                text = cell_text(value)
                if text and (column in name_columns or not any(ch.isdigit() for ch in text)):
                    found |= name_parts(text)
        for value in chunk[columns.fields["text"]]:
            text = cell_text(value)
            if text:
                found |= strong_names(text)
    return frozenset(found)


def run_batch(path: Path, out: Path, *, rubric: str | None = None, overrides: dict[str, str] | None = None,
              encoding: str = "utf-8", workers: int = 1, resume: bool = False, progress=None,
              teachers: list[str] | None = None, redact: bool = False) -> BatchSummary:
    """Analyse every row of `path` into `out` (see the module docstring), then build the report there
    (summary.json, scores.parquet, report.html; `teachers`: ids or ["all"] for prep sections). `redact`
    replaces person names in every output (analyzer.redact)."""
    _check_input(path)
    columns = detect_columns(_header(path, encoding), overrides, rubric)
    out.mkdir(parents=True, exist_ok=True)
    state = _start(out, resume, redact)
    state.setdefault("redact_salt", secrets.token_hex(16))
    redactor = Redactor(known_names(path, encoding, columns), salt=state["redact_salt"]) if redact else None
    start_row = done_rows = state["rows"]
    files = {name: (out / name).open("a", encoding="utf-8", newline="") for name in OUTPUTS}
    scores = csv.DictWriter(files["scores.csv"], fieldnames=SCORE_COLUMNS)
    if files["scores.csv"].tell() == 0:
        scores.writeheader()
    seen: set[str] = set()  # record ids met so far (duplicates are errors); rebuilt from the input on resume
    results_n, errors_n = state["results"], state["errors"]
    records_n = state.get("records", state["rows"])

    def chunks():
        carry = None  # long form: the rows of the last record of a chunk wait for the rest of its rows
        for chunk in _reader(path, encoding):
            finished = chunk[chunk["__row__"] <= start_row]
            seen.update(record_keys(finished, columns))
            chunk = chunk[chunk["__row__"] > start_row]
            if carry is not None:
                chunk, carry = pd.concat([carry, chunk]), None
            if columns.long_form and not chunk.empty:
                keys = record_keys(chunk, columns)
                tail = len(keys) - 1
                while tail > 0 and keys[tail - 1] == keys[-1] and keys[-1]:
                    tail -= 1
                chunk, carry = chunk.iloc[:tail], chunk.iloc[tail:]
            if not chunk.empty:
                yield _task(chunk)
        if carry is not None and not carry.empty:
            yield _task(carry)

    def _task(chunk) -> tuple:
        duplicates = set()
        firsts = long_groups(chunk, columns) if columns.long_form else range(len(chunk))
        keys = record_keys(chunk, columns)
        rows = [int(x) for x in chunk["__row__"]]
        for i in firsts:
            if keys[i] and keys[i] in seen:
                duplicates.add(rows[i])
            seen.add(keys[i])
        return chunk, columns, rubric, duplicates, redactor, rows[-1], len(firsts)

    pool = None
    if workers > 1:
        import multiprocessing

        pool = multiprocessing.get_context("spawn").Pool(workers)
        stream = pool.imap(_work, chunks())
    else:
        stream = map(_work, chunks())
    try:
        for results, errors, last_row, n_records in stream:
            with _interrupt_after_block():  # Ctrl-C waits until this chunk is written and recorded
                for r in results:
                    files["results.jsonl"].write(json.dumps(r, ensure_ascii=False) + "\n")
                    scores.writerow(score_row(r))
                for e in errors:
                    files["errors.jsonl"].write(json.dumps(e, ensure_ascii=False) + "\n")
                results_n += len(results)
                errors_n += len(errors)
                records_n += n_records
                consumed, done_rows = last_row - done_rows, last_row
                for fh in files.values():
                    fh.flush()
                    os.fsync(fh.fileno())
                _save(out, {"rows": done_rows, "records": records_n, "results": results_n, "errors": errors_n,
                            "redact": redact, "redact_salt": state["redact_salt"],
                            "sizes": {n: (out / n).stat().st_size for n in OUTPUTS}})
                if progress is not None:
                    progress(consumed)  # input rows (a record in long form spans several)
    finally:
        if pool is not None:
            pool.terminate()
        for fh in files.values():
            fh.close()
    if (out / PROGRESS).exists():  # finished: the pseudonym salt is no longer needed for a resume
        _save(out, {k: v for k, v in json.loads((out / PROGRESS).read_text(encoding="utf-8")).items()
                    if k != "redact_salt"})
    summary = BatchSummary(str(path), records_n, results_n, errors_n, state["rows"])
    write_report(out, teachers, run={"input": str(path), "records_in": records_n, "resumed_from_row": state["rows"],
                                     "workers": workers, "redacted": redact})
    return summary


def teacher_results(path: Path, teacher: str, *, rubric: str | None = None, overrides: dict[str, str] | None = None,
                    encoding: str = "utf-8", redact: bool = False) -> list[dict]:
    """Analyse only the rows of one teacher in an export (for `fqa prep` on an export file)."""
    _check_input(path)
    columns = detect_columns(_header(path, encoding), overrides, rubric)
    if "teacher" not in columns.fields:
        raise BatchInputError(f"{path}: no teacher column found; name it with --teacher-column")
    redactor = Redactor(known_names(path, encoding, columns), salt=secrets.token_hex(16)) if redact else None
    seen: set[str] = set()
    results = []
    for chunk in _reader(path, encoding):
        mine = chunk[chunk[columns.fields["teacher"]].astype(str).str.strip() == teacher]
        if not mine.empty:
            results.extend(process_batch(mine, columns, rubric, seen_ids=seen, redactor=redactor)[0])
    return results


@contextmanager
def _interrupt_after_block():
    """Hold a Ctrl-C (SIGINT) that arrives inside the block and raise it after, so the outputs and
    progress.json are never left half-written (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _check_input(path: Path) -> None:
    if not path.exists():
        raise BatchInputError(f"input not found: {path}")
    if path.suffix.lower() not in SUPPORTED:
        raise BatchInputError(f"{path}: unknown file type '{path.suffix}'; use {', '.join(SUPPORTED)}")


def _start(out: Path, resume: bool, redact: bool) -> dict:
    """Fresh state, or the saved one with the outputs cut back to what it recorded."""
    fresh = {"rows": 0, "records": 0, "results": 0, "errors": 0, "redact": redact, "redact_salt": secrets.token_hex(16)}
    saved = out / PROGRESS
    if not resume:
        existing = [n for n in (*OUTPUTS, PROGRESS) if (out / n).exists()]
        if existing:
            raise BatchInputError(f"{out} already holds a run ({', '.join(existing)}); use --resume to continue it "
                                  "or choose an empty --out folder")
        return fresh
    if not saved.exists():
        return fresh
    state = json.loads(saved.read_text(encoding="utf-8"))
    if state.get("redact", False) != redact:
        raise BatchInputError(f"the run in {out} was {'' if state.get('redact') else 'not '}redacted; resume it "
                              f"{'with' if state.get('redact') else 'without'} --redact so all outputs match")
    for name, size in state["sizes"].items():
        with (out / name).open("r+b") as fh:
            fh.truncate(size)
    return state


def _save(out: Path, state: dict) -> None:
    tmp = out / (PROGRESS + ".tmp")
    tmp.write_text(json.dumps(state), encoding="utf-8")
    os.replace(tmp, out / PROGRESS)


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
