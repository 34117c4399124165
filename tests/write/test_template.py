"""The official template: faithful to the form, read back exactly, and its formulas give the engine's numbers.

- every seed form written into the template reads back field by field (every formula kind);
- the default template (each result a UDF call falling back on a built-in formula) and the native
  one, recalculated by LibreOffice headless and by Gnumeric, give the engine's 分值, 复核得分,
  复核执行进度, 总分 and 等级 in every cell, with no error value, for the seed forms and for
  generated forms over the values the native formulas cover;
- the default template evaluated by pycel with ``perfxl.udfs`` registered gives the engine's
  numbers through the UDFs, also where the built-in formulas cannot read a value;
- a udf template opened without the add-in is one ``addin-missing`` finding;
- the blank templates in ``templates/`` are what ``perfxl template`` writes (compared part by part);
- the form is what staff know: sections, labels, fonts, print setup, names, dropdowns, protection.
"""

from __future__ import annotations

import inspect
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from perfxl import udfs
from perfxl.checker import check_file
from perfxl.cli import main
from perfxl.engine import exec_rate, scored
from perfxl.model import Form
from perfxl.names import name_of
from perfxl.read import read_forms
from perfxl.write import TemplateOptions, write_template
from perfxl.write.formulas import PLAIN_FUNCTIONS
from perfxl.write.layout import (
    COL_RULE,
    COL_WEIGHT,
    COL_WEIGHT_USED,
    FIELD_CELLS,
    SHEET,
    Layout,
    cell_name,
    plan_rows,
)
from perfxl.write.layout import (
    FIRST_INDICATOR_ROW as FIRST_ROW,
)
from tests.support import gnumeric, udf_hosts
from tests.support.libreoffice import error_cells, read_results, recalculate_many
from tests.support.native_forms import native_forms
from tests.support.pycel_udf import evaluate_cells
from tests.support.workbook_parts import workbook_parts

ROOT = Path(__file__).resolve().parents[2]
TRUTH = sorted((ROOT / "examples" / "truth").glob("*.json"))
TEMPLATES = ROOT / "templates"
GENERATED = 40


def truth_form(path: Path) -> Form:
    return Form.model_validate(json.loads(path.read_text(encoding="utf-8")))


def write(form: Form | None, path: Path, kind: str) -> Path:
    return write_template(path, form, options=TemplateOptions(formulas=kind))


def result_cells(form: Form) -> dict[str, object]:
    """Cell → what the engine says belongs there: 复核执行进度, per indicator 分值 used and 复核得分,
    the 分值 sum, 总分 and 等级 ("" for no result, as a formula shows it)."""
    computed = scored(form).computed
    layout = Layout(plan_rows(form, 3, filled=True))
    rows = {id(r.indicator): layout.first + i for i, r in enumerate(layout.table) if r.indicator}
    want: dict[str, object] = {"H8": exec_rate(form.spent.total, form.budget.total)}  # 执行数 / 预算数 only
    for ind, res in zip(form.indicators, computed.indicators):
        want[cell_name(rows[id(ind)], COL_RULE)] = res.rule_score
        want[cell_name(rows[id(ind)], COL_WEIGHT_USED)] = res.weight
    want[cell_name(layout.total_row, COL_WEIGHT)] = sum(r.weight for r in computed.indicators if r.weight is not None)
    want[cell_name(layout.total_row, COL_RULE)] = computed.total
    want[cell_name(layout.grade_row, COL_RULE)] = computed.grade
    return {cell: "" if value is None else value for cell, value in want.items()}


def same(got, want) -> bool:
    if isinstance(want, float) and isinstance(got, (int, float)):
        return abs(got - want) < 1e-9
    return got == want


# ---------------------------------------------------------------------------------------------
# Read back


@pytest.mark.parametrize("kind", ["auto", "udf", "native"])
@pytest.mark.parametrize("truth", TRUTH, ids=lambda p: p.stem)
def test_every_seed_form_reads_back_the_same(tmp_path, truth, kind):
    form = truth_form(truth)
    got = read_forms(write(form, tmp_path / "form.xlsx", kind))
    assert len(got) == 1
    assert got[0].source.method == "names"
    assert got[0].as_written() == form.as_written()


