"""Workbooks written as raw SpreadsheetML, for tests that need exact control over the XML.

:func:`xlsx_bytes` packs the given ``<sheetData>`` content, shared strings and number formats into
a minimal valid .xlsx, so that a test can put any cell shape, escape or style in front of both of
perfxl's readers (:mod:`perfxl.load.fast` and python-calamine) and compare what they read.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape, quoteattr

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def styles_xml(formats: list[int | str]) -> str:
    """A styles part whose cellXfs are, in order, ``formats``: a built-in id or a format code
    (given an id from 164 on)."""
    custom: dict[str, int] = {}
    xfs = []
    for fmt in formats:
        if isinstance(fmt, str):
            fmt = custom.setdefault(fmt, 164 + len(custom))
        xfs.append(f'<xf numFmtId="{fmt}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>')
    # as Excel writes them: double quotes, with &quot; inside
    num_fmts = "".join(
        f'<numFmt numFmtId="{i}" formatCode="{escape(code, {chr(34): "&quot;"})}"/>' for code, i in custom.items()
    )
    return (
        f"{DECLARATION}<styleSheet {NS}>"
        + (f'<numFmts count="{len(custom)}">{num_fmts}</numFmts>' if custom else "")
        + '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs></styleSheet>'
    )


def xlsx_bytes(
    sheets: dict[str, str] | str,
    shared: list[str] | None = None,
    formats: list[int | str] | None = None,
    hidden: tuple[str, ...] = (),
) -> bytes:
    """A workbook from raw XML.

    Args:
        sheets: sheet name → the content of its ``<sheetData>`` (``<row r="1"><c …>…</c></row>``),
            or that content alone for one sheet called ``S``.
        shared: the ``<si>`` contents of a shared string table (``<t>a</t>``), or None for none.
        formats: the number format of each cell style (see :func:`styles_xml`); default only style 0.
        hidden: names of sheets marked hidden.

    Returns:
        The .xlsx file's bytes.
    """
    if isinstance(sheets, str):
        sheets = {"S": sheets}
    names = list(sheets)
    rels = [
        f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(names) + 1)
    ]
    n = len(names)
    rels.append(f'<Relationship Id="rId{n + 1}" Type="{REL}/styles" Target="styles.xml"/>')
    if shared is not None:
        rels.append(f'<Relationship Id="rId{n + 2}" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
    sheet_tags = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{i}"{" state=" + chr(34) + "hidden" + chr(34) if name in hidden else ""}'
        f' r:id="rId{i}"/>'
        for i, name in enumerate(names, start=1)
    )
    parts = {
        "[Content_Types].xml": (
            f'{DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/></Types>'
        ),
        "_rels/.rels": (
            f'{DECLARATION}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": f"{DECLARATION}<workbook {NS} {RNS}><sheets>{sheet_tags}</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": (
            f'{DECLARATION}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f"{''.join(rels)}</Relationships>"
        ),
        "xl/styles.xml": styles_xml(formats or [0]),
    }
    for i, name in enumerate(names, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = (
            f"{DECLARATION}<worksheet {NS} {RNS}><sheetData>{sheets[name]}</sheetData></worksheet>"
        )
    if shared is not None:
        items = "".join(f"<si>{item}</si>" for item in shared)
        parts["xl/sharedStrings.xml"] = (
            f'{DECLARATION}<sst {NS} count="{len(shared)}" uniqueCount="{len(shared)}">{items}</sst>'
        )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text.encode("utf-8"))
    return buf.getvalue()


def text_run(text: str, preserve: bool = False) -> str:
    """A ``<t>`` run holding ``text`` (XML-escaped)."""
    return f"<t{' xml:space=' + chr(34) + 'preserve' + chr(34) if preserve else ''}>{escape(text)}</t>"
