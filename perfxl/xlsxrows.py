"""A fast path for writing plain data rows with XlsxWriter in ``constant_memory`` mode.

XlsxWriter is the summary's writer (charts, number formats, autofilter, print setup, frozen
panes), but it spends much Python per cell: a decorator, a bounds check, a cell tuple, then a row
flush that rebuilds attribute lists and runs three regexes per string. A consolidation writes
hundreds of thousands of cells (figures in docs/performance.md).

:class:`FastRowsWorksheet` is an XlsxWriter worksheet (added with ``worksheet_class=``, which
XlsxWriter documents for subclassing) that renders a row of text and numbers as one string and
writes it where XlsxWriter's own row flush writes. The XML is XlsxWriter's byte for byte (tests
compare the two), with one deliberate difference: text that looks like a rich string
(``<r>…</r>``) is escaped, where XlsxWriter would copy it into the file unescaped. Rows whose
cells have the same types share a ``%`` template (:class:`_RowShape`), so that a row of ordinary
text and numbers costs one ``%`` rather than a few steps per cell; any other row is rendered
cell by cell. At close the rows are copied into the sheet's XML as bytes, not decoded and
encoded again.

:class:`QuickZipWorkbook` is an XlsxWriter workbook that deflates its parts at zlib level 1
instead of the default 6: the zip of a 10,000-form summary took 0.4 s of a serial end of the run
(0.15 s at level 1) for a file a quarter larger.

It leans on XlsxWriter's constant-memory internals (``fh``, ``previous_row``, ``table``,
``_write_single_row``, ``_check_dimensions``); :meth:`FastRowsWorksheet.fast_rows_ok` says whether
they are there, and callers fall back to the public ``write_*`` methods when not. The byte copy
overrides ``_write_optimized_sheet_data`` and uses ``row_data_fh`` / ``row_data_filename``; without
them it leaves the copy to XlsxWriter.
"""

from __future__ import annotations

import functools
import math
import operator
import os
import re
import shutil
import threading
from collections.abc import Sequence
from typing import Any

from .optional import require

require("xlsxwriter", "写汇总表")  # before the imports below: a clear message where it is missing
import xlsxwriter.workbook  # noqa: E402
from xlsxwriter.utility import xl_col_to_name  # noqa: E402
from xlsxwriter.worksheet import Worksheet  # noqa: E402

#: Anything in a string that XlsxWriter escapes: XML specials, control characters (as _xHHHH_),
#: a literal _xHHHH_ (its underscore is escaped), the two non-characters.
_NEEDS_ESCAPE = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_ESCAPED_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile("([\x00-\x08\x0b-\x1f])")
#: Excel's limit on a cell's text, in UTF-16 code units.
_STRMAX = 32767


def _escape(text: str) -> str:
    """Text as XlsxWriter writes it inside an inline string's ``<t>``."""
    text = _ESCAPED_ESCAPE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _truncate(text: str) -> str:
    """Text cut to Excel's 32,767 UTF-16 units, as XlsxWriter cuts it."""
    encoded = text.encode("utf-16-le", "surrogatepass")
    if len(encoded) // 2 <= _STRMAX:
        return text
    return encoded[: _STRMAX * 2].decode("utf-16-le", "ignore")


