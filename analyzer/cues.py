"""Explicit linguistic cues: pure functions from a spaCy sentence span to the cues that fire in it.

Each cue has a name, the label it speaks for, and the character range that triggered it, so every
label can be explained ("evidence: quote at 34-61"). The classifiers use the same cues as features
(`cue_vector`), next to the sentence embedding.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from spacy.tokens import Span

from .lexicons import Lexicons, get_lexicons


@dataclass(frozen=True, slots=True)
class CueHit:
    name: str
    start: int  # absolute character offsets in the document
    end: int


# name -> the label it speaks for (one definition; order fixes the feature vector)
CUE_LABELS: dict[str, str] = {
    "quote": "evidence",
    "quoted_question": "evidence",
    "reporting_verb": "evidence",
    "clock_time": "evidence",
    "timestamp_line": "evidence",
    "duration": "evidence",
    "count": "evidence",
    "number": "evidence",
    "artifact": "evidence",
    "evaluative_word": "judgment",
    "interpretive_word": "judgment",
    "rating_language": "judgment",
    "first_person_opinion": "judgment",
    "hedge": "judgment",
    "generality": "judgment",
    "praise_phrase": "judgment",
    "adjective": "judgment",
    "comparative": "judgment",
    "counterfactual": "judgment",
    "past_action": "evidence",
    "exclamation": "judgment",
    "suggestion_phrase": "recommendation",
    "modal_advice": "recommendation",
    "imperative": "recommendation",
    "question_mark": "question",
    "wh_start": "question",
    "aux_start": "question",
    "negative_aux_start": "question",
    "tag_question": "question",
    "leading_frame": "question",
    "prompt_verb": "question",
    "short_answer": "question",
    "either_or": "question",
    # The section a sentence sits under ("Glows:", "Next steps:") changes what a bare phrase means.
    "section_praise": "judgment",
    "section_growth": "judgment",
    "section_steps": "recommendation",
    "section_questions": "question",
    "section_evidence": "evidence",
}
CUE_NAMES: tuple[str, ...] = tuple(CUE_LABELS)

HEADING_PREFIX = re.compile(r"^(?:\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?\s*)?(?:[A-Z0-9][\w ,/&'()-]{0,40}:\s+)?")
QUOTE = re.compile(r"\"[^\"]{2,400}\"|“[^”]{2,400}”|‘[^’]{2,400}’(?!\w)|(?<![\w])'(?=\S)[^']{2,300}(?<=\S)'(?!\w)")
CLOCK_TIME = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d{1,2}\s?(?:a\.m\.|p\.m\.|am|pm)\b", re.I)
TIMESTAMP_LINE = re.compile(r"^\s*\d{1,2}:\d{2}")
NUMBER_WORDS = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|a few|several|\d+(?:\.\d+)?)"
DURATION = re.compile(rf"\b{NUMBER_WORDS}[\s-]+(?:full\s+)?(?:minutes?|mins?|seconds?|secs?|hours?|hrs?)\b", re.I)
COUNT = re.compile(
    rf"\b{NUMBER_WORDS}\s+(?:out\s+)?of\s+(?:the\s+)?{NUMBER_WORDS}\b|\b\d+\s*/\s*\d+\b|\b\d+(?:\.\d+)?\s?%|"
    r"\b(?:half|a third|a quarter|two thirds|three quarters)\s+of\b|\ball but\s+\w+\b",
    re.I,
)
# Past-tense verbs that describe states or impressions, not observable actions.
STATE_VERBS = frozenset("be have seem feel look appear sound become remain enjoy love like understand know get".split())
REPORTING_VERBS = frozenset(
    "say said ask asked tell told state stated reply replied answer answered respond responded explain explained "
    "write wrote read announce announced call called shout shouted whisper whispered".split()
)
ARTIFACTS = re.compile(
    r"\b(?:objective|learning target|agenda|exit ticket|exit slip|anchor chart|whiteboard|white board|board|slide|slides|"
    r"handout|worksheet|rubric|timer|doc(?:ument)? cam(?:era)?|graphic organizer|sentence frames?|posted|gradebook|"
    r"lesson plan|do now|warm[- ]up|bell ringer|checklist|notebook|journal|word wall)\b",
    re.I,
)
FIRST_PERSON_OPINION = re.compile(
    r"\bI\s+(?:really\s+|truly\s+|also\s+|especially\s+)?(?:liked?|loved?|enjoyed|appreciated?|felt|feel|think|thought|"
    r"believe|was\s+(?:impressed|pleased|happy|glad|concerned|worried|surprised|disappointed)|am\s+(?:impressed|"
    r"concerned|worried|glad)|wonder(?:ed)?|worry|noticed\s+(?:how|that\s+(?:the\s+)?(?:class|students|kids)\s+(?:was|were)))\b",
    re.I,
)
HEDGE = re.compile(r"\b(?:seemed?|seems|appeared?|appears|looked\s+like|felt\s+like|a\s+bit|a\s+little|somewhat|kind\s+of|sort\s+of|perhaps|maybe)\b", re.I)
GENERALITY = re.compile(r"\b(?:always|never|everyone|everybody|all\s+students|the\s+kids|many\s+students|most\s+students|some\s+students|overall|in\s+general)\b", re.I)
PRAISE_PHRASE = re.compile(r"\b(?:keep\s+(?:it\s+up|up\s+the)|(?:nice|great|good|fantastic|amazing)\s+(?:job|work)|way\s+to\s+go|"
                           r"well\s+done|shout[- ]?out|hats\s+off|thank\s+you\s+for\s+(?:being|your)|what\s+a\b)", re.I)
COUNTERFACTUAL = re.compile(r"\b(?:could|should|would|might|must)(?:\s+not|n't|n’t)?\s+have\b|\b(?:could|should|would)'ve\b", re.I)
MODAL_ADVICE = re.compile(r"\b(?:should|could|might|need\s+to|needs\s+to|must|ought\s+to|would\s+benefit|will\s+want\s+to)\b", re.I)
WH_START = re.compile(r"^(?:what|how|why|in\s+what\s+ways?|which|where|when|who|whom|whose|to\s+what\s+extent)\b", re.I)
AUX_START = re.compile(r"^(?:do|does|did|is|are|was|were|can|could|will|would|should|have|has|had|may|might|shall|am)\b", re.I)
NEG_AUX_START = re.compile(r"^(?:don't|doesn't|didn't|isn't|aren't|wasn't|weren't|wouldn't|couldn't|shouldn't|won't|haven't|hasn't|can't|do\s+you\s+not)\b|^(?:don’t|doesn’t|didn’t|isn’t|aren’t|wasn’t|weren’t|wouldn’t|couldn’t|shouldn’t|won’t|haven’t|hasn’t|can’t)", re.I)
TAG_QUESTION = re.compile(r",\s*(?:right|correct|yes|no|agreed|true|ok|okay|yeah)\s*\?\s*$|,\s*(?:isn't|wasn't|aren't|weren't|don't|didn't|doesn't|won't|wouldn't|can't|couldn't)\s+(?:it|they|you|we|he|she|there|that)\s*\?\s*$", re.I)
LEADING_FRAME = re.compile(
    r"\b(?:don't\s+you\s+think|don’t\s+you\s+think|wouldn't\s+you\s+agree|would\s+you\s+agree|wouldn't\s+it\s+(?:be|have\s+been)|"
    r"isn't\s+it\s+(?:true|better|clear)|you'd\s+agree|you\s+would\s+agree|surely|obviously|wouldn't\s+(?:a|an|the|some)\b|"
    r"shouldn't\s+(?:you|they|the|we)|didn't\s+you\s+(?:feel|think|notice|see)|isn't\s+that|aren't\s+you|"
    r"don't\s+you\s+(?:agree|feel|worry)|can't\s+we\s+agree|doesn't\s+it\s+(?:seem|make))",
    re.I,
)
PROMPT_VERB = re.compile(r"^(?:please\s+)?(?:tell\s+me|walk\s+me|talk\s+me|describe|explain|share|reflect|think\s+about|help\s+me\s+understand|talk\s+about|say\s+more|let's\s+talk|let’s\s+talk|i'd\s+love\s+to\s+hear|i\s+would\s+love\s+to\s+hear|i'm\s+curious|i\s+am\s+curious)\b", re.I)
SHORT_ANSWER = re.compile(r"^(?:how\s+(?:many|much|long|often)|what\s+time|which\s+(?:one|group|day|period))\b", re.I)
EITHER_OR = re.compile(r"\b(?:or|either)\b", re.I)
SUGGESTION_START = re.compile(r"^(?:consider|try|next\s+time|going\s+forward|moving\s+forward|one\s+idea|another\s+idea|make\s+sure|be\s+sure|remember|continue|keep|use|add|build|plan|post|provide|give|ask|model|include|let's|let’s|work\s+on|focus\s+on)\b", re.I)


SECTION_HEADING = re.compile(r"^(?:\d{1,2}:\d{2}\s*)?([A-Za-z0-9][\w ,/&'()-]{0,60}):(?:\s|$)")
# A heading line without a colon: "Next steps", "Questions for our conversation".
STANDALONE_HEADING = re.compile(r"([A-Z][\w ,/&'()-]{0,60})")
RUBRIC_HEADING = re.compile(r"^(?:\d[a-f]\b|domain|component|standard|indicator)", re.I)
SECTION_KEYWORDS = (
    ("section_steps", re.compile(r"next step|recommend|suggest|action|to try|try next|goal|moving forward|going forward|"
                                 r"support|ideas? for|for next time|action step|focus", re.I)),
    ("section_questions", re.compile(r"question|reflect|wonder|to discuss|conversation|to consider|think about|ponder", re.I)),
    ("section_growth", re.compile(r"grow|area|improve|refine|concern|challenge|weak|opportunit|work on|consider", re.I)),
    ("section_praise", re.compile(r"glow|strength|celebrat|commend|went well|positive|highlight|bright|kudos|praise|"
                                  r"what worked|noticing", re.I)),
    ("section_evidence", re.compile(r"evidence|observ|script|notes|what i saw|what i heard|data|low[- ]inference", re.I)),
)


def section_hits(texts: list[str], starts: list[int]) -> list[CueHit | None]:
    """For each unit, the section cue of the heading it sits under (or that it starts with), else None.

    `texts` are the units of one document in order, `starts` their absolute start offsets. A heading
    with a colon ("Notes:") starts a new section even when it names no known kind; a bare line
    ("Next steps") counts as a heading only when it names one.
    """
    current: CueHit | None = None
    out: list[CueHit | None] = []
    for text, start in zip(texts, starts):
        colon = SECTION_HEADING.match(text)
        m = colon or STANDALONE_HEADING.fullmatch(text)
        if m and len(m.group(1).split()) <= 6 and not RUBRIC_HEADING.match(m.group(1)):
            kind = next((name for name, pattern in SECTION_KEYWORDS if pattern.search(m.group(1))), None)
            if kind:
                current = CueHit(kind, start + m.start(1), start + m.end(1))
            elif colon:
                current = None
        elif colon and RUBRIC_HEADING.match(colon.group(1)):  # "3b Questioning:" names a component, not a section kind
            current = None
        out.append(current)
    return out


def body_offset(text: str) -> int:
    """Where the sentence body starts once a heading ("Next steps: ") or timestamp prefix is skipped."""
    return HEADING_PREFIX.match(text).end()


def question_mark_end(text: str, quotes: list[tuple[int, int]]) -> int | None:
    """Offset of a sentence-final "?" that is not inside a quote, else None."""
    stripped = text.rstrip()
    stripped_no_close = stripped.rstrip(")]")
    if not stripped_no_close.endswith("?"):
        return None
    pos = len(stripped_no_close) - 1
    if any(a <= pos < b for a, b in quotes):
        return None
    return pos


def extract_cues(sent: Span, lexicons: Lexicons | None = None) -> list[CueHit]:
    """All cues that fire in one sentence span, with absolute character offsets."""
    lex = lexicons or get_lexicons()
    text = sent.text
    base = sent.start_char
    hits: list[CueHit] = []

    def add(name: str, start: int, end: int) -> None:
        hits.append(CueHit(name, base + start, base + end))

    def add_all(name: str, pattern: re.Pattern, subject: str = text, offset: int = 0) -> None:
        for m in pattern.finditer(subject):
            add(name, offset + m.start(), offset + m.end())

    quotes = [(m.start(), m.end()) for m in QUOTE.finditer(text)]
    for a, b in quotes:
        add("quote", a, b)
        if "?" in text[a:b]:
            add("quoted_question", a, b)
    if TIMESTAMP_LINE.match(text):
        add("timestamp_line", 0, TIMESTAMP_LINE.match(text).end())
    add_all("clock_time", CLOCK_TIME)
    add_all("duration", DURATION)
    add_all("count", COUNT)
    add_all("artifact", ARTIFACTS)
    add_all("first_person_opinion", FIRST_PERSON_OPINION)
    add_all("hedge", HEDGE)
    add_all("generality", GENERALITY)
    add_all("modal_advice", MODAL_ADVICE)
    add_all("praise_phrase", PRAISE_PHRASE)
    add_all("counterfactual", COUNTERFACTUAL)
    for m in re.finditer(r"!", text):
        if not any(a <= m.start() < b for a, b in quotes):
            add("exclamation", m.start(), m.end())
            break

    for token in sent:
        lower, lemma = token.lower_, token.lemma_.lower()
        start, end = token.idx - base, token.idx - base + len(token)
        quoted = any(a <= start < b for a, b in quotes)
        if token.like_num and not quoted:
            add("number", start, end)
        if not quoted:
            if token.tag_ == "JJ":
                add("adjective", start, end)
            elif token.tag_ in {"JJR", "JJS", "RBR", "RBS"}:
                add("comparative", start, end)
            elif token.tag_ == "VBD" and lemma not in STATE_VERBS:
                add("past_action", start, end)
        if lemma in REPORTING_VERBS and token.pos_ == "VERB":
            add("reporting_verb", start, end)
        if lower in lex.evaluative or lemma in lex.evaluative:
            add("evaluative_word", start, end)
        if lower in lex.interpretive or lemma in lex.interpretive:
            add("interpretive_word", start, end)
        if lower in lex.rating or lemma in lex.rating:
            add("rating_language", start, end)
    add_all("rating_language", lex.rating_phrases)
    add_all("evaluative_word", lex.evaluative_phrases)
    add_all("interpretive_word", lex.interpretive_phrases)
    add_all("suggestion_phrase", lex.suggestion_phrases)

    body = body_offset(text)
    body_text = text[body:]
    if _is_imperative(sent, body):
        add("imperative", body, body + len(body_text.split(" ", 1)[0]))

    qpos = question_mark_end(text, quotes)
    if qpos is not None:
        add("question_mark", qpos, qpos + 1)
        if EITHER_OR.search(body_text) and not WH_START.match(body_text):
            m = EITHER_OR.search(body_text)
            add("either_or", body + m.start(), body + m.end())
    for name, pattern in (("suggestion_phrase", SUGGESTION_START), ("wh_start", WH_START), ("aux_start", AUX_START), ("negative_aux_start", NEG_AUX_START),
                          ("prompt_verb", PROMPT_VERB), ("short_answer", SHORT_ANSWER)):
        m = pattern.match(body_text)
        if m:
            add(name, body + m.start(), body + m.end())
    m = TAG_QUESTION.search(text)
    if m:
        add("tag_question", m.start(), m.end())
    add_all("leading_frame", LEADING_FRAME)
    return sorted(set(hits), key=lambda h: (h.start, h.end, h.name))


def _is_imperative(sent: Span, body: int) -> bool:
    """First word of the body is a bare verb with no subject of its own ("Post the objective")."""
    body_char = sent.start_char + body
    # Without a dependency parse (our pipeline excludes the parser for speed), the tag alone decides;
    # touching token.children on an unparsed doc is unsafe.
    parsed = sent.doc.has_annotation("DEP")
    for token in sent:
        if token.idx < body_char or token.is_punct or token.is_space:
            continue
        if token.lower_ in {"please", "also", "just", "then", "now"}:
            continue
        if token.tag_ != "VB":
            return False
        return not parsed or not any(c.dep_ in {"nsubj", "nsubjpass"} for c in token.children)
    return False


def cue_vector(hits: list[CueHit]) -> np.ndarray:
    """Fixed-order feature vector: 1.0 where a cue fired (at most one count per cue name)."""
    fired = {h.name for h in hits}
    return np.array([1.0 if name in fired else 0.0 for name in CUE_NAMES], dtype=np.float32)
