"""What goes into each service's feedback pack, worked out from the tidy frames (no HTML here).

A pack is one accepted return: one service's answers to one framework. It holds the service's own figures and,
from all services together, only the spread of each area's means (median and interquartile range), and only
when at least MIN_SERVICES services rated that area: with fewer, the spread would give away another service's
answers. Nothing in a pack names another service, and nothing ranks services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from ..model import Framework

MIN_SERVICES = 5  # fewer services than this in an area: its spread is not shown
TEXT_LIMIT = 280  # returned free text is cut to this many characters in a pack (the workbook keeps it whole)

FrameworkLookup = Callable[[str, str], Framework | None]


@dataclass(frozen=True, slots=True)
class Spread:
    """One area's spread across services: their area means' quartiles (numpy's linear interpolation)."""

    services: int
    lower: float
    median: float
    upper: float


@dataclass(frozen=True, slots=True)
class AreaFigure:
    area_id: str
    area: str
    rated: int
    total: int
    mean: float | None
    spread: Spread | None  # None with fewer than MIN_SERVICES services


@dataclass(frozen=True, slots=True)
class StatementFigure:
    statement_id: str
    area: str
    text: str
    rating: int
    level: str


@dataclass(frozen=True, slots=True)
class Choice:
    """A graded topic: the statement the service chose and the next one to work towards."""

    statement_id: str
    area: str
    topic: str
    chosen: int | None
    chosen_text: str
    next: int | None
    next_text: str  # "" when unrated; TOP_REACHED when the top statement is chosen


TOP_REACHED = "Top statement reached: keep it there"


@dataclass(frozen=True, slots=True)
class ActionFigure:
    statement_id: str
    statement: str
    action: str
    lead: str
    deadline: date | None
    status: str
    overdue: bool
    ownerless: bool

    @property
    def flags(self) -> list[str]:
        return [word for word, on in (("Overdue", self.overdue), ("No lead", self.ownerless)) if on]


@dataclass(frozen=True, slots=True)
class AreaChange:
    """One area's mean now and in the previous round over the `compared` statements the service rated in both, as
    the report's Change sheet compares them (a store holds rounds; without one there are none)."""

    area_id: str
    area: str
    before: float | None
    now: float | None
    compared: int = 0


@dataclass(frozen=True, slots=True)
class Pack:
    file: str  # the return this pack answers (unique per pack)
    service_id: str
    service_name: str
    contact: str
    framework: Framework | None
    framework_id: str
    framework_version: str
    title: str
    completed: date | None
    completed_by: str
    today: date
    rated: int
    total: int
    services: int  # how many services returned this framework (a count, naming none)
    areas: list[AreaFigure]
    strongest: list[StatementFigure]
    weakest: list[StatementFigure]
    choices: list[Choice]  # graded frameworks only
    actions: list[ActionFigure]
    unplanned: list[StatementFigure]  # rated below the target with no action
    target: tuple[int, str] | None
    changes: list[AreaChange] = field(default_factory=list)

    @property
    def graded(self) -> bool:
        return bool(self.framework and self.framework.rating_mode == "descriptor")

    @property
    def spread_shown(self) -> bool:
        return any(a.spread for a in self.areas)


def spread(values: list[float] | np.ndarray) -> Spread | None:
    """The median and quartiles of services' area means, or None below MIN_SERVICES."""
    values = np.asarray(values, dtype=float)
    if len(values) < MIN_SERVICES:
        return None
    lower, median, upper = np.quantile(values, [0.25, 0.5, 0.75])
    return Spread(len(values), float(lower), float(median), float(upper))


def short(text: object, limit: int = TEXT_LIMIT) -> str:
    text = "" if _blank(text) else str(text).strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


_RATING_FIELDS = ("statement_id", "area_id", "area", "statement", "rating", "level")
_ACTION_FIELDS = ("statement_id", "statement", "action", "lead", "deadline", "status", "overdue", "ownerless")


def rows_by_file(frame: pd.DataFrame, fields: tuple[str, ...]) -> dict[str, list[tuple]]:
    """A frame's rows as plain tuples of `fields`, grouped by file: taken column by column once, so no pack
    touches pandas (a pandas selection per pack cost 90 ms of the 100 a pack took)."""
    out: dict[str, list[tuple]] = {}
    if frame.empty:
        return out
    columns = [[None if _blank(v) else v for v in frame[f].tolist()] for f in fields]
    for file, *row in zip(frame["file"].tolist(), *columns):
        out.setdefault(file, []).append(tuple(row))
    return out


@dataclass(slots=True)
class _AreaStat:
    rated: int
    total: int
    total_value: int

    @property
    def mean(self) -> float | None:
        return self.total_value / self.rated if self.rated else None


def area_stats(rows: list[tuple]) -> dict[str, _AreaStat]:
    """One return's ratings (rows of _RATING_FIELDS) -> area id -> rated, total and mean, in order met."""
    out: dict[str, _AreaStat] = {}
    for _sid, aid, _area, _text, rating, _level in rows:
        stat = out.get(aid)
        if stat is None:
            stat = out[aid] = _AreaStat(0, 0, 0)
        stat.total += 1
        if rating is not None:
            stat.rated += 1
            stat.total_value += int(rating)
    return out


def default_lookup(frames) -> FrameworkLookup:
    collection = getattr(frames, "c", None)
    if collection is not None:
        return collection.registry.get
    from ..parse import default_registry

    return default_registry().get


def build_packs(frames, *, frameworks: FrameworkLookup | None = None, today: date | None = None,
                contacts: dict[tuple[str, str], str] | None = None, previous=None) -> Iterator[Pack]:
    """One Pack per accepted return in `frames` (any object with the tidy `ratings`, `actions` and `responses`
    frames: a Collection's Frames, or a store's), in the order of the responses.

    Args:
        frameworks: (framework id, version) -> Framework; by default the collection's registry.
        today: the date overdue actions were judged against (the collection's run date by default).
        contacts: (framework id, service id) -> contact, from the mail-merge manifest; the return's email
            otherwise.
        previous: the frames of an earlier round: each pack then says how its area means changed.
    """
    lookup = frameworks or default_lookup(frames)
    collection = getattr(frames, "c", None)
    today = today or (collection.today if collection is not None else date.today())
    contacts = contacts or {}
    responses = frames.responses.to_dict("records")
    ratings = rows_by_file(frames.ratings, _RATING_FIELDS)
    actions = rows_by_file(frames.actions, _ACTION_FIELDS)
    stats = {file: area_stats(rows) for file, rows in ratings.items()}
    means: dict[tuple[str, str], list[float]] = {}
    services: dict[str, int] = {}
    for resp in responses:
        services[resp["framework_id"]] = services.get(resp["framework_id"], 0) + 1
        for aid, stat in stats.get(resp["file"], {}).items():
            if stat.rated:
                means.setdefault((resp["framework_id"], aid), []).append(stat.mean)
    spread_of = {key: spread(values) for key, values in means.items()}
    before = _compared_means(frames, previous)
    for resp in responses:
        fw = lookup(resp["framework_id"], resp["framework_version"])
        file = resp["file"]
        yield _pack(resp, fw, ratings.get(file, []), actions.get(file, []), stats.get(file, {}), spread_of,
                    services.get(resp["framework_id"], 0), today, contacts, before)


def _compared_means(frames, previous) -> dict[tuple[str, str], dict[str, tuple[float, float, int]]]:
    """(framework id, service id) -> area id -> (mean last round, mean now, statements compared), over the
    statements the service rated in both rounds: the rule of the store's changes() (store/frames.py), so a pack
    and the report's Change sheet show the same figures."""
    if previous is None:
        return {}
    keys = ["framework_id", "service_id", "statement_id"]

    def rated(ratings: pd.DataFrame) -> pd.DataFrame:
        ratings = ratings[ratings["rating"].notna() & (ratings["service_id"].astype(str) != "")]
        return ratings.drop_duplicates(keys)

    now = rated(frames.ratings)[[*keys, "area_id", "rating"]]
    before = rated(previous.ratings)[[*keys, "rating"]]
    if now.empty or before.empty:
        return {}
    both = now.merge(before, on=keys, suffixes=("", "_last"))
    grouped = both.astype({"rating": float, "rating_last": float}).groupby(
        ["framework_id", "service_id", "area_id"], sort=False).agg(
        before=("rating_last", "mean"), now=("rating", "mean"), compared=("rating", "size"))
    out: dict[tuple[str, str], dict[str, tuple[float, float, int]]] = {}
    for (fid, sid, aid), item in zip(grouped.index, grouped.itertuples(index=False)):
        out.setdefault((fid, sid), {})[aid] = (float(item.before), float(item.now), int(item.compared))
    return out


def _pack(resp: dict, fw: Framework | None, ratings: list[tuple], actions: list[tuple],
          own: dict[str, _AreaStat], spread_of: dict, services: int, today: date, contacts: dict,
          before: dict) -> Pack:
    fid = resp["framework_id"]
    titles = {aid: area for _sid, aid, area, *_rest in ratings}
    order = [a.id for a in fw.areas] if fw else []
    order += [a for a in own if a not in order]
    if fw:
        titles.update({a.id: a.title for a in fw.areas})
    areas = [AreaFigure(aid, str(titles.get(aid) or aid), own[aid].rated, own[aid].total, own[aid].mean,
                        spread_of.get((fid, aid))) for aid in order if aid in own]
    statements = [StatementFigure(sid, str(titles.get(aid) or aid), short(text), int(rating), str(level or ""))
                  for sid, aid, _area, text, rating, level in ratings if rating is not None]
    count = 3 if fw and fw.rating_mode == "descriptor" else 5
    high = sorted(statements, key=lambda s: -s.rating)[:count]  # stable: framework order among equals
    chosen = {s.statement_id for s in high}
    low = [s for s in sorted(statements, key=lambda s: s.rating) if s.statement_id not in chosen][:count]
    action_list = [_action(a) for a in actions]
    planned = {a.statement_id for a in action_list if a.action}
    target = (fw.scale.target, fw.scale.label_of(fw.scale.target)) if fw else None
    unplanned = [s for s in statements if target and s.rating < target[0] and s.statement_id not in planned]
    changes = []
    earlier = before.get((fid, resp["service_id"])) if resp["service_id"] else None
    if earlier:
        changes = [AreaChange(a.area_id, a.area, *earlier.get(a.area_id, (None, None, 0))) for a in areas]
    values = {sid: (None if rating is None else int(rating)) for sid, _a, _ar, _t, rating, _l in ratings}
    return Pack(
        file=resp["file"], service_id=str(resp["service_id"] or ""), service_name=str(resp["service_name"] or ""),
        contact=contacts.get((fid, resp["service_id"])) or str(resp.get("email") or ""), framework=fw,
        framework_id=fid, framework_version=str(resp["framework_version"]), title=fw.title if fw else fid,
        completed=resp["date_completed"] if isinstance(resp["date_completed"], date) else None,
        completed_by=str(resp.get("completed_by") or ""), today=today, rated=int(resp["rated"]),
        total=int(resp["total"]), services=services, areas=areas, strongest=high, weakest=low,
        choices=_choices(fw, values, titles) if fw and fw.rating_mode == "descriptor" else [],
        actions=action_list, unplanned=unplanned, target=target, changes=changes)


def _action(row: tuple) -> ActionFigure:
    sid, statement, action, lead, deadline, status, overdue, ownerless = row
    return ActionFigure(str(sid), short(statement, 120), short(action), short(lead, 80),
                        deadline if isinstance(deadline, date) else None, short(status, 40), bool(overdue),
                        bool(ownerless))


def choice_of(fw: Framework, statement_id: str, value: int | None, area: str) -> Choice:
    """The chosen and next statements of one graded topic (shared with the commissioner's view)."""
    st = next(s for s in fw.statements if s.id == statement_id)
    texts = dict(st.descriptors)
    topic = st.title or st.text
    if value is None or value not in texts:
        return Choice(statement_id, area, topic, None, "", None, "")
    higher = [v for v, _ in st.descriptors if v > value]
    if not higher:
        return Choice(statement_id, area, topic, value, texts[value], None, TOP_REACHED)
    return Choice(statement_id, area, topic, value, texts[value], higher[0], texts[higher[0]])


def _choices(fw: Framework, values: dict[str, int | None], titles: dict) -> list[Choice]:
    out = []
    for area in fw.areas:
        for st in area.statements:
            if st.descriptors:
                out.append(choice_of(fw, st.id, values.get(st.id), str(titles.get(area.id) or area.title)))
    return out
