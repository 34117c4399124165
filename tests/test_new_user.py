"""What a new user met trying perfxl (issue 12's bugs), each as the user sees it: the command's exit
code and lines, the workbooks written and what ``perfxl check`` says of them."""

from __future__ import annotations

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
