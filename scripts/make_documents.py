"""Write the forms of the test data as the documents they arrive as: Word (.docx), a government's
web page (.html, GBK) and PDF (exported by LibreOffice from the .docx and from the .xlsx).

Two sets, each read by tests/read/test_documents.py against the same form's .xlsx:

- ``tests/data/layouts/real/*.json``: the real forms of every layout family, with their merged
  ranges (a merged heading becomes a cell spanning columns or rows);
- ``examples/forms-2020.txt``: the seed's 13 forms, one row per line as their .xlsx has them.

A form's leading rows that hold one text alone (its title, ``(2020年度)``) are written as
paragraphs above the table, as a Word form has them; every other row is a table row.

    python3 -m scripts.make_documents          # tests/data/documents/{real,examples}/*
    python3 -m scripts.make_documents --no-pdf # .docx and .html only (no LibreOffice)

The PDFs take LibreOffice a minute, so they are committed with this script (the tests convert one
form again and compare).
"""

from __future__ import annotations

import html
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "documents"
REAL = ROOT / "tests" / "data" / "layouts" / "real"


def _cell_text(value: object) -> str:
    """A published cell as it is printed (a leading ' only keeps a number text in a workbook)."""
    text = "" if value is None else str(value)
    return text[1:] if text.startswith("'") else text


def _span_of(merges: list[str]) -> dict[tuple[int, int], tuple[int, int]]:
    """(row, col) of each merged range's first cell → (rows, cols) it spans, 0-based."""
    from openpyxl.utils.cell import range_boundaries

    spans = {}
    for rng in merges:
        min_col, min_row, max_col, max_row = range_boundaries(rng)
        spans[(min_row - 1, min_col - 1)] = (max_row - min_row + 1, max_col - min_col + 1)
    return spans


def layout(rows: list[list[object]], merges: list[str]):
    """(title lines, table rows, width, spans): the leading rows with one text alone become lines."""
    rows = [[_cell_text(v) for v in row] for row in rows]
    spans = _span_of(merges)
    lead = 0
    while lead < len(rows) and sum(1 for v in rows[lead] if v.strip()) <= 1:
        lead += 1
    titles = [v for row in rows[:lead] for v in row if v.strip()]
    table = rows[lead:]
    width = max((len(r) for r in table), default=1)
    # a span that started among the title rows is not part of the table
    table_spans = {(r - lead, c): s for (r, c), s in spans.items() if r >= lead}
    return titles, table, width, table_spans


def covered_by(spans) -> set[tuple[int, int]]:
    """The cells a merged range covers besides its first."""
    out = set()
    for (r, c), (nr, nc) in spans.items():
        out.update((r + i, c + j) for i in range(nr) for j in range(nc) if i or j)
    return out


