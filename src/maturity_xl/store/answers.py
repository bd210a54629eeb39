"""The answers that count in one round for one framework, read straight from the store's tables.

What next round's workbooks need of last round (previous.read_previous) is a small part of a round's frames: for
each counted response of one framework, its ratings with their rationale and its action plan. Three queries give
exactly that, in the frames' order (response id, then the order the workbook held them), without reading the file
log, the problems, the evidence or the other frameworks' responses. Which response counts is the `counted` table's
(as store/frames.py reads a round's heads).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime


def counted_heads(conn: sqlite3.Connection, round_id: int, framework_id: str) -> list[tuple[int, str, str]]:
    """(response id, service id, framework version) of each response that counts in the round for the
    framework, by response id."""
    return conn.execute("SELECT r.id, r.service_id, r.framework_version FROM counted c JOIN responses r "
                        "ON r.id = c.response_id WHERE c.round_id = ? AND c.framework_id = ? AND r.framework_id = ? "
                        "ORDER BY r.id", (round_id, framework_id, framework_id)).fetchall()


def ratings_of(conn: sqlite3.Connection, ids: list[int]) -> list[tuple[int, str, int | None, str]]:
    """(response id, statement id, rating or None, rationale) of every statement of the responses' workbooks,
    rated or not, by response id (`ids` ascending) and then the workbook's order."""
    with _wanted(conn, ids) as table:
        return conn.execute(f"SELECT t.response_id, t.statement_id, t.rating, t.rationale FROM {table} w "
                            "JOIN ratings t ON t.response_id = w.id ORDER BY w.id, t.seq").fetchall()


def plans_of(conn: sqlite3.Connection, ids: list[int]) -> list[tuple[int, list]]:
    """(response id, its plan's rows) of the responses with a plan, by response id (`ids` ascending): each row
    [statement id, area id, {column id: value}] as stored, a date still text (undo it with `decoded`)."""
    with _wanted(conn, ids) as table:
        rows = conn.execute(f"SELECT a.response_id, a.plan FROM {table} w JOIN actions a ON a.response_id = w.id "
                            "ORDER BY w.id").fetchall()
    plans = json.loads("[" + ",".join(plan for _rid, plan in rows) + "]")  # one parse, not one a plan
    return [(rid, plan) for (rid, _text), plan in zip(rows, plans)]


class _wanted:
    """The response ids in a temporary table of this connection, so their rows are read in primary-key order
    without a sort (as store/frames.py reads a round; a table of its own name, so the two never meet)."""

    def __init__(self, conn: sqlite3.Connection, ids: list[int]):
        self.conn, self.ids = conn, ids

    def __enter__(self) -> str:
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS previous_wanted (id INTEGER PRIMARY KEY)")
        self.conn.execute("DELETE FROM temp.previous_wanted")
        self.conn.executemany("INSERT INTO temp.previous_wanted VALUES (?)", zip(self.ids))
        return "temp.previous_wanted"

    def __exit__(self, *exc) -> None:
        self.conn.execute("DELETE FROM temp.previous_wanted")


def decoded(value: object) -> object:
    """A value of a stored plan as it was read from the workbook: a date for the text a date was stored as
    (store/codec.py: NUL + ISO date; U+0001 for a date and time)."""
    if type(value) is str and value and value[0] <= "\x01":
        return (datetime if value[0] == "\x01" else date).fromisoformat(value[1:])
    return value
