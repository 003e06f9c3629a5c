"""The heading prior of rubric alignment: which units sit under a component-naming heading, and how far it moves them."""
import numpy as np
import pytest

from analyzer.alignment import HEADING_WEIGHT, SIMILARITY, TRAINED, section_components, with_headings
from analyzer.rubrics import get_rubric


@pytest.fixture(scope="module")
def fft():
    return get_rubric("fft-style")


def _names(rubric, positions):
    return [None if j is None else rubric.components[j].id for j in positions]


def test_units_under_a_component_heading_take_it_until_the_next_heading(fft):
    units = ["Observation of Ms. Cole, grade 4", "3b Questioning:", "You asked why the ice melted.",
             "Six students answered.", "Component 2c", "Transitions took four minutes.", "Next steps:",
             "Try a timer."]
    assert _names(fft, section_components([units], fft)) == [None, "3b", "3b", "3b", "2c", "2c", None, None]


def test_each_document_starts_outside_any_section(fft):
    assert _names(fft, section_components([["3b Questioning:", "You asked why."], ["You asked how."]], fft)) == \
        ["3b", "3b", None]


def test_inline_headings_names_and_citations(fft):
    name = fft.components[fft.component_ids.index("3d")].name
    units = ["(1e) Planning: the lesson built from the warm-up to the lab.",  # heading and sentence in one unit
             f"{name}:", "Whiteboards went up at 10:05.",
             "3a was the weaker area this time because the directions for the lab changed twice and no one knew "
             "which version to follow."]  # a long sentence that starts with an id, no colon: not a heading
    assert _names(fft, section_components([units], fft)) == ["1e", "3d", "3d", "3d"]


def test_ids_inside_words_or_other_numbers_are_not_headings(fft):
    units = ["3bd rooms were open.", "2cm of rain fell.", "In 3b the kids worked."]
    assert section_components([units], fft) == [None, None, None]


def test_trained_probabilities_mix_with_the_heading_and_stay_a_distribution():
    scores = np.array([[0.6, 0.1, 0.1], [0.2, 0.2, 0.2]])
    none = np.array([0.2, 0.4])
    out, out_none = with_headings(TRAINED, scores, none, [2, None])
    w = HEADING_WEIGHT[TRAINED]
    assert np.allclose(out[0], [0.6 * (1 - w), 0.1 * (1 - w), 0.1 * (1 - w) + w])
    assert np.isclose(out[0].sum() + out_none[0], 1.0)
    assert np.array_equal(out[1], scores[1]) and out_none[1] == none[1]  # no heading: untouched
    assert np.array_equal(scores[0], [0.6, 0.1, 0.1])  # inputs are not modified


def test_similarity_scores_get_a_bonus():
    scores = np.array([[0.40, 0.35]])
    out, out_none = with_headings(SIMILARITY, scores, np.array([0.3]), [1])
    assert np.allclose(out, [[0.40, 0.35 + HEADING_WEIGHT[SIMILARITY]]]) and out_none[0] == 0.3
