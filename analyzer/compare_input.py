"""Read calibration records for `fqa compare`: JSON (a list, or {"records": [...]}), JSONL, or CSV with
ratings either long (one row per component: `component`, `rating`) or wide (one column per component).

Column names are matched case-insensitively with common aliases (e.g. `rater` for `evaluator_id`,
`feedback` for `text`). Anchor (master) ratings are records with `anchor` true or evaluator `anchor`.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .compare import ANCHOR_EVALUATOR, CompareError
from .textcheck import decode_bytes

ALIASES = {
    "observation_id": ("observation_id", "observation", "obs", "obs_id", "lesson_id"),
    "evaluator_id": ("evaluator_id", "evaluator", "rater", "rater_id", "observer", "observer_id"),
    "rubric": ("rubric", "rubric_id", "framework"),
    "text": ("text", "feedback", "feedback_text", "comments", "narrative"),
    "component": ("component", "component_id", "indicator", "dimension"),
    "rating": ("rating", "level", "score"),
    "anchor": ("anchor", "is_anchor", "master"),
}
TRUE = {"1", "true", "yes", "y", "t"}
RATING_PREFIXES = ("rating_", "rating:", "rating ")


def read_records(path: Path, encoding: str = "utf-8", rubric: str | None = None) -> list[dict]:
    """Records (dicts for `compare`) from a file; CompareError naming the line and what to fix."""
    if not path.exists():
        raise CompareError(f"file not found: {path}")
    text = decode_bytes(path.read_bytes(), str(path), encoding)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _json(text, path)
    if suffix == ".jsonl":
        return _jsonl(text, path)
    if suffix in (".csv", ".tsv"):
        return _csv(text, path, "\t" if suffix == ".tsv" else ",", rubric)
    raise CompareError(f"{path}: unknown file type '{suffix}'; use .json, .jsonl, .csv or .tsv")


def _json(text: str, path: Path) -> list[dict]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CompareError(f"{path}, line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if isinstance(data, dict) and isinstance(data.get("records"), list):
        data = data["records"]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise CompareError(f"{path}: expected a JSON list of records (or {{\"records\": [...]}})")
    return data


def _jsonl(text: str, path: Path) -> list[dict]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CompareError(f"{path}, line {n}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise CompareError(f"{path}, line {n}: each line must be one JSON object (a record)")
        out.append(row)
    return out


def _columns(header: list[str]) -> dict[str, str]:
    """Canonical name -> the header as written, for every header that is a known alias."""
    found = {}
    for h in header:
        key = h.strip().lower().replace(" ", "_").replace("-", "_")
        for canonical, names in ALIASES.items():
            if key in names and canonical not in found:
                found[canonical] = h
    return found


def _component_columns(header: list[str], cols: dict[str, str], rows: list[dict], rubric: str | None) -> list[str]:
    """Wide form: columns named `rating_<id>`, or named like a component of the rubric (other columns,
    such as teacher or school, are metadata and are left alone)."""
    from .rubrics import RubricError, get_rubric

    rubric_id = rubric or next((r.get(cols["rubric"]) for r in rows if r.get(cols.get("rubric", ""))), None)
    ids: set[str] = set()
    if rubric_id:
        try:
            ids = {c.lower() for c in get_rubric(rubric_id.strip()).component_ids}
        except RubricError as exc:
            raise CompareError(str(exc)) from None
    known = set(cols.values())
    return [h for h in header if h not in known
            and (h.strip().lower().startswith(RATING_PREFIXES) or h.strip().lower() in ids)]


def _csv(text: str, path: Path, delimiter: str, rubric: str | None) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = reader.fieldnames or []
    cols = _columns(header)
    missing = [c for c in ("observation_id", "evaluator_id") if c not in cols]
    if rubric is None and "rubric" not in cols:
        missing.append("rubric (or pass --rubric)")
    if missing:
        raise CompareError(f"{path}: missing column(s) {', '.join(missing)}; columns found: {', '.join(header)}")
    rows = list(reader)
    if not rows:
        raise CompareError(f"{path}: no data rows under the header")
    long = "component" in cols and "rating" in cols
    component_cols = [] if long else _component_columns(header, cols, rows, rubric)
    if not long and not component_cols:
        raise CompareError(f"{path}: no ratings: give 'component' and 'rating' columns (long form) or one column "
                           f"per component (wide form); columns found: {', '.join(header)}")
    records: dict[tuple[str, str], dict] = {}
    for n, row in enumerate(rows, 2):
        if None in row:
            raise CompareError(f"{path}, line {n}: more fields than the header has columns")
        obs = (row.get(cols["observation_id"]) or "").strip()
        ev = (row.get(cols["evaluator_id"]) or "").strip()
        if not obs or not ev:
            raise CompareError(f"{path}, line {n}: empty observation or evaluator id")
        rec = records.setdefault((obs, ev), {
            "observation_id": obs, "evaluator_id": ev,
            "rubric": (row.get(cols["rubric"]) or "").strip() if "rubric" in cols else rubric,
            "ratings": {}, "text": None, "anchor": ev.lower() == ANCHOR_EVALUATOR, "_line": n,
        })
        if not long and rec["_line"] != n:
            raise CompareError(f"{path}, line {n}: {obs}/{ev} already appeared on line {rec['_line']}; in the wide "
                               "form each (observation, evaluator) has one row")
        if "anchor" in cols and (row.get(cols["anchor"]) or "").strip().lower() in TRUE:
            rec["anchor"] = True
        text = (row.get(cols["text"]) or "").strip() if "text" in cols else ""
        if text:
            if rec["text"] and rec["text"] != text:
                raise CompareError(f"{path}, line {n}: {obs}/{ev} has two different feedback texts")
            rec["text"] = text
        if long:
            component = (row.get(cols["component"]) or "").strip()
            value = (row.get(cols["rating"]) or "").strip()
            if component and value:
                if component in rec["ratings"]:
                    raise CompareError(f"{path}, line {n}: {obs}/{ev} rates {component} twice")
                rec["ratings"][component] = value
        else:
            for col in component_cols:
                value = (row.get(col) or "").strip()
                if value:
                    name = col.strip()
                    for prefix in RATING_PREFIXES:
                        if name.lower().startswith(prefix):
                            name = name[len(prefix):].strip()
                    rec["ratings"][name] = value
    for rec in records.values():
        rec.pop("_line")
    return list(records.values())
