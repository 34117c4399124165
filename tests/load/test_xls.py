"""Tests of .xls reading (perfxl/load/xls.py and its use on the calamine path, perfxl/load/calamine.py).

The workbooks are real .xls files that LibreOffice wrote (``tests/data/xls``, made by its
``make_xls.py``): the seed forms and a sheet of formats. Damaged ones are made here from them by
changing records of the workbook stream and putting it in a compound file again.
"""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import pytest
import python_calamine as pc
import xlrd

from perfxl.load import MAX_COLS, MAX_ROWS, MAX_SHEETS, ReadError, load_grids, render, xls
from tests.adversarial.conftest import MAX_PEAK_MB, MAX_SECONDS, assert_no_traceback, measured_check, run
from tests.data.xls import make_xls

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "xls"
XLSX = sorted((ROOT / "examples" / "forms").glob("[0-9][0-9]-*.xlsx"))
SEED_XLS = [DATA / (p.stem + ".xls") for p in XLSX]
ALL_XLS = sorted(DATA.glob("*.xls"))


def _json(*args) -> object:
    result = run(*args, "--json")
    assert_no_traceback(result)
    return json.loads(result.stdout)


def _without_file(value):
    """A JSON value with every "file" key left out (the .xlsx and the .xls differ only there)."""
    if isinstance(value, dict):
        return {k: _without_file(v) for k, v in value.items() if k != "file"}
    if isinstance(value, list):
        return [_without_file(v) for v in value]
    return value


def _as_shown(path: Path) -> list[list[list[str]]]:
    """Each sheet's cells as the reader shows them (a percent cell as "98.5%")."""
    return [
        [[render(v, (r, c) in g.percent) for c, v in enumerate(row)] for r, row in enumerate(g.rows)]
        for g in load_grids(path)
    ]


# --------------------------------------------------------------------------- the seed forms


def test_every_seed_form_has_its_xls():
    assert len(SEED_XLS) == 13 and all(p.is_file() for p in SEED_XLS)


@pytest.mark.parametrize("xls_path", SEED_XLS, ids=[p.name[:2] for p in SEED_XLS])
def test_seed_xls_reads_the_fields_of_its_xlsx(xls_path):
    xlsx_path = XLSX[SEED_XLS.index(xls_path)]
    assert _without_file(_json("read", xls_path)) == _without_file(_json("read", xlsx_path))


@pytest.mark.parametrize("xls_path", SEED_XLS, ids=[p.name[:2] for p in SEED_XLS])
def test_seed_xls_checks_as_its_xlsx(xls_path):
    xlsx_path = XLSX[SEED_XLS.index(xls_path)]
    assert _without_file(_json("check", xls_path)) == _without_file(_json("check", xlsx_path))


@pytest.mark.parametrize("xls_path", SEED_XLS, ids=[p.name[:2] for p in SEED_XLS])
def test_seed_xls_cells_show_as_in_its_xlsx(xls_path):
    assert _as_shown(xls_path) == _as_shown(XLSX[SEED_XLS.index(xls_path)])


def test_a_rate_typed_as_a_percentage_reads_as_typed():
    # 02-翻译费: 预算执行率 98.5%, stored as 0.985 in a cell formatted 0.0%
    grid = load_grids(DATA / "02-翻译费.xls")[0]
    assert grid.rows[28][6] == pytest.approx(0.985) and (28, 6) in grid.percent
    assert render(grid.rows[28][6], True) == "98.5%"
    indicators = _json("read", DATA / "02-翻译费.xls")["indicators"]
    assert [i["actual"] for i in indicators if i["name"] == "预算执行率"] == ["98.5%"]


# ---------------------------------------------------------------------------- the formats


def test_percent_cells_are_those_the_xlsx_path_finds(tmp_path):
    xlsx_path = make_xls.write_formats(tmp_path / "formats.xlsx")
    (grid,) = load_grids(DATA / "formats.xls")
    assert grid.percent == load_grids(xlsx_path)[0].percent
    expected = {(int(ref[1:]) - 1, ord(ref[0]) - 65) for ref, _v, _f, percent in make_xls.FORMATS if percent}
    assert grid.percent == expected
    (shown,) = _as_shown(DATA / "formats.xls")
    assert shown[1] == ["", "98.5%", "25%", "50%", "100%", "98.5", "197%"]  # "98.5": text in a percent cell


def test_dates_stay_dates():
    (grid,) = load_grids(DATA / "formats.xls")
    assert [render(v) for v in grid.rows[2][1:4]] == ["2023-03-15", "2023-03-15T12:00:00", "12:00:00"]


