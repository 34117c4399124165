"""The reader: finds every field of a 绩效自评表 in a grid of cells by its label, not its address.

Forms arrive laid out in many ways: full-width or half-width punctuation, spaces inside labels,
the value in the same cell after the colon, in a later cell of the row, or on the next row; columns
that drift from row to row (merged cells collapse that way); headings of 一级 / 二级 on their own
rows. The reader therefore works in three passes over each form's rows:

1. *labels* (sections 一 to 三, and 五 onwards): each label takes the values that follow it in its
   row up to the next label; a label with none takes the unclaimed cells of the next row, matched by
   order and column (:func:`_align`);
2. *the indicator table* (section 四): the header row names the columns; each row's 一级 / 二级
   cells are recognised by their text and anchor the row, the rest is aligned to the header;
3. what is left: a lone rate in section 二 is the stated 预算执行进度.

Use :func:`read_forms` for a file, :func:`parse_grid` for cells you already have.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

from pydantic import ValidationError

from .model import AMOUNT_BLOCKS, AMOUNT_PARTS, BENEFIT, COST, EXECUTION, EXECUTION_L2, OUTPUT, SATISFACTION, Amounts, Form, Indicator, ReadNote, Source
from .sources import JSON_SUFFIXES, MAX_COLS, MAX_FILE_BYTES, MAX_ROWS, Grid, ReadError, is_excel_error, load_grids, render
from .values import normalize_text, parse_value

# ---------------------------------------------------------------------------------------------
# Labels


def _label_regex(word: str) -> str:
    """A label as a regex that allows spaces between characters and either width of punctuation."""
    out = []
    for ch in word:
        if ch in "(（":
            out.append(r"[(（]")
        elif ch in ")）":
            out.append(r"[)）]")
        elif ch in ":：":
            out.append(r"[:：]?")
        else:
            out.append(re.escape(ch))
    return r"\s*".join(out)


@dataclass(frozen=True)
class LabelSpec:
    """A label of the form.

    Attributes:
        field: what it labels: a Form field, ``amount:<block>.<part>``, ``block:<block>`` or ``section``.
        words: its spellings.
        inline: whether the same cell may carry the value after the label: ``any`` (e.g. 填报人张聪),
            ``colon`` (only after a colon), ``number`` (a number, for amounts) or ``never``.
    """

    field: str
    words: tuple[str, ...]
    inline: str = "colon"
    regex: re.Pattern = field(init=False, compare=False, repr=False)
    #: ``field`` taken apart once, not for every label cell: ``section``, ``block``, ``amount`` or
    #: ``text`` (a Form field), and for a block or an amount its block ("*": the one in force) and part.
    kind: str = field(init=False, compare=False, repr=False)
    block: str = field(init=False, compare=False, repr=False)
    part: str = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        alternatives = "|".join(_label_regex(w) for w in sorted(self.words, key=len, reverse=True))
        object.__setattr__(self, "regex", re.compile(rf"^\s*(?:{alternatives})"))
        kind, _, rest = self.field.partition(":")
        block, _, part = rest.partition(".")
        object.__setattr__(self, "kind", kind if kind in ("section", "block", "amount") else "text")
        object.__setattr__(self, "block", block)
        object.__setattr__(self, "part", part)


LABELS: tuple[LabelSpec, ...] = (
    LabelSpec("section", ("一、", "二、", "三、", "四、"), "never"),
    LabelSpec("unit", ("填报单位(盖章)", "填报单位", "单位名称"), "any"),
    LabelSpec("money_unit", ("金额单位",), "any"),
    LabelSpec("project", ("项目名称",), "colon"),
    LabelSpec("implementing_unit", ("实施(主管)单位", "实施(主管)部门", "实施单位", "主管单位", "主管部门"), "colon"),
    LabelSpec("block:budget", ("预算安排情况(调整后)", "预算安排情况", "预算安排"), "never"),
    LabelSpec("block:received", ("资金到位情况", "到位情况"), "never"),
    LabelSpec("block:spent", ("资金执行情况", "执行情况"), "never"),
    LabelSpec("amount:budget.total", ("调整后预算数", "全年预算数", "预算数"), "number"),
    LabelSpec("amount:received.total", ("资金到位数", "到位数"), "number"),
    LabelSpec("amount:spent.total", ("全年执行数", "实际执行数", "执行数"), "number"),
    LabelSpec("amount:*.fiscal", ("其中:财政资金", "其中:财政拨款", "其中:当年财政拨款", "财政资金", "当年财政拨款", "财政拨款"), "number"),
    LabelSpec("amount:*.other", ("其中:其他资金", "其中:其他", "其他资金", "其他"), "number"),
    LabelSpec("stated_progress", ("预算执行进度", "预算执行率", "执行率"), "any"),
    LabelSpec("goal", ("年度预期目标", "年度绩效目标", "年度目标", "预期目标"), "colon"),
    LabelSpec("achievement", ("具体完成情况",), "colon"),
    LabelSpec("achievement", ("实际完成情况",), "never"),
    LabelSpec("stated_completion", ("总体完成率", "目标完成率"), "any"),
    LabelSpec("problems", ("五、存在问题、原因及下一步整改措施", "存在问题、原因及下一步整改措施", "存在问题及整改措施", "五、存在问题", "存在问题"), "colon"),
    LabelSpec("filled_by", ("填报人", "填表人", "经办人"), "any"),
    LabelSpec("phone", ("联系电话", "电话"), "any"),
)

def _first_chars(word: str) -> str:
    """The characters a cell's stripped text can start with when ``word`` (as _label_regex spells
    it) is its label: the word's first character, either width of a bracket, past an optional colon."""
    for ch in word:
        if ch in "(（)）":
            return "(（" if ch in "(（" else ")）"
        if ch not in ":：":
            return ch
    return ""


