"""One opened return read into a Response: its metadata, the framework it names, then each sheet's answers."""

from __future__ import annotations

from ..layout import ACTIONS, ASSESSMENT, METADATA, METADATA_FORMAT, METADATA_KEYS, START
from ..model import Framework
from ..response import Response
from .actions import read_actions
from .assessment import read_ratings
from .metadata import Head, Map, decode, head_cells, head_values, sections
from .registry import Registry
from .source import Workbook
from .values import Problems, folded, get, signature_text, text

_HEAD_CELLS = head_cells()


class Parser:
    def __init__(self, wb: Workbook, name: str, registry: Registry):
        self.wb, self.registry = wb, registry
        self.r = Response(file=name)
        self.problems = Problems(self.r.problems)

    def run(self) -> Response:
        found = self.metadata()
        if found is None:
            return self.r
        head, m = found
        self._identity(head)
        if head.format != METADATA_FORMAT:
            self.problems.add("fatal", "metadata-format", f"the metadata sheet is not in a format this version of "
                                                          f"maturity-xl reads ({head.format!r})", METADATA)
            return self.r
        fw = self._framework(head)
        if fw is not None and not m.has_headers:  # made before the metadata named headers: the spec's own
            m = m.with_headers(self.registry.layout(fw)[0])
        scale = fw.scale if fw else m.scale
        if scale is None:
            self.problems.add("fatal", "metadata-damaged", "the metadata sheet has no rating scale", METADATA)
            return self.r
        if not m.entries:
            self.problems.add("fatal", "metadata-damaged", "the metadata sheet lists no statements", METADATA)
            return self.r
        assessment = self._assessment_sheet(m)
        if assessment is None:
            return self.r
        self.r.area_ids = tuple(a.id for a in fw.areas) if fw is not None else m.area_ids
        self._respondent(m)
        texts = self.registry.statement_texts(fw) if fw is not None else {}
        if read_ratings(self.wb, assessment, m, scale, texts, self.problems, self.r.ratings):
            self._actions(m)
        return self.r

    def _identity(self, head: Head) -> None:
        r = self.r
        r.framework_id, r.framework_version, r.fingerprint = head.framework_id, head.framework_version, \
            head.fingerprint
        r.service_id, r.service_name, r.generated_at = head.service_id, head.service_name, head.generated_at
        r.signature, r.round = head.signature, head.round
        r.signature_property = signature_text(self.wb.custom_properties().get("maturity_xl_signature"))

    def _framework(self, head: Head) -> Framework | None:
        """The spec the return was built from: by id and version, or by fingerprint when the version was edited."""
        r, add = self.r, self.problems.add
        fw = self.registry.get(r.framework_id, r.framework_version)
        built_from = None if fw is not None and fw.fingerprint == r.fingerprint \
            else self.registry.by_fingerprint(r.framework_id, r.fingerprint)
        if built_from is not None:
            add("warning", "version-edited", f"the workbook says version {r.framework_version}, but its spec "
                                             f"fingerprint is that of version {built_from.version}, which it was "
                                             f"built from: read as version {built_from.version}", METADATA)
            fw, r.framework_version = built_from, built_from.version
        elif fw is None:
            add("warning", "unknown-framework", f"framework '{r.framework_id}' version {r.framework_version} is not "
                                                f"among the known specs; read with the workbook's own map", METADATA)
        elif fw.fingerprint != r.fingerprint:
            add("warning", "fingerprint-mismatch", f"the workbook's spec fingerprint ({r.fingerprint}) differs from "
                                                   f"the spec {fw.id} {fw.version} ({fw.fingerprint}): its metadata "
                                                   f"was edited or the spec changed", METADATA)
        return fw

    def _actions(self, m: Map) -> None:
        if not m.actions:
            return
        sheet = m.sheet("actions", ACTIONS)
        if sheet in self.wb.sheets:
            read_actions(self.wb, sheet, m, self.problems, self.r.actions)
        else:
            self.problems.add("error", "missing-sheet", f"the '{sheet}' sheet is missing, so the action plan could "
                                                        f"not be read", sheet)

    # --- metadata --------------------------------------------------------------------------------------------

    def metadata(self) -> tuple[Head, Map] | None:
        """The head and map: layout.py's map for a spec the registry knows by the head, else the sheet's own."""
        name = self._metadata_sheet_name()
        if name is None:
            return None
        return self.known_metadata(name) or self.sheet_metadata(name)

    def _metadata_sheet_name(self) -> str | None:
        if METADATA in self.wb.sheets:
            return METADATA
        for candidate in self.wb.sheets:  # renamed: look for our marker in A1
            if text(get(self.wb.cells(candidate), 0, 0)) == "[workbook]":
                self.problems.add("warning", "sheet-renamed", f"the metadata sheet was renamed to '{candidate}'",
                                  candidate)
                return candidate
        if self.wb.strict:
            self.problems.add("fatal", "strict-xml", "the workbook was saved as 'Strict Open XML Spreadsheet'; "
                                                     "save it as 'Excel Workbook (.xlsx)' and send it again")
        else:
            self.problems.add("fatal", "no-metadata", "this is not a maturity-xl assessment workbook, or its hidden "
                                                      "metadata sheet was removed; please complete the workbook you "
                                                      "were sent and return that file")
        return None

    def sheet_metadata(self, name: str) -> tuple[Head, Map]:
        """The metadata sheet read whole, with its own map."""
        rows: dict[int, dict[int, object]] = {}
        for (row, col), c in self.wb.cells(name).items():
            rows.setdefault(row, {})[col] = c.value
        found = sections([values.get(i) for i in range(max(values) + 1)] for _row, values in sorted(rows.items()))
        return Head.decode(head_values(found.pop("workbook", []))), decode(found)

    def known_metadata(self, name: str) -> tuple[Head, Map] | None:
        """The head from the sheet (only its first rows are scanned) and layout.py's map, for a return laid out
        by layout.py for a spec the registry knows.

        None when the head is not in the shape and order layout.py writes, or names a spec, fingerprint or layout
        digest the registry does not have (an edited head, an older layout, another spec): the caller then reads
        the sheet whole, and the workbook's own map counts.
        """
        cells = self.wb.lookup(name, _HEAD_CELLS, rows=len(METADATA_KEYS) + 2)
        if get(cells, 0, 0) != "[workbook]" or get(cells, len(METADATA_KEYS) + 1, 0) is not None or \
                any(get(cells, r, 0) != key for r, key in enumerate(METADATA_KEYS, 1)):
            return None
        head = Head.decode({key: get(cells, r, 1) for r, key in enumerate(METADATA_KEYS, 1)})
        if head.format != METADATA_FORMAT:
            return None
        fw = self.registry.get(head.framework_id, head.framework_version)
        if fw is None or fw.fingerprint != head.fingerprint:
            return None
        _layout, digest, m = self.registry.layout(fw)
        return (head, m) if head.layout == digest else None

    # --- sheets ----------------------------------------------------------------------------------------------

    def _assessment_sheet(self, m: Map) -> str | None:
        """The Assessment sheet by its name, or, if it was renamed, the sheet whose rows hold the mapped ids."""
        sheet = m.sheet("assessment", ASSESSMENT)
        if sheet in self.wb.sheets:
            return sheet
        id_col = m.assessment["statement_id"].col
        wanted = [(e.rating_row, id_col) for e in m.entries if e.rating_row is not None]
        ids = [e.statement_id for e in m.entries if e.rating_row is not None]
        best, hits = None, 0
        for candidate in self.wb.sheets:
            if candidate == METADATA:
                continue
            found = self.wb.lookup(candidate, wanted)
            count = sum(text(get(found, r, c)) == sid for (r, c), sid in zip(wanted, ids))
            if count > hits:
                best, hits = candidate, count
        if best is not None and hits >= max(1, len(m.entries) // 2):
            self.problems.add("warning", "sheet-renamed", f"the '{sheet}' sheet was renamed to '{best}'", best)
            return best
        self.problems.add("fatal", "missing-sheet", f"the '{sheet}' sheet is missing or was renamed; please return "
                                                    f"the workbook with its sheets as they were sent", sheet)
        return None

    def _respondent(self, m: Map) -> None:
        wanted: dict[str, list[tuple[int, int]]] = {}
        for f in m.respondent:
            if f.sheet in self.wb.sheets and f.pos is not None:
                wanted.setdefault(f.sheet, []).append(f.pos)
        # The details are in the sheet's first rows: only the part of it up to a row after them is scanned. That
        # row must be written (a blank one is not; the sheet is indexed whole then), and layout.py leaves a blank
        # row between the details and the counter: so the scan stops at the counter's row, two after the details.
        found = {sheet: self.wb.lookup(sheet, positions, rows=max(row for row, _col in positions) + 2)
                 for sheet, positions in wanted.items()}
        service_cell = ""
        for f in m.respondent:
            if f.key == "service":
                service_cell = f.ref
            if f.sheet not in found or f.pos is None:
                continue
            raw = get(found[f.sheet], *f.pos)
            read = self.problems.date if f.kind == "date" else self.problems.string
            self.r.respondent[f.key] = read(raw, f.sheet, f.ref)
        typed = str(self.r.respondent.get("service") or "")
        if self.r.service_name and typed and folded(typed) != folded(self.r.service_name):
            self.problems.add("warning", "service-mismatch", f"this workbook was sent to '{self.r.service_name}' but "
                                                             f"the respondent's details name '{typed}': it may have "
                                                             f"been forwarded to another service", START, service_cell)


__all__ = ["Parser"]
