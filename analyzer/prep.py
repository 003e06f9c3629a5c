"""Mid-year conversation prep: one teacher's feedback across the year, from batch results.

`TeacherPrepBuilder(teacher)` takes batch result rows (`add`) in any order and `build()`s a
`TeacherPrep`: ratings over time per component, which components the feedback addressed with and
without evidence, strengths and growth areas with the sentences behind them, the next steps and
questions evaluators already gave, and suggested reflective questions for the conversation. It reads
only the analysis already in the results (no model runs), so it is as fast as reading the file.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

from .errors import FqaError
from .rubrics import Rubric, RubricError, get_rubric_by_id

MAX_QUESTIONS = 5
QUOTE_CHARS = 140


class PrepError(FqaError, ValueError):
    code = "bad_prep_input"


class PrepRecord(BaseModel):
    record_id: str
    date: str | None
    evaluator: str | None
    observation_id: str | None
    overall: float
    ratings: dict[str, int]


class RatingPoint(BaseModel):
    date: str | None
    evaluator: str | None
    record_id: str
    value: int
    label: str


class ComponentHistory(BaseModel):
    component: str
    name: str
    ratings: list[RatingPoint] = Field(description="in date order")
    first: int | None
    latest: int | None
    mean: float | None
    trend: Literal["up", "down", "steady", "one rating", "not rated"]
    addressed: int = Field(description="records whose feedback speaks to the component")
    with_evidence: int = Field(description="records that cite evidence for it")
    rated_without_evidence: int = Field(description="records that rate it but cite no evidence for it")


class PrepSentence(BaseModel):
    record_id: str
    date: str | None
    evaluator: str | None
    component: str | None
    text: str


class SuggestedQuestion(BaseModel):
    component: str | None
    question: str
    why: str


class TeacherPrep(BaseModel):
    teacher: str
    rubric: str | None
    levels: dict[int, str]
    schools: list[str]
    evaluators: list[str]
    first_date: str | None
    last_date: str | None
    records: list[PrepRecord]
    components: list[ComponentHistory]
    strengths: list[PrepSentence]
    growth_areas: list[PrepSentence]
    next_steps: list[PrepSentence]
    questions_asked: list[PrepSentence]
    suggested_questions: list[SuggestedQuestion]


def _sentences(result: dict, indices: Iterable[int]) -> list[PrepSentence]:
    sentences = result["analysis"]["sentences"]
    return [PrepSentence(record_id=result["record_id"], date=result.get("date"), evaluator=result.get("evaluator"),
                         component=sentences[i]["component"], text=sentences[i]["text"]) for i in indices]


def _order(result: dict) -> tuple[str, str]:
    return (result.get("date") or "9999", result["record_id"])


def _readiness(result: dict, key: str) -> list[int]:
    items = result["analysis"]["scores"]["readiness"]["items"]
    return next((i["sentences"] for i in items if i["key"] == key), [])


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    """One line of at most `limit` characters (whitespace collapsed, an ellipsis where cut)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


