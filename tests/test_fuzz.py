"""Property-based fuzzing of the parser: mutated real returns give a Response or a MaturityXLError, in time.

Three kinds of mutation of valid returned workbooks: random byte flips inside chosen zip parts (then re-zipped)
or in the file as a whole, random values patched into input cells, and random edits of metadata sheet cells.
Whatever comes in, `parse` must answer within a few seconds with a Response (whose problems read as plain words)
or raise a MaturityXLError, and the Response must be usable downstream (scores, JSON).

CI runs a fixed number of examples; run longer with MXL_FUZZ_EXAMPLES (see docs/hostile-returns.md). That the
reader's fast path reads what expat reads is tests/test_reading_property.py's property.
"""

from __future__ import annotations

import functools
import json
import os
import random
import time
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corpus
from maturity_xl.errors import MaturityXLError
from maturity_xl.layout import ACTIONS, ASSESSMENT, METADATA, START, Layout, cell
from maturity_xl.parse import parse
from maturity_xl.reading import open_workbook
from maturity_xl.response import Response
from maturity_xl.simulate import patch_cells

# CI: a fixed number of examples per test, derandomized so a run is repeatable (a failure is the code's, not the
# dice's). MXL_FUZZ_EXAMPLES=N runs N per test with fresh random examples each time (see docs/hostile-returns.md).
LONG_RUN = "MXL_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("MXL_FUZZ_EXAMPLES", "300"))
SECONDS = 5.0
FUZZ = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=SECONDS), database=None,
                derandomize=not LONG_RUN, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@functools.lru_cache(maxsize=1)
def bases() -> tuple[bytes, ...]:
    """Valid returns in the shapes parse meets: as the mail-merge patches them, signed, and re-saved by openpyxl
    (other attribute order, no cached values) and by LibreOffice when it is installed (shared strings, renumbered
    parts)."""
    b = corpus.base()
    patched = b.filled("fuzz-a")[0]
    signed = b.filled("fuzz-b", signed=True)[0]
    resaved = corpus.openpyxl_edit(b.filled("fuzz-c")[0], lambda _wb: None)
    libre = corpus._libreoffice(b.filled("fuzz-d")[0], "xlsx", "fuzz")
    return tuple(x for x in (patched, signed, resaved, libre) if x is not None)


@pytest.fixture(autouse=True, scope="module")
def _bases_built_first():
    """The bases are built before Hypothesis times an example: the first would otherwise pay for them (LibreOffice
    among them) and, on a busy machine, overrun the deadline once and then not again (a flaky failure)."""
    bases()


@functools.cache
def members(index: int) -> tuple[tuple[str, bytes], ...]:
    return tuple(corpus.parts(bases()[index]))


@functools.cache
def metadata_refs(index: int) -> tuple[str, ...]:
    wb = open_workbook(bases()[index])
    try:
        return tuple(cell(r, c) for (r, c) in sorted(wb.cells(METADATA)))
    finally:
        wb.close()


def input_refs() -> list[tuple[str, str]]:
    lay = Layout(corpus.base().framework)
    refs = [(START, cell(f.row, 1)) for f in lay.respondent]
    for c in lay.statement_cells[:12]:
        refs += [(ASSESSMENT, cell(c.row, col)) for col in (lay.A_ID, lay.A_TEXT, lay.A_RATING, lay.A_RATIONALE,
                                                             lay.A_EVIDENCE)]
        refs += [(ACTIONS, cell(c.action_row, col)) for col in range(lay.P_ID, lay.action_first_col + 4)]
    return refs


def check(data: bytes) -> None:
    """The property: a Response or a MaturityXLError, in time, in plain words, usable downstream."""
    started = time.perf_counter()
    try:
        response = parse(data, name="fuzzed.xlsx")
    except MaturityXLError:
        return
    elapsed = time.perf_counter() - started
    assert isinstance(response, Response)
    assert elapsed < SECONDS, f"parse took {elapsed:.1f} s"
    for p in response.problems:
        assert "Traceback" not in p.message and "Traceback" not in p.advice, p
        assert p.message.strip(), p
    if response.rejected:
        assert sum(p.severity == "fatal" for p in response.problems) >= 1
    response.scores()
    json.dumps(response.to_dict(), allow_nan=False)


