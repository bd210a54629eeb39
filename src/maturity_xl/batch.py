"""The mail-merge: one personalised workbook per service in a CSV, and a manifest of what was sent to whom.

The manifest is what the collector later compares returns against, to list the services still missing.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .errors import MaturityXLError
from .generate import Service, generate_bytes
from .layout import EMPTY, UNSIGNED
from .model import Framework
from .sign import signature

MANIFEST_FIELDS = ("service_id", "service_name", "contact", "file", "framework_id", "framework_version",
                   "fingerprint", "generated_at")
ID_ALIASES = ("id", "service_id", "service id", "code")
NAME_ALIASES = ("name", "service_name", "service name", "service")
CONTACT_ALIASES = ("contact", "email", "contact_email", "contact email")


class ServicesError(MaturityXLError):
    pass


def read_services(path: Path) -> list[Service]:
    """Read a services CSV (id, name, optional contact); every problem is reported at once."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ServicesError(f"{path}: the services file does not exist") from None
    except UnicodeDecodeError:
        raise ServicesError(f"{path}: the services file is not UTF-8 text; save it as 'CSV UTF-8' and try again") \
            from None
    reader = csv.DictReader(text.splitlines())
    headers = {h.strip().lower(): h for h in (reader.fieldnames or []) if h}

    def pick(aliases: tuple[str, ...]) -> str | None:
        return next((headers[a] for a in aliases if a in headers), None)

    id_col, name_col, contact_col = pick(ID_ALIASES), pick(NAME_ALIASES), pick(CONTACT_ALIASES)
    if not id_col or not name_col:
        raise ServicesError(f"{path}: the first row must name the columns 'id' and 'name' (and optionally "
                            f"'contact'); found: {', '.join(reader.fieldnames or []) or 'nothing'}")
    services, problems, seen = [], [], {}
    for line, row in enumerate(reader, start=2):
        sid = (row.get(id_col) or "").strip()
        name = (row.get(name_col) or "").strip()
        contact = (row.get(contact_col) or "").strip() if contact_col else ""
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
    """

    def __init__(self, framework: Framework, *, password: str | None = None, generated_at: datetime | None = None):
        service = Service(TOKENS["id"], TOKENS["name"], TOKENS["contact"])
        data = generate_bytes(framework, service=service, password=password, generated_at=generated_at,
                              signature=TOKENS["signature"])
        self.members: list[_Member] = []
        self.patched: set[bytes] = set()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                content = zf.read(info)
                if any(t.encode() in content for t in TOKENS.values()):
                    self.patched.add(info.filename.encode())
                    raw = content  # kept inflated: it will be rewritten per service
                else:
                    raw = _raw_member(data, info)
                y, mo, d, h, mi, sec = info.date_time
                self.members.append(_Member(info.filename.encode(), (h << 11) | (mi << 5) | (sec // 2),
                                            ((y - 1980) << 9) | (mo << 5) | d, info.CRC, raw, info.file_size))

    def personalise(self, service: Service, signature: str = "") -> bytes:
        if not service.id or not service.name:
            raise ValueError("a personalised workbook needs the service's id and name")
        # Empty values are written as "-" (see layout.EMPTY), so a template token never stands for a blank cell.
        values = {TOKENS["id"]: service.id, TOKENS["name"]: service.name, TOKENS["contact"]: service.contact or EMPTY,
                  TOKENS["signature"]: signature or UNSIGNED}
        out = io.BytesIO()
        central = []
        for m in self.members:
            crc, size, raw = m.crc, m.size, m.raw
            if m.name in self.patched:
                text = m.raw
                for token, value in values.items():
                    text = text.replace(token.encode(), _xml_text(value))
                crc, size = zlib.crc32(text), len(text)
                deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
                raw = deflate.compress(text) + deflate.flush()
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


def _raw_member(data: bytes, info: zipfile.ZipInfo) -> bytes:
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    return data[start:start + info.compress_size]


def _xml_text(value: str) -> bytes:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


@dataclass(frozen=True, slots=True)
class ManifestRow:
    service: Service
    file: str


def generate_batch(framework: Framework, services: Iterable[Service], out_dir: Path, *,
                   password: str | None = None, generated_at: datetime | None = None,
                   key: bytes | None = None, progress: Callable[[int], None] | None = None) -> Path:
    """Generate every service's workbook into out_dir and write manifest.csv beside them; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    generated_at = generated_at or datetime.now(UTC).replace(microsecond=0)
    used: set[str] = set()
    rows: list[ManifestRow] = []
    template = Template(framework, password=password, generated_at=generated_at)
    for service in services:
        name = f"{safe_filename(service.name)}_{safe_filename(service.id, 30)}_{framework.id}.xlsx"
        if name.lower() in used:  # two services whose safe names collide
            name = f"{name[:-5]}-{len(used)}.xlsx"
        used.add(name.lower())
        stamp = signature(key, service.id, framework.id, framework.version, framework.fingerprint) if key else ""
        (out_dir / name).write_bytes(template.personalise(service, stamp))
        rows.append(ManifestRow(service, name))
        if progress:
            progress(1)
    manifest = out_dir / "manifest.csv"
    with manifest.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(MANIFEST_FIELDS)
        for row in rows:
            writer.writerow([row.service.id, row.service.name, row.service.contact, row.file, framework.id,
                             framework.version, framework.fingerprint, generated_at.isoformat()])
    return manifest
