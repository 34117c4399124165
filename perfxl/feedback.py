"""Findings sent back to each unit (``perfxl consolidate … --feedback DIR``).

Per unit, a folder holding

- ``<单位>-问题反馈.xlsx``: that unit's rows of 问题清单 (and nothing of any other unit's), then
  报送情况, each form it sent with its 状态 (计入 / 重复 / 未填报), amounts and rate;
- ``批注-<原文件名>.xlsx`` for each workbook of the unit with findings: a copy of the form with
  each finding as a comment on its cell, the cell filled red (错误) or yellow (警告). The copy is
  made with openpyxl from the input, which is only read: the unit's own file is never touched.
  Findings without a cell (a field the form has no line for) go on the form's 项目名称 cell. Text
  dumps, .xls, .xlsb and .ods cannot be annotated this way: their findings are in the workbook.

File names are safe on Windows (no ``<>:"/\\|?*``, no control characters, no trailing dot or
space, no device name such as ``CON``), cut to a length in UTF-8 bytes without splitting a
character, and unique in their folder whatever the letter case. The annotated copies are made
over the same executor as the reading (a process pool, or a Dask cluster's workers, which then
need the feedback folder on their shared storage too).
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .files import OutputError, atomic_output, safe_name, unique_name
from .optional import require

#: The most of a name (in UTF-8 bytes) a unit's folder and a file may take: Windows allows 255
#: UTF-16 units a name and 260 a path, Linux 255 bytes a name; a Chinese character is 3 bytes.
FOLDER_BYTES = 60
FILE_BYTES = 120
#: Workbooks openpyxl can annotate and save as they are.
ANNOTATABLE = {".xlsx", ".xlsm"}
#: A copy is made only of workbooks this small: openpyxl holds the whole workbook, ~50× its XML.
MAX_COPY_BYTES = 20 * 1024 * 1024
MAX_COPY_XML_BYTES = 60 * 1024 * 1024
#: Findings without a unit (a form without 填报单位, a file that could not be read).
NO_UNIT = "未识别单位"

_FILLS = {"错误": "FFC7CE", "警告": "FFEB9C"}
_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")

#: Columns of a unit's 报送情况 sheet.
FORM_HEADER = ["项目名称", "状态", "预算数", "执行数", "预算执行率", "自评总分", "复核总分", "问题数", "来源文件"]


@dataclass
class Copy:
    """A workbook of the unit to annotate: its path and the notes as ``(location, level, text)``."""

    source: str
    notes: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class UnitFeedback:
    """What one unit is sent: its 问题清单 rows (header ``header``), its forms, its workbooks."""

    unit: str
    header: list[str]
    findings: list[list] = field(default_factory=list)
    sources: list[str | None] = field(default_factory=list)  # each finding's workbook (a key of copies)
    forms: list[list] = field(default_factory=list)
    copies: dict[str, Copy] = field(default_factory=dict)  # keyed by source path


def check_folder(folder, *, force: bool = False) -> Path:
    """Make the feedback folder ready before any form is read.

    Raises:
        OutputError: it is a file, it holds files already (without ``force``), or it cannot be written.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: 反馈文件夹是一个文件")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise OutputError(f"{folder}: 反馈文件夹不是空的（使用 --force 覆盖其中的同名文件）")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as exc:
        raise OutputError(f"{folder}: 反馈文件夹无法写入（{exc.strerror or exc}）") from exc
    return folder


def write_feedback(folder, units: list[UnitFeedback], executor, *, force: bool = False) -> list[Path]:
    """Write every unit's workbook and annotated copies under ``folder``; returns the files written.

    Args:
        folder: the feedback folder (see :func:`check_folder`).
        units: what each unit is sent.
        executor: makes the annotated copies (``executor.map``).
        force: replace files of the same names.
    """
    folder = Path(folder)
    folders: set[str] = set()
    plans: list[tuple[UnitFeedback, Path, dict[str, str]]] = []
    tasks, owners = [], []
    for fb in units:
        where = folder / unique_name(safe_name(fb.unit or NO_UNIT, FOLDER_BYTES), folders, FOLDER_BYTES)
        where.mkdir(exist_ok=True)
        names: set[str] = set()
        book = where / unique_name(safe_name(fb.unit or NO_UNIT, FILE_BYTES, "-问题反馈.xlsx"), names, FILE_BYTES)
        copied: dict[str, str] = {}  # source → the copy's name, or why there is none (the 批注副本 column)
        for source, copy in fb.copies.items():
            suffix = Path(source).suffix.lower()
            if suffix not in ANNOTATABLE:
                copied[source] = "（原文件不是 .xlsx/.xlsm，问题见本表）"
                continue
            target = where / unique_name(safe_name("批注-" + Path(source).stem, FILE_BYTES, suffix), names, FILE_BYTES)
            tasks.append((os.path.abspath(source), os.path.abspath(target), copy.notes, force))
            owners.append((copied, source, target))
        plans.append((fb, book, copied))
    written: list[Path] = []
    for (copied, source, target), reason in zip(owners, executor.map(annotate_copy, tasks) if tasks else ()):
        copied[source] = f"（未能生成批注副本：{reason}）" if reason else target.name
        if not reason:
            written.append(target)
    for fb, book, copied in plans:
        _unit_workbook(book, fb, copied, force)
        written.append(book)
    return written


