"""perfxl.feedback: file names that Windows takes, and copies annotated without touching the input."""

import hashlib
import os

import openpyxl
import pytest

from perfxl.consolidate import InlineExecutor, consolidate
from perfxl.feedback import FILE_BYTES, FOLDER_BYTES, annotate_copy, check_folder, safe_name, unique_name
from perfxl.files import OutputError
from tests.adversarial import hostile as h

WINDOWS_FORBIDDEN = set('<>:"/\\|?*') | {chr(i) for i in range(32)}


@pytest.mark.parametrize(
    "text",
    [
        '某局<>:"/\\|?*项目',
        "CON",
        "con.txt",
        "LPT1",
        "结尾的点.",
        "结尾空格 ",
        "\x01控制\x1f字符",
        "",
        "...",
        "长" * 200,
        "a" * 300,
        "混合ABC" * 40,
        "😀" * 100,
    ],
)
def test_safe_name_is_a_windows_name_within_its_bytes(text):
    for limit, suffix in ((FOLDER_BYTES, ""), (FILE_BYTES, "-问题反馈.xlsx"), (FILE_BYTES, ".xlsx")):
        name = safe_name(text, limit, suffix)
        assert len(name.encode("utf-8")) <= limit
        assert name.endswith(suffix) and name != suffix
        stem = name[: len(name) - len(suffix)] if suffix else name
        assert not (set(name) & WINDOWS_FORBIDDEN)
        assert not stem.endswith((".", " "))
        assert stem.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}
        name.encode("utf-8")  # never half a character: it encodes


def test_cut_keeps_whole_characters():
    name = safe_name("财政局" * 50, 10)
    assert name == "财政局"  # 9 bytes; a 4th character would need 12


def test_unique_names_whatever_the_case():
    used: set[str] = set()
    names = [unique_name(n, used, FILE_BYTES) for n in ("A.xlsx", "a.xlsx", "A.XLSX", "b.xlsx")]
    assert names == ["A.xlsx", "a-2.xlsx", "A-3.XLSX", "b.xlsx"]
    long = "长" * 40 + ".xlsx"  # 125 bytes: cut to make room for "-2"
    first, second = unique_name(long, used, FILE_BYTES), unique_name(long, used, FILE_BYTES)
    assert first != second and len(second.encode()) <= FILE_BYTES and second.endswith("-2.xlsx")


def test_feedback_folder_refused_when_not_empty_or_a_file(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    with pytest.raises(OutputError):
        check_folder(tmp_path / "full")
    check_folder(tmp_path / "full", force=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError):
        check_folder(tmp_path / "file", force=True)
    assert check_folder(tmp_path / "new" / "deeper").is_dir()


def test_annotate_merged_cell_and_missing_sheet(tmp_path):
    src = tmp_path / "in.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表"
    ws["B2"] = "合并"
    ws.merge_cells("B2:D2")
    ws["A1"].comment = openpyxl.comments.Comment("原有批注", "单位")
    wb.save(src)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    out = tmp_path / "out.xlsx"
    notes = [("表!C2", "错误", "在合并单元格中"), ("不存在!A9", "警告", "找不到的表"), ("line 3", "警告", "文本位置")]
    assert annotate_copy((str(src), str(out), notes, False)) is None
    ws = openpyxl.load_workbook(out)["表"]
    assert "在合并单元格中" in ws["B2"].comment.text and ws["B2"].fill.fgColor.rgb.endswith("FFC7CE")
    assert "原有批注" in ws["A1"].comment.text and "找不到的表" in ws["A1"].comment.text
    assert hashlib.sha256(src.read_bytes()).hexdigest() == digest
    # an existing copy is replaced only with force; a file openpyxl cannot open is one line, no exception
    assert "已存在" in annotate_copy((str(src), str(out), notes, False))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really")
    assert annotate_copy((str(bad), str(tmp_path / "bad-out.xlsx"), notes, False))


def test_units_with_hostile_names_get_safe_folders(tmp_path):
    forms = tmp_path / "in"
    forms.mkdir()
    for i, unit in enumerate(["某局/科室", "CON", "长" * 100, "某局\\科室"]):
        h.write_xlsx(forms / f"{i}.xlsx", h.form_rows(unit=unit, project=f"项目{i}", filled_by=None))
    before = h.file_hashes(sorted(forms.iterdir()))
    summary = consolidate(
        sorted(forms.iterdir()), tmp_path / "s.xlsx", executor=InlineExecutor(), feedback=tmp_path / "fb"
    )
    assert h.file_hashes(sorted(forms.iterdir())) == before
    folders = sorted(p.name for p in (tmp_path / "fb").iterdir())
    assert len(folders) == 4 and len({f.casefold() for f in folders}) == 4
    assert all(len(f.encode()) <= FOLDER_BYTES and not set(f) & WINDOWS_FORBIDDEN for f in folders)
    assert "_CON" in folders
    for path in summary.feedback:
        assert path.exists() and len(path.name.encode()) <= FILE_BYTES
    assert os.path.commonpath([tmp_path / "fb", *summary.feedback]) == str(tmp_path / "fb")
