"""Two pieces of work at once: one in this process, one in a forked copy of it beside it.

The reports of a collection are written one after another by code that holds the GIL throughout, so one core
does all of it while the other (the collection's workers are done) waits. A forked child sees the same frames
without copying or pickling them (the pages are shared until written), writes its reports, and hands back only
a small result. Where there is no fork (Windows) or one core, the two run one after the other here.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
from collections.abc import Callable
from typing import TypeVar

from .errors import MaturityXLError

T = TypeVar("T")
U = TypeVar("U")


class ChildFailed(MaturityXLError):
    """The process working beside this one ended without a result (killed, or out of memory)."""


def can_fork() -> bool:
    """True when a forked child would run beside this process rather than wait for it."""
    return hasattr(os, "fork") and (os.cpu_count() or 1) > 1 and sys.platform != "darwin"


def run_beside(here: Callable[[], T], there: Callable[[], U], what: str = "the reports") -> tuple[T, U]:
    """`here()` in this process and `there()` in a forked child at the same time; both results.

    An exception in either is raised here (the child's is pickled back; one that cannot be is raised as a
    MaturityXLError with its text). If `here` fails or this process is interrupted, the child is killed before
    the exception goes on. `there`'s result must pickle.
    """
    if not can_fork():
        return here(), there()
    # The objects that exist now are left out of the cycle collector's walks in both processes while they work:
    # a walk writes to every object it visits, and each page written is a page the two no longer share.
    ours = gc.get_freeze_count() == 0
    gc.freeze()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns, never runs the parent's exit handlers or flushes its buffers
        _child(reader, writer, there)
    os.close(writer)
    try:
        mine = here()
        payload = _read_all(reader)
        _, status = os.waitpid(pid, 0)
        pid = 0
    except BaseException:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        raise
    finally:
        os.close(reader)
        if ours:
            gc.unfreeze()
    if not payload:
        how = f"signal {-os.waitstatus_to_exitcode(status)}" if os.WIFSIGNALED(status) else \
            f"exit {os.waitstatus_to_exitcode(status)}"
        raise ChildFailed(f"the process writing {what} stopped ({how}) before it finished: nothing of it was "
                          "kept; if memory is short, close other programs and run it again")
    ok, value = pickle.loads(payload)
    if not ok:
        raise value
    return mine, value


def _child(reader: int, writer: int, there: Callable[[], object]) -> None:
    code = 0
    try:
        os.close(reader)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent catches it and kills this process
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent handles it
        try:
            payload = pickle.dumps((True, there()), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # noqa: BLE001 - every failure is handed to the parent, which raises it
            try:
                payload = pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 - an exception that does not pickle is sent as its text
                payload = pickle.dumps((False, MaturityXLError(f"{type(exc).__name__}: {exc}")))
        view = memoryview(payload)
        while view:
            view = view[os.write(writer, view):]
    except BaseException:  # noqa: BLE001 - no payload: the parent reports how this process ended
        code = 1
    finally:
        os._exit(code)


def _read_all(fd: int) -> bytes:
    parts = []
    while chunk := os.read(fd, 1 << 16):
        parts.append(chunk)
    return b"".join(parts)
