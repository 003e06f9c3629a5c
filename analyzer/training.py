"""`fqa train`: rebuild the sentence classifiers in `models/` from the annotated corpus.

Deterministic: the dev split is chosen by a hash of each document id, the estimators are seeded,
and the hyper-parameter grid is fixed. The regularisation strength of each label is picked on the
dev split; the saved model is then refit on train + dev.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import nlp
from .config import get_settings
from .constants import BOOLEAN_LABELS, QUESTION_LABEL, QUESTION_TYPES
from .corpus import GoldDocument, corpus_files, read_documents
from .cues import CUE_NAMES
from .encoder import TOP_FILE, save_top
from .finetune import Examples, FineTuneConfig, fine_tune
from .lexicons import lexicon_files
from .features import SentenceFeatures, featurize
from .labels import COMPONENT, NONE_COMPONENT, LabelModels, design_matrix, make_classifier, make_vectorizer
from .metrics import binary_metrics, component_metrics, question_metrics

DEV_PERCENT = 15
C_GRID = (0.3, 1.0, 3.0, 10.0)
MODEL_VERSION_PREFIX = "fqa-labels"
CORPUS_RUBRIC = "fft-style"  # the rubric whose component ids label the annotated corpus


@dataclass(frozen=True)
class GoldMatrix:
    features: SentenceFeatures
    labels: dict[str, np.ndarray]  # label -> (n,) gold values
    doc_ids: list[str]  # document id of each row


def is_dev(doc_id: str) -> bool:
    return int(hashlib.sha1(doc_id.encode("utf-8")).hexdigest(), 16) % 100 < DEV_PERCENT


def gold_matrix(docs: list[GoldDocument]) -> GoldMatrix:
    features = featurize([d.text for d in docs], [[(s.start, s.end) for s in d.sentences] for d in docs])
    rows = [s for d in docs for s in d.sentences]
    labels = {label: np.array([getattr(s, label) for s in rows], dtype=bool) for label in BOOLEAN_LABELS}
    labels[QUESTION_LABEL] = np.array([s.question for s in rows])
    labels[COMPONENT] = np.array([s.component or NONE_COMPONENT for s in rows])
    return GoldMatrix(features, labels, [d.id for d in docs for _ in d.sentences])


def _score(label: str, gold: np.ndarray, est, X) -> dict:
    if label == QUESTION_LABEL:
        return question_metrics(list(gold), list(est.predict(X)))
    if label == COMPONENT:
        return component_scores(gold, est.predict_proba(X), [str(c) for c in est.classes_])
    return binary_metrics(gold, est.predict(X))


def component_scores(gold: np.ndarray, probs: np.ndarray, classes: list[str]) -> dict:
    """Component metrics from class probabilities (NONE_COMPONENT is 'about no component')."""
    parts = [k for k, c in enumerate(classes) if c != NONE_COMPONENT]
    ranked = [[classes[parts[j]] for j in np.argsort(-row[parts], kind="stable")] for row in probs]
    decided = [None if classes[k] == NONE_COMPONENT else classes[k] for k in probs.argmax(axis=1)]
    as_none = [None if g == NONE_COMPONENT else str(g) for g in gold]
    return component_metrics(as_none, ranked, decided)


def _headline(label: str, metrics: dict) -> float:
    if label == COMPONENT:
        return metrics["accuracy"]
    return metrics["macro_f1_question_types"] if label == QUESTION_LABEL else metrics["f1"]


def fine_tune_examples(docs: list[GoldDocument]) -> Examples:
    rows = [(d.text[s.start:s.end], s) for d in docs for s in d.sentences]
    return Examples(texts=[t for t, _ in rows],
                    boolean=np.array([[getattr(s, label) for label in BOOLEAN_LABELS] for _, s in rows], dtype=float),
                    question=np.array([QUESTION_TYPES.index(s.question) for _, s in rows]),
                    component=[s.component or NONE_COMPONENT for _, s in rows])


def train(corpora_dir: Path | None = None, models_dir: Path | None = None,
          fine_tune_config: FineTuneConfig = FineTuneConfig()) -> dict:
    """Fine-tune the encoder's top layers, then train, select, refit and save every classifier; return the
    training report (also in the manifest)."""
    settings = get_settings()
    corpora_dir = corpora_dir or settings.corpora_dir
    models_dir = models_dir or settings.models_dir
    files = corpus_files(corpora_dir, "train")
    docs = read_documents(files)
    tuning_docs = [d for d in docs if not is_dev(d.id)]  # the dev split stays unseen for choosing C below
    examples = fine_tune_examples(tuning_docs)
    with nlp.float32_encoder():  # the same features, so the same models, on every CPU
        top = fine_tune(nlp.get_embedder(), examples, fine_tune_config)
        with nlp.label_layers(top):
            data = gold_matrix(docs)
    dev_mask = np.array([is_dev(i) for i in data.doc_ids])
    train_part, dev_part = data.features.rows(~dev_mask), data.features.rows(dev_mask)
    selection_vectorizer = make_vectorizer().fit(train_part.texts)
    X_train, X_dev = design_matrix(selection_vectorizer, train_part), design_matrix(selection_vectorizer, dev_part)
    vectorizer = make_vectorizer().fit(data.features.texts)
    X = design_matrix(vectorizer, data.features)
    estimators, report = {}, {}
    for label in (*BOOLEAN_LABELS, QUESTION_LABEL, COMPONENT):
        y = data.labels[label]
        trials = []
        for c in C_GRID:
            est = make_classifier(c, balanced=label != COMPONENT).fit(X_train, y[~dev_mask])
            trials.append((c, _score(label, y[dev_mask], est, X_dev)))
        best_c, best_metrics = max(trials, key=lambda t: (_headline(label, t[1]), -t[0]))
        estimators[label] = make_classifier(best_c, balanced=label != COMPONENT).fit(X, y)
        report[label] = {"C": best_c, "dev": best_metrics, "classes": [str(c) for c in estimators[label].classes_],
                         "grid": {str(c): round(_headline(label, m), 4) for c, m in trials}}
    report[COMPONENT]["rubric"] = CORPUS_RUBRIC
    manifest = {
        "version": f"{MODEL_VERSION_PREFIX}-{_inputs_digest(files, fine_tune_config)}",
        "trained_at": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "data": {
            "files": [str(f.relative_to(corpora_dir)) for f in files],
            "documents": len(docs),
            "sentences": len(data.features),
            "dev_documents": int(sum(is_dev(d.id) for d in docs)),
            "dev_sentences": int(dev_mask.sum()),
        },
        "features": {
            "embedding_model": nlp.embedding_model_name(),
            "embedding_dimensions": int(data.features.embeddings.shape[1]),
            "cues": list(CUE_NAMES),
            "ngrams": len(vectorizer.vocabulary_),
            "spacy_model": nlp.spacy_model_name(),
            "label_encoder": {"file": TOP_FILE, "layers": fine_tune_config.layers, "epochs": fine_tune_config.epochs,
                              "sentences": len(examples.texts),
                              "data": "training split without its dev documents"},
        },
        "labels": report,
    }
    models = LabelModels(vectorizer, estimators, manifest)
    models.save(models_dir)
    save_top(top, models_dir / TOP_FILE)
    _write_cards(models_dir, manifest)
    nlp.reset_label_models()
    return manifest


def _inputs_digest(files: list[Path], fine_tune_config: FineTuneConfig) -> str:
    """Digest of everything that shapes the models: corpus, the lexicons the cues read, cue names, grid,
    fine-tuning settings."""
    h = hashlib.sha1()
    for f in [*files, *lexicon_files()]:
        h.update(f.read_bytes())
    h.update("|".join(CUE_NAMES).encode())
    h.update(repr(C_GRID).encode())
    h.update(f"{COMPONENT}:{CORPUS_RUBRIC}".encode())
    h.update(repr(fine_tune_config).encode())
    return h.hexdigest()[:10]


def _write_cards(models_dir: Path, manifest: dict) -> None:
    for label, info in manifest["labels"].items():
        dev = info["dev"]
        if label == COMPONENT:
            metrics = (f"| top-1 | top-3 | none-detection F1 | accuracy (incl. none) | sentences |\n"
                       f"|---|---|---|---|---|\n| **{dev['top1']:.3f}** | {dev['top3']:.3f} | {dev['none']['f1']:.3f} | "
                       f"{dev['accuracy']:.3f} | {dev['n']} |\n\nTop-1/top-3 over the {dev['with_component']} dev "
                       "sentences about a component.")
            kind = (f"one class per component of the `{info['rubric']}` rubric ({len(info['classes']) - 1} seen in "
                    "training) plus `none`, multinomial logistic regression without class weights")
        elif label == QUESTION_LABEL:
            rows = "\n".join(f"| {q} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |"
                             for q, m in dev["per_type"].items())
            metrics = (f"Macro-F1 over open/closed/leading: **{dev['macro_f1_question_types']:.3f}**; "
                       f"accuracy {dev['accuracy']:.3f} on {dev['n']} dev sentences.\n\n"
                       f"| type | precision | recall | F1 | support |\n|---|---|---|---|---|\n{rows}")
            kind = "four classes (none, open, closed, leading), multinomial logistic regression, class-balanced weights"
        else:
            metrics = (f"| precision | recall | F1 | positives | sentences |\n|---|---|---|---|---|\n"
                       f"| {dev['precision']:.3f} | {dev['recall']:.3f} | **{dev['f1']:.3f}** | {dev['support']} | "
                       f"{dev['n']} |")
            kind = "binary logistic regression, class-balanced weights"
        card = f"""# Model card: `{label}` sentence classifier

