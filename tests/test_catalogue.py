"""The catalogue of problems: every code built anywhere is in it, and every code in it is produced by a test.

`produced` drives everything that reports a problem: the hostile corpus (tests/corpus.py), small files for each
answer sniffing and reading give, edits to a real return for each problem parsing finds, the collector's own
failures, spec problems and a generation error. It gathers (domain, code, severity) and the test compares that
with the catalogue both ways: a catalogued code no test produces is dead, and fails here.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import os
import pickle
import re
import string
import struct
import time
import warnings
import zipfile
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import corpus
from conftest import make_spec
from maturity_xl import catalogue
from maturity_xl import collect as collect_module
from maturity_xl.catalogue import CATALOGUE, ENTRIES, RETURN, UnknownCode
from maturity_xl.cli import main
from maturity_xl.collect import Limits, check_signature, collect
from maturity_xl.errors import GenerationError, MaturityXLError, SpecError, SpecProblem
from maturity_xl.layout import ACTIONS, ASSESSMENT, METADATA, START, Layout, cell
from maturity_xl.parse import Registry, parse
from maturity_xl.reading import ReadError, open_workbook, open_zip
from maturity_xl.reading import expat as reading_expat
from maturity_xl.reading import fastpath as reading_fastpath
from maturity_xl.report import write_csvs
from maturity_xl.response import Problem
from maturity_xl.simulate import patch_cells
from maturity_xl.sniff import OLE_MAGIC
from maturity_xl.spec import load_spec, parse_spec

SRC = Path(__file__).resolve().parent.parent / "src" / "maturity_xl"
ADVICE_VERBS = re.compile(r"\b(send|save|open|remove|wait|export|return|use|complete|check|choose|enter|leave|"
                          r"ask|add|fix|give|fill|change|shorten|list|move|start)\b", re.I)
Seen = set[tuple[str, str, str]]  # (domain, code, severity)


# The catalogue itself.


def test_building_a_problem_checks_its_code_and_severity():
    with pytest.raises(UnknownCode, match="no-such-code"):
        Problem("error", "no-such-code", "a message")
    with pytest.raises(UnknownCode, match="allows fatal"):
        Problem("warning", "zip-bomb", "a message")
    with pytest.raises(UnknownCode):
        SpecProblem("no-such-code", "areas[0]", "a message")
    with pytest.raises(UnknownCode):
        SpecProblem("zip-bomb", "", "a return's code is not a spec's")
    with pytest.raises(UnknownCode):
        GenerationError("a message", code="no-such-code")


def test_a_problem_takes_the_catalogues_advice_unless_given_its_own():
    problem = Problem("fatal", "xls", "the workbook was saved in the old format")
    assert problem.advice == RETURN["xls"].advice and problem.advice
    assert Problem("fatal", "xls", "m", advice="Do this.").advice == "Do this."
    assert pickle.loads(pickle.dumps(problem)) == problem
    assert problem.to_dict()["advice"] == problem.advice
    assert SpecProblem("bad-id", "id", "m").advice == CATALOGUE["spec"]["bad-id"].advice


def test_generation_error_is_a_maturity_xl_error():
    error = GenerationError("sheet 'Assessment', C6: Excel would refuse this data validation (x)")
    assert isinstance(error, MaturityXLError) and error.code == "validation-refused"


def test_entries_are_whole():
    for domain in catalogue.DOMAINS:
        codes = [e.code for e in ENTRIES if e.domain == domain]
        assert len(codes) == len(set(codes)), f"a {domain} code is catalogued twice"
    for e in ENTRIES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", e.code), e.code
        assert e.severities and set(e.severities) <= set(catalogue.SEVERITIES), e.code
        assert e.message and e.message == e.message.strip() and not e.message.endswith("."), e.code
        fields = {name for _text, name, _spec, _conv in string.Formatter().parse(e.message) if name}
        assert e.format(**{name: "x" for name in fields}), e.code
        if "fatal" in e.severities or e.domain == "spec":  # a file refused, or a spec to fix: say what to do
            assert ADVICE_VERBS.search(e.advice), f"{e.code}: the advice names nothing to do: {e.advice!r}"
        for text in (e.advice, e.note):
            assert text == text.strip() and (not text or text.endswith((".", ")"))), e.code


def test_the_readers_codes_and_advice_are_the_catalogues():
    """Every code the reading package raises is a fatal return code, and its ReadError carries the catalogue's
    advice."""
    raised = set().union(*(_codes_in_source(path)["return"] for path in (SRC / "reading").glob("*.py")))
    assert raised, "no ReadError codes found in reading/"
    for code in raised:
        assert RETURN[code].severities == ("fatal",), code
        assert ReadError(code, "m").advice == RETURN[code].advice, code


def test_every_code_in_the_source_is_catalogued():
    """A static check beside the one at construction: each code written as a literal where a problem is built."""
    found: dict[str, set[str]] = {"return": set(), "spec": set()}
    for path in SRC.rglob("*.py"):
        for domain, codes in _codes_in_source(path).items():
            found[domain] |= codes
    assert len(found["return"]) > 50 and len(found["spec"]) > 15, found
    for domain, codes in found.items():
        assert codes <= set(CATALOGUE[domain]), sorted(codes - set(CATALOGUE[domain]))


_CODE_ARGUMENT = {"Problem": 1, "problem": 1, "_rejected": 1, "ReadError": 0, "_no": 0, "_failed": 0,
                  "SpecProblem": 0, "add": 0, "message": 0}


def _codes_in_source(path: Path) -> dict[str, set[str]]:
    """The string literals passed as the code where `path` builds a problem (both arms of a conditional)."""
    out: dict[str, set[str]] = {"return": set(), "spec": set()}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        index = _CODE_ARGUMENT.get(name)
        spec_add = name == "add" and path.parent.name == "spec"  # the spec Checker's add(code, path, message)
        if name == "add" and not spec_add:
            index = 1  # the parser's Problems.add(severity, code, message, ...)
        if index is None or len(node.args) <= index:
            continue
        domain = "spec" if name == "SpecProblem" or spec_add else "return"
        for sub in ast.walk(node.args[index]):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and sub.value not in ("fatal", "error",
                                                                                                  "warning"):
                out[domain].add(sub.value)
    return out


# Everything that produces a problem.


def _seen_in(response) -> Seen:
    return {("return", p.code, p.severity) for p in response.problems}


def _logged(collection) -> Seen:
    return {("return", e.code, "fatal") for e in collection.log if e.code}


def _corpus(folder: Path) -> Seen:
    seen: Seen = set()
    for case in corpus.build_cases(folder).values():
        path = folder / case.name
        if case.members or case.name.endswith(".zip"):
            seen |= _logged(collect([path], workers=1))
            continue
        response = parse(path)
        check_signature(response, corpus.KEY)
        seen |= _seen_in(response)
        if case.name == "password-to-open.xlsx":
            seen |= _seen_in(parse(path, password="not the agreed one"))
    return seen


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, content in members.items():
            zf.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), content, compress_type=method)
    return out.getvalue()


def _types(content_type: str) -> bytes:
    return (f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override '
            f'PartName="/main.xml" ContentType="{content_type}"/></Types>').encode()


def _ole(*streams: str) -> bytes:
    """An OLE compound file as far as sniffing looks: the magic, and its streams' names in UTF-16."""
    return OLE_MAGIC + b"\x00" * 64 + b"".join(s.encode("utf-16-le") + b"\x00\x00" for s in streams)


