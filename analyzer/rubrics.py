"""Rubrics: the YAML format, strict validation with file/line/key-path errors, and lookup by id or path.

A rubric has an id, name, version, ordered performance levels, domains holding components (id, name,
description, look-fors, one descriptor per level, optional example sentences) and optional profiles
(named subsets of components a district actually rates). Shipped rubrics live in
`corpora/rubrics/`; users add files or folders with `FQA_RUBRIC_PATH` (os.pathsep-separated) or
name a file directly wherever a rubric id is accepted.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from .config import get_settings
from .errors import FqaError, problem_list

RUBRIC_SUFFIXES = (".yaml", ".yml")
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class RubricError(FqaError, ValueError):
    """A rubric file cannot be read, or a rubric id/component/level is unknown."""

    code = "bad_rubric"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Strict):
    value: int
    label: Text


class Component(_Strict):
    id: Ident
    name: Text
    description: Text
    look_fors: list[Text] = Field(min_length=1)
    levels: dict[int, Text]
    examples: list[Text] = Field(default_factory=list, description="sentences known to be about this component")


class Domain(_Strict):
    id: Ident
    name: Text
    components: list[Component] = Field(min_length=1)


class Profile(_Strict):
    id: Ident
    name: Text
    description: str = ""
    components: list[Ident] = Field(min_length=1)


class Rubric(_Strict):
    id: Ident
    name: Text
    version: Text
    description: str = ""
    levels: list[Level] = Field(min_length=2)
    domains: list[Domain] = Field(min_length=1)
    profiles: list[Profile] = Field(default_factory=list)

    @cached_property
    def components(self) -> list[Component]:
        return [c for d in self.domains for c in d.components]

    @cached_property
    def component_ids(self) -> list[str]:
        return [c.id for c in self.components]

    @cached_property
    def domain_of(self) -> dict[str, str]:
        return {c.id: d.id for d in self.domains for c in d.components}

    @property
    def level_values(self) -> list[int]:
        return [lv.value for lv in self.levels]

    def level_label(self, value: int) -> str:
        return next(lv.label for lv in self.levels if lv.value == value)

    def component(self, component_id: str) -> Component:
        """The component with this id (case-insensitive); RubricError naming the valid ids otherwise."""
        wanted = component_id.strip().lower()
        for c in self.components:
            if c.id.lower() == wanted:
                return c
        raise RubricError(f"rubric '{self.id}' has no component '{component_id}'; "
                          f"its components are {', '.join(self.component_ids)}")

    def profile(self, profile_id: str) -> Profile:
        for p in self.profiles:
            if p.id.lower() == profile_id.strip().lower():
                return p
        known = ", ".join(p.id for p in self.profiles) or "none"
        raise RubricError(f"rubric '{self.id}' has no profile '{profile_id}'; its profiles are: {known}")

    @cached_property
    def digest(self) -> str:
        """Changes whenever any text of the rubric changes (used to cache its embeddings)."""
        return hashlib.sha1(self.model_dump_json().encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rubric file."""

    path: str  # key path, e.g. "domains[0].components[2].levels"
    line: int | None
    message: str

    def render(self, source: str) -> str:
        where = f"{source}, line {self.line}" if self.line else source
        return f"{where}: {self.path or '(top level)'}: {self.message}"


# ---------------------------------------------------------------- reading YAML with line numbers

