"""The consolidated report workbook: overview, each service's profile, charts, statements, actions, text,
missing returns, the file log, and the tidy frames as Excel tables for pivots and Power BI."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import pandas as pd
import xlsxwriter

from ..collect import Collection
from ..frames import Frames
from ..model import ACTION_ROLES
from .common import HIGH, LOW, MID, atomic_write, blank, level_colour
from .sheet import WORKBOOK_OPTIONS, Sheet, formats
from .tables import (
    NO_RETURNS,
    NOT_A_LEAGUE_TABLE,
    FrameworkInfo,
    area_means,
    framework_infos,
    heatmap,
    level_distribution,
    overview_rows,
    statement_table,
)

DATA_FRAMES = ("ratings", "actions", "responses", "log", "problems")
# Detail sheets (text, data tables) hold at most this many rows: past it a workbook takes minutes to write and
# is slow to open; the CSV export always has every row.
DETAIL_LIMIT = 50_000
# The frames keep the statements nobody rated (Frames.statement_stats), and so does the Statements sheet.
UNRATED_LAST = "Counts of services at each level; statements no service rated come last, with no mean."


def write_workbook(collection: Collection, path: Path) -> None:
    """The consolidated workbook: overview, profiles, spreads, actions, text, the log and tidy tables."""
    atomic_write(Path(path), lambda tmp: _build_workbook(collection, tmp))


def _build_workbook(collection: Collection, path: Path) -> None:
    frames = collection.frames()
    infos = framework_infos(collection, frames)
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    # A creation date from the run date, so the same collection gives the same file.
    wb.set_properties({"title": "Self-assessment returns",
                       "created": datetime.combine(collection.today, time())})
    fmt = formats(wb)

    def sheet(name: str) -> Sheet:
        return Sheet(wb.add_worksheet(name), fmt)

    _overview_sheet(sheet("Overview"), collection)
    _scores_sheet(sheet("Scores"), frames, infos)
    _charts_sheet(sheet("Charts"), wb, frames, infos)
    _statements_sheet(sheet("Statements"), frames, infos)
    _actions_sheet(sheet("Actions"), frames)
    _text_sheet(sheet("Text"), frames)
    if collection.expected is not None:
        _missing_sheet(sheet("Missing"), frames)
    _log_sheet(sheet("File log"), frames)
    for name in DATA_FRAMES:
        _data_sheet(sheet(f"Data {name}"), name, getattr(frames, name))
    wb.close()


def _overview_sheet(s: Sheet, collection: Collection) -> None:
    """The run at a glance: per framework, and every file handed in by status (adding up to the whole log)."""
    s.widths([24, 50, 11, 11, 11, 11, 12, 12, 11])
    s.printable()
    s.put(0, 0, "Self-assessment returns", s.fmt["title"])
    s.put(1, 0, "Run date")
    s.put(1, 1, collection.today, s.fmt["left_date"])
    s.note(2, NOT_A_LEAGUE_TABLE)
    row = 4
    if not collection.heads:
        s.put(row, 0, NO_RETURNS, s.fmt["bold"])
        row += 2
    s.put(row, 0, "Returns per framework", s.fmt["h2"])
    s.header(row + 1, ["Framework", "Title", "Expected", "Received", "Missing", "Rejected", "Duplicates",
                       "Superseded", "Ignored"])
    row += 2
    for item in overview_rows(collection):
        s.row(row, item.values())
        if item["expected"] is None:
            s.put(row, 2, "no manifest")
            s.put(row, 4, "no manifest")
        row += 1
    row += 1
    s.put(row, 0, "Files handed in", s.fmt["h2"])
    s.header(row + 1, ["Status", "Files"])
    row += 2
    for status, count in collection.counts().items():
        s.row(row, [status, count])
        row += 1
    s.row(row, ["Total", len(collection.log)], s.fmt["bold"])
    if collection.expected is None:
        s.note(row + 2, "No manifest was given, so expected and missing returns are not known.", lines=1)


def _scores_sheet(s: Sheet, frames: Frames, infos: list[FrameworkInfo]) -> None:
    """Each service's own profile: mean per area, coloured and with the number shown."""
    s.put(0, 0, "Mean rating per area, for each service", s.fmt["title"])
    s.widths([14, 34] + [14] * 12)
    s.note(1, NOT_A_LEAGUE_TABLE, last_col=7)
    s.printable()
    s.ws.freeze_panes(0, 2)
    if not infos:
        s.put(3, 0, NO_RETURNS, s.fmt["bold"])
    row = 3
    for info in infos:
        row = _heatmap_block(s, frames, info, row) + 2


