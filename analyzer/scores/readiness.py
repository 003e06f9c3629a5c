"""Mid-year conversation readiness: a checklist of what the feedback brings to the conversation.

Items: strengths named with evidence, growth areas named with evidence, reflective (open) questions,
next steps, and supports offered (a support-lexicon phrase in a next step, a question, or the
writer's own offer in the first person; reports of the lesson do not count). Each lists the sentences behind it, and says what to add when unmet.
A strength is a judgment without a critical marker (or any statement under a "Strengths"/"Glows"
heading); a growth area is a judgment with a critical marker (negative lexicon) or a statement under a
"Growth"/"Areas to refine" heading. Either counts "with evidence" when its sentence is evidence or a
neighbouring evidence sentence is on the same topic.
"""
from __future__ import annotations

import re

import numpy as np

from ..config import Settings
from ..constants import QuestionType
from ..lexicons import get_lexicons
from ..result import Readiness, ReadinessItem, Sentence
from .common import content_sentences, evidence_nearby


FIRST_PERSON = re.compile(r"\b(?:i|i'll|i'd|i'm|we|we'll|let's|let us|me|my|our)\b", re.I)


def _in_section(s: Sentence, name: str) -> bool:
    return any(c.name == name for c in s.cues)


def score_readiness(sentences: list[Sentence], similarity: np.ndarray, settings: Settings) -> Readiness:
    lex = get_lexicons()
    content = [s for s in content_sentences(sentences) if s.question == QuestionType.none]

    def backed(s: Sentence) -> bool:
        return s.evidence or evidence_nearby(sentences, s.index, similarity, settings.support_window,
                                             settings.topic_similarity) is not None

    critical = {s.index for s in content if lex.negative_phrases.search(s.text)}
    strengths = [s.index for s in content if backed(s) and (
        _in_section(s, "section_praise") or (s.judgment and s.index not in critical
                                             and not _in_section(s, "section_growth")))]
    growth = [s.index for s in content if backed(s) and not s.recommendation and (
        _in_section(s, "section_growth") or (s.judgment and s.index in critical
                                             and not _in_section(s, "section_praise")))]
    questions = [s.index for s in sentences if s.question == QuestionType.open]
    steps = [s.index for s in content_sentences(sentences) if s.recommendation]
    supports = [s.index for s in content_sentences(sentences)
                if (s.recommendation or s.question != QuestionType.none or FIRST_PERSON.search(s.text))
                and not (s.evidence and not s.recommendation) and lex.support_phrases.search(s.text)]
    items = [
        _item("strengths_with_evidence", "Strengths named, with evidence", strengths,
              "Name at least one strength and what you saw that shows it (a quote, a count, a concrete action)."),
        _item("growth_with_evidence", "Growth areas named, with evidence", growth,
              "Name an area to grow in, with the moment of the lesson that shows it."),
        _item("reflective_questions", "Reflective (open) questions for the teacher", questions,
              "Ask at least one open question that invites the teacher to reflect, e.g. \"What did you notice "
              "when ...?\""),
        _item("next_steps", "Next steps", steps, "Propose at least one concrete next step."),
        _item("supports", "Supports offered", supports,
              "Offer support for the next step: a visit, a model lesson, a resource, a colleague to observe, "
              "time to plan together."),
    ]
    return Readiness(met=sum(i.met for i in items), total=len(items), items=items)


def _item(key: str, label: str, rows: list[int], missing: str) -> ReadinessItem:
    return ReadinessItem(key=key, label=label, met=bool(rows), sentences=rows, missing=None if rows else missing)
