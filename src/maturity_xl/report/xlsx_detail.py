"""The detail sheets, row by row: Actions (flagged first), Text (rationale and evidence), Missing returns, the
File log (an Excel table), and the tidy frames as Excel tables for pivots, each capped at DETAIL_LIMIT rows
(the CSV export has them all)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..frames import FREE_TEXTS, Frames
from ..model import ACTION_ROLES
from .bulk import Block, Column, Fetched, Rows, table
from .sheet import Sheet

# Detail sheets (text, data tables) hold at most this many rows: past it a workbook takes minutes to write and
# is slow to open; the CSV export always has every row.
DETAIL_LIMIT = 50_000


# The Actions sheet's columns (frame column, heading, width): who and which statement, then one per role of
# ACTION_ROLES, then the framework's own columns gathered as details; a Flag column follows.
ACTION_SHEET = [("framework_id", "Framework", 14), ("service_id", "Service ID", 12), ("service_name", "Service", 24),
                ("statement_id", "Statement ID", 11), ("statement", "Statement", 34),
                *((role.field, role.header, role.width) for role in ACTION_ROLES), ("details", "Details", 30)]
ACTION_FIELDS = [field for field, _, _ in ACTION_SHEET]
ACTION_HEADERS = [header for _, header, _ in ACTION_SHEET] + ["Flag"]
_DATED = {role.field for role in ACTION_ROLES if role.kinds == ("date",)}
# The columns whose few distinct texts (who, which statement, a status from a dropdown, a level, the file) are
# written as shared strings (bulk.Shared): each text once in the workbook, each cell its number.
SHARED = {"framework_id", "framework_version", "service_id", "service_name", "area_id", "statement_id", "statement",
          "level", "file", "status", "priority", "severity", "code", "sheet", "organisation", "role"}


def actions_sheet(s: Sheet, frames: Frames) -> None:
    """Every action, the overdue and ownerless ones first, flagged in words and by fill; only they print. The
    sheet is an Excel table (tbl_actions): the page to read and the data for pivots, so each action is written
    once, not again on a data sheet."""
    s.put(0, 0, "Actions", s.fmt["title"])
    s.widths([width for _, _, width in ACTION_SHEET] + [16])
    s.note(1, "Overdue: the deadline has passed and the status is not done. "
              "No lead: nobody is named to lead it.", 6, 1)
    actions = frames.actions
    # The flagged actions first: they are what a reader acts on, what the sheet prints, and none of them is
    # among the rows past DETAIL_LIMIT left to the CSV export.
    flagged = (actions.overdue.astype(bool) | actions.ownerless.astype(bool)).to_numpy()
    order = np.concatenate([np.flatnonzero(flagged), np.flatnonzero(~flagged)])  # positions, not a copy
    if len(order) > DETAIL_LIMIT:
        s.put(2, 0, f"The first {DETAIL_LIMIT:,} of {len(order):,} rows; the CSV export (--csv-dir) has them all.",
              s.fmt["aside"])
    order = order[:DETAIL_LIMIT]
    shown = min(int(flagged.sum()), len(order))
    s.printable((3, 3))
    s.ws.print_area(0, 0, 3 + max(shown, 1), len(ACTION_HEADERS) - 1)
    s.ws.set_header(f"&LActions: the {shown:,} flagged (overdue or with no lead) are printed; all "
                    f"{len(frames.actions):,} are on screen and in the CSV export")
    fmt = s.fmt
    words = {(True, True): "Overdue, No lead", (True, False): "Overdue", (False, True): "No lead",
             (False, False): ""}
    flags = [words[bool(late), bool(alone)]
             for late, alone in zip(actions.overdue.take(order).tolist(), actions.ownerless.take(order).tolist())]
    styles = {False: [fmt["date" if f in _DATED else "wrap"] for f in ACTION_FIELDS] + [None],
              True: [fmt["flag_date" if f in _DATED else "flag"] for f in ACTION_FIELDS] + [fmt["flag_bold"]]}
    widths = [None if field in _DATED else width for field, _, width in ACTION_SHEET] + [None]
    shared = [field in SHARED for field in ACTION_FIELDS] + [True]
    for rows, flagged_rows in ((slice(0, shown), True), (slice(shown, len(order)), False)):
        values = [Rows(actions[field], order[rows]) for field in ACTION_FIELDS] + [flags[rows]]
        columns = [Column(v, style, width=w, shared=sh)
                   for v, style, w, sh in zip(values, styles[flagged_rows], widths, shared)]
        if rows.stop > rows.start:
            Block(s, 4 + rows.start, columns)
    if not len(order):
        s.put(4, 0, "No actions were returned.", s.fmt["aside"])
    table(s, 3, 3 + max(len(order), 1), len(ACTION_HEADERS) - 1,
          {"name": "tbl_actions", "style": "Table Style Light 9",
           "columns": [{"header": h, "header_format": fmt["header"]} for h in ACTION_HEADERS]})
    s.ws.freeze_panes(4, 0)


TEXT_COLUMNS = {"framework_id": ("Framework", 14), "service_id": ("Service ID", 12), "service_name": ("Service", 24),
                "statement_id": ("Statement ID", 11), "rating": ("Rating", 8), "rationale": ("Rationale", 60),
                "evidence": ("Evidence", 60)}


def text_sheet(s: Sheet, frames: Frames) -> None:
    """What services wrote in support of their ratings, for reading alongside the numbers. Each statement is
    named by its id: its text is on the Statements sheet (and in ratings.csv), not repeated on every row. The
    texts are read as the sheet is written, a chunk of rows at a time (Frames.rating_texts): the frames hold none."""
    s.put(0, 0, "Rationale and evidence", s.fmt["title"])
    s.widths([width for _, width in TEXT_COLUMNS.values()])
    s.header(2, [header for header, _ in TEXT_COLUMNS.values()])
    ratings, texts = frames.lean_ratings, frames.rating_texts
    keep = np.flatnonzero(texts.has_text)  # the rows with some text
    if len(keep) > DETAIL_LIMIT:
        s.put(1, 0, f"The first {DETAIL_LIMIT:,} of {len(keep):,} rows; the CSV export (--csv-dir) has them all.",
              s.fmt["aside"])
    rows = keep[:DETAIL_LIMIT]  # taken from the frame as the sheet is written, a chunk at a time
    s.not_printed(2, len(TEXT_COLUMNS) - 1, len(rows), "Rationale and evidence")
    wrap = s.fmt["wrap"]
    free = dict(zip(FREE_TEXTS, Fetched(lambda start, stop: texts.take(rows[start:stop]), len(rows)).columns(
        len(FREE_TEXTS))))
    Block(s, 3, [Column(free[c] if c in free else Rows(ratings[c], rows), wrap, width=width, shared=c in SHARED)
                 for c, (_, width) in TEXT_COLUMNS.items()])
    if not len(rows):
        s.put(3, 0, "No rationale or evidence text was returned.", s.fmt["aside"])
    s.ws.freeze_panes(3, 0)


def missing_sheet(s: Sheet, frames: Frames) -> None:
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
               "framework_version": "Version", "completed": "Completed", "rated": "Statements rated",
               "statements": "Statements", "warnings": "Warnings", "errors": "Errors",
               "same_as": "Same as / superseded by", "code": "Problem code", "size": "Bytes", "sha256": "SHA-256"}
LOG_WIDTHS = [40, 20, 40, 40, 12, 24, 16, 8, 11, 10, 10, 9, 8, 30, 16, 10, 66]


def log_sheet(s: Sheet, frames: Frames) -> None:
    """Every file handed in and what became of it, so nothing is silently dropped: one Excel table (tbl_log)
    that is both the page to read and the data for pivots, so the log is written once, not twice."""
    s.put(0, 0, "File log", s.fmt["title"])
    s.widths(LOG_WIDTHS)
    log = frames.log
    s.not_printed(2, len(LOG_HEADERS) - 1, len(log), "File log")
    wrap, when = s.fmt["wrap"], s.fmt["date"]
    # The SHA-256 column is wide enough for its one line: it does not count for the rows' heights.
    Block(s, 3, [Column(log[c].tolist() if c in log else [""] * len(log), when if c == "completed" else wrap,
                        width=None if c in ("completed", "sha256") else width)
                 for c, width in zip(LOG_HEADERS, LOG_WIDTHS)])
    # Declared with its headers only: the cells are written by type above, so returned text stays text.
    table(s, 2, 2 + max(len(log), 1), len(LOG_HEADERS) - 1,
          {"name": "tbl_log", "style": "Table Style Light 9",
           "columns": [{"header": h, "header_format": s.fmt["header"]} for h in LOG_HEADERS.values()]})
    s.ws.freeze_panes(3, 1)


def data_sheet(s: Sheet, name: str, frame: pd.DataFrame, columns: list[str] | None = None) -> None:
    """A tidy frame (only `columns` of it, when given) as an Excel table for pivots and Power BI.

    add_table(data=...) would write each cell with write(), which turns "=..." into a formula; so the table is
    declared with its headers only and the cells are written by type (bulk.Block).
    """
    total = len(frame)
    frame = frame.iloc[:DETAIL_LIMIT]
    frame = frame[columns] if columns is not None else frame
    Block(s, 1, [Column(Rows(frame[c]), shared=c in SHARED) for c in frame.columns])
    if total > len(frame):
        s.put(len(frame) + 2, 0, f"{total - len(frame):,} more rows are in the CSV export (--csv-dir): Excel "
                                 f"holds the first {len(frame):,} here.", s.fmt["aside"])
    columns = [{"header": str(c)} for c in frame.columns]
    # An Excel table needs one data row, so an empty frame gets one blank row.
    table(s, 0, max(len(frame), 1), len(columns) - 1,
          {"name": f"tbl_{name}", "columns": columns, "style": "Table Style Light 9"})
    s.widths([max(10, min(40, len(str(c)) + 4)) for c in frame.columns])
    s.ws.freeze_panes(1, 0)
    s.not_printed(0, len(columns) - 1, total, f"Data {name} (an Excel table for pivots)")
