"""perfxl's xlwings UDFs, called as Python and from formulas (pycel), against the scoring engine.

What Excel itself would do cannot run here (Excel is Windows-only); what runs is every function
fed the cell values xlwings hands over: floats for numbers, text, None for an empty cell, lists
(of lists) for ranges.
"""

from __future__ import annotations

import math

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfxl.engine import scored
from perfxl.model import Amounts, Form
from perfxl.rules import load_rules
from perfxl.udfs import (
    RULES_ENV,
    perfxl_exec_rate,
    perfxl_exec_score,
    perfxl_grade,
    perfxl_score,
    perfxl_total,
)
from tests.support.pycel_udf import evaluate_cells
from tests.support.seed import scored_xlsx_forms

GRADES = {"优", "良", "中", "差"}
FORMS = scored_xlsx_forms()


def as_number_cell(text: str | None):
    """What xlwings passes for a value typed into a General cell: a plain number becomes a float."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return text


def cell(result):
    """The engine's None as the UDF's empty-looking cell."""
    return "" if result is None else result


def udf_rule_scores(form: Form, cells=lambda text: text, weight=lambda w: w) -> list:
    """Each indicator's rule score as the UDFs compute it from the row's cells."""
    scores = []
    for ind, res in zip(form.indicators, form.computed.indicators):
        if ind.is_execution:
            scores.append(perfxl_exec_score(form.budget.total, form.spent.total, weight(res.weight), cells(ind.actual)))
        else:
            scores.append(perfxl_score(cells(ind.target), cells(ind.actual), weight(res.weight)))
    return scores


# --- every seed form -------------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.project[:12])
def test_udfs_give_the_engine_results_on_every_seed_form(form):
    computed = form.computed
    assert computed.exec_rate is not None
    assert perfxl_exec_rate(form.budget.total, form.spent.total) == computed.exec_rate

    rule_scores = udf_rule_scores(form)
    assert rule_scores == [cell(res.rule_score) for res in computed.indicators]

    self_scores = [ind.score for ind in form.indicators]
    total = perfxl_total(rule_scores, self_scores)
    assert total == computed.total
    assert perfxl_grade(total) == computed.grade


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.project[:12])
def test_numbers_typed_into_cells_and_weights_as_text_give_the_same_scores(form):
    """A target like 15 typed into a General cell arrives as 15.0, a weight cell may hold "40"."""
    as_text = udf_rule_scores(form)
    as_cells = udf_rule_scores(form, cells=as_number_cell, weight=lambda w: None if w is None else f"{w:g}")
    # "%g" keeps 6 digits: 13.3333 instead of 13.333333333333334, still 13.33 after rounding
    assert as_cells == as_text
    amounts = (f"{form.budget.total:g}", f"{form.spent.total:g}")
    assert perfxl_exec_rate(*amounts) == pytest.approx(form.computed.exec_rate)


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.project[:12])
def test_total_takes_a_column_a_block_or_pycel_tuples(form):
    rule_scores = udf_rule_scores(form)
    self_scores = [ind.score for ind in form.indicators]
    column = perfxl_total([[s] for s in rule_scores], [[s] for s in self_scores])
    tuples = perfxl_total(tuple((s,) for s in rule_scores), tuple((s,) for s in self_scores))
    assert column == tuples == form.computed.total


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.project[:12])
def test_execution_score_falls_back_to_the_rows_actual_as_the_engine_does(form):
    no_amounts = scored(form.model_copy(update={"budget": Amounts(), "spent": Amounts()}))
    row = next(i for i, ind in enumerate(no_amounts.indicators) if ind.is_execution)
    ind, res = no_amounts.indicators[row], no_amounts.computed.indicators[row]
    assert res.rule_score is not None
    assert perfxl_exec_score(None, None, res.weight, ind.actual) == res.rule_score
    # a percent-formatted cell hands over the fraction
    percent_cell = as_number_cell(ind.actual.rstrip("%")) / 100 if ind.actual.endswith("%") else ind.actual
    assert perfxl_exec_score("", "", res.weight, percent_cell) == res.rule_score


def test_self_score_counts_where_the_rule_gives_no_score():
    form = next(f for f in FORMS if f.project == "党建经费")
    rule_scores = udf_rule_scores(form)
    rule_scores[0] = ""  # e.g. an unclear qualitative result: the engine keeps the self-score
    self_scores = [ind.score for ind in form.indicators]
    expected = form.computed.total - form.computed.indicators[0].rule_score + form.indicators[0].score
    assert perfxl_total(rule_scores, self_scores) == expected


# --- formulas, evaluated by pycel with perfxl.udfs as its plugin -----------------------------------


def test_formulas_calling_the_udfs_give_the_engine_results(tmp_path):
    """Each seed form's rows on a sheet, scored by =PERFXL_...(cells) formulas: ranges arrive as
    tuples of rows and empty cells as None, as a formula engine hands them over."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    expected: dict[str, object] = {}
    for number, form in enumerate(FORMS, start=1):
        ws = wb.create_sheet(f"f{number:02d}")
        ws["A1"], ws["B1"] = form.budget.total, form.spent.total
        ws["C1"] = "=PERFXL_EXEC_RATE(A1,B1)"
        expected[f"f{number:02d}!C1"] = form.computed.exec_rate
        first, last = 3, 2 + len(form.indicators)
        for row, (ind, res) in enumerate(zip(form.indicators, form.computed.indicators), start=first):
            ws[f"A{row}"], ws[f"B{row}"], ws[f"C{row}"], ws[f"D{row}"] = ind.target, ind.actual, res.weight, ind.score
            ws[f"E{row}"] = (
                f"=PERFXL_EXEC_SCORE($A$1,$B$1,C{row},B{row})"
                if ind.is_execution
                else f"=PERFXL_SCORE(A{row},B{row},C{row})"
            )
            expected[f"f{number:02d}!E{row}"] = cell(res.rule_score)
        ws["F1"] = f"=PERFXL_TOTAL(E{first}:E{last},D{first}:D{last})"
        ws["G1"] = "=PERFXL_GRADE(F1)"
        expected[f"f{number:02d}!F1"] = form.computed.total
        expected[f"f{number:02d}!G1"] = form.computed.grade
    path = tmp_path / "udf-formulas.xlsx"
    wb.save(path)

    got = evaluate_cells(path, list(expected), "perfxl.udfs")
    assert got == expected


