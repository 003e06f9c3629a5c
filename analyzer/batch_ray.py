"""`fqa batch --engine ray`: the batch review on Ray Data, with the same outputs as the local engine.

The input (one file, a folder or a glob of CSV/TSV/JSONL/Excel/Parquet files) is read by one Ray
read task per file through the local engine's own reader (`batch_input.record_chunks`), so rows,
row numbers and chunk boundaries are the same; each chunk becomes one row of the dataset and one
part. A pool of actors (one per CPU; each loads the models once in its constructor) calls
`batch.process_batch` on each chunk and writes the part atomically (`batch_parts.write_part`).
Ray retries a task whose actor died; the retry rewrites the same part whole, so nothing is lost or
written twice. `--resume` skips the parts already complete.

Before the main pass two small distributed passes give every actor what a single sequential reader
would know: the record ids that occur more than once with the position of their first occurrence
(`groupby` on the id), and with `--redact` the names the whole input holds.

Ray is an optional dependency (`pip install 'feedback-quality-analyzer[ray]'`); nothing else in
`analyzer` imports it.
"""
from __future__ import annotations

import logging
import os
import pickle
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from .batch import (
    BatchInputError,
    ColumnMap,
    count_records,
    detect_columns,
    process_batch,
    record_keys,
    record_starts,
)
from .batch_input import ROW, chunk_names, input_files, name_columns, read_header, record_chunks
from .batch_parts import (
    ERRORS_DIR,
    RESULTS_DIR,
    complete_parts,
    part_counts,
    part_id,
    remove_temporaries,
    save_state,
    saved_state,
    write_part,
)
from .batch_report import write_report
from .redact import Redactor

EXTRA = "pip install 'feedback-quality-analyzer[ray]'"
RUN_STATE = "run.json"
_ORDINAL = 10**10  # file index * _ORDINAL + row: one sortable position across files


def import_ray():
    """The `ray` module, or a BatchInputError naming the extra to install."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise BatchInputError(f"--engine ray needs Ray, an optional extra: {EXTRA}") from None
    return ray


@dataclass(frozen=True)
class Job:
    """What every read task and actor needs to know (pickled to them)."""

    files: tuple[str, ...]
    encoding: str
    columns: ColumnMap
    rubric: str | None
    chunk_rows: int

    def file_label(self, index: int) -> str | None:
        """How results and errors name their file: None for a single file, else its path below the folder
        that holds all of them."""
        if len(self.files) == 1:
            return None
        return os.path.relpath(self.files[index], os.path.commonpath([os.path.dirname(f) for f in self.files]))


@dataclass
class RayBatchSummary:
    input: str
    records_in: int
    results: int
    errors: int
    parts: int
    parts_skipped: int
    init_seconds: float  # joining or starting Ray
    first_part_seconds: float  # from the start to the first part written: passes, actors, model loading


def _read_file(job: Job, index: int) -> Iterator[pd.DataFrame]:
    """One read task: the file's record-aligned chunks, one dataset row (pickled DataFrame) per chunk."""
    for chunk in record_chunks(Path(job.files[index]), job.encoding, job.columns, job.chunk_rows):
        first = int(chunk[ROW].iloc[0])
        yield pd.DataFrame({"part": [part_id(index, first)], "file_index": [index], "input_rows": [len(chunk)],
                            "chunk": [pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)]})


def _datasource(job: Job):
    from ray.data.block import BlockMetadata
    from ray.data.datasource import Datasource, ReadTask

    class ExportChunks(Datasource):
        """One read task per input file (a file is read sequentially, files in parallel)."""

        def estimate_inmemory_data_size(self) -> int:
            return sum(os.path.getsize(f) for f in job.files)

        def get_read_tasks(self, parallelism: int, per_task_row_limit=None, data_context=None) -> list:
            return [ReadTask(partial(_read_file, job, i),
                             BlockMetadata(num_rows=None, size_bytes=os.path.getsize(f), input_files=[f], exec_stats=None))
                    for i, f in enumerate(job.files)]

    return ExportChunks()


def _record_ids(batch: pd.DataFrame, columns: ColumnMap) -> pd.DataFrame:
    """Map step of the duplicate pass: (record id, position) of every record with an id."""
    ids, positions = [], []
    for index, blob in zip(batch["file_index"], batch["chunk"]):
        chunk = pickle.loads(blob)
        keys, rows = record_keys(chunk, columns), [int(r) for r in chunk[ROW]]
        for i in record_starts(chunk, columns):
            if keys[i]:
                ids.append(keys[i])
                positions.append(int(index) * _ORDINAL + rows[i])
    return pd.DataFrame({"record_id": pd.Series(ids, dtype=str), "position": pd.Series(positions, dtype="int64")})


