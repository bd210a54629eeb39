"""Collect: many returns into tidy frames and reports, with every file accounted for."""

from __future__ import annotations

import csv
import random
import shutil
import statistics
import zipfile
from datetime import date

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import FRAMEWORKS, PINNED
from maturity_xl.batch import generate_batch
from maturity_xl.cli import main
from maturity_xl.collect import COUNTED, collect
from maturity_xl.generate import Service
from maturity_xl.simulate import filled_workbook, random_answers

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def returns(frameworks, tmp_path_factory):
    """60 services across three frameworks; 54 return, plus duplicates, a resubmission, litter and a zip."""
    root = tmp_path_factory.mktemp("collection")
    inbox = root / "inbox"
    inbox.mkdir()
    rng = random.Random(42)
    truth = {}  # (framework, service id) -> answers of the return that should win
    manifests = []
    for fid in FRAMEWORKS:
        fw = frameworks[fid]
        services = [Service(f"{fid[:3].upper()}{i:03d}", f"Service {i} ({fid})") for i in range(20)]
        out = root / "sent" / fid
        manifest = generate_batch(fw, services, out, generated_at=PINNED)
        manifests.append(manifest)
        files = [out / row["file"] for row in csv.DictReader(manifest.open(encoding="utf-8"))]
        for i, (service, path) in enumerate(zip(services, files)):
            if i in (3, 11):  # two services per framework never return
                continue
            answers = random_answers(fw, rng, completed_on=date(2026, 10, 1 + i))
            (inbox / path.name).write_bytes(filled_workbook(fw, path.read_bytes(), answers))
            truth[(fid, service.id)] = answers
        # The same service (the same respondent) sends a corrected version later.
        resubmitted = files[5]
        answers = random_answers(fw, rng, completed_on=date(2026, 11, 20),
                                 completed_by=str(truth[(fid, services[5].id)].respondent["completed_by"]))
        (inbox / f"{resubmitted.stem} v2.xlsx").write_bytes(filled_workbook(fw, resubmitted.read_bytes(), answers))
        truth[(fid, services[5].id)] = answers
    names = sorted(p.name for p in inbox.glob("*.xlsx"))
    shutil.copy(inbox / names[0], inbox / "copy of first.xlsx")  # duplicate bytes
    sub = inbox / "from email"
    sub.mkdir()
    shutil.copy(inbox / names[1], sub / names[1])  # another duplicate, in a subfolder
    (inbox / "covering letter.docx").write_bytes(b"PK\x03\x04 not really a document")
    (inbox / "~$first.xlsx").write_bytes(b"\x00" * 162)
    (inbox / ".~lock.first.xlsx#").write_text("lock")
    with zipfile.ZipFile(inbox / "batch.zip", "w") as zf:  # a zip of returns holding one more duplicate
        zf.write(inbox / names[2], names[2])
    return inbox, manifests, truth


@pytest.fixture(scope="module")
def collection(returns):
    inbox, manifests, _ = returns
    return collect([inbox], expected=manifests, today=TODAY)


def test_every_file_is_accounted_for(returns, collection):
    inbox, _, truth = returns
    found = [p for p in inbox.rglob("*") if p.is_file()]
    counts = collection.counts()
    # The zip counts as its one member, not itself.
    assert sum(counts.values()) == len(collection.log) == len(found)
    assert counts["ignored"] == 2
    assert counts["duplicate"] == 3
    assert counts["superseded"] == 3
    assert counts["rejected"] == 1
    assert sum(counts[s] for s in COUNTED) == len(truth) == 54
    # A return with a statement left unrated is "incomplete", named with how many were rated.
    unrated = sum(1 for f in truth.values() if None in f.ratings.values())
    assert 0 < unrated < 54 and counts["incomplete"] == unrated
    for entry in collection.log:
        if entry.status == "incomplete":
            assert entry.rated < entry.statements
            assert entry.reason == f"{entry.rated} of {entry.statements} statements rated"
    assert len(collection.responses) == 54
    rejected = next(e for e in collection.log if e.status == "rejected")
    assert rejected.file.endswith("covering letter.docx") and rejected.reason and rejected.advice


def test_missing_and_unexpected(collection):
    missing = {(m.framework_id, m.service_id) for m in collection.missing}
    assert len(missing) == 6
    assert all(sid.endswith(("003", "011")) for _fid, sid in missing)
    assert collection.unexpected == []


