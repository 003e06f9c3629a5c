"""Readable terminal rendering of analyses and evaluation reports (rich). No analysis logic here."""
from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .result import FeedbackAnalysis, Sentence

TAGS = (
    ("evidence", "EVID", "bold green"),
    ("judgment", "JUDG", "bold yellow"),
    ("recommendation", "NEXT", "bold cyan"),
)
QUESTION_STYLE = {"open": "bold magenta", "closed": "magenta", "leading": "bold red"}


def sentence_tags(s: Sentence) -> Text:
    tags = Text()
    for attr, short, style in TAGS:
        if getattr(s, attr):
            tags.append(f"[{short} {getattr(s.probabilities, attr):.2f}]", style=style)
            tags.append(" ")
    if s.question.value != "none":
        tags.append(f"[Q:{s.question.value}]", style=QUESTION_STYLE[s.question.value])
        tags.append(" ")
    return tags


def render_analysis(result: FeedbackAnalysis, console: Console, title: str = "", show_cues: bool = False) -> None:
    scores = result.scores
    table = Table(title="Scores (0-100)", show_header=True, header_style="bold")
    for col in ("part", "score", "weight", "contribution", "details"):
        table.add_column(col)
    details = {
        "evidence": f"{scores.evidence.evidence_sentences}/{scores.evidence.sentences} sentences cite evidence; "
                    f"{scores.evidence.unsupported_judgments} of {scores.evidence.judgments} judgments unsupported",
        "actionability": f"{scores.actionability.next_steps} next steps, "
                         f"{scores.actionability.tied_to_evidence} tied to evidence",
        "questions": f"{scores.questions.open} open, {scores.questions.closed} closed, "
                     f"{scores.questions.leading} leading",
    }
    for part in scores.overall.parts:
        table.add_row(part.name, f"{part.score:.0f}", f"{part.weight:.2f}", f"{part.contribution:.1f}",
                      details[part.name])
    table.add_row(Text("overall", style="bold"), Text(f"{scores.overall.score:.0f}", style="bold"), "", "", "")

    flags_by_sentence: dict[int, list] = {}
    for flag in result.flags:
        flags_by_sentence.setdefault(flag.sentence_index, []).append(flag)
    lines = []
    for s in result.sentences:
        line = Text(f"{s.index + 1:>3} ", style="dim")
        line.append_text(sentence_tags(s))
        if s.component:
            line.append(f"[{s.component}] ", style="bold blue")
        line.append(s.text)
        lines.append(line)
        if show_cues and s.cues:
            lines.append(Text("      cues: " + ", ".join(f"{c.name}={c.text!r}" for c in s.cues), style="dim"))
        for flag in flags_by_sentence.get(s.index, []):
            lines.append(Text(f"      ! {flag.kind.value.replace('_', ' ')}: {flag.reason}", style="red"))
            lines.append(Text(f"        -> {flag.suggestion}", style="green"))
    parts = []
    for w in result.warnings:
        parts.append(Text(f"warning ({w.code.value}): {w.message}", style="bold red"))
    legend = Text("EVID evidence  JUDG judgment  NEXT next step  Q question type; numbers are probabilities"
                  + ("; [3b] rubric component" if scores.alignment else ""), style="dim")
    parts.extend([table, legend, Text(""), *lines, Text(""), readiness_table(result)])
    if scores.alignment is not None:
        parts.append(alignment_table(result))
    console.print(Panel(Group(*parts), title=title or "Feedback quality", expand=True))


def readiness_table(result: FeedbackAnalysis) -> Table:
    r = result.scores.readiness
    table = Table(title=f"Mid-year conversation readiness: {r.met} of {r.total}", show_header=True,
                  header_style="bold")
    for col in ("", "item", "sentences", "to add"):
        table.add_column(col)
    for item in r.items:
        mark = Text("yes", style="green") if item.met else Text("no", style="red")
        table.add_row(mark, item.label, ", ".join(str(i + 1) for i in item.sentences), item.missing or "")
    return table


def alignment_table(result: FeedbackAnalysis) -> Group:
    a = result.scores.alignment
    assert a is not None
    head = Text(f"Alignment to {a.rubric} {a.rubric_version}" + (f", profile {a.profile}" if a.profile else "")
                + f" ({a.method}): score {a.score:.0f}; {a.components_addressed} components addressed, "
                f"{a.components_with_evidence} with evidence", style="bold")
    table = Table(show_header=True, header_style="bold")
    for col in ("component", "rating", "sentences", "evidence", "reads as", "check"):
        table.add_column(col)
    checks = {c.component: c for c in a.rating_checks}
    shown = a.focus_components + [c.id for c in a.coverage if c.id not in a.focus_components]
    coverage = {c.id: c for c in a.coverage}
    for cid in shown:
        cov, check = coverage.get(cid), checks.get(cid)
        style = {"consistent": "green", "gap": "red", "no_evidence": "yellow", "not_addressed": "red"}
        table.add_row(
            f"{cid} {cov.name if cov else (check.name if check else '')}",
            f"{check.rating} {check.rating_label}" if check else "",
            ", ".join(str(i + 1) for i in cov.sentences) if cov else "-",
            str(len(cov.evidence_sentences)) if cov else "0",
            f"{check.supported_level:.1f} {check.supported_label}" if check and check.supported_level is not None else "",
            Text(check.status.replace("_", " "), style=style[check.status]) if check else
            ("" if cid in a.focus_components or not (a.profile or a.rating_checks) else Text("outside focus", style="dim")),
        )
    return Group(head, table)