def _names(batch: pd.DataFrame, job: Job, named: list[str], ids: list[str]) -> pd.DataFrame:
    """Map step of the --redact pass: the names each chunk holds."""
    found: set[str] = set()
    for blob in batch["chunk"]:
        found |= chunk_names(pickle.loads(blob), named, ids, job.columns.fields["text"])
    return pd.DataFrame({"name": pd.Series(sorted(found), dtype=str)})


class ChunkAnalyzer:
    """The actor: loads the models once, then analyses one chunk per call and writes its part."""

    def __init__(self, job: Job, out: str, first_positions: dict[str, int], done: frozenset[str],
                 redactor: Redactor | None):
        from . import nlp

        nlp.load_all()
        self.job, self.out, self.redactor = job, Path(out), redactor
        self.first_positions, self.done = first_positions, done

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        rows = []
        for part, index, size, blob in zip(batch["part"], batch["file_index"], batch["input_rows"], batch["chunk"]):
            chunk = pickle.loads(blob)
            counted = {"part": part, "input_rows": int(size), "records": count_records(chunk, self.job.columns),
                       "skipped": part in self.done}
            if counted["skipped"]:
                counted["results"], counted["errors"] = part_counts(self.out, part)
            else:
                results, errors = self._analyse(chunk, int(index))
                write_part(self.out, part, results, errors)
                counted["results"], counted["errors"] = len(results), len(errors)
            rows.append(counted)
        return pd.DataFrame(rows)

    def _analyse(self, chunk: pd.DataFrame, index: int) -> tuple[list[dict], list[dict]]:
        keys, rows = record_keys(chunk, self.job.columns), [int(r) for r in chunk[ROW]]
        duplicates = {rows[i] for i in record_starts(chunk, self.job.columns)
                      if keys[i] in self.first_positions and self.first_positions[keys[i]] != index * _ORDINAL + rows[i]}
        results, errors = process_batch(chunk, self.job.columns, self.job.rubric, seen_ids=set(),
                                        duplicate_rows=duplicates, redactor=self.redactor)
        label = self.job.file_label(index)
        if label is not None:
            for row in (*results, *errors):
                row["file"] = label
        return results, errors


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast on a `host:port` or `ray://host:port` nobody listens on (Ray itself would retry for minutes)."""
    import socket

    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        return  # "auto" and other forms: Ray resolves them and fails quickly itself
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise BatchInputError(f"cannot join the Ray cluster at {address} ({exc.strerror or exc}); start it with "
                              "`ray start --head` or check --address") from None


def _start(ray, address: str | None, num_cpus: int | None) -> bool:
    """Join the cluster at `address`, or start a local instance; True when this process started it."""
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no network calls home
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    options = {"include_dashboard": False, "logging_level": logging.ERROR, "log_to_driver": False}
    if address is None:
        ray.init(num_cpus=num_cpus or os.cpu_count(), **options)
    else:
        _check_reachable(address)
        try:  # use a token when there is one, as Ray 2.60 does for `auto` but not for an explicit address
            from ray._private.authentication.authentication_token_setup import (
                maybe_enable_token_auth_if_token_available,
            )

            maybe_enable_token_auth_if_token_available(warn_if_disabled=False)
        except ImportError:  # another Ray version: it decides itself
            pass
        try:
            ray.init(address=address, **options)
        except (ConnectionError, RuntimeError) as exc:
            raise BatchInputError(f"cannot join the Ray cluster at {address} ({exc}); start it with "
                                  "`ray start --head`, check --address, and if the cluster uses token "
                                  "authentication, give its token in RAY_AUTH_TOKEN or ~/.ray/auth_token") from None
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    return True


def _state(out: Path, resume: bool, redact: bool, files: list[Path]) -> dict:
    """The run's settings (run.json): fresh, or the saved ones checked against this run on --resume."""
    fresh = {"engine": "ray", "files": [str(f.resolve()) for f in files], "redact": redact,
             "redact_salt": secrets.token_hex(16)}
    state = saved_state(out, resume, redact, RUN_STATE, (RESULTS_DIR, ERRORS_DIR),
                        ("results.jsonl", "progress.json"), "local")
    if state is not None and state.get("files") != fresh["files"]:
        raise BatchInputError(f"the run in {out} read other input files; resume it with the same input "
                              "or choose an empty --out folder")
    return state or fresh


