"""Read one returned workbook into a Response, with every problem located by sheet and cell.

Cells are found through the metadata map and checked against the statement id on each row. For a return whose
head names a spec the registry knows and that spec's layout digest, the map is layout.py's own (it wrote the
workbook's copy, and the digest says it is unchanged); for any other, the workbook's copy, read whole. Cached
formula results are never read: scores come from the input cells.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path

from .layout import (
    ACTIONS,
    ASSESSMENT,
    EMPTY,
    METADATA,
    METADATA_FORMAT,
    METADATA_KEYS,
    START,
    UNSIGNED,
    Layout,
    cell,
)
from .model import MAX_LEVEL, Framework, Level, Scale
from .reading import INFLATE_ERRORS, Cell, ReadError, Workbook, open_workbook, split_ref
from .response import Action, Problem, Rating, Response
from .sniff import sniff_open

EXCEL_EPOCH = datetime(1899, 12, 30)
TEXT_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y")
MAX_TEXT = 32_767  # Excel's own limit for one cell


class Registry:
    """The framework specs a parser can check returns against, by (id, version)."""

    def __init__(self, frameworks: list[Framework] | None = None):
        if frameworks is None:
            from .spec import bundled_frameworks

            frameworks = bundled_frameworks(include_archive=True)
        self._by_key = {(fw.id, fw.version): fw for fw in frameworks}

    def get(self, framework_id: str, version: str) -> Framework | None:
        return self._by_key.get((framework_id, version))

    def by_fingerprint(self, framework_id: str, fingerprint: str) -> Framework | None:
        """The version of a framework whose spec has this fingerprint (a version cell can be edited; the
        fingerprint of the spec a workbook was built from tells its version too)."""
        return next((fw for (fid, _v), fw in self._by_key.items() if fid == framework_id
                     and fingerprint and fw.fingerprint == fingerprint), None)

    def add(self, framework: Framework) -> None:
        self._by_key[(framework.id, framework.version)] = framework


_default_registry: Registry | None = None


def default_registry() -> Registry:
    global _default_registry
    if _default_registry is None:
        _default_registry = Registry()
    return _default_registry


def parse(source: str | Path | bytes, *, name: str | None = None, registry: Registry | None = None,
          password: str | None = None) -> Response:
    """Parse a returned workbook (a path, or its bytes with a display `name`). Never raises for bad content:
    a file that cannot be read comes back as a Response whose problems include a fatal one.

    `password` opens a workbook encrypted with the password the programme agreed with its services.
    """
    if isinstance(source, (str, Path)):
        name = name or str(source)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            return _rejected(name, "unreadable", f"the file cannot be opened ({exc.strerror})")
    else:
        data = source
        name = name or "<bytes>"
    kind, checked = sniff_open(data)
    if kind.kind == "encrypted" and password:
        data = _decrypt(data, password)
        if data is None:
            return _rejected(name, "wrong-password", "the workbook is encrypted and the agreed password does not "
                                                     "open it", "Remove the password to open, save, and send it again.")
        kind, checked = sniff_open(data)
    if not kind.readable:
        return _rejected(name, kind.kind, kind.message, kind.advice)
    try:
        wb = open_workbook(data, checked)
    except ReadError as exc:
        return _rejected(name, exc.code, str(exc), exc.advice)
    try:
        return _Parser(wb, name, registry or default_registry()).run()
    except ReadError as exc:
        return _rejected(name, exc.code, str(exc), exc.advice)
    except (zipfile.BadZipFile, *INFLATE_ERRORS, EOFError, NotImplementedError) as exc:
        return _rejected(name, "damaged", f"the file is damaged and a part of it cannot be read ({exc})")
    finally:
        wb.close()


def _decrypt(data: bytes, password: str) -> bytes | None:
    import msoffcrypto  # only for encrypted returns, with the programme's agreed password

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password=password)
        out = io.BytesIO()
        office.decrypt(out)
    except Exception:  # msoffcrypto raises its own and cryptography's errors for a wrong key or a damaged file
        return None
    return out.getvalue()


def _rejected(name: str, code: str, message: str, advice: str = "") -> Response:
    return Response(file=name, problems=[Problem("fatal", code, message, advice=advice)])


class _Parser:
    def __init__(self, wb: Workbook, name: str, registry: Registry):
        self.wb, self.registry = wb, registry
        self.r = Response(file=name)
        self._plan: _Plan | None = None  # layout.py's map, taken apart once per spec (see _known_metadata)

    def problem(self, severity, code, message, sheet="", cell="") -> None:
        self.r.problems.append(Problem(severity, code, message, sheet, cell))

    def run(self) -> Response:
        meta = self._metadata()
        if meta is None:
            return self.r
        info = meta.get("workbook", {})
        r = self.r
        r.framework_id = str(info.get("framework_id") or "")
        r.framework_version = _text(info.get("framework_version"))
        r.fingerprint = str(info.get("fingerprint") or "")
        r.service_id = _meta_text(info.get("service_id"))
        r.service_name = _meta_text(info.get("service_name"))
        r.generated_at = _text(info.get("generated_at"))
        r.signature = _signature_text(info.get("signature"))
        r.signature_property = _signature_text(self.wb.custom_properties().get("maturity_xl_signature"))
        if str(info.get("format") or "") != METADATA_FORMAT:
            self.problem("fatal", "metadata-format", f"the metadata sheet is not in a format this version of "
                                                     f"maturity-xl reads ({info.get('format')!r})", METADATA)
            return r
        fw = self.registry.get(r.framework_id, r.framework_version)
        built_from = None if fw is not None and fw.fingerprint == r.fingerprint \
            else self.registry.by_fingerprint(r.framework_id, r.fingerprint)
        if built_from is not None:
            self.problem("warning", "version-edited",
                         f"the workbook says version {r.framework_version}, but its spec fingerprint is that of "
                         f"version {built_from.version}, which it was built from: read as version "
                         f"{built_from.version}", METADATA)
            fw, r.framework_version = built_from, built_from.version
        elif fw is None:
            self.problem("warning", "unknown-framework",
                         f"framework '{r.framework_id}' version {r.framework_version} is not among the known specs; "
                         f"read with the workbook's own map", METADATA)
        elif fw.fingerprint != r.fingerprint:
            self.problem("warning", "fingerprint-mismatch",
                         f"the workbook's spec fingerprint ({r.fingerprint}) differs from the spec "
                         f"{fw.id} {fw.version} ({fw.fingerprint}): its metadata was edited or the spec changed",
                         METADATA)
        scale = fw.scale if fw else _scale_from(meta.get("scale", []))
        if scale is None:
            self.problem("fatal", "metadata-damaged", "the metadata sheet has no rating scale", METADATA)
            return r
        sheets = {row[0]: row[1] for row in meta.get("sheets", []) if len(row) >= 2}
        plan = self._plan or _Plan(meta)
        if not plan.statements:
            self.problem("fatal", "metadata-damaged", "the metadata sheet lists no statements", METADATA)
            return r
        assessment = self._sheet(sheets.get("assessment", ASSESSMENT), plan.statements)
        if assessment is None:
            return r
        r.area_ids = plan.area_ids
        if fw is not None:
            r.area_ids = tuple(a.id for a in fw.areas)
        self._respondent(meta.get("respondent", []))
        typed = str(r.respondent.get("service") or "")
        if r.service_name and typed and _folded(typed) != _folded(r.service_name):
            self.problem("warning", "service-mismatch",
                         f"this workbook was sent to '{r.service_name}' but the respondent's details name "
                         f"'{typed}': it may have been forwarded to another service", START, self._respondent_cell)
        self._ratings(assessment, plan, scale, fw)
        actions_sheet = sheets.get("actions", ACTIONS)
        if plan.has_columns:
            if actions_sheet in self.wb.sheets:
                self._actions(actions_sheet, plan)
            else:
                self.problem("error", "missing-sheet", f"the '{actions_sheet}' sheet is missing, so the action "
                                                       f"plan could not be read", actions_sheet)
        return r

    # --- metadata --------------------------------------------------------------------------------------------

    def _metadata(self) -> dict[str, object] | None:
        name = METADATA if METADATA in self.wb.sheets else None
        if name is None:
            for candidate in self.wb.sheets:  # renamed: look for our marker in A1
                if _text(self.wb.cells(candidate).get((0, 0), Cell(None)).value) == "[workbook]":
                    name = candidate
                    self.problem("warning", "sheet-renamed", f"the metadata sheet was renamed to '{candidate}'",
                                 candidate)
                    break
        if name is None:
            if self.wb.strict:
                self.problem("fatal", "strict-xml", "the workbook was saved as 'Strict Open XML Spreadsheet'; "
                                                    "save it as 'Excel Workbook (.xlsx)' and send it again")
            else:
                self.problem("fatal", "no-metadata",
                             "this is not a maturity-xl assessment workbook, or its hidden metadata sheet was "
                             "removed; please complete the workbook you were sent and return that file")
            return None
        return self._known_metadata(name) or self._metadata_sheet(name)

    def _metadata_sheet(self, name: str) -> dict[str, object]:
        """The metadata sheet read whole: its sections by name ([workbook] as a dict, the others as rows)."""
        rows: dict[int, dict[int, object]] = {}
        for (row, col), c in self.wb.cells(name).items():
            rows.setdefault(row, {})[col] = c.value
        return _sections([values.get(i) for i in range(max(values) + 1)] for _row, values in sorted(rows.items()))

    def _known_metadata(self, name: str) -> dict[str, object] | None:
        """The metadata of a return laid out by layout.py for a spec the registry knows: the [workbook] values
        from the sheet (only its first rows are scanned), the sections below it as the layout writes them.

        None when the head is not in the shape and order layout.py writes, or names a spec, fingerprint or layout
        digest the registry does not have (an edited head, an older layout, another spec): the caller then reads
        the sheet whole, and the workbook's own map counts.
        """
        head = self.wb.lookup(name, _HEAD_CELLS, rows=len(METADATA_KEYS) + 2)
        if _get(head, 0, 0) != "[workbook]" or _get(head, len(METADATA_KEYS) + 1, 0) is not None or \
                any(_get(head, r, 0) != key for r, key in enumerate(METADATA_KEYS, 1)):
            return None
        info = {key: _get(head, r, 1) for r, key in enumerate(METADATA_KEYS, 1)}
        if info["format"] != METADATA_FORMAT:
            return None
        fw = self.registry.get(_text(info["framework_id"]), _text(info["framework_version"]))
        if fw is None or fw.fingerprint != _text(info["fingerprint"]):
            return None
        sections, digest, self._plan = _layout_sections(fw)
        if _text(info["layout"]) != digest:
            self._plan = None
            return None
        return {**sections, "workbook": info}

    def _sheet(self, sheet: str, statements: list[list]) -> str | None:
        """The Assessment sheet by its name, or, if it was renamed, the sheet whose rows hold the mapped ids."""
        if sheet in self.wb.sheets:
            return sheet
        wanted = [(row_, 0) for row_ in (_row_of(row[3]) for row in statements) if row_ is not None]
        ids = [_text(row[0]) for row in statements]
        best, hits = None, 0
        for candidate in self.wb.sheets:
            if candidate == METADATA:
                continue
            found = self.wb.lookup(candidate, wanted)
            count = sum(_text(_get(found, r, c)) == sid for (r, c), sid in zip(wanted, ids))
            if count > hits:
                best, hits = candidate, count
        if best is not None and hits >= max(1, len(ids) // 2):
            self.problem("warning", "sheet-renamed", f"the '{sheet}' sheet was renamed to '{best}'", best)
            return best
        self.problem("fatal", "missing-sheet", f"the '{sheet}' sheet is missing or was renamed; please return "
                                               f"the workbook with its sheets as they were sent", sheet)
        return None

    # --- content ---------------------------------------------------------------------------------------------

    _respondent_cell = ""

    def _respondent(self, rows: list[list]) -> None:
        fields = [(_text(row[0]), _text(row[1]), _text(row[2]), _text(row[3])) for row in rows if len(row) >= 4]
        wanted: dict[str, list[tuple[int, int]]] = {}
        for _key, sheet, ref, _kind in fields:
            if sheet in self.wb.sheets and _row_of(ref) is not None:
                wanted.setdefault(sheet, []).append(split_ref(ref))
        found = {sheet: self.wb.lookup(sheet, positions) for sheet, positions in wanted.items()}
        for key, sheet, ref, kind in fields:
            if key == "service":
                self._respondent_cell = ref
            if sheet not in found or _row_of(ref) is None:
                continue
            raw = _get(found[sheet], *split_ref(ref))
            if kind == "date":
                self.r.respondent[key] = self._date(raw, sheet, ref)
            else:
                self.r.respondent[key] = self._string(raw, sheet, ref)

    def _ratings(self, sheet: str, plan: _Plan, scale: Scale, fw: Framework | None) -> None:
        cells = self.wb.lookup(sheet, plan.wanted)
        moved = any(_text(_get(cells, r, 0)) != sid for r, sid in plan.id_checks)
        if moved:
            # Rows were moved or edited: read the whole sheet so each id can be found wherever it is now.
            columns = frozenset({0, 1} | {c for _r, c in plan.wanted})
            cells = self.wb.cells(sheet, columns)
        id_rows: dict[str, int] = {}
        if moved or not plan.same_rows or "" in plan.ids:  # else every id read is one the map names, on its row
            for (row, col), c in cells.items():
                if col == 0 and c.value is not None:
                    id_rows.setdefault(_text(c.value), row)
        known_text = plan.known_text(fw)
        read_rating = scale.read
        get, blank, ratings = cells.get, _BLANK_CELL, self.r.ratings
        for sid, area, positions, _action_row in plan.entries:
            if positions is None:
                self.problem("error", "metadata-damaged", f"the map's cells for statement {sid} are not cell "
                                                          f"references", METADATA)
                ratings.append(Rating(sid, area, None, "", ""))
                continue
            (map_row, rating_col), (_r1, rationale_col), (_r2, evidence_col) = positions
            if moved or not sid:  # else the check above saw this id on this row
                actual = cells.get((map_row, 0))
                if actual is None or _text(actual.value) != sid:
                    found = id_rows.get(sid)
                    if found is None:
                        self.problem("error", "statement-missing",
                                     f"statement {sid} is not on the sheet: its row was deleted or its id changed; "
                                     f"it counts as unrated", sheet, f"A{map_row + 1}")
                        ratings.append(Rating(sid, area, None, "", ""))
                        continue
                    self.problem("warning", "row-moved", f"statement {sid} was expected on row {map_row + 1} but "
                                                         f"is on row {found + 1}; read from there", sheet,
                                 f"A{found + 1}")
                    map_row = found
            expected = known_text.get(sid)
            if expected is not None:
                text = get((map_row, 1), blank).value
                if text != expected and " ".join(_text(text).split()) != expected:
                    self.problem("warning", "statement-edited", f"the text of statement {sid} differs from the "
                                                                f"framework's", sheet, f"B{map_row + 1}")
            read = read_rating(get((map_row, rating_col), blank).value)
            if read.severity:
                self.problem(read.severity, "rating-text" if read.severity == "warning" else "rating-invalid",
                             read.message, sheet, _ref(map_row, rating_col))
            rationale = self._string(get((map_row, rationale_col), blank).value, sheet, (map_row, rationale_col))
            evidence = self._string(get((map_row, evidence_col), blank).value, sheet, (map_row, evidence_col))
            ratings.append(Rating(sid, area, read.value, rationale, evidence))
        mapped_ids = plan.ids
        for sid, row in id_rows.items():
            if row > 3 and sid not in mapped_ids and re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", sid) and \
                    not sid.startswith(("ID",)) and fw is not None and sid not in known_text:
                self.problem("warning", "unknown-statement", f"row {row + 1} has an id ({sid}) that is not in the "
                                                             f"framework; it was ignored", sheet, f"A{row + 1}")

    def _actions(self, sheet: str, plan: _Plan) -> None:
        for cid in plan.bad_columns:
            self.problem("error", "metadata-damaged", f"the map's column for '{cid}' is not a column", METADATA)
        cols, options = plan.columns, plan.options
        cells = self.wb.lookup(sheet, plan.action_wanted)
        get, blank = cells.get, _BLANK_CELL
        id_rows: dict[str, int] = {}
        for sid, area, _positions, action_row in plan.entries:
            if action_row is None:
                continue
            id_cell = cells.get((action_row, 0))
            shown = _text(id_cell.value) if id_cell is not None else ""
            if shown and shown != sid and not id_rows:
                cells = self.wb.cells(sheet)
                get = cells.get
                id_rows = {_text(c.value): r for (r, col), c in cells.items() if col == 0 and c.value is not None}
            if shown and shown != sid:  # cached id disagrees with the map: trust the id if it is elsewhere
                if sid in id_rows:
                    self.problem("warning", "row-moved", f"the action plan row for {sid} was expected on row "
                                                         f"{action_row + 1} but is on row {id_rows[sid] + 1}",
                                 sheet, f"A{id_rows[sid] + 1}")
                    action_row = id_rows[sid]
                else:
                    self.problem("error", "statement-missing", f"the action plan has no row for statement {sid}",
                                 sheet, f"A{action_row + 1}")
                    continue
            raws = [get((action_row, col), blank).value for _cid, col, _kind in cols]
            if all(raw is None or raw == "" for raw in raws):  # nothing written: no action, nothing to check
                continue
            values: dict[str, object] = {}
            for (cid, col, kind), raw in zip(cols, raws):
                ref = (action_row, col)  # made a cell reference only for a problem
                if kind == "date":
                    values[cid] = self._date(raw, sheet, ref)
                else:
                    text = self._string(raw, sheet, ref)
                    if kind == "choice" and text and cid in options and text not in options[cid]:
                        match = next((o for o in options[cid] if o.casefold() == text.casefold()), None)
                        if match:
                            text = match
                        else:
                            self.problem("warning", "choice-invalid", f"'{text}' is not one of the choices "
                                                                      f"({'; '.join(options[cid])}); kept as written",
                                         sheet, _where(ref))
                    values[cid] = text or None
            if any(v not in (None, "") for v in values.values()):
                self.r.actions.append(Action(sid, area, values))

    # --- cell values -----------------------------------------------------------------------------------------

    def _string(self, raw: object, sheet: str, ref: str | tuple[int, int]) -> str:
        if raw is None:
            return ""
        if isinstance(raw, bool):
            return "TRUE" if raw else "FALSE"
        if isinstance(raw, float):
            return str(int(raw)) if raw.is_integer() else repr(raw)
        text = str(raw)
        if len(text) > MAX_TEXT:
            self.problem("warning", "text-truncated", f"the text is longer than Excel allows in a cell and was cut "
                                                      f"to {MAX_TEXT} characters", sheet, _where(ref))
            text = text[:MAX_TEXT]
        return text.strip()

    def _date(self, raw: object, sheet: str, ref: str | tuple[int, int]) -> date | None:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            if 1 <= raw < 2_958_466:  # Excel's dates: 1900-01-01 to 9999-12-31
                return (EXCEL_EPOCH + timedelta(days=int(raw))).date()
        elif isinstance(raw, str):
            text = " ".join(raw.split())
            for fmt in TEXT_DATE_FORMATS:
                try:
                    value = datetime.strptime(text, fmt).date()
                except ValueError:
                    continue
                self.problem("warning", "date-text", f"'{raw}' was typed as text; read as {value.isoformat()}",
                             sheet, _where(ref))
                return value
        self.problem("error", "date-invalid", f"'{raw}' is not a date; enter a date such as 31/03/2027",
                     sheet, _where(ref))
        return None


class _Plan:
    """The metadata's map, columns and choices taken apart into what _ratings and _actions look up: cell
    positions, action rows, choice lists. For layout.py's map this is done once per spec, not once a return."""

    def __init__(self, meta: dict[str, object]):
        self.statements: list[list] = [row for row in meta.get("map", []) if len(row) >= 7]  # type: ignore[union-attr]
        # (statement id, area id, (rating, rationale, evidence) positions or None if one is not a cell, action row)
        self.entries: list[tuple[str, str, tuple[tuple[int, int], ...] | None, int | None]] = []
        self.wanted: list[tuple[int, int]] = []  # each input cell, and columns A and B of its row
        self.id_checks: list[tuple[int, str]] = []  # (row of the rating cell, the id column A should show)
        self.same_rows = True  # each statement's cells on one row (as layout.py writes them)
        for row in self.statements:
            sid = _text(row[0])
            parsed = [_position(ref) for ref in row[3:6]]
            for pos in parsed:
                if pos is not None:
                    self.wanted += [pos, (pos[0], 0), (pos[0], 1)]
            if parsed[0] is not None:
                self.id_checks.append((parsed[0][0], sid))
            positions = None if None in parsed else tuple(parsed)
            if positions is None or len({pos[0] for pos in positions}) != 1:  # type: ignore[union-attr]
                self.same_rows = False
            action_row = int(float(row[6])) - 1 if _is_number(row[6]) else None
            self.entries.append((sid, _text(row[1]), positions, action_row))  # type: ignore[arg-type]
        self.wanted = list(dict.fromkeys(self.wanted))
        self.ids = frozenset(entry[0] for entry in self.entries)
        self.area_ids = tuple(dict.fromkeys(entry[1] for entry in self.entries))
        columns = [row for row in meta.get("columns", []) if len(row) >= 4  # type: ignore[union-attr]
                   and str(row[0]).startswith("action.")]
        self.has_columns = bool(columns)
        self.columns: list[tuple[str, int, str]] = []  # (column id, 0-based column, kind)
        self.bad_columns: list[str] = []
        for row in columns:
            cid = _text(row[0])[len("action."):]
            pos = _position(f"{_text(row[2])}1")
            if pos is None:
                self.bad_columns.append(cid)
            else:
                self.columns.append((cid, pos[1], _text(row[3])))
        self.options: dict[str, list[str]] = {}
        for row in meta.get("choices", []):  # type: ignore[union-attr]
            if len(row) >= 2:
                self.options.setdefault(_text(row[0]), []).append(_text(row[1]))
        self.action_wanted = [(action_row, col) for _sid, _area, _pos, action_row in self.entries
                              if action_row is not None for col in [0] + [c for _cid, c, _kind in self.columns]]
        self._known: tuple[Framework | None, dict[str, str]] = (None, {})

    def known_text(self, fw: Framework | None) -> dict[str, str]:
        """Each statement's text as the framework words it (its title, for a descriptor framework)."""
        if fw is None:
            return {}
        if self._known[0] is not fw:
            self._known = (fw, {s.id: (s.title if fw.rating_mode == "descriptor" and s.title else s.text)
                                for s in fw.statements})
        return self._known[1]


