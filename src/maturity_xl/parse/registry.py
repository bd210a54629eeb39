"""The framework specs a parser checks returns against, and what it keeps per spec (layout.py's map, decoded)."""

from __future__ import annotations

import functools

from ..layout import Layout
from ..model import Framework
from .metadata import Map, decode, sections


class Registry:
    """The framework specs a parser can check returns against, by (id, version)."""

    def __init__(self, frameworks: list[Framework] | None = None):
        if frameworks is None:
            from ..spec import bundled_frameworks

            frameworks = bundled_frameworks(include_archive=True)
        self._by_key = {(fw.id, fw.version): fw for fw in frameworks}
        self._layouts: dict[tuple[str, str, str], tuple[Layout, str, Map]] = {}
        self._texts: dict[tuple[str, str, str], dict[str, str]] = {}

    def get(self, framework_id: str, version: str) -> Framework | None:
        return self._by_key.get((framework_id, version))

    def by_fingerprint(self, framework_id: str, fingerprint: str) -> Framework | None:
        """The version of a framework whose spec has this fingerprint (a version cell can be edited; the
        fingerprint of the spec a workbook was built from tells its version too)."""
        return next((fw for (fid, _v), fw in self._by_key.items() if fid == framework_id
                     and fingerprint and fw.fingerprint == fingerprint), None)

    def add(self, framework: Framework) -> None:
        self._by_key[(framework.id, framework.version)] = framework

    def layout(self, fw: Framework) -> tuple[Layout, str, Map]:
        """layout.py's plan of `fw`'s workbook, its digest, and its metadata rows below the head decoded as the
        parser decodes a return's (numbers as the reader gives them back: floats). Once per spec."""
        key = (fw.id, fw.version, fw.fingerprint)
        found = self._layouts.get(key)
        if found is None:
            lay = Layout(fw)
            rows = sections([[_as_read(v) for v in row] for row in lay.static_rows])
            found = self._layouts[key] = (lay, lay.digest, decode(rows))
        return found

    def statement_texts(self, fw: Framework) -> dict[str, str]:
        """Each statement's text as the framework words it (its title, for a descriptor framework)."""
        key = (fw.id, fw.version, fw.fingerprint)
        if key not in self._texts:
            self._texts[key] = {s.id: (s.title if fw.rating_mode == "descriptor" and s.title else s.text)
                                for s in fw.statements}
        return self._texts[key]


@functools.cache
def default_registry() -> Registry:
    """The bundled specs, archived versions too (loaded once a process)."""
    return Registry()


def _as_read(value: object) -> object:
    """A value the generator writes into the metadata sheet, as the reader gives it back (write_string keeps
    an empty string as one)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value
