"""The fast path: an .xlsx's cell values read straight from its XML, exactly as python-calamine reads them.

perfxl inflates a workbook's parts itself (to find percent formats, cached errors and formulas
never calculated, and to cut sheets past its limits), and python-calamine then opened the zip a
second time and built a workbook object: for the small sheet of a 绩效自评表 that was most of the
cost of reading it. For the plain SpreadsheetML that Excel, WPS, LibreOffice, openpyxl and
XlsxWriter write, this module reads the cell values from the parts perfxl already holds, in one
pass that also finds those extras, and gives what python-calamine gives: every number a float,
text with XML's and Excel's escapes undone and trimmed as calamine trims it, booleans, and a dense
rectangle from A1 to the last cell holding a value.

Whatever lies outside that subset raises :class:`~perfxl.load.ooxml.Unsupported`, and
:func:`fast_grids` declines (the calamine path, :mod:`perfxl.load.calamine`, reads the workbook):
a number formatted as a date, an ISO date cell (``t="d"``), a namespace prefix, a number that is
not a plain decimal, single-quoted attributes, comments or CDATA, a text encoding other than UTF-8,
more cells than a form has. A sheet with a cell past the limits or without its reference raises
:class:`NeedsPlacing`: cut and placed, it is read again. Both paths are compared on every workbook
of the test suite and on generated sheets (``tests/load/test_fast.py``, through
``load_grids(..., engine=...)``).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from .grid import MAX_COLS, MAX_ROWS, MAX_SHEETS, Grid, capped, column_index
from .ooxml import (
    DECLARATION_RE,
    NO_STYLES,
    PACKAGE_RELS,
    SHARED_STRINGS,
    STYLES,
    WORKBOOK,
    XML_SPACE,
    Package,
    Styles,
    Unsupported,
    closed_end,
    decode,
    excel_unescape,
    relationships,
    runs_text,
    unescape,
)
from .scan import clip_sheet


class NeedsPlacing(Unsupported):
    """A cell lies past the limits given, or has no reference of its own (placed by order): cut
    the sheet to the limits and give every cell its reference first (:func:`perfxl.load.scan.clip_sheet`),
    then read it again."""


#: More cells than a 绩效自评表 ever has: such a sheet is left to python-calamine, which holds
#: its cells in less memory than the tuples of a regex match.
MAX_CELLS = 100_000


@dataclass
class SheetValues:
    """What a sheet holds, as perfxl's :class:`~perfxl.load.grid.Grid` wants it.

    Attributes:
        rows: the values from A1 to the last cell holding one; "" for an empty cell.
        percent: (row, col) of cells with a percent style, 0-based.
        no_value: (row, col) → formula text of formula cells with no cached result.
        cells: ((row, col), value) of every cell placed in ``rows``, in row and column order, when
            the sheet lists its cells in that order, each once (as writers do); else None.
    """

    rows: list[list[Any]] = field(default_factory=list)
    percent: set[tuple[int, int]] = field(default_factory=set)
    no_value: dict[tuple[int, int], str] = field(default_factory=dict)
    cells: list[tuple[tuple[int, int], object]] | None = None


#: A cell: its reference (first, as every writer puts it), a style and a type in the order Excel
#: and the libraries write them, any other attributes, then its content in one of three shapes,
#: each in its own groups: a plain inline string ("<" and its text), a plain ``<v>`` ("v" and its
#: text), or anything else (its text). The one-letter groups tell an empty value from no value
#: (and being one letter, cost no new string). All are empty when there is no content (a
#: self-closing cell, that only carries a style). ``(?:x|)`` is ``(?:x)?``, which the regex engine
#: runs as a loop, costlier.
_CELL_START = r'<c r="([A-Z]{1,3}[0-9]{1,7})"(?: s="([0-9]+)"|)(?: t="([a-zA-Z]+)"|)([^<>]*?)'
_CELL_RE = re.compile(_CELL_START + r"(?:>(<)is><t>([^<]*)</t></is></c>|/>|><(v)>([^<]*)</v></c>|>(.*?)</c>)", re.S)
#: The same for the cells after the last ``</c>``, where only a self-closing one can match (see
#: :func:`closed_end`); the empty groups stand for the content groups of :data:`_CELL_RE`.
_EMPTY_CELL_RE = re.compile(_CELL_START + r"/>()()()()()")
_TYPE_RE = re.compile(r'\st="([^"]*)"')
_STYLE_RE = re.compile(r'\ss="([0-9]+)"')
_VALUE_RE = re.compile(r"<v>([^<]*)</v>")
_EMPTY_VALUE_RE = re.compile(r"<v\s*/>")
_FORMULA_RE = re.compile(r"<f\b[^<>]*?(?:/>|>([^<]*)</f>)")
#: A number as calamine parses one (Rust's f64 syntax without inf/NaN, which are refused here).
#: The digits after a point are optional only after the point itself: two runs of digits that could
#: share the digits between them would be tried at every split of a long run, in quadratic time.
_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


#: Cell reference → (row, col), 0-based, for the references seen so far (forms use a few hundred,
#: the same in every form); bounded, past that a reference is worked out each time.
_PLACES: dict[str, tuple[int, int]] = {}
_MAX_PLACES = 8192


def place(ref: str) -> tuple[int, int]:
    """A cell reference's (row, col), 0-based: A1 → (0, 0), AB7 → (6, 27)."""
    where = _PLACES.get(ref)
    if where is None:
        letters = ref.rstrip("0123456789")
        where = (int(ref[len(letters) :]) - 1, column_index(letters))
        if len(_PLACES) < _MAX_PLACES:
            _PLACES[ref] = where
    return where


