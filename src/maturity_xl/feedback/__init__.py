"""Give back: a feedback pack for each service that returned, and the commissioner's view of provider plans.

- figures.py  what each pack holds, from the tidy frames (the service's own figures and the spread of all)
- render.py   one pack as a self-contained, accessible HTML page
- pdf.py      HTML to PDF by headless Chromium, one browser for every pack
- write.py    every pack's files and the manifest for a mail merge
- plans.py    the provider_plans frame (graded statements: chosen and next, with the action), its matrix,
              CSV, HTML section and Excel sheet
"""

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

__all__ = ["MIN_SERVICES", "Pack", "build_packs", "plan_matrix", "provider_plans", "render_pack",
           "render_provider_plans_html", "write_feedback", "write_feedback_for", "write_provider_plans_csv",
           "write_provider_plans_sheet"]
