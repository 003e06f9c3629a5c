"""Batch outputs as Parquet part files (the distributed engine), and reading results from any engine.

A part is the output of one record-aligned chunk of input, named by its file index and first row
(`00000-0000000001`), so it is the same on every run. `write_part` writes `errors/part-<id>.parquet`,
then `results/part-<id>.parquet`, each under a temporary name moved into place: a part is complete
when its results file exists, and a re-run (a retried task, a resume) rewrites it whole, never twice.

`iter_results` / `iter_errors` read a results folder whatever wrote it: `results.jsonl` and
`errors.jsonl` (the local engine) or the part files, in input order. `saved_state` / `save_state`
keep the run state file both engines use for --resume.
"""
from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .batch import SCORE_COLUMNS, BatchInputError, score_row

RESULTS_JSONL, ERRORS_JSONL = "results.jsonl", "errors.jsonl"
RESULTS_DIR, ERRORS_DIR = "results", "errors"
_TEXT = {"record_id", "observation_id", "evaluator", "teacher", "school", "date", "rubric"}
_FLOAT = {"overall", "evidence", "evidence_share", "question_score", "actionability", "alignment"}
SCORES_SCHEMA = pa.schema([(c, pa.string() if c in _TEXT else pa.float64() if c in _FLOAT else pa.int64())
                           for c in SCORE_COLUMNS])
RESULTS_SCHEMA = pa.schema([("row", pa.int64()), ("file", pa.string()), *SCORES_SCHEMA,
                            ("result", pa.string())])
ERRORS_SCHEMA = pa.schema([("row", pa.int64()), ("file", pa.string()), ("record_id", pa.string()),
                           ("kind", pa.string()), ("reason", pa.string())])


def part_id(file_index: int, first_row: int) -> str:
    return f"{file_index:05d}-{first_row:010d}"


def _part_path(out: Path, folder: str, part: str) -> Path:
    return out / folder / f"part-{part}.parquet"


def complete_parts(out: Path) -> set[str]:
    folder = out / RESULTS_DIR
    if not folder.is_dir():
        return set()
    return {p.name[len("part-"):-len(".parquet")] for p in folder.glob("part-*.parquet")}


def _write_atomic(table: pa.Table, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")  # unique: two attempts never share it
    pq.write_table(table, tmp)
    os.replace(tmp, target)


def write_part(out: Path, part: str, results: list[dict], errors: list[dict]) -> None:
    """Write one part's errors, then its results (the commit point); see the module docstring."""
    _write_atomic(pa.Table.from_pylist([{k: e.get(k) for k in ERRORS_SCHEMA.names} for e in errors],
                                       schema=ERRORS_SCHEMA), _part_path(out, ERRORS_DIR, part))
    rows = [{**score_row(r), "row": r["row"], "file": r.get("file"), "result": json.dumps(r, ensure_ascii=False)}
            for r in results]
    _write_atomic(pa.Table.from_pylist(rows, schema=RESULTS_SCHEMA), _part_path(out, RESULTS_DIR, part))


def remove_temporaries(out: Path) -> int:
    """Delete the temporary files of attempts that died before moving them into place (call when no task runs)."""
    stray = [p for folder in (RESULTS_DIR, ERRORS_DIR) if (out / folder).is_dir()
             for p in (out / folder).glob(".part-*.tmp")]
    for p in stray:
        p.unlink()
    return len(stray)


def part_counts(out: Path, part: str) -> tuple[int, int]:
    """(results, errors) of a complete part, from the Parquet footers."""
    return tuple(pq.ParquetFile(_part_path(out, folder, part)).metadata.num_rows
                 for folder in (RESULTS_DIR, ERRORS_DIR))


def has_parts(out: Path) -> bool:
    return (out / RESULTS_DIR).is_dir()


def _iter_parts(out: Path, folder: str, column: str | None) -> Iterator[dict]:
    for part in sorted(complete_parts(out)):
        table = pq.read_table(_part_path(out, folder, part))
        if column is not None:
            yield from (json.loads(v) for v in table.column(column).to_pylist())
        else:
            yield from ({k: v for k, v in row.items() if not (k == "file" and v is None)} for row in table.to_pylist())


def _iter_jsonl(path: Path) -> Iterator[dict]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def iter_results(out: Path) -> Iterator[dict]:
    """Every result of a batch folder in input order (results.jsonl, else the complete parts)."""
    if (out / RESULTS_JSONL).exists() or not has_parts(out):
        return _iter_jsonl(out / RESULTS_JSONL)
    return _iter_parts(out, RESULTS_DIR, "result")


def iter_errors(out: Path) -> Iterator[dict]:
    """Every error row of a batch folder in input order (errors.jsonl, else those of the complete parts)."""
    if (out / ERRORS_JSONL).exists() or not has_parts(out):
        return _iter_jsonl(out / ERRORS_JSONL)
    return _iter_parts(out, ERRORS_DIR, None)


def saved_state(out: Path, resume: bool, redact: bool, state_file: str, outputs: tuple[str, ...],
                foreign: tuple[str, ...], foreign_engine: str) -> dict | None:
    """The state a run saved in `out` when resuming it (None: start fresh), after the checks both engines make:
    no run of the other engine there (`foreign` outputs), no earlier run at all without --resume, same --redact."""
    theirs = [n for n in foreign if (out / n).exists()]
    if theirs:
        raise BatchInputError(f"{out} holds a run of the {foreign_engine} engine ({', '.join(theirs)}); resume it "
                              f"with --engine {foreign_engine} or choose an empty --out folder")
    existing = [n for n in (*outputs, state_file) if (out / n).exists()]
    if not resume:
        if existing:
            raise BatchInputError(f"{out} already holds a run ({', '.join(existing)}); use --resume to continue it "
                                  "or choose an empty --out folder")
        return None
    if not (out / state_file).exists():
        return None
    state = json.loads((out / state_file).read_text(encoding="utf-8"))
    if state.get("redact", False) != redact:
        raise BatchInputError(f"the run in {out} was {'' if state.get('redact') else 'not '}redacted; resume it "
                              f"{'with' if state.get('redact') else 'without'} --redact so all outputs match")
    return state


def save_state(out: Path, state_file: str, state: dict) -> None:
    tmp = out / (state_file + ".tmp")
    tmp.write_text(json.dumps(state), encoding="utf-8")
    os.replace(tmp, out / state_file)
