"""The Overview sheet (the headline, each framework's means, the returns per framework and every file by status)
and the Chase sheet (every expected service still to chase, as an Excel table)."""

from __future__ import annotations

from ..chase import chase_frame
from ..collect import Collection
from ..frames import Frames
from .sheet import Sheet
from .tables import (
    BLANK_DOES_NOT_COUNT,
    NO_RETURNS,
    NOT_A_LEAGUE_TABLE,
    FrameworkInfo,
    framework_means,
    headline,
    overview_rows,
)

OVERVIEW_HEADERS = ["Framework", "Title", "Expected", "Received", "Missing", "Of which incomplete",
                    "Returned blank", "Rejected", "Duplicates", "Superseded", "Ignored"]
OVERVIEW_KEYS = ["framework", "title", "expected", "received", "missing", "incomplete", "blank", "rejected",
                 "duplicates", "superseded", "ignored"]


def overview_sheet(s: Sheet, collection: Collection, frames: Frames, infos: list[FrameworkInfo]) -> None:
    """The run at a glance: the headline figures, each framework's means, the returns per framework, and every
    file handed in by status (adding up to the whole log)."""
    s.widths([30, 40, 12, 12, 12, 12, 12, 12, 12, 12, 12])
    s.printable()
    s.put(0, 0, "Self-assessment returns", s.fmt["title"])
    s.put(1, 0, "Run date")
    s.put(1, 1, collection.today, s.fmt["left_date"])
    s.note(2, NOT_A_LEAGUE_TABLE, last_col=6)
    row = 4
    if not collection.heads:
        s.put(row, 0, NO_RETURNS, s.fmt["bold"])
        row += 2
    row = _headline_block(s, collection, row) + 2
    row = _means_block(s, frames, infos, row) + 2
    s.put(row, 0, "Returns per framework", s.fmt["h2"])
    s.header(row + 1, OVERVIEW_HEADERS)
    row += 2
    for item in overview_rows(collection):
        s.row(row, [item[k] for k in OVERVIEW_KEYS])
        if item["expected"] is None:
            s.put(row, OVERVIEW_KEYS.index("expected"), "no manifest")
            s.put(row, OVERVIEW_KEYS.index("missing"), "no manifest")
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


def _headline_block(s: Sheet, collection: Collection, row: int) -> int:
    """Expected, returned complete, incomplete, blank, missing, rejected and the response rate."""
    h = headline(collection)
    known = h.expected is not None
    figures = [
        ("Expected returns (in the manifest)", h.expected if known else "no manifest", None),
        ("Returned complete (every statement rated)", h.complete, None),
        ("Returned incomplete (some statements not rated)", h.incomplete, None),
        ("Returned blank (no statement rated; not counted as returned)", h.blank, None),
        ("Missing (expected, with no return that counts)", h.missing if known else "no manifest", None),
        ("Files rejected (could not be read)", h.rejected, None),
        ("Response rate (expected services with a return that counts)",
         h.response_rate if known else "no manifest", s.fmt["percent"]),
    ]
    s.put(row, 0, "Headline", s.fmt["h2"])
    s.header(row + 1, ["Figure", "Value"])
    for i, (label, value, fmt) in enumerate(figures):
        s.put(row + 2 + i, 0, label, s.fmt["wrap"])
        s.put(row + 2 + i, 1, value, None if type(value) is str else fmt or s.fmt["figure"])
        s.ws.set_row(row + 2 + i, 30)
    last = row + 1 + len(figures)
    s.note(last + 1, BLANK_DOES_NOT_COUNT, last_col=6, lines=1)
    return last + 1


MEANS_HEADERS = ["Framework", "Title", "Services", "Statements rated", "Statements sent", "Mean of all ratings",
                 "Mean of the services' means"]


def _means_block(s: Sheet, frames: Frames, infos: list[FrameworkInfo], row: int) -> int:
    """Each framework's means, with how many statements they rest on."""
    s.put(row, 0, "Means per framework", s.fmt["h2"])
    s.header(row + 1, MEANS_HEADERS)
    table = framework_means(frames, infos)
    for i, item in enumerate(table.itertuples(index=False)):
        r = row + 2 + i
        s.row(r, [item.framework_id, item.title])
        s.row(r, [item.services, item.rated, item.statements], s.fmt["int"], col=2)
        s.row(r, [item.mean_of_ratings, item.mean_of_services], s.fmt["mean"], col=5)
    if table.empty:
        s.put(row + 2, 0, "No ratings yet.", s.fmt["aside"])
    return row + 2 + max(len(table), 1) - 1


CHASE_HEADERS = {"framework_id": "Framework", "framework_version": "Version", "service_id": "Service ID",
                 "service_name": "Service", "contact": "Contact", "state": "State", "reason": "Reason",
                 "ask": "What to ask for", "file_sent": "File sent", "file_received": "File received"}


def chase_sheet(s: Sheet, collection: Collection) -> None:
    """Every expected service to chase (missing, rejected, blank, incomplete, in conflict), as an Excel table a
    mail merge can read, with what to ask each for."""
    s.put(0, 0, "Chasing list", s.fmt["title"])
    s.widths([14, 9, 12, 28, 28, 15, 40, 50, 30, 30])
    s.note(1, "Every service in the manifest whose return the team still needs, with what to ask for. The same "
              "list is chase.csv, ready for a mail merge.", last_col=7, lines=1)
    s.printable((3, 3))
    frame = chase_frame(collection)
    wrap = s.fmt["wrap"]
    for i, values in enumerate(zip(*(frame[c].tolist() for c in CHASE_HEADERS))):
        s.row(4 + i, values, wrap)
        s.fit(4 + i, values)
    if frame.empty:
        s.put(5, 0, "Nobody to chase: every service in the manifest has returned a complete workbook.",
              s.fmt["aside"])
    # Declared with its headers only: the cells are written by type above, so returned text stays text.
    s.ws.add_table(3, 0, 3 + max(len(frame), 1), len(CHASE_HEADERS) - 1,
                   {"name": "tbl_chase", "style": "Table Style Light 9",
                    "columns": [{"header": h, "header_format": s.fmt["header"]} for h in CHASE_HEADERS.values()]})
    s.ws.freeze_panes(4, 0)
