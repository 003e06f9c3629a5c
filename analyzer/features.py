"""Turn sentence ranges of many texts into model features in one batched pass.

Used identically at training and at inference: one spaCy pass over the texts (`nlp.pipe`), cues per
sentence span, one encoder pass over every sentence of every text (general and label embeddings).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from spacy.tokens import Doc

from . import nlp
from .config import get_settings
from .cues import CUE_NAMES, CueHit, cue_vector, extract_cues, section_hits
from .lexicons import get_lexicons


@dataclass(frozen=True)
class SentenceFeatures:
    """Features of every sentence of a batch of texts, rows in text order then sentence order."""

    texts: list[str]
    cues: list[list[CueHit]]
    embeddings: np.ndarray  # (n, d), general embeddings (similarity, alignment), unit length
    matrix: np.ndarray  # (n, d + number of cues): label embeddings and cues, the dense part of the classifier input

    def __len__(self) -> int:
        return len(self.cues)

    def rows(self, index: np.ndarray | slice) -> "SentenceFeatures":
        """The features of a subset of sentences (boolean mask, index array or slice)."""
        idx = np.arange(len(self))[index]
        return SentenceFeatures([self.texts[i] for i in idx], [self.cues[i] for i in idx], self.embeddings[idx],
                                self.matrix[idx])


def featurize(texts: list[str], spans: list[list[tuple[int, int]]]) -> SentenceFeatures:
    """Features for `spans[i]` (character ranges) of `texts[i]`, for every i."""
    return featurize_docs(nlp.get_spacy().pipe(texts, batch_size=get_settings().batch_size), spans)


def featurize_docs(docs: Iterable[Doc], spans: list[list[tuple[int, int]]]) -> SentenceFeatures:
    """Features for character ranges of already parsed docs (which need tags and lemmas)."""
    lex = get_lexicons()
    all_cues: list[list[CueHit]] = []
    sentence_texts: list[str] = []
    for doc, ranges in zip(docs, spans):
        text = doc.text
        sections = section_hits([text[a:b] for a, b in ranges], [a for a, _ in ranges])
        for (start, end), section in zip(ranges, sections):
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is None:  # only when the range is pure whitespace, which the segmenter never yields
                raise ValueError(f"no tokens in range {start}-{end}")
            hits = extract_cues(span, lex)
            all_cues.append(hits + [section] if section else hits)
            sentence_texts.append(text[start:end])
    general, label = nlp.embed_pair(sentence_texts)
    return SentenceFeatures(sentence_texts, all_cues, general, feature_matrix(label, all_cues))


def feature_matrix(embeddings: np.ndarray, cues: list[list[CueHit]]) -> np.ndarray:
    """[label embedding | cue flags], one row per sentence."""
    cue_rows = np.array([cue_vector(c) for c in cues], dtype=np.float32).reshape(len(cues), len(CUE_NAMES))
    return np.hstack([embeddings, cue_rows]).astype(np.float32)
