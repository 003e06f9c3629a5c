"""The `fqa` command line. Each command parses arguments, calls one library function, renders."""
from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .errors import FqaError
from .finetune import FineTuneConfig

app = typer.Typer(help="Feedback Quality Analyzer: how evidence-based, reflective and actionable is this feedback?",
                  no_args_is_help=True, add_completion=False)
out = Console()
err = Console(stderr=True, soft_wrap=True)

EXIT_INPUT_ERROR = 1


class Engine(str, Enum):
    local = "local"
    ray = "ray"


def _fail(exc: FqaError) -> typer.Exit:
    err.print(f"[bold red]error[/] ({exc.code}): {exc}")
    return typer.Exit(EXIT_INPUT_ERROR)


def read_input(source: str, encoding: str) -> tuple[str, str]:
    """Text of FILE or stdin ("-"), with a name for messages."""
    from .textcheck import decode_bytes

    if source == "-":
        return decode_bytes(sys.stdin.buffer.read(), "standard input", encoding), "stdin"
    path = Path(source)
    if not path.exists():
        raise FqaError(f"file not found: {source}")
    if path.is_dir():
        raise FqaError(f"{source} is a folder; give a text file (or - for standard input)")
    return decode_bytes(path.read_bytes(), source, encoding), path.name


def _write_html(path: Path, html: str) -> None:
    try:
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        err.print(f"[bold red]error[/]: cannot write {path}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_INPUT_ERROR) from None
    err.print(f"wrote {path}")


def parse_teachers(value: str | None) -> list[str] | None:
    """--teachers "T-1,T-2" or "all" -> ["T-1", "T-2"] / ["all"]."""
    if not value:
        return None
    ids = [t.strip() for t in value.split(",") if t.strip()]
    if not ids:
        raise FqaError("--teachers needs teacher ids separated by commas, or all")
    return ids


def parse_ratings(items: list[str]) -> dict[str, str] | None:
    """["3b=2", "3c=Effective"] -> {"3b": "2", "3c": "Effective"}; None when no rating is given."""
    if not items:
        return None
    ratings: dict[str, str] = {}
    for item in items:
        component, sep, level = item.partition("=")
        if not sep or not component.strip() or not level.strip():
            raise FqaError(f"--rating '{item}' is not COMPONENT=LEVEL (e.g. --rating 3b=2)")
        if component.strip() in ratings:
            raise FqaError(f"--rating gives component {component.strip()} twice")
        ratings[component.strip()] = level.strip()
    return ratings


@app.command()
def analyze(
    files: Annotated[list[str], typer.Argument(help="text files to analyse; - reads standard input")],
    as_json: Annotated[bool, typer.Option("--json", help="print the JSON form of the analysis")] = False,
    cues: Annotated[bool, typer.Option("--cues", help="show the cues behind each label")] = False,
    encoding: Annotated[str, typer.Option(help="encoding of the input files")] = "utf-8",
    rubric: Annotated[str | None, typer.Option(help="rubric id (see `fqa rubrics list`) or YAML file; turns on "
                                                     "alignment", envvar="FQA_RUBRIC")] = None,
    profile: Annotated[str | None, typer.Option(help="profile of the rubric (the components rated)")] = None,
    rating: Annotated[list[str] | None, typer.Option(help="a rating COMPONENT=LEVEL (value or label); repeat "
                                                          "for each rated component; applies to every file")] = None,
) -> None:
    """Analyse feedback text sentence by sentence and score it."""
    from .pipeline import analyze_many

    try:
        ratings = parse_ratings(rating or [])
        named = [read_input(f, encoding) for f in files]
        results = analyze_many([text for text, _ in named], rubric=rubric, profile=profile,
                               ratings=None if ratings is None else [ratings] * len(named))
    except FqaError as exc:
        raise _fail(exc) from None
    if as_json:
        payload = [r.to_dict() for r in results]
        sys.stdout.write(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2, ensure_ascii=False) + "\n")
        return
    from .report import render_analysis

    for (_, name), result in zip(named, results):
        render_analysis(result, out, title=name, show_cues=cues)


