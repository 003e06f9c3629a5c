"""`fqa batch` and `process_batch` (slow: real models): formats, bad rows, the counts invariant,
deterministic output with workers, resume after a kill."""
import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from analyzer.batch import BatchInputError, detect_columns, process_batch
from analyzer.batch_runner import run_batch

GOOD = ["At 9:05 you modeled problem 2 on the document camera. Next time, ask a student to explain it.",
        "Students were engaged: 20 of 22 were writing at 10:15. What did you notice about the back table?",
        "Great rapport. Did you plan the exit ticket?"]
HEADER = ["record_id", "feedback", "Evaluator", "school", "rubric", "3b", "rating_2d"]


def rows(n: int) -> list[list[str]]:
    out = []
    for i in range(n):
        out.append([f"r{i:04d}", GOOD[i % 3], f"E{i % 2}", "North", "fft-style", str(1 + i % 4), ""])
    out[5][1] = ""                      # empty text
    out[9][1] = "<div></div>"           # markup only
    out[12][0] = out[3][0]              # duplicate id
    out[15][5] = "7"                    # rating outside the rubric
    out[18][4] = "unknown-rubric"       # unknown rubric
    return out


def write_csv(path: Path, data, delimiter=","):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(HEADER)
        w.writerows(data)


def start_batch_until_first_chunk(path: Path, out: Path, output) -> subprocess.Popen:
    """`fqa batch` in its own process, returned once it has recorded its first chunk (progress.json)."""
    # Ctrl-C handling as in a terminal, even when the suite itself runs in the background (where a shell
    # starts commands with SIGINT ignored, and the child would inherit that).
    proc = subprocess.Popen([sys.executable, "-m", "analyzer.cli", "batch", str(path), "--out", str(out)],
                            stdout=output, stderr=output, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while time.time() < deadline and not (out / "progress.json").exists():
        time.sleep(0.2)
    return proc


def test_required_columns_checked_before_any_work():
    with pytest.raises(BatchInputError, match="missing required column.*text.*columns found: record_id, school"):
        detect_columns(["record_id", "school"])
    cols = detect_columns(HEADER, rubric="fft-style")
    assert cols.fields["text"] == "feedback" and cols.fields["evaluator"] == "Evaluator"
    assert cols.ratings == {"3b": "3b", "2d": "rating_2d"}


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".xlsx", ".parquet"])
def test_each_format_keeps_the_invariant(tmp_path, suffix):
    data = rows(24)
    path = tmp_path / f"export{suffix}"
    if suffix == ".jsonl":
        path.write_text("".join(json.dumps(dict(zip(HEADER, r))) + "\n" for r in data), encoding="utf-8")
    elif suffix in (".xlsx", ".parquet"):
        frame = pd.DataFrame(data, columns=HEADER)
        frame["3b"] = pd.to_numeric(frame["3b"])  # spreadsheets hold numbers, not text
        frame.to_excel(path, index=False) if suffix == ".xlsx" else frame.to_parquet(path, index=False)
    else:
        write_csv(path, data, "\t" if suffix == ".tsv" else ",")
    summary = run_batch(path, tmp_path / "out")
    results = [json.loads(x) for x in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    errors = [json.loads(x) for x in (tmp_path / "out" / "errors.jsonl").read_text().splitlines()]
    assert summary.records_in == 24 == len(results) + len(errors)
    reasons = {e["row"]: e["reason"] for e in errors}
    assert set(reasons) == {6, 10, 13, 16, 19}
    assert "empty feedback" in reasons[6] and "duplicate record id 'r0003'" in reasons[13]
    assert "rating '7'" in reasons[16] and "unknown rubric 'unknown-rubric'" in reasons[19]
    assert [r["row"] for r in results] == sorted(r["row"] for r in results)
    assert results[0]["evaluator"] == "E0" and results[0]["ratings"] == {"3b": 1}
    assert results[0]["analysis"]["scores"]["alignment"]["rubric"] == "fft-style"
    table = pd.read_csv(tmp_path / "out" / "scores.csv")
    assert len(table) == len(results) and "unsupported_judgments" in table.columns
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["invariant_holds"] is True


@pytest.mark.slow
def test_workers_give_identical_outputs(tmp_path):
    path = tmp_path / "export.csv"
    write_csv(path, rows(150))
    run_batch(path, tmp_path / "one")
    run_batch(path, tmp_path / "two", workers=2)
    for name in ("results.jsonl", "errors.jsonl", "scores.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


@pytest.mark.slow
def test_resume_after_a_kill_neither_loses_nor_duplicates(tmp_path):
    path = tmp_path / "export.csv"
    write_csv(path, rows(400))
    out = tmp_path / "out"
    proc = start_batch_until_first_chunk(path, out, subprocess.DEVNULL)
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = json.loads((out / "progress.json").read_text())["rows"]
    assert 0 < done < 400, "the kill came too late to test resuming"
    summary = run_batch(path, out, resume=True)
    assert summary.resumed_from_row == done and summary.records_in == 400
    results = [json.loads(x)["record_id"] for x in (out / "results.jsonl").read_text().splitlines()]
    errors = [json.loads(x)["row"] for x in (out / "errors.jsonl").read_text().splitlines()]
    assert len(results) == len(set(results)) and len(results) + len(errors) == 400
    fresh = tmp_path / "fresh"
    run_batch(path, fresh)
    assert (fresh / "results.jsonl").read_bytes() == (out / "results.jsonl").read_bytes()


def test_process_batch_alone_on_a_dataframe_without_models_for_bad_rows():
    frame = pd.DataFrame([["a", ""], ["a", "   "], ["", "x"]], columns=["record_id", "text"])
    results, errors = process_batch(frame, detect_columns(["record_id", "text"]))
    assert results == [] and [e["reason"] for e in errors] == ["empty feedback text", "duplicate record id 'a' "
                                                                "(an earlier row has it)", "empty record id"]


def test_existing_run_needs_resume(tmp_path):
    path = tmp_path / "export.csv"
    write_csv(path, [])
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "results.jsonl").write_text("")
    with pytest.raises(BatchInputError, match="already holds a run"):
        run_batch(path, tmp_path / "out")


@pytest.mark.slow
def test_cli_on_the_bundled_export_redacted(tmp_path):
    """The README's sample: counts, the deliberately bad rows, and no listed person name in any output."""
    from typer.testing import CliRunner

    from analyzer.cli import app

    samples = Path(__file__).resolve().parent.parent / "corpora" / "samples"
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["batch", str(samples / "district-export.csv"), "--out", str(out), "--redact",
                                      "--teachers", "T-2001"])
    assert result.exit_code == 0, result.output
    assert "310 records in = 294 results + 16 errors" in result.stdout
    errors = {e["record_id"]: e["kind"] for e in map(json.loads, (out / "errors.jsonl").read_text().splitlines())}
    assert {k: errors[k] for k in ("B-0012", "A-0028", "A-0048", "A-0120", "A-0076")} == {
        "B-0012": "empty_text", "A-0028": "empty_text", "A-0048": "empty_text", "A-0120": "unknown_rubric",
        "A-0076": "bad_rating"}
    assert errors[None] == "empty_record_id" and list(errors.values()).count("duplicate_record_id") == 2
    # Every name the writers listed (name columns and feedback text) must be gone from every output.
    table = pd.read_csv(samples / "district-export.csv", dtype=str, keep_default_na=False)
    column_names = {p for c in ("teacher_name", "evaluator_name") for v in table[c] for p in v.split()}
    listed = {n for n in (samples / "district-export-names.txt").read_text(encoding="utf-8").splitlines()
              if n and not n.startswith("#")} | column_names
    pattern = re.compile(r"(?<![\w'’-])(" + "|".join(re.escape(n) for n in sorted(listed, key=len, reverse=True))
                         + r")(?![\w-])")
    assert len(pattern.findall("\n".join(table["feedback"]))) > 1000
    for path in out.iterdir():
        text = pd.read_parquet(path).to_csv() if path.suffix == ".parquet" else path.read_text(encoding="utf-8")
        left = sorted(set(pattern.findall(text)))
        assert not left, f"{path.name} still holds {left}"
    missing = CliRunner().invoke(app, ["batch", str(samples / "district-export.csv"), "--out", str(tmp_path / "o2"),
                                       "--text-column", "nope"])
    assert missing.exit_code == 1 and "columns found: record_id, observation_id" in missing.stderr


