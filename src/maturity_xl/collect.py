"""Collect many returned files into tidy frames, with a log that accounts for every file handed in.

Every file ends in exactly one state (settle.py says which, and which return counts for a service): accepted,
accepted with warnings, accepted with errors, incomplete, returned blank, rejected (with the reason and what the
sender should do), duplicate (same bytes as another), superseded (the same service returned another that counts),
conflict (another organisation or respondent returned the same service's workbook) or ignored (Office lock files
and system litter). Input files are only ever read.
"""

from __future__ import annotations

import errno
import gc
import hashlib
import os
import pickle
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from .catalogue import message
from .errors import MaturityXLError
from .parse import Registry, default_registry, parse
from .reader import MAX_RATIO, RATIO_CHECK_FLOOR, ReadError, read_member
from .response import Problem, Response
from .safeio import is_regular, read_regular
from .settle import (
    ACCEPTED,
    BLANK,
    CONFLICT,
    COUNTED,
    DUPLICATE,
    ERRORS,
    IGNORED,
    INCOMPLETE,
    REJECTED,
    STATUSES,
    SUPERSEDED,
    WARNINGS,
    Candidate,
    date_problem,
    key_notice,
    settle,
    signed_ok,
    status,
)

LITTER = {".ds_store", "thumbs.db", "desktop.ini"}
MAX_FILE_BYTES = 50 * 1024 * 1024  # a returned workbook is ~50 KB; anything this big is not one
# A .zip of returns is bounded per member (each is read, bounded, as a workbook of its own) and in count; it is not
# held to one workbook's limits (2,100 genuine returns are 69 MB and 2,100 parts).
MAX_ARCHIVE_MEMBERS = 50_000
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xls")


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


@dataclass(slots=True)
class LogEntry:
    file: str
    status: str
    reason: str = ""
    advice: str = ""
    code: str = ""  # the catalogue's code for the reason a file was rejected
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
    rated: int = 0  # statements rated, of `statements`
    statements: int = 0


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
        try:
            self._file = tempfile.TemporaryFile(prefix="maturity-xl-")
        except OSError as exc:
            raise _spill_error(exc) from None
        self._spans: list[tuple[int, int]] = []
        self._added: list[Response] = []  # every head, by number
        self._heads: list[Response] = []  # the kept ones, in order
        self._order: list[int] = []

    def add(self, head: Response, blob: bytes) -> int:
        """Keep one response (its pickle, and its head in memory); returns its number, for `keep`."""
        try:
            offset = self._file.seek(0, os.SEEK_END)
            self._file.write(blob)
        except OSError as exc:
            raise _spill_error(exc) from None
        self._spans.append((offset, len(blob)))
        self._added.append(head)
        return len(self._spans) - 1

    def keep(self, numbers: list[int]) -> None:
        """The responses that count, in order (the others were superseded)."""
        try:
            self._file.flush()  # a full disk shows here, at the latest, not as a short read later
        except OSError as exc:
            raise _spill_error(exc) from None
        self._order = list(numbers)
        self._heads = [self._added[i] for i in self._order]

    @property
    def heads(self) -> list[Response]:
        return self._heads

    @property
    def added_heads(self) -> list[Response]:
        """Every accepted response's head, the superseded ones too, in the order they arrived."""
        return self._added

    def every(self) -> Iterator[Response]:
        """Every accepted response, the superseded ones too (the programme store keeps them all)."""
        for number in range(len(self._spans)):
            yield self._load(number)

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


def _spill_error(exc: OSError) -> MaturityXLError:
    folder = tempfile.gettempdir()
    return MaturityXLError(f"cannot keep the returns' answers in the temporary folder {folder} ({exc.strerror}): "
                           f"free some space there, or set TMPDIR to a folder with room, and run it again")


@dataclass(slots=True)
class Collection:
    responses: Sequence[Response]
    log: list[LogEntry]
    expected: list[Expected] | None = None
    registry: Registry = field(default_factory=default_registry)
    today: date = field(default_factory=date.today)
    notices: list[str] = field(default_factory=list)  # what the team should know about the run as a whole

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

    def chase(self) -> list:
        """The expected services to chase: missing, rejected, blank, incomplete or in conflict (chase.py)."""
        from .chase import chase_list

        return chase_list(self)

    @property
    def missing(self) -> list[Expected]:
        """Services in the manifest with no return that counts for that framework (a blank one does not)."""
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

        return Frames(self, LogEntry.__dataclass_fields__)


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
    found: list[Path] = []
    pending = [folder]
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
            (pending if inside else found).append(Path(entry.path))
    return sorted(found)


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


