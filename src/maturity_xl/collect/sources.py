"""What the collector is handed: every file under the given files, folders and .zip archives of returns, and
how one is read (bounded; a FIFO, a device or a folder refused)."""

from __future__ import annotations

import errno
import os
import stat
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..reading import ReadError, read_member
from ..reading.zipsafe import MAX_RATIO, RATIO_CHECK_FLOOR
from ..safeio import is_regular, read_regular

LITTER = {".ds_store", "thumbs.db", "desktop.ini"}
MAX_FILE_BYTES = 50 * 1024 * 1024  # a returned workbook is ~50 KB; anything this big is not one
# A .zip of returns is bounded per member (each is read, bounded, as a workbook of its own) and in count; it is not
# held to one workbook's limits (2,100 genuine returns are 69 MB and 2,100 parts).
MAX_ARCHIVE_MEMBERS = 50_000


@dataclass(slots=True)
class Source:
    """One file handed to the collector: a path on disk, or a member of a .zip archive."""

    name: str
    path: Path
    member: str | None = None
    size: int = 0

    def read(self) -> bytes:
        if self.member is None:  # a FIFO, a device or a folder is refused, and no read goes past the limit
            return read_regular(self.path, MAX_FILE_BYTES)
        # Bounded by the member's declared size: a bomb inflates no further.
        return read_member(_archive(self.path), self.member, limit=MAX_FILE_BYTES)


_last_archive: tuple[int, Path, zipfile.ZipFile] | None = None


def _archive(path: Path) -> zipfile.ZipFile:
    """The archive a member is read from, kept open for its next member (members come in order): opening it per
    member parsed its whole directory each time, which made 2,100 members take 90 s instead of 2. Kept per
    process: a forked worker must not share its parent's file offset."""
    global _last_archive
    if _last_archive is None or _last_archive[:2] != (os.getpid(), path):
        if _last_archive is not None and _last_archive[0] == os.getpid():
            _last_archive[2].close()
        _last_archive = (os.getpid(), path, zipfile.ZipFile(path))
    return _last_archive[2]


def discover(paths: Iterable[str | Path] | str | Path) -> Iterator[Source]:
    """Every file under the given files, folders (recursively) and .zip archives, in a stable order.

    Nothing found is dropped without a trace: a sub-folder that cannot be listed, a link to a folder, a FIFO or a
    file that vanished is yielded too, and reading it says what it is.
    """
    if isinstance(paths, (str, bytes, os.PathLike)):  # one path, not a sequence of one-letter paths ("/", ...)
        paths = [paths]
    for raw in paths:
        path = Path(os.fsdecode(raw))
        try:
            folder = stat.S_ISDIR(path.stat().st_mode)
        except (OSError, ValueError):
            folder = False
        if folder:
            for child in _walk(path):
                yield from _expand(child, display=str(child))
        else:
            yield from _expand(path, display=str(path))


def _walk(folder: Path) -> list[Path]:
    """Every entry under `folder` that is not a folder it can enter (links are not followed), sorted; a folder
    that cannot be listed is itself an entry, so it is logged rather than skipped in silence."""
    found: list[str] = []
    pending = [str(folder)]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as entries:
                listed = list(entries)
        except OSError:
            found.append(current)
            continue
        for entry in listed:
            try:
                inside = entry.is_dir(follow_symlinks=False)
            except OSError:
                inside = False
            (pending if inside else found).append(entry.path)
    if os.sep == "/" and not os.altsep:
        # The order of the Paths (on POSIX, of their parts: str.split("/") of each, all under one folder), sorted
        # before each is made a Path: sorting the Paths themselves cost as much as listing the folder.
        found.sort(key=_parts)
        return list(map(Path, found))
    return sorted(map(Path, found))


def _parts(path: str) -> list[str]:
    return path.split("/")


def _expand(path: Path, display: str) -> Iterator[Source]:
    try:
        size = path.stat().st_size
    except (OSError, ValueError) as exc:  # gone since it was listed (missing), or unreadable (reading says why)
        yield Source(display, path, size=-1 if getattr(exc, "errno", None) == errno.ENOENT else 0)
        return
    if path.suffix.lower() == ".zip" and is_regular(path) and _is_plain_zip(path):
        try:
            with zipfile.ZipFile(path) as zf:
                members = _archive_members(zf)
        except (zipfile.BadZipFile, ReadError, OSError):
            yield Source(display, path, size=size)
            return
        for info in members:  # each read bounded by MAX_FILE_BYTES; a bigger one is "too large" on its own
            yield Source(f"{display}!{info.filename}", path, info.filename, info.file_size)
        return
    yield Source(display, path, size=size)


def _archive_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The files in a .zip of returns, refusing only what no archive of returns is."""
    infos = [i for i in zf.infolist() if not i.is_dir()]
    if len(infos) > MAX_ARCHIVE_MEMBERS:
        raise ReadError("too-many-parts", f"the archive holds {len(infos):,} files; unpack it and collect the folder")
    for info in infos:
        if info.flag_bits & 0x1:
            raise ReadError("encrypted-parts", "the files inside the archive are locked with a zip password")
        if info.file_size > RATIO_CHECK_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ReadError("zip-bomb", f"a file in the archive ({info.filename}) is compressed "
                                        f"{info.file_size // max(info.compress_size, 1):,} to 1, which no real "
                                        f"workbook is")
    return infos


def _is_plain_zip(path: Path) -> bool:
    """A .zip of returns, not a workbook someone renamed to .zip."""
    try:
        with zipfile.ZipFile(path) as zf:
            return "[Content_Types].xml" not in zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def ignored(name: str) -> str | None:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].rsplit("!", 1)[-1]
    if base.startswith("~$"):
        return "an Office lock file, left while a workbook is open in Excel"
    if base.startswith(".~lock.") and base.endswith("#"):
        return "a LibreOffice lock file, left while a workbook is open"
    if base.lower() in LITTER or base.startswith("._"):
        return "a system file, not a return"
    return None
