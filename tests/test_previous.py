"""Next round's workbook: the round in the metadata, and last round's answers beside this round's (`generate
--previous`), from the archived Coventry & Warwickshire 1.0 to 2.0."""

from __future__ import annotations

import csv
import random
import statistics
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import accessibility as a11y
from conftest import FRAMEWORKS, PINNED, make_spec
from libreoffice import convert, error_cells, soffice
from maturity_xl.batch import Template, generate_batch
from maturity_xl.cli import main
from maturity_xl.collect import collect
from maturity_xl.generate import Service, generate_bytes, row_height
from maturity_xl.layout import ACTIONS, ASSESSMENT, METADATA, METADATA_KEYS, START, SUMMARY, Layout, cell
from maturity_xl.parse import Registry, parse
from maturity_xl.previous import CARRIED, NEW, NOT_RATED, read_previous
from maturity_xl.simulate import Filled, filled_workbook, patch_cells, random_answers
from maturity_xl.spec import bundled_frameworks, parse_spec
from maturity_xl.store import Store
from workbook_helpers import metadata_sections

FID = "coventry-warwickshire"
SERVICES = [Service(f"CW{i:03d}", f"Service {i}") for i in range(6)]
RETURNED = 4  # the first four return in 2026; CW004 and CW005 never do


@dataclass
class Cycle:
    old: object  # the framework, 1.0
    new: object  # 2.0
    store: Path
    truth: dict[str, Filled]  # service id -> what it answered in 2026
    sent: Path  # 2027's workbooks
    files: dict[str, Path]  # service id -> its 2027 workbook


def _framework(version: str):
    return next(fw for fw in bundled_frameworks(include_archive=True) if fw.id == FID and fw.version == version)


def _files(manifest: Path) -> dict[str, Path]:
    return {row["service_id"]: manifest.parent / row["file"] for row in csv.DictReader(manifest.open(encoding="utf-8"))}


@pytest.fixture(scope="module")
def cycle(tmp_path_factory) -> Cycle:
    """2026: C&W 1.0 sent with --round 2026, four services return, collected into a store without --round (the
    workbooks name their round); 2027: C&W 2.0 sent with --previous."""
    root = tmp_path_factory.mktemp("cycle")
    old, new = _framework("1.0"), _framework("2.0")
    sent = _files(generate_batch(old, SERVICES, root / "sent-2026", generated_at=PINNED, round="2026"))
    inbox = root / "returns-2026"
    inbox.mkdir()
    rng = random.Random(11)
    truth = {}
    for service in SERVICES[:RETURNED]:
        truth[service.id] = random_answers(old, rng, completion=0.85, completed_on=date(2026, 10, 1))
        rated = next(k for k, v in truth[service.id].ratings.items() if v is not None)
        long = "A long answer, which needs a taller row than the template's. " * 8
        truth[service.id].rationale[rated] = long.strip()
        path = sent[service.id]
        (inbox / path.name).write_bytes(filled_workbook(old, path.read_bytes(), truth[service.id]))
    store = root / "programme.db"
    result = CliRunner().invoke(main, ["collect", str(inbox), "--store", str(store), "-o", str(root / "r.xlsx")])
    assert result.exit_code == 0, result.output
    services_csv = root / "services.csv"
    services_csv.write_text("id,name\n" + "".join(f"{s.id},{s.name}\n" for s in SERVICES), encoding="utf-8")
    result = CliRunner().invoke(main, ["generate", FID, "--services", str(services_csv), "--out-dir",
                                       str(root / "sent-2027"), "--round", "2027", "--previous", str(store)])
    assert result.exit_code == 0, result.output
    assert f"{RETURNED} workbooks with last time's answers (round 2026)" in result.output
    return Cycle(old, new, store, truth, root / "sent-2027", _files(root / "sent-2027" / "manifest.csv"))


def test_generate_writes_the_round_and_the_parser_reads_it(frameworks, tmp_path):
    fw = frameworks["lincolnshire"]
    assert METADATA_KEYS[-1] == "round"  # appended: the keys before it keep their rows
    assert parse(_write(tmp_path / "a.xlsx", generate_bytes(fw, round="2027"))).round == "2027"
    assert parse(_write(tmp_path / "b.xlsx", generate_bytes(fw))).round == ""


def test_a_return_made_before_rounds_still_reads(frameworks, tmp_path):
    """A workbook whose metadata head has no round row (as generated before this key) reads, with no round."""
    fw = frameworks["lincolnshire"]
    answers = random_answers(fw, random.Random(2))
    path = _write(tmp_path / "filled.xlsx", filled_workbook(fw, generate_bytes(fw, round="2027"), answers))
    wb = openpyxl.load_workbook(path)
    wb[METADATA].delete_rows(METADATA_KEYS.index("round") + 2)
    wb.save(path)
    response = parse(path)
    assert response.round == "" and not response.rejected
    assert {r.statement_id: r.rating for r in response.ratings} == answers.ratings


