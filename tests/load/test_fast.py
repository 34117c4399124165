"""The fast path (perfxl.load.fast, perfxl's own .xlsx cell reader) gives exactly what python-calamine gives.

Every workbook is read twice by :func:`perfxl.load.load_grids`: with ``engine="auto"`` (the fast
path, handing to calamine what it does not read) and with ``engine="calamine"`` (calamine alone). The two must agree on every grid: values and their types, percent cells, defined names,
cached errors, uncalculated formulas and clipping; or both must refuse the file with the same
reason. Workbooks come from every writer at hand (openpyxl, XlsxWriter, LibreOffice, raw XML) and
from hypothesis, which writes cells in every shape SpreadsheetML allows.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfxl.load import Declined, ReadError, column_letter, load_grids
from perfxl.load.fast import place
from perfxl.read import read_forms
from perfxl.write import TemplateOptions, write_template
from tests.support.libreoffice import recalculate_many
from tests.support.spreadsheetml import text_run, xlsx_bytes

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "examples" / "forms").glob("*.xlsx"))
TEMPLATES = sorted((ROOT / "templates").glob("*.xlsx"))


# --------------------------------------------------------------------------------------- helpers


def _tagged(value):
    """A cell value with its type, NaN made comparable."""
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    return (type(value).__name__, value)


def _outcome(path: Path, fast: bool):
    """What load_grids gives, by the fast path where it reads the file or by calamine alone: the
    grids as comparable data, or the ReadError's reason."""
    try:
        grids = load_grids(path, engine="auto" if fast else "calamine")
    except ReadError as exc:
        return ("error", exc.reason)
    return [
        (
            g.sheet,
            [[_tagged(v) for v in row] for row in g.rows],
            sorted(g.percent),
            g.names,
            sorted(g.no_value.items()),
            g.clipped,
        )
        for g in grids
    ]


def _took_fast_path(path: Path) -> bool:
    """Whether the fast path reads the file (not python-calamine)."""
    try:
        load_grids(path, engine="fast")
    except (Declined, ReadError):
        return False
    return True


def assert_same_as_calamine(path: Path, fast_path: bool | None = None) -> None:
    """Both ways of reading ``path`` agree; ``fast_path``: whether perfxl must (or must not) have
    read it itself."""
    assert _outcome(path, fast=True) == _outcome(path, fast=False), path.name
    if fast_path is not None:
        assert _took_fast_path(path) is fast_path, path.name


def _sheet_file(folder: Path, name: str, sheet_data: str, **kw) -> Path:
    path = folder / name
    path.write_bytes(xlsx_bytes(sheet_data, **kw))
    return path


# ------------------------------------------------------------------------- workbooks from writers


@pytest.mark.parametrize("path", SEEDS + TEMPLATES, ids=lambda p: p.name)
def test_bundled_workbooks_are_read_by_perfxl_itself_and_as_calamine_reads_them(path):
    assert_same_as_calamine(path, fast_path=True)


@pytest.fixture(scope="module")
def other_writers(tmp_path_factory) -> list[Path]:
    """The seed forms saved by openpyxl (shared strings) and by LibreOffice, and a filled
    perfxl template of each formula kind."""
    folder = tmp_path_factory.mktemp("writers")
    out = []
    for seed in SEEDS[:4]:
        wb = openpyxl.load_workbook(seed)
        ws = wb.active
        ws["H2"] = 0.873
        ws["H2"].number_format = "0.0%"
        ws["H3"] = "=1/0"
        ws["H4"] = True
        path = folder / f"openpyxl-{seed.name}"
        wb.save(path)
        out.append(path)
    form = read_forms(SEEDS[1])[0]
    for kind in ("auto", "udf", "native"):
        path = folder / f"template-{kind}.xlsx"
        write_template(path, form, options=TemplateOptions(formulas=kind))
        out.append(path)
    lo_in = folder / "lo-in"
    lo_in.mkdir()
    for seed in SEEDS[:4]:
        shutil.copyfile(seed, lo_in / f"lo-{seed.name}")
    out += recalculate_many(sorted(lo_in.iterdir()), folder / "lo-out")
    return out


def test_workbooks_of_openpyxl_libreoffice_and_perfxl_templates_read_as_calamine_reads_them(other_writers):
    for path in other_writers:
        # openpyxl's uncalculated =1/0 has no cached value: still perfxl's own reading
        assert_same_as_calamine(path, fast_path=True)


# ------------------------------------------------------------------------------- cell by cell

