"""Batch throughput and memory (a script that prints figures): `fqa batch` (report included) over N
generated records (corpus documents cycled, fresh ids, 9 schools, 17 evaluators, shared observations
and ratings), on the local engine with N workers (`local:N`) and on Ray with N CPUs (`ray:N`, a local
Ray instance started by the run, so its start-up is included). Each run is its own process, so the
peak RSS of the parent and of the largest worker or actor belong to that run alone; run two sizes to
see whether memory grows with the input.

    .venv/bin/python benchmarks/batch_throughput.py --records 1000 10000 --runs local:1 local:2 ray:2 [--redact]
"""
from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import threading
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


def actor_peaks(stop: threading.Event, peaks: dict[int, float], marker: str = "ChunkAnalyzer") -> None:
    """Sample the peak RSS (VmHWM) of every Ray actor process of ours until `stop` is set."""
    while not stop.wait(1.0):
        for proc in Path("/proc").iterdir():
            try:
                if proc.name.isdigit() and marker in (proc / "cmdline").read_text(errors="replace"):
                    hwm = next(line for line in (proc / "status").read_text().splitlines() if line.startswith("VmHWM"))
                    peaks[int(proc.name)] = max(peaks.get(int(proc.name), 0), int(hwm.split()[1]) / 1024)
            except (OSError, StopIteration):
                continue


def child(path: str, out: str, engine: str, n: int, redact: bool) -> None:
    start = time.perf_counter()
    extra = {}
    if engine == "ray":
        from analyzer.batch_ray import run_batch_ray

        stop, peaks = threading.Event(), {}
        sampler = threading.Thread(target=actor_peaks, args=(stop, peaks), daemon=True)
        sampler.start()
        summary = run_batch_ray(Path(path), Path(out), num_cpus=n, redact=redact)
        stop.set()
        extra = {"init_s": summary.init_seconds, "first_part_s": summary.first_part_seconds,
                 "worker_mb": max(peaks.values(), default=0), "actors_seen": len(peaks)}
    else:
        from analyzer.batch_runner import run_batch

        summary = run_batch(Path(path), Path(out), workers=n, redact=redact)
        extra = {"worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
    elapsed = time.perf_counter() - start
    print(json.dumps({"elapsed": elapsed, "records": summary.records_in, "results": summary.results,
                      "errors": summary.errors,
                      "parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **extra}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[10_000])
    parser.add_argument("--runs", nargs="+", default=["local:2", "ray:2"],
                        help="ENGINE:N, e.g. local:1 (one process), local:2 (two workers), ray:2 (two CPUs)")
    parser.add_argument("--redact", action="store_true")
    parser.add_argument("--child", nargs=4, metavar=("INPUT", "OUT", "ENGINE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.child[2], int(args.child[3]), args.redact)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for records in args.records:
            path = Path(tmp) / f"export-{records}.csv"
            write_export(path, records)
            for spec in args.runs:
                engine, n = spec.split(":")
                cmd = [sys.executable, __file__, "--child", str(path), f"{tmp}/out-{records}-{engine}-{n}", engine, n]
                run = subprocess.run(cmd + (["--redact"] if args.redact else []), capture_output=True, text=True,
                                     check=True)
                r = json.loads(run.stdout.strip().splitlines()[-1])
                worker = "actor" if engine == "ray" else "worker"
                print(f"{records} records, {engine} {n}{', redact' if args.redact else ''}: "
                      f"{r['elapsed']:.1f} s, {r['records'] / r['elapsed']:.2f} records/s "
                      f"({r['results']} results, {r['errors']} errors); peak RSS parent {r['parent_mb']:.0f} MB"
                      + (f", largest {worker} {r['worker_mb']:.0f} MB" if engine == "ray" or int(n) > 1 else "")
                      + (f"; Ray start {r['init_s']:.1f} s, first part after {r['first_part_s']:.1f} s"
                         if engine == "ray" else ""), flush=True)


if __name__ == "__main__":
    main()
