"""Label metrics shared by training (dev split) and evaluation (test split, external sets)."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from .constants import QUESTION_TYPES

QUESTION_KINDS = ("open", "closed", "leading")


def binary_metrics(gold: np.ndarray, predicted: np.ndarray) -> dict:
    p, r, f, _ = precision_recall_fscore_support(gold, predicted, average="binary", pos_label=True, zero_division=0)
    return {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4),
            "support": int(np.sum(gold)), "n": int(len(gold))}


def question_metrics(gold: list[str], predicted: list[str]) -> dict:
    """Per-type P/R/F1 over the four classes, macro-F1 over the three question types and over all four."""
    p, r, f, s = precision_recall_fscore_support(gold, predicted, labels=list(QUESTION_TYPES), zero_division=0)
    per_type = {q: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4), "f1": round(float(f[i]), 4),
                    "support": int(s[i])} for i, q in enumerate(QUESTION_TYPES)}
    return {
        "per_type": per_type,
        "macro_f1_question_types": round(float(np.mean([per_type[q]["f1"] for q in QUESTION_KINDS])), 4),
        "macro_f1_all": round(float(f1_score(gold, predicted, labels=list(QUESTION_TYPES), average="macro",
                                              zero_division=0)), 4),
        "accuracy": round(float(accuracy_score(gold, predicted)), 4),
        "n": len(gold),
    }


def component_metrics(gold: list[str | None], ranked: list[list[str]], decided: list[str | None]) -> dict:
    """Rubric alignment: top-1 and top-3 accuracy over sentences whose gold component is set (ranked
    lists hold components only, best first), and F1 of detecting sentences about no component."""
    about = [i for i, g in enumerate(gold) if g is not None]
    top1 = sum(ranked[i][:1] == [gold[i]] for i in about)
    top3 = sum(gold[i] in ranked[i][:3] for i in about)
    gold_none = np.array([g is None for g in gold])
    pred_none = np.array([d is None for d in decided])
    p, r, f, _ = precision_recall_fscore_support(gold_none, pred_none, average="binary", pos_label=True,
                                                 zero_division=0)
    return {
        "top1": round(top1 / max(len(about), 1), 4),
        "top3": round(top3 / max(len(about), 1), 4),
        "none": {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4),
                 "support": int(gold_none.sum())},
        "accuracy": round(float(np.mean([d == g for d, g in zip(decided, gold)])) if gold else 0.0, 4),
        "with_component": len(about),
        "n": len(gold),
    }
