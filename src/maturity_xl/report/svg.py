"""The HTML report's pictures as inline SVG: no scripts, nothing fetched, and the numbers always written beside
the shapes so that colour is never needed to read them."""

from __future__ import annotations

import pandas as pd

from .common import blank, escaped, level_colour, mean_text, text
from .tables import FrameworkInfo


def area_means_bars(means: pd.DataFrame, info: FrameworkInfo) -> str:
    """A horizontal bar per area from the bottom of the scale to its mean, with the value at its end."""
    label_w, bar_w, row_h, top = 300, 420, 26, 24
    height = top + row_h * len(means) + 8
    span = max(info.high - info.low, 1)

    def x(value: float) -> float:
        return label_w + bar_w * (value - info.low) / span

    width = label_w + bar_w + 50
    parts = [(f'<svg role="img" aria-label="Mean of each area" width="{width}" height="{height}" '
              f'viewBox="0 0 {width} {height}">')]
    for value, _label in info.levels:
        parts.append(f'<line x1="{x(value):.1f}" y1="{top - 4}" x2="{x(value):.1f}" y2="{height - 8}" '
                     f'stroke="#ddd"/><text x="{x(value):.1f}" y="{top - 8}" font-size="11" '
                     f'text-anchor="middle" fill="#595959">{escaped(value)}</text>')
    for i, item in enumerate(means.itertuples(index=False)):
        y = top + i * row_h
        title = text(item.area)
        short = title if len(title) <= 40 else title[:39] + "\u2026"
        parts.append(f'<text x="{label_w - 8}" y="{y + 17}" font-size="12" text-anchor="end">'
                     f'<title>{escaped(title)}</title>{escaped(short)}</text>')
        if blank(item.mean):
            parts.append(f'<text x="{label_w + 4}" y="{y + 17}" font-size="12" fill="#595959">'
                         'not rated</text>')
            continue
        end = x(float(item.mean))
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{max(end - label_w, 1):.1f}" '
                     f'height="{row_h - 8}" fill="#4a6fa5"/><text x="{end + 4:.1f}" y="{y + 17}" '
                     f'font-size="12">{mean_text(item.mean)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def level_stack(counts: list[int], info: FrameworkInfo, width: int = 160, height: int = 14) -> str:
    """A small stacked bar of counts per level, with the counts written beside it so colour is not needed."""
    total = sum(counts) or 1
    x, parts = 0.0, []
    for j, count in enumerate(counts):
        w = width * count / total
        if w:
            parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" '
                         f'fill="{level_colour(j, len(counts))}" stroke="#fff" stroke-width="1"/>')
        x += w
    label = " \u00b7 ".join(str(c) for c in counts)
    names = ", ".join(f"{info.level_header(v, lab)}: {c}" for (v, lab), c in zip(info.levels, counts))
    return (f'<span class="dist"><svg role="img" aria-label="{escaped(names)}" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}"><title>{escaped(names)}</title>{"".join(parts)}</svg>'
            f"<small>{escaped(label)}</small></span>")
