"""What a cell holds: the Cell itself, its value read from its type attribute and text (the same on the fast path
and expat's), Excel's own escapes, and cell references both ways."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from datetime import datetime

from .errors import ReadError

MAX_CELLS = 1_000_000  # cells read from one sheet; an assessment sheet has a few thousand


@dataclass(slots=True)
class Cell:
    """A cell as read. Never changed once made: the fast path hands the same Cell to every return that writes
    the same XML for it."""

    value: object  # str, float, bool or None (blank); errors are str like "#N/A"
    formula: str | None = None
    kind: str = "n"  # the cell type attribute: n, s, str, inlineStr, b, e, d


EXCEL_EPOCH = datetime(1899, 12, 30)
_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?\s*")


def typed(kind: str, text: str, shared) -> object:
    """A cell's value from its type attribute and its text."""
    if kind == "s":
        try:
            index = int(text)
            return shared()[index] if index >= 0 else None  # -1 is no entry, not the last one
        except (ValueError, IndexError):
            return None
    if kind in ("inlineStr", "str"):
        return excel_unescape(text)
    if kind == "e":
        return text
    if kind == "d":
        return _iso_date(text)
    if kind == "b":
        return text.strip() in ("1", "true") if text else None  # a blank boolean cell is blank, not FALSE
    if text == "":
        return None
    return _number(text)


def _number(text: str) -> float | str:
    """A number as Excel writes one; anything else (including inf and nan, which Excel never writes) stays text."""
    if _NUMBER.fullmatch(text):
        value = float(text)
        if math.isfinite(value):
            return value
    return text


def _iso_date(text: str) -> float | str:
    """An ISO 8601 date cell (t="d", written by Strict files and some libraries) as an Excel serial number."""
    try:
        moment = datetime.fromisoformat(text.strip().removesuffix("Z"))
    except ValueError:
        return text
    delta = moment.replace(tzinfo=None) - EXCEL_EPOCH
    return delta.days + delta.seconds / 86400


_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_SURROGATE = re.compile("[\ud800-\udfff]")


def excel_unescape(text: str) -> str:
    """Excel's escapes for characters XML cannot hold (_x000D_ is a carriage return); a surrogate pair written as
    two escapes becomes one character, and a lone half of one (which no text encoding can write) becomes U+FFFD."""
    if "_x" not in text:
        return text
    text = _EXCEL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    if _SURROGATE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


CELL_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")


def split_ref(ref: str) -> tuple[int, int]:
    """'C5' -> (4, 2), 0-based. ValueError for anything else."""
    if len(ref) > 12:  # no cell reference is this long; and a long string is not worth keeping in the cache
        raise ValueError(ref)
    return _split_ref(ref)


@functools.lru_cache(maxsize=8192)  # the same few hundred references in every return
def _split_ref(ref: str) -> tuple[int, int]:
    m = CELL_REF.match(ref.replace("$", "").upper())
    if not m:
        raise ValueError(ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def too_many_cells() -> ReadError:
    return ReadError("too-many-cells", f"a sheet holds more than {MAX_CELLS:,} cells; an assessment has a few "
                                       f"thousand")


class _RefBytes(dict):
    """(row, col) -> b"C5", computed once per position."""

    def __missing__(self, pos: tuple[int, int]) -> bytes:
        ref = b"%s%d" % (_letters(pos[1]), pos[0] + 1)
        if len(self) < 100_000 and 0 <= pos[0] < 1_048_576 and 0 <= pos[1] < 16_384:  # only Excel's own grid
            self[pos] = ref
        return ref


class _RefPos(dict):
    """b"C5" -> (row, col), computed once per reference."""

    def __missing__(self, ref: bytes) -> tuple[int, int]:
        pos = _split_ref(ref.decode("ascii"))
        if len(self) < 100_000:
            self[ref] = pos
        return pos


REF_BYTES = _RefBytes()
REF_POS = _RefPos()


_KINDS = {None: "n", b"": "n", b"n": "n", b"s": "s", b"str": "str", b"inlineStr": "inlineStr", b"b": "b", b"e": "e",
          b"d": "d"}  # None: no type attribute


def kind_name(kind: bytes | None) -> str:
    return _KINDS.get(kind) or kind.decode("ascii")


def _letters(col: int) -> bytes:
    letters = b""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = bytes([65 + rem]) + letters
    return letters
