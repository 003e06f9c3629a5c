"""Person-name redaction for batch outputs (`fqa batch --redact`, `fqa prep --redact`).

Each text's names are found by several signals, then every occurrence of each found name (a whole
word, case-sensitive, also before 's) is replaced by `[name]`; titles stay ("Ms. [name]"):
- names the export itself holds (`known`): the parts of every value of a column whose header contains
  "name" and of name-valued teacher / evaluator cells, plus the names any text of the file shows by
  context (below), so a name found in one record is redacted in all of them;
- context: a title ("Mr. Dlamini", "Coach Barr"), a speech verb ("Jaylen said", "Tomasz K. asked"),
  being addressed in a quote (", Marco." / "Jordan, nice hustle"), a possessive ("Solenne's group"),
  a person's verb or preposition ("when Illari produced", "next to Tobenna"; also for names that are
  words, "Destiny went", unless the text uses the word in lower case), being listed with a name
  ("Jaylen and Tenzin", "(Obinna, Fenna, Evander)"), following a given name ("Henrietta Lindqvist"),
  or a one-letter misspelling of a known name ("Kowalcyk");
- the shipped given-name lexicon (`corpora/lexicons/given_names.txt`, matched with or without
  accents); names that are also ordinary words (`given_names_ambiguous.txt`: Will, May, Grace) only
  where they cannot start a sentence;
- spaCy's named-entity recogniser (PERSON).
A context word counts only if it could be a name: three or more letters, not an acronym, not on the
NOT_NAMES list (pronouns, months, languages, greetings), and never written in lower case in the same
text or in our annotated corpus (so "Exemplary" or "Biology" are kept).
The text is redacted before it is analysed, so offsets and sentences in the outputs refer to the
redacted text. Metadata values that are names (no digit in them) become a stable pseudonym.
Recall and over-redaction on the bundled export: `benchmarks/redaction_recall.py` (QUALITY.md).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from .config import get_settings

PLACEHOLDER = "[name]"
LETTER = "A-Za-z\u00C0-\u024F\u1E00-\u1EFF"
NAME = rf"[A-Z\u00C0-\u00DE][{LETTER}'’-]*[{LETTER}]"
TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Coach|Sr|Sra|Srta|Mme|Mlle)"
TITLE_NAME = re.compile(rf"\b{TITLES}\.?[ \t]+({NAME})(?:[ \t]+({NAME}))?")
SPEECH_VERBS = ("said", "says", "asked", "asks", "answered", "answers", "replied", "replies", "shouted", "yelled",
                "whispered", "explained", "explains", "responded", "added", "wrote", "writes", "called out",
                "shared", "suggested", "argued", "told", "tells", "offered", "volunteered", "noticed", "read aloud",
                "raised", "blurted", "muttered", "exclaimed", "insisted", "admitted")
SPEECH = re.compile(rf"\b({NAME})(?:[ \t][A-Z]\.)?[ \t]+(?:{'|'.join(SPEECH_VERBS)})\b")
VOCATIVE = re.compile(rf"(?:,[ \t]({NAME})[.!?]?[\"”])|(?:[\"“]({NAME}),)")
WORD = re.compile(rf"(?<![{LETTER}'’-]){NAME}(?![{LETTER}-])")
SENTENCE_START = re.compile(r"(?:^|[.!?:;]['\"”’)\]]*\s+|\n\s*(?:[-*•–]\s*|\d+[.)]\s*)?|[\"“(]\s*)$")
# Capitalised words that start speech or look like names but never are.
NOT_NAMES = frozenset("""
I You He She We They It This That These Those There Here Who What When Where Why How Everyone Someone Somebody
Nobody Anyone One Another Each Every Both All Most Many Several Some Few Half None Other Others Students Student
Kids Kid Children Child Class Group Groups Table Tables Partner Partners Pair Pairs Teacher Teachers Team Boy Boys
Girl Girls T Ss S Para Aide Coach Principal Observer Evaluator Mr Mrs Ms Miss Dr The A An And But Or So Then
Also Later First Next Finally Great Good Nice Strong Love Loved Glows Grows Glow Grow Strengths Next Steps Questions
January February March April May June July August September October November December Jan Feb Mar Apr Jun Jul
Aug Sep Sept Oct Nov Dec Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Tues Wed Thu Thur Thurs
Fri Sat Sun Warmly Best Thanks Thank Cheers Regards Sincerely Kindly Dear Hi Hello Hey Yes No Okay Ok Oh Ooh Wow Whoa
English Spanish French German Italian Portuguese Arabic Mandarin Chinese Cantonese Japanese Korean Vietnamese Tagalog
Russian Ukrainian Polish Somali Swahili Amharic Hindi Urdu Bengali Punjabi Tamil Telugu Haitian Creole Kreyol Latin
Greek Hebrew Farsi Persian Dari Pashto Turkish Hmong Karen Navajo Spanglish ASL Braille
""".split())
CONNECTOR = re.compile(r"^(?:,?[ \t]+(?:and|&|or)[ \t]+|[ \t]*[/&+][ \t]*|,[ \t]*)$")
# A capitalised word acting as a person: the subject of a past-tense or common verb, or the object of "to/with/for".
PERSON_VERBS = (r"(?:[a-z]+ed|was|is|has|had|did|got|went|came|took|made|wrote|read|sat|stood|ran|knew|gave|found|"
                r"kept|left|told|began|chose|drew|led|now)\b")
PERSON_VERB = re.compile(rf"(?<=[a-z,;)] )({NAME})[ \t]+{PERSON_VERBS}")
SUBJECT = re.compile(rf"({NAME})[ \t]+{PERSON_VERBS}")  # anywhere, for names that are also words: "Destiny went"
PERSON_OBJECT = re.compile(rf"\b(?:to|with|for|beside|next to|helped|showed|invited|asked|told|praised|"
                           rf"called on)[ \t]+({NAME})\b(?![ \t]+[A-Z])")
POSSESSIVE = re.compile(rf"\b({NAME})['’]s\b")


@lru_cache(maxsize=1)
def given_names() -> tuple[frozenset[str], frozenset[str]]:
    """(given names, given names that are also ordinary words) from the shipped lexicons."""
    folder = get_settings().corpora_dir / "lexicons"

    def read(name: str) -> frozenset[str]:
        path = folder / name
        if not path.exists():
            return frozenset()
        lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
        return frozenset(line for line in lines if line)

    given, ambiguous = read("given_names.txt"), read("given_names_ambiguous.txt")
    vocabulary = corpus_vocabulary()
    folded = {f for n in given if (f := fold(n)) != n and len(f) >= 3 and f.lower() not in vocabulary}
    return given | folded, ambiguous


@lru_cache(maxsize=1)
def corpus_vocabulary() -> frozenset[str]:
    """Words our annotated corpus uses in lower case: ordinary vocabulary of feedback, so never a name
    (guards against the recogniser's false hits such as "Exemplary" or "Biology")."""
    words: set[str] = set()
    for path in sorted((get_settings().corpora_dir / "annotated").rglob("*.jsonl")):
        words.update(re.findall(rf"(?<![{LETTER}])[a-z][a-z'’-]*[a-z]", path.read_text(encoding="utf-8")))
    return frozenset(words)


def _base(word: str) -> str:
    return re.sub(r"['’]s$", "", word)


def lower_case_words(text: str) -> set[str]:
    return set(re.findall(rf"(?<![{LETTER}])[a-z][{LETTER}'’-]*", text))


def strong_names(text: str, lower_words: set[str] | None = None) -> set[str]:
    """Names shown by their context alone: after a title, before a speech verb, addressed in a quote."""
    given, _ = given_names()
    lower_words = lower_case_words(text) if lower_words is None else lower_words
    names = set()
    for m in TITLE_NAME.finditer(text):
        first, second = m.group(1), m.group(2)
        if _base(first) not in NOT_NAMES:
            names.add(_base(first))
            if second and first in given and _base(second) not in NOT_NAMES:  # "Ms. Samantha Reyes-Kim"
                names.add(_base(second))
    vocabulary = corpus_vocabulary()

    def unknown_word(word: str) -> bool:
        return _unknown_word(word, lower_words, vocabulary)

    for m in [*SPEECH.finditer(text), *VOCATIVE.finditer(text)]:
        word = next(g for g in m.groups() if g)
        if word in given or unknown_word(word):
            names.add(word)
    for pattern in (POSSESSIVE, PERSON_VERB, PERSON_OBJECT):
        names.update(w for m in pattern.finditer(text) if unknown_word(w := _base(m.group(1))))
    _, ambiguous = given_names()
    names.update(w for m in SUBJECT.finditer(text)
                 if (w := m.group(1)) in ambiguous and w not in NOT_NAMES and w.lower() not in lower_words)
    return names | coordinated_names(text, names | {w for w in WORD.findall(text) if w in given}, unknown_word)


def _unknown_word(word: str, lower_words: set[str], vocabulary: frozenset[str]) -> bool:
    """Could be a name: 3+ letters, not all capitals, never lower case in this text or in our corpus."""
    return (len(word) >= 3 and not word[:2].isupper() and word not in NOT_NAMES and word.lower() not in lower_words
            and word.lower() not in vocabulary)


def coordinated_names(text: str, seeds: set[str], candidate) -> set[str]:
    """Unknown capitalised words listed with a name ("Jaylen and Tenzin", "(Obinna, Fenna, Zuri B.)",
    "Al-Sayegh / Lindqvist"), repeated until no new name joins."""
    words = [(m.group(1), m.start(), m.end()) for m in re.finditer(rf"({NAME})(?:[ \t][A-Z]\.)?", text)]
    pairs = [(a[0], b[0]) for a, b in zip(words, words[1:]) if CONNECTOR.match(text[a[2]:b[1]])]
    found: set[str] = set()
    known = set(seeds)
    changed = True
    while changed:
        changed = False
        for a, b in pairs:
            for name, other in ((a, b), (b, a)):
                if name in known and other not in known and candidate(other):
                    known.add(other)
                    found.add(other)
                    changed = True
    return found


def fold(word: str) -> str:
    """Without accents ("Thảo" -> "Thao", "Esmé" -> "Esme"), so a name matches the lexicon however it is written."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def near_misses(word: str, index: dict[tuple[str, int], list[str]]) -> bool:
    """A misspelling of a name the export holds (one letter added, dropped or changed; names of 6+ letters);
    `index` groups the known names by (first letter, length)."""
    if len(word) < 6:
        return False
    return any(_one_edit(word, name) for n in (len(word) - 1, len(word), len(word) + 1)
               for name in index.get((word[0], n), ()))


def _one_edit(a: str, b: str) -> bool:
    if a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)):] == b[i + 1:]


def name_parts(value: str) -> set[str]:
    """The capitalised parts of a full name ("Samantha Reyes-Kim" -> {"Samantha", "Reyes-Kim"})."""
    return {p.strip(".,") for p in value.split() if len(p.strip(".,")) >= 2 and p[0].isupper()}


def _starts_sentence(text: str, start: int) -> bool:
    return bool(SENTENCE_START.search(text[max(0, start - 8):start]))


@dataclass
class Redactor:
    """Redacts person names; `known` are names the export holds (see the module docstring)."""

    known: frozenset[str] = frozenset()
    salt: str = ""
    use_ner: bool = True
    _index: dict = field(default_factory=dict)

    def __post_init__(self):
        for name in self.known:
            if len(name) >= 6:
                self._index.setdefault((name[0], len(name)), []).append(name)

    def find_names(self, text: str, ner_names: Iterable[tuple[str, int]] = ()) -> set[str]:
        given, ambiguous = given_names()
        lower_words = lower_case_words(text)
        names = {n for n in self.known if n in text}
        names |= strong_names(text, lower_words)
        vocabulary = corpus_vocabulary()
        previous = None
        for m in WORD.finditer(text):
            word = _base(m.group(0))
            after_given = previous is not None and previous[0] in given and text[previous[1]:m.start()] in (" ", "\t")
            previous = (word, m.end())
            ordinary = word.lower() in lower_words or word.lower() in vocabulary or word in NOT_NAMES
            if (word in given or fold(word) in given) and word not in NOT_NAMES:
                names.add(word)
            elif not ordinary and not word[:2].isupper() and (after_given or near_misses(word, self._index)):
                names.add(word)  # a surname after a given name ("Henrietta Lindqvist"), a misspelt known name
            elif (word in ambiguous and word not in NOT_NAMES and not _starts_sentence(text, m.start())
                  and word.lower() not in lower_words):
                names.add(word)
        for word, start in ner_names:
            word = _base(word)
            if word in given or fold(word) in given:
                names.add(word)
            elif not (word in NOT_NAMES or word in ambiguous or word.lower() in lower_words
                      or word.lower() in vocabulary or _starts_sentence(text, start)):
                names.add(word)
        return names | coordinated_names(text, names, lambda w: _unknown_word(w, lower_words, vocabulary))

    def redact(self, text: str, names: set[str]) -> str:
        if not names:
            return text
        alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        pattern = re.compile(rf"(?<![{LETTER}'’-])(?:{alternation})(?![{LETTER}-]|['’][a-rt-zA-Z])")
        return pattern.sub(PLACEHOLDER, text)

    def redact_many(self, texts: list[str]) -> list[str]:
        """Redact each text; the named-entity recogniser runs over all of them in one batched pass."""
        ner_hits: list[list[tuple[str, int]]] = [[] for _ in texts]
        if self.use_ner and texts:
            from .nlp import get_ner

            for i, doc in enumerate(get_ner().pipe(texts, batch_size=get_settings().batch_size)):
                for ent in doc.ents:
                    if ent.label_ == "PERSON":
                        ner_hits[i].extend((m.group(0), ent.start_char + m.start())
                                           for m in WORD.finditer(ent.text))
        return [self.redact(t, self.find_names(t, hits)) for t, hits in zip(texts, ner_hits)]

    def pseudonym(self, kind: str, value: str | None) -> str | None:
        """A metadata value that is a name (no digit) -> "kind-<8 hex>", stable for one salt; ids stay."""
        if value is None or any(ch.isdigit() for ch in value):
            return value
        return f"{kind}-{hashlib.sha256((self.salt + value.strip()).encode()).hexdigest()[:8]}"
