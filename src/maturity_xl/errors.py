"""One catalogue of the problems maturity-xl reports, and the exceptions that carry them.

Problems are data (code, where, plain message) so tests can assert on the code and callers can list them all
at once; exceptions exist only to stop a command with every problem attached.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SpecProblem:
    """One thing wrong with a framework spec, located by its path inside the file."""

    code: str
    path: str
    message: str

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


class UnknownFramework(MaturityXLError):
    pass
