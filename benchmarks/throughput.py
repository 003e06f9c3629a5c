"""Throughput: full `fqa` analysis vs a bare spaCy parse of the same documents, in one run.

    python benchmarks/throughput.py [--docs 3000] [--batch 64]

Documents are the annotated corpus texts (train and test, written to look like real feedback),
cycled to reach --docs. Prints docs/s for both, their ratio and the peak RSS of the process.
The bare parse is the complete installed English pipeline (tagger, parser, NER, ...), as a spaCy
user would run it; the full analysis is `analyzer.analyze_many` (segmentation, tags and lemmas,
cues, sentence embeddings, four classifiers, scores).
"""
from __future__ import annotations

import argparse
import resource
import statistics
import time
from itertools import cycle, islice

import spacy

from analyzer import analyze_many, nlp
from analyzer.config import get_settings
from analyzer.corpus import corpus_files, read_documents


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def timed_runs(fn, texts, batch: int, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(0, len(texts), batch):
            fn(texts[i:i + batch])
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3, help="timed passes over all documents, median reported")
    parser.add_argument("--rubric", default="fft-style",
                        help="also time the analysis with rubric alignment to this rubric ('' to skip)")
    args = parser.parse_args()

    settings = get_settings()
    source = [d.text for split in ("train", "test") for d in read_documents(corpus_files(settings.corpora_dir, split))]
    texts = list(islice(cycle(source), args.docs))
    words = sum(len(t.split()) for t in texts)
    print(f"{len(texts)} documents ({len(source)} distinct), median {statistics.median(len(t.split()) for t in texts):.0f} "
          f"words, {words} words in all; batch {args.batch}; median of {args.repeats} passes")

    name = nlp.spacy_candidates()[0]
    try:
        bare = spacy.load(name)
    except OSError:
        name = nlp.spacy_candidates()[1]
        bare = spacy.load(name)
    print(f"bare parse: spacy.load({name!r}) with {bare.pipe_names}")

    def parse(batch):
        list(bare.pipe(batch, batch_size=args.batch))

    parse(texts[:args.batch])  # warm up
    bare_times = timed_runs(parse, texts, args.batch, args.repeats)
    rss_after_bare = rss_mb()

    nlp.load_all()
    analyze_many(texts[:args.batch])  # warm up
    full_times = timed_runs(analyze_many, texts, args.batch, args.repeats)

    bare_rate = len(texts) / statistics.median(bare_times)
    full_rate = len(texts) / statistics.median(full_times)
    print(f"bare spaCy parse : {bare_rate:8.1f} docs/s  (passes: {', '.join(f'{t:.2f}s' for t in bare_times)})")
    print(f"full fqa analysis: {full_rate:8.1f} docs/s  (passes: {', '.join(f'{t:.2f}s' for t in full_times)})")
    print(f"ratio (full time / bare time): {bare_rate / full_rate:.2f}x")
    if args.rubric:
        def aligned(batch):
            analyze_many(batch, rubric=args.rubric)

        aligned(texts[:args.batch])  # warm up (embeds the rubric's texts once)
        aligned_times = timed_runs(aligned, texts, args.batch, args.repeats)
        aligned_rate = len(texts) / statistics.median(aligned_times)
        print(f"with alignment to {args.rubric}: {aligned_rate:8.1f} docs/s  "
              f"(passes: {', '.join(f'{t:.2f}s' for t in aligned_times)}); "
              f"adds {100 * (full_rate / aligned_rate - 1):.1f}% to the full analysis time")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"RSS after bare parse {rss_after_bare:.0f} MB; peak RSS of the process {peak:.0f} MB")


if __name__ == "__main__":
    main()
