"""An accessibility checker for xlsx files, for tests: Excel's Accessibility Checker rules and WCAG where they apply.

Each check takes a path and returns its violations (empty when the file passes); `check_all` runs every one.
The file is read with openpyxl (styles, merges, validations, conditional formats) and, for drawings that openpyxl
does not load, straight from the zip. Sources for each rule are in docs/workbook-research.md.

- alt-text: every chart, picture and shape has alt text (`descr`) or is marked decorative; the text is not a file
  name (Accessibility Checker error "Missing alternative text").
- sheet-name: every sheet has a name that says what it is, not Excel's default "Sheet1" / "Chart1" (Checker
  warning "Sheet tabs have meaningful names"), unique and within Excel's 31 characters.
- header-names: every visible sheet that holds a grid of data tells a screen reader where its headers are: an Excel
  table with a header row, or a defined name Title / ColumnTitle / RowTitle (with optional suffix) on that sheet.
- merged-input: no merged range covers an unlocked (input) cell (Checker warning "Merged cells"; a merge over an
  input breaks screen-reader navigation and the row fitting of both Excel and LibreOffice).
- contrast: text on its background at least 4.5:1, or 3:1 for large text (18 pt, or 14 pt bold) (WCAG 2.x 1.4.3),
  for every visible non-empty or input cell, and for the fills and fonts of its conditional formats.
- input-message: data-validation input title at most 32 characters and message at most 255 (Excel's limits; a
  longer one makes Excel refuse or drop the validation).
- colour-cue: a conditional format that colours cells also says the same thing in words in that row: a cell whose
  formula reads the same cell as the rule and writes text (WCAG 1.4.1 "Use of colour").
"""

from __future__ import annotations

import colorsys
import functools
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
from openpyxl.styles.colors import COLOR_INDEX
from openpyxl.utils import column_index_from_string, range_boundaries

TITLE_LIMIT = 32
MESSAGE_LIMIT = 255
SHEET_NAME_LIMIT = 31
NORMAL_RATIO = 4.5
LARGE_RATIO = 3.0
DEFAULT_SHEET = re.compile(r"(sheet|chart|dialog|macro)\s*\d*", re.I)
HEADER_NAME = re.compile(r"(Title|ColumnTitle|RowTitle)\w*")
FILE_NAME = re.compile(r"\.(png|jpe?g|gif|bmp|svg|emf|wmf|tiff?)\b", re.I)
REF = re.compile(r"(?:(?P<sheet>'[^']+'|[A-Za-z_][\w.]*)!)?(?P<col>\$?[A-Z]{1,3})(?P<row>\$?\d+)(?![\w(])")

NS = {
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "adec": "http://schemas.microsoft.com/office/drawing/2017/decorative",
}
# Excel's theme colour indexes: 0 and 1 are light 1 and dark 1 (background and text), swapped from the scheme's order.
THEME_ORDER = ["lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4", "accent5", "accent6",
               "hlink", "folHlink"]


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    sheet: str
    where: str
    message: str

    def __str__(self) -> str:
        place = f"{self.sheet}!{self.where}" if self.where else self.sheet
        return f"[{self.rule}] {place}: {self.message}"


def check_all(path: str | Path) -> list[Violation]:
    """Every rule's violations for one xlsx file."""
    return [v for check in CHECKS for v in check(path)]


def check_alt_text(path: str | Path) -> list[Violation]:
    """Charts, pictures and shapes without alt text, or with a file name for alt text."""
    out = []
    with zipfile.ZipFile(path) as z:
        drawings = _drawing_sheets(z)
        for part, sheet in drawings.items():
            root = ElementTree.fromstring(z.read(part))
            for props in root.iter(f"{{{NS['xdr']}}}cNvPr"):
                name = props.get("name", "")
                descr = (props.get("descr") or "").strip()
                decorative = any(el.get("val") in ("1", "true") for el in props.iter(f"{{{NS['adec']}}}decorative"))
                if decorative:
                    continue
                if not descr:
                    out.append(Violation("alt-text", sheet, name, "has no alt text (descr)"))
                elif FILE_NAME.search(descr):
                    out.append(Violation("alt-text", sheet, name, f"alt text is a file name: {descr!r}"))
    return out


