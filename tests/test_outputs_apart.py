"""The HTML page and the CSVs written by a forked child while report.xlsx is written here (outputs_apart.py): the
same files byte for byte as one process writes, the same error when the child fails, nothing put in place unless
every report is complete, and neither a child process nor a temporary file left behind when the run is stopped."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

import maturity_xl
import maturity_xl.outputs_apart as apart
import maturity_xl.report as report
from maturity_xl.cli import main
from maturity_xl.generate import Service, generate
from workbook_helpers import stop_run

SRC = str(Path(maturity_xl.__file__).resolve().parents[1])  # subprocesses run the code under test
NAMES = ["report.html", "report.xlsx", "csv"]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def returns(frameworks, tmp_path_factory):
    """Six filled returns of six services."""
    from maturity_xl.simulate import filled_workbook, random_answers

    fw = frameworks["lincolnshire"]
    folder = tmp_path_factory.mktemp("apart") / "returns"
    folder.mkdir()
    rng = random.Random(11)
    for i in range(6):
        blank = folder.parent / f"blank{i}.xlsx"
        generate(fw, blank, service=Service(f"S{i:03}", f"Service {i} & Co"))
        (folder / f"r{i}.xlsx").write_bytes(filled_workbook(fw, blank.read_bytes(), random_answers(fw, rng)))
    return folder


def collect_into(returns: Path, out: Path):
    return invoke("collect", returns, "-o", out / "report.xlsx", "--html", out / "report.html", "--csv-dir",
                  out / "csv", "--today", "2026-12-01")


@pytest.fixture
def html_writers(monkeypatch) -> list[int]:
    """The processes report.write_html ran in: a page written by the forked copy is appended to the copy's list
    only, so this one stays empty."""
    writers: list[int] = []
    real = report.write_html

    def html(collection, path):
        writers.append(os.getpid())
        return real(collection, path)

    monkeypatch.setattr(report, "write_html", html)
    return writers


def _state(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, hidden ones too (a temporary file left behind is a difference)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_reports_written_apart_are_the_ones_written_in_one_process(returns, tmp_path, monkeypatch, html_writers):
    monkeypatch.setattr(apart, "APART_FROM", 10**9)
    assert collect_into(returns, tmp_path / "one").exit_code == 0
    assert html_writers == [os.getpid()]
    monkeypatch.setattr(apart, "APART_FROM", 1)
    result = collect_into(returns, tmp_path / "two")
    assert result.exit_code == 0, result.output
    assert html_writers == [os.getpid()]  # the second page was written by another process
    one, two = tmp_path / "one", tmp_path / "two"
    assert sorted(p.name for p in two.iterdir()) == sorted(NAMES)  # no temporary file or folder left
    assert (two / "report.html").read_bytes() == (one / "report.html").read_bytes()
    assert _state(two / "csv") == _state(one / "csv") and len(_state(one / "csv")) >= 7
    with zipfile.ZipFile(one / "report.xlsx") as a, zipfile.ZipFile(two / "report.xlsx") as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), name
    assert (two / "report.xlsx").read_bytes() == (one / "report.xlsx").read_bytes()


def test_a_small_collection_is_written_in_one_process(returns, tmp_path, monkeypatch, html_writers):
    assert apart.APART_FROM > 6
    assert collect_into(returns, tmp_path).exit_code == 0
    assert html_writers == [os.getpid()]


def test_a_collection_holding_too_much_memory_is_written_in_one_process(returns, tmp_path, monkeypatch, html_writers):
    monkeypatch.setattr(apart, "APART_FROM", 1)
    monkeypatch.setattr(apart, "MEMORY_APART", 0)
    assert collect_into(returns, tmp_path).exit_code == 0
    assert html_writers == [os.getpid()]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(NAMES)


def test_no_fork_while_another_thread_runs(returns, tmp_path, monkeypatch, html_writers):
    import threading

    monkeypatch.setattr(apart, "APART_FROM", 1)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert collect_into(returns, tmp_path).exit_code == 0
    finally:
        stop.set()
        other.join()
    assert html_writers == [os.getpid()]


def _full(_collection, path):
    raise OSError(errno.ENOSPC, "No space left on device", str(path))


def _denied(_collection, path):
    raise PermissionError(errno.EACCES, "Permission denied", str(path))


@pytest.mark.parametrize("failing", ["write_html", "write_csvs"])
@pytest.mark.parametrize("failure", [_full, _denied], ids=["disk full", "permission denied"])
def test_a_failure_in_the_child_is_the_same_error_and_nothing_is_replaced(returns, tmp_path, monkeypatch, failing,
                                                                         failure):
    out = tmp_path / "out"
    assert collect_into(returns, out).exit_code == 0
    before = _state(out)
    monkeypatch.setattr(report, failing, failure)
    monkeypatch.setattr(apart, "APART_FROM", 10**9)
    alone = collect_into(returns, out)
    assert alone.exit_code == 1 and _state(out) == before
    monkeypatch.setattr(apart, "APART_FROM", 1)
    result = collect_into(returns, out)
    assert result.exit_code == 1
    assert result.output == alone.output  # the very message one process gives
    assert ("the disk is full" if failure is _full else "permission denied") in result.output
    assert str(out / ("report.html" if failing == "write_html" else "csv")) in result.output
    assert _state(out) == before  # not one report replaced (report.xlsx was complete), no temporary file
    assert sorted(p.name for p in out.iterdir()) == sorted(NAMES)


def test_an_unwritable_csv_folder_is_said_and_nothing_is_replaced(returns, tmp_path, monkeypatch):
    if os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder")
    out = tmp_path / "out"
    assert collect_into(returns, out).exit_code == 0
    before = _state(out)
    real = report.write_csvs

    def csvs(collection, folder):
        os.chmod(folder, 0o500)  # the staging folder made unwritable under the child's feet
        try:
            return real(collection, folder)
        finally:
            os.chmod(folder, 0o700)

    monkeypatch.setattr(report, "write_csvs", csvs)
    monkeypatch.setattr(apart, "APART_FROM", 1)
    result = collect_into(returns, out)
    assert result.exit_code == 1 and "permission denied" in result.output
    assert _state(out) == before


def test_a_bug_in_the_child_is_raised_here_with_its_traceback(returns, tmp_path, monkeypatch):
    def broken(_collection, _path):
        raise ValueError("a bug in the page")

    monkeypatch.setattr(report, "write_html", broken)
    monkeypatch.setattr(apart, "APART_FROM", 1)
    out = tmp_path / "out"
    result = collect_into(returns, out)
    assert isinstance(result.exception, ValueError) and "a bug in the page" in str(result.exception)
    assert any("in the process writing the HTML report" in note and "broken" in note
               for note in result.exception.__notes__)
    assert not out.exists() or not [p for p in out.rglob("*")]


def test_a_child_that_dies_is_an_error_and_leaves_nothing(returns, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert collect_into(returns, out).exit_code == 0
    before = _state(out)

    def killed(_collection, path):
        Path(path).with_name(".half written.tmp").write_bytes(b"half")  # as atomic_write leaves it, killed
        Path(path).write_bytes(b"half a page")
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(report, "write_html", killed)
    monkeypatch.setattr(apart, "APART_FROM", 1)
    result = collect_into(returns, out)
    assert result.exit_code == 1, result.output
    assert "was killed by signal 9" in result.output and "no report was replaced" in result.output
    assert _state(out) == before
    assert sorted(p.name for p in out.iterdir()) == sorted(NAMES)


def test_the_child_exit_code_is_checked(returns, tmp_path, monkeypatch):
    real = report.write_csvs

    def csvs(collection, folder):
        written = real(collection, folder)
        os._exit(3)  # noqa: SLF001 - a child that ends without a word after writing everything
        return written

    monkeypatch.setattr(report, "write_csvs", csvs)
    monkeypatch.setattr(apart, "APART_FROM", 1)
    out = tmp_path / "out"
    result = collect_into(returns, out)
    assert result.exit_code == 1 and "ended with exit code 3" in result.output, result.output
    assert not out.exists() or not list(out.iterdir())


SLOW = """
import os, sys, time
from pathlib import Path
import maturity_xl.outputs_apart as apart
import maturity_xl.report as report
apart.APART_FROM = 1
real_html = report.write_html
def slow_workbook(collection, path):
    Path(path).write_bytes(b"")
    print("writing", flush=True)
    time.sleep(60)
