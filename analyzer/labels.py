"""Sentence classifiers: scikit-learn estimators over [sentence embedding | cue flags | word n-grams].

One logistic regression per label: binary for `evidence`, `judgment`, `recommendation`; four classes
for `question`; and one over the rubric components the corpus is labelled with (plus "none") for
rubric alignment. They share one TF-IDF vectoriser of word uni- and bigrams. Prediction (`predict`) is
separate from writing results into sentences (the pipeline). Artifacts are stored with skops (no
pickle) and each classifier has a model card beside it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from zipfile import ZIP_DEFLATED

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .constants import BOOLEAN_LABELS, QUESTION_LABEL, QUESTION_TYPES
from .errors import ModelNotFoundError
from .features import SentenceFeatures

MANIFEST = "manifest.json"
VECTORIZER = "vectorizer"
COMPONENT = "component"
NONE_COMPONENT = "none"  # the component class of sentences about no component


def make_classifier(c: float, balanced: bool = True) -> LogisticRegression:
    """The estimator used for every label (the same contract as any scikit-learn classifier)."""
    return LogisticRegression(C=c, class_weight="balanced" if balanced else None, max_iter=5000, random_state=0)


def make_vectorizer() -> TfidfVectorizer:
    """Word uni- and bigrams (and "?") seen in at least two training sentences, sub-linear TF-IDF."""
    return TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=True,
                           token_pattern=r"(?u)\b\w+\b|\?", dtype=np.float32)


def design_matrix(vectorizer: TfidfVectorizer, features: SentenceFeatures) -> sparse.csr_matrix:
    """The classifier input: dense embedding and cue columns, then the sparse n-gram columns."""
    return sparse.hstack([sparse.csr_matrix(features.matrix), vectorizer.transform(features.texts)]).tocsr()


@dataclass(frozen=True)
class Predictions:
    """Per-sentence probabilities: boolean labels -> (n,), question -> (n, 4) in QUESTION_TYPES order."""

    boolean: dict[str, np.ndarray]
    question: np.ndarray
    component: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (n, k) over component_classes
    component_classes: list[str] = field(default_factory=list)

    def question_types(self) -> list[str]:
        return [QUESTION_TYPES[i] for i in self.question.argmax(axis=1)] if len(self.question) else []


@dataclass
class LabelModels:
    vectorizer: TfidfVectorizer
    estimators: dict[str, LogisticRegression]
    manifest: dict = field(default_factory=dict)

    def predict(self, features: SentenceFeatures) -> Predictions:
        n = len(features)
        if n == 0:
            classes = [str(c) for c in self.estimators[COMPONENT].classes_]
            return Predictions({k: np.zeros(0) for k in BOOLEAN_LABELS}, np.zeros((0, len(QUESTION_TYPES))),
                               np.zeros((0, len(classes))), classes)
        matrix = design_matrix(self.vectorizer, features)
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
        est = self.estimators[COMPONENT]
        return Predictions(boolean, question, est.predict_proba(matrix), [str(c) for c in est.classes_])

    def save(self, folder: Path) -> None:
        import skops.io as sio

        folder.mkdir(parents=True, exist_ok=True)
        sio.dump(self.vectorizer, folder / f"{VECTORIZER}.skops", compression=ZIP_DEFLATED)
        for label, est in self.estimators.items():
            sio.dump(est, folder / f"{label}.skops", compression=ZIP_DEFLATED)
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
    loaded = {}
    for name in (VECTORIZER, *BOOLEAN_LABELS, QUESTION_LABEL, COMPONENT):
        path = folder / f"{name}.skops"
        if not path.exists():
            raise ModelNotFoundError(f"model file {path} is missing. Run `fqa train` to rebuild {folder}.")
        untrusted = sio.get_untrusted_types(file=path)
        if untrusted:
            raise ModelNotFoundError(f"{path} contains types that are not trusted for loading: {untrusted}")
        loaded[name] = sio.load(path)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    encoder_file = manifest.get("features", {}).get("label_encoder", {}).get("file")
    if encoder_file and not (folder / encoder_file).is_file():
        raise ModelNotFoundError(f"model file {folder / encoder_file} (the fine-tuned encoder layers the classifiers "
                                 f"read) is missing. Run `fqa train` to rebuild {folder}.")
    vectorizer = loaded.pop(VECTORIZER)
    return LabelModels(vectorizer, loaded, manifest)
