"""The self-contained HTML calibration report (no scripts, no external assets; text is escaped)."""
from __future__ import annotations

from .compare import CalibrationReport
from .templating import render


def render_calibration_html(report: CalibrationReport) -> str:
    evaluators = sorted({e for o in report.observations for e in o.evaluators})
    points = sum(len(o.discussion_points) for o in report.observations)
    return render("calibration.html.j2", r=report, evaluators=evaluators, n_points=points)
