"""The page's trend chart as inline SVG: each area's mean round by round, one line per area. Lines differ by their
marker and dash as well as their colour, so the chart reads in black and white; the numbers are in the table the
page puts beside it, and the chart's label says what it shows."""

from __future__ import annotations

import pandas as pd

from .common import blank, escaped, mean_text
from .tables import FrameworkInfo

COLOURS = ("#1f4e79", "#9c3a00", "#2e7d32", "#6a1b9a", "#00695c", "#5d4037", "#37474f")
DASHES = ("", "8 4", "2 3", "12 4", "8 3 2 3", "12 3 2 3", "4 4")
SHAPES = ("circle", "square", "diamond", "triangle", "cross", "star", "plus")


def marker(shape: str, x: float, y: float, colour: str, r: float = 4.5) -> str:
    """A point's marker: a shape of its own per area."""
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" fill="{colour}"/>'
    if shape in ("cross", "plus"):
        d = r if shape == "plus" else r * 0.8
        lines = ((x - d, y, x + d, y), (x, y - d, x, y + d)) if shape == "plus" else \
            ((x - d, y - d, x + d, y + d), (x - d, y + d, x + d, y - d))
        return "".join(f'<line x1="{a:.1f}" y1="{b:.1f}" x2="{c:.1f}" y2="{e:.1f}" stroke="{colour}" '
                       f'stroke-width="2.5"/>' for a, b, c, e in lines)
    points = {"diamond": [(0, -1.3), (1.1, 0), (0, 1.3), (-1.1, 0)],
              "triangle": [(0, -1.3), (1.2, 0.9), (-1.2, 0.9)],
              "star": [(0, -1.4), (0.4, -0.4), (1.4, -0.4), (0.6, 0.25), (0.9, 1.3), (0, 0.65), (-0.9, 1.3),
                       (-0.6, 0.25), (-1.4, -0.4), (-0.4, -0.4)]}[shape]
    text = " ".join(f"{x + px * r:.1f},{y + py * r:.1f}" for px, py in points)
    return f'<polygon points="{text}" fill="{colour}"/>'


def trend_lines(table: pd.DataFrame, areas: list[tuple[str, str]], info: FrameworkInfo, label: str) -> str:
    """A line per area over the rounds of `table` (rows: rounds; columns: `round`, then each area id)."""
    left, plot_w, top, plot_h = 46, 620, 16, 200
    rounds = [str(r) for r in table["round"]]
    legend_top = top + plot_h + 40
    height = legend_top + 20 * len(areas) + 6
    width = left + plot_w + 30
    span = max(info.high - info.low, 1)
    step = plot_w / max(len(rounds) - 1, 1)

    def x(i: int) -> float:
        return left + (i * step if len(rounds) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return top + plot_h * (info.high - value) / span

    parts = [f'<svg role="img" aria-label="{escaped(label)}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{escaped(label)}</title>']
    for value, _name in info.levels:
        parts.append(f'<line x1="{left}" y1="{y(value):.1f}" x2="{left + plot_w}" y2="{y(value):.1f}" '
                     f'stroke="#dddddd"/><text x="{left - 8}" y="{y(value) + 4:.1f}" font-size="11" '
                     f'text-anchor="end" fill="#595959">{escaped(value)}</text>')
    for i, name in enumerate(rounds):
        parts.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 20}" font-size="12" text-anchor="middle">'
                     f"{escaped(name)}</text>")
    for j, (aid, title) in enumerate(areas):
        colour, dash, shape = COLOURS[j % len(COLOURS)], DASHES[j % len(DASHES)], SHAPES[j % len(SHAPES)]
        points = [(x(i), y(float(v)), float(v)) for i, v in enumerate(table[aid].tolist()) if not blank(v)]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        for (x1, y1, _a), (x2, y2, _b) in zip(points, points[1:]):
            parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
                         f'stroke-width="2"{dashed}/>')
        parts += [f"<g><title>{escaped(title)}: {mean_text(v)}</title>{marker(shape, px, py, colour)}</g>"
                  for px, py, v in points]
        ly = legend_top + 20 * j
        parts.append(f'<line x1="{left}" y1="{ly:.1f}" x2="{left + 36}" y2="{ly:.1f}" stroke="{colour}" '
                     f'stroke-width="2"{dashed}/>{marker(shape, left + 18, ly, colour)}'
                     f'<text x="{left + 46}" y="{ly + 4:.1f}" font-size="12">{escaped(title)}</text>')
    parts.append("</svg>")
    return "".join(parts)


__all__ = ["trend_lines", "marker"]