def _unit_workbook(path: Path, fb: UnitFeedback, copied: dict[str, str], force: bool) -> None:
    """The unit's 问题反馈 workbook: its findings (as in 问题清单, with the annotated copy's name), its forms."""
    xlsxwriter = require("xlsxwriter", "写问题反馈工作簿")

    errors = sum(1 for row in fb.findings if row[4] == "错误")
    with atomic_output(path, force=force) as tmp:
        wb = xlsxwriter.Workbook(tmp)
        title = wb.add_format({"bold": True, "font_size": 14})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        amount, rate = wb.add_format({"num_format": "0.00"}), wb.add_format({"num_format": "0.00%"})
        ws = wb.add_worksheet("问题清单")
        ws.write_string(0, 0, f"{fb.unit or NO_UNIT} 绩效自评问题反馈", title)
        ws.write_string(
            1,
            0,
            f"共 {len(fb.findings)} 条：错误 {errors} 条，警告 {len(fb.findings) - errors} 条。"
            "请按“位置”改正原表后重新报送；批注副本中每个问题都以批注标在对应单元格（红色为错误，黄色为警告）。",
        )
        header = [*fb.header, "批注副本"]
        for col, label in enumerate(header):
            ws.write_string(2, col, label, head)
        for r, row in enumerate(fb.findings, start=3):
            for col, value in enumerate(row):
                _put(ws, r, col, value, wrap)
            source = fb.sources[r - 3]
            note = copied.get(source) if source is not None else None
            if note:
                ws.write_string(r, len(row), note)
        for col, width in enumerate([16, 28, 16, 22, 6, 14, 60, 30, 30]):
            ws.set_column(col, col, width)
        ws.freeze_panes(3, 0)
        ws.autofilter(2, 0, max(2, 2 + len(fb.findings)), len(header) - 1)
        forms = wb.add_worksheet("报送情况")
        for col, label in enumerate(FORM_HEADER):
            forms.write_string(0, col, label, head)
        fmts = [None, None, amount, amount, rate, None, None, None, None]
        for r, row in enumerate(fb.forms, start=1):
            for col, value in enumerate(row):
                _put(forms, r, col, value, fmts[col])
        for col, width in enumerate([36, 8, 11, 11, 11, 9, 9, 7, 36]):
            forms.set_column(col, col, width)
        wb.close()


def _put(ws, r: int, col: int, value, fmt) -> None:
    if value is None or value == "":
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(r, col, value, fmt)
    else:
        ws.write_string(r, col, str(value), fmt)


def annotate_copy(task) -> str | None:
    """Copy a workbook with each note as a comment on its cell, highlighted; the source is only read.

    Args:
        task: ``(source, target, notes, force)``; notes as ``(location "Sheet!C7", level 错误/警告, text)``.

    Returns:
        None when written, else why not (one line).
    """
    source, target, notes, force = task
    try:
        size = os.path.getsize(source)
        with zipfile.ZipFile(source) as zf:
            inflated = sum(info.file_size for info in zf.infolist())
        if size > MAX_COPY_BYTES or inflated > MAX_COPY_XML_BYTES:
            return "文件过大"
        openpyxl = require("openpyxl", "标注问题的副本")
        from openpyxl.comments import Comment
        from openpyxl.styles import PatternFill

        with warnings.catch_warnings():  # openpyxl warns of what it does not keep (extensions): the copy is a copy
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(source, keep_vba=source.lower().endswith(".xlsm"))
        texts: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for location, level, text in notes:
            sheet, cell = _place(wb, location)
            texts.setdefault((sheet, cell), []).append((level, text))
        for (sheet, cell), items in texts.items():
            target_cell = _writable_cell(wb[sheet], cell)
            body = "\n".join(f"【{level}】{text}" for level, text in items)
            if target_cell.comment is not None:
                body = f"{target_cell.comment.text}\n{body}"
            comment = Comment(body, "perfxl")
            comment.width, comment.height = 320, min(60 + 40 * len(items), 400)
            target_cell.comment = comment
            worst = "错误" if any(level == "错误" for level, _ in items) else "警告"
            target_cell.fill = PatternFill("solid", fgColor=_FILLS.get(worst, _FILLS["警告"]))
        with atomic_output(target, force=force) as tmp:
            wb.save(tmp)
        return None
    except OutputError as exc:
        return str(exc).split(": ", 1)[-1]
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:200]


def _place(wb, location: str) -> tuple[str, str]:
    """The (sheet, cell) a finding's location names; a location without a usable cell gives A1
    of the first sheet."""
    sheet, _, cell = location.rpartition("!")
    match = _CELL.fullmatch(cell.strip())
    if sheet in wb.sheetnames and match:
        return sheet, f"{match.group(1).upper()}{match.group(2)}"
    return wb.sheetnames[0], "A1"


def _writable_cell(ws, ref: str):
    """The cell at ``ref``, or the first cell of the merged range it lies in (only that one holds a value)."""
    cell = ws[ref]
    if type(cell).__name__ == "MergedCell":
        for merged in ws.merged_cells.ranges:
            if ref in merged:
                return ws.cell(merged.min_row, merged.min_col)
    return cell
