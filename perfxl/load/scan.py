"""Scanning a sheet's XML for what python-calamine would miss or must not see.

calamine gives "" both for a formula never calculated and for a cached error value (#DIV/0!), no
number formats (a person who types 98.5% gets 0.985 stored with a percent format), and it allocates
a dense range from the first to the last cell: one cell at XFD1048576 costs it hundreds of GB and
aborts the process. So before calamine reads a workbook (:mod:`perfxl.load.calamine`), each sheet
is scanned here for those cells, and a sheet past :data:`~perfxl.load.grid.MAX_ROWS` rows or
:data:`~perfxl.load.grid.MAX_COLS` columns is cut in its XML (:func:`clip_sheet`, which the fast
path uses too). An .ods repeats rows and cells with an attribute: its tables are cut the same way.
Every scan takes time linear in the XML, whatever it holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import chain
from typing import NamedTuple

from . import xmlcheck
from .grid import MAX_COLS, MAX_ROWS, column_index, column_letter
from .ooxml import Package, closed_end, xml_text
from .zipsafe import BrokenPart

_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_CELL_REF_ATTR_RE = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')


def styled_cells(sheet_xml: bytes, style_re: re.Pattern) -> set[tuple[int, int]]:
    """(row, col) of the cells of a sheet whose ``<c>`` element carries a style ``style_re`` matches.

    Args:
        sheet_xml: a worksheet part.
        style_re: matches ``s="N"`` for the wanted style indexes N.

    Returns:
        The cells, 0-based; a cell without an ``r`` attribute is not found.
    """
    cells = set()
    tags, done = _Tags(sheet_xml), -1
    for m in style_re.finditer(sheet_xml):
        at = m.start()
        start = _in_tag(tags, at, b"<c")
        if start < 0 or start == done:
            continue  # not a cell's style (a <row s="…">, <col …>, xs="3"), or its cell seen already
        done, end = start, sheet_xml.find(b">", at)
        ref = _CELL_REF_ATTR_RE.search(sheet_xml, start, end if end >= 0 else len(sheet_xml))
        if ref:
            cells.add((int(ref.group(2)) - 1, column_index(ref.group(1))))
    return cells


class _Element(NamedTuple):
    """An XML element, ``<name …/>`` or ``<name …>content</name>``, found in time linear in the XML.

    Attributes:
        full: its pattern: group 1 the attributes, group 2 the content (None when self-closing).
        empty: the same pattern for self-closing elements only.
        close: its closing tag.
    """

    full: re.Pattern
    empty: re.Pattern
    close: bytes

    @classmethod
    def named(cls, name: bytes, after: bytes = rb"\b") -> _Element:
        """The element ``name``; ``after`` is what must follow the name in its tag."""
        head = b"<" + name + after + rb"([^<>]*?)(?:/>|(?<!/)>("
        tail = b")</" + name + b">)"
        return cls(re.compile(head + rb".*?" + tail, re.S), re.compile(head + rb"(?!)" + tail), b"</" + name + b">")

    def finditer(self, xml: bytes, pos: int = 0, endpos: int | None = None):
        """The elements in ``xml[pos:endpos]``, as ``full.finditer`` finds them: with contents up
        to the last closing tag (see :func:`perfxl.load.ooxml.closed_end`), self-closing ones after it."""
        endpos = len(xml) if endpos is None else endpos
        end = closed_end(xml, self.close, pos, endpos)
        return chain(self.full.finditer(xml, pos, end), self.empty.finditer(xml, end, endpos))


_CELL = _Element.named(b"c")
_CELL_REF_RE = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_CACHED_RE = re.compile(rb"<v>[^<]+</v>")
_FORMULA_RE = re.compile(rb"<f\b[^<>]*?(?:/>|>([^<]*)</f>)")
_ERROR_VALUE_RE = re.compile(rb"<v>([^<]+)</v>")
_ROW = _Element.named(b"row")
_ROW_NUMBER_RE = re.compile(rb'\br="([0-9]{1,7})"')
#: A cell without an ``r`` attribute: it is placed after the previous one.
_PLACED_CELL_RE = re.compile(rb'<c(?=[\s/>])(?![^<>]*\br=")')


def _cells_with(sheet_xml: bytes, needle: bytes):
    """(row, col, attributes, content) of each cell whose element holds ``needle``."""
    if needle not in sheet_xml:
        return
    for m in _CELL.finditer(sheet_xml):
        if needle not in m.group(0):
            continue
        ref = _CELL_REF_RE.search(m.group(1))
        if ref is not None:
            yield int(ref.group(2)) - 1, column_index(ref.group(1)), m.group(1), m.group(2) or b""


def formula_cells_without_value(sheet_xml: bytes) -> dict[tuple[int, int], str]:
    """Formula cells that hold no cached result (openpyxl and other libraries write them so).

    Args:
        sheet_xml: a worksheet part of an .xlsx.

    Returns:
        (row, col) → the formula's text (without "="; "" for a shared formula's later cells).
    """
    out = {}
    for row, col, _attrs, body in _cells_with(sheet_xml, b"<f"):
        if _CACHED_RE.search(body):
            continue
        formula = _FORMULA_RE.search(body)
        out[(row, col)] = xml_text(formula.group(1) or b"") if formula else ""
    return out


def error_cells(sheet_xml: bytes) -> dict[tuple[int, int], str]:
    """Cells holding a cached error value: (row, col) → ``#DIV/0!``, ``#NAME?`` ..."""
    out = {}
    for row, col, attrs, body in _cells_with(sheet_xml, b't="e"'):
        value = _ERROR_VALUE_RE.search(body)
        if b't="e"' in attrs and value:
            out[(row, col)] = xml_text(value.group(1))
    return out