def _position(ref: object) -> tuple[int, int] | None:
    try:
        return split_ref(_text(ref))
    except ValueError:
        return None


def _sections(lines: Iterable[list]) -> dict[str, object]:
    """The metadata sheet's rows as sections: each starts at a `[name]` marker in column A. [workbook] rows are
    key/value pairs (a dict); in the others column A names the kind of row, and is dropped."""
    sections: dict[str, list[list]] = {}
    current: list | None = None
    for line in lines:
        head = line[0] if line else None
        if isinstance(head, str) and head.startswith("[") and head.endswith("]"):
            current = []
            sections[head[1:-1]] = current
        elif current is not None and head is not None:
            current.append(line)
    info = {_text(row[0]): row[1] if len(row) > 1 else None for row in sections.pop("workbook", [])}
    out: dict[str, object] = {key: [row[1:] for row in rows] for key, rows in sections.items()}
    out["workbook"] = info
    return out


_HEAD_CELLS = [(r, c) for r in range(len(METADATA_KEYS) + 2) for c in (0, 1)]
_LAYOUT_SECTIONS: dict[tuple[str, str, str], tuple[dict[str, object], str, _Plan]] = {}


def _layout_sections(fw: Framework) -> tuple[dict[str, object], str, _Plan]:
    """The metadata sections below [workbook] as the layout writes them for `fw` and the reader reads them back
    (numbers as floats), the layout's digest, and the sections' plan. Computed once per spec."""
    key = (fw.id, fw.version, fw.fingerprint)
    found = _LAYOUT_SECTIONS.get(key)
    if found is None:
        lay = Layout(fw)
        sections = _sections([[_as_read(v) for v in row] for row in lay.static_rows])
        del sections["workbook"]
        found = _LAYOUT_SECTIONS[key] = (sections, lay.digest, _Plan(sections))
    return found


