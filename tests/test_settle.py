"""Which return counts, and what each is called: blank, incomplete, implausible dates, copies, forged returns.

Each case was a silent wrong answer before (issue 11): a blank workbook counted as returned, `touch` deciding
between two returns, a date typed as 2062 beating the corrected resubmission, another service's copy or a return
whose signature fails replacing the genuine one.
"""

from __future__ import annotations

import csv
import os
import random
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from conftest import PINNED
from maturity_xl.batch import generate_batch
from maturity_xl.collect import (
    ACCEPTED,
    BLANK,
    CONFLICT,
    ERRORS,
    INCOMPLETE,
    REJECTED,
    SUPERSEDED,
    WARNINGS,
    collect,
)
from maturity_xl.generate import Service
from maturity_xl.response import Problem, Rating, Response
from maturity_xl.settle import status
from maturity_xl.simulate import Filled, filled_workbook, random_answers

TODAY = date(2026, 11, 22)
KEY = b"settle-test-key-0123456789abcdef"
OTHER_KEY = b"not-the-programme-key-0123456789"


@pytest.fixture(scope="module")
def sent(frameworks, tmp_path_factory) -> tuple[object, dict[str, bytes], Path]:
    """Six Lincolnshire workbooks, signed with KEY; their bytes by service id, and the manifest."""
    fw = frameworks["lincolnshire"]
    out = tmp_path_factory.mktemp("settle") / "sent"
    services = [Service(f"S{i}", f"Service {i}", f"s{i}@example.org") for i in range(6)]
    manifest = generate_batch(fw, services, out, generated_at=PINNED, key=KEY)
    rows = list(csv.DictReader(manifest.open(encoding="utf-8")))
    return fw, {r["service_id"]: (out / r["file"]).read_bytes() for r in rows}, manifest


def complete(fw, seed: int, when: date, **respondent) -> Filled:
    answers = random_answers(fw, random.Random(seed), completion=1.0, completed_on=when)
    answers.respondent.update(respondent)
    return answers


