"""Zipping report.xlsx while it is written: each sheet's XML deflated by a second thread as XlsxWriter writes it.

XlsxWriter writes every part of a workbook to a temporary file, and only once all of them are written reads each
back and deflates it into the zip, in the one thread: for 1,000 returns 80 MB of sheet XML written to disk, read
back and deflated after the last row is made, while the second core idles. Here a sheet's XML goes instead, a
megabyte at a time, to a thread that deflates it with zlib-ng (which lets go of the GIL while it deflates, so
the rows of the next megabyte are made meanwhile on the other core), and the zip takes the deflated bytes as
they are. At most a few megabytes of XML wait for the thread at any time, so no sheet is ever held whole.

The parts are the same bytes in the same zip members, under the same names and times as XlsxWriter stores them;
only the deflate level differs from XlsxWriter's own (level 2 of zlib-ng rather than zlib's 6: 0.18 s rather
than 1.0 s for 1,000 returns' sheets, 7.0 MB rather than 5.9 MB). Without zlib-ng, each part is deflated by
zlib at level 1 when it is zipped, as XlsxWriter does it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from io import StringIO
from typing import TYPE_CHECKING
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

if TYPE_CHECKING:
    from .assembly import Assembly

try:  # zlib-ng: the same deflate format as zlib, made faster (a dependency, as for the reader)
    from zlib_ng import zlib_ng as _ng
except ImportError:  # pragma: no cover - the standard library's zlib does the same job, slower
    _ng = None

CHUNK = 1 << 20  # characters of XML handed to the thread at once
WAITING = 3  # chunks that may wait for the thread before the writer waits in turn


@contextmanager
def fast_deflate(level: int = 2, workbook=None) -> Iterator[None]:
    """While XlsxWriter closes `workbook`: its sheets deflated by a thread as they are written (when a workbook
    is given and zlib-ng is installed), and its other parts by zlib-ng at `level` when they are zipped.

    XlsxWriter has no option for either: its module's ZipFile is swapped for one that deflates so and takes the
    sheets' deflated bytes, and each sheet's writer (`_set_xml_writer`) is pointed at a `_Part`; both are put
    back afterwards. With a workbook, its formats are numbered first (assembly.settle_formats), and a forked child
    may assemble some of its detail sheets (assembly.py): the same bytes either way."""
    import xlsxwriter.workbook as module

    original = module.ZipFile
    if _ng is None:
        module.ZipFile = partial(original, compresslevel=1)
        try:
            yield
        finally:
            module.ZipFile = original
        return
    from .assembly import Assembly, settle_formats

    if workbook is not None:
        settle_formats(workbook)  # before any sheet is assembled, here or in a child (assembly.py)
    parts: dict[str, _Part] = {}
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deflate") if workbook is not None else None
    sheets = [ws for ws in (workbook.worksheets() if workbook is not None else []) if not ws.is_chartsheet]
    assembly = Assembly(workbook) if workbook is not None else None
    for ws in sheets:
        ws._set_xml_writer = partial(_stream_to, ws, parts, worker, level, assembly)
    module.ZipFile = partial(_FastZipFile, level=level, parts=parts)
    try:
        yield
    finally:
        module.ZipFile = original
        for ws in sheets:
            del ws._set_xml_writer  # the class's own again
            ws.__dict__.pop("_assemble_xml_file", None)
        try:
            if assembly is not None:
                assembly.stop()
        finally:
            if worker is not None:
                for part in parts.values():
                    part.abandon()
                worker.shutdown(wait=True)


def _stream_to(ws, parts: dict[str, _Part], worker: ThreadPoolExecutor, level: int, assembly: Assembly,
               filename) -> None:
    """A sheet's XML writer: a `_Part` deflating what it is given, kept under the temporary file's name (which
    XlsxWriter has made, and later zips by name and removes). At the first sheet, the child that assembles some
    of the detail sheets is forked (assembly.py: before this thread starts, as a fork copies only the calling
    one); a sheet the child takes is not assembled here, and the zip takes the child's bytes for it."""
    if not parts:
        assembly.begin(lambda keep: _Part(_now, level, keep))
    if not assembly.take(ws):
        parts[str(filename)] = assembly.part(ws)
        ws._assemble_xml_file = _nothing
        return
    part = _Part(worker.submit, level, claim=assembly.claims(ws))
    parts[str(filename)] = part
    ws.internal_fh = False  # so XlsxWriter does not close it: the zip collects it
    ws.fh = part


def _nothing() -> None:
    pass


def _now(fn: Callable, *args) -> Future:
    """Run `fn` at once, as a thread would later: the child's sheets are deflated as they are made."""
    done: Future = Future()
    done.set_result(fn(*args))
    return done


