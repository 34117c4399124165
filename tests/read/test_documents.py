"""Forms that arrive as documents (.docx, .html, .pdf, .doc) read field by field like the same
form's workbook.

The documents are in tests/data/documents, written by `python3 -m scripts.make_documents` from the real
forms of every layout family (tests/data/layouts/real) and from the seed's 13 forms; the PDFs are
LibreOffice's export of those .docx files and of the forms' .xlsx (ruled, wrapped, one page wide).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.consolidate import PROJECTS
from perfxl.load import ReadError, load_grids
from perfxl.read import read_forms
from tests.support.libreoffice import find_soffice, recalculate_many
from tests.support.truth import differences

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "data" / "layouts" / "real"
DOCS = ROOT / "tests" / "data" / "documents"
SPECS = sorted(REAL.glob("*.json"))
SEEDS = sorted((ROOT / "examples" / "forms").glob("[0-9][0-9]-*.xlsx"))
KINDS = (".docx", ".html", ".docx.pdf", ".xlsx.pdf")
#: Known limits of reading a PDF, each seen once in these forms (README, "What it reads"):
#: a vertically merged cell split by a page break gives its text on the page where it is printed.
#: A line break inside a cell is told from a wrap by how far short of the cell's edge the line
#: stops; a few wraps at a space, or breaks after one, are taken for the other.
PDF_LIMITS = {("f4-langfang-2019-nuantong", ".docx.pdf"), ("12", ".docx.pdf"), ("03", ".xlsx.pdf"), ("12", ".xlsx.pdf")}


def _script():
    from scripts import make_documents

    return make_documents


def _cases(names, folder):
    return [
        pytest.param(name, kind, id=f"{name}{kind}")
        for name in names
        for kind in KINDS
        if (name, kind) not in PDF_LIMITS
    ]


@pytest.mark.parametrize("name,kind", _cases([p.stem for p in SPECS], "real"))
def test_real_form_as_a_document_reads_as_its_truth(name, kind):
    spec = json.loads((REAL / f"{name}.json").read_text(encoding="utf-8"))
    forms = read_forms(DOCS / "real" / f"{name}{kind}")
    assert len(forms) == 1
    wrong = list(differences(forms[0].as_written(), spec["truth"]))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name,kind", _cases([f"{n:02d}" for n in range(1, len(SEEDS) + 1)], "examples"))
def test_seed_form_as_a_document_reads_like_its_xlsx(name, kind):
    want = [f.as_written() for f in read_forms(SEEDS[int(name) - 1])]
    got = [f.as_written() for f in read_forms(DOCS / "examples" / f"{name}{kind}")]
    wrong = list(differences(got, want))
    assert not wrong, "\n".join(wrong)


def test_there_are_documents_of_every_layout_family():
    families = {json.loads(p.read_text(encoding="utf-8"))["family"] for p in SPECS}
    assert families >= {1, 2, 3, 4, 5, 6, 7}
    for spec in SPECS:
        for kind in KINDS:
            assert (DOCS / "real" / f"{spec.stem}{kind}").is_file()


def _trimmed(rows):
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] == "":
            row.pop()
        out.append(row)
    return out


@pytest.mark.parametrize("spec_path", SPECS[::4], ids=lambda p: p.stem)
def test_docx_grid_is_the_workbook_grid(spec_path):
    """Merged cells spread as a workbook keeps them (the text in the first cell, "" in the ones it
    covers, as in the spec's rows), the title paragraphs above the table rows of one cell."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    shown = _trimmed([(str(v)[1:] if str(v).startswith("'") else str(v)).strip() for v in row] for row in spec["rows"])
    lead = 0
    while lead < len(shown) and sum(1 for v in shown[lead] if v) <= 1:
        lead += 1
    want = [[v for v in row if v] for row in shown[:lead] if any(row)] + shown[lead:]
    assert _trimmed(load_grids(DOCS / "real" / f"{spec_path.stem}.docx")[0].rows) == want


def test_committed_docx_and_html_are_what_the_script_writes(tmp_path):
    script = _script()
    kind, name, rows, merges, _ = script.forms()[0]
    script.write_docx(rows, merges, tmp_path / "a.docx")
    script.write_html(rows, merges, tmp_path / "a.html")
    for suffix in (".docx", ".html"):
        assert load_grids(tmp_path / f"a{suffix}")[0].rows == load_grids(DOCS / kind / f"{name}{suffix}")[0].rows


def test_committed_pdf_is_what_libreoffice_exports(tmp_path):
    assert find_soffice(), "LibreOffice (soffice) is missing: .ci/run installs it"
    copy = tmp_path / "f.docx"
    shutil.copyfile(DOCS / "real" / f"{SPECS[0].stem}.docx", copy)
    (pdf,) = recalculate_many([copy], tmp_path / "pdf", to="pdf")
    assert load_grids(pdf)[0].rows == load_grids(DOCS / "real" / f"{SPECS[0].stem}.docx.pdf")[0].rows


def test_html_declared_gb2312_with_gbk_characters_entities_and_breaks(tmp_path):
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>'
        "<h3>2022年度项目支出绩效自评表</h3><p>填报单位：镕&nbsp;堃局</p>"
        '<table><tr><td rowspan="2">项目<br>名称</td><td colspan="2">A &amp; B</td></tr>'
        "<tr><td>x</td><td>&lt;y&gt;</td></tr></table><p>发布&#26102;间</p></body></html>"
    )
    path = tmp_path / "p.htm"
    path.write_bytes(page.encode("gbk"))  # 镕 and 堃 are GBK, not GB2312: pages declare the older name
    assert load_grids(path)[0].rows == [
        ["2022年度项目支出绩效自评表"],
        ["填报单位：镕 堃局"],
        ["项目\n名称", "A & B", ""],
        ["", "x", "<y>"],
        ["发布时间"],
    ]


