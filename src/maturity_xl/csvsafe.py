"""Defusing returned text for CSV, so no spreadsheet that opens the export runs it as a formula (CWE-1236).

A spreadsheet treats a CSV field as a formula when its first *significant* character is `=`, `+`, `-` or `@`; what
comes before it may be invisible and dropped on import. LibreOffice drops a leading NUL, so `\\x00=HYPERLINK(...)`
(a return's `_x0000_=HYPERLINK(...)`, which the reader decodes) became a live link although the old check saw a
NUL first. So the test skips every invisible prefix before it looks:

- C0 and C1 control characters (NUL, ESC, tab, CR, line feed, ...) and DEL;
- white space of every kind (spaces, no-break and other Unicode spaces, NEL, line and paragraph separators);
- format and zero-width characters (zero-width space and joiners, word joiner, BOM, soft hyphen, direction marks
  and embeddings), variation selectors, the combining grapheme joiner, and the blank-looking Hangul fillers;
- Excel's `_xHHHH_` escapes, read as the character they stand for (an escaped invisible one is skipped, an
  escaped `=` is dangerous).

A field whose first significant character is a formula trigger (the ASCII ones or their full-width forms) gets a
leading apostrophe, as before; so does one that starts with a tab or carriage return (the old rule). Nothing else
changes: the text is kept, invisible characters and all.
"""

from __future__ import annotations

import re
import unicodedata

TRIGGERS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")  # and the full-width = + - @ some imports fold to ASCII
OLD_RULE = ("\t", "\r")  # a field starting with these was always defused; still is
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_BLANK_LETTERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")


def invisible(char: str) -> bool:
    """True for a character that shows nothing (or only space) at the start of a cell."""
    if char.isspace() or char in _BLANK_LETTERS:
        return True
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Zs", "Zl", "Zp"):
        return True
    return "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef"  # variation selectors


def first_significant(text: str) -> str:
    """The first character of `text` that is not invisible, reading `_xHHHH_` escapes as their character; ""
    if there is none."""
    index = 0
    while index < len(text):
        escape = _ESCAPE.match(text, index)
        if escape:
            char, step = chr(int(escape.group(1), 16)), len(escape.group())
        else:
            char, step = text[index], 1
        if not invisible(char):
            return char
        index += step
    return ""


def dangerous(text: str) -> bool:
    """True when a spreadsheet opening a CSV holding `text` could run it as a formula."""
    return bool(text) and (text.startswith(OLD_RULE) or first_significant(text) in TRIGGERS)


def defuse_text(value: object) -> object:
    """A cell value for CSV: text that could run as a formula gets a leading apostrophe; anything else as it is."""
    return "'" + value if isinstance(value, str) and dangerous(value) else value


def defuse_frame(frame):
    """A copy of a pandas DataFrame with every text cell passed through `defuse_text` (report's CSV writer calls
    this on each frame before `to_csv`)."""
    return frame.astype(object).map(defuse_text) if len(frame) else frame


__all__ = ["TRIGGERS", "dangerous", "defuse_frame", "defuse_text", "first_significant", "invisible"]
