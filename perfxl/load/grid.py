"""What the reader works on: a :class:`Grid` of cell values per sheet, how a cell is shown, and the limits.

Every loader of :mod:`perfxl.load` gives grids cut to these limits, so that a hostile file costs
bounded time and memory: at most :data:`MAX_SHEETS` sheets, :data:`MAX_ROWS` rows and
:data:`MAX_COLS` columns a sheet, :data:`MAX_CELL_CHARS` characters a cell.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..values import number_text

MAX_ROWS = 20_000
MAX_COLS = 64
MAX_SHEETS = 50
#: Excel's own limit on a cell's text: longer text (a 156 KB file held a 150 MB 项目名称) is cut
#: where it is read, so that nothing after holds or writes more.
MAX_CELL_CHARS = 32_767

_EXCEL_ERRORS = {
    "#DIV/0!",
    "#N/A",
    "#NAME?",
    "#NULL!",
    "#NUM!",
    "#REF!",
    "#VALUE!",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
}


class ReadError(Exception):
    """A file perfxl cannot read as a form, with the reason in one Chinese line.

    Attributes:
        path: the file.
        reason: why, for a person (e.g. "文件已加密（有密码保护）").
    """

    def __init__(self, path: str | Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


@dataclass
class Grid:
    """A rectangle of cells from one sheet or one text dump.

    Attributes:
        rows: cell values row by row; "" is an empty cell.
        file: the file it came from.
        sheet: the sheet name, or None for text.
        first_line: for text, the file line number of ``rows[0]`` (1-based).
        percent: (row, col) of cells formatted as a percentage (their number is a fraction).
        names: defined names of the workbook that point into this sheet: name → (first row, first
            col, last row, last col), 0-based; a single cell has first == last.
        no_value: (row, col) → formula text of formula cells with no cached result (a file written
            by a library and never calculated in Excel: the cell reads as empty).
        clipped: the sheet went past :data:`MAX_ROWS` rows or :data:`MAX_COLS` columns and was cut.
        cells: ((row, col), value) of the cells of ``rows`` that are not "", row by row and each
            row's in column order, when the source listed them so (perfxl's own .xlsx reader
            does); None otherwise. The reader then visits only these, not every empty cell of the
            rectangle. Must agree with ``rows`` (a cell here may still hold "", which is empty).
    """

    rows: list[list[Any]]  # text, numbers, dates, or "" for an empty cell
    file: str
    sheet: str | None = None
    first_line: int = 1
    percent: set[tuple[int, int]] = field(default_factory=set)
    names: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    no_value: dict[tuple[int, int], str] = field(default_factory=dict)
    clipped: bool = False
    cells: list[tuple[tuple[int, int], object]] | None = None

    def ref(self, row: int, col: int) -> str:
        """The location of a cell: ``Sheet!C7`` for a sheet, ``line 12`` for text."""
        # called for every field found: column_letter's table lookup done here, without its call
        if self.sheet is None:
            return f"line {self.first_line + row}"
        if 0 <= col < MAX_COLS:
            return f"{self.sheet}!{_LETTERS[col]}{row + 1}"
        return f"{self.sheet}!{_column_letter(col)}{row + 1}"


def column_letter(col: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    if 0 <= col < MAX_COLS:  # _LETTERS holds MAX_COLS letters
        return _LETTERS[col]
    return _column_letter(col)


def _column_letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


#: Column letters of every column a grid may have (Grid.ref is called for every field found).
_LETTERS = [_column_letter(c) for c in range(MAX_COLS)]


def column_index(letters: str | bytes) -> int:
    """A column's 0-based index from its letters: A → 0, Z → 25, AA → 26 (text or ASCII bytes)."""
    col = 0
    for ch in letters.encode("ascii") if isinstance(letters, str) else letters:
        col = col * 26 + ch - 64
    return col - 1


def capped(text: str) -> str:
    """``text`` cut to :data:`MAX_CELL_CHARS` characters."""
    return text if len(text) <= MAX_CELL_CHARS else text[:MAX_CELL_CHARS]


def cut_long_strings(data: object) -> object:
    """Parsed JSON with every string (and key) cut to MAX_CELL_CHARS, as a cell's text is cut; walked
    with a stack of its own (a deep nesting must not meet Python's recursion limit)."""
    if isinstance(data, str):
        return capped(data)
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, str):
                    node[i] = capped(value)
                elif isinstance(value, (list, dict)):
                    stack.append(value)
        elif isinstance(node, dict):
            for key in [k for k in node if len(k) > MAX_CELL_CHARS]:
                node[capped(key)] = node.pop(key)
            for key, value in node.items():
                if isinstance(value, str):
                    node[key] = capped(value)
                elif isinstance(value, (list, dict)):
                    stack.append(value)
    return data


def is_excel_error(value: object) -> bool:
    """True for a cached error value such as #DIV/0! or #NAME?."""
    return isinstance(value, str) and value.strip().upper() in _EXCEL_ERRORS


def render(value: object, percent: bool = False) -> str:
    """A cell value as the person who typed it sees it: 0.985 in a percent cell is "98.5%".

    Args:
        value: the cell value.
        percent: whether the cell is formatted as a percentage.

    Returns:
        The text ("" for empty).
    """
    if type(value) is not float:  # most cells that are not text are floats: they skip these tests
        if value is None or value == "":
            return ""
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
            return value.isoformat()
        if not isinstance(value, (int, float)):
            return str(value).strip()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if percent:
        return number_text(value * 100) + "%"
    return number_text(value)
