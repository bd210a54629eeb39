"""The tidy pandas frames of a Collection: what analysts, reports and CSV exports all read.

One row per service x statement for ratings, one per action, one per response, one per file in the log.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from functools import cached_property
from itertools import repeat
from operator import attrgetter, is_not
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .heap import give_back
from .model import ACTION_ROLES, DONE_WORDS, Framework
from .parse import Registry
from .response import ActionRow, Response, action_row, answer_columns, score_of
from .texts import RatingTexts, TextPool

RATING_COLUMNS = ["framework_id", "framework_version", "service_id", "service_name", "area_id", "area",
                  "statement_id", "statement", "rating", "level", "target", "target_chosen", "gap", "rationale",
                  "evidence", "file"]
FREE_TEXTS = ("rationale", "evidence")
"""The ratings frame's free text, each rating's own words: nearly all of its memory when services write in their
own words (a million texts at 10,000 returns). The reports read the frame without them (Frames.lean_ratings) and
the texts a chunk of rows at a time (Frames.rating_texts); Frames.ratings holds them, when it is asked for."""
LEAN_RATING_COLUMNS = [name for name in RATING_COLUMNS if name not in FREE_TEXTS]
_ACTION_HEAD = ["framework_id", "service_id", "service_name", "area_id", "statement_id", "statement"]
# One column per role of ACTION_ROLES (action, lead, deadline, review_date, status, priority), in its order.
ACTION_COLUMNS = [*_ACTION_HEAD, *(role.field for role in ACTION_ROLES), "details", "overdue", "ownerless", "file"]
RESPONSE_COLUMNS = ["framework_id", "framework_version", "service_id", "service_name", "organisation",
                    "completed_by", "role", "date_completed", "email", "rated", "total", "mean", "status",
                    "warnings", "errors", "file"]
# Where each column sits in an action row; the roles' columns start at _ROLE_SLOT, in ACTION_ROLES' order.
_AREA_SLOT, _STATEMENT_SLOT, _TEXT_SLOT, _DETAILS_SLOT, _OVERDUE_SLOT, _OWNERLESS_SLOT, _FILE_SLOT = (
    ACTION_COLUMNS.index(name) for name in ("area_id", "statement_id", "statement", "details", "overdue", "ownerless",
                                            "file"))
_ROLE_SLOT = len(_ACTION_HEAD)
_ROLE = {role.name: i for i, role in enumerate(ACTION_ROLES)}
_ACTION_ROLE, _LEAD_ROLE, _DUE_ROLE, _STATUS_ROLE = _ROLE["action"], _ROLE["lead"], _ROLE["due"], _ROLE["status"]
# The roles that hold dates (anything else typed there is not a date, and is dropped as the cell's validation would
# have refused it), and those holding the texts typed in a plan (the parser reads every one as text), which are
# pooled (TextPool) as the details are; dates are not.
_DATE_ROLES = tuple(i for i, role in enumerate(ACTION_ROLES) if role.kinds == ("date",))
_TEXT_ROLES = frozenset(i for i, role in enumerate(ACTION_ROLES) if role.kinds != ("date",))


class CollectionLike(Protocol):
    """What the frames read of a collect.Collection. Named here rather than imported: collect.py builds the
    frames (Collection.frames()), so importing it back would make the two modules import each other.

    A collection whose `responses` keep their answers in a file (collect.SpilledResponses, with `lean_answers()`
    and `texts(i)`) is read through them: once for the frames, which then hold none of the ratings' free texts,
    and again, a response at a time, when a report or `Frames.ratings` asks for those texts. Else a collection
    that has `answer_columns()` (each response as its head, its ratings as columns and its actions as rows,
    response.answer_columns) is read through it, once, instead of through `responses`.
    """

    registry: Registry
    today: date

    @property
    def responses(self) -> Iterable[Response]: ...

    @property
    def heads(self) -> Sequence[Response]: ...

    @property
    def log(self) -> Sequence[Any]: ...  # collect.LogEntry, a dataclass

    @property
    def missing(self) -> Sequence[Any]: ...  # collect.Expected, a dataclass

    @property
    def unexpected(self) -> Sequence[Response]: ...


@dataclass(slots=True)
class _Lookups:
    areas: dict[str, str]
    texts: dict[str, str]
    labels: dict[int, str]
    nexts: dict[int, int]
    """Each level's next level up: a statement's target when the service chose none (Scale.target_of)."""
    role_ids: list[str | None]
    """The id of the column playing each role of ACTION_ROLES, in its order (None: the framework has none)."""
    names: dict[str, str]
    used: set[str]
    ids: dict[str, str]
    """Each area and statement id, to itself: the framework's string, for rows to share."""


