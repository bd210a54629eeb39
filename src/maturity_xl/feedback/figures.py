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
    """One area's mean now and in the previous round (a store holds rounds; without one there are none)."""

    area_id: str
    area: str
    before: float | None
    now: float | None


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


def area_means(ratings: pd.DataFrame) -> pd.DataFrame:
    """One row per return (file) and area: rated, total and mean. Keyed by file, not service id: an
    unpersonalised workbook has no id, and two of them are still two services."""
    columns = ["framework_id", "file", "area_id", "rated", "total", "mean"]
    if ratings.empty:
        return pd.DataFrame(columns=columns)
    grouped = ratings.groupby(["framework_id", "file", "area_id"], sort=False)["rating"]
    out = grouped.agg(rated="count", total="size", mean="mean").reset_index()
    out["mean"] = out["mean"].astype(float)
    return out[columns]


def spreads(means: pd.DataFrame) -> dict[tuple[str, str], Spread | None]:
    """(framework id, area id) -> the spread of services' means there."""
    out: dict[tuple[str, str], Spread | None] = {}
    rated = means.dropna(subset=["mean"])
    for (fid, aid), group in rated.groupby(["framework_id", "area_id"], sort=False):
        out[(fid, aid)] = spread(group["mean"].to_numpy())
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
    ratings, actions, responses = frames.ratings, frames.actions, frames.responses
    means = area_means(ratings)
    spread_of = spreads(means)
    services = responses.groupby("framework_id", sort=False)["file"].nunique().to_dict()
    rating_groups = {k: g for k, g in ratings.groupby("file", sort=False)} if len(ratings) else {}
    action_groups = {k: g for k, g in actions.groupby("file", sort=False)} if len(actions) else {}
    mean_groups = {k: g for k, g in means.groupby("file", sort=False)} if len(means) else {}
    before = _previous_means(previous)
    empty_r, empty_a, empty_m = ratings.iloc[:0], actions.iloc[:0], means.iloc[:0]
    for resp in responses.to_dict("records"):
        fw = lookup(resp["framework_id"], resp["framework_version"])
        file = resp["file"]
        yield _pack(resp, fw, rating_groups.get(file, empty_r), action_groups.get(file, empty_a),
                    mean_groups.get(file, empty_m), spread_of, services.get(resp["framework_id"], 0), today,
                    contacts, before)


def _previous_means(previous) -> dict[tuple[str, str], dict[str, float | None]]:
    """(framework id, service id) -> area id -> mean, from an earlier round's frames."""
    if previous is None:
        return {}
    ratings = previous.ratings
    if ratings.empty:
        return {}
    ratings = ratings[ratings.service_id.astype(str) != ""]
    grouped = ratings.groupby(["framework_id", "service_id", "area_id"], sort=False)["rating"].mean()
    out: dict[tuple[str, str], dict[str, float | None]] = {}
    for (fid, sid, aid), value in grouped.items():
        out.setdefault((fid, sid), {})[aid] = None if _blank(value) else float(value)
    return out


def _pack(resp: dict, fw: Framework | None, ratings: pd.DataFrame, actions: pd.DataFrame, means: pd.DataFrame,
          spread_of: dict, services: int, today: date, contacts: dict, before: dict) -> Pack:
    fid = resp["framework_id"]
    own = {row["area_id"]: row for row in means.to_dict("records")}
    titles = dict(zip(ratings["area_id"], ratings["area"]))
    order = [a.id for a in fw.areas] if fw else list(dict.fromkeys(ratings["area_id"]))
    order += [a for a in own if a not in order]
    if fw:
        titles.update({a.id: a.title for a in fw.areas})
    areas = []
    for aid in order:
        row = own.get(aid)
        if row is None:
            continue
        mean = None if _blank(row["mean"]) else float(row["mean"])
        areas.append(AreaFigure(aid, str(titles.get(aid) or aid), int(row["rated"]), int(row["total"]), mean,
                                spread_of.get((fid, aid))))
    rated = ratings.dropna(subset=["rating"])
    statements = [StatementFigure(r["statement_id"], str(titles.get(r["area_id"]) or r["area_id"]),
                                  short(r["statement"]), int(r["rating"]),
                                  "" if _blank(r["level"]) else str(r["level"]))
                  for r in rated.to_dict("records")]
    count = 3 if fw and fw.rating_mode == "descriptor" else 5
    high = sorted(statements, key=lambda s: -s.rating)[:count]  # stable: framework order among equals
    chosen = {s.statement_id for s in high}
    low = [s for s in sorted(statements, key=lambda s: s.rating) if s.statement_id not in chosen][:count]
    action_list = [_action(a) for a in actions.to_dict("records")]
    planned = {a.statement_id for a in action_list if a.action}
    target = (fw.scale.target, fw.scale.label_of(fw.scale.target)) if fw else None
    unplanned = [s for s in statements if target and s.rating < target[0] and s.statement_id not in planned]
    changes = []
    earlier = before.get((fid, resp["service_id"])) if resp["service_id"] else None
    if earlier:
        changes = [AreaChange(a.area_id, a.area, earlier.get(a.area_id), a.mean) for a in areas]
    return Pack(
        file=resp["file"], service_id=str(resp["service_id"] or ""), service_name=str(resp["service_name"] or ""),
        contact=contacts.get((fid, resp["service_id"])) or str(resp.get("email") or ""), framework=fw,
        framework_id=fid, framework_version=str(resp["framework_version"]), title=fw.title if fw else fid,
        completed=resp["date_completed"] if isinstance(resp["date_completed"], date) else None,
        completed_by=str(resp.get("completed_by") or ""), today=today, rated=int(resp["rated"]),
        total=int(resp["total"]), services=services, areas=areas, strongest=high, weakest=low,
        choices=_choices(fw, ratings, titles) if fw and fw.rating_mode == "descriptor" else [],
        actions=action_list, unplanned=unplanned, target=target, changes=changes)


def _action(row: dict) -> ActionFigure:
    deadline = row["deadline"]
    return ActionFigure(str(row["statement_id"]), short(row["statement"], 120), short(row["action"]),
                        short(row["lead"], 80), deadline if isinstance(deadline, date) else None,
                        short(row["status"], 40), bool(row["overdue"]), bool(row["ownerless"]))


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


def _choices(fw: Framework, ratings: pd.DataFrame, titles: dict) -> list[Choice]:
    values = {sid: (None if _blank(v) else int(v)) for sid, v in zip(ratings["statement_id"], ratings["rating"])}
    out = []
    for area in fw.areas:
        for st in area.statements:
            if st.descriptors:
                out.append(choice_of(fw, st.id, values.get(st.id), str(titles.get(area.id) or area.title)))
    return out
