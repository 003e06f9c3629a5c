"""Read the annotated corpus (`corpora/annotated/**.jsonl`) into typed documents.

Format (one JSON document per line): see `corpora/README.md`. The document text is the
concatenation of every unit's `text` followed by its `sep`; offsets of gold units are computed here
the same way the segmenter reports them (leading list markers excluded).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .constants import QUESTION_TYPES
from .errors import CorpusError
from .segment import LIST_MARKER


@dataclass(frozen=True, slots=True)
class GoldSentence:
    start: int
    end: int
    evidence: bool
    judgment: bool
    recommendation: bool
    question: str
    component: str | None


@dataclass(frozen=True, slots=True)
class GoldDocument:
    id: str
    text: str
    sentences: tuple[GoldSentence, ...]
    meta: dict


def read_documents(paths: list[Path]) -> list[GoldDocument]:
    docs: list[GoldDocument] = []
    seen: set[str] = set()
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    raw = json.loads(line)
                    doc = _document(raw)
                except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                    raise CorpusError(f"{path}:{lineno}: {exc}") from None
                if doc.id in seen:
                    raise CorpusError(f"{path}:{lineno}: duplicate document id {doc.id!r}")
                seen.add(doc.id)
                docs.append(doc)
    return docs


def _document(raw: dict) -> GoldDocument:
    parts: list[str] = []
    sentences: list[GoldSentence] = []
    pos = 0
    for unit in raw["sentences"]:
        text, sep = unit["text"], unit.get("sep", " ")
        marker = LIST_MARKER.match(text)
        offset = marker.end() if marker and marker.end() < len(text) else 0
        if unit["question"] not in QUESTION_TYPES:
            raise ValueError(f"question {unit['question']!r} not one of {QUESTION_TYPES}")
        sentences.append(
            GoldSentence(
                start=pos + offset,
                end=pos + len(text),
                evidence=bool(unit["evidence"]),
                judgment=bool(unit["judgment"]),
                recommendation=bool(unit["recommendation"]),
                question=unit["question"],
                component=unit.get("component"),
            )
        )
        parts.append(text + sep)
        pos += len(text) + len(sep)
    meta = {k: v for k, v in raw.items() if k not in {"id", "sentences"}}
    return GoldDocument(id=str(raw["id"]), text="".join(parts), sentences=tuple(sentences), meta=meta)


def corpus_files(corpora_dir: Path, split: str) -> list[Path]:
    """The JSONL files of one split ("train" or "test"), sorted for determinism."""
    folder = corpora_dir / "annotated" / split
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise CorpusError(f"no annotated {split} files (*.jsonl) in {folder}")
    return files
