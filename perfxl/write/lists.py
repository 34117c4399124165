"""Project lists (``perfxl template --from 清单.csv``): one pre-filled workbook per project."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..files import atomic_outputs, make_folder, remove_folders, safe_name, unique_name
from ..load import (
    MAX_COLS,
    MAX_ROWS,
    WORKBOOK_SUFFIXES,
    ReadError,
    load_grids,
    read_text,
    render,
)
from ..model import Amounts, Form
from ..rules import DEFAULT_RULES, RuleProfile
from ..values import normalize_text, parse_value
from .options import TemplateOptions
from .sheet import blank_form, write_workbook

#: Column headings of a project list → form field (headings are compared without spaces and colons).
LIST_COLUMNS = {
    "填报单位": "unit",
    "单位": "unit",
    "单位名称": "unit",
    "项目名称": "project",
    "项目": "project",
    "实施(主管)单位": "implementing_unit",
    "实施单位": "implementing_unit",
    "主管单位": "implementing_unit",
    "预算数": "budget.total",
    "预算数(万元)": "budget.total",
    "预算安排": "budget.total",
    "全年预算数": "budget.total",
    "财政资金": "budget.fiscal",
    "其中:财政资金": "budget.fiscal",
    "其他": "budget.other",
    "其他资金": "budget.other",
    "年度": "year",
    "填报人": "filled_by",
    "联系电话": "phone",
    "年度预期目标": "goal",
    "绩效目标": "goal",
    "序号": "number",  # no field of the form: the workbook's file is named by it
}
#: What a 合计 / 小计 row of a list says in a cell (合计, 小 计, 投资服务局小计, 总计：): it is no project.
LIST_TOTAL_WORDS = ("合计", "小计", "总计", "共计", "累计")


@dataclass
class ProjectList:
    """The projects of a list, and what was wrong with the rows that could not be used."""

    forms: list[Form]
    problems: list[str]
    #: each form's number as its file name starts: the list's 序号, else its place among the projects
    numbers: list[str] = field(default_factory=list)


def _heading_key(value: object) -> str:
    return "".join(normalize_text(str(value)).split()).rstrip(":").replace("（", "(").replace("）", ")")


def _is_total_row(row: list[object], project: object) -> bool:
    """A 合计 / 小计 row: no project of its own (or a total word as one), a total word in a cell."""
    if project not in (None, "") and not _heading_key(project).endswith(LIST_TOTAL_WORDS):
        return False
    return any(isinstance(v, str) and _heading_key(v).endswith(LIST_TOTAL_WORDS) for v in row)


def _number_text(value: object, place: int) -> str:
    """A file's number: the 序号 as written (1 → ``001``), else its place among the projects."""
    if value in (None, ""):
        return f"{place:03d}"
    number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    text = render(value).strip()
    if number is None and text.isdigit() and text.isascii():
        number = int(text)
    if number is not None and math.isfinite(number) and number == int(number) and 0 <= number < 10**9:
        return f"{int(number):03d}"
    return text


#: Amounts of a list as a message names them.
_AMOUNT_NAMES = {"total": "预算数", "fiscal": "财政资金", "other": "其他资金"}

#: A project list in CSV: 20,000 rows of a few hundred bytes (a workbook's is bounded as any sheet is).
MAX_LIST_BYTES = 10 * 1024 * 1024