@pytest.mark.parametrize("name, content, message", [
    ("x.xlsx", b"not a zip", "cannot read it as xlsx"),
    ("x.parquet", b"PAR1garbage", "cannot read it as parquet"),
    ("x.csv", b"", "the file is empty"),
    ("x.csv", "record_id,feedback\nr1,caf\xe9\n".encode("latin-1"), "not utf-8"),
    ("x.xml", b"<a/>", "unknown file type"),
])
def test_unreadable_inputs_are_clear(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BatchInputError, match=message):
        run_batch(path, tmp_path / "out")


@pytest.mark.slow
def test_long_form_ratings_across_chunk_boundaries(tmp_path, monkeypatch):
    import analyzer.batch_input
    import analyzer.batch_runner as runner

    monkeypatch.setattr(analyzer.batch_input, "CHUNK_ROWS", 4)  # records of three rows straddle chunks
    rows = [["record_id", "feedback", "component", "rating", "evaluator"]]
    for i in range(5):
        for component, value in (("3b", "2"), ("3c", str(1 + i % 4)), ("2d", "")):
            rows.append([f"L{i}", GOOD[0] if component == "3b" or i % 2 else "", component, value, "E1"])
    rows += [["L3", GOOD[0], "3b", "2", "E1"],                                        # not consecutive: duplicate
             ["L8", GOOD[1], "3b", "2", "E1"], ["L8", GOOD[2], "3c", "4", "E1"],      # two texts
             ["L9", GOOD[1], "3b", "2", "E1"], ["L9", GOOD[1], "3b", "3", "E1"],      # rated twice
             ["L10", GOOD[1], "3b", "9", "E1"]]                                        # not a level
    path = tmp_path / "long.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    summary = runner.run_batch(path, tmp_path / "out", rubric="fft-style")
    assert (summary.records_in, summary.results, summary.errors) == (9, 5, 4)
    results = [json.loads(x) for x in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert [(r["record_id"], r["row"], r["ratings"]) for r in results] == [
        (f"L{i}", 1 + 3 * i, {"3b": 2, "3c": 1 + i % 4}) for i in range(5)]
    errors = {e["record_id"]: e for e in map(json.loads, (tmp_path / "out" / "errors.jsonl").read_text().splitlines())}
    assert [errors[k]["kind"] for k in ("L3", "L8", "L9", "L10")] == [
        "duplicate_record_id", "conflicting_rows", "conflicting_rows", "bad_rating"]
    assert "different feedback texts" in errors["L8"]["reason"] and "rated twice (2, 3)" in errors["L9"]["reason"]


def test_column_options_are_named_in_errors():
    with pytest.raises(BatchInputError, match=r"name them with --id-column\); columns found: a, b"):
        detect_columns(["a", "b"])
    with pytest.raises(BatchInputError, match="--observation-column 'zz' is not a column of the input"):
        detect_columns(["record_id", "text"], {"observation_id": "zz"})
    with pytest.raises(BatchInputError, match="need both --component-column and --rating-column"):
        detect_columns(["id", "text", "crit"], {"component": "crit"})
    cols = detect_columns(["rid", "txt", "crit", "lvl"], {"record_id": "rid", "text": "txt", "component": "crit",
                                                          "rating": "lvl"})
    assert cols.long_form and cols.fields["rating"] == "lvl"
    assert not detect_columns(["id", "text", "component"]).long_form  # a lone component column is metadata


@pytest.mark.slow
def test_ctrl_c_leaves_valid_partial_outputs(tmp_path):
    path = tmp_path / "export.csv"
    write_csv(path, rows(400))
    out = tmp_path / "out"
    proc = start_batch_until_first_chunk(path, out, subprocess.PIPE)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "run again with --resume" in stderr
    state = json.loads((out / "progress.json").read_text())
    results = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]  # every line parses
    errors = [json.loads(x) for x in (out / "errors.jsonl").read_text().splitlines()]
    assert 0 < state["rows"] < 400 and len(results) + len(errors) == state["rows"]
    assert (len(results), len(errors)) == (state["results"], state["errors"])
    assert len(pd.read_csv(out / "scores.csv")) == len(results)
