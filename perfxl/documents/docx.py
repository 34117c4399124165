"""Word documents (.docx, also as WPS 文字 saves them): every table, and the paragraphs around them.

The main document part is read from the zip directly (python-docx would load every part of the
package into memory, a zip bomb's included): its declared sizes are checked first, and only that
part and the package's relationships are inflated, never past the size the zip states.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from .base import Cell, DocumentRows, Limits, RowCollector, Unreadable
from .xml import xml_root

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_OFFICE_DOCUMENT = "/officeDocument"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"

P, TBL, TR, TC = _W + "p", _W + "tbl", _W + "tr", _W + "tc"
_T, _TAB, _BR, _CR = _W + "t", _W + "tab", _W + "br", _W + "cr"
_VAL = _W + "val"
#: Elements that only wrap others (content controls, custom XML, tracked insertions, smart tags):
#: their children stand in their place.
_WRAPPERS = {_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "ins", _W + "smartTag", _W + "body"}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def docx_rows(data: bytes, limits: Limits) -> DocumentRows:
    """The rows of a .docx: each paragraph outside the tables a row, each table row a row."""
    body = _body(data, limits)
    out = RowCollector(limits)
    for element in _children(body):
        if out.full:
            out.clipped = True
            break
        if element.tag == P:
            out.line(paragraph_text(element))
        elif element.tag == TBL:
            out.table(_table_rows(element))
    return out.result()


def _body(data: bytes, limits: Limits):
    if data.startswith(OLE2_MAGIC):
        raise Unreadable("是旧版 Word 文档（.doc）或已加密的文档：请去掉密码，或在 Word/WPS 中另存为 .docx 后再提交")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise Unreadable("不是有效的 Word 文档（内容不是完好的 docx 格式）") from exc
    with zf:
        if sum(info.file_size for info in infos) > limits.unzipped_bytes:
            raise Unreadable(f"文件解压后超过 {limits.unzipped_bytes // (1024 * 1024)} MB，疑似压缩炸弹，未读取")
        names = {info.filename for info in infos}
        if "xl/workbook.xml" in names:
            raise Unreadable("是 Excel 工作簿，不是 Word 文档（请改为 .xlsx 扩展名）")
        part = _main_part(zf, names, limits)
        root = xml_root(_read(zf, part, limits), part)
    body = root.find(_W + "body")
    if body is None:
        raise Unreadable(f"不是有效的 Word 文档（{part} 中没有正文）")
    return body


def _main_part(zf: zipfile.ZipFile, names: set[str], limits: Limits) -> str:
    """The document part the package's relationships name (word/document.xml in every writer seen)."""
    if "_rels/.rels" in names:
        rels = xml_root(_read(zf, "_rels/.rels", limits), "_rels/.rels")
        for rel in rels.iter(_PKG_REL):
            target = (rel.get("Target") or "").lstrip("/")
            if (rel.get("Type") or "").endswith(_OFFICE_DOCUMENT) and target in names:
                return target
    if "word/document.xml" in names:
        return "word/document.xml"
    raise Unreadable("不是有效的 Word 文档（没有 word/document.xml）")


def _read(zf: zipfile.ZipFile, name: str, limits: Limits) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > limits.part_bytes:
        raise Unreadable(f"{name} 解压后超过 {limits.part_bytes // (1024 * 1024)} MB，未读取")
    try:
        with zf.open(info) as fh:  # stops at the declared size; a part inflating further fails its CRC
            return fh.read(limits.part_bytes + 1)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, zlib.error, EOFError) as exc:
        raise Unreadable(f"文件已损坏，无法解压 {name}（{exc}）") from exc


def _children(element):
    """The children of ``element`` with every wrapper replaced by its own children, in order."""
    stack = [iter(element)]
    while stack:
        for child in stack[-1]:
            if child.tag in _WRAPPERS:
                stack.append(iter(child))
                break
            yield child
        else:
            stack.pop()


def _span(tc, name: str) -> str | None:
    """The w:val of a cell property (``gridSpan``, ``vMerge``, ``hMerge``), "" when it has none,
    None when the cell lacks it."""
    props = tc.find(_W + "tcPr")
    found = None if props is None else props.find(_W + name)
    return None if found is None else found.get(_VAL, "")


def _count(value: str | None) -> int:
    try:
        return max(1, int(value)) if value else 1
    except ValueError:
        return 1


def _table_rows(tbl):
    """Each row of a table as its cells: a vertically merged cell's continuation is empty (its text
    stands in the cell where the merge starts), a w:gridBefore's columns are empty cells."""
    for tr in _children(tbl):
        if tr.tag != TR:
            continue
        cells: list[Cell] = []
        props = tr.find(_W + "trPr")
        before = None if props is None else props.find(_W + "gridBefore")
        if before is not None:
            cells.append(("", _count(before.get(_VAL)), 1))
        for tc in _children(tr):
            if tc.tag != TC:
                continue
            continued = _span(tc, "vMerge") not in (None, "restart") or _span(tc, "hMerge") not in (None, "restart")
            text = "" if continued else cell_text(tc)
            cells.append((text, _count(_span(tc, "gridSpan")), 1))
        yield cells


def cell_text(tc) -> str:
    """A cell's paragraphs (those of a table inside it too), joined with line breaks."""
    lines = [paragraph_text(p) for p in tc.iter(P) if not _in_fallback(p, tc)]
    return "\n".join(lines).strip()


def _owner(element):
    """The nearest w:p around ``element`` (its own paragraph), or None."""
    while element is not None and element.tag != P:
        element = element.getparent()
    return element


def paragraph_text(p) -> str:
    """A paragraph's text: its runs' text, tabs as spaces, breaks as line breaks; text in a
    paragraph nested inside it (a text box) and in a markup fallback is left to that paragraph
    or left out."""
    parts = []
    for node in p.iter(_T, _TAB, _BR, _CR):
        if _owner(node.getparent()) is not p or _in_fallback(node, p):
            continue
        if node.tag == _T:
            parts.append(node.text or "")
        elif node.tag == _TAB:
            parts.append(" ")
        else:
            parts.append("\n")
    return "".join(parts)


def _in_fallback(node, stop) -> bool:
    element = node.getparent()
    while element is not None and element is not stop:
        if element.tag == _MC_FALLBACK:
            return True
        element = element.getparent()
    return False
