"""The exceptions maturity-xl raises on purpose, and the problems they carry.

Every problem's code is in one catalogue (catalogue.py: code -> severity, message, advice, note); building a
problem with a code the catalogue lacks raises catalogue.UnknownCode. Problems are data (code, where, plain
message) so tests can assert on the code and callers can list them all at once; exceptions exist only to stop a
command with every problem attached.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalogue import UnknownCode, entry


@dataclass(frozen=True, slots=True)
class SpecProblem:
    """One thing wrong with a framework spec, located by its path inside the file."""

    code: str
    path: str
    message: str

    def __post_init__(self) -> None:
        entry(self.code, "spec")

    @property
    def advice(self) -> str:
        """How to fix it, from the catalogue."""
        return entry(self.code, "spec").advice

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class MaturityXLError(Exception):
    """Base class of every error maturity-xl raises on purpose (never a bare traceback for users)."""


class SpecError(MaturityXLError):
    """A spec file could not be loaded; carries every problem found, not just the first."""

    def __init__(self, file: str, problems: list[SpecProblem]):
        self.file = file
        self.problems = problems
        lines = [f"{file}: {len(problems)} problem{'s' if len(problems) != 1 else ''} in the framework spec"]
        lines += [f"  - {p}" for p in problems]
        super().__init__("\n".join(lines))


class GenerationError(MaturityXLError, RuntimeError):  # a RuntimeError as it always was
    """The workbook would not open as intended (a limit passed, a validation refused). `code` is a generation
    code of the catalogue."""

    def __init__(self, message: str, code: str = "validation-refused"):
        self.code = entry(code, "generation").code
        super().__init__(message)


class UnknownFramework(MaturityXLError):
    pass


__all__ = ["MaturityXLError", "SpecError", "SpecProblem", "GenerationError", "UnknownFramework", "UnknownCode"]
