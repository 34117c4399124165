"""What perfxl writes from hostile values: numbers no cell can hold, text a terminal would obey,
names that differ only in how they are typed."""

from __future__ import annotations

import json
import math
import os

import pytest

from perfxl.consolidate import HEADERS, INDICATORS, ISSUES, PROJECTS, UNITS
from tests.adversarial import hostile as h
from tests.adversarial.conftest import assert_no_traceback, cells, run


def strict_json(text: str):
    """JSON as the standard has it: Infinity and NaN (which json.dumps writes by default) refused."""

    def refuse(constant):
        raise AssertionError(f"{constant} in JSON output")

    return json.loads(text, parse_constant=refuse)


def _numbers(path, sheet: str) -> list[float]:
    return [c.value for row in cells(path, sheet) for c in row if isinstance(c.value, (int, float))]


# --------------------------------------------------------------------------- numbers past any sum


def test_amounts_near_the_float_limit_are_findings_and_no_total_overflows(tmp_path):
    # 到位数 differs: two forms saying the same under other names would be one form sent twice
    forms = [
        h.write_xlsx(
            tmp_path / f"{name}.xlsx",
            h.edited({"project": name, "budget": 1e308, "received": received, "spent": 1.7e308}),
        )
        for name, received in (("甲", 1e308), ("乙", 2))
    ]
    forms.append(h.write_xlsx(tmp_path / "丙.xlsx", h.edited({"project": "丙"})))  # 4 / 4 / 3.94
    out = tmp_path / "汇总" / "汇总.xlsx"
    result = run("consolidate", *forms, "-o", out, "--jobs", "1", "--json")
    assert_no_traceback(result)
    assert result.exit_code == 1, result.output  # 甲 and 乙 are counted, with errors
    summary = strict_json(result.stdout)
    assert summary["totals"]["budget"] == 4 and summary["totals"]["spent"] == 3.94
    for sheet in (PROJECTS, UNITS, INDICATORS):
        assert all(math.isfinite(x) and abs(x) < 1e15 for x in _numbers(out, sheet))
    found = {(r[7].rsplit("/", 1)[-1], r[5], r[3]) for r in summary["sheets"][ISSUES]["rows"]}
    for name in ("甲", "乙"):
        assert {(f"{name}.xlsx", "自评表!C7", "not-a-number"), (f"{name}.xlsx", "自评表!G7", "not-a-number")} <= found


def _json_form(tmp_path, **changes) -> str:
    """perfxl's JSON of the clean form with fields replaced by raw JSON text (1e400, NaN)."""
    form = h.write_xlsx(tmp_path / "表.xlsx", h.form_rows())
    data = json.loads(run("read", form, "--json").stdout)
    marks = {}
    for i, (path, raw) in enumerate(changes.items()):
        where = data
        *parents, last = path.split(".")
        for key in parents:
            where = where[int(key)] if key.isdigit() else where[key]
        marks[f'"@{i}@"'] = raw
        where[int(last) if last.isdigit() else last] = f"@{i}@"
    text = json.dumps(data, ensure_ascii=False)
    for mark, raw in marks.items():
        text = text.replace(mark, raw)
    return text


#: Numbers JSON can carry and no cell or sum can: (field, raw JSON).
JSON_NUMBERS = {
    "budget.total": "1e400",
    "received.total": "NaN",
    "spent.total": "-1e400",
    "indicators.0.weight": "1e300",
    "stated_total": "Infinity",
}


