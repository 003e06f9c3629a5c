import numpy as np

from analyzer.result import LabelProbabilities, QuestionProbabilities, Sentence


def make_sentences(rows: list[tuple[str, str]]) -> list[Sentence]:
    """rows: (text, flags) where flags holds E (evidence), J (judgment), R (recommendation),
    and optionally one of o/c/l for an open/closed/leading question."""
    out, pos = [], 0
    for i, (text, flags) in enumerate(rows):
        question = {"o": "open", "c": "closed", "l": "leading"}.get(next((f for f in flags if f in "ocl"), ""), "none")
        out.append(Sentence(
            index=i, text=text, start=pos, end=pos + len(text),
            evidence="E" in flags, judgment="J" in flags, recommendation="R" in flags, question=question,
            probabilities=LabelProbabilities(evidence=0.0, judgment=0.0, recommendation=0.0,
                                             question=QuestionProbabilities(none=1, open=0, closed=0, leading=0)),
            cues=[],
        ))
        pos += len(text) + 1
    return out


def same_topic(n: int, value: float = 1.0) -> np.ndarray:
    return np.full((n, n), value)
