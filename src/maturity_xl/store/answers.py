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

# The responses that count in a round (?) for a framework (?, ?): an IN subquery, as store/frames.py reads a
# round's rows (no temporary table of ids, and the rows come in primary-key order without a sort).
COUNTED = ("(SELECT c.response_id FROM counted c JOIN responses r ON r.id = c.response_id "
           "WHERE c.round_id = ? AND c.framework_id = ? AND r.framework_id = ?)")


def counted_heads(conn: sqlite3.Connection, round_id: int, framework_id: str) -> list[tuple[int, str, str]]:
    """(response id, service id, framework version) of each response that counts in the round for the
    framework, by response id."""
    return conn.execute(f"SELECT id, service_id, framework_version FROM responses WHERE id IN {COUNTED} "
                        "ORDER BY id", (round_id, framework_id, framework_id)).fetchall()


def ratings_of(conn: sqlite3.Connection, round_id: int, framework_id: str) -> list[tuple[int, str, int | None, str]]:
    """(response id, statement id, rating or None, rationale) of every statement of the counted responses'
    workbooks, rated or not, by response id and then the workbook's order."""
    return conn.execute(f"SELECT response_id, statement_id, rating, rationale FROM ratings WHERE response_id IN "
                        f"{COUNTED} ORDER BY response_id, seq", (round_id, framework_id, framework_id)).fetchall()


def plans_of(conn: sqlite3.Connection, round_id: int, framework_id: str) -> list[tuple[int, list]]:
    """(response id, its plan's rows) of the counted responses with a plan, by response id: each row
    [statement id, area id, {column id: value}] as stored, a date still text (undo it with `decoded`)."""
    rows = conn.execute(f"SELECT response_id, plan FROM actions WHERE response_id IN {COUNTED} "
                        "ORDER BY response_id", (round_id, framework_id, framework_id)).fetchall()
    plans = json.loads("[" + ",".join(plan for _rid, plan in rows) + "]")  # one parse, not one a plan
    return [(rid, plan) for (rid, _text), plan in zip(rows, plans)]


def decoded(value: object) -> object:
    """A value of a stored plan as it was read from the workbook: a date for the text a date was stored as
    (store/codec.py: NUL + ISO date; U+0001 for a date and time)."""
    if type(value) is str and value and value[0] <= "\x01":
        return (datetime if value[0] == "\x01" else date).fromisoformat(value[1:])
    return value