def test_collect_files_returns_under_the_round_their_workbooks_name(cycle):
    with Store(cycle.store, create=False) as store:
        assert [r.name for r in store.rounds()] == ["2026"]
        assert len(store.collection("2026").frames().responses) == RETURNED


def test_previous_reads_each_services_counted_answers(cycle):
    previous = read_previous(cycle.store, cycle.new)
    assert previous.round == "2026"
    assert sorted(previous.services) == [s.id for s in SERVICES[:RETURNED]]
    for sid, filled in cycle.truth.items():
        last = previous.services[sid]
        assert {k: a.rating for k, a in last.answers.items()} == filled.ratings
        assert {k: a.rationale for k, a in last.answers.items() if a.rationale} == \
            {k: v for k, v in filled.rationale.items() if v}
    old_ids, new_ids = [s.id for s in cycle.old.statements], {s.id for s in cycle.new.statements}
    assert [sid for sid, _text in previous.removed] == [i for i in old_ids if i not in new_ids]
    texts = {s.id: s.text for s in cycle.old.statements}
    assert all(text == texts[sid] for sid, text in previous.removed)


def test_last_time_beside_each_statement_new_and_removed(cycle):
    lay = Layout(cycle.new, last_round="2026")
    old_ids = {s.id for s in cycle.old.statements}
    labels = {lv.value: lv.label for lv in cycle.old.scale.levels}
    for sid, filled in cycle.truth.items():
        wb = openpyxl.load_workbook(cycle.files[sid])
        ws = wb[ASSESSMENT]
        rating_col, why_col = lay.last_time_col("last_rating"), lay.last_time_col("last_rationale")
        assert "Last time (2026)" in ws[cell(lay.A_HEADER_ROW, rating_col)].value
        for c in lay.statement_cells:
            shown, why = ws[cell(c.row, rating_col)].value, ws[cell(c.row, why_col)].value
            if c.statement_id not in old_ids:
                assert shown == NEW and why is None, c.statement_id
                continue
            rating = filled.ratings[c.statement_id]
            assert shown == (NOT_RATED if rating is None else f"{rating} - {labels[rating]}"), c.statement_id
            assert (why or "") == filled.rationale.get(c.statement_id, "")
            assert ws[cell(c.row, rating_col)].protection.locked  # read-only
            if why:  # the row is tall enough for last time's words (LibreOffice does not fit it on opening)
                width = lay.assessment_columns[why_col].width
                assert ws.row_dimensions[c.row + 1].height >= row_height((why, width))
        start = [row[1] for row in wb[START].iter_rows(values_only=True) if len(row) > 1 and row[1]]
        removed = [i for i in (s.id for s in cycle.old.statements) if i not in {s.id for s in cycle.new.statements}]
        assert removed and all(any(str(line).startswith(f"{i}  ") for line in start) for i in removed)


def test_open_actions_are_carried_into_the_plan(cycle):
    lay = Layout(cycle.new, last_round="2026")
    new_ids = {s.id for s in cycle.new.statements}
    for sid, filled in cycle.truth.items():
        ws = openpyxl.load_workbook(cycle.files[sid])[ACTIONS]
        carried = {}
        for c in lay.statement_cells:
            mark = ws[cell(c.action_row, lay.last_time_col("carried"))].value
            values = {col.id: ws[cell(c.action_row, lay.action_col(col.id))].value for col in cycle.new.action_columns}
            if mark is not None:
                assert mark == CARRIED.format(round="2026")
                carried[c.statement_id] = {k: v.date() if isinstance(v, datetime) else v for k, v in values.items()
                                           if v is not None}
            else:
                assert set(values.values()) == {None}
        expected = {k: {c: v for c, v in a.items() if v is not None} for k, a in filled.actions.items()
                    if k in new_ids}
        assert carried == expected and carried


def test_summary_shows_last_times_mean_beside_this_times(cycle):
    lay = Layout(cycle.new, last_round="2026")
    assert lay.summary_col("last_mean") == lay.summary_col("mean") + 1
    for sid, filled in cycle.truth.items():
        ws = openpyxl.load_workbook(cycle.files[sid])[SUMMARY]
        for span, area in zip(lay.area_spans, cycle.new.areas):
            values = [filled.ratings[s.id] for s in area.statements if filled.ratings.get(s.id) is not None]
            shown = ws[cell(span.summary_row, lay.summary_col("last_mean"))].value
            assert shown == (pytest.approx(statistics.fmean(values)) if values else None)


