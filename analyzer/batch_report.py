"""The batch report: summary.json, scores.parquet and report.html, built from a results folder.

`write_report(out_dir)` reads the results and errors of any engine (`results.jsonl` / `errors.jsonl`, or
the Parquet part files; see batch_parts) streaming: memory grows with the number of records only by
one flat score row each, not by the analyses. It writes
- `summary.json`: counts (records in = results + errors), the overview, per-evaluator and per-school
  tables, distributions, unsupported-judgment patterns, calibration statistics, teacher sections;
- `scores.parquet`: the flat score table (the same rows as scores.csv, typed), from the results;
- `report.html`: one self-contained page (no scripts, no external assets) with tables and SVG charts.
It is the one step after any engine (`fqa batch` runs it at the end; `fqa report DIR` reruns it).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from pydantic import BaseModel, Field

from .agreement import AgreementStats, Rating, agreement_stats
from .batch import BatchInputError, score_row
from .batch_parts import (
    ERRORS_JSONL,
    RESULTS_DIR,
    RESULTS_JSONL,
    SCORES_SCHEMA,
    iter_errors,
    iter_results,
)
from .config import get_settings
from .prep import TeacherPrep, TeacherPrepBuilder, shorten
from .rubrics import RubricError, get_rubric_by_id
from .svg_charts import bar_chart, histogram, level_lines
from .templating import render

SUMMARY, REPORT, SCORES_PARQUET = "summary.json", "report.html", "scores.parquet"
MAX_PATTERNS = 12
EXAMPLES_PER_PATTERN = 3
MAX_DIVERGENT = 15
EXAMPLE_CHARS = 240
NOT_GIVEN = "(not given)"


class GroupRow(BaseModel):
    """Feedback quality of one evaluator's (or one school's) records; means over records."""

    key: str
    records: int
    overall: float
    evidence_share: float
    unsupported_per_record: float
    records_with_unsupported: float = Field(description="share of records with at least one unsupported judgment")
    alignment: float | None = Field(description="mean alignment coverage (records with a rubric); None without")
    questions_per_record: float
    open_share: float | None = Field(description="open questions / all questions; None when no questions")
    leading_questions: int
    next_steps_per_record: float
    steps_tied_share: float | None = Field(description="next steps tied to evidence / next steps")
    actionability: float
    readiness: float = Field(description="mean readiness items met (of 5)")


class Distribution(BaseModel):
    name: str
    title: str
    labels: list[str]
    counts: list[int]


class PatternExample(BaseModel):
    record_id: str
    evaluator: str | None
    text: str


class JudgmentPattern(BaseModel):
    pattern: str = Field(description="the evaluative words of the unsupported judgments")
    count: int
    evaluators: int
    examples: list[PatternExample]


class DivergentRating(BaseModel):
    observation_id: str
    component: str
    name: str
    ratings: dict[str, int]
    spread: int
    evidence: dict[str, list[str]] = Field(description="per evaluator, the evidence sentences cited for the component")


class CalibrationSection(BaseModel):
    rubric: str
    shared_observations: int
    evaluators: list[str]
    stats: AgreementStats
    divergent: list[DivergentRating]


class Overview(BaseModel):
    records_in: int
    results: int
    errors: int
    invariant_holds: bool
    error_kinds: dict[str, int] = Field(description="rows with errors per kind (see errors.jsonl for each row)")
    evaluators: int
    schools: int
    teachers: int
    observations: int
    shared_observations: int
    first_date: str | None
    last_date: str | None
    mean_overall: float | None
    mean_evidence_share: float | None
    unsupported_per_record: float | None
    mean_alignment: float | None
    open_share: float | None
    mean_actionability: float | None


class BatchReport(BaseModel):
    overview: Overview
    by_evaluator: list[GroupRow]
    by_school: list[GroupRow]
    distributions: list[Distribution]
    patterns: list[JudgmentPattern]
    calibration: list[CalibrationSection]
    teachers: list[TeacherPrep]
    run: dict = Field(default_factory=dict, description="how the batch ran (input, resume), from the runner")


def _pattern_key(sentence: dict) -> str:
    for name in ("evaluative_word", "adjective"):
        words = sorted({c["text"].lower() for c in sentence["cues"] if c["name"] == name})
        if words:
            return " + ".join(words)
    return "(other wording)"


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 3) if values else None


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 3) if den else None


def group_rows(rows: list[dict], key: str) -> list[GroupRow]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        groups[r[key] or NOT_GIVEN].append(r)
    out = []
    for name in sorted(groups):
        g = groups[name]
        n = len(g)
        questions = sum(r["questions"] for r in g)
        steps = sum(r["next_steps"] for r in g)
        out.append(GroupRow(
            key=name, records=n, overall=_mean(r["overall"] for r in g),
            evidence_share=_mean(r["evidence_share"] for r in g),
            unsupported_per_record=round(sum(r["unsupported_judgments"] for r in g) / n, 3),
            records_with_unsupported=round(sum(r["unsupported_judgments"] > 0 for r in g) / n, 3),
            alignment=_mean(r["alignment"] for r in g), questions_per_record=round(questions / n, 3),
            open_share=_ratio(sum(r["open_questions"] for r in g), questions),
            leading_questions=sum(r["leading_questions"] for r in g),
            next_steps_per_record=round(steps / n, 3),
            steps_tied_share=_ratio(sum(r["steps_tied_to_evidence"] for r in g), steps),
            actionability=_mean(r["actionability"] for r in g), readiness=_mean(r["readiness_met"] for r in g)))
    return out


def _bins(values: list[float], edges: list[float], labels: list[str]) -> list[int]:
    counts = [0] * (len(edges) - 1)
    for v in values:
        for i in range(len(counts)):
            if v < edges[i + 1] or i == len(counts) - 1:
                counts[i] += 1
                break
    return counts


def distributions(rows: list[dict]) -> list[Distribution]:
    tens = [f"{a}–{a + 10}" for a in range(0, 100, 10)]
    edges100 = [float(a) for a in range(0, 101, 10)]
    out = [
        Distribution(name="overall", title="Overall score (records per band)", labels=tens,
                     counts=_bins([r["overall"] for r in rows], edges100, tens)),
        Distribution(name="evidence_share", title="Evidence share (records per band, % of sentences)", labels=tens,
                     counts=_bins([r["evidence_share"] * 100 for r in rows], edges100, tens)),
    ]
    aligned = [r["alignment"] for r in rows if r["alignment"] is not None]
    if aligned:
        out.append(Distribution(name="alignment", title="Alignment coverage (records per band)", labels=tens,
                                counts=_bins(aligned, edges100, tens)))
    labels = ["0", "1", "2", "3", "4", "5+"]
    out.append(Distribution(name="unsupported", title="Unsupported judgments per record", labels=labels,
                            counts=_bins([r["unsupported_judgments"] for r in rows], [0, 1, 2, 3, 4, 5, 1e9], labels)))
    return out


class _Collector:
    """One pass over the results: score rows, patterns, ratings of shared observations, teacher builders."""

    def __init__(self, teachers: list[str] | None):
        self.rows: list[dict] = []
        self.patterns: dict[str, list] = {}  # key -> [count, evaluator set, examples]
        # rubric -> (observation, component, evaluator) -> rating; an evaluator who rated one lesson in two
        # records (a write-up and a follow-up) counts once, with the later record's rating
        self.ratings: dict[str, dict[tuple[str, str, str], int]] = defaultdict(dict)
        self.observation_evaluators: dict[str, set[str]] = defaultdict(set)
        self.all_teachers = teachers == ["all"]
        self.builders = {t: TeacherPrepBuilder(t) for t in (teachers or []) if t != "all"}

    def add(self, result: dict) -> None:
        self.rows.append(score_row(result))
        a = result["analysis"]
        evaluator = result.get("evaluator")
        for flag in a["flags"]:
            if flag["kind"] != "unsupported_judgment":
                continue
            sentence = a["sentences"][flag["sentence_index"]]
            entry = self.patterns.setdefault(_pattern_key(sentence), [0, set(), []])
            entry[0] += 1
            entry[1].add(evaluator)
            examples = entry[2]
            if len(examples) < EXAMPLES_PER_PATTERN and all(e.evaluator != evaluator for e in examples):
                examples.append(PatternExample(record_id=result["record_id"], evaluator=evaluator,
                                               text=shorten(sentence["text"], EXAMPLE_CHARS)))
        obs = result.get("observation_id")
        if obs and evaluator and result.get("rubric"):
            self.observation_evaluators[obs].add(evaluator)
            for cid, value in (result.get("ratings") or {}).items():
                self.ratings[result["rubric"]][(obs, cid, evaluator)] = value
        teacher = result.get("teacher")
        if teacher and self.all_teachers and teacher not in self.builders:
            self.builders[teacher] = TeacherPrepBuilder(teacher)
        if teacher in self.builders:
            self.builders[teacher].add(result)

    def pattern_list(self) -> list[JudgmentPattern]:
        ranked = sorted(self.patterns.items(), key=lambda kv: (-kv[1][0], kv[0]))[:MAX_PATTERNS]
        return [JudgmentPattern(pattern=k, count=c, evaluators=len(ev), examples=ex) for k, (c, ev, ex) in ranked]


def _calibration(collector: _Collector, out_dir: Path) -> list[CalibrationSection]:
    settings = get_settings()
    shared = {o for o, ev in collector.observation_evaluators.items() if len(ev) >= 2}
    sections = []
    wanted: dict[tuple[str, str], list[DivergentRating]] = defaultdict(list)  # (obs, evaluator) -> points
    for rubric_id, given in sorted(collector.ratings.items()):
        ratings = [Rating(o, c, e, v) for (o, c, e), v in given.items() if o in shared]
        if not ratings:
            continue
        try:
            rubric = get_rubric_by_id(rubric_id)
            levels, names = rubric.level_values, {c.id: c.name for c in rubric.components}
        except RubricError:
            levels, names = sorted({r.value for r in ratings}), {}
        stats = agreement_stats(ratings, {}, levels, settings.min_shared_units)
        units: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
        for r in ratings:
            units[(r.observation, r.component)][r.evaluator] = r.value
        divergent = []
        for (obs, cid), given in units.items():
            if len(given) >= 2 and max(given.values()) - min(given.values()) >= settings.discussion_spread:
                divergent.append(DivergentRating(observation_id=obs, component=cid, name=names.get(cid, cid),
                                                 ratings=dict(sorted(given.items())),
                                                 spread=max(given.values()) - min(given.values()),
                                                 evidence={e: [] for e in sorted(given)}))
        divergent.sort(key=lambda d: (-d.spread, d.observation_id, d.component))
        divergent = divergent[:MAX_DIVERGENT]
        for d in divergent:
            for e in d.ratings:
                wanted[(d.observation_id, e)].append(d)
        sections.append(CalibrationSection(
            rubric=rubric_id, shared_observations=len({r.observation for r in ratings}),
            evaluators=sorted({r.evaluator for r in ratings}), stats=stats, divergent=divergent))
    if wanted:  # second pass: the evidence each evaluator cited for the divergent components
        for result in iter_results(out_dir):
            key = (result.get("observation_id"), result.get("evaluator"))
            if key not in wanted:
                continue
            a = result["analysis"]
            coverage = {c["id"]: c for c in (a["scores"].get("alignment") or {}).get("coverage", [])}
            for d in wanted[key]:
                rows = coverage.get(d.component, {}).get("evidence_sentences", [])
                d.evidence[key[1]].extend(shorten(a["sentences"][i]["text"], EXAMPLE_CHARS) for i in rows)
    return sections


def build_report(out_dir: Path, teachers: list[str] | None = None,
                 run: dict | None = None) -> tuple[BatchReport, list[dict]]:
    """Aggregate the results folder (see the module docstring): the report, and the flat score row of every
    result (for scores.parquet). `teachers`: ids, or ["all"], for prep sections; `run`: what the runner
    recorded (input, records_in: the input rows it read)."""
    run = run or {}
    if not any((out_dir / n).exists() for n in (RESULTS_JSONL, ERRORS_JSONL, RESULTS_DIR)):
        raise BatchInputError(f"{out_dir} holds no batch results ({RESULTS_JSONL} or {RESULTS_DIR}/); "
                              "run fqa batch first")
    collector = _Collector(teachers)
    for result in iter_results(out_dir):
        collector.add(result)
    errors = list(iter_errors(out_dir))
    rows = collector.rows
    missing = [t for t, b in collector.builders.items() if not b._results]
    if missing:
        raise BatchInputError(f"no results for teacher(s) {', '.join(missing)}; teacher ids in the results: "
                              f"{', '.join(sorted({r['teacher'] for r in rows if r['teacher']})[:20]) or 'none'}")
    questions = sum(r["questions"] for r in rows)
    dates = sorted(r["date"] for r in rows if r["date"])
    shared = sum(len(ev) >= 2 for ev in collector.observation_evaluators.values())
    records_in = run.get("records_in", len(rows) + len(errors))
    overview = Overview(
        records_in=records_in, results=len(rows), errors=len(errors),
        invariant_holds=records_in == len(rows) + len(errors),
        error_kinds=dict(Counter(e.get("kind", "other") for e in errors).most_common()),
        evaluators=len({r["evaluator"] for r in rows if r["evaluator"]}),
        schools=len({r["school"] for r in rows if r["school"]}),
        teachers=len({r["teacher"] for r in rows if r["teacher"]}),
        observations=len({r["observation_id"] for r in rows if r["observation_id"]}), shared_observations=shared,
        first_date=dates[0] if dates else None, last_date=dates[-1] if dates else None,
        mean_overall=_mean(r["overall"] for r in rows), mean_evidence_share=_mean(r["evidence_share"] for r in rows),
        unsupported_per_record=_ratio(sum(r["unsupported_judgments"] for r in rows), len(rows)),
        mean_alignment=_mean(r["alignment"] for r in rows),
        open_share=_ratio(sum(r["open_questions"] for r in rows), questions),
        mean_actionability=_mean(r["actionability"] for r in rows))
    report = BatchReport(
        overview=overview, by_evaluator=group_rows(rows, "evaluator"), by_school=group_rows(rows, "school"),
        distributions=distributions(rows), patterns=collector.pattern_list(),
        calibration=_calibration(collector, out_dir),
        teachers=[b.build() for _, b in sorted(collector.builders.items())], run=run)
    return report, rows


def write_scores_parquet(rows: list[dict], target: Path) -> None:
    """The flat score rows (as in scores.csv) -> Parquet with typed columns (temporary name, then moved)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = target.with_suffix(".parquet.tmp")
    pq.write_table(pa.Table.from_pylist(rows, schema=SCORES_SCHEMA), tmp)
    tmp.replace(target)


