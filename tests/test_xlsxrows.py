"""The summary writer (perfxl.xlsxrows): its fast rows, row templates and byte copy write the XML
XlsxWriter itself writes; its zip at level 1 holds the same parts."""

import os
import zipfile

import openpyxl
import pytest
import xlsxwriter
import xlsxwriter.workbook

from perfxl.xlsxrows import FastRowsWorksheet, QuickZipWorkbook

ROWS = [
    ["填报单位", "项目名称", 12.5, 3, 0.987654321, None, "", True, False],
    [
        "  leading space",
        "trailing\t",
        "a & b < c > d",
        "quote \" ' ok",
        "_x0041_ literal",
        "ctl\x01\x1f char",
        "new\nline",
        "\ufffe\uffff",
        1e-20,
    ],
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
    assert (
        ws["B2"].value == "项目名称"
        and ws["C2"].number_format == "0.00%"
        and ws["A2"].number_format == "0.00"
        and ws["E2"].value == 0.987654321
    )
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
        return {ws.title: [[(c.value, c.number_format, c.font.b) for c in row] for row in ws.iter_rows()] for ws in wb}

    a, b = cells(fast), cells(slow)
    a["项目汇总"][1] = b["项目汇总"][1] = None  # the line with the time it was made
    assert a == b


# ------------------------------------------------------------------------ the zip at level 1


def _parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist() if name != "docProps/core.xml"}  # core: a timestamp


def _summary_like(workbook_class, path) -> None:
    wb = workbook_class(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("明细")
    for r in range(3000):
        ws.write_string(r, 0, f"项目{r % 13}")
        ws.write_number(r, 1, r * 1.5)
    wb.close()


def test_quick_zip_holds_the_same_parts(tmp_path):
    plain, quick = tmp_path / "plain.xlsx", tmp_path / "quick.xlsx"
    _summary_like(xlsxwriter.Workbook, plain)
    zip_class = xlsxwriter.workbook.ZipFile
    _summary_like(QuickZipWorkbook, quick)
    assert xlsxwriter.workbook.ZipFile is zip_class  # put back after the close
    assert _parts(quick) == _parts(plain)
    with zipfile.ZipFile(quick) as zf:
        assert zf.testzip() is None
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in zf.infolist())
    # level 1 compresses less than the default: the proof that the level was passed on
    assert os.path.getsize(quick) > os.path.getsize(plain)


def test_quick_zip_puts_zipfile_back_after_a_failure(tmp_path, monkeypatch):
    zip_class = xlsxwriter.workbook.ZipFile
    wb = QuickZipWorkbook(str(tmp_path / "no-such-folder" / "x.xlsx"))
    wb.add_worksheet()
    with pytest.raises(Exception):
        wb.close()
    assert xlsxwriter.workbook.ZipFile is zip_class


# ---------------------------------------------------------------- rows rendered by a row template

_PIECES = [
    "",
    " ",
    "a",
    "中文",
    "&",
    "<",
    ">",
    "_x0041_",
    "_x",
    "004a_",
    "\x01",
    "\n",
    "\t",
    "\u3000",
    "\xa0",
    "\u2028",
    "\x85",
    "\ufffe",
    "%",
    "%s",
    "{0}",
    "/",
    "末",
]
_NUMBERS = [
    0,
    3,
    -0.0,
    1.5,
    0.987654321,
    1e20,
    1e-20,
    123456789012345678,
    10**30,
    float("nan"),
    float("inf"),
    -float("inf"),
    True,
    False,
]


class _Sink:
    """Stands for a worksheet's row file."""

    def __init__(self):
        self.text = []

    def write(self, text):
        self.text.append(text)


def _random_rows(rng, count):
    rows = []
    for _ in range(count):
        row = []
        for _col in range(rng.randint(0, 9)):
            pick = rng.random()
            if pick < 0.15:
                row.append(None)
            elif pick < 0.35:
                row.append(rng.choice(_NUMBERS))
            elif pick < 0.4:
                row.append("x" * rng.choice([16383, 16384, 40000]))
            else:
                row.append(
                    "".join(rng.choice(_PIECES) if rng.random() < 0.3 else "文字" for _ in range(rng.randint(0, 4)))
                )
        rows.append(row)
    return rows


def test_row_templates_render_what_the_cell_by_cell_path_renders():
    import random

    from perfxl import xlsxrows

    rng = random.Random(7)
    styles = [0, 2, 0, 5, 0, 0, 2, 2, 0]
    heads, styled = xlsxrows._cell_heads(tuple(styles))
    for _ in range(30):
        rows = _random_rows(rng, 200) + [list(r) for r in (["文字"] * 9, ["a", 1.5, None, "b"])] * 50
        ws = xlsxrows.FastRowsWorksheet()
        ws.fh, ws.previous_row, ws.table, ws._write_single_row = _Sink(), 0, {}, lambda row: None
        ws.dim_rowmin = ws.dim_rowmax = ws.dim_colmin = ws.dim_colmax = None
        assert ws.write_plain_rows(1, rows, styles) == len(rows)
        expected = []
        for r, values in enumerate(rows, start=1):
            cells = []
            first, _ = xlsxrows._render_cells(values, str(r + 1), heads, styled, cells.append)
            if first >= 0:
                expected.append(f'<row r="{r + 1}">' + "".join(cells) + "</row>")
        assert "".join(ws.fh.text) == "".join(expected)


def test_sheet_data_copied_as_bytes_is_xlsxwriters(tmp_path):
    # FastRowsWorksheet copies the row data into the sheet's XML as bytes, XlsxWriter as text.
    from xlsxwriter.worksheet import Worksheet

    from perfxl.xlsxrows import FastRowsWorksheet

    def write(path, worksheet_class):
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        for name in ("a", "b", "empty"):
            ws = wb.add_worksheet(name, worksheet_class=worksheet_class)
            if name == "empty":
                continue
            for r in range(3000):
                ws.write_string(r, 0, f"行 {r} 中文 new\nline ✓ & <x>")
                ws.write_number(r, 1, r / 7)
        wb.close()

    plain, fast = tmp_path / "plain.xlsx", tmp_path / "fast.xlsx"
    write(plain, Worksheet)
    write(fast, FastRowsWorksheet)
    assert _parts(fast) == _parts(plain)
