"""HTML pages to PDF by headless Chromium's own print to PDF, with one browser for every page.

Starting Chromium takes seconds; printing a pack takes a tenth of one. So one browser is started, a few tabs
print side by side (each tab's renderer is its own process, so two tabs use both cores), and the browser is
closed once at the end. Pages are opened from their files with JavaScript off and nothing fetched.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import MaturityXLError

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
                  "--disable-default-apps", "--mute-audio"]


SCALES = (0.93, 0.87, 0.8, 0.72)  # print scales tried in turn when a page runs past max_pages
# The printed area of an A4 page inside the packs' @page margins (9 mm top and bottom, 10 mm each side), in CSS
# pixels (96 to the inch): the width pages are laid out at to measure them, and the height of one page.
PRINT_WIDTH_PX, PAGE_HEIGHT_PX = round(190 / 25.4 * 96), round(279 / 25.4 * 96)
_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


class PdfError(MaturityXLError):
    """The PDFs could not be made (no Chromium, no playwright, or the browser failed)."""


def chromium_path() -> str:
    """The Chromium to print with: $MATURITY_XL_CHROMIUM, or the first chromium on the PATH."""
    found = os.environ.get("MATURITY_XL_CHROMIUM") or next(
        (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)
    if not found:
        raise PdfError("no Chromium found to make the PDFs (install the 'chromium' package, set "
                       "MATURITY_XL_CHROMIUM, or use --no-pdf)")
    return found


def print_pdfs(jobs: Sequence[tuple[Path, Path]], *, tabs: int | None = None, max_pages: int | None = None,
               progress: Callable[[int], None] | None = None) -> list[Path]:
    """Print each (html file, pdf file) pair, A4 with the page's own @page margins; returns the PDFs written.

    With `max_pages`, a page that prints longer is printed again a little smaller (down to SCALES[-1]) until
    it fits."""
    if not jobs:
        return []
    try:
        from playwright.async_api import async_playwright  # noqa: F401
    except ImportError:
        raise PdfError("making PDFs needs the 'playwright' Python package (pip install playwright; it drives "
                       "the system's Chromium, so `playwright install` is not needed), or use --no-pdf") from None
    tabs = tabs or max(2, min(4, os.cpu_count() or 1))
    return asyncio.run(_print_all(list(jobs), chromium_path(), tabs, max_pages, progress))


def page_count(pdf: bytes) -> int:
    """Pages in a PDF Chromium wrote (its page objects are uncompressed: /Type /Page, not /Pages)."""
    return len(_PAGE.findall(pdf))


async def _fitted(page, max_pages: int | None) -> bytes:
    """Print the page; with max_pages, at the scale its printed height suggests, smaller again if it still runs
    over (a pack rarely needs the second print)."""
    scale = 1.0
    if max_pages:
        # Laid out at the printed width, in print media: its height says how many pages it will take. The page's
        # own scripts never run (JavaScript is off for pages); this query comes through the DevTools protocol.
        height = await page.evaluate("document.documentElement.scrollHeight")
        room = max_pages * PAGE_HEIGHT_PX * 0.95
        if height > room:
            scale = max(SCALES[-1], round(room / height, 2))
    data = await page.pdf(format="A4", print_background=True, prefer_css_page_size=True, scale=scale)
    if max_pages:
        for smaller in (s for s in SCALES if s < scale):
            if page_count(data) <= max_pages:
                break
            data = await page.pdf(format="A4", print_background=True, prefer_css_page_size=True, scale=smaller)
    return data


async def _print_all(jobs: list[tuple[Path, Path]], executable: str, tabs: int, max_pages: int | None,
                     progress: Callable[[int], None] | None) -> list[Path]:
    from playwright.async_api import async_playwright

    queue: asyncio.Queue[tuple[Path, Path]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    done: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="mxl-chromium-") as profile:
        async with async_playwright() as pw:
            try:
                browser = await pw.chromium.launch_persistent_context(
                    profile, executable_path=executable, headless=True, args=CHROMIUM_FLAGS[1:],
                    java_script_enabled=False, offline=True)
            except Exception as exc:  # the browser's own message says what is wrong
                raise PdfError(f"Chromium ({executable}) did not start: {exc}") from None
            try:
                async def worker() -> None:
                    page = await browser.new_page()
                    await page.set_viewport_size({"width": PRINT_WIDTH_PX, "height": PAGE_HEIGHT_PX})
                    await page.emulate_media(media="print")
                    while True:
                        try:
                            source, target = queue.get_nowait()
                        except asyncio.QueueEmpty:
                            break
                        # set_content, not goto: no file URL to resolve, and a third faster here
                        await page.set_content(source.read_text(encoding="utf-8"), wait_until="load")
                        data = await _fitted(page, max_pages)
                        tmp = target.with_name(f".{target.name}.tmp")
                        tmp.write_bytes(data)
                        os.replace(tmp, target)
                        done.append(target)
                        if progress:
                            progress(1)
                    await page.close()

                await asyncio.gather(*(worker() for _ in range(min(tabs, len(jobs)))))
            finally:
                await browser.close()
    return done
