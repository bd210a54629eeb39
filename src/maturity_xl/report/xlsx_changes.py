"""The Change and Trend sheets of report.xlsx, for a report read from a programme store.

Change (when the report has a round to compare with): per framework, each area across services, each service and
area (this round, last round, the change with its sign, an arrow and a word; a change of respondent flagged in
words beside its colour) and each statement across services, the statements that moved most first. Trend (when
the store holds two rounds or more of a framework): each area's mean round by round, as a table and a native line
chart with alt text. The figures are report.changes' tables; the numbers are written as numbers, with formats
that show them as common.rounded does.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import xlsxwriter

from ..collect import Collection
from ..frames import Frames
from .bulk import Block, Column
from .changes import (
    COMPARED_ONLY,
    NOT_A_RACE,
    TREND_IS,
    area_summary,
    area_titles,
    comparing,
    direction,
    respondent_words,
    rounds_compared,
    service_changes,
    statement_changes,
    trend_table,
)
from .common import mean_text
from .sheet import Sheet
from .tables import FrameworkInfo
from .xlsx_detail import DETAIL_LIMIT

CHANGE_SHEET, TREND_SHEET = "Change", "Trend"
MEAN2, CHANGE = "0.00", "+0.00;-0.00;0.00"
# Each area's line differs by its marker and dash as well as its colour, so the chart reads in black and white.
MARKERS = ("circle", "square", "diamond", "triangle", "x", "star", "plus")
DASHES = ("solid", "dash", "round_dot", "long_dash", "dash_dot", "long_dash_dot", "square_dot")
LINE_COLOURS = ("#1F4E79", "#9C3A00", "#2E7D32", "#6A1B9A", "#00695C", "#5D4037", "#37474F")


def change_sheets(sheet: Callable[[str], Sheet], wb: xlsxwriter.Workbook, collection: Collection, frames: Frames,
                  infos: list[FrameworkInfo]) -> None:
    """Add the Change sheet (with a round to compare with) and the Trend sheet (with two rounds or more)."""
    if comparing(collection):
        changes_sheet(sheet(CHANGE_SHEET), collection, frames, infos)
    tables = [(info, table) for info in infos if (table := trend_table(collection, info)) is not None]
    if tables:
        trend_sheet(sheet(TREND_SHEET), wb, collection, tables)


def _formats(s: Sheet) -> dict[str, object]:
    if "change" not in s.fmt:  # added once per workbook, to the dict every sheet shares
        add = s.wb.add_format
        s.fmt["mean2"] = add({"num_format": MEAN2, "border": 1, "align": "center", "valign": "top"})
        s.fmt["change"] = add({"num_format": CHANGE, "border": 1, "align": "center", "valign": "top"})
    return s.fmt


def changes_sheet(s: Sheet, collection: Collection, frames: Frames, infos: list[FrameworkInfo]) -> None:
    now, last = rounds_compared(collection)
    _formats(s)
    s.put(0, 0, f"Change: round {now} compared with round {last}", s.fmt["title"])
    s.widths([24, 34, 36, 12, 12, 12, 12, 18, 40])
    s.note(1, COMPARED_ONLY + " " + NOT_A_RACE, last_col=8, lines=3)
    s.printable()
    row = 3
    for info in infos:
        row = _area_block(s, frames, info, row, now, last) + 2
        row = _service_block(s, frames, info, row, now, last) + 2
        row = _statement_block(s, frames, info, row) + 2


def _area_block(s: Sheet, frames: Frames, info: FrameworkInfo, row: int, now: str, last: str) -> int:
    table = area_summary(frames, info)
    s.put(row, 0, f"{info.title}: each area across services", s.fmt["h2"])
    s.header(row + 1, ["Area", "Services compared", "Improved", "Same", "Declined", f"Mean {now}",
                       f"Mean {last}", "Change", "Direction"])
    for i, item in enumerate(table.itertuples(index=False), start=row + 2):
        s.put(i, 0, item.area, s.fmt["wrap"])
        s.row(i, [item.services, item.improved, item.same, item.declined], s.fmt["int"], col=1)
        s.put(i, 5, item.this_mean, s.fmt["mean2"])
        s.put(i, 6, item.last_mean, s.fmt["mean2"])
        s.put(i, 7, item.change, s.fmt["change"])
        s.put(i, 8, item.words, s.fmt["words"])
        s.fit(i, [item.area])
    return row + 1 + max(len(table), 1)


def _service_block(s: Sheet, frames: Frames, info: FrameworkInfo, row: int, now: str, last: str) -> int:
    table = service_changes(frames, info)
    s.put(row, 0, f"{info.title}: each service and area", s.fmt["h2"])
    s.header(row + 1, ["Service ID", "Service", "Area", "Statements compared", f"Mean {now}", f"Mean {last}",
                       "Change", "Direction", "Respondent changed"])
    first = row + 2
    if table.empty:
        s.put(first, 0, "No service returned in both rounds.", s.fmt["aside"])
        return first
    shown = table.head(DETAIL_LIMIT)
    fmt = s.fmt
    # The flag's colour only repeats its words ("Changed: was ..., now ..."), so it never stands alone; who
    # completed each return is in changes.csv (respondent, last_respondent).
    flagged = shown.respondent_changed.tolist()
    respondents = [respondent_words(item) for item in shown[["respondent_changed", "last_respondent", "respondent"]]
                   .itertuples(index=False)]
    # One row a service and area, up to DETAIL_LIMIT of them (50,000 rows at 10,000 services): written as one
    # block of sheet XML (bulk.Block), each row as tall as its identity columns' wrapped text needs.
    width = s.col_widths
    Block(s, first, [
        Column(shown.service_id.tolist(), fmt["words"], width=width[0]),
        Column(shown.service_name.tolist(), fmt["wrap"], width=width[1]),
        Column(shown.area.tolist(), fmt["wrap"], width=width[2]),
        Column(shown.compared.tolist(), fmt["int"]),
        Column(shown.this_mean.tolist(), fmt["mean2"]),
        Column(shown.last_mean.tolist(), fmt["mean2"]),
        Column(shown.change.tolist(), fmt["change"]),
        Column(shown.words.tolist(), fmt["words"]),
        Column(respondents, styles=[fmt["flag"] if f else fmt["words"] for f in flagged]),
    ])
    end = first + len(shown) - 1
    if len(table) > len(shown):
        end += 1
        s.put(end, 0, f"The first {len(shown):,} of {len(table):,} rows; changes.csv (report --csv-dir) has "
                      "every row.", s.fmt["aside"])
    return end


def _statement_block(s: Sheet, frames: Frames, info: FrameworkInfo, row: int) -> int:
    table = statement_changes(frames, info)
    s.put(row, 0, f"{info.title}: each statement across services, the ones that moved most first", s.fmt["h2"])
    s.header(row + 1, ["ID", "Statement", "Area", "Services compared", "Improved", "Same", "Declined",
                       "Mean change", "Direction"])
    first = row + 2
    if table.empty:
        s.put(first, 0, "No statement was rated by the same service in both rounds.", s.fmt["aside"])
        return first
    for i, item in enumerate(table.itertuples(index=False), start=first):
        s.put(i, 0, item.statement_id, s.fmt["words"])
        s.put(i, 1, item.statement, s.fmt["wrap"])
        s.put(i, 2, item.area, s.fmt["wrap"])
        s.row(i, [item.compared, item.improved, item.same, item.declined], s.fmt["int"], col=3)
        s.put(i, 7, item.mean_change, s.fmt["change"])
        s.put(i, 8, item.words, s.fmt["words"])
        s.fit(i, [item.statement_id, item.statement, item.area])
    return first + len(table) - 1


def trend_sheet(s: Sheet, wb: xlsxwriter.Workbook, collection: Collection,
                tables: list[tuple[FrameworkInfo, pd.DataFrame]]) -> None:
    s.put(0, 0, "Trend: each area's mean in every round", s.fmt["title"])
    s.widths([16, 14, 14, 14, 14, 14, 14, 14, 14, 14])
    s.note(1, TREND_IS + " " + NOT_A_RACE, last_col=9, lines=2)
    s.printable()
    row = 3
    for info, table in tables:
        row = _trend_block(s, wb, collection, info, table, row) + 2


def _trend_block(s: Sheet, wb: xlsxwriter.Workbook, collection: Collection, info: FrameworkInfo,
                 table: pd.DataFrame, row: int) -> int:
    areas = area_titles(collection, info, table)
    s.put(row, 0, f"{info.title}: mean of each area, round by round", s.fmt["h2"])
    s.header(row + 1, ["Round", *[title for _aid, title in areas], "Services"])
    first = row + 2
    for i, item in enumerate(table.to_dict("records"), start=first):
        s.put(i, 0, str(item["round"]))
        for j, (aid, _title) in enumerate(areas, start=1):
            s.put(i, j, item[aid], s.fmt["mean"])
        s.put(i, len(areas) + 1, item["services"], s.fmt["int"])
    last = first + len(table) - 1
    chart = wb.add_chart({"type": "line"})
    for j in range(len(areas)):
        colour = LINE_COLOURS[j % len(LINE_COLOURS)]
        chart.add_series({
            "name": [s.ws.name, row + 1, j + 1], "categories": [s.ws.name, first, 0, last, 0],
            "values": [s.ws.name, first, j + 1, last, j + 1],
            "line": {"color": colour, "width": 2.25, "dash_type": DASHES[j % len(DASHES)]},
            "marker": {"type": MARKERS[j % len(MARKERS)], "size": 7, "border": {"color": colour},
                       "fill": {"color": colour}}})
    chart.set_title({"name": f"{info.title}: mean of each area, round by round", "name_font": {"size": 11}})
    chart.set_x_axis({"name": "Round"})
    chart.set_y_axis({"min": info.low, "max": info.high, "major_unit": 1, "name": "Mean rating",
                      "major_gridlines": {"visible": True, "line": {"color": "#DDDDDD"}}})
    chart.set_legend({"position": "bottom"})
    chart.show_blanks_as("gap")
    chart.set_size({"width": 640, "height": 340})
    s.ws.insert_chart(last + 2, 0, chart, {"description": _alt(info, areas, table)})
    return last + 2 + 340 // 20


def _alt(info: FrameworkInfo, areas: list[tuple[str, str]], table: pd.DataFrame) -> str:
    """What the chart shows, in words: each area's means by round and which way it went since the first."""
    parts = []
    for aid, title in areas:
        points = [(str(r), v) for r, v in zip(table["round"], table[aid]) if v == v and v is not None]
        if not points:
            continue
        way = direction(points[-1][1] - points[0][1]) if len(points) > 1 else ""
        parts.append(f"{title}: " + ", ".join(f"{r} {mean_text(v)}" for r, v in points)
                     + (f" ({way} since {points[0][0]})" if way else ""))
    text = (f"Line chart of {info.title}: each area's mean rating in every round, on the scale {info.low} to "
            f"{info.high}. " + "; ".join(parts) + ". The numbers are in the table above the chart.")
    return text if len(text) <= 1000 else text[:999] + "\u2026"


__all__ = ["CHANGE_SHEET", "TREND_SHEET", "change_sheets", "changes_sheet", "trend_sheet"]
