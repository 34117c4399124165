"""Cell values of an .xlsx sheet read straight from its XML, as python-calamine reads them.

perfxl inflates a workbook's parts itself (to find percent formats, cached errors and formulas
never calculated, and to cut sheets past its limits), and python-calamine then opened the zip a
second time and built a workbook object: for the small sheet of a 绩效自评表 that was most of the
cost of reading it. For the plain SpreadsheetML that Excel, WPS, LibreOffice, openpyxl and
XlsxWriter write, this module reads the cell values from the parts perfxl already holds, in one
pass that also finds those extras, and gives what python-calamine gives: every number a float,
text with XML's and Excel's escapes undone and trimmed as calamine trims it, booleans, and a dense
rectangle from A1 to the last cell holding a value.

Whatever lies outside that subset raises :class:`Unsupported`, and the caller reads the workbook
with python-calamine instead: a number formatted as a date, an ISO date cell (``t="d"``), a
namespace prefix, a number that is not a plain decimal, single-quoted attributes, comments or
CDATA, a text encoding other than UTF-8, more cells than a form has. A sheet with a cell past the
caller's limits or without its reference raises :class:`NeedsPlacing`: cut and placed, it is read
again. Both readers are compared on every workbook of the test suite and on generated sheets
(``tests/test_ooxml.py``).

Everything here works on bytes already read; nothing opens a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import itemgetter
from typing import AnyStr, NamedTuple


class Unsupported(Exception):
    """Something this reader does not handle the way python-calamine does: read with calamine."""


class NeedsPlacing(Unsupported):
    """A cell lies past the limits given, or has no reference of its own (placed by order): cut
    the sheet to the limits and give every cell its reference first (``sources._clip_sheet``),
    then read it again."""


#: More cells than a 绩效自评表 ever has: such a sheet is left to python-calamine, which holds
#: its cells in less memory than the tuples of a regex match.
MAX_CELLS = 100_000
#: Excel's own limit on a cell's text: longer text (a 156 KB file held a 150 MB 项目名称) is cut
#: here, where it is read, so that nothing after holds or writes more.
MAX_CELL_CHARS = 32_767


def capped(text: str) -> str:
    """``text`` cut to :data:`MAX_CELL_CHARS` characters."""
    return text if len(text) <= MAX_CELL_CHARS else text[:MAX_CELL_CHARS]


# ------------------------------------------------------------------------------------------ text

_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_ENTITY_RE = re.compile(r"&([^;&]{0,12});?")


def _entity(m: re.Match) -> str:
    name = m.group(1)
    if not m.group(0).endswith(";"):
        raise Unsupported("bare &")
    if name in _ENTITIES:
        return _ENTITIES[name]
    try:
        code = int(name[2:], 16) if name[:2] in ("#x", "#X") else int(name[1:]) if name[:1] == "#" else -1
    except ValueError:
        code = -1
    # XML 1.0 allows tab, LF, CR and from U+0020 on, without surrogates and U+FFFE/U+FFFF
    if not (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF):
        raise Unsupported(f"character reference &{name};")
    return chr(code)


def unescape(text: str) -> str:
    """XML character data as text: the five named entities and character references replaced.

    Args:
        text: what stands between two tags (line ends already normalised, see :func:`decode`).

    Returns:
        The text.

    Raises:
        Unsupported: an unknown entity or a character XML does not allow (calamine fails on them).
    """
    return _ENTITY_RE.sub(_entity, text) if "&" in text else text


_DECLARATION_RE = re.compile(rb"<\?xml[^>]*\?>")
_UTF8_RE = re.compile(rb"""encoding=["'](?:utf|UTF)-?8["']""")


#: Comments and CDATA ("<!"), which this reader's patterns would misread. Single-quoted attributes
#: are refused where they are read (a cell's, a run's); in the small parts they are searched for.
TEXT_MARKERS = (b"<!",)
XML_MARKERS = (b"<!", b"='")


def decode(xml: bytes, what: str, markers: tuple[bytes, ...] = TEXT_MARKERS) -> str:
    """A part's XML as text, after its declaration, with line ends normalised as an XML parser
    does (CR LF and CR become LF).

    Args:
        xml: the part.
        what: its name, for the reason when it is refused.
        markers: what it may not hold.

    Raises:
        Unsupported: not UTF-8, or holding one of the ``markers``.
    """
    if xml.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Unsupported(f"{what}: UTF-16")
    xml = xml.removeprefix(b"\xef\xbb\xbf")
    declaration = _DECLARATION_RE.match(xml)
    if declaration:
        if b"encoding=" in declaration.group(0) and not _UTF8_RE.search(declaration.group(0)):
            raise Unsupported(f"{what}: not UTF-8")
        xml = xml[declaration.end():]
    for marker in markers:
        # the marker's rare last byte is looked for first, at memchr's speed
        if marker[-1:] in xml and marker in xml:
            raise Unsupported(f"{what}: {marker.decode()}")
    try:
        text = xml.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unsupported(f"{what}: not UTF-8") from exc
    if b"\r" in xml:  # the bytes are searched faster than the text
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def closed_end(text: AnyStr, close: AnyStr, pos: int = 0, endpos: int | None = None) -> int:
    """Where a search for elements that end in ``close`` may stop: just past the last ``close`` in
    ``text[pos:endpos]``, or ``pos`` when there is none.

    A pattern such as ``<si>(.*?)</si>`` tried at an opening tag with no closing tag after it
    searches the rest of the text and fails; tried at each of thousands of unclosed tags, it takes
    time that grows with their number times the text's length (a 3 KB file held minutes of work).
    Up to this point every such attempt finds its closing tag, so the search takes time linear in
    the text, as long as the tag's attributes are matched by ``[^<>]`` (a tag that never closes is
    then given up at the next "<"); after it only a self-closing element can match.

    Args:
        text: the XML (text or bytes).
        close: the closing tag.
        pos, endpos: the part of ``text`` to search, as ``re.Pattern.finditer`` takes them.
    """
    at = text.rfind(close, pos, len(text) if endpos is None else endpos)
    return pos if at < 0 else at + len(close)


#: A text run: ``<t>``, ``<t xml:space="preserve">`` or ``<t/>``; "<" cannot stand in its content.
#: Nor in a tag: ``[^<>]`` keeps a tag that never closes from being searched to the end of the part.
_T_RE = re.compile(r"<t(\s[^<>]*)?(?:/>|>([^<]*)</t>)")
#: Phonetic runs (ruby text), which calamine leaves out of a cell's text.
_RPH_RE = re.compile(r"<rPh\b.*?</rPh>", re.S)
#: What XML counts as whitespace: calamine trims it off a run not marked xml:space="preserve".
_XML_SPACE = " \t\n\r"
_PRESERVE = 'xml:space="preserve"'
#: Excel's escape for a character XML cannot hold (``_x000D_`` for CR; ``_x005F_`` for "_").
_EXCEL_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _excel_char(m: re.Match) -> str:
    code = int(m.group(1), 16)
    if 0xD800 <= code <= 0xDFFF:  # half of a surrogate pair: calamine's handling is not known here
        raise Unsupported("_xD800_")
    return chr(code)


def excel_unescape(text: str) -> str:
    """Text with Excel's ``_xHHHH_`` escapes replaced, left to right (``_x005F_x000D_`` is the
    text ``_x000D_``), as calamine does for cell text."""
    return _EXCEL_ESCAPE_RE.sub(_excel_char, text) if "_x" in text else text


def runs_text(xml: str) -> str:
    """The text of an ``<is>`` or ``<si>`` element: its runs joined, phonetic runs left out.

    Args:
        xml: the element's content.

    Returns:
        The text; each run trimmed of XML whitespace unless it says ``xml:space="preserve"``.
    """
    if "<rPh" in xml:
        end = closed_end(xml, "</rPh>")
        xml = _RPH_RE.sub("", xml[:end]) + xml[end:]
    out = []
    for attrs, content in _T_RE.findall(xml):
        if "'" in attrs:
            raise Unsupported("run: single-quoted attribute")
        text = unescape(content)
        out.append(text if _PRESERVE in attrs else text.strip(_XML_SPACE))
    return capped(excel_unescape("".join(out)))


_SI_RE = re.compile(r"<si>(.*?)</si>", re.S)


def shared_strings(xml: bytes) -> list[str]:
    """The shared string table (``xl/sharedStrings.xml``), in order.

    Raises:
        Unsupported: the part is not plain SpreadsheetML (see :func:`decode`).
    """
    text = decode(xml, "sharedStrings")
    items = _SI_RE.findall(text, 0, closed_end(text, "</si>"))
    if len(items) != text.count("<si"):  # <si/>, <si attr=…> or a prefixed namespace
        raise Unsupported("sharedStrings: unusual <si>")
    return [runs_text(item) for item in items]


# ---------------------------------------------------------------------------------------- styles

@dataclass(frozen=True)
class Styles:
    """Which cell styles (indexes into ``cellXfs``) show a number as a percentage or as a date."""

    percent: frozenset[int] = frozenset()
    date: frozenset[int] = frozenset()


NO_STYLES = Styles()

_XF_RE = re.compile(r"<xf\b([^<>]*)")
_NUMFMT_RE = re.compile(r"<numFmt\b([^<>]*)>")
_NUMFMT_ID_RE = re.compile(r"""\bnumFmtId=["'](\d+)["']""")
_FORMAT_CODE_RE = re.compile(r"""\bformatCode=(?:"([^"]*)"|'([^']*)')""")
#: Built-in formats: percentages, and the ones calamine takes as dates (14–22, 45–47).
BUILTIN_PERCENT = frozenset({9, 10})
BUILTIN_DATE = frozenset({*range(14, 23), 45, 46, 47})


def cell_styles(styles_xml: bytes) -> Styles:
    """The percent and date styles of a workbook, from ``xl/styles.xml``.

    A format is a percentage when its code holds "%" (or it is built-in 9 or 10); a date as
    :func:`is_date_format` says. A ``<numFmt>`` missing an attribute is passed over.

    Args:
        styles_xml: the styles part.

    Returns:
        The style indexes, as the ``s`` attribute of a cell gives them.
    """
    xml = styles_xml.decode("utf-8", "replace")
    custom = {}
    for m in _NUMFMT_RE.finditer(xml) if "<numFmt " in xml else ():
        num_id, code = _NUMFMT_ID_RE.search(m.group(1)), _FORMAT_CODE_RE.search(m.group(1))
        if num_id and code:
            text = code.group(1) if code.group(1) is not None else code.group(2)
            try:
                custom[int(num_id.group(1))] = unescape(text)
            except Unsupported:
                custom[int(num_id.group(1))] = text
    start = xml.find("<cellXfs")
    end = xml.find("</cellXfs>", start) if start >= 0 else -1
    percent, date = set(), set()
    for index, m in enumerate(_XF_RE.finditer(xml, start, end) if end >= 0 else ()):
        num_id = _NUMFMT_ID_RE.search(m.group(1))
        fmt = int(num_id.group(1)) if num_id else 0
        code = custom.get(fmt)
        if fmt in BUILTIN_PERCENT or (code is not None and "%" in code):
            percent.add(index)
        if is_date_format(code) if code is not None else fmt in BUILTIN_DATE:
            date.add(index)
    return Styles(frozenset(percent), frozenset(date))


def is_date_format(code: str) -> bool:
    """Whether python-calamine reads a number in this format as a date or time.

    Only the first section counts. Quoted text, escaped characters (after ``\\``, ``_`` or ``*``) and
    bracketed parts (colours, conditions, locales) are not date parts, except an elapsed-time
    bracket such as ``[h]`` or ``[mm]``; after an ``A`` (of AM/PM) a later ``P``, ``M`` or ``/``
    makes it a date.

    Args:
        code: a number format code.

    Returns:
        True for a date, time or duration format.
    """
    escaped = quoted = after_a = elapsed = False
    depth = 0
    prev = " "
    for ch in code:
        if escaped:
            escaped = False
        elif ch in "_\\*":  # the next character is padding, literal, or a fill
            escaped = True
        elif quoted:
            quoted = ch != '"'
        elif ch == '"':
            quoted = True
        elif ch == ";":
            return False
        elif ch == "[":
            depth += 1
        elif ch == "]":
            if depth == 1 and elapsed:
                return True
            depth = max(0, depth - 1)
        elif depth == 0 and not after_a and ch in "aA":
            after_a = True
        elif depth == 0 and after_a and ch in "pmPM/":
            return True
        elif depth == 0 and not after_a and ch in "dmhysDMHYS":
            return True
        elif not (elapsed and ch.lower() == prev.lower()):
            elapsed = prev == "[" and ch in "mhsMHS"
        prev = ch
    return False


# ----------------------------------------------------------------------------------------- sheet

@dataclass
class SheetValues:
    """What a sheet holds, as perfxl's :class:`~perfxl.sources.Grid` wants it.

    Attributes:
        rows: the values from A1 to the last cell holding one; "" for an empty cell.
        percent: (row, col) of cells with a percent style, 0-based.
        no_value: (row, col) → formula text of formula cells with no cached result.
        cells: ((row, col), value) of every cell placed in ``rows``, in row and column order, when
            the sheet lists its cells in that order, each once (as writers do); else None.
    """

    rows: list[list[object]] = field(default_factory=list)
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
_CELL_RE = re.compile(_CELL_START + r'(?:>(<)is><t>([^<]*)</t></is></c>|/>|><(v)>([^<]*)</v></c>|>(.*?)</c>)', re.S)
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


def column_index(letters: str | bytes) -> int:
    """A column's 0-based index from its letters: A → 0, Z → 25, AA → 26 (text or ASCII bytes)."""
    col = 0
    for ch in letters.encode("ascii") if isinstance(letters, str) else letters:
        col = col * 26 + ch - 64
    return col - 1


#: Cell reference → (row, col), 0-based, for the references seen so far (forms use a few hundred,
#: the same in every form); bounded, past that a reference is worked out each time.
_PLACES: dict[str, tuple[int, int]] = {}
_MAX_PLACES = 8192


def place(ref: str) -> tuple[int, int]:
    """A cell reference's (row, col), 0-based: A1 → (0, 0), AB7 → (6, 27)."""
    where = _PLACES.get(ref)
    if where is None:
        letters = ref.rstrip("0123456789")
        where = (int(ref[len(letters):]) - 1, column_index(letters))
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


def _content_value(kind: str, body: str, style: int, date_styles: frozenset[int], strings: list[str],
                   where: tuple[int, int], no_value: dict[tuple[int, int], str]) -> object:
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
        return runs_text(body[at + 4:body.rfind("</is>")])
    if raw is None:
        return None  # a formula never calculated, or no value: calamine has no cell
    return _typed_value(kind, raw, style, date_styles, strings)


def sheet_values(xml: bytes, strings: list[str], styles: Styles = NO_STYLES,
                 limits: tuple[int, int] = (1_048_576, 16_384)) -> SheetValues:
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
    declaration = _DECLARATION_RE.match(xml.removeprefix(b"\xef\xbb\xbf"))
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
            style = style_numbers.get(style_text)
            if style is None:
                style = style_numbers[style_text] = int(style_text)
            if style and style in percent_styles:
                percent.add(at)
        if inline_tag:  # <is><t>text</t></is>: the cell of nearly every inline string
            if kind != "inlineStr":
                raise Unsupported(f"sheet: inline text in a cell of type {kind!r}")
            value: object = (unescape(text) if escaped else text).strip(_XML_SPACE)
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
        rows = [[""] * width for _ in range(max(map(itemgetter(0), where)) + 1)]
        for (row, col), value in placed:
            rows[row][col] = value
        out.rows = rows
        if ordered:
            out.cells = placed
    return out


# -------------------------------------------------------------------------------------- workbook

class SheetEntry(NamedTuple):
    """A sheet as ``xl/workbook.xml`` lists it.

    Attributes:
        name: its name.
        part: its part in the zip (``xl/worksheets/sheet1.xml``).
        kind: the last word of its relationship type: ``worksheet``, ``chartsheet`` ...
        visible: False for a hidden or very hidden sheet.
    """

    name: str
    part: str
    kind: str
    visible: bool


_SHEET_TAG_RE = re.compile(r"<sheet\b([^<>]*)>")
#: name, sheetId, state, r:id: the order Excel, WPS, LibreOffice, openpyxl and XlsxWriter write.
_SHEET_USUAL_RE = re.compile(r'\s+name="([^"&]*)"\s+sheetId="[0-9]+"(?:\s+state="([a-zA-Z]*)")?\s+r:id="([^"&]*)"\s*/?$')
_REL_TAG_RE = re.compile(r"<Relationship\b([^<>]*)>")
#: Id, Type, Target in the orders the writers use (Excel, XlsxWriter, LibreOffice; openpyxl).
_REL_USUAL_RE = re.compile(r'\s+(?:Id="([^"]*)"\s+Type="([^"]*)"\s+Target="([^"]*)"'
                           r'|Type="([^"]*)"\s+Target="([^"]*)"\s+Id="([^"]*)")\s*/?$')
_ATTR_RES = {name: re.compile(r"(?:^|\s)" + re.escape(name) + r'="([^"]*)"')
             for name in ("Id", "Type", "Target", "name", "r:id", "state")}


def _attr(attrs: str, name: str) -> str | None:
    m = _ATTR_RES[name].search(attrs)
    return unescape(m.group(1)) if m else None


def relationships(rels_xml: bytes, base: str = "xl/") -> dict[str, tuple[str, str]]:
    """A relationships part: Id → (target part, last word of the type).

    Args:
        rels_xml: e.g. ``xl/_rels/workbook.xml.rels``.
        base: the folder relative targets start from.

    Raises:
        Unsupported: a relationship without Id, Type or Target, or XML :func:`decode` refuses.
    """
    out = {}
    for m in _REL_TAG_RE.finditer(decode(rels_xml, "rels", XML_MARKERS)):
        attrs = m.group(1)
        usual = _REL_USUAL_RE.match(attrs)
        if usual and "&" not in attrs:
            rid, kind, target = usual.group(1, 2, 3) if usual.group(1) is not None else usual.group(6, 4, 5)
        else:
            rid, kind, target = _attr(attrs, "Id"), _attr(attrs, "Type"), _attr(attrs, "Target")
        if rid is None or kind is None or target is None:
            raise Unsupported("rels: incomplete relationship")
        part = target.lstrip("/") if target.startswith("/") else base + target
        out[rid] = (part, kind.rsplit("/", 1)[-1])
    return out


def sheet_list(workbook_xml: bytes, rels: dict[str, tuple[str, str]]) -> list[SheetEntry]:
    """The sheets of a workbook, in order.

    Raises:
        Unsupported: a sheet without a name or relationship, an unknown visibility, or XML
            :func:`decode` refuses.
    """
    xml = decode(workbook_xml, "workbook", XML_MARKERS)
    out = []
    for m in _SHEET_TAG_RE.finditer(xml):
        attrs = m.group(1)
        usual = _SHEET_USUAL_RE.match(attrs)
        if usual:
            name, state, rid = usual.groups()
            state = state or "visible"
        else:
            name, rid, state = _attr(attrs, "name"), _attr(attrs, "r:id"), _attr(attrs, "state") or "visible"
        if name is None or rid not in rels or state not in ("visible", "hidden", "veryHidden"):
            raise Unsupported("workbook: sheet")
        part, kind = rels[rid]
        out.append(SheetEntry(name=name, part=part, kind=kind, visible=state == "visible"))
    if len(out) != xml.count("<sheet ") + xml.count("<sheet/"):
        raise Unsupported("workbook: sheet tags")
    return out
