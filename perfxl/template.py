"""The official template: the 区级部门预算项目绩效自评表 as a workbook that scores while people type.

One layout serves three uses: the blank template, a template pre-filled from a project list, and a
form written back filled in (``perfxl template --from form.json``). The layout follows the district
form (sections 一 to 五, the same labels, merged cells and borders) and adds what scoring needs:

- a **分值** column per indicator (left empty, the 一级 weight is split equally, as the engine does);
- perfxl's own results in their own grey, locked cells beside what the unit states: 复核执行进度
  beside 预算执行进度, 复核得分 beside 自评得分, a 复核 总分 and 等级;
- a defined name (``perfxl_…``) for every field, so that :mod:`perfxl.named` and macros find cells
  by name, whatever rows a user inserts.

The results are formulas of one of two kinds (``formulas``):

- ``udf``: calls of the xlwings functions of :mod:`perfxl.udfs` (``perfxl_score`` …), which run the
  scoring engine itself;
- ``native``: built-in functions only (Excel 2010, WPS, LibreOffice), in hidden helper columns
  right of the print area. They cover what people write most: numbers, percentages, ≥ ≤ >= <= 》=
  and 不少于 / 不超过 / 以上 / 以内 with units, and qualitative results by the profile's words
  (the 实际完成值 cells offer 达成 / 部分达成 / 未达成 in a dropdown).

Every formula cell is written with the engine's result as its cached value, so a viewer that does
not recalculate still shows the right numbers, and ``perfxl check`` can tell when a cached result
no longer agrees with the engine (``cell-value-mismatch``).
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import io
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .display import writable
from .engine import exec_rate, grade, scored
from .files import atomic_output, atomic_outputs, make_folder, remove_folders, xlsx_workbook
from .names import INDICATOR_FIELDS, RESULT_NAMES, name_of  # noqa: F401 - part of the template's API
from .model import BENEFIT, EXECUTION, EXECUTION_L2, OUTPUT, SATISFACTION, Amounts, Form, Indicator
from .rules import DEFAULT_RULES, RuleProfile
from .load import MAX_COLS, MAX_ROWS, WORKBOOK_SUFFIXES, ReadError, column_letter, load_grids, read_text, render
from .values import normalize_text, parse_value

SHEET = "绩效自评表"
TITLE = "区级部门预算项目绩效自评表"
FORMULA_KINDS = ("udf", "native")

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
_AMOUNT_COLS = {"budget": 2, "received": 4, "spent": 6}
_AMOUNT_ROWS = {"total": ROW_AMOUNT_TOTAL, "fiscal": ROW_AMOUNT_FISCAL, "other": ROW_AMOUNT_OTHER}
FIELD_CELLS: dict[str, tuple[int, int]] = {
    "year": (ROW_YEAR, 0),
    "unit": (ROW_UNIT, 2),
    "money_unit": (ROW_UNIT, 7),
    "project": (ROW_BASIC, 2),
    "implementing_unit": (ROW_BASIC, 6),
    **{f"{block}.{part}": (row, col) for block, col in _AMOUNT_COLS.items() for part, row in _AMOUNT_ROWS.items()},
    "stated_progress": (ROW_AMOUNT_TOTAL, 7),
    "goal": (ROW_GOAL, 1),
    "achievement": (ROW_GOAL, 4),
    "stated_completion": (ROW_GOAL, 7),
}
#: Indicator columns: model field → column.
INDICATOR_COLS = dict(zip(INDICATOR_FIELDS, (COL_L1, COL_L2, COL_NAME, COL_TARGET, COL_ACTUAL, COL_WEIGHT, COL_SCORE)))
class TemplateError(ValueError):
    """A template that cannot be written: a bad option, an unreadable project list, an existing file."""


class TemplateOptions(BaseModel):
    """What ``perfxl template`` may be told: the defaults make the blank official form."""

    model_config = ConfigDict(extra="forbid")

    year: int | None = Field(None, ge=1900, le=2999)  # 年度; None leaves "（    年度）" to be filled
    unit: str | None = None  # 填报单位
    project: str | None = None  # 项目名称
    budget: float | None = None  # 预算数
    rows: int = Field(3, ge=1, le=50)  # indicator rows per 二级指标 (指标 1, 指标 2, …)
    level1_weights: dict[str, float] | None = None  # None: the rule profile's
    formulas: str = Field("udf", pattern="^(udf|native)$")


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
        out = {name_of(path): _abs(r, c) for path, (r, c) in FIELD_CELLS.items()}
        for fieldname, col in INDICATOR_COLS.items():
            out[name_of("ind_" + fieldname)] = _abs_range(self.first, col, self.last, col)
        out[RESULT_NAMES["indicators.rule_score"]] = _abs_range(self.first, COL_RULE, self.last, COL_RULE)
        out[RESULT_NAMES["indicators.weight"]] = _abs_range(self.first, COL_WEIGHT_USED, self.last, COL_WEIGHT_USED)
        out[RESULT_NAMES["exec_rate"]] = _abs(ROW_AMOUNT_OTHER, 7)
        out[name_of("weight_sum")] = _abs(self.total_row, COL_WEIGHT)
        out[name_of("stated_total")] = _abs(self.total_row, COL_SCORE)
        out[RESULT_NAMES["total"]] = _abs(self.total_row, COL_RULE)
        out[name_of("stated_grade")] = _abs(self.grade_row, COL_SCORE)
        out[RESULT_NAMES["grade"]] = _abs(self.grade_row, COL_RULE)
        out[name_of("problems")] = _abs(self.problems_row, 1)
        out[name_of("filled_by")] = _abs(self.signature_row, 2)
        out[name_of("phone")] = _abs(self.signature_row, 5)
        return {name: f"='{SHEET}'!{ref}" for name, ref in out.items()}


def _spans(keys: list[tuple], first: int) -> list:
    spans = []
    for i, key in enumerate(keys):
        if spans and spans[-1][0] == key and spans[-1][2] == first + i - 1:
            spans[-1][2] = first + i
        else:
            spans.append([key, first + i, first + i])
    return [(key[-1], a, b) for key, a, b in spans]


def cell_name(row: int, col: int) -> str:
    """A1-style reference of a 0-based cell: (5, 2) → ``C6``."""
    return f"{column_letter(col)}{row + 1}"


def _abs(row: int, col: int) -> str:
    ref = cell_name(row, col)
    letters = ref.rstrip("0123456789")
    return f"${letters}${ref[len(letters):]}"


def _abs_range(r1: int, c1: int, r2: int, c2: int) -> str:
    return f"{_abs(r1, c1)}:{_abs(r2, c2)}"


# ---------------------------------------------------------------------------------------------
# Formulas


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _array(words) -> str:
    return "{" + ",".join(_quote(w) for w in words) + "}"


def _num(value: float) -> str:
    return repr(float(value)).rstrip("0").rstrip(".") if not float(value).is_integer() else str(int(value))


#: Spellings the native formulas turn into one (the engine's parser knows many more).
_NATIVE_SPELLINGS = (
    ("　", ""), (" ", ""), ("≥", ">="), ("≧", ">="), ("≤", "<="), ("≦", "<="),
    ("》", ">"), ("《", "<"), ("＞", ">"), ("＜", "<"), ("＝", "="), ("=>", ">="), ("=<", "<="),
    ("大于或等于", ">="), ("大于等于", ">="), ("小于或等于", "<="), ("小于等于", "<="),
    ("不少于", ">="), ("不低于", ">="), ("不小于", ">="), ("至少", ">="),
    ("不超过", "<="), ("不高于", "<="), ("不大于", "<="), ("不多于", "<="),
    ("％", "%"), ("，", ","), ("．", "."),
    *((chr(0xFF10 + d), str(d)) for d in range(10)),
)
_POSITIONS = "{" + ",".join(str(i) for i in range(1, 16)) + "}"


class Formulas:
    """The formulas of one template, for one rule profile: shared by both kinds.

    Args:
        layout: where the cells are.
        rules: the rule profile (its decimals, tiers, words and grade bands go into the formulas).
    """

    kind = "native"

    def __init__(self, layout: Layout, rules: RuleProfile):
        self.layout, self.rules = layout, rules
        self.budget = cell_name(ROW_AMOUNT_TOTAL, _AMOUNT_COLS["budget"])
        self.spent = cell_name(ROW_AMOUNT_TOTAL, _AMOUNT_COLS["spent"])
        self.rate = _abs(ROW_AMOUNT_OTHER, 7)

    def _col(self, col: int) -> str:
        return _abs_range(self.layout.first, col, self.layout.last, col)

    def _round(self, expr: str) -> str:
        return f"ROUND({expr},{self.rules.decimals})"

    # --- shared by both kinds: the weights ------------------------------------------------

    def level1_weight(self, level1: str, first_row: int) -> str:
        """一级分值: the number in the 一级 cell's brackets ("产出指标（50分）"), else the profile's."""
        b = f"SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({_abs(first_row, COL_L1)},\"（\",\"(\"),\"）\",\")\"),\"分\",\"\")"
        default = self.rules.default_weight(level1)
        fallback = _num(default) if default is not None else '""'
        return f'=IFERROR(--MID({b},FIND("(",{b})+1,FIND(")",{b})-FIND("(",{b})-1),{fallback})'

    def weight_used(self, row: int, group: tuple[int, int]) -> str:
        """分值 used by the rules: the row's own, else what is left of the 一级 split equally
        among its indicators without one (engine.infer_weights)."""
        r = row + 1
        names = _abs_range(group[0], COL_NAME, group[1], COL_NAME)
        weights = _abs_range(group[0], COL_WEIGHT, group[1], COL_WEIGHT)
        k = cell_name(row, COL_L1_WEIGHT)
        return (
            f'=IF(D{r}="","",IF(ISNUMBER(G{r}),G{r},IF({k}="","",'
            f'MAX({k}-SUMIFS({weights},{names},"<>"),0)/COUNTIFS({names},"<>",{weights},""))))'
        )

    # --- results -------------------------------------------------------------------------

    def exec_rate(self) -> str:
        """复核执行进度 = 执行数 / 预算数."""
        b, s = self.budget, self.spent
        return f'=IF(AND(ISNUMBER({b}),ISNUMBER({s})),IF({b}>0,{s}/{b},""),"")'

    def rule_score(self, row: int) -> str:
        """复核得分 of an indicator row."""
        r = row + 1
        share = cell_name(row, COL_SHARE)
        return f'=IF(OR(L{r}="",{share}=""),"",{self._round(f"MIN(MAX({share},0),1)*L{r}")})'

    def exec_score(self, row: int) -> str:
        """复核得分 of the 预算执行率 row (its share is the rate)."""
        return self.rule_score(row)

    def total(self) -> str:
        """复核总分: each row's 复核得分, else its 自评得分; none at all gives no total."""
        names, rule, score = self._col(COL_NAME), self._col(COL_RULE), self._col(COL_SCORE)
        counted = self._col(COL_COUNTED)
        return (
            f'=IF(SUMPRODUCT(({names}<>"")*((ISNUMBER({rule})+ISNUMBER({score}))>0))=0,"",'
            f"{self._round(f'SUM({counted})')})"
        )

    def grade(self, ref: str) -> str:
        """等级 of a total: 优 / 良 / 中 / 差 by the profile's bands."""
        p = self.rules
        return (
            f'=IF(ISNUMBER({ref}),IF({ref}>={_num(p.grade_excellent)},"优",IF({ref}>={_num(p.grade_good)},"良",'
            f'IF({ref}>={_num(p.grade_fair)},"中","差"))),"")'
        )

    # --- native helpers -------------------------------------------------------------------

    def helpers(self, row: int, execution: bool) -> dict[int, str]:
        """The hidden helper formulas of one indicator row: parse 预期指标值 and 实际完成值, compare."""
        r = row + 1
        out: dict[int, str] = {}
        for cols, source in ((COL_T, f"E{r}"), (COL_A, f"F{r}")):
            out.update(self._parse(row, cols, source))
        t, a = cell_name(row, COL_T["num"]), cell_name(row, COL_A["num"])
        tp, ap = cell_name(row, COL_T["pct"]), cell_name(row, COL_A["pct"])
        fmax = _num(self.rules.fraction_max)
        # engine.comparable: a bare fraction beside a percent is put on the percent scale.
        out[COL_T_CMP] = f'=IF({t}="","",IF(AND({ap},NOT({tp}),{t}<={fmax}),{t}*100,{t}))'
        out[COL_A_CMP] = f'=IF({a}="","",IF(AND({tp},NOT({ap}),{a}<={fmax}),{a}*100,{a}))'
        out[COL_SHARE] = self._exec_share(row) if execution else self._share(row)
        rule, score = cell_name(row, COL_RULE), cell_name(row, COL_SCORE)
        out[COL_COUNTED] = f'=IF(D{r}="",0,IF(ISNUMBER({rule}),{rule},IF(ISNUMBER({score}),{score},0)))'
        return out

    def _parse(self, row: int, cols: dict[str, int], source: str) -> dict[int, str]:
        """One value parsed: normalized text, comparison, the rest, the number's length, number, %."""
        norm, op, rest, length, num = (cell_name(row, cols[k]) for k in ("norm", "op", "rest", "len", "num"))
        expr = f'TRIM({source}&"")'
        for old, new in _NATIVE_SPELLINGS:
            expr = f"SUBSTITUTE({expr},{_quote(old)},{_quote(new)})"
        prefix_len = f'IF(OR(LEFT({norm},2)=">=",LEFT({norm},2)="<="),2,IF(OR(LEFT({norm},1)=">",LEFT({norm},1)="<",LEFT({norm},1)="="),1,0))'
        return {
            cols["norm"]: f"={expr}",
            cols["op"]: (
                f'=IF(OR(LEFT({norm},2)=">=",LEFT({norm},2)="<="),LEFT({norm},2),'
                f'IF(OR(LEFT({norm},1)=">",LEFT({norm},1)="<",LEFT({norm},1)="="),LEFT({norm},1),'
                f'IF(ISNUMBER(FIND("以上",{norm})),">=",IF(OR(ISNUMBER(FIND("以下",{norm})),ISNUMBER(FIND("以内",{norm}))),"<=",""))))'
            ),
            cols["rest"]: f"=MID({norm},{prefix_len}+1,255)",
            # The longest prefix of the rest that is a number ("40个" → 2, "98.5%" → 5).
            cols["len"]: f'=IF({rest}="",0,MIN(LEN({rest}),SUMPRODUCT(MAX(ISNUMBER(-LEFT({rest},{_POSITIONS}))*{_POSITIONS}))))',
            cols["num"]: (
                f'=IF({length}=0,"",IF(RIGHT(LEFT({rest},{length}),1)="%",'
                f"--LEFT({rest},{length}-1),--LEFT({rest},{length})))"
            ),
            cols["pct"]: f'=AND({length}>0,RIGHT(LEFT({rest},{length}),1)="%")',
        }

    def _share(self, row: int) -> str:
        """Share of the weight an indicator earns: quantitative by the ratio, qualitative by tier."""
        r = row + 1
        p = self.rules
        t, a = cell_name(row, COL_T_CMP), cell_name(row, COL_A_CMP)
        op = cell_name(row, COL_T["op"])
        tol = _num(p.equal_tolerance)
        reverse = f'IF(IF({op}="<",{a}<{t},{a}<={t}),1,IF(AND({a}>0,{t}>=0),{t}/{a},0))'
        equal = f"IF(OR(ABS({a}-{t})<={tol}*ABS({t}),{a}={t}),1,IF(AND({a}>0,{t}>0),MIN({a},{t})/MAX({a},{t}),0))"
        positive = f'IF(IF({op}=">",{a}>{t},{a}>={t}),1,IF({t}>0,{a}/{t},0))'
        quantitative = f'IF(OR({op}="<=",{op}="<"),{reverse},IF({op}="=",{equal},{positive}))'
        point = {"high": 1, "low": 0, "mid": None}[p.tier_point]

        def tier(pair: tuple[float, float]) -> str:
            return _num(pair[1] if point == 1 else pair[0] if point == 0 else (pair[0] + pair[1]) / 2)

        def has(words: list[str]) -> str:
            return f"SUMPRODUCT(--ISNUMBER(FIND({_array(words)},F{r})))>0" if words else "FALSE"

        qualitative = (
            f"IF(TRIM(F{r})=TRIM(E{r}),{tier(p.tier_met)},IF({has(p.words_unmet)},{tier(p.tier_unmet)},"
            f'IF({has(p.words_partial)},{tier(p.tier_partial)},IF({has(p.words_met)},{tier(p.tier_met)},""))))'
        )
        return (
            f'=IF(OR({cell_name(row, COL_T["norm"])}="",{cell_name(row, COL_A["norm"])}=""),"",'
            f"IF(AND(ISNUMBER({t}),ISNUMBER({a})),{quantitative},{qualitative}))"
        )

    def _exec_share(self, row: int) -> str:
        """The 预算执行率 row earns the rate; without amounts, its 实际完成值 as a rate."""
        a, ap = cell_name(row, COL_A["num"]), cell_name(row, COL_A["pct"])
        fmax = _num(self.rules.fraction_max)
        return f'=IF(ISNUMBER({self.rate}),{self.rate},IF({a}="","",IF(OR({ap},{a}>{fmax}),{a}/100,{a})))'


