"""One round of the programme store as the tidy frames the reports read, and the changes since another round.

`stored_collection(store, round)` gives a Collection (its heads, file log and manifest read from the store; no
workbook opened) whose `frames()` are a StoreFrames: the same frames, columns and dtypes as frames.Frames, each
with a `round` column last, plus `changes()` and `statement_changes()` against a round to compare with.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from itertools import repeat
from operator import attrgetter
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..collect import Collection, Expected, LogEntry
from ..frames import (
    ACTION_COLUMNS,
    RATING_COLUMNS,
    Frames,
    _column_by_column,
    _cycle_collector_paused,
    typed_ratings,
)
from ..parse import Registry, default_registry
from ..response import Problem, Response
from .changes import CHANGE_COLUMNS, STATEMENT_CHANGE_COLUMNS, Pairs, area_changes, statement_changes
from .changes import pairs as paired
from .codec import decode, decode_plan_items, decode_plans
from .query import read_columns
from .store import Round, Store


@dataclass(slots=True)
class StoredCollection(Collection):
    """A round of the store, shaped as the Collection the report writers take. Its responses are heads (who,
    when, problems; no answers): the answers are read by its frames, straight from the store."""

    store: Store | None = None
    round: Round | None = None
    compare: Round | None = None
    _frames: StoreFrames | None = field(default=None, repr=False)

    def frames(self) -> StoreFrames:
        if self._frames is None:
            self._frames = StoreFrames(self)
        return self._frames


def stored_collection(store: Store, round: Round, *, compare: Round | None = None, registry: Registry | None = None,
                      today: date | None = None) -> StoredCollection:
    """The counted responses, file log and manifest of `round`, from the store."""
    heads = _heads(store.conn, round.id)
    log = [LogEntry(file, status, reason, advice, code, sha256, size, fid, version, sid, name,
                    date.fromisoformat(completed) if completed else None, warnings, errors, same_as, rated, statements)
           for (file, status, reason, advice, code, sha256, size, fid, version, sid, name, completed, warnings, errors,
                same_as, rated, statements) in store.query(
               "SELECT path, status, reason, advice, code, sha256, size, framework_id, framework_version, "
               "service_id, service_name, completed, warnings, errors, same_as, rated, statements FROM files "
               "WHERE round_id = ? ORDER BY id", (round.id,))]
    manifest = store.query("SELECT framework_id, framework_version, service_id, service_name, contact, file "
                           "FROM manifest WHERE round_id = ? ORDER BY seq", (round.id,))
    expected = [Expected(*row) for row in manifest] if manifest else None
    return StoredCollection(heads, log, expected, registry or default_registry(), today or date.today(),
                            store=store, round=round, compare=compare)


def _heads(conn: sqlite3.Connection, round_id: int) -> list[Response]:
    rows = conn.execute(
        "SELECT r.id, r.file, r.framework_id, r.framework_version, r.fingerprint, r.service_id, r.service_name, "
        "r.generated_at, r.respondent, r.area_ids FROM counted c JOIN responses r ON r.id = c.response_id "
        "WHERE c.round_id = ? ORDER BY r.id", (round_id,)).fetchall()
    problems: dict[int, list[Problem]] = {}
    for response_id, severity, code, message, sheet, cell, advice in conn.execute(
            "SELECT p.response_id, p.severity, p.code, p.message, p.sheet, p.cell, p.advice FROM counted c "
            "JOIN problems p ON p.response_id = c.response_id WHERE c.round_id = ? ORDER BY p.response_id, p.seq",
            (round_id,)):
        problems.setdefault(response_id, []).append(Problem(severity, code, message, sheet, cell, advice))
    return [Response(file, fid, version, fingerprint, sid, name, generated, respondent=decode(respondent),
                     problems=problems.get(rid, []), area_ids=tuple(json.loads(areas)))
            for rid, file, fid, version, fingerprint, sid, name, generated, respondent, areas in rows]


# A round's counted responses, as a subquery: SQLite walks the ratings' primary key in response order for it,
# with no sort and no temporary table of ids.
COUNTED = "(SELECT response_id FROM counted WHERE round_id = ?)"
RATINGS = ("SELECT response_id, area_id, statement_id, rating, rationale, evidence, target FROM ratings "
           "WHERE response_id IN "
           f"{COUNTED} ORDER BY response_id, seq")
PLANS = f"SELECT response_id, plan FROM actions WHERE response_id IN {COUNTED} ORDER BY response_id"
SCORES = f"SELECT rated, total, mean FROM responses WHERE id IN {COUNTED} ORDER BY id"
HEAD_FIELDS = ("framework_id", "framework_version", "service_id", "service_name", "file")


class StoreFrames(Frames):
    """The frames of one stored round (see frames.Frames), each with a `round` column last."""

    c: StoredCollection

    def __init__(self, collection: StoredCollection):
        super().__init__(collection, LogEntry.__dataclass_fields__)
        assert collection.store is not None and collection.round is not None
        self.store = collection.store
        self.round = collection.round
        self.ids = _response_ids(self.store.conn, self.round.id)

    def _with_round(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame["round"] = pd.Series([self.round.name] * len(frame), index=frame.index, dtype=object)
        return frame

    @property
    def _answers(self) -> _Answers:
        """What Frames reads as (ratings, actions, scores): here each is read from the store when first asked
        for, so a comparison's ratings do not decode its actions."""
        return _Answers(self)

    @cached_property
    def _by_id(self) -> dict[int, Response]:
        return dict(zip(self.ids, self.c.heads))

    def positions(self, ids: list[int]) -> np.ndarray:
        """Where each of `ids` (response ids of this round) stands among the round's responses and heads."""
        return np.searchsorted(np.asarray(self.ids, dtype="int64"), np.asarray(ids, dtype="int64"))

    @cached_property
    def ratings(self) -> pd.DataFrame:
        with _cycle_collector_paused():  # millions of new objects, none in a cycle: see frames.py
            return self._read_ratings()

    def _read_ratings(self) -> pd.DataFrame:
        """Read a column at a time: the rows' own values as SQLite gives them, and what repeats per response (who)
        or per statement (texts, labels) taken by index from one array each, not looked up row by row."""
        ids, area_ids, statement_ids, values, rationales, evidence, chosen = read_columns(
            self.store.conn, RATINGS, (self.round.id,), 7, shared=(1, 2, 4, 5))
        self.rating_ids = np.asarray(ids, dtype="int64")  # each row's response, for the export's keys
        self.rating_positions = rows = self.positions(self.rating_ids)
        if not ids:
            return self._with_round(typed_ratings(pd.DataFrame([], columns=RATING_COLUMNS)))
        del ids  # each list let go once its columns are made: at the peak, the lists and the frame are not all held
        heads = self.c.heads
        columns = {name: np.array([getattr(h, name) for h in heads] or [None], dtype=object)[rows]
                   for name in HEAD_FIELDS}
        frameworks = [self._framework(h.framework_id, h.framework_version) for h in heads]
        keys = {(fw.id, fw.version) if fw else None: fw for fw in frameworks}
        which = np.array([list(keys).index((fw.id, fw.version) if fw else None) for fw in frameworks] or [0])[rows]
        looks = [self._lookups(fw) for fw in keys.values()]
        columns["area_id"], columns["area"] = _looked_up(area_ids, which, [k.areas for k in looks], same=True)
        columns["statement_id"], columns["statement"] = _looked_up(statement_ids, which, [k.texts for k in looks],
                                                                   default="")
        del area_ids, statement_ids
        columns["level"] = _looked_up(values, which, [k.labels for k in looks])[1]
        columns["rating"] = pd.array(values, dtype="Int64")
        columns["rationale"], columns["evidence"] = rationales, evidence
        del rationales, evidence
        nexts = [k.nexts for k in looks]  # a target not chosen is the next level up from the rating
        columns["target"] = [nexts[w].get(r) if c is None else c for c, r, w in zip(chosen, values, which.tolist())]
        del values
        columns["target_chosen"] = [c is not None for c in chosen]
        columns["gap"] = [None] * len(chosen)  # typed_ratings: the target less the rating
        del chosen
        ratings = _column_by_column({name: columns.pop(name) for name in RATING_COLUMNS})
        return self._with_round(typed_ratings(ratings))

    @cached_property
    def actions(self) -> pd.DataFrame:
        with _cycle_collector_paused():
            return self._read_actions()

    def _read_actions(self) -> pd.DataFrame:
        by_id = self._by_id
        columns: list[list] = [[] for _ in ACTION_COLUMNS]  # gathered a column at a time, as the ratings are
        action_ids: list[int] = []
        dates: dict = {}
        texts: dict = {}  # one string object for each distinct id, text and date (a parse makes a new one each time)
        cursor = self.store.conn.execute(PLANS, (self.round.id,))
        while rows := cursor.fetchmany(500):  # 500 plans' parsed dicts at a time (2,000: 50 MB more at the peak)
            plans = decode_plans([row[1] for row in rows])  # one parse a chunk, not one a plan
            actions: list[list] = []
            for (rid, _text), plan in zip(rows, plans):
                head = by_id[rid]
                fw = self._framework(head.framework_id, head.framework_version)
                planned = list(map(_Planned._make, decode_plan_items(plan, dates, texts)))
                actions += self._action_rows(_WithActions(head, planned), fw)
                action_ids += repeat(rid, len(plan))
            for column, values in zip(columns, zip(*actions)):  # a chunk's rows freed as it goes
                column += values
        self.action_ids = np.asarray(action_ids, dtype="int64")
        if not action_ids:
            return self._with_round(pd.DataFrame([], columns=ACTION_COLUMNS))
        return self._with_round(_column_by_column(dict(zip(ACTION_COLUMNS, columns))))

    @cached_property
    def _scores(self) -> list[tuple[int, int, float | None]]:
        return [tuple(s) for s in self.store.conn.execute(SCORES, (self.round.id,))]

    @cached_property
    def responses(self) -> pd.DataFrame:
        return self._with_round(Frames.responses.func(self))

    @cached_property
    def log(self) -> pd.DataFrame:
        fields = list(LogEntry.__dataclass_fields__)  # as Frames.log, without asdict's deep copy of every entry
        return self._with_round(pd.DataFrame(list(map(attrgetter(*fields), self.c.log)), columns=fields))

    @cached_property
    def problems(self) -> pd.DataFrame:
        return self._with_round(Frames.problems.func(self))

    @cached_property
    def missing(self) -> pd.DataFrame:
        return self._with_round(Frames.missing.func(self))

    @cached_property
    def unexpected(self) -> pd.DataFrame:
        return self._with_round(Frames.unexpected.func(self))

    def area_scores(self) -> pd.DataFrame:
        return self._with_round(super().area_scores())

    def statement_stats(self) -> pd.DataFrame:
        return self._with_round(super().statement_stats())

    @cached_property
    def last(self) -> StoreFrames | None:
        """The frames of the round compared with, if any (changes() reads only what it needs of that round)."""
        if self.c.compare is None:
            return None
        return stored_collection(self.store, self.c.compare, registry=self.c.registry, today=self.c.today).frames()

    @cached_property
    def pairs(self) -> Pairs:
        """The statements each service rated in this round and the round compared with (see changes.pairs)."""
        with _cycle_collector_paused():
            return paired(self)

    def changes(self) -> pd.DataFrame:
        """For each service and area: this round's mean, last round's and the change, over the statements the
        service rated in both rounds; a change of respondent flagged. Services in both rounds only."""
        return area_changes(self)

    def statement_changes(self) -> pd.DataFrame:
        """For each statement across services rated in both rounds: how many improved, stayed the same or
        declined, and the mean change; the statements that moved most first."""
        return statement_changes(self)


