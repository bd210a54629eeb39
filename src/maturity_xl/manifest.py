"""Reading the manifest the mail-merge wrote: who was sent which workbook, so the collector can list who is missing.

A manifest comes back from people as often as from the mail-merge: opened and re-saved by Excel (Windows-1252 text,
a byte-order mark, semicolons where the locale uses a decimal comma, tab-separated "Unicode Text", or an .xlsx).
All of those are read. Anything that is not a manifest (above all the services CSV the mail-merge read, which has
`id` and `name` but no framework) is refused with what is wrong and which file to give instead, before any return
is read.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from .csvsafe import undefused
from .errors import MaturityXLError
from .safeio import FileRefused, read_regular

MANIFEST_LIMIT = 20 * 1024 * 1024  # 100,000 services take ~15 MB
REQUIRED = ("service_id", "framework_id")
DELIMITERS = (",", ";", "\t")
SERVICES_HEADERS = {"id", "name", "code", "service", "contact", "email"}


class ManifestError(MaturityXLError):
    """A file given as --expected that is not a readable manifest; the message says why and what to give."""


def read_manifests(paths: Iterable[str | os.PathLike] | str | os.PathLike) -> list:
    """Every expected service from one or more manifest files, in file order.

    Raises:
        ManifestError: a file is missing, not a manifest, or has rows without a service or framework id; every
            problem of that file is listed.
    """
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    out = []
    for path in paths:
        out += read_manifest_file(Path(os.fsdecode(path)))
    return out


def read_manifest_file(path: Path) -> list:
    """One manifest file (CSV in any encoding or delimiter Excel saves, or an .xlsx) as Expected rows."""
    from .collect import Expected

    table = _table(path)
    header = [_column(h) for h in (table[0] if table else [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ManifestError(f"--expected {path}: {_not_a_manifest(header, missing)}")
    where = {name: header.index(name) for name in header if name}
    problems, rows = [], []
    for line, cells in enumerate(table[1:], start=2):
        def get(name: str, cells: list[str] = cells) -> str:
            index = where.get(name)
            return undefused(cells[index].strip()) if index is not None and index < len(cells) else ""

        if not any(c.strip() for c in cells):
            continue
        sid, fid = get("service_id"), get("framework_id")
        if not sid:
            problems.append(f"row {line}: the service_id is empty")
            continue
        if not fid:
            problems.append(f"row {line}: the framework_id of service '{sid}' is empty")
            continue
        rows.append(Expected(fid, get("framework_version"), sid, get("service_name"), get("contact"), get("file")))
    if problems:
        raise ManifestError(f"--expected {path}: {len(problems)} row{'s' if len(problems) != 1 else ''} cannot be "
                            f"read\n" + "\n".join(f"  - {p}" for p in problems[:20]) +
                            (f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""))
    if not rows:
        raise ManifestError(f"--expected {path}: the manifest lists no services")
    return rows


def _table(path: Path) -> list[list[str]]:
    """A manifest's cells, row by row, however Excel saved it (CSV in any encoding or delimiter, or .xlsx)."""
    try:
        data = read_regular(path, MANIFEST_LIMIT, what="the manifest")
    except FileRefused as exc:
        raise ManifestError(f"--expected {exc}") from None
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ManifestError(f"--expected {path}: this is an old-style Excel (.xls) file; save it as CSV or .xlsx")
    return _xlsx_rows(path, data) if data[:2] == b"PK" else _csv_rows(path, data)


def fingerprints(paths: Iterable[str | os.PathLike]) -> dict[tuple[str, str], str]:
    """(framework id, service id) -> the spec fingerprint each workbook was sent with, from manifests read as
    read_manifests reads them (the programme store keeps it with each round's manifest)."""
    out: dict[tuple[str, str], str] = {}
    for path in paths:
        table = _table(Path(path))
        header = [_column(h) for h in (table[0] if table else [])]
        where = {name: header.index(name) for name in header if name}
        for cells in table[1:]:
            row = {name: undefused(cells[i].strip()) for name, i in where.items() if i < len(cells)}
            if row.get("service_id"):
                out[(row.get("framework_id", ""), row["service_id"])] = row.get("fingerprint", "")
    return out


def _column(name: object) -> str:
    text = str(name or "").replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s-]+", "_", text)


def _not_a_manifest(header: list[str], missing: list[str]) -> str:
    found = ", ".join(h for h in header if h) or "nothing"
    if set(header) & SERVICES_HEADERS and "framework_id" not in header:
        return ("this looks like the services list the mail-merge read (columns: " + found + "), not the "
                "manifest.csv it wrote; give the manifest.csv from the mail-merge's --out-dir (it names each "
                "service's framework, so returns can be matched)")
    return (f"this is not a mail-merge manifest: its first row must name the columns {', '.join(REQUIRED)} "
            f"(missing: {', '.join(missing)}; found: {found})")


def _decode(data: bytes) -> str:
    """Text as Excel may have saved it: UTF-8 (with or without a BOM), UTF-16 with a BOM, or Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _csv_rows(path: Path, data: bytes) -> list[list[str]]:
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ManifestError(f"--expected {path}: this is not a text file (it holds NUL bytes); give the "
                            f"manifest.csv from the mail-merge")
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise ManifestError(f"--expected {path}: the CSV cannot be read ({exc})") from None


def _xlsx_rows(path: Path, data: bytes) -> list[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    from .reading import ReadError, check_zip

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_zip(zf)
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, ReadError, OSError, KeyError, ValueError) as exc:
        raise ManifestError(f"--expected {path}: this zip file is not a workbook that can be read ({exc})") from None
    try:
        sheet = wb.worksheets[0]
        return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        wb.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a numeric service id Excel stored as 1001.0
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


__all__ = ["ManifestError", "read_manifest_file", "read_manifests"]
