"""The batch report (summary.json, scores.parquet, report.html), teacher prep and name redaction."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from analyzer.batch import BatchInputError
from analyzer.batch_report import group_rows, write_report
from analyzer.batch_runner import run_batch
from analyzer.prep import ComponentHistory, PrepSentence, suggest_questions
from analyzer.redact import PLACEHOLDER, Redactor
from analyzer.rubrics import get_rubric_by_id
from analyzer.svg_charts import bar_chart, histogram, level_lines

HEADER = ["record_id", "observation_id", "evaluator_id", "teacher_id", "teacher_name", "school", "date", "rubric",
          "feedback", "3b", "3c", "2d"]
# (record, observation, evaluator, teacher, teacher name, school, date, text, 3b, 3c, 2d)
RECORDS = [
    ("r01", "o1", "E1", "T1", "Dana Whitlock", "North", "2025-09-15",
     "Ms. Whitlock opened with a question on the board: 'Why do leaves change colour?' Jaylen said, 'Because it gets "
     "cold!' 14 of 22 students wrote a prediction by 9:10. The discussion was great. Next step: ask two students to "
     "build on Jaylen's idea. What did you notice about who answered?", "2", "3", "3"),
    ("r02", "o1", "E2", "T1", "Dana Whitlock", "North", "2025-09-15",
     "Great lesson, very engaging. Students were respectful. Keep it up!", "4", "4", "4"),
    ("r03", "o1", "E3", "T1", "Dana Whitlock", "North", "2025-09-15",
     "At 9:05 Ms. Whitlock asked, 'What happens to the sap?' Only 3 students answered; Priyanka answered twice. "
     "Consider using a turn-and-talk before calling on anyone. How might you hear from more voices?", "2", "2", "3"),
    ("r04", "o2", "E1", "T2", "Omar Haddad", "South", "2025-10-02",
     "Mr. Haddad's class was calm. Transitions took 4 minutes at 10:20. Amazing energy. Did you plan the groups?",
     "3", "3", "2"),
    ("r05", "o2", "E2", "T2", "Omar Haddad", "South", "2025-10-02",
     "Students were engaged and the teacher was clearly prepared. Wonderful rapport.", "3", "4", "4"),
    ("r06", "o3", "E1", "T1", "Dana Whitlock", "North", "2026-01-20",
     "Dana, checking for understanding was a clear strength: the exit ticket showed 18 of 22 students could explain "
     "photosynthesis in their own words. Keanu "
     "explained it to his table using the diagram. Try sorting tomorrow's groups by the exit ticket. What will you "
     "do with the four who did not get there?", "3", "3", "3"),
    ("r07", "o4", "E2", "T1", "Dana Whitlock", "North", "2026-03-11",
     "Wonderful classroom. Very effective questioning throughout.", "4", "", ""),
    ("r08", "o5", "E3", "T2", "Omar Haddad", "South", "2026-04-02", "", "3", "3", "3"),
    ("r09", "o6", "E3", "T2", "Omar Haddad", "South", "2026-04-20",
     "Omar asked, 'Who can show a different way?' and Xiomara came to the board. 9 of 25 raised a hand. Next time "
     "give think time first.", "9", "", ""),
]


def write_export(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for r in RECORDS:
            w.writerow([*r[:7], "fft-style", *r[7:]])


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    write_export(folder / "export.csv")
    run_batch(folder / "export.csv", folder / "out", teachers=["T1"])
    return folder / "out"


# ---- fast unit tests -------------------------------------------------------------------------------------------

def test_bar_chart_carries_its_data_and_escapes_labels():
    svg = BeautifulSoup(bar_chart("x", "Title <b>", [("E<1>", 0.5), ("E2", None)], maximum=1, digits=2),
                        "html.parser")
    assert svg.svg["data-chart"] == "x" and svg.title.text == "Title <b>"
    points = {p["data-label"]: p["data-value"] for p in svg.select(".datum")}
    assert points == {"E<1>": "0.50", "E2": ""}
    assert "<b>" not in str(svg.title)


def test_histogram_and_level_lines_have_one_datum_per_value():
    svg = BeautifulSoup(histogram("h", "t", ["0–10", "10–20"], [3, 0]), "html.parser")
    assert [p["data-value"] for p in svg.select(".datum")] == ["3", "0"]
    lines = BeautifulSoup(level_lines("l", "t", ["d1", "d2", "d3"], {"3b": [2, None, 3], "3c": [1, 2, 2]},
                                      [1, 2, 3, 4]), "html.parser")
    assert len(lines.select(".datum")) == 5 and len(lines.select("polyline")) == 2


def _row(**kw):
    base = dict(evaluator="E1", school="S", overall=50.0, evidence_share=0.5, unsupported_judgments=0,
                alignment=None, questions=0, open_questions=0, leading_questions=0, next_steps=0,
                steps_tied_to_evidence=0, actionability=40.0, readiness_met=2)
    return base | kw


def test_group_rows_means_and_shares():
    rows = [_row(overall=40.0, unsupported_judgments=2, questions=2, open_questions=1, next_steps=2,
                 steps_tied_to_evidence=1),
            _row(overall=60.0, alignment=50.0, questions=2, open_questions=2),
            _row(evaluator=None, overall=90.0)]
    by = {g.key: g for g in group_rows(rows, "evaluator")}
    e1 = by["E1"]
    assert e1.records == 2 and e1.overall == 50.0 and e1.unsupported_per_record == 1.0
    assert e1.records_with_unsupported == 0.5 and e1.open_share == 0.75 and e1.steps_tied_share == 0.5
    assert e1.alignment == 50.0  # only records with a rubric count
    assert by["(not given)"].open_share is None and by["(not given)"].steps_tied_share is None


def test_suggested_questions_follow_the_year():
    rubric = get_rubric_by_id("fft-style")
    low = ComponentHistory(component="3b", name="Questioning and discussion", ratings=[], first=2, latest=2, mean=2,
                           trend="steady", addressed=3, with_evidence=2, rated_without_evidence=1)
    up = ComponentHistory(component="3c", name="Engagement", ratings=[], first=2, latest=4, mean=3, trend="up",
                          addressed=2, with_evidence=2, rated_without_evidence=0)
    growth = [PrepSentence(record_id="r1", date="2025-10-01", evaluator="E1", component="3b",
                           text="Only 3 students answered all period.")]
    strengths = [PrepSentence(record_id="r2", date="2026-02-01", evaluator="E1", component="3c",
                              text="Every pair had a role card.")]
    questions = suggest_questions([low, up], strengths, growth, rubric)
    text = " ".join(q.question for q in questions)
    assert "Only 3 students answered all period." in questions[0].question and questions[0].component == "3b"
    assert "moved from Developing to Exemplary" in text
    assert "rated 1 time(s) without a described moment" in text
    assert questions[-1].component == "3c" and "help with questioning" in questions[-1].question
    assert all(q.question.endswith("?") for q in questions)


def test_redactor_rules_without_the_recogniser():
    r = Redactor(known=frozenset({"Whitlock"}), use_ner=False)
    text = ("Ms. Whitlock asked Jaylen to read. Xiomara said, 'Got it!' Will you try it, Ms Odunsi? "
            "\"Sit down, Bartholomew.\" The Students said it was fun. Mr. Okafor's class. Will it rain? "
            "Destiny went first.")
    names = r.find_names(text)
    assert {"Whitlock", "Jaylen", "Xiomara", "Odunsi", "Bartholomew", "Okafor", "Destiny"} <= names
    assert not names & {"Will", "Students", "The", "Got"}
    out = r.redact(text, names)
    assert "Ms. [name] asked [name] to read" in out and "Mr. [name]'s class" in out and "Will you" in out
    assert r.pseudonym("teacher", "T-3006") == "T-3006"
    assert r.pseudonym("teacher", "Dana Whitlock") == Redactor(salt="").pseudonym("teacher", "Dana Whitlock")
    assert "Whitlock" not in r.pseudonym("teacher", "Dana Whitlock")


def test_report_needs_a_results_folder(tmp_path):
    with pytest.raises(BatchInputError, match="holds no batch results"):
        write_report(tmp_path)


# ---- with the real models --------------------------------------------------------------------------------------

@pytest.mark.slow
def test_summary_counts_groups_and_calibration(batch_out):
    s = json.loads((batch_out / "summary.json").read_text())
    assert s["records_in"] == 9 == s["results"] + s["errors"] and s["invariant_holds"]
    assert s["overview"]["error_kinds"] == {"empty_text": 1, "bad_rating": 1}
    assert [g["key"] for g in s["by_evaluator"]] == ["E1", "E2", "E3"]
    assert {g["key"]: g["records"] for g in s["by_school"]} == {"North": 5, "South": 2}
    assert s["overview"]["shared_observations"] == 2
    cal = s["calibration"][0]
    assert cal["rubric"] == "fft-style" and cal["shared_observations"] == 2
    divergent = {(d["observation_id"], d["component"]): d for d in cal["divergent"]}
    assert divergent[("o1", "3b")]["ratings"] == {"E1": 2, "E2": 4, "E3": 2}
    assert set(divergent[("o1", "3b")]["evidence"]) == {"E1", "E2", "E3"}
    patterns = {p["pattern"]: p for p in s["patterns"]}
    assert sum(p["count"] for p in s["patterns"]) > 0 and all(len(p["examples"]) <= 3 for p in s["patterns"])
    assert any("wonderful" in k for k in patterns)


@pytest.mark.slow
def test_scores_parquet_matches_csv(batch_out):
    csv_rows = pd.read_csv(batch_out / "scores.csv")
    parquet = pd.read_parquet(batch_out / "scores.parquet")
    assert list(parquet.columns) == list(csv_rows.columns) and len(parquet) == len(csv_rows) == 7
    assert parquet["overall"].dtype.kind == "f" and parquet["record_id"].tolist() == csv_rows["record_id"].tolist()
    assert parquet["overall"].tolist() == pytest.approx(csv_rows["overall"].tolist())


@pytest.mark.slow
def test_report_html_sections_tables_and_charts(batch_out):
    summary = json.loads((batch_out / "summary.json").read_text())
    soup = BeautifulSoup((batch_out / "report.html").read_text(), "html.parser")
    assert not soup.find_all("script") and not soup.select("link[href], img[src^=http]")
    for section in ("overview", "evaluators", "schools", "distributions", "patterns", "calibration", "teachers"):
        assert soup.find(id=section) is not None, section
    rows = soup.select('table.groups[data-group="evaluator"] tbody tr')
    assert [r["data-key"] for r in rows] == ["E1", "E2", "E3"]
    chart = soup.select_one('svg[data-chart="evaluator-overall"]')
    values = {p["data-label"]: float(p["data-value"]) for p in chart.select(".datum")}
    assert values == pytest.approx({g["key"]: g["overall"] for g in summary["by_evaluator"]}, abs=0.05)
    overall = soup.select_one('svg[data-chart="overall"]')
    assert sum(int(p["data-value"]) for p in overall.select(".datum")) == summary["results"]
    assert soup.select_one("#calibration table.divergent") is not None
    teacher = soup.select_one('section.teacher[data-teacher="T1"]')
    assert teacher is not None and teacher.select_one('svg[data-chart="teacher-T1-ratings"]') is not None


@pytest.mark.slow
def test_prep_for_a_teacher_from_results_and_from_the_export(batch_out, tmp_path):
    from typer.testing import CliRunner

    from analyzer.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["prep", str(batch_out), "--teacher", "T1", "--json"])
    assert res.exit_code == 0, res.output
    prep = json.loads(res.stdout)
    assert [r["record_id"] for r in prep["records"]] == ["r01", "r02", "r03", "r06", "r07"]  # date order
    b3 = next(c for c in prep["components"] if c["component"] == "3b")
    assert [p["value"] for p in b3["ratings"]] == [2, 4, 2, 3, 4] and b3["rated_without_evidence"] >= 1
    assert prep["suggested_questions"] and prep["strengths"]
    direct = runner.invoke(app, ["prep", str(batch_out.parent / "export.csv"), "--teacher", "T1", "--json",
                                 "--html", str(tmp_path / "prep.html")])
    assert direct.exit_code == 0, direct.output
    assert json.loads(direct.stdout)["components"] == prep["components"]
    page = BeautifulSoup((tmp_path / "prep.html").read_text(), "html.parser")
    assert page.select_one("ol.questions li") is not None and not page.find_all("script")
    unknown = runner.invoke(app, ["prep", str(batch_out), "--teacher", "T9"])
    assert unknown.exit_code == 1 and "no results for teacher 'T9'" in unknown.stderr


@pytest.mark.slow
def test_report_rebuilds_from_the_folder_alone(batch_out, tmp_path):
    import shutil

    from typer.testing import CliRunner

    from analyzer.cli import app

    copy = tmp_path / "copy"
    shutil.copytree(batch_out, copy)
    (copy / "report.html").unlink()
    res = CliRunner().invoke(app, ["report", str(copy), "--teachers", "all"])
    assert res.exit_code == 0, res.output
    soup = BeautifulSoup((copy / "report.html").read_text(), "html.parser")
    assert {s["data-teacher"] for s in soup.select("section.teacher")} == {"T1", "T2"}
    before = json.loads((batch_out / "summary.json").read_text())
    after = json.loads((copy / "summary.json").read_text())
    assert after["by_evaluator"] == before["by_evaluator"] and after["run"] == before["run"]
    bad = CliRunner().invoke(app, ["report", str(copy), "--teachers", "T404"])
    assert bad.exit_code == 1 and "no results for teacher(s) T404" in bad.stderr


NAMES = ["Whitlock", "Dana", "Jaylen", "Priyanka", "Haddad", "Omar", "Keanu", "Xiomara"]


@pytest.mark.slow
def test_redact_leaves_no_name_in_any_output(tmp_path):
    write_export(tmp_path / "export.csv")
    run_batch(tmp_path / "export.csv", tmp_path / "out", teachers=["T1"], redact=True)
    outputs = {p.name: (p.read_text(encoding="utf-8") if p.suffix != ".parquet" else
                        pd.read_parquet(p).to_csv()) for p in (tmp_path / "out").iterdir()}
    assert set(outputs) >= {"results.jsonl", "errors.jsonl", "scores.csv", "scores.parquet", "summary.json",
                            "report.html"}
    for name, text in outputs.items():
        left = [n for n in NAMES if re.search(rf"\b{n}\b", text)]
        assert not left, f"{name} still holds {left}"
    results = [json.loads(x) for x in outputs["results.jsonl"].splitlines()]
    assert PLACEHOLDER in results[0]["analysis"]["sentences"][0]["text"]
    assert results[0]["teacher"] == "T1"  # ids are not names and stay
