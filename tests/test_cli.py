"""The perfxl command as a user runs it: output, JSON and exit codes."""

import hashlib
import json
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from perfxl.cli import main
from tests.support.seed import DUMP, EXAMPLES, XLSX

TEXT = DUMP
FORMS = XLSX


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_read_text_dump_prints_a_json_array_of_all_forms():
    result = run("read", TEXT, "--json")
    assert result.exit_code == 0
    forms = json.loads(result.output)
    assert isinstance(forms, list) and len(forms) == 13
    truth = json.loads((EXAMPLES / "truth" / "01.json").read_text(encoding="utf-8"))
    assert forms[0]["project"] == truth["project"] == "党建经费"
    assert forms[0]["computed"]["total"] == 97
    assert forms[0]["computed"]["grade"] == "优"


def test_read_one_workbook_prints_one_object_with_every_key():
    result = run("read", FORMS[0], "--json")
    assert result.exit_code == 0
    form = json.loads(result.output)
    for key in (
        "year",
        "unit",
        "implementing_unit",
        "project",
        "money_unit",
        "budget",
        "received",
        "spent",
        "stated_progress",
        "goal",
        "achievement",
        "stated_completion",
        "indicators",
        "level1_weights",
        "stated_total",
        "problems",
        "filled_by",
        "phone",
        "computed",
        "kind",
        "department",
        "initial_budget",
    ):  # the keys of other layouts, added
        assert key in form
    assert form["budget"] == {"total": 0.7, "fiscal": 0.7, "other": None, "carryover": None}
    assert form["indicators"][0] == {
        "level1": "产出指标",
        "level2": "数量指标",
        "name": "购置党建培训资料",
        "target": "15册",
        "actual": "14",
        "weight": None,
        "score": 45,
        "deviation": None,
    }


def test_read_text_output_shows_rule_scores():
    result = run("read", FORMS[0])
    assert result.exit_code == 0
    assert "复核 97（优）" in result.output


def test_check_reports_seed_errors_with_exit_1():
    result = run("check", EXAMPLES / "forms" / "10-项目考察评审经费.xlsx")
    assert result.exit_code == 1
    assert "missing-field" in result.output and "progress-mismatch" in result.output
    assert "81.25%" in result.output


def test_check_clean_form_exits_0():
    result = run("check", EXAMPLES / "forms" / "06-2019年第三批省外贸发展专项资金（贸易救济法律援助和稳外贸项目）.xlsx")
    assert result.exit_code == 0, result.output
    assert "错误 0" in result.output


def test_check_json_findings_have_code_level_location_file_message():
    result = run("check", TEXT, "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["stats"]["forms"] == 13
    findings = [f for fr in report["files"] for form in fr["forms"] for f in form["findings"]]
    assert findings
    for f in findings:
        assert set(f) >= {"code", "level", "location", "file", "message"}
        assert f["level"] in ("error", "warning")
    dangjian = [f for f in findings if f["project"] == "党建经费" and f["code"] == "score-differs-from-rule"]
    assert dangjian and dangjian[0]["location"] == "line 17"


def test_unreadable_file_is_named_and_the_rest_still_checked(tmp_path):
    bad = tmp_path / "坏 文件.xlsx"
    bad.write_bytes(b"not a workbook at all")
    good = tmp_path / "good.xlsx"
    shutil.copy(FORMS[1], good)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (bad, good)}
    result = run("check", bad, good)
    assert result.exit_code == 2
    assert f"{bad}: 无法读取" in result.output
    assert "翻译费" in result.output
    assert before == {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (bad, good)}


