"""Question style: counts by type, open share, leading questions flagged, closed questions with an
open rewrite suggested."""
from __future__ import annotations

import re

from ..constants import FlagKind, QuestionType
from ..cues import TAG_QUESTION, body_offset
from ..result import Flag, QuestionScore, Sentence

PRONOUNS = {"you", "it", "this", "that", "there", "they", "he", "she", "we", "everyone", "anyone", "everybody", "i"}
DETERMINERS = {"the", "a", "an", "your", "my", "our", "their", "his", "her", "this", "that", "these", "those",
               "every", "each", "all", "most", "some", "any", "students'"}
PREDICATE_WORDS = {"too", "so", "very", "more", "less", "really", "quite", "clear", "ready", "able", "enough", "on",
                   "in", "at", "off", "out", "up", "over", "under", "aware", "done", "finished", "right", "wrong",
                   "correct", "long", "short", "big", "small", "hard", "easy", "new", "there"}
PREDICATE_SUFFIXES = ("ed", "ing", "ly", "ful", "ive", "ous", "able", "ible", "al", "ent", "ant", "ic")
BETTER_FRAME = re.compile(r"^(?:wouldn't|wouldn’t|isn't|isn’t)\s+it\s+(?:be\s+)?(?:better|best|easier|more\s+effective|"
                          r"smarter|wiser)\s+(?:to|if\s+you)\s+(.+)$", re.I)
LEADING_FRAME = re.compile(r"^(?:don't|don’t|wouldn't|wouldn’t|isn't|isn’t|shouldn't|didn't|aren't)\s+you\s+"
                           r"(?:think|agree|feel|see)\s+(?:that\s+)?", re.I)


def score_questions(sentences: list[Sentence]) -> tuple[QuestionScore, list[Flag]]:
    """Counts by type and flags. Score: open questions count fully, closed ones half, leading ones
    nothing; 0 when the feedback asks no question (it does not invite reflection)."""
    counts = {q: 0 for q in QuestionType}
    flags: list[Flag] = []
    for s in sentences:
        counts[s.question] += 1
        if s.question == QuestionType.leading:
            flags.append(Flag(
                kind=FlagKind.leading_question, sentence_index=s.index, start=s.start, end=s.end,
                reason="This question suggests its own answer, so it invites agreement rather than reflection.",
                suggestion=f"Ask it openly, e.g. \"{open_rewrite(s.text)}\"",
            ))
        elif s.question == QuestionType.closed and not s.recommendation:
            flags.append(Flag(
                kind=FlagKind.closed_question, sentence_index=s.index, start=s.start, end=s.end,
                reason="This question can be answered with a word or two.",
                suggestion=f"To invite reflection, try: \"{open_rewrite(s.text)}\"",
            ))
        elif s.question == QuestionType.closed:
            flags.append(Flag(
                kind=FlagKind.closed_question, sentence_index=s.index, start=s.start, end=s.end,
                reason="This suggestion is phrased as a yes/no question; the teacher can answer it without reflecting.",
                suggestion=f"Either state the suggestion plainly or ask openly: \"{open_rewrite(s.text)}\"",
            ))
    total = counts[QuestionType.open] + counts[QuestionType.closed] + counts[QuestionType.leading]
    score = 100 * (counts[QuestionType.open] + 0.5 * counts[QuestionType.closed]) / total if total else 0.0
    return QuestionScore(
        score=round(score, 1), total=total, open=counts[QuestionType.open], closed=counts[QuestionType.closed],
        leading=counts[QuestionType.leading],
        open_share=round(counts[QuestionType.open] / total, 3) if total else None,
    ), flags


def open_rewrite(question: str) -> str:
    """An open question on the same topic as a closed or leading one (a suggestion, not a paraphrase)."""
    body = question[body_offset(question):].strip()
    body = TAG_QUESTION.sub("", body).rstrip(" ?.!")
    better = BETTER_FRAME.match(body)
    if better:
        return f"What do you think would change if you {better.group(1)}?"
    body = LEADING_FRAME.sub("", body)
    body = re.sub(r"^(?:wouldn't|wouldn’t|shouldn't|isn't|aren't|didn't|don't|doesn't)\s+", "", body, flags=re.I)
    words = body.split()
    if not words:
        return "What did you notice, and what would you keep or change?"
    first, rest = words[0].lower(), words[1:]
    if first in {"did", "do", "does"} and rest:
        subject, tail = rest[0], " ".join(rest[1:])
        if subject.lower() == "you":
            return f"How did you {tail}, and what did you notice?" if tail else "What did you notice?"
        return f"What tells you whether {_join(rest)}?"
    if first in {"have", "has"} and len(rest) >= 2:
        if rest[1].lower() in {"tried", "considered", "thought"}:
            idea = " ".join(rest[2:]).removeprefix("about ")
            return f"How might {idea} work with this class?" if idea else "What have you tried so far, and what happened?"
        return f"What have you noticed so far about {' '.join(rest[1:])}?"
    if first in {"can", "could", "would", "will", "should", "might"} and rest:
        if rest[0].lower() == "you":
            return f"How might you {' '.join(rest[1:])}?" if len(rest) > 1 else "How might you approach this?"
        return f"What do you think would happen if {_join(rest)}?"
    if first in {"is", "are", "was", "were"} and rest:
        subject, predicate = _split_subject(rest)
        if subject and predicate:
            return f"What tells you whether {subject} {first} {predicate}?"
        return f"What did you notice about {' '.join(rest)}?"
    if first == "how" and len(words) > 1 and words[1].lower() in {"many", "much", "long", "often"}:
        return f"What do you make of {_join(words)}, and what does it tell you?"
    if first in PRONOUNS or first in DETERMINERS:
        return f"What tells you whether {_join(words)}?"
    return f"What did you notice about this, and what would you do next: {body[0].lower() + body[1:]}?"


def _join(words: list[str]) -> str:
    text = " ".join(words)
    return text[0].lower() + text[1:] if text and not text.startswith("I ") else text


def _split_subject(words: list[str]) -> tuple[str, str]:
    """Split "the exit tickets useful" into ("the exit tickets", "useful")."""
    first = words[0].lower()
    if first in PRONOUNS:
        return words[0] if words[0] == "I" else first, " ".join(words[1:])
    if first not in DETERMINERS:
        return "", ""
    subject = [first]
    for word in words[1:4]:
        w = word.lower().strip(",")
        if w in PREDICATE_WORDS or (len(subject) > 1 and w.endswith(PREDICATE_SUFFIXES)):
            break
        subject.append(word)
    return " ".join(subject), " ".join(words[len(subject):])
