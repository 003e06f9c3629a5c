"""Batch review of district exports: the pure core (`process_batch`) over a table of records.

`process_batch(records, columns)` takes a pandas DataFrame (one row per feedback record), validates
each row (id, text, rubric, ratings), analyses the good ones in batched passes, and returns result
rows and error rows. Every input row ends in exactly one of the two: records in = results + errors.
Runners (the local engine in batch_runner, the Ray engine in batch_ray) only read input, call this, and write.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from .errors import FqaError
from .pipeline import analyze_many
from .redact import Redactor
from .rubrics import RubricError, available_rubrics, get_rubric_by_id, resolve_ratings
from .textcheck import check_text

ALIASES: dict[str, tuple[str, ...]] = {
    "record_id": ("record_id", "id", "feedback_id", "row_id", "record"),
    "text": ("text", "feedback", "feedback_text", "comments", "narrative", "notes"),
    "observation_id": ("observation_id", "observation", "obs_id", "lesson_id"),
    "evaluator": ("evaluator_id", "evaluator", "rater", "observer", "observer_id"),
    "teacher": ("teacher_id", "teacher", "educator_id"),
    "school": ("school", "school_name", "site", "campus"),
    "date": ("date", "observation_date", "observed_on"),
    "rubric": ("rubric", "rubric_id", "framework"),
    "component": ("component", "component_id", "indicator", "criterion"),
    "rating": ("rating", "level", "rating_value", "performance_level"),
}
REQUIRED = ("record_id", "text")
OPTION = {"record_id": "--id-column", "observation_id": "--observation-column"}  # else --<field>-column


def option_for(key: str) -> str:
    """The `fqa batch` option that names the column of a field."""
    return OPTION.get(key, f"--{key.replace('_', '-')}-column")


class BatchInputError(FqaError, ValueError):
    """The input table cannot be processed at all (e.g. required columns missing)."""

    code = "bad_batch_input"


@dataclass(frozen=True)
class ColumnMap:
    """Which input column holds each field; `ratings` maps component id -> column (wide form)."""

    fields: dict[str, str]
    ratings: dict[str, str] = field(default_factory=dict)

    @property
    def long_form(self) -> bool:
        """Ratings in long rows: one row per (record, component) with `component` and `rating` columns; the
        rows of one record are consecutive and repeat (or leave empty) its text and metadata."""
        return "component" in self.fields and "rating" in self.fields


def _norm(name: str) -> str:
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def detect_columns(columns: list[str], overrides: dict[str, str] | None = None,
                   rubric: str | None = None) -> ColumnMap:
    """Map fields to columns by option, else by common names; ratings are columns named `rating_<id>`
    or like a component of the rubric (of any known rubric when rows name their own).
    Raises BatchInputError listing the columns found when a required field has no column."""
    overrides = overrides or {}
    found: dict[str, str] = {}
    normalized = {_norm(c): c for c in columns}
    for key, column in overrides.items():
        if column not in columns:
            raise BatchInputError(f"{option_for(key)} '{column}' is not a column of the input; "
                                  f"columns found: {', '.join(map(str, columns))}")
        found[key] = column
    for key, names in ALIASES.items():
        if key not in found:
            hit = next((normalized[n] for n in names if n in normalized), None)
            if hit is not None and hit not in found.values():
                found[key] = hit
    if ("component" in overrides) != ("rating" in overrides):
        raise BatchInputError("long-form ratings need both --component-column and --rating-column")
    if ("component" in found) != ("rating" in found):  # half a long form is not one: leave the column alone
        found.pop("component", None)
        found.pop("rating", None)
    missing = [k for k in REQUIRED if k not in found]
    if missing:
        raise BatchInputError(f"missing required column(s) for {', '.join(missing)} (name them with "
                              f"{option_for(missing[0])}); columns found: {', '.join(map(str, columns))}")
    if rubric:
        ids = {c.lower() for c in get_rubric_by_id(rubric).component_ids}
    else:  # the rubric is named per row: any component id of a known rubric marks a rating column
        ids = {c.lower() for r, _ in available_rubrics().values() for c in r.component_ids}
    ratings = {}
    for c in columns:
        if c in found.values():
            continue
        name = _norm(c)
        if name.startswith("rating_"):
            ratings[str(c)[len("rating_"):].strip()] = c
        elif name in ids:
            ratings[str(c).strip()] = c
    return ColumnMap(found, ratings)


def cell_text(value) -> str | None:
    """A cell as text (None when empty); whole floats from spreadsheets read as integers ("3", not "3.0")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text if text.strip() else None


