"""Last round's answers read straight from the store's tables (store/answers.py) equal what the round's frames
give (the way previous.read_previous read them before): several services, a return superseded by a later one and
one set aside for an earlier date, statements not rated, actions done and open, dates, another framework in the
same round, and a framework version change (C&W 1.0 answered, 2.0 sent)."""

from __future__ import annotations

import random
from datetime import date

import pandas as pd
import pytest

from maturity_xl.collect import ACCEPTED, Collection, LogEntry
from maturity_xl.model import ACTION_ROLES, DONE_WORDS
from maturity_xl.parse import default_registry
from maturity_xl.previous import LastAnswer, LastTime, Previous, read_previous
from maturity_xl.response import Action, Rating, Response
from maturity_xl.simulate import random_answers
from maturity_xl.spec import bundled_frameworks
from maturity_xl.store import Store

FID = "coventry-warwickshire"


def _framework(fid: str, version: str | None = None):
    found = [fw for fw in bundled_frameworks(include_archive=True) if fw.id == fid]
    return next(fw for fw in found if version is None or fw.version == version)


def _response(fw, sid: str, file: str, rng: random.Random, completed_on: date, who: str = "A. Patel",
              version: str | None = None):
    answers = random_answers(fw, rng, completion=0.8, completed_on=completed_on, completed_by=who)
    area_of = {s.id: a.id for a in fw.areas for s in a.statements}
    status = fw.role_columns().get("status")
    actions = []
    for n, (st, values) in enumerate(answers.actions.items()):
        if status and n % 3 == 0:  # a third done, in a word the reports take for done, any case
            values[status] = ["Complete", "done ", "ACHIEVED"][n % 2]
        if n % 5 == 1:  # a row with nothing but blanks is no action
            values = {k: (None if v is not None and k != status else " ") for k, v in values.items()}
        actions.append(Action(st, area_of[st], values))
    if actions:  # a second row for a statement (the later is carried) and a date column holding words
        due = fw.role_columns().get("due")
        actions.append(Action(actions[-1].statement_id, actions[-1].area_id, {**actions[-1].values, status: "Open",
                                                                            due: "next spring"}))
    response = Response(file, fw.id, version or fw.version, fw.fingerprint, sid, f"Service {sid}",
                        respondent=answers.respondent, area_ids=tuple(a.id for a in fw.areas), actions=actions,
                        ratings=[Rating(st, area_of[st], v, answers.rationale.get(st, ""), answers.evidence.get(st, ""))
                                 for st, v in answers.ratings.items()])
    entry = LogEntry(file, ACCEPTED, sha256=f"{abs(hash(file)):064d}", size=50_000, framework_id=fw.id,
                     framework_version=version or fw.version, service_id=sid)
    return response, entry


def _frames_previous(path, framework, round_name=None) -> Previous:
    """read_previous as it was: through every frame of the round (store.collection(round).frames())."""
    with Store(path, create=False) as store:
        found = store.round(round_name)
        frames = store.collection(found.name).frames()
        ratings, actions = frames.ratings, frames.actions
    ratings = ratings[ratings["framework_id"] == framework.id]
    actions = actions[actions["framework_id"] == framework.id]
    open_actions: dict[str, dict[str, dict[str, object]]] = {}
    for row in actions.itertuples(index=False):
        values = {r.name: v for r in ACTION_ROLES if _present(v := getattr(row, r.field))}
        status = values.get("status")
        if values and not (isinstance(status, str) and status.casefold().strip() in DONE_WORDS):
            open_actions.setdefault(row.service_id, {})[row.statement_id] = values
    services: dict[str, LastTime] = {}
    removed: dict[str, str] = {}
    current = {s.id for s in framework.statements}
    for row in ratings.itertuples(index=False):
        last = services.setdefault(row.service_id, LastTime(row.service_id, row.framework_version, {},
                                                             open_actions.get(row.service_id, {})))
        last.answers[row.statement_id] = LastAnswer(None if pd.isna(row.rating) else int(row.rating),
                                                    row.level if isinstance(row.level, str) else "",
                                                    row.rationale if isinstance(row.rationale, str) else "")
        if row.statement_id not in current:
            removed.setdefault(row.statement_id, row.statement if isinstance(row.statement, str) else "")
    return Previous(found.name, services, tuple(removed.items()))


