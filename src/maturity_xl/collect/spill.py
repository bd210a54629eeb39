"""Accepted responses kept in a temporary file as they arrive, so collecting holds a light head of each return.

The file holds what a head does not: each response's answers (response.Answers: its ratings as columns, its
actions as rows), pickled by the worker that parsed it (`packed`), in two parts read apart: the answers without
their free texts (Lean: ids, ratings, targets, which ratings have text, the actions) and the texts themselves
(Texts: each rating's rationale and evidence, most of the bytes when services write in their own words). Plain
tuples and strings dump and load with no object of ours built: the frames gather their columns from the first part
(`lean_answers`) and hold no free text; the reports read the texts back a response at a time as they write them
(`texts`); a Response is made only for the readers that want one (the head and its answers, `with_answers`).
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Callable, Iterator, Sequence

from ..errors import MaturityXLError
from ..frame_rows import Gathered, RowGatherer, layout_of
from ..model import Framework
from ..response import ActionRow, Answers, RatingColumns, Response, answers_of, with_answers

LeanColumns = tuple[tuple[str, ...] | None, tuple[str, ...] | None, tuple[int | None, ...], tuple[int | None, ...],
                    bytes]
"""A response's ratings without their free texts: statement ids, area ids (both None when they are its
framework's, in its order: frame_rows.layout_of), ratings, targets, and one byte a rating, 1 when its rationale or
evidence holds some text (has_text), else 0."""
Texts = tuple[tuple[str, ...], tuple[str, ...]]
"""A response's free texts: each rating's rationale, and each one's evidence, in its ratings' order."""
_HEADER = 4  # bytes: the length of a blob's first part (its Lean pickle), little-endian


def packed(response: Response, layout: tuple[tuple[str, ...], tuple[str, ...]] | None = None) -> bytes:
    """What the spill file keeps of `response` (its answers), as SpilledResponses.add takes it: the length of the
    first part, then the answers without their texts ((LeanColumns, actions) pickled), then the texts (Texts).

    `layout`: frame_rows.layout_of its framework; when its ratings come in that order, as they do from a workbook
    no one tampered with, their ids are kept as None (a hundred strings fewer to pickle, send and unpickle)."""
    (statement_ids, area_ids, ratings, rationales, evidence, targets), actions = answers_of(response)
    if layout is not None and layout == (statement_ids, area_ids):
        statement_ids = area_ids = None  # type: ignore[assignment]
    lean = pickle.dumps(((statement_ids, area_ids, ratings, targets, has_text(rationales, evidence)), actions),
                        protocol=pickle.HIGHEST_PROTOCOL)
    texts = pickle.dumps((rationales, evidence), protocol=pickle.HIGHEST_PROTOCOL)
    return b"".join((len(lean).to_bytes(_HEADER, "little"), lean, texts))


def has_text(rationales: Sequence[object], evidence: Sequence[object]) -> bytes:
    """One byte a rating: 1 when its rationale or its evidence is text other than blanks (what the Text sheet of
    the workbook shows), else 0."""
    return bytes(map(_some_text, rationales, evidence))


def _some_text(rationale: object, evidence: object) -> bool:
    return (type(rationale) is str and bool(rationale) and not rationale.isspace()) or \
        (type(evidence) is str and bool(evidence) and not evidence.isspace())


class SpilledResponses(Sequence[Response]):
    """Accepted responses kept in a temporary file as they arrive, each one's answers in one pickle (`packed`),
    so the collecting process holds a light head of each return (who, when, its problems; no ratings, actions or
    text) instead of its answers: memory stays flat from hundreds of returns to tens of thousands. Reading it loads
    one response at a time: the frames read each one's first part, once; the Text sheet and ratings.csv its texts."""

    def __init__(self, rows: RowGatherer | None = None,
                 framework: Callable[[str, str], Framework | None] | None = None) -> None:
        """`rows`: gathers the frames' rows of each response as it is added (frame_rows), from the first part of
        its blob, which is in memory then; the frames take them (`take_gathered`) instead of reading them back.
        `framework(id, version)`: the registry's, for the ids a blob keeps as None (`packed`)."""
        self._rows, self._framework = rows, framework
        try:
            self._file = tempfile.TemporaryFile(prefix="maturity-xl-")
        except OSError as exc:
            raise _spill_error(exc) from None
        self._spans: list[tuple[int, int, int]] = []  # where each blob's two parts are: offset, and each one's size
        self._added: list[Response] = []  # every head, by number
        self._heads: list[Response] = []  # the kept ones, in order
        self._order: list[int] = []
        self._unflushed = False

    def add(self, head: Response, blob: bytes) -> int:
        """Keep one response: its head in memory, and `blob`, its answers (`packed(response)`), in the file;
        returns its number, for `keep`. The head is kept as it is: problems added to it later are the response's."""
        lean = int.from_bytes(blob[:_HEADER], "little")
        try:
            offset = self._file.seek(0, os.SEEK_END)
            self._file.write(blob)
            self._unflushed = True
        except OSError as exc:
            raise _spill_error(exc) from None
        self._spans.append((offset + _HEADER, lean, len(blob) - _HEADER - lean))
        self._added.append(head)
        if self._rows is not None:
            columns, actions = pickle.loads(memoryview(blob)[_HEADER:_HEADER + lean])
            self._rows.add(head, columns, actions)
        return len(self._spans) - 1

    def take_gathered(self) -> Gathered | None:
        """The frames' rows of the responses that count (after `keep`), as gathered while they were added: handed
        over once (then, or without a gatherer, None: the frames read them back with `lean_answers`)."""
        rows, self._rows = self._rows, None
        return rows.gathered(self._order) if rows is not None else None

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

    def lean_answers(self) -> Iterator[tuple[Response, LeanColumns, tuple[ActionRow, ...]]]:
        """The responses that count, in order, as `answer_columns` gives them but without their free texts (no
        rationale or evidence is read): what the frames are built from."""
        for number in self._order:
            columns, actions = pickle.loads(self._read(number, texts=False))
            yield self._added[number], columns, actions

    def texts(self, index: int) -> Texts:
        """The free texts of the response that counts at `index` (in the order of `heads`): only they are read."""
        return pickle.loads(self._read(self._order[index], lean=False))

    def _load(self, number: int) -> Response:
        return with_answers(self._added[number], self._answers(number))

    def _answers(self, number: int) -> Answers:
        both = self._read(number)
        lean = self._spans[number][1]
        (statement_ids, area_ids, ratings, targets, _texted), actions = pickle.loads(both[:lean])
        rationales, evidence = pickle.loads(both[lean:])
        if statement_ids is None:  # its framework's, in its order
            head = self._added[number]
            assert self._framework is not None, "a blob packed with a layout needs the registry to read it"
            statement_ids, area_ids = layout_of(self._framework(head.framework_id, head.framework_version))
        return (statement_ids, area_ids, ratings, rationales, evidence, targets), actions

    def _read(self, number: int, lean: bool = True, texts: bool = True) -> memoryview:
        """Either part of a response's blob, or both."""
        offset, first, second = self._spans[number]
        if self._unflushed:
            self._file.flush()
            self._unflushed = False
        size = (first if lean else 0) + (second if texts else 0)
        # By position, not by seek and read: a forked process reading it (store/apart.py) shares this file's
        # offset with this one, and a seek in either would move it under the other.
        return memoryview(os.pread(self._file.fileno(), size, offset if lean else offset + first))


def _spill_error(exc: OSError) -> MaturityXLError:
    folder = tempfile.gettempdir()
    return MaturityXLError(f"cannot keep the returns' answers in the temporary folder {folder} ({exc.strerror}): "
                           f"free some space there, or set TMPDIR to a folder with room, and run it again")