def test_a_service_with_no_previous_return_gets_the_plain_workbook(cycle):
    for service in SERVICES[RETURNED:]:
        path = cycle.files[service.id]
        wb = openpyxl.load_workbook(path)
        headers = [c.value for c in wb[ASSESSMENT][Layout.HEADER_ROW + 1]]
        assert not any("Last time" in str(h) for h in headers)
        assert parse(path).round == "2027"
        plain = Template(cycle.new, generated_at=_generated_at(path), round="2027").personalise(service)
        assert _parts(plain) == _parts(path.read_bytes())


def test_the_parser_never_reads_last_times_cells(cycle, tmp_path):
    """Blank this time with last time's values beside it reads as blank; what is typed where the parser looks is
    this time's, whatever last time said."""
    sid = SERVICES[0].id
    blank = parse(cycle.files[sid])
    assert blank.status == "returned blank" and blank.round == "2027"
    assert all(r.rating is None and r.rationale == "" and r.evidence == "" for r in blank.ratings)
    sections = metadata_sections(openpyxl.load_workbook(cycle.files[sid])[METADATA])
    assert not any(row[0].startswith("last") or row[0] == "carried" for row in sections["columns"])
    # The read columns kept their places: the map and digest are the plain workbook's, which the parser knows.
    assert dict(row[:2] for row in sections["workbook"])["layout"] == Layout(cycle.new).digest
    lay = Layout(cycle.new, last_round="2026")
    typed_over = {(ASSESSMENT, cell(c.row, lay.last_time_col(f))): "5" for c in lay.statement_cells
                  for f in ("last_rating", "last_rationale")}
    pasted = _write(tmp_path / "pasted.xlsx", patch_cells(cycle.files[sid].read_bytes(), typed_over))
    assert all(r.rating is None and r.rationale == "" for r in parse(pasted).ratings)
    now = random_answers(cycle.new, random.Random(5), completion=1.0)
    path = _write(tmp_path / "now.xlsx", filled_workbook(cycle.new, cycle.files[sid].read_bytes(), now))
    response = parse(path)
    assert {r.statement_id: r.rating for r in response.ratings} == now.ratings
    assert {r.statement_id: r.rationale for r in response.ratings if r.rationale} == \
        {k: v for k, v in now.rationale.items() if v}
    assert not [p for p in response.problems if p.severity != "warning"]


def test_done_actions_are_not_carried_and_choices_stay_on_the_list(tmp_path):
    """A framework with a status column: a done action stays behind; an open one comes with its status."""
    v1 = parse_spec(make_spec())
    v2 = parse_spec(make_spec(version="2.0"))
    registry = Registry([v1, v2])
    services = [Service("M1", "Mini one")]
    sent = _files(generate_batch(v1, services, tmp_path / "sent", round="r1"))
    filled = Filled({"1.1": 1, "1.2": 0, "2.1": 2}, {}, {}, {
        "1.1": {"action": "Keep going", "lead": "Ann", "due": date(2027, 1, 31), "status": "Not started"},
        "1.2": {"action": "Finished already", "lead": "Bob", "status": "Done"}}, {})
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "m1.xlsx").write_bytes(filled_workbook(v1, sent["M1"].read_bytes(), filled))
    with Store(tmp_path / "p.db") as store:
        store.add(collect([inbox], registry=registry, workers=1), round="r1")
    previous = read_previous(tmp_path / "p.db", v2, registry=registry)
    assert previous.round == "r1" and list(previous.services["M1"].actions) == ["1.1"]
    out = _files(generate_batch(v2, services, tmp_path / "next", previous=previous))
    response = parse(out["M1"], registry=registry)
    assert [(a.statement_id, a.values) for a in response.actions] == [
        ("1.1", {"action": "Keep going", "lead": "Ann", "due": date(2027, 1, 31), "status": "Not started"})]


def test_cli_previous_round_needs_previous_and_a_round_the_store_has(cycle, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["generate", FID, "-o", str(tmp_path / "x.xlsx"), "--previous-round", "2026"])
    assert result.exit_code == 2
    result = runner.invoke(main, ["generate", FID, "-o", str(tmp_path / "x.xlsx"), "--previous", str(cycle.store),
                                  "--previous-round", "1999"])
    assert result.exit_code == 1 and "1999" in result.output and not (tmp_path / "x.xlsx").exists()