def _key_path(loc: tuple) -> str:
    """("domains", 0, "components", 2, "levels", 3) -> "domains[0].components[2].levels.3" (list positions in
    brackets; a component's level keys, which are mapping keys, after a dot)."""
    out = ""
    for k, part in enumerate(loc):
        is_level_key = k >= 2 and loc[k - 1] == "levels"
        if isinstance(part, int) and not is_level_key:
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _line_index(node: yaml.Node, loc: tuple = (), index: dict | None = None,
                problems: list[Problem] | None = None) -> dict[tuple, int]:
    """Map each key path of the YAML tree to its 1-based line; note duplicate mapping keys."""
    index = {} if index is None else index
    index[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value
            try:
                key = int(key) if key_node.tag.endswith(":int") else key
            except ValueError:
                pass
            if key in seen and problems is not None:
                problems.append(Problem(_key_path(loc + (key,)), key_node.start_mark.line + 1,
                                        f"duplicate key '{key}' (YAML keeps only the last one)"))
            seen.add(key)
            index[loc + (key,)] = key_node.start_mark.line + 1
            _line_index(value_node, loc + (key,), index, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_index(item, loc + (i,), index, problems)
    return index


def _line_for(index: dict[tuple, int], loc: tuple) -> int | None:
    while loc not in index and loc:
        loc = loc[:-1]
    return index.get(loc)


def _pydantic_problems(exc: ValidationError, index: dict[tuple, int]) -> list[Problem]:
    problems = []
    for e in exc.errors():
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = f"unknown key '{loc[-1]}'"
        elif e["type"] == "missing":
            msg = f"required key '{loc[-1]}' is missing"
        elif e["type"] == "string_pattern_mismatch":
            msg = "ids use letters, digits, '.', '_' or '-' and start with a letter or digit"
        problems.append(Problem(_key_path(loc), _line_for(index, loc), msg))
    return problems


def _semantic_problems(rubric: Rubric, index: dict[tuple, int]) -> list[Problem]:
    """Rules the schema alone cannot state: ordering, uniqueness, descriptors for every level, profiles."""
    problems = []

    def add(loc: tuple, message: str) -> None:
        problems.append(Problem(_key_path(loc), _line_for(index, loc), message))

    values = rubric.level_values
    for i in range(1, len(values)):
        if values[i] <= values[i - 1]:
            add(("levels", i, "value"), f"level values must increase from low to high; {values[i]} follows "
                                         f"{values[i - 1]}")
    for i in _repeated([lv.label for lv in rubric.levels]):
        add(("levels", i, "label"), f"duplicate level label '{rubric.levels[i].label}'")
    for i in _repeated([d.id for d in rubric.domains]):
        add(("domains", i, "id"), f"duplicate domain id '{rubric.domains[i].id}'")
    for i in _repeated([p.id for p in rubric.profiles]):
        add(("profiles", i, "id"), f"duplicate profile id '{rubric.profiles[i].id}'")
    seen_components: dict[str, tuple] = {}
    for di, domain in enumerate(rubric.domains):
        for ci, comp in enumerate(domain.components):
            loc = ("domains", di, "components", ci)
            if comp.id.lower() in seen_components:
                add(loc + ("id",), f"duplicate component id '{comp.id}' (first defined at "
                                   f"{_key_path(seen_components[comp.id.lower()])})")
            else:
                seen_components[comp.id.lower()] = loc
            for value in values:
                if value not in comp.levels:
                    add(loc + ("levels",), f"missing level descriptor for level {value} "
                                           f"({rubric.level_label(value)})")
            for value in comp.levels:
                if value not in values:
                    add(loc + ("levels", value), f"unknown level {value}; the rubric's levels are "
                                                 f"{', '.join(map(str, values))}")
    for pi, profile in enumerate(rubric.profiles):
        for ki, cid in enumerate(profile.components):
            if cid.lower() not in seen_components:
                add(("profiles", pi, "components", ki), f"unknown component '{cid}' in profile '{profile.id}'")
        if len({c.lower() for c in profile.components}) != len(profile.components):
            add(("profiles", pi, "components"), f"profile '{profile.id}' lists a component twice")
    return problems


def _repeated(names: list[str]) -> list[int]:
    """Positions of names (case-insensitive) that already occurred earlier in the list."""
    seen: set[str] = set()
    out = []
    for i, name in enumerate(names):
        if name.lower() in seen:
            out.append(i)
        seen.add(name.lower())
    return out


def check_rubric_text(text: str, source: str = "<rubric>") -> tuple[Rubric | None, list[Problem]]:
    """Parse and validate rubric YAML; return the rubric (None if invalid) and every problem found."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem("", line, f"not valid YAML: {reason}")]
    if node is None:
        return None, [Problem("", None, "the file is empty")]
    problems: list[Problem] = []
    index = _line_index(node, problems=problems)
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        return None, [Problem("", 1, "a rubric is a mapping with keys id, name, version, levels, domains")]
    try:
        rubric = Rubric.model_validate(data)
    except ValidationError as exc:
        return None, problems + _pydantic_problems(exc, index)
    problems += _semantic_problems(rubric, index)
    return (None if problems else rubric), problems


def load_rubric_file(path: Path) -> Rubric:
    """Load one rubric file; RubricError listing every problem (file, line, key path) otherwise."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RubricError(f"cannot read rubric file {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RubricError(f"{path}: not UTF-8 (byte {raw[exc.start]:#04x} at position {exc.start}); "
                          "save the rubric as UTF-8") from None
    rubric, problems = check_rubric_text(text, str(path))
    if problems:
        raise RubricError(problem_list("in the rubric", [p.render(str(path)) for p in problems]))
    return rubric


# ---------------------------------------------------------------- the registry

def rubric_sources() -> list[Path]:
    """Where rubrics are looked for: the shipped folder, then each entry of FQA_RUBRIC_PATH."""
    settings = get_settings()
    extra = [Path(p) for p in (settings.rubric_path or "").split(os.pathsep) if p.strip()]
    return [settings.corpora_dir / "rubrics", *extra]


def rubric_files(source: Path) -> list[Path]:
    if source.is_file():
        return [source]
    if source.is_dir():
        return sorted(p for p in source.iterdir() if p.suffix.lower() in RUBRIC_SUFFIXES)
    return []


_cache: dict[tuple[str, int, int], Rubric] = {}


def _load_cached(path: Path) -> Rubric:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _cache:
        _cache[key] = load_rubric_file(path)
    return _cache[key]


def available_rubrics() -> dict[str, tuple[Rubric, Path]]:
    """Every rubric found, by id. A later source with the same id is an error, not a silent override."""
    found: dict[str, tuple[Rubric, Path]] = {}
    for source in rubric_sources():
        if not source.exists() and source != rubric_sources()[0]:
            raise RubricError(f"FQA_RUBRIC_PATH names {source}, which does not exist")
        for path in rubric_files(source):
            rubric = _load_cached(path)
            if rubric.id in found:
                raise RubricError(f"rubric id '{rubric.id}' is defined twice: {found[rubric.id][1]} and {path}; "
                                  "give one of them another id")
            found[rubric.id] = (rubric, path)
    return found


def get_rubric(path_or_id: str | Path | Rubric) -> Rubric:
    """A rubric by id (shipped or on FQA_RUBRIC_PATH) or by the path of a YAML file."""
    if isinstance(path_or_id, Rubric):
        return path_or_id
    as_path = Path(path_or_id)
    if as_path.suffix.lower() in RUBRIC_SUFFIXES or as_path.is_file():
        if not as_path.is_file():
            raise RubricError(f"rubric file not found: {as_path}")
        return _load_cached(as_path)
    try:
        return get_rubric_by_id(str(path_or_id))
    except RubricError as exc:
        raise RubricError(f"{exc} (or give the path of a rubric YAML file)") from None


def get_rubric_by_id(rubric_id: str) -> Rubric:
    """A rubric by id only (never a path): what a network caller may ask for."""
    rubrics = available_rubrics()
    wanted = rubric_id.strip().lower()
    for rid, (rubric, _) in rubrics.items():
        if rid.lower() == wanted:
            return rubric
    raise RubricError(f"unknown rubric '{rubric_id}'; available: {', '.join(sorted(rubrics)) or 'none'}")


def resolve_ratings(rubric: Rubric, ratings: dict[str, int | str] | None,
                    profile: str | None = None) -> dict[str, int]:
    """Ratings keyed by the rubric's own component ids, each a valid level value.

    A level may be given as its value (3, "3") or its label ("Proficient"). With a profile, ratings
    for components outside it are an error.
    """
    allowed = None if profile is None else {c.lower() for c in rubric.profile(profile).components}
    out: dict[str, int] = {}
    for key, level in (ratings or {}).items():
        comp = rubric.component(str(key))
        if allowed is not None and comp.id.lower() not in allowed:
            raise RubricError(f"component '{comp.id}' is not in profile '{profile}' of rubric '{rubric.id}' "
                              f"(the profile rates {', '.join(rubric.profile(profile).components)})")
        out[comp.id] = _level_value(rubric, comp.id, level)
    return out


def _level_value(rubric: Rubric, component_id: str, level: int | str) -> int:
    if isinstance(level, bool):
        level = str(level)
    if isinstance(level, int) or (isinstance(level, str) and level.strip().lstrip("-").isdigit()):
        value = int(level)
        if value in rubric.level_values:
            return value
    elif isinstance(level, str):
        for lv in rubric.levels:
            if lv.label.lower() == level.strip().lower():
                return lv.value
    levels = ", ".join(f"{lv.value} ({lv.label})" for lv in rubric.levels)
    raise RubricError(f"rating '{level}' for component {component_id} is not a level of rubric "
                      f"'{rubric.id}'; use one of {levels}")