def run_batch_ray(spec: str | Path, out: Path, *, rubric: str | None = None, overrides: dict[str, str] | None = None,
                  encoding: str = "utf-8", resume: bool = False, progress: Callable[[int], None] | None = None,
                  teachers: list[str] | None = None, redact: bool = False, address: str | None = None,
                  num_cpus: int | None = None) -> RayBatchSummary:
    """Analyse every row of the input into part files under `out`, then build the report there (as
    `batch_runner.run_batch` does). `address`: a running cluster (`auto`, `ray://host:port`), else a local
    instance with `num_cpus` CPUs; `num_cpus` also caps the number of actors on a cluster."""
    import time

    from . import batch_input

    ray = import_ray()
    from ray.data.expressions import col

    files = input_files(spec)
    header = read_header(files[0], encoding)
    for other in files[1:]:
        if read_header(other, encoding) != header:
            raise BatchInputError(f"{other}: its columns differ from those of {files[0]}; every file of one run "
                                  "needs the same columns")
    columns = detect_columns(header, overrides, rubric)
    out.mkdir(parents=True, exist_ok=True)
    state = _state(out, resume, redact, files)
    save_state(out, RUN_STATE, state)
    job = Job(tuple(str(f.resolve()) for f in files), encoding, columns, rubric, batch_input.CHUNK_ROWS)
    started_at = time.perf_counter()
    started = _start(ray, address, num_cpus)
    init_seconds = time.perf_counter() - started_at
    first_part_seconds = None
    try:
        source = ray.data.read_datasource(_datasource(job), num_cpus=0)  # reading is light: the actors need the CPUs
        repeated = (source.map_batches(_record_ids, fn_kwargs={"columns": columns}, batch_size=None,
                                       batch_format="pandas", num_cpus=0)
                    .groupby("record_id").aggregate(ray.data.aggregate.Count(alias_name="n"),
                                                    ray.data.aggregate.Min("position", alias_name="first"))
                    .filter(expr=col("n") > 1).take_all())
        first_positions = {r["record_id"]: int(r["first"]) for r in repeated}
        redactor = None
        if redact:
            named, ids = name_columns(header, columns)
            names = (source.map_batches(_names, fn_kwargs={"job": job, "named": named, "ids": ids}, batch_size=None,
                                        batch_format="pandas", num_cpus=0).unique("name"))
            redactor = Redactor(frozenset(names), salt=state["redact_salt"])
        actors = int(num_cpus or ray.cluster_resources().get("CPU", 1))
        done = frozenset(complete_parts(out))
        # One chunk per block, so that each actor call takes one chunk and reports it (the read task would
        # otherwise merge chunks into blocks of several, dealt out to the actors whole). A dataset keeps a copy
        # of the context it was made with, so only this pass runs with tiny blocks.
        context = ray.data.DataContext.get_current()
        default_block_size, context.target_max_block_size = context.target_max_block_size, 1
        try:
            chunks = ray.data.read_datasource(_datasource(job), num_cpus=0)
        finally:
            context.target_max_block_size = default_block_size
        analysed = chunks.map_batches(
            ChunkAnalyzer, fn_constructor_kwargs={"job": job, "out": str(out.resolve()),
                                                  "first_positions": first_positions, "done": done,
                                                  "redactor": redactor},
            batch_size=1, batch_format="pandas", compute=ray.data.ActorPoolStrategy(size=max(actors, 1)), num_cpus=1)
        produced: set[str] = set()
        records_n = results_n = errors_n = skipped = 0
        for batch in analysed.iter_batches(batch_size=None, batch_format="pandas"):
            if first_part_seconds is None:
                first_part_seconds = time.perf_counter() - started_at
            for row in batch.to_dict("records"):
                produced.add(row["part"])
                records_n += int(row["records"])
                results_n += int(row["results"])
                errors_n += int(row["errors"])
                skipped += bool(row["skipped"])
            if progress is not None:
                progress(int(batch["input_rows"].sum()))
    finally:
        if started:
            ray.shutdown()
    remove_temporaries(out)
    stale = complete_parts(out) - produced
    if stale:
        raise BatchInputError(f"{out} holds {len(stale)} part file(s) this input does not produce (e.g. part-"
                              f"{min(stale)}); choose an empty --out folder")
    save_state(out, RUN_STATE, {k: v for k, v in state.items() if k != "redact_salt"})  # finished: the salt is no longer needed
    write_report(out, teachers, run={"input": str(spec), "records_in": records_n, "engine": "ray",
                                     "parts": len(produced), "parts_skipped": skipped, "redacted": redact})
    return RayBatchSummary(str(spec), records_n, results_n, errors_n, len(produced), skipped, init_seconds,
                           first_part_seconds or 0.0)
