"""A workbook taken apart for comparison, part by part (as XlsxWriter's own tests compare files).

Bytes differ between two writes of the same workbook (zip timestamps); what a user sees does not.
:func:`workbook_parts` reads, with openpyxl, what matters: every cell's value or formula and its
style, merged ranges, defined names, column widths and hidden columns, row heights, data
validations, print settings and sheet protection. Two workbooks are the same template when all
their parts are equal; a test compares part by part so that a failure names the part that drifted.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl


def _style(cell) -> tuple:
    f, a, p, b = cell.font, cell.alignment, cell.protection, cell.border
    return (
        f.name,
        f.sz,
        bool(f.b),
        bool(f.i),
        a.horizontal,
        a.vertical,
        bool(a.wrap_text),
        cell.number_format,
        cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type else None,
        tuple(getattr(b, side).style for side in ("left", "right", "top", "bottom")),
        bool(p.locked),
        bool(p.hidden),
    )


def workbook_parts(path: str | Path) -> dict[str, object]:
    """The user-visible parts of a workbook, keyed ``<sheet>:<part>`` (plus ``names``).

    Args:
        path: an .xlsx file.

    Returns:
        ``{"names": {...}, "<sheet>:cells": {...}, "<sheet>:merges": [...], ...}``.
    """
    wb = openpyxl.load_workbook(path)
    parts: dict[str, object] = {
        "names": {name: dn.attr_text for name, dn in wb.defined_names.items()},
        "sheets": [(ws.title, ws.sheet_state) for ws in wb.worksheets],
    }
    for ws in wb.worksheets:
        key = ws.title
        parts[f"{key}:cells"] = {
            cell.coordinate: (cell.value, _style(cell))
            for row in ws.iter_rows()
            for cell in row
            if cell.value is not None or cell.has_style
        }
        parts[f"{key}:merges"] = sorted(str(r) for r in ws.merged_cells.ranges)
        parts[f"{key}:columns"] = {k: (d.width, bool(d.hidden)) for k, d in sorted(ws.column_dimensions.items())}
        parts[f"{key}:rows"] = {k: d.height for k, d in sorted(ws.row_dimensions.items()) if d.height}
        parts[f"{key}:validations"] = sorted(
            (
                str(dv.sqref),
                dv.type,
                dv.operator,
                dv.formula1,
                dv.formula2,
                dv.showErrorMessage,
                dv.errorStyle,
                dv.prompt,
                dv.error,
            )
            for dv in ws.data_validations.dataValidation
        )
        ps, setup = ws.page_setup, ws.sheet_properties.pageSetUpPr
        parts[f"{key}:print"] = (
            # An absent fitToWidth / fitToHeight means 1 (the OOXML default).
            ps.paperSize,
            ps.orientation,
            1 if ps.fitToWidth is None else ps.fitToWidth,
            1 if ps.fitToHeight is None else ps.fitToHeight,
            bool(setup and setup.fitToPage),
            str(ws.print_area),
            str(ws.print_title_rows),
            ws.print_options.horizontalCentered,
            ws.oddFooter.center.text,
        )
        pr = ws.protection
        parts[f"{key}:protection"] = (bool(pr.sheet), pr.password, bool(pr.formatColumns), bool(pr.insertRows))
    return parts