def _heatmap_block(s: Sheet, frames: Frames, info: FrameworkInfo, row: int) -> int:
    table = heatmap(frames, info)
    s.put(row, 0, f"{info.title} ({info.id} {info.version}): scale {info.low} to {info.high}", s.fmt["h2"])
    areas = [a for a, _ in info.areas]
    titles = [t for _, t in info.areas]
    s.header(row + 1, ["Service ID", "Service", *titles, "Rated", "Total", "Overall mean"])
    first = row + 2
    for i, item in enumerate(table.itertuples(index=False)):
        r = first + i
        s.row(r, [item[0], item[1]])
        s.row(r, [item[2 + j] for j in range(len(areas))], s.fmt["mean"], col=2)
        s.row(r, [item[2 + len(areas)], item[3 + len(areas)]], s.fmt["int"], col=2 + len(areas))
        s.put(r, 4 + len(areas), item[4 + len(areas)], s.fmt["mean"])
    last = first + len(table) - 1
    if len(table):
        colour = {"type": "3_color_scale", "min_type": "num", "min_value": info.low, "mid_type": "num",
                  "mid_value": (info.low + info.high) / 2, "max_type": "num", "max_value": info.high,
                  "min_color": LOW, "mid_color": MID, "max_color": HIGH}
        s.ws.conditional_format(first, 2, last, 1 + len(areas), colour)
        s.ws.conditional_format(first, 4 + len(areas), last, 4 + len(areas), colour)
    return max(last, first)


