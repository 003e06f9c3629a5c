"""Helpers shared by the scorers."""
from __future__ import annotations

import re

import numpy as np

from ..result import Sentence

HEADING = re.compile(r"^[^.!?]{1,60}:$")
BARE_HEADING = re.compile(r"^[A-Z][A-Za-z /&'()-]{0,40}$")  # "Glows", "Next steps", "Areas for growth"


def is_heading(sentence: Sentence) -> bool:
    """A heading line such as "Strengths:", "3b Questioning:" or "Next steps": structure, not feedback."""
    words = len(sentence.text.split())
    if HEADING.match(sentence.text):
        return words <= 6
    return bool(BARE_HEADING.match(sentence.text)) and words <= 4 and not (
        sentence.evidence or sentence.judgment or sentence.recommendation or sentence.question != "none")


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
        inside = sentence.start <= cue.start and cue.end <= sentence.end  # not the section heading above it
        if inside and cue.label == label and cue.text.lower() not in (w.lower() for w in words):
            words.append(cue.text)
    return ", ".join(f"'{w}'" for w in words[:limit])
