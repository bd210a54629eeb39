"""report.tables.level_distribution counts by one bincount: the same table as counting each area's ratings at
each level one comparison at a time (the way it was first written, kept here as the reference), whatever the
ratings hold: blanks, ratings off the scale, areas the framework does not list, other frameworks' rows."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pandas as pd
import pytest

from maturity_xl.report.tables import FrameworkInfo, level_distribution


def reference(frames, info: FrameworkInfo) -> pd.DataFrame:
    ratings = frames.lean_ratings[frames.lean_ratings.framework_id == info.id]
    rows = []
    for aid, title in info.areas:
        area = ratings[ratings.area_id == aid]
        counts = [int((area.rating == value).sum()) for value, _ in info.levels]
        rows.append([aid, title, *counts, int(area.rating.isna().sum())])
    levels = [f"level_{v}" for v, _ in info.levels]
    return pd.DataFrame(rows, columns=["area_id", "area", *levels, "not_rated"])


INFO = FrameworkInfo("fw", "1", "A framework", (("a", "Area A"), ("b", "Area B"), ("c", "Area C")),
                     tuple((v, f"level {v}") for v in range(6)))


def _frames(rows: int, seed: int):
    rng = random.Random(seed)
    frame = pd.DataFrame({
        "framework_id": [rng.choice(["fw", "fw", "fw", "other"]) for _ in range(rows)],
        "area_id": [rng.choice(["a", "b", "c", "c", "unlisted", None]) for _ in range(rows)],
        "rating": pd.array([rng.choice([None, 0, 1, 2, 3, 4, 5, 5, 7, -1]) for _ in range(rows)], dtype="Int64"),
    })
    frame["framework_id"] = frame["framework_id"].astype("str")
    frame["area_id"] = frame["area_id"].astype("str")
    return SimpleNamespace(lean_ratings=frame)


@pytest.mark.parametrize("rows,seed", [(0, 1), (1, 2), (50, 3), (5_000, 4)])
def test_the_same_counts_as_one_comparison_at_a_time(rows, seed):
    frames = _frames(rows, seed)
    got, want = level_distribution(frames, INFO), reference(frames, INFO)
    pd.testing.assert_frame_equal(got, want)
    if rows > 100:  # the case is not trivial: blanks and each level counted, off-scale and unlisted left out
        assert got["not_rated"].sum() > 0 and (got[[f"level_{v}" for v in range(6)]] > 0).all().all()
        assert got.iloc[:, 2:].to_numpy().sum() < (frames.lean_ratings.framework_id == "fw").sum()


def test_a_framework_without_ratings_has_a_row_of_zeros_per_area():
    got = level_distribution(_frames(30, 5), FrameworkInfo("none", "1", "None", INFO.areas, INFO.levels))
    assert got["area_id"].tolist() == ["a", "b", "c"] and got.iloc[:, 2:].to_numpy().sum() == 0
