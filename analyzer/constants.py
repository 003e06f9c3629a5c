"""Names defined once: labels, question types, flag kinds."""
from __future__ import annotations

from enum import Enum

BOOLEAN_LABELS: tuple[str, ...] = ("evidence", "judgment", "recommendation")
QUESTION_LABEL = "question"
ALL_LABELS: tuple[str, ...] = (*BOOLEAN_LABELS, QUESTION_LABEL)


class QuestionType(str, Enum):
    none = "none"
    open = "open"
    closed = "closed"
    leading = "leading"


QUESTION_TYPES: tuple[str, ...] = tuple(q.value for q in QuestionType)


class FlagKind(str, Enum):
    unsupported_judgment = "unsupported_judgment"
    leading_question = "leading_question"
    closed_question = "closed_question"
    next_step_without_evidence = "next_step_without_evidence"
    rating_gap = "rating_gap"
    rating_without_evidence = "rating_without_evidence"


class WarningCode(str, Enum):
    markup_ignored = "markup_ignored"
    not_english = "not_english"
    few_sentences = "few_sentences"
    control_characters = "control_characters"
