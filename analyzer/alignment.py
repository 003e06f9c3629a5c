"""Which rubric component each sentence speaks to.

Two methods, both over the sentence embeddings the labels already use (no second encoder pass):

- `similarity` (any rubric, zero-shot): cosine similarity of the sentence to the component's own
  texts (name and description, look-fors, level descriptors, and any example sentences the rubric
  file gives). A component's score is the mean of its two best-matching texts; the best text is
  returned as the explanation. A sentence is about none when it is closer to the shipped sentences
  about no component (`corpora/alignment/no_component.txt`: greetings, logistics, sign-offs) than to
  any component, or below `alignment_min_similarity` for every component.
- `trained` (rubrics the annotated corpus is labelled with, i.e. `fft-style`): the component
  classifier trained by `fqa train` on the corpus' component labels (with a "none" class), which
  beats similarity by a wide margin where labelled examples exist (see QUALITY.md). The matched
  rubric text is still given as the explanation.

Both read the document's layout too: a unit under a heading that names a component ("3b Questioning:",
"Component 2c", or the component's name followed by a colon) leans towards that component
(`section_components`, `HEADING_WEIGHT`), as reports written under rubric headings mostly stay on them.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import numpy as np

from . import nlp
from .config import get_settings
from .errors import ModelNotFoundError
from .labels import NONE_COMPONENT, Predictions
from .rubrics import Rubric

TOP_K = 3
SIMILARITY, TRAINED = "similarity", "trained"
NO_COMPONENT = -1
NO_COMPONENT_FILE = "alignment/no_component.txt"
# How far a component-naming heading moves the units under it. Trained: the classifier's probabilities are
# mixed with certainty on the heading's component, p' = (1 - w) p + w; similarity: w is added to that
# component's score. Chosen on the training corpus' dev split (trained: 0.4 from 0-0.7, top-1 0.534 -> 0.555;
# similarity: 0.2 from 0-0.3, zero-shot top-1 0.258 -> 0.314). 79% of the corpus' units under such a
# heading are about its component.
HEADING_WEIGHT = {TRAINED: 0.4, SIMILARITY: 0.2}
HEADING_MAX_WORDS = 12  # a longer unit that starts with an id is a sentence citing it, unless a colon follows
SECTION_END = re.compile(r"^[^.!?]{1,60}:$")  # a short heading line ("Next steps:") ends a component's section


@dataclass(frozen=True)
class RubricIndex:
    """Embeddings of every text of a rubric, with the component each belongs to."""

    rubric: Rubric
    texts: list[str]
    kinds: list[str]  # description | look_for | level:<value> | example
    owner: np.ndarray  # (t,) component position in rubric.components; NO_COMPONENT for texts about none
    embeddings: np.ndarray  # (t, d)


@dataclass(frozen=True)
class ComponentScores:
    """Per sentence: a score per rubric component (rubric order), the best text of each, the decision."""

    method: str
    scores: np.ndarray  # (n, c)
    best_text: np.ndarray  # (n, c) index into RubricIndex.texts
    component: list[str | None]


_indexes: dict[tuple[str, str], RubricIndex] = {}
_lock = threading.Lock()


def no_component_texts() -> list[str]:
    path = get_settings().corpora_dir / NO_COMPONENT_FILE
    if not path.exists():
        raise ModelNotFoundError(f"{path} is missing; set FQA_CORPORA_DIR to the project's corpora folder")
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def rubric_texts(rubric: Rubric, examples: dict[str, list[str]] | None = None) -> tuple[list[str], list[str], list[int]]:
    """Every text alignment compares sentences with; `examples` may add sentences per component id,
    and sentences about no component under the key NONE_COMPONENT."""
    texts, kinds, owner = [], [], []
    for text in [*no_component_texts(), *(examples or {}).get(NONE_COMPONENT, [])]:
        texts.append(text)
        kinds.append("none")
        owner.append(NO_COMPONENT)
    for i, c in enumerate(rubric.components):
        items = [(f"{c.name}: {c.description}", "description")]
        items += [(t, "look_for") for t in c.look_fors]
        items += [(t, f"level:{v}") for v, t in sorted(c.levels.items())]
        items += [(t, "example") for t in [*c.examples, *(examples or {}).get(c.id, [])]]
        for text, kind in items:
            texts.append(text)
            kinds.append(kind)
            owner.append(i)
    return texts, kinds, owner


def rubric_index(rubric: Rubric, examples: dict[str, list[str]] | None = None) -> RubricIndex:
    """The embedded texts of a rubric, computed once per rubric version (extra examples bypass the cache)."""
    key = (rubric.digest, nlp.embedding_model_name(), nlp.precision_in_use())
    if examples is None:
        with _lock:
            if key in _indexes:
                return _indexes[key]
    texts, kinds, owner = rubric_texts(rubric, examples)
    index = RubricIndex(rubric, texts, kinds, np.array(owner), nlp.embed(texts))
    if examples is None:
        with _lock:
            _indexes[key] = index
    return index


def similarity_scores(index: RubricIndex, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per sentence and component: mean of the two best text similarities, and the best text; per
    sentence the same score against the texts about no component."""
    n, c = len(embeddings), len(index.rubric.components)
    scores, best = np.zeros((n, c), dtype=np.float32), np.zeros((n, c), dtype=np.int64)
    if n == 0:
        return scores, best, np.zeros(0)
    sims = embeddings @ index.embeddings.T
    none = np.sort(sims[:, index.owner == NO_COMPONENT], axis=1)[:, -2:].mean(axis=1)
    for j in range(c):
        cols = np.flatnonzero(index.owner == j)
        sub = sims[:, cols]
        top = np.sort(sub, axis=1)[:, -2:]
        scores[:, j] = top.mean(axis=1)
        best[:, j] = cols[sub.argmax(axis=1)]
    return scores, best, none


