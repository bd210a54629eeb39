"""The programme store: rounds of returns kept in one SQLite file, read back as the same frames, and its refusals."""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import PINNED
from maturity_xl.batch import generate_batch
from maturity_xl.cli import main
from maturity_xl.collect import Collection, collect
from maturity_xl.generate import Service
from maturity_xl.response import Response
from maturity_xl.simulate import filled_workbook, random_answers
from maturity_xl.store import NotAStore, RoundError, Store, StoreLocked, StoreTooNew
from maturity_xl.store import schema as store_schema
from maturity_xl.store.frames import CHANGE_COLUMNS
from postgres import postgres_url  # noqa: F401  (a fixture: the session's PostgreSQL server)

ROOT = Path(__file__).resolve().parent.parent
FID = "lincolnshire"
TODAY = date(2026, 11, 22)
FRAME_NAMES = ("ratings", "actions", "responses", "log", "problems", "missing", "unexpected")


@dataclass
class Rounds:
    sent: Path
    manifest: Path
    one: Path  # round 1's inbox
    two: Path  # round 2's inbox
    truth: dict  # (round, service id) -> answers that count


@pytest.fixture(scope="module")
def rounds(frameworks, tmp_path_factory) -> Rounds:
    """12 services; round 1: 10 return (one twice), a copy, a lock file and a broken file; round 2: 9 return."""
    root = tmp_path_factory.mktemp("store")
    fw = frameworks[FID]
    services = [Service(f"LIN{i:03d}", f"Service {i}") for i in range(12)]
    manifest = generate_batch(fw, services, root / "sent", generated_at=PINNED)
    files = [root / "sent" / row["file"] for row in csv.DictReader(manifest.open(encoding="utf-8"))]
    rng = random.Random(7)
    truth = {}
    for name, count, day in (("2025", 10, 1), ("2026", 9, 2)):
        inbox = root / name
        inbox.mkdir()
        for i in range(count):
            answers = random_answers(fw, rng, completed_on=date(int(name), 10, day + i))
            (inbox / files[i].name).write_bytes(filled_workbook(fw, files[i].read_bytes(), answers))
            truth[(name, services[i].id)] = answers
        if name == "2025":  # a later completion from one service, a copy, an Office lock file, a broken file
            later = random_answers(fw, rng, completed_on=date(2025, 11, 20),  # the same respondent corrects it
                                   completed_by=str(truth[(name, services[4].id)].respondent["completed_by"]))
            (inbox / f"{files[4].stem} v2.xlsx").write_bytes(filled_workbook(fw, files[4].read_bytes(), later))
            truth[(name, services[4].id)] = later
            shutil.copy(inbox / files[0].name, inbox / "copy.xlsx")
            (inbox / "~$open.xlsx").write_bytes(b"\x00" * 162)
            (inbox / "notes.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    return Rounds(root / "sent", manifest, root / "2025", root / "2026", truth)


def _collect(folder: Path, rounds: Rounds) -> Collection:
    return collect([folder], expected=[rounds.manifest], today=TODAY, workers=1)


@pytest.fixture(scope="module")
def filled_store(rounds, tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "programme.db"
    one, two = _collect(rounds.one, rounds), _collect(rounds.two, rounds)
    with Store(path) as store:
        store.add(one, round="2025", manifests=[rounds.manifest])
        store.add(two, round="2026", manifests=[rounds.manifest])
    return path, one, two


def _without_round(frame: pd.DataFrame) -> pd.DataFrame:
    assert frame.columns[-1] == "round"
    return frame.drop(columns="round")


def test_stored_round_gives_the_collections_own_frames(filled_store):
    path, one, two = filled_store
    with Store(path) as store:
        for name, collection in (("2025", one), ("2026", two)):
            stored = store.collection(name, today=TODAY).frames()
            expected = collection.frames()
            for frame in FRAME_NAMES:
                got = getattr(stored, frame)
                assert set(got["round"]) <= {name}
                pd.testing.assert_frame_equal(_without_round(got), getattr(expected, frame), check_exact=True,
                                              obj=f"{name} {frame}")
            pd.testing.assert_frame_equal(_without_round(stored.area_scores()), expected.area_scores())
            pd.testing.assert_frame_equal(_without_round(stored.statement_stats()), expected.statement_stats())
    assert len(one.frames().ratings) and len(one.frames().actions) and len(one.frames().missing) == 2


def test_the_counted_response_and_why_another_was_set_aside(filled_store, rounds):
    path, _one, _two = filled_store
    with Store(path) as store:
        rows = store.query("SELECT r.service_id, r.set_aside, r.date_completed FROM responses r JOIN rounds d "
                           "ON d.id = r.round_id WHERE d.name = '2025' AND r.service_id = 'LIN004' ORDER BY r.id")
        counted = store.query("SELECT r.date_completed FROM counted c JOIN responses r ON r.id = c.response_id "
                              "JOIN rounds d ON d.id = c.round_id WHERE d.name = '2025' AND r.service_id = 'LIN004'")
    assert len(rows) == 2  # both kept; the later completion counts
    aside = [r for r in rows if r[1] is not None]
    assert len(aside) == 1 and aside[0][2] != "2025-11-20"
    assert aside[0][1].startswith("the same service returned again later") and "v2.xlsx" in aside[0][1]
    assert counted == [("2025-11-20",)]


def _counts(path: Path) -> dict[str, int]:
    with Store(path) as store:
        return {t: store.query(f"SELECT COUNT(*) FROM {t}")[0][0]
                for t in ("rounds", "files", "responses", "ratings", "actions", "problems", "counted", "manifest")}


def test_collecting_the_same_files_again_adds_nothing(rounds, tmp_path):
    path = tmp_path / "p.db"
    with Store(path) as store:
        first = store.add(_collect(rounds.one, rounds), round="2025", manifests=[rounds.manifest])
    before = _counts(path)
    with Store(path) as store:
        again = store.add(_collect(rounds.one, rounds), round="2025", manifests=[rounds.manifest])
    assert first.files == before["files"] == 14 and first.responses == 11
    assert (again.files, again.responses, again.known) == (0, 0, 14)
    assert _counts(path) == before


def test_new_returns_are_added_and_a_later_one_supersedes_across_runs(rounds, tmp_path):
    path, inbox = tmp_path / "p.db", tmp_path / "inbox"
    inbox.mkdir()
    files = sorted(p for p in rounds.one.iterdir() if p.suffix == ".xlsx" and not p.name.startswith(("~", "copy",
                                                                                                    "notes")))
    later = next(p for p in files if "v2" in p.name)
    plain = [p for p in files if p != later]
    for p in plain[:5]:
        shutil.copy(p, inbox / p.name)
    with Store(path) as store:
        store.add(_collect(inbox, rounds), round="2025")
    for p in plain[5:] + [later]:
        shutil.copy(p, inbox / p.name)
    with Store(path) as store:
        added = store.add(_collect(inbox, rounds), round="2025")
        assert (added.files, added.responses, added.known) == (6, 6, 5)
        stored = store.collection("2025", today=TODAY).frames()
        ratings, log = stored.ratings, stored.log
    whole = collect([inbox], today=TODAY, workers=1).frames()
    key = ["service_id", "statement_id"]
    pd.testing.assert_frame_equal(
        _without_round(ratings).drop(columns="file").sort_values(key).reset_index(drop=True),
        whole.ratings.drop(columns="file").sort_values(key).reset_index(drop=True))
    statuses = dict(zip(log.file.map(lambda f: Path(f).name), log.status))
    assert statuses[later.name] == dict(zip(whole.log.file.map(lambda f: Path(f).name), whole.log.status))[later.name]
    assert statuses[later.name] in ("accepted", "incomplete")  # it counts
    superseded = [f for f, s in statuses.items() if s == "superseded"]
    assert len(superseded) == 1 and later.stem.replace(" v2", "") in superseded[0]


def test_changes_between_rounds_equal_our_own_computation(filled_store, rounds, frameworks):
    path, _one, _two = filled_store
    fw = frameworks[FID]
    area_of = {s.id: a.id for a in fw.areas for s in a.statements}
    with Store(path) as store:
        frames = store.collection("2026", today=TODAY)
        frames.compare = store.round("2025")
        changes = frames.frames().changes()
        by_statement = frames.frames().statement_changes()
    assert list(changes.columns) == CHANGE_COLUMNS
    expected = {}
    moves: dict[str, list[int]] = {}
    for i in range(12):
        sid = f"LIN{i:03d}"
        now, before = rounds.truth.get(("2026", sid)), rounds.truth.get(("2025", sid))
        if not now or not before:
            continue
        per_area: dict[str, list[tuple[int, int]]] = {}
        for st, value in now.ratings.items():
            if value is not None and before.ratings.get(st) is not None:
                per_area.setdefault(area_of[st], []).append((value, before.ratings[st]))
                moves.setdefault(st, []).append(value - before.ratings[st])
        for area, pairs in per_area.items():
            this = sum(a for a, _ in pairs) / len(pairs)
            last = sum(b for _, b in pairs) / len(pairs)
            changed = now.respondent["completed_by"] != before.respondent["completed_by"]
            expected[(sid, area)] = (len(pairs), this, last, this - last, changed)
    got = {(r.service_id, r.area_id): (r.compared, r.this_mean, r.last_mean, r.change, r.respondent_changed)
           for r in changes.itertuples()}
    assert got.keys() == expected.keys() and len(got) >= 9 * 3
    for k, (n, this, last, change, changed) in expected.items():
        assert got[k][0] == n and got[k][4] == changed
        assert got[k][1:4] == pytest.approx((this, last, change))
    for row in changes.itertuples():
        word = "up" if row.change > 1e-9 else "down" if row.change < -1e-9 else "same"
        assert word in row.direction and row.direction[0] in "\u25b2\u25bc\u2192"
    stats = {r.statement_id: (r.improved, r.same, r.declined) for r in by_statement.itertuples()}
    assert stats == {st: (sum(d > 0 for d in ds), sum(d == 0 for d in ds), sum(d < 0 for d in ds))
                     for st, ds in moves.items()}
    moved = by_statement.mean_change.abs().tolist()
    assert moved == sorted(moved, reverse=True)


@dataclass
class RoundedResponse(Response):
    """A response whose workbook names its round (as `generate --round` will write)."""

    round: str = ""


def _with_round(collection: Collection, name: str) -> Collection:
    heads = [RoundedResponse(**{f: getattr(r, f) for f in Response.__dataclass_fields__ if f != "round"}, round=name)
             for r in collection.responses]
    return Collection(heads, collection.log, None, collection.registry, collection.today)


def test_the_round_comes_from_the_workbook_and_must_exist_and_be_open(rounds, tmp_path):
    path = tmp_path / "p.db"
    collection = _collect(rounds.two, rounds)
    with Store(path) as store:
        store.open_round("2025")
        with pytest.raises(RoundError, match="is for round '2027', which is not in the store"):
            store.add(_with_round(collection, "2027"))
        with pytest.raises(RoundError, match="names no round; give one with --round"):
            store.add(collection)
        store.close_round("2025")
        with pytest.raises(RoundError, match="closed on"):
            store.add(collection, round="2025")
        with pytest.raises(RoundError, match="closed on"):
            store.add(_with_round(collection, "2025"), round="2026")
        assert store.query("SELECT COUNT(*) FROM files")[0][0] == 0
        added = store.add(_with_round(collection, "2026"), round="2026")
        assert added.rounds == ("2026",) and added.responses == 9
        assert [r.name for r in store.rounds()] == ["2025", "2026"]


def test_refuses_a_store_from_a_newer_version(tmp_path):
    path = tmp_path / "p.db"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {store_schema.schema_version() + 1}")
    conn.close()
    with pytest.raises(StoreTooNew, match="newer maturity-xl.*upgrade maturity-xl"):
        Store(path)


@pytest.mark.parametrize("content", [b"", b"hello, not a database at all" * 10, b"PK\x03\x04" + b"\x00" * 200],
                         ids=["empty", "text", "zip"])
def test_refuses_a_file_that_is_not_a_store_and_leaves_it_alone(tmp_path, content):
    path = tmp_path / "p.db"
    path.write_bytes(content)
    with pytest.raises(NotAStore):
        Store(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.db"]


def test_refuses_another_programs_sqlite_database(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(NotAStore, match="another program"):
        Store(path)
    assert path.read_bytes() == before


def test_a_damaged_store_is_refused_without_changes(rounds, tmp_path):
    path = tmp_path / "p.db"
    with Store(path) as store:
        store.add(_collect(rounds.two, rounds), round="2026")
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 2, len(data), page):  # scribble over every page's header after the first two
        data[offset:offset + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    with pytest.raises(NotAStore, match="damaged"):
        with Store(path) as store:
            store.collection("2026").frames().ratings  # noqa: B018
    assert path.read_bytes() == bytes(data)


def test_a_failed_run_leaves_the_store_as_it_was(rounds, tmp_path, monkeypatch):
    from maturity_xl.store import writing as store_module

    path = tmp_path / "p.db"
    with Store(path) as store:
        store.add(_collect(rounds.one, rounds), round="2025")
    before = _counts(path)
    calls = []
    real = store_module.insert_response

    def fail_on_the_third(*args):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(*args)

    monkeypatch.setattr(store_module, "insert_response", fail_on_the_third)
    with Store(path) as store, pytest.raises(OSError):
        store.add(_collect(rounds.two, rounds), round="2026")
    assert _counts(path) == before
    with Store(path) as store:
        assert store.holder() is None  # the lock went with the failed run


KILLED = """
import sys, time
sys.path.insert(0, {src!r})
from maturity_xl.collect import collect
from maturity_xl.store import Store
from maturity_xl.store import writing as module
real = module.insert_response
def slow(*args):
    real(*args)
    print("inside", flush=True)
    time.sleep(60)
module.insert_response = slow
with Store({db!r}) as store:
    store.add(collect([{inbox!r}], workers=1), round="2026")
"""


def test_a_collection_killed_midway_loses_nothing(rounds, tmp_path):
    path = tmp_path / "p.db"
    with Store(path) as store:
        store.add(_collect(rounds.one, rounds), round="2025")
    before = _counts(path)
    code = KILLED.format(src=str(ROOT / "src"), db=str(path), inbox=str(rounds.two))
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "inside"  # one response written, inside the transaction
        with Store(path, wait=0.2) as store:
            holder = store.holder()
            assert holder[0] == child.pid
            with pytest.raises(StoreLocked, match=rf"process {child.pid} on .*collect"):
                store.add(_collect(rounds.two, rounds), round="2026")
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert _counts(path) == before
    with Store(path, wait=5) as store:  # the dead holder's lock is stale: the next collection goes ahead
        added = store.add(_collect(rounds.two, rounds), round="2026")
    assert added.responses == 9


def test_a_lock_held_on_another_computer_is_waited_for_then_named(rounds, tmp_path):
    path = tmp_path / "p.db"
    with Store(path) as store:
        store.conn.execute("INSERT INTO lock VALUES (1, 4242, 'laptop-7', 'maturity-xl collect x', '2026-11-01')")
    start = time.monotonic()
    with Store(path, wait=0.5) as store, pytest.raises(StoreLocked) as info:
        store.add(_collect(rounds.two, rounds), round="2026")
    assert time.monotonic() - start >= 0.5
    assert "process 4242 on laptop-7" in str(info.value) and "--break-lock" in str(info.value)
    with Store(path) as store:
        assert store.break_lock()[1] == "laptop-7"
        assert store.add(_collect(rounds.two, rounds), round="2026").responses == 9


def test_migrations_run_in_order_once(tmp_path):
    path = tmp_path / "p.db"
    Store(path).close()
    extra = [*store_schema.MIGRATIONS, "ALTER TABLE rounds ADD COLUMN note TEXT;"]
    newest = len(extra)
    conn = sqlite3.connect(path, isolation_level=None)
    assert store_schema.migrate(conn, extra) == newest
    assert store_schema.migrate(conn, extra) == newest
    assert "note" in [row[1] for row in conn.execute("PRAGMA table_info(rounds)")]
    broken = [*extra, "CREATE TABLE x (a); CREATE TABLE rounds (b);"]
    with pytest.raises(sqlite3.OperationalError):
        store_schema.migrate(conn, broken)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == newest
    assert not conn.execute("SELECT name FROM sqlite_master WHERE name = 'x'").fetchall()
    conn.close()


def test_cli_collect_report_and_rounds(rounds, tmp_path):
    db, out = tmp_path / "p.db", tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(main, ["collect", str(rounds.one), "--store", str(db), "--round", "2025", "-o",
                                  str(out / "c1.xlsx"), "--expected", str(rounds.manifest), "--today", "2026-11-22"])
    assert result.exit_code == 0, result.output
    assert "store" in result.output and "14 files added" in result.output
    result = runner.invoke(main, ["collect", str(rounds.two), "--store", str(db), "--round", "2026", "-o",
                                  str(out / "c2.xlsx"), "--expected", str(rounds.manifest)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["report", "--store", str(db), "-o", str(out / "r.xlsx"), "--html",
                                  str(out / "r.html"), "--csv-dir", str(out / "csv"), "--today", "2026-11-22"])
    assert result.exit_code == 0, result.output
    assert "round 2026 compared with 2025" in result.output
    assert (out / "r.xlsx").stat().st_size > 0 and "<html" in (out / "r.html").read_text(encoding="utf-8")
    changes = pd.read_csv(out / "csv" / "changes.csv")
    assert list(changes.columns) == CHANGE_COLUMNS and len(changes) > 0
    ratings = pd.read_csv(out / "csv" / "ratings.csv")
    assert set(ratings["round"]) == {2026} and ratings.service_id.nunique() == 9
    result = runner.invoke(main, ["rounds", "--store", str(db), "--close", "2025"])
    assert result.exit_code == 0 and "2025" in result.output and "closed" in result.output
    result = runner.invoke(main, ["collect", str(rounds.one), "--store", str(db), "--round", "2025", "-o",
                                  str(out / "c3.xlsx")])
    assert result.exit_code == 1 and "closed" in result.output
    (tmp_path / "junk.db").write_text("not a store")
    for args in (["report", "--store", str(tmp_path / "junk.db"), "-o", str(out / "x.xlsx")],
                 ["collect", str(rounds.two), "--store", str(tmp_path / "junk.db"), "-o", str(out / "y.xlsx")],
                 ["report", "--store", str(db), "--round", "1999", "-o", str(out / "x.xlsx")]):
        result = runner.invoke(main, args)
        assert result.exit_code == 1, (args, result.output)
        assert "Traceback" not in result.output
    assert not (out / "x.xlsx").exists() and not (out / "y.xlsx").exists()


def _exported(url: str) -> dict[str, pd.DataFrame]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {t: pd.read_sql_table(t, conn) for t in ("rounds", "services", "responses", "ratings", "actions",
                                                             "file_log")}
    finally:
        engine.dispose()


def _check_export(db: Path, url: str, read_url: str, *, per_round: tuple[int, ...] = (10, 9), responses: int = 20,
                  set_aside: int = 1) -> None:
    """Export `db` to `url` and compare every table, read back through `read_url`, with the store's frames;
    `per_round` returns counted a round, `responses` in all and `set_aside` of them are the fixture's figures."""
    runner = CliRunner()
    result = runner.invoke(main, ["export", "--store", str(db), "--sql", url])
    assert result.exit_code == 0, result.output
    got = _exported(read_url)
    assert "ratings (" in result.output
    with Store(db) as store:
        rounds = store.rounds()
        for item in rounds:
            frames = store.collection(item.name).frames()
            key = ["service_id", "statement_id"]  # a database keeps no row order: compare sorted

            def ordered(frame: pd.DataFrame, key=key) -> pd.DataFrame:
                return frame.sort_values(key, kind="stable").reset_index(drop=True)

            ratings = ordered(got["ratings"][got["ratings"]["round"] == item.name])
            mine = ordered(frames.ratings.drop(columns="file"))
            pd.testing.assert_frame_equal(ratings[list(mine.columns)].astype({"rating": "Int64"}), mine,
                                          check_dtype=False)
            actions = ordered(got["actions"][got["actions"]["round"] == item.name])
            mine_actions = ordered(frames.actions.drop(columns="file"))
            assert len(actions) == len(mine_actions) > 0
            for column in ("statement_id", "action", "lead", "status", "overdue", "ownerless"):
                assert actions[column].tolist() == mine_actions[column].tolist(), column
            assert [d.date() if d is not None and not pd.isna(d) else None for d in actions["deadline"]] == \
                mine_actions["deadline"].tolist()
            counted = got["responses"][got["responses"]["counts"] & (got["responses"]["round"] == item.name)]
            counted = counted.sort_values("response_id")
            assert counted.service_id.tolist() == frames.responses.service_id.tolist()
            assert counted.mean_rating.tolist() == pytest.approx(frames.responses["mean"].tolist())
        log = got["file_log"]
        assert len(log) == store.query("SELECT COUNT(*) FROM files")[0][0]
        assert set(got["ratings"].service_key) <= set(got["services"].service_key)
        assert got["rounds"]["round"].tolist() == [r.name for r in rounds]
        assert got["rounds"]["returns_counted"].tolist() == list(per_round)
        assert len(got["responses"]) == responses and (~got["responses"]["counts"]).sum() == set_aside


def test_export_to_sqlite_gives_tables_equal_to_the_frames(filled_store, tmp_path):
    path, _one, _two = filled_store
    url = f"sqlite:///{tmp_path / 'analysis.db'}"
    _check_export(path, url, url)
    _check_export(path, url, url)  # a second export replaces the tables, not adds to them


def test_export_to_postgresql_gives_tables_equal_to_the_frames(filled_store, postgres_url):  # noqa: F811
    path, _one, _two = filled_store
    _check_export(path, postgres_url.replace("postgresql+psycopg://", "postgresql://"), postgres_url)


def test_export_to_an_unreachable_database_says_so(filled_store, tmp_path):
    path, _one, _two = filled_store
    result = CliRunner().invoke(main, ["export", "--store", str(path), "--sql",
                                       "postgresql://nobody:secret@127.0.0.1:1/none"])
    assert result.exit_code == 1 and "refused the export" in result.output and "secret" not in result.output
    result = CliRunner().invoke(main, ["export", "--store", str(path), "--sql", "nonsense://x"])
    assert result.exit_code == 1 and "cannot use the database URL" in result.output


def test_cli_rounds_opens_lists_and_frees_a_lock(tmp_path):
    db = tmp_path / "p.db"
    runner = CliRunner()
    result = runner.invoke(main, ["rounds", "--store", str(db)])
    assert result.exit_code == 1 and "no programme store here" in result.output and not db.exists()
    result = runner.invoke(main, ["rounds", "--store", str(db), "--open", "2027"])
    assert result.exit_code == 0 and result.output.startswith("2027") and "open" in result.output
    with Store(db) as store:
        store.conn.execute("INSERT INTO lock VALUES (1, 99, 'far-away', 'maturity-xl collect y', '2026-11-01')")
    result = runner.invoke(main, ["rounds", "--store", str(db), "--break-lock"])
    assert result.exit_code == 0 and "freed the store from process 99 on far-away" in result.output
    with Store(db) as store:
        assert store.holder() is None


def test_an_action_plan_keeps_its_dates_and_texts():
    from datetime import datetime

    from maturity_xl.response import Action
    from maturity_xl.store.codec import decode_action, encode_plan

    plan = [Action("1.1", "a1", {"action": "Train staff \u2013 \"all\"", "due": date(2027, 3, 1), "lead": None,
                                 "at": datetime(2027, 1, 2, 3, 4), "note": "2027-03-01"})]
    back = [Action(*decode_action(item)) for item in json.loads(encode_plan(plan))]
    assert back == plan and type(back[0].values["due"]) is date and back[0].values["note"] == "2027-03-01"