class UdfFormulas(Formulas):
    """The same cells calling the xlwings functions of :mod:`perfxl.udfs` (the engine itself)."""

    kind = "udf"

    def exec_rate(self) -> str:
        return f"=perfxl_exec_rate({self.budget},{self.spent})"

    def rule_score(self, row: int) -> str:
        r = row + 1
        return f"=perfxl_score(E{r},F{r},L{r})"

    def exec_score(self, row: int) -> str:
        r = row + 1
        return f"=perfxl_exec_score({self.budget},{self.spent},L{r},F{r})"

    def total(self) -> str:
        return f"=perfxl_total({self._col(COL_RULE)},{self._col(COL_SCORE)})"

    def grade(self, ref: str) -> str:
        return f"=perfxl_grade({ref})"

    def helpers(self, row: int, execution: bool) -> dict[int, str]:
        return {}


def formulas_for(kind: str, layout: Layout, rules: RuleProfile) -> Formulas:
    """The formula set of a template kind (``udf`` or ``native``)."""
    if kind not in FORMULA_KINDS:
        raise TemplateError(f"未知的公式类型“{kind}”（应为 udf 或 native）")
    return UdfFormulas(layout, rules) if kind == "udf" else Formulas(layout, rules)


# ---------------------------------------------------------------------------------------------
# Writing