class FastRowsWorksheet(Worksheet):
    """An XlsxWriter worksheet with :meth:`write_plain_row`, a fast path for rows of text and numbers."""

    def fast_rows_ok(self) -> bool:
        """Whether this XlsxWriter has the constant-memory internals the fast path relies on, and the
        sheet is in that mode with default row heights (so that rows need no attributes but ``r``)."""
        return (
            bool(getattr(self, "constant_memory", False))
            and all(
                hasattr(self, a)
                for a in ("fh", "previous_row", "table", "_write_single_row", "_check_dimensions", "excel_version")
            )
            and self.excel_version == 2007
            and getattr(self, "default_row_height", None) == getattr(self, "original_row_height", None)
        )

    def _write_optimized_sheet_data(self) -> None:
        """XlsxWriter's copy of the row data into the sheet's XML, as bytes.

        XlsxWriter reads the temp file back as text and writes it out again, decoding and encoding
        the whole sheet (a tenth of a second for a 10,000-form summary); the bytes are the same.
        Any other kind of file handle goes to XlsxWriter's own copy.
        """
        sheet = getattr(getattr(self, "fh", None), "buffer", None)
        data_file = getattr(self, "row_data_filename", None)
        if self.dim_rowmin is None or sheet is None or not data_file or getattr(self, "row_data_fh", None) is None:
            super()._write_optimized_sheet_data()
            return
        self._xml_start_tag("sheetData")
        self.fh.flush()
        self.row_data_fh.close()  # reopened by XlsxWriter for this copy, nothing written since
        with open(data_file, "rb") as data:
            shutil.copyfileobj(data, sheet, 1 << 20)
        os.unlink(data_file)
        self._xml_end_tag("sheetData")

    def write_plain_row(self, row: int, values: Sequence[Any], styles: Sequence[int]) -> bool:
        """Write one row the way ``write_string`` / ``write_number`` per cell would.

        Args:
            row: the row (0-based); it must come after every row written so far.
            values: one value per column from column 0: None or "" leaves the cell empty, a bool is
                written as 是 / 否, an int or float as a number (NaN and infinities are left empty),
                anything else as text.
            styles: the XF index of each column's format (0 for none), as
                ``Format._get_xf_index()`` gives it.

        Returns:
            False when nothing was written because ``row`` does not come after the rows written so
            far (the caller then uses ``write_*``).
        """
        return self.write_plain_rows(row, [values], styles) == 1

    def write_plain_rows(self, row: int, rows: Sequence[Sequence[Any]], styles: Sequence[int]) -> int:
        """Write rows from ``row`` on, as :meth:`write_plain_row` writes one, with one file write.

        Args:
            row: the first row (0-based); it must come after every row written so far.
            rows: the rows, each as :meth:`write_plain_row` takes it.
            styles: the XF index of each column's format (0 for none).

        Returns:
            How many rows were written: all of them, or 0 when ``row`` does not come after the rows
            written so far.
        """
        if row < self.previous_row or (row == self.previous_row and self.table):
            return 0
        if not rows:
            return 0
        if row > self.previous_row:
            self._write_single_row(row)  # flushes a row still held from a write_* call
        styles = tuple(styles)
        heads, styled = _cell_heads(styles)
        shapes = _row_shapes(styles)
        parts: list[str] = []
        add = parts.append
        low_col, high_col, low_row, high_row = len(styles), -1, -1, -1
        for r, values in enumerate(rows, start=row):
            number = str(r + 1)
            kinds = tuple(map(type, values))
            shape = shapes.get(kinds)
            if shape is None:
                shape = _RowShape(kinds, heads, styled)
                if len(shapes) < _MAX_SHAPES:
                    shapes[kinds] = shape
            rendered = shape.render(number, values)
            if rendered is not None:
                text, first, last = rendered
                if first < 0:
                    continue  # an empty row: XlsxWriter writes nothing for it either
                add(text)
            else:
                opened = len(parts)
                add(f'<row r="{number}">')
                first, last = _render_cells(values, number, heads, styled, add)
                if first < 0:
                    del parts[opened:]
                    continue
                add("</row>")
            if first < low_col:
                low_col = first
            if last > high_col:
                high_col = last
            if low_row < 0:
                low_row = r
            high_row = r
        if parts:
            self.fh.write("".join(parts))
            # the same extent as a _check_dimensions call per cell
            self._check_dimensions(low_row, low_col)
            self._check_dimensions(high_row, high_col)
        return len(rows)