class TeacherPrepBuilder:
    """Collects one teacher's results; keeps only what the prep needs from each analysis."""

    def __init__(self, teacher: str):
        self.teacher = teacher
        self._results: list[dict] = []

    def add(self, result: dict) -> None:
        if result.get("teacher") != self.teacher:
            return
        a = result["analysis"]
        slim = {k: result.get(k) for k in ("record_id", "date", "evaluator", "observation_id", "school", "rubric",
                                           "ratings")}
        keep = set()
        for key in ("strengths_with_evidence", "growth_with_evidence", "reflective_questions", "next_steps"):
            keep.update(_readiness(result, key))
        slim["analysis"] = {
            "sentences": {i: {"text": s["text"], "component": s["component"]} for i, s in enumerate(a["sentences"])
                          if i in keep},
            "scores": {"readiness": a["scores"]["readiness"], "overall": a["scores"]["overall"],
                       "alignment": a["scores"].get("alignment")},
        }
        self._results.append(slim)

    def build(self) -> TeacherPrep:
        if not self._results:
            raise PrepError(f"no results for teacher '{self.teacher}'; check the id (the teacher column of the input)")
        results = sorted(self._results, key=_order)
        rubric = _rubric_of(results)
        levels = {lv.value: lv.label for lv in rubric.levels} if rubric else {}
        components = _components(results, rubric, levels)
        strengths = [s for r in results for s in _sentences(r, _readiness(r, "strengths_with_evidence"))]
        growth = [s for r in results for s in _sentences(r, _readiness(r, "growth_with_evidence"))]
        return TeacherPrep(
            teacher=self.teacher, rubric=rubric.id if rubric else None, levels=levels,
            schools=sorted({r["school"] for r in results if r.get("school")}),
            evaluators=sorted({r["evaluator"] for r in results if r.get("evaluator")}),
            first_date=next((r["date"] for r in results if r.get("date")), None),
            last_date=next((r["date"] for r in reversed(results) if r.get("date")), None),
            records=[PrepRecord(record_id=r["record_id"], date=r.get("date"), evaluator=r.get("evaluator"),
                                observation_id=r.get("observation_id"),
                                overall=r["analysis"]["scores"]["overall"]["score"], ratings=r.get("ratings") or {})
                     for r in results],
            components=components, strengths=strengths, growth_areas=growth,
            next_steps=[s for r in results for s in _sentences(r, _readiness(r, "next_steps"))],
            questions_asked=[s for r in results for s in _sentences(r, _readiness(r, "reflective_questions"))],
            suggested_questions=suggest_questions(components, strengths, growth, rubric),
        )


def _rubric_of(results: list[dict]) -> Rubric | None:
    counts: dict[str, int] = defaultdict(int)
    for r in results:
        if r.get("rubric"):
            counts[r["rubric"]] += 1
    if not counts:
        return None
    try:
        return get_rubric_by_id(max(counts, key=counts.get))
    except RubricError:
        return None  # a rubric no longer on the path: components are shown by id


def _components(results: list[dict], rubric: Rubric | None, levels: dict[int, str]) -> list[ComponentHistory]:
    points: dict[str, list[RatingPoint]] = defaultdict(list)
    addressed: dict[str, int] = defaultdict(int)
    evidenced: dict[str, int] = defaultdict(int)
    unsupported: dict[str, int] = defaultdict(int)
    for r in results:
        coverage = {c["id"]: c for c in ((r["analysis"]["scores"].get("alignment") or {}).get("coverage") or [])}
        for cid, value in (r.get("ratings") or {}).items():
            points[cid].append(RatingPoint(date=r.get("date"), evaluator=r.get("evaluator"), record_id=r["record_id"],
                                           value=value, label=levels.get(value, str(value))))
            if not coverage.get(cid, {}).get("evidence_sentences"):
                unsupported[cid] += 1
        for cid, c in coverage.items():
            addressed[cid] += 1
            evidenced[cid] += bool(c["evidence_sentences"])
    order = rubric.component_ids if rubric else sorted(set(points) | set(addressed))
    names = {c.id: c.name for c in rubric.components} if rubric else {}
    out = []
    for cid in order:
        if cid not in points and cid not in addressed:
            continue
        values = [p.value for p in points.get(cid, [])]
        if not values:
            trend = "not rated"
        elif len(values) == 1:
            trend = "one rating"
        else:
            trend = "up" if values[-1] > values[0] else "down" if values[-1] < values[0] else "steady"
        out.append(ComponentHistory(
            component=cid, name=names.get(cid, cid), ratings=points.get(cid, []),
            first=values[0] if values else None, latest=values[-1] if values else None,
            mean=round(sum(values) / len(values), 2) if values else None, trend=trend, addressed=addressed.get(cid, 0),
            with_evidence=evidenced.get(cid, 0), rated_without_evidence=unsupported.get(cid, 0)))
    return out