def test_latest_resubmission_wins(returns, collection):
    _, _, truth = returns
    for r in collection.responses:
        expected = truth[(r.framework_id, r.service_id)]
        assert {x.statement_id: x.rating for x in r.ratings} == expected.ratings
    superseded = [e for e in collection.log if e.status == "superseded"]
    assert all(" v2.xlsx" in e.same_as for e in superseded)


def test_frames_equal_aggregates_computed_here(returns, collection, frameworks):
    _, _, truth = returns
    frames = collection.frames()
    ratings = frames.ratings
    assert len(ratings) == sum(len(frameworks[f].statements) for f, _s in truth)
    for (fid, sid), answers in list(truth.items())[:10]:
        rows = ratings[(ratings.framework_id == fid) & (ratings.service_id == sid)]
        assert dict(zip(rows.statement_id, rows.rating.astype(object).where(rows.rating.notna(), None))) == \
            answers.ratings
    scores = frames.area_scores()
    for (fid, sid), answers in list(truth.items())[::7]:
        fw = frameworks[fid]
        for area in fw.areas:
            values = [answers.ratings[s.id] for s in area.statements if answers.ratings[s.id] is not None]
            row = scores[(scores.framework_id == fid) & (scores.service_id == sid) & (scores.area_id == area.id)]
            assert int(row.rated.iloc[0]) == len(values)
            if values:
                assert float(row["mean"].iloc[0]) == pytest.approx(statistics.mean(values))
    stats = frames.statement_stats()
    assert list(stats["mean"]) == sorted(stats["mean"])  # weakest first
    fw = frameworks["lincolnshire"]
    st = fw.statements[0]
    values = [a.ratings[st.id] for (f, _s), a in truth.items() if f == fw.id and a.ratings[st.id] is not None]
    row = stats[(stats.framework_id == fw.id) & (stats.statement_id == st.id)].iloc[0]
    assert row["rated"] == len(values) and row["mean"] == pytest.approx(statistics.mean(values))
    actions = frames.actions
    assert len(actions) == sum(len(a.actions) for a in truth.values())
    overdue = actions[actions.overdue]
    assert (overdue.deadline < TODAY).all()


def test_inputs_are_never_modified(returns):
    inbox, manifests, _ = returns
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in inbox.rglob("*") if p.is_file()}
    collect([inbox], expected=manifests, today=TODAY)
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in inbox.rglob("*") if p.is_file()}
    assert before == after