def _xlrd_percent_cells(data: bytes) -> dict[int, set[tuple[int, int]]]:
    """What xlrd's own format reading says: cells whose XF's format is built-in 9 or 10 or holds "%"."""
    book = xlrd.open_workbook(file_contents=data, formatting_info=True)
    found: dict[int, set[tuple[int, int]]] = {}
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        for r in range(sheet.nrows):
            for c in range(sheet.row_len(r)):
                if sheet.cell_type(r, c) in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    continue
                fmt = book.format_map[book.xf_list[sheet.cell_xf_index(r, c)].format_key]
                if fmt.format_key in (9, 10) or "%" in fmt.format_str:
                    found.setdefault(index, set()).add((r, c))
    return found


@pytest.mark.parametrize("xls_path", ALL_XLS, ids=[p.name[:7] for p in ALL_XLS])
def test_percent_cells_agree_with_xlrd(xls_path):
    data = xls_path.read_bytes()
    assert xls.prepare(data, MAX_ROWS, MAX_COLS, MAX_SHEETS).percent == _xlrd_percent_cells(data)


# ------------------------------------------------------------------------- the compound file


def _calamine(source: bytes) -> list:
    book = pc.CalamineWorkbook.from_filelike(io.BytesIO(source))
    try:
        return [
            (m.name, str(m.visible), book.get_sheet_by_name(m.name).to_python(skip_empty_area=False))
            for m in book.sheets_metadata
        ]
    finally:
        book.close()


@pytest.mark.parametrize("xls_path", ALL_XLS, ids=[p.name[:7] for p in ALL_XLS])
def test_the_copy_calamine_reads_holds_what_the_file_holds(xls_path):
    data = xls_path.read_bytes()
    prepared = xls.prepare(data, MAX_ROWS, MAX_COLS, MAX_SHEETS)
    assert prepared.compound == xls.compound_file(xls.workbook_stream(data))  # nothing past the limits: unchanged
    assert _calamine(prepared.compound) == _calamine(data)
    theirs, ours = (xlrd.open_workbook(file_contents=d) for d in (data, prepared.compound))
    assert [s.name for s in ours.sheets()] == [s.name for s in theirs.sheets()]
    assert all(a._cell_values == b._cell_values for a, b in zip(ours.sheets(), theirs.sheets()))


def test_a_stream_past_109_allocation_sectors_is_read_by_calamine_and_xlrd():
    # 7 MB needs more than the 109 allocation-table sectors the header lists: a DIFAT sector
    data = (DATA / "02-翻译费.xls").read_bytes()
    stream = xls.workbook_stream(data)
    big = xls.compound_file(stream + bytes(7 * 1024 * 1024))
    assert struct.unpack_from("<I", big, 72)[0] >= 1  # DIFAT sectors
    assert _calamine(big) == _calamine(data)
    assert xlrd.open_workbook(file_contents=big).sheet_by_index(0).cell_value(8, 2) == "翻译费"


# ------------------------------------------------------------------------- damaged workbooks

_NUMBER, _MULRK, _DIMENSIONS, _BOUNDSHEET, _FILEPASS, _BOF = 0x0203, 0x00BD, 0x0200, 0x0085, 0x002F, 0x0809


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _records(stream: bytes) -> list[tuple[int, int, int]]:
    """(offset, type, size) of every record of the stream, one after another."""
    out, at = [], 0
    while at + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, at)
        out.append((at, kind, size))
        at += 4 + size
    return out


def _insert(stream: bytes, at: int, raw: bytes) -> bytes:
    """``raw`` put in at offset ``at``, each sheet's offset moved along."""
    out = bytearray(stream[:at] + raw + stream[at:])
    for offset, kind, _size in _records(bytes(out)):
        if kind == _BOUNDSHEET:
            start = struct.unpack_from("<I", out, offset + 4)[0]
            if start >= at:
                struct.pack_into("<I", out, offset + 4, start + len(raw))
    return bytes(out)


def _seed_stream(name: str = "02-翻译费.xls") -> bytes:
    return xls.workbook_stream((DATA / name).read_bytes())


def _with_cells(*raw: bytes, stream: bytes | None = None) -> bytes:
    """The seed form's stream with records added at the end of its (only) sheet."""
    stream = _seed_stream() if stream is None else stream
    last_eof = [at for at, kind, _ in _records(stream) if kind == 0x000A][-1]
    return _insert(stream, last_eof, b"".join(raw))


def _number(row: int, col: int, value: float) -> bytes:
    return _record(_NUMBER, struct.pack("<HHHd", row, col, 15, value))


def _write(path: Path, stream: bytes) -> Path:
    path.write_bytes(xls.compound_file(stream))
    return path


