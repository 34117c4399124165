"""Consolidation: many 绩效自评表 into one summary workbook (项目支出绩效自评汇总表).

:func:`consolidate` reads and checks every input through any :class:`concurrent.futures.Executor`
(``executor.map(check_file_for_summary, paths)``); each worker returns small picklable row data
(plain dicts, lists and numbers), never a workbook, and the rows go to an XlsxWriter workbook opened
with ``constant_memory`` as they arrive. The workbook has four sheets, all labels in Chinese:

- 项目汇总 — one row per form, then a 合计 row (Σ预算数, Σ到位数, Σ执行数, overall 预算执行率);
- 单位汇总 — one row per 填报单位, a 合计 row and a chart of the grade distribution;
- 指标明细 — one row per 三级指标;
- 问题清单 — every finding, one row per unreadable file (code ``unreadable``), and
  ``duplicate-form`` for forms with the same 项目名称 + 填报单位 in two files (both rows kept).

Text is always written with ``write_string``, so a 项目名称 such as ``=SUM(A1)`` stays text. The
workbook and the CSVs (``csv_dir``) are written through :func:`perfxl.files.atomic_outputs`: to
temporary files beside them, put in place together when every one is complete.
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import math
import re
import unicodedata
from collections import Counter
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .checker import ERROR, check_file
from .display import writable
from .files import (OutputError, atomic_outputs, check_outputs, make_folder, open_temporary, remove_folders,
                    xlsx_workbook)
from .model import DEPARTMENT, MONEY_UNITS
from .workers import FILE_TIMEOUT, FileFailed, InlineExecutor, available_cores, pool_chunksize, reading_executor  # noqa: F401 - InlineExecutor re-exported
from .rules import DEFAULT_RULES, RuleProfile
from .xlsxrows import FastRowsWorksheet, QuickZipWorkbook

PROJECTS, UNITS, DEPARTMENTS, INDICATORS, ISSUES = "项目汇总", "单位汇总", "部门整体", "指标明细", "问题清单"
SHEETS = (PROJECTS, UNITS, DEPARTMENTS, INDICATORS, ISSUES)
GRADES = ("优", "良", "中", "差")

HEADERS: dict[str, list[str]] = {
    PROJECTS: ["填报单位", "项目名称", "预算数", "到位数", "执行数", "预算执行率", "自评总分", "复核总分", "差异",
               "等级", "问题数", "来源文件"],
    UNITS: ["填报单位", "项目数", "预算数合计", "执行数合计", "预算执行率", "平均自评分", "平均复核分", *GRADES],
    DEPARTMENTS: ["单位", "预算数", "执行数", "预算执行率", "自评总分", "复核总分", "等级", "问题数", "来源文件"],
    INDICATORS: ["填报单位", "项目名称", "一级指标", "二级指标", "三级指标", "预期指标值", "实际完成值", "分值",
                 "自评得分", "复核得分", "来源文件"],
    ISSUES: ["来源文件", "项目名称", "位置", "代码", "级别", "说明"],
}
#: Number format per column: "amount" (0.00), "rate" (0.00%), "score" (0.00) or None (as is).
_FORMATS: dict[str, list[str | None]] = {
    PROJECTS: [None, None, "amount", "amount", "amount", "rate", "score", "score", "score", None, None, None],
    UNITS: [None, None, "amount", "amount", "rate", "score", "score", None, None, None, None],
    DEPARTMENTS: [None, "amount", "amount", "rate", "score", "score", None, None, None],
    INDICATORS: [None] * 7 + ["score", "score", "score", None],
    ISSUES: [None] * 6,
}
_WIDTHS: dict[str, list[float]] = {
    PROJECTS: [16, 40, 11, 11, 11, 11, 10, 10, 8, 6, 7, 36],
    UNITS: [18, 8, 12, 12, 11, 11, 11, 6, 6, 6, 6],
    DEPARTMENTS: [24, 12, 12, 11, 10, 10, 6, 7, 36],
    INDICATORS: [16, 32, 12, 14, 30, 16, 16, 8, 9, 9, 36],
    ISSUES: [36, 32, 14, 24, 6, 70],
}
_LEVELS = {ERROR: "错误", "warning": "警告"}
#: What a CSV cell may not start with (OWASP CSV injection): it gets a leading single quote.
_CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_NO_UNIT = "（未填写）"
#: Rows rendered into one string and written at once (bounded, so that memory stays flat).
_BATCH_ROWS = 1000


class ConsolidateError(ValueError):
    """An output cannot be written: it exists (without ``force``), it is one of the inputs, it is
    not a regular file, its folder cannot be written to, or writing it failed (a full disk)."""


# --------------------------------------------------------------------------------------- workers

def _finite(x: float | None) -> float | None:
    """``x``, or None for NaN or an infinity (what no cell, CSV or JSON may hold)."""
    return x if x is None or math.isfinite(x) else None


#: Left out of a name before it is compared: spaces of every width, and the invisible format
#: characters (zero-width space and joiners, soft hyphen, bidi marks, BOM).
_NOT_COMPARED = re.compile("[\\s\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]+")


@functools.lru_cache(maxsize=4096)
def _same_key(name: str) -> str:
    """What two spellings of one 项目名称 or 填报单位 have in common: NFKC (full-width ＡＢＣ and
    （） as ABC and ()), case folded, without spaces or invisible characters, so that
    ``ＡＢＣ项目``, ``abc项目`` and ``ABC 项目`` are one project."""
    return _NOT_COMPARED.sub("", unicodedata.normalize("NFKC", name).casefold())


def _wan(money_unit: str | None, *amounts: float | None) -> tuple[float | None, ...]:
    """Amounts in 万元 (forms in 元 or 千元 are converted, so that the sums add like with like)."""
    factor = MONEY_UNITS.get(money_unit.strip(), 1.0) if money_unit else 1.0
    if factor == 1.0:
        return amounts
    return tuple(None if x is None else x * factor for x in amounts)


def check_file_for_summary(path, rules: RuleProfile = DEFAULT_RULES) -> dict:
    """Read and check one file, and return only what the summary needs, as plain picklable data.

    Returns:
        ``{"file", "error", "forms": [{"unit" (填报单位, else 实施单位, else 主管部门), "kind", "project", "year", "budget",
        "received", "spent", "exec_rate", "stated_total", "total", "grade", "indicators": [[...]],
        "findings": [[location, code, level, message]]}]}``; ``error`` is the reason when the file
        could not be read (any failure of the reader is caught, so one file never stops the rest).
    """
    file = str(path)
    try:
        report = check_file(path, rules)
    except Exception as exc:  # noqa: BLE001 - a reader bug on one file must not stop the others
        return writable({"file": file, "error": f"{type(exc).__name__}: {exc}", "forms": []})
    forms = []
    for r in report.forms:
        f, c = r.form, r.form.computed
        budget, received, spent = _wan(f.money_unit, f.budget_total, f.received.total, f.spent.total)
        # check_file scores every form: one result per indicator (None for each, were one unscored)
        results = c.indicators if c else [None] * len(f.indicators)
        forms.append({
            "unit": f.group_unit, "kind": f.kind, "project": f.project, "year": f.year,
            "budget": budget, "received": received, "spent": spent,
            # check_file leaves every number below 1e15, but 执行数 / a tiny 预算数 can still be infinite
            "exec_rate": _finite(c.exec_rate) if c else None,
            "stated_total": f.stated_total,
            "total": c.total if c else None,
            "grade": c.grade if c else None,
            "indicators": [
                [ind.level1, ind.level2, ind.name, ind.target, ind.actual,
                 res.weight if res is not None else ind.weight, ind.score,
                 res.rule_score if res is not None else None]
                for ind, res in zip(f.indicators, results)
            ],
            "findings": [[x.location, x.code, x.level, x.message] for x in r.findings],
        })
    # a lone surrogate (a file name that is not UTF-8, \ud800 in JSON) fits in no workbook or CSV
    return writable({"file": file, "error": report.error, "forms": forms})


# ---------------------------------------------------------------------------------------- result

@dataclass
class Summary:
    """What :func:`consolidate` wrote.

    ``sheets`` holds every sheet's rows (header first) only when ``collect=True`` was passed —
    by default the rows go straight to the workbook and are not kept.
    """

    output: Path
    title: str
    year: int | None
    rules: str
    made: str
    files: int = 0
    forms: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    duplicates: int = 0
    findings: int = 0
    totals: dict = field(default_factory=dict)
    sheets: dict[str, list[list]] = field(default_factory=dict)

    @property
    def heading(self) -> str:
        """The title row of 项目汇总."""
        year = f"{self.year}年度" if self.year else "年度"
        return f"{self.title} {year}项目支出绩效自评汇总表".strip()

    @property
    def info(self) -> str:
        """The line under the title: when, from how many files, with which rules."""
        return (f"生成时间：{self.made}；共 {self.files} 个文件、{self.forms} 张自评表"
                f"（无法读取 {len(self.unreadable)} 个）；评分规则：{self.rules}；金额单位：万元")

    def exit_code(self) -> int:
        """0 when every input was read, 1 when some could not be."""
        return 1 if self.unreadable else 0

    def to_dict(self) -> dict:
        return {
            "title": self.heading, "info": self.info, "output": str(self.output), "rules": self.rules,
            "made": self.made, "files": self.files, "forms": self.forms, "findings": self.findings,
            "duplicates": self.duplicates,
            "unreadable": [{"file": f, "reason": r} for f, r in self.unreadable],
            "totals": self.totals,
            "sheets": {name: {"header": rows[0], "rows": rows[1:]} for name, rows in self.sheets.items()},
        }

    def write_csv(self, folder, *, force: bool = False) -> list[Path]:
        """One UTF-8-with-BOM CSV per sheet (needs ``collect=True``); formula-like cells are quoted.

        Written as every output is (:func:`perfxl.files.atomic_outputs`): all or none, an existing
        CSV replaced only with ``force``, never through a link.

        Raises:
            OutputError: a CSV is refused or cannot be written.
        """
        paths = csv_paths(folder, self.sheets)
        with atomic_outputs(paths, force=force) as temps:
            _write_csv_files(self.sheets, temps)
        return paths


def csv_paths(folder, sheets=SHEETS) -> list[Path]:
    """The CSV file of each sheet in ``folder``: ``项目汇总.csv`` …"""
    return [Path(folder) / f"{name}.csv" for name in sheets]


def _write_csv_files(sheets: dict[str, list[list]], paths: list[str]) -> None:
    for path, rows in zip(paths, sheets.values()):
        with open_temporary(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            for row in rows:
                w.writerow([csv_cell(v) for v in row])


def csv_cell(value) -> str:
    """A cell for CSV: text starting with = + - @ tab or CR gets a leading ' (OWASP)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return format(value, ".15g")
    text = str(value)
    if text.startswith(_CSV_DANGEROUS):
        return "'" + text
    return text


