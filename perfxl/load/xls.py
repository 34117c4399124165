"""An .xls workbook (BIFF8 or BIFF5 in an OLE2 compound file) made safe for python-calamine, with
the cells formatted as a percentage.

python-calamine reads an .xls's cell values but gives no number formats (a cell typed as 98.5%
reads as 0.985), and it trusts the file: a DIMENSIONS record claiming 16 million rows makes it
reserve that many cells and abort the process, a sheet offset past the end of the stream panics,
and one value cell at IV65536 makes it build the whole 65536 × 256 rectangle (1 GB). So before
calamine sees an .xls, :func:`prepare`

- takes the workbook stream out of the compound file with xlrd's reader (bounded: every sector
  chain is checked for loops and for its length);
- reads the percent formats from the XF and FORMAT records of the workbook globals;
- walks every sheet's records as calamine will walk them, noting the percent cells, and disables
  in place each record past the limits (same length, so every offset in the stream stays);
- builds a new compound file holding only that stream, which calamine then reads: what was checked
  is exactly what calamine reads.

Everything here works on bytes already read; nothing opens a file.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from ..optional import require

#: The first bytes of every OLE2 compound file.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# BIFF record types (MS-XLS 2.3).
_BOF, _EOF, _FILEPASS, _BOUNDSHEET = 0x0809, 0x000A, 0x002F, 0x0085
_XF, _FORMAT, _FORMAT_BIFF4 = 0x00E0, 0x041E, 0x001E
_DIMENSIONS, _FORMULA, _STRING, _MULRK = 0x0200, 0x0006, 0x0207, 0x00BD
#: Records of one cell that calamine reads: Number, Label, RString, BoolErr, RK, LabelSst, Formula.
#: Each starts with the cell's row, column and XF index (u16 each).
_CELL_RECORDS = frozenset({0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, _FORMULA})
#: What a disabled record becomes: a type no BIFF version defines, which every reader skips.
_FILLER = 0x7F7F
_FILLER_TYPE = struct.pack("<H", _FILLER)
#: The records of the workbook globals read here.
_GLOBALS_WATCHED = frozenset({_EOF, _BOF, _FILEPASS, _BOUNDSHEET, _XF, _FORMAT, _FORMAT_BIFF4})
#: The records a sheet's walk looks at.
_WATCHED = _CELL_RECORDS | {_MULRK, _STRING, _DIMENSIONS, _BOF, _EOF}
#: Built-in number formats that are percentages ("0%", "0.00%"), as ``ooxml.BUILTIN_PERCENT``.
_BUILTIN_PERCENT = frozenset({9, 10})

_HEAD = struct.Struct("<HH")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_CELL_HEAD = struct.Struct("<HHH")  # row, column, XF index


class Refused(Exception):
    """An .xls that is not read, with the reason for a person in one Chinese line."""


@dataclass
class Prepared:
    """An .xls ready for python-calamine.

    Attributes:
        compound: the compound file calamine is to read (the checked stream, records past the
            limits disabled).
        percent: sheet index (the order of the workbook's sheets, as calamine lists them) →
            (row, col) of the cells formatted as a percentage.
        clipped: indexes of the sheets that had a value past the limits.
    """

    compound: bytes
    percent: dict[int, set[tuple[int, int]]] = field(default_factory=dict)
    clipped: set[int] = field(default_factory=set)


def prepare(data: bytes, max_rows: int, max_cols: int, max_sheets: int) -> Prepared:
    """The .xls in ``data`` made safe for calamine, with its percent cells.

    Args:
        data: the file's bytes (an OLE2 compound file).
        max_rows, max_cols: values in rows or columns from these on are dropped.
        max_sheets: percent cells are found in this many first sheets.

    Raises:
        Refused: the compound file or the workbook in it is damaged or encrypted.
    """
    stream = workbook_stream(data)
    sheets, percent_xf = _globals(stream)
    for number, (start, _kind) in enumerate(sheets, 1):
        if start > len(stream):  # calamine would index past the stream's end and panic
            raise Refused(f"文件已损坏（第 {number} 个工作表的位置超出了工作簿数据）")
    starts = {start for start, _kind in sheets}
    ordered = sorted(starts)
    cut_at: set[int] = set()
    budget = len(stream) // 4 + 1  # records all walks may take: as many as the stream can hold
    for _ in range(_MAX_PASSES):
        walk = _Walk(stream, max_rows, max_cols, percent_xf, budget)
        found = {start: walk.sheet(start, starts) for start in ordered}
        cut_at |= {start for start, (_cells, cut, _stop) in found.items() if cut}
        budget = walk.budget
        if not walk.patches:
            break
        stream = walk.patched()
        # Each walk ending where the next sheet starts (the last at the stream's end) makes one
        # chain of records, which the patches keep. Otherwise (only in a crafted file) a patched
        # byte may lie inside a record another walk reads: the patched stream is walked again,
        # until a walk changes nothing.
        stops = [found[start][2] for start in ordered]
        if stops[:-1] == ordered[1:] and stops[-1] == len(stream):
            break
    else:
        raise Refused("文件已损坏（工作表记录相互重叠）")
    prepared = Prepared(compound=compound_file(stream))
    for index, (start, kind) in enumerate(sheets):
        if start in cut_at:
            prepared.clipped.add(index)
        cells = found[start][0]
        if index < max_sheets and kind == 0 and cells:
            prepared.percent[index] = set(cells)
    return prepared


#: Walks of a workbook's stream before it is given up (a plain file needs one; only one whose
#: sheets start inside other records needs more).
_MAX_PASSES = 4


# ----------------------------------------------------------------------------- compound file


class _Quiet:
    """A log that keeps nothing: xlrd writes its warnings to one."""

    def write(self, text: str) -> None:
        pass


def workbook_stream(data: bytes) -> bytes:
    """The workbook stream ("Workbook", or "Book" for BIFF5) of an OLE2 compound file.

    Raises:
        Refused: the compound file is damaged, holds no workbook, or is an encrypted .xlsx.
    """
    compdoc = require("xlrd.compdoc", "读取 .xls 文件")

    try:
        # ignore_workbook_corruption: files some programs write reuse a sector, which calamine
        # and Excel read; the stream is still bounded by its stated size (checked below)
        doc = compdoc.CompDoc(data, logfile=_Quiet(), ignore_workbook_corruption=True)
        entries = [doc.dirlist[child] for child in doc.dirlist[0].children]
    except Exception as exc:  # xlrd raises several types for a damaged compound file
        raise Refused(f"文件已损坏或不完整（xls 复合文档结构无法读取：{_short(exc)}）") from exc
    names = {entry.name.lower(): entry for entry in reversed(entries) if entry.etype == 2}  # the first wins
    entry = names.get("workbook") or names.get("book")
    if entry is None:
        if "encryptedpackage" in names:  # an encrypted .xlsx is an OLE2 file too
            raise Refused("文件已加密（有密码保护），请去掉密码后再提交")
        raise Refused("不是 Excel 工作簿（xls 复合文档中没有工作簿数据）")
    size = entry.tot_size
    if not 0 < size <= len(data):
        raise Refused(f"文件已损坏（工作簿数据长度 {size} 字节与文件不符）")
    try:
        if size >= doc.min_size_std_stream:
            # xlrd follows the sector chain once, and at most as many sectors as the size needs
            mem, base, length = doc.locate_named_stream(entry.name)
            stream = bytes(mem[base : base + length])
        else:
            stream = _mini_stream(doc, entry.first_SID, size)
    except Refused:
        raise
    except Exception as exc:
        raise Refused(f"文件已损坏或不完整（xls 复合文档结构无法读取：{_short(exc)}）") from exc
    if len(stream) != size:
        raise Refused("文件已损坏（工作簿数据不完整，可能在下载或复制时被截断）")
    return stream


def _mini_stream(doc, first: int, size: int) -> bytes:
    """A stream held in the compound file's mini stream.

    xlrd follows a mini-stream chain with no end but the chain's own, so a chain that loops back
    would never end there: here it is followed for as many sectors as the size needs, no more.
    """
    step = doc.short_sec_size
    container, table = doc.SSCS, doc.SSAT
    if step != 64 or not isinstance(container, (bytes, bytearray)):  # 64 bytes in every version
        raise Refused("文件已损坏（xls 复合文档的小数据区无法读取）")
    parts, sid = [], first
    for _ in range(-(-size // step)):
        if not 0 <= sid < len(table):
            raise Refused("文件已损坏（工作簿数据不完整，可能在下载或复制时被截断）")
        parts.append(container[sid * step : (sid + 1) * step])
        sid = table[sid]
    return b"".join(parts)[:size]


_SECTOR = 512
_FREE, _END_OF_CHAIN, _FAT_SECTOR, _DIFAT_SECTOR, _NO_STREAM = (
    0xFFFFFFFF,
    0xFFFFFFFE,
    0xFFFFFFFD,
    0xFFFFFFFC,
    0xFFFFFFFF,
)
_MINI_CUTOFF = 4096


def compound_file(stream: bytes) -> bytes:
    """An OLE2 compound file (version 3, 512-byte sectors) holding ``stream`` as "Workbook".

    The stream is padded with zeros to 4096 bytes: a shorter one would have to live in the mini
    stream (xlwt pads the same way). Readers stop at the workbook's EOF records, before the zeros.
    """
    if len(stream) < _MINI_CUTOFF:
        stream += bytes(_MINI_CUTOFF - len(stream))
    data_sectors = -(-len(stream) // _SECTOR)
    fat_sectors, difat_sectors = 1, 0
    while True:  # the allocation table must also list its own sectors and the DIFAT's
        total = data_sectors + 1 + fat_sectors + difat_sectors
        need_fat = -(-total // 128)
        need_difat = max(0, -(-(need_fat - 109) // 127))
        if (need_fat, need_difat) == (fat_sectors, difat_sectors):
            break
        fat_sectors, difat_sectors = need_fat, need_difat
    directory = data_sectors
    first_fat = directory + 1
    first_difat = first_fat + fat_sectors
    fat = list(range(1, data_sectors)) + [_END_OF_CHAIN, _END_OF_CHAIN]  # the stream's chain; the directory
    fat += [_FAT_SECTOR] * fat_sectors + [_DIFAT_SECTOR] * difat_sectors
    fat += [_FREE] * (fat_sectors * 128 - len(fat))
    fat_ids = list(range(first_fat, first_fat + fat_sectors))
    header = struct.pack(
        "<8s16sHHHHH6xIIIIIIIII",
        OLE2_MAGIC,
        bytes(16),
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        0,
        fat_sectors,
        directory,
        0,
        _MINI_CUTOFF,
        _END_OF_CHAIN,
        0,
        first_difat if difat_sectors else _END_OF_CHAIN,
        difat_sectors,
    )
    header += struct.pack("<109I", *(fat_ids[:109] + [_FREE] * (109 - len(fat_ids[:109]))))
    difat = []
    for k in range(difat_sectors):
        ids = fat_ids[109 + 127 * k : 109 + 127 * (k + 1)]
        following = first_difat + k + 1 if k + 1 < difat_sectors else _END_OF_CHAIN
        difat.append(struct.pack("<128I", *(ids + [_FREE] * (127 - len(ids)) + [following])))
    entries = _directory_entry("Root Entry", 5, child=1, start=_END_OF_CHAIN, size=0)
    entries += _directory_entry("Workbook", 2, child=_NO_STREAM, start=0, size=len(stream))
    entries += _directory_entry("", 0, child=_NO_STREAM, start=0, size=0) * 2
    padding = bytes(-len(stream) % _SECTOR)
    return b"".join([header, stream, padding, entries, struct.pack(f"<{len(fat)}I", *fat), *difat])


def _directory_entry(name: str, kind: int, *, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded,
        len(encoded),
        kind,
        1 if kind else 0,
        _NO_STREAM,
        _NO_STREAM,
        child,
        bytes(16),
        0,
        0,
        0,
        start,
        size,
    )


# ------------------------------------------------------------------------------------ records


def _globals(stream: bytes) -> tuple[list[tuple[int, int]], frozenset[int]]:
    """The sheets of the workbook and its percent cell formats, from the workbook globals.

    Returns:
        (each sheet's (stream offset, kind), in order: 0 is a worksheet), and the indexes of the
        XF records whose number format is a percentage.

    Raises:
        Refused: the stream does not start as a workbook or ends before its globals do, the
            workbook is encrypted, or a sheet's record is cut short.
    """
    if len(stream) < 4 or _HEAD.unpack_from(stream)[0] != _BOF:
        # every BIFF5/8 workbook starts with one; calamine would only say "Cannot detect file format"
        raise Refused("文件已损坏（工作簿数据的开头不是 Excel 记录）")
    sheets: list[tuple[int, int]] = []
    xf_formats: list[int] = []
    percent_formats: set[int] = set()
    biff8, ended = True, False
    head, at, end = _HEAD.unpack_from, 0, len(stream)
    while at + 4 <= end:  # as calamine reads records: to the end, or one that runs past it
        kind, size = head(stream, at)
        body, at = at + 4, at + 4 + size
        if at > end:
            break
        if kind not in _GLOBALS_WATCHED:
            continue
        if kind == _EOF:
            ended = True
            break
        if kind == _BOF and size >= 2:
            biff8 = _U16.unpack_from(stream, body)[0] >= 0x0600
        elif kind == _FILEPASS and size >= 2 and _U16.unpack_from(stream, body)[0]:
            raise Refused("文件已加密（有密码保护），请去掉密码后再提交")
        elif kind == _BOUNDSHEET:
            if size < 6:  # calamine indexes into it and would panic
                raise Refused(f"文件已损坏（第 {len(sheets) + 1} 个工作表的记录残缺）")
            sheets.append((_U32.unpack_from(stream, body)[0], stream[body + 5]))
        elif kind == _XF and size >= 4:
            xf_formats.append(_U16.unpack_from(stream, body + 2)[0])
        elif kind in (_FORMAT, _FORMAT_BIFF4) and size >= 3 and _format_has_percent(stream[body + 2 : at], biff8):
            percent_formats.add(_U16.unpack_from(stream, body)[0])
    if not ended:  # a record runs past the stream's end, or the stream ends before the EOF record
        raise Refused("文件不完整或已损坏（工作簿数据在结束记录之前中断，可能在下载或复制时被截断）")
    # as ooxml.cell_styles: a built-in percent format, or a format code holding "%"
    percent = frozenset(i for i, fmt in enumerate(xf_formats) if fmt in _BUILTIN_PERCENT or fmt in percent_formats)
    return sheets, percent


def _format_has_percent(raw: bytes, biff8: bool) -> bool:
    """Whether a FORMAT record's code (after its format index) holds "%".

    BIFF8 stores it as a unicode string: a u16 length, flags, then 8-bit or UTF-16 characters
    (after a run count and an extension size when the flags say so); BIFF5 as a u8 length and
    bytes in the workbook's code page, where "%" is always the byte 0x25.
    """
    if not biff8:
        return b"%" in raw[1 : 1 + raw[0]]
    if len(raw) < 3:
        return False
    length, flags = _U16.unpack_from(raw)[0], raw[2]
    start = 3 + (2 if flags & 0x08 else 0) + (4 if flags & 0x04 else 0)
    if flags & 0x01:
        return "%" in raw[start : start + 2 * length].decode("utf-16-le", "replace")
    return b"%" in raw[start : start + length]


class _Walk:
    """Walks the sheets of a workbook stream, finding percent cells and what calamine must not see.

    Every record that calamine can reach from a sheet's start is checked: a walk goes on to the end
    of the stream (older calamine versions stop at the first EOF, newer ones skip nested
    substreams: both read a part of this), and stops where another sheet starts. Walks of a plain
    workbook cover each record once; in a crafted one, walks from starts inside other records can
    cover the same records again, so all of them together (over every pass) may take no more
    records than the stream can hold (each is 4 bytes at least).
    """

    def __init__(self, stream: bytes, max_rows: int, max_cols: int, percent_xf: frozenset[int], budget: int):
        self.stream = stream
        self.max_rows, self.max_cols = max_rows, max_cols
        self.percent_xf = percent_xf
        #: records the walks may still take
        self.budget = budget
        #: offset → what to write there (the stream is copied and changed only when needed).
        self.patches: dict[int, bytes] = {}

    def sheet(self, start: int, starts: set[int]) -> tuple[set[tuple[int, int]], bool, int]:
        """The percent cells of the sheet at ``start``, whether a value past the limits was dropped,
        and where the walk stopped (another sheet's start, the stream's end, or a record running
        past it)."""
        # one loop, no generator nor helper calls: it runs for every record of every .xls read
        stream, percent_xf, patches = self.stream, self.percent_xf, self.patches
        max_rows, max_cols = self.max_rows, self.max_cols
        head, cell_head = _HEAD.unpack_from, _CELL_HEAD.unpack_from
        others = starts - {start}
        cells: set[tuple[int, int]] = set()
        cut = False
        own = True  # still in the sheet's own records (before its EOF): its percent cells count
        depth, seen_bof, far_formula = 0, False, False
        at, end, budget = start, len(stream), self.budget
        while at + 4 <= end:
            kind, size = head(stream, at)
            following = at + 4 + size
            if following > end or at in others:
                break
            budget -= 1
            if not budget:
                raise Refused("文件已损坏（工作表记录相互重叠）")
            if kind not in _WATCHED:
                pass
            elif kind in _CELL_RECORDS:
                if size >= 6:
                    row, col, xf = cell_head(stream, at + 4)
                elif size >= 4:
                    (row, col), xf = _HEAD.unpack_from(stream, at + 4), -1
                else:
                    row = col = xf = -1
                if row >= max_rows or col >= max_cols:
                    patches[at] = _FILLER_TYPE
                    cut = True
                    far_formula = kind == _FORMULA
                else:
                    if kind == _FORMULA:
                        far_formula = False
                    if own and xf in percent_xf:
                        cells.add((row, col))
            elif kind == _MULRK:
                if size >= 6:
                    cut = self._mulrk(at, size, cells if own else None) or cut
            elif kind == _STRING:
                if far_formula:  # a dropped formula's text result: calamine would put it at the
                    patches[at] = _FILLER_TYPE  # last formula kept
            elif kind == _DIMENSIONS:
                if not self._dimensions_fit(at + 4, size):
                    # calamine reserves room for the rectangle it states: only a hint, so it goes
                    patches[at] = _FILLER_TYPE
            elif own and kind == _BOF:
                if seen_bof:
                    depth += 1
                seen_bof = True
            elif own and kind == _EOF:
                own = depth > 0
                depth -= 1
            at = following
        self.budget = budget
        return cells, cut, at

    def _mulrk(self, at: int, size: int, cells: set[tuple[int, int]] | None) -> bool:
        """Check a MulRk record (numbers in consecutive cells of a row); True when values past the
        limits were dropped."""
        stream, body = self.stream, at + 4
        row, first = _U16.unpack_from(stream, body)[0], _U16.unpack_from(stream, body + 2)[0]
        last = _U16.unpack_from(stream, body + size - 2)[0]
        if row >= self.max_rows or first >= self.max_cols:
            self.patches[at] = _FILLER_TYPE
            return True
        if last < first or size != 6 + 6 * (last - first + 1):
            return False  # calamine refuses such a record: the workbook does not open
        if cells is not None:
            for k in range(min(last, self.max_cols - 1) - first + 1):
                if _U16.unpack_from(stream, body + 4 + 6 * k)[0] in self.percent_xf:
                    cells.add((row, first + k))
        if last < self.max_cols:
            return False
        # Cut it to the columns within the limits, and make the rest a filler record of its own.
        keep = self.max_cols - first
        new_size = 6 + 6 * keep
        self.patches[at + 2] = _U16.pack(new_size)
        rest = size - new_size  # at least 6 bytes: a filler header and 2 bytes or more
        self.patches[body + new_size - 2] = _U16.pack(self.max_cols - 1) + _HEAD.pack(_FILLER, rest - 4)
        return True

    def _dimensions_fit(self, body: int, size: int) -> bool:
        """Whether a DIMENSIONS record states a rectangle within the limits."""
        stream = self.stream
        if size == 14:
            first_row, last_row = _U32.unpack_from(stream, body)[0], _U32.unpack_from(stream, body + 4)[0]
            first_col, last_col = _U16.unpack_from(stream, body + 8)[0], _U16.unpack_from(stream, body + 10)[0]
        elif size == 10:
            first_row, last_row, first_col, last_col = struct.unpack_from("<4H", stream, body)
        else:
            return True  # calamine refuses such a record: the workbook does not open
        # the last row and column are stated one past the used range
        return first_row <= last_row <= self.max_rows and first_col <= last_col <= self.max_cols

    def patched(self) -> bytes:
        """The stream with every patch written in."""
        if not self.patches:
            return self.stream
        out = bytearray(self.stream)
        for at, raw in self.patches.items():
            out[at : at + len(raw)] = raw
        return bytes(out)


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]
