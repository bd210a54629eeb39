"""The mail-merge: one workbook per service, safe names, a manifest, and exactly a from-scratch build's parts."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from click.testing import CliRunner

from conftest import FRAMEWORKS, PINNED
from maturity_xl.batch import ServicesError, Template, generate_batch, read_services, safe_filename
from maturity_xl.cli import main
from maturity_xl.generate import Service, generate_bytes
from maturity_xl.parse import parse

SERVICES = """id,name,contact
GP001,Riverside Medical Practice,pm@riverside.example
GP002,St Mary's & Castle Health Centre,
CH/003,Oakwood Care Home: North Wing?,manager@oakwood.example
MH004,Équipe Santé Mentale – Nord,
"""


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_personalised_copy_equals_a_from_scratch_build_part_by_part(fid, frameworks):
    fw = frameworks[fid]
    template = Template(fw, generated_at=PINNED)
    for service in [Service("GP001", "Riverside & <Co> Practice", "pm@example.org"),
                    Service("X-9", "Équipe Santé Mentale – Nord", "")]:
        fast = parts(template.personalise(service))
        slow = parts(generate_bytes(fw, service=service, generated_at=PINNED))
        assert list(fast) == list(slow)
        for name in slow:
            assert fast[name] == slow[name], name


def test_personalised_copy_is_a_valid_zip_that_parses(frameworks):
    fw = frameworks["lincolnshire"]
    data = Template(fw, password="pw").personalise(Service("S7", "Seven"))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
    response = parse(data, name="s7.xlsx")
    assert (response.service_id, response.service_name) == ("S7", "Seven") and not response.problems


def test_batch_writes_workbooks_and_manifest(frameworks, tmp_path):
    csv_path = tmp_path / "services.csv"
    csv_path.write_text(SERVICES, encoding="utf-8")
    fw = frameworks["coventry-warwickshire"]
    manifest = generate_batch(fw, read_services(csv_path), tmp_path / "out", generated_at=PINNED)
    rows = list(csv.DictReader(manifest.open(encoding="utf-8")))
    assert [r["service_id"] for r in rows] == ["GP001", "GP002", "CH/003", "MH004"]
    assert set(rows[0]) == {"service_id", "service_name", "contact", "file", "framework_id", "framework_version",
                            "fingerprint", "generated_at"}
    for row in rows:
        path = tmp_path / "out" / row["file"]
        assert path.exists() and "/" not in row["file"] and ":" not in row["file"] and "?" not in row["file"]
        assert row["fingerprint"] == fw.fingerprint and row["framework_version"] == fw.version
        response = parse(path)
        assert response.service_id == row["service_id"] and response.service_name == row["service_name"]
    assert rows[1]["file"].startswith("St-Mary-s-and-Castle-Health-Centre")


@pytest.mark.parametrize("name, expected", [
    ("St Mary's & Castle", "St-Mary-s-and-Castle"),
    ("../../etc/passwd", "etc-passwd"),
    ("CON", "CON"),
    ("   ", "service"),
    ("Équipe – Nord", "Equipe-Nord"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_services_csv_problems_are_all_reported(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("id,name\nA1,One\n,Two\nA1,Three\nA4,\n", encoding="utf-8")
    with pytest.raises(ServicesError) as info:
        read_services(path)
    message = str(info.value)
    assert "row 3: the service id is empty" in message
    assert "row 4: the service id 'A1' is already used on row 2" in message
    assert "row 5: the service name is empty" in message


def test_cli_batch_and_single(frameworks, tmp_path):
    csv_path = tmp_path / "services.csv"
    csv_path.write_text(SERVICES, encoding="utf-8")
    result = CliRunner().invoke(main, ["generate", "lincolnshire", "--services", str(csv_path), "--out-dir",
                                       str(tmp_path / "batch")])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "batch").glob("*.xlsx"))) == 4 and (tmp_path / "batch" / "manifest.csv").exists()
    one = tmp_path / "one.xlsx"
    result = CliRunner().invoke(main, ["generate", "progress-for-providers", "-o", str(one), "--service", "Oak",
                                       "--service-id", "O1", "--password", "pw"])
    assert result.exit_code == 0, result.output
    assert parse(one).service_id == "O1"
    bad = CliRunner().invoke(main, ["generate", "no-such-framework"])
    assert bad.exit_code == 1 and "no framework 'no-such-framework'" in bad.output
