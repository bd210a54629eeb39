"""The frames' rows gathered as a collection reads its returns (frame_rows.RowGatherer, fed by the spill file as
each return is added) are the rows the frames read back from the spill file afterwards, and the rows of the same
responses held in memory: for every bundled framework, with returns set aside (superseded or in conflict) whose
rows must not be kept, and runs cut short (frame_rows.RUN) so that a framework's responses span several."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from maturity_xl import frame_rows
from maturity_xl.collect import Collection, LogEntry, collect
from maturity_xl.collect.sources import discover
from maturity_xl.frames import Frames
from workbook_helpers import returns_of_every_framework

FRAMES = ("lean_ratings", "actions", "responses", "ratings")


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> list[Path]:
    """Returns of every framework, and in a second folder a second return of each framework's first service."""
    first, again = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("again")
    returns_of_every_framework(first, random.Random(7), (1.0, 0.6, 1.0))
    returns_of_every_framework(again, random.Random(8), (0.8,), own_words=True)
    return [first, again]


def _frames(collection) -> dict[str, object]:
    frames = Frames(collection, LogEntry.__dataclass_fields__)
    out: dict[str, object] = {name: getattr(frames, name) for name in FRAMES}
    out["has_text"] = frames.rating_texts.has_text
    out["area_scores"] = frames.area_scores()
    return out


def _assert_same(got: dict[str, object], expected: dict[str, object], texts: bool = True) -> None:
    for name, frame in expected.items():
        if name == "has_text":
            if texts:
                assert np.array_equal(got[name], frame), name
            continue
        pd.testing.assert_frame_equal(got[name], frame, check_exact=True, obj=name)
        assert list(got[name].dtypes) == list(frame.dtypes), name


@pytest.mark.parametrize("run", [frame_rows.RUN, 2], ids=["runs", "short-runs"])
def test_rows_gathered_while_reading_equal_rows_read_back(folders, monkeypatch, run):
    monkeypatch.setattr(frame_rows, "RUN", run)
    collection = collect(folders, workers=1)
    statuses = {e.status for e in collection.log}
    assert statuses & {"superseded", "conflict"}, statuses  # rows of returns that do not count are dropped
    assert len(collection.heads) < len(collection.responses.added_heads)
    spill = collection.responses
    assert spill._rows is not None  # gathered while reading
    gathered = _frames(collection)  # takes the rows gathered as the returns were added
    assert spill._rows is None and spill.take_gathered() is None  # handed over once
    read_back = _frames(collection)  # reads the spill file's first parts again
    _assert_same(gathered, read_back)
    held = Collection(list(collection.responses), collection.log, None, collection.registry, collection.today)
    _assert_same(gathered, _frames(held), texts=False)  # held responses have no has_text flags from a spill
    assert len(gathered["lean_ratings"]) > 0 and len(gathered["actions"]) > 0


def test_collect_reads_the_sources_it_is_given(folders):
    """The CLI lists the folders once (for its progress bar) and hands collect what it found."""
    listed = list(discover(folders))
    given = collect(folders, workers=1, sources=listed)
    assert [e.file for e in given.log] == [e.file for e in collect(folders, workers=1).log]
    assert len(given.log) == len(listed)


def test_ids_in_the_frameworks_order_are_kept_as_none_and_read_back(folders):
    """A blob keeps a return's ids as None only when they are its framework's, in its order; either way the
    spill file gives the ids back (with the registry) and the frames the same rows."""
    import pickle
    from dataclasses import replace

    from maturity_xl.collect.spill import SpilledResponses, packed
    from maturity_xl.frame_rows import layout_of

    collection = collect(folders[:1], workers=1)
    response = collection.responses[0]
    layout = layout_of(collection.registry.get(response.framework_id, response.framework_version))
    shuffled = replace(response, ratings=response.ratings[::-1])
    store = SpilledResponses(framework=collection.registry.get)
    for each in (response, shuffled):
        blob = packed(each, layout)
        (statement_ids, area_ids, *_rest), _actions = pickle.loads(blob[4:4 + int.from_bytes(blob[:4], "little")])
        assert (statement_ids is None) == (each is response) and (area_ids is None) == (each is response)
        store.add(replace(each, ratings=[], actions=[]), blob)
    store.keep([0, 1])
    assert list(store) == [response, shuffled]


def _grouped_by_pandas(frames: Frames) -> tuple[pd.DataFrame, pd.DataFrame]:
    """statement_stats and area_scores as pandas groups them (the frames' group keys set aside)."""
    keys = frames._group_keys
    frames._group_keys = None
    try:
        return frames.statement_stats(), frames.area_scores()
    finally:
        frames._group_keys = keys


@pytest.mark.parametrize("run", [frame_rows.RUN, 2], ids=["runs", "short-runs"])
def test_groups_gathered_with_the_rows_are_the_groups_pandas_makes(folders, monkeypatch, run):
    """Frames.statement_stats and area_scores group the ratings by the numbers frame_rows gave each row's keys
    as it gathered them (GroupKeys): the same frames, to the bit and the type, as grouping the key columns with
    pandas; of every framework, with returns that do not count dropped, and with one statement's row reordered in
    one return and one service's name changed (rows of the same statement or service then meet out of order)."""
    from dataclasses import replace

    monkeypatch.setattr(frame_rows, "RUN", run)
    collection = collect(folders, workers=1)
    frames = Frames(collection, LogEntry.__dataclass_fields__)
    assert frames._keys(frames.lean_ratings, "statements") is not None  # the gathered keys are used
    fast = frames.statement_stats(), frames.area_scores()
    slow = _grouped_by_pandas(frames)
    for got, expected in zip(fast, slow):
        pd.testing.assert_frame_equal(got, expected, check_exact=True, check_column_type=True)
        assert list(got.dtypes) == list(expected.dtypes)
    assert fast[0]["rated"].sum() > 0 and len(fast[1]) > len(fast[0]) / 10

    held = list(collection.responses)
    held[0] = replace(held[0], ratings=held[0].ratings[::-1])  # its ids are not its framework's order
    held[1] = replace(held[1], service_name=held[1].service_name + " (renamed)")
    again = Frames(Collection(held, collection.log, None, collection.registry, collection.today),
                   LogEntry.__dataclass_fields__)
    fast = again.statement_stats(), again.area_scores()
    assert again._group_keys is not None
    for got, expected in zip(fast, _grouped_by_pandas(again)):
        pd.testing.assert_frame_equal(got, expected, check_exact=True, check_column_type=True)


def test_a_key_that_is_not_text_is_grouped_by_pandas(folders):
    """A service name that is not text (None: pandas leaves such rows out of its groups) gives the rows no group
    keys: the frames group them with pandas, as before."""
    from dataclasses import replace

    collection = collect(folders[:1], workers=1)
    held = list(collection.responses)
    held[0] = replace(held[0], service_name=None)
    frames = Frames(Collection(held, collection.log, None, collection.registry, collection.today),
                    LogEntry.__dataclass_fields__)
    scores = frames.area_scores()
    assert frames._group_keys is None
    assert held[0].service_id not in set(scores["service_id"])  # pandas dropped its rows, as it always did
