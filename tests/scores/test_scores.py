import pytest
from pydantic import ValidationError

from analyzer.config import OverallWeights, Settings
from analyzer.scores import score_actionability, score_evidence, score_overall, score_questions

from .helpers import make_sentences, same_topic

SETTINGS = Settings()


def test_judgment_next_to_evidence_on_same_topic_is_supported():
    s = make_sentences([("Students were engaged.", "J"), ("At 9:40, 18 of 24 were writing.", "E")])
    score, flags = score_evidence(s, same_topic(2), SETTINGS)
    assert (score.judgments, score.supported_judgments, score.unsupported_judgments) == (1, 1, 0)
    assert flags == []


def test_judgment_next_to_evidence_on_another_topic_is_unsupported():
    s = make_sentences([("Students were engaged.", "J"), ("The objective was posted.", "E")])
    score, flags = score_evidence(s, same_topic(2, value=0.05), SETTINGS)
    assert score.unsupported_judgments == 1
    assert [(f.kind.value, f.start, f.end) for f in flags] == [("unsupported_judgment", 0, 22)]
    assert "quote" in flags[0].suggestion


def test_judgment_two_sentences_away_is_outside_the_default_window():
    s = make_sentences([("Great lesson.", "J"), ("Thanks.", ""), ("At 9:40 six hands went up.", "E")])
    score, _ = score_evidence(s, same_topic(3), SETTINGS)
    assert score.unsupported_judgments == 1


def test_supported_judgment_in_one_sentence_and_headings_excluded():
    s = make_sentences([("Strengths:", ""), ("Students were engaged: 20 of 22 wrote.", "EJ")])
    score, flags = score_evidence(s, same_topic(2), SETTINGS)
    assert score.sentences == 1 and score.evidence_share == 1.0 and score.score == 100.0 and flags == []


def test_evidence_score_without_judgments_is_share_based():
    s = make_sentences([("At 9:40 six hands went up.", "E"), ("Thanks for having me.", ""), ("See you.", ""),
                        ("Bye.", "")])
    score, _ = score_evidence(s, same_topic(4), SETTINGS)
    assert score.evidence_share == 0.25 and score.score == 50.0


def test_question_counts_open_share_and_flags():
    s = make_sentences([("What did you notice?", "o"), ("Did you plan the exit ticket?", "c"),
                        ("Don't you think the groups were too big?", "Jl"), ("Nice.", "J")])
    score, flags = score_questions(s)
    assert (score.total, score.open, score.closed, score.leading) == (3, 1, 1, 1)
    assert score.open_share == pytest.approx(1 / 3, abs=1e-3)
    assert score.score == pytest.approx(100 * 1.5 / 3, abs=0.1)
    kinds = {f.kind.value: f for f in flags}
    assert set(kinds) == {"closed_question", "leading_question"}
    assert "How did you plan the exit ticket" in kinds["closed_question"].suggestion
    assert "What tells you whether the groups were too big?" in kinds["leading_question"].suggestion


def test_no_questions_scores_zero_with_no_share():
    score, flags = score_questions(make_sentences([("Nice lesson.", "J")]))
    assert score.score == 0 and score.open_share is None and flags == []


def test_next_steps_tied_and_untied():
    s = make_sentences([("Only 3 of 8 pairs started by 9:04.", "E"), ("Next time, give a time limit.", "R"),
                        ("Thanks.", ""), ("Bye.", ""), ("Also try cold-calling.", "R")])
    score, flags = score_actionability(s, same_topic(5), SETTINGS)
    assert (score.next_steps, score.tied_to_evidence) == (2, 1)
    assert score.score == pytest.approx(100 * (0.4 + 0.6 * 0.5))
    assert [f.sentence_index for f in flags] == [4]


def test_no_next_step_scores_zero():
    score, _ = score_actionability(make_sentences([("Great.", "J")]), same_topic(1), SETTINGS)
    assert score.score == 0 and score.next_steps == 0


def test_overall_is_the_documented_weighted_sum():
    s = make_sentences([("Students were engaged: 20 of 22 wrote.", "EJ"), ("What did you notice?", "o"),
                        ("Next time, try a timer.", "R")])
    sim = same_topic(3)
    ev, _ = score_evidence(s, sim, SETTINGS)
    q, _ = score_questions(s)
    act, _ = score_actionability(s, sim, SETTINGS)
    overall = score_overall(ev, q, act, OverallWeights())
    expected = 0.45 * ev.score + 0.30 * act.score + 0.25 * q.score
    assert overall.score == pytest.approx(expected, abs=0.05)
    assert [p.name for p in overall.parts] == ["evidence", "actionability", "questions"]


def test_weights_must_sum_to_one():
    with pytest.raises(ValidationError):
        OverallWeights(evidence=0.5, actionability=0.5, questions=0.5)
