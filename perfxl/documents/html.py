"""Saved web pages (.html, .htm): every table, and the text around the tables, in page order.

Parsed by lxml's HTML parser (libxml2), never by patterns over the markup: no network, no DTD,
no entity but HTML's own, and libxml2's bounds on depth (a page nested deeper than 256 elements is
refused, not walked). The page's declared encoding (GB2312 and GBK pages are common) is read from
its <meta> elements by the same parser before the page is decoded.
"""

from __future__ import annotations

import codecs

from lxml import etree

from .base import Cell, DocumentRows, Limits, RowCollector, Unreadable

#: Elements whose text is no part of the page as shown.
_HIDDEN = {"head", "script", "style", "noscript", "template", "title", "select", "object", "iframe"}
#: Elements that end a line of text before and after them.
_BLOCKS = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "pre",
    "blockquote",
    "address",
    "center",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "form",
    "fieldset",
    "figure",
    "figcaption",
    "hr",
    "caption",
    "body",
    "html",
}
#: The encodings a Chinese page declares, as the superset that decodes what they hold in practice.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
}
#: A saved page's size: its tree costs about thirty times its bytes (a form's page: 20 to 300 KB).
MAX_PAGE_BYTES = 5 * 1024 * 1024
#: Where a page's <meta charset> is looked for: a browser looks in the first 1024 bytes; a saved
#: page's head can be longer (styles, scripts).
_HEAD_BYTES = 64 * 1024


def html_rows(data: bytes, limits: Limits) -> DocumentRows:
    """The rows of a web page: each line of text outside the tables a row, each table row a row."""
    if len(data) > MAX_PAGE_BYTES:
        raise Unreadable(f"网页超过 {MAX_PAGE_BYTES // (1024 * 1024)} MB，未读取（一张自评表的网页一般不到 1 MB）")
    root = _parse(_decoded(data))
    out = RowCollector(limits)
    line: list[str] = []

    def flush() -> None:
        out.line(" ".join("".join(line).split()))
        line.clear()

    # an explicit stack of (element, entering): the walk is iterative, whatever the nesting
    stack = [(root, True)]
    while stack:
        element, entering = stack.pop()
        if out.full:
            out.clipped = True
            break
        tag = _tag(element)
        if not entering:
            if tag in _BLOCKS:
                flush()
            if element.tail:
                line.append(element.tail)
            continue
        if tag in _HIDDEN or tag is None:
            if tag is None and element.tail:  # a comment: only its tail shows
                line.append(element.tail)
            elif element.tail:
                line.append(element.tail)
            continue
        if tag == "table":
            flush()
            out.table(_table_rows(element, limits))
            if element.tail:
                line.append(element.tail)
            continue
        if tag == "br":
            flush()
            if element.tail:
                line.append(element.tail)
            continue
        if tag in _BLOCKS:
            flush()
        if element.text:
            line.append(element.text)
        stack.append((element, False))
        stack.extend((child, True) for child in reversed(element))
    flush()
    return out.result()


def _tag(element) -> str | None:
    """The element's lower-case tag, or None for a comment or processing instruction."""
    return element.tag.lower() if isinstance(element.tag, str) else None


def _declared_encoding(data: bytes) -> str | None:
    """The charset a page's <meta> declares, read by the parser from the page's head as Latin-1
    (every byte a character, so the ASCII markup reads the same whatever the page's encoding)."""
    head = etree.fromstring(data[:_HEAD_BYTES].decode("latin-1"), _parser())
    if head is None:
        return None
    for meta in head.iter("meta"):
        charset = meta.get("charset")
        if charset:
            return charset.strip()
        if (meta.get("http-equiv") or "").strip().lower() == "content-type":
            for part in (meta.get("content") or "").split(";"):
                key, _, value = part.partition("=")
                if key.strip().lower() == "charset" and value.strip():
                    return value.strip().strip("'\"")
    return None


def _decoded(data: bytes) -> str:
    """The page's text: by its byte order mark, else its declared charset, else UTF-8, else GB18030."""
    for bom, bom_encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(bom_encoding, errors="replace")
    declared = _declared_encoding(data)
    if declared:
        name = declared.lower()
        encoding: str | None
        try:
            encoding = _SUPERSETS.get(codecs.lookup(name).name, _SUPERSETS.get(name, codecs.lookup(name).name))
        except LookupError:
            encoding = None
        if encoding:
            return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _parser() -> etree.HTMLParser:
    return etree.HTMLParser(
        no_network=True, huge_tree=False, remove_comments=True, remove_pis=True, default_doctype=False
    )


def _parse(text: str):
    parser = _parser()
    try:
        root = etree.fromstring(text, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise Unreadable(
            f"网页无法解析（{str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__}）"
        ) from exc
    for error in parser.error_log:
        if error.type_name == "ERR_RESOURCE_LIMIT" or "Excessive depth" in error.message:
            raise Unreadable("网页的标签嵌套超过 256 层，不是正常的网页，未读取")
    if root is None:
        raise Unreadable("网页是空的，没有内容")
    return root


def _rows_of(table):
    """The table's own rows (not those of a table inside one of its cells), in order."""
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            yield child
        elif tag in ("thead", "tbody", "tfoot"):
            for row in child:
                if _tag(row) == "tr":
                    yield row


def _number(value: str | None, default: int, most: int) -> int:
    """A rowspan or colspan as a browser takes it: digits, else ``default``; at most ``most``."""
    digits = "".join(ch for ch in (value or "").strip()[:6] if ch.isdigit())
    return max(1, min(int(digits), most)) if digits else default


def _table_rows(table, limits: Limits):
    for tr in _rows_of(table):
        cells: list[Cell] = []
        for td in tr:
            if _tag(td) in ("td", "th"):
                cells.append(
                    (
                        cell_text(td),
                        _number(td.get("colspan"), 1, limits.cols),
                        _number(td.get("rowspan"), 1, limits.rows),
                    )
                )
        yield cells


def cell_text(td) -> str:
    """A cell's text as shown: whitespace collapsed, a <br> or a paragraph a line break (a table
    inside the cell gives its text the same way)."""
    lines: list[str] = []
    line: list[str] = []

    def flush() -> None:
        text = " ".join("".join(line).replace("\xa0", " ").split())
        if text:
            lines.append(text)
        line.clear()

    stack = [(td, True)]
    while stack:
        element, entering = stack.pop()
        tag = _tag(element)
        if not entering:
            if tag in _BLOCKS or tag in ("tr", "td", "th"):
                flush()
            if element is not td and element.tail:
                line.append(element.tail)
            continue
        if tag in _HIDDEN or tag is None or tag == "br":
            if tag == "br":
                flush()
            if element is not td and element.tail:
                line.append(element.tail)
            continue
        if tag in _BLOCKS and element is not td:
            flush()
        if element.text:
            line.append(element.text)
        stack.append((element, False))
        stack.extend((child, True) for child in reversed(element))
    flush()
    return "\n".join(lines)
