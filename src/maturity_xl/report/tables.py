"""The pandas tables every report output shares: what a framework looks like in the data, the overview of
the run, each service's profile, the spread of levels and the statements weakest first.

The workbook, the HTML page and the CSV exports each lay these out in their own way; none computes a figure
of its own.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..collect import DUPLICATE, IGNORED, REJECTED, SUPERSEDED, Collection
from ..frames import Frames
from ..settle import BLANK, incomplete
from .common import text

NOT_A_LEAGUE_TABLE = ("Self-assessments are not league tables: each service rated itself against its own "
                      "understanding of the statements, so these reports show distributions and each "
                      "service's own profile, not a ranking of services.")
NO_RETURNS = "No accepted returns yet: there is nothing to summarise until completed workbooks are collected."
NOT_IDENTIFIED = "(not identified)"
# What the area means show, said the same way in the workbook's chart and the page's.
AREA_MEANS_ARE = ("each area's mean is the mean of the services' own area means (each service counts once, "
                  "however many statements it rated)")
BLANK_DOES_NOT_COUNT = ("A workbook returned blank (no statement rated) does not count as returned: the service "
                        "is still missing and is on the chasing list.")


@dataclass(frozen=True, slots=True)
class FrameworkInfo:
    """What a report needs about one framework in the collection (falls back to what the data shows)."""

    id: str
    version: str
    title: str
    areas: tuple[tuple[str, str], ...]
    levels: tuple[tuple[int, str], ...]
    targets: bool = False  # the framework asks each statement for a target (rating.target_per_statement)

    @property
    def low(self) -> int:
        return self.levels[0][0] if self.levels else 0

    @property
    def high(self) -> int:
        return self.levels[-1][0] if self.levels else 1

    def level_header(self, value: int, label: str) -> str:
        return f"{value} \u2013 {label}" if label != str(value) else str(value)


def framework_infos(collection: Collection, frames: Frames) -> list[FrameworkInfo]:
    """Every framework with accepted returns, in the order they first appear (worked out once per frames: the
    workbook and the page both ask)."""
    if getattr(frames, "c", collection) is collection:
        return list(_kept(frames, ("framework_infos",), lambda: _framework_infos(collection, frames)))
    return _framework_infos(collection, frames)


def _framework_infos(collection: Collection, frames: Frames) -> list[FrameworkInfo]:
    out: dict[str, FrameworkInfo] = {}
    for r in collection.heads:
        if r.framework_id not in out:
            out[r.framework_id] = _info(collection, r.framework_id, r.framework_version, frames.lean_ratings)
    return list(out.values())


def _info(collection: Collection, fid: str, version: str, ratings: pd.DataFrame) -> FrameworkInfo:
    fw = collection.registry.get(fid, version)
    seen = ratings[ratings.framework_id == fid]
    areas = [(a.id, a.title) for a in fw.areas] if fw else []
    if fw:
        levels = [(lv.value, lv.label) for lv in fw.scale.levels]
    else:
        levels = [(int(v), str(int(v))) for v in sorted(seen.rating.dropna().unique())]
    known = {a for a, _ in areas}
    for aid, title in seen[["area_id", "area"]].drop_duplicates().itertuples(index=False):
        if aid not in known:
            areas.append((aid, text(title) or aid))
            known.add(aid)
    return FrameworkInfo(fid, version, fw.title if fw else fid, tuple(areas), tuple(levels),
                         fw.target_per_statement if fw else False)


def _framework_title(collection: Collection, fid: str) -> str:
    versions = [r.framework_version for r in collection.heads if r.framework_id == fid]
    versions += [e.framework_version for e in collection.log if e.framework_id == fid]
    versions += [e.framework_version for e in collection.expected or [] if e.framework_id == fid]
    for version in versions:
        fw = collection.registry.get(fid, version)
        if fw:
            return fw.title
    return fid or NOT_IDENTIFIED


@dataclass(frozen=True, slots=True)
class Headline:
    """The run in a handful of figures: what the first sheet and the top of the page say."""

    expected: int | None  # None without a manifest
    returned: int  # returns that count (complete or not); a blank one does not
    complete: int
    incomplete: int
    blank: int
    missing: int | None
    rejected: int

    @property
    def response_rate(self) -> float | None:
        """Expected services with a return that counts, as a share of those expected."""
        if not self.expected:
            return None
        return (self.expected - (self.missing or 0)) / self.expected


def headline(collection: Collection) -> Headline:
    counts = collection.counts()
    partial = sum(incomplete(e) for e in collection.log)
    returned = len(collection.heads)
    expected = None if collection.expected is None else len(collection.expected)
    return Headline(expected, returned, returned - partial, partial, counts[BLANK],
                    None if expected is None else len(collection.missing), counts[REJECTED])


def framework_means(frames: Frames, infos: list[FrameworkInfo]) -> pd.DataFrame:
    """Per framework: services, statements rated of those sent, the mean of every rating, and the mean of the
    services' own means (each service counts once)."""
    ratings = frames.lean_ratings
    rows = []
    for info in infos:
        mine = ratings[ratings.framework_id == info.id]
        per_service = mine.groupby("service_id", sort=False)["rating"].mean().dropna()
        rated = int(mine.rating.notna().sum())
        rows.append([info.id, info.title, int(mine.service_id.nunique()), rated, len(mine),
                     float(mine.rating.mean()) if rated else None,
                     float(per_service.mean()) if len(per_service) else None])
    return pd.DataFrame(rows, columns=["framework_id", "title", "services", "rated", "statements",
                                       "mean_of_ratings", "mean_of_services"])


