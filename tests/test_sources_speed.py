"""The fast paths of sources.py give what the plain ways give: zip parts, percent cells, limits."""

import io
import random
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from perfxl import sources as S
from perfxl.ooxml import column_index

SEEDS = sorted(Path(__file__).resolve().parent.parent.joinpath("examples", "forms").glob("*.xlsx"))


def _percent_cells_by_regex(xml: bytes, styles: set[int]) -> set[tuple[int, int]]:
    """The percent scan as it was: a regex walking every cell tag."""
    alt = b"|".join(str(i).encode() for i in sorted(styles))
    cell_re = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?\bs="(?:' + alt + rb')"'
                         rb'|<c\b[^>]*?\bs="(?:' + alt + rb')"[^>]*?\br="([A-Z]+)(\d+)"')
    out = set()
    for m in cell_re.finditer(xml):
        col, row = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        out.add((int(row) - 1, column_index(col)))
    return out


def _past_limits_by_regex(xml: bytes) -> bool:
    """The limits check as it was: regexes anchored on every row and cell tag."""
    long_row = re.compile(rb'<row\b[^>]*?\br="([0-9]{%d,})"' % len(str(S.MAX_ROWS)))
    wide = re.compile(rb'<c\b[^>]*?\br="([A-Z]{2,3})[0-9]')
    if xml.count(b"<row") > S.MAX_ROWS:
        return True
    if any(int(m.group(1)) > S.MAX_ROWS for m in long_row.finditer(xml)):
        return True
    if any(column_index(m.group(1)) >= S.MAX_COLS for m in wide.finditer(xml)):
        return True
    return S._PLACED_CELL_RE.search(xml) is not None


def _sheet_xmls():
    for path in SEEDS:
        with zipfile.ZipFile(path) as zf:
            yield zf.read("xl/worksheets/sheet1.xml")


def _mutants(count: int):
    rnd = random.Random(7)
    base = next(_sheet_xmls())
    inserts = [b"<c/>", b"<c >", b' r="ZZ1"', b' r="123456"', b'<row r="30000">', b">", b"<", b'<c r="BM7"/>',
               b'<c\nr="A1"/>', b' s="3"', b' xs="4"', b'<row s="4" r="2">', b'<c s="4" r="C9"/>']
    for _ in range(count):
        xml = bytearray(base)
        for _ in range(rnd.randint(1, 4)):
            at = rnd.randrange(len(xml))
            xml[at:at] = rnd.choice(inserts)
        yield bytes(xml)


def _well_formed_mutants(count: int):
    """Seed sheets with cells, rows and attributes added where XML allows them (calamine refuses a
    sheet that is not well formed, so the percent scan only matters for those)."""
    rnd = random.Random(11)
    base = next(_sheet_xmls())
    ends = [m.end() for m in re.finditer(rb"</c>|</row>", base)]
    elements = [b'<c s="4" r="C9"/>', b'<c r="BM7" s="3"><v>1</v></c>', b'<row s="4" r="2" customFormat="1"></row>',
                b'<c s="5"/>', b'<c t="n" s="3"\nr="Q3"/>']
    for _ in range(count):
        xml = bytearray(base)
        for at in sorted(rnd.sample(ends, 3), reverse=True):
            xml[at:at] = rnd.choice(elements)
        cells = [m.start() + 2 for m in re.finditer(rb"<c ", bytes(xml))]
        at = rnd.choice(cells)
        xml[at:at] = b' xs="4"'
        yield bytes(xml)


@pytest.mark.parametrize("styles", [{1}, {3}, {4}, {3, 4, 5}, {1, 2, 3, 4, 5, 6, 7, 8}])
def test_percent_cells_as_the_cell_regex_finds_them(styles):
    style_re = re.compile(rb's="(?:' + b"|".join(str(i).encode() for i in sorted(styles)) + rb')"')
    for xml in [*_sheet_xmls(), *_well_formed_mutants(300),
                b'<row r="1" s="3" customFormat="1"><c r="A1" s="3"/><c s="3" r="B1"/><c r="C1" s="13"/>'
                b'<c r="D1" xs="3"/><c r="E1" t="s" s="3"/></row><col s="3"/><c s="3"/>']:
        assert S._styled_cells(xml, style_re) == _percent_cells_by_regex(xml, styles)


def test_past_limits_as_the_tag_regexes_say():
    samples = [b'<row r="20001"><c r="A1"/></row>', b'<row r="1"><c r="BM1"/></row>', b'<row r="1"><c r="BL1"/><c/></row>',
               b'<row r="1"><c r="A1"><v>r="ZZ1"</v></c></row>', b'<row r="1"><col r="ZZ1"/></row>',
               b'<rowBreaks r="99999"/>', b'<c r="A1" x="a>b" r="ZZ9"/>', b""]
    for xml in [*_sheet_xmls(), *_mutants(1500), *samples]:
        assert S._past_limits(xml) == _past_limits_by_regex(xml)


def test_parts_inflated_as_zipfile_reads_them():
    for path in SEEDS:
        zf = S._WorkbookZip(path.read_bytes())
        for info in zf.infolist():
            with zf.open(info) as fh:
                assert zf.inflate(info) == fh.read(info.file_size)


def test_a_damaged_part_is_left_to_zipfile(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", b"<workbook>" + b"x" * 5000 + b"</workbook>")
    data = bytearray(buf.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/workbook.xml")
    data[info.header_offset + 30 + len(info.filename) + 5] ^= 0xFF  # inside the deflated data
    zf = S._WorkbookZip(bytes(data))
    assert zf.inflate(zf.getinfo("xl/workbook.xml")) is None
    with pytest.raises((zipfile.BadZipFile, Exception)):
        S._read_part(zf, "xl/workbook.xml")


# --------------------------------------------------------------------------------- the quick zip

def _members_by_zipfile(data: bytes):
    """name → (name, offset, flags, method, packed size, size, CRC) as zipfile reads them, or the
    exception it raises."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - any refusal counts as one
        return type(exc).__name__
    return {name: (i.orig_filename, i.header_offset, i.flag_bits, i.compress_type, i.compress_size, i.file_size, i.CRC)
            for name, i in zf.NameToInfo.items()}


_ZIPS = [p.read_bytes() for p in SEEDS] + [p.read_bytes() for p in sorted(SEEDS[0].parents[2].joinpath("templates").glob("*.xlsx"))]


@pytest.mark.parametrize("data", _ZIPS, ids=lambda d: str(len(d)))
def test_quick_zip_reads_every_bundled_workbook_as_zipfile_does(data):
    quick = S._QuickZip.parse(data)
    assert quick is not None
    assert {n: tuple(m) for n, m in quick.members.items()} == _members_by_zipfile(data)


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(range(len(_ZIPS))), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=3),
       st.booleans())
def test_a_damaged_zip_is_read_quickly_only_when_zipfile_reads_it_the_same(which, changes, near_end):
    """Bytes changed anywhere (mostly in the central directory at the end): the quick reader
    either declines (ZipFile then reads the file and says what is wrong) or finds exactly the
    members zipfile finds."""
    data = bytearray(_ZIPS[which])
    for where, byte in changes:
        first = max(0, len(data) - 1200) if near_end else 0
        data[first + int(where * (len(data) - first - 1))] = byte
    quick = S._QuickZip.parse(bytes(data))
    if quick is not None:
        assert {n: tuple(m) for n, m in quick.members.items()} == _members_by_zipfile(bytes(data))
