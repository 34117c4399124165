"""Turning files into grids of cells: workbooks through python-calamine, text dumps line by line.

A :class:`Grid` is what the reader works on: rows of cell values (text, numbers, dates, or "" for
an empty cell) and a way to name a cell's location. Everything here bounds what it reads, so that a
hostile file costs bounded time and memory:

- files larger than :data:`MAX_FILE_BYTES` are not read;
- a workbook whose parts would inflate to more than :data:`MAX_UNZIPPED_BYTES` (a zip bomb) is not
  opened, and no part is inflated past the size its zip header states (a bomb that hides its size);
- at most :data:`MAX_ROWS` rows and :data:`MAX_COLS` columns of a sheet are scanned: a sheet that
  goes further is clipped in its XML before python-calamine sees it (calamine allocates the whole
  used range, and one cell at XFD1048576 would make it abort the process), and its grid is marked
  ``clipped``.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import NamedTuple

from . import ooxml, xls, xmlcheck
from .documents import DOCUMENT_SUFFIXES

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
#: One XML part, inflated: reading one costs three to five times its size (its bytes, its text,
#: what is matched in it), and a form's parts are a few KB.
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLS = 64
MAX_SHEETS = 50
MAX_CELL_CHARS = ooxml.MAX_CELL_CHARS
#: perfxl's own JSON: about 6 KB and 25 objects and arrays a form.
MAX_JSON_BYTES = 10 * 1024 * 1024
MAX_JSON_CONTAINERS = 100_000
MAX_JSON_FORMS = 1_000

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
TEXT_SUFFIXES = {".txt", ".tsv", ".text"}
JSON_SUFFIXES = {".json"}
READABLE_SUFFIXES = WORKBOOK_SUFFIXES | TEXT_SUFFIXES | JSON_SUFFIXES | DOCUMENT_SUFFIXES

_EXCEL_ERRORS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA", "#SPILL!", "#CALC!"}


class ReadError(Exception):
    """A file perfxl cannot read as a form, with the reason in one Chinese line.

    Attributes:
        path: the file.
        reason: why, for a person (e.g. "文件已加密（有密码保护）").
    """

    def __init__(self, path: str | Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class _BrokenPart(ValueError):
    """A part that is not read (too large, or one python-calamine must not be given), with the
    reason in one Chinese line."""


@dataclass
class Grid:
    """A rectangle of cells from one sheet or one text dump.

    Attributes:
        rows: cell values row by row; "" is an empty cell.
        file: the file it came from.
        sheet: the sheet name, or None for text.
        first_line: for text, the file line number of ``rows[0]`` (1-based).
        percent: (row, col) of cells formatted as a percentage (their number is a fraction).
        names: defined names of the workbook that point into this sheet: name → (first row, first
            col, last row, last col), 0-based; a single cell has first == last.
        no_value: (row, col) → formula text of formula cells with no cached result (a file written
            by a library and never calculated in Excel: the cell reads as empty).
        clipped: the sheet went past :data:`MAX_ROWS` rows or :data:`MAX_COLS` columns and was cut.
        cells: ((row, col), value) of the cells of ``rows`` that are not "", row by row and each
            row's in column order, when the source listed them so (perfxl's own .xlsx reader
            does); None otherwise. The reader then visits only these, not every empty cell of the
            rectangle. Must agree with ``rows`` (a cell here may still hold "", which is empty).
    """

    rows: list[list[object]]
    file: str
    sheet: str | None = None
    first_line: int = 1
    percent: set[tuple[int, int]] = field(default_factory=set)
    names: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    no_value: dict[tuple[int, int], str] = field(default_factory=dict)
    clipped: bool = False
    cells: list[tuple[tuple[int, int], object]] | None = None

    def ref(self, row: int, col: int) -> str:
        """The location of a cell: ``Sheet!C7`` for a sheet, ``line 12`` for text."""
        # called for every field found: column_letter's table lookup done here, without its call
        if self.sheet is None:
            return f"line {self.first_line + row}"
        if 0 <= col < MAX_COLS:
            return f"{self.sheet}!{_LETTERS[col]}{row + 1}"
        return f"{self.sheet}!{_column_letter(col)}{row + 1}"


def column_letter(col: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    if 0 <= col < MAX_COLS:  # _LETTERS holds MAX_COLS letters
        return _LETTERS[col]
    return _column_letter(col)


def _column_letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


#: Column letters of every column a grid may have (Grid.ref is called for every field found).
_LETTERS = [_column_letter(c) for c in range(MAX_COLS)]


def cut_long_strings(data: object) -> object:
    """Parsed JSON with every string (and key) cut to MAX_CELL_CHARS, as a cell's text is cut; walked
    with a stack of its own (a deep nesting must not meet Python's recursion limit)."""
    if isinstance(data, str):
        return ooxml.capped(data)
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, str):
                    node[i] = ooxml.capped(value)
                elif isinstance(value, (list, dict)):
                    stack.append(value)
        elif isinstance(node, dict):
            for key in [k for k in node if len(k) > MAX_CELL_CHARS]:
                node[ooxml.capped(key)] = node.pop(key)
            for key, value in node.items():
                if isinstance(value, str):
                    node[key] = ooxml.capped(value)
                elif isinstance(value, (list, dict)):
                    stack.append(value)
    return data


def is_excel_error(value: object) -> bool:
    """True for a cached error value such as #DIV/0! or #NAME?."""
    return isinstance(value, str) and value.strip().upper() in _EXCEL_ERRORS


