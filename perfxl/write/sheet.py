"""Writing one form onto the template's worksheet: cells, formats, formulas with cached results, names."""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..display import writable
from ..engine import exec_rate, grade, scored
from ..files import atomic_output, xlsx_workbook
from ..model import EXECUTION, EXECUTION_L2, Amounts, Form, Indicator
from ..rules import DEFAULT_RULES, RuleProfile
from .formulas import LITE_PREFIX, PLAIN_FUNCTIONS, Formulas, formulas_for, number_literal
from .layout import (
    AMOUNT_COLS,
    AMOUNT_ROWS,
    COL_ACTUAL,
    COL_L1,
    COL_L1_WEIGHT,
    COL_L2,
    COL_NAME,
    COL_RULE,
    COL_SCORE,
    COL_TARGET,
    COL_WEIGHT,
    COL_WEIGHT_USED,
    COL_WIDTHS,
    FIELD_CELLS,
    LAST_HELPER_COL,
    LAST_PRINTED_COL,
    QUALITATIVE_CHOICES,
    ROW_AMOUNT_FISCAL,
    ROW_AMOUNT_OTHER,
    ROW_BASIC,
    ROW_GOAL,
    ROW_GOAL_HEAD,
    ROW_MONEY_HEAD,
    ROW_TABLE_HEAD,
    ROW_TITLE,
    ROW_UNIT,
    ROW_YEAR,
    SHEET,
    TITLE,
    Layout,
    absolute_range,
    cell_name,
    plan_rows,
)
from .options import TemplateOptions

_FONT, _VALUE_FONT = "宋体", "仿宋"
_GREY = "#F2F2F2"

