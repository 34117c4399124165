"""Hostile and broken inputs for the adversarial suite, generated at test time.

Nothing here is read from disk: every file is written into a folder the test gives (``tmp_path``).
Workbooks are written as raw SpreadsheetML into a zip, not through openpyxl, because the hostile
cases need what openpyxl will not write or writes too slowly: a text cell starting with ``=``
(openpyxl turns it into a formula), a formula with no cached value, a cached ``#DIV/0!``, ``NaN`` in
a number cell, a million rows, a sheet that inflates to hundreds of MB.

Cells of a row (:func:`xlsx_bytes`) are given as Python values:

- ``str`` — a text cell, stored inline exactly as given (``=cmd|' /C calc'!A0`` stays text);
- ``int`` / ``float`` — a number (``float("nan")`` is written as ``NaN``, as a broken writer does);
- ``bool`` — a logical value;
- :class:`Percent` — a number with a percent format (98.5 % is stored as 0.985);
- ``datetime.date`` / ``datetime.datetime`` — a date serial with a date format;
- :class:`Formula` — a formula, with or without a cached value;
- :class:`Error` — a cached error value such as ``#DIV/0!``;
- ``None`` or ``""`` — no cell.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from perfxl.load import column_letter

TITLE = "区级部门预算项目绩效自评表"


@dataclass(frozen=True)
class Percent:
    """A number shown as a percentage: ``Percent(0.985)`` is 98.5 %."""

    fraction: float


@dataclass(frozen=True)
class Formula:
    """A formula cell; ``cached`` None is a file never calculated (written by a library)."""

    text: str
    cached: float | str | None = None


@dataclass(frozen=True)
class Error:
    """A cached error value (``#DIV/0!``, ``#NAME?``)."""

    code: str


# ------------------------------------------------------------------------------------ the form

#: The indicator rows of the clean form: (一级, 二级, 三级, 预期指标值, 实际完成值, 分值, 自评得分).
INDICATORS = [
    ["产出指标(50)", "数量指标", "完成专题材料翻译数量", "≥4篇", "6篇", 50, 50],
    ["预算执行率指标(10分)", "预算执行率", "", ">=95%", Percent(0.985), 10, 10],
    ["效益指标(30)", "社会效益指标", "翻译准确率", ">=90%", "98%", 30, 30],
    ["满意度指标(10分)", "满意度指标", "翻译满意度", ">=95%", "100%", 10, 10],
]


def form_rows(
    *,
    project: object = "翻译费",
    unit: object = "投资服务局",
    filled_by: object = "李强",
    goal: object = "完成出国招商翻译及业务资料翻译",
    achievement: object = "完成专题资料翻译6篇",
    problems: object = "无",
    budget: object = 4,
    received: object = 4,
    spent: object = 3.94,
    progress: object = Percent(0.985),
    indicators: list[list] | None = None,
    total: object = 100,
) -> list[list]:
    """A 绩效自评表 as rows of cells; with the defaults it is clean (no finding at all).

    Args:
        project, unit, filled_by, goal, achievement, problems: the text fields (项目名称, 填报单位,
            填报人, 年度预期目标, 具体完成情况, section 五).
        budget, received, spent: 预算数, 到位数, 执行数 (万元).
        progress: the stated 预算执行进度.
        indicators: the indicator rows (see :data:`INDICATORS`).
        total: the stated 总分.

    Returns:
        The rows, row 1 first; the cells are values as :func:`xlsx_bytes` takes them.
    """
    rows: list[list] = [
        [TITLE],
        ["(2020年度)"],
        ["填报单位", unit],
        ["金额单位：万元"],
        ["一、基本情况", "项目名称", project, "实施(主管)单位", "投资服务局"],
        ["二、预算执行情况", "预算安排情况(调整后)", None, "资金到位情况", None, "资金执行情况", None, "预算执行进度"],
        [None, "预算数:", budget, "到位数:", received, "执行数:", spent, progress],
        ["三、目标完成情况", "年度预期目标", None, None, "具体完成情况", None, "总体完成率"],
        [None, goal, None, None, achievement, None, "完成预算目标"],
        [
            "四、年度绩效指标完成情况",
            "一级指标",
            "二级指标",
            "三级指标",
            "预期指标值",
            "实际完成值",
            "分值",
            "自评得分",
        ],
    ]
    for ind in INDICATORS if indicators is None else indicators:
        rows.append([None, *ind])
    rows += [
        ["总分", None, None, None, None, None, None, total],
        ["五、存在问题、原因及下一步整改措施", problems],
        ["填报人:", filled_by],
        ["联系电话:", "85095022"],
    ]
    return rows


#: Where the fields of :func:`form_rows` stand (row, col), 0-based, for tests that edit one cell.
CELL = {
    "project": (4, 2),
    "unit": (2, 1),
    "budget": (6, 2),
    "received": (6, 4),
    "spent": (6, 6),
    "progress": (6, 7),
    "goal": (8, 1),
    "problems": (11 + len(INDICATORS), 1),
    "filled_by": (12 + len(INDICATORS), 1),
    "total": (10 + len(INDICATORS), 7),
    "first_score": (10, 7),
    "first_weight": (10, 6),
    "first_actual": (10, 5),
}


def edited(cells: dict[str, object]) -> list[list]:
    """The clean form with some cells replaced, named as in :data:`CELL`."""
    rows = [list(r) for r in form_rows()]
    for name, value in cells.items():
        r, c = CELL[name]
        rows[r].extend([None] * (c + 1 - len(rows[r])))
        rows[r][c] = value
    return rows


def many_indicators(n: int) -> list[list]:
    """A form with ``n`` indicator rows under one 产出指标 of weight 100 (each worth 100 / n)."""
    weight = round(100 / n, 6)
    inds = [
        [
            "产出指标(100)" if i == 0 else None,
            "数量指标" if i == 0 else None,
            f"完成事项{i + 1}",
            "≥10个",
            "10个",
            weight,
            weight,
        ]
        for i in range(n)
    ]
    return form_rows(indicators=inds, total=round(weight * n, 2))


# --------------------------------------------------------------------------------- xlsx writer

_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)
_PERCENT_STYLE, _DATE_STYLE = 1, 2
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_EPOCH = dt.datetime(1899, 12, 30)


