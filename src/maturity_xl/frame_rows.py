"""The rows of the ratings frame (without its free texts) and of the actions frame, gathered column by column as
plain lists, a response at a time: by `collect` as the workers read the returns (the collecting process's share of
a core then, rather than a core of its own once the reading is done, with the other one idle), or by the frames
from a spill file or from responses held in memory afterwards. frames.py makes the pandas frames from them.

Pure Python, no pandas: `collect` imports this before its workers start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, compress, repeat
from operator import and_, attrgetter, is_not, itemgetter, not_

from .group_keys import GroupKeys, Keyer
from .model import ACTION_ROLES, DONE_WORDS, Framework
from .response import ActionRow, Response, score_of

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
_FIELD = (itemgetter(0), itemgetter(1), itemgetter(2))  # an action row's statement id, area id and values
_DATES = frozenset((date, type(None)))  # the types a date role's values may all be, to be kept as they are
_TEXTS = frozenset((str, type(None)))
RUN = 64
"""Responses whose rows are worked out together (a map over all their rows per column, not one per response):
enough to make the per-response calls rare (a run costs some 40 µs besides its rows), few enough that the
unshared copies of their ids wait briefly, and that the last run, worked out once the reading is done (with the
other core idle), is short: 256 left up to a quarter of 1,000 returns' rows to then."""

LeanAnswers = tuple[Sequence[str] | None, Sequence[str] | None, Sequence[int | None], Sequence[int | None], bytes]
"""A response's ratings without their free texts, as spill.LeanColumns: statement ids and area ids (None, None
when they are the framework's own, in its order: layout_of), ratings, targets chosen, and which ratings have some
text (spill.has_text; b"" when that is not known here)."""


def layout_of(fw: Framework | None) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The statement ids of `fw` in its order and each one's area id: the order a return's ratings come in when
    its workbook was not tampered with (a spill file then keeps None for both, and the frames share these)."""
    if fw is None:
        return None
    statements = fw.statements
    return tuple(s.id for s in statements), tuple(s.area_id for s in statements)


class TextPool:
    """Equal answer texts as one string: each return's unpickled copy is dropped for the first one seen.

    Answers repeat across a programme's returns (a blank, "N/A", "See above", the same policy named as evidence
    by many statements and services), and 500,000 rating rows hold a million texts. A text that has been seen
    costs the frame a pointer; one that is unique costs what it did. The pool is bounded (`limit` texts), so a
    collection of unique texts pays at most that many entries for it (a few MB).
    """

    __slots__ = ("_pool", "limit")

    def __init__(self, limit: int = 100_000) -> None:
        self._pool: dict[str, str] = {}
        self.limit = limit

    def share(self, texts: Iterable) -> list:
        """`texts` with each one already seen replaced by the pooled string (C-level maps, no call a text)."""
        pool = self._pool
        if len(pool) < self.limit:
            return list(map(pool.setdefault, texts, texts))
        return list(map(pool.get, texts, texts))


@dataclass(slots=True)
class Lookups:
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
    layout: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    """layout_of the framework: what a response's ids of None stand for."""


def lookups_of(fw: Framework | None) -> Lookups:
    """What the rows need of a framework (worked out once per framework by the caller, which keeps them)."""
    columns = fw.action_columns if fw else ()
    roles = fw.role_columns() if fw else {}
    return Lookups(
        areas={a.id: a.title for a in fw.areas} if fw else {},
        texts={s.id: (s.title or s.text) for s in fw.statements} if fw else {},
        labels={lv.value: fw.scale.label_of(lv.value) for lv in fw.scale.levels} if fw else {},
        nexts={lv.value: fw.scale.next_value(lv.value) for lv in fw.scale.levels} if fw else {},
        role_ids=[roles.get(role.name) for role in ACTION_ROLES], names={c.id: c.name for c in columns},
        used=set(roles.values()),
        ids={i: i for i in [*(a.id for a in fw.areas), *(st.id for st in fw.statements)]} if fw else {},
        layout=layout_of(fw))


class KnownLookups:
    """lookups_of each framework asked for, worked out once and kept (by id and version)."""

    __slots__ = ("_known",)

    def __init__(self) -> None:
        self._known: dict[tuple[str, str] | None, Lookups] = {}

    def __call__(self, fw: Framework | None) -> Lookups:
        key = (fw.id, fw.version) if fw else None
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = lookups_of(fw)
        return found


@dataclass(slots=True)
class Gathered:
    """The rows of the responses that count: the columns of each frame as lists, and per response its overall
    score (rated, total, mean), its ratings' number of rows and which have text (spill.has_text)."""

    ratings: dict[str, list]
    actions: list[list]
    scores: list[tuple[int, int, float | None]]
    sizes: list[int]
    texted: list[bytes]
    keys: GroupKeys | None = None
    """Each rating row's groups (GroupKeys), or None where a key was not text (the frames then group by pandas)."""


