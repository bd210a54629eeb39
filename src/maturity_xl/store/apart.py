"""A collection's rows for the store made in a second process while this one inserts them.

Adding 10,000 returns is two halves of about equal cost: reading each response back from collect's spill file and
making its rows (Python), and SQLite inserting them. The second half cannot overlap the first in one process (a
thread inserting would wait for the interpreter's lock after every row), so a forked child reads and makes the
rows, a batch at a time, and sends them down a pipe; this process inserts them inside its transaction. The
child never touches the store's connection, and is killed if this side stops (an error, Ctrl-C, SIGTERM), so
the transaction is rolled back with nothing left running. Without fork (Windows), inside a daemonic process (a
pool's worker), or for a few hundred returns, the rows are made here, one batch after another.
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
import sqlite3
from collections.abc import Iterator
from contextlib import closing

from ..collect import Collection
from . import writing
from .errors import StoreError

APART_FROM = 500  # responses to add: below this, forking costs more than it saves


def add_responses(conn: sqlite3.Connection, collection: Collection, file_ids: dict[str, int],
                  round_ids: dict[str, int], named: dict[str, str], sha: dict[str, str]
                  ) -> tuple[dict[tuple[int, str, str], int], int]:
    """Insert the responses of `collection` that bring a new file (in `file_ids`); returns each (round,
    framework, service key) added to, with the last response added to it, and how many responses were added."""
    next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM responses").fetchone()[0]
    args = (next_id, file_ids, round_ids, named, sha)
    if (len(file_ids) >= APART_FROM and "fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon):  # a pool's worker may not start a process
        made = _made_apart(collection, args)
    else:
        made = writing.batches(writing.all_responses(collection), *args)
    touched: dict[tuple[int, str, str], int] = {}
    count = 0
    with closing(made):  # an error here closes the generator, which stops the child
        for batch in made:
            writing.write_rows(conn, batch)
            touched.update(batch.touched)
            count += len(batch.responses)
    return touched, count


def _made_apart(collection: Collection, args: tuple) -> Iterator[writing.Batch]:
    context = multiprocessing.get_context("fork")
    reader, sender = context.Pipe(duplex=False)
    child = context.Process(target=_make, args=(sender, collection, args), name="maturity-xl store rows",
                            daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            try:
                message = reader.recv()
            except EOFError:
                child.join()
                raise StoreError(f"the process making the returns' rows for the store stopped (exit code "
                                 f"{child.exitcode}); nothing was added") from None
            if message is None:
                break
            if isinstance(message, str):
                raise StoreError(f"could not make the returns' rows for the store ({message}); nothing was added")
            yield message
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        reader.close()


def _make(sender, collection: Collection, args: tuple) -> None:
    """The child: every batch down the pipe, then None (or the error, as text)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, which unwinds the parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it kills this child
    gc.disable()  # many tuples, no cycles; the process ends when the rows are made
    try:
        for batch in writing.batches(writing.all_responses(collection), *args):
            sender.send(batch)
        sender.send(None)
    except BaseException as exc:
        try:
            sender.send(f"{type(exc).__name__}: {exc}")
        except OSError:  # the parent is gone
            pass
    finally:
        sender.close()


__all__ = ["APART_FROM", "add_responses"]