def test_cli_single_workbook_with_previous(cycle, tmp_path):
    service = SERVICES[1]
    target = tmp_path / "one.xlsx"
    result = CliRunner().invoke(main, ["generate", FID, "-o", str(target), "--service", service.name,
                                       "--service-id", service.id, "--round", "2027", "--previous",
                                       str(cycle.store), "--previous-round", "2026"])
    assert result.exit_code == 0, result.output
    lay = Layout(cycle.new, last_round="2026")
    first = next(c for c in lay.statement_cells if c.statement_id in cycle.truth[service.id].ratings)
    rating = cycle.truth[service.id].ratings[first.statement_id]
    shown = openpyxl.load_workbook(target)[ASSESSMENT][cell(first.row, lay.last_time_col("last_rating"))].value
    assert shown == (NOT_RATED if rating is None else f"{rating} - {cycle.old.scale.label_of(rating)}")
    assert parse(target).round == "2027"


@pytest.fixture(scope="module")
def next_round(frameworks, tmp_path_factory) -> dict[str, tuple[Path, Filled]]:
    """Every bundled framework, one round later: a service's workbook with its answers last time beside it."""
    root = tmp_path_factory.mktemp("next")
    inbox = root / "in"
    inbox.mkdir()
    rng, truth = random.Random(4), {}
    for fid in FRAMEWORKS:
        fw = frameworks[fid]
        sent = _files(generate_batch(fw, SERVICES[:1], root / fid, generated_at=PINNED, round="2026"))
        truth[fid] = random_answers(fw, rng, completion=0.8)
        (inbox / f"{fid}.xlsx").write_bytes(filled_workbook(fw, sent[SERVICES[0].id].read_bytes(), truth[fid]))
    with Store(root / "p.db") as store:
        store.add(collect([inbox], workers=1), round="2026")
    out = {}
    for fid in FRAMEWORKS:
        fw = frameworks[fid]
        previous = read_previous(root / "p.db", fw)
        files = _files(generate_batch(fw, SERVICES[:1], root / f"{fid}-2027", round="2027", previous=previous))
        out[fid] = (files[SERVICES[0].id], truth[fid])
    return out


@pytest.mark.parametrize("check", a11y.CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_workbooks_with_last_time_pass_the_accessibility_rules(fid, check, next_round):
    assert [str(v) for v in check(next_round[fid][0])] == []


@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_workbooks_with_last_time_pass_the_schema_validator(fid, next_round):
    openxml_audit = pytest.importorskip("openxml_audit", reason="openxml-audit (the test extra) is not installed")
    validator = openxml_audit.OpenXmlValidator(file_format=openxml_audit.FileFormat.MICROSOFT_365, max_errors=50)
    assert [str(e) for e in validator.validate(next_round[fid][0]).errors] == []




@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
def test_libreoffice_recalculates_with_no_error_and_shows_last_times_answers(frameworks, next_round, cycle,
                                                                             tmp_path):
    """Blank this time and filled this time, each recalculated by LibreOffice: no error cell, and the last time
    cells (inline strings in our file; LibreOffice's own after its save) say what was answered last time."""
    inputs, cases = [], []
    books = [(fid, path, truth, frameworks[fid]) for fid, (path, truth) in next_round.items()]
    books.append(("cw-1.0-to-2.0", cycle.files[SERVICES[0].id], cycle.truth[SERVICES[0].id], cycle.new))
    for fid, path, truth, fw in books:
        now = random_answers(fw, random.Random(9), completion=0.7)
        inputs += [_write(tmp_path / f"{fid}-blank.xlsx", path.read_bytes()),
                   _write(tmp_path / f"{fid}-filled.xlsx", filled_workbook(fw, path.read_bytes(), now))]
        cases += [(fw, truth), (fw, truth)]
    outputs = convert(inputs, "xlsx", tmp_path / "out", recalc=True)
    labels = {fw.id: {} for fw, _ in cases}
    for fw in (cycle.old, *frameworks.values()):
        labels.setdefault(fw.id, {}).update({lv.value: lv.label for lv in fw.scale.levels})
    for out, (fw, truth) in zip(outputs, cases):
        lay = Layout(fw, last_round="2026")
        wb = openpyxl.load_workbook(out, data_only=True)
        assert error_cells(wb, lay) == [], out.name
        shown = {c.statement_id: wb[ASSESSMENT][cell(c.row, lay.last_time_col("last_rating"))].value
                 for c in lay.statement_cells}
        expected = {sid: (NOT_RATED if v is None else f"{v} - {labels[fw.id][v]}")
                    for sid, v in truth.ratings.items() if sid in shown}
        assert {sid: shown[sid] for sid in expected} == expected and expected, out.name


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _generated_at(path: Path) -> datetime:
    return datetime.fromisoformat(next(row["generated_at"] for row in csv.DictReader(
        (path.parent / "manifest.csv").open(encoding="utf-8")) if row["file"] == path.name))


def _parts(data: bytes) -> dict[str, bytes]:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}