def test_names_point_at_the_fields(tmp_path):
    form = truth_form(TRUTH[4])
    path = write(form, tmp_path / "form.xlsx", "native")
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]

    def value(name):
        ((sheet, ref),) = list(wb.defined_names[name].destinations)
        return ws[ref.replace("$", "").split(":")[0]].value

    assert value(name_of("project")) == form.project
    assert value(name_of("unit")) == form.unit
    assert value(name_of("budget.total")) == form.budget.total
    assert value(name_of("spent.fiscal")) == form.spent.fiscal
    assert value(name_of("ind_name")) == form.indicators[0].name
    assert value(name_of("filled_by")) == form.filled_by
    for path_ in FIELD_CELLS:
        assert name_of(path_) in wb.defined_names


def test_names_follow_inserted_rows(tmp_path):
    """A user inserts a row above the table (Excel moves names with the cells): still read by name."""
    form = truth_form(TRUTH[1])
    path = write(form, tmp_path / "form.xlsx", "native")
    wb = openpyxl.load_workbook(path)
    wb[SHEET].insert_rows(3)  # openpyxl does not move names: move them as Excel would
    for _name, dn in list(wb.defined_names.items()):
        dn.attr_text = re.sub(
            r"\$(\d+)", lambda m: f"${int(m.group(1)) + (1 if int(m.group(1)) >= 3 else 0)}", dn.attr_text
        )
    moved = tmp_path / "moved.xlsx"
    wb.save(moved)
    got = read_forms(moved)[0]
    assert got.source.method == "names"
    assert (got.project, got.budget.total, len(got.indicators)) == (
        form.project,
        form.budget.total,
        len(form.indicators),
    )


def test_no_name_shadows_a_udf(tmp_path):
    """A defined name equal to a UDF's name would hide the function in Excel (xlwings issue 566)."""
    functions = {n.lower() for n, f in inspect.getmembers(udfs, inspect.isfunction) if n.startswith("perfxl_")}
    assert functions  # the five UDFs
    names = {n.lower() for n in openpyxl.load_workbook(write(None, tmp_path / "t.xlsx", "udf")).defined_names}
    assert not names & functions


def test_blank_template_reads_as_an_empty_form(tmp_path):
    form = read_forms(write(None, tmp_path / "blank.xlsx", "udf"))[0]
    assert form.project is None and form.unit is None and form.budget.total is None
    assert [ind.name for ind in form.indicators] == ["预算执行率"]
    assert form.level1_weights == {"产出指标": 50, "预算执行率指标": 10, "效益指标": 30, "满意度指标": 10}
    assert scored(form).computed.total is None


# ---------------------------------------------------------------------------------------------
# Formulas in a real engine


#: A form whose rows the native formulas do not read (a number after words, Chinese numerals): the
#: UDF branch scores them as the engine does, the built-in branch leaves their 复核得分 empty.
BEYOND_NATIVE = {"完成率≥95%": "96%", "不少于四十个": "四十二个"}


def beyond_native_form() -> Form:
    form = truth_form(TRUTH[0])
    rows = [
        ind.model_copy(update={"target": t, "actual": a}) for ind, (t, a) in zip(form.indicators, BEYOND_NATIVE.items())
    ]
    return form.model_copy(update={"indicators": rows + form.indicators[len(rows) :]})


@pytest.fixture(scope="module")
def forms():
    """Seed forms and generated forms over the values the native formulas cover: name → form."""
    out = {p.stem: truth_form(p) for p in TRUTH}
    out.update({f"gen{i:02d}": f for i, f in enumerate(native_forms(GENERATED))})
    return out


@pytest.fixture(scope="module")
def written(tmp_path_factory, forms):
    """Every form, the blank template and the form beyond the native formulas in the default kind;
    the seed forms in the native and udf kinds; the native blank: file stem → (form or None, path)."""
    folder = tmp_path_factory.mktemp("written")
    out = {name: (form, write(form, folder / f"{name}.xlsx", "auto")) for name, form in forms.items()}
    out["blank"] = (None, write(None, folder / "blank.xlsx", "auto"))
    out["beyond"] = (beyond_native_form(), write(beyond_native_form(), folder / "beyond.xlsx", "auto"))
    out["native-blank"] = (None, write(None, folder / "native-blank.xlsx", "native"))
    for kind in ("native", "udf"):
        out.update(
            {
                f"{kind}-{p.stem}": (forms[p.stem], write(forms[p.stem], folder / f"{kind}-{p.stem}.xlsx", kind))
                for p in TRUTH
            }
        )
    return out