# ---------------------------------------------------------------------------------------- writer

class _Writer:
    """The four sheets of one XlsxWriter workbook, written in row order (constant_memory)."""

    def __init__(self, wb: QuickZipWorkbook, collect: bool):
        self.wb = wb
        self.fmt = {
            None: None,
            "amount": wb.add_format({"num_format": "0.00"}),
            "rate": wb.add_format({"num_format": "0.00%"}),
            "score": wb.add_format({"num_format": "0.00"}),
        }
        self.header_fmt = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                         "align": "center", "valign": "vcenter"})
        self.title_fmt = wb.add_format({"bold": True, "font_size": 16})
        self.total_fmt = {k: wb.add_format({"bold": True, "top": 1, **({"num_format": v} if v else {})})
                          for k, v in ((None, None), ("amount", "0.00"), ("rate", "0.00%"), ("score", "0.00"))}
        self.ws = {}
        self.row = {}
        self.collect = collect
        self.kept: dict[str, list[list]] = {}
        # Each column's XF index, for FastRowsWorksheet.write_plain_rows (0 = no format).
        try:
            self.styles = {name: [self.fmt[k]._get_xf_index() if k else 0 for k in _FORMATS[name]]
                           for name in SHEETS}
        except AttributeError:  # an XlsxWriter without it: every row goes through write_*
            self.styles = {}
        for name in SHEETS:
            ws = wb.add_worksheet(name, worksheet_class=FastRowsWorksheet)
            self.ws[name] = ws
            for col, width in enumerate(_WIDTHS[name]):
                ws.set_column(col, col, width)
            ws.set_landscape()
            ws.set_paper(9)  # A4
            ws.fit_to_pages(1, 0)
            self.row[name] = 0
            self.kept[name] = []
        self.fast = bool(self.styles) and all(ws.fast_rows_ok() for ws in self.ws.values())

    def header(self, name: str) -> None:
        ws, r = self.ws[name], self.row[name]
        for col, label in enumerate(HEADERS[name]):
            ws.write_string(r, col, label, self.header_fmt)
        ws.freeze_panes(r + 1, 0)
        ws.repeat_rows(r)
        self.header_row = getattr(self, "header_row", {})
        self.header_row[name] = r
        self.row[name] = r + 1
        if self.collect:
            self.kept[name].append(list(HEADERS[name]))

    def text_row(self, name: str, text: str, fmt=None) -> None:
        self.ws[name].write_string(self.row[name], 0, text, fmt)
        self.row[name] += 1

    def put_many(self, name: str, rows: list[list]) -> None:
        """Data rows (not a 合计 row), written with one file write when the fast path is there."""
        if self.fast and self.ws[name].write_plain_rows(self.row[name], rows, self.styles[name]) == len(rows):
            self.row[name] += len(rows)
            if self.collect:
                self.kept[name].extend(list(values) for values in rows)
            return
        for values in rows:
            self.put(name, values)

    def put(self, name: str, values: list, total: bool = False) -> None:
        ws, r, kinds = self.ws[name], self.row[name], _FORMATS[name]
        if not total and self.fast and ws.write_plain_row(r, values, self.styles[name]):
            self.row[name] = r + 1
            if self.collect:
                self.kept[name].append(list(values))
            return
        for col, value in enumerate(values):
            fmt = self.total_fmt[kinds[col]] if total else self.fmt[kinds[col]]
            if value is None or value == "":
                if total:
                    ws.write_blank(r, col, None, fmt)
            elif isinstance(value, bool):
                ws.write_string(r, col, "是" if value else "否", fmt)
            elif isinstance(value, (int, float)):
                ws.write_number(r, col, value, fmt)
            else:
                ws.write_string(r, col, str(value), fmt)
        self.row[name] = r + 1
        if self.collect:
            self.kept[name].append(list(values))

    def filter(self, name: str, last_data_row: int) -> None:
        first = self.header_row[name]
        self.ws[name].autofilter(first, 0, max(first, last_data_row), len(HEADERS[name]) - 1)

    def grade_chart(self, header_row: int, total_row: int) -> None:
        first_col = HEADERS[UNITS].index(GRADES[0])
        chart = self.wb.add_chart({"type": "pie"})
        chart.add_series({
            "name": "等级分布",
            "categories": [UNITS, header_row, first_col, header_row, first_col + len(GRADES) - 1],
            "values": [UNITS, total_row, first_col, total_row, first_col + len(GRADES) - 1],
            "data_labels": {"value": True, "percentage": True, "category": True},
        })
        chart.set_title({"name": "自评等级分布（复核）"})
        self.ws[UNITS].insert_chart(total_row + 2, 1, chart, {"x_scale": 1.2, "y_scale": 1.2})

    def rate_chart(self, header_row: int, total_row: int) -> None:
        """A column chart of 预算执行率 per 填报单位, beside the grade pie."""
        col = HEADERS[UNITS].index("预算执行率")
        chart = self.wb.add_chart({"type": "column"})
        chart.add_series({
            "name": "预算执行率",
            "categories": [UNITS, header_row + 1, 0, total_row - 1, 0],
            "values": [UNITS, header_row + 1, col, total_row - 1, col],
            "data_labels": {"value": True, "num_format": "0.0%"},
        })
        chart.set_title({"name": "各单位预算执行率"})
        chart.set_y_axis({"num_format": "0%", "min": 0})
        chart.set_legend({"none": True})
        self.ws[UNITS].insert_chart(total_row + 2, 7, chart, {"x_scale": 1.2, "y_scale": 1.2})


