"""Writing a collection's reports without overwriting an input, losing the collection, or leaving debris.

- An output that names an input (a return, the returns folder, the manifest) is refused before any work.
- Each report is written to a temporary file beside it and renamed over the old one only when it is complete: a
  full disk or an interruption leaves the old report as it was and no temporary file behind.
- A report that is open in Excel or LibreOffice (their lock files sit beside it) or cannot be replaced is not
  lost: it is written beside the real one as `report (2).xlsx`, and the message names both.
- The CSV set is written into a temporary folder and swapped in whole, so it is never half old and half new.
- A large collection's HTML page and CSVs are written by a forked child while this process writes report.xlsx
  (outputs_apart.py); the child puts nothing in place, its failure is raised here as the same error, and it is
  killed, its temporary files removed, when this process stops.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import MaturityXLError
from .heap import give_back
from .safeio import shown
from .stopping import check, terminate_raises


class OutputError(MaturityXLError):
    """An output that cannot or must not be written; the message names the real file and what to do."""


@dataclass(slots=True)
class Written:
    """What a report write did: the files written, and notes for the user (a report written under another name)."""

    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _real(path: Path) -> Path:
    try:
        return Path(os.path.realpath(path))
    except (OSError, ValueError):
        return Path(os.path.abspath(path))


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_outputs(outputs: dict[str, Path | None], inputs: Iterable[Path], manifests: Iterable[Path] = (),
                  folders: Iterable[str] = ("--csv-dir",), stores: Iterable[Path] = ()) -> None:
    """Refuse, before anything is read, an output that would overwrite or swallow an input.

    Args:
        outputs: option name (e.g. "-o") -> the path it names (None when not given).
        inputs: the files and folders being collected.
        manifests: the --expected manifests.
        folders: which options name a folder rather than a file.
        stores: the programme stores read or written (with their -wal and -shm files).

    Raises:
        OutputError: naming the option, the path and the input it collides with.
    """
    sources = [(_real(p), "returns folder" if _isdir(p) else "return being collected", p) for p in inputs]
    sources += [(_real(p), "--expected manifest", p) for p in manifests]
    sources += [(_real(Path(f"{p}{end}")), "programme store", p) for p in stores for end in ("", "-wal", "-shm")]
    problems = []
    for option, path in outputs.items():
        if path is None:
            continue
        out = _real(path)
        for real, what, given in sources:
            folder = what == "returns folder"
            if out == real or (folder and _within(out, real)):
                where = "is" if out == real else "is inside"
                harm = ("would replace the store and everything it holds" if what == "programme store" else
                        "would overwrite a return or be read as one next time")
                problems.append(f"{option} {path} {where} the {what} {given}: choose a path outside the inputs "
                                f"(a report written there {harm})")
            elif option in folders and _within(real, out):
                problems.append(f"{option} {path} holds the {what} {given}: choose a folder of its own for the CSVs")
    seen: dict[Path, str] = {}
    for option, path in outputs.items():
        if path is not None:
            out = _real(path)
            if out in seen:
                problems.append(f"{option} and {seen[out]} name the same path {path}")
            seen[out] = option
    if problems:
        raise OutputError("nothing was read or written:\n" + "\n".join(f"  - {p}" for p in problems))


def _isdir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def lock_holder(path: Path) -> str | None:
    """Why `path` looks open in another program or cannot be replaced, or None."""
    excel = path.with_name(f"~${path.name}")
    office = path.with_name(f".~lock.{path.name}#")
    if os.path.lexists(excel):
        return "it is open in Excel"
    if os.path.lexists(office):
        return "it is open in LibreOffice"
    if os.path.lexists(path) and (os.path.isdir(path) or not os.access(path, os.W_OK)):
        return "it is a folder" if os.path.isdir(path) else "it is read-only"
    return None


def free_name(path: Path) -> Path:
    """`report (2).xlsx`, `report (3).xlsx`, ...: the first that does not exist and is not locked."""
    for n in range(2, 1000):
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        if not os.path.lexists(candidate) and lock_holder(candidate) is None:
            return candidate
    raise OutputError(f"{path}: no free name beside it to write the report to")


def _explain(exc: BaseException, target: Path, what: str) -> OutputError:
    """An OSError (or XlsxWriter's wrapper of one) as a sentence naming the real file, not a temporary one."""
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else exc
    code = getattr(inner, "errno", None)
    name = shown(str(target))
    if code in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(f"the disk is full: {what} {name} was not written (any previous one is unchanged); "
                           f"free some space and run again")
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(f"cannot write {what} {name}: permission denied (the folder is read-only, or the file "
                           f"is open in another program: close it and run again)")
    if code == errno.ENAMETOOLONG:
        return OutputError(f"cannot write {what} {name}: the path is too long for this system")
    detail = getattr(inner, "strerror", None) or str(inner)
    return OutputError(f"cannot write {what} {name}: {detail}")


def _is_write_failure(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return True
    try:
        from xlsxwriter.exceptions import FileCreateError
    except ImportError:  # pragma: no cover - xlsxwriter is a dependency
        return False
    return isinstance(exc, FileCreateError)


@dataclass(slots=True)
class Staged:
    """An output being written: the temporary file (or folder) it goes to first, and where it will go."""

    target: Path
    what: str
    temporary: Path
    final: Path | None = None  # a file: the target, or a free name beside it when the target is open elsewhere
    note: str = ""
    names: list[str] = field(default_factory=list)  # a folder: the files written into it
    scratch: Path | None = None  # a file written in a folder of its own (by a forked child): removed with it

    @property
    def folder(self) -> bool:
        return self.final is None


def stage_file(target: Path, what: str = "the report", alone: bool = False) -> Staged:
    """A temporary name beside `target` (or beside the free name it goes to, if `target` is open elsewhere); with
    `alone`, inside a temporary folder of its own there, so that whatever its writer leaves beside it (a process
    killed while writing: its own temporary file) is removed with the folder."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _explain(exc, target, what) from None
    final, note = target, ""
    reason = lock_holder(target)
    if reason:
        final = free_name(target)
        note = f"{target} was not replaced because {reason}: close it; this report is in {final}"
    if not alone:
        return Staged(target, what, final.with_name(f".{final.name}.{secrets.token_hex(4)}.part"), final, note)
    try:
        scratch = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent))
    except OSError as exc:
        raise _explain(exc, target, what) from None
    return Staged(target, what, scratch / final.name, final, note, scratch=scratch)


def stage_folder(folder: Path, what: str = "the CSV files") -> Staged:
    """A temporary folder beside `folder` to write the set into."""
    folder = Path(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        if os.path.lexists(folder) and (folder.is_symlink() or not folder.is_dir()):
            raise OutputError(f"{what}: {folder} is {'a link' if folder.is_symlink() else 'a file'}, not a folder")
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".part", dir=folder.parent))
        os.chmod(staging, 0o777 & ~_umask())
    except OSError as exc:
        raise _explain(exc, folder, what) from None
    return Staged(folder, what, staging)


def fill(staged: Staged, write: Callable[[Path], object]) -> Staged:
    """Run `write(temporary)`; a folder's writer returns the files it wrote. A write failure is explained."""
    try:
        result = write(staged.temporary)
    except Exception as exc:
        if _is_write_failure(exc):
            raise _explain(exc, staged.target, staged.what) from None
        raise
    if staged.folder:
        staged.names = [Path(p).name for p in result]  # type: ignore[union-attr]
    return staged


def commit(staged: Staged) -> tuple[list[Path], str]:
    """Put a written output in its place; (the paths written, a note for the user or "")."""
    check()  # a SIGTERM caught while writing (see stopping.py) leaves the old report in place
    try:
        if staged.folder:
            return _swap_folder(staged.temporary, staged.target, staged.names), ""
        assert staged.final is not None
        try:
            os.replace(staged.temporary, staged.final)
        except PermissionError:  # locked between the check and the rename (Windows: open in Excel)
            staged.final = free_name(staged.target)
            staged.note = (f"{staged.target} could not be replaced (it is open in another program): close it; "
                           f"this report is in {staged.final}")
            os.replace(staged.temporary, staged.final)
        return [staged.final], staged.note
    except Exception as exc:
        if _is_write_failure(exc):
            raise _explain(exc, staged.target, staged.what) from None
        raise


def discard(staged: Staged) -> None:
    """Remove what is left of the temporary file or folder (nothing, once committed)."""
    _remove(staged.temporary)
    if staged.scratch is not None:
        _remove(staged.scratch)


def write_file(target: Path, write: Callable[[Path], None], what: str = "the report") -> tuple[Path, str]:
    """Write `target` through `write(temporary_path)`; returns (the path written, a note or "").

    The temporary file sits beside the target and is removed whatever happens; the target is replaced only by a
    complete file. If the target is open in another program or cannot be replaced, the report goes beside it
    under a free name and the note says so.
    """
    staged = stage_file(target, what)
    try:
        (path,), note = commit(fill(staged, write))
    finally:
        discard(staged)
    return path, note


def write_folder(folder: Path, write: Callable[[Path], list[Path]], what: str = "the CSV files") -> list[Path]:
    """Write a set of files with `write(staging_folder)` (it returns the files it wrote), then swap them in.

    If `folder` holds only files of the set (or does not exist), the staging folder replaces it by two renames;
    otherwise the new files are renamed over the old ones one by one, only once every one of them has been
    written. A failure while writing leaves the old set as it was.
    """
    staged = stage_folder(folder, what)
    try:
        paths, _ = commit(fill(staged, write))
    finally:
        discard(staged)
    return paths


def _swap_folder(staging: Path, folder: Path, names: list[str]) -> list[Path]:
    if not os.path.lexists(folder):
        os.replace(staging, folder)
    elif _only(folder, set(names)):
        old = folder.with_name(f".{folder.name}.{secrets.token_hex(4)}.old")
        os.replace(folder, old)
        try:
            os.replace(staging, folder)
        except OSError:
            os.replace(old, folder)  # put the old set back: never no set, never a mixed one
            raise
        _remove(old)
    else:
        for name in names:
            os.replace(staging / name, folder / name)
    return [folder / name for name in names]


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _only(folder: Path, names: set[str]) -> bool:
    """True when every entry of `folder` is a regular file named in `names` (so swapping the folder loses nothing)."""
    try:
        with os.scandir(folder) as entries:
            return all(e.name in names and e.is_file(follow_symlinks=False) for e in entries)
    except OSError:
        return False


def terminating_cleanly():
    """SIGTERM raises SystemExit(143) instead of killing at once, so `finally` blocks remove temporary files."""
    def stopped(signum: int) -> SystemExit:
        print(f"stopped (signal {signum}): each report is left as it was", file=sys.stderr)
        return SystemExit(128 + signum)

    return terminate_raises(stopped)


def write_reports(collection, output: Path | None, html: Path | None = None, csv_dir: Path | None = None,
                  more_csvs: Callable[[object, Path], list[Path]] | None = None) -> Written:
    """The workbook, and the HTML and the CSVs when asked, each written safely (see the module's docstring).

    Each goes to a temporary file or folder first, and all of them are put in place only once every one is
    complete, so a failure in any leaves every report as it was. `more_csvs(collection, folder)` adds files to
    the CSV set. For a large collection the page and the CSVs are written by a forked child while this process
    writes the workbook (outputs_apart.py); the files are the same, byte for byte.
    """
    from . import outputs_apart
    from .report import write_csvs, write_html, write_workbook

    def csvs(folder: Path) -> list[Path]:
        return write_csvs(collection, folder) + (more_csvs(collection, folder) if more_csvs else [])

    apart = output is not None and (html, csv_dir) != (None, None) and outputs_apart.wanted(collection)
    here: list[tuple[Staged, Callable[[Path], object]]] = []
    there: list[tuple[Staged, Callable[[Path], object]]] = []
    try:
        if output is not None:
            here.append((stage_file(output, "the report"), lambda tmp: write_workbook(collection, tmp)))
        if html is not None:
            (there if apart else here).append((stage_file(html, "the HTML report", alone=apart),
                                               lambda tmp: write_html(collection, tmp)))
        if csv_dir is not None:
            (there if apart else here).append((stage_folder(csv_dir), csvs))
        if apart and outputs_apart.prepare(collection):
            outputs_apart.fill_apart(here, there, _filled)  # each side gives back after each report
        else:
            for staged, write in [*here, *there]:
                _filled(staged, write)
        filled = [staged for staged, _ in [*here, *there]]
        done = Written()
        for staged in filled:
            paths, note = commit(staged)
            done.files += paths
            done.notes += [note] if note else []
        return done
    finally:
        for staged, _ in [*here, *there]:
            discard(staged)


def _filled(staged: Staged, write: Callable[[Path], object]) -> Staged:
    """`fill`, then what the writer freed given back to the system, so the next report's peak does not come on
    top of it (50 MB after the HTML page of 10,000 returns)."""
    try:
        return fill(staged, write)
    finally:
        give_back()


__all__ = ["OutputError", "Staged", "Written", "check_outputs", "commit", "discard", "fill", "free_name",
           "lock_holder", "stage_file", "stage_folder", "terminating_cleanly", "write_file", "write_folder",
           "write_reports"]