class Frames:
    def __init__(self, collection: CollectionLike, log_fields: Sequence[str]):
        """The frames of `collection`, whose log entries hold `log_fields` (Collection.frames() says which)."""
        self.c = collection
        self._log_fields = list(log_fields)
        self._by_framework: dict[tuple[str, str] | None, _Lookups] = {}
        self._texts = TextPool()
        self._dates = TextPool()  # the actions' dates: each return's unpickled copies of a few hundred days

    def _framework(self, fid: str, version: str) -> Framework | None:
        return self.c.registry.get(fid, version)

    @cached_property
    def _answers(self) -> tuple[pd.DataFrame, pd.DataFrame, list[tuple[int, int, float | None]], RatingTexts]:
        """The ratings frame without its free texts (lean_ratings), the actions frame, each response's overall
        score and the ratings' free texts (rating_texts), from one pass over the responses (a collection of
        thousands reads them back from its spill file one at a time, once, without the texts). The frames are
        gathered column by column: a response's fifty ratings, which come as columns, go in as a few C-level list
        extends, its actions a column at a time too, and the statement and area texts are the framework's own
        strings, shared, not copies."""
        ratings: dict[str, list] = {name: [] for name in LEAN_RATING_COLUMNS}
        actions: list[list] = [[] for _ in ACTION_COLUMNS]
        scores: list[tuple[int, int, float | None]] = []
        sizes: list[int] = []  # each response's ratings
        texted: list[bytes] = []  # which of them have some text (spill.has_text), from a spill file
        spill = self._spill()
        held: tuple[list, list] = ([], [])  # the texts of a collection held in memory
        with _cycle_collector_paused():
            answers = spill.lean_answers() if spill is not None else self._held_answers(*held)
            for head, (statement_ids, area_ids, values, chosen, flags), plan in answers:
                fw = self._framework(head.framework_id, head.framework_version)
                self._add_ratings(ratings, head, statement_ids, area_ids, values, chosen, fw)
                sizes.append(len(values))
                texted.append(flags)
                if plan:
                    self._add_plan(actions, head, plan, fw)
                overall = score_of(values)
                scores.append((overall.rated, overall.total, overall.mean))
        rating_frame = typed_ratings(_column_by_column(ratings) if ratings["file"] else
                                     pd.DataFrame(columns=LEAN_RATING_COLUMNS))
        action_frame = _column_by_column(dict(zip(ACTION_COLUMNS, actions))) if actions[-1] else \
            pd.DataFrame([], columns=ACTION_COLUMNS)
        del ratings, actions  # the lists the frames were made from (64 MB at 10,000 returns): their pages given back
        if spill is not None:
            texts = RatingTexts(np.frombuffer(b"".join(texted), dtype=np.uint8).astype(bool), spill=spill,
                                starts=np.cumsum([0, *sizes], dtype=np.int64))
        else:  # as the frame held them, each a column of its own
            texts = RatingTexts.held(*(pd.Series(column, index=rating_frame.index, dtype=None if column else object)
                                       for column in held))
        give_back()
        return rating_frame, action_frame, scores, texts

    def _spill(self) -> Any:
        """The collection's spill file (collect.SpilledResponses), if its responses are kept in one."""
        responses = self.c.responses
        return responses if hasattr(responses, "lean_answers") and hasattr(responses, "texts") else None

    def _held_answers(self, rationales: list, evidence: list) -> Iterator[tuple[Response, tuple, tuple[ActionRow]]]:
        """Each response that counts as spill.SpilledResponses.lean_answers gives it (without flags: b""), its
        texts added to `rationales` and `evidence` as it goes: from the collection's own `answer_columns()` if it
        gives them (see CollectionLike), else taken from its responses."""
        given = getattr(self.c, "answer_columns", None)
        share = self._texts.share
        for head, columns, plan in given() if given is not None else answer_columns(self.c.responses):
            statement_ids, area_ids, values, their_rationales, their_evidence, chosen = columns
            rationales += share(their_rationales)
            evidence += share(their_evidence)
            yield head, (statement_ids, area_ids, values, chosen, b""), plan

    @cached_property
    def ratings(self) -> pd.DataFrame:
        """One row per service and statement: every column of RATING_COLUMNS, rationale and evidence with the
        rest. A collection's free texts are read back from its spill file when this is first asked for (the
        reports read lean_ratings and rating_texts, and never hold them all)."""
        lean, texts = self.lean_ratings, self.rating_texts
        if not len(lean):
            return typed_ratings(pd.DataFrame(columns=RATING_COLUMNS))
        frame = lean.copy(deep=False)  # its columns shared, not copied
        for name, column in zip(FREE_TEXTS, texts.columns(frame.index, self._texts.share)):
            frame.insert(RATING_COLUMNS.index(name), name, column)
        return frame

    @property
    def lean_ratings(self) -> pd.DataFrame:
        """The ratings frame without its free texts (FREE_TEXTS), which rating_texts gives row for row: what the
        reports work out their figures from. (A frames class whose ratings come with their texts, such as the
        store's, gives its whole ratings frame.)"""
        return self._answers[0]

    @cached_property
    def rating_texts(self) -> RatingTexts:
        """The ratings' rationale and evidence, row for row with lean_ratings, read when asked for."""
        lean = self.lean_ratings
        if FREE_TEXTS[0] in lean.columns:  # ratings that hold their texts (store.frames.StoreFrames)
            return RatingTexts.held(*(lean[name] for name in FREE_TEXTS))
        return self._answers[3]

    @property
    def actions(self) -> pd.DataFrame:
        return self._answers[1]

    def _lookups(self, fw: Framework | None) -> _Lookups:
        """What the rows need of a framework, worked out once per framework rather than once per response."""
        key = (fw.id, fw.version) if fw else None
        found = self._by_framework.get(key)
        if found is None:
            columns = fw.action_columns if fw else ()
            roles = fw.role_columns() if fw else {}
            found = self._by_framework[key] = _Lookups(
                areas={a.id: a.title for a in fw.areas} if fw else {},
                texts={s.id: (s.title or s.text) for s in fw.statements} if fw else {},
                labels={lv.value: fw.scale.label_of(lv.value) for lv in fw.scale.levels} if fw else {},
                nexts={lv.value: fw.scale.next_value(lv.value) for lv in fw.scale.levels} if fw else {},
                role_ids=[roles.get(role.name) for role in ACTION_ROLES], names={c.id: c.name for c in columns},
                used=set(roles.values()),
                ids={i: i for i in [*(a.id for a in fw.areas), *(st.id for st in fw.statements)]} if fw else {})
        return found

    def _add_ratings(self, columns: dict[str, list], head: Response, statement_ids: Sequence[str],
                     area_ids: Sequence[str], values: Sequence[int | None], chosen: Sequence[int | None],
                     fw: Framework | None) -> None:
        """One response's rows of the ratings frame but their free texts: `head` says whose they are, the other
        columns (Rating's fields, one tuple each) what they are."""
        look = self._lookups(fw)
        n = len(values)
        # Ids as the framework's own strings (each return's unpickled copies are dropped): 500,000 rows share 50.
        ids = look.ids.get
        area_ids = list(map(ids, area_ids, area_ids))
        statement_ids = list(map(ids, statement_ids, statement_ids))
        for name, value in (("framework_id", head.framework_id), ("framework_version", head.framework_version),
                            ("service_id", head.service_id), ("service_name", head.service_name),
                            ("file", head.file)):
            columns[name] += repeat(value, n)
        columns["area_id"] += area_ids
        columns["area"] += map(look.areas.get, area_ids, area_ids)
        columns["statement_id"] += statement_ids
        columns["statement"] += map(look.texts.get, statement_ids, repeat("", n))
        columns["rating"] += values
        columns["level"] += map(look.labels.get, values) if fw else repeat(None, n)
        add_targets(columns, chosen, values, look.nexts)

    def _action_rows(self, r: Response, fw: Framework | None) -> list[tuple]:
        """The rows of the actions frame of `r` (a Response, or anything with its head's fields and `actions` with
        an Action's: store/frames.py gives its own), as `_add_plan` makes them."""
        columns: list[list] = [[] for _ in ACTION_COLUMNS]
        if r.actions:
            self._add_plan(columns, r, list(map(action_row, r.actions)), fw)
        return list(zip(*columns))

    def _add_plan(self, columns: list[list], head: Response, plan: Sequence[ActionRow], fw: Framework | None) -> None:
        """One response's rows of the actions frame, a column at a time (`columns` in ACTION_COLUMNS' order): the
        roles' values in ACTION_ROLES' order, the framework's own columns as `details`, and the flags (overdue: past
        its due date and its status not done; ownerless: no lead)."""
        look = self._lookups(fw)
        used, names, today, n = look.used, look.names, self.c.today, len(plan)
        statement_ids, area_ids, values = zip(*plan)
        ids = look.ids.get  # the framework's own strings, not each return's copies
        statement_ids = list(map(ids, statement_ids, statement_ids))
        for slot, value in enumerate((head.framework_id, head.service_id, head.service_name)):
            columns[slot] += repeat(value, n)
        columns[_AREA_SLOT] += map(ids, area_ids, area_ids)
        columns[_STATEMENT_SLOT] += statement_ids
        columns[_TEXT_SLOT] += map(look.texts.get, statement_ids, repeat("", n))
        # Column ids are text, so a role with no column (None) reads as None.
        roles = [list(map(dict.get, values, repeat(column))) for column in look.role_ids]
        for i in _DATE_ROLES:  # anything but a date typed there is dropped, as the cell's validation would have
            roles[i] = self._dates.share([v if isinstance(v, date) else None for v in roles[i]])
        statuses = roles[_STATUS_ROLE] = [str(v) if v else None for v in roles[_STATUS_ROLE]]
        due, actions, leads = roles[_DUE_ROLE], roles[_ACTION_ROLE], roles[_LEAD_ROLE]
        details = [("; ".join(f"{names.get(k, k)}: {v.isoformat() if isinstance(v, date) else v}"
                              for k, v in row.items() if k not in used and v not in (None, ""))
                    if not used.issuperset(row) else "") for row in values]
        share = self._texts.share  # the texts typed in the plan (the ids, names and flags are shared already)
        for i, role in enumerate(roles):
            columns[_ROLE_SLOT + i] += share(role) if i in _TEXT_ROLES else role
        columns[_DETAILS_SLOT] += share(details)
        done = [s is not None and s.casefold().strip() in DONE_WORDS for s in statuses]
        columns[_OVERDUE_SLOT] += [bool(d and d < today and not finished) for d, finished in zip(due, done)]
        columns[_OWNERLESS_SLOT] += [bool(a) and not lead for a, lead in zip(actions, leads)]
        columns[_FILE_SLOT] += repeat(head.file, n)

    @cached_property
    def responses(self) -> pd.DataFrame:
        status = {e.file: e for e in self.c.log}
        rows = []
        for r, (rated, total, mean) in zip(self.c.heads, self._answers[2], strict=True):
            entry = status.get(r.file)
            rows.append([r.framework_id, r.framework_version, r.service_id, r.service_name,
                         r.respondent.get("organisation") or "", r.respondent.get("completed_by") or "",
                         r.respondent.get("role") or "", r.respondent.get("date_completed"),
                         r.respondent.get("email") or "", rated, total, mean,
                         entry.status if entry else "", entry.warnings if entry else 0,
                         entry.errors if entry else 0, r.file])
        return pd.DataFrame(rows, columns=RESPONSE_COLUMNS)

    @cached_property
    def log(self) -> pd.DataFrame:
        # Each entry's fields by one attrgetter, not dataclasses.asdict (which deep-copies every value: a third of
        # a second for 1,000 files).
        fields = attrgetter(*self._log_fields) if len(self._log_fields) > 1 else None
        rows = [list(fields(e)) for e in self.c.log] if fields else [asdict(e) for e in self.c.log]
        return pd.DataFrame(rows, columns=self._log_fields)

    @cached_property
    def problems(self) -> pd.DataFrame:
        rows = [[r.file, r.service_id, p.severity, p.code, p.sheet, p.cell, p.message]
                for r in self.c.heads for p in r.problems]
        return pd.DataFrame(rows, columns=["file", "service_id", "severity", "code", "sheet", "cell", "message"])

    @cached_property
    def missing(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(e) for e in self.c.missing],
                            columns=["framework_id", "framework_version", "service_id", "service_name", "contact",
                                     "file"])

    @cached_property
    def unexpected(self) -> pd.DataFrame:
        return pd.DataFrame([[r.framework_id, r.service_id, r.service_name, r.file] for r in self.c.unexpected],
                            columns=["framework_id", "service_id", "service_name", "file"])

    def area_scores(self) -> pd.DataFrame:
        """Service x area mean ratings (a service's own profile), one row per framework, service and area, with
        the mean target of the statements rated (`target`: so it compares with the mean rating)."""
        frame = self.lean_ratings
        if frame.empty:
            return pd.DataFrame(columns=["framework_id", "service_id", "service_name", "area_id", "area", "rated",
                                         "total", "mean", "target"])
        frame = frame.assign(rated_target=frame["target"].where(frame["rating"].notna()))
        grouped = frame.groupby(["framework_id", "service_id", "service_name", "area_id", "area"], sort=False)
        out = grouped["rating"].agg(rated="count", total="size", mean="mean").reset_index()
        out["mean"] = out["mean"].astype(float)
        out["target"] = grouped["rated_target"].mean().to_numpy(dtype=float, na_value=float("nan"))
        return out

    def statement_stats(self) -> pd.DataFrame:
        """Each statement's distribution across levels and its mean across services, weakest first.

        Statements nobody rated stay in (rated 0, no mean, last); every level of each scale has a column.
        """
        frame = self.lean_ratings
        cols = ["framework_id", "area_id", "area", "statement_id", "statement"]
        levels = sorted({lv.value for fw in self._frameworks() for lv in fw.scale.levels} |
                        {int(v) for v in frame["rating"].dropna()})
        if frame.empty:
            return pd.DataFrame(columns=cols + ["rated", "mean"] + [f"level_{v}" for v in levels])
        grouped = frame.groupby(cols, sort=False)
        out = grouped["rating"].agg(rated="count", mean="mean").reset_index()
        # The groups are found once (ngroup, in the same order as the aggregate), and each level counted by a
        # bincount over them, not by grouping every rating again per level.
        group = grouped.ngroup().to_numpy()
        ratings = frame["rating"].to_numpy(dtype="float64", na_value=np.nan)
        for value in levels:
            hit = (ratings == value) & (group >= 0)
            out[f"level_{value}"] = np.bincount(group[hit].astype(np.int64), minlength=len(out))
        out["mean"] = out["mean"].astype(float)
        return out.sort_values(["mean", "framework_id", "statement_id"], kind="stable",
                               na_position="last").reset_index(drop=True)

    def _frameworks(self) -> list[Framework]:
        keys = {(r.framework_id, r.framework_version) for r in self.c.heads}
        return [fw for fw in (self.c.registry.get(*k) for k in sorted(keys)) if fw is not None]