def _damaged_zip() -> bytes:
    """A zip whose central directory names a version of the format no reader supports and a name longer than the
    record: zipfile raises something other than BadZipFile."""
    data = bytearray(_zip({"a.txt": b"hello" * 10}, zipfile.ZIP_STORED))
    start = data.index(b"PK\x01\x02")
    data[start + 6], data[start + 28] = 197, 133
    return bytes(data)


SNIFFED = {
    "archive": b"\x1f\x8b\x08\x00" + b"\x00" * 40,
    "rtf": b"{\\rtf1\\ansi Rated 3}",
    "xml-2003": b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>',
    "text": b"just one line of text, typed into a file",
    "unknown": b"\x00\x01\x02\x03 binary junk",
    "doc": _ole("WordDocument"),
    "ppt": _ole("PowerPoint Document"),
    "ole": _ole("SummaryInformation"),
    "odf": _zip({"mimetype": b"application/vnd.oasis.opendocument.text"}, zipfile.ZIP_STORED),
    "zip": _zip({"notes.txt": b"hello"}),
    "pptx": _zip({"[Content_Types].xml": _types("application/vnd.openxmlformats-officedocument.presentationml."
                                                 "presentation.main+xml")}),
    "xlam": _zip({"[Content_Types].xml": _types("application/vnd.ms-excel.addin.macroEnabled.main+xml")}),
    "unknown-ooxml": _zip({"[Content_Types].xml": _types("application/vnd.example.main+xml")}),
    "not-a-workbook": _zip({"[Content_Types].xml": _types("application/vnd.openxmlformats-officedocument."
                                                          "spreadsheetml.sheet.main+xml")}),
    "unsupported-compression": _zip({"[Content_Types].xml": b"<Types/>"}, zipfile.ZIP_BZIP2),
    "damaged": b"PK\x03\x04" + b"junk" * 10 + b"PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00" +
               struct.pack("<II", 46, 9999) + b"\x00\x00",
}


