"""Reading perfxl's own workbooks by their defined names, not by their labels.

A template written by :mod:`perfxl.write` names every field (``perfxl_project``,
``perfxl_budget_total``, ``perfxl_ind_target`` …). Names follow the cells when a user inserts rows
or moves things, so reading by name is exact where reading by label has to guess. The cached
results of perfxl's own formulas (复核执行进度, 复核得分, 总分, 等级) are read too, so that the
checker can tell when one no longer agrees with the engine.

Any other workbook, or one whose names were lost, is read by labels (:mod:`perfxl.reader`).
"""

from __future__ import annotations

import re

from ..load import Grid, is_excel_error, render
from ..model import AMOUNT_BLOCKS, AMOUNT_PARTS, EXECUTION, EXECUTION_L2, Amounts, Form, Indicator, Source
from ..names import INDICATOR_FIELDS, RESULT_NAMES, name_of
from .builder import FormBuilder
from .cells import Cell
from .layouts import YEAR_RE
from .table import level1_heading

_TEXT_FIELDS = (
    "unit",
    "implementing_unit",
    "project",
    "money_unit",
    "stated_progress",
    "goal",
    "achievement",
    "stated_completion",
    "problems",
    "filled_by",
    "phone",
)
_REQUIRED = (name_of("project"), name_of("ind_name"))


def has_form_names(grid: Grid) -> bool:
    """True when a sheet carries perfxl's defined names (a perfxl template, filled or not)."""
    return all(name in grid.names for name in _REQUIRED)


class _Named:
    """Cells of a grid by defined name."""

    def __init__(self, grid: Grid):
        self.grid = grid
        self.builder = FormBuilder(grid)
        self.never_calculated = False

    def calculated(self) -> bool:
        """Whether a program calculated the sheet. perfxl writes an empty result with no cached value,
        as a program that calculates nothing does; but perfxl's 分值 used (``perfxl_result_weight``)
        holds a number on every calculated row that has a 三级指标."""
        used, names = self.grid.names.get(RESULT_NAMES["indicators.weight"]), self.grid.names.get(name_of("ind_name"))
        if used is None or names is None:
            return True
        return not any(
            (r, used[1]) in self.grid.no_value
            for r in range(names[0], names[2] + 1)
            if self.cell(r, names[1]) is not None
        )

    def cell(self, row: int, col: int) -> Cell | None:
        rows = self.grid.rows
        if row >= len(rows) or col >= len(rows[row]):
            return None
        value = rows[row][col]
        if value is None or value == "":
            return None
        percent = (row, col) in self.grid.percent
        return Cell(row, col, value, render(value, percent), percent)

    def first(self, name: str, path: str = "") -> Cell | None:
        """The (first) cell a name points at, if it holds a value; a formula there never calculated
        is noted, and ``path`` located at it."""
        where = self.grid.names.get(name)
        if where is None:
            return None
        cell = self.cell(where[0], where[1])
        if cell is None and path and self.never_calculated:
            self.builder.uncalculated(where[0], where[1], path)
        return cell

    def column(self, name: str) -> list[Cell | None]:
        """The cells of a one-column name, top to bottom."""
        where = self.grid.names.get(name)
        if where is None:
            return []
        r1, c1, r2, _ = where
        return [self.cell(r, c1) for r in range(r1, r2 + 1)]

    def uncalculated(self, name: str, i: int, path: str) -> None:
        """Note the ``i``-th cell of a one-column name when it holds a formula never calculated."""
        where = self.grid.names.get(name)
        if where is not None and self.never_calculated:
            self.builder.uncalculated(where[0] + i, where[1], path)

    def text(self, path: str, name: str | None = None) -> str | None:
        cell = self.first(name or name_of(path), path)
        if cell is None or not cell.text:
            return None
        self.builder.locations[path] = self.grid.ref(cell.row, cell.col)
        return cell.text

    def number(self, path: str, what: str, cell: Cell | None = None) -> float | None:
        cell = self.first(name_of(path), path) if cell is None else cell
        if cell is None:
            return None
        value = self.builder.number(cell, what)
        if value is not None:
            self.builder.locations[path] = self.grid.ref(cell.row, cell.col)
        return value

    def result(self, cell: Cell | None) -> float | str | None:
        """A cached formula result as it stands in the cell (number, text such as 优, or an error)."""
        if cell is None:
            return None
        if isinstance(cell.value, bool):
            return cell.text
        if isinstance(cell.value, (int, float)):
            return float(cell.value)
        return cell.text if (is_excel_error(cell.value) or isinstance(cell.value, str)) else None


