"""The Charts sheet: each framework's area means and its spread of levels, each chart beside its numbers and with
alt text that says what it shows."""

from __future__ import annotations

import xlsxwriter

from ..frames import Frames
from .common import level_colour, mean_text
from .sheet import Sheet
from .tables import AREA_MEANS_ARE, NO_RETURNS, NOT_A_LEAGUE_TABLE, FrameworkInfo, area_means, level_distribution


def charts_sheet(s: Sheet, wb: xlsxwriter.Workbook, frames: Frames, infos: list[FrameworkInfo]) -> None:
    """Pictures of the distributions, each with its numbers beside it."""
    s.put(0, 0, "Area means and the spread of levels", s.fmt["title"])
    s.widths([34, 12, 12, 12, 12, 12, 12, 12])
    s.note(1, NOT_A_LEAGUE_TABLE, last_col=12)
    s.printable()
    if not infos:
        s.put(3, 0, NO_RETURNS, s.fmt["bold"])
    row = 3
    for info in infos:
        row = _area_means_block(s, wb, frames, info, row) + 2
        row = _distribution_block(s, wb, frames, info, row) + 2


def _area_means_block(s: Sheet, wb: xlsxwriter.Workbook, frames: Frames, info: FrameworkInfo,
                      row: int) -> int:
    means = area_means(frames, info)
    s.put(row, 0, f"{info.title}: mean of each area across services", s.fmt["h2"])
    s.header(row + 1, ["Area", "Mean of service means", "Services", *(["Mean target"] if info.targets else [])])
    first = row + 2
    for i, item in enumerate(means.itertuples(index=False)):
        s.put(first + i, 0, item.area)
        s.put(first + i, 1, item.mean, s.fmt["mean"])
        s.put(first + i, 2, item.services, s.fmt["int"])
        if info.targets:  # each service's mean target of the statements it rated, averaged like the means
            s.put(first + i, 3, item.target, s.fmt["mean"])
    last = first + max(len(means), 1) - 1
    s.note(last + 1, AREA_MEANS_ARE[0].upper() + AREA_MEANS_ARE[1:] + ".", last_col=2, lines=3)
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({"name": "Mean of service means", "categories": [s.ws.name, first, 0, last, 0],
                      "values": [s.ws.name, first, 1, last, 1], "fill": {"color": "#4A6FA5"},
                      "data_labels": {"value": True, "num_format": "0.0"}})
    chart.set_title({"name": f"{info.title}: area means (mean of each service's area mean)",
                     "name_font": {"size": 11}})
    chart.set_x_axis({"min": info.low, "max": info.high, "major_unit": 1})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"none": True})
    height = max(220, 60 + 28 * len(means))
    chart.set_size({"width": 560, "height": height})
    words = "; ".join(f"{item.area} {mean_text(item.mean)}" for item in means.itertuples(index=False))
    s.ws.insert_chart(row + 1, 4, chart, {"description": _alt(
        f"Bar chart of {info.title}: each area's mean rating on the scale {info.low} to {info.high}, the mean "
        f"of the services' own area means. {words}. The numbers are in the table beside the chart.")})
    return max(last + 1, row + 2 + height // 20)


def _alt(text: str) -> str:
    """Alt text within what Excel keeps (its dialog takes a few thousand characters; keep it readable)."""
    return text if len(text) <= 1000 else text[:999] + "\u2026"


def _distribution_block(s: Sheet, wb: xlsxwriter.Workbook, frames: Frames, info: FrameworkInfo,
                        row: int) -> int:
    dist = level_distribution(frames, info)
    s.put(row, 0, f"{info.title}: how many ratings at each level, per area", s.fmt["h2"])
    s.header(row + 1, ["Area", *[info.level_header(v, lab) for v, lab in info.levels], "Not rated"])
    first = row + 2
    for i, item in enumerate(dist.itertuples(index=False)):
        s.put(first + i, 0, item[1])
        s.row(first + i, item[2:], s.fmt["int"], col=1)
    last = first + max(len(dist), 1) - 1
    chart = wb.add_chart({"type": "bar", "subtype": "percent_stacked"})
    for j, _level in enumerate(info.levels):
        chart.add_series({"name": [s.ws.name, row + 1, 1 + j], "categories": [s.ws.name, first, 0, last, 0],
                          "values": [s.ws.name, first, 1 + j, last, 1 + j],
                          "fill": {"color": level_colour(j, len(info.levels))}, "gap": 60})
    # Shares, not counts: areas have different numbers of statements, and the spread is what matters.
    chart.set_title({"name": f"{info.title}: share of ratings at each level", "name_font": {"size": 11}})
    chart.set_x_axis({"num_format": "0%", "major_gridlines": {"visible": True, "line": {"color": "#DDDDDD"}}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    height = max(260, 110 + 30 * len(dist))
    chart.set_size({"width": 640, "height": height})
    levels = ", ".join(info.level_header(v, lab) for v, lab in info.levels)
    s.ws.insert_chart(row + 1, 2 + len(info.levels), chart, {"description": _alt(
        f"Stacked bar chart of {info.title}: for each area, the share of all ratings at each level ({levels}). "
        f"The counts are in the table beside the chart.")})
    return max(last, row + 2 + height // 20)