def past_limits(sheet_xml: bytes) -> bool:
    """Whether a sheet may reach past MAX_ROWS rows or MAX_COLS columns (cheap checks, C speed)."""
    if sheet_xml.count(b"<row") > MAX_ROWS:  # <rowBreaks> counts too: at worst a needless clip
        return True
    # The regexes anchored on each <row / <c tag walk every tag; a long row number or a wide
    # column is rare, so its attribute is searched for and then its tag checked: same answer.
    tags = _Tags(sheet_xml)
    if any(
        (len(m.group(1)) > len(str(MAX_ROWS)) or int(m.group(1)) > MAX_ROWS) and _in_tag(tags, m.start(), b"<row") >= 0
        for m in _LONG_ROW_ATTR_RE.finditer(sheet_xml)
    ):
        return True
    tags = _Tags(sheet_xml)
    if any(
        column_index(m.group(1)) >= MAX_COLS and _in_tag(tags, m.start(), b"<c") >= 0
        for m in _WIDE_REF_ATTR_RE.finditer(sheet_xml)
    ):
        return True
    tags = _Tags(sheet_xml)  # a cell's own reference places it, whatever its row says
    if any(
        (len(m.group(1)) > len(str(MAX_ROWS)) or int(m.group(1)) > MAX_ROWS) and _in_tag(tags, m.start(), b"<c") >= 0
        for m in _DEEP_REF_ATTR_RE.finditer(sheet_xml)
    ):
        return True
    if _CELL_NOT_R_FIRST_RE.search(sheet_xml) is None:
        return False  # every cell tag starts with its r attribute: none is placed by order
    return _PLACED_CELL_RE.search(sheet_xml) is not None


# No leading \b: a pattern that starts with a literal is searched for at C speed (_in_tag checks
# the byte before).
_LONG_ROW_ATTR_RE = re.compile(rb'r="([0-9]{%d,})"' % len(str(MAX_ROWS)))
_WIDE_REF_ATTR_RE = re.compile(rb'r="([A-Z]{2,3})[0-9]')
_DEEP_REF_ATTR_RE = re.compile(rb'r="[A-Z]{1,3}([0-9]{%d,})"' % len(str(MAX_ROWS)))
#: A cell tag that does not start with its r attribute (only those can match _PLACED_CELL_RE).
_CELL_NOT_R_FIRST_RE = re.compile(rb'<c(?=[\s/>])(?! r=")')


class _Tags:
    """Which tag holds a position, for positions asked in increasing order.

    Each byte of the XML is looked at a bounded number of times however many positions are asked:
    searching back for the "<" from each of a million attributes inside one long tag would take
    the tag's length a million times.
    """

    def __init__(self, xml: bytes):
        self.xml = xml
        self.upto = 0  # the XML before this position has been looked at
        self.open = -1  # the last "<" before it
        self.closed = True  # whether a ">" stands between that "<" and it

    def start(self, at: int) -> int:
        """Where the tag holding position ``at`` (>= every position asked before) starts, or -1
        when ``at`` stands outside any tag."""
        xml = self.xml
        lt = xml.rfind(b"<", self.upto, at)
        if lt >= 0:
            self.open, self.closed = lt, xml.find(b">", lt, at) >= 0
        elif not self.closed:
            self.closed = xml.find(b">", self.upto, at) >= 0
        self.upto = at
        return -1 if self.open < 0 or self.closed else self.open


