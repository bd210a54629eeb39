"""The reports written at once, in two processes (beside.py, outputs.write_reports): each report complete or
none replaced, a failure or a killed writer on either side said, and nothing left behind."""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from maturity_xl.beside import ChildFailed, can_fork, run_beside
from maturity_xl.cli import main

needs_fork = pytest.mark.skipif(not can_fork(), reason="no fork, or one core: the reports are written in turn")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@needs_fork
def test_both_run_and_each_result_comes_back():
    parent = os.getpid()
    here, there = run_beside(lambda: ("here", os.getpid()), lambda: ("there", os.getpid()))
    assert here == ("here", parent)
    assert there[0] == "there" and there[1] != parent  # really another process


@needs_fork
def test_an_exception_over_there_is_raised_here():
    def fails():
        raise OSError(errno.ENOSPC, "No space left on device", "x.csv")

    with pytest.raises(OSError) as caught:
        run_beside(lambda: 1, fails)
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == "x.csv"


@needs_fork
def test_a_killed_child_is_said_and_a_failure_here_kills_the_child(tmp_path):
    with pytest.raises(ChildFailed, match="signal 9"):
        run_beside(lambda: 1, lambda: os.kill(os.getpid(), signal.SIGKILL))
    marker = tmp_path / "child-ran-on"

    def slow_child():
        import time

        time.sleep(3)
        marker.write_text("still running")

    def fails_here():
        raise ValueError("here")

    with pytest.raises(ValueError, match="here"):
        run_beside(fails_here, slow_child)
    import time

    time.sleep(3.5)
    assert not marker.exists()  # the child was killed, not left to finish


@pytest.fixture
def collected(tmp_path, frameworks, generated):
    """Three filled returns collected once, with every report."""
    import random

    from maturity_xl.simulate import filled_workbook, random_answers

    fw = frameworks["lincolnshire"]
    folder = tmp_path / "returns"
    folder.mkdir()
    rng = random.Random(3)
    for i in range(3):
        blank = generated["lincolnshire"].read_bytes()
        (folder / f"r{i}.xlsx").write_bytes(filled_workbook(fw, blank, random_answers(fw, rng)))
    out = tmp_path / "out"
    result = invoke("collect", folder, "-o", out / "report.xlsx", "--html", out / "report.html",
                    "--csv-dir", out / "csv")
    assert result.exit_code == 0, result.output
    return folder, out


def _state(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@needs_fork
@pytest.mark.parametrize("failing", ["write_workbook", "write_html", "write_csvs"])
def test_a_failure_in_either_process_leaves_every_report_as_it_was(collected, monkeypatch, failing):
    import maturity_xl.report as report

    folder, out = collected
    before = _state(out)

    def full(_collection, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(report, failing, full)
    result = invoke("collect", folder, "-o", out / "report.xlsx", "--html", out / "report.html",
                    "--csv-dir", out / "csv")
    assert result.exit_code == 1 and "the disk is full" in result.output, result.output
    assert _state(out) == before  # not one report replaced, and no temporary file left
    assert sorted(p.name for p in out.iterdir()) == ["csv", "report.html", "report.xlsx"]


@needs_fork
def test_a_writer_killed_beside_leaves_every_report_as_it_was(collected, monkeypatch):
    import maturity_xl.report as report

    folder, out = collected
    before = _state(out)
    monkeypatch.setattr(report, "write_html", lambda _c, _p: os.kill(os.getpid(), signal.SIGKILL))
    result = invoke("collect", folder, "-o", out / "report.xlsx", "--html", out / "report.html",
                    "--csv-dir", out / "csv")
    assert result.exit_code == 1 and "stopped (signal 9)" in result.output, result.output
    assert _state(out) == before


def test_report_from_a_store_never_writes_over_the_store(tmp_path, collected):
    folder, out = collected
    store = tmp_path / "programme.db"
    result = invoke("collect", folder, "--store", store, "--round", "2026", "-o", out / "report.xlsx")
    assert result.exit_code == 0, result.output
    kept = store.read_bytes()
    for option, path in (("-o", store), ("--html", store), ("--csv-dir", tmp_path)):
        result = invoke("report", "--store", store, option, path)
        assert result.exit_code == 1 and "programme store" in result.output, (option, result.output)
    assert store.read_bytes() == kept
    result = invoke("collect", folder, "--store", store, "-o", store)
    assert result.exit_code == 1 and "would replace the store" in result.output
    assert store.read_bytes() == kept
    result = invoke("report", "--store", store, "-o", out / "r.xlsx", "--html", out / "r.html", "--csv-dir",
                    out / "store-csv")
    assert result.exit_code == 0, result.output
    assert (out / "r.xlsx").stat().st_size and (out / "r.html").stat().st_size
    assert (out / "store-csv" / "area_trend.csv").exists()


def test_above_the_rows_for_two_processes_the_reports_are_written_in_turn(collected, monkeypatch):
    import maturity_xl.beside as beside
    import maturity_xl.outputs as outputs

    folder, out = collected
    before = _state(out)
    monkeypatch.setattr(outputs, "BESIDE_ROWS", -1)
    monkeypatch.setattr(beside, "run_beside", lambda *_a, **_k: pytest.fail("forked above BESIDE_ROWS"))
    result = invoke("collect", folder, "-o", out / "report.xlsx", "--html", out / "report.html",
                    "--csv-dir", out / "csv")
    assert result.exit_code == 0, result.output
    after = _state(out)
    assert after.keys() == before.keys() and after["csv/ratings.csv"] == before["csv/ratings.csv"]
    assert before["csv/ratings.csv"].count(b"\n") > 20  # the counted return's answers are there
    assert after["report.html"] == before["report.html"]
