"""Typed results of an analysis. One definition: the CLI's JSON, the API's schemas and the batch
output are all `model_dump()` of these models. Keep the field names stable."""
from __future__ import annotations

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


class Sentence(BaseModel):
    index: int
    text: str
    start: int = Field(description="character offset of the first character in the analysed text")
    end: int = Field(description="offset one past the last character (text == source[start:end])")
    evidence: bool
    judgment: bool
    recommendation: bool
    question: QuestionType
    component: str | None = Field(None, description="rubric component; None until rubric alignment is asked for")
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


class ModelInfo(BaseModel):
    spacy: str
    embeddings: str
    classifiers: str


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