class RowGatherer:
    """The rows of responses added one after another (`add`), worked out a run at a time (_Run: up to RUN
    consecutive responses of one framework), and handed over once (`gathered`), for the responses that count."""

    def __init__(self, framework: Callable[[str, str], Framework | None], today: date,
                 lookups: KnownLookups | None = None,
                 texts: TextPool | None = None, dates: TextPool | None = None) -> None:
        """`framework(id, version)`: the registry's; `today`: what an action is overdue against; `lookups`, `texts`
        and `dates`: a frames object's own, to share (else the gatherer keeps its own)."""
        self._framework, self._today = framework, today
        self._lookups = lookups or KnownLookups()
        self.texts, self.dates = texts or TextPool(), dates or TextPool()
        self._columns = Gathered({name: [] for name in LEAN_RATING_COLUMNS}, [[] for _ in ACTION_COLUMNS], [], [], [])
        self._planned: list[int] = []  # each response's actions
        self._run = _Run(None, None)
        self._keyer = Keyer()

    def add(self, head: Response, lean: LeanAnswers, plan: Sequence[ActionRow]) -> None:
        """One response: `head` says whose the rows are, `lean` and `plan` what they are."""
        statement_ids, area_ids, values, chosen, flags = lean
        key = (head.framework_id, head.framework_version)
        run = self._run
        if key != run.key or len(run.heads) >= RUN:
            self._work_out(run)
            run = self._run = _Run(key, self._framework(*key))
        look = self._lookups(run.fw)
        layout = statement_ids is None
        if layout:  # the framework's own, in its order
            statement_ids, area_ids = look.layout  # type: ignore[misc]
        elif look.layout is not None:
            layout = look.layout == (tuple(statement_ids), tuple(area_ids))
        run.add(head, statement_ids, area_ids, values, chosen, plan)  # type: ignore[arg-type]
        self._keyer.add(head, key, look, statement_ids, area_ids, len(values), layout)  # type: ignore[arg-type]
        got = self._columns
        got.sizes.append(len(values))
        got.texted.append(flags)
        self._planned.append(len(plan))
        overall = score_of(values)
        got.scores.append((overall.rated, overall.total, overall.mean))

    def gathered(self, kept: Sequence[int] | None = None) -> Gathered:
        """The rows of the responses added, or of those numbered `kept` (in the order they were added, ascending):
        the gatherer's own lists, handed over (it is done with)."""
        self._work_out(self._run)
        self._run = _Run(None, None)
        got = self._columns
        got.keys = self._keyer.keys
        if got.keys is not None:
            got.keys.sizes = got.sizes
        if kept is None or len(kept) == len(got.sizes):
            return got
        keep = [False] * len(got.sizes)
        for number in kept:
            keep[number] = True
        rows, actions = _rows_kept(keep, got.sizes), _rows_kept(keep, self._planned)
        kept_rows = Gathered({name: list(compress(column, rows)) for name, column in got.ratings.items()},
                             [list(compress(column, actions)) for column in got.actions],
                             *(list(compress(column, keep)) for column in (got.scores, got.sizes, got.texted)))
        if got.keys is not None:
            kept_rows.keys = GroupKeys(list(compress(got.keys.statements, rows)), list(compress(got.keys.areas, rows)),
                                       list(compress(got.keys.services, keep)), kept_rows.sizes)
        return kept_rows

    def _work_out(self, run: _Run) -> None:
        if run.sizes:
            add_ratings(self._columns.ratings, self._lookups(run.fw), run.heads, run.sizes, run.statement_ids,
                        run.area_ids, run.values, run.chosen, run.fw is not None)
        if run.plan:
            self.add_plans(self._columns.actions, run.planners, run.planned, run.plan, run.fw)

    def add_plans(self, columns: list[list], heads: Sequence[Response], sizes: Sequence[int],
                  plan: Sequence[ActionRow], fw: Framework | None) -> None:
        """The rows of the actions frame of responses of one framework (`heads`, each with `sizes` rows of `plan`),
        a column at a time (`columns` in ACTION_COLUMNS' order): the roles' values in ACTION_ROLES' order, the
        framework's own columns as `details`, and the flags (overdue: past its due date and its status not done;
        ownerless: no lead)."""
        look = self._lookups(fw)
        used, names, today = look.used, look.names, self._today
        # A map per field, not zip(*plan): unpacking thousands of rows as arguments cost a quarter of the whole.
        statement_ids, area_ids, values = (list(map(_FIELD[i], plan)) for i in range(3))
        ids = look.ids.get  # the framework's own strings, not each return's copies
        statement_ids = list(map(ids, statement_ids, statement_ids))
        n = len(statement_ids)
        for slot, name in enumerate(("framework_id", "service_id", "service_name")):
            columns[slot] += repeated(map(attrgetter(name), heads), sizes)
        columns[_AREA_SLOT] += map(ids, area_ids, area_ids)
        columns[_STATEMENT_SLOT] += statement_ids
        columns[_TEXT_SLOT] += map(look.texts.get, statement_ids, repeat("", n))
        # Column ids are text, so a role with no column (None) reads as None.
        roles = [list(map(dict.get, values, repeat(column))) if column is not None else [None] * n
                 for column in look.role_ids]
        # The checks below are made once per distinct value's type or value (C-level maps), not once a row.
        for i in _DATE_ROLES:  # anything but a date typed there is dropped, as the cell's validation would have
            if not _DATES.issuperset(map(type, roles[i])):
                roles[i] = [v if isinstance(v, date) else None for v in roles[i]]
            roles[i] = self.dates.share(roles[i])
        status = roles[_STATUS_ROLE]
        statuses = roles[_STATUS_ROLE] = ([v or None for v in status] if _TEXTS.issuperset(map(type, status)) else
                                          [str(v) if v else None for v in status])
        due, actions, leads = roles[_DUE_ROLE], roles[_ACTION_ROLE], roles[_LEAD_ROLE]
        covered = list(map(used.issuperset, values))  # every value in a role's column: no details
        details = [""] * n if all(covered) else [
            ("; ".join(f"{names.get(k, k)}: {v.isoformat() if isinstance(v, date) else v}"
                       for k, v in row.items() if k not in used and v not in (None, ""))
             if not whole else "") for row, whole in zip(values, covered)]
        share = self.texts.share  # the texts typed in the plan (the ids, names and flags are shared already)
        for i, role in enumerate(roles):
            columns[_ROLE_SLOT + i] += share(role) if i in _TEXT_ROLES else role
        columns[_DETAILS_SLOT] += share(details)
        finished = {s: s is not None and s.casefold().strip() in DONE_WORDS for s in set(statuses)}
        late = {d: bool(d and d < today) for d in set(due)}  # dates or None (above)
        # Past its due date and not done; an action with no lead: bools, as `a and not b` of bools gives them.
        columns[_OVERDUE_SLOT] += map(and_, map(late.__getitem__, due), map(not_, map(finished.__getitem__, statuses)))
        columns[_OWNERLESS_SLOT] += map(and_, map(bool, actions), map(not_, leads))
        columns[_FILE_SLOT] += repeated(map(attrgetter("file"), heads), sizes)


