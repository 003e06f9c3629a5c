"""How long `compare` takes for N observations x K evaluators (a script that prints figures).

Records are built from the bundled calibration sample: the feedback texts are cycled and the
ratings drawn around a per-observation level (seeded), so every statistic has data.

    .venv/bin/python benchmarks/compare_speed.py --observations 50 --evaluators 5 --repeats 3
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from itertools import cycle
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyzer import nlp  # noqa: E402
from analyzer.compare import compare  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "corpora" / "samples" / "calibration.jsonl"
COMPONENTS = ("1a", "1e", "2a", "2d", "3b", "3c", "3d", "4e")


def records(n_obs: int, n_ev: int, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = cycle([r["text"] for r in rows if r.get("text")])
    out = []
    for o in range(n_obs):
        truth = rng.integers(2, 5, size=len(COMPONENTS))
        for e in range(n_ev):
            ratings = {c: int(np.clip(t + rng.choice([-1, 0, 0, 1]), 1, 4)) for c, t in zip(COMPONENTS, truth)}
            out.append({"observation_id": f"obs-{o:03d}", "evaluator_id": f"ev-{e}", "rubric": "fft-style",
                        "ratings": ratings, "text": next(texts)})
        if o % 3 == 0:
            out.append({"observation_id": f"obs-{o:03d}", "evaluator_id": "anchor", "rubric": "fft-style",
                        "anchor": True, "ratings": {c: int(t) for c, t in zip(COMPONENTS, truth)}})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=50)
    parser.add_argument("--evaluators", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    data = records(args.observations, args.evaluators)
    nlp.load_all()
    compare(data[: args.evaluators + 1])  # warm up (rubric texts embedded once)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        report = compare(data)
        times.append(time.perf_counter() - start)
    n_texts = sum(1 for r in data if r.get("text"))
    median = statistics.median(times)
    print(f"{args.observations} observations x {args.evaluators} evaluators = {n_texts} feedback texts "
          f"(+{len(data) - n_texts} anchor records)")
    print(f"compare: median {median:.2f} s over {args.repeats} runs ({', '.join(f'{t:.2f}' for t in times)}); "
          f"{n_texts / median:.1f} texts/s")
    print(f"alpha {report.agreement.alpha.value}, discussion points "
          f"{sum(len(o.discussion_points) for o in report.observations)}")


if __name__ == "__main__":
    main()
