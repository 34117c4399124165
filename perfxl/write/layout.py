"""Where everything is on the template's sheet: fixed cells, the rows of section 四, defined names.

The name schema itself (field → defined name) is :mod:`perfxl.names`; this module says which cell
each name refers to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..load import column_letter
from ..model import (
    BENEFIT,
    EXECUTION,
    EXECUTION_L2,
    OUTPUT,
    SATISFACTION,
    Form,
    Indicator,
)
from ..names import INDICATOR_FIELDS, RESULT_NAMES, name_of

SHEET = "绩效自评表"
TITLE = "区级部门预算项目绩效自评表"

#: 一级 in the order of the district form, each with its 二级.
STANDARD_LEVELS: dict[str, tuple[str, ...]] = {
    OUTPUT: ("数量指标", "质量指标", "时效指标", "成本指标"),
    EXECUTION: (EXECUTION_L2,),
    BENEFIT: ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    SATISFACTION: ("满意度指标",),
}
#: The dropdown of 实际完成值 for qualitative indicators.
QUALITATIVE_CHOICES = ("达成", "部分达成", "未达成")

# Columns (0-based): section headings, the indicator table, perfxl's result, hidden helpers.
COL_SECTION, COL_L1, COL_L2, COL_NAME, COL_TARGET, COL_ACTUAL, COL_WEIGHT, COL_SCORE, COL_RULE = range(9)
LAST_PRINTED_COL = COL_RULE
# Column A fits 一、基本情况 on one line or two even, not a lone 况 on the second.
COL_WIDTHS = (10, 14, 12, 24, 13, 14, 9, 9, 9)
# Hidden helpers: K 一级分值, L 分值 used; native only: target and actual parsed, then the share.
COL_L1_WEIGHT, COL_WEIGHT_USED = 10, 11
_HELPERS = ("norm", "op", "rest", "len", "num", "pct")
COL_T = {name: 12 + i for i, name in enumerate(_HELPERS)}  # M..R: 预期指标值 parsed
COL_A = {name: 18 + i for i, name in enumerate(_HELPERS)}  # S..X: 实际完成值 parsed
COL_T_CMP, COL_A_CMP, COL_SHARE, COL_COUNTED = 24, 25, 26, 27  # Y, Z, AA, AB
LAST_HELPER_COL = COL_COUNTED

# Fixed rows (0-based) of the top of the form.
ROW_TITLE, ROW_YEAR, ROW_UNIT, ROW_BASIC = 0, 1, 2, 3
ROW_MONEY_HEAD, ROW_AMOUNT_TOTAL, ROW_AMOUNT_FISCAL, ROW_AMOUNT_OTHER = 4, 5, 6, 7
ROW_GOAL_HEAD, ROW_GOAL = 8, 9
ROW_TABLE_HEAD = 10
FIRST_INDICATOR_ROW = 11

#: Defined names of single fields: model path → (name, row, col). Amount blocks are columns C, E, G.
AMOUNT_COLS = {"budget": 2, "received": 4, "spent": 6}
AMOUNT_ROWS = {"total": ROW_AMOUNT_TOTAL, "fiscal": ROW_AMOUNT_FISCAL, "other": ROW_AMOUNT_OTHER}
FIELD_CELLS: dict[str, tuple[int, int]] = {
    "year": (ROW_YEAR, 0),
    "unit": (ROW_UNIT, 2),
    "money_unit": (ROW_UNIT, 7),
    "project": (ROW_BASIC, 2),
    "implementing_unit": (ROW_BASIC, 6),
    **{f"{block}.{part}": (row, col) for block, col in AMOUNT_COLS.items() for part, row in AMOUNT_ROWS.items()},
    "stated_progress": (ROW_AMOUNT_TOTAL, 7),
    "goal": (ROW_GOAL, 1),
    "achievement": (ROW_GOAL, 4),
    "stated_completion": (ROW_GOAL, 7),
}
#: Indicator columns: model field → column.
INDICATOR_COLS = dict(zip(INDICATOR_FIELDS, (COL_L1, COL_L2, COL_NAME, COL_TARGET, COL_ACTUAL, COL_WEIGHT, COL_SCORE)))

# ---------------------------------------------------------------------------------------------
# Rows of section 四


@dataclass
class TableRow:
    """One row of the indicator table: which 一级 / 二级 it belongs to, and its indicator if any."""

    level1: str
    level2: str
    indicator: Indicator | None = None

    @property
    def is_execution(self) -> bool:
        return self.level1 == EXECUTION or self.level2 == EXECUTION_L2


def _merge_order(present: list[str], standard: tuple[str, ...]) -> list[str]:
    """The form's own order, with each standard item it lacks put after its standard predecessor."""
    order = list(present)
    for i, item in enumerate(standard):
        if item in order:
            continue
        before = [s for s in standard[:i] if s in order]
        order.insert(order.index(before[-1]) + 1 if before else 0, item)
    return order


