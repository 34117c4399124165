"""The one OOXML layer: an .xlsx's package parts (relationships, sheet list, defined names, styles,
shared strings) parsed once, for perfxl's own cell reader and for the python-calamine path alike.

Two strictnesses, one parser. Read *strictly* (:meth:`Package.book` with ``plain`` true), a part is
plain SpreadsheetML, read exactly as python-calamine reads it, and the fast path
(:mod:`perfxl.load.fast`) may trust it; anything outside that subset (a comment, CDATA, a
relationship without a target, an unknown entity, a text encoding other than UTF-8) raises
:class:`Unsupported` there. Read *leniently*, the same patterns give what they can (the calamine
path needs the sheet parts and defined names of any workbook calamine opens). The XML text
helpers (entities, Excel's ``_xHHHH_`` escapes, runs of rich text) serve the cell reader too.

Everything here works on bytes already read; :class:`Package` is handed a function that reads a
part (bounded, :func:`perfxl.load.zipsafe.read_part`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import AnyStr, NamedTuple

from .grid import capped, column_index


class Unsupported(Exception):
    """Something the fast path does not read the way python-calamine does: read with calamine."""


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
    if not (
        code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF
    ):
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


def _entity_or_as_written(m: re.Match) -> str:
    try:
        return _entity(m)
    except Unsupported:
        return m.group(0)


def unescape_lenient(text: str) -> str:
    """As :func:`unescape`, but what it refuses is left as written (for the calamine path's scans,
    which must not fail where calamine reads on)."""
    return _ENTITY_RE.sub(_entity_or_as_written, text) if "&" in text else text


def xml_text(raw: bytes) -> str:
    """Raw bytes of an attribute or of character data as text: UTF-8 (a bad byte replaced) and
    :func:`unescape_lenient`."""
    return unescape_lenient(raw.decode("utf-8", "replace"))


DECLARATION_RE = re.compile(rb"<\?xml[^>]*\?>")
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
    declaration = DECLARATION_RE.match(xml)
    if declaration:
        if b"encoding=" in declaration.group(0) and not _UTF8_RE.search(declaration.group(0)):
            raise Unsupported(f"{what}: not UTF-8")
        xml = xml[declaration.end() :]
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
XML_SPACE = " \t\n\r"
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
        out.append(text if _PRESERVE in attrs else text.strip(XML_SPACE))
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
        format_code = custom.get(fmt)
        if fmt in BUILTIN_PERCENT or (format_code is not None and "%" in format_code):
            percent.add(index)
        if is_date_format(format_code) if format_code is not None else fmt in BUILTIN_DATE:
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


# -------------------------------------------------------------------------------------- workbook


class SheetEntry(NamedTuple):
    """A sheet as ``xl/workbook.xml`` lists it.

    Attributes:
        name: its name.
        part: its part in the zip (``xl/worksheets/sheet1.xml``); "" when its relationship is
            missing (read leniently only).
        kind: the last word of its relationship type: ``worksheet``, ``chartsheet`` ...
        visible: False for a hidden or very hidden sheet.
    """

    name: str
    part: str
    kind: str
    visible: bool


#: Tags are matched up to the next "<" or ">" (``[^<>]``): a tag that never closes is given up
#: there, not searched to the end of the part, once for each of thousands of such tags.
_SHEET_TAG_RE = re.compile(r"<sheet\b([^<>]*)")
#: name, sheetId, state, r:id: the order Excel, WPS, LibreOffice, openpyxl and XlsxWriter write.
_SHEET_USUAL_RE = re.compile(
    r'\s+name="([^"&]*)"\s+sheetId="[0-9]+"(?:\s+state="([a-zA-Z]*)")?\s+r:id="([^"&]*)"\s*/?$'
)
_REL_TAG_RE = re.compile(r"<Relationship\b([^<>]*)")
#: Id, Type, Target in the orders the writers use (Excel, XlsxWriter, LibreOffice; openpyxl).
_REL_USUAL_RE = re.compile(
    r'\s+(?:Id="([^"]*)"\s+Type="([^"]*)"\s+Target="([^"]*)"'
    r'|Type="([^"]*)"\s+Target="([^"]*)"\s+Id="([^"]*)")\s*/?$'
)
#: An attribute of a tag, in any order, quoted either way (as calamine reads them).
_ATTR_RES = {
    name: re.compile(r"(?:^|\s)" + re.escape(name) + r"""\s*=\s*(?:"([^"]*)"|'([^']*)')""")
    for name in ("Id", "Type", "Target", "name", "r:id", "state")
}
_DEFNAME_RE = re.compile(r"<definedName\b([^<>]*)>([^<]*)</definedName>")
#: A defined name's reference: one cell or one rectangle of one sheet ('Sheet 1'!$A$1:$B$9).
_NAME_REF_RE = re.compile(r"'?(.+?)'?!\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?")


