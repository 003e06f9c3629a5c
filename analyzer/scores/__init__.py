"""Document scorers: pure functions from labelled sentences (plus their topic similarity) to scores and flags."""
from __future__ import annotations

from .actionability import score_actionability
from .evidence import score_evidence
from .overall import score_overall
from .questions import open_rewrite, score_questions

__all__ = ["score_actionability", "score_evidence", "score_overall", "score_questions", "open_rewrite"]