def _deviation_style(deviation: float | None) -> str:
    if deviation is None:
        return "dim"
    return ("green", "yellow", "dark_orange", "bold red")[min(int(round(abs(deviation))), 3)]


def render_calibration(report, console: Console) -> None:
    """Terminal view of a CalibrationReport: rating grid per observation, discussion points, agreement."""
    for o in report.observations:
        grid = Table(title=f"Observation {o.observation_id}: ratings (colour = distance from the "
                           f"{o.components[0].reference_kind if o.components else 'reference'})", header_style="bold")
        grid.add_column("evaluator")
        for c in o.components:
            grid.add_column(c.component, justify="center")
        grid.add_column("overall", justify="right")
        overall = {s.evaluator: s.overall for s in o.scores}
        for e in o.evaluators:
            cells = []
            for c in o.components:
                v = c.ratings.get(e)
                cells.append(Text("-" if v is None else str(v), style=_deviation_style(c.deviations.get(e))))
            grid.add_row(e, *cells, f"{overall[e]:.0f}")
        grid.add_row(Text("reference", style="bold"),
                     *[f"{c.reference:g}" if c.reference is not None else "-" for c in o.components], "")
        console.print(grid)
        for p in o.discussion_points:
            console.print(Text(f"  {p.component} {p.name}: {'; '.join(p.reasons)}", style="bold magenta"))
            for e, items in p.evidence.items():
                console.print(Text(f"    {e} ({p.ratings.get(e) if p.ratings.get(e) is not None else 'not rated'}): "
                                   + (" | ".join(items) if items else "no evidence cited"), style="dim"))
            console.print(Text(f"    ? {p.question}", style="cyan"))
    a = report.agreement
    stats = Table(title="Agreement across observations", header_style="bold")
    for col in ("statistic", "value", "units", "reading"):
        stats.add_column(col)

    def row(name, s):
        value = f"{s.value:.3f}" if s.value is not None else s.status.replace("_", " ")
        stats.add_row(name, value, str(s.units), s.reading if s.value is not None else (s.reason or ""))

    row("Krippendorff's alpha (ordinal)", a.alpha)
    row("Fleiss' kappa", a.fleiss_kappa)
    for c, s in a.alpha_by_component.items():
        row(f"alpha {c}", s)
    for p in a.pairwise_kappa:
        row(f"kappa {p.evaluators[0]} / {p.evaluators[1]}", p.kappa)
    console.print(stats)
    sev = Table(title="Severity / leniency (rating - anchor or consensus)", header_style="bold")
    for col in ("evaluator", "mean", "95% interval", "n", "vs anchor", "reading"):
        sev.add_column(col)
    for s in a.severity:
        sev.add_row(s.evaluator, "-" if s.mean_deviation is None else f"{s.mean_deviation:+.2f}",
                    "-" if s.ci_low is None else f"{s.ci_low:+.2f} to {s.ci_high:+.2f}", str(s.n),
                    str(s.against_anchor), s.lean)
    console.print(sev)


def render_prep(prep, console: Console) -> None:
    """Terminal view of a TeacherPrep (analyzer.prep)."""
    span = f", {prep.first_date} to {prep.last_date}" if prep.first_date else ""
    console.print(Panel(f"{len(prep.records)} records{span}; evaluators {', '.join(prep.evaluators) or '-'}; "
                        f"schools {', '.join(prep.schools) or '-'}", title=f"Mid-year prep: teacher {prep.teacher}"))
    history = Table(title="Components: ratings over time and evidence", header_style="bold")
    for col in ("component", "ratings (date: level)", "trend", "addressed", "with evidence", "rated w/o evidence"):
        history.add_column(col)
    for c in prep.components:
        points = ", ".join(f"{p.date or '?'}: {p.value}" for p in c.ratings) or "-"
        history.add_row(f"{c.component} {c.name}", points, c.trend, str(c.addressed), str(c.with_evidence),
                        str(c.rated_without_evidence))
    console.print(history)
    for title, items in (("Strengths, with evidence", prep.strengths), ("Growth areas, with evidence", prep.growth_areas),
                         ("Next steps already given", prep.next_steps)):
        console.print(Text(title, style="bold"))
        for s in items or []:
            console.print(Text(f"  {s.date or '?'} {s.component or '  '}  {s.text}"))
        if not items:
            console.print(Text("  none", style="dim"))
    console.print(Text("Suggested reflective questions", style="bold"))
    for q in prep.suggested_questions:
        console.print(Text(f"  ? {q.question}", style="cyan"), Text(f"    ({q.why})", style="dim"))