def _number(x: float) -> str:
    if isinstance(x, float) and math.isnan(x):
        return "NaN"
    if isinstance(x, float) and math.isinf(x):
        return "INF" if x > 0 else "-INF"
    return repr(x)


def _cell_xml(ref: str, value: object) -> str:
    """One ``<c>`` element, or "" for no cell."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{_number(value)}</v></c>'
    if isinstance(value, Percent):
        return f'<c r="{ref}" s="{_PERCENT_STYLE}"><v>{_number(value.fraction)}</v></c>'
    if isinstance(value, (dt.date, dt.datetime)):
        when = value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
        serial = (when - _EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="{_DATE_STYLE}"><v>{serial:g}</v></c>'
    if isinstance(value, Formula):
        f = f"<f>{escape(value.text)}</f>"
        if value.cached is None:
            return f'<c r="{ref}">{f}</c>'
        if isinstance(value.cached, str):
            return f'<c r="{ref}" t="str">{f}<v>{escape(value.cached)}</v></c>'
        return f'<c r="{ref}">{f}<v>{_number(value.cached)}</v></c>'
    if isinstance(value, Error):
        return f'<c r="{ref}" t="e"><v>{escape(value.code)}</v></c>'
    text = escape(str(value), {"\r": "&#13;", "\t": "&#9;", "\n": "&#10;"})
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def sheet_xml(rows: list[list], merged: tuple[str, ...] = ()) -> bytes:
    """The worksheet part for ``rows`` (row 1 first), with merged ranges such as ``"B5:C5"``."""
    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {_NS} {_RNS}><sheetData>']
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell_xml(f"{column_letter(c)}{r}", v) for c, v in enumerate(row))
        if cells:
            parts.append(f'<row r="{r}">{cells}</row>')
    parts.append("</sheetData>")
    if merged:
        parts.append(
            f'<mergeCells count="{len(merged)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merged) + "</mergeCells>"
        )
    parts.append("</worksheet>")
    return "".join(parts).encode("utf-8")


def _package(sheets: list[tuple[str, bytes | None]]) -> dict[str, bytes]:
    """Every part of a workbook except the sheet parts whose content is None (streamed later)."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>"
    )
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    sheet_list = "".join(
        f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
        for i, (name, _) in enumerate(sheets, start=1)
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {_NS} {_RNS}>'
        f"<sheets>{sheet_list}</sheets></workbook>"
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    n = len(sheets) + 1
    rels += (
        f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/>'
    )
    parts = {
        "[Content_Types].xml": types.encode(),
        "_rels/.rels": root_rels.encode(),
        "xl/workbook.xml": workbook.encode(),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f"{rels}</Relationships>"
        ).encode(),
        "xl/styles.xml": _STYLES.encode(),
    }
    for i, (_, content) in enumerate(sheets, start=1):
        if content is not None:
            parts[f"xl/worksheets/sheet{i}.xml"] = content
    return parts


