"""Check feedback text before analysis: clear errors for what cannot be analysed, warnings for what
can be analysed but may mislead. The returned text has the same length as the input, so every
offset computed on it maps onto the caller's text exactly."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .config import get_settings
from .constants import WarningCode
from .errors import EmptyTextError, EncodingError, InputError, NotTextError, TextTooLongError
from .result import InputWarning

MARKUP = re.compile(r"<(?:script|style)\b[^>]*>.*?</(?:script|style)\s*>|<!--.*?-->|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]{0,500})?/?>", re.S | re.I)
ENTITY = re.compile(r"&(?:[A-Za-z]{2,8}|#\d{1,6}|#x[0-9A-Fa-f]{1,6});")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# Very common English words: their share tells English prose from other languages.
ENGLISH_FUNCTION_WORDS = frozenset(
    "the a an and or but of to in on at for with from by as is are was were be been it this that these those "
    "you your i me my we our they their he she his her students student teacher class lesson not no do did "
    "have has had will would can could should what how why when where who which there here".split()
)


@dataclass(frozen=True)
class CheckedText:
    text: str  # same length as the input; markup and control characters blanked out
    warnings: list[InputWarning]


def decode_bytes(data: bytes, source: str = "input", encoding: str = "utf-8") -> str:
    """Decode file or request bytes, with an error that says where the bad byte is and what to do."""
    if b"\x00" in data[:4096]:
        raise NotTextError(f"{source} looks like a binary file (it contains NUL bytes); give a plain-text file.")
    try:
        return data.decode("utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding)
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"{source} is not valid {encoding}: byte 0x{data[exc.start]:02x} at position {exc.start} cannot be "
            f"decoded. Save the file as UTF-8, or name its encoding (e.g. --encoding cp1252)."
        ) from None
    except LookupError:
        raise EncodingError(f"unknown encoding {encoding!r}; use a Python codec name such as utf-8 or cp1252") from None


def check_text(text: object, max_chars: int | None = None) -> CheckedText:
    """Validate `text`; raise an `InputError` subclass or return it cleaned, with warnings."""
    if not isinstance(text, str):
        raise InputError(f"feedback text must be a string, got {type(text).__name__}")
    limit = max_chars or get_settings().max_chars
    if len(text) > limit:
        raise TextTooLongError(
            f"the text has {len(text):,} characters; the limit is {limit:,} (FQA_MAX_CHARS). "
            "Split it into separate feedback documents or raise the limit."
        )
    if not text.strip():
        raise EmptyTextError("the text is empty or only whitespace; give the feedback to analyse.")
    warnings: list[InputWarning] = []

    controls = sum(1 for ch in text if unicodedata.category(ch) in {"Cc", "Cs", "Co"} and ch not in "\n\r\t\f\v")
    if "\x00" in text or controls > max(2, len(text) // 100):
        raise NotTextError(
            f"the text contains {controls} control or binary characters; it looks like binary data, not feedback."
        )
    if controls:
        text = "".join(" " if unicodedata.category(ch) in {"Cc", "Cs", "Co"} and ch not in "\n\r\t\f\v" else ch for ch in text)
        warnings.append(InputWarning(code=WarningCode.control_characters,
                                     message=f"{controls} control characters were treated as spaces."))

    cleaned, n_tags = _blank_markup(text)
    if n_tags:
        warnings.append(InputWarning(
            code=WarningCode.markup_ignored,
            message=f"{n_tags} HTML/XML tags or entities were ignored; offsets still refer to the text as given.",
        ))
    if not cleaned.strip():
        raise EmptyTextError("the text holds only markup and no feedback; paste the feedback itself.")

    visible = [ch for ch in cleaned if not ch.isspace()]
    letters = sum(ch.isalpha() for ch in visible)
    if letters < 0.5 * len(visible) or letters < 2:
        raise NotTextError(
            f"the text does not look like written feedback: only {letters} of {len(visible)} visible characters "
            "are letters. Check that the right file or field was sent."
        )
    words = [w.lower() for w in WORD.findall(cleaned)]
    english = sum(w in ENGLISH_FUNCTION_WORDS for w in words)
    ascii_letters = sum(ch.isascii() for ch in visible if ch.isalpha())
    if (len(words) >= 8 and english / len(words) < 0.08) or ascii_letters < 0.6 * letters:
        warnings.append(InputWarning(
            code=WarningCode.not_english,
            message="the text does not look like English; the labels and scores are trained on English "
                    "feedback and are unreliable here.",
        ))
    return CheckedText(cleaned, warnings)


def _blank_markup(text: str) -> tuple[str, int]:
    """Replace tags and entities with spaces of the same length."""
    count = 0

    def blank(m: re.Match) -> str:
        nonlocal count
        count += 1
        return re.sub(r"[^\n]", " ", m.group(0))

    text = MARKUP.sub(blank, text)
    text = ENTITY.sub(blank, text)
    return text, count