@app.command()
def train(
    corpora: Annotated[Path | None, typer.Option(help="corpora folder (default: the project's)")] = None,
    models: Annotated[Path | None, typer.Option(help="where to write the models (default: the project's)")] = None,
    layers: Annotated[int, typer.Option(help="how many of the encoder's top layers to fine-tune (fewer: faster "
                                             "analysis, lower F1)")] = FineTuneConfig.layers,
) -> None:
    """Rebuild the fine-tuned encoder layers, the sentence classifiers and their model cards from the corpus."""
    from .training import train as run_training

    try:
        with err.status(f"fine-tuning {layers} encoder layers, then training the sentence classifiers "
                        "(about 25 minutes on 2 cores with all six)..."):
            manifest = run_training(corpora, models, FineTuneConfig(layers=layers))
    except FqaError as exc:
        raise _fail(exc) from None
    out.print(f"trained {manifest['version']} on {manifest['data']['sentences']} sentences "
              f"({manifest['data']['documents']} documents)")
    for label, info in manifest["labels"].items():
        dev = info["dev"]
        if label == "component":
            out.print(f"  {label:15s} C={info['C']:<5} dev top-1 {dev['top1']:.3f}, top-3 {dev['top3']:.3f}, "
                      f"none F1 {dev['none']['f1']:.3f}")
        else:
            figure = dev["macro_f1_question_types"] if label == "question" else dev["f1"]
            out.print(f"  {label:15s} C={info['C']:<5} dev F1 {figure:.3f}")


@app.command()
def compare(
    source: Annotated[Path, typer.Argument(help="calibration records: .json, .jsonl, .csv or .tsv (long or wide)")],
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    html: Annotated[Path | None, typer.Option(help="also write the self-contained HTML report here")] = None,
    rubric: Annotated[str | None, typer.Option(help="rubric for every record (otherwise each record names it)")] = None,
    encoding: Annotated[str, typer.Option(help="encoding of the input file")] = "utf-8",
) -> None:
    """Compare evaluators who observed the same lessons: ratings, evidence, discussion points, agreement."""
    from .compare import compare as run_compare
    from .compare_input import read_records

    try:
        report = run_compare(read_records(source, encoding, rubric), rubric=rubric)
    except FqaError as exc:
        raise _fail(exc) from None
    if html is not None:
        from .calibration_html import render_calibration_html

        _write_html(html, render_calibration_html(report))
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return
    from .report import render_calibration

    render_calibration(report, out)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface (default FQA_API_HOST or 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default FQA_API_PORT or 8000)")] = None,
    workers: Annotated[int | None, typer.Option(help="processes, each loading the models once (FQA_API_WORKERS)")] = None,
) -> None:
    """Run the HTTP API and the draft self-check page (uvicorn)."""
    import uvicorn

    from api.settings import get_api_settings

    settings = get_api_settings()
    workers = workers or settings.workers
    os.environ["FQA_API_WORKERS"] = str(workers)  # each worker's app splits the cores by it
    get_api_settings.cache_clear()
    uvicorn.run("api.app:create_app", factory=True, host=host or settings.host, port=port or settings.port,
                workers=workers, log_level="info", access_log=False)


