"""Alignment: which rubric components the feedback addresses, with evidence or not, and whether each
rating fits what the feedback's language and evidence show."""
from __future__ import annotations

import numpy as np

from ..alignment import ComponentScores, RubricIndex
from ..constants import FlagKind, QuestionType
from ..result import AlignmentScore, ComponentCoverage, Flag, RatingCheck, Sentence
from ..rubrics import Rubric
from .common import is_heading

LEVEL_TEMPERATURE = 0.05  # softmax temperature over level-descriptor similarities
GAP_TO_FLAG = 2  # levels between a rating and what the evidence supports before it is flagged


def sentence_levels(index: RubricIndex, position: int, embeddings: np.ndarray) -> np.ndarray:
    """The level each sentence reads as for one component: the similarity-weighted mean of the level
    values, weights a softmax over the sentence's similarity to each level descriptor."""
    rows = [k for k in np.flatnonzero(index.owner == position) if index.kinds[k].startswith("level:")]
    values = np.array([int(index.kinds[k].split(":", 1)[1]) for k in rows], dtype=float)
    sims = embeddings @ index.embeddings[rows].T
    weights = np.exp((sims - sims.max(axis=1, keepdims=True)) / LEVEL_TEMPERATURE)
    weights /= weights.sum(axis=1, keepdims=True)
    return weights @ values


def score_alignment(
    sentences: list[Sentence], aligned: ComponentScores, index: RubricIndex, embeddings: np.ndarray,
    ratings: dict[str, int], profile: str | None,
) -> tuple[AlignmentScore, list[Flag]]:
    rubric = index.rubric
    about: dict[str, list[int]] = {}
    for s in sentences:
        if s.component is not None and not is_heading(s):
            about.setdefault(s.component, []).append(s.index)
    if ratings:
        focus = [c for c in rubric.component_ids if c in ratings]
    elif profile is not None:
        focus = list(rubric.profile(profile).components)
    else:
        focus = [c for c in rubric.component_ids if c in about]
    coverage = [
        ComponentCoverage(id=c.id, name=c.name, domain=rubric.domain_of[c.id], sentences=about[c.id],
                          evidence_sentences=[i for i in about[c.id] if sentences[i].evidence],
                          rating=ratings.get(c.id))
        for c in rubric.components if c.id in about
    ]
    with_evidence = {c.id for c in coverage if c.evidence_sentences}
    outside = sorted(i for c, rows in about.items() if c not in focus for i in rows) if (ratings or profile) else []
    checks, flags = [], []
    for cid, rating in ((c, ratings[c]) for c in focus if c in ratings):
        check, flag = _rating_check(rubric, cid, rating, about.get(cid, []), sentences, index, embeddings)
        checks.append(check)
        flags += flag
    addressed_focus = [c for c in focus if c in with_evidence]
    score = 100 * len(addressed_focus) / len(focus) if focus else 0.0
    return AlignmentScore(
        score=round(score, 1), rubric=rubric.id, rubric_version=rubric.version, profile=profile,
        method=aligned.method, components_addressed=len(about), components_with_evidence=len(with_evidence),
        focus_components=focus, coverage=coverage,
        focus_without_evidence=[c for c in focus if c not in with_evidence],
        sentences_outside_focus=outside, rating_checks=checks,
    ), flags


def _rating_check(
    rubric: Rubric, cid: str, rating: int, rows: list[int], sentences: list[Sentence], index: RubricIndex,
    embeddings: np.ndarray,
) -> tuple[RatingCheck, list[Flag]]:
    name = rubric.component(cid).name
    evidence_rows = [i for i in rows if sentences[i].evidence]
    telling = [i for i in rows if (sentences[i].evidence or sentences[i].judgment)
               and sentences[i].question == QuestionType.none]
    supported = None
    if telling:
        position = rubric.component_ids.index(cid)
        supported = float(np.mean(sentence_levels(index, position, embeddings[telling])))
    values = rubric.level_values
    nearest = min(values, key=lambda v: abs(v - supported)) if supported is not None else None
    extreme = rating in (values[0], values[-1])
    label = rubric.level_label(rating)
    flags: list[Flag] = []
    if not rows:
        status = "not_addressed"
        message = (f"{cid} is rated {rating} ({label}) but no sentence speaks to it; add what you saw for "
                   f"{name.lower()}.")
    elif not evidence_rows:
        status = "no_evidence"
        message = (f"{cid} is rated {rating} ({label}) but the sentences about it cite no evidence; add a quote, "
                   "count, time or concrete action that shows this level.")
        if extreme:
            flags.append(_flag(FlagKind.rating_without_evidence, sentences[rows[0]],
                               f"{cid} is rated {'at the top' if rating == values[-1] else 'at the bottom'} "
                               f"({label}) with no evidence behind it.",
                               "Ratings at either end of the scale need the most support: cite what was seen and "
                               "heard that shows this level."))
    elif nearest is not None and abs(rating - nearest) >= GAP_TO_FLAG:
        status = "gap"
        message = (f"{cid} is rated {rating} ({label}) but its sentences read closer to {nearest} "
                   f"({rubric.level_label(nearest)}).")
        flags.append(_flag(FlagKind.rating_gap, sentences[telling[0]],
                           f"The rating of {cid} ({rating}, {label}) is {abs(rating - nearest)} levels from what "
                           f"these sentences describe ({nearest}, {rubric.level_label(nearest)}).",
                           "Check the rating against the level descriptors, or add the evidence that shows "
                           "the level you gave."))
    else:
        status = "consistent"
        message = f"{cid}: the rating {rating} ({label}) fits what the feedback describes."
    return RatingCheck(
        component=cid, name=name, rating=rating, rating_label=label, status=status,
        supported_level=None if supported is None else round(supported, 2),
        supported_label=None if nearest is None else rubric.level_label(nearest),
        gap=None if supported is None else round(rating - supported, 2),
        sentences=rows, evidence_sentences=evidence_rows, message=message,
    ), flags


def _flag(kind: FlagKind, s: Sentence, reason: str, suggestion: str) -> Flag:
    return Flag(kind=kind, sentence_index=s.index, start=s.start, end=s.end, reason=reason, suggestion=suggestion)
