"""Document scorers: pure functions from labelled sentences (plus their topic similarity) to scores and flags."""
from __future__ import annotations

from .actionability import score_actionability
from .alignment import score_alignment
from .evidence import score_evidence
from .overall import score_overall
from .questions import open_rewrite, score_questions
from .readiness import score_readiness

__all__ = ["score_actionability", "score_alignment", "score_evidence", "score_overall", "score_questions",
           "score_readiness", "open_rewrite"]
