"""Write a framework's assessment workbook with xlsxwriter, following the Layout.

    book.py     the workbook's formats and the helpers every sheet uses (validation limits, protection, print
                setup), and the metadata sheet
    start.py, assessment.py, actions.py, summary.py
                the four sheets a respondent sees (Start here, Assessment, Action plan, Summary), each written
                where the Layout puts it
    last_time.py
                with a last round (Layout(last_round=...)): the read-only "last time" cells, written blank for
                the mail-merge to fill per service (batch.Template)

Every formula is written with the value it has in the blank workbook, because LibreOffice, Numbers and mail
previews show the cached value until something recalculates (XlsxWriter's default cached 0 is wrong for most).
"""

from __future__ import annotations

import io
import sys
import types
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import xlsxwriter
from xlsxwriter.workbook import Workbook

from ..layout import EMPTY, UNSIGNED, Layout
from ..model import Framework
from ..version import __version__
from ..xlsxsafe import InertWorksheet
from .actions import ActionsSheet
from .assessment import AssessmentSheet
from .book import GenerationError, Service, row_height
from .last_time import LastTimeCells
from .start import StartSheet
from .summary import SummarySheet


class Writer(StartSheet, AssessmentSheet, ActionsSheet, SummarySheet, LastTimeCells):
    """Writes the sheets; `generate` calls start, assessment, actions, summary, last_time, then metadata."""


class _FittingWorksheet(InertWorksheet):
    """A worksheet whose row heights are first estimates, not fixed heights: rows are written with `ht` but
    without `customHeight`.

    XlsxWriter marks every height set with `set_row` as custom, and neither Excel nor LibreOffice ever refits a
    custom row, so a long answer typed later is cut on screen and in print. Without the attribute the row opens
    at the estimate (LibreOffice 7.4 fits no row on load, so the estimate must be there) and stays automatic:
    LibreOffice refits it when a cell in it is edited, Excel on open and on entry (docs/workbook-research.md).
    Excel Online treats any customHeight, even "0", as fixed, so the attribute is left out, not set to 0.
    """

    def _xml_start_tag_unencoded(self, tag, attributes=None):
        if tag == "row" and attributes:
            attributes = [a for a in attributes if a[0] != "customHeight"]
        super()._xml_start_tag_unencoded(tag, attributes)

    def _xml_empty_tag_unencoded(self, tag, attributes=None):
        if tag == "row" and attributes:
            attributes = [a for a in attributes if a[0] != "customHeight"]
        super()._xml_empty_tag_unencoded(tag, attributes)


class _ProtectedWorkbook(Workbook):
    """A Workbook that also locks the workbook structure (no adding, deleting or renaming sheets).

    XlsxWriter does not write <workbookProtection> (its author declined: libxlsxwriter issue 516). Excel requires
    it after <workbookPr> and before <bookViews>, which is exactly where this hook writes it.
    """

    structure_password_hash: str | None = None
    worksheet_class = _FittingWorksheet

    def _write_book_views(self) -> None:
        attributes = [("lockStructure", 1)]
        if self.structure_password_hash:
            attributes.insert(0, ("workbookPassword", self.structure_password_hash))
        self._xml_empty_tag("workbookProtection", attributes)
        super()._write_book_views()


def legacy_password_hash(password: str) -> str:
    """The 16-bit hash Excel uses for sheet and workbook protection passwords (ECMA-376-4 §18.2.29)."""
    digest = 0
    for char in password[::-1]:
        digest = ((digest >> 14) & 0x01) | ((digest << 1) & 0x7FFF)
        digest ^= ord(char)
    digest = ((digest >> 14) & 0x01) | ((digest << 1) & 0x7FFF)
    digest ^= len(password) ^ 0xCE4B
    return f"{digest:X}"


def generate(framework: Framework, out: str | Path | BinaryIO, *, service: Service | None = None,
             password: str | None = None, generated_at: datetime | None = None, signature: str = "",
             layout: Layout | None = None, round: str = "", removed: tuple[tuple[str, str], ...] = ()) -> None:
    """Write the assessment workbook for `framework` (optionally personalised for one service) to `out`.

    `layout` places the cells (by default `Layout(framework)`; tests pass one with its columns in another order;
    `Layout(framework, last_round=NAME)` adds the "last time" cells, blank, for batch.Template to fill). `round`
    is written into the metadata (the programme store files a return under it); `removed` lists on Start here the
    statements (id, text) answered last round that this version no longer has.
    """
    service = service or Service()
    generated_at = generated_at or datetime.now(UTC).replace(microsecond=0)
    layout = layout or Layout(framework)
    target = str(out) if isinstance(out, Path) else out
    wb = _ProtectedWorkbook(target, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                     "strings_to_numbers": False})
    if password:
        wb.structure_password_hash = legacy_password_hash(password)
    created = generated_at.replace(tzinfo=None)
    wb.set_properties({"title": framework.title, "subject": "Self-assessment workbook",
                       "author": "maturity-xl", "company": "", "created": created,
                       "comments": f"Generated by maturity-xl {__version__} from {framework.id} {framework.version}"})
    for name, value in (("maturity_xl_framework_id", framework.id),
                        ("maturity_xl_framework_version", framework.version),
                        ("maturity_xl_fingerprint", framework.fingerprint),
                        ("maturity_xl_service_id", service.id or EMPTY),
                        ("maturity_xl_signature", signature or UNSIGNED)):
        wb.set_custom_property(name, value)
    wb.set_calc_mode("auto")
    w = Writer(wb, layout, service, password, generated_at, round=round, removed=removed)
    w.start()
    w.assessment()
    w.actions()
    w.summary()
    w.last_time()
    w.metadata(signature)
    wb.close()


def generate_bytes(framework: Framework, **kwargs) -> bytes:
    buffer = io.BytesIO()
    generate(framework, buffer, **kwargs)
    return buffer.getvalue()


class _CallablePackage(types.ModuleType):
    """This package, callable as `generate`: `maturity_xl.generate(framework, out)` works whether or not the
    package was imported (importing it makes `maturity_xl.generate` this module, not the root's function)."""

    def __call__(self, framework: Framework, out: str | Path | BinaryIO, **kwargs) -> None:
        generate(framework, out, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage

__all__ = ["generate", "generate_bytes", "Service", "GenerationError", "legacy_password_hash", "row_height",
           "xlsxwriter"]