def _present(value: object) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return not (isinstance(value, float) and value != value)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    old, new, other = _framework(FID, "1.0"), _framework(FID, "2.0"), _framework("lincolnshire")
    rng = random.Random(5)
    first = [_response(old, f"CW{i:03d}", f"2026/CW{i:03d}.xlsx", rng, date(2026, 10, 1)) for i in range(6)]
    first += [_response(new, "CW100", "2026/CW100 new.xlsx", rng, date(2026, 10, 2)),  # answered on 2.0 already
              _response(old, "CW101", "2026/CW101 v0.xlsx", rng, date(2026, 10, 2), version="0.9"),  # unknown
              _response(other, "CW000", "2026/lincs.xlsx", rng, date(2026, 10, 3)),  # another framework
              _response(old, "CW200", "2026/CW200 later.xlsx", rng, date(2026, 10, 20))]
    second = [_response(old, "CW001", "2026/CW001 v2.xlsx", rng, date(2026, 10, 15)),  # supersedes CW001's
              _response(old, "CW200", "2026/CW200 earlier.xlsx", rng, date(2026, 9, 1))]  # set aside: earlier
    path = tmp_path_factory.mktemp("previous") / "programme.db"
    with Store(path) as s:
        for batch in (first, second):
            s.add(Collection([r for r, _ in batch], [e for _, e in batch], None, default_registry()), round="2026")
        response, entry = _response(old, "CW003", "2027/CW003.xlsx", rng, date(2027, 1, 1))
        s.add(Collection([response], [entry], None, default_registry()), round="2027")
        statuses = dict(s.query("SELECT path, status FROM files"))
    assert statuses["2026/CW001.xlsx"] == statuses["2026/CW200 earlier.xlsx"] == "superseded"
    return path, old, new


@pytest.mark.parametrize("version", ["2.0", "1.0"], ids=["version-changed", "same-version"])
@pytest.mark.parametrize("round_name", ["2026", "2027"])
def test_read_from_the_tables_equals_the_frames(store, version, round_name):
    path, old, new = store
    fw = new if version == "2.0" else old
    fast, frames = read_previous(path, fw, round_name), _frames_previous(path, fw, round_name)
    assert fast == frames
    assert fast.round == round_name


def test_what_the_comparison_covers(store):
    """The fixture holds what the comparison must cover, so an equality of empty things cannot pass for it."""
    path, old, new = store
    previous = read_previous(path, new, "2026")
    assert sorted(previous.services) == [*(f"CW{i:03d}" for i in range(6)), "CW100", "CW101", "CW200"]
    assert previous.removed and all(text for _sid, text in previous.removed)
    answers = [a for last in previous.services.values() for a in last.answers.values()]
    assert any(a.rating is None for a in answers) and any(a.level for a in answers)
    assert all(not a.level for a in previous.services["CW101"].answers.values())  # version unknown: no names
    assert not previous.services["CW101"].actions
    carried = [v for last in previous.services.values() for v in last.actions.values()]
    assert carried and any(isinstance(v.get("due"), date) for v in carried)
    assert not any(str(v.get("status", "")).casefold().strip() in DONE_WORDS for v in carried)
    with Store(path, create=False) as s:
        (done,) = s.query("SELECT COUNT(*) FROM actions WHERE plan LIKE '%ACHIEVED%' OR plan LIKE '%Complete%'")[0]
    assert done > 0
    with Store(path, create=False) as s:
        files = dict(s.query("SELECT r.service_id, r.file FROM counted c JOIN responses r ON r.id = c.response_id "
                             "WHERE c.round_id = 1"))
    assert (files["CW001"], files["CW200"]) == ("2026/CW001 v2.xlsx", "2026/CW200 later.xlsx")