def _list_rows(path: Path) -> tuple[list[list[object]], bool]:
    """The rows of a project list, at most MAX_ROWS of MAX_COLS cells, and whether it went further."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        reader = csv.reader(io.StringIO(read_text(path, MAX_LIST_BYTES)))
        rows: list[list[object]] = []
        clipped = False
        try:
            for row in reader:
                if len(rows) == MAX_ROWS:
                    return rows, True
                rows.append(list(row[:MAX_COLS]))  # list[str] → list[object] (list is invariant)
                clipped = clipped or len(row) > MAX_COLS
        except csv.Error as exc:  # a field over 128 KB, a NUL byte, an unclosed quote
            what = (
                f"有字段超过 {csv.field_size_limit()} 个字符"
                if "field larger" in str(exc)
                else "含有 NUL 字符"
                if "NUL" in str(exc)
                else f"格式错误（{exc}）"
            )
            raise ReadError(path, f"CSV 第 {reader.line_num} 行{what}，无法读取") from exc
        return rows, clipped
    if suffix in WORKBOOK_SUFFIXES:
        grids = load_grids(path)
        return (grids[0].rows, grids[0].clipped) if grids else ([], False)
    raise ReadError(path, f"项目清单应为 CSV 或 Excel 文件，不支持“{suffix or '无扩展名'}”")


def find_list_header(rows: list[list[object]]) -> tuple[int, dict[int, str]] | None:
    """The heading row of a project list: it has 项目名称 and 填报单位 or 预算数 as column headings.

    Returns:
        (row index, column → field), or None when the rows are not a project list.
    """
    for r, row in enumerate(rows[:20]):
        columns = {
            c: LIST_COLUMNS[_heading_key(v)]
            for c, v in enumerate(row)
            if v not in (None, "") and _heading_key(v) in LIST_COLUMNS
        }
        fields = set(columns.values())
        if "project" in fields and ({"unit", "budget.total"} & fields):
            return r, columns
    return None


def read_project_list(
    path: str | Path, options: TemplateOptions | None = None, rules: RuleProfile = DEFAULT_RULES
) -> ProjectList:
    """The forms to pre-fill from a list of projects (CSV or the first sheet of a workbook).

    Args:
        path: the list; a heading row names the columns (填报单位, 项目名称, 预算数, 财政资金, 其他,
            实施单位, 年度, 填报人, 联系电话, 年度预期目标).
        options: defaults for what the list leaves out (年度, 一级 weights).
        rules: the rule profile.

    Returns:
        The forms of the usable rows, and a message per row that was skipped.

    Raises:
        ReadError: the file cannot be read or has no heading row with 项目名称.
    """
    path = Path(path)
    options = options or TemplateOptions()
    rows, clipped = _list_rows(path)
    found = find_list_header(rows)
    if found is None:
        raise ReadError(path, "不是项目清单：没有含“项目名称”和“填报单位”或“预算数”的标题行")
    header, columns = found
    forms: list[Form] = []
    problems: list[str] = []
    numbers: list[str] = []
    if clipped:
        problems.append(f"{path}：项目清单超过 {MAX_ROWS} 行或 {MAX_COLS} 列，超出部分未读取")
    for r in range(header + 1, len(rows)):
        row = rows[r]
        values = {f: row[c] for c, f in columns.items() if c < len(row) and row[c] not in (None, "")}
        if not values:
            continue
        if _is_total_row(row, values.get("project")):
            continue  # 合计 / 小计: no project, said by nobody
        serial = values.pop("number", None)
        where = f"{path} 第 {r + 1} 行"
        if "project" not in values:
            problems.append(f"{where}：没有项目名称，已跳过")
            continue
        data: dict = {}
        amounts: dict = {}
        bad = None
        for fieldname, value in values.items():
            if fieldname.startswith("budget.") or fieldname == "year":
                number = (
                    value
                    if isinstance(value, (int, float)) and not isinstance(value, bool)
                    else parse_value(render(value)).number
                )
                if number is None or not math.isfinite(number):
                    bad = f"{where}：{'年度' if fieldname == 'year' else '金额'}“{render(value)}”不是数字，已跳过"
                    break
                if fieldname == "year":
                    data["year"] = int(number)
                else:
                    amounts[fieldname.split(".")[1]] = float(number)
            else:
                data[fieldname] = render(value)
        if bad is None and (amounts.get("total", 1) <= 0 or any(v < 0 for v in amounts.values())):
            negative = {k: v for k, v in amounts.items() if v < 0 or k == "total" and v <= 0}
            which, amount = next(iter(negative.items()))
            bad = f"{where}：{_AMOUNT_NAMES[which]}为{'零' if amount == 0 else '负数'}（{amount:g}），已跳过"
        if bad:
            problems.append(bad)
            continue
        numbers.append(_number_text(serial, len(forms) + 1))
        base = blank_form(options.model_copy(update={"year": data.pop("year", options.year)}), rules)
        forms.append(base.model_copy(update={**data, "budget": Amounts(**amounts)}))
    return ProjectList(forms=forms, problems=problems, numbers=numbers)


#: A file name's limit is 255 bytes on most file systems; the name keeps room for ``.xlsx`` and for
#: the temporary name it is first written under.
_NAME_BYTES = 180
#: The most of a name its number may take (a 序号 written as text may be long).
_NUMBER_BYTES = 40


def _cut(text: str, max_bytes: int) -> str:
    """``text`` within ``max_bytes`` UTF-8 bytes, cut between characters."""
    return text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")


def file_name_for(form: Form, number: int | str) -> str:
    """A safe, readable file name for a form's workbook: ``003-投资服务局-党建经费.xlsx``.

    Characters Windows forbids and control characters become ``_``; format characters and lone
    surrogates are left out (:func:`perfxl.files.safe_name`). Within :data:`_NAME_BYTES` bytes the
    unit and the project share what the number leaves: the shorter keeps all it needs up to half,
    so that a long 单位 never pushes the 项目名称, which tells the files apart, out of the name.
    """
    number = safe_name(f"{number:03d}" if isinstance(number, int) else number, _NUMBER_BYTES)
    parts = [safe_name(p, _NAME_BYTES) for p in (form.unit, form.project) if p]
    room = _NAME_BYTES - len(number.encode("utf-8")) - len(parts)  # a "-" before each part
    sizes = [len(p.encode("utf-8")) for p in parts]
    if sum(sizes) > room:
        half = room // len(parts)
        short = min(sizes)
        limits = [half] * len(parts) if short >= half else [s if s == short else room - short for s in sizes]
        parts = [_cut(p, n) for p, n in zip(parts, limits)]
    return safe_name("-".join([number, *parts]), _NAME_BYTES + len(".xlsx"), ".xlsx")


def write_templates(
    forms: list[Form],
    folder: str | Path,
    *,
    options: TemplateOptions | None = None,
    rules: RuleProfile = DEFAULT_RULES,
    blank: bool = True,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
    numbers: list[str] | None = None,
) -> list[Path]:
    """One workbook per form into ``folder`` (created when missing).

    Args:
        forms: the forms (from :func:`read_project_list`, or read forms to write back).
        folder: where to write.
        options: formula kind and rows per 二级.
        rules: the rule profile.
        blank: the forms are pre-filled lists (stated cells get formulas); False writes them as written.
        force: overwrite existing files.
        inputs: files read to make them (``--from``), which none may overwrite.
        numbers: what each file name starts with (a project list's 序号); default 001, 002 …

    Returns:
        The files written, in order: all of them, or none (every file is checked before any is
        written, and they are put in place together).

    Raises:
        OutputError: the folder cannot be made, a file exists (without ``force``) or is not a
            regular file, or writing failed (a full disk); a folder made here is removed again.
    """
    options = options or TemplateOptions()
    folder = Path(folder)
    made = make_folder(folder)
    used: set[str] = set()  # two rows of one 序号 and name, or names alike once cut: -2, -3 …
    starts: Sequence[int | str] = numbers or range(1, len(forms) + 1)
    paths = [
        folder / unique_name(file_name_for(form, number), used, _NAME_BYTES + len(".xlsx"))
        for form, number in zip(forms, starts)
    ]
    try:
        with atomic_outputs(paths, force=force, inputs=inputs) as temps:
            for form, tmp in zip(forms, temps):
                write_workbook(tmp, form, kind=options.formulas, rules=rules, blank=blank, rows=options.rows)
    except BaseException:
        remove_folders(made)
        raise
    return paths