def render(value: object, percent: bool = False) -> str:
    """A cell value as the person who typed it sees it: 0.985 in a percent cell is "98.5%".

    Args:
        value: the cell value.
        percent: whether the cell is formatted as a percentage.

    Returns:
        The text ("" for empty).
    """
    if type(value) is not float:  # most cells that are not text are floats: they skip these tests
        if value is None or value == "":
            return ""
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
            return value.isoformat()
        if not isinstance(value, (int, float)):
            return str(value).strip()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if percent:
        return _number_text(value * 100) + "%"
    return _number_text(value)


def _number_text(value: float) -> str:
    # 12 significant digits hide float noise (0.1 + 0.2) but keep every digit a person types.
    # a float is tested as it is (most values are); an int (or a bool, a numpy number) as a float
    if (value if type(value) is float else float(value)).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.12g}"
    if "e" in text:
        text = f"{value:.12f}".rstrip("0").rstrip(".")
    return text


# ---------------------------------------------------------------------------------------------
# Text dumps


def text_grids(path: Path, text: str) -> list[Grid]:
    """One grid holding every line of a tab-separated text dump (forms are split by the reader)."""
    # Only the first MAX_ROWS lines are split (50 MB of empty lines would be 50 million strings),
    # and a line only into MAX_COLS cells (a line of a million tabs is not a million cells).
    end = None
    for n, m in enumerate(_LINE_BREAK_RE.finditer(text)):
        if n == MAX_ROWS:
            end = m.start()
            break
    lines = text[:end].splitlines()[:MAX_ROWS]
    rows: list[list[object]] = [line.split("\t", MAX_COLS)[:MAX_COLS] if len(line) <= MAX_CELL_CHARS
                                else [ooxml.capped(cell) for cell in line.split("\t", MAX_COLS)[:MAX_COLS]]
                                for line in lines]
    clipped = end is not None or any(line.count("\t") >= MAX_COLS for line in lines)
    return [Grid(rows=rows, file=str(path), sheet=None, first_line=1, clipped=clipped)]


#: What str.splitlines splits on.
_LINE_BREAK_RE = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """A text file's content, as UTF-8 (with or without BOM), else GB18030 (common on Chinese Windows).

    Raises:
        ReadError: not a regular file, larger than ``limit`` bytes, or in neither encoding.
    """
    data = read_regular(path, limit)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReadError(path, "文本文件编码无法识别（应为 UTF-8 或 GBK）")


# ---------------------------------------------------------------------------------------------
# Workbooks


class _WorkbookZip(zipfile.ZipFile):
    """A workbook's zip read from its bytes in memory, each part inflated at most once.

    Several scans read the same parts (workbook.xml, its relations, each sheet): the file is read
    from disk once and every part is inflated once (see :func:`_read_part`).

    Attributes:
        parts: part name → its content, for the parts read so far.
    """

    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data))
        self.data = data
        self.parts: dict[str, bytes] = {}
        #: (the workbook.xml content, its sheet name → part map), once worked out.
        self.sheet_parts: tuple[bytes, dict[str, str | None]] | None = None

    def inflate(self, info: zipfile.ZipInfo) -> bytes | None:
        """See :func:`_inflate`."""
        return _inflate(self.data, info)


def _inflate(data: bytes, info) -> bytes | None:
    """A stored or deflated part straight from the bytes, bounded by its declared size, or None
    when that cannot be vouched for (then ``ZipFile.open`` reads it, and raises its own errors).

    ``ZipFile.open`` costs tens of µs a part in Python; this is one zlib call and a CRC check,
    and returns exactly what ``ZipFile.open(info).read(info.file_size)`` returns when that
    succeeds: the first ``file_size`` bytes, which must have the declared CRC.
    """
    at = info.header_offset
    head = data[at:at + 30]
    if len(head) < 30 or head[:4] != b"PK\x03\x04" or info.flag_bits & 0x1:  # encrypted
        return None
    name_end = at + 30 + int.from_bytes(head[26:28], "little")
    try:  # ZipFile.open refuses a local header naming another file: leave that case to it
        name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
    except UnicodeEncodeError:
        return None
    if data[at + 30:name_end] != name:
        return None
    start = name_end + int.from_bytes(head[28:30], "little")
    raw = data[start:start + info.compress_size]
    if len(raw) != info.compress_size:
        return None
    if info.compress_type == zipfile.ZIP_STORED:
        out = raw[:info.file_size]
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        try:
            out = zlib.decompressobj(-15).decompress(raw, info.file_size)
        except zlib.error:
            return None
    else:
        return None
    if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
        return None
    return out


class _Member(NamedTuple):
    """What :func:`_inflate` needs of a zip member (the names are ``zipfile.ZipInfo``'s)."""

    orig_filename: str
    header_offset: int
    flag_bits: int
    compress_type: int
    compress_size: int
    file_size: int
    CRC: int


_CENTRAL = struct.Struct("<4s6H3L5H2L")  # a central directory header, 46 bytes
_END = struct.Struct("<4s4H2LH")  # the end of central directory record, 22 bytes


