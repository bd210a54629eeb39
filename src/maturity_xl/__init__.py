"""maturity-xl: personalised-care maturity frameworks as protected Excel workbooks, and their returns as reports.

Light imports only here: `maturity-xl --help` and `generate` must start fast, so pandas and the report
machinery are imported by the modules that need them, when they are needed.
"""

from __future__ import annotations

from .errors import MaturityXLError, SpecError, UnknownFramework
from .model import Framework
from .spec import bundled_frameworks, load_framework, load_spec
from .version import __version__


def generate(*args, **kwargs):
    """Write one assessment workbook; see `maturity_xl.generate.generate`."""
    from .generate import generate as _generate

    return _generate(*args, **kwargs)


def __getattr__(name: str):
    """`maturity_xl.parse`, imported when first asked for (it is a package that can be called as a function:
    `maturity_xl.parse(path)`)."""
    if name == "parse":
        import importlib

        return importlib.import_module(f"{__name__}.parse")
    raise AttributeError(f"module 'maturity_xl' has no attribute {name!r}")


__all__ = ["__version__", "Framework", "MaturityXLError", "SpecError", "UnknownFramework", "bundled_frameworks",
           "generate", "load_framework", "load_spec", "parse"]
