"""The cheaper ways of the consolidation's serial parts give the same answers as the plain ones.

- listing a folder with ``os.scandir`` finds the files ``sorted(Path.rglob("*"))`` found, in that
  order, with the same skips (hidden, ``~$`` lock files, symbolic links to folders);
- "is the output one of the inputs" resolves only the paths that can be the output;
- the summary zipped at zlib level 1 holds the same parts as XlsxWriter's default zip;
- rows rendered by a row template are the rows rendered cell by cell, and the row data copied into
  the sheet as bytes is XlsxWriter's text copy;
- the engine's round_score without Decimal rounds as Decimal's quantize does.
"""

import os
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
import xlsxwriter.workbook

from perfxl.inputs import FOLDER_SUFFIXES, expand_inputs, is_one_of
from perfxl.xlsxrows import QuickZipWorkbook


def _plain_expand(items):
    """What expand_inputs did before it used os.scandir: rglob, is_file and resolve per file."""
    out, seen = [], set()

    def add(path):
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            out.append(path)

    for item in items:
        path = Path(item)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in FOLDER_SUFFIXES and not any(
                        part.startswith(".") for part in child.relative_to(path).parts) \
                        and not child.name.startswith(("~$", ".")):
                    add(child)
        else:
            add(path)
    return out


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """Names that sort differently as strings and as path parts (a/… against a-b), hidden and lock
    files, a hidden folder, a folder named like a lock file, a folder named like a form, symbolic
    links to a file, to a folder and to nothing."""
    for name in ("a/1.xlsx", "a/b/2.XLSX", "a/b/skip.xlsx.bak", "a-b/3.xls", "a.xlsx", "a0/4.txt", "sub/6.json",
                 ".hid/5.xlsx", "sub/.h/7.xlsx", "~$a.xlsx", ".h.xlsx", "~$d/8.ods", "深 层/x/9.xlsm", "无扩展名"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    (tmp_path / "d.xlsx").mkdir()
    (tmp_path / "link.xlsx").symlink_to(tmp_path / "a" / "1.xlsx")
    (tmp_path / "dirlink").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "broken.xlsx").symlink_to(tmp_path / "nowhere.xlsx")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("items", [
    ["."], ["a"], ["a/"], ["dirlink"], ["~$d"], [".hid"], ["a", "a/1.xlsx", "link.xlsx"], ["link.xlsx", "a"],
    ["a/1.xlsx", "./a/1.xlsx", "a/../a/1.xlsx", "dirlink/1.xlsx"], ["missing.xlsx"], ["broken.xlsx", "."],
])
def test_folder_listing_is_rglobs(tree, items):
    assert expand_inputs(items) == _plain_expand(items)
    assert expand_inputs([tree]) == _plain_expand([tree])


def test_folder_listing_order_and_skips(tree):
    names = [str(p) for p in expand_inputs(["."])]
    # link.xlsx is a/1.xlsx again: kept once; a/b/ sorts before a-b/ ("a" < "a-b", not "/" > "-")
    assert names == ["a/1.xlsx", "a/b/2.XLSX", "a-b/3.xls", "a.xlsx", "a0/4.txt", "~$d/8.ods", "深 层/x/9.xlsm"]


@pytest.mark.parametrize(("output", "inputs", "same"), [
    ("a/1.xlsx", ["a/1.xlsx"], True),
    ("a/../a/1.xlsx", ["a/1.xlsx"], True),
    ("dirlink/1.xlsx", ["a/1.xlsx"], True),
    ("link.xlsx", ["a/1.xlsx"], True),  # the output is a link to an input
    ("a/1.xlsx", ["link.xlsx"], True),  # an input is a link to the output
    ("missing.xlsx", ["missing.xlsx"], True),  # neither exists: still the same path
    ("nowhere.xlsx", ["broken.xlsx"], True),  # a broken link to the output's path
    ("a/2.xlsx", ["a/1.xlsx", "link.xlsx", "a"], False),
    ("out.xlsx", ["."], False),
])
def test_output_among_inputs(tree, output, inputs, same):
    paths = [p for item in inputs for p in expand_inputs([item])]
    assert is_one_of(Path(output), paths) is same
    assert is_one_of(output, [str(p) for p in paths]) is same
    plain = Path(output).resolve()
    assert any(Path(p).resolve() == plain for p in paths) is same


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


def test_a_symlink_loop_is_an_input_that_fails_when_read(tree):
    # Path.resolve raised RuntimeError on it (a traceback); now it is kept, and read as unreadable.
    (tree / "loop.xlsx").symlink_to(tree / "loop.xlsx")
    assert expand_inputs(["loop.xlsx", "."])[0] == Path("loop.xlsx")
    assert Path("loop.xlsx") not in expand_inputs(["."])  # a folder search skips it, as before
    assert not is_one_of("out.xlsx", [Path("loop.xlsx")])


# ---------------------------------------------------------------- rows rendered by a row template

_PIECES = ["", " ", "a", "中文", "&", "<", ">", "_x0041_", "_x", "004a_", "\x01", "\n", "\t", "\u3000", "\xa0",
           "\u2028", "\x85", "\ufffe", "%", "%s", "{0}", "/", "末"]
_NUMBERS = [0, 3, -0.0, 1.5, 0.987654321, 1e20, 1e-20, 123456789012345678, 10 ** 30, float("nan"), float("inf"),
            -float("inf"), True, False]


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
                row.append("".join(rng.choice(_PIECES) if rng.random() < 0.3 else "文字"
                                   for _ in range(rng.randint(0, 4))))
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


def test_round_score_is_decimals_half_up():
    # round_score rounds the digits of f"{value:.15g}" itself; Decimal's quantize is the reference.
    import math
    import random
    import struct
    from decimal import ROUND_HALF_UP, Decimal

    from perfxl.engine import round_score
    from perfxl.rules import DEFAULT_RULES

    rng = random.Random(11)
    values = [0.0, -0.0, 2.675, 13.175, 0.85 * 15.5, -2.675, -0.001, -0.005, 0.005, 1e-5, 1e14 + 0.5, 7, -3, 99.995]
    values += [rng.uniform(-200, 200) for _ in range(3000)]
    values += [round(rng.uniform(-100, 100), rng.randint(0, 6)) for _ in range(3000)]
    values += [struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0] for _ in range(500)]
    for decimals in range(5):
        rules = DEFAULT_RULES.model_copy(update={"decimals": decimals})
        step = Decimal(1).scaleb(-decimals)
        for value in values:
            if not math.isfinite(value) or abs(value) > 1e20:
                continue
            want = float(Decimal(f"{value:.15g}").quantize(step, rounding=ROUND_HALF_UP))
            got = round_score(value, rules)
            assert got == want and math.copysign(1, got) == math.copysign(1, want), (value, decimals)