def write_report(out_dir: Path, teachers: list[str] | None = None, run: dict | None = None) -> BatchReport:
    """Build the report and write summary.json, scores.parquet and report.html into `out_dir`."""
    summary_path = out_dir / SUMMARY
    if run is None and summary_path.exists():  # `fqa report DIR` keeps what the runner recorded
        run = json.loads(summary_path.read_text(encoding="utf-8")).get("run", {})
    report, rows = build_report(out_dir, teachers, run)
    write_scores_parquet(rows, out_dir / SCORES_PARQUET)
    summary = {"records_in": report.overview.records_in, "results": report.overview.results,
               "errors": report.overview.errors, "invariant_holds": report.overview.invariant_holds,
               **report.model_dump(mode="json")}
    _atomic_write(summary_path, json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    _atomic_write(out_dir / REPORT, render_report_html(report))
    return report


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


GROUP_CHARTS = (  # (field, title, maximum, digits, unit)
    ("overall", "Overall score (mean)", 100, 1, ""),
    ("evidence_share", "Evidence share (mean share of sentences)", 1, 2, ""),
    ("unsupported_per_record", "Unsupported judgments per record", None, 2, ""),
    ("alignment", "Alignment coverage (mean, 0-100)", 100, 1, ""),
    ("open_share", "Open questions (share of questions)", 1, 2, ""),
    ("actionability", "Actionability (mean, 0-100)", 100, 1, ""),
)


def group_charts(name: str, rows: list[GroupRow]) -> list:
    charts = []
    for field, title, maximum, digits, unit in GROUP_CHARTS:
        values = [(r.key, getattr(r, field)) for r in rows]
        if all(v is None for _, v in values):
            continue
        top = maximum or max((v for _, v in values if v is not None), default=1) or 1
        charts.append((title, bar_chart(f"{name}-{field}", f"{title}, by {name}", values, maximum=top,
                                        digits=digits, unit=unit)))
    return charts


def teacher_chart(prep: TeacherPrep):
    rated = [c for c in prep.components if c.ratings]
    if not rated:
        return None
    dates = [r.date or r.record_id for r in prep.records if r.ratings]
    ids = [r.record_id for r in prep.records if r.ratings]
    series = {}
    for c in rated:
        by_record = {p.record_id: p.value for p in c.ratings}
        series[c.component] = [by_record.get(i) for i in ids]
    levels = sorted(prep.levels) or sorted({p.value for c in rated for p in c.ratings})
    return level_lines(f"teacher-{prep.teacher}-ratings", f"Ratings over time for teacher {prep.teacher}", dates,
                       series, levels)


def render_report_html(report: BatchReport) -> str:
    return render("batch_report.html.j2",
        r=report, evaluator_charts=group_charts("evaluator", report.by_evaluator),
        school_charts=group_charts("school", report.by_school),
        histograms=[histogram(d.name, d.title, d.labels, d.counts) for d in report.distributions],
        teacher_chart=teacher_chart)


def render_prep_html(prep: TeacherPrep) -> str:
    return render("prep.html.j2", t=prep, teacher_chart=teacher_chart)
