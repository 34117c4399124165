"""What the reader has found of one form so far, and how a cell becomes a number or a note."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..load import Grid, is_excel_error
from ..model import AMOUNT_BLOCKS, ReadNote
from ..values import parse_value
from .cells import Cell

_INFINITIES = (float("inf"), float("-inf"))  # made once, not for every number read


@dataclass
class FormBuilder:
    """The fields found so far (``data``, ``amounts``, ``indicators``), where each was found, and the
    reader's notes; :func:`perfxl.read.forms.parse_grid` makes the Form of it."""

    grid: Grid
    data: dict = field(default_factory=dict)
    #: block → part → number: plain dicts, made into Amounts once the form is read
    amounts: dict = field(default_factory=lambda: {b: {} for b in AMOUNT_BLOCKS})
    indicators: list = field(default_factory=list)
    level1_weights: dict = field(default_factory=dict)
    locations: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    #: cells already noted as formulas never calculated
    noted_formulas: set = field(default_factory=set)

    def note(self, code: str, cell: Cell, message: str) -> None:
        self.notes.append(ReadNote(code=code, location=self.grid.ref(cell.row, cell.col), message=message))

    def uncalculated(self, row: int, col: int, path: str = "") -> bool:
        """True when the cell holds a formula never calculated: a ``formula-no-value`` note there
        (once per cell), and ``path`` located at it so that no check calls the field unfilled."""
        formula = self.grid.no_value.get((row, col))
        if formula is None:
            return False
        where = self.grid.ref(row, col)
        if path:
            self.locations[path] = where
        if (row, col) not in self.noted_formulas:
            self.noted_formulas.add((row, col))
            shown = f"公式 ={formula} " if formula else "公式"
            self.notes.append(
                ReadNote(
                    code="formula-no-value",
                    location=where,
                    message=f"{shown}没有计算结果（文件未在 Excel 中保存过），读作空值；请在 Excel 或 WPS 中打开、保存后再提交",
                )
            )
        return True

    def put_text(self, name: str, cell: Cell, text: str) -> None:
        if self.data.get(name) or not text:
            return
        self.data[name] = text
        self.locations[name] = self.grid.ref(cell.row, cell.col)

    def number(self, cell: Cell, what: str, text: str | None = None) -> float | None:
        """A cell as a number, or None with a note saying what is wrong with it.

        ``text``: the part of the cell that holds the number (the value after an inline label).
        """
        value = cell.value if text is None else text
        if type(value) is float and value - value == 0:  # a finite float (inf - inf, nan - nan: nan)
            return value  # the usual number, as the tests below end for it
        if isinstance(value, bool):
            self.note("not-a-number", cell, f"{what}应为数字，实为“{cell.text}”")
            return None
        if isinstance(value, (int, float)):
            if value != value or value in _INFINITIES:
                self.note("not-a-number", cell, f"{what}不是有效数字（{cell.text}）")
                return None
            return float(value)
        if is_excel_error(value):
            self.note("cell-error", cell, f"{what}单元格是错误值 {cell.text}")
            return None
        if not isinstance(value, str):  # a date or time where a number belongs
            self.note("not-a-number", cell, f"{what}应为数字，实为日期/时间“{cell.text}”")
            return None
        text = cell.text if text is None else text
        parsed = parse_value(text)
        if parsed.number is None or parsed.op or parsed.percent or (parsed.note and not parsed.unit):
            self.note("not-a-number", cell, f"{what}应为数字，实为“{text}”")
            return None
        return parsed.number
