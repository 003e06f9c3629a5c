"""The labeller as a spaCy component in a user's own pipeline (slow)."""
import pytest
import spacy

import analyzer.spacy_components  # noqa: F401  (registers the factory)
from analyzer import analyze
from analyzer.nlp import spacy_candidates

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def user_pipeline():
    for name in spacy_candidates():
        try:
            nlp = spacy.load(name)  # the full pipeline, parser included, as a user would load it
            break
        except OSError:
            continue
    nlp.add_pipe("fqa_labeller")
    return nlp


def test_component_sets_span_extensions(user_pipeline):
    text = "At 9:14 six hands went up. Students were engaged. Next time, try a timer. What did you notice?"
    doc = user_pipeline(text)
    spans = doc._.fqa_sentences
    assert [s.text for s in spans] == [s.text for s in analyze(text).sentences]
    assert spans[0]._.fqa_evidence is True
    assert spans[2]._.fqa_recommendation is True
    assert spans[3]._.fqa_question == "open"
    assert set(spans[0]._.fqa_probabilities) == {"evidence", "judgment", "recommendation", "question"}
    assert any(name == "clock_time" for name, _, _ in spans[0]._.fqa_cues)


def test_component_pipe_batches(user_pipeline):
    docs = list(user_pipeline.pipe(["Great job!", "Did you plan the exit ticket?"] * 3, batch_size=4))
    assert [d._.fqa_sentences[0]._.fqa_question for d in docs] == ["none", "closed"] * 3


def test_factory_declares_what_it_assigns(user_pipeline):
    meta = user_pipeline.get_pipe_meta("fqa_labeller")
    assert "span._.fqa_evidence" in meta.assigns and "token.tag" in meta.requires
