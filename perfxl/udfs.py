"""xlwings user-defined functions: the scoring engine in Excel cells.

Thin wrappers over :mod:`perfxl.engine`; no scoring rule lives here. List ``perfxl.udfs`` under
"UDF Modules" (``perfxl addin`` writes that setting), click "Import Functions" in the xlwings
ribbon, and a cell can say ``=PERFXL_SCORE(F12,G12,H12)``. Called as Python they are ordinary
functions (on Linux and macOS ``xw.func`` and ``xw.arg`` leave them untouched, and without xlwings
installed they are not decorated at all).

In xlwings Lite (Python in Pyodide inside Excel on Windows, Mac and the web) the same functions are
Office.js custom functions: the runtime (xlwings-server's Wasm mode, Lite's public base) sets
``XLWINGS_ON_SERVER`` before xlwings is imported, which makes
``xw.func`` and ``xw.arg`` xlwings' Office.js decorators, and a main.py saying
``from perfxl.udfs import *`` (``examples/xlwings-lite/main.py``) registers the five functions under
the same names, with no namespace: ``=PERFXL_SCORE(F12,G12,H12)``.

Each function takes what a cell holds, as xlwings hands it over: a float (every Excel number
arrives as one), text ("40", "98.5%", "≥40个"), None for an empty cell; a range arrives as a list
(of lists, for a block). It returns a number, a grade, ``""`` (an empty-looking cell) when empty
inputs leave the result unknown, or a short Chinese text starting with "#" that says what is wrong
("#预算数不是数字"). It never raises: Excel would show a Python traceback in the cell.

The rule profile is :data:`~perfxl.rules.DEFAULT_RULES`, unless the environment variable
``PERFXL_RULES`` names a TOML rule file (read once; a file that cannot be used makes every function
return "#规则文件无效").

The arguments carry no type hints on purpose: xlwings would take a hint as a converter and turn
"98.5%" or an empty cell into an error before perfxl sees it.
"""

from __future__ import annotations

import functools
import logging
import math
import numbers
import os
from typing import Any

from .engine import as_fraction, exec_rate, execution_score, grade, score_indicator, total_score
from .rules import DEFAULT_RULES, RuleProfile, RulesError, load_rules
from .values import parse_value

xw: Any
try:
    import xlwings as xw
except ImportError:  # scoring needs no xlwings: Pyodide without Lite, or a bare install
    xw = None

__all__ = ["perfxl_exec_rate", "perfxl_exec_score", "perfxl_score", "perfxl_total", "perfxl_grade"]

#: The environment variable naming a TOML rule file for the UDFs.
RULES_ENV = "PERFXL_RULES"
#: Where the functions are listed in Excel's Insert Function dialog.
CATEGORY = "perfxl 绩效自评"

_log = logging.getLogger(__name__)

BAD_RULES = "#规则文件无效"
OUT_OF_RANGE = "#数值超出范围"
FAILED = "#计算出错"
BUDGET_NOT_POSITIVE = "#预算数应大于0"


class _Invalid(Exception):
    """Input that makes a UDF answer with an Excel-visible error text (the exception's message)."""


@functools.lru_cache(maxsize=8)
def _profile(path: str) -> RuleProfile | None:
    """The rule profile of a rule file path ("" for the defaults), read once; None when unusable."""
    if not path:
        return DEFAULT_RULES
    try:
        return load_rules(path)
    except RulesError:
        return None


def _rules() -> RuleProfile:
    """The profile the UDFs score by: ``PERFXL_RULES``, else the defaults."""
    profile = _profile(os.environ.get(RULES_ENV, "").strip())
    if profile is None:
        raise _Invalid(BAD_RULES)
    return profile


def _excel_safe(body):
    """Make a UDF body answer every call with a cell value: None becomes "", an error its text.

    ``functools.wraps`` keeps the name, docstring and signature (``__wrapped__``) that xlwings reads
    to write the VBA wrapper and the function wizard's description.
    """

    @functools.wraps(body)
    def udf(*args):
        try:
            result = body(*args)
        except _Invalid as exc:
            return str(exc)
        except ArithmeticError:  # a huge number: Decimal rounding or float overflow
            return OUT_OF_RANGE
        except Exception:  # an Excel cell must never show a traceback; the log (console) does
            _log.exception("perfxl UDF %s failed", body.__name__)
            return FAILED
        if result is None:
            return ""
        if isinstance(result, float) and not math.isfinite(result):
            return OUT_OF_RANGE
        return result

    return udf


def _arg(name: str, doc: str):
    """``@xw.arg`` with the Chinese help text of Excel's function wizard.

    ``err_to_str``: an Excel error in the cell (#DIV/0!) arrives as its text rather than as None,
    so that it shows through instead of making the result look merely empty.
    """
    if xw is None:
        return _undecorated
    return xw.arg(name, doc=doc, err_to_str=True)


def _func():
    """``@xw.func`` in perfxl's category (Windows' function wizard; Lite has no categories)."""
    if xw is None:
        return _undecorated
    return xw.func(category=CATEGORY)


def _undecorated(function):
    return function


