"""report.xlsx's detail sheets assembled by two processes at once: this one and a forked child.

XlsxWriter assembles each sheet's XML when the workbook is closed, one after another, holding the interpreter's
lock: for 1,000 returns the Actions, Text and Data ratings sheets take about 1 s of the 1.6 s report.xlsx takes,
on one core, while the page and the CSVs (outputs_apart.py) are long done on the other.

When XlsxWriter begins the sheets, everything a sheet's XML is made from is settled but one thing: a format is
numbered when a cell first uses it (Format._get_xf_index), so a sheet made elsewhere could number one that this
process then numbers again. `settle_formats` numbers every format first, in the order they were made (in one
process as well, so the file is the same either way). A child forked after that makes, of any sheet without
hyperlinks (whose relationships are gathered as it is assembled), exactly the XML this process would.

The detail sheets (rows written by bulk.Block) are shared out as they go, with no guess at what each costs: this
process takes each in the order XlsxWriter writes them; the child takes them from the last backwards until it
meets one this process has taken, and then that sheet's chunks of rows (bulk.CHUNK_ROWS), again from the last
backwards, while this process claims each as it comes to it (deflate._Part deflates every chunk on its own, so
its bytes are the same from either process, and puts the child's in their places: a _Splice). Each claims a
sheet or a chunk by a lock on one byte of the file the child writes into
(fcntl.lockf: the kernel's, so no sheet is taken twice). A process's locks go when it ends, so the child, done,
waits until this process has passed every sheet (the end of a pipe closed) before it answers. The child deflates
each sheet it takes into that file (unnamed, beside the workbook, so nothing is left if either process dies) and
answers with where each one is; this process zips those bytes as they are, with the CRC and size the child gave.
"""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from .. import forked

# Cells (rows x columns) the detail sheets must hold between them for a child to be worth forking: a fork, the
# child's first touches of what it shares, and its answer cost about 20 ms; 200,000 cells take about 0.15 s.
APART_CELLS = 200_000
READ = 1 << 20  # bytes of a sheet the child deflated, read back at once into the zip


def settle_formats(workbook) -> None:
    """Number every format of `workbook` now, in the order they were made, rather than as cells first use them.

    The hyperlink format XlsxWriter makes for itself is left alone unless something used it: numbered, it would
    add a Hyperlink cell style to a workbook with no link."""
    for fmt in workbook.formats:
        if fmt is not workbook.default_url_format or fmt.xf_index is not None:
            fmt._get_xf_index()


def detail_sheets(workbook) -> list:
    """The sheets a child may assemble: those with bulk rows and no hyperlinks, in the order they are written."""
    return [ws for ws in workbook.worksheets()
            if not ws.is_chartsheet and getattr(ws, "_bulk_blocks", None) and not ws.hyperlinks]


def cells(ws) -> int:
    """The cells of a sheet's bulk rows."""
    return sum(block.rows * len(block.columns) for block in ws._bulk_blocks)


