"""Amounts: a number after its label (预算数: 0.7), and the funds table of the central form.

The central form's funds block is a table: headings 年初预算数 | 全年预算数 | 全年执行数 | 分值 |
执行率 | 得分 over rows 年度资金总额 | 其中：当年财政拨款 | 上年结转资金 | 其他资金. Each cell is read by
its row's label and its column's heading (:data:`~perfxl.read.layouts.FUNDS_COLUMNS`,
:data:`~perfxl.read.layouts.FUNDS_ROWS`); the total row's 分值 and 得分 are the 预算执行率
indicator's weight and self-score, its 执行率 the stated rate.
"""

from __future__ import annotations

import re

from ..model import AMOUNT_BLOCKS, AMOUNT_PARTS
from .align import align
from .builder import FormBuilder
from .cells import Cell, has_digit, is_rate, squash
from .layouts import FUNDS_COLUMNS, FUNDS_ROWS

#: Notes in brackets left out of a heading or row label: 全年预算数(A), 执行率(B/A), 项目资金(万元).
_BRACKETED_RE = re.compile(r"[(（][^()（）]*[)）]")  # no bracket inside: linear on a run of （
_AMOUNT_COLUMNS = frozenset({"initial_budget", "budget", "received", "spent"})


def _lookup(spellings: dict[str, tuple[str, ...]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for role, words in spellings.items():
        for word in words:
            table.setdefault(word.replace(":", ""), role)
    return table


_COLUMN_OF = _lookup(FUNDS_COLUMNS)
_ROW_OF = _lookup(FUNDS_ROWS)


def _key(text: str) -> str:
    key = squash(text).replace(":", "").replace("：", "")
    return _BRACKETED_RE.sub("", key) or key


def funds_header(row: list[Cell]) -> dict[int, str] | None:
    """column → what it holds, when ``row`` is the heading row of a funds table; else None.

    Two amount headings make one (全年预算数 | 全年执行数), or one with two others (预算数 | 执行率 | 得分).
    """
    if len(row) < 2:
        return None
    columns: dict[int, str] = {}
    for cell in row:
        if isinstance(cell.value, str):
            role = _COLUMN_OF.get(_key(cell.text))
            if role is not None and role not in columns.values():
                columns[cell.col] = role
    amounts = sum(1 for role in columns.values() if role in _AMOUNT_COLUMNS)
    if amounts >= 2 or amounts == 1 and len(columns) >= 3:
        return columns
    return None


def funds_row_part(row: list[Cell]) -> tuple[int, str] | None:
    """(index of the label cell, part) when ``row`` is a row of a funds table (年度资金总额 …)."""
    for i, cell in enumerate(row[:3]):
        if isinstance(cell.value, str):
            key = _key(cell.text)
            part = _ROW_OF.get(key)
            if part is None and key.startswith("其中"):  # 其中：中央、省、市补助资金: the fiscal part
                part = "fiscal"
            if part is not None:
                return i, part
    return None


def take_funds_row(b: FormBuilder, row: list[Cell], at: int, part: str, columns: dict[int, str]) -> None:
    """The values of one funds row, each by the heading of its column."""
    values = [c for c in row[at + 1 :] if has_digit(c) or c.percent]
    if not values:
        return
    cols = sorted(columns)
    placed = [(columns[c.col], c) for c in values if c.col in columns]
    if not placed:  # merged cells collapsed: pair the values with the headings in order, nearest first
        placed = [(columns[cols[hi]], values[vi]) for hi, vi in align(cols, [c.col for c in values])]
    for role, cell in placed:
        cell.claimed = True
        if role in _AMOUNT_COLUMNS:
            _put_amount(b, cell, role, part)
        elif part == "total":  # the block's 分值, 执行率 and 得分 stand on its total row
            if role == "rate":
                b.put_text("stated_progress", cell, cell.text)
            else:
                number = b.number(cell, "预算执行率" + ("分值" if role == "weight" else "得分"))
                if number is not None:
                    b.data["funds_" + role] = number
                    b.locations["funds_" + role] = b.grid.ref(cell.row, cell.col)


def _put_amount(b: FormBuilder, cell: Cell, block: str, part: str) -> None:
    value = b.number(cell, AMOUNT_BLOCKS[block] + AMOUNT_PARTS[part])
    if value is not None and part not in b.amounts[block]:
        b.amounts[block][part] = value
        b.locations[f"{block}.{part}"] = b.grid.ref(cell.row, cell.col)


def take_amount(b: FormBuilder, label: Cell, segment: list[Cell], block: str, part: str) -> bool:
    """An amount takes the first number after its label; a rate there is not an amount.

    Returns:
        False when the label has no value beside it.
    """
    what = AMOUNT_BLOCKS[block] + AMOUNT_PARTS[part]
    path = f"{block}.{part}"
    if label.inline:
        value = b.number(label, what, label.inline)
        cell = label
    else:
        # a heading word after the label (全年执行数 | 分值) is not its value: values hold digits
        for cell in segment:
            if has_digit(cell) and not is_rate(cell):  # the cheaper test first
                break
        else:
            if path not in b.locations:
                b.locations[path] = b.grid.ref(label.row, label.col)
            return False
        cell.claimed = True
        value = b.number(cell, what)
    if value is not None and part not in b.amounts[block]:
        b.amounts[block][part] = value
        b.locations[path] = b.grid.ref(cell.row, cell.col)
    return True