#: What each engine recalculates: the default kind (whose formulas are the native kind's, each
#: result wrapped: test_default_template_is_the_udf_call_falling_back_on_the_native_formula), the
#: native blank, and one udf form (#NAME? without the add-in).
RECALCULATED = (
    [p.stem for p in TRUTH] + [f"gen{i:02d}" for i in range(GENERATED)] + ["blank", "beyond", "native-blank", "udf-01"]
)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, written):
    """The workbooks of RECALCULATED recalculated by LibreOffice (one batch) and by Gnumeric:
    engine → stem → (form, values of the sheets, recalculated file)."""
    paths = [written[n][1] for n in RECALCULATED]
    out = {}
    for engine, recalc in (("libreoffice", recalculate_many), ("gnumeric", gnumeric.recalculate_many)):
        files = recalc(paths, tmp_path_factory.mktemp(engine))
        out[engine] = {n: (written[n][0], read_results(f), f) for n, f in zip(RECALCULATED, files)}
    return out


ENGINES = ["libreoffice", "gnumeric"]
FORM_NAMES = [p.stem for p in TRUTH] + [f"gen{i:02d}" for i in range(GENERATED)]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", FORM_NAMES)
def test_default_template_gives_the_engines_numbers(recalculated, engine, name):
    """Without perfxl's add-in, the default template shows the built-in formulas' results: the
    engine's, with no error value anywhere (no #NAME? for the UDFs it calls first)."""
    form, values, _ = recalculated[engine][name]
    assert error_cells(values) == {}
    sheet = values[SHEET]
    want = result_cells(form)
    assert {c: sheet.get(c, "") for c in want if not same(sheet.get(c, ""), want[c])} == {}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", ["blank", "native-blank"])
def test_blank_template_recalculates_clean(recalculated, engine, name):
    _, values, _ = recalculated[engine][name]
    assert error_cells(values) == {}
    assert values[SHEET]["A1"] == "区级部门预算项目绩效自评表"
    assert values[SHEET].get("I23", "") == ""  # no indicator scored: no 复核总分


@pytest.mark.parametrize("engine", ENGINES)
def test_recalculated_template_checks_without_mismatch(recalculated, engine):
    """The results each engine cached, read back by perfxl, agree with the engine: no
    cell-value-mismatch, and the form reads back as written."""
    for name in [p.stem for p in TRUTH]:
        form, _, out = recalculated[engine][name]
        report = check_file(out)
        assert {"cell-value-mismatch", "addin-missing"}.isdisjoint({f.code for r in report.forms for f in r.findings})
        got = read_forms(out)[0]
        assert got.as_written() == form.as_written()
        assert got.source.results["total"] == scored(form).computed.total


@pytest.mark.parametrize("engine", ENGINES)
def test_udf_template_without_the_addin_is_one_finding(recalculated, engine):
    """A udf template opened where perfxl's functions are unknown shows #NAME?: perfxl check says so
    once, naming the options that avoid it, instead of one cell-value-mismatch per cell."""
    _, values, out = recalculated[engine]["udf-01"]
    assert set(error_cells(values).values()) == {"#NAME?"}
    findings = [f for r in check_file(out).forms for f in r.findings]
    codes = [f.code for f in findings]
    assert "cell-value-mismatch" not in codes and codes.count("addin-missing") == 1
    (missing,) = [f for f in findings if f.code == "addin-missing"]
    assert "加载项" in missing.message and "--formulas native" in missing.message and "\n" not in missing.message


@pytest.mark.parametrize("truth", TRUTH, ids=lambda p: p.stem)
def test_default_template_with_the_udfs_gives_the_engines_numbers(written, truth):
    """With perfxl's functions known (pycel with perfxl.udfs as the add-in's names), each result
    cell is the UDF's."""
    form, path = written[truth.stem]
    want = result_cells(form)
    got = evaluate_cells(path, [f"{SHEET}!{c}" for c in want], udf_hosts.ADDIN)
    assert {c: got[f"{SHEET}!{c}"] for c in want if not same(got[f"{SHEET}!{c}"], want[c])} == {}