def _typed_value(kind: str, raw: str, style: int, date_styles: frozenset[int], strings: list[str]) -> object:
    """A cell's value from its type and the text of its ``<v>``; None when calamine has no cell."""
    if kind == "" or kind == "n":
        if not raw:
            return None
        if _NUMBER_RE.fullmatch(raw) is None:
            raise Unsupported("sheet: number")
        if style in date_styles:
            raise Unsupported("sheet: a date")
        return float(raw)
    if kind == "s":
        try:
            index = int(raw)
        except ValueError as exc:
            raise Unsupported("sheet: shared string index") from exc
        if not 0 <= index < len(strings):
            raise Unsupported("sheet: shared string index out of range")
        return strings[index]
    if kind == "str":
        return capped(excel_unescape(unescape(raw)))
    if kind == "b" and raw in ("0", "1"):
        return raw == "1"
    if kind == "e" and raw:
        return unescape(raw)
    raise Unsupported(f"sheet: cell type {kind!r} with value {raw[:20]!r}")  # t="d" (ISO dates) and others


def _content_value(
    kind: str,
    body: str,
    style: int,
    date_styles: frozenset[int],
    strings: list[str],
    where: tuple[int, int],
    no_value: dict[tuple[int, int], str],
) -> object:
    """A cell's value from content other than a plain ``<v>`` or inline string: a formula, rich
    text, a run that keeps its spaces; None when calamine has no cell."""
    m = _VALUE_RE.search(body)
    raw = m.group(1) if m else None
    if raw is None and "<v" in body:
        # openpyxl writes <v /> after a formula it cannot calculate: for a number, no value
        if _EMPTY_VALUE_RE.search(body) is None or kind not in ("", "n"):
            raise Unsupported("sheet: <v> with attributes")
        raw = ""
    if "<f" in body and not raw:
        formula = _FORMULA_RE.search(body)
        no_value[where] = unescape(formula.group(1) or "") if formula else ""
    if kind == "inlineStr":
        at = body.find("<is>")
        if at < 0 or "<t" not in body[at:]:
            raise Unsupported("sheet: inline string without <is> or text")
        return runs_text(body[at + 4 : body.rfind("</is>")])
    if raw is None:
        return None  # a formula never calculated, or no value: calamine has no cell
    return _typed_value(kind, raw, style, date_styles, strings)


