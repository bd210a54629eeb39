"""The Summary sheet: each area's and the overall figures (rated, mean, lowest, highest, at target), how many
ratings are at each level, and two charts of them."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from ..layout import SUMMARY, Chart, cell, col_letter
from .book import Book, row_height


def first_counted(counts: list[str], values: tuple[int, ...]) -> str:
    """The first of `values` whose count is above 0 (nested IFs: MINIFS is not in Excel 2016)."""
    formula = str(values[-1])
    for count, value in zip(counts[-2::-1], values[-2::-1], strict=True):
        formula = f"IF({count}>0,{value},{formula})"
    return formula


class SummarySheet(Book):
    """Writes the Summary."""

    def summary(self) -> None:
        ws, f, fw, lay = self.ws[SUMMARY], self.f, self.fw, self.layout
        self._heading(ws, f"Summary: {fw.title}", "These figures update as you fill in the Assessment. They "
                      "describe your own service's profile to plan improvement; a self-assessment is not a league "
                      "table.", lay.summary_columns[-1].col, sum(c.width for c in lay.summary_columns))
        for c in lay.summary_columns:
            ws.set_column(c.col, c.col, c.width)
            ws.write_string(lay.S_HEADER_ROW, c.col, c.header, f["header"])
        ws.set_row(lay.S_HEADER_ROW, row_height(*((c.header, c.width) for c in lay.summary_columns)))
        for c, level in zip(lay.summary_level_cols, fw.scale.levels, strict=True):
            ws.write_number(lay.S_HEADER_ROW, c, level.value, f["header"])
        ws.set_column(lay.summary_level_cols[0], lay.summary_level_cols[-1], 6, None, {"hidden": True})
        rows = [(span.summary_row, span.title, span.statements, lay.area_level_range(span), False)
                for span in lay.area_spans]
        rows.append((lay.overall_summary_row, "Overall", len(fw.statements), lay.level_range, True))
        for row in rows:
            self._summary_row(ws, *row)
        ws.write_string(lay.S_HEADER_ROW, lay.summary_chart_col, "Mean for the chart", f["header"])
        ws.set_column(lay.summary_chart_col, lay.summary_chart_col, 9, None, {"hidden": True})
        self._distribution(ws)
        self._summary_charts(ws)
        ws.freeze_panes(lay.S_HEADER_ROW + 1, 0)
        self._header_name(ws, lay.S_HEADER_ROW)
        self._print(ws, lay.S_HEADER_ROW)
        self._protect(ws)

    def _summary_row(self, ws: Worksheet, r: int, title: str, count: int, levels: str, bold: bool) -> None:
        """One area's figures (or the overall ones), counted from the level column, which names a level only
        where the parser reads one."""
        f, lay, scale, col = self.f, self.layout, self.fw.scale, self.layout.summary_col
        level_cols = lay.summary_level_cols
        first, last = col_letter(level_cols[0]), col_letter(level_cols[-1])
        values = f"${first}${lay.S_HEADER_ROW + 1}:${last}${lay.S_HEADER_ROW + 1}"
        ws.write_string(r, col("area"), title, f["cell_bold"] if bold else f["cell"])
        ws.set_row(r, row_height((title, lay.summary_columns[col("area")].width)))
        ws.write_number(r, col("statements"), count, f["formula_num"])
        counts = [cell(r, c) for c in level_cols]
        for c, level in zip(level_cols, scale.levels, strict=True):
            ws.write_formula(r, c, f'=COUNTIF({levels},"{level.label}")', f["formula_num"], 0)
        row_counts = f"{first}{r + 1}:{last}{r + 1}"
        n = f"SUM({row_counts})"
        mean = f"SUMPRODUCT({values},{row_counts})/{n}"
        ws.write_formula(r, col("rated"), f"={n}", f["formula_num"], 0)
        ws.write_formula(r, col("mean"), f'=IF({n}=0,"",{mean})', f["formula_dec"], "")
        ws.write_formula(r, col("lowest"), f'=IF({n}=0,"",{first_counted(counts, scale.values)})',
                         f["formula_num"], "")
        ws.write_formula(r, col("highest"), f'=IF({n}=0,"",{first_counted(counts[::-1], scale.values[::-1])})',
                         f["formula_num"], "")
        ws.write_formula(r, col("at_target"), f'=IF({n}=0,"",SUMIF({values},">={scale.target}",{row_counts})/{n})',
                         f["formula_pct"], "")
        ws.write_formula(r, lay.summary_chart_col, f"=IF({n}=0,NA(),{mean})", f["formula_dec"], "#N/A")

    def _distribution(self, ws: Worksheet) -> None:
        """Below the table: each level and how many ratings are at it (the distribution chart's data)."""
        f, lay = self.f, self.layout
        labels, counts = lay.DISTRIBUTION_LABEL_COL, lay.DISTRIBUTION_COUNT_COL
        ws.write_string(lay.distribution_heading_row, labels, "How many are at each level", f["h2"])
        ws.write_blank(lay.distribution_heading_row, counts, None, f["h2"])
        for r, level in enumerate(self.fw.scale.levels, lay.distribution_first_row):
            ws.write_string(r, labels, f"{level.value} - {level.label}", f["cell"])
            overall = cell(lay.overall_summary_row, lay.summary_level_cols[r - lay.distribution_first_row])
            ws.write_formula(r, counts, f"={overall}", f["formula_num"], 0)

    def _summary_charts(self, ws: Worksheet) -> None:
        """The mean rating of each area, and how many statements are at each level."""
        fw, lay, scale = self.fw, self.layout, self.fw.scale
        height = max(260, 70 + 34 * len(lay.area_spans))
        # No data labels: LibreOffice draws XlsxWriter's value labels with the series and category names as well,
        # which buries the bars; the figures stand in the table beside each chart.
        area_word = fw.terms.area.lower()
        chart = self._chart(ws, "bar", lay.mean_chart, "Mean rating", "#2F5597", 330, height,
                            f"Mean rating by {area_word}", {"description": (
                                f"Bar chart: the mean rating of each {area_word} on the scale {scale.minimum} to "
                                f"{scale.maximum}; an {area_word} with nothing rated has no bar. The same figures "
                                f"are in the Mean column of the table above.")})
        # The axis starts one below the scale, so a mean at the scale's lowest level is a bar one unit long,
        # and not rated (#N/A) is no bar at all; the axis does not label that extra step.
        chart.set_x_axis({"min": scale.minimum - 1, "max": scale.maximum, "major_unit": 1, "crossing": "min",
                          "num_format": '0;"";0' if scale.minimum == 0 else '0;"";""',
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_y_axis({"reverse": True})
        chart.show_hidden_data()
        total = len(fw.statements)
        column = self._chart(ws, "column", lay.distribution_chart, "Statements", "#70AD47", 430, height,
                             "How many are at each level", {"x_offset": 40, "description": (
                                 f"Column chart: how many of the {total} {self.statement_word} are rated at each "
                                 f"level of the scale, {scale.minimum} to {scale.maximum}. The same counts are in "
                                 f"the table beside it.")})
        # Counts step by whole numbers (the default stepped by 0.5 for small counts).
        column.set_y_axis({"min": 0, "major_unit": 1 if total <= 20 else 5, "num_format": "0"})

    def _chart(self, ws: Worksheet, kind: str, where: Chart, series: str, colour: str, width: int, height: int,
               title: str, options: dict | None = None):
        chart = self.wb.add_chart({"type": kind})
        chart.add_series({"name": series, "categories": where.categories, "values": where.values,
                          "fill": {"color": colour}})
        chart.set_title({"name": title, "name_font": {"size": 11}})
        chart.set_legend({"none": True})
        chart.set_size({"width": width, "height": height})
        ws.insert_chart(where.row, where.col, chart, options or {})
        return chart
