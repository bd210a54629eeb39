"""Give back: a feedback pack for each service that returned, and the commissioner's view of provider plans.

- figures.py  what each pack holds, from the tidy frames (the service's own figures and the spread of all)
- render.py   one pack as a self-contained, accessible HTML page
- pdf.py      HTML to PDF by headless Chromium, one browser for every pack
- write.py    every pack's files and the manifest for a mail merge
- plans.py    the provider_plans frame (graded statements: chosen and next, with the action), its matrix,
              CSV, HTML section and Excel sheet
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for readers and type checkers; at run time each name comes from __getattr__ below
    from .figures import MIN_SERVICES, Pack, build_packs
    from .plans import (
        plan_matrix,
        provider_plans,
        render_provider_plans_html,
        write_provider_plans_csv,
        write_provider_plans_sheet,
    )
    from .render import render_pack
    from .write import write_feedback, write_feedback_for

# Each name is imported from its module when first asked for (PEP 562), so a module that needs one part (the
# reports need plans.py) does not load the rest: write.py brings the mail-merge and the workbook generator with
# it, 0.1-0.2 s of every `collect` that writes no pack.
_HOMES = {"MIN_SERVICES": "figures", "Pack": "figures", "build_packs": "figures", "plan_matrix": "plans",
          "provider_plans": "plans", "render_provider_plans_html": "plans", "write_provider_plans_csv": "plans",
          "write_provider_plans_sheet": "plans", "render_pack": "render", "write_feedback": "write",
          "write_feedback_for": "write"}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


__all__ = ["MIN_SERVICES", "Pack", "build_packs", "plan_matrix", "provider_plans", "render_pack",
           "render_provider_plans_html", "write_feedback", "write_feedback_for", "write_provider_plans_csv",
           "write_provider_plans_sheet"]