CASES = {
    "numbers": '<row r="2"><c r="B2"><v>5</v></c><c r="C2"><v>5.5</v></c><c r="D2"><v>1E3</v></c>'
    '<c r="E2"><v>-0</v></c><c r="F2"><v>00012</v></c><c r="G2"><v>+.5</v></c></row>',
    "bool, error, formula text": '<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="e"><v>#DIV/0!</v></c>'
    '<c r="C1" t="str"><f>A2</f><v>abc</v></c><c r="D1" t="n"><v>7</v></c></row>',
    "formula never calculated": '<row r="1"><c r="A1"><f>1+1</f></c></row><row r="3"><c r="C3"><f>SUM(A1:B2)</f><v></v></c></row>',
    "a style does not make a cell": '<row r="1"><c r="A1"><v>1</v></c><c r="E5" s="1"/></row><row r="7"><c r="G7" s="1"/></row>',
    "rich text and ruby": '<row r="1"><c r="A1" t="inlineStr"><is><r><t>ab</t></r><r><rPr><b/></rPr>'
    '<t xml:space="preserve"> cd </t></r><rPh sb="0" eb="1"><t>PH</t></rPh></is></c></row>',
    "entities and line ends": '<row r="1"><c r="A1" t="inlineStr"><is><t>a&amp;b&#10;c&#x4e2d; &lt;x&gt;</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>a\r\nb\rc</t></is></c></row>',
    "XML whitespace is trimmed unless preserved": '<row r="1"><c r="A1" t="inlineStr"><is><t>   </t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>\n x \n</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>&#32;x&#9;</t></is></c>'
    '<c r="D1" t="inlineStr"><is><t>\u3000a\u3000</t></is></c>'
    '<c r="E1" t="str"><v> a </v></c></row>',
    "Excel escapes": '<row r="1"><c r="A1" t="inlineStr"><is><t>_x005F_x000D_|_x0041_|_X0041_|_x00zz_</t></is></c>'
    '<c r="B1" t="str"><v>a_x000D_b</v></c></row>',
    "empty texts are cells, empty values are not": '<row r="1"><c r="A1" t="str"><v></v></c>'
    '<c r="B1" t="inlineStr"><is><t></t></is></c>'
    '<c r="C1" t="inlineStr"/><c r="D1"><v></v></c></row>',
    "the last of two cells at one place": '<row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c></row>',
    "attributes in another order": '<row r="1"><c r="A1" t="inlineStr" s="1"><is><t>q</t></is></c>'
    '<c r="B1" cm="1" s="1"><v>0.5</v></c></row>',
    # given its place when the sheet is cut to the limits (scan.clip_sheet)
    "cells placed by order": '<row><c><v>1</v></c><c><v>2</v></c></row><row><c t="inlineStr"><is><t>x</t></is></c></row>',
    # a style-only cell past the limits: not in the grid, nor among its percent cells
    "a styled cell past the limits": '<row r="1"><c r="A1" s="1"><v>1</v></c><c r="BZ1" s="1"/></row>'
    '<row r="25000"><c r="A25000" s="1"/></row>',
    "cached errors at the edge": '<row r="1"><c r="A1"><v>1</v></c><c r="C1" t="e"><v>#N/A</v></c></row>'
    '<row r="3"><c r="B3" t="e"><v>#REF!</v></c></row>',
}
#: Cases perfxl leaves to calamine (each for a reason the module docstring gives).
CALAMINE_CASES = {
    "ISO date cell": '<row r="1"><c r="A1" t="d"><v>2020-01-02T00:00:00</v></c></row>',
    "a date": '<row r="1"><c r="A1" s="2"><v>44000</v></c></row>',
    "a number written oddly": '<row r="1"><c r="A1"><v> 5 </v></c><c r="B1"><v>0x10</v></c><c r="C1"><v>NaN</v></c></row>',
    "reference first but single quotes": '<row r="1"><c r="A1" t=\'s\'><v>0</v></c></row>',
    "a comment": '<row r="1"><!-- <c r="A1"><v>1</v></c> --><c r="B1"><v>2</v></c></row>',
    "a cell type calamine calls an error": '<row r="1"><c r="A1" t="n"><v>abc</v></c></row>',
}


@pytest.mark.parametrize("name", CASES)
def test_cells_read_by_perfxl_as_calamine_reads_them(tmp_path, name):
    path = _sheet_file(tmp_path, "case.xlsx", CASES[name], formats=[0, 10, 14])
    assert_same_as_calamine(path, fast_path=True)


@pytest.mark.parametrize("name", CALAMINE_CASES)
def test_cells_left_to_calamine_still_read_as_calamine_reads_them(tmp_path, name):
    path = _sheet_file(tmp_path, "case.xlsx", CALAMINE_CASES[name], formats=[0, 10, 14])
    assert_same_as_calamine(path, fast_path=False)


