"""Draw the sample of sentences for the independent second labelling pass.

    python scripts/agreement_sample.py OUT.jsonl [--n 260] [--seed 7]

Each line: {"key": "<doc id>#<sentence index>", "document": <full text with the sentence marked
by ⟦ ⟧>, "sentence": <the sentence>}. No first-pass labels are included.
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from analyzer.config import get_settings
from analyzer.corpus import corpus_files, read_documents


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--n", type=int, default=260)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    corpora = get_settings().corpora_dir
    docs = read_documents(corpus_files(corpora, "train") + corpus_files(corpora, "test"))
    pool = [(d, i) for d in docs for i in range(len(d.sentences))]
    sample = random.Random(args.seed).sample(pool, args.n)
    with args.out.open("w", encoding="utf-8") as fh:
        for doc, i in sample:
            s = doc.sentences[i]
            marked = doc.text[:s.start] + "⟦" + doc.text[s.start:s.end] + "⟧" + doc.text[s.end:]
            fh.write(json.dumps({"key": f"{doc.id}#{i}", "document": marked,
                                 "sentence": doc.text[s.start:s.end]}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
