"""What changed between a stored round and the round it is compared with: per service and area, and per statement.

Computed on integer codes (a rating row's response and statement, the other round's rating found by index), not by
merging or grouping frames on text: for 10,000 services a round holds half a million ratings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..report.common import rounded
from .query import read_columns

if TYPE_CHECKING:
    from .frames import StoreFrames

CHANGE_COLUMNS = ["framework_id", "service_id", "service_name", "area_id", "area", "round", "last_round",
                  "compared", "this_mean", "last_mean", "change", "direction", "respondent_changed", "respondent",
                  "last_respondent"]
STATEMENT_CHANGE_COLUMNS = ["framework_id", "area_id", "area", "statement_id", "statement", "round", "last_round",
                            "compared", "improved", "same", "declined", "mean_change", "direction"]
SAME = 1e-9  # means this close are the same (they are means of small integers)

# The other round's counted response of each service counted in this round (same framework and service key).
_PAIRED = ("FROM counted now JOIN counted was ON was.round_id = ? AND was.framework_id = now.framework_id AND "
           "was.service_key = now.service_key")
LAST_RATINGS = (f"SELECT now.response_id, t.seq, t.statement_id, t.rating {_PAIRED} JOIN ratings t ON "
                "t.response_id = was.response_id WHERE now.round_id = ? AND t.rating IS NOT NULL")
RESPONDENTS = (f"SELECT now.response_id, a.completed_by, b.completed_by {_PAIRED} JOIN responses a ON "
               "a.id = now.response_id JOIN responses b ON b.id = was.response_id WHERE now.round_id = ?")


@dataclass(frozen=True, slots=True)
class Pairs:
    """The statements each service rated in both rounds: `rows` of this round's ratings frame, with this round's
    rating (`now`) and the other round's (`last`) as floats."""

    rows: np.ndarray
    now: np.ndarray
    last: np.ndarray


def pairs(frames: StoreFrames) -> Pairs:
    """Matched on integer codes: (this round's response, statement) for a rating row here, and the same code for
    the other round's rating of that statement by the same service."""
    assert frames.c.compare is not None
    ratings = frames.ratings
    statement_codes, statements = pd.factorize(ratings["statement_id"])
    width = len(statements) + 1
    here = frames.rating_positions * width + statement_codes
    ids, seqs, statement_ids, values = read_columns(frames.store.conn, LAST_RATINGS,
                                                    (frames.c.compare.id, frames.round.id), 4, shared=(2,))
    known = pd.Index(statements).get_indexer(pd.Index(statement_ids, dtype=object)) if ids else np.zeros(0, int)
    there = frames.positions(ids) * width + known
    valid = np.flatnonzero(known >= 0)
    order = valid[np.lexsort((np.asarray(seqs, dtype="int64")[valid], there[valid]))]
    first = order[np.r_[True, there[order][1:] != there[order][:-1]]] if len(order) else order
    last = np.full(len(frames.ids) * width, np.nan)
    last[there[first]] = np.asarray(values, dtype=float)[first]  # a statement listed twice: its first rating
    rating_last = last[here]
    now = ratings["rating"].to_numpy(dtype=float, na_value=np.nan)
    rows = np.flatnonzero(~np.isnan(now) & ~np.isnan(rating_last))
    return Pairs(rows, now[rows], rating_last[rows])


def _groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's group numbered in order of first appearance (as groupby(sort=False) orders them), and each
    group's first row."""
    if not len(keys):
        return np.zeros(0, int), np.zeros(0, int)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inverse.ravel()], first[order]