def test_docx_cell_paragraphs_join_with_a_line_break_and_text_outside_is_kept(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("2022年度项目支出绩效自评表")
    document.add_paragraph("填报单位：商务局")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "资金"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "第一段"
    table.cell(0, 1).add_paragraph("第二段")
    table.cell(1, 1).text = "1"
    document.save(tmp_path / "f.docx")
    assert load_grids(tmp_path / "f.docx")[0].rows == [
        ["2022年度项目支出绩效自评表"],
        ["填报单位：商务局"],
        ["资金", "第一段\n第二段", ""],
        ["", "1", ""],
    ]


def test_a_scanned_pdf_says_so(tmp_path):
    path = tmp_path / "扫描件.pdf"
    path.write_bytes(image_only_pdf())
    with pytest.raises(ReadError) as err:
        read_forms(path)
    assert "扫描件" in err.value.reason and "\n" not in err.value.reason


def image_only_pdf() -> bytes:
    """A one-page PDF that draws a gray image and holds no text (as a scanner makes)."""
    image = b"\x80" * 64
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Resources<</XObject<</Im1 5 0 R>>>>/Contents 4 0 R>>",
        b"<</Length 31>>stream\nq 100 0 0 100 50 50 cm /Im1 Do Q\nendstream",
        b"<</Type/XObject/Subtype/Image/Width 8/Height 8/ColorSpace/DeviceGray/BitsPerComponent 8/Length 64>>stream\n"
        + image
        + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_doc_through_libreoffice_and_without_it(tmp_path, monkeypatch):
    assert find_soffice(), "LibreOffice (soffice) is missing: .ci/run installs it"
    copy = tmp_path / "form.html"  # Writer saves a table read from a page as .doc whole
    shutil.copyfile(DOCS / "real" / f"{SPECS[0].stem}.html", copy)
    (doc,) = recalculate_many([copy], tmp_path / "doc", to="doc")
    spec = json.loads(SPECS[0].read_text(encoding="utf-8"))
    assert not list(differences(read_forms(doc)[0].as_written(), spec["truth"]))
    wps = tmp_path / "form.wps"
    shutil.copyfile(doc, wps)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert read_forms(wps)[0].project == spec["truth"]["project"]
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written beside the input
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # a machine without LibreOffice
    with pytest.raises(ReadError) as err:
        read_forms(doc)
    assert "另存为 .docx" in err.value.reason


def test_consolidate_on_a_folder_of_workbooks_and_documents(tmp_path):
    folder = tmp_path / "收到的自评表"
    folder.mkdir()
    picked = [
        (SPECS[0], ".xlsx", REAL),
        (SPECS[3], ".docx", DOCS / "real"),
        (SPECS[5], ".html", DOCS / "real"),
        (SPECS[7], ".docx.pdf", DOCS / "real"),
        (SPECS[9], ".xlsx.pdf", DOCS / "real"),
    ]
    for spec, kind, where in picked:
        shutil.copyfile(
            where / f"{spec.stem}{kind}",
            folder / f"{spec.stem}{kind.replace('.docx.pdf', '.pdf').replace('.xlsx.pdf', '-表.pdf')}",
        )
    out = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(main, ["consolidate", str(folder), "-o", str(out), "--jobs", "1"])
    assert result.exit_code in (0, 1), result.output
    table = [list(r) for r in openpyxl.load_workbook(out)[PROJECTS].iter_rows(values_only=True)]
    names = {json.loads(s.read_text(encoding="utf-8"))["truth"]["project"] for s, _, _ in picked}
    listed = {cell for row in table for cell in row if isinstance(cell, str)}
    assert names <= listed
    assert "无法读取 0 个" in result.output


def test_template_from_a_docx(tmp_path):
    source = DOCS / "examples" / "05.docx"
    result = CliRunner().invoke(main, ["template", "--from", str(source), "-o", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 0, result.output
    assert read_forms(tmp_path / "t.xlsx")[0].as_written() == read_forms(SEEDS[4])[0].as_written()
