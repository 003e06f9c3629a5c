"""`compare` and `fqa compare` end to end with the real models (slow), and the calibration records'
bad inputs (fast where no model is needed)."""
import csv
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from analyzer.calibration_html import render_calibration_html
from analyzer.cli import app
from analyzer.compare import CompareError, compare
from analyzer.compare_input import read_records

SAMPLE = Path(__file__).resolve().parent.parent / "corpora" / "samples" / "calibration.jsonl"
runner = CliRunner()

A = ("At 9:05 you asked, \"Why do you think the ice melted faster in the metal tray?\" and 14 of 24 students "
     "wrote an answer before sharing. Students were engaged. Next time, ask a second student to build on the first.")
B = ("Great energy! You asked \"Why did the ice melt faster in the metal tray?\" and many hands went up. "
     "I counted 3 students who answered all the questions.")
C = "Nice lesson. The class was well managed and the room was calm. Keep it up."


def records():
    return [
        {"observation_id": "o1", "evaluator_id": "ev-a", "rubric": "fft-style", "ratings": {"3b": 3, "2d": 3}, "text": A},
        {"observation_id": "o1", "evaluator_id": "ev-b", "rubric": "fft-style", "ratings": {"3b": 2, "2d": 4}, "text": B},
        {"observation_id": "o1", "evaluator_id": "ev-c", "rubric": "fft-style", "ratings": {"3b": 4, "2d": 4}, "text": C},
        {"observation_id": "o1", "evaluator_id": "anchor", "rubric": "fft-style", "anchor": True,
         "ratings": {"3b": 2, "2d": 3}},
        {"observation_id": "o2", "evaluator_id": "ev-a", "rubric": "fft-style", "ratings": {"3b": 3}, "text": A},
        {"observation_id": "o2", "evaluator_id": "ev-b", "rubric": "fft-style", "ratings": {"3b": 3}, "text": C},
    ]


@pytest.mark.parametrize("change, message", [
    (lambda rs: rs[:1], "only one evaluator (ev-a)"),
    (lambda rs: rs + [dict(rs[0])], "o1/ev-a: duplicate (observation, evaluator) pair"),
    (lambda rs: [dict(rs[0], rubric="state-style")] + rs[1:], "mixed rubrics: o1"),
    (lambda rs: [dict(rs[0], ratings={"3b": 7})] + rs[1:], "o1/ev-a: rating '7' for component 3b"),
    (lambda rs: [dict(rs[0], ratings={"9z": 2})] + rs[1:], "o1/ev-a: rubric 'fft-style' has no component '9z'"),
    (lambda rs: [dict(rs[0], text="  ")] + rs[1:], "o1/ev-a: no feedback text"),
    (lambda rs: [dict(rs[0], rubric="nope")] + rs[1:], "mixed rubrics"),
    (lambda rs: [{k: v for k, v in rs[0].items() if k != "observation_id"}] + rs[1:], "record 1: observation_id"),
    (lambda rs: rs + [dict(rs[3], evaluator_id="master")], "o1: more than one anchor"),
    (lambda rs: [], "no records"),
])
def test_bad_records_are_refused_with_every_problem_named(change, message):
    with pytest.raises(CompareError, match=message.replace("(", r"\(").replace(")", r"\)")):
        compare(change(records()))


def test_several_problems_are_listed_together():
    rs = records()
    rs[0]["ratings"] = {"3b": 9}
    rs[5]["text"] = ""
    with pytest.raises(CompareError) as exc:
        compare(rs)
    assert "problems" in str(exc.value) and "o1/ev-a" in str(exc.value) and "o2/ev-b" in str(exc.value)


@pytest.mark.slow
def test_compare_lays_out_ratings_evidence_and_discussion():
    report = compare(records())
    o1 = report.observations[0]
    assert o1.evaluators == ["ev-a", "ev-b", "ev-c"]
    b3 = next(c for c in o1.components if c.component == "3b")
    assert b3.ratings == {"ev-a": 3, "ev-b": 2, "ev-c": 4} and b3.anchor == 2 and b3.reference_kind == "anchor"
    assert b3.deviations == {"ev-a": 1, "ev-b": 0, "ev-c": 2} and b3.spread == 2
    assert b3.exact_agreement == 0 and b3.adjacent_agreement == pytest.approx(2 / 3, abs=1e-3)
    shared = [g for g in b3.evidence_groups if g.shared]
    assert shared and set(shared[0].evaluators) == {"ev-a", "ev-b"}  # the same quoted question
    points = {p.component: p for p in o1.discussion_points}
    assert "3b" in points and "ratings differ by 2 levels" in points["3b"].reasons[0]
    assert "no evidence cited for the rating by ev-c" in "; ".join(points["3b"].reasons)
    assert points["3b"].question.endswith("?") and points["3b"].evidence["ev-c"] == []
    assert [s.evaluator for s in o1.scores] == ["ev-a", "ev-b", "ev-c"]
    o2 = report.observations[1]
    assert o2.components[0].reference_kind == "consensus median" and o2.components[0].reference == 3
    assert report.agreement.alpha.units == 3
    assert {p.kappa.status for p in report.agreement.pairwise_kappa} == {"not_enough_data"}
    json.dumps(report.to_dict())  # JSON-safe, no NaN