class _QuickZip:
    """The members of a plain zip read from its central directory in the bytes in hand.

    ``zipfile.ZipFile`` spends tens of µs making a ``ZipInfo`` per member in Python; a workbook
    that perfxl reads itself (:func:`_fast_grids`) needs only where each member lies. Anything but
    the plain layout every spreadsheet writer produces (an archive comment, zip64, a member needing
    a newer zip version, data before the zip) makes :meth:`parse` return None, and ``ZipFile``
    reads it.

    Attributes:
        data: the file's bytes.
        members: member name → where it lies (the last of two with one name, as ``ZipFile`` keeps).
        parts: part name → its content, for the parts read so far.
    """

    def __init__(self, data: bytes, members: dict[str, _Member]):
        self.data = data
        self.members = members
        self.parts: dict[str, bytes] = {}

    @classmethod
    def parse(cls, data: bytes) -> "_QuickZip | None":
        """The zip's members, or None when its layout is not the plain one."""
        if len(data) < _END.size:
            return None
        sig, disk, cd_disk, on_disk, total, cd_size, cd_offset, comment = _END.unpack_from(data, len(data) - _END.size)
        if (sig != b"PK\x05\x06" or disk or cd_disk or on_disk != total or comment
                or cd_offset + cd_size != len(data) - _END.size):
            return None
        members: dict[str, _Member] = {}
        at = cd_offset
        for _ in range(total):
            if at + _CENTRAL.size > len(data):
                return None
            (sig, _made_by, needed, flags, method, _time, _date, crc, packed, size,
             name_len, extra_len, comment_len, _disk, _internal, _external, offset) = _CENTRAL.unpack_from(data, at)
            if sig != b"PK\x01\x02" or needed > zipfile.MAX_EXTRACT_VERSION or 0xFFFFFFFF in (packed, size, offset):
                return None
            raw_name = data[at + _CENTRAL.size:at + _CENTRAL.size + name_len]
            try:
                name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
            except UnicodeDecodeError:
                return None
            if "\0" in name:  # ZipFile cuts such a name: leave it to ZipFile
                return None
            members[name] = _Member(name, offset, flags, method, packed, size, crc)
            at += _CENTRAL.size + name_len + extra_len + comment_len
        if at != cd_offset + cd_size:
            return None
        return cls(data, members)

    def namelist(self) -> list[str]:
        return list(self.members)

    def getinfo(self, name: str) -> _Member:
        return self.members[name]

    def inflate(self, info: _Member) -> bytes | None:
        """See :func:`_inflate`."""
        return _inflate(self.data, info)

    def unzipped_size(self) -> int:
        return sum(member.file_size for member in self.members.values())


def not_regular(mode: int) -> str:
    """Why a file that is not a regular file is not read, in Chinese (``mode``: its ``st_mode``)."""
    if stat.S_ISDIR(mode):
        return "是文件夹，不是文件"
    if stat.S_ISFIFO(mode):
        return "是命名管道（FIFO），不是普通文件，未读取"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "是设备文件，不是普通文件，未读取"
    return "不是普通文件，未读取"


def _read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, at most ``limit`` + 1 of them.

    Opened without waiting (a FIFO would wait for a writer forever) and refused unless it is a
    regular file once open (/dev/zero never ends; the name may have been swapped since a stat).

    Raises:
        ReadError: not a regular file.
        OSError: it cannot be opened or read.
    """
    # os.read, not open(): a buffered file object costs more to make than reading a form does
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ReadError(path, not_regular(st.st_mode))
        # read(n) allocates n bytes first: ask for the file's size, not the 50 MB limit
        want = min(st.st_size, limit) + 1
        chunks = []
        while want > 0:  # as a file object's read(n): until n bytes or the end of the file
            chunk = os.read(fd, want)
            if not chunk:
                break
            chunks.append(chunk)
            want -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_regular(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes (see :func:`_read_bytes`), refused past ``limit`` bytes.

    Raises:
        ReadError: not a regular file, larger than ``limit``, or it cannot be read.
    """
    try:
        data = _read_bytes(path, limit)
    except OSError as exc:
        raise ReadError(path, f"无法读取文件（{exc.strerror or exc}）") from exc
    if len(data) > limit:
        raise ReadError(path, f"文件超过 {limit / (1024 * 1024):g} MB，未读取")
    return data


def _check_zip(path: Path, data: bytes | None = None) -> zipfile.ZipFile | None:
    """Open an OOXML/ODS zip and refuse zip bombs; None when the file is not a zip at all.

    Args:
        path: the file.
        data: its bytes, when read already.
    """
    if data is None:
        data = _read_bytes(path)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return None
    try:
        zf = _WorkbookZip(data)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        # NotImplementedError: zipfile's word for a header it cannot read ("zip file version 6.4")
        raise ReadError(path, f"文件已损坏，无法解压（{exc}）") from exc
    if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        zf.close()
        raise ReadError(path, f"文件解压后超过 {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB，疑似压缩炸弹，未读取")
    return zf


#: Tags are matched up to the next "<" or ">" (``[^<>]``): a tag that never closes is given up
#: there, not searched to the end of the part, once for each of thousands of such tags.
_SHEET_TAG_RE = re.compile(rb"<sheet\b([^<>]*)")
_REL_TAG_RE = re.compile(rb"<Relationship\b([^<>]*)")
_DEFNAME_RE = re.compile(rb'<definedName\b([^<>]*)>([^<]*)</definedName>')
#: An attribute of a tag, in any order, quoted either way (as calamine reads them).
_ATTR_RES = {name: re.compile(rb"(?:^|\s)" + re.escape(name) + rb"""\s*=\s*(?:"([^"]*)"|'([^']*)')""")
             for name in (b"name", b"r:id", b"Id", b"Target")}
#: A defined name's reference: one cell or one rectangle of one sheet ('Sheet 1'!$A$1:$B$9).
_NAME_REF_RE = re.compile(r"'?(.+?)'?!\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?")


def _attribute(attrs: bytes, name: bytes) -> bytes | None:
    """The raw value of attribute ``name`` (b"r:id") in a tag's attributes, or None."""
    m = _ATTR_RES[name].search(attrs)
    return None if m is None else m.group(1) if m.group(1) is not None else m.group(2)


