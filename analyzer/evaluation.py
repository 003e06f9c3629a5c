"""`fqa eval`: per-label precision/recall/F1 on the separately written test split, segmentation
agreement with its gold units, and figures on the external labelled sets in `../shared/eval/`
(read at run time, never copied, never trained on)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

import numpy as np

from . import nlp
from .config import get_settings
from .constants import BOOLEAN_LABELS, QUESTION_LABEL
from .corpus import GoldDocument, corpus_files, read_documents
from .alignment import SIMILARITY, TRAINED, align, rubric_index, section_components
from .features import featurize
from .labels import COMPONENT, NONE_COMPONENT, Predictions
from .metrics import binary_metrics, component_metrics, question_metrics
from .rubrics import get_rubric
from .segment import segment
from .training import CORPUS_RUBRIC, GoldMatrix, gold_matrix


@dataclass(frozen=True)
class ExternalSet:
    name: str
    label: str  # our label it tests
    positive: frozenset[str] = field(default_factory=frozenset)  # source labels counted as positive
    negative: frozenset[str] = field(default_factory=frozenset)
    note: str = ""


EXTERNAL_SETS = (
    ExternalSet("annomi_questions", QUESTION_LABEL, note="open vs closed on counselling questions"),
    ExternalSet("swda_questions", QUESTION_LABEL, note="open vs closed on telephone speech"),
    ExternalSet("talkmoves", QUESTION_LABEL, note="question detection uses the set's is_question field"),
    ExternalSet("disapere_evidence_judgment", "judgment", frozenset({"judgment"}), frozenset({"evidence"})),
    ExternalSet("subj_pang_lee", "judgment", frozenset({"judgment"}), frozenset({"evidence"})),
    ExternalSet("semeval2019_suggestions", "recommendation", frozenset({"recommendation"}), frozenset({"other"})),
    ExternalSet("disapere_recommendation", "recommendation", frozenset({"recommendation", "question_request"}),
                frozenset({"other"}), note="question_request counted as recommendation"),
    ExternalSet("revutil_actionability", "recommendation", frozenset({"recommendation"}), frozenset({"other"})),
)


def evaluate(limit: int | None = None, external: bool = True) -> dict:
    """The full evaluation report (a JSON-ready dict)."""
    settings = get_settings()
    docs = read_documents(corpus_files(settings.corpora_dir, "test"))
    report = {"models": nlp.get_label_models().version, "test": evaluate_documents(docs),
              "segmentation": segmentation_agreement(docs), "rating_levels": rating_level_agreement()}
    if external:
        report["external"] = evaluate_external(settings.eval_dir, limit)
    return report


def evaluate_documents(docs: list[GoldDocument]) -> dict:
    data = gold_matrix(docs)
    predictions = nlp.get_label_models().predict(data.features)
    threshold = get_settings().label_threshold
    out: dict = {"documents": len(docs), "sentences": len(data.doc_ids)}
    for label in BOOLEAN_LABELS:
        out[label] = binary_metrics(data.labels[label], predictions.boolean[label] >= threshold)
    out[QUESTION_LABEL] = question_metrics(list(data.labels[QUESTION_LABEL]), predictions.question_types())
    out[COMPONENT] = component_alignment(data, predictions)
    return out


def component_alignment(data: GoldMatrix, predictions: Predictions) -> dict:
    """Alignment to the corpus rubric: the trained classifier (also without the heading prior); zero-shot
    similarity to the rubric's own texts; similarity with the training corpus' labelled sentences added as
    examples."""
    rubric = get_rubric(CORPUS_RUBRIC)
    gold = [None if c == NONE_COMPONENT else str(c) for c in data.labels[COMPONENT]]
    train = read_documents(corpus_files(get_settings().corpora_dir, "train"))
    examples: dict[str, list[str]] = {}
    for d in train:
        for s in d.sentences:
            examples.setdefault(s.component or NONE_COMPONENT, []).append(d.text[s.start:s.end])
    sections = document_sections(data, rubric)
    embeddings = data.features.embeddings
    ways = {"trained": align(rubric, embeddings, predictions, method=TRAINED, sections=sections),
            "zero_shot": align(rubric, embeddings, method=SIMILARITY, sections=sections),
            "similarity_with_examples": align(rubric, embeddings, method=SIMILARITY, examples=examples,
                                              sections=sections),
            "trained_without_headings": align(rubric, embeddings, predictions, method=TRAINED)}
    out = {"rubric": rubric.id}
    for name, result in ways.items():
        ids = rubric.component_ids
        ranked = [[ids[j] for j in np.argsort(-row, kind="stable")] for row in result.scores]
        out[name] = component_metrics(gold, ranked, result.component)
    return out


def document_sections(data: GoldMatrix, rubric) -> list[int | None]:
    """`alignment.section_components` of every document in the matrix (its rows are grouped by document)."""
    rows = zip(data.doc_ids, data.features.texts)
    return section_components([[text for _, text in group] for _, group in groupby(rows, key=lambda r: r[0])],
                              rubric)


def rating_level_agreement() -> dict:
    """How well the level the feedback's sentences read as (scores.alignment) matches the level that
    passages in `corpora/annotated/levels/` were written to show (fft-style, 4 levels)."""
    from scipy.stats import spearmanr

    from .pipeline import analyze_many
    from .scores.alignment import GAP_TO_FLAG, sentence_levels

    path = get_settings().corpora_dir / "annotated" / "levels" / "levels.jsonl"
    if not path.exists():
        return {"status": "missing", "path": str(path)}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rubric = get_rubric(CORPUS_RUBRIC)
    index = rubric_index(rubric)
    estimated = []
    for row, result in zip(rows, analyze_many([r["text"] for r in rows])):
        telling = [s.text for s in result.sentences if (s.evidence or s.judgment) and s.question == "none"]
        levels = sentence_levels(index, rubric.component_ids.index(row["component"]),
                                 nlp.embed(telling or [s.text for s in result.sentences]))
        estimated.append(float(levels.mean()))
    est, gold = np.array(estimated), np.array([r["level"] for r in rows])
    nearest = np.clip(np.round(est), min(rubric.level_values), max(rubric.level_values))
    return {"passages": len(rows), "spearman": round(float(spearmanr(est, gold)[0]), 4),
            "exact": round(float(np.mean(nearest == gold)), 4),
            "within_one": round(float(np.mean(np.abs(nearest - gold) <= 1)), 4),
            "false_gap_rate": round(float(np.mean(np.abs(nearest - gold) >= GAP_TO_FLAG)), 4)}


def segmentation_agreement(docs: list[GoldDocument]) -> dict:
    """How often the segmenter's units match the gold units exactly (by start and end offsets)."""
    gold_units = {(d.id, s.start, s.end) for d in docs for s in d.sentences}
    ours = {(d.id, u.start, u.end) for d in docs for u in segment(d.text)}
    both = len(gold_units & ours)
    precision, recall = both / max(len(ours), 1), both / max(len(gold_units), 1)
    f1 = 2 * precision * recall / (precision + recall) if both else 0.0
    return {"gold_units": len(gold_units), "predicted_units": len(ours), "exact_matches": both,
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _read_rows(path: Path, limit: int | None) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("label") != "ambiguous" and str(row.get("text", "")).strip():
                rows.append(row)
    if limit and len(rows) > limit:
        idx = np.random.default_rng(0).choice(len(rows), size=limit, replace=False)
        rows = [rows[i] for i in sorted(idx)]
    return rows


def evaluate_external(eval_dir: Path, limit: int | None = None) -> dict:
    """Figures on each external set found in `eval_dir` (missing sets are reported as missing)."""
    results = {}
    for spec in EXTERNAL_SETS:
        path = eval_dir / spec.name / "eval.jsonl"
        if not path.exists():
            results[spec.name] = {"status": "missing", "path": str(path)}
            continue
        rows = _read_rows(path, limit)
        texts = [r["text"].strip() for r in rows]
        features = featurize(texts, [[(0, len(t))] for t in texts])
        predictions = nlp.get_label_models().predict(features)
        if spec.label == QUESTION_LABEL:
            result = _question_set(rows, predictions.question_types())
        else:
            gold = np.array([r["label"] in spec.positive for r in rows])
            keep = np.array([r["label"] in spec.positive | spec.negative for r in rows])
            predicted = predictions.boolean[spec.label] >= get_settings().label_threshold
            result = binary_metrics(gold[keep], predicted[keep])
        results[spec.name] = {"label": spec.label, "rows": len(rows), "note": spec.note, **result}
    return results


def _question_set(rows: list[dict], predicted: list[str]) -> dict:
    """Detection rate on gold questions, then open/closed accuracy and macro-F1 on detected ones.
    A predicted `leading` question counts as closed (leading questions are closed in form)."""
    gold_type = {"open_question": "open", "closed_question": "closed"}
    typed = [(gold_type[r["label"]], p) for r, p in zip(rows, predicted) if r["label"] in gold_type]
    detected = [(g, "closed" if p == "leading" else p) for g, p in typed if p != "none"]
    out: dict = {"gold_questions": len(typed), "detection_rate": round(len(detected) / max(len(typed), 1), 4)}
    if detected:
        from sklearn.metrics import accuracy_score, f1_score

        g, p = zip(*detected)
        out["open_closed_accuracy"] = round(float(accuracy_score(g, p)), 4)
        out["open_closed_macro_f1"] = round(float(f1_score(g, p, labels=["open", "closed"], average="macro",
                                                           zero_division=0)), 4)
    if rows and "is_question" in rows[0]:
        gold = np.array([bool(r.get("is_question")) for r in rows])
        out["detection"] = binary_metrics(gold, np.array([p != "none" for p in predicted]))
    return out
