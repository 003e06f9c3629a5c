"""Batch throughput and memory (a script that prints figures): `run_batch` over N generated records
(corpus documents cycled, fresh ids), with 1 and more workers; peak RSS of the parent and of the
largest worker. Run it at two sizes to see that memory does not grow with the input.

    .venv/bin/python benchmarks/batch_throughput.py --records 10000 --workers 1 2
"""
from __future__ import annotations

import argparse
import csv
import resource
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyzer.batch_runner import run_batch  # noqa: E402
from analyzer.config import get_settings  # noqa: E402
from analyzer.corpus import corpus_files, read_documents  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    texts = [d.text for split in ("train", "test") for d in read_documents(corpus_files(get_settings().corpora_dir, split))]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["record_id", "feedback", "evaluator", "school", "rubric"])
            for i, text in enumerate(islice(cycle(texts), args.records)):
                w.writerow([f"rec-{i:07d}", text, f"E{i % 17}", f"School {i % 9}", "fft-style"])
        print(f"{args.records} records ({len(texts)} distinct texts), rubric fft-style")
        for workers in args.workers:
            start = time.perf_counter()
            summary = run_batch(path, Path(tmp) / f"out-{workers}", workers=workers)
            elapsed = time.perf_counter() - start
            parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(f"workers {workers}: {elapsed:.1f} s, {summary.records_in / elapsed:.1f} records/s "
                  f"({summary.results} results, {summary.errors} errors); peak RSS parent {parent:.0f} MB, "
                  f"largest worker so far {children:.0f} MB")


if __name__ == "__main__":
    main()