def _as_read(value: object) -> object:
    """A value the generator writes into the metadata sheet, as the reader gives it back (write_string keeps
    an empty string as one)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _row_of(ref: object) -> int | None:
    try:
        return split_ref(_text(ref))[0]
    except ValueError:
        return None


def _is_number(value: object) -> bool:
    """A finite number (a metadata cell edited to "nan" or "1e999" is not a row number)."""
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


_BLANK_CELL = Cell(None)


def _get(cells: dict, row: int, col: int) -> object:
    c = cells.get((row, col))
    return None if c is None else c.value


def _scale_from(rows: list[list]) -> Scale | None:
    levels = []
    for row in rows:
        try:
            value = int(float(row[0]))
        except (TypeError, ValueError, OverflowError, IndexError):
            continue
        if abs(value) <= MAX_LEVEL:  # a scale is a handful of small numbers; an edited metadata cell is not one
            levels.append(Level(value, _text(row[1]), ""))
    if len(levels) < 2:
        return None
    return Scale("Rating", tuple(levels), levels[-1].value)


def _signature_text(value: object) -> str:
    text = _text(value)
    return "" if text in (EMPTY, UNSIGNED) else text


def _folded(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold().replace("&", " and ")).split())


def _meta_text(value: object) -> str:
    """A metadata value, where "-" stands for none (see generate.EMPTY)."""
    text = _text(value)
    return "" if text == EMPTY else text


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _where(ref: str | tuple[int, int]) -> str:
    """A cell reference for a problem; the hot loops pass (row, col) and only a problem pays for the text."""
    return ref if isinstance(ref, str) else cell(*ref)


def _ref(row: int, col: int) -> str:
    return cell(row, col)

