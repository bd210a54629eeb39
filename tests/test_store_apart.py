"""Adding a collection with its rows made in a forked child (store/apart.py): the same store as making them in
one process, and a child that fails or dies leaves the store as it was."""

from __future__ import annotations

import multiprocessing
import os
import random
import sqlite3
import time

import pytest

from maturity_xl.store import Store, StoreError, apart
from maturity_xl.store import writing as store_module
from test_store_area_sums import FID, _round

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork here")
TABLES = {"responses": "id", "ratings": "response_id, seq", "actions": "response_id", "problems": "response_id, seq",
          "area_sums": "response_id, area_id", "counted": "response_id", "files": "id"}


def _contents(path) -> dict[str, list]:
    conn = sqlite3.connect(path)
    out = {name: conn.execute(f"SELECT * FROM {name} ORDER BY {key}").fetchall() for name, key in TABLES.items()}
    conn.close()
    out["files"] = [row[:10] + row[11:] for row in out["files"]]  # mtime: when the test ran
    return out


def _fill(path, frameworks, monkeypatch, apart_from: int) -> None:
    monkeypatch.setattr(apart, "APART_FROM", apart_from)
    rng = random.Random(9)
    with Store(path) as store:
        for number in range(2):
            store.add(_round(frameworks[FID], number, 40, rng), round=f"{2024 + number}")


def test_rows_made_in_a_child_give_the_same_store(frameworks, tmp_path, monkeypatch):
    forked = []
    real = apart._made_apart
    monkeypatch.setattr(apart, "_made_apart", lambda *args: forked.append(1) or real(*args))
    monkeypatch.setattr(store_module, "RATINGS_BATCH", 300)  # several batches down the pipe
    _fill(tmp_path / "here.db", frameworks, monkeypatch, 10**9)
    assert not forked
    _fill(tmp_path / "apart.db", frameworks, monkeypatch, 1)
    assert len(forked) == 2
    here, there = _contents(tmp_path / "here.db"), _contents(tmp_path / "apart.db")
    assert len(here["responses"]) == 80 and len(here["ratings"]) > 80
    assert here == there


def _store_with_one_round(path, frameworks) -> dict:
    with Store(path) as store:
        store.add(_round(frameworks[FID], 0, 10, random.Random(1)), round="2024")
    return _contents(path)


def test_a_child_that_fails_leaves_the_store_as_it_was(frameworks, tmp_path, monkeypatch):
    path = tmp_path / "p.db"
    before = _store_with_one_round(path, frameworks)
    monkeypatch.setattr(apart, "APART_FROM", 1)
    real, calls = store_module.insert_response, []

    def fail_on_the_fifth(*args):  # runs in the child
        calls.append(1)
        if len(calls) == 5:
            raise OSError("cannot read the spill file")
        return real(*args)

    monkeypatch.setattr(store_module, "insert_response", fail_on_the_fifth)
    with Store(path) as store, pytest.raises(StoreError, match="OSError: cannot read the spill file"):
        store.add(_round(frameworks[FID], 1, 10, random.Random(2)), round="2025")
    assert _contents(path) == before
    with Store(path) as store:
        assert store.holder() is None


def test_a_child_that_dies_leaves_the_store_as_it_was(frameworks, tmp_path, monkeypatch):
    path = tmp_path / "p.db"
    before = _store_with_one_round(path, frameworks)
    monkeypatch.setattr(apart, "APART_FROM", 1)
    monkeypatch.setattr(store_module, "insert_response", lambda *args: os._exit(9))
    with Store(path) as store, pytest.raises(StoreError, match="exit code 9"):
        store.add(_round(frameworks[FID], 1, 10, random.Random(2)), round="2025")
    assert _contents(path) == before


def test_the_child_is_stopped_when_the_adding_side_fails(frameworks, tmp_path, monkeypatch):
    path = tmp_path / "p.db"
    before = _store_with_one_round(path, frameworks)
    monkeypatch.setattr(apart, "APART_FROM", 1)
    monkeypatch.setattr(store_module, "RATINGS_BATCH", 50)
    children, real = [], store_module.write_rows

    def interrupted(conn, batch):  # Ctrl-C in the adding process, after the first batch is written
        real(conn, batch)
        children.extend(multiprocessing.active_children())
        raise KeyboardInterrupt

    monkeypatch.setattr(store_module, "write_rows", interrupted)
    with Store(path) as store, pytest.raises(KeyboardInterrupt):
        store.add(_round(frameworks[FID], 1, 10, random.Random(2)), round="2025")
    assert children
    deadline = time.monotonic() + 10
    while any(c.is_alive() for c in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(c.is_alive() for c in children)
    assert _contents(path) == before
