"""The `fqa` command line, through typer's runner and once as a real process (slow: real models)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app

pytestmark = pytest.mark.slow
runner = CliRunner()
SAMPLES = Path(__file__).resolve().parent.parent / "corpora" / "samples"


def test_analyze_json_from_stdin():
    result = runner.invoke(app, ["analyze", "--json", "-"], input="At 9:05 you modeled problem 2. Great job!")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["text"] for s in data["sentences"]] == ["At 9:05 you modeled problem 2.", "Great job!"]
    assert data["sentences"][0]["evidence"] is True


def test_analyze_report_marks_sentences():
    result = runner.invoke(app, ["analyze", str(SAMPLES / "glows-grows-grade8-science.txt")])
    assert result.exit_code == 0, result.output
    assert "EVID" in result.stdout and "overall" in result.stdout and "leading question" in result.stdout


def test_several_files_give_a_json_list():
    files = sorted(str(p) for p in SAMPLES.glob("*.txt"))
    result = runner.invoke(app, ["analyze", "--json", *files])
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == len(files)


@pytest.mark.parametrize("setup, args, message", [
    (None, ["analyze", "does-not-exist.txt"], "file not found"),
    ("empty", ["analyze", "{path}"], "empty"),
    ("cp1252", ["analyze", "{path}"], "not valid utf-8"),
    ("binary", ["analyze", "{path}"], "binary"),
    ("dir", ["analyze", "{dir}"], "folder"),
])
def test_bad_input_exits_1_with_a_clear_message(tmp_path, setup, args, message):
    path = tmp_path / "input.txt"
    content = {"empty": b"   \n", "cp1252": "Caf\u00e9 notes".encode("cp1252"), "binary": b"\x89PNG\x00\x00\x01"}
    if setup in content:
        path.write_bytes(content[setup])
    args = [a.format(path=path, dir=tmp_path) for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.stderr.lower()
    assert "Traceback" not in result.output


@pytest.mark.parametrize("layers", ["0", "7"])
def test_train_refuses_a_layer_count_the_encoder_cannot_take(tmp_path, layers):
    result = runner.invoke(app, ["train", "--layers", layers, "--models", str(tmp_path / "models")])
    assert result.exit_code == 1
    assert "choose 1 to 6" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "models").exists()  # refused before any work


def test_encoding_option_reads_legacy_files(tmp_path):
    path = tmp_path / "legacy.txt"
    path.write_bytes("At 9:05 the caf\u00e9 menu was used for the lesson.".encode("cp1252"))
    result = runner.invoke(app, ["analyze", "--json", "--encoding", "cp1252", str(path)])
    assert result.exit_code == 0
    assert "café" in json.loads(result.stdout)["sentences"][0]["text"]


def test_real_process_end_to_end():
    proc = subprocess.run([sys.executable, "-m", "analyzer.cli", "analyze", "--json", "-"],
                          input="Next time, try a visual timer.", capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["sentences"][0]["recommendation"] is True
    assert "Next time" not in proc.stderr  # feedback text never goes to the log stream


def test_analyze_with_rubric_and_ratings():
    result = runner.invoke(app, ["analyze", str(SAMPLES / "glows-grows-grade8-science.txt"), "--rubric", "fft-style",
                                 "--profile", "core-8", "--rating", "3b=4", "--rating", "3c=Effective", "--json"])
    assert result.exit_code == 0, result.output
    alignment = json.loads(result.stdout)["scores"]["alignment"]
    assert [c["component"] for c in alignment["rating_checks"]] == ["3b", "3c"]
    report = runner.invoke(app, ["analyze", str(SAMPLES / "glows-grows-grade8-science.txt"), "--rubric", "fft-style",
                                 "--rating", "3b=4"])
    assert "Alignment to fft-style" in report.stdout and "readiness" in report.stdout


@pytest.mark.parametrize("args, message", [
    (["--rating", "3b"], "not COMPONENT=LEVEL"),
    (["--rating", "3b=2"], "need a rubric"),
    (["--rubric", "fft-style", "--rating", "3b=2", "--rating", "3b=3"], "twice"),
    (["--rubric", "nope"], "unknown rubric"),
])
def test_analyze_rubric_errors(args, message):
    result = runner.invoke(app, ["analyze", "-", *args], input="At 9:05 you modeled problem 2.")
    assert result.exit_code == 1 and message in result.stderr, result.output


def test_rubrics_commands(tmp_path):
    listed = runner.invoke(app, ["rubrics", "list", "--json"])
    assert listed.exit_code == 0 and {r["id"] for r in json.loads(listed.stdout)} >= {"fft-style", "state-style"}
    shown = runner.invoke(app, ["rubrics", "show", "state-style", "--json"])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["id"] == "state-style"
    good = runner.invoke(app, ["rubrics", "validate", str(SAMPLES.parent / "rubrics")])
    assert good.exit_code == 0 and good.stdout.count("ok ") == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: X\nversion: '1'\nlevels: []\ndomains: []\n")
    result = runner.invoke(app, ["rubrics", "validate", str(bad)])
    assert result.exit_code == 1 and "line 4" in result.stderr and "levels" in result.stderr
    missing = runner.invoke(app, ["rubrics", "show", "nope"])
    assert missing.exit_code == 1 and "unknown rubric" in missing.stderr