def test_cli_collect_writes_reports(returns, tmp_path):
    inbox, manifests, truth = returns
    out = tmp_path / "report.xlsx"
    args = ["collect", str(inbox), "-o", str(out), "--html", str(tmp_path / "r.html"), "--csv-dir",
            str(tmp_path / "csv"), "--today", "2026-11-22"]
    for m in manifests:
        args += ["--expected", str(m)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "6 expected returns missing" in result.output
    wb = openpyxl.load_workbook(out)
    assert "File log" in wb.sheetnames
    assert (tmp_path / "r.html").read_text(encoding="utf-8").lower().startswith("<!doctype html>")
    assert any((tmp_path / "csv").glob("*.csv"))


def test_report_figures_equal_aggregates_computed_here(returns, frameworks, tmp_path):
    """The consolidated workbook's heatmap and overview, read back with openpyxl, against our own sums."""
    from maturity_xl.report import write_workbook

    inbox, manifests, truth = returns
    collection = collect([inbox], expected=manifests, today=TODAY)
    out = tmp_path / "report.xlsx"
    write_workbook(collection, out)
    wb = openpyxl.load_workbook(out)
    overview = {row[0]: row for row in wb["Overview"].iter_rows(values_only=True) if row and row[0]}
    for fid in FRAMEWORKS:
        received = sum(1 for f, _s in truth if f == fid)
        assert overview[fid][2:5] == (20, received, 20 - received)
    assert overview["Total"][1] == len(collection.log)
    rows = list(wb["Scores"].iter_rows(values_only=True))
    checked = 0
    for i, row in enumerate(rows):
        if row[0] != "Service ID":
            continue
        fid = next(f for f in FRAMEWORKS if f"({f} " in str(rows[i - 1][0]))
        fw = frameworks[fid]
        assert list(row[2:2 + len(fw.areas)]) == [a.title for a in fw.areas]
        for line in rows[i + 1:]:
            if line[0] is None:
                break
            answers = truth[(fid, line[0])]
            for area, shown in zip(fw.areas, line[2:]):
                values = [answers.ratings[s.id] for s in area.statements if answers.ratings[s.id] is not None]
                assert shown == (pytest.approx(statistics.mean(values)) if values else None)
            rated = [v for v in answers.ratings.values() if v is not None]
            assert line[2 + len(fw.areas)] == len(rated)
            checked += 1
    assert checked == len(truth)


def test_accepted_returns_are_spilled_to_disk_and_read_back_whole(returns, collection):
    """The collecting process keeps only a head of each accepted return (who, when, problems: no ratings or
    actions) and its answers in a spill file; reading them back gives exactly what parsing the file gives."""
    from maturity_xl.collect import SpilledResponses
    from maturity_xl.parse import parse

    assert isinstance(collection.responses, SpilledResponses)
    heads = collection.heads
    assert len(heads) == len(collection.responses) == 54
    assert all(h.ratings == [] and h.actions == [] for h in heads)
    for head, whole in zip(heads, collection.responses):
        assert whole.file == head.file and whole.problems == head.problems
        again = parse(whole.file)
        assert (whole.ratings, whole.actions, whole.respondent) == (again.ratings, again.actions, again.respondent)
        assert whole.ratings
    assert [r.file for r in collection.responses[-2:]] == [h.file for h in heads[-2:]]
    assert collection.responses[3].file == heads[3].file


def test_a_problem_found_while_collecting_reaches_the_spilled_copy(returns):
    """Signatures are checked in the collecting process, after a worker has pickled the response: the problem
    the check adds must be in the response read back, not only in the head."""
    inbox, _, _ = returns
    signed = collect([inbox], key=b"the programme's key", today=TODAY)
    assert len(signed.responses) == 54
    for head, whole in zip(signed.heads, signed.responses):
        assert any(p.code == "unsigned" for p in whole.problems)
        assert whole.problems == head.problems


def test_the_spill_store_keeps_what_it_is_told_each_time():
    """`keep` picks from every response added, not from the last selection (a second call once picked wrongly)."""
    from maturity_xl.collect import SpilledResponses
    from maturity_xl.collect.spill import packed
    from maturity_xl.response import Response

    store = SpilledResponses()
    for name in "abc":
        store.add(Response(file=name), packed(Response(file=name)))
    store.keep([2, 0])
    store.keep([1, 2])
    assert [h.file for h in store.heads] == [r.file for r in store] == ["b", "c"]


def test_the_frames_of_an_empty_collection_have_text_columns():
    """No returns yet: the frames still have every column, as object (text) columns, Int64 rating, target and gap,
    and a bool target_chosen."""
    from maturity_xl.collect import Collection
    from maturity_xl.frames import RATING_COLUMNS

    frames = Collection([], []).frames()
    numbers = {"rating": "Int64", "target": "Int64", "gap": "Int64", "target_chosen": "bool"}
    assert list(frames.ratings.columns) == RATING_COLUMNS and frames.ratings.empty
    assert {str(t) for c, t in frames.ratings.dtypes.items() if c not in numbers} == {"object"}
    assert {c: str(frames.ratings[c].dtype) for c in numbers} == numbers
    assert {str(t) for t in frames.actions.dtypes} == {"object"}


def test_meanwhile_runs_once_beside_the_workers_and_changes_nothing(returns, collection):
    """collect(meanwhile=...) is called once, with the worker processes alive (the reading goes on beside it), and
    the collection is the same as without it."""
    import multiprocessing

    inbox, manifests, _ = returns
    calls: list[int] = []
    again = collect([inbox], expected=manifests, today=TODAY, workers=2,
                    meanwhile=lambda: calls.append(len(multiprocessing.active_children())))
    assert len(calls) == 1 and calls[0] >= 1
    assert [(e.file, e.status) for e in again.log] == [(e.file, e.status) for e in collection.log]


def test_cli_collect_starts_reading_before_it_loads_the_report_writers(returns, tmp_path):
    """The workers are forked before pandas is imported (so the import runs beside the reading, and the workers
    stay small): a worker's parse sees no pandas in its process."""
    import subprocess
    import sys

    inbox, _, _ = returns
    code = (
        "import sys\n"
        "import maturity_xl.collect.workers as w\n"
        "seen = []\n"
        "parse = w._parse_source\n"
        "def spy(*a, **k):\n"
        "    print('pandas' in sys.modules, flush=True)\n"
        "    return parse(*a, **k)\n"
        "w._parse_source = spy\n"
        "from maturity_xl.cli import main\n"
        f"main(['collect', {str(inbox)!r}, '-o', {str(tmp_path / 'r.xlsx')!r}])\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    seen = [line for line in result.stdout.splitlines() if line in ("True", "False")]
    assert len(seen) >= 20 and set(seen) == {"False"}
    assert (tmp_path / "r.xlsx").exists()
