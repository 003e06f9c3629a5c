"""Split feedback text into sentence-like units whose offsets map exactly onto the original text.

Real feedback is not tidy prose: bullet and numbered lists, timestamped script notes, headings such
as "Strengths:", line breaks without punctuation, quotes that contain their own "?" or "!", times
like "10:05 a.m." and titles like "Ms.". The rules here are pure string logic (no model), so they are
fast, deterministic and testable on their own.

A unit never includes a leading list marker ("- ", "1.", "•") or surrounding whitespace.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

LIST_MARKER = re.compile(r"(?:[-*•◦▪‣–—>]|\d{1,2}[.)](?!\d)|\(\d{1,2}\)|[a-hA-H][.)](?=\s))\s+")
TIMESTAMP_START = re.compile(r"\d{1,2}:\d{2}\b")
# Candidate sentence end: terminal punctuation, then any closing quotes/brackets.
SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")
# Abbreviations after which a period does not end a sentence (compared lower-cased, without the dot).
ABBREVIATIONS = frozenset(
    "mr mrs ms mx dr prof st jr sr vs etc e.g i.e approx no nos gr fig min mins sec secs hr hrs wk "
    "dept pg pp p ch vol ex incl est avg jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues "
    "wed thu thur thurs fri sat sun sra srta mme mlle obs rm hw".split()
)
TIME_ABBREVIATIONS = frozenset({"a.m", "p.m", "am", "pm"})
# After "a.m."/"p.m." a new sentence starts only when one of these words follows.
SENTENCE_STARTERS = frozenset(
    "the a an this that these those there then after before during when while at in on by as i you "
    "he she they we it students ss t several most many some all few no one two three four five six "
    "seven eight nine ten next later finally also however overall".split()
)
SUBORDINATE_CLAUSE = re.compile(r"\s*(?:when|whenever|as|after|before|if|while|because|although|though|since|once|until)"
                                r"\b[^,\"“”.!?]*,\s*", re.I)
MIN_WRAP, MAX_WRAP = 50, 100  # email clients wrap between these widths
CONTINUATION_END = re.compile(r"(?:\b(?:and|or|but|the|a|an|of|to|with|for|in|on|at|by|as|that|because))$", re.I)


@dataclass(frozen=True, slots=True)
class Unit:
    start: int
    end: int


def segment(text: str) -> list[Unit]:
    """Sentence units of `text`, in order, as half-open character ranges `[start, end)`."""
    units: list[Unit] = []
    for block_start, block_end in _blocks(text):
        units.extend(_split_block(text, block_start, block_end))
    return units


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, without the line break."""
    spans, pos = [], 0
    for match in re.finditer(r"\r\n|\n|\r|\u2028|\u2029", text):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, len(text)))
    return spans


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _wrap_width(text: str, lines: list[tuple[int, int]]) -> int | None:
    """The line width of a text hard-wrapped by an email client (several lines of nearly equal length),
    or None if it does not look wrapped."""
    lengths = [len(text[a:b].strip()) for a, b in lines]
    width = max(lengths, default=0)
    if not MIN_WRAP <= width <= MAX_WRAP:
        return None
    near_width = sum(1 for n in lengths if n >= 0.85 * width)
    return width if near_width >= 3 else None


def _blocks(text: str) -> list[tuple[int, int]]:
    """Group lines into blocks of running prose; each list item, heading or note line starts a new block."""
    blocks: list[list[int]] = []
    prev_line = ""
    lines = _lines(text)
    width = _wrap_width(text, lines)
    for raw_start, raw_end in lines:
        start, end = _strip(text, raw_start, raw_end)
        line = text[start:end]
        if not line:
            prev_line = ""
            continue
        marker = LIST_MARKER.match(line)
        if marker:
            start += marker.end()
            line = line[marker.end():]
            if not line:
                continue
        if blocks and prev_line and not marker and _continues(prev_line, line, width):
            blocks[-1][1] = end
        else:
            blocks.append([start, end])
        prev_line = line
    return [(s, e) for s, e in blocks]