@app.command()
def batch(
    source: Annotated[Path, typer.Argument(help="district export: .csv, .tsv, .jsonl, .xlsx or .parquet (with "
                                                 "--engine ray also a folder of them or a quoted glob)")],
    out_dir: Annotated[Path, typer.Option("--out", help="folder for results.jsonl, scores.csv/.parquet, errors.jsonl, "
                                                        "summary.json, report.html")],
    rubric: Annotated[str | None, typer.Option(help="rubric id for rows without a rubric column")] = None,
    id_column: Annotated[str | None, typer.Option(help="column with the record id")] = None,
    text_column: Annotated[str | None, typer.Option(help="column with the feedback text")] = None,
    evaluator_column: Annotated[str | None, typer.Option(help="column with the evaluator")] = None,
    teacher_column: Annotated[str | None, typer.Option(help="column with the teacher")] = None,
    school_column: Annotated[str | None, typer.Option(help="column with the school")] = None,
    observation_column: Annotated[str | None, typer.Option(help="column with the observation (lesson) id")] = None,
    date_column: Annotated[str | None, typer.Option(help="column with the observation date")] = None,
    rubric_column: Annotated[str | None, typer.Option(help="column with each row's rubric id")] = None,
    component_column: Annotated[str | None, typer.Option(help="long-form ratings: column with the component")] = None,
    rating_column: Annotated[str | None, typer.Option(help="long-form ratings: column with the rating")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="worker processes (local engine)")] = 1,
    engine: Annotated[Engine, typer.Option(help="local: this machine; ray: a Ray cluster or a local Ray instance "
                                                "(needs the [ray] extra)")] = Engine.local,
    address: Annotated[str | None, typer.Option(help="--engine ray: join this cluster (auto, ray://host:port); "
                                                     "default: start a local Ray instance")] = None,
    num_cpus: Annotated[int | None, typer.Option(min=1, help="--engine ray: CPUs to use, one actor each "
                                                            "(default: all Ray sees)")] = None,
    resume: Annotated[bool, typer.Option(help="continue an interrupted run in --out")] = False,
    encoding: Annotated[str, typer.Option(help="encoding of the input file")] = "utf-8",
    teachers: Annotated[str | None, typer.Option(help="add a mid-year prep section to report.html for these "
                                                      "teacher ids (comma-separated) or all")] = None,
    redact: Annotated[bool, typer.Option(help="replace person names (teachers, students) in every output")] = False,
) -> None:
    """Analyse every record of an export; bad rows go to errors.jsonl, good rows are all processed.
    Writes results.jsonl, scores.csv/.parquet, errors.jsonl, summary.json and report.html to --out
    (with --engine ray: results/ and errors/ Parquet part files instead of the .jsonl and .csv files)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from .batch_input import input_files, is_glob, total_rows
    from .batch_runner import run_batch

    overrides = {k: v for k, v in (("record_id", id_column), ("text", text_column), ("evaluator", evaluator_column),
                                   ("teacher", teacher_column), ("school", school_column),
                                   ("observation_id", observation_column), ("date", date_column),
                                   ("rubric", rubric_column), ("component", component_column),
                                   ("rating", rating_column)) if v}
    try:
        teacher_ids = parse_teachers(teachers)
        if engine is Engine.local and (address or num_cpus):
            raise FqaError("--address and --num-cpus are for --engine ray; the local engine takes --workers")
        if engine is Engine.ray and workers != 1:
            raise FqaError("--workers is for the local engine; with --engine ray use --num-cpus")
        if engine is Engine.local and (source.is_dir() or is_glob(source)):
            raise FqaError(f"{source}: the local engine reads one file; use --engine ray for a folder or a glob, "
                           "or give the files one at a time")
        total = total_rows(input_files(source), encoding)
    except FqaError as exc:
        raise _fail(exc) from None
    columns = [TextColumn("analysing"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
               TimeRemainingColumn()]
    try:
        with Progress(*columns, console=err, transient=False) as bar:
            task = bar.add_task("batch", total=total, rate="")

            def advance(n: int) -> None:
                bar.advance(task, n)
                speed = bar.tasks[0].speed
                bar.update(task, rate=f"{speed:.1f} rows/s" if speed else "")

            options = dict(rubric=rubric, overrides=overrides, encoding=encoding, resume=resume, progress=advance,
                           teachers=teacher_ids, redact=redact)
            if engine is Engine.ray:
                from .batch_ray import run_batch_ray

                summary = run_batch_ray(source, out_dir, address=address, num_cpus=num_cpus, **options)
            else:
                summary = run_batch(source, out_dir, workers=workers, **options)
    except FqaError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        err.print(f"interrupted: the outputs in {out_dir} keep every completed chunk; "
                  "run again with --resume to continue")
        raise typer.Exit(130) from None
    out.print(f"{summary.records_in} records in = {summary.results} results + {summary.errors} errors "
              f"(outputs in {out_dir}; open {out_dir / 'report.html'})")


@app.command()
def report(
    out_dir: Annotated[Path, typer.Argument(help="a batch output folder (results.jsonl, errors.jsonl)")],
    teachers: Annotated[str | None, typer.Option(help="add a mid-year prep section for these teacher ids "
                                                      "(comma-separated) or all")] = None,
) -> None:
    """Rebuild summary.json, scores.parquet and report.html from a batch output folder (no analysis reruns)."""
    from .batch_report import write_report

    try:
        built = write_report(out_dir, parse_teachers(teachers))
    except FqaError as exc:
        raise _fail(exc) from None
    o = built.overview
    out.print(f"{o.records_in} records in = {o.results} results + {o.errors} errors; wrote {out_dir / 'report.html'}")


@app.command()
def prep(
    source: Annotated[Path, typer.Argument(help="a batch output folder, or an export file (.csv, .tsv, .jsonl, "
                                                ".xlsx, .parquet) whose rows for the teacher are analysed now")],
    teacher: Annotated[str, typer.Option(help="teacher id (the value in the export's teacher column)")],
    html: Annotated[Path | None, typer.Option(help="also write the prep as a self-contained HTML page")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the prep as JSON")] = False,
    rubric: Annotated[str | None, typer.Option(help="rubric id for rows without a rubric column (export input)")] = None,
    teacher_column: Annotated[str | None, typer.Option(help="column with the teacher (export input)")] = None,
    redact: Annotated[bool, typer.Option(help="replace person names in the output (export input; a batch "
                                              "folder is as redacted as its run was)")] = False,
    encoding: Annotated[str, typer.Option(help="encoding of the input file")] = "utf-8",
) -> None:
    """Mid-year conversation prep for one teacher: ratings over time, components with and without evidence,
    strengths and growth areas with their evidence, and reflective questions to ask."""
    from .batch_parts import has_parts, iter_results
    from .batch_report import render_prep_html
    from .batch_runner import teacher_results
    from .prep import teacher_prep

    try:
        if source.is_dir():
            if not (source / "results.jsonl").exists() and not has_parts(source):
                raise FqaError(f"{source} holds no batch results (results.jsonl or results/); give a batch output "
                               "folder or an export file")
            results = iter_results(source)
        else:
            overrides = {"teacher": teacher_column} if teacher_column else None
            with err.status(f"analysing the records of teacher {teacher}..."):
                results = teacher_results(source, teacher, rubric=rubric, overrides=overrides, encoding=encoding,
                                          redact=redact)
        prepared = teacher_prep(results, teacher)
    except FqaError as exc:
        raise _fail(exc) from None
    if html is not None:
        _write_html(html, render_prep_html(prepared))
    if as_json:
        sys.stdout.write(prepared.model_dump_json(indent=2) + "\n")
        return
    from .report import render_prep

    render_prep(prepared, out)


rubrics_app = typer.Typer(help="List, show and validate rubrics.", no_args_is_help=True)
app.add_typer(rubrics_app, name="rubrics")


@rubrics_app.command("list")
def rubrics_list(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """The rubrics found (shipped ones and those on FQA_RUBRIC_PATH)."""
    from .rubrics import available_rubrics

    try:
        found = available_rubrics()
    except FqaError as exc:
        raise _fail(exc) from None
    rows = [{"id": r.id, "name": r.name, "version": r.version, "components": len(r.components),
             "levels": len(r.levels), "profiles": [p.id for p in r.profiles], "path": str(path)}
            for r, path in found.values()]
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    from .report import render_rubric_list

    render_rubric_list(rows, out)


@rubrics_app.command("show")
def rubrics_show(
    rubric: Annotated[str, typer.Argument(help="rubric id or YAML file")],
    as_json: Annotated[bool, typer.Option("--json", help="print the rubric as JSON")] = False,
) -> None:
    """A rubric's levels, domains, components, look-fors and profiles."""
    from .rubrics import get_rubric

    try:
        found = get_rubric(rubric)
    except FqaError as exc:
        raise _fail(exc) from None
    if as_json:
        sys.stdout.write(json.dumps(found.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")
        return
    from .report import render_rubric

    render_rubric(found, out)


@rubrics_app.command("validate")
def rubrics_validate(paths: Annotated[list[Path], typer.Argument(help="rubric YAML files or folders")]) -> None:
    """Check rubric files; print every problem with file, line and key path (exit 1 if any)."""
    from .rubrics import load_rubric_file, rubric_files

    files = [f for p in paths for f in (rubric_files(p) if p.is_dir() else [p])]
    if not files:
        err.print("[bold red]error[/]: no rubric files (.yaml, .yml) in " + ", ".join(map(str, paths)))
        raise typer.Exit(EXIT_INPUT_ERROR)
    failed = 0
    for f in files:
        try:
            r = load_rubric_file(f)
        except FqaError as exc:
            failed += 1
            err.print(f"[bold red]{f}[/]: {exc}")
            continue
        out.print(f"[green]ok[/] {f}: {r.id} {r.version}, {len(r.components)} components, {len(r.levels)} levels, "
                  f"{len(r.profiles)} profiles")
    if failed:
        raise typer.Exit(EXIT_INPUT_ERROR)


@app.command(name="eval")
def evaluate(
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    external: Annotated[bool, typer.Option(help="also evaluate on the external sets in ../shared/eval")] = True,
    limit: Annotated[int | None, typer.Option(help="at most this many rows per external set")] = None,
) -> None:
    """Precision/recall/F1 per label on the test split and on the external sets."""
    from .evaluation import evaluate as run_eval

    try:
        with err.status("evaluating..."):
            report = run_eval(limit=limit, external=external)
    except FqaError as exc:
        raise _fail(exc) from None
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
        return
    from .report import render_eval

    render_eval(report, out)


if __name__ == "__main__":
    app()