@dataclass(frozen=True)
class LongGroup:
    """The consecutive rows of one record in long form: their row numbers, ratings, and what is wrong."""

    rows: list[int]
    ratings: dict[str, str]
    problem: str | None


def record_keys(records, columns: ColumnMap) -> list[str]:
    return [(cell_text(v) or "").strip() for v in records[columns.fields["record_id"]]]


def long_groups(records, columns: ColumnMap) -> dict[int, LongGroup]:
    """Long form: position of each record's first row -> its group (rows with an empty id stand alone)."""
    keys = record_keys(records, columns)
    numbers = [int(x) for x in records["__row__"]] if "__row__" in records else list(range(1, len(records) + 1))
    groups: dict[int, LongGroup] = {}
    start = 0
    for i in range(1, len(keys) + 1):
        if i < len(keys) and keys[i] and keys[i] == keys[start]:
            continue
        rows = range(start, i)
        ratings: dict[str, str] = {}
        problems = []
        texts = {t for r in rows if (t := cell_text(records.iloc[r][columns.fields["text"]]))}
        if len(texts) > 1:
            problems.append(f"the {len(rows)} rows of record '{keys[start]}' give different feedback texts; repeat "
                            "the same text on each row or leave it empty after the first")
        for r in rows:
            component = cell_text(records.iloc[r][columns.fields["component"]])
            value = cell_text(records.iloc[r][columns.fields["rating"]])
            if value is None:
                continue  # a component listed without a rating is not rated
            if component is None:
                problems.append(f"row {numbers[r]} has a rating but no component")
            elif component.strip() in ratings and ratings[component.strip()] != value:
                problems.append(f"component {component.strip()} is rated twice ({ratings[component.strip()]}, {value})")
            else:
                ratings[component.strip()] = value
        groups[start] = LongGroup([numbers[r] for r in rows], ratings, "; ".join(problems) or None)
        start = i
    return groups


def record_starts(records, columns: ColumnMap) -> list[int]:
    """Position of the first row of each record: every row, or in long form the first of each group."""
    return list(long_groups(records, columns)) if columns.long_form else list(range(len(records)))


def count_records(records, columns: ColumnMap) -> int:
    """Records in a table: rows, or in long form groups of consecutive rows with one record id."""
    return len(record_starts(records, columns))