def _continues(prev: str, line: str, width: int | None) -> bool:
    """Whether `line` continues the sentence of the previous line (a hard-wrapped paragraph)."""
    if TIMESTAMP_START.match(line):
        return False
    if prev[-1] in ".!?:\"”'’)":
        return False
    if prev.endswith(",") and len(prev.split()) <= 8:  # a salutation or sign-off: "Hi Ms. Tran," / "Thanks,"
        return False
    if prev[-1] in ",;(-–—/&+":
        return True
    if not line[0].islower():
        return False
    if CONTINUATION_END.search(prev):  # "Students worked with / manipulatives"
        return True
    return width is not None and len(prev) >= 0.7 * width


def _quote_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of quoted speech inside [start, end); unmatched quote marks are ignored."""
    spans: list[tuple[int, int]] = []
    segment_text = text[start:end]
    for pattern in (r"\"[^\"]{1,400}\"", r"“[^”]{1,400}”", r"‘[^’]{1,400}’(?!\w)",
                    r"(?<![\w])'(?=\S)[^']{1,300}(?<=\S)'(?!\w)"):
        for m in re.finditer(pattern, segment_text):
            spans.append((start + m.start(), start + m.end()))
    return spans


def _split_block(text: str, start: int, end: int) -> list[Unit]:
    if TIMESTAMP_START.match(text, start):  # a timestamped script line is one note, whatever its punctuation
        return [Unit(start, end)]
    quotes = _quote_spans(text, start, end)
    cuts = [start]
    for m in SENTENCE_END.finditer(text, start, end):
        cut = m.end()
        if any(q_start < cut < q_end for q_start, q_end in quotes):
            continue
        if _subordinate_quote(text, cuts[-1], cut, quotes):
            continue
        if _is_abbreviation(text, start, m.start(), cut, end):
            continue
        next_start, _ = _strip(text, cut, end)
        if next_start >= end:
            continue
        if not _starts_sentence(text[next_start]) and not _lowercase_start(text, start, m.start(), next_start):
            continue
        cuts.append(next_start)
    cuts.append(end)
    units = []
    for a, b in zip(cuts, cuts[1:]):
        a, b = _strip(text, a, b)
        if a < b:
            units.append(Unit(a, b))
    return units


def _subordinate_quote(text: str, unit_start: int, cut: int, quotes: list[tuple[int, int]]) -> bool:
    """The quote is the end of an opening subordinate clause, so the main clause still follows:
    'When you asked, "Why?" Jalen answered, ...'."""
    quote = next(((a, b) for a, b in quotes if b == cut), None)
    return quote is not None and bool(SUBORDINATE_CLAUSE.fullmatch(text, unit_start, quote[0]))


def _starts_sentence(char: str) -> bool:
    return char.isupper() or char.isdigit() or char in "\"“‘'"


def _lowercase_start(text: str, block_start: int, punct: int, next_start: int) -> bool:
    """Writers who never capitalise still end sentences: "great job. the realia worked"."""
    if not text[next_start].islower() or text[punct] != "." or text[next_start - 1] not in " \t":
        return False
    if text[punct + 1:next_start].strip():  # punctuation closed by a quote or bracket: reported speech
        return False
    word = re.search(r"([A-Za-z]+)$", text[block_start:punct])
    return bool(word) and len(word.group(1)) >= 2 and word.group(1).lower() not in ABBREVIATIONS


def _is_abbreviation(text: str, block_start: int, punct: int, cut: int, block_end: int) -> bool:
    if text[punct] != "." or cut - punct != 1:
        return False
    word_match = re.search(r"([A-Za-z][A-Za-z.]*)$", text[block_start:punct])
    if not word_match:
        return False
    word = word_match.group(1).lower()
    if word in TIME_ABBREVIATIONS:
        next_word = re.match(r"\s*([A-Za-z]+)", text[cut:block_end])
        return not (next_word and next_word.group(1).lower() in SENTENCE_STARTERS)
    if word in ABBREVIATIONS:
        return True
    # Initials such as "J. Smith"; but "T." / "I." are rarely initials in feedback.
    return len(word) == 1 and word_match.group(1).isupper() and word not in {"i", "t"}