def test_one_file_gives_the_udf_result_with_the_addin_and_the_native_one_without(written, recalculated):
    """Rows the built-in formulas cannot read: the UDFs score them as the engine does; LibreOffice
    and Gnumeric, without the UDFs, fall back on the built-in formulas (an empty 复核得分), no error."""
    form, path = written["beyond"]
    want = result_cells(form)
    rows = [cell_name(FIRST_ROW + i, COL_RULE) for i in range(len(BEYOND_NATIVE))]
    assert all(isinstance(want[c], float) for c in rows)
    for host in (udf_hosts.ADDIN, udf_hosts.LITE):  # the add-in's names, then Lite's
        got = evaluate_cells(path, [f"{SHEET}!{c}" for c in want], host)
        assert {c: got[f"{SHEET}!{c}"] for c in want if not same(got[f"{SHEET}!{c}"], want[c])} == {}, host
    for engine in ENGINES:
        _, values, _ = recalculated[engine]["beyond"]
        assert error_cells(values) == {}
        assert [values[SHEET].get(c, "") for c in rows] == ["", ""]


def _formulas(path: Path) -> dict[str, str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {
            c.coordinate: c.value
            for row in wb[SHEET].iter_rows()
            for c in row
            if isinstance(c.value, str) and c.value.startswith("=")
        }
    finally:
        wb.close()


@pytest.mark.parametrize("truth", TRUTH, ids=lambda p: p.stem)
def test_default_template_is_the_udf_call_falling_back_on_the_native_formula(written, truth):
    """Each result cell of the default kind is IFERROR(the udf kind's formula, IFERROR(the same call
    as xlwings Lite's function, the native kind's)); every other formula is the native kind's."""
    auto, native, udf = (_formulas(written[n][1]) for n in (truth.stem, f"native-{truth.stem}", f"udf-{truth.stem}"))
    assert auto.keys() == native.keys()
    wrapped = {c for c in auto if auto[c] != native[c]}
    assert wrapped == {c for c in udf if udf[c].startswith("=perfxl_")}
    assert {c for c in result_cells(truth_form(truth)) if c == "H8" or c.startswith("I")} <= wrapped
    for c in wrapped:
        lite = "_xldudf_" + udf[c][1:].split("(", 1)[0].upper() + "(" + udf[c].split("(", 1)[1]
        assert auto[c] == f"=IFERROR({udf[c][1:]},IFERROR({lite},{native[c][1:]}))"


def test_formulas_call_only_the_listed_functions_and_no_array(written):
    """No formula depends on a host's array rules (no array constant, no SUMPRODUCT), each calls
    only the functions the README lists, and that list is PLAIN_FUNCTIONS."""
    called = set()
    for name in ("01", "05", "blank", "gen00"):
        for formula in _formulas(written[name][1]).values():
            assert "{" not in formula and "SUMPRODUCT" not in formula, formula
            called |= set(re.findall(r"([A-Za-z_][A-Za-z0-9_.]*)\(", formula))
    builtin = {f for f in called if not f.startswith(("perfxl_", "_xldudf_PERFXL_"))}
    assert builtin == PLAIN_FUNCTIONS
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = readme.split("<!-- functions -->", 1)[1].split("<!-- /functions -->", 1)[0]
    assert set(re.findall(r"`([A-Z]+)`", listed)) == PLAIN_FUNCTIONS


def _set_cached(path: Path, cell: str, value: str) -> None:
    """Change one formula cell's cached value in the file, as a stale or hand-typed result would be."""
    with zipfile.ZipFile(path) as zin:
        parts = {n: zin.read(n) for n in zin.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml, n = re.subn(rf'(<c r="{cell}"[^>]*>(?:<f>[^<]*</f>)?<v>)[^<]*(</v>)', rf"\g<1>{value}\g<2>", xml)
    assert n == 1
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)


def test_stale_result_is_a_cell_value_mismatch(tmp_path):
    form = truth_form(TRUTH[0])  # 党建经费: 14 of 15 册 → 42 by the rules
    path = write(form, tmp_path / "form.xlsx", "udf")
    assert "cell-value-mismatch" not in {f.code for r in check_file(path).forms for f in r.findings}
    _set_cached(path, "I12", "45")
    found = [f for r in check_file(path).forms for f in r.findings if f.code == "cell-value-mismatch"]
    assert [(f.location, f.level) for f in found] == [(f"{SHEET}!I12", "error")]
    assert "45" in found[0].message and "42" in found[0].message


# ---------------------------------------------------------------------------------------------
# The form as staff know it


def test_blank_templates_in_repository_are_current(tmp_path):
    """templates/ holds what `perfxl template` writes today (cells, formulas, merges, names, styles)."""
    for kind, name in (("auto", "绩效自评表.xlsx"), ("native", "绩效自评表-通用公式.xlsx")):
        fresh = workbook_parts(write(None, tmp_path / name, kind))
        kept = workbook_parts(TEMPLATES / name)
        assert fresh.keys() == kept.keys()
        for part in fresh:
            assert fresh[part] == kept[part], f"{name}: {part} differs (run scripts/make_templates.py)"


LABELS = [
    "区级部门预算项目绩效自评表",
    "（    年度）",
    "填报单位：",
    "金额单位：",
    "一、基本情况",
    "项目名称",
    "实施（主管）单位",
    "二、预算执行情况",
    "预算安排情况（调整后）",
    "资金到位情况",
    "资金执行情况",
    "预算执行进度",
    "预算数：",
    "到位数：",
    "执行数：",
    "其中：财政资金",
    "其他",
    "三、目标完成情况",
    "年度预期目标",
    "具体完成情况",
    "总体完成率",
    "四、年度绩效指标完成情况",
    "一级指标",
    "二级指标",
    "三级指标",
    "预期指标值",
    "实际完成值",
    "分值",
    "自评得分",
    "复核得分",
    "产出指标（50分）",
    "数量指标",
    "质量指标",
    "时效指标",
    "成本指标",
    "预算执行率指标（10分）",
    "效益指标（30分）",
    "经济效益指标",
    "社会效益指标",
    "生态效益指标",
    "可持续影响指标",
    "满意度指标（10分）",
    "满意度指标",
    "总分",
    "五、存在问题、原因及下一步整改措施",
    "填报人：",
    "联系电话：",
]


def test_blank_template_has_the_official_sections_in_order(tmp_path):
    ws = openpyxl.load_workbook(write(None, tmp_path / "t.xlsx", "udf"))[SHEET]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and not c.value.startswith("=")]
    positions = [texts.index(label) for label in LABELS]
    assert positions == sorted(positions)
    fonts = {c.font.name for row in ws.iter_rows() for c in row if c.value is not None}
    assert fonts <= {"宋体", "仿宋"}


