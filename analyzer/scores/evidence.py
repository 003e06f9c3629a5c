"""Evidence: how much of the feedback cites what was seen and heard, and which judgments stand alone."""
from __future__ import annotations

import numpy as np

from ..config import Settings
from ..constants import FlagKind, QuestionType
from ..result import EvidenceScore, Flag, Sentence
from .common import content_sentences, cue_words, evidence_nearby

EVIDENCE_TARGET_SHARE = 0.5  # a share of evidence sentences at or above this earns the full evidence-share half


def score_evidence(
    sentences: list[Sentence], similarity: np.ndarray, settings: Settings
) -> tuple[EvidenceScore, list[Flag]]:
    """Evidence share and unsupported judgments.

    A judgment is supported when its own sentence is evidence, or an evidence sentence within
    `settings.support_window` sentences is on the same topic (cosine similarity of embeddings at
    least `settings.topic_similarity`). Questions are scored elsewhere and are not flagged here.
    """
    content = content_sentences(sentences)
    n = len(content)
    n_evidence = sum(s.evidence for s in content)
    share = n_evidence / n if n else 0.0
    flags: list[Flag] = []
    judgments = supported = 0
    for s in content:
        if not s.judgment or s.question != QuestionType.none:
            continue
        judgments += 1
        if s.evidence or evidence_nearby(sentences, s.index, similarity, settings.support_window,
                                         settings.topic_similarity) is not None:
            supported += 1
            continue
        words = cue_words(s, "judgment")
        flags.append(Flag(
            kind=FlagKind.unsupported_judgment,
            sentence_index=s.index, start=s.start, end=s.end,
            reason=f"This sentence judges{' (' + words + ')' if words else ''} but neither it nor a neighbouring "
                   "sentence on the same topic says what was seen or heard.",
            suggestion="Add the evidence behind it: a quote, a count (\"18 of 24 students\"), a time or a concrete "
                       "action, e.g. \"Students were engaged: at 9:40, 18 of 24 were writing.\"",
        ))
    share_part = min(share / EVIDENCE_TARGET_SHARE, 1.0)
    if judgments:
        score = 100 * (0.5 * share_part + 0.5 * supported / judgments)
    else:
        score = 100 * share_part
    return EvidenceScore(
        score=round(score, 1), sentences=n, evidence_sentences=n_evidence, evidence_share=round(share, 3),
        judgments=judgments, supported_judgments=supported, unsupported_judgments=judgments - supported,
    ), flags