def _heading_pattern(rubric: Rubric) -> re.Pattern[str]:
    names = sorted({*rubric.component_ids, *(c.name for c in rubric.components)}, key=len, reverse=True)
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(rf"^[\W_]*(?:(?:component|standard|indicator|element)\s*)?\(?({alternatives})\)?(?![\w-])"
                      rf"\s*(?P<colon>[:.\-–—]?)", re.I)


def section_components(documents: list[list[str]], rubric: Rubric) -> list[int | None]:
    """For each unit of each document (the units of one document in order), flattened: the position (in
    `rubric.components`) of the component named by the heading the unit sits under or starts with, else None."""
    pattern = _heading_pattern(rubric)
    position = {}
    for i, c in enumerate(rubric.components):
        position[c.id.lower()] = position[c.name.lower()] = i
    out: list[int | None] = []
    for units in documents:
        current: int | None = None
        for unit in units:
            text = unit.strip()
            m = pattern.match(text)
            if m and (len(text.split()) <= HEADING_MAX_WORDS or (m.group("colon") or "") == ":"):
                current = position[m.group(1).lower()]
            elif SECTION_END.match(text) and len(text.split()) <= 8:
                current = None
            out.append(current)
    return out


def with_headings(method: str, scores: np.ndarray, none: np.ndarray,
                  sections: list[int | None]) -> tuple[np.ndarray, np.ndarray]:
    """Component scores and none-scores (new arrays) after leaning each unit under a component heading
    towards that component."""
    weight = HEADING_WEIGHT[method]
    scores, none = scores.copy(), none.copy()
    for row, j in enumerate(sections):
        if j is None:
            continue
        if method == TRAINED:
            scores[row] *= 1 - weight
            none[row] *= 1 - weight
        scores[row, j] += weight
    return scores, none


def trained_applies(rubric: Rubric, classes: list[str]) -> bool:
    """The corpus classifier fits a rubric whose ids cover every component class it knows."""
    ids = {c.lower() for c in rubric.component_ids}
    known = [c for c in classes if c != NONE_COMPONENT]
    return bool(known) and all(k.lower() in ids for k in known)


def align(rubric: Rubric, embeddings: np.ndarray, predictions: Predictions | None = None,
          method: str | None = None, examples: dict[str, list[str]] | None = None,
          sections: list[int | None] | None = None) -> ComponentScores:
    """Component scores and decisions for each sentence.

    `method=None` uses the trained classifier when it applies to this rubric, similarity otherwise.
    `sections` (one entry per sentence, from `section_components`) leans sentences under a component
    heading towards it.
    """
    index = rubric_index(rubric, examples)
    sim, best, none_sim = similarity_scores(index, embeddings)
    classes = predictions.component_classes if predictions is not None else []
    use_trained = method == TRAINED or (method is None and predictions is not None and trained_applies(rubric, classes))
    if use_trained:
        if predictions is None or not trained_applies(rubric, classes):
            raise ValueError(f"no trained component classifier for rubric '{rubric.id}'")
        lower = {c.lower(): k for k, c in enumerate(classes)}
        probs = predictions.component
        scores = np.zeros_like(sim)
        for j, comp in enumerate(rubric.components):
            k = lower.get(comp.id.lower())
            if k is not None:
                scores[:, j] = probs[:, k]
        none = probs[:, lower[NONE_COMPONENT]] if NONE_COMPONENT in lower else np.zeros(len(scores))
        if sections is not None:
            scores, none = with_headings(TRAINED, scores, none, sections)
        decided = [None if len(scores[i]) == 0 or none[i] >= scores[i].max()
                   else rubric.components[int(scores[i].argmax())].id for i in range(len(scores))]
        return ComponentScores(TRAINED, scores, best, decided)
    if sections is not None:
        sim, none_sim = with_headings(SIMILARITY, sim, none_sim, sections)
    floor = get_settings().alignment_min_similarity
    decided = [None if sim[i].max() < max(floor, none_sim[i]) else rubric.components[int(sim[i].argmax())].id
               for i in range(len(sim))]
    return ComponentScores(SIMILARITY, sim, best, decided)


def top_components(result: ComponentScores, row: int, k: int = TOP_K) -> list[tuple[int, float, int]]:
    """(component position, score, best text index) of the k best components of one sentence."""
    order = np.argsort(-result.scores[row], kind="stable")[:k]
    return [(int(j), float(result.scores[row, j]), int(result.best_text[row, j])) for j in order]