# --- what a cell may hold ----------------------------------------------------------------------------

NAN = float("nan")


@pytest.mark.parametrize(
    "call, expected",
    [
        # 预算执行进度
        (lambda: perfxl_exec_rate(3.2, 2.6), 0.8125),
        (lambda: perfxl_exec_rate("3.2", " 2.6 "), 0.8125),
        (lambda: perfxl_exec_rate("3.2万元", 2.6), 0.8125),
        (lambda: perfxl_exec_rate(None, 2.6), ""),
        (lambda: perfxl_exec_rate(3.2, ""), ""),
        (lambda: perfxl_exec_rate("abc", 2.6), "#预算数不是数字"),
        (lambda: perfxl_exec_rate(3.2, "abc"), "#执行数不是数字"),
        (lambda: perfxl_exec_rate(NAN, 2.6), "#预算数不是数字"),
        (lambda: perfxl_exec_rate("≥40个", 2.6), "#预算数不是数字"),
        (lambda: perfxl_exec_rate("98.5%", 2.6), "#预算数不是数字"),
        (lambda: perfxl_exec_rate(True, 2.6), "#预算数不是数字"),
        (lambda: perfxl_exec_rate(-3.2, 2.6), "#预算数应大于0"),
        (lambda: perfxl_exec_rate(0.0, 2.6), "#预算数应大于0"),
        (lambda: perfxl_exec_rate("#DIV/0!", 2.6), "#DIV/0!"),  # an Excel error shows through
        # 预算执行率 score
        (lambda: perfxl_exec_score(3.2, 2.6, 10.0), 8.13),
        (lambda: perfxl_exec_score(3.2, 2.6, "10"), 8.13),
        (lambda: perfxl_exec_score(3.2, 3.5, 10.0), 10.0),  # capped at the weight
        (lambda: perfxl_exec_score(3.2, 2.6, None), ""),
        (lambda: perfxl_exec_score(3.2, 2.6, "abc"), "#分值不是数字"),
        (lambda: perfxl_exec_score(3.2, 2.6, "98.5%"), "#分值不是数字"),
        (lambda: perfxl_exec_score(3.2, 2.6, -10.0), "#分值不能为负数"),
        (lambda: perfxl_exec_score(None, None, 10.0, "86.8%"), 8.68),
        (lambda: perfxl_exec_score(None, None, 10.0, 0.868), 8.68),
        (lambda: perfxl_exec_score(None, None, 10.0, "abc"), "#实际完成值不是比率"),
        (lambda: perfxl_exec_score(None, None, 10.0), ""),
        (lambda: perfxl_exec_score(-3.2, 2.6, 10.0), "#预算数应大于0"),
        (lambda: perfxl_exec_score(-3.2, 2.6, 10.0, "90%"), 9.0),  # the engine's fallback
        # one indicator
        (lambda: perfxl_score("≥40个", "38个", 20.0), 19.0),
        (lambda: perfxl_score("≥40个", 38.0, "20"), 19.0),
        (lambda: perfxl_score(">=95%", "98.5%", 10.0), 10.0),
        (lambda: perfxl_score(">=95%", 0.9, 10.0), 9.47),  # a percent cell hands over 0.9
        (lambda: perfxl_score("≤10天", "12天", 10.0), 8.33),
        (lambda: perfxl_score("合格", "合格", 10.0), 10.0),
        (lambda: perfxl_score("合格", "部分达到", 10.0), 8.0),
        (lambda: perfxl_score("合格", "未达到", 10.0), 6.0),
        (lambda: perfxl_score("≥40个", "", 20.0), ""),
        (lambda: perfxl_score(None, "38个", 20.0), ""),
        (lambda: perfxl_score("≥40个", "38个", None), ""),
        (lambda: perfxl_score("≥40个", "abc", 20.0), ""),  # unclear: the self-score counts
        (lambda: perfxl_score("≥40个", "38个", NAN), "#分值不是数字"),
        (lambda: perfxl_score("≥40个", "38个", "≥40个"), "#分值不是数字"),
        (lambda: perfxl_score("≥40个", "38个", 1e300), "#数值超出范围"),
        # 总分
        (lambda: perfxl_total(10.0, 5.0), 10.0),
        (lambda: perfxl_total("", 5.0), 5.0),
        (lambda: perfxl_total("#分值不是数字", 5.0), 5.0),
        (lambda: perfxl_total([2.675, None], [None, None]), 2.68),  # half up, as Excel's ROUND
        (lambda: perfxl_total([40.0, "", 9.85], [None, "45", None]), 94.85),
        (lambda: perfxl_total([["", None]], [[None, ""]]), ""),
        (lambda: perfxl_total("abc", "abc"), ""),
        (lambda: perfxl_total([1.0], [1.0, 2.0]), "#两个区域大小不同"),
        (lambda: perfxl_total([1e308, 1e308], [None, None]), "#数值超出范围"),
        # 等级
        (lambda: perfxl_grade(90.0), "优"),
        (lambda: perfxl_grade(89.99), "良"),
        (lambda: perfxl_grade("80"), "良"),
        (lambda: perfxl_grade(60.0), "中"),
        (lambda: perfxl_grade(59.99), "差"),
        (lambda: perfxl_grade(""), ""),
        (lambda: perfxl_grade(None), ""),
        (lambda: perfxl_grade("abc"), "#总分不是数字"),
        (lambda: perfxl_grade("98.5%"), "#总分不是数字"),
        (lambda: perfxl_grade("#两个区域大小不同"), "#两个区域大小不同"),
    ],
)
def test_cell_values_give_a_value_an_empty_cell_or_a_short_error(call, expected):
    assert call() == expected