def _empty(value) -> bool:
    """True for an empty cell: None, or text of nothing but spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value, error: str | None = None) -> float | None:
    """What a cell holds, as a number.

    Args:
        value: the cell's value as xlwings passes it: a float, text such as "40" or "2.6万元"
            (a number with at most a unit), None or "" for an empty cell, or anything else.
        error: the error text for a value that is not a number; None to read it as no number.

    Returns:
        The number, or None for an empty cell (and for a non-number when ``error`` is None).

    Raises:
        _Invalid: the value is not a number and ``error`` is given. A text starting with "#" (an
            Excel error, or another perfxl function's error) is passed on unchanged, as Excel
            passes errors on.
    """
    if _empty(value):
        return None
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if math.isfinite(value):
            return float(value)
    elif isinstance(value, str):
        parsed = parse_value(value)
        # A number, maybe with a unit; not a comparison (≥40), a percentage or a remark.
        if parsed.number is not None and not (parsed.op or parsed.percent or (parsed.note and not parsed.unit)):
            return parsed.number
        if error is not None and value.strip().startswith("#"):
            raise _Invalid(value.strip()[:60])
    if error is None:
        return None
    raise _Invalid(error)


def _weight(value) -> float | None:
    """分值 from a cell: a number, at least 0; None when empty."""
    weight = _number(value, "#分值不是数字")
    if weight is not None and weight < 0:
        raise _Invalid("#分值不能为负数")
    return weight


def _amounts(budget, spent) -> tuple[float | None, float | None]:
    """预算数 and 执行数 from their cells."""
    return _number(budget, "#预算数不是数字"), _number(spent, "#执行数不是数字")


def _cells(value) -> list:
    """A range argument as a flat list of cell values, row by row.

    xlwings passes one cell as its value, a row or column as a list, a block as a list of rows
    (pycel passes tuples).
    """
    if isinstance(value, (list, tuple)):
        return [cell for item in value for cell in _cells(item)]
    return [value]


_BUDGET_DOC = "预算数（调整后）：数字或数字文本，如 3.2"
_SPENT_DOC = "执行数：数字或数字文本，如 2.6"
_WEIGHT_DOC = "分值：数字，如 10；为空时结果为空"


@_func()
@_arg("budget", _BUDGET_DOC)
@_arg("spent", _SPENT_DOC)
@_excel_safe
def perfxl_exec_rate(budget, spent):
    """预算执行进度 = 执行数 ÷ 预算数，返回小数（0.8125 即 81.25%，单元格设为百分比格式）。

    Args:
        budget: 预算数（调整后）。
        spent: 执行数。

    Returns:
        小数；任一金额为空时为空文本；无效输入返回以 # 开头的说明。
    """
    budget_n, spent_n = _amounts(budget, spent)
    if budget_n is not None and budget_n <= 0:
        raise _Invalid(BUDGET_NOT_POSITIVE)
    return exec_rate(spent_n, budget_n)


@_func()
@_arg("budget", _BUDGET_DOC)
@_arg("spent", _SPENT_DOC)
@_arg("weight", "预算执行率指标的分值，通常为 10")
@_arg("actual", "可省略：预算执行率行的实际完成值（如 86.8%），金额缺失时按它计算")
@_excel_safe
def perfxl_exec_score(budget, spent, weight, actual=None):
    """预算执行率得分 = min(执行数 ÷ 预算数, 1) × 分值；金额缺失时按实际完成值计算。

    Args:
        budget: 预算数（调整后）。
        spent: 执行数。
        weight: 分值。
        actual: 实际完成值（可省略）。

    Returns:
        得分（按规则取整）；无法计算时为空文本；无效输入返回以 # 开头的说明。
    """
    rules = _rules()
    weight_n = _weight(weight)
    budget_n, spent_n = _amounts(budget, spent)
    # As the engine does (engine._execution_result): the amounts first, else the row's actual.
    rate = exec_rate(spent_n, budget_n)
    if rate is None and not _empty(actual):
        rate = as_fraction(parse_value(actual), rules)
        if rate is None:
            raise _Invalid("#实际完成值不是比率")
    if rate is None and budget_n is not None and budget_n <= 0:
        raise _Invalid(BUDGET_NOT_POSITIVE)
    return execution_score(rate, weight_n, rules)


@_func()
@_arg("target", "预期指标值，如 ≥40个、>=95%、合格")
@_arg("actual", "实际完成值，如 38个、98.5%、达到预期")
@_arg("weight", _WEIGHT_DOC)
@_excel_safe
def perfxl_score(target, actual, weight):
    """一项指标按规则的复核得分：达成得满分，未达成按比例，定性指标按档次。

    Args:
        target: 预期指标值。
        actual: 实际完成值。
        weight: 分值。

    Returns:
        复核得分；规则无法评分（如定性结果不明、分值为空）时为空文本；无效输入返回以 # 开头的说明。
    """
    rules = _rules()
    return score_indicator(target, actual, _weight(weight), rules).rule_score


@_func()
@_arg("rule_scores", "复核得分所在区域（每项指标一格）")
@_arg("self_scores", "自评得分所在区域，与复核得分区域同样大小")
@_excel_safe
def perfxl_total(rule_scores, self_scores):
    """总分：逐行取复核得分，复核得分不是数字时取自评得分，合计后按规则取整。

    Args:
        rule_scores: 复核得分区域。
        self_scores: 自评得分区域。

    Returns:
        总分；两个区域都没有数字时为空文本；区域大小不同返回 #两个区域大小不同。
    """
    rules = _rules()
    rule_cells, self_cells = _cells(rule_scores), _cells(self_scores)
    if len(rule_cells) != len(self_cells):
        raise _Invalid("#两个区域大小不同")
    total = total_score([(_number(rule), _number(own)) for rule, own in zip(rule_cells, self_cells)], rules)
    if total is None and any(_number(v) is not None for v in rule_cells + self_cells):
        raise _Invalid(OUT_OF_RANGE)  # the sum overflowed to infinity
    return total


@_func()
@_arg("total", "总分")
@_excel_safe
def perfxl_grade(total):
    """等级：优（≥90）、良（≥80）、中（≥60）、差，分数线按评分规则。

    Args:
        total: 总分。

    Returns:
        优、良、中或差；总分为空时为空文本；无效输入返回以 # 开头的说明。
    """
    return grade(_number(total, "#总分不是数字"), _rules())
