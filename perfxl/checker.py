"""The checker: every form of every file checked, as findings gathered in reports.

The checks themselves are :mod:`perfxl.checks`, each registered with its code and level
(:data:`perfxl.checks.CODES` is the list of codes, and the README's table is made from it). A
:class:`Report` gathers the findings per file and prints as text or JSON.
"""

from __future__ import annotations

import math
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from .checks import ERROR, WARNING, Finding, run
from .display import json_text, visible
from .engine import score_form, scored
from .load import ReadError
from .model import AMOUNT_BLOCKS, AMOUNT_PARTS, Form, ReadNote, Source
from .read import read_forms
from .rules import DEFAULT_RULES, RuleProfile
from .workers import (  # noqa: F401 - re-exported
    FILE_TIMEOUT,
    PARALLEL_MIN_FILES,
    FileFailed,
    pool_chunksize,
    reading_executor,
    worker_count,
    worker_start,
)


@dataclass
class FormReport:
    """One form and its findings."""

    form: Form
    findings: list[Finding] = field(default_factory=list)


@dataclass
class FileReport:
    """One input file: its forms, or why it could not be read."""

    file: str
    forms: list[FormReport] = field(default_factory=list)
    error: str | None = None


@dataclass
class Report:
    """The result of checking many files."""

    files: list[FileReport] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for fr in self.files for form in fr.forms for f in form.findings]

    @property
    def unreadable(self) -> list[FileReport]:
        return [fr for fr in self.files if fr.error is not None]

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.findings if f.level == ERROR)

    @property
    def warning_count(self) -> int:
        return sum(1 for f in self.findings if f.level == WARNING)

    def exit_code(self) -> int:
        """2 when a file could not be read, 1 when a form has errors, else 0."""
        if self.unreadable:
            return 2
        return 1 if self.error_count else 0

    def to_dict(self) -> dict:
        return {
            "valid": self.exit_code() == 0,
            "stats": {
                "files": len(self.files),
                "forms": sum(len(fr.forms) for fr in self.files),
                "errors": self.error_count,
                "warnings": self.warning_count,
                "unreadable": len(self.unreadable),
            },
            "files": [
                {
                    "file": fr.file,
                    "error": fr.error,
                    "forms": [
                        {
                            "project": r.form.project,
                            "unit": r.form.unit,
                            "total": r.form.computed.total if r.form.computed else None,
                            "grade": r.form.computed.grade if r.form.computed else None,
                            "findings": [asdict(f) for f in r.findings],
                        }
                        for r in fr.forms
                    ],
                }
                for fr in self.files
            ],
        }

    def to_json(self) -> str:
        return json_text(self.to_dict(), indent=2)

    def to_text(self) -> str:
        """The report for a terminal, a line per form and per finding; control characters from the
        forms are shown as escapes (:func:`perfxl.display.visible`), line by line."""
        lines = []
        for fr in self.files:
            if fr.error is not None:
                lines.append(f"{fr.file}: 无法读取：{fr.error}")
                continue
            for r in fr.forms:
                c = r.form.computed
                score = f"复核总分 {c.total:g}（{c.grade}）" if c and c.total is not None else "无法评分"
                errors = sum(1 for f in r.findings if f.level == ERROR)
                warnings = len(r.findings) - errors
                lines.append(
                    f"{fr.file}: {r.form.project or '（无项目名称）'}  {score}  错误 {errors}，警告 {warnings}"
                )
                for f in r.findings:
                    tag = "错误" if f.level == ERROR else "警告"
                    where = f" [{f.location}]" if f.location else ""
                    lines.append(f"  {tag} {f.code}{where}: {f.message}")
        s = self.to_dict()["stats"]
        lines.append(
            f"共 {s['files']} 个文件，{s['forms']} 张表：错误 {s['errors']}，警告 {s['warnings']}，无法读取 {s['unreadable']}"
        )
        return "\n".join(map(visible, lines))


def check_form(form: Form, rules: RuleProfile = DEFAULT_RULES) -> list[Finding]:
    """Every finding for one form.

    Args:
        form: the form; scored here when ``form.computed`` is empty.
        rules: the rule profile.

    Returns:
        The findings, in form order (basic facts, amounts, weights, indicators, total, section 五).
    """
    if form.computed is None:
        form = scored(form, rules)
    return run(form, rules)


