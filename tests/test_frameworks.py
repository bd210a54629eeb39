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
    assert any("replace" in n.lower() for n in fw.maintainer_notes)  # for the programme team, not the workbook
    assert "not the official tool" in fw.notice.lower()  # on the Assessment, where the statements are
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
    ("lincolnshire", "1.2"): {"action": "action", "lead": "responsible", "due": "timeline", "status": "status",
                              "priority": "priority"},
    ("lincolnshire", "1.1"): {"action": "action", "lead": "responsible", "due": "timeline", "status": "status",
                              "priority": "priority"},
    ("lincolnshire", "1.0"): {"action": "action", "lead": "responsible", "due": "timeline", "status": "status",
                              "priority": "priority"},
}


def test_bundled_specs_name_their_action_roles():
    found = {(fw.id, fw.version): fw.role_columns() for fw in bundled_frameworks(include_archive=True)}
    assert found == BUNDLED_ROLES


# Lincolnshire's statements are ours; each provenance cites its passages as `Document[, where]: "quote"` items
# joined by "; ", a quote's pieces joined by " ... ". Every quote must be in the source, and in the numbered item or
# after the heading its citation names.
LINCS_DOCUMENTS = {
    "Maturity Assessment Tool page": "lincolnshire-maturity-assessment-tool.txt",
    "Five Foundations": "lincolnshire-five-foundations.txt",
    "Personalisation Programme": "lincolnshire-personalisation-programme.txt",
    "Making It Real": "lincolnshire-personalisation-programme.txt",
}
CITATION = re.compile(r'(?P<document>[^,:"]+?)(?:, (?P<where>[^"]+?))?: (?P<quotes>".+")')


def split_citations(provenance: str) -> list[str]:
    """The provenance's citations: split at '; ' outside quotation marks."""
    parts, current, quoted = [], "", False
    for i, ch in enumerate(provenance):
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted and provenance[i + 1:i + 2] == " ":
            parts.append(current)
            current = ""
            continue
        current += ch
    return [p.strip() for p in [*parts, current]]


def numbered_items(text: str, start: str, end: str) -> list[str]:
    """The lines of a list in the source between two headings, bullets and list numbers stripped."""
    section = text[text.index(start) + len(start):text.index(end, text.index(start))]
    lines = (re.sub(r"^[\s•]*(\d+\.)?\s*", "", line) for line in section.splitlines())
    return [line for line in lines if line]


def lincolnshire_lists() -> dict[str, list[str]]:
    """The numbered lists a provenance can cite by number, as the source means them.

    The programme's "Five key priorities" lost their first number in extraction: the first is a bullet and the
    other four are numbered 1-4, so priority 2 of the five is the list's "1.". Citations use the five.
    """
    programme = (SOURCES / LINCS_DOCUMENTS["Personalisation Programme"]).read_text(encoding="utf-8")
    foundations = (SOURCES / LINCS_DOCUMENTS["Five Foundations"]).read_text(encoding="utf-8")
    lists = {
        "priority": numbered_items(programme, "Five key priorities for 21/22", "Objectives"),
        "objective": numbered_items(programme, "through:", "How will we get there?"),
        "foundation": [m.group(1) for m in re.finditer(r"^\d\. (.+)$", foundations, re.M)],
    }
    assert len(lists["priority"]) == 5 and lists["priority"][0].startswith("Culture and behaviour")
    assert len(lists["objective"]) == 11 and lists["objective"][10].startswith("To use Plan Do Study Act")
    assert len(lists["foundation"]) == 5
    return lists


def citation_problems(provenance: str, lists: dict[str, list[str]]) -> list[str]:
    """What is wrong with one provenance: unknown documents, quotes not in the source or not where it says."""
    problems = []
    for citation in split_citations(provenance):
        m = CITATION.fullmatch(citation)
        if m is None or m["document"] not in LINCS_DOCUMENTS:
            problems.append(f"not a citation of a known document: {citation!r}")
            continue
        text = source(LINCS_DOCUMENTS[m["document"]])
        # Making It Real's six principles are a section of the programme page.
        start = text.index(words("Making It Real")) if m["document"] == "Making It Real" else 0
        end = text.index(words("has one aim")) if m["document"] == "Making It Real" else len(text)
        where = m["where"] or ""
        numbered = re.fullmatch(r"(priority|objective|foundation) (\d+)", where)
        if numbered:
            kind, n = numbered[1], int(numbered[2])
            items = lists[kind]
            if not 1 <= n <= len(items):
                problems.append(f"{citation!r}: there is no {kind} {n}")
                continue
            text, start, end = words(items[n - 1]), 0, len(words(items[n - 1]))
        elif where:
            found = text.find(words(where), start, end)
            if found < 0:
                problems.append(f"{citation!r}: {where!r} is not a heading in {m['document']}")
                continue
            start = found
        quotes = re.findall(r'"([^"]+)"', m["quotes"])
        if re.sub(r'"[^"]+"', "", m["quotes"]).replace("...", "").strip():
            problems.append(f"{citation!r}: text outside the quotation marks")
        for piece in (p for q in quotes for p in q.split("...") if p.strip()):
            found = text.find(words(piece), start, end)
            if found < 0:
                problems.append(f"{citation!r}: {piece.strip()!r} is not in {m['document']} {where}".rstrip())
            else:
                start = found  # the pieces of a quote, and the quotes of a citation, come in the source's order
    return problems


def test_lincolnshire_provenance_quotes_its_sources(frameworks):
    lists = lincolnshire_lists()
    problems = {s.id: citation_problems(s.provenance, lists) for s in frameworks["lincolnshire"].statements}
    assert {sid: p for sid, p in problems.items() if p} == {}


@pytest.mark.parametrize("provenance, problem", [
    ('Personalisation Programme, priority 1: "Personalised care and support planning"', "is not in"),
    ('Personalisation Programme, priority 6: "Personalisation through technology"', "there is no priority 6"),
    ('Personalisation Programme, objective 7: "The use of technology to enable people"', "is not in"),
    ("Personalisation Programme, What's next: \"we have champions in our team\"", "is not in"),
    ('Making It Real: "To use Plan Do Study Act"', "is not in"),
    ('Five Foundations, Our team: "Being prepared"', "is not a heading"),
    ('The tool: "Thriving"', "known document"),
    ('Personalisation Programme: its aim (to shift the relationship)', "known document"),
    ('Personalisation Programme: "It will take time" and "We must invest"', "outside the quotation marks"),
    ('Personalisation Programme: "We must invest" ... "It will take time"', "is not in"),  # out of order
], ids=["damaged-priority-number", "no-such-priority", "wrong-objective", "invented-quote", "wrong-section",
        "no-such-heading", "unknown-document", "paraphrase", "unquoted-text", "out-of-order"])
def test_provenance_check_finds_bad_citations(provenance, problem):
    problems = citation_problems(provenance, lincolnshire_lists())
    assert problems and problem in problems[0], problems


def test_provenance_check_accepts_a_good_citation():
    assert citation_problems('Personalisation Programme, priority 2: "Personalised care and support planning, '
                             'including the initial conversation"; Five Foundations, foundation 4: "Conversations '
                             'with and not about people"', lincolnshire_lists()) == []
