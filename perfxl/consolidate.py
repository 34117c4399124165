"""Consolidation: many 绩效自评表 into one summary workbook (项目支出绩效自评汇总表).

:func:`consolidate` reads and checks every input through any :class:`concurrent.futures.Executor`
(``executor.map`` over batches of paths, so that an executor without batching of its own, Dask's,
is not asked once per file); each worker returns small picklable row data (plain dicts, lists and
numbers), never a workbook, and the rows go to an XlsxWriter workbook opened with
``constant_memory``. The workbook has five sheets, all labels in Chinese:

- 项目汇总 — one row per form with its 状态 (计入 / 重复 / 未填报, see :mod:`perfxl.duplicates`),
  then a 合计 row over the forms counted (Σ预算数, Σ到位数, Σ执行数, overall 预算执行率), saying how
  many it covers;
- 单位汇总 — one row per unit, a 合计 row and charts of the grades and the rates;
- 部门整体 — the department forms, never in the project totals;
- 指标明细 — one row per 三级指标 (written as the forms arrive);
- 问题清单 — a 单位问题汇总 block (errors and warnings per unit), then every finding beside its
  unit and project, sorted by them: the findings of the forms counted, one ``unfilled-form`` row
  per form never filled in, one ``duplicate-form`` row per group of forms sent more than once,
  one ``unreadable`` row per file that could not be read.

Amounts are added in 万元 (forms in 元 or 千元 converted); 来源文件 is each path as the user named
it relative to its folder (:class:`perfxl.inputs.Inputs`), never this machine's absolute path.

Text is always written with ``write_string``, so a 项目名称 such as ``=SUM(A1)`` stays text. The
workbook and the CSVs (``csv_dir``) are written through :func:`perfxl.files.atomic_outputs`: to
temporary files beside them, put in place together when every one is complete.
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import math
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, NamedTuple, cast

from . import duplicates as dup
from .checker import ERROR, WARNING, check_file
from .checks import CODES
from .display import writable
from .files import (
    OutputError,
    atomic_outputs,
    check_outputs,
    make_folder,
    open_temporary,
    remove_folders,
    xlsx_workbook,
)
from .inputs import shown_names
from .model import DEPARTMENT, MONEY_UNITS
from .rules import DEFAULT_RULES, RuleProfile
from .workers import FILE_TIMEOUT, FileFailed, InlineExecutor, available_cores, pool_chunksize, reading_executor  # noqa: F401 - InlineExecutor re-exported
from .xlsxrows import FastRowsWorksheet, QuickZipWorkbook

PROJECTS, UNITS, DEPARTMENTS, INDICATORS, ISSUES = "项目汇总", "单位汇总", "部门整体", "指标明细", "问题清单"
SHEETS = (PROJECTS, UNITS, DEPARTMENTS, INDICATORS, ISSUES)
#: The 单位问题汇总 block at the top of 问题清单; its own table in ``--json`` and ``--csv``.
UNIT_ISSUES = "单位问题汇总"
GRADES = ("优", "良", "中", "差")

HEADERS: dict[str, list[str]] = {
    PROJECTS: [
        "填报单位",
        "项目名称",
        "状态",
        "预算数",
        "到位数",
        "执行数",
        "预算执行率",
        "自评总分",
        "复核总分",
        "差异",
        "等级",
        "问题数",
        "原表金额单位",
        "来源文件",
    ],
    UNITS: [
        "填报单位",
        "计入项目数",
        "未填报",
        "重复",
        "预算数合计",
        "执行数合计",
        "预算执行率",
        "平均自评分",
        "平均复核分",
        *GRADES,
    ],
    DEPARTMENTS: [
        "单位",
        "状态",
        "预算数",
        "执行数",
        "预算执行率",
        "自评总分",
        "复核总分",
        "等级",
        "问题数",
        "原表金额单位",
        "来源文件",
    ],
    INDICATORS: [
        "填报单位",
        "项目名称",
        "一级指标",
        "二级指标",
        "三级指标",
        "预期指标值",
        "实际完成值",
        "分值",
        "自评得分",
        "复核得分",
        "来源文件",
    ],
    ISSUES: ["填报单位", "项目名称", "问题类型", "代码", "级别", "位置", "说明", "来源文件"],
    UNIT_ISSUES: ["填报单位", "错误", "警告", "问题合计", "未填报", "重复"],
}


class ProjectRow(NamedTuple):
    """A row of 项目汇总 (columns: ``HEADERS[PROJECTS]``)."""

    unit: str
    project: str
    status: str | None
    budget: float | None
    received: float | None
    spent: float | None
    exec_rate: float | None
    stated_total: float | None
    total: float | None
    difference: float | None
    grade: str | None
    findings: int | None
    money_unit: str | None
    file: str | None


class DepartmentRow(NamedTuple):
    """A row of 部门整体 (columns: ``HEADERS[DEPARTMENTS]``)."""

    unit: str
    status: str | None
    budget: float | None
    spent: float | None
    exec_rate: float | None
    stated_total: float | None
    total: float | None
    grade: str
    findings: int | None
    money_unit: str
    file: str


class IssueRow(NamedTuple):
    """A row of 问题清单 (columns: ``HEADERS[ISSUES]``)."""

    unit: str
    project: str
    kind: str
    code: str
    level: str
    location: str
    message: str
    file: str


#: Number format per column: "amount" (0.00), "rate" (0.00%), "score" (0.00) or None (as is).
_FORMATS: dict[str, list[str | None]] = {
    PROJECTS: [
        None,
        None,
        None,
        "amount",
        "amount",
        "amount",
        "rate",
        "score",
        "score",
        "score",
        None,
        None,
        None,
        None,
    ],
    UNITS: [None, None, None, None, "amount", "amount", "rate", "score", "score", None, None, None, None],
    DEPARTMENTS: [None, None, "amount", "amount", "rate", "score", "score", None, None, None, None],
    INDICATORS: [None, None, None, None, None, None, None, "score", "score", "score", None],
    ISSUES: [None] * 8,
    UNIT_ISSUES: [None] * 6,
}
_WIDTHS: dict[str, list[float]] = {
    PROJECTS: [16, 40, 7, 11, 11, 11, 11, 10, 10, 8, 6, 7, 8, 36],
    UNITS: [18, 8, 7, 6, 12, 12, 11, 11, 11, 6, 6, 6, 6],
    DEPARTMENTS: [24, 7, 12, 12, 11, 10, 10, 6, 7, 8, 36],
    INDICATORS: [16, 32, 12, 14, 30, 16, 16, 8, 9, 9, 36],
    ISSUES: [18, 32, 18, 24, 6, 14, 70, 36],
}
_LEVELS = {ERROR: "错误", WARNING: "警告"}
#: What a CSV cell may not start with (OWASP CSV injection): it gets a leading single quote.
_CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_NO_UNIT = "（未填写）"
#: The 单位问题汇总 line of findings without a unit: forms without one, files that could not be read.
_NO_UNIT_ISSUES = "（未填写单位或无法读取）"
#: Rows rendered into one string and written at once (bounded, so that memory stays flat).
_BATCH_ROWS = 1000


class ConsolidateError(ValueError):
    """An output cannot be written: it exists (without ``force``), it is one of the inputs, it is
    not a regular file, its folder cannot be written to, or writing it failed (a full disk)."""


# --------------------------------------------------------------------------------------- workers


def _finite(x: float | None) -> float | None:
    """``x``, or None for NaN or an infinity (what no cell, CSV or JSON may hold)."""
    return x if x is None or math.isfinite(x) else None


#: Codes the summary itself gives (not the checker): a file that cannot be read, a form sent twice,
#: a form never filled in. Their 问题类型 is here; every other code's is
#: :data:`perfxl.checks.CODES` (``title``), the one list of the checker's codes.
UNREADABLE, DUPLICATE, UNFILLED = "unreadable", "duplicate-form", "unfilled-form"
SUMMARY_TITLES: dict[str, str] = {UNREADABLE: "文件无法读取", DUPLICATE: "重复报送", UNFILLED: "未填报"}


def issue_type(code: str) -> str:
    """The 问题类型 of ``code``: :data:`perfxl.checks.CODES`' title, or the summary's own; an unknown
    code (a newer checker's) is shown as itself."""
    known = CODES.get(code)
    return known.title if known is not None else SUMMARY_TITLES.get(code, code)


def _wan(money_unit: str | None, *amounts: float | None) -> tuple[float | None, ...]:
    """Amounts in 万元 (forms in 元 or 千元 are converted, so that the sums add like with like)."""
    factor = MONEY_UNITS.get(money_unit.strip(), 1.0) if money_unit else 1.0
    if factor == 1.0:
        return amounts
    return tuple(None if x is None else x * factor for x in amounts)


def check_file_for_summary(path, rules: RuleProfile = DEFAULT_RULES) -> dict:
    """Read and check one file, and return only what the summary needs, as plain picklable data.

    Returns:
        ``{"file", "error", "mtime", "forms": [{"unit" (填报单位, else 实施单位, else 主管部门), "kind",
        "project", "year", "money_unit", "budget", "received", "spent" (万元), "exec_rate", "stated_total",
        "total", "grade", "indicators": [[...]], "findings": [[location, code, level, message]],
        "unit_key", "key" (the name key), "filled", "complete" (values
        filled), "anchor" (a cell for findings without one), "unfilled_at" (where 执行数 goes)}]}``;
        ``error`` is the reason when the file could not be read (any failure of the reader is
        caught, so one file never stops the rest).
    """
    file = str(path)
    try:
        report = check_file(path, rules)
        mtime = os.stat(path).st_mtime
    except Exception as exc:
        return writable({"file": file, "error": f"{type(exc).__name__}: {exc}", "forms": [], "mtime": 0.0})
    forms = []
    for r in report.forms:
        f, c = r.form, r.form.computed
        budget, received, spent = _wan(f.money_unit, f.budget_total, f.received.total, f.spent.total)
        # check_file scores every form: one result per indicator (None for each, were one unscored)
        results = c.indicators if c else [None] * len(f.indicators)
        indicators = [
            [
                ind.level1,
                ind.level2,
                ind.name,
                ind.target,
                ind.actual,
                res.weight if res is not None else ind.weight,
                ind.score,
                res.rule_score if res is not None else None,
            ]
            for ind, res in zip(f.indicators, results)
        ]
        filled = dup.is_filled(spent, f.stated_total, (ind.score for ind in f.indicators))
        unit_key = dup.name_key(f.group_unit)
        anchor = (
            f.location("project")
            or f.location("unit")
            or (f"{f.source.sheet}!A1" if f.source and f.source.sheet else "")
        )
        forms.append(
            {
                "unit": f.group_unit,
                "kind": f.kind,
                "project": f.project,
                "year": f.year,
                "money_unit": f.money_unit,
                "budget": budget,
                "received": received,
                "spent": spent,
                # check_file leaves every number below 1e15, but 执行数 / a tiny 预算数 can still be infinite
                "exec_rate": _finite(c.exec_rate) if c else None,
                "stated_total": f.stated_total,
                "total": c.total if c else None,
                "grade": c.grade if c else None,
                "indicators": indicators,
                "findings": [[x.location, x.code, x.level, x.message] for x in r.findings],
                "unit_key": unit_key,
                "key": dup.form_key(f.kind, f.project, unit_key),
                "filled": filled,
                "complete": sum(x is not None for x in (budget, received, spent, f.stated_total))
                + sum((ind.actual is not None) + (ind.score is not None) for ind in f.indicators),
                "anchor": anchor,
                "unfilled_at": "" if filled else (f.location("spent.total") or f.location("budget.total") or anchor),
            }
        )
    # a lone surrogate (a file name that is not UTF-8, \ud800 in JSON) fits in no workbook or CSV
    return writable({"file": file, "error": report.error, "forms": forms, "mtime": mtime})


def check_files_for_summary(paths, rules: RuleProfile = DEFAULT_RULES) -> list[dict]:
    """:func:`check_file_for_summary` over a batch of paths: one task of an executor."""
    return [check_file_for_summary(p, rules) for p in paths]


# ---------------------------------------------------------------------------------------- result


@dataclass
class Summary:
    """What :func:`consolidate` wrote.

    ``sheets`` holds every sheet's rows (header first), and the 单位问题汇总 block as its own table,
    only when ``collect=True`` was passed — by default the rows go to the workbook and are not kept.
    """

    output: Path
    title: str | None
    year: int | None
    rules: str
    made: str
    files: int = 0
    forms: int = 0
    counted: int = 0
    unfilled: int = 0
    duplicates: int = 0  # forms not counted because another copy is
    duplicate_groups: int = 0
    units: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    findings: int = 0  # rows of 问题清单
    errors: int = 0
    warnings: int = 0
    totals: dict = field(default_factory=dict)
    sheets: dict[str, list[list]] = field(default_factory=dict)
    feedback: list[Path] = field(default_factory=list)  # the files --feedback wrote

    @property
    def heading(self) -> str:
        """The title row of 项目汇总: the unit given, else the one unit of every form, else how many."""
        year = f"{self.year}年度" if self.year else "年度"
        if self.title:
            return f"{self.title} {year}项目支出绩效自评汇总表"
        return f"{year}项目支出绩效自评汇总表" + (f"（{self.units} 个单位）" if self.units > 1 else "")

    @property
    def info(self) -> str:
        """The line under the title: when, from how many files and forms, what counts, with which rules."""
        return (
            f"生成时间：{self.made}；共 {self.files} 个文件、{self.forms} 张自评表：计入 {self.counted} 张，"
            f"重复 {self.duplicates} 张，未填报 {self.unfilled} 张（无法读取 {len(self.unreadable)} 个文件）；"
            f"评分规则：{self.rules}；金额单位：万元"
        )

    def exit_code(self) -> int:
        """2 when some input could not be read, else 1 when a form counted has errors, else 0 (as ``check``)."""
        if self.unreadable:
            return 2
        return 1 if self.errors else 0

    def to_dict(self) -> dict:
        return {
            "title": self.heading,
            "info": self.info,
            "output": str(self.output),
            "rules": self.rules,
            "made": self.made,
            "files": self.files,
            "forms": self.forms,
            "counted": self.counted,
            "unfilled": self.unfilled,
            "duplicates": self.duplicates,
            "duplicate_groups": self.duplicate_groups,
            "units": self.units,
            "findings": self.findings,
            "errors": self.errors,
            "warnings": self.warnings,
            "unreadable": [{"file": f, "reason": r} for f, r in self.unreadable],
            "totals": self.totals,
            "sheets": {name: {"header": rows[0], "rows": rows[1:]} for name, rows in self.sheets.items()},
            "feedback": [str(p) for p in self.feedback],
        }

    def write_csv(self, folder, *, force: bool = False) -> list[Path]:
        """One UTF-8-with-BOM CSV per sheet (needs ``collect=True``); formula-like cells are quoted,
        rates written as the workbook shows them (``45.64%``).

        Written as every output is (:func:`perfxl.files.atomic_outputs`): all or none, an existing
        CSV replaced only with ``force``, never through a link.

        Raises:
            OutputError: a CSV is refused or cannot be written.
        """
        paths = csv_paths(folder, self.sheets)
        with atomic_outputs(paths, force=force) as temps:
            _write_csv_files(self.sheets, temps)
        return paths


#: The tables written as CSV: every sheet, and 问题清单's 单位问题汇总 block as its own.
CSV_TABLES = (*SHEETS, UNIT_ISSUES)


def csv_paths(folder, sheets=CSV_TABLES) -> list[Path]:
    """The CSV file of each table in ``folder``: ``项目汇总.csv`` …"""
    return [Path(folder) / f"{name}.csv" for name in sheets]


def _write_csv_files(sheets: dict[str, list[list]], paths: list[str]) -> None:
    for path, (name, rows) in zip(paths, sheets.items()):
        with open_temporary(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            for row in rows:
                w.writerow(csv_row(name, row))


def csv_row(sheet: str, row: list) -> list[str]:
    """A row of ``sheet`` for CSV: rates as the workbook shows them (``45.64%``), the rest by :func:`csv_cell`."""
    kinds = _FORMATS.get(sheet, ())
    return [
        _percent(v)
        if i < len(kinds) and kinds[i] == "rate" and isinstance(v, (int, float)) and not isinstance(v, bool)
        else csv_cell(v)
        for i, v in enumerate(row)
    ]


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


def _percent(fraction: float) -> str:
    """A fraction as Excel's 0.00% format shows it: its shortest decimal, halves rounded up."""
    if fraction != fraction or fraction in (float("inf"), float("-inf")):
        return csv_cell(fraction)
    shown = Decimal(repr(fraction)).scaleb(2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{shown}%"


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
        self.header_fmt = wb.add_format(
            {
                "bold": True,
                "bg_color": "#DDEBF7",
                "border": 1,
                "text_wrap": True,
                "align": "center",
                "valign": "vcenter",
            }
        )
        self.title_fmt = wb.add_format({"bold": True, "font_size": 16})
        self.total_fmt = {
            k: wb.add_format({"bold": True, "top": 1, **({"num_format": v} if v else {})})
            for k, v in ((None, None), ("amount", "0.00"), ("rate", "0.00%"), ("score", "0.00"))
        }
        self.ws = {}
        self.row = {}
        self.header_row: dict[str, int] = {}
        self.collect = collect
        self.kept: dict[str, list[list]] = {}
        # Each column's XF index, for FastRowsWorksheet.write_plain_rows (0 = no format).
        try:
            self.styles = {name: [self.fmt[k]._get_xf_index() if k else 0 for k in _FORMATS[name]] for name in SHEETS}
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

    def header(self, name: str, table: str | None = None) -> None:
        """The header row of ``name``'s table (``table``: another table written on that sheet, whose
        rows are kept apart and which neither freezes the panes nor gets the autofilter)."""
        ws, r = self.ws[name], self.row[name]
        for col, label in enumerate(HEADERS[table or name]):
            ws.write_string(r, col, label, self.header_fmt)
        if table is None:
            if name != ISSUES:  # 问题清单's header is below the unit block: frozen there, it would fill the screen
                ws.freeze_panes(r + 1, 0)
            ws.repeat_rows(r)
            self.header_row[name] = r
        self.row[name] = r + 1
        if self.collect:
            self.kept.setdefault(table or name, []).append(list(HEADERS[table or name]))

    def skip(self, name: str) -> None:
        """An empty row."""
        self.row[name] += 1

    def text_row(self, name: str, text: str, fmt=None) -> None:
        self.ws[name].write_string(self.row[name], 0, text, fmt)
        self.row[name] += 1

    def put_many(self, name: str, rows: Sequence[Sequence[Any]]) -> None:
        """Data rows (not a 合计 row), written with one file write when the fast path is there."""
        if self.fast and self.ws[name].write_plain_rows(self.row[name], rows, self.styles[name]) == len(rows):
            self.row[name] += len(rows)
            if self.collect:
                self.kept[name].extend(list(values) for values in rows)
            return
        for values in rows:
            self.put(name, values)

    def put(self, name: str, values: Sequence[Any], total: bool = False, table: str | None = None) -> None:
        """One row of ``name`` (``table``: of another table on that sheet, see :meth:`header`)."""
        ws, r, kinds = self.ws[name], self.row[name], _FORMATS[table or name]
        if not total and table is None and self.fast and ws.write_plain_row(r, values, self.styles[name]):
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
            self.kept[table or name].append(list(values))

    def filter(self, name: str, last_data_row: int) -> None:
        first = self.header_row[name]
        self.ws[name].autofilter(first, 0, max(first, last_data_row), len(HEADERS[name]) - 1)

    def grade_chart(self, header_row: int, total_row: int) -> None:
        first_col = HEADERS[UNITS].index(GRADES[0])
        chart = self.wb.add_chart({"type": "pie"})
        chart.add_series(
            {
                "name": "等级分布",
                "categories": [UNITS, header_row, first_col, header_row, first_col + len(GRADES) - 1],
                "values": [UNITS, total_row, first_col, total_row, first_col + len(GRADES) - 1],
                "data_labels": {"value": True, "percentage": True, "category": True},
            }
        )
        chart.set_title({"name": "自评等级分布（复核）"})
        self.ws[UNITS].insert_chart(total_row + 2, 1, chart, {"x_scale": 1.2, "y_scale": 1.2})

    def rate_chart(self, header_row: int, total_row: int) -> None:
        """A column chart of 预算执行率 per 填报单位, beside the grade pie."""
        col = HEADERS[UNITS].index("预算执行率")
        chart = self.wb.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": "预算执行率",
                "categories": [UNITS, header_row + 1, 0, total_row - 1, 0],
                "values": [UNITS, header_row + 1, col, total_row - 1, col],
                "data_labels": {"value": True, "num_format": "0.0%"},
            }
        )
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


def consolidate(
    paths: Iterable,
    output,
    *,
    rules: RuleProfile = DEFAULT_RULES,
    title: str | None = None,
    year: int | None = None,
    executor: Executor | None = None,
    force: bool = False,
    collect: bool = False,
    on_file: Callable[[dict], None] | None = None,
    shown: list[str] | None = None,
    feedback=None,
    csv_dir=None,
    timeout: float = FILE_TIMEOUT,
) -> Summary:
    """Consolidate forms into one summary workbook.

    Args:
        paths: the input files (see :func:`perfxl.inputs.list_inputs` for folders and globs).
        output: the ``.xlsx`` to write; written to a temp file beside it and moved in place.
        rules: the rule profile used to score and check.
        title: the unit in the title row; by default the unit of every form when they share one,
            else a title naming how many units there are.
        year: the 年度 in the title row; by default the most common year of the forms.
        executor: runs the reading over batches of paths; default
            :func:`perfxl.workers.reading_executor` (a process per core from 40 files on, inline
            below). Not shut down here when given. Its workers get absolute paths, so a Dask
            cluster's workers find the files where they share this machine's storage.
        force: overwrite an existing output (and feedback files).
        collect: keep every sheet's rows in :attr:`Summary.sheets` (for ``--json`` / ``--csv``).
        on_file: called with each file's result as it arrives (progress).
        shown: how 来源文件 shows each path (:attr:`perfxl.inputs.Inputs.shown`); by default
            :func:`perfxl.inputs.shown_names`.
        feedback: a folder to write each unit's findings to (:mod:`perfxl.feedback`), or None.
        timeout: seconds one file may take before its reading is stopped (own executor only).
        csv_dir: also write one CSV per sheet into this folder (made when missing), together with
            the workbook: both are written, or neither.

    Raises:
        ConsolidateError: an output exists (without ``force``), is one of the inputs, is not a
            regular file or cannot be written (checked before any file is read); or writing failed.
    """
    paths = [p if isinstance(p, Path) else Path(p) for p in paths]  # a Path is not made again
    # a lone surrogate (a file name that is not UTF-8) fits in no workbook or CSV: its escape does
    shown = writable(list(shown_names(paths) if shown is None else shown))
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
        if feedback is not None:
            from .feedback import check_folder, write_feedback

            try:
                check_folder(feedback, force=force)
            except OutputError as exc:
                raise ConsolidateError(str(exc)) from exc
        own = executor is None
        ex = reading_executor(len(paths), timeout=timeout) if executor is None else executor
        try:
            try:  # the inputs were checked just now, once: not again for each output
                with atomic_outputs(targets, force=force) as temps:
                    with xlsx_workbook(temps[0], {"constant_memory": True}, QuickZipWorkbook) as wb:
                        summary, plan = _write(
                            paths,
                            shown,
                            wb,
                            out,
                            rules,
                            title,
                            year,
                            ex,
                            collect or csv_dir is not None,
                            on_file,
                            feedback is not None,
                        )
                    if csv_dir is not None:
                        _write_csv_files(summary.sheets, temps[1:])
            except OutputError as exc:  # an output appeared meanwhile, or the disk is full
                raise ConsolidateError(str(exc)) from exc
            if feedback is not None:
                try:
                    summary.feedback = write_feedback(feedback, plan, ex, force=force)
                except (OSError, OutputError) as exc:  # the summary is written; the feedback could not be
                    raise ConsolidateError(f"汇总表已写出，但反馈文件夹 {feedback} 无法写入（{exc}）") from exc
        finally:
            if own:  # after Ctrl-C, files not yet read are not read
                ex.shutdown(wait=True, cancel_futures=True)
    except BaseException:
        remove_folders(made)
        raise
    return summary


class _Form:
    """One form as the summary keeps it until every file is in (its statuses need them all)."""

    __slots__ = (
        "kind",
        "unit",
        "project",
        "budget",
        "received",
        "spent",
        "exec_rate",
        "stated_total",
        "total",
        "grade",
        "money_unit",
        "items",
        "filled",
        "complete",
        "mtime",
        "unit_key",
        "file_index",
        "shown",
        "anchor",
        "unfilled_at",
        "status",
        "findings",
    )

    def __init__(self, unit: str, project: str, f: dict, mtime: float, file_index: int, shown: str):
        self.kind, self.unit, self.project, self.mtime = f["kind"], unit, project, mtime
        self.budget, self.received, self.spent, self.exec_rate = f["budget"], f["received"], f["spent"], f["exec_rate"]
        self.stated_total, self.total, self.grade = f["stated_total"], f["total"], f["grade"] or ""
        self.money_unit = f["money_unit"] or ""
        self.items, self.filled, self.complete = f["findings"], f["filled"], f["complete"]
        self.unit_key, self.anchor, self.unfilled_at = f["unit_key"], f["anchor"], f["unfilled_at"]
        self.file_index, self.shown = file_index, shown
        self.status: str | None = None  # 计入 / 重复 / 未填报, once every form is in
        self.findings: int | None = None  # its rows in 问题清单, once listed (a duplicate's are not)

    def project_row(self) -> ProjectRow:
        stated, total = self.stated_total, self.total
        difference = _r2(stated - total) if stated is not None and total is not None else None
        return ProjectRow(
            self.unit,
            self.project,
            self.status,
            self.budget,
            self.received,
            self.spent,
            self.exec_rate,
            stated,
            total,
            difference,
            self.grade,
            self.findings,
            self.money_unit,
            self.shown,
        )

    def department_row(self) -> DepartmentRow:
        return DepartmentRow(
            self.unit,
            self.status,
            self.budget,
            self.spent,
            self.exec_rate,
            self.stated_total,
            self.total,
            self.grade,
            self.findings,
            self.money_unit,
            self.shown,
        )


_UNFILLED_MESSAGE = "未填报：没有执行数，也没有自评得分和总分（收到的仍是空白或预填的模板），不计入合计与平均"


def _write(paths, shown, wb, out, rules, title, year, executor, collect, on_file, plan) -> tuple[Summary, list]:
    """Read the files and write the summary; returns it, and what each unit is sent when ``plan``."""
    w = _Writer(wb, collect)
    work = functools.partial(check_files_for_summary, rules=rules)
    # absolute: a worker of another machine (Dask) or another folder finds the files where this one does
    # (joined, not os.path.abspath: that asks for the folder and normalises the path again for each file)
    cwd = os.getcwd()
    names = [name if os.path.isabs(name) else os.path.join(cwd, name) for name in map(str, paths)]
    size = pool_chunksize(len(names), available_cores())
    forms: list[_Form] = []
    groups = dup.Groups()
    years: Counter = Counter()
    spellings: dict[str, Counter] = {}  # unit key → how the forms spell it
    unreadable: list[tuple[int, str]] = []
    w.header(INDICATORS)
    n_files = 0
    pending: list[list] = []  # rows of 指标明细, written a batch at a time: one file write per batch
    batches = [names[at : at + size] for at in range(0, len(names), size)]
    for batch in executor.map(work, batches):
        if isinstance(batch, FileFailed):  # a worker died or was stopped in this batch: its files one by one
            batch = [
                {"file": cast("list[str]", one.item)[0], "error": one.reason, "forms": []}
                if isinstance(one, FileFailed)
                else one[0]
                for one in executor.map(work, [[name] for name in cast("list[str]", batch.item)])
            ]
        for result in batch:
            i = n_files
            n_files += 1
            if on_file is not None:
                on_file(result)
            if result["error"] is not None:
                unreadable.append((i, result["error"]))
                continue
            file = shown[i]
            for f in result["forms"]:
                unit = f["unit"] or ""
                project = f["project"] or ""
                pending += [[unit, project, *ind, file] for ind in f["indicators"]]
                if f["year"]:
                    years[f["year"]] += 1
                spelled = spellings.get(f["unit_key"])
                if spelled is None:
                    spelled = spellings[f["unit_key"]] = Counter()
                spelled[unit] += 1
                forms.append(_Form(unit, project, f, result["mtime"], i, file))
                # only a filled form is matched by content: two untouched templates of one budget are two forms
                groups.add(
                    f["key"],
                    dup.content_key(
                        f["kind"],
                        f["year"],
                        (f["budget"], f["received"], f["spent"]),
                        f["stated_total"],
                        f["indicators"],
                    )
                    if f["filled"] and f["indicators"]
                    else None,
                )
        if len(pending) >= _BATCH_ROWS:
            w.put_many(INDICATORS, pending)
            pending = []
    w.put_many(INDICATORS, pending)
    w.filter(INDICATORS, w.row[INDICATORS] - 1)

    display = {key: spelled.most_common(1)[0][0] for key, spelled in spellings.items()}
    duplicate_groups = _mark_statuses(forms, groups)
    listed = _issue_rows(forms, duplicate_groups, unreadable, display, shown, paths)
    named_units = [key for key in display if key]
    projects = [f for f in forms if f.kind != DEPARTMENT]
    counted = [f for f in projects if f.status == dup.COUNTED]
    summary = Summary(
        output=out,
        title=title or (display[named_units[0]] if len(named_units) == 1 else None),
        year=year or (years.most_common(1)[0][0] if years else None),
        rules=rules.name,
        made=_dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        files=n_files,
        forms=len(forms),
        counted=sum(f.status == dup.COUNTED for f in forms),
        unfilled=sum(f.status == dup.UNFILLED for f in forms),
        duplicates=sum(f.status == dup.DUPLICATE for f in forms),
        duplicate_groups=len(duplicate_groups),
        units=len(named_units),
        unreadable=[(str(paths[i]), reason) for i, reason in unreadable],
        findings=len(listed),
        errors=sum(row.level == _LEVELS[ERROR] for row, _ in listed),
        warnings=sum(row.level == _LEVELS[WARNING] for row, _ in listed),
    )

    # 项目汇总
    w.text_row(PROJECTS, summary.heading, w.title_fmt)
    w.text_row(PROJECTS, summary.info)
    if collect:
        w.kept[PROJECTS] = []  # the JSON carries title and info separately
    w.header(PROJECTS)
    rows = [f.project_row() for f in projects]
    for at in range(0, len(rows), _BATCH_ROWS):
        w.put_many(PROJECTS, rows[at : at + _BATCH_ROWS])
    w.filter(PROJECTS, w.row[PROJECTS] - 1)
    sums = {
        "budget": _sum(f.budget for f in counted),
        "received": _sum(f.received for f in counted),
        "spent": _sum(f.spent for f in counted),
    }
    overall = _rate(sums["spent"], sums["budget"])
    n_unfilled = sum(f.status == dup.UNFILLED for f in projects)
    n_duplicate = sum(f.status == dup.DUPLICATE for f in projects)
    w.put(
        PROJECTS,
        ProjectRow(
            "合计",
            f"计入 {len(counted)} 个项目（不含重复 {n_duplicate} 个、未填报 {n_unfilled} 个）",
            "计入",
            sums["budget"],
            sums["received"],
            sums["spent"],
            overall,
            None,
            None,
            None,
            None,
            sum(f.findings or 0 for f in projects),
            None,
            None,
        ),
        total=True,
    )
    summary.totals = {
        "projects": len(counted),
        "unfilled": n_unfilled,
        "duplicates": n_duplicate,
        "budget": sums["budget"],
        "received": sums["received"],
        "spent": sums["spent"],
        "exec_rate": overall,
        "grades": {g: sum(1 for f in counted if f.grade == g) for g in GRADES},
    }

    _unit_sheet(w, projects, display, summary)

    # 部门整体
    w.header(DEPARTMENTS)
    w.put_many(DEPARTMENTS, [f.department_row() for f in forms if f.kind == DEPARTMENT])
    w.filter(DEPARTMENTS, w.row[DEPARTMENTS] - 1)

    _issue_sheet(w, forms, listed, display)
    if collect:
        summary.sheets = {name: w.kept[name] for name in (*SHEETS, UNIT_ISSUES)}
    return summary, (_feedback_plan(forms, listed, display, paths) if plan else [])


def _feedback_plan(forms, listed, display, paths) -> list:
    """What each unit is sent (:class:`perfxl.feedback.UnitFeedback`): its rows of 问题清单, its forms,
    and per workbook of its forms the notes for the annotated copy."""
    from .feedback import Copy, UnitFeedback

    units: dict[str, UnitFeedback] = {}

    def unit_of(name: str) -> UnitFeedback:
        fb = units.get(name)
        if fb is None:
            fb = units[name] = UnitFeedback(name, list(HEADERS[ISSUES]))
        return fb

    for row, about in listed:
        fb = unit_of(row.unit)
        fb.findings.append(list(row))
        if isinstance(about, _Form):
            source = str(paths[about.file_index])
            copy = fb.copies.get(source)
            if copy is None:
                copy = fb.copies[source] = Copy(source)
            copy.notes.append((row.location or about.anchor, row.level, f"{row.kind}（{row.code}）：{row.message}"))
            fb.sources.append(source)
        else:
            fb.sources.append(None)
    for f in forms:
        line = [
            f.project if f.kind != DEPARTMENT else "（部门整体）",
            f.status,
            f.budget,
            f.spent,
            f.exec_rate,
            f.stated_total,
            f.total,
            f.findings,
            f.shown,
        ]
        unit_of(display[f.unit_key]).forms.append(line)
    return [units[name] for name in sorted(units, key=lambda u: (not u, u))]


def _mark_statuses(forms: list[_Form], groups: dup.Groups) -> list[tuple[int, list[_Form], str]]:
    """Each form's 状态; returns the groups of duplicates as (the index of the form counted, the others, why)."""
    out = []
    for group in groups.groups():
        best, why = dup.choose(group, lambda i: forms[i].complete, lambda i: forms[i].mtime)
        others = [forms[i] for i in group if i != best]
        for form in others:
            form.status = dup.DUPLICATE
        out.append((best, others, why))
    for form in forms:
        if form.status is None:
            form.status = dup.COUNTED if form.filled else dup.UNFILLED
    return out


def _issue_rows(forms, duplicate_groups, unreadable, display, shown, paths) -> list[tuple[IssueRow, object]]:
    """Every row of 问题清单 as (row, what it is about), sorted by unit, then project, then file.

    What a row is about: the :class:`_Form` of a finding (its cell comment in a feedback copy), else
    the path of the file (a duplicate group's counted form, an unreadable file). A duplicate's own
    findings are not listed (its group's row stands for it, after the counted form's findings), an
    unfilled form's only as one row; files that could not be read come last. The forms are sorted,
    not the findings: a form's findings keep their order, and there are fewer forms to sort.
    """
    error, warning = _LEVELS[ERROR], _LEVELS[WARNING]
    groups = {n: (others, why) for n, others, why in duplicate_groups}
    listed: list[tuple[IssueRow, object]] = []

    def place(n: int):
        form = forms[n]
        unit, project = display[form.unit_key], form.project
        return not unit, unit, not project, project, form.file_index, n

    for n in sorted((n for n, form in enumerate(forms) if form.status != dup.DUPLICATE), key=place):
        form = forms[n]
        items = [[form.unfilled_at, UNFILLED, ERROR, _UNFILLED_MESSAGE]] if form.status == dup.UNFILLED else form.items
        form.findings = len(items)
        unit, project, file = display[form.unit_key], form.project, form.shown
        listed += [
            (IssueRow(unit, project, issue_type(code), code, _LEVELS.get(level, level), location, message, file), form)
            for location, code, level, message in items
        ]
        if n in groups:
            others, why = groups[n]
            names = [f.shown + ("（同一文件中的另一张表）" if f.file_index == form.file_index else "") for f in others]
            more = f" 等 {len(names)} 份" if len(names) > 5 else ""
            what = (
                f"项目“{project}”" if project else ("部门整体支出绩效自评表" if form.kind == DEPARTMENT else "这张表")
            )
            message = (
                f"{what}共收到 {len(others) + 1} 份，只计入 {file}（{why}），"
                f"另 {len(others)} 份重复，不计入合计：{'、'.join(names[:5])}{more}"
            )
            listed.append(
                (
                    IssueRow(
                        unit,
                        project,
                        issue_type(DUPLICATE),
                        DUPLICATE,
                        warning,
                        "",
                        message,
                        "、".join(names[:5]) + more,
                    ),
                    str(paths[form.file_index]),
                )
            )
    listed += [
        (
            IssueRow("", "", issue_type(UNREADABLE), UNREADABLE, error, "", f"无法读取：{reason}", shown[i]),
            str(paths[i]),
        )
        for i, reason in unreadable
    ]
    return listed


def _unit_sheet(w: _Writer, projects: list[_Form], display: dict[str, str], summary: Summary) -> None:
    """单位汇总: per unit, the forms counted, unfilled and duplicated, its sums, rate, averages, grades."""
    w.header(UNITS)
    header_row = w.row[UNITS] - 1
    by_unit: dict[str, list[_Form]] = {}
    for form in projects:
        by_unit.setdefault(form.unit_key, []).append(form)
    for key in sorted(by_unit, key=lambda k: (not k, display[k])):
        members = by_unit[key]
        counted = [f for f in members if f.status == dup.COUNTED]
        b, s = _sum(f.budget for f in counted), _sum(f.spent for f in counted)
        w.put(
            UNITS,
            [
                display[key] or _NO_UNIT,
                len(counted),
                sum(f.status == dup.UNFILLED for f in members),
                sum(f.status == dup.DUPLICATE for f in members),
                b,
                s,
                _rate(s, b),
                _mean(f.stated_total for f in counted),
                _mean(f.total for f in counted),
                *(sum(1 for f in counted if f.grade == g) for g in GRADES),
            ],
        )
    w.filter(UNITS, w.row[UNITS] - 1)
    total_row = w.row[UNITS]
    counted = [f for f in projects if f.status == dup.COUNTED]
    t = summary.totals
    w.put(
        UNITS,
        [
            "合计",
            t["projects"],
            t["unfilled"],
            t["duplicates"],
            t["budget"],
            t["spent"],
            t["exec_rate"],
            _mean(f.stated_total for f in counted),
            _mean(f.total for f in counted),
            *(t["grades"][g] for g in GRADES),
        ],
        total=True,
    )
    if projects:
        w.grade_chart(header_row, total_row)
        w.rate_chart(header_row, total_row)


def _issue_sheet(w: _Writer, forms: list[_Form], listed: list, display: dict[str, str]) -> None:
    """问题清单: the 单位问题汇总 block, then every finding (sorted, with an autofilter)."""
    per_unit: dict[str, Counter] = {}  # unit → how many of each: errors, warnings, unfilled, duplicates
    for row, _ in listed:
        per_unit.setdefault(row.unit, Counter())["errors" if row.level == _LEVELS[ERROR] else "warnings"] += 1
    for form in forms:
        if form.status != dup.COUNTED:
            per_unit.setdefault(display[form.unit_key], Counter())[
                "unfilled" if form.status == dup.UNFILLED else "duplicates"
            ] += 1
    w.text_row(ISSUES, UNIT_ISSUES, w.title_fmt)
    w.header(ISSUES, table=UNIT_ISSUES)
    for unit in sorted(per_unit, key=lambda u: (not u, u)):
        c = per_unit[unit]
        w.put(
            ISSUES,
            [
                unit or _NO_UNIT_ISSUES,
                c["errors"],
                c["warnings"],
                c["errors"] + c["warnings"],
                c["unfilled"],
                c["duplicates"],
            ],
            table=UNIT_ISSUES,
        )
    t = sum(per_unit.values(), Counter())
    w.put(
        ISSUES,
        ["合计", t["errors"], t["warnings"], t["errors"] + t["warnings"], t["unfilled"], t["duplicates"]],
        total=True,
        table=UNIT_ISSUES,
    )
    w.skip(ISSUES)
    w.text_row(ISSUES, "问题明细", w.title_fmt)
    w.header(ISSUES)
    for at in range(0, len(listed), _BATCH_ROWS):
        w.put_many(ISSUES, [row for row, _ in listed[at : at + _BATCH_ROWS]])
    w.filter(ISSUES, w.row[ISSUES] - 1)
