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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .batch import SCORE_COLUMNS, BatchInputError, detect_columns, process_batch, score_row

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

    def as_dict(self) -> dict:
        return {"input": self.input, "records_in": self.records_in, "results": self.results, "errors": self.errors,
                "resumed_from_row": self.resumed_from_row,
                "invariant_holds": self.records_in == self.results + self.errors}


def _reader(path: Path, encoding: str) -> Iterator:
    """DataFrame chunks of string cells, with a `__row__` column (1-based data row number)."""
    import pandas as pd

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
    import pandas as pd

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


def _work(args: tuple) -> tuple[list[dict], list[dict]]:
    chunk, columns, rubric, duplicates = args
    return process_batch(chunk, columns, rubric, seen_ids=set(), duplicate_rows=duplicates)


def run_batch(path: Path, out: Path, *, rubric: str | None = None, overrides: dict[str, str] | None = None,
              encoding: str = "utf-8", workers: int = 1, resume: bool = False, progress=None) -> BatchSummary:
    if not path.exists():
        raise BatchInputError(f"input not found: {path}")
    if path.suffix.lower() not in SUPPORTED:
        raise BatchInputError(f"{path}: unknown file type '{path.suffix}'; use {', '.join(SUPPORTED)}")
    columns = detect_columns(_header(path, encoding), overrides, rubric)
    out.mkdir(parents=True, exist_ok=True)
    state = _start(out, resume)
    start_row = done_rows = state["rows"]
    files = {name: (out / name).open("a", encoding="utf-8", newline="") for name in OUTPUTS}
    scores = csv.DictWriter(files["scores.csv"], fieldnames=SCORE_COLUMNS)
    if files["scores.csv"].tell() == 0:
        scores.writeheader()
    seen: set[str] = set()  # record ids met so far (duplicates are errors); rebuilt from the input on resume
    results_n, errors_n = state["results"], state["errors"]
    id_column = columns.fields["record_id"]

    def chunks():
        for chunk in _reader(path, encoding):
            finished = chunk[chunk["__row__"] <= start_row]
            seen.update(str(x).strip() for x in finished[id_column])
            chunk = chunk[chunk["__row__"] > start_row]
            if chunk.empty:
                continue
            duplicates = set()
            for row, rid in zip(chunk["__row__"], chunk[id_column]):
                key = str(rid).strip()
                if key and key in seen:
                    duplicates.add(int(row))
                seen.add(key)
            yield chunk, columns, rubric, duplicates

    pool = None
    if workers > 1:
        import multiprocessing

        pool = multiprocessing.get_context("spawn").Pool(workers)
        stream = pool.imap(_work, chunks())
    else:
        stream = map(_work, chunks())
    try:
        for results, errors in stream:
            for r in results:
                files["results.jsonl"].write(json.dumps(r, ensure_ascii=False) + "\n")
                scores.writerow(score_row(r))
            for e in errors:
                files["errors.jsonl"].write(json.dumps(e, ensure_ascii=False) + "\n")
            rows = [x["row"] for x in results + errors]
            results_n += len(results)
            errors_n += len(errors)
            done_rows = max(rows + [done_rows])
            for fh in files.values():
                fh.flush()
                os.fsync(fh.fileno())
            _save(out, {"rows": done_rows, "results": results_n, "errors": errors_n,
                        "sizes": {n: (out / n).stat().st_size for n in OUTPUTS}})
            if progress is not None:
                progress(len(rows))
    finally:
        if pool is not None:
            pool.terminate()
        for fh in files.values():
            fh.close()
    summary = BatchSummary(str(path), done_rows, results_n, errors_n, state["rows"])
    (out / "summary.json").write_text(json.dumps(summary.as_dict(), indent=2) + "\n", encoding="utf-8")
    return summary


def _start(out: Path, resume: bool) -> dict:
    """Fresh state, or the saved one with the outputs cut back to what it recorded."""
    fresh = {"rows": 0, "results": 0, "errors": 0}
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
