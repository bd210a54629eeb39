"""Reading query results a column at a time, for the frames: lists the frames are built from, not rows of tuples."""

from __future__ import annotations

import sqlite3


def read_columns(conn: sqlite3.Connection, sql: str, parameters: tuple, width: int,
                 size: int = 50_000) -> list[list]:
    """The `width` columns of `sql` as lists, read in chunks so the rows are never all held as tuples beside
    the columns."""
    columns: list[list] = [[] for _ in range(width)]
    cursor = conn.execute(sql, parameters)
    while rows := cursor.fetchmany(size):
        for column, values in zip(columns, zip(*rows)):
            column += values
    return columns