def _ignored(name: str) -> str | None:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].rsplit("!", 1)[-1]
    if base.startswith("~$"):
        return "an Office lock file, left while a workbook is open in Excel"
    if base.startswith(".~lock.") and base.endswith("#"):
        return "a LibreOffice lock file, left while a workbook is open"
    if base.lower() in LITTER or base.startswith("._"):
        return "a system file, not a return"
    return None


def read_manifest(paths: Iterable[str | Path] | str | Path) -> list[Expected]:
    """The services expected to return, from one or more manifest.csv files the mail-merge wrote."""
    from .manifest import read_manifests

    return read_manifests(paths)


@dataclass(frozen=True, slots=True)
class Limits:
    """What one file may cost. A worker process enforces them, so one hostile file cannot stop a collection."""

    seconds: int = 20
    memory_bytes: int = 1536 * 1024 * 1024


def _failed(code: str, **fields: object) -> Problem:
    """Why the collector could not read a file at all, as the catalogue words it."""
    return Problem("fatal", code, message(code, **fields))


def _parse_source(source: Source, registry: Registry, password: str | None = None
                  ) -> tuple[str, Response | None, Problem | None]:
    """Read and parse one source; returns (sha256, response or None, why it could not be read)."""
    if source.size < 0:
        return "", None, _failed("file-missing")
    if source.size > MAX_FILE_BYTES:
        return "", None, _failed("too-large", mb=source.size // (1024 * 1024))
    try:
        data = source.read()
    except ReadError as exc:  # a member of a .zip of returns that cannot be inflated
        return "", None, Problem("fatal", exc.code, str(exc), advice=exc.advice)
    except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError) as exc:
        return "", None, _failed("unreadable", reason=getattr(exc, "strerror", None) or exc)
    digest = hashlib.sha256(data).hexdigest()
    return digest, parse(data, name=source.name, registry=registry, password=password), None


_worker_registry: Registry | None = None
_worker_password: str | None = None


def _worker_init(registry: Registry, limits: Limits, password: str | None = None) -> None:
    global _worker_registry, _worker_password
    _worker_registry, _worker_password = registry, password
    _die_with_parent()
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    except (ImportError, ValueError, OSError):  # not on this platform: the zip checks still bound memory
        pass


# sha256, response (a head if accepted), its pickle, failure, statements rated, statements
Result = tuple[str, Response | None, bytes, Problem | None, int, int]


def _die_with_parent() -> None:
    """Linux: a worker is killed when the collecting process dies, however it dies (SIGKILL included), instead
    of waiting for ever on a queue no one reads."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)
    except (OSError, AttributeError):  # not Linux: an interrupted collection still shuts its pool down below
        pass


def _packed(result: tuple[str, Response | None, Problem | None]) -> Result:
    """An accepted response as its head and its pickle: the collecting process keeps the head and writes the
    pickle to its spill file as it is, without unpickling the answers."""
    digest, response, failure = result
    if response is None or response.rejected:
        return digest, response, b"", failure, 0, 0
    rated = sum(r.rating is not None for r in response.ratings)
    try:
        blob = pickle.dumps(response, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        return "", None, b"", _failed("out-of-memory"), 0, 0
    return digest, replace(response, ratings=[], actions=[]), blob, failure, rated, len(response.ratings)


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
        return "", None, b"", _failed("too-slow", seconds=seconds), 0, 0
    finally:
        signal.alarm(0)


def _guarded(source: Source, registry: Registry, password: str | None = None
             ) -> tuple[str, Response | None, Problem | None]:
    try:
        return _parse_source(source, registry, password)
    except MemoryError:
        return "", None, _failed("out-of-memory")
    except TimeoutError:
        raise
    except Exception as exc:  # one file's surprise must not stop the others; it is logged, not hidden
        return "", None, _failed("reader-failed", error=f"{type(exc).__name__}: {exc}")


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
            pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init,
                                       initargs=(registry, limits, password))
            try:
                chunk = max(1, min(64, len(pending) // (workers * 8)))
                for result in pool.map(_worker_parse, [(s, limits.seconds) for s in pending], chunksize=chunk):
                    yield result
                    done += 1
                    if progress:
                        progress(1)
            except BaseException:  # Ctrl-C, SIGTERM, or the consumer gave up: stop the workers now, not later
                _stop(pool)
                raise
            pool.shutdown()
        except BrokenProcessPool:
            # A worker died (killed for memory, or crashed) on one of the next files: read the next one alone,
            # so the file that kills a reader is named and the rest go on.
            yield _isolated(sources[done], registry, limits, context, password)
            done += 1
            if progress:
                progress(1)


def _stop(pool) -> None:
    """Shut a pool down without waiting for the files still queued (shutdown(wait=True) would read them all)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # private, but the only handle there is
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(5)


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
        return "", None, b"", _failed("reader-crashed"), 0, 0


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
    accepted: list[Candidate] = []
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
    today = today or date.today()
    results = _parse_all(to_read, registry, workers, limits, progress, password)
    with _settled_as_we_go() as tick, _terminate_raises():
        try:
            accepted += _gather(to_read, results, log, seen, Checks(key, today), tick, store)
        finally:
            results.close()  # on an interruption, stops the workers (_parse_all's BaseException handler)
    store.keep(_counted_per_service(accepted, log))
    manifest = read_manifest(expected) if expected else None
    notices = [n for n in (key_notice(store.heads) if key is not None else "",) if n]
    return Collection(store, log, manifest, registry, today, notices)


