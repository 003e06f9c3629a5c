"""Sentence classifiers: scikit-learn estimators over [sentence embedding | cue flags].

One estimator per label: binary for `evidence`, `judgment`, `recommendation`; four classes for
`question`. Prediction (`predict`) is separate from writing results into sentences (the pipeline).
Artifacts are stored with skops (no pickle) and each has a model card beside it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from .constants import BOOLEAN_LABELS, QUESTION_LABEL, QUESTION_TYPES
from .errors import ModelNotFoundError

MANIFEST = "manifest.json"


def make_classifier(c: float) -> Pipeline:
    """The estimator used for every label (the same contract as any scikit-learn classifier)."""
    return make_pipeline(
        StandardScaler(),
        LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=0),
    )


@dataclass(frozen=True)
class Predictions:
    """Per-sentence probabilities: boolean labels -> (n,), question -> (n, 4) in QUESTION_TYPES order."""

    boolean: dict[str, np.ndarray]
    question: np.ndarray

    def question_types(self) -> list[str]:
        return [QUESTION_TYPES[i] for i in self.question.argmax(axis=1)] if len(self.question) else []


@dataclass
class LabelModels:
    estimators: dict[str, Pipeline]
    manifest: dict = field(default_factory=dict)

    def predict(self, matrix: np.ndarray) -> Predictions:
        n = matrix.shape[0]
        if n == 0:
            return Predictions({k: np.zeros(0) for k in BOOLEAN_LABELS}, np.zeros((0, len(QUESTION_TYPES))))
        boolean = {}
        for label in BOOLEAN_LABELS:
            est = self.estimators[label]
            positive = list(est.classes_).index(True)
            boolean[label] = est.predict_proba(matrix)[:, positive]
        est = self.estimators[QUESTION_LABEL]
        raw = est.predict_proba(matrix)
        question = np.zeros((n, len(QUESTION_TYPES)))
        for j, cls in enumerate(est.classes_):
            question[:, QUESTION_TYPES.index(cls)] = raw[:, j]
        return Predictions(boolean, question)

    def save(self, folder: Path) -> None:
        import skops.io as sio

        folder.mkdir(parents=True, exist_ok=True)
        for label, est in self.estimators.items():
            sio.dump(est, folder / f"{label}.skops")
        (folder / MANIFEST).write_text(json.dumps(self.manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    @property
    def version(self) -> str:
        return str(self.manifest.get("version", "unknown"))


def load_label_models(folder: Path) -> LabelModels:
    """Load the four classifiers saved by `fqa train`, refusing any type skops does not trust."""
    import skops.io as sio

    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        raise ModelNotFoundError(
            f"no trained classifiers in {folder} (missing {MANIFEST}). Run `fqa train` or set FQA_MODELS_DIR."
        )
    estimators = {}
    for label in (*BOOLEAN_LABELS, QUESTION_LABEL):
        path = folder / f"{label}.skops"
        if not path.exists():
            raise ModelNotFoundError(f"classifier file {path} is missing. Run `fqa train` to rebuild {folder}.")
        untrusted = sio.get_untrusted_types(file=path)
        if untrusted:
            raise ModelNotFoundError(f"{path} contains types that are not trusted for loading: {untrusted}")
        estimators[label] = sio.load(path)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return LabelModels(estimators, manifest)