#: What rules a row out of its template at a glance, in its texts joined by "/": a space anywhere
#: (one at either end of a text needs ``xml:space``) or a character XlsxWriter escapes.
_SPACE_OR_SPECIAL = re.compile("[\\s&<>\x00-\x08\x0b-\x1f\ufffe\uffff]")
_SPECIAL = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]")
#: Row shapes kept per column styles: a handful in practice (which cells are empty, text, number).
_MAX_SHAPES = 256
_TEMPLATE_TYPES = (str, int, float, type(None))
#: Stands for the row number in a shape's template (never in a template's own text).
_ROW = "\x00"


class _RowShape:
    """A %-template for rows whose cells have these exact types, so that a row of ordinary text and
    finite numbers is rendered with one ``%`` instead of cell by cell (half the time).

    Attributes:
        first: the first column with a cell (-1 for none).
        last: the last such column.
    """

    def __init__(self, kinds: tuple[type, ...], heads: list[str], styled: list[str]):
        self.kinds, self.heads, self.styled = kinds, heads, styled
        # a row longer than its styles is left to the cell-by-cell path, which fails only on a cell
        self.usable = len(kinds) <= len(heads) and all(kind in _TEMPLATE_TYPES for kind in kinds)
        cells, texts, numbers, columns = [], [], [], []
        for col, kind in enumerate(kinds if self.usable else ()):
            if kind is str:
                cells.append(f'{heads[col]}{_ROW}{styled[col]} t="inlineStr"><is><t>%s</t></is></c>')
                texts.append(col)
            elif kind is int or kind is float:
                # %.16G formats as f"{value:.16G}" does, ints included
                cells.append(f"{heads[col]}{_ROW}{styled[col]}><v>%.16G</v></c>")
                numbers.append(col)
            else:
                continue
            columns.append(col)
        self.first, self.last = (columns[0], columns[-1]) if columns else (-1, -1)
        self.template = f'<row r="{_ROW}">' + "".join(cells) + "</row>"
        self.text_columns = texts
        self.cells, self.texts, self.numbers = _picker(columns), _picker(texts), _picker(numbers)
        #: the shapes of these rows with some texts empty (no cell), by which texts are present
        self.with_empty_texts: dict[tuple[bool, ...], _RowShape] = {}

    def render(self, number: str, values) -> tuple[str, int, int] | None:
        """The row's XML with its first and last column (-1 when it has no cell), or None when a
        cell needs more than a template (a space at an end of a text, a very long text, NaN or an
        infinity): then the row is rendered cell by cell."""
        if not self.usable:
            return None
        texts = self.texts(values)
        if texts:
            if not all(texts):
                return self._without_empty_texts(tuple(map(bool, texts))).render(number, values)
            # "/" cannot make or break a _xHHHH_ across two texts, and is neither space nor special
            joined = "/".join(texts)
            if len(joined) > _STRMAX // 2:
                return None
            special = False
            if _SPACE_OR_SPECIAL.search(joined):
                if tuple(map(str.strip, texts)) != texts:
                    return None
                special = _SPECIAL.search(joined) is not None
            if special or ("_x" in joined and _NEEDS_ESCAPE.search(joined)):
                values = _escaped(values)
        numbers = self.numbers(values)
        if numbers:
            try:
                total = sum(numbers)
            except OverflowError:  # an int too large for a float among floats
                return None
            # NaN or an infinity makes the sum NaN or infinite (an overflow merely sends it cell by cell)
            if total != total or total in (math.inf, -math.inf):
                return None
        return self.template.replace(_ROW, number) % self.cells(values), self.first, self.last

    def _without_empty_texts(self, present: tuple[bool, ...]) -> _RowShape:
        """This shape with no cell for the texts not ``present`` (an empty text is no cell)."""
        shape = self.with_empty_texts.get(present)
        if shape is None:
            kinds = list(self.kinds)
            for col, here in zip(self.text_columns, present):
                if not here:
                    kinds[col] = type(None)
            shape = _RowShape(tuple(kinds), self.heads, self.styled)
            if len(self.with_empty_texts) < _MAX_SHAPES:
                self.with_empty_texts[present] = shape
        return shape


