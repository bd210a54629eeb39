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
from datetime import date, datetime
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
    """`act()` when the child ends the deflate stream of its first sheet (after `assembled` has held it up, so
    this process has counted on it for that sheet: a child that dies sooner lets go of its claims, and this
    process then assembles the sheet itself)."""
    real = deflate._Part.finish

    def finish(self):
        if os.getpid() != PARENT:
            act()
        return real(self)

    monkeypatch.setattr(deflate._Part, "finish", finish)
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

    def slow(self, fh):
        if os.getpid() == PARENT:
            time.sleep(0.3)
        return real(self, fh)

    monkeypatch.setattr(Block, "write", slow)
    with pytest.raises(RuntimeError, match="a format was numbered while a sheet was assembled apart"):
        with deflate.fast_deflate(workbook=wb):
            wb.close()


def _two_sheets(path: Path, held: float, log: Path, monkeypatch) -> None:
    """A workbook of a big sheet of 5 chunks of rows and a small one after it, written with a child when
    `held` (this process then takes `held` s over each chunk it makes, so the child, done with the small sheet,
    takes the big one's from the last backwards); which process made each chunk logged ("pid index")."""
    monkeypatch.setattr(assembly, "APART_CELLS", 1 if held else 10**12)
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": datetime(2026, 12, 1)})  # else the time it is written, in docProps/core.xml
    big, small = wb.add_worksheet("big"), wb.add_worksheet("small")
    dates, bold = wb.add_format({"num_format": "yyyy-mm-dd"}), wb.add_format({"bold": True})
    big.write(0, 0, "Rows", bold)
    rows = 4 * 4096 + 100
    Block(_Sheet(big, dates), 1, [Column(list(range(rows))), Column([f"text {n} & more" for n in range(rows)]),
                                  Column([date(2026, 1, 1 + n % 28) for n in range(rows)], bold)])
    big.write(rows + 2, 0, "after the rows", bold)
    Block(_Sheet(small, dates), 0, [Column(list(range(10)))])
    real = Block.chunk_xml

    def logged(self, index):
        if os.getpid() == PARENT and held:
            time.sleep(held)
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()} {index}\n")
        return real(self, index)

    monkeypatch.setattr(Block, "chunk_xml", logged)
    with deflate.fast_deflate(workbook=wb):
        wb.close()


def test_the_child_takes_chunks_of_the_sheet_this_process_is_on(tmp_path, monkeypatch):
    """The child, done with the sheets after it, takes the last chunks of rows of the sheet this process is
    assembling: the same file byte for byte as one process writes (each chunk deflated on its own), each chunk
    made once, and every row read back in its place by openpyxl."""
    alone, apart = tmp_path / "alone.log", tmp_path / "apart.log"
    _two_sheets(tmp_path / "alone.xlsx", 0, alone, monkeypatch)
    _two_sheets(tmp_path / "apart.xlsx", 0.4, apart, monkeypatch)
    assert (tmp_path / "apart.xlsx").read_bytes() == (tmp_path / "alone.xlsx").read_bytes()
    made = [(int(pid), int(index)) for pid, index in (line.split() for line in apart.read_text().splitlines())]
    parent = sorted(index for pid, index in made if pid == PARENT)
    child = sorted(index for pid, index in made if pid != PARENT)
    # this process made the big sheet's first chunks, the child the small sheet's one and the big one's last
    m = len(parent)
    assert 1 <= m <= 4 and parent == list(range(m)) and child == [0, *range(m, 5)], made
    import openpyxl

    ws = openpyxl.load_workbook(tmp_path / "apart.xlsx", read_only=True)["big"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Rows" and rows[-1][0] == "after the rows"
    assert [r[0] for r in rows[1:-2]] == list(range(4 * 4096 + 100))
    assert rows[-3][1] == f"text {4 * 4096 + 99} & more"


def test_a_child_that_dies_after_taking_chunks_is_an_error(tmp_path, monkeypatch):
    """The rows the child made of a sheet assembled here are needed from it: its death is this process's error."""
    real = assembly.Assembly._child_side

    def dying(self, make_part):
        real(self, make_part)  # (which returns once this process has passed every sheet)
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(assembly.Assembly, "_child_side", dying)
    log = tmp_path / "made.log"
    with pytest.raises(OutputError, match="assembling sheets of the report was killed by signal 9"):
        _two_sheets(tmp_path / "r.xlsx", 0.4, log, monkeypatch)
    assert sum(int(pid) != PARENT for pid, _ in (line.split() for line in log.read_text().splitlines())) >= 2


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