@pytest.mark.slow
def test_html_report_renders_its_sections():
    report = compare(records())
    soup = BeautifulSoup(render_calibration_html(report), "html.parser")
    assert soup.title.text.startswith("Calibration report")
    sections = soup.select("section.observation")
    assert [s["data-observation"] for s in sections] == ["o1", "o2"]
    grid = sections[0].select_one("table.grid")
    assert [th.text for th in grid.select("thead th")][1:] == ["2d", "3b"]
    cells = {tr.th.text: [td.text for td in tr.select("td")] for tr in grid.select("tbody tr")}
    assert cells["ev-c"] == ["4", "4"] and "dev-2" in grid.select("tbody tr")[2].select("td")[1]["class"]
    assert sections[0].select("div.point[data-component='3b']")
    assert soup.select_one("#agreement") and "Krippendorff" in soup.select_one("#agreement").text
    assert not soup.select("script") and not soup.select("link[href^=http]")


def test_csv_long_and_wide_read_the_same(tmp_path):
    long_path, wide_path = tmp_path / "long.csv", tmp_path / "wide.csv"
    with long_path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Observation", "Rater", "Rubric", "Component", "Level", "Feedback"])
        w.writerow(["o1", "ev-a", "fft-style", "3b", "3", A])
        w.writerow(["o1", "ev-a", "fft-style", "2d", "3", ""])
        w.writerow(["o1", "ev-b", "fft-style", "3b", "Developing", B])
    with wide_path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["observation_id", "evaluator_id", "rubric", "text", "school", "3b", "rating_2d"])
        w.writerow(["o1", "ev-a", "fft-style", A, "North", "3", "3"])
        w.writerow(["o1", "ev-b", "fft-style", B, "North", "Developing", ""])
    long, wide = read_records(long_path), read_records(wide_path)
    assert long == wide
    assert long[0]["ratings"] == {"3b": "3", "2d": "3"} and long[1]["ratings"] == {"3b": "Developing"}


@pytest.mark.parametrize("content, message", [
    ("evaluator,rubric,3b\nev-a,fft-style,3\n", "missing column(s) observation_id; columns found: evaluator, rubric, 3b"),
    ("observation_id,evaluator_id,rubric,text\no1,ev-a,fft-style,hi\n", "no ratings"),
    ("observation_id,evaluator_id,rubric,3b\no1,ev-a,fft-style,3\no1,ev-a,fft-style,2\n", "already appeared on line 2"),
    ("observation_id,evaluator_id,rubric,3b\n", "no data rows"),
])
def test_csv_errors_name_the_problem(tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_text(content)
    with pytest.raises(CompareError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_records(path)


def test_json_errors_name_the_line(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"observation_id": "o1"}\n{oops\n')
    with pytest.raises(CompareError, match="line 2: not valid JSON"):
        read_records(path)
    with pytest.raises(CompareError, match="unknown file type '.txt'"):
        (tmp_path / "x.txt").write_text("x")
        read_records(tmp_path / "x.txt")


@pytest.mark.slow
def test_cli_compare_on_the_bundled_sample(tmp_path):
    html = tmp_path / "report.html"
    result = runner.invoke(app, ["compare", str(SAMPLE), "--json", "--html", str(html)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["observations"]) >= 5 and data["agreement"]["alpha"]["status"] == "ok"
    assert any(o["discussion_points"] for o in data["observations"])
    assert BeautifulSoup(html.read_text(), "html.parser").select("section.observation")
    view = runner.invoke(app, ["compare", str(SAMPLE)])
    assert view.exit_code == 0 and "Krippendorff" in view.stdout and "Severity" in view.stdout


def test_cli_compare_bad_input_exits_1(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(records()[0]) + "\n")
    result = runner.invoke(app, ["compare", str(path)])
    assert result.exit_code == 1 and "only one evaluator" in result.stderr
