"""Charts as inline SVG made on the server: no JavaScript, readable in print and on old phones.
Each has a <title> and <desc> (its text alternative); pages show the numbers in a table as well."""
from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 180


def _svg(title: str, desc: str, body: str, width: int = WIDTH, height: int = HEIGHT) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title><desc>{escape(desc)}</desc>'
        f"{body}</svg>")


def bars(title: str, desc: str, labels: list[str], series: list[tuple[str, list[int], str]]) -> Markup:
    """Grouped vertical bars: one group per label, one bar per series (name, values, colour)."""
    if not labels:
        return _svg(title, desc, "")
    top = max((max(values, default=0) for _n, values, _c in series), default=0) or 1
    plot_h, base, left = HEIGHT - 40, HEIGHT - 24, 36
    group = (WIDTH - left - 4) / len(labels)
    bar = max(group / (len(series) + 1), 0.5)
    parts = [f'<line x1="{left}" y1="{base}" x2="{WIDTH}" y2="{base}" stroke="#333"/>',
             f'<text x="{left - 4}" y="{base - plot_h + 10}" text-anchor="end" font-size="11">{top}</text>',
             f'<text x="{left - 4}" y="{base}" text-anchor="end" font-size="11">0</text>']
    for i, label in enumerate(labels):
        x0 = left + i * group
        for j, (_name, values, colour) in enumerate(series):
            h = values[i] / top * plot_h
            parts.append(f'<rect x="{x0 + j * bar:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{colour}"><title>{escape(label)}: {values[i]}</title></rect>')
    step = max(1, len(labels) // 8)  # at most about eight dates under the axis
    for i in range(0, len(labels), step):
        parts.append(f'<text x="{left + i * group:.1f}" y="{HEIGHT - 8}" font-size="11">{escape(labels[i])}</text>')
    return _svg(title, desc, "".join(parts))


def stacked(title: str, desc: str, parts: list[tuple[str, int, str]]) -> Markup:
    """One horizontal bar split into parts (label, value, colour), labelled with value and share."""
    total = sum(v for _l, v, _c in parts) or 1
    x, out, height = 0.0, [], 56
    for label, value, colour in parts:
        w = value / total * WIDTH
        if w > 0:
            out.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="30" fill="{colour}">'
                       f"<title>{escape(label)}: {value}</title></rect>")
            if w > 60:
                out.append(f'<text x="{x + 4:.1f}" y="48" font-size="12">{escape(label)} {value} '
                           f"({round(value * 100 / total)}%)</text>")
        x += w
    return _svg(title, desc, "".join(out), height=height)
