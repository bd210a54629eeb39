"""The one rounding rule for every figure a person reads (the reports, `parse`'s summary): Excel's.

Kept apart from the reports' modules so that `maturity-xl parse` can use it without importing pandas.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def rounded(value: float, places: int = 1) -> str:
    """A number as Excel shows it with the format "0.0" (or "0.00" for places=2): half away from zero on the
    decimal it displays.

    Python's round() and f"{x:.1f}" round half to even on the binary float (3.25 -> "3.2", 3.125 -> "3.12"),
    Excel rounds the decimal it shows, to 15 significant digits, half up (3.25 -> "3.3", 3.125 -> "3.13"). Every
    output rounds by this one rule, so the page, the workbook and the console never disagree about a figure.
    """
    exact = Decimal(f"{float(value):.15g}")
    return str(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