_CALLED = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\(")


@functools.cache
def _worksheet_class():
    """An XlsxWriter worksheet that stores formulas calling only :data:`PLAIN_FUNCTIONS` as they are.

    XlsxWriter runs some 30 regular-expression substitutions over every formula, to give functions
    newer than Excel 2010 their ``_xlfn.`` prefix: measured, 40 % of writing a udf template and 75 %
    of a native one (its parsing formulas are long). perfxl's formulas call none of those functions;
    any formula that calls another one still goes through XlsxWriter.
    """
    from xlsxwriter.worksheet import Worksheet

    class PlainFormulaWorksheet(Worksheet):
        def _prepare_formula(self, formula, expand_future_functions=False):
            if (
                formula.startswith("=")
                and not formula.endswith("}")
                and all(
                    name in PLAIN_FUNCTIONS or name.startswith(("perfxl_", LITE_PREFIX))
                    for name in _CALLED.findall(formula)
                )
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
    return sum(COL_WIDTHS[first_col : last_col + 1])


@dataclass
class _Sheet:
    """Writes one form onto one worksheet."""

    ws: Any  # an XlsxWriter worksheet (XlsxWriter has no type hints)
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
        lines = _lines(
            None if text is None else str(text), _width(first_col, first_col if last_col is None else last_col)
        )
        self.heights[row] = max(self.heights.get(row, _row_height(1)), _row_height(lines))

    def put(self, row: int, col: int, value, fmt, last_col: int | None = None, last_row: int | None = None) -> None:
        """A value (text always as text: never read as a formula), merged when a span is given."""
        ws = self.ws
        if (last_col is not None and last_col != col) or (last_row is not None and last_row != row):
            ws.merge_range(
                row, col, row if last_row is None else last_row, col if last_col is None else last_col, "", fmt
            )
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
        for block, col in AMOUNT_COLS.items():
            amounts: Amounts = getattr(form, block)
            for part, row in AMOUNT_ROWS.items():
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
        amount_cells = [(row, col) for col in AMOUNT_COLS.values() for row in AMOUNT_ROWS.values()]
        for row, col in amount_cells:
            self.ws.data_validation(
                row,
                col,
                row,
                col,
                {
                    "validate": "decimal",
                    "criteria": ">=",
                    "value": 0,
                    "error_type": "warning",
                    "error_title": "金额",
                    "error_message": "请填写数字（单位：万元），一般不小于 0。",
                },
            )

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
        self.ws.data_validation(
            ROW_GOAL,
            7,
            ROW_GOAL,
            7,
            {
                "validate": "list",
                "source": ["100%", "完成预算目标", "部分完成预期目标", "未完成预期目标"],
                "show_error": False,
            },
        )

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
            heading = f"{level1}（{number_literal(weight)}分）" if weight is not None else level1
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
            self.formula(
                row, COL_WEIGHT_USED, fx.weight_used(row, (first, last)), f.helper, res.weight if res else None
            )
            for col, helper in fx.helpers(row, trow.is_execution).items():
                self.formula(row, col, helper, f.helper, "")
            self.fit(row, ind.name if ind else None, COL_NAME)
            self.fit(row, ind.target if ind else None, COL_TARGET)
            self.fit(row, ind.actual if ind else None, COL_ACTUAL)
            self.fit(row, level1 if row == first else None, COL_L1)
        for col, rule in (
            (
                COL_WEIGHT,
                {
                    "validate": "decimal",
                    "criteria": "between",
                    "minimum": 0,
                    "maximum": 100,
                    "error_title": "分值",
                    "error_message": "分值应为 0 到 100 之间的数字。",
                },
            ),
            (
                COL_SCORE,
                {
                    "validate": "decimal",
                    "criteria": "between",
                    "minimum": 0,
                    "maximum": 100,
                    "error_title": "自评得分",
                    "error_message": "自评得分应为 0 到 100 之间的数字，且不超过分值。",
                },
            ),
        ):
            self.ws.data_validation(lay.first, col, lay.last, col, rule)
        for row, trow in enumerate(lay.table, start=lay.first):
            if not trow.is_execution:
                self.ws.data_validation(
                    row,
                    COL_ACTUAL,
                    row,
                    COL_ACTUAL,
                    {
                        "validate": "list",
                        "source": list(QUALITATIVE_CHOICES),
                        "show_error": False,
                        "input_title": "实际完成值",
                        "input_message": "填写完成的数值（如 98.5%、40个）；定性指标可选 达成 / 部分达成 / 未达成。",
                    },
                )
        self.totals(computed, rules)

    def totals(self, computed, rules: RuleProfile) -> None:
        f, form, lay, fx = self.f, self.form, self.layout, self.formulas
        self.put(lay.total_row, COL_L1, "总分", f.heading, last_col=COL_ACTUAL)
        weights = [res.weight for res in computed.indicators if res.weight is not None]
        used = absolute_range(lay.first, COL_WEIGHT_USED, lay.last, COL_WEIGHT_USED)
        self.formula(lay.total_row, COL_WEIGHT, f"=SUM({used})", f.result, sum(weights) if weights else 0)
        scores = absolute_range(lay.first, COL_SCORE, lay.last, COL_SCORE)
        stated = cell_name(lay.total_row, COL_SCORE)
        if self.blank:
            cached = [res.rule_score for res in computed.indicators if res.rule_score is not None]
            self.formula(
                lay.total_row,
                COL_SCORE,
                f'=IF(COUNT({scores})=0,"",SUM({scores}))',
                f.score_input,
                sum(cached) if cached else None,
            )
            stated_value = sum(cached) if cached else None
        else:
            self.put(lay.total_row, COL_SCORE, form.stated_total, f.score_input)
            stated_value = form.stated_total
        self.formula(lay.total_row, COL_RULE, fx.total(), f.result, computed.total)
        self.put(lay.grade_row, COL_L1, "等级（优≥90，良≥80，中≥60，差<60）", f.heading, last_col=COL_WEIGHT)
        self.formula(lay.grade_row, COL_SCORE, fx.grade(stated), f.result_text, grade(stated_value, rules))
        self.formula(
            lay.grade_row, COL_RULE, fx.grade(cell_name(lay.total_row, COL_RULE)), f.result_text, computed.grade
        )

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
        note = (
            f"注：灰色单元格为 perfxl 按《{rules.name}》规则复核计算的结果；分值留空时，"
            "一级指标分值在其下已填写的三级指标间平均分配。"
        )
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


def write_workbook(target, form: Form, *, kind: str, rules: RuleProfile, blank: bool, rows: int) -> None:
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
        if fx.calls_udfs:  # the add-in reads its settings from this sheet
            from ..addin import workbook_settings

            conf = wb.add_worksheet("xlwings.conf")
            for i, (key, value) in enumerate(workbook_settings()):
                conf.write_string(i, 0, key)
                conf.write_string(i, 1, value)
            conf.hide()
        wb.set_properties(
            {
                "title": f"{TITLE}{'：' + form.project if form.project else ''}",
                "subject": f"{form.year or ''}年度项目支出绩效自评",
                "author": form.filled_by or "",
                "company": form.unit or "",
                "comments": f"perfxl 生成；公式：{kind}；规则：{rules.name}",
                # A fixed date keeps the file the same for the same form (golden files, caches).
                "created": _dt.datetime(2020, 1, 1),
            }
        )
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
        write_workbook(tmp, form, kind=options.formulas, rules=rules, blank=blank, rows=options.rows)
    return path
