"""The mail-merge: one personalised workbook per service in a CSV, and a manifest of what was sent to whom.

The manifest is what the collector later compares returns against, to list the services still missing.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .cellpatch import ROW_HEIGHT, Part, Tokens
from .csvsafe import defused_for_reading_back, undefused
from .errors import MaturityXLError
from .generate import Service, generate_bytes
from .layout import ACTIONS, ASSESSMENT, EMPTY, SUMMARY, UNSIGNED, Layout
from .model import Framework
from .previous import Placing, Previous
from .safeio import FileRefused, read_regular
from .sign import signature

MANIFEST_FIELDS = ("service_id", "service_name", "contact", "file", "framework_id", "framework_version",
                   "fingerprint", "generated_at")
ID_ALIASES = ("id", "service_id", "service id", "code")
NAME_ALIASES = ("name", "service_name", "service name", "service")
CONTACT_ALIASES = ("contact", "email", "contact_email", "contact email")


class ServicesError(MaturityXLError):
    pass


SERVICES_LIMIT = 20 * 1024 * 1024


def read_services(path: Path) -> list[Service]:
    """Read a services CSV (id, name, optional contact); every problem is reported at once.

    Records are split by the CSV rules only (a quoted name may hold a line break; a vertical tab, form feed, NEL or
    line separator inside a field does not start a row). Runs of white space in a value become one space, so a
    two-line name keeps its words apart; a control character that is not white space (NUL, ESC, ...) cannot go
    into a workbook and is reported with its row.
    """
    try:
        text = read_regular(path, SERVICES_LIMIT, what="the services file").decode("utf-8-sig")
    except FileRefused as exc:
        if exc.errno == errno.ENOENT:
            raise ServicesError(f"{path}: the services file does not exist") from None
        raise ServicesError(str(exc)) from None
    except UnicodeDecodeError:
        raise ServicesError(f"{path}: the services file is not UTF-8 text; save it as 'CSV UTF-8' and try again") \
            from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ServicesError(f"{path}: the services file is not valid CSV (line {reader.line_num}: {exc})") from None
    fieldnames = [_clean(h) for h in rows[0]] if rows else []
    headers = {h.lower(): i for i, h in reversed(list(enumerate(fieldnames))) if h}

    def pick(aliases: tuple[str, ...]) -> int | None:
        return next((headers[a] for a in aliases if a in headers), None)

    id_col, name_col, contact_col = pick(ID_ALIASES), pick(NAME_ALIASES), pick(CONTACT_ALIASES)
    if id_col is None or name_col is None:
        raise ServicesError(f"{path}: the first row must name the columns 'id' and 'name' (and optionally "
                            f"'contact'); found: {', '.join(fieldnames) or 'nothing'}")
    services, problems, seen = [], [], {}
    for line, row in enumerate(rows[1:], start=2):
        def cell(index: int | None, label: str, row: list[str] = row, line: int = line) -> str:
            raw = row[index] if index is not None and index < len(row) else ""
            bad = _unwritable(raw)
            if bad:
                problems.append(f"row {line}: the {label} holds {bad}, which a workbook cannot hold; "
                                f"remove it from the CSV")
            return _clean(undefused(raw))  # a manifest of an earlier run may be given as the services

        sid, name, contact = cell(id_col, "service id"), cell(name_col, "service name"), cell(contact_col, "contact")
        if not sid and not name and not contact:
            continue
        if not sid:
            problems.append(f"row {line}: the service id is empty")
        if not name:
            problems.append(f"row {line}: the service name is empty")
        if sid in seen:
            problems.append(f"row {line}: the service id '{sid}' is already used on row {seen[sid]}")
        seen.setdefault(sid, line)
        services.append(Service(sid, name, contact))
    if problems:
        raise ServicesError(f"{path}: {len(problems)} problem(s) in the services file\n" +
                            "\n".join(f"  - {p}" for p in problems))
    if not services:
        raise ServicesError(f"{path}: the services file lists no services")
    return services


def _clean(value: str) -> str:
    """White space of any kind (line breaks, tabs, vertical tab, form feed, NEL, U+2028, ...) as single spaces."""
    return " ".join(value.split())


def _unwritable(value: str) -> str:
    """A description of the first control character in `value` that is not white space, or ""."""
    for char in value:
        if (unicodedata.category(char) in ("Cc", "Cs") and not char.isspace()) or char in "\ufffe\uffff":
            return f"the control character U+{ord(char):04X}"
    return ""


def safe_filename(text: str, limit: int = 60) -> str:
    """A file name part that is safe on Windows, macOS and Linux and in email attachments."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = text.replace("&", " and ")
    text = re.sub(r"[^A-Za-z0-9._ -]+", " ", text)
    text = re.sub(r"[\s_]+", "-", text).strip(".- ")
    text = re.sub(r"-{2,}", "-", text)
    return text[:limit].rstrip(".- ") or "service"


