"""Every problem maturity-xl reports, in one table: code -> severity, message, advice to the sender, note for the team.

Three domains share the table, each with its own codes:

- ``return``: what is wrong with a returned file, found while sniffing, reading, parsing or collecting it
  (`response.Problem`, the reader's `ReadError`, the collector's log);
- ``spec``: what is wrong with a framework spec (`errors.SpecProblem`);
- ``generation``: why a workbook could not be written (`errors.GenerationError`).

A code means one thing. Its **severities** are the ones it may be reported with, the usual one first (a missing
Assessment sheet rejects a return, a missing Actions sheet does not: both are `missing-sheet`). The **message**
is the template of what a service or spec author reads (`{fields}` are filled in where the problem is built;
some call sites word it more precisely for the case at hand). The **advice** says what the sender (or the spec's
author) should do; it reaches the file log, its CSV, `maturity-xl parse` and `parse --json`. The **note** is for
the programme team, and appears in docs/problems.md.

Building a problem checks its code here: `Problem`, `SpecProblem` and `GenerationError` raise `UnknownCode` for a
code that is not in the table, and a `Problem` whose severity the entry does not allow raises too. A problem built
without advice takes the entry's.

To add a code, add one entry to the tuple of the stage that reports it (`_return(code, severities, message,
advice, note)` for a return, `_spec(...)` for a spec, or an `Entry`), build the problem with that code where it
is found, give a test that produces it (tests/test_catalogue.py fails for a catalogued code no test produces, and
for a code built anywhere that is not catalogued), and run `python scripts/problem_docs.py` to regenerate
docs/problems.md and the table of codes in docs/hostile-returns.md (a test fails while they are out of date).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NoReturn

Severity = Literal["warning", "error", "fatal"]
Domain = Literal["return", "spec", "generation"]
DOMAINS: tuple[Domain, ...] = ("return", "spec", "generation")
SEVERITIES: tuple[Severity, ...] = ("fatal", "error", "warning")


class UnknownCode(ValueError):
    """A problem was built with a code the catalogue does not have, or a severity its entry does not allow.
    A programming error, not a user's: add the code to its stage's tuple in catalogue.py."""


@dataclass(frozen=True, slots=True)
class Entry:
    code: str
    domain: Domain
    severities: tuple[Severity, ...]
    message: str  # the template a reader of the problem sees; {field} is filled in where it is built
    advice: str = ""  # what the sender (for a spec: its author) should do
    note: str = ""  # for the programme team

    @property
    def severity(self) -> Severity:
        """The usual severity."""
        return self.severities[0]

    def format(self, **fields: object) -> str:
        """The message with its fields filled in."""
        return self.message.format(**fields) if fields else self.message


# Advice to a sender, each said once. Several codes share one; the wording is what the file log and `parse` show.
SAVE_AS_XLSX = ("Open the completed workbook in Excel (or LibreOffice), save it with File > Save As > 'Excel "
                "Workbook (.xlsx)', and send that file.")
SEND_THE_WORKBOOK = "Send the completed assessment workbook (.xlsx) you were sent."
DAMAGED = "The file is damaged: send the completed workbook again (save it from Excel as .xlsx first)."
CHECK_AND_RESEND = "Check that this is the completed assessment workbook and send it again."
AS_SENT = "Return the workbook with all its sheets as they were sent."
REMOVE_PASSWORD = ("Remove the password to open (File > Info > Protect Workbook > Encrypt with Password, clear it), "
                   "save, and send it again.")

# Notes for the programme team, each said once.
CRAFTED = ("Spreadsheet applications never save a file like this: it was built or altered by a program. Ask the "
           "sender how it was made before trusting their other files.")
FORMAT = "A wrong format, not bad intent; the advice tells the sender exactly how to save it."
EDITED = "The return was read; look at the cell named before trusting the figures that depend on it."
SIGNATURE = ("Only with `collect --key`. If most signed returns fail, the key is probably not the one the "
             "workbooks were generated with.")
COLLECTOR = "Found by the collector while reading the file, before any parsing: the file itself was never changed."
SPEC = "Fix the spec and run `maturity-xl check-spec FILE` again; every problem is listed at once."

_F: tuple[Severity, ...] = ("fatal",)
_E: tuple[Severity, ...] = ("error",)
_W: tuple[Severity, ...] = ("warning",)


def _return(code: str, severities: tuple[Severity, ...], message: str, advice: str = "", note: str = "") -> Entry:
    return Entry(code, "return", severities, message, advice, note)


def _spec(code: str, message: str, advice: str, note: str = SPEC) -> Entry:
    return Entry(code, "spec", _E, message, advice, note)


SNIFFED = (
    _return("empty", _F, "the file is empty (0 bytes)", "Send the file again; it may not have saved.",
            "Often a failed upload or an attachment that did not save."),
    _return("incomplete", _F, "the file is incomplete: it looks like a copy or download that had not finished",
            "Wait until the file has finished copying or downloading, then try again; if it happens again, ask for "
            "the file to be resent.", "Collect again once the copy has finished; the sender may not need to act."),
    _return("archive", _F, "this is a {name} archive, not a workbook",
            "Send the completed workbook itself (.xlsx), or a .zip of workbooks.",
            "Only .zip archives of returns are opened; gzip, 7-Zip and RAR are not."),
    _return("zip", _F, "this is a zip archive, not a workbook", SEND_THE_WORKBOOK,
            "A .zip of returns is opened when its name ends in .zip; this one was named as a workbook."),
    _return("csv", _F, "this is a CSV or text file; the workbook's structure and hidden details are lost when a "
                       "workbook is saved as CSV or text", SEND_THE_WORKBOOK, FORMAT),
    _return("text", _F, "this is a {what} file; the workbook's structure and hidden details are lost when a "
                        "workbook is saved as text", SEND_THE_WORKBOOK, FORMAT),
    _return("pdf", _F, "this is a PDF, not a workbook; the answers cannot be read from it", SEND_THE_WORKBOOK,
            "A printed copy: the answers in it would have to be typed in again."),
    _return("rtf", _F, "this is a rich-text document, not a workbook", SEND_THE_WORKBOOK),
    _return("html", _F, "this is a web page saved with a spreadsheet name, not a workbook", SAVE_AS_XLSX, FORMAT),
    _return("xml-2003", _F, "this is an old 'XML Spreadsheet 2003' file, which loses the workbook's layout",
            SAVE_AS_XLSX, FORMAT),
    _return("xls", _F, "the workbook was saved in the old Excel 97-2003 (.xls) format", SAVE_AS_XLSX, FORMAT),
    _return("xlsb", _F, "the workbook was saved as an Excel Binary Workbook (.xlsb)", SAVE_AS_XLSX, FORMAT),
    _return("ods", _F, "the workbook was saved in OpenDocument (.ods) format", SAVE_AS_XLSX, FORMAT),
    _return("odf", _F, "this is an OpenDocument file, not an Excel workbook", SEND_THE_WORKBOOK),
    _return("numbers", _F, "this is an Apple Numbers file",
            "In Numbers use File > Export To > Excel, and send the .xlsx.", FORMAT),
    _return("doc", _F, "this is a Word document, not a workbook", SEND_THE_WORKBOOK,
            "Often a covering letter sent instead of, or beside, the workbook."),
    _return("docx", _F, "this is a Word document, not a workbook", SEND_THE_WORKBOOK,
            "Often a covering letter sent instead of, or beside, the workbook."),
    _return("ppt", _F, "this is a PowerPoint presentation, not a workbook", SEND_THE_WORKBOOK),
    _return("pptx", _F, "this is a PowerPoint presentation, not a workbook", SEND_THE_WORKBOOK),
    _return("ole", _F, "this is an old Office file, not an Excel workbook", SEND_THE_WORKBOOK),
    _return("xlam", _F, "this is an Excel add-in, not the assessment workbook", SEND_THE_WORKBOOK),
    _return("unknown-ooxml", _F, "this is an Office file, but not an Excel workbook", SEND_THE_WORKBOOK),
    _return("unknown", _F, "this file is not an Excel workbook", SEND_THE_WORKBOOK),
    _return("encrypted", _F, "the workbook is protected with a password to open, so it cannot be read",
            REMOVE_PASSWORD, "If the programme agreed a password with its services, collect with --open-password."),
    _return("wrong-password", _F, "the workbook is encrypted and the agreed password does not open it",
            "Remove the password to open, save, and send it again.",
            "The password given with --open-password does not open this file."),
)

READ = (
    _return("damaged", _F, "the file is damaged and cannot be opened as a workbook", DAMAGED,
            "A part of the file cannot be read (a failed copy, a bad disk or an edit by a program)."),
    _return("not-a-zip", _F, "the file is not a complete Excel workbook", DAMAGED,
            "Raised by reader.open_zip; sniffing reports such a file as `damaged` or `incomplete`."),
    _return("damaged-zip", _F, "the file is damaged: its list of contents cannot be read", DAMAGED,
            "Raised by reader.open_zip; sniffing reports such a file as `damaged`."),
    _return("size-mismatch", _F, "a part of the file ({part}) is not the size the file's own index gives: it was "
                                 "damaged or altered", DAMAGED, CRAFTED),
    _return("bad-xml", _F, "a part of the file ({part}) is damaged: it is not well-formed XML", DAMAGED),
    _return("not-a-workbook", _F, "the file has no workbook part ({part})", SEND_THE_WORKBOOK,
            "An Office package without a workbook in it."),
    _return("encrypted-parts", _F, "the parts inside the file are locked with a zip password",
            "The file's contents are locked with a zip password: send the workbook itself, without a password.",
            "A zip tool's password, not Excel's: Excel never writes one."),
    _return("zip-bomb", _F, "a part of the file ({part}) would inflate to {mb} MB, which no real workbook does",
            SAVE_AS_XLSX, CRAFTED),
    _return("overlapping-parts", _F, "parts of the file overlap ({first}, {second}): it has been tampered with or "
                                     "damaged", SAVE_AS_XLSX, CRAFTED),
    _return("duplicate-parts", _F, "the file holds two parts named {part}: it was altered by a program (a reader "
                                   "could see either one)", SAVE_AS_XLSX, CRAFTED),
    _return("too-many-parts", _F, "the file holds {count} parts; a workbook has a few dozen", SAVE_AS_XLSX, CRAFTED),
    _return("too-many-sheets", _F, "the file has more than {limit} sheets; an assessment workbook has five",
            SAVE_AS_XLSX, CRAFTED),
    _return("duplicate-sheets", _F, "the file has two sheets named '{sheet}', which Excel does not allow: it was "
                                    "altered by a program", SAVE_AS_XLSX, CRAFTED),
    _return("too-many-cells", _F, "a sheet holds more than {limit} cells; an assessment has a few thousand",
            SAVE_AS_XLSX, CRAFTED),
    _return("xml-dtd", _F, "the file contains an XML document type declaration, which workbooks never need (it is "
                           "how entity bombs and external-entity attacks work)", SAVE_AS_XLSX, CRAFTED),
    _return("unsupported-compression", _F, "a part of the file ({part}) is compressed in a way Excel never uses",
            SAVE_AS_XLSX, CRAFTED),
)

PUT_COLUMN_BACK = ("Put the column back as it was in the workbook you were sent (or copy your answers into that "
                   "workbook) and send it again.")

PARSED = (
    _return("column-moved", _W, "the '{header}' column was expected in column {expected} but is in column {found}; "
                                "read from there", "",
            "A column was moved or one inserted before it (the sheet was unprotected): every answer was read by "
            "its header."),
    _return("header-edited", _W, "the header of column {column} (expected '{header}') was changed; read as that "
                                 "column", "", "No other column moved, so the column is where it was."),
    _return("column-missing", _F, "the '{header}' column is not on the sheet (no column has this header: it was "
                                  "deleted, or moved and its header changed), so its answers cannot be read",
            PUT_COLUMN_BACK, "Never read by position once its header is gone: its answers could be another's."),
    _return("column-ambiguous", _F, "the '{header}' column appears more than once (columns {columns}), so its "
                                    "answers cannot be told apart", PUT_COLUMN_BACK, EDITED),
    _return("strict-xml", _F, "the workbook was saved as 'Strict Open XML Spreadsheet'; save it as 'Excel "
                              "Workbook (.xlsx)' and send it again", SAVE_AS_XLSX, FORMAT),
    _return("no-metadata", _F, "this is not a maturity-xl assessment workbook, or its hidden metadata sheet was "
                               "removed; please complete the workbook you were sent and return that file",
            "Complete the workbook you were sent (not a copy of its sheets) and return that file.",
            "Often another organisation's form, or the sheets copied into a new workbook."),
    _return("metadata-format", _F, "the metadata sheet is not in a format this version of maturity-xl reads "
                                   "({format})", CHECK_AND_RESEND,
            "A workbook from a newer maturity-xl, or an edited metadata sheet."),
    _return("metadata-damaged", ("fatal", "error"), "the metadata sheet {what}", CHECK_AND_RESEND,
            "The hidden metadata sheet was edited: fatal when the scale or the statements cannot be read, an error "
            "when a single entry of its map is not a cell."),
    _return("missing-sheet", ("fatal", "error"), "the '{sheet}' sheet is missing or was renamed", AS_SENT,
            "Fatal for the Assessment sheet; an error for the Actions sheet (the ratings are still read)."),
    _return("sheet-renamed", _W, "the '{sheet}' sheet was renamed to '{name}'", "", "The sheet was found by its "
                                                                                    "content and read."),
    _return("version-edited", _W, "the workbook says version {version}, but its spec fingerprint is that of "
                                  "version {built}, which it was built from: read as version {built}", "",
            "The version cell was edited; the spec fingerprint tells the version the workbook was built from."),
    _return("unknown-framework", _W, "framework '{framework}' version {version} is not among the known specs; read "
                                     "with the workbook's own map", "",
            "Add the spec to the registry (or collect with it) to check the return against it."),
    _return("fingerprint-mismatch", _W, "the workbook's spec fingerprint ({found}) differs from the spec "
                                        "{framework} {version} ({expected}): its metadata was edited or the spec "
                                        "changed", "",
            "The spec changed after the workbook was generated, or its metadata was edited."),
    _return("service-mismatch", _W, "this workbook was sent to '{sent}' but the respondent's details name "
                                    "'{typed}': it may have been forwarded to another service",
            "If you are not the service named, ask the programme team for your own workbook.",
            "Check with both services which one the answers are for."),
    _return("statement-missing", _E, "statement {id} is not on the sheet: its row was deleted or its id changed; "
                                     "it counts as unrated", AS_SENT,
            "The statement counts as unrated."),
    _return("row-moved", _W, "statement {id} was expected on row {expected} but is on row {found}; read from there",
            "", "Rows were inserted, deleted or sorted; every statement was found by its id."),
    _return("statement-edited", _W, "the text of statement {id} differs from the framework's",
            "Leave the statements' text as it was sent; put comments in the rationale.", EDITED),
    _return("unknown-statement", _W, "row {row} has an id ({id}) that is not in the framework; it was ignored", "",
            "A row added to the Assessment sheet; its answers were not read."),
    _return("rating-text", _W, "'{raw}' was typed or pasted as text; read as {value}", "",
            "Read as the number it shows."),
    _return("rating-invalid", _E, "'{raw}' is not on the scale; choose {allowed} from the list",
            "Choose each rating from the drop-down list (do not paste over the rating cells).",
            "The statement counts as unrated."),
    _return("target-text", _W, "the target '{raw}' was typed or pasted as text; read as {value}", "",
            "Read as the level it shows."),
    _return("target-invalid", _W, "the target '{raw}' is not on the scale; the next level up is used",
            "Choose each target from the drop-down list, or leave it blank for the next level up.",
            "The statement's target is the next level above its rating, as if the target were blank."),
    _return("target-below-rating", _W, "the target {target} is below the rating {rating}; the next level up is "
                                       "used",
            "Choose a target at or above the rating, or leave it blank for the next level up.",
            "The statement's target is the next level above its rating, as if the target were blank."),
    _return("choice-invalid", _W, "'{text}' is not one of the choices ({choices}); kept as written",
            "Choose from the drop-down list.", "Kept as written in the action plan."),
    _return("text-truncated", _W, "the text is longer than Excel allows in a cell and was cut to {limit} characters",
            "", CRAFTED),
    _return("date-text", _W, "'{raw}' was typed as text; read as {date}", "", "Read as the date it shows."),
    _return("date-invalid", _E, "'{raw}' is not a date; enter a date such as 31/03/2027",
            "Enter dates such as 31/03/2027.", "The date is left blank."),
)

SIGNED = (
    _return("unsigned", _E, "the workbook carries no signature: it was not generated with the programme's key, or "
                            "its identity was removed", SEND_THE_WORKBOOK, SIGNATURE),
    _return("signature-mismatch", _E, "the signature in the metadata sheet and the one in the document's "
                                      "properties differ: the workbook's identity was edited",
            SEND_THE_WORKBOOK, SIGNATURE),
    _return("signature-invalid", _E, "the signature does not match service '{service}', framework {framework} "
                                     "{version}: the identity was altered or copied from another workbook",
            SEND_THE_WORKBOOK, SIGNATURE),
)

SETTLED = (
    _return("implausible-date", ("warning",), "the completion date {date} cannot be right: {why}; this return does "
                                              "not win over another from the same service because of it",
            "Correct the date completed on Start here and send the workbook again.",
            "A return with such a date never supersedes one with a plausible date (settle.py)."),
)

COLLECTED = (
    _return("file-missing", _F, "the file does not exist", "Check the path.",
            "Given to collect but not there (moved or deleted while the collection ran?)."),
    _return("too-large", _F, "the file is {mb} MB; a completed workbook is well under 1 MB",
            "Send only the completed assessment workbook.", COLLECTOR),
    _return("unreadable", _F, "the file cannot be opened ({reason})", CHECK_AND_RESEND,
            "The operating system refused to read it: check its permissions and that the disk is readable."),
    _return("out-of-memory", _F, "the file could not be read: it needed more memory than any real workbook does",
            CHECK_AND_RESEND, CRAFTED),
    _return("too-slow", _F, "the file could not be read: it took more than {seconds} seconds to read, which no real "
                            "workbook does", CHECK_AND_RESEND, CRAFTED),
    _return("reader-crashed", _F, "the file could not be read: reading it stopped the reader (it needed too much "
                                  "memory or is malformed)", CHECK_AND_RESEND, CRAFTED),
    _return("reader-failed", _F, "the file could not be read: an unexpected problem ({error})", CHECK_AND_RESEND,
            "A fault in maturity-xl: please report it with the file. The other files were read."),
)

SPEC_ENTRIES = (
    _spec("no-file", "the file does not exist", "Check the spec's path."),
    _spec("unreadable", "the file cannot be read as UTF-8 text ({reason})", "Save the spec as UTF-8 text."),
    _spec("yaml-syntax", "this is not valid YAML: {problem}", "Fix the YAML at the line named (indentation, quotes, "
                                                             "a missing colon)."),
    _spec("not-a-mapping", "the file must be a YAML mapping of fields (id, title, version, scale, areas, ...)",
          "Start from a bundled spec (framework_specs/) and change it."),
    _spec("missing-field", "the field '{field}' is required but missing", "Add the field."),
    _spec("wrong-type", "expected {expected}, found {found}", "Give the field a value of the kind named."),
    _spec("empty-field", "the field '{field}' is empty", "Fill in the field, or remove it if it is optional."),
    _spec("unknown-field", "'{field}' is not a field here (allowed: {allowed})",
          "Remove the field or correct its spelling (docs/spec-format.md lists every field)."),
    _spec("unexpected-field", "{field} are only for {where}", "Remove the field."),
    _spec("bad-id", "'{id}' may use only letters, digits, '.', '_' and '-'", "Change the id."),
    _spec("duplicate-id", "'{id}' is already used by {path}", "Give each id once."),
    _spec("too-long", "is {length} characters; Excel shows at most {limit}", "Shorten the text."),
    _spec("bad-choice", "'{value}' is not a {what} (use one of: {choices})", "Use one of the values listed."),
    _spec("scale-range", "a level's value must be a whole number from -{limit} to {limit} (found {value})",
          "Use small whole numbers for the levels."),
    _spec("bad-label", "a level's label must not contain a comma",
          "Remove the comma (Excel's drop-down lists split on commas)."),
    _spec("too-few-levels", "a scale needs at least two levels", "Add levels to the scale."),
    _spec("scale-order", "levels must be in ascending order with unique values ({value} follows {previous})",
          "List the levels from lowest to highest, each value once."),
    _spec("duplicate-label", "the label '{label}' is already used by {path}", "Give each level its own label."),
    _spec("not-on-scale", "{value} is not a level of the scale ({values})", "Use a value of the scale."),
    _spec("groups-and-statements", "an area holds either statements or groups, not both",
          "Move the area's statements into a group, or drop its groups."),
    _spec("missing-descriptor", "no descriptor for level(s) {levels}", "Give every level of the scale a descriptor."),
    _spec("duplicate-key", "'{name}' is given twice in this mapping (lines {first} and {second}); keep one",
          "Remove one of the two; YAML would silently take the last."),
    _spec("alias-expansion", "aliases expand the document past {limit} values; a spec needs no such thing",
          "Remove the YAML aliases and give the values in full."),
    _spec("too-deep", "the document is nested too deeply to be a spec",
          "Start from a bundled spec (framework_specs/) and change it."),
    _spec("duplicate-role", "'{role}' is already the role of {path}; a role has one column",
          "Give each role (action, lead, due, review, status, priority) to one action column at most."),
    _spec("role-kind", "a {role} column must be of kind {kinds}, not {kind}",
          "Change the column's kind to one its role can play, or give it another role (docs/spec-format.md)."),
    _spec("target-needs-levels", "a target per statement needs rating.mode: level (this framework's mode is {mode})",
          "Remove rating.target_per_statement: a descriptor framework's target is the next statement's text."),
)

GENERATED = (
    Entry("validation-refused", "generation", _E, "sheet '{sheet}', {cell}: Excel would refuse this data validation "
                                                  "({what})", "",
          "A spec whose text passes a limit of Excel's that check-spec does not know: report it with the spec."),
)

# Each stage's codes, in the order docs/problems.md lists them.
STAGES: dict[str, tuple[Entry, ...]] = {
    "What the bytes are (sniff.py)": SNIFFED,
    "The zip and its parts (reading/)": READ,
    "The workbook's content (parse/)": PARSED,
    "Signatures (collect --key)": SIGNED,
    "Which return counts (settle.py)": SETTLED,
    "The collector (collect/)": COLLECTED,
    "Framework specs (spec/)": SPEC_ENTRIES,
    "Generating a workbook (generate/)": GENERATED,
}
ENTRIES: tuple[Entry, ...] = tuple(e for stage in STAGES.values() for e in stage)

CATALOGUE: dict[Domain, dict[str, Entry]] = {domain: {e.code: e for e in ENTRIES if e.domain == domain}
                                             for domain in DOMAINS}
RETURN = CATALOGUE["return"]


def entry(code: str, domain: Domain = "return") -> Entry:
    """The catalogue's entry for `code`; UnknownCode if it has none."""
    found = CATALOGUE[domain].get(code)
    if found is None:
        raise UnknownCode(f"'{code}' is not a {domain} problem code in maturity_xl.catalogue (add it to the tuple "
                          f"of the stage that reports it)")
    return found


def advice(code: str, domain: Domain = "return") -> str:
    """What the sender should do about `code`."""
    return entry(code, domain).advice


def message(code: str, domain: Domain = "return", **fields: object) -> str:
    """The catalogue's message for `code` with its fields filled in."""
    return entry(code, domain).format(**fields)


def refuse(severity: str, code: str) -> NoReturn:
    """Raise UnknownCode for a return problem whose code is not catalogued or whose severity its entry does not
    allow (Problem's check, which looks the code up itself)."""
    found = entry(code)
    raise UnknownCode(f"'{code}' is reported as {severity!r}, but the catalogue allows "
                      f"{', '.join(found.severities)} (add the severity to its Entry if that is meant)")


__all__ = ["Entry", "ENTRIES", "CATALOGUE", "UnknownCode", "entry", "advice", "message", "refuse"]