def _sniffed() -> Seen:
    seen: Seen = set()
    for code, data in SNIFFED.items():
        response = parse(data, name=f"{code}.bin")
        assert [(p.code, p.severity) for p in response.problems] == [(code, "fatal")], (code, response.problems)
        seen |= _seen_in(response)
    for data, code in ((SNIFFED["damaged"], "not-a-zip"), (_damaged_zip(), "damaged-zip")):
        with pytest.raises(ReadError) as info:
            open_zip(data)
        assert info.value.code == code
        seen.add(("return", code, "fatal"))
    return seen


def _drop_sheet(data: bytes, sheet: str) -> bytes:
    def drop(xml: bytes) -> bytes:
        out, count = re.subn(rb'<sheet [^>]*name="' + re.escape(sheet.encode()) + rb'"[^>]*/>', b"", xml)
        assert count == 1, sheet
        return out

    return corpus.edit_parts(data, {"xl/workbook.xml": drop})


def _rename_sheet(data: bytes, sheet: str, to: str) -> bytes:
    return corpus.edit_parts(data, {"xl/workbook.xml": lambda xml: xml.replace(f'name="{sheet}"'.encode(),
                                                                                f'name="{to}"'.encode())})


def _metadata_rows(data: bytes, section: str) -> list[int]:
    """The metadata sheet's rows under `[section]` (0-based)."""
    wb = open_workbook(data)
    try:
        cells = wb.cells(METADATA)
    finally:
        wb.close()
    heads = sorted((r, c.value) for (r, col), c in cells.items() if col == 0 and c.value is not None)
    rows, inside = [], False
    for row, value in heads:
        if isinstance(value, str) and value.startswith("["):
            inside = value == f"[{section}]"
        elif inside:
            rows.append(row)
    return rows


def _target_codes() -> Seen:
    """A framework that asks each statement for a target: one typed as text, one off the scale, one below the
    rating."""
    from maturity_xl.generate import generate_bytes
    from maturity_xl.spec import load_framework

    fw = load_framework("lincolnshire")
    lay = Layout(fw)
    data = generate_bytes(fw, generated_at=corpus.PINNED)
    row = lay.statement_cells[0].row
    rating, target = (ASSESSMENT, cell(row, lay.A_RATING)), (ASSESSMENT, cell(row, lay.A_TARGET))
    seen: Seen = set()
    for code, chosen in (("target-text", "4 - Embedding"), ("target-invalid", 2.5), ("target-below-rating", 1)):
        found = _seen_in(parse(patch_cells(data, {rating: 3, target: chosen}), name=f"{code}.xlsx"))
        assert code in {c for _d, c, _s in found}, (code, found)
        seen |= found
    return seen