def add_ratings(columns: dict[str, list], look: Lookups, heads: Sequence[Response], sizes: Sequence[int],
                statement_ids: Sequence[str], area_ids: Sequence[str], values: Sequence[int | None],
                chosen: Sequence[int | None], known: bool = True) -> None:
    """The rows of the ratings frame but their free texts of responses of one framework (`look`'s; `known`:
    whether the registry has it): `heads` say whose they are (each of `sizes` rows), the other columns (Rating's
    fields, the responses' one after another) what they are."""
    n = len(values)
    # Ids as the framework's own strings (each return's unpickled copies are dropped): 500,000 rows share 50.
    ids = look.ids.get
    area_ids = list(map(ids, area_ids, area_ids))
    statement_ids = list(map(ids, statement_ids, statement_ids))
    for name in ("framework_id", "framework_version", "service_id", "service_name", "file"):
        columns[name] += repeated(map(attrgetter(name), heads), sizes)
    columns["area_id"] += area_ids
    columns["area"] += map(look.areas.get, area_ids, area_ids)
    columns["statement_id"] += statement_ids
    columns["statement"] += map(look.texts.get, statement_ids, repeat("", n))
    columns["rating"] += values
    columns["level"] += map(look.labels.get, values) if known else repeat(None, n)
    add_targets(columns, chosen, values, look.nexts)


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


def repeated(values: Iterable[object], times: Iterable[int]) -> Iterator[object]:
    """Each of `values` as many times as `times` says, one after another (C-level: no Python call a row)."""
    return chain.from_iterable(map(repeat, values, times))


def _rows_kept(keep: list[bool], sizes: list[int]) -> list[bool]:
    """Each response's `keep`, once for each of its `sizes` rows."""
    return list(repeated(keep, sizes))


@dataclass(slots=True)
class _Run:
    """Consecutive responses of one framework, their rows gathered until the framework changes (or RUN of them
    are) and their columns are worked out together."""

    key: tuple[str, str] | None
    fw: Framework | None
    heads: list[Response] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)  # each head's ratings
    statement_ids: list[str] = field(default_factory=list)
    area_ids: list[str] = field(default_factory=list)
    values: list[int | None] = field(default_factory=list)
    chosen: list[int | None] = field(default_factory=list)
    planners: list[Response] = field(default_factory=list)  # the heads with actions
    planned: list[int] = field(default_factory=list)  # how many each
    plan: list[ActionRow] = field(default_factory=list)

    def add(self, head: Response, statement_ids: Sequence[str], area_ids: Sequence[str],
            values: Sequence[int | None], chosen: Sequence[int | None], plan: Sequence[ActionRow]) -> None:
        self.heads.append(head)
        self.sizes.append(len(values))
        self.statement_ids += statement_ids
        self.area_ids += area_ids
        self.values += values
        self.chosen += chosen
        if plan:
            self.planners.append(head)
            self.planned.append(len(plan))
            self.plan += plan
