"""Tests of the test-support tools in tests/support:

* libreoffice -- hard recalculation of .xlsx formulas with headless LibreOffice
* vba         -- xlwings' own VBA wrapper generator ("Import Functions") on Linux
* pycel_udf   -- pycel evaluation of formulas that call perfxl UDFs

Everything runs for real: LibreOffice must be installed (.ci/run installs it).
All LibreOffice work of the main fixture goes through ONE soffice call.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
import xlwings
from openpyxl.workbook.defined_name import DefinedName

from tests.support import libreoffice as lo
from tests.support.pycel_udf import evaluate_cells, python_name_for
from tests.support.vba import WINDOWS_ONLY_MODULES, generate_vba, parse_vba_functions

# --------------------------------------------------------------------------
# Workbooks
# --------------------------------------------------------------------------


def write_formulas_workbook(path: Path) -> Path:
    """openpyxl writes formulas WITHOUT cached values."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表"
    ws["A1"], ws["A2"], ws["A3"] = 2, 3, 1
    ws["B1"] = "=SUM(A1:A3)"
    ws["B2"] = '=IF(A1>0,A1/A2,"")'
    ws["B3"] = '=IF(A1>5,1,"")'
    ws["B4"] = "=ROUND(A1/A2*100,2)"
    ws["B5"] = '=_xlfn.IFS(A1>1,"高",TRUE,"低")'  # post-2007 functions need _xlfn.
    summary = wb.create_sheet("汇总")
    summary["A1"] = "=自评表!B1*2"
    wb.save(path)
    return path


def write_errors_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Errors"
    ws["A1"], ws["A2"], ws["A3"] = 1, 0, "文本"
    ws["B1"] = "=A1/A2"  # #DIV/0!
    ws["B2"] = "=NOSUCHFUNC(A1)"  # #NAME?
    ws["B3"] = "=A1+A3"  # #VALUE!
    ws["B4"] = "=NA()"  # #N/A
    ws["B5"] = "=A1*10"  # fine
    ws["B6"] = "=IFS(A1>0,1)"  # no _xlfn. prefix -> #NAME?
    wb.save(path)
    return path


