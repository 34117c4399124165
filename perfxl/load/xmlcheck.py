"""What is wrong with a workbook's XML, said in Chinese, found by a real XML parser.

python-calamine says "Cannot detect file format" whatever stops it from opening an .xlsx: a part
that is not well-formed, a DTD declaring entities, a part in UTF-16 or in another encoding. And an
.ods whose table never ends makes it loop forever. The standard library's expat parser reads a
part in time linear in its length (entities it is never given: a declaration stops the parse), so
a part is checked with it before calamine gets an .ods, and after calamine has failed on an .xlsx,
to say what is wrong.

Everything here works on bytes already read; nothing opens a file.
"""

from __future__ import annotations

import re
import zipfile
from xml.parsers import expat
from xml.parsers.expat import errors

_DECLARATION_RE = re.compile(rb"<\?xml[^>]*\?>")
_ENCODING_RE = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_UTF8 = {b"utf-8", b"utf8"}
#: expat's messages for what a damaged or hostile part most often holds.
_EXPAT_WORDS = {
    errors.XML_ERROR_TAG_MISMATCH: "开始标签与结束标签不配对",
    errors.XML_ERROR_INVALID_TOKEN: "有不合 XML 语法的字符",
    errors.XML_ERROR_UNCLOSED_TOKEN: "标签没有结束",
    errors.XML_ERROR_NO_ELEMENTS: "内容不完整（元素没有结束）",
    errors.XML_ERROR_SYNTAX: "语法错误",
    errors.XML_ERROR_UNDEFINED_ENTITY: "使用了未定义的实体",
    errors.XML_ERROR_DUPLICATE_ATTRIBUTE: "同一属性出现两次",
    errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT: "根元素之后还有内容",
    errors.XML_ERROR_BAD_CHAR_REF: "字符引用无效",
    errors.XML_ERROR_PARTIAL_CHAR: "字符不完整",
    errors.XML_ERROR_UNCLOSED_CDATA_SECTION: "CDATA 段没有结束",
    errors.XML_ERROR_MISPLACED_XML_PI: "XML 声明不在开头",
}


class _EntityDeclared(Exception):
    """A DTD declares an entity: the part is not parsed further."""


def _refuse_entity(*_args) -> None:
    raise _EntityDeclared


def xml_problem(xml: bytes) -> str | None:
    """Why a part is not XML that python-calamine reads, in one Chinese phrase; None when it is
    well-formed UTF-8 XML that declares no entity.

    Args:
        xml: the part.
    """
    if xml[:2] in (b"\xff\xfe", b"\xfe\xff") or xml[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return "使用 UTF-16 编码（应为 UTF-8），请在 Excel 或 WPS 中打开后另存为 xlsx"
    xml = xml.removeprefix(b"\xef\xbb\xbf")
    declaration = _DECLARATION_RE.match(xml)
    encoding = _ENCODING_RE.search(declaration.group(0)) if declaration else None
    if encoding and encoding.group(1).lower() not in _UTF8:
        name = encoding.group(1).decode("ascii", "replace")[:20]
        return f"声明的编码“{name}”无法读取（应为 UTF-8），请在 Excel 或 WPS 中打开后另存为 xlsx"
    try:
        xml.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"第 {exc.start + 1} 字节起不是有效的 UTF-8 文本"
    parser = expat.ParserCreate()
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    try:
        parser.Parse(xml, True)
    except _EntityDeclared:
        return "声明了 XML 实体（<!ENTITY>），出于安全考虑不读取"
    except expat.ExpatError as exc:
        what = _EXPAT_WORDS.get(expat.ErrorString(exc.code), "格式不正确")
        return f"XML 结构错误（第 {exc.lineno} 行第 {exc.offset + 1} 列：{what}）"
    return None


def zip_xml_problem(zf: zipfile.ZipFile, read) -> str | None:
    """The first XML part of a workbook's zip that :func:`xml_problem` finds wrong, with its name.

    Args:
        zf: the workbook's zip.
        read: ``read(zf, name)`` gives a part's content, bounded (:func:`perfxl.load.zipsafe.read_part`).

    Returns:
        ``"xl/sharedStrings.xml：XML 结构错误（…）"``, or None when every XML part is readable.
    """
    for name in zf.namelist():
        if name.endswith((".xml", ".rels")):
            problem = xml_problem(read(zf, name))
            if problem is not None:
                return f"{name}：{problem}"
    return None