def test_json_numbers_past_the_float_range_are_findings_everywhere(tmp_path):
    path = tmp_path / "大数.json"
    path.write_text(_json_form(tmp_path, **JSON_NUMBERS), encoding="utf-8")

    result = run("check", path, "--json")
    assert_no_traceback(result)
    assert result.exit_code == 1
    (form,) = strict_json(result.stdout)["files"][0]["forms"]
    bad = {f["location"] for f in form["findings"] if f["code"] == "not-a-number"}
    assert bad == set(JSON_NUMBERS)

    result = run("read", path, "--json")
    assert_no_traceback(result)
    assert result.exit_code == 0
    read = strict_json(result.stdout)  # one form in the file: one object
    assert read["budget"]["total"] is None and read["indicators"][0]["weight"] is None
    assert result.stderr.count("按空值处理") == len(JSON_NUMBERS)

    result = run("consolidate", path, "-o", tmp_path / "汇总.xlsx", "--json")
    assert_no_traceback(result)
    assert result.exit_code == 1  # the form counted has errors (not-a-number)
    strict_json(result.stdout)

    result = run("template", "--from", path, "-o", tmp_path / "模板.xlsx")
    assert_no_traceback(result)
    assert result.exit_code == 1  # written, with what was left empty named
    assert result.stderr.count("模板中留空") == len(JSON_NUMBERS)
    assert (tmp_path / "模板.xlsx").exists()


@pytest.mark.parametrize(
    "option",
    [
        ["--budget", "inf"],
        ["--budget", "nan"],
        ["--budget", "-inf"],
        ["--budget", "1e300"],
        ["--weight", "产出=inf"],
        ["--weight", "效益=nan"],
        ["--weight", "产出=1e20"],
    ],
)
def test_template_options_past_any_sum_are_usage_errors(tmp_path, option):
    result = run("template", "-o", tmp_path / "模板.xlsx", *option)
    assert_no_traceback(result)
    assert result.exit_code == 2 and option[0] in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_rate_over_a_tiny_budget_is_left_empty(tmp_path):
    form = h.write_xlsx(tmp_path / "微小.xlsx", h.edited({"budget": 1e-300, "received": 1e-300, "spent": 1e10}))
    result = run("consolidate", form, "-o", tmp_path / "汇总.xlsx", "--json")
    assert_no_traceback(result)
    rows = strict_json(result.stdout)["sheets"][PROJECTS]["rows"]
    rate = HEADERS[PROJECTS].index("预算执行率")
    assert rows[0][rate] is None and rows[-1][rate] is None  # 预算执行率 of the form and of the 合计


# ----------------------------------------------------------------------------- terminal escapes


#: What a cell may hold (SpreadsheetML's own escapes) to move the cursor, clear the screen, ring the
#: bell, overwrite a line or turn text around, with what perfxl shows instead.
ESCAPES = {
    "_x001B_[2J_x001B_[H": "\\x1b[2J\\x1b[H",
    "_x0007_": "\\x07",
    "_x000D_": "\\r",
    "\u202e": "\\u202e",
    "\u009b31m": "\\x9b31m",
}


def _raw(text: str) -> str:
    return text.replace("_x001B_", "\x1b").replace("_x0007_", "\x07").replace("_x000D_", "\r")


@pytest.fixture
def escaping(tmp_path):
    """A form whose project name holds every escape, and a finding whose message quotes one."""
    project = "项目" + "".join(ESCAPES)
    return h.write_xlsx(
        tmp_path / "转义.xlsx",
        h.edited({"project": project, "problems": "无", "first_actual": "完成_x000D_  错误 伪造的问题"}),
    )


@pytest.mark.parametrize("command", [["check"], ["read"]])
def test_control_characters_reach_the_terminal_as_escapes(escaping, command):
    result = run(*command, escaping)
    assert_no_traceback(result)
    for cell_text, shown in ESCAPES.items():
        assert shown in result.stdout
        assert _raw(cell_text) not in result.stdout
    assert not any(ch in result.stdout for ch in "\x1b\x07\r\u202e\x9b")
    # a line break in a cell does not start a line of its own (a finding forged in the cell)
    assert not any(line.startswith("  错误 伪造") for line in result.stdout.splitlines())


def test_json_output_keeps_the_text_as_it_is(escaping):
    result = run("check", escaping, "--json")
    (form,) = json.loads(result.stdout)["files"][0]["forms"]
    assert form["project"] == _raw("项目" + "".join(ESCAPES))
    assert "\x1b" not in result.stdout  # JSON escapes control characters itself


