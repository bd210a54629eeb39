"""A collection: the responses that count, the log that accounts for every file, and the manifest."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..parse import Registry, default_registry
from ..response import ActionRow, RatingColumns, Response, answer_columns
from ..settle import STATUSES
from .spill import SpilledResponses


@dataclass(slots=True)
class LogEntry:
    file: str
    status: str
    reason: str = ""
    advice: str = ""
    code: str = ""  # the catalogue's code for the reason a file was rejected
    sha256: str = ""
    size: int = 0
    framework_id: str = ""
    framework_version: str = ""
    service_id: str = ""
    service_name: str = ""
    completed: date | None = None
    warnings: int = 0
    errors: int = 0
    same_as: str = ""  # the file this one duplicates, or the one that superseded it
    rated: int = 0  # statements rated, of `statements`
    statements: int = 0


@dataclass(slots=True)
class Expected:
    framework_id: str
    framework_version: str
    service_id: str
    service_name: str
    contact: str
    file: str


@dataclass(slots=True)
class Collection:
    responses: Sequence[Response]
    log: list[LogEntry]
    expected: list[Expected] | None = None
    registry: Registry = field(default_factory=default_registry)
    today: date = field(default_factory=date.today)
    notices: list[str] = field(default_factory=list)  # what the team should know about the run as a whole
    _built_frames: object = field(default=None, init=False, repr=False, compare=False)

    @property
    def heads(self) -> Sequence[Response]:
        """The accepted responses' identities, respondents and problems, without reading their answers back
        from disk (for a list of responses, the responses themselves)."""
        responses = self.responses
        return responses.heads if isinstance(responses, SpilledResponses) else responses

    def answer_columns(self) -> Iterator[tuple[Response, RatingColumns, tuple[ActionRow, ...]]]:
        """Each response that counts as its head, its ratings as columns and its actions as rows (what the frames
        read): from the spill file as it is, with no Rating or Action built."""
        responses = self.responses
        if isinstance(responses, SpilledResponses):
            return responses.answer_columns()
        return answer_columns(responses)

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATUSES}
        for entry in self.log:
            out[entry.status] += 1
        return out

    def chase(self) -> list:
        """The expected services to chase: missing, rejected, blank, incomplete or in conflict (chase.py)."""
        from ..chase import chase_list

        return chase_list(self)

    @property
    def missing(self) -> list[Expected]:
        """Services in the manifest with no return that counts for that framework (a blank one does not)."""
        if self.expected is None:
            return []
        got = {(r.framework_id, r.service_id) for r in self.heads}
        return [e for e in self.expected if (e.framework_id, e.service_id) not in got]

    @property
    def unexpected(self) -> list[Response]:
        """Accepted returns from services the manifest does not list."""
        if self.expected is None:
            return []
        known = {(e.framework_id, e.service_id) for e in self.expected}
        return [r for r in self.heads if (r.framework_id, r.service_id) not in known]

    def frames(self):
        """The tidy pandas frames, built once per collection (the workbook, the page and the CSVs all read them:
        each building its own read every answer back from the spill file again and held a second copy);
        imported lazily so the CLI's other commands start fast."""
        if self._built_frames is None:
            from ..frames import Frames

            self._built_frames = Frames(self, LogEntry.__dataclass_fields__)
        return self._built_frames


def read_manifest(paths: Iterable[str | Path] | str | Path) -> list[Expected]:
    """The services expected to return, from one or more manifest.csv files the mail-merge wrote."""
    from ..manifest import read_manifests

    return read_manifests(paths)
