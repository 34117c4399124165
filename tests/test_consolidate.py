"""perfxl consolidate: many forms into one summary workbook, read back with openpyxl."""

import csv
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.consolidate import (
    HEADERS,
    ISSUES,
    SHEETS,
    ConsolidateError,
    InlineExecutor,
    check_file_for_summary,
    consolidate,
    csv_cell,
)
from tests.support.seed import DUMP, EXAMPLES, XLSX

TEXT = DUMP
FORMS = XLSX
INPUTS = [*FORMS, TEXT]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def rows(path, sheet):
    wb = openpyxl.load_workbook(path)
    return [list(r) for r in wb[sheet].iter_rows(values_only=True)]


def findings(path):
    """The rows of 问题清单 below its header (the 单位问题汇总 block stands above)."""
    table = rows(path, ISSUES)
    return table[table.index(HEADERS[ISSUES]) + 1 :]


@pytest.fixture(scope="module")
def summary_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("summary") / "汇总.xlsx"
    summary = consolidate(INPUTS, out, executor=InlineExecutor(), collect=True)
    return out, summary


def test_sheets_titles_and_row_counts(summary_file):
    out, summary = summary_file
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == list(SHEETS) == ["项目汇总", "单位汇总", "部门整体", "指标明细", "问题清单"]
    proj = rows(out, "项目汇总")
    assert proj[0][0] == "投资服务局 2020年度项目支出绩效自评汇总表"
    assert "14 个文件" in proj[1][0] and "财预〔2020〕10号" in proj[1][0]
    assert proj[2] == HEADERS["项目汇总"]
    data, total = proj[3:-1], proj[-1]
    assert len(data) == 26 and total[0] == "合计"
    ws = wb["项目汇总"]
    assert ws.freeze_panes == "A4" and ws.auto_filter.ref == "A3:N29"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.cell(4, 4).number_format == "0.00" and ws.cell(4, 7).number_format == "0.00%"
    assert [r[0] for r in rows(out, "单位汇总")][-1] == "合计"
    assert wb["单位汇总"]._charts  # the grade distribution
    assert rows(out, "指标明细")[0] == HEADERS["指标明细"]
    assert len(rows(out, "指标明细")) - 1 == sum(
        len(f["indicators"]) for p in INPUTS for f in check_file_for_summary(p)["forms"]
    )
    assert summary.forms == 26 and summary.files == 14 and summary.counted == 13 and summary.duplicates == 13
    assert summary.exit_code() == 1  # the seed forms have errors, as perfxl check says


def test_total_row_sums_and_overall_rate(summary_file):
    out, _ = summary_file
    proj = rows(out, "项目汇总")
    data, total = [r for r in proj[3:-1] if r[2] == "计入"], proj[-1]
    budget, received, spent = (sum(r[i] for r in data if r[i] is not None) for i in (3, 4, 5))
    assert total[3] == pytest.approx(budget) and total[4] == pytest.approx(received)
    assert total[5] == pytest.approx(spent)
    assert total[6] == pytest.approx(spent / budget)
    # the 13 forms twice, each counted once: Σ of the seed forms (万元)
    assert total[3] == pytest.approx(992.47)
    assert total[1] == "计入 13 个项目（不含重复 13 个、未填报 0 个）"
    assert total[11] == sum(r[11] for r in data)
    units = rows(out, "单位汇总")
    assert units[-1][1] == 13 and units[-1][3] == 13 and sum(units[-1][9:13]) == 13
    assert units[-1][6] == pytest.approx(spent / budget)


def test_duplicates_one_row_per_group_and_every_form_row_kept_with_its_status(summary_file):
    out, summary = summary_file
    dup = [r for r in findings(out) if r[3] == "duplicate-form"]
    assert len(dup) == 13 == summary.duplicates == summary.duplicate_groups  # each seed form in a workbook and the dump
    party = [r for r in dup if r[1] == "党建经费"]
    assert len(party) == 1 and party[0][2] == "重复报送" and party[0][4] == "警告"
    assert "共收到 2 份" in party[0][6]
    statuses = sorted(r[2] for r in rows(out, "项目汇总")[3:-1] if r[1] == "党建经费")
    assert statuses == ["计入", "重复"]


