"""Rubric files: the shipped ones, every validation error with its line and key path, lookup, ratings."""

import pytest

from analyzer.config import get_settings
from analyzer.rubrics import (RubricError, available_rubrics, check_rubric_text, get_rubric, load_rubric_file,
                              resolve_ratings)

GOOD = """\
id: tiny
name: Tiny rubric
version: "0.1"
levels:
  - value: 1
    label: Low
  - value: 2
    label: High
domains:
  - id: d1
    name: Teaching
    components:
      - id: c1
        name: Questions
        description: How the teacher asks questions.
        look_fors: [teacher asks why]
        levels: {1: only yes/no questions, 2: students explain their thinking}
      - id: c2
        name: Routines
        description: How the room runs.
        look_fors: [materials ready]
        levels: {1: time lost, 2: smooth transitions}
profiles:
  - id: p1
    name: Questions only
    components: [c1]
"""


def problems(text: str) -> list[tuple[str, int | None, str]]:
    rubric, found = check_rubric_text(text)
    assert (rubric is None) == bool(found)
    return [(p.path, p.line, p.message) for p in found]


def test_shipped_rubrics_are_complete():
    fft, state = get_rubric("fft-style"), get_rubric("state-style")
    assert len(fft.domains) == 4 and len(fft.components) == 22 and fft.level_values == [1, 2, 3, 4]
    assert fft.profile("core-8").components == ["1a", "1e", "2a", "2d", "3b", "3c", "3d", "4e"]
    assert state.level_values == [1, 2, 3, 4, 5] and len(state.components) >= 12
    for rubric in (fft, state):
        for c in rubric.components:
            assert sorted(c.levels) == rubric.level_values and c.look_fors and c.description


def test_a_good_rubric_has_no_problems():
    assert problems(GOOD) == []


@pytest.mark.parametrize("old, new, path, line, message", [
    ("      - id: c2", "      - id: c1", "domains[0].components[1].id", 18, "duplicate component id 'c1'"),
    ("{1: time lost, 2: smooth transitions}", "{1: time lost}", "domains[0].components[1].levels", 22,
     "missing level descriptor for level 2 (High)"),
    ("{1: time lost, 2: smooth transitions}", "{1: a, 2: b, 3: c}", "domains[0].components[1].levels.3", 22,
     "unknown level 3"),
    ("        name: Routines", "        name: Routines\n        colour: red", "domains[0].components[1].colour", 20,
     "unknown key 'colour'"),
    ("    components: [c1]", "    components: [c1, c9]", "profiles[0].components[1]", 26, "unknown component 'c9'"),
    ("  - value: 2\n", "  - value: 1\n", "levels[1].value", 7, "must increase"),
    ("        description: How the room runs.\n", "", "domains[0].components[1].description", 18,
     "required key 'description' is missing"),
    ("name: Tiny rubric", "name: Tiny rubric\nname: Other", "name", 3, "duplicate key 'name'"),
])
def test_each_problem_names_path_line_and_fix(old, new, path, line, message):
    assert old in GOOD
    found = problems(GOOD.replace(old, new, 1))
    assert any(p == path and ln == line and message in m for p, ln, m in found), found


def test_yaml_syntax_errors_give_the_line():
    [(path, line, message)] = problems(GOOD.replace("levels:\n  - value: 1", "levels:\n  - value: [1", 1))
    assert line is not None and "not valid YAML" in message


def test_load_rubric_file_lists_every_problem(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text(GOOD.replace("{1: time lost, 2: smooth transitions}", "{1: x}").replace("[c1]", "[zz]"))
    with pytest.raises(RubricError) as exc:
        load_rubric_file(f)
    text = str(exc.value)
    assert "2 problems" in text and f"{f}, line 22" in text and f"{f}, line 26" in text and "unknown component 'zz'" in text


def test_unreadable_files_are_clear(tmp_path):
    f = tmp_path / "latin1.yaml"
    f.write_bytes(GOOD.replace("Tiny", "T\xe9").encode("latin-1"))
    with pytest.raises(RubricError, match="not UTF-8"):
        load_rubric_file(f)
    with pytest.raises(RubricError, match="rubric file not found"):
        get_rubric(tmp_path / "missing.yaml")


def test_lookup_by_id_path_and_rubric_path(tmp_path, monkeypatch):
    f = tmp_path / "tiny.yaml"
    f.write_text(GOOD)
    assert get_rubric(str(f)).id == "tiny"
    with pytest.raises(RubricError, match="unknown rubric 'tiny'; available: fft-style, state-style"):
        get_rubric("tiny")
    monkeypatch.setenv("FQA_RUBRIC_PATH", str(tmp_path))
    get_settings.cache_clear()
    try:
        assert get_rubric("TINY").id == "tiny"
        assert set(available_rubrics()) == {"fft-style", "state-style", "tiny"}
        (tmp_path / "again.yml").write_text(GOOD)
        with pytest.raises(RubricError, match="defined twice"):
            available_rubrics()
        monkeypatch.setenv("FQA_RUBRIC_PATH", str(tmp_path / "nowhere"))
        get_settings.cache_clear()
        with pytest.raises(RubricError, match="does not exist"):
            available_rubrics()
    finally:
        monkeypatch.delenv("FQA_RUBRIC_PATH")
        get_settings.cache_clear()


def test_ratings_by_value_or_label_and_their_errors():
    rubric = get_rubric("fft-style")
    assert resolve_ratings(rubric, {"3B": 2, "3c": "effective", "2d": "4"}) == {"3b": 2, "3c": 3, "2d": 4}
    with pytest.raises(RubricError, match="no component '9z'.*1a, 1b"):
        resolve_ratings(rubric, {"9z": 2})
    with pytest.raises(RubricError, match="rating '7' for component 3b is not a level.*1 \\(Ineffective\\)"):
        resolve_ratings(rubric, {"3b": 7})
    with pytest.raises(RubricError, match="not in profile 'core-8'"):
        resolve_ratings(rubric, {"4a": 2}, profile="core-8")
    with pytest.raises(RubricError, match="no profile 'nope'.*core-8"):
        resolve_ratings(rubric, {"3b": 2}, profile="nope")
