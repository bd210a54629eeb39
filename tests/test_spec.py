"""check-spec: a broken spec is rejected with every problem named by its path."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from conftest import MINI, ROOT, make_spec
from maturity_xl.cli import main
from maturity_xl.errors import SpecError
from maturity_xl.model import ACTION_ROLES
from maturity_xl.spec import load_spec


def codes(path) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as info:
        load_spec(path)
    return [(p.code, p.path) for p in info.value.problems]


def test_valid_spec_loads(write_spec):
    fw = load_spec(write_spec(make_spec()))
    assert [s.id for s in fw.statements] == ["1.1", "1.2", "2.1"]
    assert fw.statements[2].group_id == "g1"
    assert fw.scale.values == (0, 1, 2, 3)
    assert len(fw.fingerprint) == 16


def test_duplicate_ids_are_named_with_both_places(write_spec):
    areas = make_spec()["areas"]
    areas[1]["groups"][0]["statements"][0]["id"] = "1.1"
    areas[1]["id"] = "a1"
    found = codes(write_spec(make_spec(areas=areas)))
    assert ("duplicate-id", "areas[1].groups[0].statements[0].id") in found
    assert ("duplicate-id", "areas[1].id") in found


def test_rating_outside_scale(write_spec):
    scale = make_spec()["scale"]
    scale["target"] = 7
    found = codes(write_spec(make_spec(scale=scale)))
    assert found == [("not-on-scale", "scale.target")]


def test_descriptor_outside_scale_and_missing_levels(write_spec):
    areas = [{"id": "a", "title": "A", "statements": [
        {"id": "t1", "text": "Topic", "descriptors": {0: "a", 1: "b", 2: "c", 9: "far"}}]}]
    found = codes(write_spec(make_spec(rating={"mode": "descriptor"}, areas=areas)))
    assert ("not-on-scale", "areas[0].statements[0].descriptors.9") in found
    assert ("missing-descriptor", "areas[0].statements[0].descriptors") in found


def test_missing_fields_are_all_reported_at_once(write_spec):
    spec = make_spec()
    del spec["title"]
    del spec["areas"][0]["statements"][1]["text"]
    del spec["action_plan"]["columns"][3]["options"]
    found = codes(write_spec(spec))
    assert ("missing-field", "title") in found
    assert ("missing-field", "areas[0].statements[1].text") in found
    assert ("missing-field", "action_plan.columns[3].options") in found
    assert len(found) == 3


@pytest.mark.parametrize("change, expected", [
    ({"version": None}, ("missing-field", "version")),
    ({"id": "Bad Id!"}, ("bad-id", "id")),
    ({"areas": "not a list"}, ("wrong-type", "areas")),
    ({"rating": {"mode": "stars"}}, ("bad-choice", "rating.mode")),
    ({"colour": "blue"}, ("unknown-field", "colour")),
], ids=["missing-version", "bad-id", "areas-not-list", "bad-mode", "unknown-field"])
def test_each_kind_of_problem(write_spec, change, expected):
    assert expected in codes(write_spec(make_spec(**change)))


def test_scale_problems(write_spec):
    scale = make_spec()["scale"]
    scale["levels"][2]["value"] = 1
    scale["levels"][3]["label"] = "none"
    found = codes(write_spec(make_spec(scale=scale)))
    assert ("scale-order", "scale.levels[2].value") in found
    assert ("duplicate-label", "scale.levels[3].label") in found


def test_help_longer_than_excel_allows(write_spec):
    plan = make_spec()["action_plan"]
    plan["columns"][0]["help"] = "x" * 256
    assert ("too-long", "action_plan.columns[0].help") in codes(write_spec(make_spec(action_plan=plan)))


def test_yaml_syntax_error_names_line(write_spec):
    with pytest.raises(SpecError) as info:
        load_spec(write_spec("id: x\ntitle: [unclosed\n"))
    assert info.value.problems[0].code == "yaml-syntax"
    assert "line" in info.value.problems[0].path


def test_cli_check_spec_lists_every_problem_and_exits_1(write_spec):
    spec = make_spec()
    spec["areas"][0]["statements"][1]["id"] = "1.1"
    del spec["source"]
    path = write_spec(spec)
    result = CliRunner().invoke(main, ["check-spec", str(path)])
    assert result.exit_code == 1
    assert str(path) in result.output
    assert "areas[0].statements[1].id: '1.1' is already used by areas[0].statements[0]" in result.output
    assert "source: the field 'source' is required but missing" in result.output
    assert "Traceback" not in result.output


def test_cli_check_spec_ok(write_spec):
    result = CliRunner().invoke(main, ["check-spec", str(write_spec(MINI))])
    assert result.exit_code == 0, result.output
    assert "OK - mini 1.0: 2 areas, 3 statements" in result.output


def test_cli_check_spec_missing_file_is_usage_or_domain_error(tmp_path):
    result = CliRunner().invoke(main, ["check-spec", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "does not exist" in result.output


def _with_columns(*changes: dict) -> dict:
    """The mini spec with its action columns changed, one mapping per column (a key given None is removed)."""
    plan = make_spec()["action_plan"]
    for column, change in zip(plan["columns"], changes):
        column.update(change)
        for key in [k for k, v in change.items() if v is None]:
            del column[key]
    return make_spec(action_plan=plan)


def test_roles_are_read_into_the_model(write_spec):
    fw = load_spec(write_spec(make_spec()))
    assert [(c.id, c.role) for c in fw.action_columns] == [("action", "action"), ("lead", "lead"), ("due", "due"),
                                                           ("status", "status")]
    assert fw.role_columns() == {"action": "action", "lead": "lead", "due": "due", "status": "status"}
    free = load_spec(write_spec(_with_columns({}, {"role": None}, {"role": None})))
    assert [c.role for c in free.action_columns] == ["action", None, None, "status"]  # no role: a free column


@pytest.mark.parametrize("changes, expected", [
    (({}, {}, {}, {"role": "deadline"}), ("bad-choice", "action_plan.columns[3].role")),
    (({}, {}, {"role": "review"}, {"role": "review", "kind": "date", "options": None}),
     ("duplicate-role", "action_plan.columns[3].role")),
    (({}, {"role": "action", "kind": "text"}), ("duplicate-role", "action_plan.columns[1].role")),
    (({}, {}, {"role": "status", "kind": "text"}), ("duplicate-role", "action_plan.columns[3].role")),
    (({}, {}, {"kind": "text"}), ("role-kind", "action_plan.columns[2].role")),
    (({}, {}, {}, {"role": "review"}), ("role-kind", "action_plan.columns[3].role")),
    (({"kind": "date"},), ("role-kind", "action_plan.columns[0].role")),
    (({}, {}, {}, {"role": ["status"]}), ("wrong-type", "action_plan.columns[3].role")),
], ids=["unknown-role", "review-twice", "action-twice", "status-twice", "due-as-text", "review-as-choice",
        "action-as-date", "role-not-text"])
def test_role_problems_name_the_column(write_spec, changes, expected):
    assert codes(write_spec(_with_columns(*changes))) == [expected]


def test_role_kinds_that_are_allowed(write_spec):
    """A lead may be a plain text column, a status or a priority free text: only dates are strict."""
    fw = load_spec(write_spec(_with_columns({"role": "priority", "kind": "text"},
                                            {"kind": "text"}, {}, {"kind": "text", "options": None})))
    assert [(c.role, c.kind) for c in fw.action_columns] == [("priority", "text"), ("lead", "text"),
                                                             ("due", "date"), ("status", "text")]


def test_the_documented_roles_are_the_models():
    """docs/spec-format.md's table of roles says what ACTION_ROLES does: the same roles, the same kinds."""
    doc = (ROOT / "docs" / "spec-format.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| ([a-z ]+) \|", doc, flags=re.M)
    assert [(name, tuple(kinds.split(" or "))) for name, kinds in rows] == \
        [(role.name, role.kinds) for role in ACTION_ROLES]