class Assembly:
    """The detail sheets of one workbook shared with a forked child, once XlsxWriter starts writing sheets.

    `begin(make_part)` forks the child (when a fork is possible and the sheets are big enough); `take(ws)` says
    whether this process assembles `ws` (claiming it), else the sheet is the child's and `part(ws)` stands for it in
    the zip; `stop()` (always, in a `finally`) kills the child if it still runs and closes the file."""

    def __init__(self, workbook):
        self.workbook = workbook
        # beside the workbook (the same disk, so a full one fails the same way), or the temporary folder
        name = workbook.filename
        self.folder = Path(name).parent if isinstance(name, (str, os.PathLike)) else None
        self.sheets = detail_sheets(workbook)
        # Each sheet's chunks of bulk rows in the order they are written (block, index, and the byte locked to
        # claim it: after the sheets' bytes and the probe's).
        self.chunks: list[list[tuple[object, int, int]]] = []
        byte = len(self.sheets) + 1
        for ws in self.sheets:
            chunks = [(b, i) for b in sorted(ws._bulk_blocks, key=lambda b: b.first) for i in range(b.chunks())]
            self.chunks.append([(block, index, byte + k) for k, (block, index) in enumerate(chunks)])
            byte += len(chunks)
        self.child: forked.Child | None = None
        self.file = None
        self._answer: dict[int, tuple[int, int, int, int]] | None = None
        self._frozen = False
        self._passed: tuple[int, int] | None = None  # a pipe this process closes once it has passed every sheet

    def begin(self, make_part: Callable) -> None:
        """Fork the child, if it is worth it: `make_part(keep)` makes the child's deflating sink for a sheet."""
        if sum(map(cells, self.sheets)) < APART_CELLS or not forked.possible():
            return
        self.file = tempfile.TemporaryFile(dir=self.folder)
        try:
            _claim(self.file, len(self.sheets))  # a byte past the sheets': are locks to be had on this file system?
        except OSError:
            return
        self._frozen = gc.get_freeze_count() == 0
        gc.freeze()  # what exists now is left out of the collector's walks, which would copy it into the child
        self._passed = os.pipe()
        try:
            self.child = forked.Child(lambda: self._child_side(make_part), "assembling sheets of the report")
        except OSError:  # no process to be had: this process assembles every sheet
            self.child = None
        finally:
            os.close(self._passed[0])

    def take(self, ws) -> bool:
        """Whether this process assembles `ws`: not one of the detail sheets, or one it has just claimed."""
        if self.child is None or not any(ws is s for s in self.sheets):
            return True
        return _claim(self.file, self._number(ws))

    def claims(self, ws) -> Callable[[object, int], _Splice | None] | None:
        """For a sheet this process assembles: `claim(block, index)`, None when this process makes that chunk of
        rows, else the splice standing for the child's (the child takes a sheet's chunks from the last backwards,
        once it meets the sheet this process is on); None when the child can take none of them."""
        if self.child is None or not any(ws is s for s in self.sheets):
            return None
        bytes_of = {(id(block), index): byte for block, index, byte in self.chunks[self._number(ws)]}
        file = self.file

        def claim(block: object, index: int) -> _Splice | None:
            byte = bytes_of[(id(block), index)]
            return None if _claim(file, byte) else _Splice(self, byte)

        return claim

    def part(self, ws) -> _FromChild:
        """What the zip takes for a sheet the child assembled."""
        return _FromChild(self, self._number(ws))

    def where(self, number: int) -> tuple[int, int, int, int]:
        """Offset, length, CRC and size of the child's deflated sheet `number` (waiting for the child)."""
        if self._answer is None:
            assert self.child is not None
            self._pass()  # the zip comes after every sheet: the child may answer and end
            self._answer = dict(self.child.result())  # type: ignore[call-overload]
        if number not in self._answer:
            what = f"sheet {self.sheets[number].name!r}" if number < len(self.sheets) else f"chunk {number}"
            raise RuntimeError(f"{what} was claimed by neither process")
        return self._answer[number]

    def stop(self) -> None:
        try:
            self._pass()
            if self.child is not None:
                self.child.stop()
        finally:
            if self.file is not None:
                self.file.close()
            if self._frozen:
                gc.unfreeze()

    def _pass(self) -> None:
        if self._passed is not None:
            os.close(self._passed[1])
            self._passed = None

    def _number(self, ws) -> int:
        return next(i for i, s in enumerate(self.sheets) if s is ws)

    def _child_side(self, make_part: Callable) -> list[tuple[int, tuple[int, int, int, int]]]:
        """In the child: each detail sheet from the last backwards, until one this process has claimed, its XML
        deflated into the file; where each is. A format numbered meanwhile would make the two processes' styles
        disagree: that is a bug, raised rather than written."""
        assert self._passed is not None
        passed, ours = self._passed
        os.close(ours)  # this side's copy of the end the parent closes: else the pipe never ends
        self._passed = None
        try:
            return self._assemble_from_the_last(make_part)
        finally:  # the claims held (by this process being alive), even on a failure, until the parent has passed
            os.read(passed, 1)  # every sheet: else it would take a sheet this side has made, or failed to make

    def _assemble_from_the_last(self, make_part: Callable) -> list[tuple[int, tuple[int, int, int, int]]]:
        file, numbered = self.file, len(self.workbook.xf_format_indices)
        done, offset = [], 0
        for number in reversed(range(len(self.sheets))):
            if not _claim(file, number):  # this process is on this sheet: its chunks of rows from the last
                for block, index, byte in reversed(self.chunks[number]):
                    if not _claim(file, byte):
                        break
                    sink = make_part(file.write)
                    sink.write(block.chunk_xml(index))
                    sink.cut()
                    (crc, size), = sink.segments
                    done.append((byte, (offset, sink.length, crc, size)))
                    offset += sink.length
                break
            ws = self.sheets[number]
            sink = make_part(file.write)
            ws.fh, ws.internal_fh = sink, False
            ws._assemble_xml_file()
            sink.finish()
            done.append((number, (offset, sink.length, sink.crc, sink.size)))
            offset += sink.length
        file.flush()
        if len(self.workbook.xf_format_indices) != numbered:
            raise RuntimeError("a format was numbered while a sheet was assembled apart (settle_formats missed it)")
        return done


class _FromChild:
    """A sheet the child assembled, as the zip takes a deflated part (deflate._Part): its bytes read back from the
    child's file a megabyte at a time, with the CRC and size of its XML."""

    def __init__(self, assembly: Assembly, number: int):
        self.assembly, self.number = assembly, number
        self.crc = self.size = 0

    def finish(self) -> Iterator[bytes]:
        offset, length, self.crc, self.size = self.assembly.where(self.number)
        fd = self.assembly.file.fileno()  # type: ignore[union-attr]
        return _read(fd, offset, length)

    def abandon(self) -> None:
        pass


class _Splice:
    """A chunk of rows of a sheet this process assembled, which the child deflated (deflate._Part puts it in
    the sheet's place): its bytes read back from the child's file, with the CRC and size of its XML."""

    __slots__ = ("assembly", "number")

    def __init__(self, assembly: Assembly, number: int):
        self.assembly, self.number = assembly, number

    def checked(self) -> tuple[int, int]:
        _offset, _length, crc, size = self.assembly.where(self.number)
        return crc, size

    def pieces(self) -> Iterator[bytes]:
        offset, length, _crc, _size = self.assembly.where(self.number)
        return _read(self.assembly.file.fileno(), offset, length)  # type: ignore[union-attr]


def _read(fd: int, offset: int, length: int) -> Iterator[bytes]:
    end = offset + length
    while offset < end:
        piece = os.pread(fd, min(READ, end - offset), offset)
        if not piece:
            raise OSError(f"the report's sheets written apart end early, at byte {offset} of {end}")
        offset += len(piece)
        yield piece


def _claim(file, number: int) -> bool:
    """Claim sheet `number` for this process: a lock on byte `number` of `file`, which fails if the other
    process holds it (fcntl's record locks belong to a process and are not inherited by a fork)."""
    import errno
    import fcntl

    try:
        fcntl.lockf(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB, 1, number)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):  # the other process holds it
            return False
        raise
    return True


__all__ = ["APART_CELLS", "Assembly", "cells", "detail_sheets", "settle_formats"]
