"""A fast path for writing plain data rows with XlsxWriter in ``constant_memory`` mode.

XlsxWriter is the summary's writer (charts, number formats, autofilter, print setup, frozen
panes), but it spends about 3 µs of Python per cell: a decorator, a bounds check, a cell tuple,
then a row flush that rebuilds attribute lists and runs three regexes per string. A consolidation
of 10,000 forms writes about 700,000 cells, so that alone was a third of the run.

:class:`FastRowsWorksheet` is an XlsxWriter worksheet (added with ``worksheet_class=``, which
XlsxWriter documents for subclassing) that renders a row of text and numbers as one string and
writes it where XlsxWriter's own row flush writes. The XML is XlsxWriter's byte for byte (tests
compare the two), with one deliberate difference: text that looks like a rich string
(``<r>…</r>``) is escaped, where XlsxWriter would copy it into the file unescaped.

:class:`QuickZipWorkbook` is an XlsxWriter workbook that deflates its parts at zlib level 1
instead of the default 6: the zip of a 10,000-form summary took 0.4 s of a serial end of the run
(0.15 s at level 1) for a file a quarter larger.

It leans on XlsxWriter's constant-memory internals (``fh``, ``previous_row``, ``table``,
``_write_single_row``, ``_check_dimensions``); :meth:`FastRowsWorksheet.fast_rows_ok` says whether
they are there, and callers fall back to the public ``write_*`` methods when not.
"""

from __future__ import annotations

import functools
import math
import re
import threading

import xlsxwriter.workbook
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

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
            and all(hasattr(self, a) for a in ("fh", "previous_row", "table", "_write_single_row",
                                               "_check_dimensions", "excel_version"))
            and self.excel_version == 2007
            and getattr(self, "default_row_height", None) == getattr(self, "original_row_height", None)
        )

    def write_plain_row(self, row: int, values: list, styles: list[int]) -> bool:
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

    def write_plain_rows(self, row: int, rows: list[list], styles: list[int]) -> int:
        """Write rows from ``row`` on, as :meth:`write_plain_row` writes one, with one file write.

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
        # per column: '<c r="C' before the row number; '" s="2"' after it (the style, if any)
        heads, styled = _cell_heads(tuple(styles))
        parts: list[str] = []
        add = parts.append
        low_col, high_col, low_row, high_row = len(styles), -1, -1, -1
        for r, values in enumerate(rows, start=row):
            number = str(r + 1)
            opened = len(parts)
            add(f'<row r="{number}">')
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
            if first < 0:
                del parts[opened:]  # an empty row: XlsxWriter writes nothing for it either
                continue
            add("</row>")
            low_col, high_col = min(low_col, first), max(high_col, last)
            if low_row < 0:
                low_row = r
            high_row = r
        if parts:
            self.fh.write("".join(parts))
            # the same extent as a _check_dimensions call per cell
            self._check_dimensions(low_row, low_col)
            self._check_dimensions(high_row, high_col)
        return len(rows)


@functools.lru_cache(maxsize=64)
def _cell_heads(styles: tuple[int, ...]) -> tuple[list[str], list[str]]:
    """For each column: the start of its ``<c`` tag up to the row number, and what follows it."""
    heads = [f'<c r="{xl_col_to_name(col)}' for col in range(len(styles))]
    styled = [f'" s="{s}"' if s else '"' for s in styles]
    return heads, styled


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