def _xml_unescape(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def _read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    """A part of a zip, never inflated past the size its header declares.

    ``ZipFile.read`` inflates a member whole before it checks the CRC, so a zip bomb whose headers
    understate its size (which :func:`_check_zip` trusts) would inflate to gigabytes; read this way
    it stops at the declared size and fails the CRC check (``BadZipFile``).
    """
    parts = getattr(zf, "parts", None)
    if parts is not None and name in parts:
        return parts[name]
    info = zf.getinfo(name)
    if info.file_size > MAX_PART_BYTES and name.endswith((".xml", ".rels")):
        raise _BrokenPart(f"{name} 解压后超过 {MAX_PART_BYTES // (1024 * 1024)} MB，未读取")
    data = zf.inflate(info) if isinstance(zf, (_WorkbookZip, _QuickZip)) else None
    if data is None and isinstance(zf, _QuickZip):
        raise zipfile.BadZipFile(f"{name}: cannot be inflated as its header says")  # ZipFile will say why
    if data is None:
        try:
            with zf.open(info) as fh:
                data = fh.read(info.file_size)
        except (NotImplementedError, RuntimeError, EOFError) as exc:
            # zipfile's words for a damaged header: "zip file version 6.4", "strong encryption",
            # "password required"; EOFError for deflated data cut short. To a caller that is a
            # broken file like any other.
            raise zipfile.BadZipFile(str(exc)) from exc
    if parts is not None:
        parts[name] = data
    return data


def _sheet_parts(zf: zipfile.ZipFile, workbook: bytes) -> dict[str, str | None]:
    """Sheet name → its part in the zip (``xl/worksheets/sheet1.xml``), from the workbook's relations.

    Args:
        zf: the open .xlsx/.xlsm.
        workbook: the content of ``xl/workbook.xml``.

    Returns:
        The parts by sheet name; None for a sheet whose relation is missing.
    """
    known = getattr(zf, "sheet_parts", None)
    if known is not None and known[0] is workbook:  # worked out already for this workbook.xml
        return dict(known[1])
    rels_name = "xl/_rels/workbook.xml.rels"
    rels = _read_part(zf, rels_name) if rels_name in zf.namelist() else b""
    targets = {}
    for m in _REL_TAG_RE.finditer(rels):
        rid, target = _attribute(m.group(1), b"Id"), _attribute(m.group(1), b"Target")
        if rid is not None and target is not None:
            target = _xml_unescape(target)
            targets[rid] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    parts = {}
    for m in _SHEET_TAG_RE.finditer(workbook):
        name, rid = _attribute(m.group(1), b"name"), _attribute(m.group(1), b"r:id")
        if name is not None and rid is not None:
            parts[_xml_unescape(name)] = targets.get(rid)
    if isinstance(zf, _WorkbookZip):
        zf.sheet_parts = (workbook, dict(parts))
    return parts


def _repeated_sheets(parts: dict[str, str | None]) -> set[str]:
    """The sheets whose part an earlier sheet names too: a part is one sheet, read once (50 sheets
    naming one part made a 258 KB file cost 26 s and 1 GB)."""
    seen: set[str] = set()
    repeated = set()
    for sheet, part in parts.items():
        if part is not None and part in seen:
            repeated.add(sheet)
        seen.add(part)
    return repeated


def _defined_names(workbook: bytes) -> dict[str, dict[str, tuple[int, int, int, int]]]:
    """The workbook's defined names that point at one cell or one rectangle, per sheet.

    Args:
        workbook: the content of ``xl/workbook.xml``.

    Returns:
        sheet name → {name → (first row, first col, last row, last col)}, 0-based.
    """
    defined: dict[str, dict[str, tuple[int, int, int, int]]] = {}
    for m in _DEFNAME_RE.finditer(workbook):
        attrs, ref = m.group(1), _xml_unescape(m.group(2))
        name = _attribute(attrs, b"name")
        cell_m = _NAME_REF_RE.fullmatch(ref.strip())
        if name is None or not cell_m:
            continue
        sheet = cell_m.group(1).replace("''", "'")
        r1, c1 = int(cell_m.group(3)) - 1, ooxml.column_index(cell_m.group(2))
        r2 = int(cell_m.group(5)) - 1 if cell_m.group(5) else r1
        c2 = ooxml.column_index(cell_m.group(4)) if cell_m.group(4) else c1
        defined.setdefault(sheet, {})[_xml_unescape(name)] = (r1, c1, r2, c2)
    return defined


def _ooxml_extras(
    zf: zipfile.ZipFile, clipped: dict[str, bytes] | None = None,
) -> tuple[dict[str, set[tuple[int, int]]], dict[str, dict[str, tuple[int, int, int, int]]]]:
    """Percent-formatted cells and defined names per sheet of an .xlsx/.xlsm, read from its XML.

    python-calamine gives a cell's number but not its format; a person who types 98.5% gets 0.985
    stored with a percent format, and perfxl must read it as 98.5 %. ``clipped``: part name → the
    clipped XML of a sheet past the limits (see :func:`_scan_sheets`), scanned instead of the part.
    """
    names = set(zf.namelist())
    percent: dict[str, set[tuple[int, int]]] = {}
    if "xl/workbook.xml" not in names:
        return percent, {}
    workbook = _read_part(zf, "xl/workbook.xml")
    sheet_parts = _sheet_parts(zf, workbook)
    defined = _defined_names(workbook)
    if "xl/styles.xml" not in names:
        return percent, defined
    try:
        percent_xf = ooxml.cell_styles(_read_part(zf, "xl/styles.xml")).percent
    except ooxml.Unsupported:  # a <numFmt> missing an attribute: no percent style is known
        percent_xf = frozenset()
    if not percent_xf:
        return percent, defined
    # Only the percent styles' attributes are searched for (a literal the regex engine skips to):
    # the many other cells cost nothing.
    style_re = re.compile(rb's="(?:' + b"|".join(str(i).encode() for i in sorted(percent_xf)) + rb')"')
    repeated = _repeated_sheets(sheet_parts)
    for sheet, part in sheet_parts.items():
        if not part or part not in names or sheet in repeated:
            continue
        percent[sheet] = _styled_cells((clipped or {}).get(part) or _read_part(zf, part), style_re)
    return percent, defined


_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_CELL_REF_ATTR_RE = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')


def _styled_cells(sheet_xml: bytes, style_re: re.Pattern) -> set[tuple[int, int]]:
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
            cells.add((int(ref.group(2)) - 1, ooxml.column_index(ref.group(1))))
    return cells


# Cells python-calamine reads as empty, and sheets past the limits. calamine gives "" both for a
# formula never calculated and for a cached error value (#DIV/0!), and it allocates a dense range
# from the first to the last cell: one cell at XFD1048576 costs it hundreds of GB and aborts the
# process. So the sheet XML is scanned first.

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
    def named(cls, name: bytes, after: bytes = rb"\b") -> "_Element":
        """The element ``name``; ``after`` is what must follow the name in its tag."""
        head = b"<" + name + after + rb"([^<>]*?)(?:/>|(?<!/)>("
        tail = b")</" + name + b">)"
        return cls(re.compile(head + rb".*?" + tail, re.S), re.compile(head + rb"(?!)" + tail), b"</" + name + b">")

    def finditer(self, xml: bytes, pos: int = 0, endpos: int | None = None):
        """The elements in ``xml[pos:endpos]``, as ``full.finditer`` finds them: with contents up
        to the last closing tag (see :func:`ooxml.closed_end`), self-closing ones after it."""
        endpos = len(xml) if endpos is None else endpos
        end = ooxml.closed_end(xml, self.close, pos, endpos)
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
            yield int(ref.group(2)) - 1, ooxml.column_index(ref.group(1)), m.group(1), m.group(2) or b""


def _formula_cells_without_value(sheet_xml: bytes) -> dict[tuple[int, int], str]:
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
        out[(row, col)] = _xml_unescape(formula.group(1) or b"") if formula else ""
    return out


def _error_cells(sheet_xml: bytes) -> dict[tuple[int, int], str]:
    """Cells holding a cached error value: (row, col) → ``#DIV/0!``, ``#NAME?`` ..."""
    out = {}
    for row, col, attrs, body in _cells_with(sheet_xml, b't="e"'):
        value = _ERROR_VALUE_RE.search(body)
        if b't="e"' in attrs and value:
            out[(row, col)] = _xml_unescape(value.group(1))
    return out


def _past_limits(sheet_xml: bytes) -> bool:
    """Whether a sheet may reach past MAX_ROWS rows or MAX_COLS columns (cheap checks, C speed)."""
    if sheet_xml.count(b"<row") > MAX_ROWS:  # <rowBreaks> counts too: at worst a needless clip
        return True
    # The regexes anchored on each <row / <c tag walk every tag; a long row number or a wide
    # column is rare, so its attribute is searched for and then its tag checked: same answer.
    tags = _Tags(sheet_xml)
    if any((len(m.group(1)) > len(str(MAX_ROWS)) or int(m.group(1)) > MAX_ROWS)
           and _in_tag(tags, m.start(), b"<row") >= 0 for m in _LONG_ROW_ATTR_RE.finditer(sheet_xml)):
        return True
    tags = _Tags(sheet_xml)
    if any(ooxml.column_index(m.group(1)) >= MAX_COLS and _in_tag(tags, m.start(), b"<c") >= 0
           for m in _WIDE_REF_ATTR_RE.finditer(sheet_xml)):
        return True
    tags = _Tags(sheet_xml)  # a cell's own reference places it, whatever its row says
    if any((len(m.group(1)) > len(str(MAX_ROWS)) or int(m.group(1)) > MAX_ROWS)
           and _in_tag(tags, m.start(), b"<c") >= 0 for m in _DEEP_REF_ATTR_RE.finditer(sheet_xml)):
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


def _unprefixed(sheet_xml: bytes) -> bytes | None:
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


def _clip_sheet(sheet_xml: bytes) -> tuple[bytes, bool]:
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
            col = ooxml.column_index(ref.group(1)) if ref else col + 1
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
    rb"(?:/>|(?<!/)>((?:[^<]|<(?!table:(?:covered-)?table-cell[\s/>]))*?)</table:\1>)")
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
            out.append(cells[pos:cell.start()])
            return b"".join(out), cut or _ODS_VALUED in cells[cell.start():]
        if col + n > MAX_COLS:
            out += [cells[pos:cell.start()], _with_repeat(cell.group(0), _ODS_COLS_REPEATED_RE, MAX_COLS - col)]
            pos, cut = cell.end(), cut or _ODS_VALUED in cell.group(2)
        col += n
    out.append(cells[pos:])
    return b"".join(out), cut