def _parsed(monkeypatch) -> Seen:
    """Edits to a real return, one problem each."""
    b = corpus.base()
    lay = Layout(b.framework)
    data, _answers = b.filled("catalogue")
    first, second = lay.statement_cells[0], lay.statement_cells[1]
    date_row = next(f.row for f in lay.respondent if f.kind == "date")
    edits = {
        "rating-text": {(ASSESSMENT, cell(first.row, lay.A_RATING)): "2"},
        "date-text": {(START, cell(date_row, 1)): "05/09/2026"},
        "date-invalid": {(START, cell(date_row, 1)): "when we finished"},
        "text-truncated": {(ASSESSMENT, cell(first.row, lay.A_RATIONALE)): "x" * 40_000},
        "unknown-statement": {(ASSESSMENT, cell(second.row, 0)): "9.9.9"},
        "header-edited": {(ASSESSMENT, cell(lay.A_HEADER_ROW, lay.A_EVIDENCE)): "What shows it"},
    }
    seen: Seen = set()
    for code, values in edits.items():
        found = _seen_in(parse(patch_cells(data, values), name=f"{code}.xlsx"))
        assert code in {c for _d, c, _s in found}, (code, found)
        seen |= found
    seen |= _choice_invalid()
    seen |= _target_codes()
    own_map = Registry([])  # the workbook's own map is read, so edits to it count
    seen |= _seen_in(parse(data, name="unknown.xlsx", registry=own_map))
    ref_col = 4  # the map's rows: kind, statement id, area id, then the rating, rationale and evidence cells
    map_row = _metadata_rows(data, "map")[0]
    seen |= _seen_in(parse(patch_cells(data, {(METADATA, cell(map_row, ref_col)): "nowhere"}), registry=own_map))
    scale = {(METADATA, cell(row, 1)): "x" for row in _metadata_rows(data, "scale")}
    seen |= _seen_in(parse(patch_cells(data, scale), registry=own_map))
    seen |= _seen_in(parse(_drop_sheet(data, ACTIONS)))
    seen |= _seen_in(parse(_drop_sheet(_drop_sheet(data, ACTIONS), ASSESSMENT)))
    strict = corpus.case_strict_xml().data
    seen |= _seen_in(parse(_drop_sheet(strict, METADATA)))
    seen |= _seen_in(parse(_rename_sheet(data, ACTIONS, ASSESSMENT)))  # two sheets of one name
    seen |= _seen_in(parse(_column_claimed_twice(data, lay)))
    monkeypatch.setattr(reading_fastpath, "MAX_CELLS", 10)
    monkeypatch.setattr(reading_expat, "MAX_CELLS", 10)
    seen |= _seen_in(parse(data, name="many-cells.xlsx"))
    monkeypatch.undo()
    seen |= _seen_in(parse(Path(__file__).parent))  # a folder: the operating system refuses to read it
    return seen


def _column_claimed_twice(data: bytes, lay: Layout) -> bytes:
    """A column inserted at A whose header a respondent set to the rating column's (as openpyxl would save it)."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[ASSESSMENT]
    ws.insert_cols(1)
    ws.cell(lay.A_HEADER_ROW + 1, 1).value = lay.assessment_columns[lay.A_RATING].header
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _choice_invalid() -> Seen:
    """A choice column's cell holding what is not one of its choices (the mini spec has one)."""
    import random

    from maturity_xl.generate import generate_bytes
    from maturity_xl.simulate import filled_workbook, random_answers

    fw = parse_spec(make_spec(), "mini")
    lay = Layout(fw)
    choice = next(c for c in fw.action_columns if c.kind == "choice")
    data = filled_workbook(fw, generate_bytes(fw), random_answers(fw, random.Random(5), completion=1.0))
    ref = cell(lay.statement_cells[0].action_row, lay.action_col(choice.id))
    found = _seen_in(parse(patch_cells(data, {(ACTIONS, ref): "Maybe later"}), registry=Registry([fw])))
    assert ("return", "choice-invalid", "warning") in found, found
    return found


