"""What a new user met trying perfxl (issue 12's bugs), each as the user sees it: the command's exit
code and lines, the workbooks written and what ``perfxl check`` says of them."""

from __future__ import annotations

import json

from click.testing import CliRunner
import openpyxl

from perfxl.cli import main
from perfxl.read import read_forms

SHEET = "绩效自评表"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def headings(path) -> list[str]:
    """The 一级 cells of the indicator table as the workbook shows them."""
    ws = openpyxl.load_workbook(path)[SHEET]
    return [c.value for c in ws["B"] if isinstance(c.value, str) and "分）" in c.value]


# ---------------------------------------------------------------------------------------------
# --weight merges with the rule profile's weights


def test_readme_weights_keep_the_other_level1_weights(tmp_path):
    out = tmp_path / "t.xlsx"
    result = run("template", "-o", out, "--weight", "产出=40", "--weight", "效益=40", "--unit", "甲", "--project", "乙")
    assert result.exit_code == 0, result.output
    assert headings(out) == ["产出指标（40分）", "预算执行率指标（10分）", "效益指标（40分）", "满意度指标（10分）"]
    checked = run("check", out)
    assert "level1-weights-not-100" not in checked.output, checked.output


def test_full_level1_names_are_taken_too(tmp_path):
    out = tmp_path / "t.xlsx"
    result = run("template", "-o", out, "--weight", "产出指标=45", "--weight", "满意度指标=15", "--weight", "效益=30")
    assert result.exit_code == 0, result.output
    assert read_forms(out)[0].level1_weights == {"产出指标": 45, "预算执行率指标": 10, "效益指标": 30, "满意度指标": 15}


def test_unknown_level1_is_a_usage_error_naming_the_allowed_ones(tmp_path):
    out = tmp_path / "t.xlsx"
    result = run("template", "-o", out, "--weight", "成本=10")
    assert result.exit_code == 2
    assert "成本" in result.output
    for name in ("产出指标", "效益指标", "满意度指标", "预算执行率指标"):
        assert name in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_weights_not_summing_to_100_are_a_usage_error(tmp_path):
    out = tmp_path / "t.xlsx"
    result = run("template", "-o", out, "--weight", "产出=60")
    assert result.exit_code == 2 and "合计 110" in result.output and "应为 100" in result.output
    assert not out.exists()


# ---------------------------------------------------------------------------------------------
# A template filled by a program and never recalculated


def column_of(ws, heading: str) -> str:
    """The column letter under which ``heading`` stands (the first cell holding exactly it)."""
    return next(c.column_letter for row in ws.iter_rows() for c in row if c.value == heading)


def test_template_filled_by_a_program_says_formula_no_value_at_the_formula_cells(tmp_path):
    blank = tmp_path / "模板.xlsx"
    assert run("template", "-o", blank, "--unit", "投资服务局", "--project", "图书采购", "--budget", 10).exit_code == 0
    wb = openpyxl.load_workbook(blank)  # a program fills it: openpyxl keeps formulas, drops their results
    ws = wb[SHEET]
    name, target, actual, score = (column_of(ws, h) for h in ("三级指标", "预期指标值", "实际完成值", "自评得分"))
    row = next(c.row for c in ws[column_of(ws, "二级指标")] if c.value == "数量指标")
    ws[f"{name}{row}"], ws[f"{target}{row}"], ws[f"{actual}{row}"] = "购置图书", "≥15册", "14册"
    assert str(ws[f"{score}{row}"].value).startswith("=")  # 自评得分 is still the template's formula
    filled = tmp_path / "程序填写.xlsx"
    wb.save(filled)

    report = json.loads(run("check", "--json", filled).output)
    findings = [f for file in report["files"] for form in file["forms"] for f in form["findings"]]
    codes = {(f["code"], f["location"]) for f in findings}
    assert ("formula-no-value", f"{SHEET}!{score}{row}") in codes, findings
    assert not {code for code, _ in codes} & {"score-missing", "missing-total"}, findings
    # and the same form calculated (cached results written) has neither note
    assert "formula-no-value" not in run("check", blank).output
