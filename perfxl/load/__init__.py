"""Files → grids: :func:`load_grids` reads a file into one :class:`Grid` per sheet, bounded.

The modules, in the order a workbook meets them:

- :mod:`.zipsafe` — the file's bytes (regular files only, bounded) and its zip (no bomb);
- :mod:`.ooxml` — the one OOXML layer: relationships, sheet list, defined names, styles and shared
  strings, parsed once for both paths;
- :mod:`.fast` — the fast path: perfxl's own reader of plain .xlsx cells, exactly as calamine reads them;
- :mod:`.calamine` — everything else, read by python-calamine from a copy made safe for it, with
  :mod:`.scan` (what calamine misses, sheets cut to the limits) and :mod:`.xls` (an .xls checked and cut);
- :mod:`.text` — tab-separated text dumps;
- :mod:`.grid` — the :class:`Grid`, :class:`ReadError`, the limits and how a cell is shown.

Which path reads an .xlsx is chosen by ``engine``: tests read every workbook both ways and compare.
"""

from __future__ import annotations

import functools
import stat
from pathlib import Path

from .. import documents
from ..documents import DOCUMENT_SUFFIXES
from .calamine import calamine_grids, explained
from .fast import fast_grids
from .grid import (
    MAX_CELL_CHARS,
    MAX_COLS,
    MAX_ROWS,
    MAX_SHEETS,
    Grid,
    ReadError,
    column_letter,
    cut_long_strings,
    is_excel_error,
    number_text,
    render,
)
from .ooxml import WORKBOOK, Package
from .text import read_text, text_grids
from .zipsafe import (
    MAX_FILE_BYTES,
    MAX_PART_BYTES,
    MAX_UNZIPPED_BYTES,
    QuickZip,
    not_regular,
    open_zip,
    read_bytes,
    read_part,
    read_regular,
)

__all__ = [
    "load_grids",
    "document_grids",
    "DOCUMENT_SUFFIXES",
    "Grid",
    "ReadError",
    "Declined",
    "ENGINES",
    "WORKBOOK_SUFFIXES",
    "TEXT_SUFFIXES",
    "JSON_SUFFIXES",
    "READABLE_SUFFIXES",
    "MAX_ROWS",
    "MAX_COLS",
    "MAX_SHEETS",
    "MAX_CELL_CHARS",
    "MAX_FILE_BYTES",
    "MAX_JSON_BYTES",
    "MAX_JSON_CONTAINERS",
    "MAX_JSON_FORMS",
    "column_letter",
    "cut_long_strings",
    "is_excel_error",
    "number_text",
    "render",
    "read_text",
    "read_regular",
]

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
TEXT_SUFFIXES = {".txt", ".tsv", ".text"}
#: perfxl's own JSON, read by :func:`perfxl.read.read_forms` (not into grids).
JSON_SUFFIXES = {".json"}
READABLE_SUFFIXES = WORKBOOK_SUFFIXES | TEXT_SUFFIXES | JSON_SUFFIXES | DOCUMENT_SUFFIXES
#: perfxl's own JSON: about 6 KB and 25 objects and arrays a form.
MAX_JSON_BYTES = 10 * 1024 * 1024
MAX_JSON_CONTAINERS = 100_000
MAX_JSON_FORMS = 1_000

#: ``auto``: the fast path where it reads the workbook, else python-calamine; ``fast``: the fast
#: path only (:class:`Declined` where it would hand over); ``calamine``: python-calamine only.
ENGINES = ("auto", "fast", "calamine")


class Declined(ReadError):
    """``engine="fast"`` and the fast path does not read this workbook (calamine would)."""


def load_grids(path: str | Path, engine: str = "auto") -> list[Grid]:
    """The grids of a file: each visible sheet of a workbook, or the whole of a text dump.

    Args:
        path: an .xlsx, .xlsm, .xls, .xlsb, .ods, a tab-separated .txt / .tsv file, or a document
            (.docx, .html, .htm, .pdf, .doc, .wps: see :mod:`perfxl.documents`).
        engine: which path reads a workbook (see :data:`ENGINES`); text is read one way.

    Returns:
        The grids, in file order.

    Raises:
        ReadError: the file is missing, too large, of an unknown type, encrypted or broken.
        Declined: ``engine="fast"`` and the fast path does not read it.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    path = Path(path)
    suffix = path.suffix.lower()
    _check_file(path)
    try:
        if suffix in TEXT_SUFFIXES:
            return text_grids(path, read_text(path))
        if suffix in WORKBOOK_SUFFIXES:
            try:
                return _workbook_grids(path, engine)
            except Declined:
                raise
            except ReadError as exc:
                raise explained(path, exc) from exc.__cause__
        if suffix in DOCUMENT_SUFFIXES:
            return document_grids(path)
    except OSError as exc:
        raise ReadError(path, f"无法读取文件（{exc.strerror or exc}）") from exc
    raise ReadError(
        path, f"不支持的文件类型“{suffix or '无扩展名'}”（支持 xlsx、xlsm、xls、ods、txt，以及 docx、html、pdf 文档）"
    )


def document_grids(path: Path) -> list[Grid]:
    """The one grid of a document (.docx, .html, .pdf …): its rows in reading order."""
    limits = documents.Limits(
        rows=MAX_ROWS,
        cols=MAX_COLS,
        cell_chars=MAX_CELL_CHARS,
        unzipped_bytes=MAX_UNZIPPED_BYTES,
        part_bytes=MAX_PART_BYTES,
    )
    try:
        found = documents.document_rows(path, read_regular(path), limits)
    except documents.Unreadable as exc:
        raise ReadError(path, str(exc)) from exc
    return [Grid(rows=found.rows, file=str(path), sheet=documents.DOCUMENT_SHEET, clipped=found.clipped)]


def _check_file(path: Path) -> None:
    """Refuse a path that is missing, not a regular file, empty or too large."""
    try:
        st = path.stat()
    except OSError as exc:
        raise ReadError(path, f"无法读取文件（{exc.strerror or exc}）") from exc
    if not stat.S_ISREG(st.st_mode):
        raise ReadError(path, not_regular(st.st_mode))
    if st.st_size == 0:
        raise ReadError(path, "空文件（0 字节）")
    if st.st_size > MAX_FILE_BYTES:
        raise ReadError(path, f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，未读取")


def _workbook_grids(path: Path, engine: str) -> list[Grid]:
    """A workbook's grids: by the fast path when ``engine`` allows and it reads the workbook, else
    by python-calamine."""
    data = read_bytes(path)
    package = None
    quick = QuickZip.parse(data)  # a plain zip's directory, without zipfile
    if quick is not None and WORKBOOK in quick.members and quick.unzipped_size() <= MAX_UNZIPPED_BYTES:
        # QuickZip offers the getinfo and inflate that read_part uses of a ZipFile
        package = Package(set(quick.members), functools.partial(read_part, quick))  # type: ignore[arg-type]
        grids = fast_grids(package, path) if engine != "calamine" else None
        if grids is not None:
            return grids
    zf = open_zip(path, data, quick.parts if quick is not None else None)  # refuses a zip bomb
    if zf is not None and package is None and WORKBOOK in zf.namelist() and engine != "calamine":
        package = Package(set(zf.namelist()), functools.partial(read_part, zf))  # a zip only zipfile reads
        grids = fast_grids(package, path)
        if grids is not None:
            zf.close()
            return grids
    if engine == "fast":
        if zf is not None:
            zf.close()
        raise Declined(path, "perfxl 自带的 xlsx 读取器不读这个文件（需要 python-calamine）")
    return calamine_grids(path, data, zf, package)