def test_shared_strings_and_hidden_sheets(tmp_path):
    shared = [
        text_run("hello"),
        "<r><t>a</t></r><r><t>b</t></r><rPh><t>z</t></rPh>",
        text_run(" sp ", True),
        "<t/>",
        "<t></t>",
        text_run("p & q"),
        "<t>x_x000D_y</t>",
    ]
    cells = "".join(f'<c r="{chr(65 + i)}1" t="s"><v>{i}</v></c>' for i in range(len(shared)))
    path = tmp_path / "shared.xlsx"
    path.write_bytes(
        xlsx_bytes(
            {
                "表一": f'<row r="1">{cells}</row>',
                "隐藏": '<row r="1"><c r="A1"><v>1</v></c></row>',
                "表&三": '<row r="2"><c r="B2" t="s"><v>0</v></c></row>',
            },
            shared=shared,
            hidden=("隐藏",),
        )
    )
    assert_same_as_calamine(path, fast_path=True)
    assert [g.sheet for g in load_grids(path)] == ["表一", "表&三"]


def test_a_shared_string_index_past_the_table_is_refused_as_calamine_refuses_it(tmp_path):
    path = tmp_path / "bad-index.xlsx"
    path.write_bytes(xlsx_bytes('<row r="1"><c r="A1" t="s"><v>9</v></c></row>', shared=[text_run("x")]))
    assert _outcome(path, fast=True)[0] == "error"
    assert_same_as_calamine(path, fast_path=False)


def test_a_workbook_without_package_relationships_is_refused_as_calamine_refuses_it(tmp_path):
    import zipfile

    good = _sheet_file(tmp_path, "good.xlsx", CASES["numbers"])
    path = tmp_path / "no-rels.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            if info.filename != "_rels/.rels":
                dst.writestr(info.filename, src.read(info.filename))
    assert _outcome(path, fast=True)[0] == "error"
    assert_same_as_calamine(path)


def test_a_sheet_past_the_limits_is_clipped_the_same_way(tmp_path):
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="BZ{r}"><v>1</v></c></row>' for r in (1, 2, 30_000))
    path = _sheet_file(tmp_path, "far.xlsx", rows)
    assert_same_as_calamine(path, fast_path=True)
    assert load_grids(path)[0].clipped


# -------------------------------------------------------------------------------- hypothesis

_TEXT = st.lists(
    st.sampled_from(list("ab 中文\t\n\r&<>\"'_x0D5F") + ["_x000D_", "_x005F_", "\u3000", "&#10;"]), max_size=12
).map("".join)
_NUMBER_LITERALS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["+5", ".5", "5.", "1e3", "1E-3", "00012", "-0", "1e400", " 5 ", "0x10", "NaN", "1_0", "inf", ""]),
)


def _xml_text(text: str) -> str:
    # "&#10;" in the alphabet is a character reference, kept as written; other "&" are escaped
    parts = text.split("&#10;")
    return "&#10;".join(p.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for p in parts)


@st.composite
def _cell(draw, ref: str) -> tuple[str, str | None]:
    """One cell's XML, and the shared string it adds (or None)."""
    kind = draw(
        st.sampled_from(["num", "inline", "rich", "shared", "str", "bool", "error", "formula", "style", "date"])
    )
    style = draw(st.sampled_from(["", ' s="1"', ' s="2"', ' s="3"', ' s="9"']))
    if kind == "num":
        return f'<c r="{ref}"{style}><v>{draw(_NUMBER_LITERALS)}</v></c>', None
    if kind == "inline":
        return (
            f'<c r="{ref}"{style} t="inlineStr"><is><t{draw(st.sampled_from(["", " xml:space=" + chr(34) + "preserve" + chr(34)]))}>'
            f"{_xml_text(draw(_TEXT))}</t></is></c>"
        ), None
    if kind == "rich":
        runs = "".join(f"<r><rPr><b/></rPr><t>{_xml_text(draw(_TEXT))}</t></r>" for _ in range(draw(st.integers(1, 3))))
        ruby = draw(st.sampled_from(["", '<rPh sb="0" eb="1"><t>ルビ</t></rPh>']))
        return f'<c r="{ref}"{style} t="inlineStr"><is>{runs}{ruby}</is></c>', None
    if kind == "shared":
        return f'<c r="{ref}"{style} t="s"><v>SHARED</v></c>', f"<t>{_xml_text(draw(_TEXT))}</t>"
    if kind == "str":
        return f'<c r="{ref}"{style} t="str"><f>A1&amp;"x"</f><v>{_xml_text(draw(_TEXT))}</v></c>', None
    if kind == "bool":
        return f'<c r="{ref}"{style} t="b"><v>{draw(st.sampled_from(["0", "1", "true"]))}</v></c>', None
    if kind == "error":
        return f'<c r="{ref}"{style} t="e"><v>{draw(st.sampled_from(["#DIV/0!", "#N/A", "#NAME?"]))}</v></c>', None
    if kind == "formula":
        return (
            f'<c r="{ref}"{style}{draw(st.sampled_from(["", " t=" + chr(34) + "str" + chr(34)]))}><f>1/0</f></c>',
            None,
        )
    if kind == "style":
        return f'<c r="{ref}"{style}/>', None
    return f'<c r="{ref}" s="{draw(st.sampled_from([4, 5]))}"><v>{draw(st.integers(0, 50000))}.5</v></c>', None