def process_batch(records, columns: ColumnMap, default_rubric: str | None = None,
                  seen_ids: set[str] | None = None, duplicate_rows: set[int] | None = None,
                  redactor: Redactor | None = None) -> tuple[list[dict], list[dict]]:
    """Analyse every valid row of `records` (a pandas DataFrame); return (results, errors) in input order.

    `seen_ids` carries record ids across calls (chunks of one file) so duplicates are caught; it is
    updated in place. `duplicate_rows` names rows a caller already knows repeat an earlier id (a
    runner that splits a file among processes checks ids before dispatch). Each result: record id, row number,
    metadata, ratings, the analysis dict. Each error: row number, record id (if any), kind (a stable code such as
    empty_text, duplicate_record_id, bad_rating) and reason (what is wrong and what to fix).
    """
    seen = set() if seen_ids is None else seen_ids
    pending: list[tuple[int, dict]] = []
    outcome: dict[int, dict] = {}
    errors: dict[int, dict] = {}
    groups = long_groups(records, columns) if columns.long_form else None
    for position, (index, row) in enumerate(records.iterrows()):
        row_number = int(row.get("__row__", index))
        rid = cell_text(row[columns.fields["record_id"]])
        meta = {k: cell_text(row[c]) for k, c in columns.fields.items()
                if k not in ("record_id", "text", "component", "rating")}
        if groups is not None:
            if position not in groups:
                continue  # a later row of a record (long form): its rating is read with the record's first row
            group = groups[position]
            row_number = group.rows[0]

        def fail(kind: str, reason: str) -> None:
            errors[position] = {"row": row_number, "record_id": rid, "kind": kind, "reason": reason}

        if rid is None:
            fail("empty_record_id", "empty record id")
            continue
        rid = rid.strip()
        if rid in seen or row_number in (duplicate_rows or ()):
            fail("duplicate_record_id", f"duplicate record id '{rid}' (an earlier row has it)")
            continue
        seen.add(rid)
        if groups is not None and group.problem:
            fail("conflicting_rows", group.problem)
            continue
        text = cell_text(row[columns.fields["text"]])
        if text is None:
            fail("empty_text", "empty feedback text")
            continue
        try:
            check_text(text)
        except FqaError as exc:
            fail(exc.code, str(exc))
            continue
        rubric_id = meta.get("rubric") or default_rubric
        ratings_raw = {comp: v for comp, col in columns.ratings.items() if (v := cell_text(row[col])) is not None}
        if groups is not None:
            ratings_raw |= group.ratings
        try:
            rubric = get_rubric_by_id(rubric_id.strip()) if rubric_id else None
        except RubricError as exc:
            fail("unknown_rubric", str(exc))
            continue
        if ratings_raw and rubric is None:
            fail("ratings_without_rubric", "ratings given but no rubric: add a rubric column or pass --rubric")
            continue
        try:
            ratings = resolve_ratings(rubric, ratings_raw) if rubric is not None else {}
        except RubricError as exc:
            fail("bad_rating", str(exc))
            continue
        pending.append((position, {"record_id": rid, "row": row_number, "text": text, "rubric": rubric,
                                   "ratings": ratings, "meta": meta}))
    if redactor is not None and pending:
        for (_, item), text in zip(pending, redactor.redact_many([item["text"] for _, item in pending])):
            item["text"] = text
            for key in ("teacher", "evaluator"):
                if key in item["meta"]:
                    item["meta"][key] = redactor.pseudonym(key, item["meta"][key])
    by_rubric: dict[str | None, list[tuple[int, dict]]] = {}
    for position, item in pending:
        by_rubric.setdefault(item["rubric"].id if item["rubric"] else None, []).append((position, item))
    for group in by_rubric.values():
        rubric = group[0][1]["rubric"]
        analyses = analyze_many([item["text"] for _, item in group], rubric=rubric,
                                ratings=[item["ratings"] for _, item in group] if rubric else None)
        for (position, item), analysis in zip(group, analyses):
            outcome[position] = {"record_id": item["record_id"], "row": item["row"], **item["meta"],
                                 "rubric": rubric.id if rubric else None, "ratings": item["ratings"],
                                 "analysis": analysis.to_dict()}
    results = [outcome[p] for p in sorted(outcome)]
    return results, [errors[p] for p in sorted(errors)]


SCORE_COLUMNS = (
    "record_id", "observation_id", "evaluator", "teacher", "school", "date", "rubric", "sentences", "overall",
    "evidence", "evidence_share", "judgments", "unsupported_judgments", "questions", "open_questions",
    "closed_questions", "leading_questions", "question_score", "next_steps", "steps_tied_to_evidence",
    "actionability", "readiness_met", "alignment", "components_addressed", "components_with_evidence",
)


def score_row(result: dict) -> dict:
    """The flat table row of one result (keys: SCORE_COLUMNS): ids, metadata and every score."""
    s = result["analysis"]["scores"]
    a = s.get("alignment") or {}
    return {
        "record_id": result["record_id"], "observation_id": result.get("observation_id"),
        "evaluator": result.get("evaluator"), "teacher": result.get("teacher"), "school": result.get("school"),
        "date": result.get("date"), "rubric": result.get("rubric"),
        "sentences": s["evidence"]["sentences"], "overall": s["overall"]["score"], "evidence": s["evidence"]["score"],
        "evidence_share": s["evidence"]["evidence_share"], "judgments": s["evidence"]["judgments"],
        "unsupported_judgments": s["evidence"]["unsupported_judgments"], "questions": s["questions"]["total"],
        "open_questions": s["questions"]["open"], "closed_questions": s["questions"]["closed"],
        "leading_questions": s["questions"]["leading"], "question_score": s["questions"]["score"],
        "next_steps": s["actionability"]["next_steps"], "steps_tied_to_evidence": s["actionability"]["tied_to_evidence"],
        "actionability": s["actionability"]["score"], "readiness_met": s["readiness"]["met"],
        "alignment": a.get("score"), "components_addressed": a.get("components_addressed"),
        "components_with_evidence": a.get("components_with_evidence"),
    }
