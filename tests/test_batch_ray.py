"""`fqa batch --engine ray` on a local Ray instance with 2 CPUs: the same results, errors and report as the
local engine; resume redoes only missing parts; an actor that dies mid-part loses and duplicates nothing."""
import csv
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analyzer.batch import BatchInputError
from analyzer.batch_parts import RESULTS_DIR, iter_errors, iter_results, write_part
from analyzer.batch_runner import run_batch

SAMPLES = Path(__file__).resolve().parents[1] / "corpora" / "samples"
EXPORT = SAMPLES / "district-export.csv"
GOOD = ["At 9:05 you modeled problem 2 on the document camera. Next time, ask a student to explain it.",
        "Students were engaged: 20 of 22 were writing at 10:15. What did you notice about the back table?",
        "Great rapport. Did you plan the exit ticket?"]


def same_outputs(a: Path, b: Path) -> None:
    """Results, errors, summary (but for how it ran) and report of two batch folders are equal."""
    assert list(iter_results(a)) == list(iter_results(b))
    assert list(iter_errors(a)) == list(iter_errors(b))
    sa, sb = (json.loads((d / "summary.json").read_text(encoding="utf-8")) for d in (a, b))
    assert {k: v for k, v in sa.items() if k != "run"} == {k: v for k, v in sb.items() if k != "run"}
    assert (a / "report.html").read_text(encoding="utf-8") == (b / "report.html").read_text(encoding="utf-8")
    assert pd.read_parquet(a / "scores.parquet").equals(pd.read_parquet(b / "scores.parquet"))


def test_core_install_never_imports_ray():
    code = ("import sys; import analyzer.cli, analyzer.batch_runner, analyzer.batch_report, analyzer.batch_parts, api.app; "
            "sys.exit('ray' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_missing_extra_is_named(monkeypatch, tmp_path):
    from analyzer.batch_ray import run_batch_ray

    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed
    with pytest.raises(BatchInputError, match=r"pip install 'feedback-quality-analyzer\[ray\]'"):
        run_batch_ray(EXPORT, tmp_path / "out")


def test_engine_options_are_checked(tmp_path):
    from typer.testing import CliRunner

    from analyzer.cli import app

    runner = CliRunner()
    local = runner.invoke(app, ["batch", str(SAMPLES), "--out", str(tmp_path / "o")])
    assert local.exit_code == 1 and "--engine ray for a folder" in local.output
    mixed = runner.invoke(app, ["batch", str(EXPORT), "--out", str(tmp_path / "o"), "--engine", "ray", "--workers", "2"])
    assert mixed.exit_code == 1 and "use --num-cpus" in mixed.output


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory):
    from analyzer.batch_ray import run_batch_ray

    folder = tmp_path_factory.mktemp("engines")
    local = run_batch(EXPORT, folder / "local", teachers=["T-2001"])
    ray_summary = run_batch_ray(EXPORT, folder / "ray", num_cpus=2, teachers=["T-2001"])
    return folder, local, ray_summary


@pytest.mark.slow
@pytest.mark.ray
def test_ray_engine_gives_the_local_engines_outputs(both_engines):
    folder, local, ray_summary = both_engines
    assert (ray_summary.records_in, ray_summary.results, ray_summary.errors) == (
        local.records_in, local.results, local.errors) == (310, 294, 16)
    assert ray_summary.parts == len(list((folder / "ray" / RESULTS_DIR).glob("part-*.parquet"))) == 5
    same_outputs(folder / "local", folder / "ray")


@pytest.mark.slow
@pytest.mark.ray
def test_resume_redoes_only_the_missing_part(both_engines):
    from analyzer.batch_ray import run_batch_ray

    folder, _, _ = both_engines
    out = folder / "ray"
    parts = sorted((out / RESULTS_DIR).glob("part-*.parquet"))
    kept = {p.name: p.stat().st_mtime_ns for p in parts[:2] + parts[3:]}
    parts[2].unlink()
    with pytest.raises(BatchInputError, match="--resume"):
        run_batch_ray(EXPORT, out, num_cpus=2)
    again = run_batch_ray(EXPORT, out, num_cpus=2, resume=True, teachers=["T-2001"])
    assert (again.parts, again.parts_skipped) == (5, 4)
    assert {p.name: p.stat().st_mtime_ns for p in (out / RESULTS_DIR).glob("part-*.parquet") if p.name in kept} == kept
    assert parts[2].exists()
    same_outputs(folder / "local", out)


def dies_once(base: type, marker: str) -> type:
    """The real actor, except that its first call writes half a part (the errors file and a stray temporary
    results file) and kills its own process, as a crash or an out-of-memory kill would."""

    class DiesOnce(base):
        def __call__(self, batch):
            if not os.path.exists(marker):
                Path(marker).touch()
                part = batch["part"].iloc[0]
                results, errors = self._analyse(pickle.loads(batch["chunk"].iloc[0]), int(batch["file_index"].iloc[0]))
                write_part(self.out, part, [], errors)
                (self.out / RESULTS_DIR / f"part-{part}.parquet").unlink()
                (self.out / RESULTS_DIR / f".part-{part}.parquet.0.tmp").write_bytes(b"half")
                os._exit(1)
            return super().__call__(batch)

    return DiesOnce


