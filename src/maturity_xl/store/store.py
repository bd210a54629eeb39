"""The programme store: every round's returns in one SQLite file, added to by each collection.

A collection is added in one transaction, under a lock row that names the process holding it, so an interrupted
or failed run leaves the store exactly as it was and a second collection can say who it is waiting for.
Collecting the same files again adds nothing: a file is known by its content hash and path.
"""

from __future__ import annotations

import socket
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from .. import manifest
from ..collect import (
    Collection,
)
from . import apart, writing
from .codec import decode, decode_action, encode, encode_plan
from .errors import NotAStore, RoundError, StoreError, StoreTooNew
from .guard import guarded as _guarded
from .lock import Locking
from .lock import now as _now
from .schema import APPLICATION_ID, HEADER, migrate, schema_version

DEFAULT_WAIT = 60.0  # seconds a collection waits for another to finish before it says who holds the store


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    name: str
    opened: str
    closed: str | None


@dataclass(frozen=True, slots=True)
class Added:
    """What one collection added to the store."""

    files: int
    responses: int
    known: int  # files already in the store (same content and path): nothing added for them
    rounds: tuple[str, ...]


def check_file(path: Path) -> bool:
    """Whether `path` holds a store this maturity-xl can open (False: there is no file yet). Reads only the
    SQLite header, so a file that is not a store is refused without being touched.

    Raises:
        NotAStore: not SQLite, empty, or another program's database.
        StoreTooNew: written by a newer maturity-xl.
    """
    if not path.exists():
        return False
    if path.is_dir():
        raise NotAStore(f"{path} is a folder, not a programme store")
    with open(path, "rb") as fh:
        head = fh.read(100)
    if not head:
        raise NotAStore(f"{path} is an empty file, not a programme store: give the path of the store, or a new "
                        f"file name to start one")
    if not head.startswith(HEADER) or len(head) < 100:
        raise NotAStore(f"{path} is not a programme store (not an SQLite database); nothing was changed")
    version = int.from_bytes(head[60:64], "big")
    application = int.from_bytes(head[68:72], "big")
    if application == 0 and version == 0 and Path(f"{path}-wal").exists():
        return True  # a store another process created and holds open: its header is still in the WAL (Store asks)
    if application != APPLICATION_ID:
        raise NotAStore(f"{path} is an SQLite database of another program, not a maturity-xl programme store; "
                        f"nothing was changed")
    _check_version(path, version)
    return True


def _check_version(path: Path, version: int) -> None:
    if version > schema_version():
        raise StoreTooNew(f"{path} was written by a newer maturity-xl (store version {version}; this one reads up "
                          f"to {schema_version()}): upgrade maturity-xl to use it")


