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


def defused_for_reading_back(value: str) -> str:
    """`defuse_text` for a CSV this tool reads back (a mail-merge manifest), so that `undefused` gives the text
    back exactly: the apostrophe goes before text that could run as a formula once any apostrophes it already
    starts with are set aside ("'=x" is written "''=x"), so one leading apostrophe is always the mark."""
    return "'" + value if dangerous(value.lstrip("'")) else value


def undefused(text: str) -> str:
    """The text `defused_for_reading_back` wrote as `text`: a leading apostrophe before what could run as a
    formula is the mark, not the text. A manifest re-saved by Excel keeps it (Excel shows a CSV's apostrophe as
    text)."""
    return text[1:] if text[:1] == "'" and dangerous(text.lstrip("'")) else text


# A field starting with one of these is safe without a closer look: no formula trigger, nothing invisible, not
# the "_" that may open an _xHHHH_ escape.
_PLAIN_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/\\.()[]{}'\"!#$%&*,:;<>?^`|~")


def defuse_texts(values: list) -> list:
    """`defuse_text` of each of many values; text that starts with a letter or digit (most of it) is passed over
    without a call."""
    return [defuse_text(v) if isinstance(v, str) and v and v[0] not in _PLAIN_START else v for v in values]


def text_codes(column, also: tuple[type, ...] = ()) -> tuple[object, list] | None:
    """A column of text and blanks as (codes, texts): row i holds texts[codes[i]], or a blank (None, NaN, NA,
    NaT) where codes[i] is -1. None for a column that holds anything else (values of exactly the types in
    `also` are let in too, for a caller that knows equal ones print alike), whose distinct values cannot be
    told apart by equality alone (1 == True == 1.0, and -0.0 == 0.0, print differently), so a caller goes
    cell by cell. Each distinct text is then looked at once, however often it repeats (a service's name, a
    framework id, a stock rationale)."""
    import numpy as np
    import pandas as pd
    from pandas.api.types import is_object_dtype

    dtype = column.dtype
    values = column.to_numpy()
    if not isinstance(dtype, pd.StringDtype):  # that holds text or its own missing value, nothing else
        if not is_object_dtype(dtype):
            return None
        types = set(map(type, values))  # exactly these: np.str_ == "x", but True == 1 and datetime(...) == date(...)
        if not types <= {str, *also, type(None), type(pd.NA), type(pd.NaT), float}:
            return None  # a missing value that is written as something (a Decimal NaN, a numpy NaT) among them
    # The distinct values by a dict (in C, and faster than pandas.factorize on long text): each one's first row.
    first: dict = {}
    rows = np.fromiter(map(first.setdefault, values, range(len(values))), np.intp, len(values))
    texts, code = [], np.full(len(values), -1, np.intp)
    for value, row in first.items():
        if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
            continue
        if isinstance(value, float):
            return None  # a number among the text
        code[row] = len(texts)
        texts.append(value)
    return code[rows], texts


def defuse_frame(frame):
    """A copy of a pandas DataFrame with every text cell passed through `defuse_text` (as report's CSV writer
    does for each frame). Only columns that can hold text are looked at, and in a column of text each distinct
    text once (`text_codes`); in any other column every text cell."""
    if not len(frame):
        return frame
    import numpy as np
    from pandas.api.types import is_object_dtype, is_string_dtype

    out = frame.copy(deep=False)
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if not (is_object_dtype(column.dtype) or is_string_dtype(column.dtype)):
            continue
        coded = text_codes(column)
        if coded is not None:
            codes, texts = coded
            safe = defuse_texts(texts)
            changed = np.fromiter((s is not t for s, t in zip(safe, texts)), bool, len(texts))
            if not changed.any():
                continue
            values = column.to_numpy(dtype=object, copy=True)
            rows = np.flatnonzero(changed[codes] & (codes >= 0))
            values[rows] = np.array(safe, dtype=object)[codes[rows]]
            out.isetitem(position, _series(values, column))
            continue
        values = column.tolist()
        risky = [i for i, v in enumerate(values) if isinstance(v, str) and v and v[0] not in _PLAIN_START]
        changed = False
        for i in risky:
            safe = defuse_text(values[i])
            if safe is not values[i]:
                values[i], changed = safe, True
        if changed:
            out.isetitem(position, _series(values, column))
    return out


def _series(values, like):
    """`values` as a column shaped like `like` (its index, name and an object dtype for the defused text)."""
    import pandas as pd

    return pd.Series(values, index=like.index, name=like.name, dtype=object)


__all__ = ["TRIGGERS", "dangerous", "defuse_frame", "defuse_text", "defuse_texts", "defused_for_reading_back",
           "first_significant", "invisible", "text_codes", "undefused"]
