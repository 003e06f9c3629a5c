"""Redaction recall and over-redaction on an export whose person names are listed by hand.

    python benchmarks/redaction_recall.py corpora/samples/district-export.csv corpora/samples/parts/names-b.txt

Prints: name occurrences in the feedback before and after redaction (recall = 1 - left/before), the
names left (with a count), and words replaced that are not listed names (over-redaction), with counts.
Names the export holds (name columns, names shown by context) are gathered as `fqa batch --redact` does.
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyzer.batch import detect_columns  # noqa: E402
from analyzer.batch_input import known_names  # noqa: E402
from analyzer.redact import LETTER, PLACEHOLDER, Redactor  # noqa: E402


def occurrences(text: str, name: str) -> int:
    return len(re.findall(rf"(?<![{LETTER}'’-]){re.escape(name)}(?![{LETTER}-])", text))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("export")
    ap.add_argument("names", nargs="+", help="files listing the person names in the export, one per line")
    ap.add_argument("--text-column", default="feedback")
    ap.add_argument("--no-ner", action="store_true")
    args = ap.parse_args()
    table = pd.read_csv(args.export, dtype=str, keep_default_na=False)
    names = sorted({line.strip() for f in args.names for line in Path(f).read_text(encoding="utf-8").splitlines()
                    if line.strip() and not line.startswith("#")})
    known = known_names(Path(args.export), "utf-8", detect_columns(list(table.columns)))
    redactor = Redactor(known=known, use_ner=not args.no_ner)
    texts = [t for t in table[args.text_column] if t.strip()]
    redacted = redactor.redact_many(texts)
    before = Counter({n: sum(occurrences(t, n) for t in texts) for n in names})
    left = Counter({n: sum(occurrences(t, n) for t in redacted) for n in names})
    total, remaining = sum(before.values()), sum(left.values())
    listed_parts = {p for n in names for p in n.split()}
    over: Counter = Counter()
    for original, new in zip(texts, redacted):
        # words of the original that are gone, are not listed names, and were not part of one
        for word in set(re.findall(rf"[A-Z\u00C0-\u00DE][{LETTER}'’-]*", original)):
            w = re.sub(r"['’]s$", "", word)
            if w not in listed_parts and occurrences(original, w) > occurrences(new, w):
                over[w] += 1
    print(f"texts {len(texts)}, listed names {len(names)}, known from the export {len(known)}")
    print(f"name occurrences: {total} before, {remaining} left -> recall {1 - remaining / total:.3f}")
    print(f"placeholders written: {sum(t.count(PLACEHOLDER) for t in redacted)}")
    print("names left:", ", ".join(f"{n} ({c})" for n, c in left.most_common() if c) or "none")
    print(f"over-redacted words (not listed names): {sum(over.values())} in texts;",
          ", ".join(f"{w} ({c})" for w, c in over.most_common(40)) or "none")


if __name__ == "__main__":
    main()