def test_a_file_name_with_escapes_is_shown_not_obeyed(tmp_path):
    bad = tmp_path / "坏\x1b[31m文件\r.xlsx"
    bad.write_bytes(b"not a workbook")
    for command in (["check", bad], ["read", bad], ["consolidate", bad, "-o", tmp_path / "汇总.xlsx"]):
        result = run(*command)
        assert_no_traceback(result)
        assert "\x1b" not in result.output and "\r" not in result.output
        assert "坏\\x1b[31m文件\\r.xlsx" in result.output


def test_a_lone_surrogate_is_written_as_an_escape(tmp_path):
    path = tmp_path / "代理.json"
    path.write_text(_json_form(tmp_path, project='"坏\\ud800项目"'), encoding="utf-8")
    for command in (["check", path, "--json"], ["read", path, "--json"], ["read", path], ["check", path]):
        result = run(*command)
        assert_no_traceback(result)
        assert "\\ud800" in result.stdout
    # no UTF-8 file can hold one: the workbooks and CSVs get the escape too
    out, csv = tmp_path / "汇总.xlsx", tmp_path / "csv"
    result = run("consolidate", path, "-o", out, "--csv", csv)
    assert_no_traceback(result)
    assert result.exit_code == 0
    assert cells(out, PROJECTS)[3][1].value == "坏\\ud800项目"
    assert "坏\\ud800项目" in (csv / f"{PROJECTS}.csv").read_text(encoding="utf-8-sig")
    result = run("template", "--from", path, "-o", tmp_path / "模板.xlsx")
    assert_no_traceback(result)
    assert result.exit_code == 0 and (tmp_path / "模板.xlsx").exists()


def test_a_file_name_that_is_not_utf8_is_written_as_escapes(tmp_path):
    folder = tmp_path / "表"
    folder.mkdir()
    name = "单位".encode("gbk") + b".xlsx"  # as a zip made on Chinese Windows unpacks
    h.write_xlsx(folder / os.fsdecode(name), h.form_rows())
    out, csv = tmp_path / "汇总.xlsx", tmp_path / "csv"
    result = run("consolidate", folder, "-o", out, "--csv", csv)
    assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    escaped = os.fsdecode(name).encode("utf-8", "backslashreplace").decode()  # \udcb5\udca5…
    assert cells(out, PROJECTS)[3][HEADERS[PROJECTS].index("来源文件")].value.endswith(escaped)
    assert escaped in (csv / f"{PROJECTS}.csv").read_text(encoding="utf-8-sig")


# ---------------------------------------------------------------------------------- duplicates


def test_duplicate_forms_are_found_however_their_names_are_typed(tmp_path):
    spellings = [
        ("ＡＢＣ项目", "投资服务局"),
        ("abc项目", "投资服务局"),
        ("ABC 项目", "投资　服务局"),
        ("A\u200bBC项目", "投资服务局"),
        ("ABC项目二", "投资服务局"),
    ]
    # ABC项目二 says something else too (到位数): the same content under another name is a duplicate as well
    forms = [
        h.write_xlsx(tmp_path / f"{i}.xlsx", h.edited({"project": p, "unit": u, **({"received": 3} if i == 4 else {})}))
        for i, (p, u) in enumerate(spellings)
    ]
    result = run("consolidate", *forms, "-o", tmp_path / "汇总.xlsx", "--json")
    assert_no_traceback(result)
    summary = json.loads(result.stdout)
    status = HEADERS[PROJECTS].index("状态")
    rows = summary["sheets"][PROJECTS]["rows"][:-1]  # without the 合计 row
    by_project = {r[1]: r[status] for r in rows}
    assert sorted(by_project[p] for p, _ in spellings[:4]) == ["计入", "重复", "重复", "重复"]
    assert by_project["ABC项目二"] == "计入"  # not one of them
    groups = [r for r in summary["sheets"][ISSUES]["rows"] if r[3] == "duplicate-form"]
    assert len(groups) == 1 and summary["duplicates"] == 3
