"""PDF forms as Word, WPS and Excel export them: cells from the table's ruling lines (pdfplumber),
the text outside the tables as rows, page after page.

A PDF is a program of drawing operations, so its cost is bounded before it is run: at most
``Limits.pages`` pages (the page tree is walked lazily, so a PDF of a million pages costs no more
than one of ``pages + 1``), and each page's content streams and the forms it draws inflated to at
most :data:`MAX_PAGE_CONTENT` bytes, counted with a bounded inflate before pdfminer inflates them
(a deflate bomb would otherwise be inflated whole). A PDF with no text at all is a scan: it is
said to be one, not read as an empty form.
"""

from __future__ import annotations

import io
import re
import zlib
from bisect import bisect_left, bisect_right
from itertools import islice
from typing import Any

from .base import DocumentRows, Limits, RowCollector, Unreadable

#: What one page's drawing may inflate to (an exported form's page: 20 to 200 KB).
MAX_PAGE_CONTENT = 16 * 1024 * 1024
#: Nested forms (XObjects drawing XObjects) followed when their size is counted.
_MAX_FORM_DEPTH = 8
#: A page object's type as written outside object streams (/Type /Page, not /Pages).
_PAGE_OBJECT_RE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_SCAN = "PDF 中没有文字（是扫描件或图片），无法读取；请提交 Excel、Word 原表或由其导出的 PDF"


def pdf_rows(data: bytes, limits: Limits) -> DocumentRows:
    """The rows of a PDF: each line of text outside the tables a row, each table row a row."""
    if b"%PDF-" not in data[:1024]:
        raise Unreadable("不是有效的 PDF 文件（文件开头没有 %PDF 标记）")
    # pdfminer parses a page tree's arrays and the cross-reference table in Python: page objects
    # written out past the limit are counted in the bytes first (C speed), before any is parsed
    if sum(1 for _ in islice(_PAGE_OBJECT_RE.finditer(data), limits.pages + 1)) > limits.pages:
        raise Unreadable(f"PDF 超过 {limits.pages} 页，未读取（一张自评表一般 1 至 3 页，请拆分后提交）")
    import pdfplumber
    from pdfminer.pdfpage import PDFPage
    from pdfplumber.page import Page

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many types for a broken file
        raise Unreadable(_broken(exc)) from exc
    out = RowCollector(limits)
    found_text = False
    with pdf:
        try:
            pages = list(islice(PDFPage.create_pages(pdf.doc), limits.pages + 1))
        except Exception as exc:
            raise Unreadable(_broken(exc)) from exc
        if len(pages) > limits.pages:
            raise Unreadable(f"PDF 超过 {limits.pages} 页，未读取（一张自评表一般 1 至 3 页，请拆分后提交）")
        doctop = 0.0
        for number, page_obj in enumerate(pages, start=1):
            if out.full:
                out.clipped = True
                break
            _check_content_size(page_obj, number)
            try:
                page = Page(pdf, page_obj, page_number=number, initial_doctop=doctop)
                doctop += page.height
                chars = page.chars
                if len(chars) > limits.page_chars:
                    raise Unreadable(f"PDF 第 {number} 页有超过 {limits.page_chars} 个字符，不是一般的表格，未读取")
                found_text = found_text or any(c.get("text", "").strip() for c in chars)
                _page_rows(page, out)
            except Unreadable:
                raise
            except Exception as exc:
                raise Unreadable(f"PDF 第 {number} 页无法读取（{_short(exc)}）") from exc
    if not found_text:
        raise Unreadable(_SCAN)
    return out.result()


def _page_rows(page, out: RowCollector) -> None:
    """A page's tables and its lines outside them, top to bottom."""
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]

    def outside(obj) -> bool:
        x = (obj.get("x0", 0) + obj.get("x1", 0)) / 2
        y = (obj.get("top", 0) + obj.get("bottom", 0)) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    items: list[tuple[float, int, Any]] = [(t.bbox[1], 1, t) for t in tables]
    text = page.filter(outside) if boxes else page
    items.extend((line["top"], 0, line["text"]) for line in text.extract_text_lines(strip=True, return_chars=False))
    items.sort(key=lambda item: (item[0], item[1]))
    if tables:  # each char once, by the middle of its height, as pdfplumber places a char in a cell
        chars = sorted(page.chars, key=_middle)
        middles = [_middle(c) for c in chars]
    for _, kind, item in items:
        if kind == 0:
            out.line(item)
            continue
        rows = []
        for row in item.rows:
            # the chars whose middle lies in the row's height, then each cell's by its width
            _, top, _, bottom = row.bbox
            in_row = chars[bisect_left(middles, top) : bisect_right(middles, bottom)]
            rows.append([(_cell_text(cell, in_row), 1, 1) for cell in row.cells])
        out.table(rows)


