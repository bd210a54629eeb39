"""Reading the files: one at a time here, or on worker processes with a time and memory limit each, so one
hostile file cannot stop a collection (a worker that dies names the file that killed it)."""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from ..catalogue import message
from ..frame_rows import layout_of
from ..parse import Registry, parse
from ..reading import ReadError
from ..response import Problem, Response
from ..stopping import die_with_parent
from . import sources
from .sources import Source
from .spill import packed


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
    if source.size > sources.MAX_FILE_BYTES:
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


def _worker_init(registry: Registry, limits: Limits, password: str | None, parent: int) -> None:
    global _worker_registry, _worker_password
    _worker_registry, _worker_password = registry, password
    import signal

    # A forked worker inherits the collecting process's SIGTERM handler (which raises, to unwind it): a worker
    # stopped by SIGTERM when the pool is shut down just ends, without a traceback.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the collecting process's to handle
    die_with_parent(parent)
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    except (ImportError, ValueError, OSError):  # not on this platform: the zip checks still bound memory
        pass


# sha256, response (a head if accepted), its answers' pickle (spill.packed), failure, statements rated, statements
Result = tuple[str, Response | None, bytes, Problem | None, int, int]


def _packed(result: tuple[str, Response | None, Problem | None], registry: Registry | None = None) -> Result:
    """An accepted response as its head and its answers' pickle (spill.packed): the collecting process keeps the
    head and writes the pickle to its spill file as it is, without unpickling the answers. With the `registry`
    (the collecting process's: it reads the ids back with it), ids in its framework's order are kept as None."""
    digest, response, failure = result
    if response is None or response.rejected:
        return digest, response, b"", failure, 0, 0
    rated = sum(r.rating is not None for r in response.ratings)
    try:
        layout = _layout(registry, response.framework_id, response.framework_version) if registry else None
        blob = packed(response, layout)
    except MemoryError:
        return "", None, b"", _failed("out-of-memory"), 0, 0
    return digest, replace(response, ratings=[], actions=[]), blob, failure, rated, len(response.ratings)


_layouts: dict[int, tuple[object, tuple[tuple[str, ...], tuple[str, ...]] | None]] = {}


def _layout(registry: Registry, fid: str, version: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """frame_rows.layout_of the framework, worked out once per framework (kept with it, so its id names it)."""
    fw = registry.get(fid, version)
    found = _layouts.get(id(fw))
    if found is None or found[0] is not fw:
        if len(_layouts) > 64:  # many registries in one process (tests): forget the old frameworks
            _layouts.clear()
        found = _layouts[id(fw)] = (fw, layout_of(fw))
    return found[1]


def _worker_parse(job: tuple[Source, int]) -> Result:
    source, seconds = job
    import signal

    def expire(_signum, _frame):
        raise TimeoutError

    signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        assert _worker_registry is not None
        return _packed(_guarded(source, _worker_registry, _worker_password), _worker_registry)
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


def parse_all(sources: list[Source], registry: Registry, workers: int, limits: Limits,
               progress: Callable[[int], None] | None, password: str | None = None) -> Iterator[Result]:
    """Parse sources in order, on worker processes when there are enough files to be worth it."""
    if workers <= 1 or len(sources) < 8:
        for source in sources:
            yield _packed(_guarded(source, registry, password), registry)
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
                                       initargs=(registry, limits, password, os.getpid()))
            try:
                # Small chunks: the reading ends when the last chunk does, with one core idle meanwhile (up to 0.3 s
                # at 1,000 returns with chunks of 64); a chunk costs the pool well under a millisecond.
                chunk = max(1, min(16, len(pending) // (workers * 8)))
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
    results = getattr(pool, "_result_queue", None)  # shutdown() forgets it
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(5)
    # A worker killed while sending a result leaves half a message in the result pipe: the pool's manager thread
    # waits for the rest for ever, and the interpreter waits for that thread at exit (seen: 1 SIGTERM in 10).
    # With every worker gone, closing this process's copy of the pipe's writing end gives that thread EOF.
    writer = getattr(results, "_writer", None)
    if writer is not None and not any(p.is_alive() for p in processes):
        writer.close()


def _isolated(source: Source, registry: Registry, limits: Limits, context,
              password: str | None = None) -> Result:
    """Parse one file in a process of its own; if that process dies too, the file is the cause."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        with ProcessPoolExecutor(1, mp_context=context, initializer=_worker_init,
                                 initargs=(registry, limits, password, os.getpid())) as pool:
            return pool.submit(_worker_parse, (source, limits.seconds)).result()
    except BrokenProcessPool:
        return "", None, b"", _failed("reader-crashed"), 0, 0
