"""Accepted responses kept in a temporary file as they arrive, so collecting holds a light head of each return."""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Iterator, Sequence

from ..errors import MaturityXLError
from ..response import Response


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
        self._unflushed = False

    def add(self, head: Response, blob: bytes) -> int:
        """Keep one response (its pickle, and its head in memory); returns its number, for `keep`."""
        try:
            offset = self._file.seek(0, os.SEEK_END)
            self._file.write(blob)
            self._unflushed = True
        except OSError as exc:
            raise _spill_error(exc) from None
        self._spans.append((offset, len(blob)))
        self._added.append(head)
        return len(self._spans) - 1

    def keep(self, numbers: list[int]) -> None:
        """The responses that count, in order (the others were superseded)."""
        try:
            self._file.flush()  # a full disk shows here, at the latest, not as a short read later
            self._unflushed = False
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
        if self._unflushed:
            self._file.flush()
            self._unflushed = False
        # By position, not by seek and read: a forked process reading it (store/apart.py) shares this file's
        # offset with this one, and a seek in either would move it under the other.
        return pickle.loads(os.pread(self._file.fileno(), size, offset))


def _spill_error(exc: OSError) -> MaturityXLError:
    folder = tempfile.gettempdir()
    return MaturityXLError(f"cannot keep the returns' answers in the temporary folder {folder} ({exc.strerror}): "
                           f"free some space there, or set TMPDIR to a folder with room, and run it again")
