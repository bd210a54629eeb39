"""Accepted responses kept in a temporary file as they arrive, so collecting holds a light head of each return.

The file holds what a head does not: each response's answers (response.Answers: its ratings as columns, its
actions as rows), pickled by the worker that parsed it (`packed`). Plain tuples and strings dump and load with no
object of ours built: the frames gather their columns straight from them (`answer_columns`), and a Response is
made only for the readers that want one (the head and its answers, `with_answers`).
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Iterator, Sequence

from ..errors import MaturityXLError
from ..response import ActionRow, Answers, RatingColumns, Response, answers_of, with_answers


def packed(response: Response) -> bytes:
    """What the spill file keeps of `response` (its answers), as SpilledResponses.add takes it."""
    return pickle.dumps(answers_of(response), protocol=pickle.HIGHEST_PROTOCOL)


class SpilledResponses(Sequence[Response]):
    """Accepted responses kept in a temporary file as they arrive, each one's answers in one pickle (`packed`),
    so the collecting process holds a light head of each return (who, when, its problems; no ratings, actions or
    text) instead of its answers: memory stays flat from hundreds of returns to tens of thousands. Reading it (the
    frames do, once) loads one response at a time."""

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
        """Keep one response: its head in memory, and `blob`, its answers (`packed(response)`), in the file;
        returns its number, for `keep`. The head is kept as it is: problems added to it later are the response's."""
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

    def answer_columns(self) -> Iterator[tuple[Response, RatingColumns, tuple[ActionRow, ...]]]:
        """The responses that count, in order, each as its head (shared: read it, do not change it), its ratings
        as columns and its actions as rows: what the frames read, with no Rating or Action built."""
        for number in self._order:
            columns, actions = self._answers(number)
            yield self._added[number], columns, actions

    def _load(self, number: int) -> Response:
        return with_answers(self._added[number], self._answers(number))

    def _answers(self, number: int) -> Answers:
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