def test_broken_file_listed_and_exit_1(tmp_path):
    broken = tmp_path / "坏文件.xlsx"
    broken.write_bytes(b"this is not a workbook")
    out = tmp_path / "s.xlsx"
    result = run("consolidate", FORMS[0], broken, "-o", out, "--jobs", "1")
    assert result.exit_code == 2, result.output  # as perfxl check: a file could not be read
    assert out.exists()
    bad = [r for r in findings(out) if r[3] == "unreadable"]
    assert len(bad) == 1 and Path(bad[0][7]).name == broken.name and bad[0][4] == "错误"
    assert not Path(bad[0][7]).is_absolute()
    assert len(rows(out, "项目汇总")) == 3 + 1 + 1


def test_force_and_refusals(tmp_path):
    out = tmp_path / "s.xlsx"
    assert run("consolidate", FORMS[0], "-o", out, "--jobs", "1").exit_code == 0
    before = out.read_bytes()
    result = run("consolidate", FORMS[1], "-o", out, "--jobs", "1")
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_bytes() == before
    assert run("consolidate", FORMS[1], "-o", out, "--jobs", "1", "--force").exit_code == 0
    assert rows(out, "项目汇总")[3][1] == "翻译费"
    with pytest.raises(ConsolidateError):
        consolidate([FORMS[0], out], out, force=True, executor=InlineExecutor())
    assert [p.name for p in tmp_path.iterdir()] == ["s.xlsx"]  # no temp file left behind


@pytest.fixture
def formula_form(tmp_path):
    text = TEXT.read_text(encoding="utf-8")
    first = text.index("项目名称\t党建经费")
    path = tmp_path / "formula.txt"
    path.write_text(
        text[:first] + text[first:].replace("项目名称\t党建经费", "项目名称\t=1+2 党建经费", 1), encoding="utf-8"
    )
    return path


def test_project_name_starting_with_equals_stays_text(tmp_path, formula_form):
    out = tmp_path / "s.xlsx"
    consolidate([formula_form], out, executor=InlineExecutor())
    ws = openpyxl.load_workbook(out)["项目汇总"]
    cell = ws.cell(4, 2)
    assert cell.value == "=1+2 党建经费" and cell.data_type == "s"