_FONT, _VALUE_FONT = "宋体", "仿宋"
_GREY = "#F2F2F2"

#: The functions the formulas call: Excel 2007 built-ins (and perfxl's UDFs, ``perfxl_…``).
_PLAIN_FUNCTIONS = frozenset({
    "ABS", "AND", "COUNT", "COUNTIFS", "FIND", "IF", "IFERROR", "ISNUMBER", "LEFT", "LEN", "MAX", "MID",
    "MIN", "NOT", "OR", "RIGHT", "ROUND", "SUBSTITUTE", "SUM", "SUMIFS", "SUMPRODUCT", "TRIM",
})
_CALLED = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\(")


@functools.cache
def _worksheet_class():
    """An XlsxWriter worksheet that stores formulas calling only :data:`_PLAIN_FUNCTIONS` as they are.

    XlsxWriter runs some 30 regular-expression substitutions over every formula, to give functions
    newer than Excel 2010 their ``_xlfn.`` prefix: measured, 40 % of writing a udf template and 75 %
    of a native one (its parsing formulas are long). perfxl's formulas call none of those functions;
    any formula that calls another one still goes through XlsxWriter.
    """
    from xlsxwriter.worksheet import Worksheet

    class PlainFormulaWorksheet(Worksheet):
        def _prepare_formula(self, formula, expand_future_functions=False):
            if formula.startswith("=") and not formula.endswith("}") and all(
                name in _PLAIN_FUNCTIONS or name.startswith("perfxl_") for name in _CALLED.findall(formula)
            ):
                return formula[1:]
            return super()._prepare_formula(formula, expand_future_functions)

    return PlainFormulaWorksheet


class _Formats:
    """The cell formats of the form (XlsxWriter formats are made once per workbook)."""

    def __init__(self, wb) -> None:
        base = {"font_name": _FONT, "font_size": 10.5, "valign": "vcenter", "text_wrap": True}
        boxed = {**base, "border": 1}
        value = {**boxed, "font_name": _VALUE_FONT, "locked": False}
        result = {**boxed, "bg_color": _GREY, "align": "center"}

        def fmt(props, **changes):
            return wb.add_format({**props, **changes})

        self.title = fmt(base, bold=True, font_size=18, align="center")
        self.year = fmt(base, font_size=12, align="center", locked=False)
        self.plain = fmt(base, align="left")
        self.plain_right = fmt(base, align="right")
        self.plain_value = fmt(base, font_name=_VALUE_FONT, align="left", locked=False)
        self.label = fmt(boxed, align="center")
        self.heading = fmt(boxed, bold=True, align="center")
        self.section = fmt(boxed, bold=True, align="center")
        self.text = fmt(value, align="left", num_format="@")
        self.text_center = fmt(value, align="center", num_format="@")
        self.amount = fmt(value, align="right", indent=1, num_format="#,##0.00####")  # not against the border
        self.number = fmt(value, align="center", num_format="General")
        self.percent_input = fmt(value, align="center", num_format="0.00%")
        self.score_input = fmt(value, align="center", num_format="0.00")
        self.result_label = fmt(result, font_size=9)
        self.result = fmt(result, num_format="0.00")
        self.result_percent = fmt(result, num_format="0.00%")
        self.result_text = fmt(result, bold=True)
        self.note = fmt(base, font_size=9, align="left", italic=True)
        self.helper = wb.add_format({"font_name": _FONT, "font_size": 9, "hidden": True})


def _display_width(text: str) -> int:
    """Width in column units: a CJK character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(text: str | None, width: float) -> int:
    """Lines a wrapped text takes in a cell ``width`` units wide."""
    if not text:
        return 1
    return sum(max(1, math.ceil(_display_width(part) / max(width - 1, 1))) for part in str(text).split("\n"))


def _row_height(lines: int) -> float:
    return max(1, lines) * 14.25 + 4


def _width(first_col: int, last_col: int) -> float:
    return sum(COL_WIDTHS[first_col:last_col + 1])


@dataclass
class _Sheet:
    """Writes one form onto one worksheet."""

    ws: object
    f: _Formats
    layout: Layout
    formulas: Formulas
    form: Form
    blank: bool  # blank or pre-filled: stated cells hold formulas; else values as written
    heights: dict = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        """复核执行进度: 执行数 / 预算数 only (the engine may fall back on the 预算执行率 row's 实际完成值)."""
        return exec_rate(self.form.spent.total, self.form.budget.total)

    def fit(self, row: int, text, first_col: int, last_col: int | None = None) -> None:
        """Make ``row`` tall enough for ``text`` wrapped across the columns."""
        lines = _lines(None if text is None else str(text), _width(first_col, first_col if last_col is None else last_col))
        self.heights[row] = max(self.heights.get(row, _row_height(1)), _row_height(lines))

    def put(self, row: int, col: int, value, fmt, last_col: int | None = None, last_row: int | None = None) -> None:
        """A value (text always as text: never read as a formula), merged when a span is given."""
        ws = self.ws
        if (last_col is not None and last_col != col) or (last_row is not None and last_row != row):
            ws.merge_range(row, col, row if last_row is None else last_row, col if last_col is None else last_col, "", fmt)
        if value is None or value == "" or (isinstance(value, float) and not math.isfinite(value)):
            ws.write_blank(row, col, None, fmt)  # no cell holds NaN or an infinity: left empty
        elif isinstance(value, str):
            ws.write_string(row, col, value, fmt)
        else:
            ws.write_number(row, col, value, fmt)

    def formula(self, row: int, col: int, formula: str, fmt, cached, last_col: int | None = None) -> None:
        """A formula with the engine's result as its cached value ("" when there is none)."""
        if last_col is not None and last_col != col:
            self.ws.merge_range(row, col, row, last_col, "", fmt)
        if cached is None or (isinstance(cached, float) and not math.isfinite(cached)):
            cached = ""
        self.ws.write_formula(row, col, formula, fmt, cached)

    # --- the parts of the form -------------------------------------------------------------

    def header(self) -> None:
        f, form = self.f, self.form
        last = LAST_PRINTED_COL
        self.put(ROW_TITLE, 0, TITLE, f.title, last_col=last)
        self.heights[ROW_TITLE] = 30
        year = f"（{form.year}年度）" if form.year else "（    年度）"
        self.put(ROW_YEAR, 0, year, f.year, last_col=last)
        self.heights[ROW_YEAR] = 20
        self.put(ROW_UNIT, 0, "填报单位：", f.plain, last_col=1)
        self.put(ROW_UNIT, 2, form.unit, f.plain_value, last_col=4)
        self.put(ROW_UNIT, 5, "金额单位：", f.plain_right, last_col=6)
        self.put(ROW_UNIT, 7, form.money_unit, f.plain_value, last_col=8)

        self.put(ROW_BASIC, 0, "一、基本情况", f.section)
        self.put(ROW_BASIC, 1, "项目名称", f.label)
        self.put(ROW_BASIC, 2, form.project, f.text, last_col=4)
        self.put(ROW_BASIC, 5, "实施（主管）单位", f.label)
        self.put(ROW_BASIC, 6, form.implementing_unit, f.text, last_col=8)
        self.fit(ROW_BASIC, form.project, 2, 4)
        self.fit(ROW_BASIC, form.implementing_unit, 6, 8)
        self.fit(ROW_BASIC, "一、基本情况", 0)

    def money(self) -> None:
        f, form = self.f, self.form
        self.put(ROW_MONEY_HEAD, 0, "二、预算执行情况", f.section, last_row=ROW_AMOUNT_OTHER)
        heads = (("预算安排情况（调整后）", 1), ("资金到位情况", 3), ("资金执行情况", 5), ("预算执行进度", 7))
        for text, col in heads:
            self.put(ROW_MONEY_HEAD, col, text, f.heading, last_col=col + 1)
        labels = {"budget": "预算数：", "received": "到位数：", "spent": "执行数："}
        for block, col in _AMOUNT_COLS.items():
            amounts: Amounts = getattr(form, block)
            for part, row in _AMOUNT_ROWS.items():
                label = labels[block] if part == "total" else ("其中：财政资金" if part == "fiscal" else "其他")
                self.put(row, col - 1, label, f.label)
                self.put(row, col, getattr(amounts, part), f.amount)
        rate = self.rate
        rate_row, rate_col = FIELD_CELLS["stated_progress"]
        if self.blank:
            self.formula(rate_row, rate_col, f"={self.formulas.rate}", f.percent_input, rate, last_col=8)
        else:
            self.put(rate_row, rate_col, form.stated_progress, f.percent_input, last_col=8)
        self.put(ROW_AMOUNT_FISCAL, 7, "复核执行进度", f.result_label, last_col=8)
        self.formula(ROW_AMOUNT_OTHER, 7, self.formulas.exec_rate(), f.result_percent, rate, last_col=8)
        for row in (ROW_MONEY_HEAD, ROW_AMOUNT_FISCAL):
            self.fit(row, "预算安排情况（调整后）", 1, 2)
        amount_cells = [(row, col) for col in _AMOUNT_COLS.values() for row in _AMOUNT_ROWS.values()]
        for row, col in amount_cells:
            self.ws.data_validation(row, col, row, col, {
                "validate": "decimal", "criteria": ">=", "value": 0, "error_type": "warning",
                "error_title": "金额", "error_message": "请填写数字（单位：万元），一般不小于 0。",
            })

    def goals(self) -> None:
        f, form = self.f, self.form
        self.put(ROW_GOAL_HEAD, 0, "三、目标完成情况", f.section, last_row=ROW_GOAL)
        for text, col, last in (("年度预期目标", 1, 3), ("具体完成情况", 4, 6), ("总体完成率", 7, 8)):
            self.put(ROW_GOAL_HEAD, col, text, f.heading, last_col=last)
        self.put(ROW_GOAL, 1, form.goal, f.text, last_col=3)
        self.put(ROW_GOAL, 4, form.achievement, f.text, last_col=6)
        self.put(ROW_GOAL, 7, form.stated_completion, f.text_center, last_col=8)
        self.heights[ROW_GOAL] = _row_height(4)
        self.fit(ROW_GOAL, form.goal, 1, 3)
        self.fit(ROW_GOAL, form.achievement, 4, 6)
        self.fit(ROW_GOAL, form.stated_completion, 7, 8)
        self.ws.data_validation(ROW_GOAL, 7, ROW_GOAL, 7, {
            "validate": "list", "source": ["100%", "完成预算目标", "部分完成预期目标", "未完成预期目标"],
            "show_error": False,
        })

    def table(self, computed, rules: RuleProfile) -> None:
        f, form, lay, fx = self.f, self.form, self.layout, self.formulas
        self.put(ROW_TABLE_HEAD, 0, "四、年度绩效指标完成情况", f.section, last_row=lay.grade_row)
        heads = ("一级指标", "二级指标", "三级指标", "预期指标值", "实际完成值", "分值", "自评得分", "复核得分")
        for col, text in enumerate(heads, start=COL_L1):
            self.put(ROW_TABLE_HEAD, col, text, f.heading)
        results = {id(ind): res for ind, res in zip(form.indicators, computed.indicators)}
        level1_first = {}
        for level1, first, last in lay.level1_spans():
            weight = form.level1_weights.get(level1)
            heading = f"{level1}（{_num(weight)}分）" if weight is not None else level1
            self.put(first, COL_L1, heading, f.label, last_row=last)
            level1_first.update({row: (level1, first, last) for row in range(first, last + 1)})
        for level2, first, last in lay.level2_spans():
            self.put(first, COL_L2, level2, f.label, last_row=last)
        for row, trow in enumerate(lay.table, start=lay.first):
            ind, res = trow.indicator, results.get(id(trow.indicator))
            level1, first, last = level1_first[row]
            self.put(row, COL_NAME, ind.name if ind else None, f.text)
            self.put(row, COL_TARGET, ind.target if ind else None, f.text_center)
            self.put(row, COL_WEIGHT, ind.weight if ind else None, f.number)
            r = row + 1
            if trow.is_execution and self.blank:
                self.formula(row, COL_ACTUAL, f"={fx.rate}", f.percent_input, self.rate)
            else:
                self.put(row, COL_ACTUAL, ind.actual if ind else None, f.text_center)
            rule = res.rule_score if res else None
            if self.blank:
                self.formula(row, COL_SCORE, f"=I{r}", f.score_input, rule)
            else:
                self.put(row, COL_SCORE, ind.score if ind else None, f.score_input)
            formula = fx.exec_score(row) if trow.is_execution else fx.rule_score(row)
            self.formula(row, COL_RULE, formula, f.result, rule)
            # Hidden helpers: the 一级 weight, the weight used, and (native) the parsing.
            l1_weight = form.level1_weights.get(level1, rules.default_weight(level1))
            self.formula(row, COL_L1_WEIGHT, fx.level1_weight(level1, first), f.helper, l1_weight)
            self.formula(row, COL_WEIGHT_USED, fx.weight_used(row, (first, last)), f.helper, res.weight if res else None)
            for col, helper in fx.helpers(row, trow.is_execution).items():
                self.formula(row, col, helper, f.helper, "")
            self.fit(row, ind.name if ind else None, COL_NAME)
            self.fit(row, ind.target if ind else None, COL_TARGET)
            self.fit(row, ind.actual if ind else None, COL_ACTUAL)
            self.fit(row, level1 if row == first else None, COL_L1)
        for col, rule in ((COL_WEIGHT, {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
                                        "error_title": "分值", "error_message": "分值应为 0 到 100 之间的数字。"}),
                          (COL_SCORE, {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
                                       "error_title": "自评得分", "error_message": "自评得分应为 0 到 100 之间的数字，且不超过分值。"})):
            self.ws.data_validation(lay.first, col, lay.last, col, rule)
        for row, trow in enumerate(lay.table, start=lay.first):
            if not trow.is_execution:
                self.ws.data_validation(row, COL_ACTUAL, row, COL_ACTUAL, {
                    "validate": "list", "source": list(QUALITATIVE_CHOICES), "show_error": False,
                    "input_title": "实际完成值",
                    "input_message": "填写完成的数值（如 98.5%、40个）；定性指标可选 达成 / 部分达成 / 未达成。",
                })
        self.totals(computed, rules)

    def totals(self, computed, rules: RuleProfile) -> None:
        f, form, lay, fx = self.f, self.form, self.layout, self.formulas
        self.put(lay.total_row, COL_L1, "总分", f.heading, last_col=COL_ACTUAL)
        weights = [res.weight for res in computed.indicators if res.weight is not None]
        used = _abs_range(lay.first, COL_WEIGHT_USED, lay.last, COL_WEIGHT_USED)
        self.formula(lay.total_row, COL_WEIGHT, f"=SUM({used})", f.result, sum(weights) if weights else 0)
        scores = _abs_range(lay.first, COL_SCORE, lay.last, COL_SCORE)
        stated = cell_name(lay.total_row, COL_SCORE)
        if self.blank:
            cached = [res.rule_score for res in computed.indicators if res.rule_score is not None]
            self.formula(lay.total_row, COL_SCORE, f'=IF(COUNT({scores})=0,"",SUM({scores}))', f.score_input,
                         sum(cached) if cached else None)
            stated_value = sum(cached) if cached else None
        else:
            self.put(lay.total_row, COL_SCORE, form.stated_total, f.score_input)
            stated_value = form.stated_total
        self.formula(lay.total_row, COL_RULE, fx.total(), f.result, computed.total)
        self.put(lay.grade_row, COL_L1, "等级（优≥90，良≥80，中≥60，差<60）", f.heading, last_col=COL_WEIGHT)
        self.formula(lay.grade_row, COL_SCORE, fx.grade(stated), f.result_text, grade(stated_value, rules))
        self.formula(lay.grade_row, COL_RULE, fx.grade(cell_name(lay.total_row, COL_RULE)), f.result_text, computed.grade)

    def footer(self, rules: RuleProfile) -> None:
        f, form, lay = self.f, self.form, self.layout
        self.put(lay.problems_row, 0, "五、存在问题、原因及下一步整改措施", f.section)
        self.put(lay.problems_row, 1, form.problems, f.text, last_col=LAST_PRINTED_COL)
        self.heights[lay.problems_row] = _row_height(5)
        self.fit(lay.problems_row, form.problems, 1, LAST_PRINTED_COL)
        self.fit(lay.problems_row, "五、存在问题、原因及下一步整改措施", 0)
        row = lay.signature_row
        self.put(row, 0, "填报人：", f.plain_right, last_col=1)
        self.put(row, 2, form.filled_by, f.plain_value, last_col=3)
        self.put(row, 4, "联系电话：", f.plain_right)
        self.put(row, 5, form.phone, f.plain_value, last_col=6)
        self.heights[row] = 24
        note = (f"注：灰色单元格为 perfxl 按《{rules.name}》规则复核计算的结果；分值留空时，"
                "一级指标分值在其下已填写的三级指标间平均分配。")
        self.put(lay.note_row, 0, note, f.note, last_col=LAST_PRINTED_COL)
        self.fit(lay.note_row, note, 0, LAST_PRINTED_COL)

    def finish(self) -> None:
        ws, lay = self.ws, self.layout
        for col, width in enumerate(COL_WIDTHS):
            ws.set_column(col, col, width)
        ws.set_column(LAST_PRINTED_COL + 1, LAST_PRINTED_COL + 1, 2)
        ws.set_column(COL_L1_WEIGHT, LAST_HELPER_COL, 10, None, {"hidden": True})
        for row, height in self.heights.items():
            ws.set_row(row, height)
        ws.set_paper(9)  # A4
        ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.print_area(0, 0, lay.note_row, LAST_PRINTED_COL)
        ws.repeat_rows(ROW_TITLE, ROW_YEAR)
        ws.set_footer("&C第 &P 页，共 &N 页")
        # No password: the lock only keeps formulas from being typed over by accident.
        ws.protect("", {"format_columns": True, "format_rows": True, "insert_rows": True})
        ws.activate()


def _write_workbook(target, form: Form, *, kind: str, rules: RuleProfile, blank: bool, rows: int) -> None:
    """Write one form (blank, pre-filled or filled) to ``target`` (a path or a binary file object)."""
    data = form.model_dump()
    if writable(data) is not data:  # a lone surrogate (\ud800 in JSON) fits in no workbook
        form = Form.model_validate(writable(data))
    layout = Layout(plan_rows(form, rows, filled=not blank))
    fx = formulas_for(kind, layout, rules)
    computed = scored(form, rules).computed
    with xlsx_workbook(target, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}) as wb:
        ws = wb.add_worksheet(SHEET, worksheet_class=_worksheet_class())
        sheet = _Sheet(ws, _Formats(wb), layout, fx, form, blank)
        sheet.header()
        sheet.money()
        sheet.goals()
        sheet.table(computed, rules)
        sheet.footer(rules)
        sheet.finish()
        for name, ref in layout.names().items():
            wb.define_name(name, ref)
        if kind == "udf":
            from .addin import workbook_settings

            conf = wb.add_worksheet("xlwings.conf")
            for i, (key, value) in enumerate(workbook_settings()):
                conf.write_string(i, 0, key)
                conf.write_string(i, 1, value)
            conf.hide()
        wb.set_properties({
            "title": f"{TITLE}{'：' + form.project if form.project else ''}",
            "subject": f"{form.year or ''}年度项目支出绩效自评",
            "author": form.filled_by or "",
            "company": form.unit or "",
            "comments": f"perfxl 生成；公式：{kind}；规则：{rules.name}",
            # A fixed date keeps the file the same for the same form (golden files, caches).
            "created": _dt.datetime(2020, 1, 1),
        })
        wb.set_custom_property("perfxl_formulas", kind)


def blank_form(options: TemplateOptions, rules: RuleProfile = DEFAULT_RULES) -> Form:
    """The form a blank (or pre-filled) template shows: options' fields and the 预算执行率 row.

    Args:
        options: year, 填报单位, 项目名称, 预算数, 一级 weights.
        rules: the rule profile (its 一级 weights are the default).

    Returns:
        The form.
    """
    weights = dict(rules.level1_weights if options.level1_weights is None else options.level1_weights)
    return Form(
        year=options.year,
        unit=options.unit,
        project=options.project,
        money_unit="万元",
        budget=Amounts(total=options.budget),
        indicators=[Indicator(level1=EXECUTION, level2=EXECUTION_L2, name=EXECUTION_L2, target="100%")],
        level1_weights=weights,
    )


def write_template(
    path: str | Path,
    form: Form | None = None,
    *,
    options: TemplateOptions | None = None,
    rules: RuleProfile = DEFAULT_RULES,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
) -> Path:
    """Write the official template: blank, pre-filled from ``options``, or ``form`` filled in.

    Args:
        path: the .xlsx to write (atomically; an existing file only with ``force``).
        form: a form to write back as written (self-scores included); None for a blank template.
        options: the template's options (formula kind, rows per 二级, and for a blank one its fields).
        rules: the rule profile the formulas follow.
        force: overwrite an existing file.
        inputs: files read to make it (``--from``), which it may never overwrite.

    Returns:
        The path written.

    Raises:
        OutputError: the file exists (without ``force``), or its folder does not.
    """
    options = options or TemplateOptions()
    path = Path(path)
    blank = form is None
    form = blank_form(options, rules) if form is None else form.model_copy(update={"computed": None})
    with atomic_output(path, force=force, inputs=inputs) as tmp:
        _write_workbook(tmp, form, kind=options.formulas, rules=rules, blank=blank, rows=options.rows)
    return path


# ---------------------------------------------------------------------------------------------
# Project lists: one pre-filled workbook per project


#: Column headings of a project list → form field (headings are compared without spaces and colons).
LIST_COLUMNS = {
    "填报单位": "unit", "单位": "unit", "单位名称": "unit",
    "项目名称": "project", "项目": "project",
    "实施(主管)单位": "implementing_unit", "实施单位": "implementing_unit", "主管单位": "implementing_unit",
    "预算数": "budget.total", "预算数(万元)": "budget.total", "预算安排": "budget.total", "全年预算数": "budget.total",
    "财政资金": "budget.fiscal", "其中:财政资金": "budget.fiscal", "其他": "budget.other", "其他资金": "budget.other",
    "年度": "year", "填报人": "filled_by", "联系电话": "phone",
    "年度预期目标": "goal", "绩效目标": "goal",
}


@dataclass
class ProjectList:
    """The projects of a list, and what was wrong with the rows that could not be used."""

    forms: list[Form]
    problems: list[str]


def _heading_key(value: object) -> str:
    return "".join(normalize_text(str(value)).split()).rstrip(":").replace("（", "(").replace("）", ")")


#: A project list in CSV: 20,000 rows of a few hundred bytes (a workbook's is bounded as any sheet is).
MAX_LIST_BYTES = 10 * 1024 * 1024


def _list_rows(path: Path) -> tuple[list[list[object]], bool]:
    """The rows of a project list, at most MAX_ROWS of MAX_COLS cells, and whether it went further."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        reader = csv.reader(io.StringIO(read_text(path, MAX_LIST_BYTES)))
        rows: list[list[object]] = []
        clipped = False
        try:
            for row in reader:
                if len(rows) == MAX_ROWS:
                    return rows, True
                rows.append(row[:MAX_COLS])
                clipped = clipped or len(row) > MAX_COLS
        except csv.Error as exc:  # a field over 128 KB, a NUL byte, an unclosed quote
            what = (f"有字段超过 {csv.field_size_limit()} 个字符" if "field larger" in str(exc)
                    else "含有 NUL 字符" if "NUL" in str(exc) else f"格式错误（{exc}）")
            raise ReadError(path, f"CSV 第 {reader.line_num} 行{what}，无法读取") from exc
        return rows, clipped
    if suffix in WORKBOOK_SUFFIXES:
        grids = load_grids(path)
        return (grids[0].rows, grids[0].clipped) if grids else ([], False)
    raise ReadError(path, f"项目清单应为 CSV 或 Excel 文件，不支持“{suffix or '无扩展名'}”")


def find_list_header(rows: list[list[object]]) -> tuple[int, dict[int, str]] | None:
    """The heading row of a project list: it has 项目名称 and 填报单位 or 预算数 as column headings.

    Returns:
        (row index, column → field), or None when the rows are not a project list.
    """
    for r, row in enumerate(rows[:20]):
        columns = {c: LIST_COLUMNS[_heading_key(v)] for c, v in enumerate(row) if v not in (None, "")
                   and _heading_key(v) in LIST_COLUMNS}
        fields = set(columns.values())
        if "project" in fields and ({"unit", "budget.total"} & fields):
            return r, columns
    return None


def read_project_list(path: str | Path, options: TemplateOptions | None = None,
                      rules: RuleProfile = DEFAULT_RULES) -> ProjectList:
    """The forms to pre-fill from a list of projects (CSV or the first sheet of a workbook).

    Args:
        path: the list; a heading row names the columns (填报单位, 项目名称, 预算数, 财政资金, 其他,
            实施单位, 年度, 填报人, 联系电话, 年度预期目标).
        options: defaults for what the list leaves out (年度, 一级 weights).
        rules: the rule profile.

    Returns:
        The forms of the usable rows, and a message per row that was skipped.

    Raises:
        ReadError: the file cannot be read or has no heading row with 项目名称.
    """
    path = Path(path)
    options = options or TemplateOptions()
    rows, clipped = _list_rows(path)
    found = find_list_header(rows)
    if found is None:
        raise ReadError(path, "不是项目清单：没有含“项目名称”和“填报单位”或“预算数”的标题行")
    header, columns = found
    forms, problems = [], []
    if clipped:
        problems.append(f"{path}：项目清单超过 {MAX_ROWS} 行或 {MAX_COLS} 列，超出部分未读取")
    for r in range(header + 1, len(rows)):
        row = rows[r]
        values = {f: row[c] for c, f in columns.items() if c < len(row) and row[c] not in (None, "")}
        if not values:
            continue
        where = f"{path} 第 {r + 1} 行"
        if "project" not in values:
            problems.append(f"{where}：没有项目名称，已跳过")
            continue
        data: dict = {}
        amounts: dict = {}
        bad = None
        for fieldname, value in values.items():
            if fieldname.startswith("budget.") or fieldname == "year":
                number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else parse_value(render(value)).number
                if number is None or not math.isfinite(number):
                    bad = f"{where}：{'年度' if fieldname == 'year' else '金额'}“{render(value)}”不是数字，已跳过"
                    break
                if fieldname == "year":
                    data["year"] = int(number)
                else:
                    amounts[fieldname.split(".")[1]] = float(number)
            else:
                data[fieldname] = render(value)
        if bad:
            problems.append(bad)
            continue
        base = blank_form(options.model_copy(update={"year": data.pop("year", options.year)}), rules)
        forms.append(base.model_copy(update={**data, "budget": Amounts(**amounts)}))
    return ProjectList(forms=forms, problems=problems)


#: A file name's limit is 255 bytes on most file systems; the name keeps room for ``.xlsx`` and for
#: the temporary name it is first written under.
_NAME_BYTES = 180


def file_name_for(form: Form, index: int) -> str:
    """A safe, readable file name for a form's workbook: ``003-投资服务局-党建经费.xlsx``.

    Characters Windows forbids and control characters become ``_``; format characters (the
    right-to-left override that shows ``exe.xlsx`` as ``xlsx.exe``, zero-width spaces) and lone
    surrogates are left out; the name is cut to whole characters within :data:`_NAME_BYTES` bytes.
    """
    parts = [f"{index:03d}"] + [p for p in (form.unit, form.project) if p]
    kept = []
    for ch in "-".join(parts):
        kind = unicodedata.category(ch)
        if kind in ("Cf", "Cs"):
            continue
        kept.append("_" if ch in '<>:"/\\|?*' or kind == "Cc" else ch)
    name = "".join(kept).strip(" .")
    while len(name.encode("utf-8")) > _NAME_BYTES:
        name = name[:-1]
    return name.rstrip(" .") + ".xlsx"


def write_templates(
    forms: list[Form],
    folder: str | Path,
    *,
    options: TemplateOptions | None = None,
    rules: RuleProfile = DEFAULT_RULES,
    blank: bool = True,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
) -> list[Path]:
    """One workbook per form into ``folder`` (created when missing).

    Args:
        forms: the forms (from :func:`read_project_list`, or read forms to write back).
        folder: where to write.
        options: formula kind and rows per 二级.
        rules: the rule profile.
        blank: the forms are pre-filled lists (stated cells get formulas); False writes them as written.
        force: overwrite existing files.
        inputs: files read to make them (``--from``), which none may overwrite.

    Returns:
        The files written, in order: all of them, or none (every file is checked before any is
        written, and they are put in place together).

    Raises:
        OutputError: the folder cannot be made, a file exists (without ``force``) or is not a
            regular file, or writing failed (a full disk); a folder made here is removed again.
    """
    options = options or TemplateOptions()
    folder = Path(folder)
    made = make_folder(folder)
    paths = [folder / file_name_for(form, i) for i, form in enumerate(forms, start=1)]
    try:
        with atomic_outputs(paths, force=force, inputs=inputs) as temps:
            for form, tmp in zip(forms, temps):
                _write_workbook(tmp, form, kind=options.formulas, rules=rules, blank=blank, rows=options.rows)
    except BaseException:
        remove_folders(made)
        raise
    return paths
