"""The mail-merge: one personalised workbook per service in a CSV, and a manifest of what was sent to whom.

The manifest is what the collector later compares returns against, to list the services still missing.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .errors import MaturityXLError
from .generate import Service, generate
from .model import Framework

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


@dataclass(frozen=True, slots=True)
class ManifestRow:
    service: Service
    file: str


def generate_batch(framework: Framework, services: Iterable[Service], out_dir: Path, *,
                   password: str | None = None, generated_at: datetime | None = None,
                   progress: Callable[[int], None] | None = None) -> Path:
    """Generate every service's workbook into out_dir and write manifest.csv beside them; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    generated_at = generated_at or datetime.now(timezone.utc).replace(microsecond=0)
    used: set[str] = set()
    rows: list[ManifestRow] = []
    for service in services:
        name = f"{safe_filename(service.name)}_{safe_filename(service.id, 30)}_{framework.id}.xlsx"
        if name.lower() in used:  # two services whose safe names collide
            name = f"{name[:-5]}-{len(used)}.xlsx"
        used.add(name.lower())
        generate(framework, out_dir / name, service=service, password=password, generated_at=generated_at)
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