@pytest.mark.slow
@pytest.mark.ray
def test_folder_input_long_form_cross_file_duplicates_and_a_dying_actor(tmp_path, monkeypatch):
    import ray.cloudpickle

    import analyzer.batch_input
    import analyzer.batch_ray as batch_ray

    monkeypatch.setattr(analyzer.batch_input, "CHUNK_ROWS", 4)  # records of three rows straddle chunks
    folder = tmp_path / "in"
    folder.mkdir()
    header = ["record_id", "feedback", "component", "rating", "evaluator"]
    first = [[f"L{i}", GOOD[i % 3], c, str(1 + (i + j) % 4), "E1"] for i in range(4) for j, c in enumerate(("3b", "3c", "2d"))]
    second = [["M0", GOOD[0], "3b", "2", "E2"], ["L1", GOOD[1], "3b", "3", "E2"],  # L1 again: a duplicate
              ["M1", "", "3b", "2", "E2"]]                                            # empty text
    for name, data in (("a.csv", first), ("b.csv", second)):
        with (folder / name).open("w", newline="") as fh:
            csv.writer(fh).writerows([header, *data])
    (folder / "notes.txt").write_text("not an export")  # ignored: not a supported type
    marker = tmp_path / "died"
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the actors cannot import this test module
    monkeypatch.setattr(batch_ray, "ChunkAnalyzer", dies_once(batch_ray.ChunkAnalyzer, str(marker)))
    summary = batch_ray.run_batch_ray(folder, tmp_path / "out", num_cpus=2, rubric="fft-style")
    assert marker.exists()  # an actor did die, mid-part
    assert (summary.records_in, summary.results, summary.errors) == (7, 5, 2)
    results = list(iter_results(tmp_path / "out"))
    assert [(r["record_id"], r["file"], r["row"]) for r in results] == [
        ("L0", "a.csv", 1), ("L1", "a.csv", 4), ("L2", "a.csv", 7), ("L3", "a.csv", 10), ("M0", "b.csv", 1)]
    assert results[1]["ratings"] == {"3b": 2, "3c": 3, "2d": 4}
    assert [(e["record_id"], e["file"], e["row"], e["kind"]) for e in iter_errors(tmp_path / "out")] == [
        ("L1", "b.csv", 2, "duplicate_record_id"), ("M1", "b.csv", 3, "empty_text")]
    assert not [p for p in (tmp_path / "out").rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.slow
@pytest.mark.ray
def test_redaction_is_the_same_on_both_engines(tmp_path, monkeypatch):
    import analyzer.batch_ray as batch_ray
    import analyzer.batch_runner as batch_runner

    subset = tmp_path / "subset.csv"
    pd.read_csv(EXPORT, dtype=str, keep_default_na=False).head(70).to_csv(subset, index=False)
    for module in (batch_ray, batch_runner):  # one pseudonym salt for both runs, so their outputs can be compared
        monkeypatch.setattr(module.secrets, "token_hex", lambda n: "0" * (2 * n))
    run_batch(subset, tmp_path / "local", redact=True)
    batch_ray.run_batch_ray(subset, tmp_path / "ray", num_cpus=2, redact=True)
    same_outputs(tmp_path / "local", tmp_path / "ray")
    texts = " ".join(s["text"] for r in iter_results(tmp_path / "ray") for s in r["analysis"]["sentences"])
    assert "[name]" in texts


@pytest.mark.slow
@pytest.mark.ray
def test_joins_a_running_cluster(tmp_path):
    """`ray start --head` in its own processes, then `fqa batch --engine ray --address` joins it (and leaves it
    running); a wrong address is a clear error."""
    import socket

    from analyzer.batch_ray import run_batch_ray

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ray_cli = Path(sys.executable).with_name("ray")
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token"}  # for `ray status`
    subprocess.run([str(ray_cli), "start", "--head", f"--port={port}", "--num-cpus=2", "--include-dashboard=false",
                    "--disable-usage-stats"], check=True, capture_output=True, env=env)
    try:
        subset = tmp_path / "subset.csv"
        pd.read_csv(EXPORT, dtype=str, keep_default_na=False).head(12).to_csv(subset, index=False)
        summary = run_batch_ray(subset, tmp_path / "out", address=f"127.0.0.1:{port}")
        assert (summary.records_in, summary.results + summary.errors) == (12, 12)
        status = subprocess.run([str(ray_cli), "status", f"--address=127.0.0.1:{port}"], capture_output=True,
                                text=True, env=env)
        assert status.returncode == 0  # the cluster is still up: the run only disconnected from it
    finally:
        subprocess.run([str(ray_cli), "stop", "--force"], capture_output=True, env=env)
    with pytest.raises(BatchInputError, match="cannot join the Ray cluster"):
        run_batch_ray(subset, tmp_path / "out2", address=f"127.0.0.1:{port}")