def test_csv_escaping(tmp_path, formula_form):
    assert csv_cell("=1+2") == "'=1+2" and csv_cell("+x") == "'+x" and csv_cell("-x") == "'-x"
    assert csv_cell("@x") == "'@x" and csv_cell("\tx") == "'\tx" and csv_cell("\rx") == "'\rx"
    assert csv_cell("党建经费") == "党建经费" and csv_cell(-1.5) == "-1.5" and csv_cell(None) == ""
    out, folder = tmp_path / "s.xlsx", tmp_path / "csv"
    result = run("consolidate", formula_form, "-o", out, "--jobs", "1", "--csv", folder)
    assert result.exit_code == 1, result.output  # the seed forms' errors
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{s}.csv" for s in (*SHEETS, "单位问题汇总"))
    raw = (folder / "项目汇总.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert table[0] == HEADERS["项目汇总"]
    assert table[1][1] == "'=1+2 党建经费" and table[-1][0] == "合计"
    # rates as the workbook shows them, amounts as numbers
    assert table[-1][6] == "99.71%" and table[1][6] == "100.00%" and table[1][3] == "0.7"


def test_json_output(tmp_path):
    out = tmp_path / "s.xlsx"
    result = run("consolidate", *INPUTS, "-o", out, "--jobs", "1", "--json", "--title", "某部门", "--year", "2021")
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["title"] == "某部门 2021年度项目支出绩效自评汇总表"
    assert data["forms"] == 26 and data["files"] == 14 and data["duplicates"] == 13 and data["counted"] == 13
    assert list(data["sheets"]) == [*SHEETS, "单位问题汇总"]
    proj = data["sheets"]["项目汇总"]
    assert proj["header"] == HEADERS["项目汇总"] and len(proj["rows"]) == 27
    assert proj["rows"][-1][0] == "合计"
    assert data["totals"]["exec_rate"] == pytest.approx(data["totals"]["spent"] / data["totals"]["budget"])
    xl = rows(out, "项目汇总")
    assert xl[0][0] == data["title"]
    assert len(xl) - 3 == len(proj["rows"])
    for got, want in zip(xl[3:], proj["rows"]):
        for g, w in zip(got[:13], want[:13]):
            if isinstance(w, float):
                assert g == pytest.approx(w, rel=1e-12)
            else:
                assert (None if g == "" else g) == (None if w == "" else w)


def test_process_pool_and_inline_give_identical_sheets(tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    consolidate(INPUTS, a, executor=InlineExecutor())
    with ProcessPoolExecutor(2) as ex:
        consolidate(INPUTS, b, executor=ex)
    for sheet in SHEETS:
        ra, rb = rows(a, sheet), rows(b, sheet)
        if sheet == "项目汇总":
            ra, rb = ra[:1] + ra[2:], rb[:1] + rb[2:]  # the info line holds the time
        assert ra == rb, sheet


# ---------------------------------------------------------------------------------------------
# forms of other layouts: department forms apart, amounts added in 万元, units as the form names them

REAL = Path(__file__).resolve().parent / "data" / "layouts" / "real"


@pytest.fixture(scope="module")
def layouts_summary(tmp_path_factory):
    out = tmp_path_factory.mktemp("layouts") / "汇总.xlsx"
    summary = consolidate(sorted(REAL.glob("*.xlsx")), out, executor=InlineExecutor(), collect=True)
    return out, summary


def test_department_forms_are_listed_apart_and_never_in_the_project_totals(layouts_summary):
    out, summary = layouts_summary
    departments = rows(out, "部门整体")[1:]
    files = sorted(Path(r[-1]).stem for r in departments)
    assert files == sorted([p.stem for p in REAL.glob("f7-*.xlsx")] + ["f5-daying-2020-zonggonghui"])
    projects = [r for r in rows(out, "项目汇总") if r[-1] and str(r[-1]).endswith(".xlsx")]
    assert not any(Path(r[-1]).stem in files for r in projects)
    assert summary.totals["projects"] == sum(r[2] == "计入" for r in projects)


def test_amounts_in_yuan_are_added_in_wan(layouts_summary):
    out, _ = layouts_summary
    yongde = next(r for r in rows(out, "项目汇总") if r[-1] and "f3-yongde" in str(r[-1]))
    assert yongde[3] == pytest.approx(38.766462) and yongde[12] == "元"  # 387664.62 元, its own unit beside


def test_a_central_form_is_grouped_under_its_implementing_unit(layouts_summary):
    out, _ = layouts_summary
    jishan = next(r for r in rows(out, "项目汇总") if r[-1] and "f1-jishan" in str(r[-1]))
    assert jishan[0] == "稷山县医疗保险服务中心"  # no 填报单位 line: 实施单位 fills the form


def test_readme_first_command_counts_each_example_once(tmp_path, monkeypatch):
    # pip install -e . && perfxl consolidate examples/ -o 汇总表.xlsx, as the README says
    monkeypatch.chdir(EXAMPLES.parent)
    out = tmp_path / "汇总表.xlsx"
    result = run("consolidate", "examples/", "-o", out)
    assert result.exit_code == 1, result.output  # the seed forms' errors, as perfxl check says
    total = rows(out, "项目汇总")[-1]
    assert total[3] == pytest.approx(992.47) and total[1] == "计入 13 个项目（不含重复 13 个、未填报 0 个）"
    assert {Path(r[-1]).parts[0] for r in rows(out, "项目汇总")[3:-1]} == {"forms", "forms-2020.txt"}


def test_each_named_row_has_one_field_per_column_of_its_sheet():
    from perfxl.consolidate import DEPARTMENTS, HEADERS, ISSUES, PROJECTS, DepartmentRow, IssueRow, ProjectRow

    for row, sheet in ((ProjectRow, PROJECTS), (DepartmentRow, DEPARTMENTS), (IssueRow, ISSUES)):
        assert len(row._fields) == len(HEADERS[sheet]), sheet
