"""Hostile values in number fields: read as the number a person meant, or a finding; never a crash or a silent 0."""

from __future__ import annotations

import datetime as dt

import pytest

from perfxl.checker import check_file
from perfxl.load import column_letter
from tests.adversarial import hostile as h


def checked(tmp_path, cells: dict, merged: tuple[str, ...] = ()):
    """The one form of the clean workbook with ``cells`` changed, and its findings."""
    report = check_file(h.write_xlsx(tmp_path / "值.xlsx", h.edited(cells), merged))
    assert report.error is None, report.error
    (result,) = report.forms
    return result.form, result.findings


def where(name: str) -> str:
    r, c = h.CELL[name]
    return f"自评表!{column_letter(c)}{r + 1}"


#: Spellings of 4 (万元) in the 预算数 and 到位数 cells that are 4, with no finding about them.
AS_NUMBER = [
    ("text", "4"),
    ("full-width", "４"),
    ("padded", " 4 "),
    ("formula with a result", h.Formula("2+2", 4)),
]


@pytest.mark.parametrize("value", [v for _, v in AS_NUMBER], ids=[n for n, _ in AS_NUMBER])
def test_number_spelled_otherwise_is_the_number(tmp_path, value):
    form, findings = checked(tmp_path, {"budget": value, "received": value})
    assert form.budget.total == 4 and form.received.total == 4
    assert findings == [], [(f.code, f.message) for f in findings]


@pytest.mark.parametrize("text, number", [("1,234.5", 1234.5), ("１２３", 123), ("1，234", 1234)])
def test_thousands_separators_and_full_width_digits(tmp_path, text, number):
    form, findings = checked(tmp_path, {"budget": text})
    assert form.budget.total == number
    assert "not-a-number" not in {f.code for f in findings}


#: (field, value, the finding it must give at that cell).
FINDINGS = [
    ("budget", 0, "zero-budget"),
    ("budget", -4, "negative-amount"),
    ("budget", "-4", "negative-amount"),
    ("spent", -1.5, "negative-amount"),
    ("spent", 5, "spent-above-budget"),
    ("budget", float("nan"), "not-a-number"),
    ("budget", float("inf"), "not-a-number"),
    ("budget", "NaN", "not-a-number"),
    ("budget", "inf", "not-a-number"),
    ("budget", "约4", "not-a-number"),
    ("budget", True, "not-a-number"),
    ("budget", dt.date(2020, 12, 31), "not-a-number"),
    ("budget", "2020年12月", "not-a-number"),
    ("budget", h.Error("#DIV/0!"), "cell-error"),
    ("budget", h.Error("#NAME?"), "cell-error"),
    ("budget", "#DIV/0!", "cell-error"),
    ("budget", h.Formula("Sheet2!B3"), "formula-no-value"),
    ("spent", h.Formula("C7*0.985"), "formula-no-value"),
    ("first_score", dt.datetime(2020, 5, 1, 8, 30), "not-a-number"),
    ("first_score", h.Error("#VALUE!"), "cell-error"),
    ("first_score", h.Formula("G11"), "formula-no-value"),
    ("first_score", float("nan"), "not-a-number"),
    ("first_weight", h.Error("#REF!"), "cell-error"),
    ("total", h.Formula("SUM(H11:H14)"), "formula-no-value"),
    ("total", h.Error("#N/A"), "cell-error"),
]


@pytest.mark.parametrize("field, value, code", FINDINGS, ids=[f"{f}-{c}-{i}" for i, (f, _, c) in enumerate(FINDINGS)])
def test_hostile_value_gives_a_finding_at_its_cell(tmp_path, field, value, code):
    form, findings = checked(tmp_path, {field: value})
    hits = [f for f in findings if f.code == code]
    assert hits, [(f.code, f.location) for f in findings]
    assert all(f.level == "error" and f.message for f in hits)
    assert where(field) in {f.location for f in hits}


@pytest.mark.parametrize(
    "field, value, code",
    [c for c in FINDINGS if c[2] in ("not-a-number", "cell-error", "formula-no-value")],
    ids=lambda v: str(v)[:12],
)
def test_unreadable_number_is_never_a_silent_zero(tmp_path, field, value, code):
    form, _ = checked(tmp_path, {field: value})
    read = {
        "budget": form.budget.total,
        "spent": form.spent.total,
        "total": form.stated_total,
        "first_score": form.indicators[0].score,
        "first_weight": form.indicators[0].weight,
    }[field]
    assert read is None


def test_formula_message_says_what_to_do(tmp_path):
    _, findings = checked(tmp_path, {"spent": h.Formula("C7*0.985")})
    (hit,) = [f for f in findings if f.code == "formula-no-value"]
    assert "=C7*0.985" in hit.message and "没有计算结果" in hit.message and "保存" in hit.message


def test_workbook_saved_by_openpyxl_with_formulas(tmp_path):
    # openpyxl stores formulas with no result: python-calamine reads them as "", which perfxl used to
    # take for empty cells.
    report = check_file(h.openpyxl_formula_form(tmp_path / "openpyxl.xlsx"))
    (result,) = report.forms
    hits = {f.location: f for f in result.findings if f.code == "formula-no-value"}
    assert set(hits) == {where("spent"), where("total")}
    assert result.form.spent.total is None and result.form.stated_total is None


def test_merged_cells_read_from_their_first_cell(tmp_path):
    # 项目名称 merged over B5:C5 with its value in D5, the title over A1:H1, 预算数 over C7:D7.
    rows = h.form_rows()
    rows[4] = ["一、基本情况", "项目名称", None, "翻译费", "实施(主管)单位", "投资服务局"]
    rows[6] = [None, "预算数:", 4, None, None, "执行数:", 3.94, h.Percent(0.985)]
    report = check_file(h.write_xlsx(tmp_path / "合并.xlsx", rows, merged=("A1:H1", "B5:C5", "C7:D7")))
    (result,) = report.forms
    assert result.form.project == "翻译费" and result.form.budget.total == 4 and result.form.spent.total == 3.94
    assert result.form.source.locations["project"] == "自评表!D5"
