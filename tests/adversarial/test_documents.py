"""Hostile documents (issue 16): each gives one line in bounded time and memory, measured in a
fresh process (conftest.measured_check: check_file's seconds and the process's peak memory)."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfxl.documents import Limits, Unreadable, document_rows
from tests.adversarial.conftest import MAX_PEAK_MB, MAX_SECONDS, measured_check

_DOC_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    + "<w:p><w:r><w:t>2022年度项目支出绩效自评表</w:t></w:r></w:p>".encode()
)
_DOC_END = b"</w:body></w:document>"
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="word/document.xml"/></Relationships>'
)


def docx_bomb(path: Path, inflated_mb: int) -> Path:
    """A .docx whose document part inflates to ``inflated_mb`` MB of whitespace, streamed into the zip."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("_rels/.rels", _RELS)
        with zf.open("word/document.xml", "w", force_zip64=True) as out:
            out.write(_DOC_START)
            block = b" " * (1024 * 1024)
            for _ in range(inflated_mb):
                out.write(block)
            out.write(_DOC_END)
    return path


def assert_one_bounded_line(path: Path, *words: str) -> dict:
    got = measured_check(path)
    assert got["error"] and "\n" not in got["error"], got
    for word in words:
        assert word in got["error"], got
    assert got["seconds"] < MAX_SECONDS and got["peak_mb"] < MAX_PEAK_MB, got
    return got


def test_a_docx_zip_bomb_is_one_line(tmp_path):
    assert_one_bounded_line(docx_bomb(tmp_path / "炸弹.docx", 300), "压缩炸弹")


def test_a_docx_part_past_its_limit_is_one_line(tmp_path):
    assert_one_bounded_line(docx_bomb(tmp_path / "大.docx", 100), "64 MB")


def test_a_docx_entity_is_not_expanded_and_nothing_is_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("不应读出的内容", encoding="utf-8")
    doc = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "' + secret.as_uri().encode() + b'">'
        b'<!ENTITY y "lol"><!ENTITY z "&y;&y;&y;&y;&y;&y;&y;&y;&y;&y;">]>'
        + _DOC_START[_DOC_START.index(b"<w:document") :]
        + b"<w:p><w:r><w:t>&x;&z;</w:t></w:r></w:p>"
        + _DOC_END
    )
    path = tmp_path / "实体.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("word/document.xml", doc)
    rows = document_rows(path, path.read_bytes(), _limits()).rows
    assert not any("不应读出" in cell or "lol" in cell for row in rows for cell in row)


@pytest.mark.parametrize("tag", [b"<b>", b"<div>", b"<table><tr><td>"])
def test_a_page_of_a_million_nested_tags_is_one_line(tmp_path, tag):
    path = tmp_path / "嵌套.html"
    path.write_bytes(b"<html><body>" + tag * (1_000_000 // tag.count(b"<")) + b"x")  # 1 to 4 MB
    assert_one_bounded_line(path, "256")


def test_a_page_of_cells_spanning_every_row_and_column_is_bounded(tmp_path):
    path = tmp_path / "单元格.html"
    path.write_bytes(b"<table>" + b"<tr>" + b"<td colspan=9999 rowspan=99999>1" * 30_000 + b"</table>")
    got = measured_check(path)
    assert got["seconds"] < MAX_SECONDS and got["peak_mb"] < MAX_PEAK_MB, got


def _pdf(objects: list[bytes]) -> bytes:
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_pdf_of_a_huge_page_count_is_one_line(tmp_path):
    pages = 200_000
    kids = b" ".join(b"%d 0 R" % (n + 3) for n in range(pages))
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Count %d/Kids[%s]>>" % (pages, kids)]
    objects += [b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>"] * pages
    path = tmp_path / "页数.pdf"
    path.write_bytes(_pdf(objects))
    assert_one_bounded_line(path, "页")


def test_a_pdf_whose_page_inflates_past_its_limit_is_one_line(tmp_path):
    bomb = zlib.compress(b" " * (400 * 1024 * 1024), 1)
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Count 1/Kids[3 0 R]>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]/Contents 4 0 R>>",
        b"<</Length %d/Filter/FlateDecode>>stream\n" % len(bomb) + bomb + b"\nendstream",
    ]
    path = tmp_path / "解压.pdf"
    path.write_bytes(_pdf(objects))
    assert_one_bounded_line(path, "MB")


def _limits() -> Limits:
    return Limits(rows=200, cols=16, cell_chars=100, unzipped_bytes=10 << 20, part_bytes=1 << 20, pages=5)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<table>",
                "</table>",
                "<tr>",
                "</tr>",
                "<td>",
                "<td colspan=3>",
                "<th rowspan=70000>",
                "</td>",
                "<br>",
                "<p>",
                "</p>",
                "&amp;",
                "&#0;",
                "&#xD800;",
                "文字",
                " ",
                "\x00",
                "<script>",
                "<!--",
                "-->",
                "<meta charset=gbk>",
                "<tbody>",
            ]
        ),
        max_size=60,
    )
)
def test_html_parser_gives_rows_within_limits_or_one_line(parts):
    try:
        found = document_rows(Path("p.html"), "".join(parts).encode("utf-8", "surrogatepass"), _limits())
    except Unreadable as exc:
        assert "\n" not in str(exc)
        return
    assert len(found.rows) <= 200
    assert all(len(row) <= 16 and all(isinstance(c, str) and len(c) <= 100 for c in row) for row in found.rows)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_damaged_documents_are_one_line(data):
    for suffix, head in ((".docx", b"PK\x03\x04"), (".pdf", b"%PDF-1.4\n"), (".html", b"<html>")):
        try:
            document_rows(Path("d" + suffix), head + data, _limits())
        except Unreadable as exc:
            assert "\n" not in str(exc)
