"""The fast row path of the summary writer writes the XML XlsxWriter itself writes."""

import zipfile

import openpyxl
import pytest
import xlsxwriter

from perfxl.xlsxrows import FastRowsWorksheet

ROWS = [
    ["填报单位", "项目名称", 12.5, 3, 0.987654321, None, "", True, False],
    ["  leading space", "trailing\t", "a & b < c > d", "quote \" ' ok", "_x0041_ literal", "ctl\x01\x1f char",
     "new\nline", "\ufffe\uffff", 1e-20],
    [None, None, -0.0, 1e300, 123456789012345678, "=SUM(A1)", "x" * 40000, "😀" * 20000, "末"],
    [],
    ["only first"],
]


def _sheet_xml(path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/worksheets/sheet1.xml")


def _write(path, fast: bool):
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("s", worksheet_class=FastRowsWorksheet)
    fmts = [wb.add_format({"num_format": "0.00"}), None, wb.add_format({"num_format": "0.00%"})]
    styles = [f._get_xf_index() if f else 0 for f in fmts] * 3
    ws.write_string(0, 0, "header")  # a row from write_*, flushed by the first fast row
    for r, row in enumerate(ROWS, start=1):
        if fast:
            assert ws.fast_rows_ok() and ws.write_plain_row(r, row, styles)
            continue
        for c, v in enumerate(row):
            fmt = fmts[c % 3]
            if v is None or v == "":
                continue
            if isinstance(v, bool):
                ws.write_string(r, c, "是" if v else "否", fmt)
            elif isinstance(v, (int, float)):
                ws.write_number(r, c, v, fmt)
            else:
                ws.write_string(r, c, v, fmt)
    ws.write_string(len(ROWS) + 1, 0, "after")  # write_* still works after fast rows
    ws.autofilter(0, 0, len(ROWS) + 1, 8)
    wb.close()


def test_fast_rows_are_xlsxwriters_xml(tmp_path):
    slow, fast = tmp_path / "slow.xlsx", tmp_path / "fast.xlsx"
    _write(slow, fast=False)
    _write(fast, fast=True)
    assert _sheet_xml(fast) == _sheet_xml(slow)
    ws = openpyxl.load_workbook(fast)["s"]
    assert ws["B2"].value == "项目名称" and ws["C2"].number_format == "0.00%" and ws["A2"].number_format == "0.00" and ws["E2"].value == 0.987654321
    assert ws["H2"].value == "是" and ws["C3"].value == "a & b < c > d" and ws.max_row == len(ROWS) + 2


def test_rich_looking_text_is_escaped(tmp_path):
    # XlsxWriter copies "<r>…</r>" into the file as rich text; the fast path keeps it text.
    path = tmp_path / "rich.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("s", worksheet_class=FastRowsWorksheet)
    ws.write_plain_row(0, ["<r><t>x</t></r>", "<r>broken</r>"], [0, 0])
    wb.close()
    ws = openpyxl.load_workbook(path)["s"]
    assert ws["A1"].value == "<r><t>x</t></r>" and ws["B1"].value == "<r>broken</r>"


def test_rows_out_of_order_are_refused(tmp_path):
    wb = xlsxwriter.Workbook(str(tmp_path / "o.xlsx"), {"constant_memory": True})
    ws = wb.add_worksheet("s", worksheet_class=FastRowsWorksheet)
    assert ws.write_plain_row(3, ["a"], [0])
    assert not ws.write_plain_row(2, ["b"], [0])
    wb.close()


@pytest.mark.parametrize("options", [{}, {"constant_memory": False}])
def test_not_offered_without_constant_memory(tmp_path, options):
    wb = xlsxwriter.Workbook(str(tmp_path / "n.xlsx"), options)
    ws = wb.add_worksheet("s", worksheet_class=FastRowsWorksheet)
    assert not ws.fast_rows_ok()
    wb.close()


def test_summary_same_with_and_without_fast_rows(tmp_path, monkeypatch):
    from pathlib import Path

    from perfxl.consolidate import InlineExecutor, consolidate

    forms = sorted((Path(__file__).resolve().parent.parent / "examples" / "forms").glob("*.xlsx"))
    fast, slow = tmp_path / "fast.xlsx", tmp_path / "slow.xlsx"
    consolidate(forms, fast, executor=InlineExecutor())
    monkeypatch.setattr(FastRowsWorksheet, "fast_rows_ok", lambda self: False)
    consolidate(forms, slow, executor=InlineExecutor())

    def cells(path):
        wb = openpyxl.load_workbook(path)
        return {ws.title: [[(c.value, c.number_format, c.font.b) for c in row] for row in ws.iter_rows()]
                for ws in wb}

    a, b = cells(fast), cells(slow)
    a["项目汇总"][1] = b["项目汇总"][1] = None  # the line with the time it was made
    assert a == b
