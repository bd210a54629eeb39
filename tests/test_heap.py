"""heap.give_back: freed memory returned to the system between a collection's phases (glibc's malloc_trim)."""

from __future__ import annotations

import platform
import sys

import pytest

from maturity_xl import heap


def _rss_kb() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


@pytest.mark.skipif(sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc_trim")
def test_pages_freed_by_python_are_given_back():
    heap.give_back()
    before = _rss_kb()
    # Small objects, as the frames and report writers make them (CPython's own allocator and malloc's heap, not
    # one large mapping that free() would unmap by itself), with a survivor every so often, so that freeing the
    # rest leaves holes malloc keeps rather than a heap top it trims on its own.
    made = [bytearray(600) for _ in range(200_000)]
    kept = made[::64]
    del made
    held = _rss_kb()
    heap.give_back()
    after = _rss_kb()
    assert held - before > 50_000  # about 120 MB were made
    assert held - after > 30_000, (before, held, after)  # and most of it went back
    assert kept  # (what survived is still there)


def test_give_back_does_nothing_where_there_is_no_trim(monkeypatch):
    monkeypatch.setattr(heap, "_trim", None)
    heap.give_back()  # no error: macOS, musl and Windows have no malloc_trim