def _clip_ods_table(body: bytes) -> tuple[bytes, bool]:
    """A table's rows up to MAX_ROWS rows and MAX_COLS columns; and whether a value was left out."""
    row_no, out, pos, cut = 0, [], 0, False
    for row in _ODS_ROW.finditer(body):
        if row_no >= MAX_ROWS:  # every row from here on goes (the structure around them stays)
            rest = body[row.start():]
            out.append(body[pos:row.start()])
            at = 0
            for later in _ODS_ROW.finditer(rest):
                out.append(rest[at:later.start()])
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
            out += [body[pos:row.start()], rebuilt]
            pos = row.end()
            cut = cut or cells_cut or (keep < n and _ODS_VALUED in (row.group(2) or b""))
        row_no += n
    out.append(body[pos:])
    return b"".join(out), cut


def _clip_ods(content: bytes) -> tuple[bytes, dict[str, bool]]:
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
        cut[_xml_unescape(name.group(1)) if name else ""] = table_cut
        if len(body) != len(table.group(2)):
            out += [content[pos:table.start(2)], body]
            pos = table.end(2)
    if not out:
        return content, cut
    out.append(content[pos:])
    return b"".join(out), cut


#: Spaces an .ods may ask for with ``<text:s text:c="N"/>``, all cells together: calamine makes
#: every one of them (a 1 KB file asked for 4 billion).
MAX_ODS_SPACES = 1_000_000
_ODS_SPACES_RE = re.compile(rb'text:c="([0-9]+)"')