def flip(content: bytes, edits: list[tuple[float, int, int]]) -> bytes:
    """Apply (where, what, how) edits: overwrite a byte, insert one, delete a run, or cut the part short."""
    data = bytearray(content)
    for where, value, how in edits:
        if not data:
            break
        at = min(int(where * len(data)), len(data) - 1)
        if how == 0:
            data[at] = value
        elif how == 1:
            data.insert(at, value)
        elif how == 2:
            del data[at:at + value]
        else:
            del data[at:]
    return bytes(data)


EDITS = st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255), st.sampled_from([0, 0, 0, 1, 2, 3])),
                 min_size=1, max_size=12)
XML_PARTS = ("sheet", "sharedStrings", "workbook.xml", ".rels", "Content_Types", "custom.xml")


@FUZZ
@given(base=st.integers(0, 3), choice=st.integers(0, 10_000), edits=EDITS, aimed=st.booleans())
def test_byte_flips_inside_parts(base, choice, edits, aimed):
    index = base % len(bases())
    parts = list(members(index))
    candidates = [i for i, (name, _) in enumerate(parts) if any(k in name for k in XML_PARTS)] if aimed else \
        list(range(len(parts)))
    target = candidates[choice % len(candidates)]
    name, content = parts[target]
    parts[target] = (name, flip(content, edits))
    check(corpus.rezip(parts))


@FUZZ
@given(base=st.integers(0, 3), edits=EDITS)
def test_byte_flips_in_the_file(base, edits):
    check(flip(bases()[base % len(bases())], edits))


TEXT = st.text(max_size=60) | st.sampled_from(["", " ", "3", "3 - Growing", "=1+1", "nan", "inf", "-inf", "1e308",
                                              "1e-320", "_x0000_", "_xD800_", "&amp;", "\u00a0", "#N/A",
                                              "9" * 400, "x" * 40_000])
VALUES = (TEXT | st.integers(-(2 ** 70), 2 ** 70) | st.floats(allow_nan=True, allow_infinity=True)
          | st.dates(date(1, 1, 1), date(9999, 12, 31)))


@FUZZ
@given(base=st.integers(0, 3), picks=st.lists(st.tuples(st.integers(0, 10_000), VALUES), min_size=1,
                                               max_size=15))
def test_random_cell_values(base, picks):
    refs = input_refs()
    values = {refs[i % len(refs)]: v for i, v in picks}
    check(patch_cells(bases()[base % len(bases())], values))


META_VALUES = TEXT | st.sampled_from(["[workbook]", "[map]", "[sheets]", "[scale]", "[columns]", "[respondent]",
                                      "statement", "level", "column", "sheet", "maturity-xl/1", "A1", "C5",
                                      "ZZZ9999999", "A0", "$B$7", "Assessment", "Metadata", "-", "unsigned",
                                      "coventry-warwickshire", "1.0", "2.0", "0", "-1", "99999999"]) \
    | st.integers(-(2 ** 40), 2 ** 40) | st.floats(allow_nan=True, allow_infinity=True)


@FUZZ
@given(base=st.integers(0, 3), picks=st.lists(st.tuples(st.integers(0, 100_000), META_VALUES), min_size=1,
                                               max_size=10))
def test_random_metadata_edits(base, picks):
    index = base % len(bases())
    refs = metadata_refs(index)
    values = {(METADATA, refs[i % len(refs)]): v for i, v in picks}
    check(patch_cells(bases()[index], values))


def test_the_bases_are_valid_returns():
    """The mutations start from returns that parse cleanly, so what they find is the mutation's doing."""
    for data in bases():
        response = parse(data, name="base.xlsx")
        assert not response.rejected and [p for p in response.problems if p.severity != "warning"] == []


@pytest.mark.parametrize("seed", range(3))
def test_shuffled_parts_and_random_junk(seed):
    """Cheap structural mutations that byte flips rarely reach: parts dropped, swapped or filled with junk."""
    rng = random.Random(seed)
    for index in range(len(bases())):
        parts = list(members(index))
        for _ in range(20):
            mutated = list(parts)
            i, j = rng.randrange(len(mutated)), rng.randrange(len(mutated))
            kind = rng.randrange(3)
            if kind == 0:
                del mutated[i]
            elif kind == 1:
                mutated[i], mutated[j] = (mutated[i][0], mutated[j][1]), (mutated[j][0], mutated[i][1])
            else:
                mutated[i] = (mutated[i][0], rng.randbytes(rng.randrange(1, 4096)))
            check(corpus.rezip(mutated))