def _in_tag(tags: _Tags, at: int, tag: bytes) -> int:
    """Where the start tag of a ``tag`` element (``tag`` = b"<c") that holds position ``at`` starts,
    or -1 when ``at`` is not in such a tag.

    Args:
        tags: the sheet XML's tags (positions are asked in increasing order).
        at: a position in it.
        tag: the tag's opening, name included.

    Returns:
        The position of the nearest "<" before ``at`` when it opens that element, no ">" closes it
        before ``at``, and ``at`` starts a word (an attribute name, not the end of one); else -1.
    """
    xml = tags.xml
    start = tags.start(at)
    if start < 0 or (at and xml[at - 1] in _WORD_BYTES):
        return -1
    end = start + len(tag)
    return start if xml.startswith(tag, start) and end < len(xml) and xml[end] not in _WORD_BYTES else -1


#: A worksheet whose elements carry a namespace prefix (``<x:worksheet xmlns:x="…">``): the
#: scans here look for ``<row`` and ``<c``, and would let a far cell past them.
_PREFIXED_ROOT_RE = re.compile(rb"<([A-Za-z_][A-Za-z0-9_.-]{0,30}):worksheet[\s>]")


def unprefixed(sheet_xml: bytes) -> bytes | None:
    """The sheet with the prefix of its worksheet element taken off every element (and its
    namespace made the default one), or None when its elements carry no prefix."""
    m = _PREFIXED_ROOT_RE.search(sheet_xml, 0, 65_536)  # the root stands after the declaration
    if m is None:
        return None
    prefix = re.escape(m.group(1))
    xml = re.sub(rb"<(/?)" + prefix + rb":", rb"<\1", sheet_xml)
    return re.sub(rb"\bxmlns:" + prefix + rb"=", b"xmlns=", xml, count=1)


#: Where a cell holds something (a value or inline text), not just a style.
_HOLDS_VALUE_RE = re.compile(rb"<v>|<is>")


def clip_sheet(sheet_xml: bytes) -> tuple[bytes, bool]:
    """The sheet with only its first MAX_ROWS rows and MAX_COLS columns, every cell given its place.

    Rows and cells are in ascending order in a valid sheet, so the walk stops at the first row past
    the limit and, in a row, at the first cell past it.

    Returns:
        The sheet XML, and whether a cell holding a value was left out.
    """
    start, end = sheet_xml.find(b"<sheetData"), sheet_xml.rfind(b"</sheetData>")
    if start == -1 or end == -1:
        return sheet_xml, False
    start = sheet_xml.index(b">", start) + 1
    out = [sheet_xml[:start]]
    row_no, cut = 0, False
    for row in _ROW.finditer(sheet_xml, start, end):
        head = row.group(0)[: row.group(0).index(b">") + 1]
        numbered = _ROW_NUMBER_RE.search(head)
        row_no = int(numbered.group(1)) if numbered else row_no + 1
        if row_no > MAX_ROWS:
            cut = _HOLDS_VALUE_RE.search(sheet_xml, row.start(), end) is not None
            break
        cells, col, content = [], -1, row.group(2) or b""
        for cell in _CELL.finditer(content):
            ref = _CELL_REF_RE.search(cell.group(1))
            col = column_index(ref.group(1)) if ref else col + 1
            if col >= MAX_COLS:
                cut = cut or _HOLDS_VALUE_RE.search(content, cell.start()) is not None
                break
            attrs = _CELL_REF_RE.sub(b"", cell.group(1))
            place = f' r="{column_letter(col)}{row_no}"'.encode()
            body = cell.group(2)
            cells.append(b"<c" + place + attrs + (b"/>" if body is None else b">" + body + b"</c>"))
        out.append(b'<row r="%d">' % row_no + b"".join(cells) + b"</row>")
    out.append(sheet_xml[end:])
    return b"".join(out), cut


