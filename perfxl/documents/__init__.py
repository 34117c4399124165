"""Forms that arrive as documents: Word tables, saved web pages and PDFs, turned into rows of cells.

Each format has its own parser (:mod:`.docx`, :mod:`.html`, :mod:`.pdf`, :mod:`.legacy` for the old
binary .doc and .wps), and all of them give what :func:`document_rows` returns: the document's
rows in reading order, a paragraph (or a line of text) outside the tables as a row of one cell, and
each table row as a row of cells with merged cells spread as a workbook keeps them (the value in
the first cell of the merged area, "" in the others).

This package knows nothing of grids or of the reader: :func:`perfxl.load.load_grids` reads the
file's bytes, hands them here with its limits, and makes the grid. Every parser bounds what it
reads by :class:`Limits`, and refuses a file it cannot read with :class:`Unreadable`, whose text
is the one Chinese line a person is shown.
"""

from __future__ import annotations

from pathlib import Path

from .base import DocumentRows, Limits, Unreadable

__all__ = ["DOCUMENT_SHEET", "DOCUMENT_SUFFIXES", "DocumentRows", "Limits", "Unreadable", "document_rows"]

#: The documents perfxl reads (the old binary .doc and .wps through LibreOffice when installed).
DOCUMENT_SUFFIXES = frozenset({".docx", ".html", ".htm", ".pdf", ".doc", ".wps"})

#: The sheet name a document's grid carries (cell locations read 文档!C7: row 7 of the document's
#: rows, a paragraph outside the tables counting as one row).
DOCUMENT_SHEET = "文档"


def document_rows(path: Path, data: bytes, limits: Limits) -> DocumentRows:
    """The rows of a document, by its file ending.

    Args:
        path: the file (its ending chooses the parser; it is not read again).
        data: its bytes.
        limits: what it may cost.

    Raises:
        Unreadable: it is broken, encrypted, a scan without text, or past a limit that is not cut.
    """
    suffix = path.suffix.lower()
    if suffix == ".docx":
        from .docx import docx_rows

        return docx_rows(data, limits)
    if suffix in (".html", ".htm"):
        from .html import html_rows

        return html_rows(data, limits)
    if suffix == ".pdf":
        from .pdf import pdf_rows

        return pdf_rows(data, limits)
    if suffix in (".doc", ".wps"):
        from .legacy import legacy_rows

        return legacy_rows(data, suffix, limits)
    raise Unreadable(f"不是可读取的文档类型“{suffix}”")
