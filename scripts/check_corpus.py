"""Validate annotated corpus files and print label counts.

Usage: python scripts/check_corpus.py FILE.jsonl [FILE.jsonl ...]

Each line is one feedback document:
{"id": "b1-001", "writer": "...", "format": "...", "grade": "...", "subject": "...",
 "stance": "...", "sentences": [{"text": "...", "sep": " ", "evidence": false,
 "judgment": true, "recommendation": false, "question": "none", "component": "3b"}]}

The document text is the concatenation of each sentence's ``text`` followed by its ``sep``.
"""
from __future__ import annotations

import json
import sys
from collections import Counter

QUESTION_TYPES = {"none", "open", "closed", "leading"}
COMPONENTS = {f"{d}{c}" for d, cs in (("1", "abcdef"), ("2", "abcde"), ("3", "abcde"), ("4", "abcdef")) for c in cs}
DOC_KEYS = {"id", "writer", "format", "grade", "subject", "stance", "sentences"}
SENT_KEYS = {"text", "sep", "evidence", "judgment", "recommendation", "question", "component"}


def check_file(path: str, seen_ids: set[str], counts: Counter) -> list[str]:
    problems: list[str] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            where = f"{path}:{lineno}"
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: invalid JSON ({exc})")
                continue
            missing = DOC_KEYS - doc.keys()
            if missing:
                problems.append(f"{where}: document lacks keys {sorted(missing)}")
                continue
            if doc["id"] in seen_ids:
                problems.append(f"{where}: duplicate document id {doc['id']!r}")
            seen_ids.add(doc["id"])
            counts["documents"] += 1
            for i, sent in enumerate(doc["sentences"]):
                swhere = f"{where} sentence {i}"
                if set(sent) != SENT_KEYS:
                    problems.append(f"{swhere}: keys must be exactly {sorted(SENT_KEYS)}, got {sorted(sent)}")
                    continue
                if not isinstance(sent["text"], str) or not sent["text"].strip():
                    problems.append(f"{swhere}: empty text")
                if sent["text"] != sent["text"].strip():
                    problems.append(f"{swhere}: text has leading/trailing whitespace; put it in sep")
                if not isinstance(sent["sep"], str) or sent["sep"].strip():
                    problems.append(f"{swhere}: sep must be whitespace only (' ', '\\n', '\\n\\n')")
                for key in ("evidence", "judgment", "recommendation"):
                    if not isinstance(sent[key], bool):
                        problems.append(f"{swhere}: {key} must be true/false")
                if sent["question"] not in QUESTION_TYPES:
                    problems.append(f"{swhere}: question must be one of {sorted(QUESTION_TYPES)}")
                if sent["component"] is not None and sent["component"] not in COMPONENTS:
                    problems.append(f"{swhere}: component {sent['component']!r} unknown")
                counts["sentences"] += 1
                for key in ("evidence", "judgment", "recommendation"):
                    counts[key] += bool(sent[key])
                counts["question:" + str(sent["question"])] += 1
                counts["component:" + str(sent["component"])] += 1
    return problems


def main(paths: list[str]) -> int:
    counts: Counter = Counter()
    seen: set[str] = set()
    problems = [p for path in paths for p in check_file(path, seen, counts)]
    for p in problems:
        print("ERROR", p)
    n = counts["sentences"] or 1
    print(f"documents {counts['documents']}  sentences {counts['sentences']}")
    for key in ("evidence", "judgment", "recommendation"):
        print(f"{key:15s} {counts[key]:5d}  ({counts[key] / n:.0%})")
    for key in sorted(k for k in counts if k.startswith("question:")):
        print(f"{key:15s} {counts[key]:5d}")
    comps = sorted((k for k in counts if k.startswith("component:")), key=lambda k: k)
    print("components:", ", ".join(f"{k.split(':')[1]}={counts[k]}" for k in comps))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