def write_docx(rows, merges, path: Path) -> None:
    """The form as a Word document: title paragraphs, then one table with its merged cells."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    titles, table, width, spans = layout(rows, merges)
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.2))
    normal = document.styles["Normal"]
    normal.font.size = Pt(8)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Sans CJK SC")
    for title in titles:
        document.add_paragraph(title)
    grid = document.add_table(rows=len(table), cols=width)
    grid.style = "Table Grid"
    for row in grid.rows:  # a row is not split across pages, as forms are set
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for (r, c), (nr, nc) in spans.items():
        grid.cell(r, c).merge(grid.cell(r + nr - 1, c + nc - 1))
    covered = covered_by(spans)
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            if (r, c) not in covered and value:
                grid.cell(r, c).text = value
    document.core_properties.author = "perfxl"
    document.save(path)


def write_html(rows, merges, path: Path) -> None:
    """The form as a government page publishes it: GB2312 declared, GBK bytes, a table with
    rowspan/colspan headings, titles above it, entities and <br> in cells."""
    titles, table, width, spans = layout(rows, merges)
    covered = covered_by(spans)
    out = [
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">',
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312" />',
        "<title>绩效自评表公开</title>",
        "<style>td{border:1px solid #000;font-size:12px}</style>",
        '<script type="text/javascript">var _hmt = _hmt || [];</script></head>',
        '<body><div class="nav">首页 &gt; 政务公开 &gt; 财政预决算</div><div class="content">',
    ]
    for title in titles:
        out.append(f'<p align="center"><strong>{_html_text(title)}</strong></p>')
    out.append('<table border="1" cellspacing="0" cellpadding="0" width="100%"><tbody>')
    for r, row in enumerate(table):
        out.append("<tr>")
        for c in range(width):
            if (r, c) in covered:
                continue
            value = row[c] if c < len(row) else ""
            nr, nc = spans.get((r, c), (1, 1))
            attrs = (f' rowspan="{nr}"' if nr > 1 else "") + (f' colspan="{nc}"' if nc > 1 else "")
            out.append(f"<td{attrs}><p>{_html_text(value) or '&nbsp;'}</p></td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    out.append("<p>发布时间：2021-06-30 &nbsp; 来源：财政局</p></div></body></html>")
    path.write_bytes("\n".join(out).encode("gbk", errors="xmlcharrefreplace"))


def _html_text(value: str) -> str:
    return "<br />".join(html.escape(line, quote=False) for line in value.split("\n"))


def bordered_xlsx(source: Path, out: Path) -> None:
    """A copy of a form's workbook with every cell of its table ruled and fitted to one page wide,
    as a form is printed to PDF (the layouts' workbooks are written without borders)."""
    import openpyxl
    from openpyxl.styles import Alignment, Border, Side
    from openpyxl.utils import get_column_letter

    wb = openpyxl.load_workbook(source)
    thin = Side(style="thin")
    for ws in wb.worksheets:
        rows = [[c.value for c in row] for row in ws.iter_rows()]
        lead = 0
        while lead < len(rows) and sum(1 for v in rows[lead] if v not in (None, "")) <= 1:
            lead += 1
        widths: dict[int, int] = {}
        for row in ws.iter_rows(min_row=lead + 1, max_col=ws.max_column):
            for cell in row:
                cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
                cell.alignment = Alignment(wrap_text=True, vertical="center")
                shown = len(str(cell.value or "")) * 2
                widths[cell.column] = max(widths.get(cell.column, 0), min(shown, 30))
        for col, width in widths.items():  # wide enough for a number, wrapped past 30
            ws.column_dimensions[get_column_letter(col)].width = max(width + 2, 10)
        # Calc sizes no row to a merged cell's wrapped text: each row is made as tall as its
        # longest text needs across the columns it spans, as a clerk sets a form before printing
        spans = {(r.min_row, r.min_col): r for r in ws.merged_cells.ranges}
        for row in ws.iter_rows(min_row=lead + 1, max_col=ws.max_column):
            lines = 1
            for cell in row:
                if cell.value in (None, ""):
                    continue
                merged = spans.get((cell.row, cell.column))
                cols = range(merged.min_col, merged.max_col + 1) if merged else [cell.column]
                height_rows = merged.max_row - merged.min_row + 1 if merged else 1
                room = sum(ws.column_dimensions[get_column_letter(c)].width or 10 for c in cols) - 1
                need = sum(len(part) * 2 + 1 for part in str(cell.value).split("\n")) / max(room, 1)
                lines = max(lines, -(-int(need + 0.999) // height_rows) + str(cell.value).count("\n"))
            ws.row_dimensions[row[0].row].height = 15 * lines
        ws.page_setup.orientation = "landscape"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    wb.save(out)


def forms() -> list[tuple[str, str, list[list[object]], list[str], Path]]:
    """(set, name, rows, merged ranges, the form's .xlsx) of every form written."""
    found = []
    for spec_path in sorted(REAL.glob("*.json")):
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        found.append(("real", spec_path.stem, spec["rows"], spec.get("merges", []), spec_path.with_suffix(".xlsx")))
    from scripts import make_examples as examples

    texts = examples.split_forms(examples.DUMP.read_text(encoding="utf-8"))
    workbooks = sorted(examples.FORMS_DIR.glob("[0-9][0-9]-*.xlsx"))
    for n, (text, workbook) in enumerate(zip(texts, workbooks), start=1):
        found.append(("examples", f"{n:02d}", examples.form_rows(text), [], workbook))
    return found


def main(argv: list[str]) -> int:
    with_pdf = "--no-pdf" not in argv
    written: list[Path] = []
    for kind, name, rows, merges, _ in forms():
        folder = OUT / kind
        folder.mkdir(parents=True, exist_ok=True)
        write_docx(rows, merges, folder / f"{name}.docx")
        write_html(rows, merges, folder / f"{name}.html")
        written.append(folder / f"{name}.docx")
    if with_pdf:
        from tests.support.libreoffice import recalculate_many

        with tempfile.TemporaryDirectory() as tmp:
            sources = []
            for kind, name, _, _, workbook in forms():
                copy = Path(tmp) / f"{kind}-{name}-xlsx.xlsx"
                bordered_xlsx(workbook, copy)
                sources.append(copy)
            for docx_path in written:
                copy = Path(tmp) / f"{docx_path.parent.name}-{docx_path.stem}-docx.docx"
                copy.write_bytes(docx_path.read_bytes())
                sources.append(copy)
            for pdf in recalculate_many(sources, Path(tmp) / "pdf", to="pdf", timeout=600):
                kind, name, origin = pdf.stem.split("-", 1)[0], *pdf.stem.split("-", 1)[1].rsplit("-", 1)
                (OUT / kind / f"{name}.{origin}.pdf").write_bytes(pdf.read_bytes())
    for path in sorted(OUT.rglob("*")):
        if path.is_file():
            print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
