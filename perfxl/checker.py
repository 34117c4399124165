"""The checker: what is wrong in a form, as findings with a stable code, a level and a location.

Every finding is data (:class:`Finding`); a :class:`Report` gathers them per file and prints as
text or JSON. The rules behind the findings come from the scoring engine and the rule profile, so
that the checker and the scores never disagree. Codes (stable, for filters and scripts):

=========================== ======= =========================================================
code                        level   meaning
=========================== ======= =========================================================
missing-field               error   项目名称 (project forms), 填报单位 or 填报人 (where the form has the line) missing
missing-budget              error   no 预算数
zero-budget                 error   预算数 is 0: no 预算执行率
negative-amount             error   a 预算数, 到位数 or 执行数 (or a part of one) below 0
no-indicators               error   no indicator rows at all
not-a-number                error   text, a date or NaN where a number belongs (reader)
cell-error                  error   a cached error value such as #DIV/0! (reader)
formula-no-value            error   a formula with no cached result: never calculated, reads as empty (reader)
sheet-clipped               warning the sheet goes past 20,000 rows or 64 columns; the rest was not read (reader)
spent-above-budget          error   执行数 above 预算数
spent-above-received        error   执行数 above 到位数
received-above-budget       warning 到位数 above 预算数
parts-not-total             error   财政资金 + 上年结转 + 其他 ≠ 合计
progress-mismatch           error   stated 预算执行进度 ≠ 执行数 / 预算数
level1-weights-not-100      error   一级 weights (or all 分值 with the funds 分值) above 100, or not 100 where all are given
level1-over-weight          error   an 一级's scores sum above its weight
score-above-weight          error   a score above its weight (warning when the weight is inferred)
score-differs-from-rule     error   self-score ≠ rule score beyond the tolerance (warning when inferred)
total-not-sum               error   stated 总分 ≠ the sum of the scores
missing-total               warning no 总分
actual-missing              error   a target without an actual
score-missing               error   an indicator without 自评得分 (where the table has the column)
indicator-unscorable        warning the rules cannot score an indicator (unclear qualitative result)
target-too-low              warning actual far above target: was the target set too low?
unexplained-shortfall       warning targets not fully met, but section 五 empty or still the instructions
cell-value-mismatch         error   a cached in-cell result disagrees with the engine (perfxl templates)
=========================== ======= =========================================================
"""

from __future__ import annotations

import json
import re
from concurrent.futures import Executor
from functools import partial
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .engine import (as_fraction, exec_rate, execution_counts_separately, level1_weight, round_score, score_form,
                     scored)
from .model import AMOUNT_BLOCKS, AMOUNT_PARTS, DEPARTMENT, EXECUTION, PROJECT
from .model import Form
from .read import read_forms
from .rules import DEFAULT_RULES, RuleProfile
from .sources import ReadError
from .values import parse_value
from .workers import FILE_TIMEOUT, PARALLEL_MIN_FILES, FileFailed, pool_chunksize, reading_executor, worker_count  # noqa: F401 - re-exported

ERROR, WARNING = "error", "warning"

#: Reader notes that are warnings: the form may still be complete (every other note is an error).
_WARNING_NOTES = {"sheet-clipped"}

#: The form's own instruction for section 五, left in place when nothing was written.
_INSTRUCTION_RE = re.compile(r"主要填写|纠偏措施及对策建议|修改完善措施")


@dataclass
class Finding:
    """One thing wrong in a form.

    Attributes:
        code: stable identifier (see the module docstring).
        level: ``error`` or ``warning``.
        message: what is wrong, in Chinese, with the numbers.
        location: ``sheet!cell`` or ``line N``; "" when the form does not have the field at all.
        file: the file.
        project: the form's 项目名称, to tell forms of one file apart.
    """

    code: str
    level: str
    message: str
    location: str = ""
    file: str = ""
    project: str = ""


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
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_text(self) -> str:
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
                lines.append(f"{fr.file}: {r.form.project or '（无项目名称）'}  {score}  错误 {errors}，警告 {warnings}")
                for f in r.findings:
                    tag = "错误" if f.level == ERROR else "警告"
                    where = f" [{f.location}]" if f.location else ""
                    lines.append(f"  {tag} {f.code}{where}: {f.message}")
        s = self.to_dict()["stats"]
        lines.append(
            f"共 {s['files']} 个文件，{s['forms']} 张表：错误 {s['errors']}，警告 {s['warnings']}，无法读取 {s['unreadable']}"
        )
        return "\n".join(lines)


