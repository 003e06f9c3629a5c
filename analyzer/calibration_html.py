"""The self-contained HTML calibration report (no scripts, no external assets; text is escaped)."""
from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup, escape

from .agreement import Statistic
from .compare import CalibrationReport


def _stat(s: Statistic) -> Markup:
    """Three table cells: value, units, reading (or why there is no value)."""
    value = f"{s.value:.3f}" if s.value is not None else s.status.replace("_", " ")
    reading = s.reading if s.value is not None else s.reason
    return Markup(f'<td class="num">{escape(value)}</td><td class="num">{s.units}</td><td>{escape(reading or "")}</td>')


@lru_cache(maxsize=1)
def _template():
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("analyzer", "templates"), autoescape=select_autoescape(["j2", "html"]),
                      trim_blocks=True, lstrip_blocks=True)
    return env.get_template("calibration.html.j2")


def render_calibration_html(report: CalibrationReport) -> str:
    evaluators = sorted({e for o in report.observations for e in o.evaluators})
    points = sum(len(o.discussion_points) for o in report.observations)
    return _template().render(r=report, evaluators=evaluators, n_points=points, stat=_stat)
