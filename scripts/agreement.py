"""Cohen's kappa between the corpus labels and the independent second pass.

    python scripts/agreement.py [corpora/annotated/agreement/second_pass.jsonl] [--disagreements]

The second pass labelled a random sample of sentences (drawn by scripts/agreement_sample.py) from
the guide alone, without seeing the first labels. Prints kappa and raw agreement per label.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

from analyzer.config import get_settings
from analyzer.corpus import corpus_files, read_documents

LABELS = ("evidence", "judgment", "recommendation", "question", "component")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    path = Path(args[0]) if args else get_settings().corpora_dir / "annotated" / "agreement" / "second_pass.jsonl"
    corpora = get_settings().corpora_dir
    docs = {d.id: d for d in read_documents(corpus_files(corpora, "train") + corpus_files(corpora, "test"))}
    second = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    pairs = []
    for row in second:
        doc_id, index = row["key"].rsplit("#", 1)
        gold = docs[doc_id].sentences[int(index)]
        pairs.append((row, gold, docs[doc_id].text[gold.start:gold.end]))
    print(f"{len(pairs)} sentences labelled twice")
    print(f"{'label':15s} {'kappa':>6s} {'agreement':>9s}")
    for label in LABELS:
        a = [str(getattr(g, label)) for _, g, _ in pairs]
        b = [str(r[label]) for r, _, _ in pairs]
        agree = sum(x == y for x, y in zip(a, b)) / len(a)
        print(f"{label:15s} {cohen_kappa_score(a, b):6.3f} {agree:9.3f}")
    if "--disagreements" in sys.argv:
        for label in LABELS:
            for r, g, text in pairs:
                if str(getattr(g, label)) != str(r[label]):
                    print(f"[{label}] first={getattr(g, label)} second={r[label]} | {text[:140]}")


if __name__ == "__main__":
    main()
