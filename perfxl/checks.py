"""Every check of a form, each a small unit registered with its code, level and meaning.

:func:`run` applies them in registration order (basic facts, amounts, weights, indicators, total,
section 五, perfxl's own cells), so findings come in form order. :data:`CODES` is the one list of
finding codes: the README's table (:func:`codes_table`) and 问题清单's 问题类型 come from it, and a
test fails when the README differs. Adding a check: one function, one ``@form_check`` or
``@indicator_check`` line; a code the reader raises (``not-a-number`` …) is registered with
:func:`reader_code`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .engine import as_fraction, exec_rate, execution_counts_separately, level1_weight, round_score
from .model import AMOUNT_BLOCKS, AMOUNT_PARTS, DEPARTMENT, EXECUTION, PROJECT, Form, Indicator, IndicatorResult
from .rules import RuleProfile
from .values import parse_value

ERROR, WARNING = "error", "warning"
#: Findings that a field was left empty: not given where the field's cell is an uncalculated formula.
_UNFILLED_CODES = frozenset({"missing-field", "missing-budget", "actual-missing", "score-missing", "missing-total"})

#: The form's own instruction for section 五, left in place when nothing was written.
_INSTRUCTION_RE = re.compile(r"主要填写|纠偏措施及对策建议|修改完善措施")


@dataclass
class Finding:
    """One thing wrong in a form.

    Attributes:
        code: stable identifier (one of :data:`CODES`).
        level: ``error`` or ``warning``.
        message: what is wrong, in Chinese, with the numbers.
        location: ``sheet!cell`` or ``line N``; "" when the form does not have the field at all.
        file: the file.
        project: the form's 项目名称, to tell forms of one file apart.
    """

    code: str
    level: str
    message: str
    location: str = ""
    file: str = ""
    project: str = ""


@dataclass(frozen=True)
class Code:
    """A finding code: its level, its 问题类型 for a person, and what it means (the README's words)."""

    code: str
    level: str
    title: str
    meaning: str


#: Every finding code, in the order the README lists them.
CODES: dict[str, Code] = {}


def _code(code: str, level: str, title: str, meaning: str) -> None:
    if code in CODES:
        raise ValueError(f"finding code registered twice: {code}")
    CODES[code] = Code(code, level, title, meaning)


def reader_code(code: str, level: str, title: str, meaning: str) -> None:
    """Register a code the reader raises as a note on the form (the checker reports each note)."""
    _code(code, level, title, meaning)


class Context:
    """What every check reads: the form, its results, the rules, and ``add`` for a finding."""

    def __init__(self, form: Form, rules: RuleProfile):
        if form.computed is None:
            raise ValueError("checks run on a scored form (engine.score_form first)")
        self.form = form
        self.computed = form.computed
        self.rules = rules
        self.source = form.source
        self.indicators = form.indicators
        self.findings: list[Finding] = []
        self.file = self.source.file if self.source and self.source.file else ""
        self.project = form.project or ""
        # A field is missing where the form has its line; a layout without the line (the central
        # form has no 填报单位 or 填报人, a scoring rubric no 项目名称 or amounts) is not faulted for it.
        # A form read from JSON or by perfxl's names has every line.
        self.labelled = self.source is not None and self.source.method == "labels"
        self.budget_total = form.budget_total
        self.spent_total = form.spent.total
        self.rate = self.computed.exec_rate
        self.shortfall = False  # set by the indicator checks: a target not fully met
        self.has_execution_row = any(ind.is_execution for ind in self.indicators)
        # Cells holding a formula never calculated: the reader said so (formula-no-value) at each.
        self.uncalculated = (
            {n.location for n in self.source.notes if n.code == "formula-no-value"} if self.source else set()
        )

    def has_line(self, path: str) -> bool:
        return not self.labelled or bool(self.form.location(path))

    def add(self, code: str, message: str, path: str = "", level: str | None = None) -> None:
        if code in _UNFILLED_CODES and path and self.form.location(path) in self.uncalculated:
            return  # not left unfilled: a formula whose value no program calculated, said at its cell
        self.findings.append(
            Finding(code, level or CODES[code].level, message, _where(self.form, path), self.file, self.project)
        )


FormCheck = Callable[[Context], None]
#: An indicator check returns True when it found something that makes the later ones moot.
IndicatorCheck = Callable[[Context, int, Indicator, IndicatorResult], bool]
_FORM_CHECKS: list[tuple[str, FormCheck | None]] = []  # None: the place of the indicator checks
_INDICATOR_CHECKS: list[IndicatorCheck] = []


def form_check(code: str, level: str, title: str, meaning: str, *more: tuple[str, str, str, str]):
    """Register a check of the whole form under its code (and the other codes it gives, ``more``)."""

    def register(check: FormCheck) -> FormCheck:
        for args in ((code, level, title, meaning), *more):
            _code(*args)
        _FORM_CHECKS.append((code, check))
        return check

    return register


def indicator_check(code: str, level: str, title: str, meaning: str):
    """Register a check of each indicator; the indicator checks run in order, between the form's."""

    def register(check: IndicatorCheck) -> IndicatorCheck:
        _code(code, level, title, meaning)
        if not _INDICATOR_CHECKS:
            _FORM_CHECKS.append(("", None))
        _INDICATOR_CHECKS.append(check)
        return check

    return register


def run(form: Form, rules: RuleProfile) -> list[Finding]:
    """Every finding for one scored form, in form order."""
    ctx = Context(form, rules)
    source = ctx.source
    if source:
        for note in source.notes:
            level = CODES[note.code].level if note.code in CODES else ERROR
            ctx.findings.append(Finding(note.code, level, note.message, note.location, ctx.file, ctx.project))
    for _, check in _FORM_CHECKS:
        if check is not None:
            check(ctx)
            continue
        for i, (ind, res) in enumerate(zip(ctx.indicators, ctx.computed.indicators)):
            if res.met is False:
                ctx.shortfall = True
            for indicator in _INDICATOR_CHECKS:
                if indicator(ctx, i, ind, res):
                    break
    return ctx.findings


def codes_table() -> str:
    """The README's table of finding codes, from :data:`CODES`."""
    lines = ["| code | level | 问题类型 | meaning |", "| --- | --- | --- | --- |"]
    for c in CODES.values():
        lines.append(f"| {c.code} | {c.level} | {c.title} | {c.meaning} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# helpers


def _close(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance + 1e-9


def fmt(x: float | None) -> str:
    """A number as a message shows it (— for none)."""
    if x is None:
        return "—"
    return f"{round(x, 4):g}"


def _softened(res: IndicatorResult) -> tuple[str, str]:
    """The level of a finding about an indicator's score, and the words to add to its message:
    a warning when the weight was inferred, since the rule is then only a guess."""
    if res.weight_inferred:
        return WARNING, "（分值系按一级指标分值平均推定）"
    return ERROR, ""


def _where(form: Form, path: str) -> str:
    """Where ``path`` was found; for a cell left empty (``indicators.0.score``), its row."""
    while path:
        where = form.location(path)
        if where:
            return where
        path = path.rpartition(".")[0] if path.startswith("indicators.") else ""
    return ""


# ---------------------------------------------------------------------------------------------
# the reader's notes

reader_code(
    "not-a-number",
    ERROR,
    "不是数字",
    "text, a date, NaN, an infinity or a number of 10¹⁵ or more where a number belongs (read as empty)",
)
reader_code("cell-error", ERROR, "单元格错误值", "a cached #DIV/0!")
reader_code(
    "formula-no-value",
    ERROR,
    "公式未计算",
    "a formula with no cached result (the file was written by a program and never calculated in Excel): it reads as empty",
)
reader_code(
    "sheet-clipped",
    WARNING,
    "超出读取范围",
    "the sheet (or text) goes past 20,000 rows or 64 columns; the rest was not read",
)


# ---------------------------------------------------------------------------------------------
# 一、基本情况


@form_check(
    "missing-field",
    ERROR,
    "必填项未填",
    "项目名称 (project forms), 填报单位 or 填报人 (where the form has that line) missing",
)
def _missing_fields(ctx: Context) -> None:
    form = ctx.form
    if form.kind == PROJECT and not form.project and ctx.has_line("project"):
        ctx.add("missing-field", "未填写项目名称", "project")
    if not form.unit and (
        ctx.has_line("unit")
        or not form.group_unit
        and (ctx.has_line("implementing_unit") or ctx.has_line("department"))
    ):
        ctx.add("missing-field", "未填写填报单位", "unit")  # the 实施单位 of a central form stands in
    if not form.filled_by and ctx.has_line("filled_by"):
        ctx.add("missing-field", "未填写填报人", "filled_by")


# ---------------------------------------------------------------------------------------------
# 二、预算执行情况


@form_check("missing-budget", ERROR, "未填预算数", "no 预算数", ("zero-budget", ERROR, "预算数为零", "预算数 is 0"))
def _budget(ctx: Context) -> None:
    if ctx.budget_total is None:
        if ctx.has_line("budget.total"):
            ctx.add("missing-budget", "未填写预算数，无法计算预算执行率", "budget.total")
    elif ctx.budget_total == 0:
        ctx.add("zero-budget", "预算数为 0，无法计算预算执行率", "budget.total")


def _blocks(form: Form):
    for block, label in AMOUNT_BLOCKS.items():
        yield block, label, getattr(form, block)


@form_check("negative-amount", ERROR, "金额为负", "an amount below 0")
def _negative(ctx: Context) -> None:
    for block, label, amounts in _blocks(ctx.form):
        # (x or 0.0) < 0 is x < 0 for a number and False for None: most blocks need no closer look
        if not (
            (amounts.total or 0.0) < 0
            or (amounts.fiscal or 0.0) < 0
            or (amounts.other or 0.0) < 0
            or (amounts.carryover or 0.0) < 0
        ):
            continue
        for part, which in AMOUNT_PARTS.items():
            amount = getattr(amounts, part)
            if amount is not None and amount < 0:
                ctx.add("negative-amount", f"{label}{which}为负数（{fmt(amount)}）", f"{block}.{part}")


@form_check(
    "spent-above-budget",
    ERROR,
    "执行数超预算",
    "执行数 above 预算数",
    ("spent-above-received", ERROR, "执行数超到位数", "执行数 above 到位数"),
    ("received-above-budget", WARNING, "到位数超预算", "到位数 above 预算数"),
)
def _spent_and_received(ctx: Context) -> None:
    budget, spent, received = ctx.budget_total, ctx.spent_total, ctx.form.received.total
    tol = ctx.rules.amount_tolerance
    if spent is not None and budget is not None and spent > budget + tol:
        ctx.add("spent-above-budget", f"执行数 {fmt(spent)} 大于预算数 {fmt(budget)}", "spent.total")
    if spent is not None and received is not None and spent > received + tol:
        ctx.add("spent-above-received", f"执行数 {fmt(spent)} 大于到位数 {fmt(received)}", "spent.total")
    if received is not None and budget is not None and received > budget + tol:
        ctx.add("received-above-budget", f"到位数 {fmt(received)} 大于预算数 {fmt(budget)}", "received.total")


@form_check(
    "parts-not-total",
    ERROR,
    "分项与合计不符",
    "财政资金 + 上年结转 + 其他 ≠ 合计 (a 年度资金总额 of 0 beside a part with money too)",
)
def _parts(ctx: Context) -> None:
    for block, label, amounts in _blocks(ctx.form):
        total, fiscal, other, carryover = amounts.total, amounts.fiscal, amounts.other, amounts.carryover
        if total is None or (fiscal is None and other is None and carryover is None):
            continue
        parts = (fiscal or 0.0) + (carryover or 0.0) + (other or 0.0)
        if not _close(parts, total, ctx.rules.amount_tolerance):
            carried = f" + 上年结转 {fmt(carryover)}" if carryover is not None else ""
            ctx.add(
                "parts-not-total",
                f"{label}：财政资金 {fmt(fiscal)}{carried} + 其他 {fmt(other)} = {fmt(parts)}，不等于合计 {fmt(total)}",
                f"{block}.total",
            )


@form_check(
    "progress-mismatch",
    ERROR,
    "执行进度填写有误",
    "stated 预算执行进度 (or the 预算执行率 row's actual) ≠ 执行数 / 预算数",
)
def _progress(ctx: Context) -> None:
    form, rules, rate = ctx.form, ctx.rules, ctx.rate
    budget, spent = ctx.budget_total, ctx.spent_total
    if not budget or spent is None or rate is None:
        return
    stated_progress = form.stated_progress
    if stated_progress:
        stated = as_fraction(parse_value(stated_progress), rules)
        if stated is not None and not _close(stated * 100, rate * 100, rules.progress_tolerance):
            ctx.add(
                "progress-mismatch",
                f"填写的预算执行进度 {stated_progress} 与 执行数/预算数 = {fmt(spent)}/{fmt(budget)} = {rate * 100:.2f}% 不符",
                "stated_progress",
            )
    for i, ind in enumerate(ctx.indicators):
        # The 预算执行率 row's 实际完成值 is a stated rate too (项目考察评审经费: 82% for 2.6/3.2).
        if not ind.is_execution or not ind.actual:
            continue
        if form.location(f"indicators.{i}.actual") == form.location("stated_progress"):
            continue  # the funds table's 执行率, checked above as the stated progress
        written = parse_value(ind.actual)
        if (
            written.percent
            and written.number is not None
            and not _close(written.number, rate * 100, rules.progress_tolerance)
        ):
            ctx.add(
                "progress-mismatch",
                f"预算执行率指标的实际完成值 {ind.actual} 与 执行数/预算数 = {fmt(spent)}/{fmt(budget)} = {rate * 100:.2f}% 不符",
                f"indicators.{i}.actual",
            )


# ---------------------------------------------------------------------------------------------
# 四、绩效指标: the form as a whole


@form_check("no-indicators", ERROR, "无绩效指标", "no indicator rows")
def _no_indicators(ctx: Context) -> None:
    if not ctx.indicators:
        ctx.add("no-indicators", "没有填写任何绩效指标")


@form_check(
    "level1-weights-not-100",
    ERROR,
    "分值合计不为100",
    "一级 weights (or every 分值 with the funds block's) sum above 100, or not to 100 where every 一级 has one",
)
def _weights(ctx: Context) -> None:
    form, indicators = ctx.form, ctx.indicators
    level1_weights = form.level1_weights
    if level1_weights:
        s = sum(level1_weights.values())
        # short of 100 is a fault only in a whole table (its 总分 row read) weighing every 一级
        complete = form.stated_total is not None and all(ind.level1 in level1_weights for ind in indicators)
        if s > 100 + 0.01 or complete and not _close(s, 100, 0.01):
            parts = "、".join(f"{k}{fmt(v)}" for k, v in level1_weights.items())
            ctx.add("level1-weights-not-100", f"一级指标分值合计 {fmt(s)}，应为 100（{parts}）")
            return  # one finding for one excess
    if indicators and all(ind.weight is not None for ind in indicators):
        s = sum(ind.weight for ind in indicators if ind.weight is not None)
        if s > 100 + 0.01:
            ctx.add("level1-weights-not-100", f"各指标分值合计 {fmt(s)}，超过 100")


@form_check("level1-over-weight", ERROR, "一级得分超分值", "an 一级's scores sum above its weight")
def _level1_over(ctx: Context) -> None:
    by_level1: dict[str, list] = {}  # 一级 → [its first indicator, the sum of its scores], in one pass
    for i, ind in enumerate(ctx.indicators):
        group = by_level1.get(ind.level1)
        if group is None:
            by_level1[ind.level1] = [i, ind.score or 0.0]
        else:
            group[1] += ind.score or 0.0
    for level1, (first, total) in by_level1.items():
        weight = level1_weight(ctx.form, level1, ctx.rules)
        if weight is not None and total > weight + 1e-9:
            ctx.add(
                "level1-over-weight",
                f"{level1}自评得分合计 {fmt(total)}，超过该一级指标分值 {fmt(weight)}",
                f"indicators.{first}.score",
            )


# ---------------------------------------------------------------------------------------------
# 四、绩效指标: each indicator, in order; a finding that makes the later ones moot stops them


@indicator_check("actual-missing", ERROR, "未填实际完成值", "a target without an actual")
def _actual_missing(ctx: Context, i: int, ind: Indicator, res: IndicatorResult) -> bool:
    if ind.target and not ind.actual and not ind.is_execution:
        ctx.add(
            "actual-missing", f"“{ind.name}”有预期指标值“{ind.target}”，但未填写实际完成值", f"indicators.{i}.actual"
        )
        return True
    return False


@indicator_check("score-missing", ERROR, "未填自评得分", "no 自评得分 (where the table has a 得分 column)")
def _score_missing(ctx: Context, i: int, ind: Indicator, res: IndicatorResult) -> bool:
    if ind.score is not None:
        return False
    source = ctx.source
    if source is not None and source.columns and "score" not in source.columns and not ind.is_execution:
        return True  # an older form's table has no 得分 column: nothing was left blank
    if ind.weight is None and any(x.weight is not None and not x.is_execution for x in ctx.indicators):
        return True  # a sub-item (其中…) with no 分值 beside weighted rows: not scored on its own
    ctx.add("score-missing", f"“{ind.name}”未填写自评得分", f"indicators.{i}.score")
    return True


@indicator_check(
    "score-above-weight", ERROR, "得分超分值", "a score above its weight (a warning when the weight is inferred)"
)
def _score_above(ctx: Context, i: int, ind: Indicator, res: IndicatorResult) -> bool:
    if res.weight is not None and ind.score is not None and ind.score > res.weight + 1e-9:
        level, basis = _softened(res)
        ctx.add(
            "score-above-weight",
            f"“{ind.name}”自评得分 {fmt(ind.score)} 超过分值 {fmt(res.weight)}{basis}",
            f"indicators.{i}.score",
            level,
        )
        return True
    return False


@indicator_check("indicator-unscorable", WARNING, "无法按规则复核", "an unclear qualitative result")
def _unscorable(ctx: Context, i: int, ind: Indicator, res: IndicatorResult) -> bool:
    if res.rule_score is not None:
        return False
    if ctx.form.kind == DEPARTMENT and not ind.target and not ind.actual:
        return True  # a department form's rubric row (分值 | 评分标准 | 得分): scored by judgement
    if res.kind == "qualitative" or res.note:
        ctx.add(
            "indicator-unscorable", f"“{ind.name}”无法按规则复核：{res.note or '无法判断'}", f"indicators.{i}.actual"
        )
    return True


@indicator_check(
    "score-differs-from-rule",
    ERROR,
    "自评得分与规则不符",
    "self-score off the rule score by more than the tolerance (a warning when the weight is inferred)",
)
def _differs(ctx: Context, i: int, ind: Indicator, res: IndicatorResult) -> bool:
    rule_score, score, tolerance = res.rule_score, ind.score, ctx.rules.tolerance
    low = rule_score if res.low is None else res.low
    high = rule_score if res.high is None else res.high
    if score < low - tolerance - 1e-9 or score > high + tolerance + 1e-9:  # type: ignore[operator]
        level, basis = _softened(res)
        if res.kind == "execution":
            rate = f"预算执行率 {ctx.rate * 100:.2f}%" if ctx.rate is not None else "预算执行率"
            why = f"按{rate}，得分应为 {fmt(rule_score)}"
        elif low != high:
            why = f"按定性指标分档，得分应在 {fmt(low)}～{fmt(high)} 之间"
        else:
            why = f"按“{ind.target}”与“{ind.actual}”，得分应为 {fmt(rule_score)}"
        ctx.add(
            "score-differs-from-rule",
            f"“{ind.name}”自评得分 {fmt(score)}，{why}{basis}",
            f"indicators.{i}.score",
            level,
        )
    return False


@indicator_check("target-too-low", WARNING, "目标可能偏低", "actual ≥ 3 × target: was the target set too low?")
def _too_low(ctx: Context, i: int, ind: Indicator, res: IndicatorResult) -> bool:
    if res.kind == "quantitative" and res.direction == "positive":
        t, a = parse_value(ind.target), parse_value(ind.actual)
        if (
            t.number
            and a.number
            and not (t.percent or a.percent)
            and a.number >= ctx.rules.over_achievement * t.number > 0
        ):
            ctx.add(
                "target-too-low",
                f"“{ind.name}”实际完成值 {ind.actual} 是预期指标值 {ind.target} 的 {a.number / t.number:.1f} 倍，目标是否设定过低",
                f"indicators.{i}.actual",
            )
    return False


# ---------------------------------------------------------------------------------------------
# 总分, 五、存在问题, perfxl's own cells


@form_check(
    "missing-total",
    WARNING,
    "未填总分",
    "no 总分",
    ("total-not-sum", ERROR, "总分与得分之和不符", "总分 ≠ the sum of the scores"),
)
def _total(ctx: Context) -> None:
    form, rules = ctx.form, ctx.rules
    stated = form.stated_total
    scores = [ind.score for ind in ctx.indicators if ind.score is not None]
    if stated is None:
        if ctx.indicators:
            ctx.add("missing-total", "未填写总分", "stated_total")
        return
    if not scores:
        return
    total: float = sum(scores)
    budget_score = ctx.computed.budget_score
    if (
        not ctx.has_execution_row
        and budget_score is not None
        and execution_counts_separately(form, level1_weight(form, EXECUTION, rules))
    ):
        total += budget_score  # scored in the 项目资金 table, not as an indicator row
    rounded = round_score(total, rules)
    if rounded is not None and not _close(rounded, stated, 0.01):
        ctx.add("total-not-sum", f"总分 {fmt(stated)} 不等于各项自评得分之和 {fmt(rounded)}", "stated_total")


@form_check(
    "unexplained-shortfall",
    WARNING,
    "未说明未达标原因",
    "targets not met, but section 五 empty or still the instructions",
)
def _shortfall(ctx: Context) -> None:
    problems = (ctx.form.problems or "").strip()
    if ctx.shortfall and (not problems or _INSTRUCTION_RE.search(problems)):
        state = "仍是表格自带的填写说明" if problems else "为空"
        ctx.add(
            "unexplained-shortfall",
            f"有指标未完全达成，但“五、存在问题、原因及下一步整改措施”{state}，应说明原因和整改措施",
            "problems",
        )


_RESULT_LABELS = {"exec_rate": "复核执行进度", "total": "复核总分", "grade": "复核等级", "rule_score": "复核得分"}
#: What a cell shows when it calls a function the program does not know (perfxl's UDFs without the add-in).
UNKNOWN_FUNCTION = "#NAME?"


@form_check(
    "addin-missing",
    WARNING,
    "未加载 perfxl 加载项",
    "perfxl's own workbooks: result cells show #NAME?, as a udf template does where perfxl's add-in is not loaded; "
    "templates of the default kind (auto) or `--formulas native` do not",
)
def _addin_missing(ctx: Context) -> None:
    shown = [key for key, cached in (ctx.source.results.items() if ctx.source else ()) if cached == UNKNOWN_FUNCTION]
    if shown:
        ctx.add(
            "addin-missing",
            f"{len(shown)} 个复核结果单元格显示 #NAME?：表中公式调用 perfxl 的函数，而打开它的程序没有加载 perfxl 加载项"
            "（WPS、LibreOffice 或未装加载项的 Excel）；perfxl template 默认（--formulas auto）或 --formulas native 写出的模板在这些程序中也显示结果",
            f"computed.{shown[0]}",
        )


@form_check(
    "cell-value-mismatch",
    ERROR,
    "单元格结果过期",
    "perfxl's own workbooks: a cached in-cell result (复核得分, 复核执行进度, 总分, 等级) that disagrees with the engine: stale, or typed over",
)
def _stale(ctx: Context) -> None:
    if ctx.source and ctx.source.results:
        for key, cached, expected in stale_results(ctx.form, ctx.rules):
            ctx.add(
                "cell-value-mismatch",
                f"单元格中的{_RESULT_LABELS[key.rsplit('.', 1)[-1]]} {_fmt_result(cached)} 与规则计算结果 "
                f"{_fmt_result(expected)} 不一致（公式结果过期，或被手工改写）",
                f"computed.{key}",
            )


def _fmt_result(value) -> str:
    if value is None or value == "":
        return "（空）"
    return value if isinstance(value, str) else fmt(value)


def stale_results(form: Form, rules: RuleProfile) -> list[tuple[str, object, object]]:
    """(key, cached, expected) for each cached result of perfxl's own cells that the engine does not
    give. A cell never calculated (no cached value) is not stale: there is nothing to disagree."""
    computed = form.computed
    assert computed is not None and form.source is not None
    # The 复核执行进度 cell is 执行数 / 预算数 only; the engine's rate may come from the row's 实际完成值.
    rate = exec_rate(form.spent.total, form.budget_total)
    expected: dict[str, object] = {"exec_rate": rate, "total": computed.total, "grade": computed.grade}
    for i, res in enumerate(computed.indicators):
        expected[f"indicators.{i}.rule_score"] = res.rule_score
    stale: list[tuple[str, object, object]] = []
    for key, cached in form.source.results.items():
        if key not in expected or cached is None or cached == UNKNOWN_FUNCTION:  # addin-missing says it once
            continue
        want = expected[key]
        if isinstance(cached, float) and isinstance(want, (int, float)):
            # A rate is a fraction shown to 2 decimals of a percent; a score to the profile's decimals.
            step = 1e-6 if key == "exec_rate" else 0.5 * 10**-rules.decimals
            if abs(cached - want) <= step:
                continue
        elif cached == want or (cached == "" and want is None):
            continue
        stale.append((key, cached, want))
    return stale
