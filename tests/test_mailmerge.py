"""The mail-merge never overwrites what an earlier run sent, never writes through a link, and always writes
well-formed parts with the services' names kept (or a message naming the CSV row)."""

from __future__ import annotations

import csv
import io
import os
import zipfile
from xml.parsers import expat

import pytest
from click.testing import CliRunner

from conftest import PINNED
from maturity_xl.batch import OverwriteError, ServicesError, Template, generate_batch, read_services
from maturity_xl.cli import main
from maturity_xl.generate import Service, generate_bytes
from maturity_xl.parse import parse


def services_csv(tmp_path, text: str, name: str = "services.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def manifest_ids(path) -> list[str]:
    return [r["service_id"] for r in csv.DictReader(path.open(encoding="utf-8"))]


def run_generate(csv_path, out_dir, *extra):
    return CliRunner().invoke(main, ["generate", "lincolnshire", "--services", str(csv_path), "--out-dir",
                                     str(out_dir), *extra])


def test_second_run_into_the_same_folder_is_refused_and_changes_nothing(tmp_path):
    out = tmp_path / "out"
    first = run_generate(services_csv(tmp_path, "id,name\nA1,Alpha\nB2,Beta\n"), out)
    assert first.exit_code == 0, first.output
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    again = run_generate(services_csv(tmp_path, "id,name\nA1,Alpha\nC3,Gamma\n", "more.csv"), out)
    assert again.exit_code == 1
    assert "earlier run" in again.output and "--force" in again.output and "Alpha_A1_lincolnshire.xlsx" in again.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # not even Gamma's workbook


def test_a_later_run_keeps_the_earlier_services_in_the_manifest(tmp_path):
    out = tmp_path / "out"
    assert run_generate(services_csv(tmp_path, "id,name\nA1,Alpha\nB2,Beta\n"), out).exit_code == 0
    result = run_generate(services_csv(tmp_path, "id,name\nC3,Gamma\n", "more.csv"), out)
    assert result.exit_code == 0, result.output
    assert manifest_ids(out / "manifest.csv") == ["A1", "B2", "C3"]


def test_force_replaces_workbooks_and_merges_the_manifest(tmp_path):
    out = tmp_path / "out"
    assert run_generate(services_csv(tmp_path, "id,name\nA1,Alpha\nB2,Beta\n"), out).exit_code == 0
    old = (out / "Alpha_A1_lincolnshire.xlsx").read_bytes()
    result = run_generate(services_csv(tmp_path, "id,name,contact\nA1,Alpha,new@example.org\n", "more.csv"), out,
                          "--force")
    assert result.exit_code == 0, result.output
    assert (out / "Alpha_A1_lincolnshire.xlsx").read_bytes() != old
    rows = list(csv.DictReader((out / "manifest.csv").open(encoding="utf-8")))
    assert [(r["service_id"], r["contact"]) for r in rows] == [("B2", ""), ("A1", "new@example.org")]


@pytest.mark.parametrize("planted", ["Alpha_A1_lincolnshire.xlsx", "manifest.csv"])
def test_links_planted_in_the_folder_are_never_written_through(tmp_path, frameworks, planted):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    os.symlink(victim, out / planted)
    services = [Service("A1", "Alpha")]
    with pytest.raises(OverwriteError, match="symbolic link"):
        generate_batch(frameworks["lincolnshire"], services, out, generated_at=PINNED)
    assert victim.read_bytes() == b"precious"
    generate_batch(frameworks["lincolnshire"], services, out, generated_at=PINNED, force=True)
    assert victim.read_bytes() == b"precious"
    assert not (out / planted).is_symlink() and (out / planted).stat().st_size > 0
    assert manifest_ids(out / "manifest.csv") == ["A1"]


def well_formed(data: bytes) -> dict[str, bytes]:
    parts = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            content = zf.read(info)
            if info.filename.endswith((".xml", ".rels")):
                expat.ParserCreate().Parse(content, True)  # raises ExpatError when not well-formed
            parts[info.filename] = content
    return parts


@pytest.mark.parametrize("name", ["Soh\x01 Practice", "Nul\x00 House", "Esc\x1b[31m Red", "Lit _x0041_ escape",
                                  "Non\ufffe char"], ids=["SOH", "NUL", "ESC", "literal-escape", "U+FFFE"])
def test_control_characters_give_well_formed_parts_equal_to_a_from_scratch_build(frameworks, name):
    fw = frameworks["lincolnshire"]
    service = Service("ID\x02", name, "c\x07@example.org")
    fast = well_formed(Template(fw, generated_at=PINNED).personalise(service))
    slow = well_formed(generate_bytes(fw, service=service, generated_at=PINNED))
    assert fast == slow


@pytest.mark.parametrize("separator", ["\v", "\f", "\u2028", "\u2029", "\x85", "\x1c", "\x1e"],
                         ids=["VT", "FF", "U+2028", "U+2029", "NEL", "FS", "RS"])
def test_unicode_line_breaks_in_a_name_make_no_phantom_rows(tmp_path, separator):
    path = services_csv(tmp_path, f"id,name\nA1,River{separator}side Practice\nB2,Beta\n")
    assert read_services(path) == [Service("A1", "River side Practice"), Service("B2", "Beta")]


def test_a_quoted_two_line_name_keeps_its_words_apart(tmp_path):
    path = services_csv(tmp_path, 'id,name,contact\r\nA1,"Riverside\r\nPractice",a@example.org\r\nB2,Beta,\r\n')
    assert read_services(path) == [Service("A1", "Riverside Practice", "a@example.org"), Service("B2", "Beta")]


@pytest.mark.parametrize("char", ["\x01", "\x00", "\x1b", "\x7f"], ids=["SOH", "NUL", "ESC", "DEL"])
def test_a_control_character_in_the_csv_is_a_message_naming_the_row(tmp_path, char):
    path = services_csv(tmp_path, f"id,name\nA1,Alpha\nB2,Be{char}ta\n")
    with pytest.raises(ServicesError) as info:
        read_services(path)
    assert f"row 3: the service name holds the control character U+{ord(char):04X}" in str(info.value)


def test_batch_of_awkward_names_parses_back_with_names_kept(tmp_path, frameworks):
    path = services_csv(tmp_path, 'id,name\nA1,"Two\nLines"\nB2,Tab\there\nC3,Ünïcode & <angle>\n')
    out = tmp_path / "out"
    manifest = generate_batch(frameworks["lincolnshire"], read_services(path), out, generated_at=PINNED)
    rows = list(csv.DictReader(manifest.open(encoding="utf-8")))
    for row in rows:
        well_formed((out / row["file"]).read_bytes())
        assert parse(out / row["file"]).service_name == row["service_name"]
    assert [r["service_name"] for r in rows] == ["Two Lines", "Tab here", "Ünïcode & <angle>"]
