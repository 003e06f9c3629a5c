"""Typed results of an analysis. One definition: the CLI's JSON, the API's schemas and the batch
output are all `model_dump()` of these models. Keep the field names stable."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .constants import FlagKind, QuestionType, WarningCode


class Cue(BaseModel):
    """A linguistic cue that fired: which label it speaks for and the text that triggered it."""

    name: str
    label: str
    start: int
    end: int
    text: str


class QuestionProbabilities(BaseModel):
    none: float
    open: float
    closed: float
    leading: float


class LabelProbabilities(BaseModel):
    evidence: float
    judgment: float
    recommendation: float
    question: QuestionProbabilities


class ComponentMatch(BaseModel):
    """A rubric component a sentence may speak to, with the rubric text it is closest to."""

    id: str
    name: str
    score: float = Field(description="classifier probability (trained) or cosine similarity (similarity method)")
    matched: str = Field(description="the component's description, look-for or level descriptor closest to the sentence")
    heading: bool = Field(False, description="the sentence sits under a heading naming this component, which "
                                             "raised its score")


class Sentence(BaseModel):
    index: int
    text: str
    start: int = Field(description="character offset of the first character in the analysed text")
    end: int = Field(description="offset one past the last character (text == source[start:end])")
    evidence: bool
    judgment: bool
    recommendation: bool
    question: QuestionType
    component: str | None = Field(None, description="rubric component the sentence is about when confident; "
                                                     "None without a rubric or when about no component")
    components: list[ComponentMatch] = Field(default_factory=list, description="best components, given a rubric")
    probabilities: LabelProbabilities
    cues: list[Cue]


class Flag(BaseModel):
    """Something a reader should look at, with where it is and what to do about it."""

    kind: FlagKind
    sentence_index: int
    start: int
    end: int
    reason: str
    suggestion: str


class InputWarning(BaseModel):
    code: WarningCode
    message: str


class EvidenceScore(BaseModel):
    score: float = Field(description="0-100")
    sentences: int
    evidence_sentences: int
    evidence_share: float
    judgments: int
    supported_judgments: int
    unsupported_judgments: int


class QuestionScore(BaseModel):
    score: float = Field(description="0-100; 0 when the feedback asks nothing")
    total: int
    open: int
    closed: int
    leading: int
    open_share: float | None = Field(description="open / total; None when there are no questions")


class ActionabilityScore(BaseModel):
    score: float = Field(description="0-100; 0 when the feedback proposes no next step")
    next_steps: int
    tied_to_evidence: int


class ComponentCoverage(BaseModel):
    id: str
    name: str
    domain: str
    sentences: list[int]
    evidence_sentences: list[int]
    rating: int | None = None


class RatingCheck(BaseModel):
    """Does the feedback's language and evidence support the level given for a rated component?"""

    component: str
    name: str
    rating: int
    rating_label: str
    status: Literal["consistent", "gap", "no_evidence", "not_addressed"]
    supported_level: float | None = Field(description="level the component's sentences read as (level descriptors), "
                                                      "None when no sentence judges or cites evidence for it")
    supported_label: str | None
    gap: float | None = Field(description="rating - supported_level")
    sentences: list[int]
    evidence_sentences: list[int]
    message: str


class AlignmentScore(BaseModel):
    score: float = Field(description="0-100: share of the focus components (rated, else profile, else addressed) "
                                     "addressed with evidence")
    rubric: str
    rubric_version: str
    profile: str | None
    method: Literal["trained", "similarity"]
    components_addressed: int
    components_with_evidence: int
    focus_components: list[str] = Field(description="rated components; else the profile's; else those addressed")
    coverage: list[ComponentCoverage]
    focus_without_evidence: list[str]
    sentences_outside_focus: list[int] = Field(description="sentences about a component that is not rated "
                                                           "(or not in the profile)")
    rating_checks: list[RatingCheck]


class ReadinessItem(BaseModel):
    key: Literal["strengths_with_evidence", "growth_with_evidence", "reflective_questions", "next_steps", "supports"]
    label: str
    met: bool
    sentences: list[int]
    missing: str | None = Field(description="what to add, when not met")


class Readiness(BaseModel):
    """Is the feedback ready for a mid-year conversation?"""

    met: int
    total: int
    items: list[ReadinessItem]


class ScorePart(BaseModel):
    name: str
    score: float
    weight: float
    contribution: float


class OverallScore(BaseModel):
    score: float = Field(description="0-100 weighted sum of the parts")
    parts: list[ScorePart]


class Scores(BaseModel):
    evidence: EvidenceScore
    questions: QuestionScore
    actionability: ActionabilityScore
    overall: OverallScore
    readiness: Readiness
    alignment: AlignmentScore | None = Field(None, description="given a rubric")


class ModelInfo(BaseModel):
    spacy: str
    embeddings: str
    classifiers: str
    encoder_precision: str = Field("float32", description="`float32` or `bfloat16` (where the CPU has it natively)")


class FeedbackAnalysis(BaseModel):
    """The result of `analyzer.analyze(text)`."""

    schema_version: str = "1"
    characters: int
    sentences: list[Sentence]
    scores: Scores
    flags: list[Flag]
    warnings: list[InputWarning]
    models: ModelInfo

    def to_dict(self) -> dict:
        return self.model_dump(mode="json")