def _charts_sheet(s: Sheet, wb: xlsxwriter.Workbook, frames: Frames, infos: list[FrameworkInfo]) -> None:
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
    s.header(row + 1, ["Area", "Mean", "Services"])
    first = row + 2
    for i, item in enumerate(means.itertuples(index=False)):
        s.put(first + i, 0, item.area)
        s.put(first + i, 1, item.mean, s.fmt["mean"])
        s.put(first + i, 2, item.services, s.fmt["int"])
    last = first + max(len(means), 1) - 1
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({"name": "Mean across services", "categories": [s.ws.name, first, 0, last, 0],
                      "values": [s.ws.name, first, 1, last, 1], "fill": {"color": "#4A6FA5"},
                      "data_labels": {"value": True, "num_format": "0.0"}})
    chart.set_title({"name": f"{info.title}: area means", "name_font": {"size": 11}})
    chart.set_x_axis({"min": info.low, "max": info.high, "major_unit": 1})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"none": True})
    chart.set_size({"width": 560, "height": max(220, 60 + 28 * len(means))})
    s.ws.insert_chart(row + 1, 4, chart)
    return max(last, row + 2 + max(220, 60 + 28 * len(means)) // 20)


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
    s.ws.insert_chart(row + 1, 2 + len(info.levels), chart)
    return max(last, row + 2 + height // 20)


def _statements_sheet(s: Sheet, frames: Frames, infos: list[FrameworkInfo]) -> None:
    """How each statement's ratings spread across the levels, weakest first."""
    s.put(0, 0, "Statements: the spread of ratings, weakest first", s.fmt["title"])
    s.widths([12, 26, 60] + [11] * 10)
    s.note(1, UNRATED_LAST, 6, 1)
    s.printable()
    s.ws.freeze_panes(0, 3)
    if not infos:
        s.put(3, 0, NO_RETURNS, s.fmt["bold"])
    row = 3
    for info in infos:
        row = _statement_block(s, frames, info, row) + 2


def _statement_block(s: Sheet, frames: Frames, info: FrameworkInfo, row: int) -> int:
    stats = statement_table(frames, info)
    s.put(row, 0, info.title, s.fmt["h2"])
    levels = [f"level_{v}" for v, _ in info.levels]
    headers = [info.level_header(v, lab) for v, lab in info.levels]
    s.header(row + 1, ["Statement ID", "Area", "Statement", *headers, "Rated", "Mean"])
    first = row + 2
    for i, item in enumerate(stats.to_dict("records")):
        s.row(first + i, [item["statement_id"], item["area"], item["statement"]], s.fmt["wrap"])
        s.fit(first + i, [item["statement_id"], item["area"], item["statement"]])
        s.row(first + i, [item[c] for c in levels] + [item["rated"]], s.fmt["int"], col=3)
        s.put(first + i, 4 + len(levels), item["mean"], s.fmt["mean"])
    last = first + len(stats) - 1
    if len(stats):
        s.ws.conditional_format(first, 4 + len(levels), last, 4 + len(levels), {
            "type": "3_color_scale", "min_type": "num", "min_value": info.low, "mid_type": "num",
            "mid_value": (info.low + info.high) / 2, "max_type": "num", "max_value": info.high,
            "min_color": LOW, "mid_color": MID, "max_color": HIGH})
    return max(last, first)


# The Actions sheet's columns (frame column, heading, width): who and which statement, then one per role of
# ACTION_ROLES, then the framework's own columns gathered as details; a Flag column follows.
ACTION_SHEET = [("framework_id", "Framework", 14), ("service_id", "Service ID", 12), ("service_name", "Service", 24),
                ("statement_id", "Statement ID", 11), ("statement", "Statement", 34),
                *((role.field, role.header, role.width) for role in ACTION_ROLES), ("details", "Details", 30)]
ACTION_FIELDS = [field for field, _, _ in ACTION_SHEET]
ACTION_HEADERS = [header for _, header, _ in ACTION_SHEET] + ["Flag"]
_DATED = {role.field for role in ACTION_ROLES if role.kinds == ("date",)}


def _flag(item: dict) -> str:
    flags = (("Overdue", item["overdue"]), ("No lead", item["ownerless"]))
    return ", ".join(word for word, on in flags if on)


def _actions_sheet(s: Sheet, frames: Frames) -> None:
    """Every action, with the overdue and ownerless ones flagged in words and by fill.

    Past DETAIL_LIMIT actions (a regional collection) the flagged ones come first, so none of them is among the
    rows left to the CSV export.
    """
    s.put(0, 0, "Actions", s.fmt["title"])
    s.widths([width for _, _, width in ACTION_SHEET] + [16])
    s.note(1, "Overdue: the deadline has passed and the status is not done. "
              "No lead: nobody is named to lead it.", 6, 1)
    s.printable((3, 3))
    s.header(3, ACTION_HEADERS)
    actions = frames.actions
    if len(actions) > DETAIL_LIMIT:
        flagged = actions.overdue.astype(bool) | actions.ownerless.astype(bool)
        actions = pd.concat([actions[flagged], actions[~flagged]])
        actions = _capped(s, actions, 2)
    records = (dict(zip(actions.columns, values)) for values in zip(*(actions[c].tolist() for c in actions.columns)))
    fmt = s.fmt
    plain = [fmt["date" if field in _DATED else "wrap"] for field in ACTION_FIELDS]
    flagged = [fmt["flag_date" if field in _DATED else "flag"] for field in ACTION_FIELDS]
    for i, item in enumerate(records):
        flag = _flag(item)
        values = [item[field] for field in ACTION_FIELDS]
        for j, (value, style) in enumerate(zip(values, flagged if flag else plain)):
            s.put(4 + i, j, value, style)
        s.put(4 + i, len(ACTION_FIELDS), flag, fmt["flag_bold"] if flag else None)
        s.fit(4 + i, values)
    if actions.empty:
        s.put(4, 0, "No actions were returned.", s.fmt["aside"])
    else:
        s.ws.autofilter(3, 0, 3 + len(actions), len(ACTION_HEADERS) - 1)
    s.ws.freeze_panes(4, 0)


def _text_sheet(s: Sheet, frames: Frames) -> None:
    """What services wrote in support of their ratings, for reading alongside the numbers."""
    s.put(0, 0, "Rationale and evidence", s.fmt["title"])
    s.widths([14, 12, 24, 11, 34, 8, 60, 60])
    s.printable((2, 2))
    s.header(2, ["Framework", "Service ID", "Service", "Statement ID", "Statement", "Rating", "Rationale",
                 "Evidence"])
    ratings = frames.ratings
    keep = ratings.rationale.fillna("").astype(str).str.strip().ne("") | \
        ratings.evidence.fillna("").astype(str).str.strip().ne("")
    rows = _capped(s, ratings[keep], 1)
    columns = ("framework_id", "service_id", "service_name", "statement_id", "statement", "rating", "rationale",
               "evidence")
    wrap = s.fmt["wrap"]
    for i, values in enumerate(zip(*(rows[c].tolist() for c in columns))):
        s.row(3 + i, values, wrap)
        s.fit(3 + i, values)
    if rows.empty:
        s.put(3, 0, "No rationale or evidence text was returned.", s.fmt["aside"])
    s.ws.freeze_panes(3, 0)


def _missing_sheet(s: Sheet, frames: Frames) -> None:
    """Who has not returned yet, and who returned without being on the manifest."""
    s.put(0, 0, "Missing returns", s.fmt["title"])
    s.widths([22, 12, 14, 34, 30, 50])
    s.printable()
    s.put(2, 0, "Services in the manifest with no accepted return", s.fmt["h2"])
    s.header(3, ["Framework", "Version", "Service ID", "Service", "Contact", "File sent"])
    missing = frames.missing
    for i, item in enumerate(missing.itertuples(index=False)):
        s.row(4 + i, item)
    if missing.empty:
        s.put(4, 0, "None: every service in the manifest has returned.", s.fmt["aside"])
    row = 4 + max(len(missing), 1) + 2
    s.put(row, 0, "Returns from services not in the manifest", s.fmt["h2"])
    s.header(row + 1, ["Framework", "Service ID", "Service", "File"])
    unexpected = frames.unexpected
    for i, item in enumerate(unexpected.itertuples(index=False)):
        s.row(row + 2 + i, item)
    if unexpected.empty:
        s.put(row + 2, 0, "None.", s.fmt["aside"])


LOG_HEADERS = {"file": "File", "status": "Status", "reason": "Reason", "advice": "What the sender should do",
               "service_id": "Service ID", "service_name": "Service", "framework_id": "Framework",
               "framework_version": "Version", "completed": "Completed", "warnings": "Warnings",
               "errors": "Errors", "same_as": "Same as / superseded by", "size": "Bytes", "sha256": "SHA-256"}


def _log_sheet(s: Sheet, frames: Frames) -> None:
    """Every file handed in and what became of it, so nothing is silently dropped."""
    s.put(0, 0, "File log", s.fmt["title"])
    s.widths([40, 20, 40, 40, 12, 24, 16, 8, 11, 9, 8, 30, 10, 66])
    s.printable((2, 2))
    s.header(2, LOG_HEADERS.values())
    for i, item in enumerate(frames.log.to_dict("records")):
        s.row(3 + i, [item[c] for c in LOG_HEADERS], s.fmt["wrap"])
        s.fit(3 + i, [item[c] for c in LOG_HEADERS if c != "sha256"])
        s.put(3 + i, 8, item["completed"], s.fmt["date"])
    if len(frames.log):
        s.ws.autofilter(2, 0, 2 + len(frames.log), len(LOG_HEADERS) - 1)
    s.ws.freeze_panes(3, 1)


def _data_sheet(s: Sheet, name: str, frame: pd.DataFrame) -> None:
    """A tidy frame as an Excel table for pivots and Power BI.

    add_table(data=...) would write each cell with write(), which turns "=..." into a formula; so the table is
    declared with its headers only and the cells are written here by type.
    """
    total = len(frame)
    frame = frame.iloc[:DETAIL_LIMIT]
    writers = [_column_writer(s, frame[c]) for c in frame.columns]
    for col, (write, values) in enumerate(zip(writers, (frame[c].tolist() for c in frame.columns))):
        for i, value in enumerate(values):
            write(1 + i, col, value)
    if total > len(frame):
        s.put(len(frame) + 2, 0, f"{total - len(frame):,} more rows are in the CSV export (--csv-dir): Excel "
                                 f"holds the first {len(frame):,} here.", s.fmt["aside"])
    columns = [{"header": str(c)} for c in frame.columns]
    # An Excel table needs one data row, so an empty frame gets one blank row.
    s.ws.add_table(0, 0, max(len(frame), 1), len(columns) - 1,
                   {"name": f"tbl_{name}", "columns": columns, "style": "Table Style Light 9"})
    s.widths([max(10, min(40, len(str(c)) + 4)) for c in frame.columns])
    s.ws.freeze_panes(1, 0)


def _column_writer(s: Sheet, series: pd.Series):
    """A writer for one column, chosen once by its dtype: numbers stay numbers, everything else is put() by type."""
    ws = s.ws
    if pd.api.types.is_bool_dtype(series.dtype):
        return lambda r, c, v: ws.write_boolean(r, c, bool(v)) if not blank(v) else ws.write_blank(r, c, None)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return lambda r, c, v: ws.write_blank(r, c, None) if blank(v) else ws.write_number(r, c, float(v))
    return s.put


def _capped(s: Sheet, frame: pd.DataFrame, note_row: int) -> pd.DataFrame:
    """The first DETAIL_LIMIT rows, with a note saying where the rest are."""
    if len(frame) <= DETAIL_LIMIT:
        return frame
    s.put(note_row, 0, f"The first {DETAIL_LIMIT:,} of {len(frame):,} rows; the CSV export (--csv-dir) has them "
                       f"all.", s.fmt["aside"])
    return frame.iloc[:DETAIL_LIMIT]