def _check_ods_content(content: bytes) -> None:
    """Refuse an .ods's content.xml that python-calamine would never finish reading: XML that is not
    well-formed (a table without its end makes calamine loop forever) or too many spaces asked for.

    Raises:
        _BrokenPart: why.
    """
    problem = xmlcheck.xml_problem(content)
    if problem is not None:
        raise _BrokenPart(f"文件已损坏（content.xml：{problem}）")
    if b"text:c=" in content:
        spaces = 0
        for m in _ODS_SPACES_RE.finditer(content):
            spaces += int(m.group(1)) if len(m.group(1)) < 10 else MAX_ODS_SPACES + 1
            if spaces > MAX_ODS_SPACES:
                raise _BrokenPart(f"content.xml 要求重复的空格（text:c）合计超过 {MAX_ODS_SPACES} 个，未读取")


def _scan_sheets(zf: zipfile.ZipFile) -> tuple[dict[str, tuple[dict, dict, bool]], dict[str, bytes]]:
    """What calamine would miss in each sheet of an .xlsx or .ods, and the parts it must not see whole.

    Returns:
        (sheet name → (formula cells without value, cached error cells, clipped),
        part name → the clipped XML of each part past the limits).
    """
    names = zf.namelist()
    if "xl/workbook.xml" not in names:
        if "content.xml" not in names:
            return {}, {}
        content = _read_part(zf, "content.xml")
        _check_ods_content(content)
        clipped_content, cut = _clip_ods(content)
        return ({sheet: ({}, {}, was_cut) for sheet, was_cut in cut.items()},
                {} if clipped_content is content else {"content.xml": clipped_content})
    found, clipped = {}, {}
    parts = _sheet_parts(zf, _read_part(zf, "xl/workbook.xml"))
    repeated = _repeated_sheets(parts)
    for sheet, part in parts.items():
        if not part or part not in names or sheet in repeated:
            continue
        xml = _read_part(zf, part)
        cut = False
        plain = _unprefixed(xml)
        if plain is not None:  # calamine reads the copy this module can scan and clip
            xml = clipped[part] = plain
        if _past_limits(xml):
            xml, cut = _clip_sheet(xml)
            clipped[part] = xml
        found[sheet] = (_formula_cells_without_value(xml), _error_cells(xml), cut)
    if "xl/sharedStrings.xml" in names:  # calamine inflates it whole: check it is what it says
        _read_part(zf, "xl/sharedStrings.xml")
    return found, clipped


