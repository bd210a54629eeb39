"""Write every service's pack (HTML, then PDF) and the manifest a mail merge sends them from."""

from __future__ import annotations

import csv
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..batch import safe_filename
from ..csvsafe import defuse_text
from .figures import FrameworkLookup, Pack, build_packs
from .render import render_pack

MAX_PAGES = 2  # a pack is one or two A4 pages: a longer one is printed a little smaller
MANIFEST_COLUMNS = ["service_id", "service_name", "contact", "framework_id", "framework_version", "pdf", "html"]


@dataclass(frozen=True, slots=True)
class Written:
    """One pack on disk: who it is for and its files (relative to the output folder)."""

    service_id: str
    service_name: str
    contact: str
    framework_id: str
    framework_version: str
    html: str
    pdf: str


def pack_name(pack: Pack, used: set[str]) -> str:
    """A file stem safe everywhere, unique in the folder: service name, id and framework, as the mail-merge's."""
    stem = f"{safe_filename(pack.service_name or 'service')}_{safe_filename(pack.service_id or 'no-id', 30)}_" \
           f"{pack.framework_id}_feedback"
    name, n = stem, 1
    while name.lower() in used:
        n += 1
        name = f"{stem}-{n}"
    used.add(name.lower())
    return name


def write_feedback(frames, out_dir: Path, *, pdf: bool = True, frameworks: FrameworkLookup | None = None,
                   today: date | None = None, contacts: dict[tuple[str, str], str] | None = None, previous=None,
                   progress: Callable[[int], None] | None = None) -> Path:
    """Write a pack per accepted return in `frames` into `out_dir`, and `out_dir/manifest.csv`.

    `frames` is any object with the tidy `ratings`, `actions` and `responses` frames (a Collection's Frames or a
    store's); see build_packs for the other arguments. The HTML is written pack by pack (nothing is held for all
    of them), then one Chromium prints every PDF. Returns the manifest's path.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    written: list[Written] = []
    for pack in build_packs(frames, frameworks=frameworks, today=today, contacts=contacts, previous=previous):
        stem = pack_name(pack, used)
        _atomic_text(out_dir / f"{stem}.html", render_pack(pack))
        written.append(Written(pack.service_id, pack.service_name, pack.contact, pack.framework_id,
                               pack.framework_version, f"{stem}.html", f"{stem}.pdf" if pdf else ""))
        if progress and not pdf:
            progress(1)
    if pdf:
        from .pdf import print_pdfs

        print_pdfs([(out_dir / w.html, out_dir / w.pdf) for w in written], max_pages=MAX_PAGES, progress=progress)
    manifest = out_dir / "manifest.csv"
    _write_manifest(manifest, written)
    return manifest


def write_feedback_for(collection, out_dir: Path, *, pdf: bool = True, previous=None,
                       progress: Callable[[int], None] | None = None) -> Path:
    """write_feedback for a Collection: contacts from its manifest (collect --expected), its registry and date."""
    contacts = {(e.framework_id, e.service_id): e.contact for e in collection.expected or [] if e.contact}
    return write_feedback(collection.frames(), out_dir, pdf=pdf, frameworks=collection.registry.get,
                          today=collection.today, contacts=contacts, previous=previous, progress=progress)


def _write_manifest(path: Path, rows: list[Written]) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "w", newline="", encoding="utf-8-sig") as fh:
            out = csv.writer(fh)
            out.writerow(MANIFEST_COLUMNS)
            for w in rows:
                out.writerow([defuse_text(str(getattr(w, c))) for c in MANIFEST_COLUMNS])  # CWE-1236
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
