"""Collect many returned files into tidy frames, with a log that accounts for every file handed in.

Every file ends in exactly one state: accepted, accepted with warnings, rejected (with the reason and what the
sender should do), duplicate (same bytes as another), superseded (the same service returned again later) or
ignored (Office lock files and system litter). Input files are only ever read.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import os
import pickle
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from .parse import Registry, default_registry, parse
from .reading import ReadError, check_zip, read_member
from .response import Response

ACCEPTED, WARNINGS, REJECTED, DUPLICATE, SUPERSEDED, IGNORED = (
    "accepted", "accepted with warnings", "rejected", "duplicate", "superseded", "ignored")
STATUSES = (ACCEPTED, WARNINGS, REJECTED, DUPLICATE, SUPERSEDED, IGNORED)
LITTER = {".ds_store", "thumbs.db", "desktop.ini"}
MAX_FILE_BYTES = 50 * 1024 * 1024  # a returned workbook is ~50 KB; anything this big is not one
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xls")

ADVICE = {
    "not-a-zip": "Send the completed workbook again as the .xlsx file you were sent (if it was still being "
                 "copied or downloaded, wait until it has finished).",
    "no-metadata": "Complete the workbook you were sent (not a copy of its sheets) and return that file.",
    "strict-xml": "Open it in Excel, choose File > Save As > 'Excel Workbook (.xlsx)', and send it again.",
    "missing-sheet": "Return the workbook with all its sheets as they were sent.",
    "too-large": "Send only the completed assessment workbook.",
}
DEFAULT_ADVICE = "Check that this is the completed assessment workbook and send it again."


@dataclass(slots=True)
class Source:
    """One file handed to the collector: a path on disk, or a member of a .zip archive."""

    name: str
    path: Path
    member: str | None = None
    size: int = 0

    def read(self) -> bytes:
        if self.member is None:
            return self.path.read_bytes()
        with zipfile.ZipFile(self.path) as zf:  # bounded by the member's declared size: a bomb inflates no further
            return read_member(zf, self.member, limit=MAX_FILE_BYTES)


@dataclass(slots=True)
class LogEntry:
    file: str
    status: str
    reason: str = ""
    advice: str = ""
    sha256: str = ""
    size: int = 0
    framework_id: str = ""
    framework_version: str = ""
    service_id: str = ""
    service_name: str = ""
    completed: date | None = None
    warnings: int = 0
    errors: int = 0
    same_as: str = ""  # the file this one duplicates, or the one that superseded it


@dataclass(slots=True)
class Expected:
    framework_id: str
    framework_version: str
    service_id: str
    service_name: str
    contact: str
    file: str


class SpilledResponses(Sequence[Response]):
    """Accepted responses kept in a temporary file as they arrive, one pickle each, so the collecting process
    holds a light head of each return (who, when, its problems; no ratings, actions or text) instead of its
    answers: memory stays flat from hundreds of returns to tens of thousands. Reading it (the frames do, once)
    loads one response at a time."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="maturity-xl-")
        self._spans: list[tuple[int, int]] = []
        self._added: list[Response] = []  # every head, by number
        self._heads: list[Response] = []  # the kept ones, in order
        self._order: list[int] = []

    def add(self, head: Response, blob: bytes) -> int:
        """Keep one response (its pickle, and its head in memory); returns its number, for `keep`."""
        offset = self._file.seek(0, os.SEEK_END)
        self._file.write(blob)
        self._spans.append((offset, len(blob)))
        self._added.append(head)
        return len(self._spans) - 1

    def keep(self, numbers: list[int]) -> None:
        """The responses that count, in order (the others were superseded)."""
        self._order = list(numbers)
        self._heads = [self._added[i] for i in self._order]

    @property
    def heads(self) -> list[Response]:
        return self._heads

    def __len__(self) -> int:
        return len(self._order)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self._load(self._order[i]) for i in range(*index.indices(len(self)))]
        return self._load(self._order[index])

    def __iter__(self) -> Iterator[Response]:
        for number in self._order:
            yield self._load(number)

    def _load(self, number: int) -> Response:
        offset, size = self._spans[number]
        self._file.seek(offset)
        return pickle.loads(self._file.read(size))