def test_a_value_at_iv65536_is_cut_and_the_form_still_read(tmp_path):
    path = _write(tmp_path / "远处的值.xls", _with_cells(_number(65535, 255, 1.0), _number(3, 200, 2.0)))
    got = measured_check(path)  # python-calamine alone: 1 GB for the 65536 × 256 rectangle
    assert got["seconds"] < MAX_SECONDS and got["peak_mb"] < MAX_PEAK_MB, got
    assert got["error"] is None and "sheet-clipped" in got["codes"], got
    (grid,) = load_grids(path)
    assert grid.clipped and len(grid.rows) < 100 and len(grid.rows[0]) <= MAX_COLS
    assert _without_file(_json("read", path))["project"] == "翻译费"


def test_a_dimensions_record_stating_16_million_rows_does_not_abort(tmp_path):
    stream = bytearray(_seed_stream())
    at = next(at for at, kind, size in _records(bytes(stream)) if kind == _DIMENSIONS and size == 14)
    struct.pack_into("<IIHH", stream, at + 4, 0, 16_777_216, 0, 255)
    path = _write(tmp_path / "谎报范围.xls", bytes(stream))
    got = measured_check(path)  # python-calamine alone: "memory allocation of 171127603200 bytes failed", abort
    assert got["seconds"] < MAX_SECONDS and got["peak_mb"] < MAX_PEAK_MB, got
    assert got["error"] is None, got
    (grid,) = load_grids(path)
    assert not grid.clipped  # only the record lied: no value was left out
    assert _as_shown(path) == _as_shown(DATA / "02-翻译费.xls")


def test_numbers_in_one_record_across_the_column_limit_are_cut_at_it(tmp_path):
    first, last = MAX_COLS - 4, 299
    body = struct.pack("<HH", 3, first)
    body += b"".join(struct.pack("<HI", 15, (k << 2) | 2) for k in range(first, last + 1))  # RK integers
    path = _write(tmp_path / "跨界的一行.xls", _with_cells(_record(_MULRK, body + struct.pack("<H", last))))
    (grid,) = load_grids(path)
    assert grid.clipped
    assert grid.rows[3][first:] == [float(k) for k in range(first, MAX_COLS)]


def test_percent_cells_past_the_limits_are_not_kept(tmp_path):
    book = xlrd.open_workbook(file_contents=(DATA / "02-翻译费.xls").read_bytes(), formatting_info=True)
    percent_xf = next(i for i, xf in enumerate(book.xf_list) if "%" in book.format_map[xf.format_key].format_str)
    stream = _with_cells(
        _record(_NUMBER, struct.pack("<HHHd", MAX_ROWS, 1, percent_xf, 0.5)),
        _record(_NUMBER, struct.pack("<HHHd", 2, MAX_COLS, percent_xf, 0.5)),
        _record(_NUMBER, struct.pack("<HHHd", 2, 1, percent_xf, 0.5)),
    )
    (grid,) = load_grids(_write(tmp_path / "百分比.xls", stream))
    assert (2, 1) in grid.percent and all(r < MAX_ROWS and c < MAX_COLS for r, c in grid.percent)
    assert render(grid.rows[2][1], True) == "50%"


def test_sheets_whose_records_overlap_cost_bounded_work(tmp_path):
    # 20 sheets start inside one big record, each at a header whose size leads to the big record's
    # end: the walks from all of them would cover the 10,000 records after it, 20 times over
    starts_in_big, small = 20, 10_000
    stream = _seed_stream()
    for _ in range(starts_in_big):  # the sheets' records first (offsets filled in below)
        stream = _insert(stream, _first_sheet_record(stream), _record(_BOUNDSHEET, bytes(6) + bytes([1, 0]) + b"s"))
    base = len(stream)
    big_size = 8 * starts_in_big + 8
    big = bytearray(big_size)
    for i in range(starts_in_big):
        struct.pack_into("<HH", big, 8 * i, 0x0014, big_size - 8 * i - 4)
    region = _record(0x0014, bytes(big)) + _record(0x0014, b"") * small + _record(0x000A, b"")
    out = bytearray(stream + region)
    sheet_records = [at for at, kind, _ in _records(stream) if kind == _BOUNDSHEET][:starts_in_big]
    for i, at in enumerate(sheet_records):
        struct.pack_into("<I", out, at + 4, base + 4 + 8 * i)
    assert "工作表记录相互重叠" in _unreadable(tmp_path, "重叠.xls", xls.compound_file(bytes(out)))


def _first_sheet_record(stream: bytes) -> int:
    return next(at for at, kind, _ in _records(stream) if kind == _BOUNDSHEET)


