"""Zip safety: a return's zip opened from bytes, its directory checked before anything is inflated, and parts
inflated with a bound.

`ZipFile.read` inflates a member's whole stream before it compares the result with the declared size, so a part
that declares 1 MB and inflates to 300 MB costs 300 MB of memory; `read_member` stops one byte past the declared
size (inflating straight from the return's bytes, with zlib-ng where installed).

`stored_key` gives what a small part's bytes are a pure function of (method, declared size and CRC, the stored
stream itself), after the same local-header checks: the key of memo.PartMemo, so a part shared by every return of
a programme is inflated and checked once a process, and a part whose declared CRC differs is a different part.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from urllib.parse import unquote

from . import memo
from .errors import ReadError

try:  # zlib-ng: the same interface, inflating about twice and checking CRCs ten times as fast
    from zlib_ng import zlib_ng as _zlib
except ImportError:  # pragma: no cover - it is a dependency; the standard library's zlib does the same job
    _zlib = zlib  # type: ignore[no-redef]

# Bounds on what one returned workbook may hold. A generated workbook is ~40 KB zipped and ~400 KB inflated.
MAX_MEMBERS = 2_000
MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_MEMBER_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 200  # compression ratio of a big member; text XML rarely passes 50
RATIO_CHECK_FLOOR = 1024 * 1024
ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # all that Excel, LibreOffice and Numbers write


def check_zip(zf: zipfile.ZipFile) -> None:
    """Refuse zip bombs and malformed archives before any part is inflated."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ReadError("too-many-parts", f"the file holds {len(infos):,} parts; a workbook has a few dozen")
    total = 0
    names: set[str] = set()
    spans: list[tuple[int, int, str]] = []
    for info in infos:
        if info.header_offset < 0:  # the end record says the directory starts later than it does
            raise ReadError("damaged", f"the file is damaged: its index places a part ({info.filename}) before "
                                       f"the start of the file")
        key = info.filename.lower()  # package part names are case-insensitive
        if key in names:
            raise ReadError("duplicate-parts", f"the file holds two parts named {info.filename}: it was altered "
                                               f"by a program (a reader could see either one)")
        names.add(key)
        if info.flag_bits & 0x1:
            raise ReadError("encrypted-parts", "the parts inside the file are locked with a zip password")
        if info.compress_type not in ZIP_METHODS:
            raise ReadError("unsupported-compression", f"a part of the file ({info.filename}) is compressed in a "
                                                       f"way Excel never uses")
        if info.file_size > MAX_MEMBER_UNCOMPRESSED:
            raise ReadError("zip-bomb", f"a part of the file ({info.filename}) would inflate to "
                                        f"{info.file_size // (1024 * 1024):,} MB, which no real workbook does")
        total += info.file_size
        if info.file_size > RATIO_CHECK_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ReadError("zip-bomb", f"a part of the file ({info.filename}) is compressed "
                                        f"{info.file_size // max(info.compress_size, 1):,} to 1, "
                                        f"which no real workbook is")
        spans.append((info.header_offset, info.header_offset + 30 + len(info.filename.encode()) +
                      info.compress_size, info.filename))
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise ReadError("zip-bomb", f"the file would inflate to {total // (1024 * 1024):,} MB; "
                                    f"a workbook is well under 1 MB")
    spans.sort()
    for (_start1, end1, name1), (start2, _end2, name2) in zip(spans, spans[1:]):
        if start2 < end1:
            raise ReadError("overlapping-parts", f"parts of the file overlap ({name1}, {name2}): "
                                                 f"it has been tampered with or damaged")


# What zipfile and struct raise for a damaged central directory, local header or stream.
INFLATE_ERRORS = (zlib.error, _zlib.error)  # zipfile inflates with zlib, the reader with zlib-ng
_ZIP_ERRORS = (zipfile.BadZipFile, *INFLATE_ERRORS, EOFError, OSError, ValueError, struct.error, OverflowError,
               IndexError, NotImplementedError, RuntimeError)