@dataclass(slots=True)
class Collection:
    responses: Sequence[Response]
    log: list[LogEntry]
    expected: list[Expected] | None = None
    registry: Registry = field(default_factory=default_registry)
    today: date = field(default_factory=date.today)

    @property
    def heads(self) -> Sequence[Response]:
        """The accepted responses' identities, respondents and problems, without reading their answers back
        from disk (for a list of responses, the responses themselves)."""
        responses = self.responses
        return responses.heads if isinstance(responses, SpilledResponses) else responses

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATUSES}
        for entry in self.log:
            out[entry.status] += 1
        return out

    @property
    def missing(self) -> list[Expected]:
        """Services in the manifest with no accepted return for that framework."""
        if self.expected is None:
            return []
        got = {(r.framework_id, r.service_id) for r in self.heads}
        return [e for e in self.expected if (e.framework_id, e.service_id) not in got]

    @property
    def unexpected(self) -> list[Response]:
        """Accepted returns from services the manifest does not list."""
        if self.expected is None:
            return []
        known = {(e.framework_id, e.service_id) for e in self.expected}
        return [r for r in self.heads if (r.framework_id, r.service_id) not in known]

    def frames(self):
        """The tidy pandas frames; imported lazily so the CLI's other commands start fast."""
        from .frames import Frames

        return Frames(self)


def discover(paths: Iterable[str | Path]) -> Iterator[Source]:
    """Every file under the given files, folders (recursively) and .zip archives, in a stable order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                yield from _expand(child, display=str(child))
        elif path.exists():
            yield from _expand(path, display=str(path))
        else:
            yield Source(str(path), path, size=-1)


def _expand(path: Path, display: str) -> Iterator[Source]:
    if path.suffix.lower() == ".zip" and _is_plain_zip(path):
        try:
            with zipfile.ZipFile(path) as zf:
                check_zip(zf)
                members = [i for i in zf.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, ReadError, OSError):
            yield Source(display, path, size=path.stat().st_size)
            return
        for info in members:
            yield Source(f"{display}!{info.filename}", path, info.filename, info.file_size)
        return
    yield Source(display, path, size=path.stat().st_size)


def _is_plain_zip(path: Path) -> bool:
    """A .zip of returns, not a workbook someone renamed to .zip."""
    try:
        with zipfile.ZipFile(path) as zf:
            return "[Content_Types].xml" not in zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _ignored(name: str) -> str | None:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].rsplit("!", 1)[-1]
    if base.startswith("~$"):
        return "an Office lock file, left while a workbook is open in Excel"
    if base.startswith(".~lock.") and base.endswith("#"):
        return "a LibreOffice lock file, left while a workbook is open"
    if base.lower() in LITTER or base.startswith("._"):
        return "a system file, not a return"
    return None


def read_manifest(paths: Iterable[str | Path]) -> list[Expected]:
    """The services expected to return, from one or more manifest.csv files the mail-merge wrote."""
    out: list[Expected] = []
    for path in paths:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                if not row.get("service_id"):
                    continue
                out.append(Expected(row.get("framework_id", ""), row.get("framework_version", ""),
                                    row["service_id"], row.get("service_name", ""), row.get("contact", ""),
                                    row.get("file", "")))
    return out


@dataclass(frozen=True, slots=True)
class Limits:
    """What one file may cost. A worker process enforces them, so one hostile file cannot stop a collection."""

    seconds: int = 20
    memory_bytes: int = 1536 * 1024 * 1024


def _parse_source(source: Source, registry: Registry, password: str | None = None) -> tuple[str, Response | None, str]:
    """Read and parse one source; returns (sha256, response or None, failure reason)."""
    if source.size < 0:
        return "", None, "missing"
    if source.size > MAX_FILE_BYTES:
        return "", None, "too-large"
    try:
        data = source.read()
    except (OSError, zipfile.BadZipFile, ReadError, RuntimeError, NotImplementedError, EOFError) as exc:
        return "", None, f"unreadable:{exc}"
    digest = hashlib.sha256(data).hexdigest()
    return digest, parse(data, name=source.name, registry=registry, password=password), ""


_worker_registry: Registry | None = None
_worker_password: str | None = None


def _worker_init(registry: Registry, limits: Limits, password: str | None = None) -> None:
    global _worker_registry, _worker_password
    _worker_registry, _worker_password = registry, password
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    except (ImportError, ValueError, OSError):  # not on this platform: the zip checks still bound memory
        pass


Result = tuple[str, Response | None, bytes, str]  # sha256, response (a head if accepted), its pickle, failure


def _packed(result: tuple[str, Response | None, str]) -> Result:
    """An accepted response as its head and its pickle: the collecting process keeps the head and writes the
    pickle to its spill file as it is, without unpickling the answers."""
    digest, response, failure = result
    if response is None or response.rejected:
        return digest, response, b"", failure
    try:
        blob = pickle.dumps(response, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        return "", None, b"", "memory:it needed more memory than any real workbook does"
    return digest, replace(response, ratings=[], actions=[]), blob, failure


def _worker_parse(job: tuple[Source, int]) -> Result:
    source, seconds = job
    import signal

    def expire(_signum, _frame):
        raise TimeoutError

    signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        assert _worker_registry is not None
        return _packed(_guarded(source, _worker_registry, _worker_password))
    except TimeoutError:
        return "", None, b"", f"slow:it took more than {seconds} seconds to read, which no real workbook does"
    finally:
        signal.alarm(0)


def _guarded(source: Source, registry: Registry, password: str | None = None) -> tuple[str, Response | None, str]:
    try:
        return _parse_source(source, registry, password)
    except MemoryError:
        return "", None, "memory:it needed more memory than any real workbook does"
    except TimeoutError:
        raise
    except Exception as exc:  # one file's surprise must not stop the others; it is logged, not hidden
        return "", None, f"unreadable:an unexpected problem ({type(exc).__name__}: {exc})"


def _parse_all(sources: list[Source], registry: Registry, workers: int, limits: Limits,
               progress: Callable[[int], None] | None, password: str | None = None) -> Iterator[Result]:
    """Parse sources in order, on worker processes when there are enough files to be worth it."""
    if workers <= 1 or len(sources) < 8:
        for source in sources:
            yield _packed(_guarded(source, registry, password))
            if progress:
                progress(1)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    done = 0
    while done < len(sources):
        pending = sources[done:]
        try:
            with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init,
                                     initargs=(registry, limits, password)) as pool:
                chunk = max(1, min(64, len(pending) // (workers * 8)))
                for result in pool.map(_worker_parse, [(s, limits.seconds) for s in pending], chunksize=chunk):
                    yield result
                    done += 1
                    if progress:
                        progress(1)
        except BrokenProcessPool:
            # A worker died (killed for memory, or crashed) on one of the next files: read the next one alone,
            # so the file that kills a reader is named and the rest go on.
            yield _isolated(sources[done], registry, limits, context, password)
            done += 1
            if progress:
                progress(1)


def _isolated(source: Source, registry: Registry, limits: Limits, context,
              password: str | None = None) -> Result:
    """Parse one file in a process of its own; if that process dies too, the file is the cause."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        with ProcessPoolExecutor(1, mp_context=context, initializer=_worker_init,
                                 initargs=(registry, limits, password)) as pool:
            return pool.submit(_worker_parse, (source, limits.seconds)).result()
    except BrokenProcessPool:
        return "", None, b"", "crashed:reading it stopped the reader (it needed too much memory or is malformed)"


