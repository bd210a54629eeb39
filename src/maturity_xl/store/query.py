"""Reading query results a column at a time, for the frames: lists the frames are built from, not rows of tuples."""

from __future__ import annotations

import sqlite3


def read_columns(conn: sqlite3.Connection, sql: str, parameters: tuple, width: int, *, shared: tuple[int, ...] = (),
                 size: int = 50_000) -> list[list]:
    """The `width` columns of `sql` as lists, read in chunks so the rows are never all held as tuples beside
    the columns. The columns numbered in `shared` (ids: few distinct values) hold one object per distinct value:
    SQLite gives a new string each row, which would otherwise live until the column is done with."""
    columns: list[list] = [[] for _ in range(width)]
    share = {}.setdefault
    cursor = conn.execute(sql, parameters)
    while rows := cursor.fetchmany(size):
        for number, (column, values) in enumerate(zip(columns, zip(*rows))):
            column += map(share, values, values) if number in shared else values
    return columns
