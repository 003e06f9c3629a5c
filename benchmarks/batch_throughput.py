"""Batch throughput and memory (a script that prints figures): `fqa batch` (run_batch, report included)
over N generated records (corpus documents cycled, fresh ids, 9 schools, 17 evaluators, shared
observations and ratings), with 1 and more workers. Each run is its own process, so the peak RSS of
the parent and of the largest worker belong to that run alone; run two sizes to see whether memory
grows with the input.

    .venv/bin/python benchmarks/batch_throughput.py --records 1000 10000 --workers 1 2 [--redact]
"""
from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COMPONENTS = ("1a", "1e", "2a", "2d", "3b", "3c", "3d", "4e")


def write_export(path: Path, records: int) -> None:
    from analyzer.config import get_settings
    from analyzer.corpus import corpus_files, read_documents

    folder = get_settings().corpora_dir
    texts = [d.text for split in ("train", "test") for d in read_documents(corpus_files(folder, split))]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["record_id", "observation_id", "evaluator", "teacher", "school", "date", "rubric", "feedback",
                    *COMPONENTS])
        for i, text in enumerate(islice(cycle(texts), records)):
            ratings = [str(1 + (i + k) % 4) if (i + k) % 3 else "" for k in range(len(COMPONENTS))]
            w.writerow([f"rec-{i:07d}", f"obs-{i // 2:06d}", f"E{i % 17}", f"T{(i // 2) % 400}", f"School {i % 9}",
                        f"2026-{1 + i % 5:02d}-{1 + i % 27:02d}", "fft-style", text, *ratings])


def child(path: str, out: str, workers: int, redact: bool) -> None:
    from analyzer.batch_runner import run_batch

    start = time.perf_counter()
    summary = run_batch(Path(path), Path(out), workers=workers, redact=redact)
    elapsed = time.perf_counter() - start
    print(json.dumps({"elapsed": elapsed, "records": summary.records_in, "results": summary.results,
                      "errors": summary.errors,
                      "parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[10_000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--redact", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("INPUT", "OUT", "WORKERS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]), args.redact)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for records in args.records:
            path = Path(tmp) / f"export-{records}.csv"
            write_export(path, records)
            for workers in args.workers:
                cmd = [sys.executable, __file__, "--child", str(path), f"{tmp}/out-{records}-{workers}", str(workers)]
                run = subprocess.run(cmd + (["--redact"] if args.redact else []), capture_output=True, text=True,
                                     check=True)
                r = json.loads(run.stdout.strip().splitlines()[-1])
                print(f"{records} records, workers {workers}{', redact' if args.redact else ''}: "
                      f"{r['elapsed']:.1f} s, {r['records'] / r['elapsed']:.2f} records/s "
                      f"({r['results']} results, {r['errors']} errors); peak RSS parent {r['parent_mb']:.0f} MB"
                      + (f", largest worker {r['worker_mb']:.0f} MB" if workers > 1 else ""), flush=True)


if __name__ == "__main__":
    main()