def write_stale_cache_workbook(path: Path) -> Path:
    """xlsxwriter lets us store deliberately WRONG cached results."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Stale")
    ws.write("A1", 2)
    ws.write("A2", 3)
    ws.write_formula("B1", "=A1*A2", None, 999)
    ws.write_formula("B2", "=SUM(A1:A2)", None, 777)
    ws.write_formula("B3", '=IF(A1>A2,"big","small")', None, "stale")
    wb.close()
    return path


def write_numbered_workbook(path: Path, n: int) -> Path:
    wb = openpyxl.Workbook()
    wb.active["A1"] = n
    wb.active["A2"] = "=A1*A1"
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def lo_batch(tmp_path_factory):
    """14 workbooks recalculated by a single soffice call.

    Returns (sources by stem, recalculated values by stem, output paths)."""
    src = tmp_path_factory.mktemp("lo-src")
    sources = {
        "formulas": write_formulas_workbook(src / "formulas.xlsx"),
        "errors": write_errors_workbook(src / "errors.xlsx"),
        "stale": write_stale_cache_workbook(src / "stale.xlsx"),
    }
    for n in range(11):
        sources[f"n{n:02d}"] = write_numbered_workbook(src / f"n{n:02d}.xlsx", n)
    assert len(sources) == 14

    outputs = lo.recalculate_many(sources.values(), tmp_path_factory.mktemp("lo-out"))
    values = {stem: lo.read_values(out) for stem, out in zip(sources, outputs)}
    return sources, values, outputs


# --------------------------------------------------------------------------
# libreoffice
# --------------------------------------------------------------------------


def test_find_soffice_finds_an_executable():
    soffice = lo.find_soffice()
    assert soffice is not None, "LibreOffice is required (apt-get install libreoffice-calc-nogui)"
    assert Path(soffice).exists()


def test_formulas_without_cached_values_are_computed(lo_batch):
    _, values, _ = lo_batch
    sheet = values["formulas"]["自评表"]
    assert sheet["B1"] == 6
    assert sheet["B2"] == pytest.approx(2 / 3)  # LibreOffice writes 15 digits
    assert sheet["B3"] == ""  # the "" branch of IF
    assert sheet["B4"] == pytest.approx(66.67)
    assert sheet["B5"] == "高"
    assert values["formulas"]["汇总"]["A1"] == 12  # cross-sheet reference


def test_stale_cached_values_are_recalculated(lo_batch):
    """The proof that the profile forces a HARD recalculation on load: the file
    carries wrong cached results, LibreOffice must replace them."""
    sources, values, _ = lo_batch
    before = openpyxl.load_workbook(sources["stale"], data_only=True)["Stale"]
    assert (before["B1"].value, before["B2"].value, before["B3"].value) == (999, 777, "stale")

    after = values["stale"]["Stale"]
    assert (after["B1"], after["B2"], after["B3"]) == (6, 5, "small")


def test_error_cells_lists_exactly_the_error_cells(lo_batch):
    _, values, _ = lo_batch
    assert lo.error_cells(values["errors"]) == {
        "Errors!B1": "#DIV/0!",
        "Errors!B2": "#NAME?",
        "Errors!B3": "#VALUE!",
        "Errors!B4": "#N/A",
        "Errors!B6": "#NAME?",
    }
    assert values["errors"]["Errors"]["B5"] == 10
    assert lo.error_cells(values["formulas"]) == {}


def test_batch_outputs_follow_input_order(lo_batch):
    _, values, outputs = lo_batch
    assert [p.name for p in outputs[:3]] == ["formulas.xlsx", "errors.xlsx", "stale.xlsx"]
    assert [values[f"n{n:02d}"]["Sheet"]["A2"] for n in range(11)] == [n * n for n in range(11)]


def test_recalculated_values_of_a_single_workbook(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"], ws["A2"] = 80, 100
    ws["B1"] = '=IF(BUDGET>0,A1/BUDGET,"")'
    wb.defined_names["BUDGET"] = DefinedName("BUDGET", attr_text="Data!$A$2")
    wb.save(tmp_path / "single.xlsx")

    values = lo.recalculated_values(tmp_path / "single.xlsx", tmp_path / "out")
    assert values == {"Data": {"A1": 80, "A2": 100, "B1": pytest.approx(0.8)}}


def test_unloadable_workbook_raises(tmp_path):
    bad = tmp_path / "garbage.xlsx"
    bad.write_bytes(b"this is not a zip file")
    with pytest.raises(lo.LibreOfficeError, match="missing outputs"):
        lo.recalculate(bad, tmp_path / "out")


def test_bad_arguments_are_rejected_before_starting_soffice(tmp_path):
    with pytest.raises(FileNotFoundError):
        lo.recalculate(tmp_path / "missing.xlsx", tmp_path / "out")

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_numbered_workbook(tmp_path / "a" / "same.xlsx", 1)
    second = write_numbered_workbook(tmp_path / "b" / "same.xlsx", 2)
    with pytest.raises(ValueError, match="distinct file stems"):
        lo.recalculate_many([first, second], tmp_path / "out")
    with pytest.raises(ValueError, match="overwrite the input"):
        lo.recalculate(first, tmp_path / "a")
    assert lo.recalculate_many([], tmp_path / "out") == []


def test_is_error_value():
    for err in ("#DIV/0!", "#VALUE!", "#NAME?", "#N/A", "#REF!", "#NUM!", "Err:502"):
        assert lo.is_error_value(err)
    for ok in ("", "DIV/0", "优", 0, None, 1.5, "#", "Err:5"):
        assert not lo.is_error_value(ok)


# --------------------------------------------------------------------------
# A throw-away xlwings UDF module, used for the VBA and pycel tests
# --------------------------------------------------------------------------

UDF_MODULE = "perfxl_throwaway_udfs"
UDF_SOURCE = '''
import xlwings as xw


@xw.func
@xw.arg("budget", doc="全年预算数")
def perfxl_exec_rate(actual, budget):
    """预算执行率 = 实际支出 / 全年预算数"""
    if not budget:
        return ""
    return actual / budget


@xw.func(volatile=True)
def perfxl_score(weight, rate=1.0):
    return weight * min(rate, 1.0)


@xw.func
def perfxl_total(*values):
    return sum(v for v in values if isinstance(v, (int, float)))


@xw.func
def perfxl_here(x, caller):
    return x


@xw.sub
def perfxl_refresh():
    pass


def not_a_udf(x):
    return x
'''


@pytest.fixture(scope="module")
def udf_module(tmp_path_factory):
    """Write the module to a temp dir and make it importable by name."""
    folder = tmp_path_factory.mktemp("udfs")
    (folder / f"{UDF_MODULE}.py").write_text(UDF_SOURCE, encoding="utf-8")
    sys.path.insert(0, str(folder))
    try:
        yield UDF_MODULE
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop(UDF_MODULE, None)


# --------------------------------------------------------------------------
# vba
# --------------------------------------------------------------------------


def test_generate_vba_declares_every_udf_with_its_arguments(udf_module):
    vba = generate_vba(udf_module)

    assert vba.startswith('Attribute VB_Name = "xlwings_udfs"\n')
    assert parse_vba_functions(vba) == {
        "perfxl_exec_rate": ["actual", "budget"],
        "perfxl_score": ["weight", "rate"],
        "perfxl_total": ["values"],
        "perfxl_here": ["x"],  # "caller" is filled in by xlwings, not by Excel
    }
    assert parse_vba_functions(vba, include_subs=True)["perfxl_refresh"] == []
    assert "not_a_udf" not in vba


def test_generated_wrappers_call_back_into_python(udf_module):
    vba = generate_vba(udf_module)
    assert "Function perfxl_score(weight, Optional rate)" in vba
    assert "Function perfxl_total(ParamArray values())" in vba
    assert (
        'perfxl_exec_rate = XLPy.CallUDF("perfxl_throwaway_udfs", "perfxl_exec_rate", '
        "Array(actual, budget), ThisWorkbook, Application.Caller)"
    ) in vba
    assert "Array(x, Nothing)" in vba  # the caller argument
    score = vba.split("Function perfxl_score", 1)[1].split("End Function", 1)[0]
    assert "Application.Volatile" in score

    addin = generate_vba(udf_module, module_name="perfxl.udfs", workbook_name="perfxl.xlam")
    assert "ActiveWorkbook, Application.Caller" in addin
    assert "ThisWorkbook" not in addin
    assert 'XLPy.CallUDF("perfxl.udfs", "perfxl_exec_rate"' in addin


def test_generate_vba_leaves_no_trace(udf_module):
    import importlib

    before = {name: sys.modules.get(name) for name in (*WINDOWS_ONLY_MODULES, "xlwings.udfs")}
    func_before = xlwings.func
    module = importlib.import_module(udf_module)

    assert parse_vba_functions(generate_vba(module))  # module object works too

    after = {name: sys.modules.get(name) for name in before}
    assert after == before
    assert xlwings.func is func_before
    assert not hasattr(xlwings, "udfs")
    # the module in sys.modules was not re-decorated
    assert sys.modules[udf_module] is module
    assert not hasattr(module.perfxl_exec_rate, "__xlfunc__")


def test_parse_vba_functions_handles_types_defaults_and_continuations():
    vba = textwrap.dedent(
        """\
        Public Function Rate(ByVal actual As Double, _
                             Optional budget As Variant = 0) As Variant
        End Function
        Private Sub Helper(x)
        End Sub
        Function NoArgs()
        End Function
        """
    )
    assert parse_vba_functions(vba) == {"Rate": ["actual", "budget"], "NoArgs": []}
    assert parse_vba_functions(vba, include_subs=True)["Helper"] == ["x"]


# --------------------------------------------------------------------------
# pycel_udf
# --------------------------------------------------------------------------


def test_python_name_for_follows_pycel():
    assert python_name_for("PERFXL_EXEC_RATE") == "perfxl_exec_rate"
    assert python_name_for("_xlfn.STDEV.S") == "stdev_s"
    assert python_name_for("SUM") == "sum_"


def test_udf_names_resolve_the_same_in_vba_and_pycel(udf_module):
    """A lower-case Python name serves both: VBA/Excel names are case-insensitive,
    and pycel looks up the lower-cased Excel name."""
    for name in parse_vba_functions(generate_vba(udf_module)):
        assert python_name_for(name.upper()) == name


def test_evaluate_cells_calls_plugin_functions(udf_module, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表1"
    ws["A1"], ws["A2"], ws["A3"] = 80, 100, 0
    ws["B1"] = "=PERFXL_EXEC_RATE(A1,A2)"
    ws["B2"] = "=ROUND(PERFXL_EXEC_RATE(A1,A2)*100,2)"
    ws["B3"] = "=PERFXL_EXEC_RATE(A1,A3)"  # zero budget -> ""
    ws["B4"] = "=PERFXL_SCORE(20,PERFXL_EXEC_RATE(A1,A2))"
    ws["B5"] = "=PERFXL_SCORE(20)"  # optional argument left out
    ws["B6"] = "=perfxl_total(A1,A2,A3)"
    ws["B7"] = "=PERFXL_EXEC_RATE(A1,A9)"  # empty cell arrives as None
    path = tmp_path / "udf.xlsx"
    wb.save(path)

    cells = [f"表1!B{r}" for r in range(1, 8)]
    assert evaluate_cells(path, cells, udf_module) == {
        "表1!B1": pytest.approx(0.8),
        "表1!B2": 80.0,
        "表1!B3": "",
        "表1!B4": pytest.approx(16.0),
        "表1!B5": 20.0,
        "表1!B6": 180,
        "表1!B7": "",
    }


def test_evaluate_cells_ignores_stale_cached_values(udf_module, tmp_path):
    path = tmp_path / "stale_udf.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write("A1", 30)
    ws.write("A2", 40)
    ws.write_formula("B1", "=PERFXL_EXEC_RATE(A1,A2)", None, 0.123)
    ws.write_formula("B2", "=B1*100", None, 12.3)
    wb.close()

    assert evaluate_cells(path, ["S!B1", "S!B2"], udf_module) == {
        "S!B1": pytest.approx(0.75),
        "S!B2": pytest.approx(75.0),
    }


def test_pycel_agrees_with_libreoffice(lo_batch):
    sources, values, _ = lo_batch
    cells = ["B1", "B2", "B3", "B4", "B5"]
    by_pycel = evaluate_cells(sources["formulas"], [f"自评表!{c}" for c in cells])
    by_libreoffice = values["formulas"]["自评表"]
    for cell in cells:
        expected = by_libreoffice[cell]
        got = by_pycel[f"自评表!{cell}"]
        assert got == (pytest.approx(expected) if isinstance(expected, float) else expected)