# ------------------------------------------------------------------------------------------ main

def _rate(spent, budget):
    return _finite(spent / budget) if spent is not None and budget else None


def _r2(x):
    return None if x is None else round(x + 0.0, 2)


def _sum(values):
    # every amount is below 1e15 (checker.MAX_NUMBER): no sum of them becomes infinite
    present = [v for v in values if v is not None]
    return round(sum(present), 6) if present else None


def _mean(values):
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 2) if present else None


def consolidate(paths: Iterable, output, *, rules: RuleProfile = DEFAULT_RULES, title: str | None = None,
                year: int | None = None, executor: Executor | None = None, force: bool = False,
                collect: bool = False, on_file: Callable[[dict], None] | None = None,
                csv_dir=None, timeout: float = FILE_TIMEOUT) -> Summary:
    """Consolidate forms into one summary workbook.

    Args:
        paths: the input files (see :func:`perfxl.expand_inputs` for folders and globs).
        output: the ``.xlsx`` to write; written to a temp file beside it and moved in place.
        rules: the rule profile used to score and check.
        title: the 部门 in the title row; by default the most common 实施(主管)单位 / 填报单位.
        year: the 年度 in the title row; by default the most common year of the forms.
        executor: runs ``check_file_for_summary`` over the paths; default
            :func:`perfxl.workers.reading_executor` (worker processes, one per core from 40 files
            on, each file's crash, memory or time its own). Not shut down here when given.
        force: overwrite an existing output.
        collect: keep every sheet's rows in :attr:`Summary.sheets` (for ``--json`` / ``--csv``).
        on_file: called with each file's result as it arrives (progress).
        timeout: seconds one file may take before its reading is stopped (own executor only).
        csv_dir: also write one CSV per sheet into this folder (made when missing), together with
            the workbook: both are written, or neither.

    Raises:
        ConsolidateError: an output exists (without ``force``), is one of the inputs, is not a
            regular file or cannot be written (checked before any file is read); or writing failed.
    """
    paths = [p if isinstance(p, Path) else Path(p) for p in paths]  # a Path made again costs 3 µs a file
    out = Path(output)
    title = writable(title)  # from the command line: not UTF-8 there is a lone surrogate here
    made: list[Path] = []  # folders made here, taken away again when nothing is written
    try:  # before any file is read: a run of an hour must not end in "cannot write"
        try:
            made += make_folder(out.parent)
        except OutputError as exc:
            raise ConsolidateError(f"无法写入输出文件 {exc}") from exc
        targets = [out]
        if csv_dir is not None:
            try:
                made += make_folder(csv_dir)
            except OutputError as exc:
                raise ConsolidateError(f"无法写入 CSV 文件夹 {csv_dir}：{exc}") from exc
            targets += csv_paths(csv_dir)
        try:
            check_outputs(targets, force=force, inputs=paths)
        except OutputError as exc:
            raise ConsolidateError(f"无法写入输出文件 {exc}") from exc
        own = executor is None
        ex = reading_executor(len(paths), timeout=timeout) if own else executor
        try:  # the inputs were checked just now, once: not again for each output
            with atomic_outputs(targets, force=force) as temps:
                with xlsx_workbook(temps[0], {"constant_memory": True}, QuickZipWorkbook) as wb:
                    summary = _write(paths, wb, out, rules, title, year, ex, collect or csv_dir is not None, on_file)
                if csv_dir is not None:
                    _write_csv_files(summary.sheets, temps[1:])
        except OutputError as exc:  # an output appeared meanwhile, or the disk is full
            raise ConsolidateError(str(exc)) from exc
        finally:
            if own:  # after Ctrl-C, files not yet read are not read
                ex.shutdown(wait=True, cancel_futures=True)
    except BaseException:
        remove_folders(made)
        raise
    return summary