def _escaped(values) -> list:
    """The row with each text XlsxWriter escapes escaped as it does (escaping never puts a space at
    an end of a text, so the template's check for one still holds)."""
    return [_escape(value) if type(value) is str and _NEEDS_ESCAPE.search(value) else value for value in values]


def _picker(indices: list[int]):
    """A function giving ``values[i] for i in indices`` as a tuple (itemgetter gives one item bare)."""
    if len(indices) > 1:
        return operator.itemgetter(*indices)
    if indices:
        only = indices[0]
        return lambda values: (values[only],)
    return lambda values: ()


def _render_cells(values, number: str, heads: list[str], styled: list[str], add) -> tuple[int, int]:
    """Append one row's cells to ``add``, cell by cell, as ``write_string`` / ``write_number`` would.

    Returns:
        The first and last column written, (-1, -1) when every cell was empty.
    """
    first = last = -1
    for col, value in enumerate(values):
        kind = type(value)
        if kind is str:
            if not value:
                continue
        elif value is None:
            continue
        elif kind is bool:
            value = "是" if value else "否"
        elif kind is int or kind is float or isinstance(value, (int, float)):
            if value != value or value in (math.inf, -math.inf):
                continue
            add(f"{heads[col]}{number}{styled[col]}><v>{value:.16G}</v></c>")
            last = col
            if first < 0:
                first = col
            continue
        else:
            value = str(value)
            if not value:
                continue
        if len(value) > _STRMAX // 2:
            value = _truncate(value)
        if _NEEDS_ESCAPE.search(value):
            value = _escape(value)
        space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
        add(f'{heads[col]}{number}{styled[col]} t="inlineStr"><is><t{space}>{value}</t></is></c>')
        last = col
        if first < 0:
            first = col
    return first, last


@functools.lru_cache(maxsize=64)
def _cell_heads(styles: tuple[int, ...]) -> tuple[list[str], list[str]]:
    """For each column: the start of its ``<c`` tag up to the row number, and what follows it."""
    heads = [f'<c r="{xl_col_to_name(col)}' for col in range(len(styles))]
    styled = [f'" s="{s}"' if s else '"' for s in styles]
    return heads, styled


@functools.lru_cache(maxsize=64)
def _row_shapes(styles: tuple[int, ...]) -> dict[tuple[type, ...], _RowShape]:
    """The row shapes met so far for these column styles (filled by ``write_plain_rows``)."""
    return {}


#: Closes of :class:`QuickZipWorkbook` one at a time: each swaps a module global of XlsxWriter.
_ZIP_SWAP = threading.Lock()


class QuickZipWorkbook(xlsxwriter.workbook.Workbook):
    """An XlsxWriter workbook whose zip is deflated at :attr:`compresslevel` (zlib level 1 = fastest).

    XlsxWriter has no option for it (its ``_store_workbook`` makes ``ZipFile(..., ZIP_DEFLATED)``
    itself), so while this workbook is stored the ``ZipFile`` name that XlsxWriter's workbook
    module uses is bound to one that passes ``compresslevel``. A lock keeps two such closes from
    swapping it at once (a plain Workbook closed by another thread meanwhile would merely be
    compressed faster too), and the name is put back whatever happens. An XlsxWriter without
    that name, or that no longer calls ``_store_workbook``, simply zips at its default level.
    """

    #: zlib level for every part (0-9); 1 is about three times faster than the default 6.
    compresslevel = 1

    def _store_workbook(self) -> None:
        module = xlsxwriter.workbook
        with _ZIP_SWAP:
            original = getattr(module, "ZipFile", None)
            if original is None:
                super()._store_workbook()
                return
            module.ZipFile = functools.partial(original, compresslevel=self.compresslevel)
            try:
                super()._store_workbook()
            finally:
                module.ZipFile = original
