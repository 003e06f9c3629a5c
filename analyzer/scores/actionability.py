"""Actionability: does the feedback propose next steps, and is each tied to something observed?"""
from __future__ import annotations

import numpy as np

from ..config import Settings
from ..constants import FlagKind
from ..result import ActionabilityScore, Flag, Sentence
from .common import content_sentences, evidence_nearby

STEPS_FOR_FULL_CREDIT = 2


def score_actionability(
    sentences: list[Sentence], similarity: np.ndarray, settings: Settings
) -> tuple[ActionabilityScore, list[Flag]]:
    """Next steps (recommendation sentences) and how many are tied to evidence.

    A next step is tied to evidence when its own sentence is evidence, or an evidence sentence within
    `settings.step_window` sentences is on the same topic. Score: 40% for having next steps (full at
    two or more), 60% for the share tied to evidence; 0 when there is no next step at all.
    """
    steps = [s for s in content_sentences(sentences) if s.recommendation]
    flags: list[Flag] = []
    tied = 0
    for s in steps:
        if s.evidence or evidence_nearby(sentences, s.index, similarity, settings.step_window,
                                         settings.topic_similarity) is not None:
            tied += 1
            continue
        flags.append(Flag(
            kind=FlagKind.next_step_without_evidence,
            sentence_index=s.index, start=s.start, end=s.end,
            reason="This next step is not tied to anything the feedback says was observed.",
            suggestion="Say which moment of the lesson it responds to, e.g. \"When only 3 of 8 pairs started the "
                       "task at 9:04, the directions were still on the slide; next time, ...\".",
        ))
    if not steps:
        score = 0.0
    else:
        score = 100 * (0.4 * min(len(steps) / STEPS_FOR_FULL_CREDIT, 1.0) + 0.6 * tied / len(steps))
    return ActionabilityScore(score=round(score, 1), next_steps=len(steps), tied_to_evidence=tied), flags
