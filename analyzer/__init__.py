"""Feedback Quality Analyzer: sentence-by-sentence quality of classroom observation feedback.

    >>> from analyzer import analyze
    >>> result = analyze("At 9:05 you said, 'Turn to your partner.' Next time, give a time limit.")
    >>> [s.evidence for s in result.sentences]
"""
from __future__ import annotations

from .errors import FqaError, InputError, ModelNotFoundError
from .pipeline import analyze, analyze_many
from .result import FeedbackAnalysis, Sentence

__version__ = "0.1.0"
__all__ = ["analyze", "analyze_many", "FeedbackAnalysis", "Sentence", "FqaError", "InputError",
           "ModelNotFoundError", "__version__"]
