"""The analysis pipeline: text -> checked text -> sentences -> features -> labels -> scores.

`analyze` handles one text; `analyze_many` batches many texts through spaCy and the embedding
model at once (the batch runner and the API's batch endpoint use it).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from . import nlp
from .alignment import ComponentScores, RubricIndex, align, rubric_index, section_components, top_components
from .config import Settings, get_settings
from .constants import BOOLEAN_LABELS, QUESTION_TYPES, QuestionType, WarningCode
from .cues import CUE_LABELS, CueHit
from .features import featurize
from .labels import Predictions
from .result import (ComponentMatch, Cue, FeedbackAnalysis, InputWarning, LabelProbabilities, ModelInfo,
                     QuestionProbabilities, Scores, Sentence)
from .rubrics import Rubric, RubricError, get_rubric, resolve_ratings
from .scores import (score_actionability, score_alignment, score_evidence, score_overall, score_questions,
                     score_readiness)
from .segment import segment
from .textcheck import CheckedText, check_text

Ratings = Mapping[str, int | str]


def analyze(text: str, rubric: str | Path | Rubric | None = None, ratings: Ratings | None = None,
            profile: str | None = None) -> FeedbackAnalysis:
    """Analyse one feedback text.

    `rubric` (an id such as "fft-style", a YAML path, or a `Rubric`) turns on alignment: each
    sentence's component and the alignment scores. `ratings` ({component: level value or label}) and
    `profile` (a profile id of the rubric) need a rubric.

    Raises an `InputError` subclass for text that cannot be analysed (empty, too long, binary) and a
    `RubricError` for an unknown rubric, profile, component or level; text that can be analysed but may
    mislead (markup, not English) carries warnings in the result.
    """
    return analyze_many([text], rubric=rubric, ratings=None if ratings is None else [ratings], profile=profile)[0]


def analyze_many(
    texts: Sequence[str], rubric: str | Path | Rubric | None = None,
    ratings: Sequence[Ratings | None] | None = None, profile: str | None = None,
) -> list[FeedbackAnalysis]:
    """Analyse several texts in one batched pass (`ratings`, if given, has one entry per text).
    Any invalid text, rubric or rating raises before work starts."""
    settings = get_settings()
    chosen, resolved = _resolve_rubric(len(texts), rubric, ratings, profile)
    checked = [check_text(t, settings.max_chars) for t in texts]
    units = [[(u.start, u.end) for u in segment(c.text)] for c in checked]
    features = featurize([c.text for c in checked], units)
    models = nlp.get_label_models()
    predictions = models.predict(features)
    aligned = index = None
    sections: list[int | None] = []
    if chosen is not None:
        index = rubric_index(chosen)
        sections = section_components([[c.text[a:b] for a, b in ranges] for c, ranges in zip(checked, units)],
                                      chosen)
        aligned = align(chosen, features.embeddings, predictions, sections=sections)
    info = ModelInfo(spacy=nlp.spacy_model_name(), embeddings=nlp.embedding_model_name(),
                     classifiers=models.version, encoder_precision=nlp.precision_in_use())
    results, row = [], 0
    for k, (original, check, ranges) in enumerate(zip(texts, checked, units)):
        rows = slice(row, row + len(ranges))
        sentences = _sentences(original, ranges, features.cues[rows], _slice(predictions, rows), settings)
        embeddings = features.embeddings[rows]
        alignment = None
        if aligned is not None and index is not None:
            part = ComponentScores(aligned.method, aligned.scores[rows], aligned.best_text[rows],
                                   aligned.component[rows])
            sentences = _with_components(sentences, part, index, sections[rows])
            alignment = (part, index, resolved[k], profile)
        results.append(_document(original, check, sentences, embeddings, settings, info, alignment))
        row += len(ranges)
    return results


def _resolve_rubric(n: int, rubric, ratings, profile) -> tuple[Rubric | None, list[dict[str, int]]]:
    if rubric is None:
        if (ratings is not None and any(ratings)) or profile is not None:
            raise RubricError("ratings and profiles need a rubric: pass rubric= (e.g. 'fft-style') as well")
        return None, [{}] * n
    chosen = get_rubric(rubric)
    if profile is not None:
        chosen.profile(profile)
    if ratings is None:
        return chosen, [{}] * n
    if len(ratings) != n:
        raise RubricError(f"got {len(ratings)} sets of ratings for {n} texts; give one per text (None for none)")
    return chosen, [resolve_ratings(chosen, r, profile) for r in ratings]


def _with_components(sentences: list[Sentence], part: ComponentScores, index: RubricIndex,
                     sections: list[int | None]) -> list[Sentence]:
    comps = index.rubric.components
    return [s.model_copy(update={
        "component": part.component[i],
        "components": [ComponentMatch(id=comps[j].id, name=comps[j].name, score=round(score, 4),
                                      matched=index.texts[best], heading=j == sections[i])
                       for j, score, best in top_components(part, i)],
    }) for i, s in enumerate(sentences)]


def _slice(p: Predictions, rows: slice) -> Predictions:
    return Predictions({k: v[rows] for k, v in p.boolean.items()}, p.question[rows], p.component[rows],
                       p.component_classes)


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
    info: ModelInfo, alignment: tuple[ComponentScores, RubricIndex, dict[str, int], str | None] | None,
) -> FeedbackAnalysis:
    similarity = embeddings @ embeddings.T if len(embeddings) else np.zeros((0, 0))
    evidence, evidence_flags = score_evidence(sentences, similarity, settings)
    questions, question_flags = score_questions(sentences)
    actionability, action_flags = score_actionability(sentences, similarity, settings)
    overall = score_overall(evidence, questions, actionability, settings.weights)
    readiness = score_readiness(sentences, similarity, settings)
    aligned, alignment_flags = None, []
    if alignment is not None:
        part, index, ratings, profile = alignment
        aligned, alignment_flags = score_alignment(sentences, part, index, embeddings, ratings, profile)
    warnings = list(check.warnings)
    if len(sentences) < 2:
        warnings.append(InputWarning(code=WarningCode.few_sentences,
                                     message="the feedback has a single sentence; document scores say little."))
    flags = sorted(evidence_flags + question_flags + action_flags + alignment_flags,
                   key=lambda f: (f.start, f.kind.value))
    return FeedbackAnalysis(
        characters=len(text), sentences=sentences,
        scores=Scores(evidence=evidence, questions=questions, actionability=actionability, overall=overall,
                      readiness=readiness, alignment=aligned),
        flags=flags, warnings=warnings, models=info,
    )
