"""The overall 0-100 score: a weighted sum whose parts and weights are all reported."""
from __future__ import annotations

from ..config import OverallWeights
from ..result import ActionabilityScore, EvidenceScore, OverallScore, QuestionScore, ScorePart


def score_overall(
    evidence: EvidenceScore, questions: QuestionScore, actionability: ActionabilityScore, weights: OverallWeights
) -> OverallScore:
    parts = [
        ScorePart(name=name, score=part.score, weight=weight, contribution=round(part.score * weight, 1))
        for name, part, weight in (
            ("evidence", evidence, weights.evidence),
            ("actionability", actionability, weights.actionability),
            ("questions", questions, weights.questions),
        )
    ]
    return OverallScore(score=round(sum(p.score * p.weight for p in parts), 1), parts=parts)
