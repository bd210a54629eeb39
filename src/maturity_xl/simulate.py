"""Simulated returns: fill generated workbooks as services would, for the demo, tests and the benchmark.

Values are patched straight into the input cells' XML, so everything else in the file (charts, validation,
cached values, protection) stays exactly as generated, and filling a workbook takes a millisecond or two.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, timedelta
from xml.sax.saxutils import escape

from .layout import ACTIONS, ASSESSMENT, START, Layout, cell
from .model import Framework
from .reading import open_workbook

EXCEL_EPOCH = date(1899, 12, 30)

RATIONALES = [
    "We have started to talk about this in team meetings and a few colleagues are trying it with people they support.",
    "This is part of how we work for most people, but it is not yet consistent across every shift and site.",
    "We have a written approach and training, and our last audit showed it in about two thirds of records.",
    "Not yet a priority for us; we have other pressures this year and no one is leading on it.",
    "People we support helped us design this, and their feedback tells us it is working well.",
    "Some pockets of good practice, mostly down to individual enthusiasm rather than a planned approach.",
]
EVIDENCE = [
    "Team meeting minutes (March); training records.",
    "Audit of 20 care plans, January; feedback survey results.",
    "Policy document v3; supervision notes.",
    "Case studies from two people we support; co-production group notes.",
    "",
]
ACTIONS_TEXT = [
    "Run a half-day workshop for all staff and agree what good looks like.",
    "Add this to the supervision template and review it monthly.",
    "Co-produce a one-page guide with people who use the service.",
    "Audit ten records each quarter and share the findings at the team meeting.",
]
PEOPLE = ["Service manager", "Clinical lead", "Team leader", "Quality lead", "Practice manager"]


@dataclass(frozen=True, slots=True)
class Filled:
    """What was filled into one workbook, so tests can compare it with what the parser reads back."""

    ratings: dict[str, int | None]
    rationale: dict[str, str]
    evidence: dict[str, str]
    actions: dict[str, dict[str, object]]
    respondent: dict[str, object]
    targets: dict[str, int] = dataclass_field(default_factory=dict)  # chosen targets (rating.target_per_statement)


def random_answers(framework: Framework, rng: random.Random, *, completion: float = 0.9,
                   completed_on: date | None = None, bias: float | None = None,
                   completed_by: str | None = None, own_words: bool = False) -> Filled:
    """Plausible answers: each service has its own level (bias), most statements rated, actions for gaps.
    A resubmission passes the first return's `completed_by`: another respondent is a conflict, not a correction.
    `own_words`: every rationale, evidence and action text is this service's own (no two alike), as real returns
    are; otherwise they are drawn from a few stock sentences."""
    own = (lambda text: _own(text, rng)) if own_words else (lambda text: text)
    scale = framework.scale
    bias = rng.uniform(0.2, 0.8) if bias is None else bias
    ratings, rationale, evidence, actions, targets = {}, {}, {}, {}, {}
    for st in framework.statements:
        if rng.random() > completion:
            ratings[st.id] = None
            continue
        spread = rng.gauss(bias * (scale.maximum - scale.minimum) + scale.minimum, 1.0)
        value = min(scale.values, key=lambda v: abs(v - spread))
        ratings[st.id] = value
        rationale[st.id] = own(rng.choice(RATIONALES))
        evidence[st.id] = own(rng.choice(EVIDENCE))
        if value < scale.target and rng.random() < 0.7:
            actions[st.id] = _action(framework, rng, completed_on or date(2026, 11, 1), own)
        if framework.target_per_statement and value <= scale.target - 2:
            targets[st.id] = scale.target  # far below the programme's level: aim for it; else blank, the next
    done = completed_on or date(2026, 11, 1) - timedelta(days=rng.randint(0, 60))
    who = rng.choice(["A. Patel", "J. Smith", "R. Jones", "M. Okafor"])
    respondent = {"organisation": "Example Health & Care", "completed_by": completed_by or who,
                  "role": rng.choice(PEOPLE), "date_completed": done, "email": "assessment@example.org"}
    return Filled(ratings, rationale, evidence, actions, respondent, targets)


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def _own(text: str, rng: random.Random) -> str:
    """A stock sentence with a service's particulars added, so that no two returns hold the same text."""
    if not text:
        return text
    return (f"{text} Checked in {rng.choice(MONTHS)} with {rng.randint(2, 40)} of the {rng.randint(40, 400)} "
            f"people we support (our ref. {rng.randrange(10**7):07d}).")


