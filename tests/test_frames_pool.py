"""The frames hold each equal answer text once (frames.TextPool): memory at 10,000 returns, values unchanged."""

from __future__ import annotations

from maturity_xl.frames import TextPool


def test_equal_texts_become_one_string_and_values_are_unchanged():
    pool = TextPool()
    first = pool.share(["".join(["See ", "above"]), "", None, "Policy v3"])
    again = pool.share(["".join(["See ", "ab", "ove"]), "Policy v3", "new"])
    assert first == ["See above", "", None, "Policy v3"] and again == ["See above", "Policy v3", "new"]
    assert again[0] is first[0] and again[1] is first[3]


def test_the_pool_stops_growing_at_its_limit_but_still_shares_what_it_holds():
    pool = TextPool(limit=3)
    held = pool.share([f"text {i}" for i in range(3)])
    later = pool.share(["".join(["text ", "1"]), "".join(["unique ", "4"])])
    assert later == ["text 1", "unique 4"] and later[0] is held[1]
    assert len(pool._pool) == 3


def test_the_collected_frames_share_equal_texts(tmp_path):
    import random

    from conftest import PINNED
    from maturity_xl.batch import Template
    from maturity_xl.collect import collect
    from maturity_xl.generate import Service
    from maturity_xl.simulate import filled_workbook, random_answers
    from maturity_xl.spec import load_framework

    fw = load_framework("coventry-warwickshire")
    template = Template(fw, generated_at=PINNED)
    rng = random.Random(3)
    for i in range(4):
        blank = template.personalise(Service(f"S{i}", f"Service {i}"))
        (tmp_path / f"r{i}.xlsx").write_bytes(filled_workbook(fw, blank, random_answers(fw, rng)))
    frames = collect([tmp_path], workers=1).frames()
    for frame, column in ((frames.ratings, "rationale"), (frames.ratings, "evidence"), (frames.actions, "action")):
        values = [v for v in frame[column].tolist() if isinstance(v, str)]
        assert len(values) > len(set(values)) > 1  # the simulated answers repeat a few texts
        assert len({id(v) for v in values}) == len(set(values)), column
