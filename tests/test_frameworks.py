"""The bundled frameworks are whole and faithful to their source texts (copied into tests/sources)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from conftest import FRAMEWORKS, SOURCES
from maturity_xl.cli import main
from maturity_xl.spec import bundled_frameworks, load_framework

PFP_TOPICS = {
    "Leadership and strategy": ["Strategy"],
    "Creating a person-centred culture": ["Changing the culture", "A person-centred approach to risk"],
    "Community focus": ["Community focus"],
    "Support planning and review": ["Person-centred planning and support plans", "Outcome focused reviews"],
    "Finance": ["Costing services", "Contracts", "Invoicing", "Accounting"],
    "Human resources": ["Selecting and recruiting staff", "Supporting, supervising and appraising staff",
                        "Workforce development", "Policies and procedures"],
    "Marketing": ["Customer focus", "Communication and promotion"],
    "Reviewing and improving our service": ["Mission and standards",
                                            "Improving people's lives and achieving their outcomes",
                                            "Learning from individuals to inform strategic change"],
}


def words(text: str) -> str:
    """Letters and digits only, lower case: compares text across line breaks, hyphenation and quote styles."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def source(name: str) -> str:
    return words((SOURCES / name).read_text(encoding="utf-8"))


def test_progress_for_providers_is_whole(frameworks):
    fw = frameworks["progress-for-providers"]
    assert [a.title for a in fw.areas] == list(PFP_TOPICS)
    assert [[s.title for s in a.statements] for a in fw.areas] == list(PFP_TOPICS.values())
    assert len(fw.statements) == 19
    assert all([v for v, _t in s.descriptors] == [1, 2, 3, 4, 5] for s in fw.statements)
    assert sum(len(s.descriptors) for s in fw.statements) == 95
    assert fw.scale.values == (1, 2, 3, 4, 5) and fw.rating_mode == "descriptor"
    assert [c.kind for c in fw.action_columns] == ["text", "person", "date"]


def test_progress_for_providers_text_is_verbatim_with_extraction_damage_repaired(frameworks):
    fw = frameworks["progress-for-providers"]
    # Letters only: the extraction moved statement numbers into sentences ("the people we 5 support").
    text = re.sub(r"[0-9]", "", source("progress-for-providers.txt"))
    for st in fw.statements:
        for value, descriptor in st.descriptors:
            assert not re.search(r"\b[1-5] [a-z]", descriptor), (st.id, value, descriptor)  # no stray numbers
            # Every sentence comes from the source; comparing letters only also covers the repaired hyphenation
            # ("Personcentred" in the extraction, "Person-centred" in the spec).
            for sentence in re.split(r"(?<=[.?])\s+", descriptor):
                assert re.sub(r"[0-9]", "", words(sentence)) in text, (st.id, value, sentence)
    risk = next(s for s in fw.statements if s.title == "A person-centred approach to risk")
    assert risk.descriptor(5).startswith("We developed our approach to risk in conjunction with the people we "
                                         "support, their families")
    assert "Person-centred approaches inform all activities" in fw.statements[0].descriptor(5)


def test_coventry_warwickshire_is_whole(frameworks):
    fw = frameworks["coventry-warwickshire"]
    assert [a.id for a in fw.areas] == ["sdm", "pcsp", "social-prescribing", "self-management", "phb"]
    assert [g.id for g in fw.groups] == ["1.1", "1.2.1", "1.2.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "2.5",
                                         "3.1", "3.2", "3.3", "4.1", "4.2", "4.3", "5.1", "5.2"]
    per_group = {g.id: len(g.statements) for g in fw.groups}
    assert per_group["1.1"] == 4 and per_group["1.2.1"] == 10 and per_group["1.2.2"] == 8
    assert per_group["1.3"] == 4 and per_group["1.4"] == 5 and per_group["2.2"] == 5
    assert len(fw.statements) == 50
    assert fw.rationale_label == "Where is your service now?"
    assert [c.name for c in fw.action_columns] == ["Action(s) for improvement", "Lead", "Deadline", "Review date"]
    assert any("Enabling choice" in n for n in fw.notes)
    assert any("scale" in n.lower() and "own" in n.lower() for n in fw.notes)


def test_coventry_warwickshire_text_comes_from_the_source(frameworks):
    fw = frameworks["coventry-warwickshire"]
    text = source("coventry-warwickshire-maturity-framework-web.txt")
    for st in fw.statements:
        assert words(st.text)[:60] in text, st.id


def test_coventry_warwickshire_older_version_kept_side_by_side():
    old = load_framework("coventry-warwickshire", version="1.0")
    assert old.version == "1.0"
    assert [g.id for g in old.groups][:2] == ["1.1", "1.2"]
    assert len(next(g for g in old.groups if g.id == "1.2").statements) == 10
    text = source("coventry-warwickshire-maturity-framework-document.txt")
    for st in old.statements:
        assert words(st.text)[:60] in text, st.id


def test_lincolnshire_is_whole_and_says_where_statements_come_from(frameworks):
    fw = frameworks["lincolnshire"]
    assert [a.title for a in fw.areas] == ["A prepared service / organisation", "A prepared team / workforce",
                                          "Prepared people / patients", "Supportive systems and processes"]
    assert [lv.label for lv in fw.scale.levels] == ["Not planted", "Planting", "Emerging", "Growing", "Embedding",
                                                    "Thriving"]
    tool = (SOURCES / "lincolnshire-maturity-assessment-tool.txt").read_text(encoding="utf-8")
    for level in fw.scale.levels:
        assert f"{level.value} - {level.label}: {level.description}" in tool
    assert all(len(a.statements) >= 4 for a in fw.areas)
    assert all(s.provenance for s in fw.statements)
    assert any("replace" in n.lower() for n in fw.notes)
    assert [c.id for c in fw.action_columns] == ["gap", "impact", "feasibility", "priority", "action",
                                                 "responsible", "timeline", "monitoring", "status"]


def test_cli_frameworks_lists_each_once(frameworks):
    result = CliRunner().invoke(main, ["frameworks"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 3
    for fw in frameworks.values():
        line = next(ln for ln in lines if ln.startswith(fw.id))
        assert fw.version in line and f"{len(fw.statements)} " in line and f"{len(fw.areas)} " in line


@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_bundled_specs_pass_check_spec(fid, frameworks):
    result = CliRunner().invoke(main, ["check-spec", frameworks[fid].path])
    assert result.exit_code == 0, result.output


# Which column of each bundled spec (archived versions too) plays each role; every other column is the
# framework's own. The Lincolnshire tool's gap, impact, feasibility and monitoring columns have no common role.
BUNDLED_ROLES = {
    ("progress-for-providers", "2.0"): {"action": "action", "lead": "responsible", "due": "when"},
    ("coventry-warwickshire", "2.0"): {"action": "action", "lead": "lead", "due": "deadline", "review": "review_date"},
    ("coventry-warwickshire", "1.0"): {"action": "action", "lead": "lead", "due": "deadline", "review": "review_date"},
    ("lincolnshire", "1.0"): {"action": "action", "lead": "responsible", "due": "timeline", "status": "status",
                              "priority": "priority"},
}


def test_bundled_specs_name_their_action_roles():
    found = {(fw.id, fw.version): fw.role_columns() for fw in bundled_frameworks(include_archive=True)}
    assert found == BUNDLED_ROLES