def _replaced(zf: zipfile.ZipFile, parts: dict[str, bytes]):
    """An in-memory copy of the workbook with some parts replaced, for calamine to open."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as out:
        for info in zf.infolist():
            out.writestr(info.filename, parts.get(info.filename) or _read_part(zf, info.filename))
    buf.seek(0)
    return buf


#: A sheet part this large may hold more rows than are read: they are counted before it is read.
_BIG_SHEET_BYTES = 1024 * 1024


def _fast_grids(zf: _WorkbookZip | _QuickZip, path: Path) -> list[Grid] | None:
    """The grids of an .xlsx read by :mod:`perfxl.ooxml` from the parts in hand, or None when the
    workbook holds something only python-calamine reads right (then calamine reads it).

    Gives what the calamine path gives: the visible worksheets among the first MAX_SHEETS sheets,
    cut at the limits, with percent cells, defined names, cached errors and uncalculated formulas.
    """
    names = set(zf.namelist())
    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name not in names or "_rels/.rels" not in names:
        return None
    try:
        # calamine finds the workbook through the package's relationships
        package = ooxml.relationships(_read_part(zf, "_rels/.rels"), base="")
        if [p for p, k in package.values() if k == "officeDocument"] != ["xl/workbook.xml"]:
            return None
        rels = ooxml.relationships(_read_part(zf, rels_name))
        # calamine finds the string table and styles at these names: a workbook that puts them
        # elsewhere (or relates to parts it lacks) is left to it
        for kind, part in (("sharedStrings", "xl/sharedStrings.xml"), ("styles", "xl/styles.xml")):
            related = [p for p, k in rels.values() if k == kind]
            if (part in names) != bool(related) or any(p != part for p in related):
                return None
        workbook = _read_part(zf, "xl/workbook.xml")
        sheets = ooxml.sheet_list(workbook, rels)[:MAX_SHEETS]
        styles = ooxml.cell_styles(_read_part(zf, "xl/styles.xml")) if "xl/styles.xml" in names else ooxml.NO_STYLES
        strings = ooxml.shared_strings(_read_part(zf, "xl/sharedStrings.xml")) \
            if "xl/sharedStrings.xml" in names else []
        defined = _defined_names(workbook)
        grids = []
        read: set[str] = set()
        for sheet in sheets:
            if sheet.kind == "chartsheet" or not sheet.visible:
                continue
            if sheet.kind != "worksheet" or sheet.part not in names:
                return None
            if sheet.part in read:  # named by an earlier sheet too: read once (see _repeated_sheets)
                continue
            read.add(sheet.part)
            xml, cut = _read_part(zf, sheet.part), False
            # the reader checks the limits as it goes; a sheet of more rows than are read (a form's
            # is 30 KB) is cut first, not read to its end for nothing
            if len(xml) > _BIG_SHEET_BYTES and xml.count(b"<row") > MAX_ROWS:
                xml, cut = _clip_sheet(xml)
            try:
                values = ooxml.sheet_values(xml, strings, styles, (MAX_ROWS, MAX_COLS))
            except ooxml.NeedsPlacing:
                xml, cut = _clip_sheet(xml)
                values = ooxml.sheet_values(xml, strings, styles, (MAX_ROWS, MAX_COLS))
            grids.append(Grid(rows=values.rows, file=str(path), sheet=sheet.name, percent=values.percent,
                              names=defined.get(sheet.name, {}), no_value=values.no_value, clipped=cut,
                              cells=values.cells))
    except (ooxml.Unsupported, zipfile.BadZipFile, KeyError, ValueError, zlib.error):
        # a damaged part too: the calamine path reads it again and says what is wrong
        return None
    return grids


def workbook_grids(path: Path) -> list[Grid]:
    """One grid per visible worksheet of a workbook (.xlsx, .xlsm, .xls, .xlsb, .ods)."""
    import python_calamine as pc

    data = _read_bytes(path)
    quick = _QuickZip.parse(data)
    if quick is not None and "xl/workbook.xml" in quick.members and quick.unzipped_size() <= MAX_UNZIPPED_BYTES:
        grids = _fast_grids(quick, path)
        if grids is not None:
            return grids
    zf = _check_zip(path, data)
    if zf is None and path.suffix.lower() in {".xlsx", ".xlsm", ".ods"}:
        head = data[:8]
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            # OLE2 container named .xlsx: Excel stores password-protected workbooks this way.
            raise ReadError(path, "文件已加密（有密码保护），请去掉密码后再提交")
        if head.startswith(b"PK"):
            raise ReadError(path, "文件不完整或已损坏（压缩结构残缺，可能在下载或复制时被截断）")
        if head.startswith(b"%PDF"):
            raise ReadError(path, "是 PDF 文件，不是 Excel 工作簿（请提交 xlsx 原表）")
        raise ReadError(path, "不是有效的 Excel 文件（内容不是 xlsx 格式）")
    percent: dict[str, set[tuple[int, int]]] = {}
    defined: dict[str, dict[str, tuple[int, int, int, int]]] = {}
    scanned: dict[str, tuple[dict, dict, bool]] = {}
    repeated: set[str] = set()  # sheets whose part an earlier sheet names
    source: str | io.BytesIO = str(path)  # an in-memory copy when a sheet had to be clipped
    prepared = None
    if zf is None and path.suffix.lower() == ".xls" and data.startswith(xls.OLE2_MAGIC):
        # calamine trusts an .xls's records (one can make it abort the process): it reads a copy
        # checked and cut to the limits, and the percent formats it does not give come from there
        try:
            prepared = xls.prepare(data, MAX_ROWS, MAX_COLS, MAX_SHEETS)
        except xls.Refused as exc:
            raise ReadError(path, str(exc)) from exc
        source = io.BytesIO(prepared.compound)
    if zf is not None:
        with zf:
            if "xl/workbook.xml" not in zf.namelist() and "content.xml" not in zf.namelist():
                kind = "Word 文档" if any(n.startswith("word/") for n in zf.namelist()) else "其他压缩文件"
                raise ReadError(path, f"不是 Excel 工作簿（是{kind}）")
            if quick is None and "xl/workbook.xml" in zf.namelist():  # a zip only ZipFile reads
                grids = _fast_grids(zf, path)
                if grids is not None:
                    return grids
            try:
                scanned, clipped = _scan_sheets(zf)
                percent, defined = _ooxml_extras(zf, clipped)
                if "xl/workbook.xml" in zf.namelist():
                    repeated = _repeated_sheets(_sheet_parts(zf, _read_part(zf, "xl/workbook.xml")))
                if clipped:
                    source = _replaced(zf, clipped)
                elif isinstance(zf, _WorkbookZip):
                    source = io.BytesIO(zf.data)  # the bytes read already: no second read of the file
            except _BrokenPart as exc:
                raise ReadError(path, str(exc)) from exc
            except (zipfile.BadZipFile, KeyError, OSError, ValueError, zlib.error) as exc:
                raise ReadError(path, f"文件已损坏（{exc}）") from exc
    try:
        if isinstance(source, str):
            workbook = pc.CalamineWorkbook.from_path(source)
        else:
            workbook = pc.CalamineWorkbook.from_filelike(source)
    except pc.PasswordError as exc:
        raise ReadError(path, "文件已加密（有密码保护），请去掉密码后再提交") from exc
    except Exception as exc:  # calamine raises several types for broken files
        raise ReadError(path, f"无法打开工作簿（{_short(exc)}）") from exc
    except BaseException as exc:
        _raise_if_not_panic(exc)
        raise ReadError(path, f"无法打开工作簿（{_short(exc)}）") from exc
    if prepared is not None:
        # by the sheet's place in the workbook: calamine lists them in the order of its records
        for index, meta in enumerate(workbook.sheets_metadata):
            percent.setdefault(meta.name, prepared.percent.get(index, set()))
            scanned.setdefault(meta.name, ({}, {}, index in prepared.clipped))
    grids = []
    try:
        for meta in workbook.sheets_metadata[:MAX_SHEETS]:
            if str(meta.typ) != str(pc.SheetTypeEnum.WorkSheet):
                continue
            if str(meta.visible) != str(pc.SheetVisibleEnum.Visible) or meta.name in repeated:
                continue
            try:
                sheet = workbook.get_sheet_by_name(meta.name)
                rows = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS)
            except Exception as exc:
                raise ReadError(path, f"工作表“{meta.name}”无法读取（{_short(exc)}）") from exc
            except BaseException as exc:
                _raise_if_not_panic(exc)
                raise ReadError(path, f"工作表“{meta.name}”无法读取（{_short(exc)}）") from exc
            rows = [list(row[:MAX_COLS]) for row in rows]
            no_value, errors, clipped_here = scanned.get(meta.name, ({}, {}, False))
            for (r, c), code in errors.items():  # calamine reads a cached #DIV/0! as ""
                if r < len(rows) and c < len(rows[r]) and rows[r][c] == "":
                    rows[r][c] = code
            grids.append(
                Grid(rows=rows, file=str(path), sheet=meta.name, percent=percent.get(meta.name, set()),
                     names=defined.get(meta.name, {}), no_value=no_value,
                     clipped=clipped_here or sheet.height > MAX_ROWS or sheet.width > MAX_COLS)
            )
    finally:
        workbook.close()
    return _cut_long_text(grids)


def _cut_long_text(grids: list[Grid]) -> list[Grid]:
    """python-calamine's grids with every text cut to MAX_CELL_CHARS (perfxl's reader cuts as it reads)."""
    for grid in grids:
        for row in grid.rows:
            for c, value in enumerate(row):
                if type(value) is str and len(value) > MAX_CELL_CHARS:
                    row[c] = value[:MAX_CELL_CHARS]
    return grids


def _raise_if_not_panic(exc: BaseException) -> None:
    """Re-raise anything but a panic of python-calamine's Rust code.

    pyo3 raises a panic as ``PanicException``, a BaseException (so that ``except Exception``
    lets it through): for a reader of untrusted files it is one more broken file.
    """
    if type(exc).__name__ != "PanicException":
        raise exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


#: How the reasons begin when python-calamine could not open a workbook or read one of its sheets:
#: its own words then are often only "Cannot detect file format".
_CALAMINE_FAILED = ("无法打开工作簿", "工作表“")
_UNDETECTED = "Cannot detect file format"


def _explained(path: Path, exc: ReadError) -> ReadError:
    """``exc``, or, when python-calamine failed on a zip whose XML is what is wrong, a ReadError
    that says in Chinese which part and what (read again: this is the failure path)."""
    if not exc.reason.startswith(_CALAMINE_FAILED):
        return exc
    problem = None
    try:
        zf = _check_zip(path)
        if zf is not None:
            with zf:
                problem = xmlcheck.zip_xml_problem(zf, _read_part)
    except (ReadError, zipfile.BadZipFile, KeyError, OSError, ValueError, zlib.error):
        pass
    if problem is not None:
        return ReadError(path, f"文件已损坏（{problem}）")
    if _UNDETECTED in exc.reason:
        return ReadError(path, exc.reason.replace(_UNDETECTED, "无法识别的文件格式：内容不是完好的 xlsx、xls、xlsb 或 ods 工作簿"))
    return exc


def document_grids(path: Path) -> list[Grid]:
    """The one grid of a document (.docx, .html, .pdf …): its rows in reading order."""
    from . import documents  # its parsers' libraries are loaded only for a document

    limits = documents.Limits(rows=MAX_ROWS, cols=MAX_COLS, cell_chars=MAX_CELL_CHARS,
                              unzipped_bytes=MAX_UNZIPPED_BYTES, part_bytes=MAX_PART_BYTES)
    try:
        found = documents.document_rows(path, read_regular(path), limits)
    except documents.Unreadable as exc:
        raise ReadError(path, str(exc)) from exc
    return [Grid(rows=found.rows, file=str(path), sheet=documents.DOCUMENT_SHEET, clipped=found.clipped)]


def load_grids(path: str | Path) -> list[Grid]:
    """The grids of a file: each visible sheet of a workbook, or the whole of a text dump.

    Args:
        path: an .xlsx, .xlsm, .xls, .xlsb, .ods, a tab-separated .txt / .tsv file, or a document
            (.docx, .html, .htm, .pdf, .doc, .wps: see :mod:`perfxl.documents`).

    Returns:
        The grids, in file order.

    Raises:
        ReadError: the file is missing, too large, of an unknown type, encrypted or broken.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        st = path.stat()
    except OSError as exc:
        raise ReadError(path, f"无法读取文件（{exc.strerror or exc}）") from exc
    size = st.st_size
    if not stat.S_ISREG(st.st_mode):
        raise ReadError(path, not_regular(st.st_mode))
    if size == 0:
        raise ReadError(path, "空文件（0 字节）")
    if size > MAX_FILE_BYTES:
        raise ReadError(path, f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，未读取")
    try:
        if suffix in TEXT_SUFFIXES:
            return text_grids(path, read_text(path))
        if suffix in WORKBOOK_SUFFIXES:
            try:
                return workbook_grids(path)
            except ReadError as exc:
                raise _explained(path, exc) from exc.__cause__
        if suffix in DOCUMENT_SUFFIXES:
            return document_grids(path)
    except OSError as exc:
        raise ReadError(path, f"无法读取文件（{exc.strerror or exc}）") from exc
    raise ReadError(path, f"不支持的文件类型“{suffix or '无扩展名'}”（支持 xlsx、xlsm、xls、ods、txt，以及 docx、html、pdf 文档）")