def collect(paths: Iterable[str | Path], *, expected: Iterable[str | Path] | None = None,
            registry: Registry | None = None, today: date | None = None,
            progress: Callable[[int], None] | None = None, workers: int | None = None,
            limits: Limits | None = None, key: bytes | None = None, password: str | None = None) -> Collection:
    """Read every return under `paths` into a Collection; never modifies an input file."""
    registry = registry or default_registry()
    workers = workers if workers is not None else (os.cpu_count() or 1)
    limits = limits or Limits()
    log: list[LogEntry] = []
    seen: dict[str, LogEntry] = {}
    accepted: list[tuple[Response, LogEntry, int]] = []
    store = SpilledResponses()
    to_read: list[Source] = []
    for source in discover(paths):
        reason = _ignored(source.name)
        if reason:
            log.append(LogEntry(source.name, IGNORED, reason, size=max(source.size, 0)))
            if progress:
                progress(1)
        else:
            to_read.append(source)
    results = _parse_all(to_read, registry, workers, limits, progress, password)
    with _settled_as_we_go() as tick:
        accepted += _gather(to_read, results, log, seen, key, tick, store)
    store.keep(_latest_per_service(accepted))
    manifest = read_manifest(expected) if expected else None
    return Collection(store, log, manifest, registry, today or date.today())


@contextmanager
def _settled_as_we_go() -> Iterator[Callable[[], None]]:
    """A tick to call per result: every 1,000 results, what has been kept so far is frozen out of the cycle
    collector's sight (gc.freeze) until the collection is done.

    Thousands of kept responses hold hundreds of thousands of small objects and no reference cycles; every full
    collection walked all of them again, which cost 3 s of the main process's 5.6 s for 10,000 returns. The
    collector stays on for the garbage that parsing in this process makes.
    """
    count = 0
    ours = gc.get_freeze_count() == 0  # a caller that froze objects itself keeps them frozen: leave gc alone

    def tick() -> None:
        nonlocal count
        count += 1
        if ours and count % 1000 == 0:
            gc.freeze()

    try:
        yield tick
    finally:
        if ours:
            gc.unfreeze()