def overview_rows(collection: Collection) -> list[dict[str, object]]:
    """Per framework: returns expected, received (of which incomplete), returned blank, missing, and what became
    of the other files.

    Duplicates carry no framework in the log, so they are counted under the file they copy. Files that could
    not be identified (unreadable, ignored) get their own row, so the status columns add up to the whole log.
    """
    by_file = {e.file: e.framework_id for e in collection.log}

    def fid_of(entry) -> str:
        return entry.framework_id or (by_file.get(entry.same_as, "") if entry.status == DUPLICATE else "")

    order = [r.framework_id for r in collection.heads]
    order += [e.framework_id for e in collection.expected or []]
    order += [fid_of(e) for e in collection.log]
    ids = sorted(dict.fromkeys(order), key=lambda f: f == "")
    rows = []
    for fid in ids:
        statuses = [e.status for e in collection.log if fid_of(e) == fid]
        expected = None if collection.expected is None else \
            sum(e.framework_id == fid for e in collection.expected)
        entries = [e for e in collection.log if fid_of(e) == fid]
        rows.append({
            "framework": fid or NOT_IDENTIFIED, "title": _framework_title(collection, fid) if fid else "",
            "expected": expected, "received": sum(r.framework_id == fid for r in collection.heads),
            "incomplete": sum(incomplete(e) for e in entries), "blank": statuses.count(BLANK),
            "missing": None if expected is None else sum(m.framework_id == fid for m in collection.missing),
            "rejected": statuses.count(REJECTED), "duplicates": statuses.count(DUPLICATE),
            "superseded": statuses.count(SUPERSEDED), "ignored": statuses.count(IGNORED)})
    return rows


_ONCE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _once(frames: Frames, name: str) -> pd.DataFrame:
    """frames.<name>(), computed once per frames for every block of every report (each groups every rating)."""
    return _kept(frames, name, getattr(frames, name))


def _kept(frames: Frames, key: object, compute):
    """What `compute()` gives, kept with `frames` under `key`, for every report that asks (none changes it)."""
    try:
        done = _ONCE.setdefault(frames, {})
    except TypeError:  # not weakly referable: compute each time
        return compute()
    if key not in done:
        done[key] = compute()
    return done[key]


def area_scores(frames: Frames) -> pd.DataFrame:
    return _once(frames, "area_scores")


def heatmap(frames: Frames, info: FrameworkInfo) -> pd.DataFrame:
    """One framework's service x area means (columns are area ids), plus rated, total and overall mean, and each
    area's statements rated and sent (columns `rated:<area id>`, `total:<area id>`); worked out once for the
    workbook and the page."""
    return _kept(frames, ("heatmap", info), lambda: _heatmap(frames, info))


