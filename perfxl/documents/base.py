"""What every document parser shares: its limits, its error, and the rows it collects (lines outside
tables, and tables with merged cells spread)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class Unreadable(ValueError):
    """A document perfxl does not read, with the reason in one Chinese line (its ``str``)."""


@dataclass(frozen=True)
class Limits:
    """What one document may cost.

    Attributes:
        rows: rows kept (past them the document is clipped).
        cols: cells kept in a row.
        cell_chars: characters kept in a cell.
        unzipped_bytes: a .docx's parts inflated together, as their zip says.
        part_bytes: the one XML part of a .docx that is read.
        pages: pages of a PDF (a form is one to three).
        page_chars: characters on one PDF page (a form's page has a few thousand).
        seconds: LibreOffice's time to convert an old .doc or .wps.
    """

    rows: int
    cols: int
    cell_chars: int
    unzipped_bytes: int
    part_bytes: int
    pages: int = 100
    page_chars: int = 100_000
    seconds: float = 60.0


@dataclass
class DocumentRows:
    """A document as rows of cell texts, and whether it went past the limits and was cut."""

    rows: list[list[str]]
    clipped: bool = False


#: One cell of a table as a document states it: (its text, columns it spans, rows it spans).
Cell = tuple[str, int, int]


class RowCollector:
    """Collects a document's rows in reading order, within :class:`Limits`.

    Attributes:
        rows: the rows so far.
        clipped: something was cut at a limit.
    """

    def __init__(self, limits: Limits):
        self.limits = limits
        self.rows: list[list[str]] = []
        self.clipped = False

    @property
    def full(self) -> bool:
        """No further row is kept."""
        return len(self.rows) >= self.limits.rows

    def text(self, value: str) -> str:
        """A cell's text cut to the limit."""
        if len(value) > self.limits.cell_chars:
            self.clipped = True
            return value[: self.limits.cell_chars]
        return value

    def line(self, value: str) -> None:
        """A line of text outside the tables, as a row of one cell (blank lines are left out)."""
        value = value.strip()
        if value:
            self._append([self.text(value)])

    def _append(self, row: list[str]) -> None:
        if self.full:
            self.clipped = True
        else:
            self.rows.append(row)

    def table(self, rows: Iterable[list[Cell]]) -> None:
        """A table's rows, each a list of its cells in order; a cell spanning columns or rows fills
        them as a workbook's merged area does (its text in the first, "" in the others)."""
        cols = self.limits.cols
        covered: dict[int, int] = {}  # column → the last row index a cell above still spans
        for r, cells in enumerate(rows):
            if self.full:
                self.clipped = True
                return
            row: list[str] = []
            col = 0
            for text, colspan, rowspan in cells:
                while covered.get(col, -1) >= r:
                    row.append("")
                    col += 1
                if col >= cols:
                    self.clipped = True
                    break
                span = max(1, min(colspan, cols - col))
                row.append(self.text(text))
                row.extend([""] * (span - 1))
                if rowspan > 1:
                    last = r + min(rowspan, self.limits.rows) - 1
                    for c in range(col, col + span):
                        covered[c] = last
                col += span
            self.rows.append(row)

    def result(self) -> DocumentRows:
        return DocumentRows(rows=self.rows, clipped=self.clipped)
