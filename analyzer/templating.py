"""The one Jinja2 environment for the self-contained HTML reports (autoescaped; templates in analyzer/templates)."""
from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup, escape

from .agreement import Statistic


def stat_cells(s: Statistic) -> Markup:
    """Three table cells: value, units, reading (or why there is no value)."""
    value = f"{s.value:.3f}" if s.value is not None else s.status.replace("_", " ")
    reading = s.reading if s.value is not None else s.reason
    return Markup(f'<td class="num">{escape(value)}</td><td class="num">{s.units}</td><td>{escape(reading or "")}</td>')


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("analyzer", "templates"),
                      autoescape=select_autoescape(["j2", "html", "css"]), trim_blocks=True, lstrip_blocks=True)
    env.globals["stat"] = stat_cells
    return env


def render(template: str, **context) -> str:
    return _environment().get_template(template).render(**context)