def _attr(attrs: str, name: str, strict: bool) -> str | None:
    m = _ATTR_RES[name].search(attrs)
    if m is None:
        return None
    raw = m.group(1) if m.group(1) is not None else m.group(2)
    return unescape(raw) if strict else unescape_lenient(raw)


def _part_text(xml: bytes, what: str, strict: bool) -> str:
    """A small part as text: :func:`decode` when strict, else whatever UTF-8 it holds."""
    if strict:
        return decode(xml, what, XML_MARKERS)
    return xml.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")


def relationships(rels_xml: bytes, base: str = "xl/", strict: bool = True) -> dict[str, tuple[str, str]]:
    """A relationships part: Id → (target part, last word of the type).

    Args:
        rels_xml: e.g. ``xl/_rels/workbook.xml.rels``.
        base: the folder relative targets start from.
        strict: refuse what the fast path cannot trust; else pass it over.

    Raises:
        Unsupported: (strict) a relationship without Id, Type or Target, or XML :func:`decode` refuses.
    """
    out = {}
    for m in _REL_TAG_RE.finditer(_part_text(rels_xml, "rels", strict)):
        attrs = m.group(1)
        usual = _REL_USUAL_RE.match(attrs)
        if usual and "&" not in attrs:
            rid, kind, target = usual.group(1, 2, 3) if usual.group(1) is not None else usual.group(6, 4, 5)
        else:
            rid, kind, target = (
                _attr(attrs, "Id", strict),
                _attr(attrs, "Type", strict),
                _attr(attrs, "Target", strict),
            )
        if rid is None or target is None or (kind is None and strict):
            if strict:
                raise Unsupported("rels: incomplete relationship")
            continue
        part = target.lstrip("/") if target.startswith("/") else base + target
        out[rid] = (part, (kind or "").rsplit("/", 1)[-1])
    return out


def sheet_list(workbook_xml: bytes, rels: dict[str, tuple[str, str]], strict: bool = True) -> list[SheetEntry]:
    """The sheets of a workbook, in order.

    Args:
        workbook_xml: ``xl/workbook.xml``.
        rels: its relationships (:func:`relationships`).
        strict: refuse what the fast path cannot trust; else give every sheet with a name and a
            relationship Id (its part "" when that relationship is missing).

    Raises:
        Unsupported: (strict) a sheet without a name or relationship, an unknown visibility, or
            XML :func:`decode` refuses.
    """
    xml = _part_text(workbook_xml, "workbook", strict)
    out = []
    for m in _SHEET_TAG_RE.finditer(xml):
        attrs = m.group(1)
        usual = _SHEET_USUAL_RE.match(attrs)
        if usual:
            name, state, rid = usual.groups()
            state = state or "visible"
        else:
            name, rid = _attr(attrs, "name", strict), _attr(attrs, "r:id", strict)
            state = _attr(attrs, "state", strict) or "visible"
        if strict and (name is None or rid not in rels or state not in ("visible", "hidden", "veryHidden")):
            raise Unsupported("workbook: sheet")
        if name is None or rid is None:
            continue
        part, kind = rels.get(rid, ("", ""))
        out.append(SheetEntry(name=name, part=part, kind=kind, visible=state == "visible"))
    if strict and len(out) != xml.count("<sheet ") + xml.count("<sheet/"):
        raise Unsupported("workbook: sheet tags")
    return out


