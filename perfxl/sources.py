"""Turning files into grids of cells: workbooks through python-calamine, text dumps line by line.

A :class:`Grid` is what the reader works on: rows of cell values (text, numbers, dates, or "" for
an empty cell) and a way to name a cell's location. Everything here bounds what it reads, so that a
hostile file costs bounded time and memory:

- files larger than :data:`MAX_FILE_BYTES` are not read;
- a workbook whose parts would inflate to more than :data:`MAX_UNZIPPED_BYTES` (a zip bomb) is not
  opened;
- at most :data:`MAX_ROWS` rows and :data:`MAX_COLS` columns of a sheet are scanned.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLS = 64
MAX_SHEETS = 50

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
TEXT_SUFFIXES = {".txt", ".tsv", ".text"}
JSON_SUFFIXES = {".json"}
READABLE_SUFFIXES = WORKBOOK_SUFFIXES | TEXT_SUFFIXES | JSON_SUFFIXES

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
    """

    rows: list[list[object]]
    file: str
    sheet: str | None = None
    first_line: int = 1
    percent: set[tuple[int, int]] = field(default_factory=set)
    names: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)

    def ref(self, row: int, col: int) -> str:
        """The location of a cell: ``Sheet!C7`` for a sheet, ``line 12`` for text."""
        if self.sheet is None:
            return f"line {self.first_line + row}"
        return f"{self.sheet}!{column_letter(col)}{row + 1}"