class Interrupted(MaturityXLError):
    """The collection was stopped (SIGTERM) before it finished: nothing was written."""


@contextmanager
def _terminate_raises() -> Iterator[None]:
    """SIGTERM (a service manager, `kill`, a closed terminal's shell) stops the collection as Ctrl-C does: by an
    exception that shuts the workers down and leaves the outputs untouched, rather than dying with them blocked."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, _frame):
        raise Interrupted(f"the collection was stopped (signal {signum}) before it finished; nothing was written")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


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


@dataclass(frozen=True, slots=True)
class Checks:
    """What the collecting process checks once a return is read: its signature and its completion date."""

    key: bytes | None
    today: date

    def apply(self, response: Response) -> bool:
        """Add the problems found to the response; True if any was."""
        found = len(response.problems)
        if self.key is not None:
            check_signature(response, self.key)
        problem = date_problem(response, self.today)
        if problem is not None:
            response.problems.append(problem)
        return len(response.problems) != found


def _gather(to_read: list[Source], results: Iterator[Result], log: list[LogEntry], seen: dict[str, LogEntry],
            checks: Checks, tick: Callable[[], None], store: SpilledResponses) -> list[Candidate]:
    """Log each parsed source, and spill the ones with answers to `store` (before resubmissions are settled)."""
    accepted: list[Candidate] = []
    for source, (digest, response, blob, failure, rated, total) in zip(to_read, results):
        tick()
        entry = LogEntry(source.name, REJECTED, sha256=digest, size=max(source.size, 0))
        log.append(entry)
        if failure is not None:
            entry.code, entry.reason, entry.advice = failure.code, failure.message, failure.advice
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
            entry.code, entry.reason, entry.advice = fatal.code, fatal.message, fatal.advice
            continue
        if checks.apply(response):  # the spilled pickle carries the new problems too
            whole = pickle.loads(blob)
            whole.problems = response.problems
            blob = pickle.dumps(whole, protocol=pickle.HIGHEST_PROTOCOL)
            _describe(entry, response)
        entry.rated, entry.statements = rated, total
        entry.status = status(response, rated, total)
        if entry.status == BLANK:
            entry.reason = f"no statement is rated (0 of {total}): it was returned as it was sent"
            entry.advice = "Rate each statement in the Assessment sheet, save, and send the workbook again."
            continue
        if entry.status == INCOMPLETE:
            entry.reason = f"{rated} of {total} statements rated"
        accepted.append(Candidate(store.add(response, blob), response, source.name, digest, rated,
                                  signed_ok(response, checks.key is not None)))
    return accepted


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


def _counted_per_service(accepted: list[Candidate], log: list[LogEntry]) -> list[int]:
    """The return that counts for each service (settle.py's rule), as the spill file's numbers in order; the
    others are marked superseded or in conflict in the log."""
    groups: dict[tuple[str, str], list[Candidate]] = {}
    for candidate in accepted:
        groups.setdefault(service_key(candidate.response), []).append(candidate)
    entries = {e.file: e for e in log}
    files = {c.number: c.file for c in accepted}
    keep: list[int] = []
    for group in groups.values():
        winner, outcomes = settle(group)
        if winner is not None:
            keep.append(winner.number)
        for outcome in outcomes:
            entry = entries[files[outcome.number]]
            entry.status, entry.same_as, entry.reason = outcome.status, outcome.winner_file, outcome.reason
            if outcome.status == CONFLICT:
                entry.advice = "Confirm which organisation completed this workbook; a workbook is for one service."
    return sorted(keep)


__all__ = ["Collection", "LogEntry", "Expected", "collect", "discover", "read_manifest", "STATUSES", "COUNTED",
           "ACCEPTED", "WARNINGS", "ERRORS", "INCOMPLETE", "BLANK", "REJECTED", "DUPLICATE", "SUPERSEDED",
           "CONFLICT", "IGNORED"]