def _write(paths, wb, out, rules, title, year, executor, collect, on_file) -> Summary:
    w = _Writer(wb, collect)
    work = functools.partial(check_file_for_summary, rules=rules) if rules is not DEFAULT_RULES \
        else check_file_for_summary
    projects: list[list] = []  # one small row per form; written once duplicates are known
    keys: dict[tuple, list[int]] = {}
    departments: list[list] = []  # 部门整体支出绩效自评表: one row each, apart from the projects
    years: Counter = Counter()
    depts: Counter = Counter()
    unreadable: list[tuple[str, str]] = []
    findings = 0
    w.header(INDICATORS)
    w.header(ISSUES)
    n_files = 0
    names = [str(p) for p in paths]
    # rows of 指标明细 and 问题清单, written a batch at a time: one file write per batch, not per form
    pending: dict[str, list[list]] = {INDICATORS: [], ISSUES: []}
    for result in executor.map(work, names, chunksize=pool_chunksize(len(names), available_cores())):
        if isinstance(result, FileFailed):  # the worker died or was stopped on this file
            result = {"file": str(result.item), "error": result.reason, "forms": []}
        n_files += 1
        if on_file is not None:
            on_file(result)
        file = result["file"]
        if result["error"] is not None:
            unreadable.append((file, result["error"]))
            pending[ISSUES].append([file, "", "", "unreadable", _LEVELS[ERROR], f"无法读取：{result['error']}"])
            continue
        for f in result["forms"]:
            unit = f["unit"] or ""
            project = f["project"] or ""
            pending[INDICATORS] += [[unit, project, *ind, file] for ind in f["indicators"]]
            pending[ISSUES] += [[file, project, location, code, _LEVELS.get(level, level), message]
                                for location, code, level, message in f["findings"]]
            findings += len(f["findings"])
            if f["year"]:
                years[f["year"]] += 1
            if unit:
                depts[unit] += 1
            total, stated = f["total"], f["stated_total"]
            if f["kind"] == DEPARTMENT:  # a department's whole budget: its own sheet, never the project totals
                departments.append([unit, f["budget"], f["spent"], f["exec_rate"], stated, total, f["grade"] or "",
                                    len(f["findings"]), file])
                continue
            diff = _r2(stated - total) if stated is not None and total is not None else None
            keys.setdefault((_same_key(f["project"] or ""), _same_key(unit)), []).append(len(projects))
            projects.append([unit, f["project"] or "", f["budget"], f["received"], f["spent"], f["exec_rate"],
                             stated, total, diff, f["grade"] or "", len(f["findings"]), file])
        for name, rows in pending.items():
            if len(rows) >= _BATCH_ROWS:
                w.put_many(name, rows)
                pending[name] = []
    for name, rows in pending.items():
        w.put_many(name, rows)

    # duplicates: the same 项目名称 + 填报单位 in two (or more) files; every such row is flagged
    duplicates = 0
    flagged: list[list] = []  # their 问题清单 rows, written in batches (one file write per batch)
    for (key, _), rows in keys.items():
        files = [projects[i][-1] for i in rows]
        if len(set(files)) < 2 or not key:
            continue
        unique = sorted(set(files))
        for i in rows:
            unit, project = projects[i][0], projects[i][1]  # each row's own spelling
            # name a few of the other files, not all: a form sent 700 times must not make 700² text
            others = [f for f in unique[:4] if f != projects[i][-1]][:3]
            rest = len(unique) - 1 - len(others)
            others = "、".join(others) + (f" 等另外 {len(unique) - 1} 个文件" if rest > 0 else "")
            flagged.append([projects[i][-1], project, "", "duplicate-form", _LEVELS["warning"],
                            f"项目“{project}”（填报单位：{unit or _NO_UNIT}）同时出现在 {others}，可能重复上报"])
            projects[i][10] += 1
            duplicates += 1
            findings += 1
            if len(flagged) >= _BATCH_ROWS:
                w.put_many(ISSUES, flagged)
                flagged = []
    w.put_many(ISSUES, flagged)

    summary = Summary(
        output=out, title=title or (depts.most_common(1)[0][0] if depts else ""),
        year=year or (years.most_common(1)[0][0] if years else None), rules=rules.name,
        made=_dt.datetime.now().strftime("%Y-%m-%d %H:%M"), files=n_files, forms=len(projects),
        unreadable=unreadable, duplicates=duplicates, findings=findings,
    )

    # 项目汇总
    w.text_row(PROJECTS, summary.heading, w.title_fmt)
    w.text_row(PROJECTS, summary.info)
    if collect:
        w.kept[PROJECTS] = []  # the JSON carries title and info separately
    w.header(PROJECTS)
    for at in range(0, len(projects), _BATCH_ROWS):
        w.put_many(PROJECTS, projects[at:at + _BATCH_ROWS])
    w.filter(PROJECTS, w.row[PROJECTS] - 1)
    sums = {k: _sum(r[i] for r in projects) for k, i in (("budget", 2), ("received", 3), ("spent", 4))}
    overall = _rate(sums["spent"], sums["budget"])
    w.put(PROJECTS, ["合计", f"{len(projects)} 个项目", sums["budget"], sums["received"], sums["spent"], overall,
                     None, None, None, None, sum(r[10] for r in projects), None], total=True)
    summary.totals = {"projects": len(projects), "budget": sums["budget"], "received": sums["received"],
                      "spent": sums["spent"], "exec_rate": overall,
                      "grades": {g: sum(1 for r in projects if r[9] == g) for g in GRADES}}

    # 单位汇总
    w.header(UNITS)
    header_row = w.row[UNITS] - 1
    by_unit: dict[str, list[list]] = {}
    for row in projects:
        by_unit.setdefault(row[0] or _NO_UNIT, []).append(row)
    for unit, rows in by_unit.items():
        b, s = _sum(r[2] for r in rows), _sum(r[4] for r in rows)
        w.put(UNITS, [unit, len(rows), b, s, _rate(s, b), _mean(r[6] for r in rows), _mean(r[7] for r in rows),
                      *(sum(1 for r in rows if r[9] == g) for g in GRADES)])
    w.filter(UNITS, w.row[UNITS] - 1)
    total_row = w.row[UNITS]
    w.put(UNITS, ["合计", len(projects), sums["budget"], sums["spent"], overall,
                  _mean(r[6] for r in projects), _mean(r[7] for r in projects),
                  *(summary.totals["grades"][g] for g in GRADES)], total=True)
    if projects:
        w.grade_chart(header_row, total_row)
        w.rate_chart(header_row, total_row)

    # 部门整体
    w.header(DEPARTMENTS)
    w.put_many(DEPARTMENTS, departments)
    w.filter(DEPARTMENTS, w.row[DEPARTMENTS] - 1)
    w.filter(INDICATORS, w.row[INDICATORS] - 1)
    w.filter(ISSUES, w.row[ISSUES] - 1)
    if collect:
        summary.sheets = {name: w.kept[name] for name in SHEETS}
    return summary