def test_print_setup_and_protection(tmp_path):
    parts = workbook_parts(write(None, tmp_path / "t.xlsx", "native"))
    paper, orientation, fit_width, fit_height, fit, area, titles, centered, footer = parts[f"{SHEET}:print"]
    assert (paper, orientation, fit_width, fit_height, fit) == (9, "portrait", 1, 0, True)
    assert re.fullmatch(r"'绩效自评表'!\$A\$1:\$I\$\d+", area)
    assert titles == "$1:$2"
    protected, password, *_ = parts[f"{SHEET}:protection"]
    assert protected and not password  # locked against slips, no password to lose


def test_formula_cells_locked_inputs_unlocked(tmp_path):
    form = truth_form(TRUTH[2])
    ws = openpyxl.load_workbook(write(form, tmp_path / "t.xlsx", "udf"))[SHEET]
    layout = Layout(plan_rows(form, 3, filled=True))
    for row in range(layout.first, layout.last + 1):
        assert ws.cell(row + 1, COL_RULE + 1).protection.locked
        assert str(ws.cell(row + 1, COL_RULE + 1).value).startswith("=perfxl_")
        for col in ("D", "E", "F", "G", "H"):
            assert not ws[f"{col}{row + 1}"].protection.locked
    for path_, (r, c) in FIELD_CELLS.items():
        assert not ws.cell(r + 1, c + 1).protection.locked, path_
    assert ws["H8"].protection.locked and ws.column_dimensions["K"].hidden


def test_dropdowns_and_number_validation(tmp_path):
    ws = openpyxl.load_workbook(write(None, tmp_path / "t.xlsx", "udf"))[SHEET]
    rules = {(dv.type, dv.formula1) for dv in ws.data_validations.dataValidation}
    assert ("list", '"达成,部分达成,未达成"') in rules
    assert ("decimal", "0") in rules  # amounts, 分值 and 自评得分 take numbers only


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    form = truth_form(TRUTH[0]).model_copy(update={"project": '=HYPERLINK("http://x")', "problems": "+1-2"})
    path = write(form, tmp_path / "t.xlsx", "udf")
    ws = openpyxl.load_workbook(path)[SHEET]
    assert (ws["C4"].data_type, ws["C4"].value) == ("s", form.project)
    assert read_forms(path)[0].problems == "+1-2"