def _heatmap(frames: Frames, info: FrameworkInfo) -> pd.DataFrame:
    scores = area_scores(frames)
    scores = scores[scores.framework_id == info.id]
    ratings = frames.lean_ratings[frames.lean_ratings.framework_id == info.id]
    areas = [a for a, _ in info.areas]
    counts = [f"{kind}:{a}" for a in areas for kind in ("rated", "total")]
    columns = ["service_id", "service_name", *areas, "rated", "total", "mean", *counts]
    if scores.empty:
        return pd.DataFrame(columns=columns)
    keys = ["service_id", "service_name"]
    # Whole-frame operations, not a loop over services: a regional collection has thousands of them.
    # One pivot for the means and the counts: each (service, area) is one row of area_scores already.
    one = scores.drop_duplicates([*keys, "area_id"])  # an area retitled between versions is still one area
    table = one.set_index([*keys, "area_id"])[["mean", "rated", "total"]].unstack("area_id")
    wide = table["mean"].reindex(columns=areas)
    wide.columns = list(areas)
    per_area = pd.concat({kind: table[kind].reindex(columns=areas).fillna(0).astype(int)
                          for kind in ("rated", "total")}, axis=1)
    per_area.columns = [f"{kind}:{a}" for kind, a in per_area.columns]
    per_area = per_area[counts]
    sums = pd.DataFrame({"rated": per_area[counts[0::2]].sum(axis=1), "total": per_area[counts[1::2]].sum(axis=1)})
    overall = ratings.groupby(keys, sort=False)["rating"].mean().rename("mean")
    out = wide.join(sums).join(overall).join(per_area).reset_index()
    out["rated"] = out["rated"].astype(int)
    out["total"] = out["total"].astype(int)
    out["mean"] = out["mean"].astype(float)
    return out[columns].sort_values(["service_name", "service_id"], kind="stable").reset_index(drop=True)


def area_means(frames: Frames, info: FrameworkInfo) -> pd.DataFrame:
    """Each area's mean across services and how many services rated it: AREA_MEANS_ARE; and the mean target
    the same way (each service's mean target of the statements it rated), for a framework that asks for targets
    (None otherwise)."""
    scores = area_scores(frames)
    scores = scores[scores.framework_id == info.id]
    rows = []
    for aid, title in info.areas:
        area = scores[scores.area_id == aid]
        means, targets = area["mean"].dropna(), area["target"].dropna()
        rows.append([aid, title, float(means.mean()) if len(means) else None, len(means),
                     float(targets.mean()) if info.targets and len(targets) else None])
    return pd.DataFrame(rows, columns=["area_id", "area", "mean", "services", "target"])


def level_distribution(frames: Frames, info: FrameworkInfo) -> pd.DataFrame:
    """Per area, how many ratings fell at each level (all services together), and how many were left blank.

    Counted by one bincount over (area, level) pairs rather than a comparison of every rating per area and per
    level (30 passes over the ratings for a framework of 5 areas and 6 levels); a rating off the scale, or in an
    area the framework does not list, counts nowhere."""
    ratings = frames.lean_ratings[frames.lean_ratings.framework_id == info.id]
    codes, uniques = pd.factorize(ratings["area_id"], sort=False)
    position = {aid: k for k, (aid, _title) in enumerate(info.areas)}
    area_of = np.array([position.get(u, -1) for u in uniques] + [-1], dtype=np.int64)[codes]  # (-1: none)
    values = ratings["rating"].to_numpy(dtype="float64", na_value=np.nan)
    levels = len(info.levels)
    level_of = np.full(len(values), -1, dtype=np.int64)
    for k, (value, _label) in enumerate(info.levels):
        level_of[values == value] = k
    level_of[np.isnan(values)] = levels  # the last column: not rated
    kept = (area_of >= 0) & (level_of >= 0)
    counts = np.bincount(area_of[kept] * (levels + 1) + level_of[kept],
                         minlength=len(info.areas) * (levels + 1)).reshape(len(info.areas), levels + 1)
    rows = [[aid, title, *map(int, counts[k])] for k, (aid, title) in enumerate(info.areas)]
    names = [f"level_{v}" for v, _ in info.levels]
    return pd.DataFrame(rows, columns=["area_id", "area", *names, "not_rated"])


def statement_table(frames: Frames, info: FrameworkInfo) -> pd.DataFrame:
    """One framework's statement_stats with a count column for every level of its scale, weakest first."""
    stats = _once(frames, "statement_stats")
    stats = stats[stats.framework_id == info.id].copy()
    for value, _ in info.levels:
        column = f"level_{value}"
        stats[column] = stats[column].fillna(0).astype(int) if column in stats else 0
    return stats.reset_index(drop=True)