# Placeholders a template is built with; they land only in the shared strings and the custom properties.
TOKENS = {"id": "MXLTOKEN-SERVICE-ID-91c4", "name": "MXLTOKEN-SERVICE-NAME-5e2a",
          "contact": "MXLTOKEN-SERVICE-CONTACT-07bd", "signature": "MXLTOKEN-SIGNATURE-c3f1"}


@dataclass(frozen=True, slots=True)
class _Member:
    name: bytes
    dos_time: int
    dos_date: int
    crc: int
    raw: bytes  # the deflated bytes, copied as they are
    size: int


class Template:
    """A framework's workbook built once; each service's copy patches only the parts that name the service.

    Building a workbook with XlsxWriter takes ~60 ms; copying the prebuilt parts and re-deflating the two small
    parts that carry the service (shared strings, custom properties) takes a few. The result is the workbook a
    from-scratch build for that service gives (tests compare them part by part).

    With `last_round` (previous.Previous.round) the template is laid out with the "last time" cells
    (Layout(last_round=...)), blank; `personalise` fills one service's (previous.cells) into the sheet parts that
    hold them, and re-deflates only those.
    """

    def __init__(self, framework: Framework, *, password: str | None = None, generated_at: datetime | None = None,
                 round: str = "", last_round: str | None = None, removed: tuple[tuple[str, str], ...] = ()):
        service = Service(TOKENS["id"], TOKENS["name"], TOKENS["contact"])
        self.layout = Layout(framework, last_round=last_round)
        data = generate_bytes(framework, service=service, password=password, generated_at=generated_at,
                              signature=TOKENS["signature"], round=round, layout=self.layout, removed=removed)
        self.members: list[_Member] = []
        self.patched: dict[bytes, Tokens] = {}
        self.parts = _last_time_parts(self.layout, data) if last_round is not None else {}
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                content = zf.read(info)
                if any(t.encode() in content for t in TOKENS.values()):
                    # rewritten per service: the text between the placeholders deflated once
                    self.patched[info.filename.encode()] = Tokens(content, (t.encode() for t in TOKENS.values()))
                    raw = content
                else:
                    raw = _raw_member(data, info)
                y, mo, d, h, mi, sec = info.date_time
                self.members.append(_Member(info.filename.encode(), (h << 11) | (mi << 5) | (sec // 2),
                                            ((y - 1980) << 9) | (mo << 5) | d, info.CRC, raw, info.file_size))

    def personalise(self, service: Service, signature: str = "",
                    last_time: dict[str, dict[tuple[int, int], object]] | None = None) -> bytes:
        """One service's workbook; `last_time` ({sheet: {(row, col): value}}, previous.cells) fills the "last time"
        cells of a template made with a last round."""
        if not service.id or not service.name:
            raise ValueError("a personalised workbook needs the service's id and name")
        if last_time and not self.parts:
            raise ValueError("this template has no last time cells: make it with last_round")
        by_part = {self.parts[sheet][0]: found for sheet, found in (last_time or {}).items() if found}
        parts = {name: part for name, part in self.parts.values()}
        # Empty values are written as "-" (see layout.EMPTY), so a template token never stands for a blank cell.
        values = {TOKENS[k].encode(): _xml_text(v) for k, v in (
            ("id", service.id), ("name", service.name), ("contact", service.contact or EMPTY),
            ("signature", signature or UNSIGNED))}
        out = io.BytesIO()
        central = []
        for m in self.members:
            crc, size, raw = m.crc, m.size, m.raw
            if m.name in by_part:  # a sheet with last time's cells (never one with a token)
                text, raw = parts[m.name].fill(by_part[m.name], _xml_text)
                crc, size = zlib.crc32(text), len(text)
            elif m.name in self.patched:
                text, raw = self.patched[m.name].fill(values)
                crc, size = zlib.crc32(text), len(text)
            offset = out.tell()
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, m.dos_time, m.dos_date, crc, len(raw), size,
                                  len(m.name), 0))
            out.write(m.name)
            out.write(raw)
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, m.dos_time, m.dos_date, crc,
                                       len(raw), size, len(m.name), 0, 0, 0, 0, 0, offset) + m.name)
        start = out.tell()
        for entry in central:
            out.write(entry)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
        return out.getvalue()