def xlsx_bytes(sheets: dict[str, list[list]] | list[list], merged: tuple[str, ...] = ()) -> bytes:
    """A workbook: one sheet ``自评表`` from rows, or ``{sheet name: rows}``.

    Args:
        sheets: rows of one sheet, or sheets by name.
        merged: merged ranges of the first sheet.

    Returns:
        The .xlsx file's bytes.
    """
    if isinstance(sheets, list):
        sheets = {"自评表": sheets}
    named = [(name, sheet_xml(rows, merged if i == 0 else ())) for i, (name, rows) in enumerate(sheets.items())]
    return zipped(_package(named))


def write_xlsx(path: Path, sheets: dict[str, list[list]] | list[list], merged: tuple[str, ...] = ()) -> Path:
    """:func:`xlsx_bytes` written to ``path``; returns ``path``."""
    path.write_bytes(xlsx_bytes(sheets, merged))
    return path


def _streamed_sheet(path: Path, head: list[list], filler_rows: int, filler: bytes) -> Path:
    """A workbook whose sheet is ``head`` followed by ``filler_rows`` rows generated as a stream.

    The sheet is compressed as it is generated, so the file is never held inflated on disk or in
    memory. ``filler`` is one row's XML with ``{r}`` for its row number.
    """
    start = sheet_xml(head)
    opening, closing = start.split(b"</sheetData>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in _package([("自评表", None)]).items():
            zf.writestr(name, data)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(opening)
            chunk: list[bytes] = []
            for r in range(len(head) + 1, len(head) + 1 + filler_rows):
                chunk.append(filler.replace(b"{r}", str(r).encode()))
                if len(chunk) == 10_000:
                    out.write(b"".join(chunk))
                    chunk = []
            out.write(b"".join(chunk))
            out.write(b"</sheetData>" + closing)
    return path


def million_rows(path: Path, rows: int = 1_000_000) -> Path:
    """A form followed by ``rows`` rows of numbers (about 40 MB of XML, a few MB zipped)."""
    return _streamed_sheet(path, form_rows(), rows, b'<row r="{r}"><c r="A{r}"><v>1</v></c></row>')


def _form_with_tail(path: Path, tail: bytes) -> Path:
    """The clean form with raw ``tail`` XML appended to its sheet data."""
    xml = sheet_xml(form_rows()).replace(b"</sheetData>", tail + b"</sheetData>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in _package([("自评表", xml)]).items():
            zf.writestr(name, data)
    path.write_bytes(buf.getvalue())
    return path


def far_cell(path: Path) -> Path:
    """The clean form and one more cell, at XFD1048576: a 1 KB file whose used range is the whole
    sheet (17 billion cells for a reader that allocates the range)."""
    return _form_with_tail(path, _FAR_ROW)


def wide_unplaced_row(path: Path, width: int = 16_384) -> Path:
    """The clean form and a row of ``width`` cells without ``r`` attributes (each after the last),
    then a row far below: the range is as wide and as tall as a reader places them."""
    return _form_with_tail(
        path, b'<row r="30">' + b"<c><v>1</v></c>" * width + b'</row><row r="19999"><c r="A19999"><v>1</v></c></row>'
    )


def zip_bomb(path: Path, inflated_mb: int = 300) -> Path:
    """A small workbook whose sheet inflates to ``inflated_mb`` MB: one row padded with spaces.

    XML allows whitespace between elements, and deflate turns megabytes of it into a few bytes;
    the pad is streamed into the zip, never built in full.
    """
    block = b" " * (1024 * 1024)
    opening, closing = sheet_xml(form_rows()).split(b"</sheetData>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in _package([("自评表", None)]).items():
            zf.writestr(name, data)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(opening)
            for _ in range(inflated_mb):
                out.write(block)
            out.write(b"</sheetData>" + closing)
    return path


def lying_zip_bomb(path: Path, inflated_mb: int = 300) -> Path:
    """:func:`zip_bomb` whose zip headers claim the sheet inflates to 1 KB (a bomb hiding its size).

    The uncompressed size is rewritten in the local header and the central directory (and in their
    zip64 extra fields), so a reader that trusts the headers opens it.
    """
    zip_bomb(path, inflated_mb)
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    for signature, size_at, name_len_at, header in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        at = data.find(signature)
        while at != -1:
            n = int.from_bytes(data[at + name_len_at : at + name_len_at + 2], "little")
            m = int.from_bytes(data[at + name_len_at + 2 : at + name_len_at + 4], "little")
            if bytes(data[at + header : at + header + n]) == name:
                _claim_small(data, at + size_at, at + header + n, m)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    return path


def _claim_small(data: bytearray, size_at: int, extra_at: int, extra_len: int) -> None:
    """Set a header's uncompressed size to 1024, in its 4-byte field or its zip64 extra field."""
    if data[size_at : size_at + 4] != b"\xff\xff\xff\xff":
        data[size_at : size_at + 4] = (1024).to_bytes(4, "little")
        return
    at = extra_at
    while at < extra_at + extra_len:
        kind = int.from_bytes(data[at : at + 2], "little")
        size = int.from_bytes(data[at + 2 : at + 4], "little")
        if kind == 1:  # zip64: the uncompressed size comes first
            data[at + 4 : at + 12] = (1024).to_bytes(8, "little")
            return
        at += 4 + size


# ----------------------------------------------------------------------------------- OpenDocument

_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def _ods_cell(value: object) -> str:
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, Percent):
        return (
            f'<table:table-cell office:value-type="percentage" office:value="{value.fraction!r}">'
            f"<text:p>{value.fraction * 100:g}%</text:p></table:table-cell>"
        )
    if isinstance(value, (int, float)):
        return f'<table:table-cell office:value-type="float" office:value="{value!r}"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'


def repeated_ods(path: Path, rows: int = 9_000, cols: int = 10_000) -> Path:
    """The clean form as .ods, then one row holding the number 1 repeated ``cols`` times, the row
    repeated ``rows`` times: a file of a few KB that asks for 90 million values."""
    tail = (
        f'<table:table-row table:number-rows-repeated="{rows}"><table:table-cell office:value-type="float" '
        f'office:value="1" table:number-columns-repeated="{cols}"><text:p>1</text:p></table:table-cell>'
        "</table:table-row>"
    )
    path.write_bytes(ods_bytes(form_rows(), tail.encode()))
    return path


# ------------------------------------------------------------------------------ text and JSON


def text_dump(rows: list[list]) -> str:
    """Rows as a tab-separated text dump, the way archived forms come out of PDFs."""
    return "\n".join(
        "\t".join("" if v is None else str(v.fraction * 100) + "%" if isinstance(v, Percent) else str(v) for v in row)
        for row in rows
    )


def endless_text(path: Path, lines: int = 40_000_000, tabs: int = 2_000_000) -> Path:
    """The clean form as text, one of its lines followed by ``tabs`` tabs, then ``lines`` empty lines
    (about 40 MB, under the size limit)."""
    rows = text_dump(form_rows()).split("\n")
    rows[1] += "\t" * tabs
    path.write_text("\n".join(rows) + "\n" * lines, encoding="utf-8")
    return path


def deep_json(path: Path, depth: int = 100_000) -> Path:
    """``[[[[…]]]]`` nested deeper than Python's stack."""
    path.write_text("[" * depth + "]" * depth, encoding="utf-8")
    return path


def oversized(path: Path, mb: int = 51) -> Path:
    """A file of ``mb`` MB of zero bytes, written sparse (instantly, without using the disk)."""
    with open(path, "wb") as fh:
        fh.truncate(mb * 1024 * 1024)
    return path


# --------------------------------------------------------------------------- other broken files


def docx_bytes() -> bytes:
    """A minimal Word document (a zip with ``word/document.xml``)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        zf.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats'
            '.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>项目名称</w:t></w:r></w:p></w:body>'
            "</w:document>",
        )
    return buf.getvalue()


def pdf_bytes() -> bytes:
    """A minimal one-page PDF."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
        b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def encrypted_xlsx_bytes(password: str = "123456") -> bytes:
    """A clean form encrypted with a password, as Excel's 'Protect Workbook with password' stores it
    (an OLE2 container holding the encrypted package), made with msoffcrypto-tool."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(xlsx_bytes(form_rows()))).encrypt(password, out)
    return out.getvalue()


def random_bytes(n: int = 4096, seed: int = 5) -> bytes:
    """``n`` bytes of noise, the same for the same seed."""
    import random

    return random.Random(seed).randbytes(n)


def openpyxl_formula_form(path: Path) -> Path:
    """The clean form saved by openpyxl with 执行数 and 总分 as formulas: openpyxl stores no cached
    value, so the file holds formulas Excel never calculated."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "自评表"
    rows = edited({"spent": "=C7*0.985", "total": "=SUM(H11:H14)"})
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if isinstance(value, Percent):
                ws.cell(r, c, value.fraction).number_format = "0.0%"
            elif value not in (None, ""):
                ws.cell(r, c, value)
    wb.save(path)
    return path


def file_hashes(paths) -> dict[str, str]:
    """sha256 of each file, to prove inputs are never written."""
    import hashlib

    return {str(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}


# ------------------------------------------------------------------------------- unclosed tags

#: Where a run of repeated XML goes in each part of the clean form's workbook: the text it is put
#: before. Every regular-expression scan of these parts once tried each of thousands of unclosed
#: tags against the rest of the part: time grew with the square of their number.
REPEAT_PLACES = {
    "xl/worksheets/sheet1.xml": b"</sheetData>",
    "xl/sharedStrings.xml": b"</sst>",
    "xl/_rels/workbook.xml.rels": b"</Relationships>",
    "xl/workbook.xml": b"</workbook>",
    "xl/styles.xml": b"</styleSheet>",
}

_SHARED_STRINGS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<sst {_NS} count="1" uniqueCount="1"><si><t>翻译费</t></si></sst>'
)
_STRINGS_REL = (
    '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/>'
)


def repeated_xlsx(
    part: str, unit: bytes, n: int, around: tuple[bytes, bytes] = (b"", b""), calamine: bool = False
) -> bytes:
    """The clean form's workbook with ``unit`` repeated ``n`` times in ``part`` (see
    :data:`REPEAT_PLACES`), between ``around``: a few KB zipped, whatever ``n``.

    ``calamine`` puts a comment in the workbook part, which perfxl's own reader leaves to
    python-calamine: the scans of that path then read the parts.
    """
    parts = _package([("自评表", sheet_xml(form_rows()))])
    parts["xl/sharedStrings.xml"] = _SHARED_STRINGS.encode()
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = parts[rels].replace(b"</Relationships>", _STRINGS_REL.encode() + b"</Relationships>")
    at = REPEAT_PLACES[part]
    parts[part] = parts[part].replace(at, around[0] + unit * n + around[1] + at, 1)
    data = zipped(parts)
    return with_comment(data) if calamine else data


def zipped(parts: dict[str, bytes]) -> bytes:
    """A zip holding ``parts`` (name → content), deflated."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def replace_part(data: bytes, part: str, change) -> bytes:
    """A workbook's bytes with one part changed: ``change(its bytes)`` gives the new ones."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    parts[part] = change(parts[part])
    return zipped(parts)


def with_comment(data: bytes) -> bytes:
    """The workbook with a comment in its workbook part: perfxl's own reader leaves such a workbook
    to python-calamine, so the scans of that path read its parts."""
    return replace_part(data, "xl/workbook.xml", lambda xml: xml.replace(b"<sheets>", b"<!-- --><sheets>"))


def ods_bytes(rows: list[list], tail: bytes = b"") -> bytes:
    """An .ods holding ``rows`` in one table, with raw ``tail`` XML after its rows."""
    body = "".join(
        "<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>" for row in rows
    ).encode()
    content = (
        (
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} office:version="1.2">'
            '<office:body><office:spreadsheet><table:table table:name="自评表">'
        ).encode()
        + body
        + tail
        + (b"</table:table></office:spreadsheet></office:body></office:document-content>")
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
    return buf.getvalue()


_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
    'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
    'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


# ------------------------------------------------------------------------------------------- .xls


def _biff(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _biff_text(text: str, length: str) -> bytes:
    """A BIFF8 unicode string with a ``length`` ("B" or "H") character count, stored as UTF-16."""
    return struct.pack("<" + length + "B", len(text), 1) + text.encode("utf-16-le")


def _biff_cell(row: int, col: int, value: object) -> bytes:
    if isinstance(value, Percent):
        value = value.fraction
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _biff(0x0203, struct.pack("<HHHd", row, col, 0, float(value)))  # NUMBER
    return _biff(0x0204, struct.pack("<HHH", row, col, 0) + _biff_text(str(value), "H"))  # LABEL


def xls_bytes(rows: list[list], extra_cells: list[tuple[int, int, object]] = ()) -> bytes:
    """An .xls (BIFF8 in an OLE2 compound file) holding ``rows`` in one sheet, and ``extra_cells``
    ((row, col, value), 0-based) wherever they say: what no spreadsheet program would write."""
    cells = [(r, c, v) for r, row in enumerate(rows) for c, v in enumerate(row) if v not in (None, "")]
    cells += list(extra_cells)
    last_row, last_col = max(r for r, _, _ in cells), max(c for _, c, _ in cells)
    sheet = (
        _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 6))
        + _biff(0x0200, struct.pack("<IIHHH", 0, last_row + 1, 0, min(last_col + 1, 0xFFFF), 0))
        + b"".join(_biff_cell(r, c, v) for r, c, v in cells)
        + _biff(0x000A, b"")
    )
    bof = _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 6))
    name = "自评表"
    boundsheet_len = 4 + 6 + 2 + 2 * len(name)
    offset = len(bof) + boundsheet_len + 4  # the sheet's BOF follows the globals' EOF
    globals_ = bof + _biff(0x0085, struct.pack("<IBB", offset, 0, 0) + _biff_text(name, "B")) + _biff(0x000A, b"")
    return _compound_file(globals_ + sheet)


