"""The expat readers of a sheet and of the shared strings: every part the fast path leaves, in any shape XML
allows (prefixes, attribute order, cells without a reference, rich text, comments)."""

from __future__ import annotations

from .cells import MAX_CELLS, Cell, excel_unescape, split_ref, too_many_cells, typed
from .xmlsafe import run_expat


def parse_shared_strings(data: bytes, part: str = "") -> list[str]:
    if not data:
        return []
    strings: list[str] = []
    state = {"in_t": False, "depth_rph": 0, "parts": []}

    def start(tag, _attrs):
        local = tag.rsplit("}", 1)[-1]
        if local == "si":
            state["parts"] = []
        elif local == "t" and not state["depth_rph"]:
            state["in_t"] = True
        elif local in ("rPh", "phoneticPr"):
            state["depth_rph"] += 1

    def end(tag):
        local = tag.rsplit("}", 1)[-1]
        if local == "si":
            strings.append(excel_unescape("".join(state["parts"])))
        elif local == "t":
            state["in_t"] = False
        elif local in ("rPh", "phoneticPr"):
            state["depth_rph"] -= 1

    def chars(text):
        if state["in_t"]:
            state["parts"].append(text)

    run_expat(data, start, end, chars, part)
    return strings


def parse_sheet(data: bytes, shared, columns: frozenset[int] | None = None,
                 part: str = "") -> dict[tuple[int, int], Cell]:
    cells: dict[tuple[int, int], Cell] = {}
    st = {"t": "n", "in": None, "v": [], "f": [], "is": [], "row": -1, "col": -1, "has_f": False, "count": 0,
          "phonetic": 0}

    def start(tag, attrs):
        local = tag.rsplit("}", 1)[-1]
        if local == "c":
            ref = attrs.get("r")
            if ref:
                try:
                    st["row"], st["col"] = split_ref(ref)
                except ValueError:
                    st["col"] += 1
            else:  # r is optional: the next column on the current row
                st["col"] += 1
            st["t"] = attrs.get("t", "n")
            st["v"], st["f"], st["is"], st["has_f"] = [], [], [], False
        elif local == "row":
            r = attrs.get("r", "")
            st["row"] = int(r) - 1 if r.isascii() and r.isdigit() and len(r) <= 7 else st["row"] + 1
            st["col"] = -1
        elif local in ("v", "f", "t") and not st["phonetic"]:
            st["in"] = local
            if local == "f":
                st["has_f"] = True
        elif local == "rPh":  # a phonetic run's text (a reading aid) is not the cell's text
            st["phonetic"] += 1

    def end(tag):
        local = tag.rsplit("}", 1)[-1]
        if local == "c":
            st["count"] += 1
            if st["count"] > MAX_CELLS:
                raise too_many_cells()
            if columns is None or st["col"] in columns:
                cells[(st["row"], st["col"])] = _cell(st, shared)
        elif local in ("v", "f", "t"):
            st["in"] = None
        elif local == "rPh":
            st["phonetic"] -= 1

    def chars(text):
        where = st["in"]
        if where == "v":
            st["v"].append(text)
        elif where == "f":
            st["f"].append(text)
        elif where == "t":
            st["is"].append(text)

    run_expat(data, start, end, chars, part)
    return cells


def _cell(st: dict, shared) -> Cell:
    kind = st["t"]
    formula = "".join(st["f"]) if st["has_f"] else None
    text = "".join(st["is"]) if kind == "inlineStr" else "".join(st["v"])
    return Cell(typed(kind, text, shared), formula, kind)