def _last_time_parts(layout: Layout, data: bytes) -> dict[str, tuple[bytes, Part]]:
    """Each sheet with "last time" cells: its part's name and its blank cells that previous.cells can fill."""
    lay = layout
    wanted = {name: [] for name in (ASSESSMENT, ACTIONS, SUMMARY)}
    for c in lay.statement_cells:
        wanted[ASSESSMENT] += [(c.row, lay.last_time_col(f)) for f in ("last_rating", "last_rationale")]
        wanted[ACTIONS] += [(c.action_row, lay.last_time_col("carried")),
                            *((c.action_row, lay.action_col(col.id)) for col in lay.framework.action_columns)]
        wanted[ASSESSMENT].append((c.row, ROW_HEIGHT))
        wanted[ACTIONS].append((c.action_row, ROW_HEIGHT))
    wanted[SUMMARY] = [(r, lay.last_time_col("last_mean"))
                       for r in (*(s.summary_row for s in lay.area_spans), lay.overall_summary_row)]
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for sheet, cells_ in wanted.items():
            # XlsxWriter names sheet parts by the order the sheets were added, which is layout.sheets'.
            name = f"xl/worksheets/sheet{lay.sheets.index(sheet) + 1}.xml"
            out[sheet] = (name.encode(), Part(zf.read(name), cells_))
    return out


def _raw_member(data: bytes, info: zipfile.ZipInfo) -> bytes:
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    return data[start:start + info.compress_size]


_EXCEL_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_XML_INVALID = re.compile(r"[\x00-\x08\x0b-\x1f]")


def _xml_text(value: str) -> bytes:
    """Text for an XML element as XlsxWriter writes it: characters XML 1.0 cannot hold become Excel's `_xHHHH_`
    escapes (and a literal `_xHHHH_` is itself escaped), so a personalised part is always well-formed and equals a
    from-scratch build."""
    if "_x" in value or not value.isprintable():  # printable text holds none of the characters escaped here
        value = _EXCEL_ESCAPE.sub(r"_x005F\1", value)
        value = _XML_INVALID.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
        value = value.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


@dataclass(frozen=True, slots=True)
class ManifestRow:
    service: Service
    file: str


class OverwriteError(MaturityXLError):
    """The output folder already holds files this mail-merge would write (an earlier run's, or planted links)."""


def generate_batch(framework: Framework, services: Iterable[Service], out_dir: Path, *,
                   password: str | None = None, generated_at: datetime | None = None,
                   key: bytes | None = None, progress: Callable[[int], None] | None = None,
                   force: bool = False, round: str = "", previous: Previous | None = None) -> Path:
    """Generate every service's workbook into out_dir and write manifest.csv beside them; returns its path.

    `round` is written into each workbook's metadata. With `previous` (previous.read_previous), a service that
    answered that round gets its answers then beside each statement, its open actions carried into the action
    plan and last time's means on the Summary; any other service gets the plain workbook.

    A workbook already in out_dir (from an earlier run: it may have been sent) is not replaced unless `force`;
    nothing is written through a symbolic link (a link in the way is an error, or with `force` is removed, never
    followed). An existing manifest.csv is merged: its services that this run does not generate keep their rows.

    Raises:
        OverwriteError: before anything is written, naming the files in the way.
    """
    services = list(services)
    out_dir.mkdir(parents=True, exist_ok=True)
    generated_at = generated_at or datetime.now(UTC).replace(microsecond=0)
    names = _file_names(framework, services)
    manifest = out_dir / "manifest.csv"
    in_the_way = [name for name in names if os.path.lexists(out_dir / name)]
    links = [name for name in [*names, manifest.name] if os.path.islink(out_dir / name)]
    earlier = _earlier_rows(manifest, force)
    if (in_the_way or links) and not force:
        shown = ", ".join((f"{n} (a symbolic link, never written through)" if n in links else n)
                          for n in (links + [n for n in in_the_way if n not in links])[:5])
        count = len(set(in_the_way) | set(links))
        raise OverwriteError(f"{out_dir} already holds {count} of the files this mail-merge would write ({shown}"
                             f"{', ...' if count > 5 else ''}): workbooks from an earlier run may have been sent "
                             f"already. Nothing was written. Choose a new --out-dir, or give --force to replace them "
                             f"(manifest.csv keeps the earlier run's other services).")
    rows: list[ManifestRow] = []
    workbooks = _personalised(framework, services, password=password, generated_at=generated_at, key=key,
                              round=round, previous=previous)
    for service, name, data in zip(services, names, workbooks):
        _write_new(out_dir / name, data, replace=force)
        rows.append(ManifestRow(service, name))
        if progress:
            progress(1)
    ours = {(framework.id, row.service.id) for row in rows}
    kept = [r for r in earlier if (r.get("framework_id", ""), r.get("service_id", "")) not in ours]
    lines = [[old.get(f) or "" for f in MANIFEST_FIELDS] for old in kept]
    lines += [[row.service.id, row.service.name, row.service.contact, row.file, framework.id, framework.version,
               framework.fingerprint, generated_at.isoformat()] for row in rows]
    _write_manifest(manifest, lines)
    return manifest


