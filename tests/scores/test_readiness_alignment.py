"""Readiness checklist and document alignment scores on hand-made sentences (fast: no models)."""
import numpy as np

from analyzer.alignment import ComponentScores, RubricIndex, SIMILARITY
from analyzer.config import get_settings
from analyzer.rubrics import check_rubric_text
from analyzer.scores import score_alignment, score_readiness

from .helpers import make_sentences, same_topic

RUBRIC_YAML = """\
id: two
name: Two components
version: "1"
levels: [{value: 1, label: Low}, {value: 2, label: Mid}, {value: 3, label: High}]
domains:
  - id: d
    name: D
    components:
      - {id: q, name: Questioning, description: d, look_fors: [x], levels: {1: a, 2: b, 3: c}}
      - {id: r, name: Routines, description: d, look_fors: [x], levels: {1: a, 2: b, 3: c}}
"""


def test_readiness_finds_each_item_with_its_sentences():
    sentences = make_sentences([
        ("At 9:05, 20 of 22 students were writing.", "E"),
        ("Your directions were clear and students started right away.", "EJ"),
        ("The closing was rushed: 3 students shared.", "EJ"),
        ("Next time, save five minutes for the closing.", "R"),
        ("I can cover your class so you can visit Ms. Ortiz.", "R"),
        ("What did you notice about who shared?", "o"),
    ])
    r = score_readiness(sentences, same_topic(6), get_settings())
    items = {i.key: i for i in r.items}
    assert items["strengths_with_evidence"].sentences == [1]
    assert items["growth_with_evidence"].sentences == [2]
    assert items["reflective_questions"].sentences == [5]
    assert items["next_steps"].sentences == [3, 4]
    assert items["supports"].sentences == [4]
    assert r.met == r.total == 5 and all(i.missing is None for i in r.items)


def test_readiness_says_what_is_missing():
    sentences = make_sentences([("Great lesson!", "J"), ("Did you plan the exit ticket?", "c")])
    r = score_readiness(sentences, same_topic(2, 0.0), get_settings())
    assert r.met == 0
    for item in r.items:
        assert not item.met and item.missing


def _alignment(components, evidence_flags, level_sims, ratings, profile=None):
    rubric, problems = check_rubric_text(RUBRIC_YAML)
    assert not problems
    sentences = make_sentences(list(zip([f"s{i}" for i in range(len(components))], evidence_flags)))
    sentences = [s.model_copy(update={"component": c}) for s, c in zip(sentences, components)]
    # index: rows 0-2 are level descriptors 1..3 of q, 3-5 of r; sentence embeddings pick a level directly
    kinds = ["level:1", "level:2", "level:3"] * 2
    owner = np.array([0, 0, 0, 1, 1, 1])
    index = RubricIndex(rubric, ["a", "b", "c"] * 2, kinds, owner, np.eye(6))
    embeddings = np.array([np.eye(6)[k] for k in level_sims], dtype=float)
    scores = ComponentScores(SIMILARITY, np.zeros((len(sentences), 2)), np.zeros((len(sentences), 2), int),
                             components)
    return score_alignment(sentences, scores, index, embeddings, ratings, profile)


def test_alignment_coverage_and_consistent_rating():
    a, flags = _alignment(["q", "q", "r", None], ["EJ", "J", "J", ""], [2, 2, 3, 0], {"q": 3})
    assert a.focus_components == ["q"] and a.components_addressed == 2 and a.components_with_evidence == 1
    assert a.sentences_outside_focus == [2] and a.focus_without_evidence == [] and a.score == 100
    [check] = a.rating_checks
    assert check.status == "consistent" and check.supported_level > 2.9 and check.evidence_sentences == [0]
    assert flags == []


def test_rating_two_levels_above_the_evidence_is_flagged():
    a, flags = _alignment(["q", "q"], ["EJ", "E"], [0, 0], {"q": 3})
    [check] = a.rating_checks
    assert check.status == "gap" and check.supported_label == "Low" and check.gap > 1.9
    assert [f.kind.value for f in flags] == ["rating_gap"] and flags[0].sentence_index == 0


def test_extreme_rating_without_evidence_and_unaddressed_rating():
    a, flags = _alignment(["q", None], ["J", ""], [2, 0], {"q": 3, "r": 1})
    status = {c.component: c.status for c in a.rating_checks}
    assert status == {"q": "no_evidence", "r": "not_addressed"}
    assert a.focus_without_evidence == ["q", "r"] and a.score == 0
    assert [f.kind.value for f in flags] == ["rating_without_evidence"]


def test_profile_sets_the_focus_without_ratings():
    a, _ = _alignment(["q", "r"], ["E", "E"], [0, 3], {}, profile=None)
    assert a.focus_components == ["q", "r"] and a.sentences_outside_focus == []
