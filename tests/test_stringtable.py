"""Shared strings read by a reference table (reading/stringtable.py): a table read so must be split exactly as the
whole scan (fastpath.scan_shared_strings) splits it, and any table the whole scan would not take in its usual
shape must not be taken by the reference either, however its entries were edited."""

from __future__ import annotations

import random

import pytest

from maturity_xl.reading import stringtable
from maturity_xl.reading.fastpath import LazyStrings, scan_shared_strings

HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="x" count="40" uniqueCount="40">'


def table(texts: list[str], head: bytes = HEAD) -> bytes:
    return head + b"".join(b"<si><t>" + t.encode() + b"</t></si>" for t in texts) + b"</sst>"


TEXTS = [f"Statement {i}: a text of the framework" for i in range(40)]


@pytest.fixture(autouse=True)
def no_references(monkeypatch):
    monkeypatch.setattr(stringtable, "_REFERENCES", [])


def reference() -> None:
    data = table(TEXTS)
    stringtable.keep(data, scan_shared_strings(data))


def whole(data: bytes) -> list[bytes] | None:
    """The pieces the whole scan splits `data` into, when it takes it in the usual shape."""
    found = scan_shared_strings(data)
    return found.pieces() if isinstance(found, LazyStrings) else None


def test_a_personalised_table_is_read_by_the_reference_as_the_whole_scan_reads_it():
    reference()
    texts = TEXTS.copy()
    texts[1], texts[17], texts[39] = "Service number 2", "S00002 &amp; co", "the last, changed"
    data = table(texts)
    found = stringtable.by_reference(data)
    assert found is not None and found.pieces() == whole(data)
    assert [found[i] for i in (0, 1, 17, 39)] == [TEXTS[0], "Service number 2", "S00002 & co", "the last, changed"]
    assert found.pieces()[0] is stringtable._REFERENCES[0].pieces[0]  # unchanged entries: the reference's objects


@pytest.mark.parametrize("texts, head", [
    (TEXTS[:39], HEAD),  # an entry fewer
    (TEXTS + ["one more"], HEAD),
    (TEXTS, HEAD.replace(b'count="40"', b'count="41"')),  # another head: the whole scan decides
    ([f"changed {i}" for i in range(40)], HEAD),  # most entries changed
], ids=["fewer", "more", "head", "most-changed"])
def test_a_table_unlike_the_reference_is_left_to_the_whole_scan(texts, head):
    reference()
    assert stringtable.by_reference(table(texts, head)) is None


@pytest.mark.parametrize("edit", [
    b"<si>", b"</si>", b"<si/>", b'<si x="1">', b"<x:si>", b"</x:si>", b"<!-- c -->", b"<![CDATA[x]]>", b"<?pi?>",
    b"si>", b"<si", b"</si><si>", b"<", b">", b"&lt;",
], ids=repr)
def test_an_edited_entry_is_taken_only_when_the_whole_scan_takes_it(edit):
    reference()
    rng = random.Random(edit)
    base = table(TEXTS)
    for _ in range(60):
        at = rng.randrange(len(HEAD), len(base))
        data = base[:at] + edit + base[at + rng.choice((0, 0, 1, 3)):]
        found = stringtable.by_reference(data)
        expected = whole(data)
        if found is not None:
            assert found.pieces() == expected, (at, data[at - 20:at + 30])


def test_random_edits_of_a_table_agree_with_the_whole_scan():
    reference()
    rng = random.Random(11)
    base = table(TEXTS)
    tokens = [b"<si>", b"</si>", b"<", b">", b"s", b"i", b"/", b"!", b"?", b":", b"<t>", b"</t>", b"x"]
    taken = 0
    for _ in range(400):
        data = base
        for _ in range(rng.randrange(1, 4)):
            at = rng.randrange(len(HEAD), len(data) + 1)
            data = data[:at] + b"".join(rng.choices(tokens, k=rng.randrange(1, 4))) + data[at + rng.randrange(3):]
        found = stringtable.by_reference(data)
        if found is not None:
            taken += 1
            assert found.pieces() == whole(data), data
    assert taken > 20  # the edits that keep the usual shape are read by the reference


def test_a_table_in_another_shape_is_not_kept():
    data = table(TEXTS).replace(b"<si>", b"<si >")
    stringtable.keep(data, scan_shared_strings(data))
    assert stringtable._REFERENCES == []
