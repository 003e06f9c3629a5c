"""Compare evaluators who observed the same lesson (calibration), and rater agreement across lessons.

`compare(records)` takes one record per (observation, evaluator): rubric, ratings per component and
the feedback text, plus optional anchor (master) records. It analyses every text once (with its
rubric and ratings), then per observation and component lays the ratings and cited evidence side by
side, matches evidence statements across evaluators by meaning, and names discussion points; across
observations it computes the agreement statistics of `analyzer.agreement`.
"""
from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from . import nlp
from .agreement import AgreementStats, Rating, agreement_stats
from .config import get_settings
from .errors import FqaError, problem_list
from .pipeline import analyze_many
from .result import FeedbackAnalysis
from .rubrics import Rubric, RubricError, get_rubric, resolve_ratings

ANCHOR_EVALUATOR = "anchor"


class CompareError(FqaError, ValueError):
    """The calibration records cannot be compared as given."""

    code = "bad_compare_input"


class RatingRecord(BaseModel):
    """One evaluator's ratings and feedback for one observation, or the observation's anchor ratings."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    observation_id: str = Field(min_length=1)
    evaluator_id: str = Field(min_length=1)
    rubric: str = Field(min_length=1)
    ratings: dict[str, int | str] = Field(default_factory=dict)
    text: str | None = None
    anchor: bool = False

    @field_validator("observation_id", "evaluator_id", "rubric", mode="before")
    @classmethod
    def _as_text(cls, value):
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class EvidenceStatement(BaseModel):
    evaluator: str
    sentence_index: int
    start: int
    end: int
    text: str


class EvidenceGroup(BaseModel):
    """Evidence statements about one component that say the same thing (matched by meaning)."""

    evaluators: list[str]
    shared: bool = Field(description="cited by two or more evaluators")
    statements: list[EvidenceStatement]


class ComponentComparison(BaseModel):
    component: str
    name: str
    ratings: dict[str, int | None] = Field(description="evaluator -> rating (None: not rated)")
    anchor: int | None
    reference: float | None = Field(description="anchor rating, else the median of the evaluators' ratings")
    reference_kind: Literal["anchor", "consensus median", "none"]
    deviations: dict[str, float] = Field(description="evaluator -> rating - reference")
    exact_agreement: float | None = Field(description="share of evaluator pairs with the same rating")
    adjacent_agreement: float | None = Field(description="share of evaluator pairs within one level")
    spread: int | None = Field(description="highest minus lowest rating")
    evidence: dict[str, list[EvidenceStatement]]
    evidence_groups: list[EvidenceGroup]


class EvaluatorScores(BaseModel):
    evaluator: str
    overall: float
    evidence: float
    questions: float
    actionability: float
    alignment: float | None
    unsupported_judgments: int
    sentences: int


class DiscussionPoint(BaseModel):
    component: str
    name: str
    reasons: list[str]
    ratings: dict[str, int | None]
    anchor: int | None
    evidence: dict[str, list[str]] = Field(description="evaluator -> the evidence they cited for this component")
    question: str = Field(description="an open question to start the conversation")


class ObservationComparison(BaseModel):
    observation_id: str
    rubric: str
    evaluators: list[str]
    components: list[ComponentComparison]
    scores: list[EvaluatorScores]
    discussion_points: list[DiscussionPoint]


class CalibrationReport(BaseModel):
    schema_version: str = "1"
    rubric: str
    levels: dict[int, str]
    observations: list[ObservationComparison]
    agreement: AgreementStats
    settings: dict[str, float | int]

    def to_dict(self) -> dict:
        return self.model_dump(mode="json")


def compare(records: Sequence[RatingRecord | dict], rubric: str | Rubric | None = None) -> CalibrationReport:
    """Compare evaluators per observation and compute agreement across observations.

    Raises `CompareError` listing every problem (duplicate pairs, one evaluator, mixed rubrics,
    missing text, bad ratings) before any analysis starts.
    """
    parsed = _parse(records)
    chosen, groups, anchors = _validate(parsed, rubric)
    settings = get_settings()
    evaluator_records = [r for obs in groups.values() for r in obs]
    analyses = analyze_many([r.text or "" for r in evaluator_records], rubric=chosen,
                            ratings=[r.ratings for r in evaluator_records])
    by_key = {(r.observation_id, r.evaluator_id): a for r, a in zip(evaluator_records, analyses)}
    observations = [
        _observation(obs_id, recs, anchors.get(obs_id, {}), chosen, by_key) for obs_id, recs in groups.items()
    ]
    all_ratings = [Rating(r.observation_id, c, r.evaluator_id, int(v))
                   for r in evaluator_records for c, v in r.ratings.items()]
    unit_anchors = {(obs, c): v for obs, given in anchors.items() for c, v in given.items()}
    stats = agreement_stats(all_ratings, unit_anchors, chosen.level_values, settings.min_shared_units)
    return CalibrationReport(
        rubric=chosen.id, levels={lv.value: lv.label for lv in chosen.levels}, observations=observations,
        agreement=stats,
        settings={"evidence_match_similarity": settings.evidence_match_similarity,
                  "min_shared_units": settings.min_shared_units,
                  "discussion_spread": settings.discussion_spread},
    )


def _parse(records: Sequence[RatingRecord | dict]) -> list[RatingRecord]:
    from pydantic import ValidationError

    out, problems = [], []
    for i, rec in enumerate(records):
        if isinstance(rec, RatingRecord):
            out.append(rec)
            continue
        try:
            out.append(RatingRecord.model_validate(rec))
        except ValidationError as exc:
            for e in exc.errors():
                where = ".".join(str(p) for p in e["loc"])
                problems.append(f"record {i + 1}: {where}: {e['msg']}")
    if problems:
        raise _error(problems)
    return out


def _error(problems: list[str]) -> CompareError:
    return CompareError(problem_list("in the calibration records", problems))


def _validate(records: list[RatingRecord], rubric_override: str | Rubric | None
              ) -> tuple[Rubric, dict[str, list[RatingRecord]], dict[str, dict[str, int]]]:
    if not records:
        raise CompareError("no records to compare; give at least two evaluators' records for an observation")
    problems: list[str] = []
    groups: dict[str, list[RatingRecord]] = {}
    anchors: dict[str, dict[str, int]] = {}
    seen: set[tuple[str, str]] = set()
    if isinstance(rubric_override, Rubric):
        rubric_ids = {rubric_override.id}
    else:
        rubric_ids = {rubric_override} if rubric_override is not None else {r.rubric for r in records}
    if len(rubric_ids) > 1:
        by_obs: dict[str, set[str]] = {}
        for r in records:
            by_obs.setdefault(r.observation_id, set()).add(r.rubric)
        mixed = [f"{o} ({', '.join(sorted(s))})" for o, s in by_obs.items() if len(s) > 1]
        if mixed:
            problems.append("observations with mixed rubrics: " + "; ".join(mixed))
        problems.append(f"records use several rubrics ({', '.join(sorted(rubric_ids))}); compare one rubric at a "
                        "time (filter the input, or pass --rubric)")
        raise _error(problems)
    try:
        chosen = rubric_override if isinstance(rubric_override, Rubric) else get_rubric(rubric_ids.pop())
    except RubricError as exc:
        raise CompareError(str(exc)) from None
    for r in records:
        key = (r.observation_id, r.evaluator_id)
        label = f"{r.observation_id}/{r.evaluator_id}"
        if key in seen:
            problems.append(f"{label}: duplicate (observation, evaluator) pair; keep one record per evaluator")
            continue
        seen.add(key)
        try:
            resolved = resolve_ratings(chosen, r.ratings)
        except RubricError as exc:
            problems.append(f"{label}: {exc}")
            continue
        is_anchor = r.anchor or r.evaluator_id.lower() == ANCHOR_EVALUATOR
        if is_anchor:
            if r.observation_id in anchors:
                problems.append(f"{r.observation_id}: more than one anchor record")
            anchors[r.observation_id] = resolved
            continue
        if not (r.text or "").strip():
            problems.append(f"{label}: no feedback text")
            continue
        if not resolved:
            problems.append(f"{label}: no ratings")
            continue
        groups.setdefault(r.observation_id, []).append(r.model_copy(update={"ratings": resolved}))
    for obs, recs in groups.items():
        if len(recs) < 2:
            problems.append(f"{obs}: only one evaluator ({recs[0].evaluator_id}); comparing needs two or more")
    for obs in anchors:
        if obs not in groups:
            problems.append(f"{obs}: anchor ratings but no evaluator records")
    if problems:
        raise _error(problems)
    return chosen, groups, anchors


def _observation(obs_id: str, records: list[RatingRecord], anchor: dict[str, int], rubric: Rubric,
                 analyses: dict[tuple[str, str], FeedbackAnalysis]) -> ObservationComparison:
    settings = get_settings()
    evaluators = [r.evaluator_id for r in records]
    rated = {c for r in records for c in r.ratings} | set(anchor)
    components = []
    for comp in (c for c in rubric.components if c.id in rated):
        ratings = {r.evaluator_id: r.ratings.get(comp.id) for r in records}
        evidence = {r.evaluator_id: _evidence_for(comp.id, r.evaluator_id, analyses[(obs_id, r.evaluator_id)])
                    for r in records}
        components.append(_component(comp.id, comp.name, ratings, anchor.get(comp.id), evidence,
                                     settings.evidence_match_similarity))
    scores = [_scores(r.evaluator_id, analyses[(obs_id, r.evaluator_id)]) for r in records]
    points = [p for c in components if (p := _discussion(c, rubric, settings.discussion_spread)) is not None]
    spread = {c.component: c.spread or 0 for c in components}
    points.sort(key=lambda p: (-spread[p.component], -len(p.reasons)))  # widest disagreement first
    return ObservationComparison(observation_id=obs_id, rubric=rubric.id, evaluators=evaluators,
                                 components=components, scores=scores, discussion_points=points)


def _evidence_for(component: str, evaluator: str, analysis: FeedbackAnalysis) -> list[EvidenceStatement]:
    """Evidence sentences whose aligned component is this one (or, with a score of at least
    `evidence_component_score`, its runner-up: alignment is uncertain between neighbouring components)."""
    floor = get_settings().evidence_component_score
    out = []
    for s in analysis.sentences:
        if not s.evidence:
            continue
        top = s.components[:2]
        if s.component == component or any(c.id == component and c.score >= floor for c in top):
            out.append(EvidenceStatement(evaluator=evaluator, sentence_index=s.index, start=s.start, end=s.end,
                                         text=s.text))
    return out


def _component(cid: str, name: str, ratings: dict[str, int | None], anchor: int | None,
               evidence: dict[str, list[EvidenceStatement]], threshold: float) -> ComponentComparison:
    given = {e: v for e, v in ratings.items() if v is not None}
    values = list(given.values())
    pairs = list(itertools.combinations(values, 2))
    if anchor is not None:
        reference, kind = float(anchor), "anchor"
    elif values:
        reference, kind = float(statistics.median(values)), "consensus median"
    else:
        reference, kind = None, "none"
    return ComponentComparison(
        component=cid, name=name, ratings=ratings, anchor=anchor, reference=reference, reference_kind=kind,
        deviations={e: v - reference for e, v in given.items()} if reference is not None else {},
        exact_agreement=round(sum(a == b for a, b in pairs) / len(pairs), 4) if pairs else None,
        adjacent_agreement=round(sum(abs(a - b) <= 1 for a, b in pairs) / len(pairs), 4) if pairs else None,
        spread=max(values) - min(values) if values else None,
        evidence=evidence, evidence_groups=match_evidence([s for group in evidence.values() for s in group], threshold),
    )


def match_evidence(statements: list[EvidenceStatement], threshold: float) -> list[EvidenceGroup]:
    """Group statements of different evaluators that say the same thing: sentence embeddings, cosine
    similarity at least `threshold`, joined transitively (single link). Groups in order of first mention."""
    if not statements:
        return []
    emb = nlp.embed([s.text for s in statements])
    parent = list(range(len(statements)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    sims = emb @ emb.T
    for i, j in itertools.combinations(range(len(statements)), 2):
        if statements[i].evaluator != statements[j].evaluator and sims[i, j] >= threshold:
            parent[find(i)] = find(j)
    groups: dict[int, list[EvidenceStatement]] = {}
    for i, s in enumerate(statements):
        groups.setdefault(find(i), []).append(s)
    out = []
    for members in groups.values():
        evaluators = list(dict.fromkeys(s.evaluator for s in members))
        out.append(EvidenceGroup(evaluators=evaluators, shared=len(evaluators) > 1, statements=members))
    return sorted(out, key=lambda g: (not g.shared, -len(g.evaluators)))


def _scores(evaluator: str, a: FeedbackAnalysis) -> EvaluatorScores:
    s = a.scores
    return EvaluatorScores(evaluator=evaluator, overall=s.overall.score, evidence=s.evidence.score,
                           questions=s.questions.score, actionability=s.actionability.score,
                           alignment=s.alignment.score if s.alignment else None,
                           unsupported_judgments=s.evidence.unsupported_judgments, sentences=s.evidence.sentences)


def _discussion(c: ComponentComparison, rubric: Rubric, spread_limit: int) -> DiscussionPoint | None:
    reasons = []
    given = {e: v for e, v in c.ratings.items() if v is not None}
    if c.spread is not None and c.spread >= spread_limit:
        hi = max(given, key=lambda e: given[e])
        lo = min(given, key=lambda e: given[e])
        reasons.append(f"ratings differ by {c.spread} levels ({hi} {given[hi]}, {lo} {given[lo]})")
    if c.anchor is not None:
        off = [e for e, v in given.items() if abs(v - c.anchor) >= spread_limit]
        if off:
            reasons.append(f"{', '.join(off)} {'is' if len(off) == 1 else 'are'} {spread_limit}+ levels from the "
                           f"anchor rating {c.anchor}")
    silent = [e for e in given if not c.evidence.get(e)]
    if silent:
        reasons.append(f"no evidence cited for the rating by {', '.join(silent)}")
    if not reasons:
        return None
    return DiscussionPoint(component=c.component, name=c.name, reasons=reasons, ratings=c.ratings, anchor=c.anchor,
                           evidence={e: [s.text for s in c.evidence.get(e, [])] for e in c.ratings},
                           question=_question(c, rubric, given, silent))


def _question(c: ComponentComparison, rubric: Rubric, given: dict[str, int], silent: list[str]) -> str:
    name = c.name[0].lower() + c.name[1:]
    if c.spread is not None and c.spread >= 1 and len(given) >= 2:
        low, high = min(given.values()), max(given.values())
        return (f"For {name} ({c.component}), ratings run from {rubric.level_label(low)} to "
                f"{rubric.level_label(high)}: which moments of the lesson led each of you to your rating, and what "
                f"would you need to have seen to agree on one level?")
    level = rubric.level_label(next(iter(given.values())))
    return (f"What did you see or hear in this lesson that shows {name} ({c.component}) at {level}, and how would "
            f"you describe it to the teacher?")