def add_targets(columns: dict[str, list], chosen: Sequence[int | None], ratings: Sequence[int | None],
                nexts: dict[int, int]) -> None:
    """A response's targets: the one chosen, else the next level up from the rating (Scale.target_of); and
    whether it was chosen. The gap is the frame's target less its rating (typed_ratings)."""
    columns["gap"] += repeat(None, len(chosen))
    if chosen.count(None) == len(chosen):  # most frameworks ask for none: the next level up, at C speed
        columns["target"] += map(nexts.get, ratings)
        columns["target_chosen"] += repeat(False, len(chosen))
        return
    columns["target"] += [nexts.get(r) if c is None else c for c, r in zip(chosen, ratings)]  # type: ignore
    columns["target_chosen"] += map(is_not, chosen, repeat(None))


def typed_ratings(frame: pd.DataFrame) -> pd.DataFrame:
    """The ratings frame's column types, whatever it holds (empty too): ratings, targets and gaps as nullable
    integers, target_chosen as bool; and the gap, the target less the rating (NA where either is)."""
    frame["rating"] = frame["rating"].astype("Int64")
    frame["target"] = frame["target"].astype("Int64")
    frame["target_chosen"] = frame["target_chosen"].astype(bool)
    frame["gap"] = (frame["target"] - frame["rating"]).astype("Int64")
    return frame


def _column_by_column(columns: dict[str, list]) -> pd.DataFrame:
    """A frame from lists of values, each list let go once its column is made (pd.DataFrame(dict) holds every
    list and every column at once: 50 MB more at the peak for 500,000 rows)."""
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame(index=pd.RangeIndex(n))
    for name in list(columns):
        frame[name] = pd.Series(columns.pop(name), index=frame.index)
    return frame


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """The cycle collector off while the frames are gathered: the rows hold no reference cycles, but every full
    collection walked all the rows gathered so far again (a quarter of the frames' time for 10,000 returns)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

