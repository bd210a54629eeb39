"""SIGTERM as an exception that unwinds the run (workers stopped, temporary files removed), and a record of it
that survives the exception being swallowed.

Python runs a signal handler between two bytecodes of the main thread, wherever it is. If that is inside a
callback whose exceptions Python ignores (the at-fork hook `logging` registers runs while a worker process is
forked; a finaliser; a weakref callback), the handler's exception is printed as "Exception ignored" and the run
goes on as if nothing had happened, and would write its reports and exit 0. So the handler also records the
signal (SIGTERM, and Ctrl-C's SIGINT too), and `check()` (called per file read, and before each report replaces
the old one) raises it again.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_caught: list[BaseException] = []  # the exceptions of signals caught inside an open `terminate_raises` block


def check() -> None:
    """Raise the exception of a SIGTERM caught in an open `terminate_raises` block, if there was one."""
    if _caught:
        raise _caught[-1]


@contextmanager
def terminate_raises(exception: Callable[[int], BaseException]) -> Iterator[None]:
    """Within the block, SIGTERM raises `exception(signum)`, and Ctrl-C its KeyboardInterrupt as usual; either is
    raised again by `check()`, and at the block's end, if it was swallowed.

    Outside the main thread no handler can be installed: the block runs as it is. A SIGINT handler the program
    installed itself is left alone.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    mark = len(_caught)
    owner = os.getpid()

    def stop(signum: int, _frame) -> None:
        if os.getpid() != owner:  # a forked worker signalled before it set its own handlers: just end, quietly
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        error = KeyboardInterrupt() if signum == signal.SIGINT else exception(signum)
        _caught.append(error)
        raise error

    previous = signal.signal(signal.SIGTERM, stop)
    interrupt = signal.getsignal(signal.SIGINT)
    if interrupt is signal.default_int_handler:
        signal.signal(signal.SIGINT, stop)
    try:
        yield
        check()  # the handler's exception was swallowed somewhere inside the block: it ends the block now
    finally:
        signal.signal(signal.SIGTERM, previous)
        if interrupt is signal.default_int_handler:
            signal.signal(signal.SIGINT, interrupt)
        del _caught[mark:]


def die_with_parent(parent: int) -> None:
    """Linux: this forked process (a collection's worker, the report writer) is killed when `parent` dies, however
    it dies (SIGKILL included), instead of waiting for ever on a pipe no one reads or writing on alone. Elsewhere
    the parent stops it on its way out."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)
    except (OSError, AttributeError):  # not Linux
        pass
