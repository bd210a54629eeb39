"""The spill file keeps each return's answers as plain columns and rows (spill.packed): a response read back from
it equals the one parsed, cannot change the head it is made from, and the frames built from the columns equal
the frames built from Responses."""

from __future__ import annotations

import random
from dataclasses import fields, replace
from datetime import date

import pandas.testing as pdt
import pytest

from conftest import FRAMEWORKS
from maturity_xl.collect import Collection, SpilledResponses, collect
from maturity_xl.collect.collection import LogEntry
from maturity_xl.collect.spill import packed
from maturity_xl.collect.workers import _packed
from maturity_xl.frames import Frames
from maturity_xl.parse import parse
from maturity_xl.response import Action, Problem, Rating, Response, answers_of, with_answers
from maturity_xl.settle import BLANK
from workbook_helpers import returns_of_every_framework

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    """Returns of every bundled framework (one asks for a target per statement), from blank to complete, and a
    few of the hostile corpus's accepted returns (formulas and markup typed as answers, ratings pasted as text,
    rows sorted, Excel's escapes)."""
    import corpus

    folder = tmp_path_factory.mktemp("spill")
    rng = random.Random(11)
    returns_of_every_framework(folder, rng, (1.0, 0.9, 0.5, 0.05))
    for case in (corpus.case_free_text_injection, corpus.case_ratings_pasted_text, corpus.case_rows_sorted,
                 corpus.case_excel_escapes):
        made = case()
        (folder / f"corpus-{made.name}").write_bytes(made.data)
    return folder


@pytest.fixture(scope="module", params=[1, 2], ids=["in-process", "workers"])
def collection(request, inbox):
    return collect([inbox], today=TODAY, workers=request.param)


def test_a_response_read_back_from_the_spill_equals_the_one_parsed(inbox, collection):
    responses = list(collection.responses)
    blank = [e.file for e in collection.log if e.status == BLANK]
    assert len(blank) == 1  # lincolnshire's 5% one: it does not count, so it is not read back
    assert len(responses) == len(collection.heads) == len(list(inbox.iterdir())) - 1
    assert sum(len(r.actions) for r in responses) > 20
    assert any(r.rating is not None and r.target is not None for whole in responses for r in whole.ratings)
    for head, whole in zip(collection.heads, responses, strict=True):
        parsed = parse(inbox / whole.file.rsplit("/", 1)[-1])
        # The collector adds its own checks' problems (the date) to the head: the response carries them too.
        assert whole.problems == head.problems and whole.problems[:len(parsed.problems)] == parsed.problems
        assert whole == replace(parsed, problems=head.problems, file=whole.file)
    assert any(r.problems for r in responses)  # the corpus's returns were read with warnings


def _odd_response() -> Response:
    return Response(
        "odd.xlsx", "fw", "1.0", "f" * 64, "S-1", "Señor \x00 Ünïcode \U0001f600", "2026-11-22", "sig", "sig",
        respondent={"organisation": "=HYPERLINK(\"x\")", "date_completed": date(2026, 2, 29 - 1), "email": None},
        ratings=[Rating("1.1", "a", 3, "é" * 5000, "", 4), Rating("1.2", "a", None, "", "\ud800 lone surrogate"),
                 Rating("1.3", "b", 0, "same", "same", None), Rating("1.1", "b", 5, "\r\n\t", "_x0000_=1", 2)],
        actions=[Action("1.1", "a", {"action": "Do it", "due": date(2027, 1, 7), "lead": None, "own": ""}),
                 Action("1.2", "a", {}), Action("1.3", "b", {"status": "Done", "extra": "x" * 3000})],
        problems=[Problem("warning", "rating-text", "read '3 - Growing' as 3", "Assessment", "D14")],
        area_ids=("a", "b"), round="2026")