# OpenDocument repeats a row or a cell with an attribute: a 700-byte .ods can ask for a value in
# each of 90 million cells (python-calamine then takes 5 GB and 18 s). Repeats are cut to the limits.
_ODS_TABLE = _Element.named(b"table:table", rb"(?=[\s/>])")
_ODS_NAME_RE = re.compile(rb'table:name="([^"]*)"')
_ODS_ROW = _Element.named(b"table:table-row", rb"(?=[\s/>])")
#: A cell or covered cell. Its content may not run into the next cell (it never does in a valid
#: file): two names close it, so it cannot be bounded by the last closing tag as an _Element is.
_ODS_CELL_RE = re.compile(
    rb"<table:(table-cell|covered-table-cell)(?=[\s/>])([^<>]*?)"
    rb"(?:/>|(?<!/)>((?:[^<]|<(?!table:(?:covered-)?table-cell[\s/>]))*?)</table:\1>)"
)
_ODS_ROWS_REPEATED_RE = re.compile(rb'table:number-rows-repeated="([0-9]+)"')
_ODS_COLS_REPEATED_RE = re.compile(rb'table:number-columns-repeated="([0-9]+)"')
_ODS_VALUED = b"office:value-type"


def _repeat(attrs: bytes, pattern: re.Pattern) -> int:
    m = pattern.search(attrs)
    return int(m.group(1)) if m else 1


def _with_repeat(element: bytes, pattern: re.Pattern, count: int) -> bytes:
    """An element with its repeat attribute (in its start tag) set to ``count``."""
    head_end = element.index(b">") + 1
    name = pattern.pattern.split(b"=")[0]
    return pattern.sub(name + b'="%d"' % count, element[:head_end], count=1) + element[head_end:]


def _clip_ods_row(cells: bytes) -> tuple[bytes, bool]:
    """A row's cells up to MAX_COLS columns; and whether a cell holding a value was left out."""
    col, out, pos, cut = 0, [], 0, False
    for cell in _ODS_CELL_RE.finditer(cells):
        n = _repeat(cell.group(2), _ODS_COLS_REPEATED_RE)
        if col >= MAX_COLS:
            out.append(cells[pos : cell.start()])
            return b"".join(out), cut or _ODS_VALUED in cells[cell.start() :]
        if col + n > MAX_COLS:
            out += [cells[pos : cell.start()], _with_repeat(cell.group(0), _ODS_COLS_REPEATED_RE, MAX_COLS - col)]
            pos, cut = cell.end(), cut or _ODS_VALUED in cell.group(2)
        col += n
    out.append(cells[pos:])
    return b"".join(out), cut


def _clip_ods_table(body: bytes) -> tuple[bytes, bool]:
    """A table's rows up to MAX_ROWS rows and MAX_COLS columns; and whether a value was left out."""
    row_no, out, pos, cut = 0, [], 0, False
    for row in _ODS_ROW.finditer(body):
        if row_no >= MAX_ROWS:  # every row from here on goes (the structure around them stays)
            rest = body[row.start() :]
            out.append(body[pos : row.start()])
            at = 0
            for later in _ODS_ROW.finditer(rest):
                out.append(rest[at : later.start()])
                at = later.end()
            out.append(rest[at:])
            return b"".join(out), cut or _ODS_VALUED in rest
        n = _repeat(row.group(1), _ODS_ROWS_REPEATED_RE)
        cells, cells_cut = _clip_ods_row(row.group(2) or b"")
        keep = min(n, MAX_ROWS - row_no)
        if keep < n or cells_cut or len(cells) != len(row.group(2) or b""):
            head = row.group(0)[: row.group(0).index(b">") + 1]
            if keep < n:
                head = _with_repeat(head, _ODS_ROWS_REPEATED_RE, keep)
            rebuilt = head if row.group(2) is None else head + cells + b"</table:table-row>"
            out += [body[pos : row.start()], rebuilt]
            pos = row.end()
            cut = cut or cells_cut or (keep < n and _ODS_VALUED in (row.group(2) or b""))
        row_no += n
    out.append(body[pos:])
    return b"".join(out), cut


