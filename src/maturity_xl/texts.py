"""The ratings' free texts, each rating's rationale and evidence, as the frames keep them: not at all when a
collection's spill file has them (RatingTexts reads them back a response at a time, when a report asks for rows),
and equal texts as one string when they are held (TextPool)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .frame_rows import TextPool


class RatingTexts:
    """The ratings' free texts (FREE_TEXTS), row for row with the ratings frame, and which rows have any
    (`has_text`: text other than blanks in either). From a collection's spill file they are read back a response
    at a time when rows are asked for, so the frames hold none of them (a million texts at 10,000 returns whose
    services write in their own words, about 200 MB); a collection held in memory gives its own (`held`)."""

    __slots__ = ("has_text", "_spill", "_starts", "_held")

    def __init__(self, has_text: np.ndarray, *, spill: Any = None, starts: np.ndarray | None = None,
                 held: tuple[pd.Series, pd.Series] | None = None):
        """`spill`: a collect.SpilledResponses, whose counted response k has rows starts[k] to starts[k + 1] of
        the frame; or `held`, the columns themselves."""
        self.has_text, self._spill, self._starts, self._held = has_text, spill, starts, held

    @classmethod
    def held(cls, rationale: pd.Series, evidence: pd.Series) -> RatingTexts:
        return cls(_has_text(rationale.tolist()) | _has_text(evidence.tolist()), held=(rationale, evidence))

    def __len__(self) -> int:
        return len(self.has_text)

    def rows(self, start: int, stop: int) -> tuple[list, list]:
        """The rationale and the evidence of rows `start` to `stop - 1`."""
        if self._held is not None:
            return self._held[0].iloc[start:stop].tolist(), self._held[1].iloc[start:stop].tolist()
        starts = self._starts
        assert starts is not None
        first = int(np.searchsorted(starts, start, "right")) - 1
        last = int(np.searchsorted(starts, stop, "left"))
        rationales: list = []
        evidence: list = []
        for k, begins in enumerate(starts[first:last].tolist(), first):
            theirs, their_evidence = self._spill.texts(k)
            a, b = max(start - begins, 0), stop - begins
            rationales += theirs[a:b]
            evidence += their_evidence[a:b]
        return rationales, evidence

    def take(self, positions: np.ndarray) -> tuple[list, list]:
        """The rationale and the evidence of the rows at `positions`, in ascending order."""
        if self._held is not None:
            return self._held[0].take(positions).tolist(), self._held[1].take(positions).tolist()
        rationales: list = []
        evidence: list = []
        if not len(positions):
            return rationales, evidence
        starts = self._starts
        assert starts is not None
        which = np.searchsorted(starts, positions, "right") - 1
        cuts = np.flatnonzero(np.diff(which)) + 1  # where the rows of one response end
        for group in np.split(positions, cuts):
            k = int(which[len(rationales)])
            theirs, their_evidence = self._spill.texts(k)
            at = (group - starts[k]).tolist()
            rationales += [theirs[i] for i in at]
            evidence += [their_evidence[i] for i in at]
        return rationales, evidence

    def series(self, start: int, stop: int, index: pd.Index) -> tuple[pd.Series, pd.Series]:
        """Rows `start` to `stop - 1` as the ratings frame's slice of them holds them, on `index` (the slice's)."""
        if self._held is not None:
            return tuple(column.iloc[start:stop].set_axis(index) for column in self._held)  # type: ignore
        rationales, evidence = self.rows(start, stop)
        return pd.Series(rationales, index=index), pd.Series(evidence, index=index)

    def columns(self, index: pd.Index, share: Callable[[list], list]) -> tuple[pd.Series, pd.Series]:
        """Both columns whole, as the ratings frame holds them (`share` pools equal texts: TextPool.share)."""
        if self._held is not None:
            return self._held
        rationales, evidence = self.rows(0, len(self))
        return pd.Series(share(rationales), index=index), pd.Series(share(evidence), index=index)


def _has_text(values: list) -> np.ndarray:
    """Which values are text other than blanks: by C's map over a column of text only (the common case), else
    value by value (collect.spill.has_text: the same rule, a response at a time)."""
    if set(map(type, values)) == {str}:
        return np.fromiter(map(len, values), dtype=np.int64, count=len(values)).astype(bool) & ~np.fromiter(
            map(str.isspace, values), dtype=bool, count=len(values))
    return np.fromiter((type(v) is str and bool(v) and not v.isspace() for v in values), dtype=bool,
                       count=len(values))


__all__ = ["RatingTexts", "TextPool"]
