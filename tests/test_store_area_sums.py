"""The store's area_sums (each response's rated statements and their sum per area, read by the trend): written with
the ratings, worked out by the migration for a store made before it, and the trend they give equal to the one
computed from the ratings themselves."""

from __future__ import annotations

import random
import sqlite3
from datetime import date

import pytest

from maturity_xl.collect import ACCEPTED, Collection, LogEntry
from maturity_xl.parse import default_registry
from maturity_xl.response import Rating, Response
from maturity_xl.simulate import random_answers
from maturity_xl.store import Store
from maturity_xl.store import schema as store_schema
from maturity_xl.store.trends import area_trends

FID = "lincolnshire"
SUMS = "SELECT response_id, area_id, rated, total FROM area_sums ORDER BY response_id, area_id"
FROM_RATINGS = ("SELECT response_id, area_id, COUNT(rating), SUM(rating) FROM ratings WHERE rating IS NOT NULL "
                "GROUP BY response_id, area_id ORDER BY response_id, area_id")


def _round(fw, number: int, services: int, rng: random.Random) -> Collection:
    """`services` returns (answers made in memory), some areas left wholly blank so they have no row."""
    area_of = {st.id: area.id for area in fw.areas for st in area.statements}
    blank_area = fw.areas[number % len(fw.areas)].id
    responses, log = [], []
    for i in range(services):
        answers = random_answers(fw, rng, completed_on=date(2024 + number, 10, 1))
        ratings = [Rating(st, area_of[st], None if i % 3 == 0 and area_of[st] == blank_area else v,
                          answers.rationale.get(st, ""), answers.evidence.get(st, ""))
                   for st, v in answers.ratings.items()]
        name = f"round-{number}/S{i:03d}.xlsx"
        responses.append(Response(name, fw.id, fw.version, fw.fingerprint, f"S{i:03d}", f"Service {i}",
                                  respondent=answers.respondent, area_ids=tuple(a.id for a in fw.areas),
                                  ratings=ratings))
        log.append(LogEntry(name, ACCEPTED, sha256=f"{number:02d}{i:062d}", size=1, framework_id=fw.id,
                            framework_version=fw.version, service_id=f"S{i:03d}"))
    return Collection(responses, log, None, default_registry())


@pytest.fixture
def store_path(frameworks, tmp_path):
    path = tmp_path / "programme.db"
    rng = random.Random(3)
    with Store(path) as store:
        for number in range(3):
            store.add(_round(frameworks[FID], number, 12, rng), round=f"{2024 + number}")
    return path


def _expected_trend(path) -> dict:
    """(round, area id) -> (services, ratings, mean of the services' own area means), from the ratings."""
    conn = sqlite3.connect(path)
    per_service: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for name, area, rated, total in conn.execute(
            "SELECT o.name, t.area_id, COUNT(t.rating), SUM(t.rating) FROM counted c JOIN rounds o ON "
            "o.id = c.round_id JOIN ratings t ON t.response_id = c.response_id WHERE t.rating IS NOT NULL "
            "GROUP BY c.response_id, t.area_id"):
        per_service.setdefault((name, area), []).append((rated, total / rated))
    conn.close()
    return {key: (len(v), sum(n for n, _ in v), sum(m for _, m in v) / len(v)) for key, v in per_service.items()}


def test_area_sums_are_written_with_the_ratings(store_path):
    conn = sqlite3.connect(store_path)
    sums = conn.execute(SUMS).fetchall()
    assert sums == conn.execute(FROM_RATINGS).fetchall()
    assert len(sums) < 3 * 12 * 5  # the wholly blank areas have no row


def test_the_migration_works_them_out_for_a_store_made_before_it(store_path):
    conn = sqlite3.connect(store_path)
    written = conn.execute(SUMS).fetchall()
    conn.execute("DROP TABLE area_sums")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    with Store(store_path, create=False) as store:
        assert store.version == store_schema.schema_version() == 3
        assert store.query(SUMS) == written


def test_the_trend_from_area_sums_equals_the_ratings_own(store_path):
    expected = _expected_trend(store_path)
    with Store(store_path, create=False) as store:
        trend = area_trends(store)
    got = {(r.round, r.area_id): (r.services, r.ratings, r.mean) for r in trend.itertuples()}
    assert got.keys() == expected.keys()
    for key, (services, ratings, mean) in expected.items():
        assert got[key][:2] == (services, ratings)
        assert got[key][2] == pytest.approx(mean, abs=1e-12)
    assert any(services < 12 for services, _, _ in got.values())  # a blank area leaves its services out
