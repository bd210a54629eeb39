"""The memo of sheets' indexes (reading/memo.py INDEXES): the metadata sheet, the same bytes in every return of a
programme, is indexed once a process; each return still reads its own values (through its own shared strings),
the memo is keyed on the exact bytes and the row an index stops at, and it stays within its bounds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from maturity_xl.batch import Template
from maturity_xl.generate import Service
from maturity_xl.parse import parse
from maturity_xl.reading import memo, workbook
from maturity_xl.reading.fastpath import index_sheet
from maturity_xl.reading.memo import PartMemo
from maturity_xl.spec import load_framework
from workbook_helpers import one_sheet_workbook

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet(rows: str) -> bytes:
    return f'<worksheet xmlns="{MAIN_NS}"><sheetData>{rows}</sheetData></worksheet>'.encode()


@pytest.fixture()
def indexes(monkeypatch):
    """An empty memo of indexes, and a list of the (length, stop_row) of every part index_sheet really indexes."""
    monkeypatch.setattr(memo, "INDEXES", PartMemo(8, recent=True))
    monkeypatch.setattr(workbook, "INDEXES", memo.INDEXES)
    indexed: list[tuple[int, int | None]] = []

    def spy(data: bytes, stop_row: int | None = None):
        indexed.append((len(data), stop_row))
        return index_sheet(data, stop_row)

    monkeypatch.setattr(workbook, "index_sheet", spy)
    return indexed


def test_the_metadata_head_is_indexed_once_and_each_return_reads_its_own_values(indexes):
    template = Template(load_framework("lincolnshire"), generated_at=datetime(2026, 11, 1, tzinfo=UTC))
    one = template.personalise(Service("S1", "Service one"))
    two = template.personalise(Service("S2", "Service two"))
    first = parse(one, name="one.xlsx")
    heads = [at for at in indexes if at[1] is not None]
    indexes.clear()
    second = parse(two, name="two.xlsx")
    assert not first.rejected and not second.rejected
    assert (first.service_id, first.service_name) == ("S1", "Service one")
    assert (second.service_id, second.service_name) == ("S2", "Service two")  # its own shared strings
    again = [at for at in indexes if at[1] is not None]
    # The heads of the metadata and 'Start here' sheets (blank: the same bytes, but for the shared strings'
    # indexes) are not indexed again.
    assert len(heads) == 2 and again == []
    assert parse(one, name="one.xlsx").service_name == "Service one"


def test_an_index_from_the_memo_is_the_same_object_and_the_same_as_a_fresh_one(indexes):
    part = sheet('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>2</v></c></row>'
                 '<row r="2"><c r="A2" s="1"/></row><row r="3"><c r="A3"><v>9</v></c></row>')
    wb = one_sheet_workbook(part, b"<sst><si><t>first</t></si></sst>")
    assert wb.lookup("S", [(0, 0), (0, 1)], rows=1) == {(0, 0): wb.cells("S")[(0, 0)],
                                                        (0, 1): wb.cells("S")[(0, 1)]}
    other = one_sheet_workbook(part, b"<sst><si><t>second</t></si></sst>")
    found = other.lookup("S", [(0, 0), (2, 0)])
    assert found[(0, 0)].value == "second" and found[(2, 0)].value == 9.0
    assert indexes == [(len(part), 2), (len(part), None)]  # each variant once, the second workbook from the memo
    kept = memo.INDEXES.get((part, None))
    assert kept == index_sheet(part) and kept is other._indexes["S"]


def test_the_memo_is_keyed_on_the_exact_bytes_and_the_stop_row(indexes):
    a = sheet('<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>')
    b = a.replace(b"<v>2</v>", b"<v>3</v>")
    assert one_sheet_workbook(a).lookup("S", [(1, 0)])[(1, 0)].value == 2.0
    assert one_sheet_workbook(b).lookup("S", [(1, 0)])[(1, 0)].value == 3.0
    assert one_sheet_workbook(bytes(bytearray(a))).lookup("S", [(0, 0)], rows=1)[(0, 0)].value == 1.0
    assert indexes == [(len(a), None), (len(b), None), (len(a), 2)]


def test_only_small_parts_and_indexes_are_kept(indexes, monkeypatch):
    big = sheet("".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 3000)))
    assert len(big) > 2 * memo.MAX_INFLATED
    for _ in range(2):
        assert one_sheet_workbook(big).lookup("S", [(5, 0)])[(5, 0)].value == 6.0
    assert len(indexes) == 2 and len(memo.INDEXES) == 0
    monkeypatch.setattr(workbook, "INDEX_CELLS", 2)
    three = sheet('<row r="1"><c r="A1"/><c r="B1"/><c r="C1"/></row>')
    one_sheet_workbook(three).cells("S")
    assert len(memo.INDEXES) == 0  # more cells than INDEX_CELLS
    refused = sheet('<row r="1"><c r="A01"><v>7</v></c></row>')  # read by expat: nothing to keep
    assert one_sheet_workbook(refused).cells("S")[(0, 0)].value == 7.0
    assert len(memo.INDEXES) == 0


def test_the_entry_every_return_uses_stays_while_the_others_turn_over(indexes):
    shared = sheet('<row r="1"><c r="A1"><v>1</v></c></row>')
    for i in range(40):
        assert one_sheet_workbook(shared).lookup("S", [(0, 0)])[(0, 0)].value == 1.0
        own = sheet(f'<row r="1"><c r="A1"><v>{i + 100}</v></c></row>')
        assert one_sheet_workbook(own).lookup("S", [(0, 0)])[(0, 0)].value == i + 100
        assert len(memo.INDEXES) <= 8
    assert indexes.count((len(shared), None)) == 1 and len(indexes) == 41


def test_a_part_memo_keeps_no_none_and_a_key_put_again_does_not_push_another_out():
    kept = PartMemo(2)
    calls = []

    def fn(data, _name):
        calls.append(data)
        return None if data == b"none" else data.upper()

    assert kept.call(fn, b"none", "n") is None and kept.call(fn, b"none", "n") is None
    assert len(kept) == 0 and calls == [b"none", b"none"]
    kept.put((b"a",), 1)
    kept.put((b"b",), 2)
    kept.put((b"b",), 3)
    assert (kept.get((b"a",)), kept.get((b"b",))) == (1, 3)
    kept.put((b"c",), 4)  # the oldest goes
    assert (kept.get((b"a",)), kept.get((b"b",)), kept.get((b"c",))) == (None, 3, 4)
