"""The tables every change output shares (the workbook's Change and Trend sheets, the page's sections, the CSVs and
the feedback packs' words): what changed since the round compared with, and each area's mean round by round.

The figures come from a store's frames (`changes()`, `statement_changes()`) and store.trends; this module only
selects, orders and words them, and the writers only lay them out. A change is always shown with its sign, an
arrow and a word ("+0.50 \u25b2 improved"), never by colour alone, and every figure is rounded by common.rounded's
one rule. Means and changes are shown to two decimals here, so that this round minus last round reads true.
"""

from __future__ import annotations

import weakref

import pandas as pd

from ..collect import Collection
from ..frames import Frames
from .common import blank, rounded
from .tables import FrameworkInfo, _once

CHANGE_PLACES = 2
SAME = 1e-9  # changes this small are none (means of small integers; as store.frames judges them)
IMPROVED, UNCHANGED, DECLINED = "improved", "same", "declined"
ARROWS = {IMPROVED: "\u25b2", UNCHANGED: "\u2192", DECLINED: "\u25bc"}
MOVED_MOST = 10
COMPARED_ONLY = ("Each service is compared only over the statements it rated in both rounds, so a statement "
                 "left blank in one round does not move its mean. Each change has its sign, an arrow and a word "
                 "(improved, same, declined). A change of respondent is flagged: a different person may rate "
                 "the same service differently.")
NOT_A_RACE = ("Services rated themselves: a change shows how a service sees itself now against last time, not "
              "a ranking of services.")
TREND_IS = ("Each point is the mean of the services' own area means in that round (each service counts once), "
            "over the returns that count in that round.")


def direction(change: object) -> str:
    """improved, same or declined ("" when there is no change to judge)."""
    if blank(change):
        return ""
    value = float(change)
    return IMPROVED if value > SAME else DECLINED if value < -SAME else UNCHANGED


def signed(change: object, places: int = CHANGE_PLACES) -> str:
    """A change with its sign, by the one rounding rule: +0.50, -0.25, 0.00 (a dash when there is none)."""
    word = direction(change)
    if not word:
        return "\u2013"
    if word == UNCHANGED:
        return rounded(0.0, places)
    text = rounded(float(change), places)
    return "+" + text if word == IMPROVED else text


def change_words(change: object) -> str:
    """"+0.50 \u25b2 improved": the change, an arrow and a word, so it never rests on colour."""
    word = direction(change)
    return f"{signed(change)} {ARROWS[word]} {word}" if word else "\u2013"


def mean2(value: object) -> str:
    """A mean of the change tables, as shown: two decimals by the one rule."""
    return "\u2013" if blank(value) else rounded(float(value), CHANGE_PLACES)


def comparing(collection: Collection) -> bool:
    """Whether the report has a round to compare with (a store's round with `compare`)."""
    return getattr(collection, "compare", None) is not None and hasattr(collection.frames(), "changes")


def rounds_compared(collection: Collection) -> tuple[str, str]:
    return collection.round.name, collection.compare.name


def _area_order(info: FrameworkInfo) -> dict[str, int]:
    return {aid: i for i, (aid, _title) in enumerate(info.areas)}


def service_changes(frames: Frames, info: FrameworkInfo) -> pd.DataFrame:
    """frames.changes() of one framework, by service then area in the framework's order, with `words`."""
    changes = _once(frames, "changes")
    out = changes[changes.framework_id == info.id].copy()
    order = _area_order(info)
    out["_area"] = out["area_id"].map(order).fillna(len(order))
    out = out.sort_values(["service_name", "service_id", "_area"], kind="stable").drop(columns="_area")
    out["words"] = [change_words(v) for v in out["change"].tolist()]
    return out.reset_index(drop=True)


AREA_SUMMARY_COLUMNS = ["area_id", "area", "services", "improved", "same", "declined", "this_mean", "last_mean",
                        "change", "words"]


