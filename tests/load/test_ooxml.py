"""The one OOXML layer (perfxl.load.ooxml): styles, and the workbook's sheets, relationships and
defined names read the same on both paths, whatever legal XML spells them with."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from pathlib import Path

import python_calamine as pc
from hypothesis import example, given, settings
from hypothesis import strategies as st

from perfxl.load import ENGINES, load_grids, ooxml
from perfxl.write import write_template
from tests.support.spreadsheetml import styles_xml, xlsx_bytes

# ------------------------------------------------------------------------------- date formats

_DATE_TYPES = (dt.date, dt.datetime, dt.time, dt.timedelta)
_FORMAT_CODES = st.lists(
    st.sampled_from(list('0#.,;[]"\\_ aApPmMdDhHsSyYeE/:%-$@*年月日红') + ["[h]", "[mm]", "AM/PM", "General", "[Red]"]),
    min_size=1,
    max_size=10,
).map("".join)


@settings(deadline=None)
@given(st.lists(_FORMAT_CODES, min_size=1, max_size=40, unique=True))
@example(
    [
        "yyyy-mm-dd",
        "0.00%",
        "[Red]0.00",
        "#,##0.00_);[Red](#,##0.00)",
        "[h]:mm:ss",
        "h:mm AM/PM",
        "a/p",
        '"年"0',
        "\\d0",
        "_d0",
        "[$-804]yyyy年m月",
        "General",
        "0;[Red]-0",
        "[mm]",
        "[hh]",
        "[s].0",
        "[Blue][h]",
    ]
)
def test_date_formats_are_the_ones_calamine_reads_as_dates(codes):
    """A number in each format, read by calamine: a date type exactly when is_date_format says so."""
    cells = "".join(f'<c r="A{i + 1}" s="{i}"><v>40000.25</v></c>' for i in range(len(codes)))
    rows = "".join(
        f'<row r="{i + 1}">' + f'<c r="A{i + 1}" s="{i}"><v>40000.25</v></c></row>' for i in range(len(codes))
    )
    assert cells  # one cell per code
    data = xlsx_bytes(rows, formats=list(codes))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fmt.xlsx"
        path.write_bytes(data)
        values = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    for code, row in zip(codes, values):
        assert isinstance(row[0], _DATE_TYPES) == ooxml.is_date_format(code), code


def test_styles_part_gives_percent_and_date_styles():
    styles = ooxml.cell_styles(styles_xml([0, 9, 10, "0.0%", 14, "yyyy-mm-dd", 2, "0.00_);[Red]0.00"]).encode())
    assert styles.percent == {1, 2, 3}
    assert styles.date == {4, 5}
    assert ooxml.cell_styles(
        styles_xml([0, 'yyyy"年"m"月"'])
        .replace('formatCode="yyyy&quot;年&quot;m&quot;月&quot;"', 'formatCode=\'yyyy"年"m"月"\'')
        .encode()
    ).date == {1}


# ------------------------------------------------------------------ names in character references

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "examples" / "forms").glob("*.xlsx"))


def _with_character_references(data: bytes) -> bytes:
    """The workbook with every non-ASCII character of xl/workbook.xml written as a character
    reference (``&#32489;``), as an XML writer told to write ASCII does: the same workbook."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                part = part.decode("utf-8").encode("ascii", "xmlcharrefreplace")
            dst.writestr(info.filename, part)
    return out.getvalue()


def test_a_sheet_name_in_character_references_keeps_every_defined_name(tmp_path):
    from perfxl.read import read_forms

    plain, spelled = tmp_path / "模板.xlsx", tmp_path / "字符引用.xlsx"
    write_template(plain, read_forms(SEEDS[1])[0])
    spelled.write_bytes(_with_character_references(plain.read_bytes()))
    with zipfile.ZipFile(spelled) as zf:
        assert "&#32489;&#25928;" in zf.read("xl/workbook.xml").decode()  # 绩效, spelled out
    want = {g.sheet: g.names for g in load_grids(plain)}
    assert sum(len(names) for names in want.values()) == 37
    for engine in ENGINES:
        assert {g.sheet: g.names for g in load_grids(spelled, engine=engine)} == want, engine
    # and the form read through those names is the same form
    assert [f.model_dump(exclude={"source"}) for f in read_forms(spelled)] == [
        f.model_dump(exclude={"source"}) for f in read_forms(plain)
    ]


# ------------------------------------------------------------------------- the workbook parser

_NAME_CHARS = st.sampled_from(list("ab Z1_&<>\"'中文表") + ["\u00e9", "\U0001f600"])
_SHEET_NAMES = st.lists(
    st.lists(_NAME_CHARS, min_size=1, max_size=8).map("".join).map(str.strip).filter(bool),
    min_size=1,
    max_size=4,
    unique=True,
)


@st.composite
def _spelled(draw, text: str) -> str:
    """``text`` as XML character data, each character spelled one of the ways XML allows."""
    named = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"}
    out = []
    for ch in text:
        how = draw(st.sampled_from(["as is", "decimal", "hex"]))
        if how == "decimal":
            out.append(f"&#{ord(ch)};")
        elif how == "hex":
            out.append(f"&#x{ord(ch):X};")
        else:
            out.append(named.get(ch, ch))
    return "".join(out)


@settings(deadline=None)
@given(st.data(), _SHEET_NAMES, st.booleans())
def test_sheet_names_and_defined_names_read_however_xml_spells_them(data, names, comment):
    """Both strictnesses of the one parser give the names as written: the strict one (the fast
    path's) on plain XML, the lenient one (the calamine path's) after a comment."""
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="http://x/worksheet" Target="worksheets/s{i}.xml"/>' for i in range(len(names))
    )
    sheets = "".join(
        f'<sheet name="{data.draw(_spelled(n))}" sheetId="{i + 1}" r:id="rId{i}"/>' for i, n in enumerate(names)
    )
    defined = "".join(
        f"<definedName name=\"perfxl_{i}\">'{data.draw(_spelled(n.replace(chr(39), chr(39) * 2)))}'"
        f"!$B${i + 2}</definedName>"
        for i, n in enumerate(names)
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns:r="r">{"<!-- x -->" if comment else ""}'
        f"<sheets>{sheets}</sheets><definedNames>{defined}</definedNames></workbook>"
    )
    book = ooxml.read_book(workbook.encode(), f"<Relationships>{rels}</Relationships>".encode())
    assert book.plain is not comment
    assert [s.name for s in book.sheets] == names
    assert [s.part for s in book.sheets] == [f"xl/worksheets/s{i}.xml" for i in range(len(names))]
    assert book.names == {n: {f"perfxl_{i}": (i + 1, 1, i + 1, 1)} for i, n in enumerate(names)}