@st.composite
def _sheet(draw) -> tuple[str, list[str]]:
    refs = sorted(draw(st.sets(st.tuples(st.integers(1, 8), st.integers(0, 6)), max_size=14)))
    shared: list[str] = []
    rows: dict[int, list[str]] = {}
    for row, col in refs:
        xml, string = draw(_cell(f"{chr(65 + col)}{row}"))
        if string is not None:
            xml = xml.replace("SHARED", str(len(shared)))
            shared.append(string)
        rows.setdefault(row, []).append(xml)
    return "".join(f'<row r="{r}">{"".join(cells)}</row>' for r, cells in rows.items()), shared


#: Styles 0–5: general, percent, percent code, 0.00, a date, a date code.
_FORMATS = [0, 10, "0.0%", 2, 14, 'yyyy"年"m"月"d"日"']


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_sheet())
def test_any_sheet_is_read_as_calamine_reads_it(sheet):
    data, shared = sheet
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "h.xlsx"
        path.write_bytes(xlsx_bytes(data, shared=shared, formats=_FORMATS))
        assert_same_as_calamine(path)


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 30), st.integers(0, 20), _TEXT, st.booleans(), st.sampled_from([0, 1, 2, 3])),
        max_size=25,
    )
)
def test_plain_sheets_are_read_by_perfxl_itself(cells):
    """Numbers and texts as Excel and the libraries write them never need calamine."""
    placed = {}
    for row, col, text, is_number, style in cells:
        ref = f"{chr(65 + col)}{row}"
        placed[(row, col)] = (
            f'<c r="{ref}" s="{style}"><v>{row * 0.25 - col}</v></c>'
            if is_number
            else f'<c r="{ref}" s="{style}" t="inlineStr"><is>{text_run(text.replace(chr(13), ""), preserve=True)}</is></c>'
        )
    rows: dict[int, list[str]] = {}
    for (row, _), xml in sorted(placed.items()):
        rows.setdefault(row, []).append(xml)
    data = "".join(f'<row r="{r}">{"".join(c)}</row>' for r, c in rows.items())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.xlsx"
        path.write_bytes(xlsx_bytes(data, formats=_FORMATS[:4]))
        assert_same_as_calamine(path, fast_path=True)


# ------------------------------------------------------------------------------- cell places


@given(st.integers(1, 1_048_576), st.integers(0, 16_383))
def test_a_cell_reference_is_placed_as_its_letters_and_digits_say(row, col):
    ref = f"{column_letter(col)}{row}"
    for _ in range(2):  # worked out, then remembered
        assert place(ref) == (row - 1, col)


# ------------------------------------------------------------------------------ the cell list


def _nonempty(grid) -> list:
    return [((r, c), v) for r, row in enumerate(grid.rows) for c, v in enumerate(row) if v != ""]


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_the_cell_list_given_to_the_reader_is_the_grids_cells_in_order(path):
    for grid in load_grids(path):
        assert grid.cells is not None
        assert [(at, v) for at, v in grid.cells if v != ""] == _nonempty(grid)


@pytest.mark.parametrize(
    "sheet_data, listed",
    [
        ('<row r="1"><c r="A1" t="inlineStr"><is><t>项目名称</t></is></c><c r="B1"><v>3</v></c></row>', True),
        # out of order, and one reference twice (the later value wins in the grid): no list, the
        # reader scans the rectangle and finds the same cells
        ('<row r="2"><c r="B2"><v>1</v></c></row><row r="1"><c r="A1"><v>2</v></c></row>', False),
        ('<row r="1"><c r="B1"><v>1</v></c><c r="A1"><v>2</v></c></row>', False),
        ('<row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c></row>', False),
    ],
)
def test_a_sheet_out_of_order_gives_no_cell_list_and_reads_the_same(tmp_path, sheet_data, listed):
    from perfxl.read.cells import grid_cells as _cells

    path = _sheet_file(tmp_path, "case.xlsx", sheet_data)
    (grid,) = load_grids(path)
    assert (grid.cells is not None) is listed
    if listed:
        assert [(at, v) for at, v in grid.cells if v != ""] == _nonempty(grid)
    via_list = _cells(grid, 0, len(grid.rows))
    grid.cells = None
    via_rows = _cells(grid, 0, len(grid.rows))
    assert [[(c.row, c.col, c.value, c.text, c.label) for c in row] for row in via_list] == [
        [(c.row, c.col, c.value, c.text, c.label) for c in row] for row in via_rows
    ]