def area_summary(frames: Frames, info: FrameworkInfo) -> pd.DataFrame:
    """Per area: how many services were compared and how many improved, stayed the same or declined; the mean of
    their means this round and last, and its change (each service counts once)."""
    changes = service_changes(frames, info)
    rows = []
    for aid, title in info.areas:
        mine = changes[changes.area_id == aid]
        words = [direction(v) for v in mine["change"].tolist()]
        this = float(mine["this_mean"].mean()) if len(mine) else None
        last = float(mine["last_mean"].mean()) if len(mine) else None
        change = None if this is None else this - last
        rows.append([aid, title, len(mine), words.count(IMPROVED), words.count(UNCHANGED), words.count(DECLINED),
                     this, last, change, change_words(change)])
    return pd.DataFrame(rows, columns=AREA_SUMMARY_COLUMNS)


def statement_changes(frames: Frames, info: FrameworkInfo) -> pd.DataFrame:
    """frames.statement_changes() of one framework (the statements that moved most first), with `words`."""
    stats = _once(frames, "statement_changes")
    out = stats[stats.framework_id == info.id].copy()
    out["words"] = [change_words(v) for v in out["mean_change"].tolist()]
    return out.reset_index(drop=True)


def respondent_words(row) -> str:
    """"Changed: was A, now B" for a flagged change of respondent, else "No"."""
    if not row.respondent_changed:
        return "No"
    return f"Changed: was {row.last_respondent or '(not given)'}, now {row.respondent or '(not given)'}"


_TRENDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def trends(collection: Collection) -> pd.DataFrame | None:
    """store.trends.area_trends for the store a collection was read from (None for a collection from files),
    computed once per collection (kept with its frames) for every output."""
    store = getattr(collection, "store", None)
    if store is None:
        return None
    frames = collection.frames()
    if frames not in _TRENDS:
        from ..store.trends import area_trends

        _TRENDS[frames] = area_trends(store, collection.registry)
    return _TRENDS[frames]


def trend_table(collection: Collection, info: FrameworkInfo) -> pd.DataFrame | None:
    """One framework's trend as rounds x areas: `round`, then each area's mean (columns are area ids; blank where
    no service rated it that round), then `services` (the most services that rated any area that round). None
    when the store holds fewer than two rounds with returns of the framework."""
    all_trends = trends(collection)
    if all_trends is None:
        return None
    mine = all_trends[all_trends.framework_id == info.id]
    if mine["round"].nunique() < 2:
        return None
    areas = [aid for aid, _ in info.areas]
    areas += [a for a in dict.fromkeys(mine["area_id"]) if a not in areas]
    wide = mine.pivot(index=["round_order", "round"], columns="area_id", values="mean").reindex(columns=areas)
    wide.columns = list(areas)
    services = mine.groupby(["round_order", "round"])["services"].max()
    out = wide.join(services).reset_index().sort_values("round_order", kind="stable")
    return out.drop(columns="round_order").reset_index(drop=True)


def area_titles(collection: Collection, info: FrameworkInfo, table: pd.DataFrame) -> list[tuple[str, str]]:
    """(area id, title) of a trend table's area columns: the framework's titles, else the store's."""
    known = dict(info.areas)
    all_trends = trends(collection)
    stored = dict(zip(all_trends["area_id"], all_trends["area"])) if all_trends is not None else {}
    return [(aid, known.get(aid) or stored.get(aid) or aid) for aid in table.columns[1:-1]]


__all__ = ["ARROWS", "CHANGE_PLACES", "COMPARED_ONLY", "DECLINED", "IMPROVED", "MOVED_MOST", "NOT_A_RACE",
           "TREND_IS", "UNCHANGED", "area_summary", "area_titles", "change_words", "comparing", "direction",
           "mean2", "respondent_words", "rounds_compared", "service_changes", "signed", "statement_changes",
           "trend_table", "trends"]