def _collected(monkeypatch, folder: Path) -> Seen:
    """The collector's own failures: before parsing, and in its worker processes."""
    folder.mkdir()
    corpus.good_returns(folder, count=8)
    files = sorted(folder.iterdir())
    seen = _logged(collect([folder / "gone.xlsx"], workers=1))
    # Collected on a day before they were completed: the completion dates cannot be right.
    seen |= {("return", p.code, p.severity) for r in collect(files[:1], workers=1, today=date(2001, 1, 1)).heads
             for p in r.problems}
    with monkeypatch.context() as m:
        m.setattr(collect_module.sources, "MAX_FILE_BYTES", 10)
        seen |= _logged(collect(files[:1], workers=1))
    with monkeypatch.context() as m:
        def refused(_self):
            raise PermissionError(13, "Permission denied")

        m.setattr(collect_module.Source, "read", refused)
        seen |= _logged(collect(files[:1], workers=1))
    for error in (MemoryError, RuntimeError):
        with monkeypatch.context() as m:
            def failing(*_args, error=error, **_kwargs):
                raise error("on purpose")

            m.setattr(collect_module.workers, "parse", failing)
            seen |= _logged(collect(files[:1], workers=1))
    real_parse = collect_module.workers.parse

    def hostile(data, *, name, **kwargs):  # runs in forked workers: one file hangs, one kills its reader
        if name == str(files[0]):
            time.sleep(30)
        if name == str(files[1]):
            os._exit(1)
        return real_parse(data, name=name, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(collect_module.workers, "parse", hostile)
        log = collect(files, workers=2, limits=Limits(seconds=1)).log
    assert [e.code for e in log[:2]] == ["too-slow", "reader-crashed"], log[:2]
    return seen | _logged_entries(log)


def _logged_entries(log) -> Seen:
    return {("return", e.code, "fatal") for e in log if e.code}


def _spec_codes(tmp_path: Path) -> Seen:
    plain = make_spec()
    scale = plain["scale"]
    few = {**scale, "levels": scale["levels"][:1]}
    unordered = {**scale, "levels": [scale["levels"][1], scale["levels"][0], *scale["levels"][2:]]}
    repeated = {**scale, "levels": [*scale["levels"][:3], {**scale["levels"][3], "label": "none"}]}
    wide = {**scale, "levels": [*scale["levels"][:3], {**scale["levels"][3], "value": 1000}]}
    comma = {**scale, "levels": [*scale["levels"][:3], {**scale["levels"][3], "label": "All, everywhere"}]}
    areas = plain["areas"]
    both = [{**areas[0], "groups": areas[1]["groups"]}, areas[1]]
    twice = [{**areas[0], "statements": [areas[0]["statements"][0]] * 2}, areas[1]]
    with_descriptors = [{**areas[0], "statements": [{**areas[0]["statements"][0], "descriptors": {0: "None"}}]},
                        areas[1]]
    plan = plain["action_plan"]
    long_help = {**plan, "columns": [{**plan["columns"][0], "help": "x" * 300}, *plan["columns"][1:]]}
    two_leads = {**plan, "columns": [*plan["columns"], {"id": "lead2", "name": "Second lead", "kind": "person",
                                                         "role": "lead"}]}
    dated_status = {**plan, "columns": [{**c, "role": "status", "kind": "date"} if c["id"] == "status" else c
                                        for c in plan["columns"]]}
    variants: list[object] = [
        make_spec(version=None), make_spec(areas="not a list"), make_spec(title="  "), make_spec(colour="blue"),
        make_spec(id="Bad Id!"), make_spec(rating={"mode": "stars"}), make_spec(scale=few),
        make_spec(scale=unordered), make_spec(scale=repeated), make_spec(scale=wide), make_spec(scale=comma),
        make_spec(scale={**scale, "target": 9}), make_spec(areas=both), make_spec(areas=twice),
        make_spec(areas=with_descriptors), make_spec(action_plan=long_help),
        make_spec(rating={"mode": "descriptor"}, areas=with_descriptors), make_spec(action_plan=two_leads),
        make_spec(action_plan=dated_status),
        make_spec(rating={"mode": "descriptor", "target_per_statement": True}, areas=with_descriptors),
        "- a list\n- not a mapping\n", "id: x\ntitle: [unclosed\n", "id: x\nid: y\n",
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcdefgh", "bcdefghi")) + "title: *i\n",
        "title: " + "[" * 100 + "]" * 100 + "\n",  # deeper than a spec needs, within every YAML parser's limit
    ]
    seen: Seen = set()
    for i, variant in enumerate(variants):
        path = tmp_path / f"spec-{i}.yaml"
        path.write_text(variant if isinstance(variant, str) else yaml.safe_dump(variant, sort_keys=False))
        with pytest.raises(SpecError) as info:
            load_spec(path)
        seen |= {("spec", p.code, "error") for p in info.value.problems}
    (tmp_path / "latin1.yaml").write_bytes("title: caf\xe9\n".encode("latin-1"))
    for path in (tmp_path / "latin1.yaml", tmp_path / "no-such-spec.yaml"):
        with pytest.raises(SpecError) as info:
            load_spec(path)
        seen |= {("spec", p.code, "error") for p in info.value.problems}
    return seen


def _generation_codes(tmp_path: Path) -> Seen:
    """A scale of 201 levels passes check-spec, but its dropdown's inline list is longer than Excel allows."""
    from maturity_xl.generate import generate_bytes

    levels = [{"value": v, "label": f"L{v}", "description": "d"} for v in range(-100, 101)]
    path = tmp_path / "wide-scale.yaml"
    path.write_text(yaml.safe_dump(make_spec(scale={"name": "Level", "target": 2, "levels": levels})))
    with warnings.catch_warnings(), pytest.raises(GenerationError) as info:
        warnings.simplefilter("ignore")  # XlsxWriter warns, then refuses; the refusal is what is tested
        generate_bytes(load_spec(path))
    return {("generation", info.value.code, "error")}


@pytest.fixture(scope="module")
def produced(tmp_path_factory) -> Seen:
    monkeypatch = pytest.MonkeyPatch()
    tmp = tmp_path_factory.mktemp("catalogue")
    try:
        return (_corpus(tmp / "corpus") | _sniffed() | _parsed(monkeypatch) | _collected(monkeypatch, tmp / "good")
                | _spec_codes(tmp) | _generation_codes(tmp))
    finally:
        monkeypatch.undo()


def test_every_catalogued_code_is_produced_and_nothing_else(produced):
    catalogued = {(e.domain, e.code, severity) for e in ENTRIES for severity in e.severities}
    assert produced <= catalogued, sorted(produced - catalogued)
    assert not catalogued - produced, f"catalogued but produced by no test: {sorted(catalogued - produced)}"


# Where code and advice reach.


def test_code_and_advice_reach_the_log_its_csv_and_parse(tmp_path):
    folder = tmp_path / "returns"
    folder.mkdir()
    (folder / "old.xls").write_bytes(SNIFFED["doc"])
    (folder / "notes.xlsx").write_bytes(b"a,b\n1,2\n")
    collection = collect([folder], workers=1)
    by_file = {Path(e.file).name: e for e in collection.log}
    assert by_file["old.xls"].code == "doc" and by_file["old.xls"].advice == RETURN["doc"].advice
    assert by_file["notes.xlsx"].code == "csv"
    log = collection.frames().log
    assert list(log.columns[:5]) == ["file", "status", "reason", "advice", "code"]
    assert set(log["code"]) == {"doc", "csv"}
    write_csvs(collection, tmp_path / "csv")
    with open(tmp_path / "csv" / "log.csv", newline="", encoding="utf-8-sig") as fh:
        rows = {Path(row["file"]).name: row for row in csv.DictReader(fh)}
    assert rows["old.xls"]["code"] == "doc" and rows["old.xls"]["advice"] == RETURN["doc"].advice

    text = CliRunner().invoke(main, ["parse", str(folder / "notes.xlsx")])
    assert text.exit_code == 1
    assert "fatal [csv]:" in text.output and RETURN["csv"].advice in text.output
    data = CliRunner().invoke(main, ["parse", str(folder / "notes.xlsx"), "--json"])
    [problem] = json.loads(data.output)["problems"]
    assert problem["code"] == "csv" and problem["advice"] == RETURN["csv"].advice


def test_parse_text_names_the_areas(tmp_path):
    b = corpus.base()
    path = tmp_path / "r.xlsx"
    path.write_bytes(b.filled("areas")[0])
    result = CliRunner().invoke(main, ["parse", str(path)])
    assert result.exit_code == 0, result.output
    for area in b.framework.areas:
        line = next(line for line in result.output.splitlines() if line.strip().startswith(area.id + " "))
        assert line.strip()[len(area.id) + 1:].startswith(area.title[:20]), line


def test_the_docs_are_generated_from_the_catalogue():
    """docs/problems.md and the table of codes in docs/hostile-returns.md are what scripts/problem_docs.py writes."""
    import importlib.util

    script = Path(__file__).resolve().parent.parent / "scripts" / "problem_docs.py"
    spec = importlib.util.spec_from_file_location("problem_docs", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for path, text in module.pages().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is out of date: run python {script.name}"
    page = module.problems_page()
    assert all(f"| `{e.code}` |" in page for e in ENTRIES)