def test_blank_template_rows_and_weights(tmp_path):
    path = write_template(
        tmp_path / "t.xlsx", options=TemplateOptions(rows=1, level1_weights={"产出指标": 80, "效益指标": 0})
    )
    form = read_forms(path)[0]
    assert form.level1_weights == {"产出指标": 80, "效益指标": 0}
    assert len(openpyxl.load_workbook(path)[SHEET]["D"]) < len(
        openpyxl.load_workbook(write(None, tmp_path / "u.xlsx", "udf"))[SHEET]["D"]
    )


# ---------------------------------------------------------------------------------------------
# The command


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_cli_blank_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "模板 2020.xlsx"
    result = run("template", "-o", out, "--year", 2020, "--unit", "投资服务局", "--formulas", "native")
    assert result.exit_code == 0 and out.exists()
    before = out.read_bytes()
    again = run("template", "-o", out)
    assert again.exit_code == 2 and "已存在" in again.output and out.read_bytes() == before
    form = read_forms(out)[0]
    assert (form.year, form.unit) == (2020, "投资服务局")


def test_cli_from_json_writes_the_form(tmp_path):
    source = tmp_path / "form.json"
    source.write_text(TRUTH[4].read_text(encoding="utf-8"), encoding="utf-8")
    result = run("template", "--from", source, "-o", tmp_path / "filled.xlsx")
    assert result.exit_code == 0, result.output
    assert read_forms(tmp_path / "filled.xlsx")[0].as_written() == truth_form(TRUTH[4]).as_written()


def test_cli_from_another_layout(tmp_path):
    """A form in the district layout (no names) is written into the template as read."""
    seed = sorted((ROOT / "examples" / "forms").glob("05-*.xlsx"))[0]
    result = run("template", "--from", seed, "-o", tmp_path / "t.xlsx")
    assert result.exit_code == 0, result.output
    assert read_forms(tmp_path / "t.xlsx")[0].as_written() == read_forms(seed)[0].as_written()


def test_cli_project_list(tmp_path):
    listing = tmp_path / "清单.csv"
    listing.write_text(
        "填报单位,项目名称,预算数,财政资金\n投资服务局,党建经费,0.7,0.7\n投资服务局,培训费,待定,\n"
        '商务局,招商,"1,200.5",\n',
        encoding="utf-8-sig",
    )
    result = run("template", "--from", listing, "-o", tmp_path / "out", "--year", 2021)
    assert result.exit_code == 1
    assert "第 3 行" in result.output and "待定" in result.output
    files = sorted((tmp_path / "out").glob("*.xlsx"))
    assert [f.name for f in files] == ["001-投资服务局-党建经费.xlsx", "002-商务局-招商.xlsx"]
    forms = [read_forms(f)[0] for f in files]
    assert [(f.project, f.budget.total, f.year) for f in forms] == [("党建经费", 0.7, 2021), ("招商", 1200.5, 2021)]


def test_cli_project_list_from_xlsx(tmp_path):
    listing = tmp_path / "清单.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["序号", "填报单位", "项目名称", "预算数（万元）"])
    wb.active.append([1, "投资服务局", "翻译费", 20])
    wb.save(listing)
    result = run("template", "--from", listing, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    (written,) = (tmp_path / "out").glob("*.xlsx")
    assert read_forms(written)[0].budget.total == 20


def test_cli_project_list_wants_a_folder(tmp_path):
    listing = tmp_path / "清单.csv"
    listing.write_text("填报单位,项目名称,预算数\n甲,项目一,1\n乙,项目二,2\n", encoding="utf-8")
    result = run("template", "--from", listing, "-o", tmp_path / "one.xlsx")
    assert result.exit_code == 2 and "应为文件夹" in result.output
    assert not (tmp_path / "one.xlsx").exists()


def test_cli_bad_weight_is_a_usage_error(tmp_path):
    result = run("template", "-o", tmp_path / "t.xlsx", "--weight", "产出")
    assert result.exit_code == 2 and "一级指标=分值" in result.output
