"""The mail-merge's manifest.csv is defused like every CSV the tool writes (CWE-1236), and read back as written.

A services list may come from anywhere (a provider register, a spreadsheet pasted together): a name such as
`=HYPERLINK(...)` written bare into manifest.csv would run when the team opens it. The manifest is also read back
(`collect --expected`, the next mail-merge into the folder, a services list for the next round), so the mark,
one leading apostrophe, is taken off again and every name comes back exactly.
"""

from __future__ import annotations

import csv

import pytest

from conftest import PINNED
from maturity_xl.batch import generate_batch, read_services
from maturity_xl.csvsafe import dangerous, defused_for_reading_back, undefused
from maturity_xl.generate import Service
from maturity_xl.manifest import fingerprints, read_manifests

AWKWARD = ["=HYPERLINK(\"http://example.org\",\"x\")", "+44 Team", "-5 Ward", "@Home care", "'=already quoted",
           "''=twice", "'plain apostrophe", "\u200b=after a zero-width space", "\tTabbed", "Plain name",
           "＝full-width"]


@pytest.mark.parametrize("text", AWKWARD + ["", "'", "''", "=", "'-'"])
def test_defused_text_reads_back_exactly_and_is_never_live(text):
    written = defused_for_reading_back(text)
    assert undefused(written) == text
    assert not dangerous(written)  # a spreadsheet opening it sees text, not a formula
    if not dangerous(text.lstrip("'")):
        assert written == text  # nothing else is touched


def test_the_manifest_is_defused_and_reads_back_every_name(tmp_path, frameworks):
    fw = frameworks["lincolnshire"]
    services = [Service(f"S{i}", name, contact=name) for i, name in enumerate(AWKWARD)]
    services.append(Service("=1+1", "Id that looks like a formula", "-contact@example.org"))
    manifest = generate_batch(fw, services, tmp_path / "out", generated_at=PINNED)
    with manifest.open(encoding="utf-8", newline="") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    assert not [cell for cell in cells if dangerous(cell)]
    assert "'=HYPERLINK(\"http://example.org\",\"x\")" in cells and "''=already quoted" in cells

    expected = read_manifests([manifest])
    assert [(e.service_id, e.service_name, e.contact) for e in expected] == \
        [(s.id, s.name, s.contact) for s in services]
    assert set(fingerprints([manifest])) == {(fw.id, s.id) for s in services}
    # The next round's mail-merge may take this round's manifest as its services list.
    # (white space of any kind read as one space, as from any services list)
    assert [(s.id, s.name) for s in read_services(manifest)] == [(s.id, " ".join(s.name.split())) for s in services]


def test_a_later_run_keeps_the_earlier_rows_exactly(tmp_path, frameworks):
    fw = frameworks["lincolnshire"]
    out = tmp_path / "out"
    first = [Service("A1", "=SUM(A1:A9)"), Service("B2", "'=quoted")]
    generate_batch(fw, first, out, generated_at=PINNED)
    manifest = generate_batch(fw, [Service("C3", "-Gamma")], out, generated_at=PINNED)
    assert [(e.service_id, e.service_name) for e in read_manifests([manifest])] == \
        [("A1", "=SUM(A1:A9)"), ("B2", "'=quoted"), ("C3", "-Gamma")]  # not an apostrophe more each run