def defined_names(workbook_xml: bytes) -> dict[str, dict[str, tuple[int, int, int, int]]]:
    """The workbook's defined names that point at one cell or one rectangle, per sheet (any other
    name is passed over: perfxl looks only for its own).

    Args:
        workbook_xml: ``xl/workbook.xml``.

    Returns:
        sheet name → {name → (first row, first col, last row, last col)}, 0-based.
    """
    defined: dict[str, dict[str, tuple[int, int, int, int]]] = {}
    text = _part_text(workbook_xml, "workbook", strict=False)
    for m in _DEFNAME_RE.finditer(text) if "<definedName" in text else ():
        name, ref = _attr(m.group(1), "name", strict=False), unescape_lenient(m.group(2))
        cell_m = _NAME_REF_RE.fullmatch(ref.strip())
        if name is None or not cell_m:
            continue
        sheet = cell_m.group(1).replace("''", "'")
        r1, c1 = int(cell_m.group(3)) - 1, column_index(cell_m.group(2))
        r2 = int(cell_m.group(5)) - 1 if cell_m.group(5) else r1
        c2 = column_index(cell_m.group(4)) if cell_m.group(4) else c1
        defined.setdefault(sheet, {})[name] = (r1, c1, r2, c2)
    return defined


@dataclass(frozen=True)
class Book:
    """What ``xl/workbook.xml`` and its relationships say.

    Attributes:
        sheets: the sheets, in order.
        rels: the workbook's relationships (:func:`relationships`).
        names: the defined names per sheet (:func:`defined_names`).
        plain: both parts read strictly: the fast path may trust ``sheets`` and ``rels``.
    """

    sheets: list[SheetEntry]
    rels: dict[str, tuple[str, str]]
    names: dict[str, dict[str, tuple[int, int, int, int]]]
    plain: bool

    @functools.cached_property
    def repeated(self) -> frozenset[str]:
        """The sheets whose part an earlier sheet names too: a part is one sheet, read once (50
        sheets naming one part made a 258 KB file cost 26 s and 1 GB)."""
        seen: set[str] = set()
        repeated = set()
        for sheet in self.sheets:
            if sheet.part and sheet.part in seen:
                repeated.add(sheet.name)
            seen.add(sheet.part)
        return frozenset(repeated)


def read_book(workbook_xml: bytes, rels_xml: bytes | None) -> Book:
    """The workbook's sheets, relationships and defined names: strictly when it can, else leniently.

    Args:
        workbook_xml: ``xl/workbook.xml``.
        rels_xml: ``xl/_rels/workbook.xml.rels``, or None when the zip has none.
    """
    names = defined_names(workbook_xml)
    if rels_xml is not None:
        try:
            rels = relationships(rels_xml)
            return Book(sheet_list(workbook_xml, rels), rels, names, plain=True)
        except Unsupported:
            pass
    rels = relationships(rels_xml, strict=False) if rels_xml is not None else {}
    return Book(sheet_list(workbook_xml, rels, strict=False), rels, names, plain=False)


#: The parts of an .xlsx package that perfxl reads besides the sheets.
WORKBOOK, WORKBOOK_RELS, PACKAGE_RELS = "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "_rels/.rels"
STYLES, SHARED_STRINGS = "xl/styles.xml", "xl/sharedStrings.xml"


class Package:
    """An .xlsx's parts as both paths need them, each read and parsed at most once.

    Attributes:
        names: the zip's part names.
        read: reads one part (bounded); the calamine path may swap in its own zip's reader.
    """

    def __init__(self, names: set[str], read: Callable[[str], bytes]):
        self.names = names
        self.read = read

    @functools.cached_property
    def book(self) -> Book:
        """``xl/workbook.xml`` and its relationships (see :func:`read_book`)."""
        rels = self.read(WORKBOOK_RELS) if WORKBOOK_RELS in self.names else None
        return read_book(self.read(WORKBOOK), rels)

    @functools.cached_property
    def styles(self) -> Styles:
        """The percent and date styles (none without ``xl/styles.xml``)."""
        return cell_styles(self.read(STYLES)) if STYLES in self.names else NO_STYLES

    @functools.cached_property
    def strings(self) -> list[str]:
        """The shared string table (empty without ``xl/sharedStrings.xml``).

        Raises:
            Unsupported: the table is not plain SpreadsheetML.
        """
        return shared_strings(self.read(SHARED_STRINGS)) if SHARED_STRINGS in self.names else []
