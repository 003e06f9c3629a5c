"""The sentence labelling as a spaCy pipeline component, for spaCy users' own pipelines.

    import spacy, analyzer.spacy_components  # registers the factory
    nlp = spacy.load("en_core_web_sm")
    nlp.add_pipe("fqa_labeller")
    doc = nlp("At 9:14 six hands went up. Next time, try a timer.")
    [(s.text, s._.fqa_evidence, s._.fqa_question) for s in doc._.fqa_sentences]

The component needs token tags and lemmas (any English pipeline with a tagger and lemmatizer); it
uses the same segmenter, cues, embeddings and trained classifiers as `analyzer.analyze`.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from spacy.language import Language
from spacy.tokens import Doc, Span

from . import nlp as models
from .config import get_settings
from .constants import BOOLEAN_LABELS, QUESTION_TYPES
from .features import featurize_docs
from .labels import Predictions
from .segment import segment

SPAN_EXTENSIONS = ("fqa_evidence", "fqa_judgment", "fqa_recommendation", "fqa_question", "fqa_probabilities",
                   "fqa_cues")


def _register_extensions() -> None:
    if not Doc.has_extension("fqa_sentences"):
        Doc.set_extension("fqa_sentences", default=None)
    for name in SPAN_EXTENSIONS:
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)


class FeedbackLabeller:
    """Segments each doc into feedback sentences and labels them (predict, then set_annotations)."""

    def __init__(self, batch_size: int = 64) -> None:
        _register_extensions()
        self.batch_size = batch_size

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        size = batch_size or self.batch_size
        iterator = iter(docs)
        while batch := list(islice(iterator, size)):
            ranges = [[(u.start, u.end) for u in segment(d.text)] for d in batch]
            features = featurize_docs(batch, ranges)
            self.set_annotations(batch, ranges, features.cues, models.get_label_models().predict(features))
            yield from batch

    @staticmethod
    def set_annotations(docs: list[Doc], ranges: list[list[tuple[int, int]]], cues: list, p: Predictions) -> None:
        threshold = get_settings().label_threshold
        types = p.question_types()
        row = 0
        for doc, doc_ranges in zip(docs, ranges):
            spans = []
            for start, end in doc_ranges:
                span = doc.char_span(start, end, alignment_mode="expand")
                for label in BOOLEAN_LABELS:
                    span._.set(f"fqa_{label}", bool(p.boolean[label][row] >= threshold))
                span._.fqa_question = types[row]
                span._.fqa_probabilities = {
                    **{label: float(p.boolean[label][row]) for label in BOOLEAN_LABELS},
                    "question": {q: float(p.question[row, j]) for j, q in enumerate(QUESTION_TYPES)},
                }
                span._.fqa_cues = [(c.name, c.start, c.end) for c in cues[row]]
                spans.append(span)
                row += 1
            doc._.fqa_sentences = spans


@Language.factory(
    "fqa_labeller",
    default_config={"batch_size": 64},
    requires=["token.tag", "token.lemma"],
    assigns=["doc._.fqa_sentences", *(f"span._.{n}" for n in SPAN_EXTENSIONS)],
)
def make_feedback_labeller(nlp: Language, name: str, batch_size: int) -> FeedbackLabeller:
    return FeedbackLabeller(batch_size=batch_size)