- **Version**: {manifest['version']} (trained {manifest['trained_at']} by `fqa train`)
- **Task**: the `{label}` label of the DESIGN.md annotation guide; {kind}.
- **Features**: {manifest['features']['embedding_dimensions']}-dimensional label embedding (mean-pooled output
  of {manifest['features']['embedding_model']} whose top {manifest['features']['label_encoder']['layers']} layers
  were fine-tuned by `fqa train` for {manifest['features']['label_encoder']['epochs']} epochs on
  {manifest['features']['label_encoder']['sentences']} sentences of the training split without its dev documents,
  one multi-task head for all labels; saved as `{manifest['features']['label_encoder']['file']}`), plus {len(manifest['features']['cues'])} binary linguistic cues
  from the {manifest['features']['spacy_model']} tagger and lexicons ({', '.join(manifest['features']['cues'])}),
  plus TF-IDF of {manifest['features']['ngrams']} word uni-/bigrams (shared `vectorizer.skops`);
  L2-regularised logistic regression with C = {info['C']} (chosen on the dev split
  from {', '.join(info['grid'])}: dev scores {', '.join(f'{v:.3f}' for v in info['grid'].values())}).
- **Data**: {manifest['data']['documents']} hand-written feedback documents, {manifest['data']['sentences']}
  sentences (`corpora/annotated/train/`); dev split = {manifest['data']['dev_documents']} documents
  ({manifest['data']['dev_sentences']} sentences) chosen by a hash of the document id. The saved model is refit
  on train + dev.
- **Format**: `{label}.skops` (skops, loaded with no untrusted types; never pickle).

## Dev-split metrics (model fit on the train part only)
{metrics}

Test-split and external figures: run `fqa eval` (the test split was written separately and is never
used for training or selection). The corpus is written by this project; real feedback differs, so
treat these figures as an upper bound.
"""
        (models_dir / f"{label}.card.md").write_text(card, encoding="utf-8")
