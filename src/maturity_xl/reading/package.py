"""Package navigation: from the package's relationships to the workbook part, its sheets by name (LibreOffice
renumbers parts) and the shared strings, in Transitional or Strict Open XML.

The parts read here are byte for byte the same in every return of a programme, and expat's Python callbacks cost
~0.3 ms a return for them: each is read, checked and parsed once a process (memo.py), by its stored bytes. The
list of sheets is kept by the workbook part's bytes and the relationships it was resolved with; each return gets
its own SheetInfo objects.
"""

from __future__ import annotations

import posixpath
import zipfile

from .errors import ReadError
from .memo import PartMemo
from .workbook import SheetInfo, Workbook
from .xmlsafe import run_expat, xml_part_memo
from .zipsafe import check_zip, open_zip, resolve

STRICT_MAIN_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
MAX_SHEETS = 256


def open_workbook(data: bytes, checked: zipfile.ZipFile | None = None) -> Workbook:
    """Open an .xlsx/.xlsm package from bytes, check it, and list its sheets by name. `checked` is the zip of
    `data` already opened and passed by check_zip (as sniff.sniff_open gives it); the Workbook then owns it."""
    zf = checked or open_zip(data)
    try:
        if checked is None:
            check_zip(zf)
        return _open(zf)
    except BaseException:
        zf.close()
        raise


def _open(zf: zipfile.ZipFile) -> Workbook:
    try:
        wb_path = _main_part(zf)
        wb_xml = xml_part_memo(zf, wb_path, "the workbook's list of sheets")
        rels = _relationships(zf, wb_path)
    except KeyError as exc:
        raise ReadError("not-a-workbook", f"the file has no workbook part ({exc.args[0] if exc.args else ''})") \
            from None
    sheets, strict, protected = _SHEETS.call(_sheet_list, wb_xml, wb_path, rels)
    return Workbook(zf, {name: SheetInfo(name, target, state) for name, target, state in sheets}, strict=strict,
                    workbook_protected=protected, shared_strings_path=_shared_strings_part(zf, rels))


# The parts read to open a return, the same in every return of a programme: each parsed once a process.
_RELS = PartMemo(16)
_SHEETS = PartMemo(16)


def _sheet_list(wb_xml: bytes, part: str, rels_items: tuple) -> tuple[tuple[tuple[str, str, str], ...], bool, bool]:
    """The workbook part's sheets as (name, target part, state), whether it is Strict Open XML, and whether its
    structure is protected. The sheet checks run as expat reads, so a part with a duplicate sheet and damaged XML
    after it fails as it always has, on the first problem met."""
    rels = dict(rels_items)
    sheets: list[tuple[str, str, str]] = []
    folded: set[str] = set()
    found = {"strict": False, "protected": False}

    def start(tag, attrs):
        local = tag.rsplit("}", 1)[-1]
        if tag.startswith(STRICT_MAIN_NS):
            found["strict"] = True  # Strict Open XML: the same names under other namespaces
        if local == "sheet":
            rid = next((v for k, v in attrs.items() if k.endswith("}id") or k == "r:id"), None)
            target = rels.get(rid or "", ("", ""))[0]
            name = attrs.get("name", "")
            if target and name:
                if len(sheets) >= MAX_SHEETS:
                    raise ReadError("too-many-sheets", f"the file has more than {MAX_SHEETS} sheets; an "
                                                       f"assessment workbook has five")
                if name.casefold() in folded:
                    raise ReadError("duplicate-sheets", f"the file has two sheets named '{name}', which Excel "
                                                        f"does not allow: it was altered by a program")
                folded.add(name.casefold())
                sheets.append((name, target, attrs.get("state", "visible")))
        elif local == "workbookProtection":
            found["protected"] = attrs.get("lockStructure") in ("1", "true")

    run_expat(wb_xml, start, None, None, part)
    return tuple(sheets), found["strict"], found["protected"]


def _main_part(zf: zipfile.ZipFile) -> str:
    """The workbook part named by the package relationships (not always xl/workbook.xml)."""
    rels = _RELS.call(_parse_rels, xml_part_memo(zf, "_rels/.rels", "the file's relationships"), "_rels/.rels")
    for _rid, (target, rtype) in rels:
        if rtype.endswith("/officeDocument"):
            return target.lstrip("/")
    raise KeyError("officeDocument relationship")


def _relationships(zf: zipfile.ZipFile, part: str) -> tuple[tuple[str, tuple[str, str]], ...]:
    """A part's relationships: (id, (target part path, relationship type)), each id once."""
    folder, name = posixpath.split(part)  # string operations: pathlib costs ~40 us a return here
    rels_path = _normalise(posixpath.join(folder, "_rels", name + ".rels"))
    data = xml_part_memo(zf, rels_path, "the workbook's relationships")
    return _RELS.call(_resolved_rels, data, rels_path, folder)


def _resolved_rels(data: bytes, name: str, folder: str) -> tuple[tuple[str, tuple[str, str]], ...]:
    out = {}
    for rid, (target, rtype) in _parse_rels(data, name):
        if target.startswith("/"):
            out[rid] = (target.lstrip("/"), rtype)
        else:
            out[rid] = (_normalise(posixpath.join(folder, target)), rtype)
    return tuple(out.items())


def _normalise(path: str) -> str:
    parts: list[str] = []
    for p in path.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p and p != ".":
            parts.append(p)
    return "/".join(parts)


def _parse_rels(data: bytes, name: str) -> tuple[tuple[str, tuple[str, str]], ...]:
    """A relationships part's internal relationships as (id, (target, type)), the last of an id counting."""
    out = {}

    def start(tag, attrs):
        if tag.rsplit("}", 1)[-1] == "Relationship" and attrs.get("TargetMode") != "External":
            out[attrs.get("Id", "")] = (attrs.get("Target", ""), attrs.get("Type", ""))

    run_expat(data, start, None, None, name)
    return tuple(out.items())


def _shared_strings_part(zf: zipfile.ZipFile, rels: tuple[tuple[str, tuple[str, str]], ...]) -> str | None:
    for _rid, (target, rtype) in rels:
        if rtype.endswith("/sharedStrings") or target.lower().endswith("sharedstrings.xml"):
            try:
                return resolve(zf, target).filename
            except KeyError:
                continue
    return None