#: The largest magnitude of a number perfxl computes with. Excel keeps 15 significant digits, no
#: budget comes near (10¹⁵ 元 is more than a national budget), and below it no sum of a
#: department's forms can pass the float range (1.8e308) and become an infinity.
MAX_NUMBER = 1e15


def drop_bad_numbers(form: Form) -> list[ReadNote]:
    """Empty every number of ``form`` that is NaN, infinite or of :data:`MAX_NUMBER` or more
    (amounts, 分值, 自评得分, 一级 weights, 总分), with a ``not-a-number`` note for each.

    A workbook cell can hold 1e308 and perfxl's JSON 1e400 or NaN; none may make a sum, a score or
    a written workbook infinite or NaN: the value is read as missing, and said to be.

    Returns:
        The notes, one per value emptied, with its location (the field's path where the form has
        none); they are added to the form's ``source.notes`` too, which the checker reports.
    """
    notes: list[ReadNote] = []

    def usable(value: float | None, path: str, label: str) -> bool:
        if value is None or -MAX_NUMBER < value < MAX_NUMBER:
            return True
        why = f"不是有效数字（{value}）" if not math.isfinite(value) else f" {value:g} 超出可计算的范围"
        notes.append(ReadNote(code="not-a-number", location=form.location(path) or path, message=label + why))
        return False

    for block, block_label in AMOUNT_BLOCKS.items():
        amounts = getattr(form, block)
        for part, part_label in AMOUNT_PARTS.items():
            if not usable(getattr(amounts, part), f"{block}.{part}", block_label + part_label):
                setattr(amounts, part, None)
    for i, ind in enumerate(form.indicators):
        for key, label in (("weight", "分值"), ("score", "自评得分")):
            if not usable(getattr(ind, key), f"indicators.{i}.{key}", f"指标“{ind.name or ind.level2}”的{label}"):
                setattr(ind, key, None)
    for level1, value in list(form.level1_weights.items()):
        if not usable(value, f"level1_weights.{level1}", f"{level1}的分值"):
            del form.level1_weights[level1]
    if not usable(form.stated_total, "stated_total", "总分"):
        form.stated_total = None
    if notes:
        if form.source is None:
            form.source = Source()
        form.source.notes.extend(notes)
    return notes


def check_file(path: str | Path, rules: RuleProfile = DEFAULT_RULES) -> FileReport:
    """Read and check every form in one file; an unreadable file gives a report with ``error`` set."""
    report = FileReport(file=str(path))
    try:
        forms = read_forms(path)
    except ReadError as exc:
        report.error = exc.reason
        return report
    for form in forms:
        drop_bad_numbers(form)
        # The forms were just read and are ours: score them in place rather than copy each (scored()).
        form.computed = score_form(form, rules)
        report.forms.append(FormReport(form=form, findings=check_form(form, rules)))
    return report


def check_files(
    paths,
    rules: RuleProfile = DEFAULT_RULES,
    *,
    jobs: int | None = 1,
    executor: Executor | None = None,
    timeout: float = FILE_TIMEOUT,
) -> Report:
    """Check many files; one that cannot be read is reported, and the others go on.

    Files are read in worker processes (:class:`perfxl.workers.GuardedExecutor`), even one: a file
    that crashes the reader, exhausts its memory or never ends is reported like any unreadable file.

    Args:
        paths: files to check.
        rules: the rule profile.
        jobs: processes to use; None for every core (when there are enough files to pay off).
        executor: any ``concurrent.futures.Executor`` to use instead (e.g. a Dask client's, or
            :class:`perfxl.workers.InlineExecutor` to read in this process, unguarded).
        timeout: seconds one file may take before its reading is stopped.

    Returns:
        The report, files in the order given.
    """
    paths = list(paths)
    work = partial(check_file, rules=rules)
    if executor is not None:
        results = executor.map(work, paths)
    else:
        workers = worker_count(len(paths), jobs)
        results = reading_executor(len(paths), jobs, timeout=timeout).map(
            work, paths, chunksize=pool_chunksize(len(paths), workers)
        )
    return Report(
        files=[FileReport(file=str(r.item), error=r.reason) if isinstance(r, FileFailed) else r for r in results]
    )