def suggest_questions(components: list[ComponentHistory], strengths: list[PrepSentence],
                      growth: list[PrepSentence], rubric: Rubric | None) -> list[SuggestedQuestion]:
    """Open questions for the conversation, from the year's ratings and the sentences behind them."""
    levels = rubric.level_values if rubric else []
    target = levels[len(levels) // 2] if levels else None  # e.g. 3 of 1-4: the first "meets expectations" level
    label = (lambda v: rubric.level_label(v)) if rubric else str
    growth_by = defaultdict(list)
    for s in growth:
        growth_by[s.component].append(s)
    strength_by = defaultdict(list)
    for s in strengths:
        strength_by[s.component].append(s)

    def name(c: ComponentHistory) -> str:
        return c.name[0].lower() + c.name[1:]

    questions: list[SuggestedQuestion] = []
    rated = [c for c in components if c.latest is not None]
    low = sorted((c for c in rated if target is not None and c.latest < target), key=lambda c: (c.latest, c.component))
    growth_only = [c for c in components if growth_by.get(c.component) and c not in low]
    for c in (low + growth_only)[:2]:
        said = growth_by.get(c.component)
        if said and target is not None and c.latest is not None and c.latest >= target and c.ratings:
            s = said[-1]
            questions.append(SuggestedQuestion(
                component=c.component,
                question=f"On {s.date or 'one visit'} the feedback on {name(c)} said: \"{shorten(s.text)}\" By "
                         f"{c.ratings[-1].date or 'the last visit'} it was rated {label(c.latest)}. What changed, and "
                         f"what helped most?",
                why=f"{c.component} was named as a growth area and is now rated {label(c.latest)}"))
        elif said:
            s = said[-1]
            questions.append(SuggestedQuestion(
                component=c.component,
                question=f"On {s.date or 'one visit'} the feedback on {name(c)} said: \"{shorten(s.text)}\" What have "
                         f"you tried since, and what have you noticed in how students respond?",
                why=f"{c.component} is a growth area" + (f" (latest rating {label(c.latest)})" if c.latest else "")))
        else:
            questions.append(SuggestedQuestion(
                component=c.component,
                question=f"What would help you most to move {name(c)} ({c.component}) from {label(c.latest)} "
                         f"toward {label(target)}, and what could you try first?",
                why=f"latest rating {label(c.latest)}, below {label(target)}"))
    rising = next((c for c in rated if c.trend == "up"), None)
    if rising is not None and len(questions) < MAX_QUESTIONS - 1:
        questions.append(SuggestedQuestion(
            component=rising.component,
            question=f"Your ratings for {name(rising)} moved from {label(rising.first)} to {label(rising.latest)} "
                     f"this year. What changed in your planning or teaching, and what do you want to keep doing?",
            why=f"{rising.component} rose from {rising.first} to {rising.latest}"))
    unbacked = next((c for c in components if c.rated_without_evidence), None)
    if unbacked is not None and len(questions) < MAX_QUESTIONS - 1:
        questions.append(SuggestedQuestion(
            component=unbacked.component,
            question=f"{unbacked.name} was rated {unbacked.rated_without_evidence} time(s) without a described "
                     f"moment. Which moment of your teaching this year best shows it, and what did students do?",
            why=f"{unbacked.component} rated without evidence in {unbacked.rated_without_evidence} record(s)"))
    strongest = max((c for c in components if strength_by.get(c.component)),
                    key=lambda c: (len(strength_by[c.component]), c.latest or 0), default=None)
    if strongest is not None:
        focus = next((q.component for q in questions if q.component and q.component != strongest.component), None)
        link = f", and how could it help with {name(next(c for c in components if c.component == focus))}" if focus else ""
        questions.append(SuggestedQuestion(
            component=strongest.component,
            question=f"Observers repeatedly named {name(strongest)} as a strength. What makes it work in your "
                     f"classroom{link}?",
            why=f"{len(strength_by[strongest.component])} strength sentence(s) about {strongest.component}"))
    if not questions:
        questions.append(SuggestedQuestion(
            component=None, question="Looking back over this year's observations, which lesson are you proudest of, "
                                     "and what would you change if you taught it again?",
            why="no rated or evidenced component stands out; a general opener"))
    return questions[:MAX_QUESTIONS]


def teacher_prep(results: Iterable[dict], teacher: str) -> TeacherPrep:
    builder = TeacherPrepBuilder(teacher)
    for r in results:
        builder.add(r)
    return builder.build()