def sheet_values(
    xml: bytes, strings: list[str], styles: Styles = NO_STYLES, limits: tuple[int, int] = (1_048_576, 16_384)
) -> SheetValues:
    """The cells of a worksheet part, as python-calamine reads them, and perfxl's extras.

    A cached error (``#DIV/0!``) is given as its code, where calamine gives "" (perfxl's reader
    needs to see it).

    Args:
        xml: the worksheet part.
        strings: the shared string table.
        styles: the workbook's percent and date styles.
        limits: (rows, columns) a cell may lie in, a style-only cell included.

    Returns:
        The values and extras.

    Raises:
        NeedsPlacing: a cell past ``limits`` or without its reference first.
        Unsupported: something only python-calamine reads right.
    """
    start, end = xml.find(b"<sheetData"), xml.rfind(b"</sheetData>")
    if start < 0:  # a namespace prefix (<x:sheetData>), UTF-16, or no sheetData at all
        raise Unsupported("sheet: no <sheetData>")
    stop = end if end >= 0 else len(xml)
    n_cells = xml.count(b"<c", start, stop)  # before anything is made of a sheet of any size
    if n_cells > MAX_CELLS:
        raise Unsupported("sheet: too many cells")
    declaration = DECLARATION_RE.match(xml.removeprefix(b"\xef\xbb\xbf"))
    data = decode((declaration.group(0) if declaration else b"") + xml[start:stop], "sheet")
    end = closed_end(data, "</c>")
    cells = _CELL_RE.findall(data, 0, end)
    if data.find("<c", end) >= 0:  # cells after the last </c>: style-only ones, or never closed
        cells += _EMPTY_CELL_RE.findall(data, end)
    if len(cells) != n_cells:  # <c>, <c/>, <c t="s" r="A1">: no reference first
        raise NeedsPlacing("sheet: a cell without its reference first")
    max_rows, max_cols = limits
    out = SheetValues()
    percent, places, placed = out.percent, _PLACES, []
    # whether ``placed`` is in row and column order, each cell once: then the reader is given it
    # as the cell list and need not look at the empty ones of the rectangle
    ordered, last = True, (-1, -1)
    percent_styles, date_styles = styles.percent, styles.date
    styled = bool(percent_styles or date_styles)
    style_numbers: dict[str, int] = {}  # a style's text → its number, int() once per style
    # checked once for the whole sheet: most sheets need neither kind of unescaping
    # (in the bytes, where they stand as in the text: a byte is searched for at memchr's speed)
    escaped = xml.find(b"&", start, stop) >= 0
    excel_escaped = xml.find(b"_", start, stop) >= 0 and xml.find(b"_x", start, stop) >= 0
    is_number = _NUMBER_RE.fullmatch
    for ref, style_text, kind, attrs, inline_tag, text, v_tag, raw, body in cells:
        at = places.get(ref)
        if at is None:
            at = place(ref)
        if attrs:  # attributes in another order, or others (cm, vm, ph): look again
            if "'" in attrs:
                raise Unsupported("sheet: single-quoted attribute")
            m = _TYPE_RE.search(attrs)
            kind = m.group(1) if m else kind
            m = _STYLE_RE.search(attrs)
            style_text = m.group(1) if m else style_text
        if at[0] >= max_rows or at[1] >= max_cols:
            raise NeedsPlacing("sheet: a cell past the limits")
        style = 0
        if style_text and styled:
            known = style_numbers.get(style_text)
            if known is None:
                known = style_numbers[style_text] = int(style_text)
            style = known
            if style and style in percent_styles:
                percent.add(at)
        if inline_tag:  # <is><t>text</t></is>: the cell of nearly every inline string
            if kind != "inlineStr":
                raise Unsupported(f"sheet: inline text in a cell of type {kind!r}")
            value: Any = (unescape(text) if escaped else text).strip(XML_SPACE)
            if excel_escaped:
                value = excel_unescape(value)
            value = capped(value)
        elif v_tag:  # <v>value</v>
            if (not kind or kind == "n") and raw and is_number(raw) and style not in date_styles:
                value = float(raw)  # a plain number: what _typed_value gives, without the call
            else:
                value = _typed_value(kind, raw, style, date_styles, strings)
        elif body:
            value = _content_value(kind, body, style, date_styles, strings, at, out.no_value)
        else:
            continue  # self-closing or empty: a style only
        if value is not None:
            placed.append((at, value))
            if at <= last:
                ordered = False
            last = at
    if placed:
        where = list(map(itemgetter(0), placed))
        width = max(map(itemgetter(1), where)) + 1
        rows: list[list[Any]] = [[""] * width for _ in range(max(map(itemgetter(0), where)) + 1)]
        for (row, col), value in placed:
            rows[row][col] = value
        out.rows = rows
        if ordered:
            out.cells = placed
    return out


