"""The store's changes between rounds, computed on integer codes (store/changes.py), against the plain pandas way:
merge last round's ratings onto this round's by service and statement, then group. Rounds made in memory, with
the awkward cases: services in one round only, unrated statements, a statement listed twice, another framework."""

from __future__ import annotations

import random
from datetime import date

import pandas as pd
import pytest

from maturity_xl.collect import ACCEPTED, Collection, LogEntry
from maturity_xl.parse import default_registry
from maturity_xl.response import Action, Rating, Response
from maturity_xl.simulate import random_answers
from maturity_xl.spec import load_framework
from maturity_xl.store import Store

TODAY = date(2026, 11, 22)


def _round(frameworks, year: int, services: range, rng: random.Random) -> Collection:
    responses, log = [], []
    for i in services:
        fw = frameworks[i % len(frameworks)]
        area_of = {st.id: area.id for area in fw.areas for st in area.statements}
        answers = random_answers(fw, rng, completion=0.8, completed_on=date(year, 10, 1),
                                 completed_by="Same Person" if i % 3 else None)
        ratings = [Rating(st, area_of[st], v, answers.rationale.get(st, ""), "") for st, v in answers.ratings.items()]
        if i % 7 == 0:  # the first statement listed again, rated otherwise: its first rating is the one compared
            ratings.append(Rating(ratings[0].statement_id, ratings[0].area_id, 0, "again", ""))
        name = f"{year}/S{i:03d}.xlsx"
        responses.append(Response(name, fw.id, fw.version, fw.fingerprint, f"S{i:03d}", f"Service {i}",
                                  respondent=answers.respondent, area_ids=tuple(a.id for a in fw.areas),
                                  ratings=ratings, actions=[Action(st, area_of[st], v)
                                                            for st, v in answers.actions.items()]))
        log.append(LogEntry(name, ACCEPTED, sha256=f"{year}{i:060d}", size=1, framework_id=fw.id,
                            framework_version=fw.version, service_id=f"S{i:03d}"))
    return Collection(responses, log, None, default_registry(), TODAY)


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    frameworks = [load_framework("lincolnshire"), load_framework("progress-for-providers")]
    rng = random.Random(12)
    path = tmp_path_factory.mktemp("changes") / "p.db"
    with Store(path) as store:
        store.add(_round(frameworks, 2025, range(0, 40), rng), round="2025")
        store.add(_round(frameworks, 2026, range(5, 45), rng), round="2026")
        collection = store.collection("2026", today=TODAY)
        collection.compare = store.round("2025")
        frames = collection.frames()
        yield frames, frames.last


def _both(now: pd.DataFrame, last: pd.DataFrame) -> pd.DataFrame:
    keys = ["framework_id", "service_id", "statement_id"]
    before = last.dropna(subset=["rating"]).drop_duplicates(keys)[[*keys, "rating"]]
    both = now.dropna(subset=["rating"]).merge(before, on=keys, suffixes=("", "_last"))
    return both.astype({"rating": float, "rating_last": float})


def test_area_changes_equal_a_merge_of_the_two_rounds(compared):
    frames, last = compared
    got = frames.changes()
    both = _both(frames.ratings, last.ratings)
    expected = both.groupby(["framework_id", "service_id", "area_id"], sort=False).agg(
        compared=("rating", "size"), this_mean=("rating", "mean"), last_mean=("rating_last", "mean")).reset_index()
    assert len(got) == len(expected) > 30
    pd.testing.assert_frame_equal(got[["framework_id", "service_id", "area_id", "compared", "this_mean",
                                       "last_mean"]].astype({"compared": "int64"}),
                                  expected.astype({"compared": "int64"}), check_dtype=False)
    assert (got["change"] == got["this_mean"] - got["last_mean"]).all()
    who = dict(zip(frames.responses["service_id"], frames.responses["completed_by"]))
    was = dict(zip(last.responses["service_id"], last.responses["completed_by"]))
    assert got["respondent"].tolist() == [who[s] for s in got["service_id"]]
    assert got["last_respondent"].tolist() == [was[s] for s in got["service_id"]]
    assert got["respondent_changed"].tolist() == [who[s] != was[s] for s in got["service_id"]]
    assert got["respondent_changed"].any() and not got["respondent_changed"].all()
    assert set(got["round"]) == {"2026"} and set(got["last_round"]) == {"2025"}


def test_statement_changes_equal_a_merge_of_the_two_rounds(compared):
    frames, last = compared
    got = frames.statement_changes()
    both = _both(frames.ratings, last.ratings)
    both["delta"] = both["rating"] - both["rating_last"]
    expected = both.groupby(["framework_id", "statement_id"], sort=False).agg(
        compared=("delta", "size"), improved=("delta", lambda d: int((d > 0).sum())),
        same=("delta", lambda d: int((d == 0).sum())), declined=("delta", lambda d: int((d < 0).sum())),
        mean_change=("delta", "mean"))
    assert len(got) == len(expected) > 40
    for row in got.itertuples():
        e = expected.loc[(row.framework_id, row.statement_id)]
        assert (row.compared, row.improved, row.same, row.declined) == (e.compared, e.improved, e.same, e.declined)
        assert row.mean_change == pytest.approx(e.mean_change)
    moved = got["mean_change"].abs().tolist()
    assert moved == sorted(moved, reverse=True)


def test_a_round_without_a_comparison_has_no_changes(compared):
    frames, _last = compared
    with Store(frames.store.path) as store:
        alone = store.collection("2025", today=TODAY).frames()
        assert alone.changes().empty and alone.statement_changes().empty
        assert len(alone.ratings) > 0
