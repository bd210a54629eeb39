"""report.xlsx's detail sheets shared with a forked child while this process assembles the others
(report/assembly.py): the same file byte for byte as one process writes, each sheet assembled once, the child's
failure raised here with nothing put in place, and neither a child nor a temporary file left behind when the run
is stopped."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import psutil
import pytest
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

import maturity_xl
import maturity_xl.report.assembly as assembly
import maturity_xl.report.deflate as deflate
from maturity_xl.collect import collect
from maturity_xl.outputs import OutputError, fill, stage_file
from maturity_xl.report import write_workbook
from maturity_xl.report.bulk import Block, Column
from workbook_helpers import returns_of_every_framework, stop_run

SRC = str(Path(maturity_xl.__file__).resolve().parents[1])  # subprocesses run the code under test
PARENT = os.getpid()


@pytest.fixture(scope="module")
def returns(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sheets") / "returns"
    folder.mkdir()
    returns_of_every_framework(folder, random.Random(5), (1.0, 0.8, 1.0))
    return folder


@pytest.fixture(scope="module")
def collection(returns):
    return collect([returns], today=date(2026, 12, 1), workers=1)


@pytest.fixture
def assembled(monkeypatch, tmp_path) -> Path:
    """A log of which process assembled each sheet ("pid name" a line, from both processes). The child is held
    up after its first sheet, so that this process claims the others before it wakes: each takes some, whatever
    the machine's speed."""
    log = tmp_path / "assembled.log"
    real = Worksheet._assemble_xml_file

    def logged(self):
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()} {self.name}\n")
        done = real(self)
        if os.getpid() != PARENT:
            time.sleep(1)
        return done

    monkeypatch.setattr(Worksheet, "_assemble_xml_file", logged)
    return log


def _sheets(log: Path) -> list[tuple[int, str]]:
    return [(int(pid), name) for pid, name in (line.split(" ", 1) for line in log.read_text().splitlines())]


def test_the_sheets_assembled_apart_make_the_workbook_made_here(collection, tmp_path, monkeypatch, assembled):
    monkeypatch.setattr(assembly, "APART_CELLS", 10**12)
    write_workbook(collection, tmp_path / "alone.xlsx")
    alone = _sheets(assembled)
    assert {pid for pid, _ in alone} == {PARENT}
    assembled.unlink()
    monkeypatch.setattr(assembly, "APART_CELLS", 1)
    write_workbook(collection, tmp_path / "apart.xlsx")
    apart = _sheets(assembled)
    assert (tmp_path / "apart.xlsx").read_bytes() == (tmp_path / "alone.xlsx").read_bytes()
    # every sheet assembled once: the last detail sheet by the child, the others here
    assert sorted(name for _, name in apart) == sorted(name for _, name in alone)
    assert [name for pid, name in apart if pid != PARENT] == ["Data responses"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alone.xlsx", "apart.xlsx", "assembled.log"]


def test_below_the_threshold_no_child_is_forked(collection, tmp_path, monkeypatch, assembled):
    monkeypatch.setattr(assembly, "APART_CELLS", 10**12)
    write_workbook(collection, tmp_path / "r.xlsx")
    assert {pid for pid, _ in _sheets(assembled)} == {PARENT}


def _in_the_child(monkeypatch, act) -> None:
    """`act()` when the child deflates its first piece of a sheet."""
    real = deflate._Part._squeeze

    def squeeze(self, data, last):
        if os.getpid() != PARENT:
            act()
        return real(self, data, last)

    monkeypatch.setattr(deflate._Part, "_squeeze", squeeze)
    monkeypatch.setattr(assembly, "APART_CELLS", 1)


def _full() -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_in_the_child_is_the_same_error_and_nothing_is_left(collection, tmp_path, monkeypatch,
                                                                       assembled):
    _in_the_child(monkeypatch, _full)
    target = tmp_path / "report.xlsx"
    with pytest.raises(OutputError, match=f"the disk is full: the report {target} was not written"):
        fill(stage_file(target), lambda tmp: write_workbook(collection, tmp))  # as collect writes it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assembled.log"]


def test_a_child_that_dies_is_an_error_and_leaves_nothing(collection, tmp_path, monkeypatch, assembled):
    _in_the_child(monkeypatch, lambda: os.kill(os.getpid(), signal.SIGKILL))
    with pytest.raises(OutputError, match="assembling sheets of the report was killed by signal 9"):
        write_workbook(collection, tmp_path / "r.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assembled.log"]


def test_a_format_numbered_apart_is_an_error_not_a_wrong_file(tmp_path, monkeypatch):
    """settle_formats left out: a format first used in a sheet the child assembles would be numbered there and
    not here. The child says so; no workbook is written with styles that disagree with its cells."""
    monkeypatch.setattr(assembly, "settle_formats", lambda workbook: None)
    monkeypatch.setattr(assembly, "APART_CELLS", 1)
    wb = xlsxwriter.Workbook(str(tmp_path / "r.xlsx"))
    first, last = wb.add_worksheet("first"), wb.add_worksheet("last")
    dates = wb.add_format({"num_format": "yyyy-mm-dd"})
    Block(_Sheet(first, dates), 1, [Column(list(range(20_000)))])  # this process is busy with it meanwhile
    Block(_Sheet(last, dates), 1, [Column(list(range(10)))])
    last.write(0, 0, "numbered where it is first used", wb.add_format({"bold": True}))
    real = Block.write

    def slow(self, fh, chunk=4096):
        if os.getpid() == PARENT:
            time.sleep(0.3)
        return real(self, fh, chunk)

    monkeypatch.setattr(Block, "write", slow)
    with pytest.raises(RuntimeError, match="a format was numbered while a sheet was assembled apart"):
        with deflate.fast_deflate(workbook=wb):
            wb.close()


class _Sheet:
    """What bulk.Block needs of report.sheet.Sheet."""

    def __init__(self, ws, dates):
        self.ws = ws
        self.fmt = {"date": dates}


SLOW = """
import os, sys, time
from pathlib import Path
from xlsxwriter.worksheet import Worksheet
import maturity_xl.report.assembly as assembly
assembly.APART_CELLS = 1
parent = os.getpid()
real = Worksheet._assemble_xml_file
def slow(self):
    if os.getpid() != parent:
        Path(os.environ["CHILD_PID"]).write_text(str(os.getpid()))
        time.sleep(60)
    return real(self)
Worksheet._assemble_xml_file = slow
from maturity_xl.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize("how", ["SIGTERM", "Ctrl-C", "SIGKILL"])
def test_a_stopped_run_leaves_no_child_and_no_temporary_file(returns, tmp_path, how):
    out = tmp_path / "out"
    out.mkdir()
    child_pid = tmp_path / "child.pid"
    env = {**os.environ, "PYTHONPATH": SRC, "CHILD_PID": str(child_pid)}
    proc = subprocess.Popen([sys.executable, "-c", SLOW, "collect", str(returns), "-o", str(out / "report.xlsx")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    child = stop_run(proc, child_pid, how)
    assert not psutil.pid_exists(child.pid) or child.status() == psutil.STATUS_ZOMBIE
    assert proc.returncode != 0
    if how != "SIGKILL":  # a process killed outright cannot clean up: its staged report stays, hidden
        assert list(out.iterdir()) == []
    else:
        assert [p for p in out.iterdir() if not p.name.startswith(".")] == []