def test_udfs_follow_the_rule_file_named_by_perfxl_rules(tmp_path, monkeypatch):
    path = tmp_path / "district.toml"
    path.write_text("decimals = 0\ngrade_excellent = 99\n", encoding="utf-8")
    monkeypatch.setenv(RULES_ENV, str(path))
    rules = load_rules(path)
    for form in FORMS:
        form = scored(form, rules)
        total = perfxl_total(udf_rule_scores(form), [ind.score for ind in form.indicators])
        assert total == form.computed.total
        assert perfxl_grade(total) == form.computed.grade
    assert perfxl_grade(98.0) == "良"  # the district's band, not the default 90
    assert perfxl_exec_score(3.2, 2.6, 10.0) == 8.0  # whole points


@pytest.mark.parametrize("content", ["decimals = 9\n", "not toml [", None], ids=["invalid", "not-toml", "missing"])
def test_a_bad_rule_file_makes_every_udf_say_so(tmp_path, monkeypatch, content):
    path = tmp_path / "bad.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    monkeypatch.setenv(RULES_ENV, str(path))
    for result in (
        perfxl_exec_score(3.2, 2.6, 10.0),
        perfxl_score("≥40个", "38个", 20.0),
        perfxl_total([1.0], [None]),
        perfxl_grade(91.0),
    ):
        assert result == "#规则文件无效"