def _specs_by_first_char() -> dict[str, tuple[LabelSpec, ...]]:
    by_char: dict[str, list[LabelSpec]] = {}
    for spec in LABELS:
        for ch in "".join(_first_chars(w) for w in spec.words):
            specs = by_char.setdefault(ch, [])
            if spec not in specs:
                specs.append(spec)
    return {ch: tuple(specs) for ch, specs in by_char.items()}


#: For each character a label can start with, the specs with a spelling that starts with it, in
#: LABELS order (no other spec's regex can match a text starting with it): the first filter, made
#: finer by _SPECS_BY_HEAD below.
_SPECS_BY_FIRST_CHAR = _specs_by_first_char()
#: Every character a label can start with: a stripped text starting with none is no label, and
#: costs one set lookup instead of any regex.
_LABEL_FIRST_CHARS = frozenset(_SPECS_BY_FIRST_CHAR)


def _heads(word: str) -> set[str]:
    """The first two characters, whitespace left out, of every text that ``word`` (as
    _label_regex spells it) starts: either width of a bracket, an optional colon there or not."""
    options = [("(", "（") if ch in "(（" else (")", "）") if ch in ")）"
               else (":", "：", "") if ch in ":：" else (ch,) for ch in word]
    heads = {"".join(chars)[:2] for chars in product(*options)}
    if any(len(head) < 2 for head in heads):  # _label_of could not look such a label up
        raise ValueError(f"a label needs two characters besides a colon: {word!r}")
    return heads


def _specs_by_head() -> dict[str, tuple[LabelSpec, ...]]:
    by_head: dict[str, list[LabelSpec]] = {}
    for spec in LABELS:
        for word in spec.words:
            for head in _heads(word):
                specs = by_head.setdefault(head, [])
                if spec not in specs:
                    specs.append(spec)
    return {head: tuple(specs) for head, specs in by_head.items()}


#: For each two characters a label can start with (whitespace left out), the specs with a spelling
#: that starts with them, in LABELS order: a text is tried against these only, as no other spec's
#: regex can match it (most texts starting with a label's first character, 一级指标, 预期指标值,
#: are then tried against none or one).
_SPECS_BY_HEAD = _specs_by_head()
_TITLE_RE = re.compile(r"绩\s*效\s*自\s*评\s*表")
_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年\s*度")
_SECTION_RE = re.compile(r"^\s*([一二三四五六])\s*[、,，.．]")
_BLOCKS = ("budget", "received", "spent")


def _squash(text: str) -> str:
    """``text`` without any whitespace, as a regex substitution of whitespace runs would give it,
    only faster (str.split and the re module agree on what whitespace is, for every code point)."""
    return "".join(text.split())


@dataclass(slots=True)  # slots: tens of thousands are made per second
class _Cell:
    row: int
    col: int
    value: object
    text: str
    percent: bool = False
    label: LabelSpec | None = None
    inline: str = ""  # text after the label in the same cell
    claimed: bool = False
    waits_for: str = ""  # for a label whose value is on the next row: the field it fills


def _label_of(text: str) -> tuple[LabelSpec | None, str]:
    """The label ``text`` starts with and what follows it in the same cell; (None, "") for no label."""
    head = "".join(text[:6].split())[:2]  # a label's first two characters: spaces may stand between
    if len(head) < 2:
        head = _squash(text)[:2]
    for spec in _SPECS_BY_HEAD.get(head, ()):
        if spec.kind == "section":
            # its spellings are two characters (一、): a text with one as its head matches the regex
            # (test_reader_fast), and a section label takes nothing inline
            return spec, ""
        m = spec.regex.match(text)
        if not m:
            continue
        rest = text[m.end():].strip()
        colon = rest[:1] in (":", "：")
        value = rest.lstrip(":： \t").strip()
        if value:
            if spec.inline == "never":
                continue
            if spec.inline == "colon" and not colon:
                continue
            if spec.inline == "number":
                parsed = parse_value(value)
                if parsed.number is None or parsed.op or not colon and not _starts_numeric(value):
                    continue
        return spec, value
    return None, ""


def _match_label(cell: _Cell) -> None:
    """Mark ``cell`` as a label when its text starts with one, and keep what follows it."""
    if not isinstance(cell.value, str):
        return
    label, inline = _PLAIN_LABELS.get(cell.text) or _label_of(cell.text)
    if label is not None:
        cell.label, cell.inline = label, inline