def parse_named(grid: Grid) -> Form:
    """The form on a perfxl workbook's sheet, read by defined names.

    Args:
        grid: a sheet for which :func:`has_form_names` is true.

    Returns:
        The form, with ``source.method == "names"`` and the cached results of perfxl's own cells in
        ``source.results``.
    """
    n = _Named(grid)
    n.never_calculated = not n.calculated()
    b = n.builder
    data = {path: n.text(path) for path in _TEXT_FIELDS}
    year_text = n.text("year") or ""
    m = YEAR_RE.search(year_text)
    amounts = {}
    for block, label in AMOUNT_BLOCKS.items():
        parts = {}
        for part, which in AMOUNT_PARTS.items():
            parts[part] = n.number(f"{block}.{part}", label + which)
        amounts[block] = Amounts(**parts)

    columns = {fieldname: n.column(name_of("ind_" + fieldname)) for fieldname in INDICATOR_FIELDS}
    rule_cells = n.column(RESULT_NAMES["indicators.rule_score"])
    indicators: list[Indicator] = []
    level1_weights: dict[str, float] = {}
    results: dict[str, float | str | None] = {}
    level1 = level2 = None
    for i, name_cell in enumerate(columns["name"]):
        got = {k: (cells[i] if i < len(cells) else None) for k, cells in columns.items()}
        if got["level1"] is not None:
            heading = level1_heading(got["level1"], None, None)
            level1 = heading[0] if heading else re.sub(r"[（(].*$", "", got["level1"].text).strip()
            if heading and heading[1] is not None:
                level1_weights[level1] = heading[1]
        if got["level2"] is not None:
            level2 = got["level2"].text
        if name_cell is None or not name_cell.text or level1 is None:
            continue
        k = len(indicators)
        where = f"indicators.{k}"
        b.locations[where] = grid.ref(name_cell.row, name_cell.col)
        values: dict[str, object] = {}
        for fieldname in ("target", "actual", "weight", "score"):
            if got[fieldname] is None:  # a formula there that no program calculated reads as empty
                n.uncalculated(name_of("ind_" + fieldname), i, f"{where}.{fieldname}")
        for fieldname in ("target", "actual"):
            cell = got[fieldname]
            if cell is not None and cell.text:
                values[fieldname] = cell.text
                b.locations[f"{where}.{fieldname}"] = grid.ref(cell.row, cell.col)
        for fieldname, what in (("weight", "分值"), ("score", "自评得分")):
            cell = got[fieldname]
            if cell is not None:
                values[fieldname] = n.number(f"{where}.{fieldname}", f"“{name_cell.text}”的{what}", cell)
        l1, l2 = level1, level2 or ""
        if l2 == EXECUTION_L2 or l1 == EXECUTION:
            l1, l2 = EXECUTION, EXECUTION_L2
        indicators.append(Indicator(level1=l1, level2=l2, name=name_cell.text, **values))
        rule = rule_cells[i] if i < len(rule_cells) else None
        if rule is not None:
            results[f"indicators.{k}.rule_score"] = n.result(rule)
            b.locations[f"computed.indicators.{k}.rule_score"] = grid.ref(rule.row, rule.col)

    for path in ("exec_rate", "total", "grade"):
        cell = n.first(RESULT_NAMES[path])
        if cell is not None:
            results[path] = n.result(cell)
            b.locations[f"computed.{path}"] = grid.ref(cell.row, cell.col)
    stated_total = n.number("stated_total", "总分")
    return Form(
        year=int(m.group(1)) if m else None,
        budget=amounts["budget"],
        received=amounts["received"],
        spent=amounts["spent"],
        indicators=indicators,
        level1_weights=level1_weights,
        stated_total=stated_total,
        source=Source(
            file=grid.file, sheet=grid.sheet, locations=b.locations, method="names", notes=b.notes, results=results
        ),
        **data,
    )
