"""One round of the programme store as the tidy frames the reports read, and the changes since another round.

`stored_collection(store, round)` gives a Collection (its heads, file log and manifest read from the store; no
workbook opened) whose `frames()` are a StoreFrames: the same frames, columns and dtypes as frames.Frames, each
with a `round` column last, plus `changes()` and `statement_changes()` against a round to compare with.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from itertools import groupby, repeat
from operator import attrgetter

import numpy as np
import pandas as pd

from ..collect import Collection, Expected, LogEntry, service_key
from ..frames import ACTION_COLUMNS, RATING_COLUMNS, Frames, add_targets, typed_ratings
from ..parse import Registry, default_registry
from ..report.common import rounded
from ..response import Action, Problem, Response
from .codec import decode, decode_action
from .store import Round, Store

CHANGE_COLUMNS = ["framework_id", "service_id", "service_name", "area_id", "area", "round", "last_round",
                  "compared", "this_mean", "last_mean", "change", "direction", "respondent_changed", "respondent",
                  "last_respondent"]
STATEMENT_CHANGE_COLUMNS = ["framework_id", "area_id", "area", "statement_id", "statement", "round", "last_round",
                            "compared", "improved", "same", "declined", "mean_change", "direction"]
SAME = 1e-9  # means this close are the same (they are means of small integers)


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

    @cached_property
    def ratings(self) -> pd.DataFrame:
        by_id = self._by_id
        frameworks = {rid: self._framework(h.framework_id, h.framework_version) for rid, h in by_id.items()}
        looks = {rid: self._lookups(fw) for rid, fw in frameworks.items()}
        columns: dict[str, list] = {name: [] for name in RATING_COLUMNS}
        ids: list[int] = []
        canonical: dict[str, str] = {}
        share = canonical.setdefault  # one string object for each distinct id (SQLite returns a new one a row)
        sql = ("SELECT t.response_id, t.area_id, t.statement_id, t.rating, t.rationale, t.evidence, t.target "
               "FROM {table} w JOIN ratings t ON t.response_id = w.id ORDER BY w.id, t.seq")
        for rows in self._chunks(sql):  # in chunks: the rows are never all held as tuples beside the columns
            chunk_ids, area_ids, statement_ids, values, rationales, evidence, targets = (list(c) for c in zip(*rows))
            area_ids = [share(a, a) for a in area_ids]
            statement_ids = [share(x, x) for x in statement_ids]
            # Per response, not per row: a response's rows share its identity and its framework's lookups.
            start = 0
            for rid, n in _runs(chunk_ids):
                head, look, known = by_id[rid], looks[rid], frameworks[rid] is not None
                for name in ("framework_id", "framework_version", "service_id", "service_name", "file"):
                    columns[name] += repeat(getattr(head, name), n)
                part = slice(start, start + n)
                columns["area"] += map(look.areas.get, area_ids[part], area_ids[part])
                columns["statement"] += map(look.texts.get, statement_ids[part], repeat("", n))
                columns["level"] += map(look.labels.get, values[part]) if known else repeat(None, n)
                add_targets(columns, targets[part], values[part], look.nexts)
                start += n
            columns["area_id"] += area_ids
            columns["statement_id"] += statement_ids
            columns["rating"] += values
            columns["rationale"] += rationales
            columns["evidence"] += evidence
            ids += chunk_ids
        self.rating_ids = ids  # each row's response, for the export's keys
        ratings = pd.DataFrame(columns if ids else [], columns=RATING_COLUMNS)
        del columns
        return self._with_round(typed_ratings(ratings))

    def _chunks(self, sql: str, size: int = 50_000) -> Iterator[list[tuple]]:
        """The rows of `sql` (over the round's responses, `{table}`) a chunk at a time."""
        conn = self.store.conn
        with _wanted(conn, self.ids) as table:
            cursor = conn.execute(sql.format(table=table))
            while rows := cursor.fetchmany(size):
                yield rows

    @cached_property
    def actions(self) -> pd.DataFrame:
        by_id = self._by_id
        parts: list[pd.DataFrame] = []
        action_ids: list[int] = []
        sql = "SELECT a.response_id, a.plan FROM {table} w JOIN actions a ON a.response_id = w.id ORDER BY w.id"
        for rows in self._chunks(sql, 2_000):
            plans = json.loads("[" + ",".join(row[1] for row in rows) + "]")  # one parse a chunk, not one a plan
            actions: list[list] = []
            for (rid, _text), plan in zip(rows, plans):
                head = by_id[rid]
                fw = self._framework(head.framework_id, head.framework_version)
                actions += self._action_rows(_WithActions(head, [Action(*decode_action(a)) for a in plan]), fw)
                action_ids += repeat(rid, len(plan))
            parts.append(pd.DataFrame(actions, columns=ACTION_COLUMNS))  # a chunk's rows freed as it goes
        self.action_ids = action_ids
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame([], columns=ACTION_COLUMNS)
        return self._with_round(frame)

    @cached_property
    def _scores(self) -> list[tuple[int, int, float | None]]:
        with _wanted(self.store.conn, self.ids) as table:
            return [tuple(s) for s in self.store.conn.execute(
                f"SELECT r.rated, r.total, r.mean FROM {table} w JOIN responses r ON r.id = w.id ORDER BY w.id")]

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
        """The frames of the round compared with, if any."""
        if self.c.compare is None:
            return None
        return stored_collection(self.store, self.c.compare, registry=self.c.registry, today=self.c.today).frames()

    def _rated(self) -> tuple[list[int], list[str], list[int]]:
        """(response id, statement id, rating) of every statement rated, straight from the store: all a comparison
        needs of the round compared with, without building its whole ratings frame."""
        ids: list[int] = []
        statements: list[str] = []
        ratings: list[int] = []
        sql = ("SELECT t.response_id, t.statement_id, t.rating FROM {table} w JOIN ratings t "
               "ON t.response_id = w.id WHERE t.rating IS NOT NULL ORDER BY w.id, t.seq")
        for rows in self._chunks(sql):
            chunk_ids, statement_ids, values = zip(*rows)
            ids += chunk_ids
            statements += statement_ids
            ratings += values
        return ids, statements, ratings

    @cached_property
    def _both(self) -> pd.DataFrame:
        """This round's ratings of the statements each service rated in both rounds, with last round's rating
        (`rating_last`) and the service's number in `_respondents` (`svc`). Matched on integer codes (service
        number x statement number), not by merging frames on text keys."""
        last = self.last
        assert last is not None
        services: dict[tuple[str, str], int] = {}

        def numbers(frames: StoreFrames) -> dict[int, int]:
            return {rid: services.setdefault((h.framework_id, service_key(h)[1]), len(services))
                    for rid, h in frames._by_id.items()}

        now_of, before_of = numbers(self), numbers(last)
        ratings = self.ratings
        statement_codes, statements = pd.factorize(ratings["statement_id"])
        width = len(statements) + 1
        now_codes = pd.Series(self.rating_ids).map(now_of).to_numpy(dtype="int64") * width + statement_codes
        ids, statement_ids, values = last._rated()
        before_statements = pd.Index(statements).get_indexer(statement_ids) if ids else np.zeros(0, "int64")
        before_codes = pd.Series(ids, dtype="int64").map(before_of).to_numpy(dtype="int64") * width + \
            before_statements
        before = pd.Series(np.asarray(values, dtype=float), index=before_codes)[before_statements >= 0]
        before = before[~before.index.duplicated()]
        rating_last = before.reindex(now_codes).to_numpy()
        keep = ratings["rating"].notna().to_numpy() & ~np.isnan(rating_last)
        both = ratings.loc[keep, ["framework_id", "service_id", "service_name", "area_id", "area", "statement_id",
                                  "statement", "rating"]].astype({"rating": float})
        both["rating_last"] = rating_last[keep]
        both["svc"] = now_codes[keep] // width
        self._who = (_who(now_of, self._by_id), _who(before_of, last._by_id))
        return both.reset_index(drop=True)

    def changes(self) -> pd.DataFrame:
        """For each service and area: this round's mean, last round's and the change, over the statements the
        service rated in both rounds; a change of respondent flagged. Services in both rounds only."""
        last = self.last
        if last is None:
            return pd.DataFrame(columns=CHANGE_COLUMNS)
        both = self._both
        out = both.groupby(["svc", "area_id"], sort=False).agg(
            framework_id=("framework_id", "first"), service_id=("service_id", "first"),
            service_name=("service_name", "first"), area=("area", "first"), compared=("rating", "size"),
            this_mean=("rating", "mean"), last_mean=("rating_last", "mean")).reset_index()
        out["change"] = out["this_mean"] - out["last_mean"]
        out["direction"] = [_direction(v) for v in out["change"].tolist()]
        now, before = self._who
        out["respondent"] = out["svc"].map(now).fillna("")
        out["last_respondent"] = out["svc"].map(before).fillna("")
        changed = {svc: _norm(now.get(svc, "")) != _norm(before.get(svc, "")) and
                   bool(_norm(now.get(svc, "")) or _norm(before.get(svc, ""))) for svc in set(out["svc"].tolist())}
        out["respondent_changed"] = out["svc"].map(changed).astype(bool)
        out["round"], out["last_round"] = self.round.name, last.round.name
        out["compared"] = out["compared"].astype(int)
        return out[CHANGE_COLUMNS].reset_index(drop=True)

    def statement_changes(self) -> pd.DataFrame:
        """For each statement across services rated in both rounds: how many improved, stayed the same or
        declined, and the mean change; the statements that moved most first."""
        last = self.last
        if last is None:
            return pd.DataFrame(columns=STATEMENT_CHANGE_COLUMNS)
        both = self._both
        delta = both["rating"] - both["rating_last"]
        both = both.assign(delta=delta, improved=delta > 0, same=delta == 0, declined=delta < 0)
        out = both.groupby(["framework_id", "statement_id"], sort=False).agg(
            area_id=("area_id", "first"), area=("area", "first"), statement=("statement", "first"),
            compared=("delta", "size"), improved=("improved", "sum"), same=("same", "sum"),
            declined=("declined", "sum"), mean_change=("delta", "mean")).reset_index()
        for name in ("compared", "improved", "same", "declined"):
            out[name] = out[name].astype(int)
        out["direction"] = [_direction(v) for v in out["mean_change"].tolist()]
        out["round"], out["last_round"] = self.round.name, last.round.name
        out = out.assign(moved=out["mean_change"].abs()).sort_values(
            ["moved", "framework_id", "statement_id"], ascending=[False, True, True], kind="stable")
        return out[STATEMENT_CHANGE_COLUMNS].reset_index(drop=True)


class _Answers:
    """(ratings, actions, scores) of a StoreFrames, each read when indexed."""

    __slots__ = ("frames",)

    def __init__(self, frames: StoreFrames):
        self.frames = frames

    def __getitem__(self, index: int):
        return (lambda: self.frames.ratings, lambda: self.frames.actions, lambda: self.frames._scores)[index]()


class _WithActions:
    """A head with its actions, as Frames._action_rows reads a response."""

    __slots__ = ("framework_id", "service_id", "service_name", "file", "actions")

    def __init__(self, head: Response, actions: list[Action]):
        self.framework_id, self.service_id, self.service_name = head.framework_id, head.service_id, head.service_name
        self.file, self.actions = head.file, actions


def _response_ids(conn: sqlite3.Connection, round_id: int) -> list[int]:
    return [row[0] for row in conn.execute("SELECT response_id FROM counted WHERE round_id = ? ORDER BY "
                                           "response_id", (round_id,))]


class _wanted:
    """A temporary table of response ids, so a round's rows are read in primary-key order without a sort."""

    def __init__(self, conn: sqlite3.Connection, ids: list[int]):
        self.conn, self.ids = conn, ids

    def __enter__(self) -> str:
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (id INTEGER PRIMARY KEY)")
        self.conn.execute("DELETE FROM temp.wanted")
        self.conn.executemany("INSERT INTO temp.wanted VALUES (?)", zip(self.ids))
        return "temp.wanted"

    def __exit__(self, *exc) -> None:
        self.conn.execute("DELETE FROM temp.wanted")


def _direction(change: float) -> str:
    """The change in words and an arrow, so it never rests on colour alone."""
    if change is None or pd.isna(change):
        return ""
    if change > SAME:  # rounded by the reports' one rule (half up on the decimal shown), as every figure is
        return f"\u25b2 up +{rounded(change, 2)}"
    if change < -SAME:
        return f"\u25bc down {rounded(change, 2)}"
    return "\u2192 same"


def _who(numbers: dict[int, int], by_id: dict[int, Response]) -> dict[int, str]:
    """Who completed each service's return, by the service's number."""
    return {numbers[rid]: str(h.respondent.get("completed_by") or "") for rid, h in by_id.items()}


def _runs(ids) -> Iterator[tuple[int, int]]:
    """(id, how many in a row) over ids that come grouped, as a response's rows do."""
    for rid, group in groupby(ids):
        yield rid, sum(1 for _ in group)


def _norm(name: str) -> str:
    return " ".join(str(name).casefold().split())


__all__ = ["StoredCollection", "StoreFrames", "stored_collection", "CHANGE_COLUMNS", "STATEMENT_CHANGE_COLUMNS"]
