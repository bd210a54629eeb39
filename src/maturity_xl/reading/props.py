"""The document's custom properties (docProps/custom.xml): name -> text.

expat reads any shape; the part generate.py writes (XlsxWriter's, one line) is read with one compiled pattern,
about five times as quick, when the whole part matches it exactly: that declaration, that root with those two
namespaces, and properties whose names, values and text hold no character expat would treat specially (no
entity, carriage return or control character, no "]]>", U+FFFE or U+FFFF), so both give the same answer. Anything else,
or anything odd, goes to expat.
"""

from __future__ import annotations

import re

from .xmlsafe import run_expat

_PROPERTY = (rb'<property fmtid="[-{}0-9A-Fa-f]*+" pid="[0-9]++" name="([^"<&\x00-\x1f]*+)">'
             rb"<vt:([a-z0-9]++)>([^<&\x00-\x08\x0b-\x1f]*+)</vt:\2></property>")
_WRITTEN = re.compile(rb'<\?xml version="1.0" encoding="UTF-8" standalone="yes"\?>\r?\n'
                      rb'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
                      rb'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
                      rb"(?:" + _PROPERTY + rb")*+</Properties>[ \t\r\n]*+")
_EACH = re.compile(_PROPERTY)


def read_custom_properties(data: bytes, part: str = "") -> dict[str, str]:
    """Each named property's text, from the part's checked UTF-8 bytes (xmlsafe.xml_part)."""
    if _WRITTEN.fullmatch(data) and data.find(b"]]>") < 0 and \
            data.find(b"\xef\xbf\xbe") < 0 and data.find(b"\xef\xbf\xbf") < 0:
        return {name.decode(): text.decode() for name, _kind, text in _EACH.findall(data) if name}
    return _by_expat(data, part)


def _by_expat(data: bytes, part: str) -> dict[str, str]:
    props: dict[str, str] = {}
    state = {"name": None, "text": []}

    def start(tag, attrs):
        if tag.endswith("property"):
            state["name"] = attrs.get("name")
            state["text"] = []

    def end(tag):
        if tag.endswith("property") and state["name"]:
            props[state["name"]] = "".join(state["text"])
            state["name"] = None

    def chars(text):
        if state["name"]:
            state["text"].append(text)

    run_expat(data, start, end, chars, part)
    return props