def _gather(to_read: list[Source], results: Iterator[Result], log: list[LogEntry], seen: dict[str, LogEntry],
            key: bytes | None, tick: Callable[[], None], store: SpilledResponses
            ) -> list[tuple[Response, LogEntry, int]]:
    """Log each parsed source, and spill the ones accepted to `store` (before resubmissions are resolved)."""
    accepted: list[tuple[Response, LogEntry, int]] = []
    for source, (digest, response, blob, failure) in zip(to_read, results):
        tick()
        entry = LogEntry(source.name, REJECTED, sha256=digest, size=max(source.size, 0))
        log.append(entry)
        if failure:
            entry.reason, entry.advice = _failure(failure, source)
            continue
        if digest in seen:
            original = seen[digest]
            entry.status, entry.reason, entry.same_as = DUPLICATE, "the same bytes as another file", original.file
            entry.framework_id, entry.framework_version = original.framework_id, original.framework_version
            entry.service_id, entry.service_name = original.service_id, original.service_name
            continue
        seen[digest] = entry
        assert response is not None
        _describe(entry, response)
        if response.rejected:
            fatal = next(p for p in response.problems if p.severity == "fatal")
            entry.reason = fatal.message
            entry.advice = fatal.advice or ADVICE.get(fatal.code, DEFAULT_ADVICE)
            continue
        if key is not None:
            found = len(response.problems)
            check_signature(response, key)
            if len(response.problems) != found:  # the spilled pickle carries the problem too
                whole = pickle.loads(blob)
                whole.problems = response.problems
                blob = pickle.dumps(whole, protocol=pickle.HIGHEST_PROTOCOL)
            _describe(entry, response)
        entry.status = WARNINGS if response.problems else ACCEPTED
        accepted.append((response, entry, store.add(response, blob)))
    return accepted


def _failure(failure: str, source: Source) -> tuple[str, str]:
    if failure == "missing":
        return "the file does not exist", "Check the path."
    if failure == "too-large":
        return (f"the file is {source.size // (1024 * 1024)} MB; a completed workbook is well under 1 MB",
                ADVICE["too-large"])
    _code, _sep, detail = failure.partition(":")
    return f"the file could not be read: {detail}", DEFAULT_ADVICE


def check_signature(response: Response, key: bytes) -> None:
    """Flag a return whose identity does not carry the programme's signature (altered, or copied in)."""
    from .layout import METADATA
    from .response import Problem
    from .sign import verify

    r = response
    if not r.signature and not r.signature_property:
        problem = ("unsigned", "the workbook carries no signature: it was not generated with the programme's key, "
                               "or its identity was removed")
    elif r.signature != r.signature_property:
        problem = ("signature-mismatch", "the signature in the metadata sheet and the one in the document's "
                                         "properties differ: the workbook's identity was edited")
    elif not verify(key, r.signature, r.service_id, r.framework_id, r.framework_version, r.fingerprint):
        problem = ("signature-invalid", f"the signature does not match service '{r.service_id}', framework "
                                        f"{r.framework_id} {r.framework_version}: the identity was altered or "
                                        f"copied from another workbook")
    else:
        return
    r.problems.append(Problem("error", problem[0], problem[1], METADATA))


def _describe(entry: LogEntry, response: Response) -> None:
    entry.framework_id, entry.framework_version = response.framework_id, response.framework_version
    entry.service_id = response.service_id
    entry.service_name = response.service_name or str(response.respondent.get("service") or "")
    entry.completed = response.completed_on
    entry.warnings = sum(p.severity == "warning" for p in response.problems)
    entry.errors = sum(p.severity == "error" for p in response.problems)


def service_key(response: Response) -> tuple[str, str]:
    """Who a return is from: the stamped service id, or for an unpersonalised workbook the names typed in."""
    if response.service_id:
        return response.framework_id, "id:" + response.service_id
    org = str(response.respondent.get("organisation") or "").casefold().strip()
    svc = str(response.respondent.get("service") or "").casefold().strip()
    return response.framework_id, f"name:{org}|{svc}|{response.file if not (org or svc) else ''}"


def _latest_per_service(accepted: list[tuple[Response, LogEntry, int]]) -> list[int]:
    """Keep the latest completion per service (the numbers the store gave them, in order); earlier ones are
    marked superseded in the log."""
    groups: dict[tuple[str, str], list[tuple[int, Response, LogEntry]]] = {}
    for response, entry, number in accepted:
        groups.setdefault(service_key(response), []).append((number, response, entry))
    keep: list[int] = []
    for items in groups.values():
        items.sort(key=lambda t: (t[1].completed_on or date.min, _mtime(t[2].file), t[0]))
        winner = items[-1]
        keep.append(winner[0])
        for _order, _response, entry in items[:-1]:
            entry.status = SUPERSEDED
            entry.same_as = winner[2].file
            entry.reason = (f"the same service returned again later ({winner[2].file}"
                            f"{', completed ' + winner[1].completed_on.isoformat() if winner[1].completed_on else ''})")
    return sorted(keep)


def _mtime(name: str) -> float:
    path = name.split("!", 1)[0]
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


__all__ = ["Collection", "LogEntry", "Expected", "collect", "discover", "read_manifest", "STATUSES"]