def _unreadable(tmp_path, name: str, data: bytes) -> str:
    """The one line ``perfxl check`` gives for a file, checked in a fresh process for its cost."""
    path = tmp_path / name
    path.write_bytes(data)
    got = measured_check(path)
    assert got["seconds"] < MAX_SECONDS and got["peak_mb"] < MAX_PEAK_MB, got
    assert got["error"] and "\n" not in got["error"], got
    result = run("check", path)
    assert_no_traceback(result)
    assert result.exit_code != 0 and got["error"] in result.output
    return got["error"]


def test_a_sheet_offset_past_the_stream_gives_one_line(tmp_path):
    stream = bytearray(_seed_stream())
    struct.pack_into("<I", stream, _first_sheet_record(bytes(stream)) + 4, len(stream) + 1000)
    # python-calamine alone raises PanicException, which `except Exception` does not catch
    error = _unreadable(tmp_path, "工作表位置.xls", xls.compound_file(bytes(stream)))
    assert "第 1 个工作表的位置超出了工作簿数据" in error


def test_a_sheet_record_cut_short_gives_one_line(tmp_path):
    stream = bytearray(_seed_stream())
    struct.pack_into("<H", stream, _first_sheet_record(bytes(stream)) + 2, 4)  # offset only: no state, no name
    # python-calamine alone reads past the record's end and panics
    assert "第 1 个工作表的记录残缺" in _unreadable(tmp_path, "残缺.xls", xls.compound_file(bytes(stream)))


def test_an_encrypted_xls_says_so(tmp_path):
    stream = _seed_stream()
    bof_end = 4 + struct.unpack_from("<H", stream, 2)[0]
    stream = _insert(stream, bof_end, _record(_FILEPASS, struct.pack("<HHH", 1, 1, 1) + bytes(48)))
    assert "文件已加密" in _unreadable(tmp_path, "有密码.xls", xls.compound_file(stream))


def test_a_truncated_xls_gives_one_line(tmp_path):
    data = (DATA / "02-翻译费.xls").read_bytes()
    assert "损坏" in _unreadable(tmp_path, "截断.xls", data[: len(data) // 2])


def test_a_stream_that_is_not_a_workbook_gives_one_line(tmp_path):
    error = _unreadable(tmp_path, "不是工作簿.xls", xls.compound_file(b"\0\1" * 3000))
    assert "工作簿数据的开头不是 Excel 记录" in error


def test_a_workbook_stream_cut_in_its_globals_gives_one_line(tmp_path):
    stream = _seed_stream()
    error = _unreadable(tmp_path, "数据截断.xls", xls.compound_file(stream[: _first_sheet_record(stream) + 3]))
    assert "工作簿数据在结束记录之前中断" in error


def test_an_ole2_file_of_garbage_gives_one_line(tmp_path):
    data = xls.OLE2_MAGIC + bytes(range(256)) * 20
    assert "复合文档结构无法读取" in _unreadable(tmp_path, "乱码.xls", data)


def test_an_ole2_file_without_a_workbook_gives_one_line(tmp_path):
    data = bytearray(xls.compound_file(_seed_stream()))
    name_at = data.index("Workbook".encode("utf-16-le"))
    data[name_at : name_at + 16] = "Document".encode("utf-16-le")
    assert "没有工作簿数据" in _unreadable(tmp_path, "其实是Word.xls", bytes(data))


def test_a_mini_stream_chain_that_loops_ends(tmp_path):
    # formats.xls is small: its workbook stream lives in the mini stream, whose chain xlrd follows
    # to its end (one that loops back never ends there)
    data = bytearray((DATA / "formats.xls").read_bytes())
    doc = xlrd.compdoc.CompDoc(bytes(data), logfile=io.StringIO())
    entry = next(doc.dirlist[i] for i in doc.dirlist[0].children if doc.dirlist[i].name == "Workbook")
    assert entry.tot_size < doc.min_size_std_stream
    ssat_sector = struct.unpack_from("<i", data, 60)[0]
    struct.pack_into("<i", data, 512 + 512 * ssat_sector + 4 * entry.first_SID, entry.first_SID)
    assert "文件不完整或已损坏" in _unreadable(tmp_path, "循环.xls", bytes(data))


def test_a_calamine_panic_is_a_read_error(tmp_path):
    # A formula (within the limits: the guard lets it through) whose token length runs past its
    # record: calamine slices past the end and panics, with PanicException, which `except
    # Exception` lets through.
    formula = struct.pack("<HHHdHIH", 2, 1, 15, 1.0, 0, 0, 100)
    path = _write(tmp_path / "公式残缺.xls", _with_cells(_record(0x0006, formula)))
    with pytest.raises(ReadError, match="无法打开工作簿"):
        load_grids(path)