@pytest.mark.parametrize("response", [
    _odd_response(),
    Response("nothing.xlsx"),
    replace(_odd_response(), ratings=[], actions=[Action("1.1", "a", {"due": date(2026, 1, 1)})]),
    replace(_odd_response(), actions=[]),
], ids=["odd-text-dates-targets", "empty", "actions-only", "ratings-only"])
def test_odd_content_comes_back_from_the_spill_as_it_went_in(response):
    digest, head, blob, failure, rated, total = _packed(("sha", response, None))
    assert (head.ratings, head.actions, failure) == ([], [], None)
    assert (rated, total) == (sum(r.rating is not None for r in response.ratings), len(response.ratings))
    store = SpilledResponses()
    store.add(Response("other.xlsx"), packed(Response("other.xlsx", ratings=[Rating("x", "y", 1, "", "")])))
    number = store.add(head, blob)
    store.keep([number])
    assert store[0] == response and list(store.every())[1] == response
    assert with_answers(head, answers_of(response)) == response
    [(same_head, columns, actions)] = store.answer_columns()
    assert same_head is head
    assert columns == tuple(tuple(getattr(r, f.name) for r in response.ratings) for f in fields(Rating))
    assert actions == tuple((a.statement_id, a.area_id, a.values) for a in response.actions)


def test_a_response_read_back_cannot_change_its_head_or_the_next_reading():
    response = _odd_response()
    _digest, head, blob, *_ = _packed(("sha", response, None))
    store = SpilledResponses()
    store.keep([store.add(head, blob)])
    first = store[0]
    for f in fields(Response):  # no list, dict or set of the response is the head's (the answers are its own)
        value = getattr(first, f.name)
        assert not isinstance(value, (list, dict, set)) or value is not getattr(head, f.name), f.name
    first.problems.append(Problem("error", "unsigned", "no signature", "Metadata"))
    first.respondent["organisation"] = "changed"
    first.ratings.append(Rating("9", "z", 1, "", ""))
    first.actions[0].values["action"] = "changed"
    again = store[0]
    assert again == response and again is not first
    assert head == replace(response, ratings=[], actions=[])


def test_a_problem_the_collector_adds_to_the_head_is_in_the_response_read_back():
    response = _odd_response()
    found = list(response.problems)
    _digest, head, blob, *_ = _packed(("sha", response, None))
    store = SpilledResponses()
    store.keep([store.add(head, blob)])
    added = Problem("error", "unsigned", "no signature", "Metadata")
    head.problems.append(added)
    assert store[0].problems == [*found, added]


def _frames_from_responses(collection: Collection) -> Frames:
    """The frames of the same returns from a collection that gives only Responses (the generic path)."""
    listed = Collection(list(collection.responses), collection.log, collection.expected, collection.registry,
                        collection.today)

    class OnlyResponses:  # what CollectionLike asks for, and nothing more (no answer_columns)
        registry, today, log, missing, unexpected = listed.registry, listed.today, listed.log, [], []
        responses, heads = listed.responses, listed.heads

    assert not hasattr(OnlyResponses, "answer_columns")
    return Frames(OnlyResponses(), LogEntry.__dataclass_fields__)


def _sharing(frame, column) -> tuple[int, int, int]:
    texts = [v for v in frame[column].tolist() if isinstance(v, str)]
    return len(texts), len(set(texts)), len({id(v) for v in texts})


def test_the_frames_from_the_spills_columns_equal_the_frames_from_responses(collection):
    spilled = Frames(collection, LogEntry.__dataclass_fields__)
    generic = _frames_from_responses(collection)
    assert len(spilled.ratings) > 300 and len(spilled.actions) > 20
    for name in ("ratings", "actions", "responses", "problems", "log"):
        pdt.assert_frame_equal(getattr(spilled, name), getattr(generic, name), obj=name)
    assert spilled.actions["overdue"].any() and spilled.actions["details"].astype(bool).any()
    assert spilled.ratings["target_chosen"].any() and not spilled.ratings["target_chosen"].all()
    # Equal texts are one string each way (TextPool); ids are the framework's own strings.
    for frame, column in (("ratings", "rationale"), ("ratings", "evidence"), ("actions", "action"),
                          ("actions", "lead"), ("actions", "details")):
        shared = _sharing(getattr(spilled, frame), column)
        assert shared == _sharing(getattr(generic, frame), column), (frame, column)
        assert shared[1] == shared[2], (frame, column)
    for frames in (spilled, generic):
        ratings = frames.ratings
        for fid in FRAMEWORKS:
            fw = collection.registry.get(fid, ratings.loc[ratings["framework_id"] == fid, "framework_version"].iat[0])
            own = {id(s.id) for s in fw.statements} | {id(a.id) for a in fw.areas}
            mine = ratings[ratings["framework_id"] == fid]
            assert all(id(v) in own for v in [*mine["statement_id"], *mine["area_id"]]), fid