def test_udf_descriptions_fit_excels_function_wizard():
    """Excel's function wizard shows 255 characters of the docstring; each starts in Chinese."""
    for udf in (perfxl_exec_rate, perfxl_exec_score, perfxl_score, perfxl_total, perfxl_grade):
        assert len(udf.__doc__) <= 255
        assert "\u4e00" <= udf.__doc__.strip()[0] <= "\u9fff"


# --- never a traceback -----------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(["", " ", "40", "98.5%", "≥40个", "》=1000份", "abc", "#N/A", "合格", "-5", "1e400", "0"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.booleans(),
)
CELLS = st.one_of(SCALARS, st.lists(SCALARS, max_size=4), st.lists(st.lists(SCALARS, max_size=3), max_size=3))


def assert_cell_value(result, grades: bool = False):
    """A number, an empty-looking cell, a grade, or a short "#" error text."""
    if isinstance(result, float):
        assert math.isfinite(result)
    else:
        assert isinstance(result, str)
        assert result == "" or (grades and result in GRADES) or (result.startswith("#") and len(result) <= 60)


@settings(deadline=None)
@given(a=CELLS, b=CELLS, c=CELLS, d=CELLS)
def test_no_udf_raises_whatever_the_cells_hold(a, b, c, d):
    assert_cell_value(perfxl_exec_rate(a, b))
    assert_cell_value(perfxl_exec_score(a, b, c, d))
    assert_cell_value(perfxl_exec_score(a, b, c))
    assert_cell_value(perfxl_score(a, b, c))
    assert_cell_value(perfxl_total(a, b))
    assert_cell_value(perfxl_grade(a), grades=True)


@settings(deadline=None)
@given(
    budget=st.floats(min_value=0.01, max_value=1e9),
    spent=st.floats(min_value=0, max_value=1e9),
    weight=st.floats(min_value=0, max_value=100),
)
def test_amounts_as_numbers_or_as_text_give_the_engine_rate_and_score(budget, spent, weight):
    rate = spent / budget
    assert perfxl_exec_rate(budget, spent) == rate
    assert perfxl_exec_rate(f"{budget:.2f}", f"{spent:.2f}") == pytest.approx(
        float(f"{spent:.2f}") / float(f"{budget:.2f}")
    )
    score = perfxl_exec_score(budget, spent, weight)
    assert 0 <= score <= weight + 0.005
