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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import nlp
from .batch import (
    SCORE_COLUMNS,
    BatchInputError,
    detect_columns,
    process_batch,
    record_keys,
    record_starts,
    score_row,
)
from .batch_input import ROW, check_input, known_names, read_chunks, read_header, record_chunks
from .batch_parts import RESULTS_DIR, save_state, saved_state
from .batch_report import write_report
from .redact import Redactor

PROGRESS = "progress.json"
OUTPUTS = ("results.jsonl", "errors.jsonl", "scores.csv")


@dataclass
class BatchSummary:
    input: str
    records_in: int
    results: int
    errors: int
    resumed_from_row: int


def _init_worker(workers: int) -> None:
    nlp.share_cores(workers)


def _work(args: tuple) -> tuple[list[dict], list[dict], int, int]:
    """One chunk in a worker: (results, errors, its last input row, its record count)."""
    chunk, columns, rubric, duplicates, redactor, last_row, n_records = args
    results, errors = process_batch(chunk, columns, rubric, seen_ids=set(), duplicate_rows=duplicates,
                                    redactor=redactor)
    return results, errors, last_row, n_records


def run_batch(path: Path, out: Path, *, rubric: str | None = None, overrides: dict[str, str] | None = None,
              encoding: str = "utf-8", workers: int = 1, resume: bool = False, progress=None,
              teachers: list[str] | None = None, redact: bool = False) -> BatchSummary:
    """Analyse every row of `path` into `out` (see the module docstring), then build the report there
    (summary.json, scores.parquet, report.html; `teachers`: ids or ["all"] for prep sections). `redact`
    replaces person names in every output (analyzer.redact)."""
    check_input(path)
    columns = detect_columns(read_header(path, encoding), overrides, rubric)
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
        for chunk in record_chunks(path, encoding, columns):
            seen.update(record_keys(chunk[chunk[ROW] <= start_row], columns))  # done before a resume
            chunk = chunk[chunk[ROW] > start_row]
            if not chunk.empty:
                yield _task(chunk)

    def _task(chunk) -> tuple:
        duplicates = set()
        firsts = record_starts(chunk, columns)
        keys = record_keys(chunk, columns)
        rows = [int(x) for x in chunk[ROW]]
        for i in firsts:
            if keys[i] and keys[i] in seen:
                duplicates.add(rows[i])
            seen.add(keys[i])
        return chunk, columns, rubric, duplicates, redactor, rows[-1], len(firsts)

    pool = None
    if workers > 1:
        import multiprocessing

        pool = multiprocessing.get_context("spawn").Pool(workers, initializer=_init_worker, initargs=(workers,))
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
                save_state(out, PROGRESS, {"rows": done_rows, "records": records_n, "results": results_n,
                                           "errors": errors_n, "redact": redact, "redact_salt": state["redact_salt"],
                                           "sizes": {n: (out / n).stat().st_size for n in OUTPUTS}})
                if progress is not None:
                    progress(consumed)  # input rows (a record in long form spans several)
    finally:
        if pool is not None:
            pool.terminate()
        for fh in files.values():
            fh.close()
    if (out / PROGRESS).exists():  # finished: the pseudonym salt is no longer needed for a resume
        saved = json.loads((out / PROGRESS).read_text(encoding="utf-8"))
        save_state(out, PROGRESS, {k: v for k, v in saved.items() if k != "redact_salt"})
    summary = BatchSummary(str(path), records_n, results_n, errors_n, state["rows"])
    write_report(out, teachers, run={"input": str(path), "records_in": records_n, "resumed_from_row": state["rows"],
                                     "workers": workers, "redacted": redact})
    return summary


def teacher_results(path: Path, teacher: str, *, rubric: str | None = None, overrides: dict[str, str] | None = None,
                    encoding: str = "utf-8", redact: bool = False) -> list[dict]:
    """Analyse only the rows of one teacher in an export (for `fqa prep` on an export file)."""
    check_input(path)
    columns = detect_columns(read_header(path, encoding), overrides, rubric)
    if "teacher" not in columns.fields:
        raise BatchInputError(f"{path}: no teacher column found; name it with --teacher-column")
    redactor = Redactor(known_names(path, encoding, columns), salt=secrets.token_hex(16)) if redact else None
    seen: set[str] = set()
    results = []
    for chunk in read_chunks(path, encoding):
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


def _start(out: Path, resume: bool, redact: bool) -> dict:
    """Fresh state, or the saved one with the outputs cut back to what it recorded."""
    state = saved_state(out, resume, redact, PROGRESS, OUTPUTS, ("run.json", RESULTS_DIR), "ray")
    if state is None:
        return {"rows": 0, "records": 0, "results": 0, "errors": 0, "redact": redact,
                "redact_salt": secrets.token_hex(16)}
    for name, size in state["sizes"].items():
        with (out / name).open("r+b") as fh:
            fh.truncate(size)
    return state
