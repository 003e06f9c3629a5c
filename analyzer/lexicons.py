"""Word lists behind the linguistic cues, read once from `corpora/lexicons/`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from .config import get_settings
from .errors import ModelNotFoundError

CUE_LEXICONS = ("evaluative", "interpretive", "rating", "suggestion")  # feed the classifiers' cues
LEXICON_NAMES = (*CUE_LEXICONS, "negative", "support")  # the last two only feed the readiness checklist


@dataclass(frozen=True)
class Lexicons:
    evaluative: frozenset[str]
    interpretive: frozenset[str]
    rating: frozenset[str]
    suggestion: frozenset[str]
    negative: frozenset[str]  # marks a judgment as critical (readiness: growth areas)
    support: frozenset[str]  # offers of help (readiness: supports)

    @cached_property
    def rating_phrases(self) -> re.Pattern:
        """Multi-word rating phrases ("highly effective"), as one pattern."""
        return _alternation(p for p in self.rating if " " in p)

    @cached_property
    def evaluative_phrases(self) -> re.Pattern:
        return _alternation(p for p in self.evaluative if " " in p)

    @cached_property
    def interpretive_phrases(self) -> re.Pattern:
        return _alternation(p for p in self.interpretive if " " in p)

    @cached_property
    def suggestion_phrases(self) -> re.Pattern:
        return _alternation(self.suggestion)

    @cached_property
    def negative_phrases(self) -> re.Pattern:
        return _alternation(self.negative)

    @cached_property
    def support_phrases(self) -> re.Pattern:
        return _alternation(self.support)


def _alternation(phrases) -> re.Pattern:
    ordered = sorted(phrases, key=len, reverse=True)  # longest first, so "next steps" wins over "next step"
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in ordered) + r")\b", re.I)


def read_lexicon(path: Path) -> frozenset[str]:
    """Lower-cased entries of one lexicon file; `#` starts a comment."""
    entries = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip().lower()
        if entry:
            entries.add(entry)
    return frozenset(entries)


def lexicon_files() -> list[Path]:
    """The lexicon files behind the classifiers' cues (from FQA_CORPORA_DIR), in a fixed order."""
    folder = get_settings().corpora_dir / "lexicons"
    return [folder / f"{name}.txt" for name in CUE_LEXICONS]


@lru_cache(maxsize=1)
def get_lexicons() -> Lexicons:
    folder = get_settings().corpora_dir / "lexicons"
    missing = [n for n in LEXICON_NAMES if not (folder / f"{n}.txt").exists()]
    if missing:
        raise ModelNotFoundError(
            f"lexicon files {missing} not found in {folder}; set FQA_CORPORA_DIR to the project's corpora folder."
        )
    return Lexicons(**{n: read_lexicon(folder / f"{n}.txt") for n in LEXICON_NAMES})