def check_sheet_names(path: str | Path) -> list[Violation]:
    """Sheet names that are Excel's defaults, blank, too long or repeated."""
    out, seen = [], set()
    for name in _workbook(path).sheetnames:
        if not name.strip() or DEFAULT_SHEET.fullmatch(name.strip()):
            out.append(Violation("sheet-name", name, "", "the name does not say what the sheet holds"))
        if len(name) > SHEET_NAME_LIMIT:
            out.append(Violation("sheet-name", name, "", f"longer than Excel's {SHEET_NAME_LIMIT} characters"))
        if name.lower() in seen:
            out.append(Violation("sheet-name", name, "", "the same name as another sheet"))
        seen.add(name.lower())
    return out


def check_header_names(path: str | Path) -> list[Violation]:
    """Visible sheets with a grid of data but neither an Excel table nor a Title/ColumnTitle/RowTitle name."""
    wb = _workbook(path)
    named = {ws.title: [n for n in ws.defined_names if HEADER_NAME.fullmatch(n)] for ws in wb}
    for name, dn in wb.defined_names.items():  # workbook-level names that point into a sheet
        if HEADER_NAME.fullmatch(name):
            for sheet, _ref in dn.destinations:
                named.setdefault(sheet, []).append(name)
    out = []
    for ws in wb:
        if ws.sheet_state != "visible" or ws.tables or named.get(ws.title):
            continue
        if _has_grid(ws):
            out.append(Violation("header-names", ws.title, "",
                                 "a grid of data with no table and no Title/ColumnTitle/RowTitle name: screen "
                                 "readers do not announce its headers"))
    return out


def check_merged_inputs(path: str | Path) -> list[Violation]:
    """Merged ranges that cover an unlocked (input) cell."""
    out = []
    for ws in _workbook(path):
        for rng in ws.merged_cells.ranges:
            inputs = [c.coordinate for row in ws.iter_rows(min_row=rng.min_row, max_row=rng.max_row,
                                                           min_col=rng.min_col, max_col=rng.max_col)
                      for c in row if c.protection is not None and c.protection.locked is False]
            if inputs:
                out.append(Violation("merged-input", ws.title, str(rng), f"merged over input cell(s) {inputs[:3]}"))
    return out


def check_contrast(path: str | Path) -> list[Violation]:
    """Text whose contrast with its background is below 4.5:1 (3:1 for large text), conditional formats included."""
    wb = _workbook(path)
    theme = _theme_colours(wb)
    out = []
    for ws in wb:
        if ws.sheet_state != "visible":
            continue
        checked: set[tuple] = set()
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not (c.protection is not None and c.protection.locked is False):
                    continue
                fg, bg = _font_rgb(c.font, theme), _fill_rgb(c.fill, theme)
                key = (fg, bg, _large(c.font))
                if key in checked:
                    continue
                checked.add(key)
                _contrast_violation(out, ws.title, c.coordinate, fg, bg, _large(c.font))
        for cf in ws.conditional_formatting:
            first = _first_cell(ws, cf.sqref)
            fg_cell = _font_rgb(first.font, theme)
            for rule in cf.rules:
                if rule.type == "colorScale" and rule.colorScale is not None:
                    for colour in rule.colorScale.color:
                        _contrast_violation(out, ws.title, str(cf.sqref), fg_cell, _rgb(colour, theme),
                                            _large(first.font), what="colour-scale colour")
                elif rule.dxf is not None:
                    fg = _rgb(rule.dxf.font.color, theme) if rule.dxf.font and rule.dxf.font.color else fg_cell
                    bg = _dxf_fill(rule.dxf.fill, theme) or _fill_rgb(first.fill, theme)
                    _contrast_violation(out, ws.title, str(cf.sqref), fg, bg, _large(first.font),
                                        what="conditional format")
    return out


def check_input_messages(path: str | Path) -> list[Violation]:
    """Input titles over 32 characters and input messages over 255."""
    out = []
    for ws in _workbook(path):
        for dv in ws.data_validations.dataValidation:
            where = str(dv.sqref)
            if dv.promptTitle and len(dv.promptTitle) > TITLE_LIMIT:
                out.append(Violation("input-message", ws.title, where,
                                     f"input title of {len(dv.promptTitle)} characters (limit {TITLE_LIMIT})"))
            if dv.prompt and len(dv.prompt) > MESSAGE_LIMIT:
                out.append(Violation("input-message", ws.title, where,
                                     f"input message of {len(dv.prompt)} characters (limit {MESSAGE_LIMIT})"))
            if dv.errorTitle and len(dv.errorTitle) > TITLE_LIMIT:
                out.append(Violation("input-message", ws.title, where,
                                     f"error title of {len(dv.errorTitle)} characters (limit {TITLE_LIMIT})"))
    return out