def clip_ods(content: bytes) -> tuple[bytes, dict[str, bool]]:
    """content.xml of an .ods with every table cut to the limits.

    Returns:
        The content (the same object when nothing changed), and per table name whether a cell
        holding a value was left out.
    """
    out, pos, cut = [], 0, {}
    for table in _ODS_TABLE.finditer(content):
        if table.group(2) is None:  # <table:table …/>: no rows
            continue
        body, table_cut = _clip_ods_table(table.group(2))
        name = _ODS_NAME_RE.search(table.group(1))
        cut[xml_text(name.group(1)) if name else ""] = table_cut
        if len(body) != len(table.group(2)):
            out += [content[pos : table.start(2)], body]
            pos = table.end(2)
    if not out:
        return content, cut
    out.append(content[pos:])
    return b"".join(out), cut


#: Spaces an .ods may ask for with ``<text:s text:c="N"/>``, all cells together: calamine makes
#: every one of them (a 1 KB file asked for 4 billion).
MAX_ODS_SPACES = 1_000_000
_ODS_SPACES_RE = re.compile(rb'text:c="([0-9]+)"')


def check_ods_content(content: bytes) -> None:
    """Refuse an .ods's content.xml that python-calamine would never finish reading: XML that is not
    well-formed (a table without its end makes calamine loop forever) or too many spaces asked for.

    Raises:
        BrokenPart: why.
    """
    problem = xmlcheck.xml_problem(content)
    if problem is not None:
        raise BrokenPart(f"文件已损坏（content.xml：{problem}）")
    if b"text:c=" in content:
        spaces = 0
        for m in _ODS_SPACES_RE.finditer(content):
            spaces += int(m.group(1)) if len(m.group(1)) < 10 else MAX_ODS_SPACES + 1
            if spaces > MAX_ODS_SPACES:
                raise BrokenPart(f"content.xml 要求重复的空格（text:c）合计超过 {MAX_ODS_SPACES} 个，未读取")


@dataclass
class SheetScan:
    """What the scans found in one sheet.

    Attributes:
        no_value: (row, col) → formula text of formula cells without a cached result.
        errors: (row, col) → the cached error value (``#DIV/0!``).
        clipped: a cell holding a value lay past the limits and was cut off.
        percent: (row, col) of cells with a percent style.
    """

    no_value: dict[tuple[int, int], str] = field(default_factory=dict)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    clipped: bool = False
    percent: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class Scan:
    """A workbook scanned for python-calamine.

    Attributes:
        sheets: sheet name → what its scan found.
        replaced: part name → the XML calamine is given instead (a sheet cut to the limits, or
            with its namespace prefix taken off); empty when calamine may read the file as it is.
    """

    sheets: dict[str, SheetScan] = field(default_factory=dict)
    replaced: dict[str, bytes] = field(default_factory=dict)


def scan_xlsx(package: Package) -> Scan:
    """Every sheet of an .xlsx or .xlsm scanned: formulas without value, cached errors, percent cells,
    and the sheets past the limits cut.

    Raises:
        BrokenPart: a part too large to read.
    """
    out = Scan()
    book, read, names = package.book, package.read, package.names
    percent_xf = package.styles.percent
    # Only the percent styles' attributes are searched for (a literal the regex engine skips to):
    # the many other cells cost nothing.
    style_re = (
        re.compile(rb's="(?:' + b"|".join(str(i).encode() for i in sorted(percent_xf)) + rb')"') if percent_xf else None
    )
    for sheet in book.sheets:
        if not sheet.part or sheet.part not in names or sheet.name in book.repeated:
            continue
        xml = read(sheet.part)
        cut = False
        plain = unprefixed(xml)
        if plain is not None:  # calamine reads the copy this module can scan and clip
            xml = out.replaced[sheet.part] = plain
        if past_limits(xml):
            xml, cut = clip_sheet(xml)
            out.replaced[sheet.part] = xml
        out.sheets[sheet.name] = SheetScan(
            formula_cells_without_value(xml),
            error_cells(xml),
            cut,
            styled_cells(xml, style_re) if style_re is not None else set(),
        )
    if "xl/sharedStrings.xml" in names:  # calamine inflates it whole: check it is what it says
        read("xl/sharedStrings.xml")
    return out


def scan_ods(content: bytes) -> Scan:
    """An .ods's content.xml checked and its tables cut to the limits.

    Raises:
        BrokenPart: content.xml calamine would never finish reading.
    """
    check_ods_content(content)
    clipped, cut = clip_ods(content)
    return Scan(
        {sheet: SheetScan(clipped=was_cut) for sheet, was_cut in cut.items()},
        {} if clipped is content else {"content.xml": clipped},
    )
