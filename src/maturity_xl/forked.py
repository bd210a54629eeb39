"""Work done by a forked child while this process goes on: the page and the CSVs beside the workbook
(outputs_apart.py), and some of the workbook's own sheets (report/assembly.py).

Writing reports holds the interpreter's lock throughout, so in one process they follow one another on one core
while the other waits. A child forked once what it needs is built sees it without copying or pickling it, does its
part, and sends back only a small answer (names, offsets) or its failure. What each caller relies on:

- The child never puts anything in place: the caller commits, only once both sides are done.
- A failure in the child is raised here: an OutputError as the same OutputError, a file system error (the disk
  full, permission denied) as the same OSError, any other exception (a bug) as itself with the child's traceback as
  a note; a child that dies without a word (killed, out of memory) is an OutputError naming its exit code.
- The child is killed whenever this side stops (`stop`, in a `finally`: its own failure, Ctrl-C, SIGTERM raised
  as SystemExit by outputs.terminating_cleanly), and dies with this process however that dies
  (stopping.die_with_parent).

A fork copies only the calling thread, so `possible()` says no while another thread runs (a lock it held, logging's
or an import's, would stay held in the child for ever).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable

from .errors import MaturityXLError
from .stopping import die_with_parent


def possible() -> bool:
    """Whether a child can be forked here to any profit: fork, two cores, not macOS (whose own libraries are not
    safe in a forked child), not a daemonic process (a pool's worker may not start one), no other thread."""
    if "fork" not in multiprocessing.get_all_start_methods() or sys.platform == "darwin":
        return False
    if multiprocessing.current_process().daemon:
        return False
    return threading.active_count() == 1 and cores() > 1


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class Child:
    """`work()` run in a forked child, started at once; `result()` waits for what it returned, or raises its failure
    (see the module's docstring). `doing` names the child in messages: "writing the HTML report and the CSV files".
    Raises OSError when no process can be had (EAGAIN, ENOMEM): the caller then does the work itself."""

    def __init__(self, work: Callable[[], object], doing: str):
        self.doing = doing
        context = multiprocessing.get_context("fork")
        self._reader, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_run, args=(sender, work, doing, os.getpid()),
                                        name=f"maturity-xl {doing}", daemon=True)
        try:
            self._process.start()
        except BaseException:
            self._reader.close()
            raise
        finally:
            sender.close()

    def result(self) -> object:
        """What `work` returned, once the child has ended; its failure raised here."""
        try:
            kind, value = self._reader.recv()
        except EOFError:  # the child ended without a word: killed, or out of memory
            self._process.join()
            raise self._stopped() from None
        self._process.join()
        if self._process.exitcode != 0:
            raise self._stopped()
        if kind == "done":
            return value
        if kind == "output":
            from .outputs import OutputError

            raise OutputError(value) from None
        raise value

    def stop(self) -> None:
        """Kill the child if it still runs, reap it, close the pipe (always, in a `finally`)."""
        if self._process.is_alive():
            self._process.kill()
        if self._process.pid is not None:
            self._process.join()
        self._reader.close()

    def _stopped(self) -> MaturityXLError:
        from .outputs import OutputError

        code = self._process.exitcode
        how = f"was killed by signal {-code}" if code is not None and code < 0 else f"ended with exit code {code}"
        return OutputError(f"the process {self.doing} {how} before it finished: no report was replaced (any "
                           f"previous ones are unchanged); if memory is short, close other programs and run again")


def _run(sender, work: Callable[[], object], doing: str, parent: int) -> None:
    """The child: `work()`, then send ("done", its result), or its failure. It puts nothing in place."""
    die_with_parent(parent)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, which unwinds the parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it kills this child
    from .outputs import OutputError

    try:
        message: tuple[str, object] = ("done", work())
    except OutputError as exc:
        message = ("output", str(exc))
    except Exception as exc:  # a file system error or a bug: raised in the parent as it is, with this traceback
        exc.add_note(f"in the process {doing}:\n" + traceback.format_exc())
        message = ("error", exc)
    try:
        sender.send(message)
    except Exception as exc:  # an exception that does not pickle goes as its text
        sender.send(("error", MaturityXLError(f"{type(message[1]).__name__}: {message[1]} ({exc})")))
    finally:
        sender.close()


__all__ = ["Child", "cores", "possible"]