def check_colour_cues(path: str | Path) -> list[Violation]:
    """Colour-coded conditional formats whose rows do not say the same thing in words.

    The cue for a row is a cell in that row, other than the coloured cells, whose formula reads the cell the rule
    reads (the coloured cell itself for a colour scale or data bar; the cells of the rule's formula otherwise) and
    can show text (it holds a string literal, or its value is text).
    """
    wb = _workbook(path)
    theme = _theme_colours(wb)
    out = []
    for ws in wb:
        if ws.sheet_state != "visible":
            continue
        for cf in ws.conditional_formatting:
            min_col, min_row, max_col, max_row = range_boundaries(str(cf.sqref).split()[0])
            for rule in cf.rules:
                if not _colours(rule, theme):
                    continue
                missing = []
                for r in range(min_row, max_row + 1):
                    cells = [ws.cell(r, c) for c in range(min_col, max_col + 1)]
                    if all(c.value in (None, "") and not (c.protection is not None and c.protection.locked is False)
                           for c in cells):
                        continue  # nothing there to colour, and nothing anyone can enter
                    if rule.type in ("colorScale", "dataBar"):
                        drivers = {(ws.title, r, c) for c in range(min_col, max_col + 1)}
                    else:
                        drivers = {_shift(ref, ws.title, r - min_row) for f in rule.formula for ref in _refs(f)}
                    if any(isinstance(ws.cell(r, c).value, str) and not ws.cell(r, c).value.startswith("=")
                           and rule.type in ("colorScale", "dataBar") for c in range(min_col, max_col + 1)):
                        continue  # the coloured cells hold words themselves
                    if not _words_cue(ws, r, drivers, range(min_col, max_col + 1)):
                        missing.append(r)
                if missing:
                    out.append(Violation("colour-cue", ws.title, str(cf.sqref),
                                         f"{rule.type} colours {len(missing)} row(s) (first {missing[0]}) with no "
                                         "words in the row that say the same"))
    return out


CHECKS = [check_alt_text, check_sheet_names, check_header_names, check_merged_inputs, check_contrast,
          check_input_messages, check_colour_cues]


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2.x contrast ratio of two sRGB colours, 1 to 21."""
    la, lb = _luminance(a), _luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast_violation(out: list, sheet: str, where: str, fg, bg, large: bool, what: str = "text") -> None:
    if fg is None or bg is None:
        return
    ratio = contrast_ratio(fg, bg)
    need = LARGE_RATIO if large else NORMAL_RATIO
    if ratio < need:
        out.append(Violation("contrast", sheet, where, f"{what} #{_hex(fg)} on #{_hex(bg)}: {ratio:.2f}:1 "
                                                      f"(needs {need}:1)"))


def _hex(rgb) -> str:
    return "".join(f"{v:02X}" for v in rgb)


def _large(font) -> bool:
    size = float(font.sz or 11) if font is not None else 11.0
    return size >= 18 or (size >= 14 and bool(font.b))


def _workbook(path):
    """The workbook, loaded once for all the checks of one file (keyed by its path, size and time)."""
    stat = Path(path).stat()
    return _load(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _load(path: str, _size: int, _mtime: int):
    return openpyxl.load_workbook(path)


def _theme_colours(wb) -> list[tuple[int, int, int]]:
    """The theme's colours in Excel's index order; Office's defaults when the file has no theme."""
    scheme = {"dk1": "000000", "lt1": "FFFFFF", "dk2": "44546A", "lt2": "E7E6E6", "accent1": "4472C4",
              "accent2": "ED7D31", "accent3": "A5A5A5", "accent4": "FFC000", "accent5": "5B9BD5",
              "accent6": "70AD47", "hlink": "0563C1", "folHlink": "954F72"}
    if wb.loaded_theme:
        root = ElementTree.fromstring(wb.loaded_theme)
        for el in root.iter():
            tag = el.tag.split("}")[-1]
            if tag in scheme and len(el):
                child = el[0]
                scheme[tag] = child.get("lastClr") or child.get("val") or scheme[tag]
    return [_hex_rgb(scheme[k]) for k in THEME_ORDER]