def _close(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance + 1e-9


def _fmt(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{round(x, 4):g}"


def _softened(res) -> tuple[str, str]:
    """The level of a finding about an indicator's score, and the words to add to its message:
    a warning when the weight was inferred, since the rule is then only a guess."""
    if res.weight_inferred:
        return WARNING, "（分值系按一级指标分值平均推定）"
    return ERROR, ""


def _where(form: Form, path: str) -> str:
    """Where ``path`` was found; for a cell left empty (``indicators.0.score``), its row."""
    while path:
        where = form.location(path)
        if where:
            return where
        path = path.rpartition(".")[0] if path.startswith("indicators.") else ""
    return ""


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
    # Each field is read once into a local where it is used more than once: reading a pydantic
    # model's attribute costs about ten times a local's (BaseModel defines __getattr__).
    computed = form.computed
    source = form.source
    indicators = form.indicators
    project = form.project or ""
    file = source.file if source and source.file else ""
    out: list[Finding] = []

    def add(code: str, level: str, message: str, path: str = "") -> None:
        out.append(Finding(code, level, message, _where(form, path), file, project))

    if source:
        for note in source.notes:
            level = WARNING if note.code in _WARNING_NOTES else ERROR
            out.append(Finding(note.code, level, note.message, note.location, file, project))

    if form.kind == PROJECT and not form.project:
        add("missing-field", ERROR, "未填写项目名称", "project")
    # 填报单位 and 填报人 are missing where the form has their line, or (填报单位) names no unit at all:
    # the central form has neither line, its 实施单位 fills the form
    labelled = source is not None and source.method == "labels"
    if not form.unit and (not labelled or form.location("unit") or not form.group_unit):
        add("missing-field", ERROR, "未填写填报单位", "unit")
    if not form.filled_by and (not labelled or form.location("filled_by")):
        add("missing-field", ERROR, "未填写填报人", "filled_by")

    # 二、预算执行情况
    budget_total, received_total, spent_total = form.budget.total, form.received.total, form.spent.total
    rate = computed.exec_rate
    tol = rules.amount_tolerance
    if budget_total is None:
        add("missing-budget", ERROR, "未填写预算数，无法计算预算执行率", "budget.total")
    elif budget_total == 0:
        add("zero-budget", ERROR, "预算数为 0，无法计算预算执行率", "budget.total")
    blocks = []  # (block, label, total, fiscal, other, carryover)
    for block, label in AMOUNT_BLOCKS.items():
        amounts = getattr(form, block)
        blocks.append((block, label, amounts.total, amounts.fiscal, amounts.other, amounts.carryover))
    for block, label, total, fiscal, other, carryover in blocks:
        # (x or 0.0) < 0 is x < 0 for a number and False for None: most blocks need no closer look.
        if not ((total or 0.0) < 0 or (fiscal or 0.0) < 0 or (other or 0.0) < 0 or (carryover or 0.0) < 0):
            continue
        for part, which in AMOUNT_PARTS.items():
            amount = getattr(getattr(form, block), part)
            if amount is not None and amount < 0:
                add("negative-amount", ERROR, f"{label}{which}为负数（{_fmt(amount)}）", f"{block}.{part}")
    if spent_total is not None and budget_total is not None and spent_total > budget_total + tol:
        add("spent-above-budget", ERROR, f"执行数 {_fmt(spent_total)} 大于预算数 {_fmt(budget_total)}", "spent.total")
    if spent_total is not None and received_total is not None and spent_total > received_total + tol:
        add("spent-above-received", ERROR, f"执行数 {_fmt(spent_total)} 大于到位数 {_fmt(received_total)}", "spent.total")
    if received_total is not None and budget_total is not None and received_total > budget_total + tol:
        add("received-above-budget", WARNING, f"到位数 {_fmt(received_total)} 大于预算数 {_fmt(budget_total)}", "received.total")
    for block, label, total, fiscal, other, carryover in blocks:
        if total is None or (fiscal is None and other is None and carryover is None):
            continue
        parts = (fiscal or 0.0) + (carryover or 0.0) + (other or 0.0)
        if not _close(parts, total, tol):
            carried = f" + 上年结转 {_fmt(carryover)}" if carryover is not None else ""
            add("parts-not-total", ERROR,
                f"{label}：财政资金 {_fmt(fiscal)}{carried} + 其他 {_fmt(other)} = {_fmt(parts)}，不等于合计 {_fmt(total)}",
                f"{block}.total")
    stated_progress = form.stated_progress
    if stated_progress and budget_total and spent_total is not None and rate is not None:
        stated = as_fraction(parse_value(stated_progress), rules)
        if stated is not None and not _close(stated * 100, rate * 100, rules.progress_tolerance):
            add("progress-mismatch", ERROR,
                f"填写的预算执行进度 {stated_progress} 与 执行数/预算数 = {_fmt(spent_total)}/{_fmt(budget_total)} = {rate * 100:.2f}% 不符",
                "stated_progress")

    has_execution_row = False
    for i, ind in enumerate(indicators):
        if not ind.is_execution:
            continue
        has_execution_row = True
        # The 预算执行率 row's 实际完成值 is a stated rate too (项目考察评审经费: 82% for 2.6/3.2).
        actual = ind.actual
        if form.location(f"indicators.{i}.actual") == form.location("stated_progress"):
            continue  # the funds table's 执行率, checked above as the stated progress
        if actual and budget_total and spent_total is not None and rate is not None:
            written = parse_value(actual)
            if written.percent and not _close(written.number, rate * 100, rules.progress_tolerance):
                add("progress-mismatch", ERROR,
                    f"预算执行率指标的实际完成值 {actual} 与 执行数/预算数 = {_fmt(spent_total)}/{_fmt(budget_total)} = {rate * 100:.2f}% 不符",
                    f"indicators.{i}.actual")

    # 四、绩效指标
    if not indicators:
        add("no-indicators", ERROR, "没有填写任何绩效指标")
    level1_weights = form.level1_weights
    if level1_weights:
        s = sum(level1_weights.values())
        # a form that weighs only some 一级 (the funds block's 10 for 预算执行率) can only be too much
        complete = all(ind.level1 in level1_weights for ind in indicators)
        if s > 100 + 0.01 or complete and not _close(s, 100, 0.01):
            parts = "、".join(f"{k}{_fmt(v)}" for k, v in level1_weights.items())
            add("level1-weights-not-100", ERROR, f"一级指标分值合计 {_fmt(s)}，应为 100（{parts}）")
    if out[-1:] and out[-1].code == "level1-weights-not-100":
        pass  # one finding for one excess, where the 一级 weights already show it
    elif indicators and all(ind.weight is not None for ind in indicators):
        s = sum(ind.weight for ind in indicators)  # type: ignore[misc]
        if s > 100 + 0.01:
            add("level1-weights-not-100", ERROR, f"各指标分值合计 {_fmt(s)}，超过 100")
    scores: list[float] = []  # the self-scores written, in form order
    by_level1: dict[str, list] = {}  # 一级 → [its first indicator, the sum of its scores], in one pass
    for i, ind in enumerate(indicators):
        score = ind.score
        if score is not None:
            scores.append(score)
        level1 = ind.level1
        group = by_level1.get(level1)
        if group is None:
            by_level1[level1] = [i, score or 0.0]
        else:
            group[1] += score or 0.0
    for level1, (first, total) in by_level1.items():
        weight = level1_weight(form, level1, rules)
        if weight is not None and total > weight + 1e-9:
            add("level1-over-weight", ERROR, f"{level1}自评得分合计 {_fmt(total)}，超过该一级指标分值 {_fmt(weight)}",
                f"indicators.{first}.score")

    shortfall = False
    tolerance, over_achievement = rules.tolerance, rules.over_achievement
    rubric = form.kind == DEPARTMENT
    no_score_column = bool(source and source.columns) and "score" not in source.columns  # type: ignore[union-attr]
    for i, (ind, res) in enumerate(zip(indicators, computed.indicators)):
        # Messages and locations are made only for a finding: most indicators have none.
        if res.met is False:
            shortfall = True
        target, actual, score = ind.target, ind.actual, ind.score
        if target and not actual and not ind.is_execution:
            add("actual-missing", ERROR, f"“{ind.name}”有预期指标值“{target}”，但未填写实际完成值", f"indicators.{i}.actual")
            continue
        if score is None:
            if no_score_column and not ind.is_execution:
                continue  # an older form's table has no 得分 column: nothing was left blank
            add("score-missing", ERROR, f"“{ind.name}”未填写自评得分", f"indicators.{i}.score")
            continue
        weight = res.weight
        if weight is not None and score > weight + 1e-9:
            soft, basis = _softened(res)
            add("score-above-weight", soft, f"“{ind.name}”自评得分 {_fmt(score)} 超过分值 {_fmt(weight)}{basis}",
                f"indicators.{i}.score")
            continue
        rule_score, kind = res.rule_score, res.kind
        if rule_score is None:
            if rubric and not target and not actual:
                continue  # a department form's rubric row (分值 | 评分标准 | 得分): scored by judgement
            if kind == "qualitative" or res.note:
                add("indicator-unscorable", WARNING, f"“{ind.name}”无法按规则复核：{res.note or '无法判断'}", f"indicators.{i}.actual")
            continue
        low, high = res.low, res.high
        if low is None:
            low = rule_score
        if high is None:
            high = rule_score
        if score < low - tolerance - 1e-9 or score > high + tolerance + 1e-9:
            soft, basis = _softened(res)
            if kind == "execution":
                stated_rate = f"预算执行率 {rate * 100:.2f}%" if rate is not None else "预算执行率"
                why = f"按{stated_rate}，得分应为 {_fmt(rule_score)}"
            elif low != high:
                why = f"按定性指标分档，得分应在 {_fmt(low)}～{_fmt(high)} 之间"
            else:
                why = f"按“{target}”与“{actual}”，得分应为 {_fmt(rule_score)}"
            add("score-differs-from-rule", soft, f"“{ind.name}”自评得分 {_fmt(score)}，{why}{basis}", f"indicators.{i}.score")
        if kind == "quantitative" and res.direction == "positive":
            t, a = parse_value(target), parse_value(actual)
            if t.number and a.number and not (t.percent or a.percent) and a.number >= over_achievement * t.number > 0:
                add("target-too-low", WARNING,
                    f"“{ind.name}”实际完成值 {actual} 是预期指标值 {target} 的 {a.number / t.number:.1f} 倍，目标是否设定过低",
                    f"indicators.{i}.actual")

    stated_total = form.stated_total
    if stated_total is None:
        if indicators:
            add("missing-total", WARNING, "未填写总分")
    elif scores:
        total = sum(scores)
        budget_score = computed.budget_score
        if not has_execution_row and budget_score is not None and \
                execution_counts_separately(form, level1_weight(form, EXECUTION, rules)):
            total += budget_score  # scored in the 项目资金 table, not as an indicator row
        total = round_score(total, rules)
        if not _close(total, stated_total, 0.01):
            add("total-not-sum", ERROR, f"总分 {_fmt(stated_total)} 不等于各项自评得分之和 {_fmt(total)}", "stated_total")

    problems = (form.problems or "").strip()
    if shortfall and (not problems or _INSTRUCTION_RE.search(problems)):
        state = "仍是表格自带的填写说明" if problems else "为空"
        add("unexplained-shortfall", WARNING,
            f"有指标未完全达成，但“五、存在问题、原因及下一步整改措施”{state}，应说明原因和整改措施", "problems")
    if source and source.results:
        for key, cached, expected in _stale_results(form, rules):
            add("cell-value-mismatch", ERROR,
                f"单元格中的{_RESULT_LABELS[key.rsplit('.', 1)[-1]]} {_fmt_result(cached)} 与规则计算结果 "
                f"{_fmt_result(expected)} 不一致（公式结果过期，或被手工改写）", f"computed.{key}")
    return out


_RESULT_LABELS = {"exec_rate": "复核执行进度", "total": "复核总分", "grade": "复核等级", "rule_score": "复核得分"}


def _fmt_result(value) -> str:
    if value is None or value == "":
        return "（空）"
    return value if isinstance(value, str) else _fmt(value)


def _stale_results(form: Form, rules: RuleProfile) -> list[tuple[str, object, object]]:
    """(key, cached, expected) for each cached result of perfxl's own cells that the engine does not
    give. A cell never calculated (no cached value) is not stale: there is nothing to disagree."""
    computed = form.computed
    # The 复核执行进度 cell is 执行数 / 预算数 only; the engine's rate may come from the row's 实际完成值.
    rate = exec_rate(form.spent.total, form.budget.total)
    expected: dict[str, object] = {"exec_rate": rate, "total": computed.total, "grade": computed.grade}
    for i, res in enumerate(computed.indicators):
        expected[f"indicators.{i}.rule_score"] = res.rule_score
    stale = []
    for key, cached in form.source.results.items():
        if key not in expected or cached is None:
            continue
        want = expected[key]
        if isinstance(cached, float) and isinstance(want, (int, float)):
            # A rate is a fraction shown to 2 decimals of a percent; a score to the profile's decimals.
            step = 1e-6 if key == "exec_rate" else 0.5 * 10 ** -rules.decimals
            if abs(cached - want) <= step:
                continue
        elif cached == want or (cached == "" and want is None):
            continue
        stale.append((key, cached, want))
    return stale


def check_file(path: str | Path, rules: RuleProfile = DEFAULT_RULES) -> FileReport:
    """Read and check every form in one file; an unreadable file gives a report with ``error`` set."""
    report = FileReport(file=str(path))
    try:
        forms = read_forms(path)
    except ReadError as exc:
        report.error = exc.reason
        return report
    for form in forms:
        # The forms were just read and are ours: score them in place rather than copy each (scored()).
        form.computed = score_form(form, rules)
        report.forms.append(FormReport(form=form, findings=check_form(form, rules)))
    return report


def check_files(paths, rules: RuleProfile = DEFAULT_RULES, *, jobs: int | None = 1, executor: Executor | None = None,
                timeout: float = FILE_TIMEOUT) -> Report:
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
            work, paths, chunksize=pool_chunksize(len(paths), workers))
    return Report(files=[FileReport(file=str(r.item), error=r.reason) if isinstance(r, FileFailed) else r
                         for r in results])

