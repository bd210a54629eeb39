"""Issue 11, "Speed of the whole job": what the faster report must still say, and parse's one rounding rule.

Timing stays in bench/run.py (bench/endtoend.py); these tests hold what a change for speed could break."""

from __future__ import annotations

from maturity_xl.cli.returns import _summary
from maturity_xl.response import Rating, Response
from maturity_xl.rounding import rounded


def _response(ratings: list[int]) -> Response:
    return Response("r.xlsx", "fw", "1", service_id="S1", service_name="One", area_ids=("a",),
                    ratings=[Rating(f"s{i}", "a", v, "", "") for i, v in enumerate(ratings)])


def test_parse_summary_rounds_means_by_excels_rule():
    # 25/8 = 3.125 exactly in binary: f"{x:.2f}" rounds half to even ("3.12"); Excel shows 3.13.
    text = _summary(_response([3, 3, 3, 3, 3, 3, 3, 4]))
    assert "mean 3.13" in text and "3.12" not in text
    # 2.675 is 2.67499999... as a binary float: f"{x:.2f}" gives "2.67"; Excel shows 2.68.
    assert rounded(2.675, 2) == "2.68" and f"{2.675:.2f}" == "2.67"


def test_parse_summary_and_reports_share_one_rule():
    from maturity_xl.report import common

    assert common.rounded is rounded


def test_defuse_frame_column_by_column_equals_every_cell_through_defuse_text():
    import pandas as pd

    from maturity_xl.csvsafe import defuse_frame, defuse_text

    texts = ["plain", "=1+1", "\x00=HYPERLINK(1)", "_x0000_=2", " +3", "\u200b-4", "\uff1d5", "@x", "\tTab", "9 ok",
             "", "\u3164=6", "Zed", "_x003D_7", "-", "ok-", None]
    frame = pd.DataFrame({"text": texts, "n": range(len(texts)), "when": [None] * len(texts),
                          "typed": pd.array(texts, dtype="string")})
    frame["mixed"] = [1.5 if i % 2 else t for i, t in enumerate(texts)]
    before = frame.text.tolist()
    expected = frame.astype(object).map(defuse_text)
    got = defuse_frame(frame)
    for column in frame.columns:
        assert [v if isinstance(v, str) else None for v in got[column].tolist()] == \
            [v if isinstance(v, str) else None for v in expected[column].tolist()], column
    assert got.n.tolist() == list(range(len(texts)))
    assert frame.text.tolist()[:-1] == before[:-1] == texts[:-1]  # the input frame is left as it was
