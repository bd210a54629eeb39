"""Reading fields out of a spec's raw YAML tree while collecting every problem with its path."""

from __future__ import annotations

import re
from typing import Any

from ..errors import SpecProblem

COLUMN_KINDS = ("text", "date", "choice", "person")
RATING_MODES = ("level", "descriptor")
TARGET_MODES = ("next-level", "next-descriptor")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
ITEM_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# Excel's own limits for data-validation messages (MS-OI29500); XlsxWriter only warns past them.
HELP_LIMIT = 255
# Statement ids are written into cells and the metadata map; keep them short enough to read.
ID_LIMIT = 40


class Checker:
    """Collects problems while reading fields out of the raw YAML tree."""

    def __init__(self) -> None:
        self.problems: list[SpecProblem] = []

    def add(self, code: str, path: str, message: str) -> None:
        self.problems.append(SpecProblem(code, path, message))

    def field(self, node: dict, key: str, path: str, kind: type | tuple[type, ...], *, required: bool = True,
              default: Any = None) -> Any:
        where = f"{path}.{key}" if path else key
        if key not in node or node[key] is None:
            if required:
                self.add("missing-field", where, f"the field '{key}' is required but missing")
            return default
        value = node[key]
        if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # versions and ids written as 2.0 or 11 without quotes
        if not isinstance(value, kind):
            self.add("wrong-type", where, f"expected {kind_name(kind)}, found {kind_name(type(value))} "
                                          f"{show(value)}")
            return default
        if isinstance(value, str) and not value.strip() and required:
            self.add("empty-field", where, f"the field '{key}' is empty")
            return default
        return value.strip() if isinstance(value, str) else value

    def unknown_keys(self, node: dict, allowed: set[str], path: str) -> None:
        for key in node:
            if key not in allowed:
                where = f"{path}.{key}" if path else str(key)
                self.add("unknown-field", where, f"'{key}' is not a field here (allowed: {', '.join(sorted(allowed))})")


def kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "text", int: "a whole number", list: "a list", dict: "a mapping", float: "a number",
             bool: "true/false", type(None): "nothing"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def show(value: Any) -> str:
    text = repr(value)
    return f"({text[:40]}...)" if len(text) > 40 else f"({text})"


def paragraphs(text: str) -> str:
    """Fold YAML block text into paragraphs separated by one blank line."""
    parts = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in parts)


def one_line(text: str) -> str:
    return " ".join(text.split())