#: Spellings of a number that is not one: where a number belongs they are a wrong value, not no value.
_NOT_FINITE_WORDS = frozenset({"nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})


def _has_digit(cell: "_Cell") -> bool:
    """Whether a cell holds what is meant as a number: digits, a number, or a broken one (#NAME?, NaN)."""
    return (not isinstance(cell.value, str) or any(ch.isdigit() for ch in cell.text)
            or is_excel_error(cell.value) or cell.text.strip().lower() in _NOT_FINITE_WORDS)


def _starts_numeric(text: str) -> bool:
    return bool(re.match(r"^[\s\d０-９.,，-]", text))


def _plain_spellings(word: str):
    """``word`` as forms write it alone in a cell: either width of each bracket and colon, an inner
    colon left out or followed by a space, and with or without a colon after it."""
    options = [("(", "（") if ch in "(（" else (")", "）") if ch in ")）"
               else (":", "：", "", ": ", "： ") if ch in ":：" else (ch,) for ch in word]
    for chars in product(*options, ("", ":", "：")):
        yield "".join(chars)


#: What _label_of finds in each plain spelling of a label, worked out here once: most label cells
#: of a form hold just the label, and then cost one dict lookup instead of regexes.
_PLAIN_LABELS: dict[str, tuple[LabelSpec | None, str]] = {
    text: _label_of(text) for spec in LABELS for word in spec.words for text in _plain_spellings(word)}


# ---------------------------------------------------------------------------------------------
# Building a form


_INFINITIES = (float("inf"), float("-inf"))  # made once, not for every number read


@dataclass
class _Builder:
    grid: Grid
    data: dict = field(default_factory=dict)
    #: block → part → number: plain dicts, made into Amounts once the form is read
    amounts: dict = field(default_factory=lambda: {b: {} for b in _BLOCKS})
    indicators: list = field(default_factory=list)
    level1_weights: dict = field(default_factory=dict)
    locations: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def note(self, code: str, cell: _Cell, message: str) -> None:
        self.notes.append(ReadNote(code=code, location=self.grid.ref(cell.row, cell.col), message=message))

    def put_text(self, name: str, cell: _Cell, text: str) -> None:
        if self.data.get(name) or not text:
            return
        self.data[name] = text
        self.locations[name] = self.grid.ref(cell.row, cell.col)

    def number(self, cell: _Cell, what: str, text: str | None = None) -> float | None:
        """A cell as a number, or None with a note saying what is wrong with it.

        ``text``: the part of the cell that holds the number (the value after an inline label).
        """
        value = cell.value if text is None else text
        if type(value) is float and value - value == 0:  # a finite float (inf - inf, nan - nan: nan)
            return value  # the usual number, as the tests below end for it
        if isinstance(value, bool):
            self.note("not-a-number", cell, f"{what}应为数字，实为“{cell.text}”")
            return None
        if isinstance(value, (int, float)):
            if value != value or value in _INFINITIES:
                self.note("not-a-number", cell, f"{what}不是有效数字（{cell.text}）")
                return None
            return float(value)
        if is_excel_error(value):
            self.note("cell-error", cell, f"{what}单元格是错误值 {cell.text}")
            return None
        if not isinstance(value, str):  # a date or time where a number belongs
            self.note("not-a-number", cell, f"{what}应为数字，实为日期/时间“{cell.text}”")
            return None
        text = cell.text if text is None else text
        parsed = parse_value(text)
        if parsed.number is None or parsed.op or parsed.percent or (parsed.note and not parsed.unit):
            self.note("not-a-number", cell, f"{what}应为数字，实为“{text}”")
            return None
        return parsed.number


def _cells(grid: Grid, start: int, stop: int) -> list[list[_Cell]]:
    """Non-empty cells of rows [start, stop), labels marked."""
    grid_rows = grid.rows
    cells = grid.cells
    if cells is None or start != 0 or stop != len(grid_rows):
        # no list from the source: the rectangle's cells that are not "", in the same order
        cells = [((r, c), value) for r in range(start, stop) for c, value in enumerate(grid_rows[r])
                 if value != ""]
    rows: list[list[_Cell]] = [[] for _ in range(start, stop)]
    percent_cols: dict[int, set[int]] = {}  # row → its percent-formatted columns
    for r, c in grid.percent:
        percent_cols.setdefault(r, set()).add(c)
    label_first = _LABEL_FIRST_CHARS
    plain_labels = _PLAIN_LABELS
    current, row, percents = -1, rows[0] if rows else [], None
    for (r, c), value in cells:
        if value == "":  # None, rarer, is rendered "" below and skipped there
            continue
        if r != current:  # the cells come row by row: a row's list and percent columns once a row
            current, row, percents = r, rows[r - start], percent_cols.get(r)
        percent = percents is not None and c in percents
        if type(value) is str:  # render() of text, without the call
            text = value.strip()
            if not text:
                continue
            # what _match_label does, for the few texts a label can start with
            if text[0] in label_first:
                label, inline = plain_labels.get(text) or _label_of(text)
                row.append(_Cell(r, c, value, text, percent, label, inline))
            else:
                row.append(_Cell(r, c, value, text, percent))
        elif type(value) is float and not percent and value.is_integer() and -1e15 < value < 1e15:
            # a whole number (分值, 得分, most amounts): render() of it, without the call
            row.append(_Cell(r, c, value, str(int(value)), False))
        else:
            text = render(value, percent)
            if not text:
                continue
            cell = _Cell(r, c, value, text, percent)
            if isinstance(value, str):  # _match_label marks text only: numbers and dates skip it
                _match_label(cell)
            row.append(cell)
    return rows


def _align(left: list[int], right: list[int]) -> list[tuple[int, int]]:
    """Order-preserving pairing of two column lists, minimising the column distance.

    Every item of the shorter list is paired; returns (index in left, index in right) pairs.
    """
    if len(left) == len(right):  # the one pairing that pairs every item: in order
        return [(i, i) for i in range(len(left))]
    swap = len(left) > len(right)
    a, b = (right, left) if swap else (left, right)
    n, m = len(a), len(b)
    if n == 0:
        return []
    inf = float("inf")
    # cost[i][j]: best cost pairing a[:i] within b[:j], that is
    # min(cost[i][j - 1], cost[i - 1][j - 1] + |a[i - 1] - b[j - 1]|): a running minimum along row i
    cost = [[0] * (m + 1)]
    for i in range(1, n + 1):
        above, ai = cost[i - 1], a[i - 1]
        row = [inf] * (m + 1)
        best = inf
        for j in range(i, m + 1):
            here = above[j - 1] + abs(ai - b[j - 1])
            if here < best:
                best = here
            row[j] = best
        cost.append(row)
    pairs = []
    i, j = n, m
    while i > 0:
        if j > i and cost[i][j] == cost[i][j - 1]:
            j -= 1
            continue
        pairs.append((i - 1, j - 1))
        i, j = i - 1, j - 1
    pairs.reverse()
    return [(q, p) for p, q in pairs] if swap else pairs


def _scan_labels(b: _Builder, rows: list[list[_Cell]]) -> None:
    """Pass 1: every label takes its value from its row, or from the next row."""
    block = "budget"
    open_labels: list[_Cell] = []  # labels of the previous row still waiting for a value
    progress_label: _Cell | None = None  # 预算执行进度 may find its value anywhere in section 二
    # section 二's rows, for a stated progress without a label: their cells unclaimed at the end are
    # those unclaimed when the row was read (a cell is never unclaimed), so none is filtered till then
    budget_rows: list[list[_Cell]] = []
    in_budget = False
    heads: list[_Cell] = []  # 全年预算数 | 全年执行数 as column headings of a 项目资金 table
    for row in rows:
        if not row:
            continue
        labels = []  # a plain loop: a comprehension is a call of its own, for a row's few cells
        for i, c in enumerate(row):
            if c.label is not None:
                labels.append(i)
        new_open: list[_Cell] = []
        part_count: dict[str, int] = {}
        n_parts: dict[str, int] | None = None  # 财政资金 / 其他 labels in the row, counted when needed
        for k, i in enumerate(labels):
            cell = row[i]
            cell.claimed = True
            spec = cell.label
            segment = row[i + 1:labels[k + 1]] if k + 1 < len(labels) else row[i + 1:]
            kind = spec.kind
            if kind == "section":
                m = _SECTION_RE.match(cell.text)
                if m:
                    in_budget = m.group(1) == "二"
                    if in_budget:
                        block = "budget"
                continue
            if kind == "block":
                block, in_budget = spec.block, True
                continue
            if kind == "amount":
                in_budget = True
                where, part = spec.block, spec.part
                if where == "*" and heads and any(_has_digit(c) for c in segment):
                    # a row of the 项目资金 table: each heading takes the value below it
                    values = [c for c in segment if _has_digit(c)]
                    for hi, vi in _align([h.col for h in heads], [c.col for c in values]):
                        _take_amount(b, cell, [values[vi]], heads[hi].waits_for.split(".")[0], part)
                    continue
                if where == "*":
                    nth = part_count.get(part, 0)
                    part_count[part] = nth + 1
                    if n_parts is None:
                        n_parts = {"fiscal": 0, "other": 0}
                        for c in row:
                            if c.label is not None and c.label.kind == "amount" and c.label.block == "*":
                                n_parts[c.label.part] += 1
                    where = _BLOCKS[nth] if n_parts[part] > 1 and nth < 3 else block
                else:
                    block = where
                if not _take_amount(b, cell, segment, where, part):
                    # a column heading (全年预算数 | 全年执行数 | 财政资金) whose value stands below it
                    cell.waits_for = f"{where}.{part}"
                    new_open.append(cell)
                    if part == "total":
                        heads.append(cell)
                continue
            name = spec.field
            if name == "stated_progress":
                value = cell.inline or _first_rate(segment)
                if value:
                    b.put_text(name, value if isinstance(value, _Cell) else cell, value.text if isinstance(value, _Cell) else value)
                    if isinstance(value, _Cell):
                        value.claimed = True
                else:
                    progress_label = cell
                continue
            if cell.inline:
                b.put_text(name, cell, cell.inline)
            elif segment:
                segment[0].claimed = True
                b.put_text(name, segment[0], segment[0].text)
            else:
                if name not in b.locations:
                    b.locations[name] = b.grid.ref(cell.row, cell.col)
                cell.waits_for = name
                new_open.append(cell)
        if open_labels and not labels:  # a row of values only: the labels above it take them
            free = [c for c in row if not c.claimed]
            for li, vi in _align([c.col for c in open_labels], [c.col for c in free]):
                free[vi].claimed = True
                waits = open_labels[li].waits_for
                if "." in waits:
                    block, part = waits.split(".")
                    _take_amount(b, open_labels[li], [free[vi]], block, part)
                else:
                    b.put_text(waits, free[vi], free[vi].text)
        if progress_label is not None and in_budget:
            rate = _first_rate(row)  # the first rate not claimed
            if rate is not None:
                rate.claimed = True
                b.put_text("stated_progress", rate, rate.text)
                progress_label = None
        if in_budget:
            budget_rows.append(row)
        open_labels = new_open
    if "stated_progress" not in b.data:
        rates = [c for row in budget_rows for c in row if not c.claimed and _is_rate(c)]
        if len(rates) == 1:
            b.put_text("stated_progress", rates[0], rates[0].text)


def _is_rate(cell: _Cell) -> bool:
    value = cell.value
    if type(value) is float and -1e15 < value < 1e15:
        # rendered as plain digits, with a % exactly in a percent cell: what parse_value would say
        # (test_reader_fast), without parsing the text
        return cell.percent
    parsed = parse_value(cell.text)
    return parsed.number is not None and (parsed.percent or cell.percent)


def _first_rate(cells: list[_Cell]) -> _Cell | None:
    for cell in cells:
        if not cell.claimed and _is_rate(cell):
            return cell
    return None


def _take_amount(b: _Builder, label: _Cell, segment: list[_Cell], block: str, part: str) -> bool:
    """An amount takes the first number after its label; a rate there is not an amount.

    Returns:
        False when the label has no value beside it.
    """
    what = AMOUNT_BLOCKS[block] + AMOUNT_PARTS[part]
    path = f"{block}.{part}"
    if label.inline:
        value = b.number(label, what, label.inline)
        cell = label
    else:
        # a heading word after the label (全年执行数 | 分值) is not its value: values hold digits
        for cell in segment:
            if _has_digit(cell) and not _is_rate(cell):  # the cheaper test first
                break
        else:
            if path not in b.locations:
                b.locations[path] = b.grid.ref(label.row, label.col)
            return False
        cell.claimed = True
        value = b.number(cell, what)
    if value is not None and part not in b.amounts[block]:
        b.amounts[block][part] = value
        b.locations[path] = b.grid.ref(cell.row, cell.col)
    return True


# ---------------------------------------------------------------------------------------------
# Section 四: the indicator table

_ROLE_WORDS = (
    ("level1", ("一级指标",)),
    ("level2", ("二级指标",)),
    ("name", ("三级指标", "指标名称")),
    ("actual", ("实际完成值", "实际完成", "完成值", "实际值")),
    ("target", ("预期指标值", "年度指标值", "指标值", "目标值", "预期值")),
    ("weight", ("分值", "权重")),
    ("score", ("自评得分", "得分", "评分")),
    ("note", ("偏差原因", "原因分析", "备注")),
)
_LEVEL1_RE = re.compile(
    r"^(产出|效益|服务对象满意度|满意度|预算执行率|成本)(?:指标)?\s*"
    r"(?:[(（]\s*(\d+(?:\.\d+)?)\s*分?\s*[)）]|(\d+(?:\.\d+)?)\s*分)?$"
)
#: The first characters of _LEVEL1_RE's stems.
_LEVEL1_STEMS = frozenset("产效服满预成")
_LEVEL1_NAMES = {"产出": OUTPUT, "效益": BENEFIT, "服务对象满意度": SATISFACTION, "满意度": SATISFACTION,
                 "预算执行率": EXECUTION, "成本": COST}
_ALWAYS_LEVEL1 = {"产出", "效益"}
_LEVEL2_RE = re.compile(r"^[\u4e00-\u9fff]{2,12}指标$|^预算执行率$")
#: The 二级指标 of the standard form: _LEVEL2_RE matches each (test_reader_fast), and none is a
#: placeholder; most rows of the table have one, which then costs a set lookup instead of regexes.
_LEVEL2_NAMES = frozenset({"数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标",
                           "生态效益指标", "可持续影响指标", "服务对象满意度指标", "满意度指标", "预算执行率"})
_PLACEHOLDER_RE = re.compile(r"^(?:指标\s*\d*\s*[:：]?|[.…。·]+|[-—]+)$")
#: Placeholders as the standard form writes them: _PLACEHOLDER_RE matches each (test_reader_fast);
#: a set lookup finds them before any regex (half the rows of an indicator table are one).
_PLACEHOLDERS = frozenset({"...", "…", "……", "——", "-", "--"}
                          | {f"指标{sep}{n}" for sep in ("", " ") for n in range(1, 10)})


def _is_placeholder(text: str) -> bool:
    """Whether _PLACEHOLDER_RE matches ``text``: a 指标 N, …… or —— standing for no indicator."""
    return text in _PLACEHOLDERS or _PLACEHOLDER_RE.match(text) is not None
_NAME_PREFIX_RE = re.compile(r"^(?:指标\s*\d+\s*[:：]?\s*|[(（]?\d{1,2}[)）、.．](?!\d)\s*)+")
_INDICATOR_NO_RE = re.compile(r"^指标\s*\d")
_TOTAL_RE = re.compile(r"^(?:总\s*分|合\s*计(?:得分)?|总\s*得\s*分|总\s*计)\s*[:：]?")


#: _ROLE_WORDS of each first character of a heading, in _ROLE_WORDS order: a heading can start
#: only these roles' words, so _header tries no other.
_ROLE_WORDS_BY_FIRST_CHAR = {
    ch: tuple((role, words) for role, words in _ROLE_WORDS if any(w.startswith(ch) for w in words))
    for ch in {w[0] for _, words in _ROLE_WORDS for w in words}}
#: The header's 一级指标 heading, as _header tests a cell for it.
_LEVEL1_HEADING = dict(_ROLE_WORDS)["level1"]


def _find_header(rows: list[list[_Cell]]) -> tuple[int | None, dict[str, int] | None]:
    """The indicator table's header: (its index in ``rows``, its columns), or (None, None)."""
    for i, row in enumerate(rows):
        for cell in row:
            # a header has its 一级指标 heading (else _header finds no "level1"): the other rows
            # need no closer look
            if "一" in cell.text and _squash(cell.text).startswith(_LEVEL1_HEADING):
                roles = _header(row)
                if roles:
                    return i, roles
                break
    return None, None


def _header(row: list[_Cell]) -> dict[str, int] | None:
    """The columns of the indicator table, from its header row; None when ``row`` is not one."""
    roles: dict[str, int] = {}
    for cell in row:
        key = _squash(cell.text)
        for role, words in _ROLE_WORDS_BY_FIRST_CHAR.get(key[:1], ()):
            if role not in roles and key.startswith(words):
                roles[role] = cell.col
                break
    if "level1" not in roles or not ({"name", "level2"} & roles.keys()) or "target" not in roles:
        return None
    if "score" not in roles:  # some forms leave the 自评得分 heading out; its column still follows
        roles["score"] = max(v for k, v in roles.items() if k in ("actual", "weight", "target")) + 1
    return roles


def _level1(cell: _Cell, nxt: _Cell | None, current: str | None) -> tuple[str, float | None] | None:
    """(一级 name, weight) when ``cell`` is an 一级 heading."""
    first = cell.text.lstrip()[:1]
    if first not in _LEVEL1_STEMS and (first < "\x80" or "\u4e00" <= first <= "\u9fff"):
        # normalize_text leaves an ASCII character or a CJK ideograph where it stands, so the
        # squashed text starts with it: no stem does (other characters take the full test)
        return None
    # A heading as typed matches as it is: normalize_text would only turn its full-width brackets
    # and digits half-width, which the regex and float() take either way (see test_reader_fast).
    # The rest (spaces inside, compatibility forms) gets the full test.
    m = _LEVEL1_RE.match(_squash(cell.text)) or _LEVEL1_RE.match(_squash(normalize_text(cell.text)))
    if not m:
        return None
    stem, weight = m.group(1), m.group(2) or m.group(3)
    name = _LEVEL1_NAMES[stem]
    if weight is None and stem not in _ALWAYS_LEVEL1:
        # 满意度指标 / 成本指标 are also 二级 names: a heading only when a 二级 follows it
        # or when the 一级 in force is another one.
        followed = nxt is not None and (nxt.text in _LEVEL2_NAMES or _LEVEL2_RE.match(_squash(nxt.text)) is not None)
        if not followed and (current == name or current == OUTPUT and stem == "成本"):
            return None
        if not followed and current is not None and stem != "预算执行率":
            return None
    return name, float(weight) if weight is not None else None


def _scan_table(b: _Builder, rows: list[list[_Cell]], roles: dict[str, int]) -> int:
    """Pass 2: indicator rows after the header, up to 总分. Returns how many rows were consumed."""
    value_roles = [r for r in ("name", "target", "actual", "weight", "score", "note") if r in roles]
    value_cols = [roles[r] for r in value_roles]
    # for a row whose name is a 指标 N: the roles left for the rest of it
    named_roles = [r for r in value_roles if r != "name"]
    named_cols = [roles[r] for r in named_roles]
    has_name = "name" in roles
    # tried on most rows: bound once; a placeholder as the standard form writes it (指标 2, ...)
    # is found in the set, without the regex
    placeholders, placeholder_re = _PLACEHOLDERS, _PLACEHOLDER_RE.match
    level2_names = _LEVEL2_NAMES
    level1: str | None = None
    level2: str = ""
    for used, row in enumerate(rows, start=1):
        if not row:
            continue
        first = row[0]
        if first.text[:1] in "总合" and _TOTAL_RE.match(first.text) and len(first.text) <= 8:  # 总分, 合计
            numbers = [c for c in row[1:] if parse_value(c.text).number is not None or _has_digit(c)] or (
                [first] if parse_value(_TOTAL_RE.sub("", first.text)).number is not None else [])
            if numbers:
                cell = numbers[-1]
                value = b.number(cell, "总分") if cell is not first else parse_value(_TOTAL_RE.sub("", first.text)).number
                b.data["stated_total"] = value
                b.locations["stated_total"] = b.grid.ref(cell.row, cell.col)
            return used
        if first.label is not None and first.label.field in ("problems", "filled_by", "phone"):
            return used - 1
        n = len(row)
        if n == 1 and has_name and (first.text in placeholders or placeholder_re(first.text)):
            # a lone 指标 N / …… / ——: what the steps below conclude for it (no 一级 or 二级, a name
            # that is a placeholder, no values: nothing to add), without taking them
            continue
        # the row's cells from index k on are what the 一级 and 二级 headings leave (no copy is made
        # of the row for the many rows that leave nothing to add)
        k = 0
        anchor: tuple[_Cell, str] | None = None
        heading = _level1(first, row[1] if n > 1 else None, level1)
        if heading:
            level1, weight = heading
            level2 = ""
            if weight is not None:
                b.level1_weights[level1] = weight
            anchor = (first, "level1")
            k = 1
        if k < n:
            key = _squash(row[k].text)
            if key in level2_names or _LEVEL2_RE.match(key) and not _is_placeholder(row[k].text):
                level2 = key
                anchor = anchor or (row[k], "level2")
                k += 1
        if k == n:
            continue
        if k == n - 1 and has_name and (row[k].text in placeholders or placeholder_re(row[k].text)):
            continue  # only a 指标 N placeholder after the headings: nothing to add (as below concludes)
        rest = row[k:]
        offset = roles[anchor[1]] - anchor[0].col if anchor and anchor[1] in roles else roles["name"] - rest[0].col if has_name else 0
        cols = [c.col + offset for c in rest]
        if len(rest) > len(value_roles):  # a name split over cells: join the leading ones
            extra = len(rest) - len(value_roles) + 1
            joined = " ".join(c.text for c in rest[:extra])
            rest = [_Cell(rest[0].row, rest[0].col, joined, joined)] + rest[extra:]
            cols = [cols[0]] + cols[extra:]
        got: dict[str, _Cell] = {}
        row_roles, row_cols = value_roles, value_cols
        if has_name and (_is_placeholder(rest[0].text) or _INDICATOR_NO_RE.match(rest[0].text)):
            # "指标 1…" is a name wherever the row has drifted to
            got["name"] = rest.pop(0)
            cols.pop(0)
            row_roles, row_cols = named_roles, named_cols
        for ri, ci in _align(row_cols, cols):
            got[row_roles[ri]] = rest[ci]
        _add_indicator(b, got, level1, level2)
    return len(rows)


#: The values of an indicator row read as numbers, and their names in a note.
_NUMBER_ROLES = {"weight": "分值", "score": "自评得分"}


def _add_indicator(b: _Builder, got: dict[str, _Cell], level1: str | None, level2: str) -> None:
    name_cell = got.get("name")
    raw_name = name_cell.text if name_cell else ""
    values = {}  # a plain loop: cheaper than a comprehension's call, for a row's few values
    for key in ("target", "actual", "weight", "score"):
        if key in got:
            values[key] = got[key]
    if not values and (not raw_name or _is_placeholder(raw_name)):
        return  # a placeholder row: 指标 1, 指标 2, ...
    if not values and name_cell is not None and (raw_name in _LEVEL2_NAMES or _LEVEL2_RE.match(raw_name)):
        return
    name = _NAME_PREFIX_RE.sub("", raw_name).strip() or ("" if _is_placeholder(raw_name) else raw_name)
    if level2 == EXECUTION_L2 or level1 == EXECUTION:
        level1, level2 = EXECUTION, EXECUTION_L2
    name = name or level2 or raw_name
    where = f"indicators.{len(b.indicators)}"
    ref, locations = b.grid.ref, b.locations
    any_cell = name_cell or next(iter(values.values()))
    locations[where] = at = ref(any_cell.row, any_cell.col)
    if name_cell:
        locations[f"{where}.name"] = at  # any_cell is the name cell
    written: dict[str, str | float | None] = {}  # only what the row has: the rest stays unset
    for key, cell in values.items():  # target, actual (as written), weight, score (numbers)
        locations[f"{where}.{key}"] = ref(cell.row, cell.col)
        if key in _NUMBER_ROLES:
            written[key] = b.number(cell, f"“{name}”的{_NUMBER_ROLES[key]}")
        else:
            written[key] = cell.text
    b.indicators.append(Indicator(level1=level1 or "", level2=level2, name=name, **written))


# ---------------------------------------------------------------------------------------------
# Forms in a grid


def _form_starts(rows: list[list[_Cell]]) -> list[int]:
    """Rows where a form's title stands; a grid with no title is one form from its first row.

    ``rows``: the grid's cells (a title is non-empty text, so the empty cells need no look).
    """
    starts = []
    for r, row in enumerate(rows):
        for cell in row:
            # first the cheaper test of cell.text, which is a text value stripped (its value is
            # looked at only then)
            if "绩" in cell.text and isinstance(value := cell.value, str) and "绩" in value \
                    and _TITLE_RE.search(value) and len(value) <= 60:
                starts.append(r)
                break
    if not starts:
        return [0]
    starts[0] = 0  # what stands above the first title (附件 3 …) belongs to it
    return starts


def _parse_region(grid: Grid, rows: list[list[_Cell]], start: int, stop: int) -> Form | None:
    """The form in rows [start, stop) of the grid, whose cells are ``rows``; None when there is none."""
    b = _Builder(grid)
    header_at, roles = _find_header(rows)
    if header_at is None:
        _scan_labels(b, rows)
    else:
        _scan_labels(b, rows[:header_at])
        used = _scan_table(b, rows[header_at + 1:], roles)
        _scan_labels(b, rows[header_at + 1 + used:])
    # Indicators, a key field or an amount make a form; so do the title and a key field's label:
    # a blank form (nothing filled in) is still a form, its findings say what is missing. Tested
    # in this order, so that a filled form costs no search for its title.
    key_fields = ("project", "unit", "filled_by")
    if not (b.indicators or any(k in b.data for k in key_fields) or any("total" in a for a in b.amounts.values())
            or any(k in b.locations for k in key_fields)
            and any(_TITLE_RE.search(c.text) for row in rows[:10] for c in row)):
        return None
    _note_unread_cells(b, grid, start, stop)
    year = None
    for row in rows[: header_at if header_at is not None else len(rows)]:
        for cell in row:
            m = _YEAR_RE.search(cell.text)
            if m:
                year = int(m.group(1))
                break
        if year:
            break
    data = b.data
    money = data.get("money_unit")
    if money and normalize_text(money) in ("万", "万元"):
        money = "万元"
    return Form(
        year=year,
        unit=data.get("unit"),
        implementing_unit=data.get("implementing_unit"),
        project=data.get("project"),
        money_unit=money,
        budget=Amounts(**b.amounts["budget"]),
        received=Amounts(**b.amounts["received"]),
        spent=Amounts(**b.amounts["spent"]),
        stated_progress=data.get("stated_progress"),
        goal=data.get("goal"),
        achievement=data.get("achievement"),
        stated_completion=data.get("stated_completion"),
        indicators=b.indicators,
        level1_weights=b.level1_weights,
        stated_total=data.get("stated_total"),
        problems=data.get("problems"),
        filled_by=data.get("filled_by"),
        phone=data.get("phone"),
        source=Source(file=grid.file, sheet=grid.sheet, locations=b.locations, notes=b.notes),
    )


def _note_unread_cells(b: _Builder, grid: Grid, start: int, stop: int) -> None:
    """Notes for what the grid could not show in rows [start, stop): formulas never calculated
    (they read as empty, so a number there would silently be missing) and a sheet cut at the limits."""
    for (r, c), formula in sorted(grid.no_value.items()):
        if start <= r < stop:
            shown = f"公式 ={formula} " if formula else "公式"
            b.notes.append(ReadNote(
                code="formula-no-value", location=grid.ref(r, c),
                message=f"{shown}没有计算结果（文件未在 Excel 中保存过），读作空值；请在 Excel 或 WPS 中打开、保存后再提交"))
    if grid.clipped:
        b.notes.append(ReadNote(
            code="sheet-clipped", location=grid.ref(min(len(grid.rows), MAX_ROWS) - 1, 0) if grid.rows else "",
            message=f"{'文本' if grid.sheet is None else '工作表'}超过 {MAX_ROWS} 行或 {MAX_COLS} 列，超出部分未读取"))


def parse_grid(grid: Grid) -> list[Form]:
    """Every form in a grid (a text dump may hold many; a sheet usually one).

    Args:
        grid: the cells.

    Returns:
        The forms found, in order; empty when the grid holds none.
    """
    if grid.names:
        from .named import has_form_names, parse_named  # named builds on this module

        if has_form_names(grid):
            return [parse_named(grid)]
    rows = _cells(grid, 0, len(grid.rows))  # each form takes its own rows of these
    starts = _form_starts(rows)
    bounds = list(zip(starts, starts[1:] + [len(grid.rows)]))
    forms = []
    for start, stop in bounds:
        form = _parse_region(grid, rows[start:stop], start, stop)
        if form is not None:
            forms.append(form)
    return forms


def read_forms(path: str | Path) -> list[Form]:
    """Read every form in a file: a workbook (each visible sheet), a text dump, or perfxl's JSON.

    Args:
        path: the file.

    Returns:
        The forms, in file order (not yet scored: see :func:`perfxl.engine.scored`).

    Raises:
        ReadError: the file cannot be read, or holds no 绩效自评表.
    """
    path = Path(path)
    if path.suffix.lower() in JSON_SUFFIXES:
        return _read_json(path)
    forms: list[Form] = []
    uncalculated = 0
    for grid in load_grids(path):
        forms.extend(parse_grid(grid))
        uncalculated += len(grid.no_value)
    if not forms:
        hint = f"；另有 {uncalculated} 个公式没有计算结果（文件未在 Excel 中保存过）" if uncalculated else ""
        raise ReadError(path, f"未找到绩效自评表（没有“项目名称”“填报单位”或指标表）{hint}")
    return forms


def _read_json(path: Path) -> list[Form]:
    """Forms as ``perfxl read --json`` prints them: one object or an array."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ReadError(path, f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，未读取")
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReadError(path, f"不是有效的 JSON 文件（{exc}）") from exc
    except RecursionError as exc:  # [[[[…]]]] nested deeper than Python's stack
        raise ReadError(path, "不是有效的 JSON 文件（嵌套层数过多）") from exc
    items = data if isinstance(data, list) else [data]
    forms = []
    for i, item in enumerate(items):
        try:
            if isinstance(item, dict):
                item = {k: v for k, v in item.items() if k not in ("computed",)}
            form = Form.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ReadError(path, f"第 {i + 1} 张表的 {where} 无效：{first['msg']}") from exc
        form.source = Source(file=str(path), sheet=None, method="json")
        forms.append(form)
    if not forms:
        raise ReadError(path, "JSON 文件中没有绩效自评表")
    return forms