def render_rubric_list(rows: list[dict], console: Console) -> None:
    table = Table(title="Rubrics", header_style="bold")
    for col in ("id", "name", "version", "components", "levels", "profiles", "file"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["id"], r["name"], r["version"], str(r["components"]), str(r["levels"]),
                      ", ".join(r["profiles"]), r["path"])
    console.print(table)


def render_rubric(rubric, console: Console) -> None:
    console.print(Text(f"{rubric.name} ({rubric.id} {rubric.version})", style="bold"))
    if rubric.description:
        console.print(rubric.description)
    console.print("Levels: " + ", ".join(f"{lv.value} {lv.label}" for lv in rubric.levels))
    for domain in rubric.domains:
        table = Table(title=f"Domain {domain.id}: {domain.name}", header_style="bold", show_lines=True)
        table.add_column("component")
        table.add_column("description and look-fors")
        for c in domain.components:
            body = c.description + "\n" + "\n".join(f"- {x}" for x in c.look_fors)
            table.add_row(f"{c.id} {c.name}", body)
        console.print(table)
    for p in rubric.profiles:
        console.print(f"Profile {p.id} ({p.name}): {', '.join(p.components)}")


def render_eval(report: dict, console: Console) -> None:
    test = report["test"]
    table = Table(title=f"Test split: {test['documents']} documents, {test['sentences']} sentences "
                        f"(models {report['models']})")
    for col in ("label", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="right" if col != "label" else "left")
    for label in ("evidence", "judgment", "recommendation"):
        m = test[label]
        table.add_row(label, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", str(m["support"]))
    q = test["question"]
    for kind, m in q["per_type"].items():
        table.add_row(f"question: {kind}", f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}",
                      str(m["support"]))
    table.add_row("question macro-F1 (open/closed/leading)", "", "", f"{q['macro_f1_question_types']:.3f}", "")
    table.add_row("question macro-F1 (all four)", "", "", f"{q['macro_f1_all']:.3f}", "")
    console.print(table)
    comp = test.get("component")
    if comp:
        ct = Table(title=f"Rubric alignment ({comp['rubric']}) on the test split")
        for col in ("method", "top-1", "top-3", "none P", "none R", "none F1", "accuracy"):
            ct.add_column(col, justify="right" if col != "method" else "left")
        for name in ("trained", "trained_without_headings", "similarity_with_examples", "zero_shot"):
            m = comp[name]
            ct.add_row(name.replace("_", " "), f"{m['top1']:.3f}", f"{m['top3']:.3f}", f"{m['none']['precision']:.3f}",
                       f"{m['none']['recall']:.3f}", f"{m['none']['f1']:.3f}", f"{m['accuracy']:.3f}")
        console.print(ct)
    lv = report.get("rating_levels", {})
    if "spearman" in lv:
        console.print(f"Rating-evidence levels on {lv['passages']} passages written to show a level: Spearman "
                      f"{lv['spearman']:.3f}, exact {lv['exact']:.3f}, within one level {lv['within_one']:.3f}, "
                      f"a rating at the written level flagged as a gap {lv['false_gap_rate']:.3f}")
    seg = report["segmentation"]
    console.print(f"Segmentation: {seg['exact_matches']} of {seg['gold_units']} gold units reproduced exactly "
                  f"(precision {seg['precision']:.3f}, recall {seg['recall']:.3f}, F1 {seg['f1']:.3f})")
    if "external" not in report:
        return
    ext = Table(title="External sets (../shared/eval; not observation feedback: expect domain shift)")
    for col in ("set", "label", "rows", "figures", "note"):
        ext.add_column(col)
    for name, r in report["external"].items():
        if r.get("status") == "missing":
            ext.add_row(name, "", "", "missing", r["path"])
            continue
        if r["label"] == "question":
            figs = f"detected {r['detection_rate']:.3f}"
            if "open_closed_accuracy" in r:
                figs += f"; open/closed acc {r['open_closed_accuracy']:.3f}, macro-F1 {r['open_closed_macro_f1']:.3f}"
            if "detection" in r:
                figs += f"; detection P {r['detection']['precision']:.3f} R {r['detection']['recall']:.3f} " \
                        f"F1 {r['detection']['f1']:.3f}"
        else:
            figs = f"P {r['precision']:.3f}  R {r['recall']:.3f}  F1 {r['f1']:.3f}"
        ext.add_row(name, r["label"], str(r["rows"]), figs, r.get("note", ""))
    console.print(ext)