def write(folder: Path, name: str, fw, blank: bytes, answers: Filled | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(blank if answers is None else filled_workbook(fw, blank, answers))
    return path


def by_file(collection) -> dict[str, object]:
    return {Path(e.file).name: e for e in collection.log}


def test_status_follows_the_worst_severity_then_how_much_is_rated():
    rated = [Rating("1", "a", 1, "", ""), Rating("2", "a", None, "", "")]
    r = Response("f", ratings=rated)
    assert status(r, 2, 2) == ACCEPTED and status(r, 1, 2) == INCOMPLETE and status(r, 0, 2) == BLANK
    r.problems.append(Problem("warning", "implausible-date", "x"))
    assert status(r, 2, 2) == WARNINGS and status(r, 1, 2) == INCOMPLETE
    r.problems.append(Problem("error", "rating-invalid", "x"))
    assert status(r, 2, 2) == ERRORS and status(r, 1, 2) == ERRORS and status(r, 0, 2) == BLANK
    r.problems.append(Problem("fatal", "not-a-zip", "x"))
    assert status(r, 2, 2) == REJECTED


def test_blank_and_half_done_returns_are_named_and_chased(sent, tmp_path):
    fw, blanks, manifest = sent
    inbox = tmp_path / "inbox"
    write(inbox, "S0.xlsx", fw, blanks["S0"], None)  # returned exactly as it was sent
    half = complete(fw, 1, date(2026, 11, 1))
    for sid in list(half.ratings)[: len(half.ratings) // 2]:
        half.ratings[sid] = None
    write(inbox, "S1.xlsx", fw, blanks["S1"], half)
    write(inbox, "S2.xlsx", fw, blanks["S2"], complete(fw, 2, date(2026, 11, 2)))
    collection = collect([inbox], expected=[manifest], today=TODAY, workers=1)
    log = by_file(collection)
    total = len(fw.statements)
    rated = total - len(list(half.ratings)[: total // 2])
    assert log["S0.xlsx"].status == BLANK and log["S0.xlsx"].rated == 0
    assert log["S1.xlsx"].status == INCOMPLETE and log["S1.xlsx"].reason == f"{rated} of {total} statements rated"
    assert log["S2.xlsx"].status == ACCEPTED
    # A blank return does not count as returned: its answers are in no frame, and the service is still chased.
    assert {r.service_id for r in collection.heads} == {"S1", "S2"}
    chase = {row.service_id: row for row in collection.chase()}
    assert chase["S0"].state == "returned blank" and chase["S0"].contact == "s0@example.org"
    assert chase["S1"].state == "incomplete" and f"{total - rated} statements" in chase["S1"].ask
    assert {chase[s].state for s in ("S3", "S4", "S5")} == {"missing"}
    assert "S2" not in chase


def test_touch_does_not_decide_between_two_returns_of_one_day(sent, tmp_path):
    fw, blanks, _ = sent
    same_day = date(2026, 11, 10)
    a = write(tmp_path / "in", "a.xlsx", fw, blanks["S0"], complete(fw, 3, same_day, completed_by="A. Patel"))
    b = write(tmp_path / "in", "b.xlsx", fw, blanks["S0"], complete(fw, 4, same_day, completed_by="A. Patel"))
    winners = set()
    for older, newer in ((a, b), (b, a)):
        os.utime(older, (1_000_000, 1_000_000))
        os.utime(newer, (2_000_000, 2_000_000))
        collection = collect([tmp_path / "in"], today=TODAY, workers=1)
        [counted] = [e.file for e in collection.log if e.status == ACCEPTED]
        winners.add(counted)
        assert [e.status for e in collection.log].count(SUPERSEDED) == 1
    assert len(winners) == 1


def test_a_date_mistyped_in_the_future_never_wins(sent, tmp_path):
    fw, blanks, _ = sent
    inbox = tmp_path / "in"
    write(inbox, "typo.xlsx", fw, blanks["S0"], complete(fw, 5, date(2062, 11, 1), completed_by="A. Patel"))
    write(inbox, "fixed.xlsx", fw, blanks["S0"], complete(fw, 6, date(2026, 11, 1), completed_by="A. Patel"))
    collection = collect([inbox], today=TODAY, workers=1)
    log = by_file(collection)
    assert log["fixed.xlsx"].status == ACCEPTED
    assert log["typo.xlsx"].status == SUPERSEDED and "cannot be right" in log["typo.xlsx"].reason
    assert log["typo.xlsx"].warnings == 1


def test_another_organisations_copy_is_a_conflict_that_never_counts(sent, tmp_path):
    fw, blanks, manifest = sent
    inbox = tmp_path / "in"
    write(inbox, "genuine.xlsx", fw, blanks["S0"],
          complete(fw, 7, date(2026, 11, 1), organisation="Riverside Health", completed_by="A. Patel"))
    # Another service was forwarded S0's workbook and returned it later, as its own.
    write(inbox, "copy.xlsx", fw, blanks["S0"],
          complete(fw, 8, date(2026, 11, 9), organisation="Hilltop Care", completed_by="B. Other"))
    collection = collect([inbox], expected=[manifest], today=TODAY, workers=1)
    log = by_file(collection)
    assert log["genuine.xlsx"].status == log["copy.xlsx"].status == CONFLICT
    assert "hilltop care" in log["copy.xlsx"].reason and "riverside health" in log["copy.xlsx"].reason
    assert collection.heads == []  # the copy's answers are never reported as S0's
    assert {row.service_id: row.state for row in collection.chase()}["S0"] == "conflict"


def test_another_respondent_is_shown_as_a_conflict_not_a_silent_supersede(sent, tmp_path):
    fw, blanks, _ = sent
    inbox = tmp_path / "in"
    write(inbox, "first.xlsx", fw, blanks["S0"], complete(fw, 12, date(2026, 11, 1), completed_by="A. Patel"))
    write(inbox, "later.xlsx", fw, blanks["S0"], complete(fw, 13, date(2026, 11, 9), completed_by="B. Other"))
    log = by_file(collect([inbox], today=TODAY, workers=1))
    assert log["later.xlsx"].status == ACCEPTED
    assert log["first.xlsx"].status == CONFLICT and "a. patel" in log["first.xlsx"].reason


def test_a_return_whose_signature_fails_never_replaces_one_that_holds(sent, frameworks, tmp_path):
    fw, blanks, _ = sent
    inbox = tmp_path / "in"
    write(inbox, "genuine.xlsx", fw, blanks["S0"], complete(fw, 9, date(2026, 11, 1), completed_by="A. Patel"))
    # The same workbook made again with another key (a forged identity), with later answers.
    forged_dir = tmp_path / "forged"
    generate_batch(fw, [Service("S0", "Service 0")], forged_dir, generated_at=PINNED, key=OTHER_KEY)
    [forged_blank] = forged_dir.glob("*.xlsx")
    write(inbox, "forged.xlsx", fw, forged_blank.read_bytes(),
          complete(fw, 10, date(2026, 11, 20), completed_by="A. Patel"))
    collection = collect([inbox], today=TODAY, workers=1, key=KEY)
    log = by_file(collection)
    assert log["genuine.xlsx"].status == ACCEPTED
    assert log["forged.xlsx"].status == SUPERSEDED and "signature" in log["forged.xlsx"].reason
    assert collection.notices == []  # one of two signed returns failing is not "most"


def test_the_wrong_key_is_named_as_the_likely_mistake(sent, tmp_path):
    fw, blanks, _ = sent
    inbox = tmp_path / "in"
    for i, sid in enumerate(("S0", "S1", "S2")):
        write(inbox, f"{sid}.xlsx", fw, blanks[sid], complete(fw, 20 + i, date(2026, 11, 1)))
    right = collect([inbox], today=TODAY, workers=1, key=KEY)
    assert right.notices == [] and {e.status for e in right.log} == {ACCEPTED}
    wrong = collect([inbox], today=TODAY, workers=1, key=OTHER_KEY)
    assert {e.status for e in wrong.log} == {ERRORS}
    [notice] = wrong.notices
    assert "3 of 3 signed returns" in notice and "key" in notice


def test_off_scale_values_make_a_return_accepted_with_errors(sent, tmp_path):
    fw, blanks, _ = sent
    answers = complete(fw, 11, date(2026, 11, 1))
    first = fw.statements[0].id
    answers = replace(answers, ratings={**answers.ratings, first: 9})  # pasted past the dropdown
    path = write(tmp_path / "in", "pasted.xlsx", fw, blanks["S0"], answers)
    [entry] = collect([path], today=TODAY, workers=1).log
    assert entry.status == ERRORS and entry.errors >= 1


def test_a_zip_of_thousands_of_returns_is_read_member_by_member(sent, tmp_path):
    """An archive of returns is bounded per member and in count, not as if it were one workbook."""
    import zipfile

    fw, blanks, _ = sent
    filled = filled_workbook(fw, blanks["S0"], complete(fw, 30, date(2026, 11, 1)))
    archive = tmp_path / "returns.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("r0000.xlsx", filled)
        for i in range(1, 2_100):  # more parts than any one workbook may hold; covering notes read fast
            zf.writestr(f"r{i:04d}.txt", f"covering note {i}")
    collection = collect([archive], today=TODAY, workers=1)
    statuses = [e.status for e in collection.log]
    assert len(statuses) == 2_100
    assert statuses.count(ACCEPTED) == 1 and statuses.count(REJECTED) == 2_099


def test_a_full_temporary_folder_is_a_clear_error(sent, tmp_path, monkeypatch):
    import errno

    from maturity_xl import collect as collect_module
    from maturity_xl.errors import MaturityXLError

    fw, blanks, _ = sent
    write(tmp_path / "in", "a.xlsx", fw, blanks["S0"], complete(fw, 31, date(2026, 11, 1)))

    class Full:
        def __init__(self, *args, **kwargs):
            pass

        def seek(self, *args):
            return 0

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(collect_module.spill.tempfile, "TemporaryFile", Full)
    with pytest.raises(MaturityXLError, match="TMPDIR"):
        collect([tmp_path / "in"], today=TODAY, workers=1)


def test_sigterm_stops_a_collection_and_its_workers(sent, tmp_path):
    """SIGTERM halfway: a non-zero exit, no report written, and no worker left blocked."""
    import signal
    import subprocess
    import sys
    import time

    fw, blanks, _ = sent
    inbox = tmp_path / "in"
    for i in range(300):
        write(inbox, f"r{i:03d}.xlsx", fw, blanks["S0"], complete(fw, 100 + i, date(2026, 11, 1)))
    report = tmp_path / "report.xlsx"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    proc = subprocess.Popen([sys.executable, "-m", "maturity_xl", "collect", str(inbox), "-o", str(report)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    children: set[int] = set()
    deadline = time.monotonic() + 60
    while not children and time.monotonic() < deadline:  # wait until the workers are reading
        time.sleep(0.2)
        try:
            children = {int(c) for t in Path(f"/proc/{proc.pid}/task").iterdir()
                        for c in (t / "children").read_text().split()}
        except FileNotFoundError:
            break
    assert children, "the collection finished before it could be interrupted"
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode != 0 and "stopped" in err, err  # while reading, or (on a fast machine) writing
    assert not report.exists()

    def alive() -> list[int]:
        out = []
        for pid in children:
            try:
                if Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z":
                    out.append(pid)
            except (FileNotFoundError, IndexError):
                pass
        return out

    deadline = time.monotonic() + 10
    while alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive() == []


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the swallowing is the point
def test_a_sigterm_whose_exception_is_swallowed_still_stops_the_run():
    """The CI run that let a SIGTERM through: the handler ran inside logging's at-fork hook, whose exceptions
    Python ignores, and the collection wrote its report and exited 0. Here the handler runs inside a finaliser
    (also ignored); the run is stopped at the next check, or at the end of the block."""
    import gc
    import signal

    from maturity_xl.collect import Interrupted
    from maturity_xl.stopping import check, terminate_raises

    class SignalsWhenCollected:
        def __del__(self) -> None:
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):  # bytecodes for the handler to run between, inside __del__
                pass

    def swallow() -> None:
        SignalsWhenCollected()  # collected at once: the handler's exception is raised inside __del__ and ignored
        gc.collect()

    reached = []
    with pytest.raises(Interrupted, match="signal 15"):
        with terminate_raises(lambda signum: Interrupted(f"stopped (signal {signum})")):
            swallow()
            reached.append("after the ignored exception")
            check()
            reached.append("after check")
    assert reached == ["after the ignored exception"]

    with pytest.raises(SystemExit):  # no check inside: the block's end raises it
        with terminate_raises(lambda signum: SystemExit(128 + signum)):
            swallow()
    check()  # the blocks are over: nothing is left pending
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL or callable(signal.getsignal(signal.SIGTERM))

    with pytest.raises(KeyboardInterrupt):  # Ctrl-C's KeyboardInterrupt is kept the same way
        with terminate_raises(lambda signum: SystemExit(128 + signum)):
            class InterruptsWhenCollected:
                def __del__(self) -> None:
                    os.kill(os.getpid(), signal.SIGINT)
                    for _ in range(1000):
                        pass
            InterruptsWhenCollected()
            gc.collect()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
