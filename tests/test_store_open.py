"""A store another connection holds open is still recognised: its header can lag in the WAL until a checkpoint."""

from __future__ import annotations

import sqlite3

import pytest

from maturity_xl.store import NotAStore, Store, check_file


def test_a_new_store_held_open_elsewhere_opens_a_second_time(tmp_path):
    path = tmp_path / "p.db"
    with Store(path) as first:
        first.open_round("2026")
        assert path.read_bytes()[68:72] == bytes(4)  # the header is not written yet: it is in the WAL
        assert check_file(path)
        with Store(path, create=False) as second:
            assert [r.name for r in second.rounds()] == ["2026"]


def test_another_programs_database_in_wal_mode_is_still_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (a)")
    conn.execute("INSERT INTO t VALUES (1)")
    try:
        with pytest.raises(NotAStore):
            Store(path, create=False)
        assert conn.execute("SELECT a FROM t").fetchall() == [(1,)]
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["t"]
    finally:
        conn.close()
