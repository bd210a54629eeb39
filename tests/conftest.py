"""Shared fixtures: small inline specs, and the bundled frameworks generated once per session."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from maturity_xl.generate import Service, generate
from maturity_xl.spec import bundled_frameworks, parse_spec

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "tests" / "sources"  # copies of the source texts the specs were written from
PINNED = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
# The bundled frameworks, for tests that run once per framework.
FRAMEWORKS = ["progress-for-providers", "coventry-warwickshire", "lincolnshire"]

MINI = {
    "id": "mini",
    "title": "Mini framework",
    "version": "1.0",
    "source": "written for the tests",
    "introduction": "A small framework.",
    "instructions": ["Rate each statement."],
    "scale": {"name": "Level", "target": 2, "levels": [
        {"value": 0, "label": "None", "description": "Nothing yet."},
        {"value": 1, "label": "Some", "description": "A little."},
        {"value": 2, "label": "Most", "description": "Mostly."},
        {"value": 3, "label": "All", "description": "Everywhere."},
    ]},
    "action_plan": {"columns": [
        {"id": "action", "name": "Action", "kind": "text", "role": "action", "help": "What will you do?"},
        {"id": "lead", "name": "Lead", "kind": "person", "role": "lead"},
        {"id": "due", "name": "Deadline", "kind": "date", "role": "due"},
        {"id": "status", "name": "Status", "kind": "choice", "role": "status", "options": ["Not started", "Done"]},
    ]},
    "areas": [
        {"id": "a1", "title": "Area one", "statements": [{"id": "1.1", "text": "First."},
                                                         {"id": "1.2", "text": "Second."}]},
        {"id": "a2", "title": "Area two", "groups": [
            {"id": "g1", "title": "A group", "statements": [{"id": "2.1", "text": "Third."}]}]},
    ],
}


def make_spec(**changes) -> dict:
    """A valid small spec as a dict, with top-level fields replaced by `changes`."""
    spec = copy.deepcopy(MINI)
    spec.update(copy.deepcopy(changes))
    return spec


@pytest.fixture
def write_spec(tmp_path):
    def write(data: dict | str, name: str = "spec.yaml") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def frameworks():
    return {fw.id: fw for fw in bundled_frameworks()}


@pytest.fixture(scope="session")
def generated(frameworks, tmp_path_factory):
    """Each bundled framework's workbook, personalised for one service, generated once."""
    folder = tmp_path_factory.mktemp("generated")
    out = {}
    for fid, fw in frameworks.items():
        path = folder / f"{fid}.xlsx"
        generate(fw, path, service=Service("S001", "Riverside & Co Practice"), generated_at=PINNED)
        out[fid] = path
    return out


@pytest.fixture(scope="session")
def mini():
    return parse_spec(copy.deepcopy(MINI), "mini")
