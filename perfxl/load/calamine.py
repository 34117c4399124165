"""The python-calamine path: every workbook the fast path declines (.xls, .xlsb, .ods, and .xlsx
outside plain SpreadsheetML), read by python-calamine from a copy made safe for it.

calamine supplies the cell values only; what it does not give (percent formats, cached errors,
formulas never calculated, defined names) comes from :mod:`perfxl.load.scan` and the one OOXML
layer (:mod:`perfxl.load.ooxml`), or for an .xls from :mod:`perfxl.load.xls`, which also cuts it
to the limits first. A panic of calamine's Rust code is one more broken file, never a crash.
"""

from __future__ import annotations

import functools
import io
import zipfile
import zlib
from pathlib import Path

from ..optional import require
from . import xls, xmlcheck
from .grid import MAX_CELL_CHARS, MAX_COLS, MAX_ROWS, MAX_SHEETS, Grid, ReadError
from .ooxml import WORKBOOK, Package
from .scan import Scan, SheetScan, scan_ods, scan_xlsx
from .zipsafe import BrokenPart, WorkbookZip, open_zip, read_part, rezipped

#: Suffixes that must hold a zip: anything else in such a file is named in the reason.
_ZIP_SUFFIXES = {".xlsx", ".xlsm", ".ods"}


def _not_a_zip(path: Path, data: bytes) -> ReadError:
    """Why a workbook that should be a zip is not one, from its first bytes."""
    head = data[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        # OLE2 container named .xlsx: Excel stores password-protected workbooks this way.
        return ReadError(path, "文件已加密（有密码保护），请去掉密码后再提交")
    if head.startswith(b"PK"):
        return ReadError(path, "文件不完整或已损坏（压缩结构残缺，可能在下载或复制时被截断）")
    if head.startswith(b"%PDF"):
        return ReadError(path, "是 PDF 文件，不是 Excel 工作簿（请提交 xlsx 原表）")
    return ReadError(path, "不是有效的 Excel 文件（内容不是 xlsx 格式）")


def _scanned(path: Path, zf: WorkbookZip, package: Package | None) -> tuple[Scan, io.BytesIO]:
    """The zip scanned for calamine (an .xlsx through ``package``, an .ods without), and the bytes
    calamine is to open (a copy with the sheets cut when some had to be)."""
    names = zf.namelist()
    if package is None and "content.xml" not in names:
        kind = "Word 文档" if any(n.startswith("word/") for n in names) else "其他压缩文件"
        raise ReadError(path, f"不是 Excel 工作簿（是{kind}）")
    try:
        scan = scan_xlsx(package) if package is not None else scan_ods(read_part(zf, "content.xml"))
        return scan, rezipped(zf, scan.replaced) if scan.replaced else io.BytesIO(zf.data)
    except BrokenPart as exc:
        raise ReadError(path, str(exc)) from exc
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, zlib.error) as exc:
        raise ReadError(path, f"文件已损坏（{exc}）") from exc


def calamine_grids(path: Path, data: bytes, zf: WorkbookZip | None, package: Package | None = None) -> list[Grid]:
    """One grid per visible worksheet of a workbook, its values read by python-calamine.

    Args:
        path: the file.
        data: its bytes.
        zf: its zip (:func:`~perfxl.load.zipsafe.open_zip`), None when it is not one; closed here.
        package: its OOXML parts as the fast path read them already, if it tried.

    Raises:
        ReadError: why the file cannot be read.
    """
    pc = require("python_calamine", f"读取 {path.name}")

    scan = Scan()
    names: dict[str, dict[str, tuple[int, int, int, int]]] = {}
    repeated: frozenset[str] = frozenset()  # sheets whose part an earlier sheet names
    prepared = None
    source: str | io.BytesIO = str(path)
    if zf is None and path.suffix.lower() in _ZIP_SUFFIXES:
        raise _not_a_zip(path, data)
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
            if WORKBOOK not in zf.namelist():
                package = None
            elif package is None:
                package = Package(set(zf.namelist()), functools.partial(read_part, zf))
            else:  # the parts read already are kept; the rest through ZipFile, which says what is wrong
                package.read = functools.partial(read_part, zf)
            scan, source = _scanned(path, zf, package)
            if package is not None:  # parsed by the scan already
                names, repeated = package.book.names, package.book.repeated
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
            scan.sheets.setdefault(
                meta.name, SheetScan(clipped=index in prepared.clipped, percent=prepared.percent.get(index, set()))
            )
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
            found = scan.sheets.get(meta.name) or SheetScan()
            for (r, c), code in found.errors.items():  # calamine reads a cached #DIV/0! as ""
                if r < len(rows) and c < len(rows[r]) and rows[r][c] == "":
                    rows[r][c] = code
            grids.append(
                Grid(
                    rows=rows,
                    file=str(path),
                    sheet=meta.name,
                    percent=found.percent,
                    names=names.get(meta.name, {}),
                    no_value=found.no_value,
                    clipped=found.clipped or sheet.height > MAX_ROWS or sheet.width > MAX_COLS,
                )
            )
    finally:
        workbook.close()
    return _cut_long_text(grids)


def _cut_long_text(grids: list[Grid]) -> list[Grid]:
    """python-calamine's grids with every text cut to MAX_CELL_CHARS (the fast path cuts as it reads)."""
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


def explained(path: Path, exc: ReadError) -> ReadError:
    """``exc``, or, when python-calamine failed on a zip whose XML is what is wrong, a ReadError
    that says in Chinese which part and what (read again: this is the failure path)."""
    if not exc.reason.startswith(_CALAMINE_FAILED):
        return exc
    problem = None
    try:
        zf = open_zip(path)
        if zf is not None:
            with zf:
                problem = xmlcheck.zip_xml_problem(zf, read_part)
    except (ReadError, zipfile.BadZipFile, KeyError, OSError, ValueError, zlib.error):
        pass
    if problem is not None:
        return ReadError(path, f"文件已损坏（{problem}）")
    if _UNDETECTED in exc.reason:
        return ReadError(
            path, exc.reason.replace(_UNDETECTED, "无法识别的文件格式：内容不是完好的 xlsx、xls、xlsb 或 ods 工作簿")
        )
    return exc