def _hex_rgb(text: str) -> tuple[int, int, int]:
    text = text[-6:]
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def _rgb(color, theme) -> tuple[int, int, int] | None:
    """An openpyxl Color as RGB (theme and tint applied); None for 'automatic'."""
    if color is None:
        return None
    if color.type == "rgb" and isinstance(color.rgb, str):
        base = _hex_rgb(color.rgb)
    elif color.type == "theme" and color.theme is not None and color.theme < len(theme):
        base = theme[color.theme]
    elif color.type == "indexed" and color.indexed is not None:
        if color.indexed in (64, 65):  # system foreground / background
            return None
        base = _hex_rgb(COLOR_INDEX[color.indexed]) if color.indexed < len(COLOR_INDEX) else None
    else:
        return None
    tint = float(color.tint or 0)
    if base is None or not tint:
        return base
    h, lum, s = colorsys.rgb_to_hls(*(v / 255 for v in base))
    lum = lum * (1 + tint) if tint < 0 else lum * (1 - tint) + tint
    return tuple(round(v * 255) for v in colorsys.hls_to_rgb(h, lum, s))


def _font_rgb(font, theme):
    return (_rgb(font.color, theme) if font is not None else None) or (0, 0, 0)


def _fill_rgb(fill, theme):
    if fill is not None and getattr(fill, "fill_type", None) == "solid":
        return _rgb(fill.fgColor, theme) or (255, 255, 255)
    return (255, 255, 255)


def _dxf_fill(fill, theme):
    """A conditional format's fill colour: solid fills in dxf keep it in bgColor (fgColor when Excel wrote it)."""
    if fill is None:
        return None
    for color in (fill.bgColor, fill.fgColor):
        rgb = _rgb(color, theme)
        if rgb is not None and not (color.type == "rgb" and color.rgb == "00000000"):
            return rgb
    return None


def _first_cell(ws, sqref):
    min_col, min_row, _c, _r = range_boundaries(str(sqref).split()[0])
    return ws.cell(min_row, min_col)


def _colours(rule, theme) -> bool:
    """Whether a conditional-format rule changes a colour (fill or text), so that colour carries meaning."""
    if rule.type in ("colorScale", "dataBar"):
        return True
    dxf = rule.dxf
    if dxf is None:
        return False
    return bool(_dxf_fill(dxf.fill, theme) or (dxf.font is not None and dxf.font.color is not None))


def _refs(formula: str) -> list[tuple[str | None, str, str]]:
    formula = re.sub(r'"[^"]*"', '""', formula)  # text in quotes is not a reference
    return [(m["sheet"].strip("'") if m["sheet"] else None, m["col"], m["row"]) for m in REF.finditer(formula)]


def _shift(ref, sheet: str, rows: int) -> tuple[str, int, int]:
    """A reference from a rule's formula, written for the rule's first row, moved down `rows` rows."""
    ref_sheet, col, row = ref
    r = int(row.lstrip("$"))
    if not row.startswith("$"):
        r += rows
    return ref_sheet or sheet, r, column_index_from_string(col.lstrip("$"))


def _words_cue(ws, row: int, drivers: set, coloured: range) -> bool:
    for c in ws[row]:
        if c.column in coloured and len(coloured) == 1:
            continue
        value = c.value
        if not (isinstance(value, str) and value.startswith("=")):
            continue
        if '"' not in value:
            continue  # a formula with no text in it shows a number, not words
        if any(_shift(ref, ws.title, 0) in drivers for ref in _refs(value)):
            return True
    return False


def _has_grid(ws) -> bool:
    """At least three rows with three or more filled cells: a table of data, not a page of paragraphs."""
    rows = 0
    for row in ws.iter_rows(values_only=True):
        if sum(v is not None and v != "" for v in row) >= 3:
            rows += 1
            if rows >= 3:
                return True
    return False


def _drawing_sheets(z: zipfile.ZipFile) -> dict[str, str]:
    """Each drawing part and the name of the sheet that shows it."""
    rel_ns = "{http://schemas.openxmlformats.org/package/2006/relationships}"
    main_ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    r_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    names = set(z.namelist())
    book = ElementTree.fromstring(z.read("xl/workbook.xml"))
    book_rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in book_rels.iter(f"{rel_ns}Relationship")}
    out = {}
    for sheet in book.iter(f"{main_ns}sheet"):
        target = targets.get(sheet.get(f"{r_ns}id"), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        rels = f"{part.rsplit('/', 1)[0]}/_rels/{part.rsplit('/', 1)[1]}.rels"
        if rels not in names:
            continue
        for r in ElementTree.fromstring(z.read(rels)).iter(f"{rel_ns}Relationship"):
            if r.get("Type", "").endswith("/drawing"):
                drawing = _resolve(part, r.get("Target"))
                if drawing in names:
                    out[drawing] = sheet.get("name")
    return out


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = base.split("/")[:-1]
    for piece in target.split("/"):
        if piece == "..":
            parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)