def plan_rows(form: Form, rows_per_level2: int, filled: bool) -> list[TableRow]:
    """The rows of section 四: every 一级 and 二级 of the district form, the form's indicators in them.

    Args:
        form: the form (its indicators, possibly none).
        rows_per_level2: empty rows per 二级 in a blank form.
        filled: a form written back: its 二级 get as many rows as they have indicators, and a 二级
            without any keeps one empty row, so that the form still shows every 二级.

    Returns:
        The rows in order, grouped by 一级 then 二级 (the form's order where it has one).
    """
    by_level1: dict[str, dict[str, list[Indicator]]] = {}
    for ind in form.indicators:
        by_level1.setdefault(ind.level1, {}).setdefault(ind.level2, []).append(ind)
    rows: list[TableRow] = []
    for level1 in _merge_order(list(by_level1), tuple(STANDARD_LEVELS)):
        groups = by_level1.get(level1, {})
        for level2 in _merge_order(list(groups), STANDARD_LEVELS.get(level1, ())):
            members = groups.get(level2, [])
            # The 预算执行率 row is one row; a filled form keeps one empty row per 二级 it lacks.
            if filled or level1 == EXECUTION or level2 == EXECUTION_L2:
                blank = 0 if members else 1
            else:
                blank = max(rows_per_level2 - len(members), 0)
            rows.extend(TableRow(level1, level2, ind) for ind in members)
            rows.extend(TableRow(level1, level2) for _ in range(blank))
    return rows


@dataclass
class Layout:
    """Where everything is, for one form: rows of section 四 and the rows below it."""

    table: list[TableRow]
    first: int = FIRST_INDICATOR_ROW
    total_row: int = field(init=False)
    grade_row: int = field(init=False)
    problems_row: int = field(init=False)
    signature_row: int = field(init=False)
    note_row: int = field(init=False)

    def __post_init__(self) -> None:
        self.total_row = self.first + len(self.table)
        self.grade_row = self.total_row + 1
        self.problems_row = self.grade_row + 1
        self.signature_row = self.problems_row + 1
        self.note_row = self.signature_row + 1

    @property
    def last(self) -> int:
        """The last indicator row (0-based)."""
        return self.total_row - 1

    def level1_spans(self) -> list[tuple[str, int, int]]:
        """(一级, first row, last row) of each 一级 group."""
        return _spans([(r.level1,) for r in self.table], self.first)

    def level2_spans(self) -> list[tuple[str, int, int]]:
        """(二级, first row, last row) of each 二级 group."""
        return _spans([(r.level1, r.level2) for r in self.table], self.first)

    def names(self) -> dict[str, str]:
        """Every defined name → its reference on the form's sheet."""
        out = {name_of(path): absolute(r, c) for path, (r, c) in FIELD_CELLS.items()}
        for fieldname, col in INDICATOR_COLS.items():
            out[name_of("ind_" + fieldname)] = absolute_range(self.first, col, self.last, col)
        out[RESULT_NAMES["indicators.rule_score"]] = absolute_range(self.first, COL_RULE, self.last, COL_RULE)
        out[RESULT_NAMES["indicators.weight"]] = absolute_range(self.first, COL_WEIGHT_USED, self.last, COL_WEIGHT_USED)
        out[RESULT_NAMES["exec_rate"]] = absolute(ROW_AMOUNT_OTHER, 7)
        out[name_of("weight_sum")] = absolute(self.total_row, COL_WEIGHT)
        out[name_of("stated_total")] = absolute(self.total_row, COL_SCORE)
        out[RESULT_NAMES["total"]] = absolute(self.total_row, COL_RULE)
        out[name_of("stated_grade")] = absolute(self.grade_row, COL_SCORE)
        out[RESULT_NAMES["grade"]] = absolute(self.grade_row, COL_RULE)
        out[name_of("problems")] = absolute(self.problems_row, 1)
        out[name_of("filled_by")] = absolute(self.signature_row, 2)
        out[name_of("phone")] = absolute(self.signature_row, 5)
        return {name: f"='{SHEET}'!{ref}" for name, ref in out.items()}


def _spans(keys: list[tuple[str, ...]], first: int) -> list[tuple[str, int, int]]:
    spans: list[tuple[tuple[str, ...], int, int]] = []
    for i, key in enumerate(keys):
        if spans and spans[-1][0] == key and spans[-1][2] == first + i - 1:
            spans[-1] = (key, spans[-1][1], first + i)
        else:
            spans.append((key, first + i, first + i))
    return [(key[-1], a, b) for key, a, b in spans]


def cell_name(row: int, col: int) -> str:
    """A1-style reference of a 0-based cell: (5, 2) → ``C6``."""
    return f"{column_letter(col)}{row + 1}"


def absolute(row: int, col: int) -> str:
    """Absolute reference of a 0-based cell: (5, 2) → ``$C$6``."""
    ref = cell_name(row, col)
    letters = ref.rstrip("0123456789")
    return f"${letters}${ref[len(letters) :]}"


def absolute_range(r1: int, c1: int, r2: int, c2: int) -> str:
    """Absolute reference of a block of cells: ``$C$6:$C$9``."""
    return f"{absolute(r1, c1)}:{absolute(r2, c2)}"