def _write_manifest(manifest: Path, lines: list[list[str]]) -> None:
    """manifest.csv, whole or not at all: written beside it, then renamed over it (a link itself, never the file
    it points to). Defused, as every CSV the tool writes (a name such as =HYPERLINK(...) must not run when the
    team opens it), so that reading it back (manifest.py, _earlier_rows) gives the text again."""
    tmp = manifest.with_name(f".manifest.csv.{os.getpid()}.part")
    try:
        with open(tmp, "x", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(MANIFEST_FIELDS)
            writer.writerows([defused_for_reading_back(v) for v in line] for line in lines)
        os.replace(tmp, manifest)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def _personalised(framework: Framework, services: list[Service], *, password: str | None, generated_at: datetime,
                  key: bytes | None, round: str, previous: Previous | None) -> Iterator[bytes]:
    """Each service's workbook, in order: from the template with last time's cells for a service that answered
    the previous round, else from the plain one."""
    lasts = [previous.get(s.id) if previous is not None else None for s in services]
    # Each template only if some service needs it (building one takes about as long as 50 workbooks).
    template = Template(framework, password=password, generated_at=generated_at, round=round) \
        if None in lasts else None
    again = Template(framework, password=password, generated_at=generated_at, round=round,
                     last_round=previous.round, removed=previous.removed) \
        if previous is not None and any(lasts) else None
    placing = Placing(again.layout, previous.round) if again is not None and previous is not None else None
    for service, last in zip(services, lasts):
        stamp = signature(key, service.id, framework.id, framework.version, framework.fingerprint) if key else ""
        if last is not None:
            assert again is not None and placing is not None
            yield again.personalise(service, stamp, placing.cells(last))
        else:
            assert template is not None
            yield template.personalise(service, stamp)


def _file_names(framework: Framework, services: list[Service]) -> list[str]:
    used: set[str] = set()
    names = []
    for service in services:
        name = f"{safe_filename(service.name)}_{safe_filename(service.id, 30)}_{framework.id}.xlsx"
        if name.lower() in used:  # two services whose safe names collide
            name = f"{name[:-5]}-{len(used)}.xlsx"
        used.add(name.lower())
        names.append(name)
    return names


def _earlier_rows(manifest: Path, force: bool) -> list[dict[str, str]]:
    """The rows of a manifest an earlier run left (never read through a link); [] if there is none."""
    if not os.path.lexists(manifest) or os.path.islink(manifest):
        return []
    try:
        text = read_regular(manifest, SERVICES_LIMIT, what="the earlier manifest").decode("utf-8-sig")
        rows = [{k: undefused(v) if isinstance(v, str) else v for k, v in row.items()}
                for row in csv.DictReader(io.StringIO(text, newline=""))]
    except (FileRefused, UnicodeDecodeError, csv.Error) as exc:
        if force:
            return []
        raise OverwriteError(f"{manifest} is there from an earlier run but cannot be read to keep its services "
                             f"({exc}); move it away, or give --force to replace it") from None
    if rows and "service_id" not in rows[0]:
        if force:
            return []
        raise OverwriteError(f"{manifest} is not a manifest this mail-merge wrote; move it away, or give --force "
                             f"to replace it")
    return rows


def _write_new(path: Path, data: bytes, *, replace: bool) -> None:
    """Create `path` afresh: O_EXCL never follows a link and never truncates a file someone else holds open."""
    if replace and os.path.lexists(path):
        os.unlink(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, 0o666)
    except FileExistsError:
        raise OverwriteError(f"{path} appeared while the mail-merge was writing; nothing was written over it") \
            from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