def _compound_file(stream: bytes) -> bytes:
    """An OLE2 compound file (version 3, 512-byte sectors) holding one stream named Workbook."""
    stream += b"\0" * (max(4096, -(-len(stream) // 512) * 512) - len(stream))  # not in the mini stream
    n = len(stream) // 512
    end, free = 0xFFFFFFFE, 0xFFFFFFFF
    # sector 0: the FAT; sector 1: the directory; sectors 2…: the stream
    fat = [0xFFFFFFFD, end] + [2 + i + 1 for i in range(n - 1)] + [end]
    assert len(fat) <= 128
    fat_sector = struct.pack("<128I", *(fat + [free] * (128 - len(fat))))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(raw), kind, 1, free, free, child)
            + b"\0" * 16
            + b"\0" * 4
            + b"\0" * 16
            + struct.pack("<IIHH", start, size, 0, 0)
        )

    directory = (entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, free, 2, len(stream))).ljust(512, b"\0")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I108I", 0, *([free] * 108))
    )
    return header + fat_sector + directory + stream


def shared_part_xlsx(sheets: int = 50, rows: int = 5_000) -> bytes:
    """A workbook of ``sheets`` sheets that all point at one sheet part: the clean form followed by
    ``rows`` rows of four numbers each. Every sheet is that part again."""
    filler = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{column_letter(c)}{r}"><v>{r}</v></c>' for c in range(4)) + "</row>"
        for r in range(len(form_rows()) + 1, len(form_rows()) + 1 + rows)
    ).encode()
    sheet = sheet_xml(form_rows()).replace(b"</sheetData>", filler + b"</sheetData>")
    parts = _package([(f"表{i}", sheet if i == 1 else None) for i in range(1, sheets + 1)])
    rels = "xl/_rels/workbook.xml.rels"
    for i in range(2, sheets + 1):
        parts[rels] = parts[rels].replace(
            f'Target="worksheets/sheet{i}.xml"'.encode(), b'Target="worksheets/sheet1.xml"'
        )
    return zipped(parts)


