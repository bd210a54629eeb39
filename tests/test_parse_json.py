"""`parse --json` is documented by docs/parse.schema.json: real output of every framework, filled and blank, and
of a rejected file, validates against it, with the same keys whatever the framework."""

from __future__ import annotations

import json
import random
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from conftest import FRAMEWORKS, ROOT
from maturity_xl.cli import main
from maturity_xl.simulate import filled_workbook, random_answers

SCHEMA = json.loads((ROOT / "docs" / "parse.schema.json").read_text(encoding="utf-8"))


def parse_json(path: Path) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["parse", str(path), "--json"])
    return result.exit_code, json.loads(result.output)


def keys(data: object, prefix: str = "") -> set[str]:
    """Every key path in a JSON value, lists looked into; the area ids (which differ by framework) as one key, and
    an action's `details` (the framework's own columns) as a whole."""
    out: set[str] = set()
    if isinstance(data, dict) and not prefix.endswith(".details"):
        for k, v in data.items():
            k = "*" if prefix.endswith("areas") else k
            out.add(f"{prefix}.{k}")
            out |= keys(v, f"{prefix}.{k}")
    elif isinstance(data, list):
        for item in data:
            out |= keys(item, f"{prefix}[]")
    return out


@pytest.fixture(scope="module")
def outputs(frameworks, generated, tmp_path_factory) -> dict[str, tuple[int, dict]]:
    folder = tmp_path_factory.mktemp("json")
    out = {}
    for i, fid in enumerate(FRAMEWORKS):
        fw = frameworks[fid]
        filled = random_answers(fw, random.Random(7 + i), completion=0.7)
        path = folder / f"{fid}.xlsx"
        path.write_bytes(filled_workbook(fw, generated[fid].read_bytes(), filled))
        out[fid] = parse_json(path)
        out[f"{fid} blank"] = parse_json(generated[fid])
    note = folder / "covering note.pdf"
    note.write_bytes(b"%PDF-1.4 not a workbook")
    out["rejected"] = parse_json(note)
    return out


def test_every_output_validates_against_the_schema(outputs):
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for name, (_code, data) in outputs.items():
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(data)]
        assert errors == [], name


def test_status_and_exit_code(outputs):
    assert outputs["rejected"][0] == 1 and outputs["rejected"][1]["status"] == "rejected"
    assert outputs["rejected"][1]["problems"][0]["severity"] == "fatal"
    for fid in FRAMEWORKS:
        assert outputs[fid][0] == 0 and outputs[fid][1]["status"] == "incomplete"
        assert outputs[f"{fid} blank"][1]["status"] == "returned blank"


def test_the_same_keys_for_every_framework(outputs):
    shapes = {fid: keys(outputs[fid][1]) for fid in FRAMEWORKS}
    first = shapes[FRAMEWORKS[0]]
    assert all(shape == first for shape in shapes.values()), {f: s ^ first for f, s in shapes.items()}
    assert ".actions[].deadline" in first and ".ratings[].level" in first


def test_actions_are_named_by_role_as_in_the_csv(outputs, frameworks):
    from maturity_xl.frames import ACTION_COLUMNS

    for fid in FRAMEWORKS:
        fw = frameworks[fid]
        for action in outputs[fid][1]["actions"]:
            assert set(action) - {"statement_id", "area_id", "details"} <= set(ACTION_COLUMNS)
            own = {c.id for c in fw.action_columns if not c.role}
            assert set(action["details"]) <= own