def _middle(char) -> float:
    return (char["top"] + char["bottom"]) / 2


def _cell_text(bbox, chars) -> str:
    """A cell's text (None: a cell a merged cell covers): its lines joined as :func:`unwrapped` says."""
    from pdfplumber.utils import cluster_objects, extract_text

    if bbox is None:
        return ""
    x0, top, x1, bottom = bbox
    mine = [c for c in chars if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= _middle(c) <= bottom]
    lines = []
    for line in cluster_objects(mine, "top", 3):
        line.sort(key=lambda c: c["x0"])
        text = extract_text(line).strip()
        left, right = line[0]["x0"], line[-1]["x1"]
        lines.append((text, x1 - right, right - left))
    return unwrapped(lines)


def unwrapped(lines: list[tuple[str, float, float]]) -> str:
    """A cell's lines as one text: (text, room left at its right, its width) for each line.

    A line that stops short of the cell's edge by more than two characters ended where the writer
    broke it (or at a space): a line break joins it to the next, as a paragraph's end in a cell. A line that fills the cell was wrapped
    there: the next continues it (Chinese at once, two Latin words or numbers with a space).
    """
    joined = ""
    for i, (text, _room, _width) in enumerate(lines):
        if not text:
            continue
        if joined:
            prev_text, prev_room, prev_width = lines[i - 1]
            char = prev_width / max(len(prev_text), 1)
            latin = joined[-1].isascii() and joined[-1].isalnum() and text[0].isascii() and text[0].isalnum()
            # an opening bracket may not end a line: the line before it stops short, yet wraps
            early = text[0] in "〔（([《“‘【"
            joined += " " if latin else "\n" if prev_room > 2.5 * char + 4 and not early else ""
        joined += text
    return joined


def _check_content_size(page_obj, number: int) -> None:
    """Refuse a page whose drawing inflates past MAX_PAGE_CONTENT (counted without keeping it)."""
    from pdfminer.pdftypes import PDFStream, resolve1

    budget = [MAX_PAGE_CONTENT]
    seen: set[int] = set()

    def count(stream, depth: int) -> None:
        stream = resolve1(stream)
        if not isinstance(stream, PDFStream) or id(stream) in seen:
            return
        seen.add(id(stream))
        budget[0] -= _inflated_size(stream, budget[0])
        if budget[0] < 0:
            raise Unreadable(f"PDF 第 {number} 页的内容解压后超过 {MAX_PAGE_CONTENT // (1024 * 1024)} MB，未读取")
        if depth < _MAX_FORM_DEPTH:
            for child in _xobjects(stream.attrs.get("Resources")):
                count(child, depth + 1)

    try:
        contents = page_obj.contents or []
        resources = page_obj.resources
    except Exception as exc:
        raise Unreadable(f"PDF 第 {number} 页无法读取（{_short(exc)}）") from exc
    for stream in contents:
        count(stream, 0)
    for child in _xobjects(resources):
        count(child, 1)


def _xobjects(resources) -> list:
    """The form XObjects a resource dictionary names (images are not inflated to read text)."""
    from pdfminer.pdftypes import PDFStream, resolve1
    from pdfminer.psparser import LIT

    resources = resolve1(resources)
    xobjects = resolve1(resources.get("XObject")) if isinstance(resources, dict) else None
    if not isinstance(xobjects, dict):
        return []
    found = []
    for value in list(xobjects.values())[:1000]:
        value = resolve1(value)
        if isinstance(value, PDFStream) and value.attrs.get("Subtype") == LIT("Form"):
            found.append(value)
    return found


def _inflated_size(stream, most: int) -> int:
    """How large a stream's data is once inflated, counted up to ``most`` + 1 bytes (a stream with
    any other filter counts its raw size: pdfminer's other filters do not multiply it a thousandfold)."""
    from pdfminer.psparser import LIT

    raw = stream.rawdata if stream.rawdata is not None else (stream.data or b"")
    filters = stream.get_filters() if hasattr(stream, "get_filters") else []
    names = [f[0] if isinstance(f, tuple) else f for f in filters]
    if not any(name in (LIT("FlateDecode"), LIT("Fl")) for name in names):
        return len(raw)
    inflater = zlib.decompressobj()
    size, chunk = 0, raw
    try:
        while chunk and size <= most:
            size += len(inflater.decompress(chunk, 1024 * 1024))
            chunk = inflater.unconsumed_tail
    except zlib.error:
        pass  # pdfminer reads what inflates before the damage: so much is counted
    return size


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


def _broken(exc: BaseException) -> str:
    """Why pdfminer could not open a PDF, in Chinese."""
    cause = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
    name = type(cause).__name__
    if "Password" in name or "Encryption" in name:
        return "PDF 已加密（有密码保护），请去掉密码后再提交"
    return f"PDF 文件已损坏，无法读取（{_short(cause)}）"
