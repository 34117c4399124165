"""The sheet scans of the calamine path (perfxl.load.scan) find what the plain regexes found: percent
cells, and sheets that may reach past the limits."""

import random
import re
import zipfile
from pathlib import Path

import pytest

from perfxl.load import MAX_COLS, MAX_ROWS
from perfxl.load.grid import column_index
from perfxl.load.scan import past_limits, styled_cells

SEEDS = sorted(Path(__file__).resolve().parents[2].joinpath("examples", "forms").glob("*.xlsx"))
#: A cell without an ``r`` attribute: it is placed after the previous one.
_PLACED_CELL_RE = re.compile(rb'<c(?=[\s/>])(?![^<>]*\br=")')


def _percent_cells_by_regex(xml: bytes, styles: set[int]) -> set[tuple[int, int]]:
    """The percent scan as it was: a regex walking every cell tag."""
    alt = b"|".join(str(i).encode() for i in sorted(styles))
    cell_re = re.compile(
        rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?\bs="(?:' + alt + rb')"'
        rb'|<c\b[^>]*?\bs="(?:' + alt + rb')"[^>]*?\br="([A-Z]+)(\d+)"'
    )
    out = set()
    for m in cell_re.finditer(xml):
        col, row = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        out.add((int(row) - 1, column_index(col)))
    return out


def _past_limits_by_regex(xml: bytes) -> bool:
    """The limits check as it was: regexes anchored on every row and cell tag."""
    long_row = re.compile(rb'<row\b[^>]*?\br="([0-9]{%d,})"' % len(str(MAX_ROWS)))
    wide = re.compile(rb'<c\b[^>]*?\br="([A-Z]{2,3})[0-9]')
    if xml.count(b"<row") > MAX_ROWS:
        return True
    if any(int(m.group(1)) > MAX_ROWS for m in long_row.finditer(xml)):
        return True
    if any(column_index(m.group(1)) >= MAX_COLS for m in wide.finditer(xml)):
        return True
    return _PLACED_CELL_RE.search(xml) is not None


def _sheet_xmls():
    for path in SEEDS:
        with zipfile.ZipFile(path) as zf:
            yield zf.read("xl/worksheets/sheet1.xml")


def _mutants(count: int):
    rnd = random.Random(7)
    base = next(_sheet_xmls())
    inserts = [
        b"<c/>",
        b"<c >",
        b' r="ZZ1"',
        b' r="123456"',
        b'<row r="30000">',
        b">",
        b"<",
        b'<c r="BM7"/>',
        b'<c\nr="A1"/>',
        b' s="3"',
        b' xs="4"',
        b'<row s="4" r="2">',
        b'<c s="4" r="C9"/>',
    ]
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
    elements = [
        b'<c s="4" r="C9"/>',
        b'<c r="BM7" s="3"><v>1</v></c>',
        b'<row s="4" r="2" customFormat="1"></row>',
        b'<c s="5"/>',
        b'<c t="n" s="3"\nr="Q3"/>',
    ]
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
    for xml in [
        *_sheet_xmls(),
        *_well_formed_mutants(300),
        b'<row r="1" s="3" customFormat="1"><c r="A1" s="3"/><c s="3" r="B1"/><c r="C1" s="13"/>'
        b'<c r="D1" xs="3"/><c r="E1" t="s" s="3"/></row><col s="3"/><c s="3"/>',
    ]:
        assert styled_cells(xml, style_re) == _percent_cells_by_regex(xml, styles)


def test_past_limits_as_the_tag_regexes_say():
    samples = [
        b'<row r="20001"><c r="A1"/></row>',
        b'<row r="1"><c r="BM1"/></row>',
        b'<row r="1"><c r="BL1"/><c/></row>',
        b'<row r="1"><c r="A1"><v>r="ZZ1"</v></c></row>',
        b'<row r="1"><col r="ZZ1"/></row>',
        b'<rowBreaks r="99999"/>',
        b'<c r="A1" x="a>b" r="ZZ9"/>',
        b"",
    ]
    for xml in [*_sheet_xmls(), *_mutants(1500), *samples]:
        assert past_limits(xml) == _past_limits_by_regex(xml)