class Store(Locking):
    """An open programme store. Use as a context manager, or call close()."""

    def __init__(self, path: str | Path, *, create: bool = True, wait: float = DEFAULT_WAIT):
        self.path = Path(path)
        self.wait = wait
        exists = check_file(self.path)
        if not exists and not create:
            raise NotAStore(f"{self.path}: there is no programme store here (collect with --store to start one)")
        if not exists and not self.path.parent.is_dir():
            raise StoreError(f"{self.path}: the folder {self.path.parent} does not exist")
        try:
            # SQLite's own wait covers short writes (opening a round); a collection's long write is waited for
            # through the lock row, which names its holder.
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=min(max(wait, 1.0), 5.0),
                                        check_same_thread=False)
        except sqlite3.Error as exc:
            raise NotAStore(f"{self.path}: cannot open the store ({exc})") from None
        try:
            self._prepare(exists)
        except BaseException:
            self.conn.close()
            raise

    @_guarded
    def _prepare(self, exists: bool) -> None:
        if exists:  # the header can lag a write still in the WAL: ask SQLite too, before anything is written
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            application = self.conn.execute("PRAGMA application_id").fetchone()[0]
            if application != APPLICATION_ID:
                raise NotAStore(f"{self.path} is not a maturity-xl programme store")
            _check_version(self.path, version)
        self.conn.execute("PRAGMA journal_mode = WAL")
        # WAL with synchronous NORMAL: a crash of the program (or a kill) never loses a committed collection;
        # a power cut may lose the last one but never damages the file.
        self.conn.execute("PRAGMA synchronous = NORMAL")
        migrate(self.conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # Rounds

    @_guarded
    def rounds(self) -> list[Round]:
        return [Round(*row) for row in self.conn.execute("SELECT id, name, opened, closed FROM rounds ORDER BY id")]

    def round(self, name: str | None = None) -> Round:
        """The round called `name`, or the latest one opened.

        Raises:
            RoundError: there is no such round (or no round at all).
        """
        rounds = self.rounds()
        if not rounds:
            raise RoundError(f"{self.path}: the store holds no rounds yet (collect with --store and --round NAME)")
        if name is None:
            return rounds[-1]
        for item in rounds:
            if item.name == name:
                return item
        raise RoundError(f"{self.path}: there is no round '{name}' in the store (it has: "
                         f"{', '.join(r.name for r in rounds)})")

    def previous(self, current: Round) -> Round | None:
        """The round opened before `current`, if any."""
        earlier = [r for r in self.rounds() if r.id < current.id]
        return earlier[-1] if earlier else None

    @_guarded
    def open_round(self, name: str, when: datetime | None = None) -> Round:
        """Open a new round (an existing one of that name is returned as it is)."""
        name = name.strip()
        if not name:
            raise RoundError("a round needs a name (for example the year: --round 2026)")
        with self._transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO rounds (name, opened) VALUES (?, ?)", (name, _now(when)))
        return self.round(name)

    @_guarded
    def close_round(self, name: str, when: datetime | None = None) -> Round:
        """Close a round: no further return is added to it."""
        found = self.round(name)
        with self._transaction() as conn:
            conn.execute("UPDATE rounds SET closed = ? WHERE id = ? AND closed IS NULL", (_now(when), found.id))
        return self.round(name)

    # The lock: Locking (lock.py) gives locked(), holder() and break_lock()

    # Adding a collection

    def add(self, collection: Collection, *, round: str | None = None, manifests: Iterable[str | Path] = (),
            command: str | None = None) -> Added:
        """Add a collection's files and responses (and the manifest it was checked against) to the store.

        Each accepted return goes to the round its workbook names, else to `round` (opened if new). Which
        response counts for each service and round is decided again over everything the store holds.

        Raises:
            RoundError: a return's round is not in the store or is closed, or no round was given; nothing is added.
            StoreLocked: another collection held the store for longer than the wait.
        """
        command = command or " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
        with self.locked(command):
            return self._add(collection, round, list(manifests), command)

    @_guarded
    def _add(self, collection: Collection, default: str | None, manifests: list[str | Path], command: str) -> Added:
        heads = writing.all_heads(collection)
        named = {r.file: (getattr(r, "round", "") or default or "") for r in heads}
        self._check_rounds(named, default, collection)
        fingerprints = manifest.fingerprints(manifests)
        with self._transaction() as conn:
            if default:
                conn.execute("INSERT OR IGNORE INTO rounds (name, opened) VALUES (?, ?)", (default, _now()))
            round_ids = dict(conn.execute("SELECT name, id FROM rounds"))
            used = set(named.values())
            fallback = round_ids.get(default) if default else (
                round_ids.get(next(iter(used))) if len(used) == 1 else None)
            run = conn.execute("INSERT INTO runs (started, command, host) VALUES (?, ?, ?)",
                               (_now(), command, socket.gethostname())).lastrowid
            file_ids, inserted, known = writing.add_files(conn, collection.log, named, round_ids, fallback, run)
            sha = {e.file: e.sha256 for e in collection.log}
            touched, responses = apart.add_responses(conn, collection, file_ids, round_ids, named, sha)
            writing.decide_all(conn, touched)
            if collection.expected:
                if fallback is None:
                    raise RoundError("say which round the manifest is for with --round NAME")
                start = conn.execute("SELECT COALESCE(MAX(seq) + 1, 0) FROM manifest WHERE round_id = ?",
                                     (fallback,)).fetchone()[0]
                conn.executemany(  # a service listed again keeps its place, with the newer details
                    "INSERT INTO manifest VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                    "framework_version = excluded.framework_version, service_name = excluded.service_name, "
                    "contact = excluded.contact, file = excluded.file, fingerprint = excluded.fingerprint",
                    [(fallback, e.framework_id, e.framework_version, e.service_id, e.service_name, e.contact,
                      e.file, fingerprints.get((e.framework_id, e.service_id), ""), start + i)
                     for i, e in enumerate(collection.expected)])
            conn.execute("UPDATE runs SET finished = ?, files_added = ?, responses_added = ? WHERE id = ?",
                         (_now(), inserted, responses, run))
        return Added(inserted, responses, known, tuple(sorted(n for n in used if n)))

    def _check_rounds(self, named: dict[str, str], default: str | None, collection: Collection) -> None:
        rounds = {r.name: r for r in self.rounds()}
        if default and default in rounds and rounds[default].closed:
            raise RoundError(f"round '{default}' was closed on {rounds[default].closed}: returns can no longer be "
                             f"added to it (open a new round with --round NEW-NAME)")
        problems = []
        for file, name in named.items():
            if not name:
                problems.append(f"{file}: its workbook names no round; give one with --round NAME")
            elif name == default:
                continue
            elif name not in rounds:
                problems.append(f"{file}: its workbook is for round '{name}', which is not in the store (collect "
                                f"it with --round {name} to open that round)")
            elif rounds[name].closed:
                problems.append(f"{file}: its workbook is for round '{name}', closed on {rounds[name].closed}")
        if collection.expected and not default and len(set(named.values())) != 1:
            problems.append("the manifest (--expected) belongs to one round: give it with --round NAME")
        if problems:
            shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
            raise RoundError(f"{self.path}: nothing was added; {len(problems)} problem"
                             f"{'s' if len(problems) != 1 else ''} with rounds:\n" +
                             "\n".join(f"  - {p}" for p in shown))

    # Reading

    @_guarded
    def query(self, sql: str, parameters: tuple | dict = ()) -> list[tuple]:
        return self.conn.execute(sql, parameters).fetchall()

    def collection(self, round: str | None = None, *, registry=None, today: date | None = None):
        """One round as a Collection whose frames() come from the store (no workbook is opened)."""
        from .frames import stored_collection

        return stored_collection(self, self.round(round), registry=registry, today=today)


__all__ = ["Store", "Round", "Added", "check_file", "encode", "decode", "encode_plan", "decode_action"]
