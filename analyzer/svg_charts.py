"""Small inline SVG charts for the self-contained HTML reports (no scripts, no external assets).

Each function returns markup-safe SVG with a <title> and <desc> for screen readers, a `data-chart`
attribute naming the chart and one element per data point carrying `data-label` / `data-value`, so
tests (and users' own tools) can read the figures back from the HTML.
"""
from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

BAR = "#2f6fb0"
GRID = "#d0d7de"
TEXT = "#1a1a1a"
LINE_COLOURS = ("#2f6fb0", "#bf3989", "#1a7f37", "#b35900", "#6639ba", "#0a7d8c", "#8a6d00", "#57606a")


def _fmt(value: float, digits: int) -> str:
    return f"{value:.{digits}f}"


def _open(name: str, title: str, desc: str, width: float, height: float) -> str:
    """The <svg> element with its accessible title and description (the data in words)."""
    return (f'<svg class="chart" data-chart="{escape(name)}" role="img" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>")


def bar_chart(name: str, title: str, rows: Sequence[tuple[str, float | None]], *, maximum: float,
              digits: int = 1, unit: str = "") -> Markup:
    """Horizontal bars, one per (label, value); None values are drawn as 'no data'."""
    label_w, bar_w, row_h, top = 150, 300, 22, 8
    height = top + row_h * max(len(rows), 1) + 8
    width = label_w + bar_w + 70
    desc = "; ".join(f"{label}: {'no data' if v is None else _fmt(v, digits) + unit}" for label, v in rows)
    parts = [_open(name, title, desc, width, height)]
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        short = label if len(label) <= 22 else label[:21] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12" fill="{TEXT}">'
                     f"{escape(short)}</text>")
        if value is None:
            parts.append(f'<text class="datum" data-label="{escape(label)}" data-value="" x="{label_w + 4}" '
                         f'y="{y + 15}" font-size="12" fill="#57606a">no data</text>')
            continue
        w = 0 if maximum <= 0 else max(0.0, min(value / maximum, 1.0)) * bar_w
        parts.append(f'<rect class="datum" data-label="{escape(label)}" data-value="{_fmt(value, digits)}" '
                     f'x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 7}" fill="{BAR}"/>')
        parts.append(f'<text x="{label_w + w + 5:.1f}" y="{y + 15}" font-size="12" fill="{TEXT}">'
                     f"{_fmt(value, digits)}{escape(unit)}</text>")
    parts.append(f'<line x1="{label_w}" y1="{top}" x2="{label_w}" y2="{height - 8}" stroke="{GRID}"/></svg>')
    return Markup("".join(parts))


def histogram(name: str, title: str, labels: Sequence[str], counts: Sequence[int]) -> Markup:
    """Vertical bars, one per bin (label, count)."""
    left, bottom, plot_w, plot_h = 40, 34, 420, 150
    width, height = left + plot_w + 10, plot_h + bottom + 10
    peak = max(counts) if counts and max(counts) > 0 else 1
    step = plot_w / max(len(counts), 1)
    desc = "; ".join(f"{label}: {c}" for label, c in zip(labels, counts))
    parts = [_open(name, title, desc, width, height),
             f'<line x1="{left}" y1="{plot_h + 10}" x2="{left + plot_w}" y2="{plot_h + 10}" stroke="{GRID}"/>',
             f'<text x="{left - 6}" y="18" text-anchor="end" font-size="11" fill="{TEXT}">{peak}</text>']
    for i, (label, c) in enumerate(zip(labels, counts)):
        h = c / peak * plot_h
        x = left + i * step
        parts.append(f'<rect class="datum" data-label="{escape(label)}" data-value="{c}" x="{x + 2:.1f}" '
                     f'y="{plot_h + 10 - h:.1f}" width="{step - 4:.1f}" height="{h:.1f}" fill="{BAR}"/>')
        parts.append(f'<text x="{x + step / 2:.1f}" y="{plot_h + 26}" text-anchor="middle" font-size="10" '
                     f'fill="{TEXT}">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def level_lines(name: str, title: str, dates: Sequence[str], series: dict[str, Sequence[int | None]],
                levels: Sequence[int]) -> Markup:
    """Ratings over time: one line per component (x = observation in date order, y = level)."""
    left, top, plot_w, plot_h, legend_h = 40, 10, 480, 150, 20 * ((len(series) + 3) // 4)
    width, height = left + plot_w + 45, top + plot_h + 40 + legend_h  # room for the last date label
    lo, hi = min(levels), max(levels)
    span = max(hi - lo, 1)
    n = len(dates)

    def xy(i: int, v: int) -> tuple[float, float]:
        x = left + (plot_w / 2 if n == 1 else i * plot_w / (n - 1))
        return x, top + (hi - v) / span * plot_h

    desc = "; ".join(f"{c}: " + ", ".join(f"{d} {v}" for d, v in zip(dates, vals) if v is not None)
                     for c, vals in series.items())
    parts = [_open(name, title, desc, width, height)]
    for v in levels:
        y = xy(0, v)[1]
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>'
                     f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{TEXT}">{v}</text>')
    for i, d in enumerate(dates):
        if n <= 8 or i % max(n // 6, 1) == 0:
            x = xy(i, lo)[0]
            parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 18}" text-anchor="middle" font-size="10" '
                         f'fill="{TEXT}">{escape(d)}</text>')
    for k, (component, values) in enumerate(series.items()):
        colour = LINE_COLOURS[k % len(LINE_COLOURS)]
        points = [(xy(i, v), d, v) for i, (d, v) in enumerate(zip(dates, values)) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for (x, y), _, _ in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (x, y), d, v in points:
            parts.append(f'<circle class="datum" data-label="{escape(component)} {escape(d)}" data-value="{v}" '
                         f'cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>')
        lx, ly = left + (k % 4) * 120, top + plot_h + 36 + (k // 4) * 20
        parts.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{lx + 14}" y="{ly}" font-size="11" fill="{TEXT}">{escape(component)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
