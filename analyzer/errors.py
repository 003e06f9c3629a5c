"""Every exception a user of `fqa` can cause. Each message says what is wrong and what to do."""
from __future__ import annotations


class FqaError(Exception):
    """Base class of all fqa errors. `code` is stable; the message is for people."""

    code = "fqa_error"


MAX_PROBLEMS_SHOWN = 20


def problem_list(what: str, problems: list[str]) -> str:
    """"N problem(s) <what>:" and the problems one per line (the first 20, then how many more)."""
    shown = "\n  ".join(problems[:MAX_PROBLEMS_SHOWN])
    more = f"\n  ... and {len(problems) - MAX_PROBLEMS_SHOWN} more" if len(problems) > MAX_PROBLEMS_SHOWN else ""
    return f"{len(problems)} problem{'s' * (len(problems) != 1)} {what}:\n  {shown}{more}"


class InputError(FqaError, ValueError):
    """The feedback text (or a file holding it) cannot be analysed as given."""

    code = "bad_input"


class EmptyTextError(InputError):
    code = "empty_text"


class TextTooLongError(InputError):
    code = "text_too_long"


class EncodingError(InputError):
    code = "bad_encoding"


class NotTextError(InputError):
    code = "not_text"


class ModelNotFoundError(FqaError, RuntimeError):
    """A language model or trained classifier is not installed where we look for it."""

    code = "model_not_found"


class CorpusError(FqaError, ValueError):
    """An annotated corpus file is malformed."""

    code = "bad_corpus"


class LayerCountError(FqaError, ValueError):
    """A number of encoder layers the encoder does not have (`fqa train --layers`, a tuned-layers file)."""

    code = "bad_layer_count"