def area_changes(frames: StoreFrames) -> pd.DataFrame:
    compare = frames.c.compare
    if compare is None:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    both = frames.pairs
    ratings = frames.ratings
    area_codes, areas = pd.factorize(ratings["area_id"].to_numpy()[both.rows])
    where = frames.rating_positions[both.rows]
    group, first = _groups(where * (len(areas) + 1) + area_codes)
    count = np.bincount(group, minlength=len(first))
    this_mean = np.bincount(group, both.now, len(first)) / count
    last_mean = np.bincount(group, both.last, len(first)) / count
    rows = both.rows[first]
    ids, now, before = read_columns(frames.store.conn, RESPONDENTS, (compare.id, frames.round.id), 3)
    who = {i: (a, b, _changed(a, b)) for i, a, b in zip(frames.positions(ids).tolist(), now, before)}
    people = [who[i] for i in where[first].tolist()]  # per service, then per row
    out = pd.DataFrame({name: ratings[name].to_numpy()[rows] for name in
                        ("framework_id", "service_id", "service_name", "area_id", "area")})
    out["round"], out["last_round"] = frames.round.name, compare.name
    out["compared"] = count.astype(int)
    out["this_mean"], out["last_mean"] = this_mean, last_mean
    out["change"] = this_mean - last_mean
    out["direction"] = _directions(out["change"].tolist())
    out["respondent_changed"] = [changed for _, _, changed in people]
    out["respondent"] = [a for a, _, _ in people]
    out["last_respondent"] = [b for _, b, _ in people]
    return out[CHANGE_COLUMNS]


def statement_changes(frames: StoreFrames) -> pd.DataFrame:
    compare = frames.c.compare
    if compare is None:
        return pd.DataFrame(columns=STATEMENT_CHANGE_COLUMNS)
    both = frames.pairs
    ratings = frames.ratings
    framework_codes, _ = pd.factorize(ratings["framework_id"].to_numpy()[both.rows])
    statement_codes, statements = pd.factorize(ratings["statement_id"].to_numpy()[both.rows])
    group, first = _groups(framework_codes * (len(statements) + 1) + statement_codes)
    delta = both.now - both.last
    count = np.bincount(group, minlength=len(first))
    rows = both.rows[first]
    out = pd.DataFrame({name: ratings[name].to_numpy()[rows] for name in
                        ("framework_id", "area_id", "area", "statement_id", "statement")})
    out["round"], out["last_round"] = frames.round.name, compare.name
    out["compared"] = count.astype(int)
    for name, hit in (("improved", delta > 0), ("same", delta == 0), ("declined", delta < 0)):
        out[name] = np.bincount(group, hit, len(first)).astype(int)
    out["mean_change"] = np.bincount(group, delta, len(first)) / count
    out["direction"] = _directions(out["mean_change"].tolist())
    out = out.assign(moved=out["mean_change"].abs()).sort_values(
        ["moved", "framework_id", "statement_id"], ascending=[False, True, True], kind="stable")
    return out[STATEMENT_CHANGE_COLUMNS].reset_index(drop=True)


def _direction(change: float) -> str:
    """The change in words and an arrow, so it never rests on colour alone."""
    if change is None or pd.isna(change):
        return ""
    if change > SAME:  # rounded by the reports' one rule (half up on the decimal shown), as every figure is
        return f"\u25b2 up +{rounded(change, 2)}"
    if change < -SAME:
        return f"\u25bc down {rounded(change, 2)}"
    return "\u2192 same"


def _directions(changes: list[float]) -> list[str]:
    """_direction of each, worked out once per distinct value (means of small integers repeat)."""
    words: dict[float, str] = {}
    return [words.get(v) or words.setdefault(v, _direction(v)) for v in changes]


def _changed(now: str, before: str) -> bool:
    """Whether the respondent changed (a name only re-cased or re-spaced did not; two blanks did not)."""
    return _norm(now) != _norm(before) and bool(_norm(now) or _norm(before))


def _norm(name: str) -> str:
    return " ".join(str(name).casefold().split())


__all__ = ["CHANGE_COLUMNS", "STATEMENT_CHANGE_COLUMNS", "Pairs", "pairs", "area_changes", "statement_changes"]