def _action(framework: Framework, rng: random.Random, today: date,
            own=lambda text: text) -> dict[str, object]:
    values: dict[str, object] = {}
    for col in framework.action_columns:
        if col.kind == "date":
            values[col.id] = today + timedelta(days=rng.randint(-60, 240))
        elif col.kind == "person":
            values[col.id] = rng.choice(PEOPLE) if rng.random() < 0.85 else None
        elif col.kind == "choice":
            values[col.id] = rng.choice(col.options)
        elif col.id == "action":
            values[col.id] = own(rng.choice(ACTIONS_TEXT))
        else:
            values[col.id] = own(rng.choice(ACTIONS_TEXT[:2] + ["Staff survey shows low confidence."]))
    return values


def cell_values(framework: Framework, filled: Filled) -> dict[tuple[str, str], object]:
    """Where each answer goes: {(sheet, cell): value}, from the same Layout the generator used."""
    lay = Layout(framework)
    out: dict[tuple[str, str], object] = {}
    for field in lay.respondent:
        if field.key in filled.respondent and filled.respondent[field.key] is not None:
            out[(START, cell(field.row, 1))] = filled.respondent[field.key]
    for c in lay.statement_cells:
        if filled.ratings.get(c.statement_id) is not None:
            out[(ASSESSMENT, cell(c.row, lay.A_RATING))] = filled.ratings[c.statement_id]
        if filled.rationale.get(c.statement_id):
            out[(ASSESSMENT, cell(c.row, lay.A_RATIONALE))] = filled.rationale[c.statement_id]
        if filled.evidence.get(c.statement_id):
            out[(ASSESSMENT, cell(c.row, lay.A_EVIDENCE))] = filled.evidence[c.statement_id]
        if lay.A_TARGET is not None and filled.targets.get(c.statement_id) is not None:
            out[(ASSESSMENT, cell(c.row, lay.A_TARGET))] = filled.targets[c.statement_id]
        for cid, value in filled.actions.get(c.statement_id, {}).items():
            if value is not None:
                out[(ACTIONS, cell(c.action_row, lay.action_col(cid)))] = value
    return out


_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*?)(/>|>.*?</c>)', re.S)


def patch_cells(data: bytes, values: dict[tuple[str, str], object]) -> bytes:
    """Write values into existing cells of a workbook's sheets, as Excel would store typed input."""
    wb = open_workbook(data)
    by_part: dict[str, dict[str, object]] = {}
    for (sheet, ref), value in values.items():
        by_part.setdefault(wb.sheets[sheet].path, {})[ref] = value
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in wb.zf.infolist():
            content = wb.zf.read(info)
            if info.filename in by_part:
                content = _patch_sheet(content, by_part[info.filename])
            dst.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
    wb.close()
    return out.getvalue()


def _patch_sheet(xml: bytes, values: dict[str, object]) -> bytes:
    def replace(m: re.Match) -> bytes:
        ref = m.group(1).decode()
        if ref not in values:
            return m.group(0)
        attrs = re.sub(rb'\s+t="[^"]*"', b"", m.group(2))
        value = values[ref]
        if isinstance(value, bool):
            raise TypeError("booleans are not answers")
        if isinstance(value, date):
            value = (value - EXCEL_EPOCH).days
        if isinstance(value, (int, float)):
            return b'<c r="%s"%s><v>%s</v></c>' % (m.group(1), attrs, repr(value).encode())
        text = escape(str(value)).encode("utf-8")
        return b'<c r="%s"%s t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>' % (m.group(1), attrs, text)

    patched = _CELL.sub(replace, xml)
    return patched


def filled_workbook(framework: Framework, blank: bytes, filled: Filled) -> bytes:
    return patch_cells(blank, cell_values(framework, filled))