def _looked_up(keys: list, which: np.ndarray, tables: list[dict], *, default: object = None,
               same: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """`keys` as one shared object per distinct value, and what each row's own table (`tables[which]`) gives for it
    (`default` where it has nothing, or the key itself if `same`); a missing key (None) gives None."""
    codes, uniques = pd.factorize(np.asarray(keys, dtype=object) if keys else np.zeros(0, object))
    uniques = np.append(np.asarray(uniques, dtype=object), None)  # code -1 (a missing key) is the last
    found = np.empty((max(len(tables), 1), len(uniques)), dtype=object)
    for i, table in enumerate(tables):
        found[i, :-1] = [table.get(u, u if same else default) for u in uniques[:-1]]
    return uniques[codes], found[which, codes]


class _Answers:
    """(ratings, actions, scores) of a StoreFrames, each read when indexed."""

    __slots__ = ("frames",)

    def __init__(self, frames: StoreFrames):
        self.frames = frames

    def __getitem__(self, index: int):
        return (lambda: self.frames.ratings, lambda: self.frames.actions, lambda: self.frames._scores)[index]()


class _Planned(NamedTuple):
    """An action as Frames._action_rows reads it (a tuple: quicker to make than a frozen Action, 240,000 a round)."""

    statement_id: str
    area_id: str
    values: dict


class _WithActions:
    """A head with its actions, as Frames._action_rows reads a response."""

    __slots__ = ("framework_id", "service_id", "service_name", "file", "actions")

    def __init__(self, head: Response, actions: list[_Planned]):
        self.framework_id, self.service_id, self.service_name = head.framework_id, head.service_id, head.service_name
        self.file, self.actions = head.file, actions


def _response_ids(conn: sqlite3.Connection, round_id: int) -> list[int]:
    return [row[0] for row in conn.execute("SELECT response_id FROM counted WHERE round_id = ? ORDER BY "
                                           "response_id", (round_id,))]


__all__ = ["StoredCollection", "StoreFrames", "stored_collection", "CHANGE_COLUMNS", "STATEMENT_CHANGE_COLUMNS"]