def column_letter(col: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


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
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        if percent:
            return _number_text(value * 100) + "%"
        return _number_text(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    return str(value).strip()


def _number_text(value: float) -> str:
    # 12 significant digits hide float noise (0.1 + 0.2) but keep every digit a person types.
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.12g}"
    if "e" in text:
        text = f"{value:.12f}".rstrip("0").rstrip(".")
    return text


# ---------------------------------------------------------------------------------------------
# Text dumps


def text_grids(path: Path, text: str) -> list[Grid]:
    """One grid holding every line of a tab-separated text dump (forms are split by the reader)."""
    lines = text.splitlines()[:MAX_ROWS]
    rows: list[list[object]] = [line.split("\t")[:MAX_COLS] for line in lines]
    return [Grid(rows=rows, file=str(path), sheet=None, first_line=1)]


def read_text(path: Path) -> str:
    """A text file's content, as UTF-8 (with or without BOM), else GB18030 (common on Chinese Windows)."""
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReadError(path, "文本文件编码无法识别（应为 UTF-8 或 GBK）")


# ---------------------------------------------------------------------------------------------
# Workbooks


def _check_zip(path: Path) -> zipfile.ZipFile | None:
    """Open an OOXML/ODS zip and refuse zip bombs; None when the file is not a zip at all."""
    if not zipfile.is_zipfile(path):
        return None
    try:
        zf = zipfile.ZipFile(path)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReadError(path, f"文件已损坏，无法解压（{exc}）") from exc
    if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        zf.close()
        raise ReadError(path, f"文件解压后超过 {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB，疑似压缩炸弹，未读取")
    return zf


_XF_RE = re.compile(rb"<cellXfs[^>]*>(.*?)</cellXfs>", re.S)
_XF_ITEM_RE = re.compile(rb"<xf\b([^>]*)")
_NUMFMT_RE = re.compile(rb'<numFmt\b[^>]*numFmtId="(\d+)"[^>]*formatCode="([^"]*)"')
_ATTR_RE = re.compile(rb'numFmtId="(\d+)"')
_SHEET_RE = re.compile(rb'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_REL_RE = re.compile(rb'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"|<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"')
_DEFNAME_RE = re.compile(rb'<definedName\b([^>]*)>([^<]*)</definedName>')
_BUILTIN_PERCENT = {9, 10}
#: A defined name's reference: one cell or one rectangle of one sheet ('Sheet 1'!$A$1:$B$9).
_NAME_REF_RE = re.compile(r"'?(.+?)'?!\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?")


def _xml_unescape(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _ooxml_extras(
    zf: zipfile.ZipFile,
) -> tuple[dict[str, set[tuple[int, int]]], dict[str, dict[str, tuple[int, int, int, int]]]]:
    """Percent-formatted cells and defined names per sheet of an .xlsx/.xlsm, read from its XML.

    python-calamine gives a cell's number but not its format; a person who types 98.5% gets 0.985
    stored with a percent format, and perfxl must read it as 98.5 %.
    """
    names = set(zf.namelist())
    percent: dict[str, set[tuple[int, int]]] = {}
    defined: dict[str, dict[str, tuple[int, int, int, int]]] = {}
    if "xl/workbook.xml" not in names:
        return percent, defined
    workbook = zf.read("xl/workbook.xml")
    rels = zf.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
    targets = {}
    for m in _REL_RE.finditer(rels):
        rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        target = target.decode()
        targets[rid] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    sheet_parts = {}
    for m in _SHEET_RE.finditer(workbook):
        sheet_parts[_xml_unescape(m.group(1))] = targets.get(m.group(2))

    for m in _DEFNAME_RE.finditer(workbook):
        attrs, ref = m.group(1), _xml_unescape(m.group(2))
        name_m = re.search(rb'name="([^"]*)"', attrs)
        cell_m = _NAME_REF_RE.fullmatch(ref.strip())
        if not name_m or not cell_m:
            continue
        sheet = cell_m.group(1).replace("''", "'")
        r1, c1 = int(cell_m.group(3)) - 1, _col_index(cell_m.group(2).encode())
        r2 = int(cell_m.group(5)) - 1 if cell_m.group(5) else r1
        c2 = _col_index(cell_m.group(4).encode()) if cell_m.group(4) else c1
        defined.setdefault(sheet, {})[_xml_unescape(name_m.group(1))] = (r1, c1, r2, c2)

    if "xl/styles.xml" not in names:
        return percent, defined
    styles = zf.read("xl/styles.xml")
    custom = {int(i) for i, code in _NUMFMT_RE.findall(styles) if b"%" in code}
    xfs_block = _XF_RE.search(styles)
    percent_xf = set()
    if xfs_block:
        for index, m in enumerate(_XF_ITEM_RE.finditer(xfs_block.group(1))):
            fmt = _ATTR_RE.search(m.group(1))
            if fmt and (int(fmt.group(1)) in _BUILTIN_PERCENT or int(fmt.group(1)) in custom):
                percent_xf.add(index)
    if not percent_xf:
        return percent, defined
    styles_alt = b"|".join(str(i).encode() for i in sorted(percent_xf))
    # Only cells carrying one of the percent styles are matched at all: most cells are skipped fast.
    cell_re = re.compile(
        rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?\bs="(?:' + styles_alt + rb')"'
        rb'|<c\b[^>]*?\bs="(?:' + styles_alt + rb')"[^>]*?\br="([A-Z]+)(\d+)"'
    )
    for sheet, part in sheet_parts.items():
        if not part or part not in names:
            continue
        cells = set()
        for m in cell_re.finditer(zf.read(part)):
            col, row = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            cells.add((int(row) - 1, _col_index(col)))
        percent[sheet] = cells
    return percent, defined


def workbook_grids(path: Path) -> list[Grid]:
    """One grid per visible worksheet of a workbook (.xlsx, .xlsm, .xls, .xlsb, .ods)."""
    import python_calamine as pc

    zf = _check_zip(path)
    if zf is None and path.suffix.lower() in {".xlsx", ".xlsm", ".ods"}:
        head = path.read_bytes()[:8]
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            # OLE2 container named .xlsx: Excel stores password-protected workbooks this way.
            raise ReadError(path, "文件已加密（有密码保护），请去掉密码后再提交")
        raise ReadError(path, "不是有效的 Excel 文件（内容不是 xlsx 格式）")
    percent: dict[str, set[tuple[int, int]]] = {}
    defined: dict[str, dict[str, tuple[int, int, int, int]]] = {}
    if zf is not None:
        with zf:
            if "xl/workbook.xml" not in zf.namelist() and "content.xml" not in zf.namelist():
                kind = "Word 文档" if any(n.startswith("word/") for n in zf.namelist()) else "其他压缩文件"
                raise ReadError(path, f"不是 Excel 工作簿（是{kind}）")
            try:
                percent, defined = _ooxml_extras(zf)
            except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
                raise ReadError(path, f"文件已损坏（{exc}）") from exc
    try:
        workbook = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError as exc:
        raise ReadError(path, "文件已加密（有密码保护），请去掉密码后再提交") from exc
    except Exception as exc:  # calamine raises several types for broken files
        raise ReadError(path, f"无法打开工作簿（{_short(exc)}）") from exc
    grids = []
    try:
        for meta in workbook.sheets_metadata[:MAX_SHEETS]:
            if str(meta.typ) != str(pc.SheetTypeEnum.WorkSheet):
                continue
            if str(meta.visible) != str(pc.SheetVisibleEnum.Visible):
                continue
            try:
                sheet = workbook.get_sheet_by_name(meta.name)
                rows = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS)
            except Exception as exc:
                raise ReadError(path, f"工作表“{meta.name}”无法读取（{_short(exc)}）") from exc
            rows = [list(row[:MAX_COLS]) for row in rows]
            grids.append(
                Grid(rows=rows, file=str(path), sheet=meta.name, percent=percent.get(meta.name, set()),
                     names=defined.get(meta.name, {}))
            )
    finally:
        workbook.close()
    return grids


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def load_grids(path: str | Path) -> list[Grid]:
    """The grids of a file: each visible sheet of a workbook, or the whole of a text dump.

    Args:
        path: an .xlsx, .xlsm, .xls, .xlsb, .ods, or a tab-separated .txt / .tsv file.

    Returns:
        The grids, in file order.

    Raises:
        ReadError: the file is missing, too large, of an unknown type, encrypted or broken.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReadError(path, f"无法读取文件（{exc.strerror or exc}）") from exc
    if path.is_dir():
        raise ReadError(path, "是文件夹，不是文件")
    if size == 0:
        raise ReadError(path, "空文件（0 字节）")
    if size > MAX_FILE_BYTES:
        raise ReadError(path, f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，未读取")
    try:
        if suffix in TEXT_SUFFIXES:
            return text_grids(path, read_text(path))
        if suffix in WORKBOOK_SUFFIXES:
            return workbook_grids(path)
    except OSError as exc:
        raise ReadError(path, f"无法读取文件（{exc.strerror or exc}）") from exc
    raise ReadError(path, f"不支持的文件类型“{suffix or '无扩展名'}”（支持 xlsx、xlsm、xls、ods、txt）")