@pytest.mark.parametrize(
    "content,reason",
    [
        (b"", "空文件"),
        (b"PK\x03\x04broken zip", "xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "密码"),
    ],
)
def test_bad_files_get_one_clear_line(tmp_path, content, reason):
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    result = run("read", path)
    assert result.exit_code == 2
    line = [ln for ln in result.output.splitlines() if str(path) in ln]
    assert len(line) == 1 and reason in line[0], result.output
    assert "Traceback" not in result.output


def test_workbook_without_a_form(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "工资表"
    wb.active["B2"] = 123
    path = tmp_path / "工资.xlsx"
    wb.save(path)
    result = run("check", path)
    assert result.exit_code == 2
    assert "未找到绩效自评表" in result.output


def test_folder_input_skips_lock_and_hidden_files(tmp_path):
    shutil.copy(FORMS[0], tmp_path / "a.xlsx")
    (tmp_path / "~$a.xlsx").write_bytes(b"lock")
    (tmp_path / ".hidden.xlsx").write_bytes(b"junk")
    result = run("check", tmp_path, "--json")
    report = json.loads(result.stdout)
    assert [Path(f["file"]).name for f in report["files"]] == ["a.xlsx"]
    assert "跳过 1 个 Excel 锁定文件" in result.stderr


def test_rules_file_changes_the_scores(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('name = "取整"\ndecimals = 0\n', encoding="utf-8")
    result = run("read", EXAMPLES / "forms" / "05-日常接待费.xlsx", "--json", "--rules", rules)
    form = json.loads(result.output)
    assert form["computed"]["budget_score"] == 9  # 86.8% × 10 = 8.68 → 9 whole points
    assert form["computed"]["rules"] == "取整"


def test_bad_rules_file_is_a_usage_error(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text("decimals = 'two'\n", encoding="utf-8")
    result = run("check", FORMS[0], "--rules", rules)
    assert result.exit_code == 2
    assert "decimals" in result.output


def test_the_wheel_holds_every_package_of_perfxl():
    # a non-editable install holds only the packages pyproject names: perfxl.read must be one
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib

    root = Path(__file__).resolve().parents[1]
    named = set(tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(root).parts) for p in (root / "perfxl").rglob("__init__.py")}
    assert found <= named


# ---------------------------------------------------------------------------------------------
# the CLI as a user checks it (issue 13)


def test_missing_input_is_a_usage_error_before_anything_is_written(tmp_path):
    out = tmp_path / "e.xlsx"
    for command in (
        ["consolidate", "nonexist", "-o", out],
        ["check", "nonexist"],
        ["read", "nonexist"],
        ["consolidate", tmp_path / "*.nomatch", "-o", out],
    ):
        result = run(*command)
        assert result.exit_code == 2 and "找不到输入" in result.stderr, (command, result.output)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["x.csv", "x", "x.xlsm", "x.xls"])
def test_output_must_be_an_xlsx(tmp_path, name):
    result = run("consolidate", FORMS[0], "-o", tmp_path / name)
    assert result.exit_code == 2 and "应以 .xlsx 结尾" in result.stderr
    result = run("template", "-o", tmp_path / name)
    assert result.exit_code == 2 and "应以 .xlsx 结尾" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_lock_file_named_is_skipped_with_a_note(tmp_path):
    lock = tmp_path / "~$01.xlsx"
    lock.write_bytes(b"\x00owner")
    result = run("check", FORMS[0], lock, "--json")
    assert result.exit_code == 0, result.output
    assert [Path(f["file"]).name for f in json.loads(result.stdout)["files"]] == [FORMS[0].name]
    assert f"跳过 {lock}" in result.stderr and "锁定文件" in result.stderr
    assert run("check", lock).exit_code == 2  # nothing else to read: a usage error


def test_the_same_event_has_the_same_exit_code_in_check_and_consolidate(tmp_path):
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"not a workbook")
    clean = EXAMPLES / "forms" / "06-2019年第三批省外贸发展专项资金（贸易救济法律援助和稳外贸项目）.xlsx"
    with_errors = EXAMPLES / "forms" / "10-项目考察评审经费.xlsx"
    for inputs, code in (([clean], 0), ([with_errors], 1), ([clean, bad], 2), ([with_errors, bad], 2)):
        for jobs in ("0", "1", "2"):
            checked = run("check", *inputs, "--jobs", jobs)
            out = tmp_path / f"s{code}{jobs}.xlsx"
            consolidated = run("consolidate", *inputs, "-o", out, "--jobs", jobs)
            assert checked.exit_code == consolidated.exit_code == code, (inputs, jobs, consolidated.output)


def test_every_option_has_a_chinese_help_text():
    def commands(group):
        yield group
        for command in getattr(group, "commands", {}).values():
            yield from commands(command)

    for command in commands(main):
        assert command.help and any("\u4e00" <= ch <= "\u9fff" for ch in command.help), command.name
        for param in command.params:
            if isinstance(param, click.Option) and param.name not in ("help", "version"):
                assert param.help and any("\u4e00" <= ch <= "\u9fff" for ch in param.help), (command.name, param.name)


def test_no_files_found_names_every_format(tmp_path):
    (tmp_path / "a.png").write_bytes(b"\x89PNG")
    result = run("check", tmp_path)
    assert result.exit_code == 2
    for fmt in ("xlsx", "xlsm", "xls", "xlsb", "ods", "txt", "JSON", "docx", "html", "pdf"):
        assert fmt in result.stderr
