"""Helpers shared by the scorers."""
from __future__ import annotations

import re

import numpy as np

from ..result import Sentence

HEADING = re.compile(r"^[^.!?]{1,60}:$")


def is_heading(sentence: Sentence) -> bool:
    """A heading line such as "Strengths:" or "3b Questioning:": structure, not feedback."""
    return bool(HEADING.match(sentence.text)) and len(sentence.text.split()) <= 6


def content_sentences(sentences: list[Sentence]) -> list[Sentence]:
    return [s for s in sentences if not is_heading(s)]


def evidence_nearby(
    sentences: list[Sentence], index: int, similarity: np.ndarray, window: int, threshold: float
) -> int | None:
    """Index of the closest evidence sentence within `window` of `index` on the same topic, else None."""
    best: int | None = None
    for offset in range(1, window + 1):
        for j in (index - offset, index + offset):
            if 0 <= j < len(sentences) and sentences[j].evidence and similarity[index, j] >= threshold:
                best = j if best is None else best
        if best is not None:
            return best
    return None


def cue_words(sentence: Sentence, label: str, limit: int = 3) -> str:
    """The words that triggered cues for `label`, quoted, for use in a reason."""
    words: list[str] = []
    for cue in sentence.cues:
        if cue.label == label and cue.text.lower() not in (w.lower() for w in words):
            words.append(cue.text)
    return ", ".join(f"'{w}'" for w in words[:limit])
