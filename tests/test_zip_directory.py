"""A return's zip directory read straight from its bytes (zipsafe._ReturnZip) gives zipfile's own ZipInfo objects,
field by field, and any directory not in the plain shape is read by zipfile itself, with its own errors."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from maturity_xl.reading import zipsafe
from maturity_xl.reading.errors import ReadError


def plain_zip(**options) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, **options) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>" * 20)
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr(zipfile.ZipInfo("xl/caf\u00e9.xml", (2026, 12, 2, 7, 30, 10)), "x")  # a UTF-8 name
        info = zipfile.ZipInfo("docProps/app.xml", (1999, 1, 31, 23, 59, 58))
        info.comment = b"a member's comment"
        zf.writestr(info, "y" * 100)
    return out.getvalue()


def with_extra(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        info = zipfile.ZipInfo("a.xml")
        info.extra = struct.pack("<HH", 0x5455, 1) + b"\x00"
        zf.writestr(info, data)
    return out.getvalue()


def same_contents(data: bytes) -> None:
    """_ReturnZip reads `data` as zipfile does: the same fields of each entry, or the same error."""
    try:
        expected = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # the same error, from zipfile's own reading
        with pytest.raises(type(exc)):
            zipsafe._ReturnZip(io.BytesIO(data))
        return
    found = zipsafe._ReturnZip(io.BytesIO(data))
    assert [i.filename for i in found.infolist()] == [i.filename for i in expected.infolist()]
    for a, b in zip(found.infolist(), expected.infolist()):
        assert {s: getattr(a, s) for s in zipfile.ZipInfo.__slots__} == \
            {s: getattr(b, s) for s in zipfile.ZipInfo.__slots__}
    assert found.NameToInfo.keys() == expected.NameToInfo.keys()
    assert (found.start_dir, found.comment) == (expected.start_dir, expected.comment)
    assert [found.read(n) for n in found.namelist()] == [expected.read(n) for n in expected.namelist()]


def test_a_plain_directory_is_read_lean_into_zipfiles_own_fields():
    data = plain_zip()
    zf = zipsafe._ReturnZip(io.BytesIO(data))
    infos, _start = zf._lean_contents()  # the lean way reads it (no fallback)
    assert len(infos) == 4
    same_contents(data)


def test_a_return_opens_by_the_lean_way():
    assert isinstance(zipsafe.open_zip(plain_zip()), zipsafe._ReturnZip)


def comment(data: bytes) -> bytes:
    return data[:-2] + struct.pack("<H", 5) + b"hello"


def prepended(data: bytes) -> bytes:
    return b"MZ stub before the zip" + data


def truncated_directory(data: bytes) -> bytes:
    start = data.rfind(b"PK\x01\x02")
    return data[:start + 20] + data[start + 30:]


def lying_size(data: bytes) -> bytes:
    end = data.rfind(b"PK\x05\x06")
    size = struct.unpack_from("<L", data, end + 12)[0]
    return data[:end + 12] + struct.pack("<L", size + 7) + data[end + 16:]


def bad_signature(data: bytes) -> bytes:
    start = data.find(b"PK\x01\x02")
    return data[:start] + b"PK\x01\x09" + data[start + 4:]


def null_name(data: bytes) -> bytes:
    return data.replace(b"xl/workbook.xml", b"xl/work\x00ook.xml")


def high_version(data: bytes) -> bytes:
    start = data.find(b"PK\x01\x02")
    return data[:start + 6] + bytes([99]) + data[start + 7:]


def zip64_locator(data: bytes) -> bytes:
    end = data.rfind(b"PK\x05\x06")
    return data[:end] + b"PK\x06\x07" + b"\x00" * 16 + data[end:]


@pytest.mark.parametrize("edit", [comment, prepended, truncated_directory, lying_size, bad_signature, null_name,
                                  high_version, zip64_locator], ids=lambda f: f.__name__)
def test_any_other_directory_is_read_by_zipfile_itself(edit):
    same_contents(edit(plain_zip()))


def test_extra_fields_are_left_to_zipfile():
    data = with_extra(b"<x/>")
    with pytest.raises(zipsafe._NotLean):
        zipsafe._ReturnZip(io.BytesIO(data))._lean_contents()
    same_contents(data)


def test_open_zip_errors_are_unchanged():
    with pytest.raises(ReadError) as err:
        zipsafe.open_zip(truncated_directory(plain_zip()))
    assert err.value.code in ("not-a-zip", "damaged-zip")