#: A sheet part this large may hold more rows than are read: they are counted before it is read.
_BIG_SHEET_BYTES = 1024 * 1024


def fast_grids(package: Package, path: Path) -> list[Grid] | None:
    """The grids of an .xlsx read from the parts in hand, or None when the workbook holds something
    only python-calamine reads right (then calamine reads it).

    Gives what the calamine path gives: the visible worksheets among the first MAX_SHEETS sheets,
    cut at the limits, with percent cells, defined names, cached errors and uncalculated formulas.
    """
    names, read = package.names, package.read
    if WORKBOOK not in names or PACKAGE_RELS not in names:
        return None
    try:
        book = package.book
        if not book.plain:
            return None
        # calamine finds the workbook through the package's relationships
        package_rels = relationships(read(PACKAGE_RELS), base="")
        if [p for p, k in package_rels.values() if k == "officeDocument"] != [WORKBOOK]:
            return None
        # calamine finds the string table and styles at these names: a workbook that puts them
        # elsewhere (or relates to parts it lacks) is left to it
        for kind, part in (("sharedStrings", SHARED_STRINGS), ("styles", STYLES)):
            related = [p for p, k in book.rels.values() if k == kind]
            if (part in names) != bool(related) or any(p != part for p in related):
                return None
        styles, strings = package.styles, package.strings
        grids = []
        done: set[str] = set()
        for sheet in book.sheets[:MAX_SHEETS]:
            if sheet.kind == "chartsheet" or not sheet.visible:
                continue
            if sheet.kind != "worksheet" or sheet.part not in names:
                return None
            if sheet.part in done:  # named by an earlier sheet too: read once (see Book.repeated)
                continue
            done.add(sheet.part)
            xml, cut = read(sheet.part), False
            # the reader checks the limits as it goes; a sheet of more rows than are read (a form's
            # is 30 KB) is cut first, not read to its end for nothing
            if len(xml) > _BIG_SHEET_BYTES and xml.count(b"<row") > MAX_ROWS:
                xml, cut = clip_sheet(xml)
            try:
                values = sheet_values(xml, strings, styles, (MAX_ROWS, MAX_COLS))
            except NeedsPlacing:
                xml, cut = clip_sheet(xml)
                values = sheet_values(xml, strings, styles, (MAX_ROWS, MAX_COLS))
            grids.append(
                Grid(
                    rows=values.rows,
                    file=str(path),
                    sheet=sheet.name,
                    percent=values.percent,
                    names=book.names.get(sheet.name, {}),
                    no_value=values.no_value,
                    clipped=cut,
                    cells=values.cells,
                )
            )
    except (Unsupported, zipfile.BadZipFile, KeyError, ValueError, zlib.error):
        # a damaged part too (a BrokenPart is a ValueError): the calamine path reads it again and
        # says what is wrong
        return None
    return grids
