"""Request bodies of the HTTP API. Responses are the analyzer's own result types (one definition)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from analyzer.compare import RatingRecord
from analyzer.result import FeedbackAnalysis

Ratings = dict[str, int | str]


class AnalyzeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="the feedback text", examples=[
        "At 9:14 you asked, \"Why does ice float?\" and 6 of 22 students raised their hands. Next time, try a "
        "turn-and-talk first."])
    rubric: str | None = Field(None, description="rubric id (GET /v1/rubrics) for alignment", examples=["fft-style"])
    profile: str | None = Field(None, description="profile of the rubric: the components rated")
    ratings: Ratings | None = Field(None, description="component -> level value or label; needs a rubric",
                                    examples=[{"3b": 2, "3c": "Effective"}])


class BatchItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    ratings: Ratings | None = None


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[BatchItem] = Field(min_length=1, description="texts to analyse (at most FQA_API_MAX_BATCH)")
    rubric: str | None = None
    profile: str | None = None


class BatchResponse(BaseModel):
    results: list[FeedbackAnalysis]


class CompareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[RatingRecord] = Field(min_length=1, description="one per (observation, evaluator), plus anchors")
    rubric: str | None = Field(None, description="rubric id for every record (else each record names it)")


class RubricSummary(BaseModel):
    id: str
    name: str
    version: str
    components: int
    levels: list[str]
    profiles: list[str]


class Health(BaseModel):
    status: str
    models_loaded: bool | None = None