def long_text_xlsx(chars: int, shared: bool = True, calamine: bool = False) -> bytes:
    """The clean form whose 项目名称 is ``chars`` characters long (3 bytes each in UTF-8): a shared
    string, or an inline one; ``calamine`` sends the workbook to python-calamine (see
    :func:`with_comment`). A few hundred KB zipped, whatever ``chars``."""
    name = "翻" * chars
    if shared:
        r, c = CELL["project"]
        ref = f"{column_letter(c)}{r + 1}".encode()

        def shared_cell(sheet: bytes) -> bytes:
            at = sheet.index(b'<c r="' + ref + b'"')
            return sheet[:at] + b'<c r="' + ref + b'" t="s"><v>0</v></c>' + sheet[sheet.index(b"</c>", at) + 4 :]

        data = replace_part(repeated_xlsx("xl/sharedStrings.xml", b"", 0), "xl/worksheets/sheet1.xml", shared_cell)
        data = replace_part(data, "xl/sharedStrings.xml", lambda xml: xml.replace("翻译费".encode(), name.encode()))
    else:
        data = xlsx_bytes(edited({"project": name}))
    return with_comment(data) if calamine else data


_FAR_ROW = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


def far_cell_hidden(how: str) -> bytes:
    """The clean form with one more cell at XFD1048576, in a workbook the clipping scans once
    missed: ``single quotes`` on the workbook's sheet attributes (perfxl's reader leaves it to
    python-calamine, whose path then found no sheet), a ``prefix`` on every element of the sheet
    (``<x:row>``: no ``<row`` to find), or a ``cell past its row`` (Z1048576 in a row without a
    number: 26 columns of a million rows, 900 MB in python-calamine)."""
    data = xlsx_bytes(form_rows())
    if how == "single quotes":
        data = replace_part(
            data, "xl/worksheets/sheet1.xml", lambda x: x.replace(b"</sheetData>", _FAR_ROW + b"</sheetData>")
        )
        return replace_part(
            data,
            "xl/workbook.xml",
            lambda x: x.replace(
                '<sheet name="自评表" sheetId="1" r:id="rId1"/>'.encode(),
                "<sheet name='自评表' sheetId='1' r:id='rId1'/>".encode(),
            ),
        )
    if how == "cell past its row":  # the row says nothing, the cell's reference says row 1,048,576
        return with_comment(
            replace_part(
                data,
                "xl/worksheets/sheet1.xml",
                lambda x: x.replace(b"</sheetData>", b'<row><c r="Z1048576"><v>1</v></c></row></sheetData>'),
            )
        )
    if how == "prefix":

        def prefixed(xml: bytes) -> bytes:
            xml = xml.replace(b"</sheetData>", _FAR_ROW + b"</sheetData>").replace(
                b"<worksheet xmlns=", b"<x:worksheet xmlns:x="
            )
            for tag in (b"worksheet", b"sheetData", b"row", b"c", b"is", b"t", b"v", b"mergeCells", b"mergeCell"):
                xml = xml.replace(b"<" + tag + b" ", b"<x:" + tag + b" ").replace(
                    b"<" + tag + b">", b"<x:" + tag + b">"
                )
                xml = xml.replace(b"</" + tag + b">", b"</x:" + tag + b">")
            return xml

        return replace_part(data, "xl/worksheets/sheet1.xml", prefixed)
    raise ValueError(how)