class _Part(StringIO):
    """A file-like sink for one sheet's XML: text gathered a megabyte at a time, encoded, and deflated in order
    by the one worker thread, with the CRC and size the zip's entry needs.

    The sheet is deflated in segments, cut where each chunk of a bulk block's rows starts and where the block
    ends (bulk.Block.write calls `rows_here` and `cut`): each segment by a compressor of its own, ended by a sync
    flush (the last by the stream's end), so a chunk's bytes depend on nothing before it, and the forked child
    (assembly.py) can deflate a chunk of a sheet this process is writing: the zip takes the child's bytes in its
    place (a splice), and the entry's CRC is the segments' combined. `claim(block, index)` says whose a chunk is:
    None when this process makes it, else the splice that stands for it."""

    def __init__(self, submit: Callable[..., Future], level: int, keep: Callable[[bytes], object] | None = None,
                 claim: Callable[[object, int], object | None] | None = None):
        super().__init__()
        self._submit = submit  # the thread's, or _now
        self._level = level
        self._claim = claim
        self._text: list[str] = []
        self._held = 0
        self._jobs: deque[Future] = deque()
        self._deflate = None  # the current segment's compressor, made at its first bytes
        self._crc = self._size = 0  # of the current segment
        self.segments: list = []  # in order: (CRC, size) of each segment deflated here, or a splice
        self.length = 0  # of the deflated bytes made here
        self.deflated: list = []  # the deflated bytes, and the splices in their places
        self._keep = keep or self.deflated.append  # or written into the child's file (assembly.py)

    @property
    def crc(self) -> int:
        crc = 0
        for part_crc, size in self._checked():
            crc = _ng.crc32_combine(crc, part_crc, size)
        return crc

    @property
    def size(self) -> int:
        return sum(size for _crc, size in self._checked())

    def _checked(self) -> Iterator[tuple[int, int]]:
        """Each segment's CRC and size, a splice's as the child gave them."""
        return (s if s.__class__ is tuple else s.checked() for s in self.segments)

    def write(self, text: str) -> int:
        self._text.append(text)
        self._held += len(text)
        if self._held >= CHUNK:
            self._send(end=None)
        return len(text)

    def cut(self) -> None:
        """End the segment here (nothing is cut from a segment with no bytes)."""
        self._send(end=_ng.Z_SYNC_FLUSH)

    def rows_here(self, block: object, index: int) -> bool:
        """Before chunk `index` of `block`: a new segment; whether this process makes the chunk (else its splice
        takes its place)."""
        self.cut()
        splice = self._claim(block, index) if self._claim is not None else None
        if splice is None:
            return True
        self._jobs.append(self._submit(self._splice, splice))
        return False

    def _send(self, end: int | None) -> None:
        data = "".join(self._text).encode("utf-8")
        self._text, self._held = [], 0
        while len(self._jobs) >= WAITING:  # the thread is behind: wait, rather than hold more XML
            self._jobs.popleft().result()
        self._jobs.append(self._submit(self._squeeze, data, end))

    def _squeeze(self, data: bytes, end: int | None) -> None:
        if self._deflate is None and (data or end == _ng.Z_FINISH):  # (the stream ends with a final block)
            self._deflate = _ng.compressobj(self._level, _ng.DEFLATED, -15)
        if data:
            self._crc = _ng.crc32(data, self._crc)
            self._size += len(data)
            self._put(self._deflate.compress(data))
        if end is not None and self._deflate is not None:
            self._put(self._deflate.flush(end))
            self.segments.append((self._crc, self._size))
            self._deflate, self._crc, self._size = None, 0, 0

    def _put(self, piece: bytes) -> None:
        self._keep(piece)
        self.length += len(piece)

    def _splice(self, splice) -> None:
        self.segments.append(splice)
        self.deflated.append(splice)

    def finish(self) -> list:
        """The whole part deflated (waiting for the thread; a failure in it is raised here), the splices in
        their places."""
        self._send(end=_ng.Z_FINISH)
        while self._jobs:
            self._jobs.popleft().result()
        return self.deflated

    def abandon(self) -> None:
        """Drop what waits (the workbook failed before this part was zipped)."""
        for job in self._jobs:
            job.cancel()
        self._text, self.deflated = [], []


class _Passed:
    """A 'compressor' that passes bytes already deflated through."""

    @staticmethod
    def compress(data: bytes) -> bytes:
        return data

    @staticmethod
    def flush() -> bytes:
        return b""


class _FastZipFile(ZipFile):
    """A ZipFile whose members are deflated by zlib-ng (the same format; a faster compressor), and which stores
    a sheet deflated by a `_Part` as it is."""

    def __init__(self, *args, level: int, parts: dict[str, _Part] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._level = level
        self._parts = parts if parts is not None else {}

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        part = self._parts.pop(str(filename), None)
        if part is None:
            return super().write(filename, arcname, compress_type, compresslevel)
        deflated = part.finish()
        # The entry as ZipFile.write makes it of the (empty) temporary file: its name, time and mode.
        zinfo = ZipInfo.from_file(filename, arcname, strict_timestamps=self._strict_timestamps)
        zinfo.compress_type = ZIP_DEFLATED
        zinfo.file_size = part.size
        with self.open(zinfo, "w") as member:
            member._compressor = _Passed()
            for piece in deflated:
                if piece.__class__ is bytes:
                    member.write(piece)
                else:  # a splice: a chunk of rows the child deflated
                    for got in piece.pieces():
                        member.write(got)
            # What the entry records is the XML's CRC and size, not the deflated bytes' it was handed.
            member._crc, member._file_size = part.crc, part.size
        return None

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        member = super().open(name, mode, pwd, force_zip64=force_zip64)
        # zipfile's writer (_ZipWriteFile) makes its compressor from its zinfo and uses it from the first write on;
        # a zipfile that keeps them otherwise is left to deflate as it does.
        zinfo = getattr(member, "_zinfo", None)
        if mode == "w" and zinfo is not None and zinfo.compress_type == ZIP_DEFLATED and hasattr(member, "_compressor"):
            member._compressor = _ng.compressobj(self._level, _ng.DEFLATED, -15)
        return member
