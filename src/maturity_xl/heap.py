"""Giving freed memory back to the system between the phases of a large collection.

CPython hands what it frees back to the C allocator, which keeps the pages for later. After the frames are built
and after the workbook is written, a collection of 10,000 returns had freed a hundred MB or so of lists and
strings that the process still held, and the next phase's peak came on top of them (RSS 457 to 410 MB after the
frames, 510 to 447 MB after the workbook, when given back). glibc's malloc_trim returns free pages to the
system; where there is no glibc this does nothing.
"""

from __future__ import annotations

from collections.abc import Callable

_trim: Callable[[int], int] | None | bool = False  # False: not looked for yet


def give_back() -> None:
    """Return the allocator's free pages to the system (glibc; a few milliseconds)."""
    global _trim
    if _trim is False:
        try:
            import ctypes

            _trim = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):  # not glibc (macOS, musl, Windows)
            _trim = None
    if _trim is not None:
        _trim(0)  # type: ignore[operator]
