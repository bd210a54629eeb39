"""Read one returned workbook into a Response, with every problem located by sheet and cell.

    metadata.py    the metadata sheet decoded once into typed records (head, columns, map, scale)
    registry.py    the specs returns are checked against, and layout.py's map decoded once per spec
    columns.py     find a sheet's columns by their headers, wherever a respondent moved them
    assessment.py  ratings, rationale and evidence: locate, check, read
    actions.py     the action plan
    values.py      cell values (text, dates) and the problems they raise
    parser.py      one opened return, sheet by sheet
    source.py      the reader's names, imported in one place

Cells are found through the metadata map, columns by their headers, and each row is checked against its
statement id. For a return whose head names a spec the registry knows and that spec's layout digest, the map is
layout.py's own (it wrote the workbook's copy, and the digest says it is unchanged); for any other, the workbook's
copy, read whole. Cached formula results are never read: scores come from the input cells.

`maturity_xl.parse` is this package and, as the README shows, also callable: `maturity_xl.parse(path)` is
`maturity_xl.parse.parse(path)` (a package and a function cannot otherwise share the name).
"""

from __future__ import annotations

import io
import os
import sys
import types
import zipfile
from typing import BinaryIO

from ..catalogue import message
from ..response import Problem, Response
from ..safeio import DEFAULT_LIMIT, read_regular
from ..sniff import sniff_open
from .parser import Parser
from .registry import Registry, default_registry
from .source import INFLATE_ERRORS, ReadError, open_workbook


def parse(source: str | os.PathLike | bytes | BinaryIO, *, name: str | None = None,
          registry: Registry | None = None, password: str | None = None) -> Response:
    """Parse a returned workbook: a path, its bytes, or a binary file object (with a display `name`). Never
    raises for bad content: a file that cannot be read comes back as a Response whose problems include a fatal
    one. A FIFO, a device or a folder is refused without reading it, and no read goes past the size any
    workbook could have.

    `password` opens a workbook encrypted with the password the programme agreed with its services.

    Raises:
        TypeError: `source` is none of the above.
    """
    if isinstance(source, (str, os.PathLike)):
        name = name or os.fsdecode(source)
        try:
            data = read_regular(source)
        except OSError as exc:
            return _rejected(name, "unreadable", f"the file cannot be opened ({exc.strerror})")
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        name = name or "<bytes>"
    elif callable(getattr(source, "read", None)):
        data = source.read(DEFAULT_LIMIT + 1)
        if not isinstance(data, bytes):
            raise TypeError("parse() needs a file opened in binary mode ('rb'), not text mode")
        name = name or str(getattr(source, "name", "") or "<file>")
        if len(data) > DEFAULT_LIMIT:
            return _rejected(name, "too-large", message("too-large", mb=len(data) // (1024 * 1024)))
    else:
        raise TypeError(f"parse() takes a path, the workbook's bytes or a binary file object, not "
                        f"{type(source).__name__}")
    kind, checked = sniff_open(data)
    if kind.kind == "encrypted" and password:
        data = _decrypt(data, password)
        if data is None:
            return _rejected(name, "wrong-password", "the workbook is encrypted and the agreed password does not "
                                                     "open it", "Remove the password to open, save, and send it again.")
        kind, checked = sniff_open(data)
    if not kind.readable:
        return _rejected(name, kind.kind, kind.message, kind.advice)
    try:
        wb = open_workbook(data, checked)
    except ReadError as exc:
        return _rejected(name, exc.code, str(exc), exc.advice)
    try:
        return Parser(wb, name, registry or default_registry()).run()
    except ReadError as exc:
        return _rejected(name, exc.code, str(exc), exc.advice)
    except (zipfile.BadZipFile, *INFLATE_ERRORS, EOFError, NotImplementedError) as exc:
        return _rejected(name, "damaged", f"the file is damaged and a part of it cannot be read ({exc})")
    finally:
        wb.close()


def _decrypt(data: bytes, password: str) -> bytes | None:
    import msoffcrypto  # only for encrypted returns, with the programme's agreed password

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password=password)
        out = io.BytesIO()
        office.decrypt(out)
    except Exception:  # msoffcrypto raises its own and cryptography's errors for a wrong key or a damaged file
        return None
    return out.getvalue()


def _rejected(name: str, code: str, message: str, advice: str = "") -> Response:
    return Response(file=name, problems=[Problem("fatal", code, message, advice=advice)])


class _CallablePackage(types.ModuleType):
    """This package, callable as `parse` (see the module's docstring)."""

    def __call__(self, source: str | os.PathLike | bytes | BinaryIO, **kwargs) -> Response:
        return parse(source, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage

__all__ = ["Registry", "default_registry", "parse"]
