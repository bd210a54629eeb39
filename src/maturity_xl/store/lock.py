"""The store's lock: one row naming the process (pid, host, command, since) that is adding a collection, so a
second collection waits for it and can say who it is waiting for, and a row left by a process that has gone is
taken over. Store takes these methods from Locking."""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from .errors import StoreLocked
from .guard import guarded


class Locking:
    """The lock methods of Store (which gives them path, wait, conn and _transaction)."""

    @contextmanager
    def locked(self, command: str) -> Iterator[None]:
        """Hold the store's lock row while a collection writes; wait up to `wait` seconds for another holder.

        A holder on this computer whose process has gone (killed, crashed) is stale and taken over.
        """
        deadline = time.monotonic() + self.wait
        me = (os.getpid(), socket.gethostname())
        while True:
            holder = self._try_lock(me, command)
            if holder is None:
                break
            if time.monotonic() >= deadline:
                pid, host, held_command, since = holder
                raise StoreLocked(
                    f"{self.path} is being written by another collection: process {pid} on {host}, since {since} "
                    f"({held_command}). Waited {self.wait:.0f} s; try again when it has finished. If that process "
                    f"is no longer running, free the store with `maturity-xl rounds --store {self.path} "
                    f"--break-lock`.")
            time.sleep(min(0.5, max(0.05, self.wait / 20)))
        try:
            yield
        finally:
            try:
                with self._transaction() as conn:
                    conn.execute("DELETE FROM lock WHERE pid = ? AND host = ?", me)
            except sqlite3.Error:  # never hide why the run stopped; a lock left behind is stale once we exit
                pass

    @guarded
    def _try_lock(self, me: tuple[int, str], command: str) -> tuple | None:
        # Read first, outside any transaction: the holder is inside its long write transaction, which a WAL
        # reader never waits for.
        row = self.conn.execute("SELECT pid, host, command, since FROM lock").fetchone()
        if row is not None and not stale(row[0], row[1]):
            return row
        try:
            with self._transaction() as conn:
                row = conn.execute("SELECT pid, host, command, since FROM lock").fetchone()
                if row is not None and not stale(row[0], row[1]):
                    return row
                conn.execute("INSERT OR REPLACE INTO lock (id, pid, host, command, since) VALUES (1, ?, ?, ?, ?)",
                             (*me, command[:500], now()))
        except sqlite3.OperationalError as exc:  # another collection took the lock and began writing meanwhile
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            held = self.conn.execute("SELECT pid, host, command, since FROM lock").fetchone()
            return held or (0, "?", "a write that began before the lock was taken", now())
        return None

    @guarded
    def holder(self) -> tuple | None:
        """(pid, host, command, since) of the collection writing now, or None."""
        return self.conn.execute("SELECT pid, host, command, since FROM lock").fetchone()

    @guarded
    def break_lock(self) -> tuple | None:
        """Remove the lock row (for a holder on another computer that is known to have stopped)."""
        with self._transaction() as conn:
            row = conn.execute("SELECT pid, host, command, since FROM lock").fetchone()
            conn.execute("DELETE FROM lock")
        return row


def stale(pid: int, host: str) -> bool:
    """A lock left by a process on this computer that no longer runs."""
    if host != socket.gethostname():
        return False
    if pid == os.getpid():
        return True  # our own row, left by an earlier store object in this process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def now(when: datetime | None = None) -> str:
    return (when or datetime.now().astimezone()).isoformat(timespec="seconds")
