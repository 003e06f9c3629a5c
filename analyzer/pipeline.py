"""The analysis pipeline: text -> checked text -> sentences -> features -> labels -> scores.

`analyze` handles one text; `analyze_many` batches many texts through spaCy and the embedding
model at once (the batch runner and the API's batch endpoint use it).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import nlp
from .config import Settings, get_settings
from .constants import BOOLEAN_LABELS, QUESTION_TYPES, QuestionType, WarningCode
from .cues import CUE_LABELS, CueHit
from .errors import FqaError
from .features import featurize
from .labels import Predictions
from .result import (Cue, FeedbackAnalysis, InputWarning, LabelProbabilities, ModelInfo, QuestionProbabilities,
                     Scores, Sentence)
from .scores import score_actionability, score_evidence, score_overall, score_questions
from .segment import segment
from .textcheck import CheckedText, check_text


def analyze(text: str, rubric: object | None = None, ratings: dict | None = None) -> FeedbackAnalysis:
    """Analyse one feedback text.

    Raises an `InputError` subclass for text that cannot be analysed (empty, too long, binary);
    text that can be analysed but may mislead (markup, not English) carries warnings in the result.
    """
    return analyze_many([text], rubric=rubric, ratings=ratings)[0]


def analyze_many(
    texts: Sequence[str], rubric: object | None = None, ratings: dict | None = None
) -> list[FeedbackAnalysis]:
    """Analyse several texts in one batched pass. Any invalid text raises before work starts."""
    if rubric is not None or ratings is not None:
        raise FqaError("rubric alignment and ratings are not available in this version; call analyze(text).")
    settings = get_settings()
    checked = [check_text(t, settings.max_chars) for t in texts]
    units = [[(u.start, u.end) for u in segment(c.text)] for c in checked]
    features = featurize([c.text for c in checked], units)
    models = nlp.get_label_models()
    predictions = models.predict(features)
    info = ModelInfo(spacy=nlp.spacy_model_name(), embeddings=nlp.embedding_model_name(),
                     classifiers=models.version)
    results, row = [], 0
    for original, check, ranges in zip(texts, checked, units):
        n = len(ranges)
        rows = slice(row, row + n)
        sentences = _sentences(original, ranges, features.cues[rows], _slice(predictions, rows), settings)
        embeddings = features.embeddings[rows]
        results.append(_document(original, check, sentences, embeddings, settings, info))
        row += n
    return results


def _slice(p: Predictions, rows: slice) -> Predictions:
    return Predictions({k: v[rows] for k, v in p.boolean.items()}, p.question[rows])


def _sentences(
    text: str, ranges: list[tuple[int, int]], cues: list[list[CueHit]], p: Predictions, settings: Settings
) -> list[Sentence]:
    threshold = settings.label_threshold
    question_types = p.question_types()
    out = []
    for i, (start, end) in enumerate(ranges):
        probs = {label: float(p.boolean[label][i]) for label in BOOLEAN_LABELS}
        out.append(Sentence(
            index=i, text=text[start:end], start=start, end=end,
            evidence=probs["evidence"] >= threshold,
            judgment=probs["judgment"] >= threshold,
            recommendation=probs["recommendation"] >= threshold,
            question=QuestionType(question_types[i]),
            probabilities=LabelProbabilities(
                **{k: round(v, 4) for k, v in probs.items()},
                question=QuestionProbabilities(**{q: round(float(p.question[i, j]), 4)
                                                  for j, q in enumerate(QUESTION_TYPES)}),
            ),
            cues=[Cue(name=c.name, label=CUE_LABELS[c.name], start=c.start, end=c.end, text=text[c.start:c.end])
                  for c in cues[i]],
        ))
    return out


def _document(
    text: str, check: CheckedText, sentences: list[Sentence], embeddings: np.ndarray, settings: Settings,
    info: ModelInfo,
) -> FeedbackAnalysis:
    similarity = embeddings @ embeddings.T if len(embeddings) else np.zeros((0, 0))
    evidence, evidence_flags = score_evidence(sentences, similarity, settings)
    questions, question_flags = score_questions(sentences)
    actionability, action_flags = score_actionability(sentences, similarity, settings)
    overall = score_overall(evidence, questions, actionability, settings.weights)
    warnings = list(check.warnings)
    if len(sentences) < 2:
        warnings.append(InputWarning(code=WarningCode.few_sentences,
                                     message="the feedback has a single sentence; document scores say little."))
    flags = sorted(evidence_flags + question_flags + action_flags, key=lambda f: (f.start, f.kind.value))
    return FeedbackAnalysis(
        characters=len(text), sentences=sentences,
        scores=Scores(evidence=evidence, questions=questions, actionability=actionability, overall=overall),
        flags=flags, warnings=warnings, models=info,
    )