def open_zip(data: bytes) -> zipfile.ZipFile:
    """A zip over `data`, or a ReadError saying why it is not one."""
    # zipfile builds an object for every central-directory entry before check_zip can count them (a 50 MB zip64
    # listing a million entries costs 6 s and 500 MB), and an entry count in the end record can lie; every entry
    # starts with this signature, so counting it bounds the work first.
    if data.count(b"PK\x01\x02") > MAX_MEMBERS:
        raise ReadError("too-many-parts", f"the file lists more than {MAX_MEMBERS:,} parts; a workbook has a few "
                                          f"dozen")
    try:
        return _ReturnZip(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ReadError("not-a-zip", "the file is not a complete Excel workbook") from None
    except _ZIP_ERRORS:
        raise ReadError("damaged-zip", "the file is damaged: its list of contents cannot be read") from None


# ZipInfo's fields as this Python's zipfile has them, which _ReturnZip sets itself (another zipfile: its own way).
_INFO_SLOTS = ("orig_filename", "filename", "date_time", "compress_type", "_compresslevel", "comment", "extra",
               "create_system", "create_version", "extract_version", "reserved", "flag_bits", "volume",
               "internal_attr", "external_attr", "header_offset", "CRC", "compress_size", "file_size", "_raw_time")
_LEAN = getattr(zipfile.ZipInfo, "__slots__", None) == _INFO_SLOTS
_CENTRAL = struct.Struct(zipfile.structCentralDir)
_EOCD = struct.Struct(zipfile.structEndArchive)


class _NotLean(Exception):
    """A directory _ReturnZip leaves to zipfile's own reading."""


class _ReturnZip(zipfile.ZipFile):
    """A ZipFile over a return's bytes whose central directory, when it is in the plain shape Excel, LibreOffice
    and XlsxWriter write (its end record last with no comment, not zip64, no extra fields, nothing before the
    zip), is read into the same ZipInfo objects zipfile makes, straight from the bytes: zipfile reads each entry
    through a file object and builds each ZipInfo by its constructor and then again field by field (about half the
    cost of opening a return). Any other directory, or anything unexpected in one, is read by zipfile itself, from
    the start, with its own errors."""

    def _RealGetContents(self) -> None:  # noqa: N802 - zipfile's name
        try:
            infos, start_dir = self._lean_contents()
        except (_NotLean, struct.error, UnicodeDecodeError):
            super()._RealGetContents()
            return
        self._comment, self.start_dir = b"", start_dir
        self.filelist.extend(infos)
        self.NameToInfo.update({info.filename: info for info in infos})

    def _lean_contents(self) -> tuple[list[zipfile.ZipInfo], int]:
        data = self.fp.getvalue() if _LEAN and self.fp.__class__ is io.BytesIO and \
            self.metadata_encoding is None else b""
        end = len(data) - _EOCD.size
        # zipfile's _EndRecData: the end record last, without a comment; its _EndRecData64: no zip64 locator
        if end < 0 or not data.startswith(b"PK\x05\x06", end) or not data.endswith(b"\x00\x00") or \
                (end >= 20 and data.startswith(b"PK\x06\x07", end - 20)):
            raise _NotLean
        size_cd, offset_cd = _EOCD.unpack_from(data, end)[5:7]
        if end - size_cd - offset_cd != 0:  # zipfile's "concat": bytes before the zip
            raise _NotLean
        directory = data[offset_cd:offset_cd + size_cd]
        infos = []
        at, size, new, info_class = 0, len(directory), object.__new__, zipfile.ZipInfo
        while at < size_cd:
            if at + 46 > size:
                raise _NotLean
            (signature, create_version, create_system, extract_version, reserved, flag_bits, compress_type, t, d,
             crc, compress_size, file_size, name_length, extra_length, comment_length, volume, internal_attr,
             external_attr, header_offset) = _CENTRAL.unpack_from(directory, at)
            begin = at + 46
            at = begin + name_length + comment_length
            if signature != b"PK\x01\x02" or extra_length or at > size or \
                    extract_version > zipfile.MAX_EXTRACT_VERSION:
                raise _NotLean
            raw = directory[begin:begin + name_length]
            name = raw.decode("utf-8" if flag_bits & 0x800 else "ascii" if raw.isascii() else "cp437")
            if "\x00" in name:
                raise _NotLean
            info = new(info_class)
            info.orig_filename = info.filename = name
            info.date_time = ((d >> 9) + 1980, (d >> 5) & 0xF, d & 0x1F, t >> 11, (t >> 5) & 0x3F, (t & 0x1F) * 2)
            info.compress_type, info._compresslevel, info.extra = compress_type, None, b""
            info.comment = directory[begin + name_length:at]
            info.create_system, info.create_version, info.extract_version = create_system, create_version, \
                extract_version
            info.reserved, info.flag_bits, info.volume = reserved, flag_bits, volume
            info.internal_attr, info.external_attr, info.header_offset = internal_attr, external_attr, header_offset
            info.CRC, info.compress_size, info.file_size, info._raw_time = crc, compress_size, file_size, t
            infos.append(info)
        return infos, offset_cd


def read_member(zf: zipfile.ZipFile, member: str | zipfile.ZipInfo, limit: int = MAX_MEMBER_UNCOMPRESSED) -> bytes:
    """One part's bytes, inflated no further than its declared size. KeyError when there is no such part."""
    info = member if isinstance(member, zipfile.ZipInfo) else resolve(zf, member)
    if info.file_size > limit:
        raise ReadError("zip-bomb", f"a part of the file ({info.filename}) would inflate to "
                                    f"{info.file_size // (1024 * 1024):,} MB, which no real workbook does")
    try:
        if isinstance(zf.fp, io.BytesIO):  # a return read into memory (open_zip): inflate straight from its bytes
            data = _inflate(memoryview(zf.fp.getvalue()), info)  # the bytes open_zip was given, not a copy
        else:
            with zf.open(info) as stream:
                data = stream.read(info.file_size + 1)
    except _ZIP_ERRORS:
        raise _damaged(info) from None
    return _whole(data, info)


def _damaged(info: zipfile.ZipInfo) -> ReadError:
    return ReadError("damaged", f"a part of the file ({info.filename}) is damaged and cannot be read")


def _whole(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """`data`, if it is the size the zip's index declares (inflating stops one byte past it)."""
    if len(data) != info.file_size:
        raise ReadError("size-mismatch", f"a part of the file ({info.filename}) is not the size the file's own "
                                         f"index gives: it was damaged or altered")
    return data


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then (past versions, flags, times, sizes) name and extra


def _inflate(view: memoryview, info: zipfile.ZipInfo) -> bytes:
    """One member's bytes from the zip's own bytes, as ZipFile.open and read would give them, checked the same
    way (the local header's signature and name, the CRC), without a file object and stream per part: a return
    has nine parts to read and this is about twice as quick. Inflates at most one byte past the declared size;
    the caller compares sizes. zipfile's own errors (BadZipFile, zlib.error) for anything wrong."""
    return _inflate_stream(_stream(view, info), info)


def _stream(view: memoryview, info: zipfile.ZipInfo) -> memoryview:
    """A member's stored (compressed) bytes, after checking its local header's signature and name."""
    start = info.header_offset
    if start < 0:  # check_zip refuses these; a slice from a negative offset would count from the end
        raise zipfile.BadZipFile("a part placed before the start of the file")
    signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(view, start)
    if signature != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local header")
    name = bytes(view[start + 30:start + 30 + name_length])
    # An ASCII name reads the same in both encodings; cp437's codec is Python code, ~1 us a part.
    encoding = "ascii" if name.isascii() else "utf-8" if info.flag_bits & 0x800 else "cp437"
    if name.decode(encoding) != info.orig_filename:
        raise zipfile.BadZipFile("the local header names another part")
    begin = start + 30 + name_length + extra_length
    packed = view[begin:begin + info.compress_size]
    if len(packed) != info.compress_size:
        raise zipfile.BadZipFile("truncated part")
    return packed


def _inflate_stream(packed: memoryview | bytes, info: zipfile.ZipInfo) -> bytes:
    if info.compress_type == zipfile.ZIP_STORED:
        data = bytes(packed[:info.file_size + 1])
    else:
        data = _zlib.decompressobj(-15).decompress(packed, info.file_size + 1)
    if len(data) == info.file_size and _zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile("bad CRC-32")
    return data


def stored_key(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple | None:
    """What a part's bytes are a pure function of: its compression method, declared size and CRC, and its stored
    stream (the bytes themselves, not a hash), for memo.PartMemo. None for a part too large to memoise or a zip
    not read from memory. Checks the local header as read_member does, with the same errors (so a caller may
    ask for the key first and read the part only when the memo lacks it)."""
    if info.file_size > memo.MAX_INFLATED or info.compress_size > memo.MAX_PACKED or \
            not isinstance(zf.fp, io.BytesIO):
        return None
    try:
        packed = bytes(_stream(memoryview(zf.fp.getvalue()), info))
    except _ZIP_ERRORS:
        raise _damaged(info) from None
    return info.compress_type, info.file_size, info.CRC, packed


def read_stored(info: zipfile.ZipInfo, key: tuple) -> bytes:
    """The part whose stored_key is `key`, inflated and checked as read_member does (same errors)."""
    try:
        data = _inflate_stream(key[3], info)
    except _ZIP_ERRORS:
        raise _damaged(info) from None
    return _whole(data, info)


def resolve(zf: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    """A part by name; package part names are URI-encoded and case-insensitive, so try those forms too."""
    info = zf.NameToInfo.get(name)  # getinfo's own dict (getinfo raises and the caller catches: slower)
    if info is not None:
        return info
    try:
        return zf.getinfo(unquote(name))
    except KeyError:
        pass
    folded = {info.filename.lower(): info for info in zf.infolist()}
    info = folded.get(name.lower()) or folded.get(unquote(name).lower())
    if info is None:
        raise KeyError(name)
    return info