def slow_html(collection, path):
    real_html(collection, path)
    Path(os.environ["CHILD_PID"]).write_text(str(os.getpid()))
    Path(path).with_name(".page.tmp").write_bytes(b"the writer's own temporary file")
    time.sleep(60)
report.write_workbook = slow_workbook
report.write_html = slow_html
from maturity_xl.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize("how", ["SIGTERM", "Ctrl-C", "SIGKILL"])
def test_a_stopped_run_leaves_no_child_and_no_temporary_file(returns, tmp_path, how):
    out = tmp_path / "out"
    assert collect_into(returns, out).exit_code == 0
    before = _state(out)
    child_pid = tmp_path / "child.pid"
    env = {**os.environ, "PYTHONPATH": SRC, "CHILD_PID": str(child_pid)}
    proc = subprocess.Popen([sys.executable, "-c", SLOW, "collect", str(returns), "-o", str(out / "report.xlsx"),
                             "--html", str(out / "report.html"), "--csv-dir", str(out / "csv")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    assert proc.stdout.readline().strip() == "writing"

    def staged() -> None:
        assert [p for p in out.iterdir() if p.name.startswith(".")]  # staged, not yet in place

    child = stop_run(proc, child_pid, how, staged)
    assert not psutil.pid_exists(child.pid) or child.status() == psutil.STATUS_ZOMBIE
    assert proc.returncode != 0
    if how != "SIGKILL":  # a process killed outright cannot clean up: its temporary files stay, hidden
        assert _state(out) == before
        assert sorted(p.name for p in out.iterdir()) == sorted(NAMES)
    else:
        assert {k: v for k, v in _state(out).items() if not Path(k).parts[0].startswith(".")} == before
