"""The indicator table (section 四, 绩效指标): its header names the columns, each row is an indicator.

Columns are mapped by their headings (:data:`~perfxl.read.layouts.TABLE_HEADINGS`), whatever their
order and however many other columns stand between; a header over two rows (指标值 over 年度指标值 |
实际完成值) is read as one. A row is read by column where its cells stand under the headings (a
workbook keeps every cell in its column, merged cells included); where they do not (a text dump
collapses merged cells, so columns drift), its 一级 / 二级 cells anchor it and the rest is aligned
to the header (:func:`~perfxl.read.align.align`).
"""

from __future__ import annotations

import re

from ..model import EXECUTION, EXECUTION_L2, OUTPUT, Indicator
from ..values import normalize_text, parse_value
from .align import align
from .builder import FormBuilder
from .cells import Cell, has_digit, squash
from .layouts import ALWAYS_LEVEL1, LEVEL1_NAMES, LEVEL2_OF, QUALITATIVE_OPS, TABLE_END_WORDS, TABLE_HEADINGS

_LEVEL1_RE = re.compile(
    "^(" + "|".join(sorted(LEVEL1_NAMES, key=len, reverse=True)) + r")(?:指标)?\s*"
    r"(?:[(（]\s*(\d+(?:\.\d+)?)\s*分?\s*[)）]|(\d+(?:\.\d+)?)\s*分)?$"
)
#: The first characters of _LEVEL1_RE's stems.
_LEVEL1_STEMS = frozenset(stem[0] for stem in LEVEL1_NAMES)
#: An 一级 cell that holds only its weight: (50分), （20）, 30分.
_WEIGHT_ONLY_RE = re.compile(r"^[(（]?\s*(\d+(?:\.\d+)?)\s*分?\s*[)）]?$")
#: Any 一级 or 二级 name with its weight after it: 投入(20分), 过程（30）, 部门预算管理80分) (a bracket lost).
_NAME_WEIGHT_RE = re.compile(
    r"^(.*?)\s*(?:[(（]\s*(\d+(?:\.\d+)?)\s*分?\s*[)）]|[(（]?\s*(\d+(?:\.\d+)?)\s*分\s*[)）]?)$"
)
#: A 三级 name with its weight inside (a rubric without a 分值 column): 相关性(5 分).
_NAME_WITH_POINTS_RE = re.compile(r"^(.*?)\s*[(（]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]$")
_LEVEL2_RE = re.compile(r"^[\u4e00-\u9fff]{2,12}指标$|^预算执行率$")
#: The 二级指标 of the standard form: _LEVEL2_RE matches each (tests/read), and none is a
#: placeholder; most rows of the table have one, which then costs a set lookup instead of regexes.
LEVEL2_NAMES = frozenset(LEVEL2_OF)
PLACEHOLDER_RE = re.compile(r"^(?:指标\s*\d*\s*[:：]?|[.…。·]+|[-—]+)$")
#: Placeholders as the standard form writes them: PLACEHOLDER_RE matches each (tests/read);
#: a set lookup finds them before any regex (half the rows of an indicator table are one).
PLACEHOLDERS = frozenset(
    {"...", "…", "……", "——", "-", "--"} | {f"指标{sep}{n}" for sep in ("", " ") for n in range(1, 10)}
)


def is_placeholder(text: str) -> bool:
    """Whether PLACEHOLDER_RE matches ``text``: a 指标 N, …… or —— standing for no indicator."""
    return text in PLACEHOLDERS or PLACEHOLDER_RE.match(text) is not None


_NAME_PREFIX_RE = re.compile(r"^(?:指标\s*\d+\s*[:：]?\s*|[(（]?\d{1,2}[)）、.．](?!\d)\s*)+")
_INDICATOR_NO_RE = re.compile(r"^指标\s*\d")
TOTAL_RE = re.compile(r"^(?:总\s*分|合\s*计(?:得分)?|总\s*得\s*分|总\s*计|综合得分)\s*[:：]?")
#: A heading's notes in brackets, left out before it is matched: 实际完成值(B), 权重（%）.
_BRACKETED_RE = re.compile(r"[(（【\[][^()（）【】\[\]]*[)）】\]]")  # no bracket inside: linear on a run of （

#: Every heading spelling → its role, longest first: a heading takes the longest it starts or ends with.
_HEADING_WORDS = sorted(
    ((w, role) for role, words in TABLE_HEADINGS.items() for w in words), key=lambda item: len(item[0]), reverse=True
)
#: Roles read into an Indicator, in the order of the columns of the standard form.
VALUE_ROLES = ("name", "target", "actual", "weight", "score", "deviation")
_HEADING_CACHE: dict[str, str | None] = {}


def heading_role(text: str) -> str | None:
    """The column role a header cell names (``target`` for 年度指标值（A）), or None."""
    role = _HEADING_CACHE.get(text, "")
    if role != "":
        return role
    key = _BRACKETED_RE.sub("", squash(text)) or squash(text)
    found = None
    if len(key) <= 16:  # a heading is short: a long text in a header row is a note, not a column
        for word, candidate in _HEADING_WORDS:
            if key.startswith(word) or key.endswith(word):
                found = candidate
                break
    if len(_HEADING_CACHE) < 4096:
        _HEADING_CACHE[text] = found
    return found


class Header:
    """The columns of an indicator table.

    Attributes:
        rows: how many rows the header takes (two for 指标值 over 年度指标值 | 实际完成值).
        roles: role → column (the lowest header row's heading wins).
        by_col: column → role, for every column with a heading (method and measure included).
    """

    def __init__(self, by_col: dict[int, str], rows: int):
        self.rows = rows
        self.by_col = by_col
        self.roles: dict[str, int] = {}
        for col in sorted(by_col):
            self.roles.setdefault(by_col[col], col)
        if "score" not in self.roles:  # some forms leave the 自评得分 heading out; its column still follows
            last = max((v for k, v in self.roles.items() if k in ("actual", "weight", "target")), default=None)
            if last is not None and last + 1 not in by_col:
                self.roles["score"] = last + 1
                self.by_col[last + 1] = "score"
        self.first_col = min(by_col)


def _row_roles(row: list[Cell]) -> dict[int, str]:
    roles = {}
    for cell in row:
        if isinstance(cell.value, str) and not (cell.label is not None and cell.label.kind == "section"):
            role = heading_role(cell.text)
            if role is not None:
                roles[cell.col] = role
    return roles


def find_header(rows: list[list[Cell]]) -> tuple[int | None, Header | None]:
    """The indicator table's header: (its index in ``rows``, its columns), or (None, None).

    A header has its 一级指标 heading; a table without 一级 / 二级 columns (指标名称 | 计量单位 | …)
    is taken only where no row has one.
    """
    for i, row in enumerate(rows):
        for cell in row:
            # the other rows need no closer look
            if "一" in cell.text and isinstance(cell.value, str) and heading_role(cell.text) == "level1":
                header = _header(rows, i)
                if header is not None:
                    return i, header
                break
    for i, row in enumerate(rows):
        header = header_without_level1(row)
        if header is not None:
            return i, header
    return None, None


def header_without_level1(row: list[Cell]) -> Header | None:
    """A header with no 一级 / 二级 columns (指标名称 | 计量单位 | 年初指标值 | … | 指标得分), or None."""
    if len(row) < 4 or not any("指标" in c.text for c in row):
        return None
    by_col = _row_roles(row)
    roles = set(by_col.values())
    if "name" in roles and {"target", "actual"} & roles and {"weight", "score"} & roles:
        return Header(by_col, 1)
    return None


def _header(rows: list[list[Cell]], i: int) -> Header | None:
    """The header whose 一级指标 heading stands in row ``i``, or None when that row is no header."""
    by_col = _row_roles(rows[i])
    roles = set(by_col.values())
    if "level1" not in roles or not ({"name", "level2"} & roles):
        return None
    used = 1
    # a second header row: its headings name the columns under a heading that spans them
    if i + 1 < len(rows) and rows[i + 1]:
        below = rows[i + 1]
        lower = _row_roles(below)
        if lower and len(lower) == len(below) and not ({"level1", "level2", "name"} & set(lower.values())):
            for col, role in lower.items():
                for other in [c for c, r in by_col.items() if r == role and c != col]:
                    del by_col[other]  # the parent's guess (指标值 → target) gives way to its child
                by_col[col] = role
            used = 2
    # headings merged down from a row above (绩效指标 over 一级 | 二级 | 三级, with 分值 beside it)
    if i > 0 and rows[i - 1]:
        above = _row_roles(rows[i - 1])
        others = [c for c in rows[i - 1] if c.col not in above and squash(c.text) not in _SIDE_LABELS]
        if len(above) >= 2 and not others:
            for col, role in above.items():
                if col not in by_col and (role not in by_col.values() or role == "method"):
                    by_col[col] = role
    if not ({"target", "weight", "score"} & set(by_col.values())):
        return None
    return Header(by_col, used)


def level1_heading(cell: Cell, nxt: Cell | None, current: str | None) -> tuple[str, float | None] | None:
    """(一级 name, weight) when ``cell`` is an 一级 heading of the standard names."""
    first = cell.text.lstrip()[:1]
    if first not in _LEVEL1_STEMS and (first < "\x80" or "\u4e00" <= first <= "\u9fff"):
        # normalize_text leaves an ASCII character or a CJK ideograph where it stands, so the
        # squashed text starts with it: no stem does (other characters take the full test)
        return None
    # A heading as typed matches as it is: normalize_text would only turn its full-width brackets
    # and digits half-width, which the regex and float() take either way (see tests/read).
    # The rest (spaces inside, compatibility forms) gets the full test.
    m = _LEVEL1_RE.match(squash(cell.text)) or _LEVEL1_RE.match(squash(normalize_text(cell.text)))
    if not m:
        return None
    stem, weight = m.group(1), m.group(2) or m.group(3)
    name = LEVEL1_NAMES[stem]
    if weight is None and stem not in ALWAYS_LEVEL1:
        # 满意度指标 / 成本指标 are also 二级 names: a heading only when a 二级 follows it
        # or when the 一级 in force is another one.
        followed = nxt is not None and (nxt.text in LEVEL2_NAMES or _LEVEL2_RE.match(squash(nxt.text)) is not None)
        if not followed and (current == name or current == OUTPUT and stem == "成本"):
            return None
        if not followed and current is not None and stem != "预算执行率":
            return None
    return name, float(weight) if weight is not None else None


_LEVEL_CACHE: dict[str, object] = {}  # 一级 / 二级 cell texts repeat across forms: each is worked out once


def _level2_name(text: str) -> str:
    """An 二级 cell's name: squashed, without a weight (预算编制(30分)) or a note in brackets."""
    name = _LEVEL_CACHE.get(text)
    if name is None:
        key = squash(text)
        m = _NAME_WEIGHT_RE.match(key)  # a rubric's 二级 carries its weight
        name = key if key in LEVEL2_NAMES else m.group(1) if m and m.group(1) else _BRACKETED_RE.sub("", key) or key
        if len(_LEVEL_CACHE) < 4096:
            _LEVEL_CACHE[text] = name
    return name  # type: ignore[return-value]


def _any_level1(text: str) -> tuple[str | None, float | None]:
    """An 一级 cell of a table read by column: (name or None for a weight alone, weight)."""
    found = _LEVEL_CACHE.get("\x00" + text)
    if found is None:
        found = _any_level1_uncached(text)
        if len(_LEVEL_CACHE) < 4096:
            _LEVEL_CACHE["\x00" + text] = found
    return found  # type: ignore[return-value]


def _any_level1_uncached(text: str) -> tuple[str | None, float | None]:
    key = squash(normalize_text(text))
    m = _LEVEL1_RE.match(key)
    if m:
        weight = m.group(2) or m.group(3)
        return LEVEL1_NAMES[m.group(1)], float(weight) if weight else None
    m = _WEIGHT_ONLY_RE.match(key)
    if m:
        return None, float(m.group(1))
    m = _NAME_WEIGHT_RE.match(key)
    if m and m.group(1):
        return m.group(1), float(m.group(2) or m.group(3))
    return key, None


def _is_total(cell: Cell) -> bool:
    text = cell.text
    return text[:1] in "总合综" and len(text) <= 8 and TOTAL_RE.match(text) is not None


class _Table:
    """Reading state: the 一级 and 二级 in force, and a weight waiting for its 一级."""

    def __init__(self, b: FormBuilder, header: Header):
        self.b = b
        self.header = header
        self.level1: str | None = None
        self.level2 = ""
        self.pending_weight: float | None = None

    def set_level1(self, name: str | None, weight: float | None) -> None:
        self.level2 = ""
        if name is None:  # (50分) alone: the 一级 is the one its 二级 implies
            self.pending_weight = weight
            return
        self.level1 = name
        self.pending_weight = None
        if weight is not None:
            self.b.level1_weights[name] = weight

    def set_level2(self, name: str) -> None:
        self.level2 = name
        implied = LEVEL2_OF.get(name)
        if self.pending_weight is not None or self.level1 is None:
            if implied is not None or self.level1 is None:
                self.level1 = implied or self.level1
            if self.level1 is not None and self.pending_weight is not None:
                self.b.level1_weights.setdefault(self.level1, self.pending_weight)
                self.pending_weight = None


def scan_table(b: FormBuilder, rows: list[list[Cell]], header: Header, by_column: bool) -> int:
    """Indicator rows after the header, up to 总分. Returns how many rows were consumed.

    ``by_column``: the grid keeps cells in their columns (a workbook); else a row is read by
    column only where it plainly does, and aligned otherwise.
    """
    table = _Table(b, header)
    roles, by_col = header.roles, header.by_col
    value_roles = [r for r in VALUE_ROLES if r in roles]
    value_cols = [roles[r] for r in value_roles]
    # for a row whose name is a 指标 N: the roles left for the rest of it
    named_roles = [r for r in value_roles if r != "name"]
    named_cols = [roles[r] for r in named_roles]
    has_name = "name" in roles
    # tried on most rows: bound once; a placeholder as the standard form writes it (指标 2, ...)
    # is found in the set, without the regex
    placeholders, placeholder_re = PLACEHOLDERS, PLACEHOLDER_RE.match
    level2_names = LEVEL2_NAMES
    for used, row in enumerate(rows, start=1):
        if not row:
            continue
        first = row[0]
        total = None
        for c in row:  # 总分 / 合计 / 综合得分: the first character before the regex
            if c.text[:1] in "总合综" and _is_total(c):
                total = c
                break
        if total is not None and (
            total is first
            or not any(
                c.col in by_col and c.col < total.col and c.col >= roles.get("name", -1)
                for c in row[: row.index(total)]
            )
        ):
            _take_total(b, row, total, header, by_column)
            return used
        if (
            first.label is not None
            and first.label.field in ("problems", "filled_by", "phone")
            or squash(first.text).startswith(TABLE_END_WORDS)
            and first.col < roles.get("name", header.first_col)
        ):
            return used - 1
        n = len(row)
        if n == 1 and has_name and (first.text in placeholders or placeholder_re(first.text)):
            # a lone 指标 N / …… / ——: nothing to add, without the steps below
            continue
        if (
            by_column
            and n == 1
            and first.col not in by_col
            and not level1_heading(first, None, table.level1)
            and not is_placeholder(first.text)
            and squash(first.text) not in level2_names
            and not _LEVEL2_RE.match(squash(first.text))
        ):
            # a line alone outside the table's columns (a page's 发布时间 below a document's table)
            return used - 1
        if not _drifted(row, header) and (by_column or _plainly_in_columns(row, by_col, table.level1)):
            in_columns = _by_column(row, header, table)
            if in_columns is not None:
                if in_columns:
                    add_indicator(b, in_columns, table.level1, table.level2)
                continue
        # the row's cells from index k on are what the 一级 and 二级 headings leave (no copy is made
        # of the row for the many rows that leave nothing to add)
        k = 0
        anchor: tuple[Cell, str] | None = None
        heading = level1_heading(first, row[1] if n > 1 else None, table.level1)
        if heading:
            table.set_level1(*heading)
            anchor = (first, "level1")
            k = 1
        if k < n:
            key = squash(row[k].text)
            if key in level2_names or _LEVEL2_RE.match(key) and not is_placeholder(row[k].text):
                table.set_level2(key)
                anchor = anchor or (row[k], "level2")
                k += 1
        if k == n:
            continue
        if k == n - 1 and has_name and (row[k].text in placeholders or placeholder_re(row[k].text)):
            continue  # only a 指标 N placeholder after the headings: nothing to add
        rest = row[k:]
        offset = (
            roles[anchor[1]] - anchor[0].col
            if anchor and anchor[1] in roles
            else roles["name"] - rest[0].col
            if has_name
            else 0
        )
        cols = [c.col + offset for c in rest]
        if len(rest) > len(value_roles):  # a name split over cells: join the leading ones
            extra = len(rest) - len(value_roles) + 1
            joined = " ".join(c.text for c in rest[:extra])
            rest = [Cell(rest[0].row, rest[0].col, joined, joined)] + rest[extra:]
            cols = [cols[0]] + cols[extra:]
        got: dict[str, Cell] = {}
        row_roles, row_cols = value_roles, value_cols
        if has_name and (is_placeholder(rest[0].text) or _INDICATOR_NO_RE.match(rest[0].text)):
            # "指标 1…" is a name wherever the row has drifted to
            got["name"] = rest.pop(0)
            cols.pop(0)
            row_roles, row_cols = named_roles, named_cols
        for ri, ci in align(row_cols, cols):
            got[row_roles[ri]] = rest[ci]
        add_indicator(b, got, table.level1, table.level2)
    return len(rows)


def _plainly_in_columns(row: list[Cell], by_col: dict[int, str], level1: str | None) -> bool:
    """Whether a row of a text dump stands in the header's columns: each cell under a heading, an
    一级 cell an 一级 heading, a 二级 cell an 二级 name (a drifted row fails one of these)."""
    for i, cell in enumerate(row):
        role = by_col.get(cell.col)
        if role is None:
            return False
        if role == "level1" and level1_heading(cell, row[i + 1] if i + 1 < len(row) else None, level1) is None:
            return False
        if role == "level2" and not (squash(cell.text) in LEVEL2_NAMES or _LEVEL2_RE.match(squash(cell.text))):
            return False
    return True


#: The first characters of a placeholder or an 指标 N (PLACEHOLDER_RE, _INDICATOR_NO_RE).
_PLACEHOLDER_FIRSTS = frozenset("指.…。·-—")
#: Texts that stand left of an indicator table, merged down beside it: no part of a row.
_SIDE_LABELS = frozenset({"绩效指标", "指标", "年度绩效指标", "绩效指标完成情况", "年度绩效指标完成情况"})


def _drifted(row: list[Cell], header: Header) -> bool:
    """Whether a workbook's row shows the columns drift of a form pasted from a text dump: a value
    left of the table, a 指标 N or 二级 name where it cannot stand, an 一级 heading under another."""
    by_col = header.by_col
    for cell in row:
        role = by_col.get(cell.col)
        text = cell.text
        if role is None:
            if cell.col < header.first_col and cell.label is None and squash(text) not in _SIDE_LABELS:
                return True
            continue
        # each test gated by a character its texts must hold: most cells cost no regex
        if role == "level1":
            if text[:1] in _PLACEHOLDER_FIRSTS and (_INDICATOR_NO_RE.match(text) or is_placeholder(text)):
                return True
        elif role == "level2":
            if (
                text[:1] in _PLACEHOLDER_FIRSTS
                and (_INDICATOR_NO_RE.match(text) or text in PLACEHOLDERS)
                or "分" in text
                and _LEVEL1_RE.match(squash(text))
            ):
                return True
        elif role == "name":
            if "分" in text and _LEVEL1_RE.match(squash(text)):
                return True
        elif role != "method" and role != "deviation" and type(cell.value) is str and "指" in text:
            # a value holds 指 only when a 二级 name, an 指标 N or an 一级 heading drifted into it
            key = squash(text)
            if key in LEVEL2_NAMES or _INDICATOR_NO_RE.match(text) or _LEVEL1_RE.match(key) and "分" in key:
                return True
    return False


def _by_column(row: list[Cell], header: Header, table: _Table) -> dict[str, Cell] | None:
    """The row's cells by the role of their column; None when a cell stands where no heading
    names its column (the row is aligned instead)."""
    by_col = header.by_col
    got: dict[str, Cell] = {}
    roles = header.roles
    for cell in row:
        role = by_col.get(cell.col)
        if role is not None and roles.get(role, cell.col) != cell.col:
            continue  # a second column of one role (年初指标值 | 调整指标值, 指标解释 | 计分标准): the first is read
        if role is None:
            if cell.col < header.first_col:
                continue  # the label column beside the table (绩效指标, 四、…), merged down
            # a column under a heading that spans two: the role of the heading on its left
            left = max((c for c in by_col if c < cell.col), default=None)
            role = by_col.get(left) if left is not None else None
            if role == "method":
                continue  # a rule's text running on into the next column
            if role is None or role in got:
                return None
        if role in got:
            return None
        got[role] = cell
    level1_cell = got.pop("level1", None)
    if level1_cell is not None:
        table.set_level1(*_any_level1(level1_cell.text))
    level2_cell = got.pop("level2", None)
    if level2_cell is not None and not is_placeholder(level2_cell.text):
        table.set_level2(_level2_name(level2_cell.text))
    got.pop("method", None)
    op, measure = got.pop("op", None), got.pop("measure", None)
    target = got.get("target")
    if target is not None and (op is not None or measure is not None):
        got["target"] = _joined_target(op, target, measure)
    elif target is None and op is not None and op.text not in QUALITATIVE_OPS and measure is None:
        pass  # an operator with no value is no target
    return got


def _joined_target(op: Cell | None, target: Cell, measure: Cell | None) -> Cell:
    """指标性质 | 指标值 | 度量单位 as the one target a person reads: ≥ 26 个 → ≥26个."""
    text = target.text
    if op is not None and op.text not in QUALITATIVE_OPS and not parse_value(text).op:
        text = op.text + text
    if measure is not None and (op is None or op.text not in QUALITATIVE_OPS) and not text.endswith(measure.text):
        text = text + measure.text
    return Cell(target.row, target.col, text, text, target.percent)


def _take_total(b: FormBuilder, row: list[Cell], first: Cell, header: Header, by_column: bool) -> None:
    """The 总分 row: its score column's number (in a workbook, none when only its 分值 is filled),
    else its last number."""
    cells = [c for c in row if c.col > first.col and (parse_value(c.text).number is not None or has_digit(c))]
    score_col = header.roles.get("score")
    in_score = [c for c in cells if c.col == score_col]
    weight_col = header.roles.get("weight")
    only_weight = by_column and bool(cells) and all(c.col == weight_col for c in cells)  # 合计 | 100 | (得分 blank)
    found = in_score or ([] if only_weight else cells[-1:])
    if found:
        cell = found[0]
        b.data["stated_total"] = b.number(cell, "总分")
        b.locations["stated_total"] = b.grid.ref(cell.row, cell.col)
        return
    inline = TOTAL_RE.sub("", first.text)
    value = parse_value(inline).number if inline else None
    if value is not None:
        b.data["stated_total"] = value
        b.locations["stated_total"] = b.grid.ref(first.row, first.col)


#: The values of an indicator row read as numbers, and their names in a note.
_NUMBER_ROLES = {"weight": "分值", "score": "自评得分"}


#: What stands in a cell that does not apply (生态效益指标 | 指标1:/ | / | /): no value.
NOT_APPLICABLE = frozenset({"/", "／", "-", "－", "—", "——", "\\"})


def add_indicator(b: FormBuilder, got: dict[str, Cell], level1: str | None, level2: str) -> None:
    """One indicator of the cells of a row by role; nothing for a placeholder row (指标 1, ……)."""
    name_cell = got.get("name")
    raw_name = name_cell.text if name_cell else ""
    values = {}  # a plain loop: cheaper than a comprehension's call, for a row's few values
    for key in ("target", "actual", "weight", "score", "deviation"):
        if key in got and got[key].text not in NOT_APPLICABLE:
            values[key] = got[key]
    if not values and (not raw_name or is_placeholder(raw_name)):
        return  # a placeholder row: 指标 1, 指标 2, ...
    if not values and name_cell is not None and (raw_name in LEVEL2_NAMES or _LEVEL2_RE.match(raw_name)):
        return
    if not values and _NAME_PREFIX_RE.sub("", raw_name).strip() in NOT_APPLICABLE:
        return  # 指标1:/ with nothing else: a row that does not apply
    if len(values) == 1 and "deviation" in values and not raw_name:
        return  # a note running on below the table's last row
    if "\n" in raw_name:  # a line break inside a cell is the cell's width, not part of the name
        raw_name = "".join(part.strip() for part in raw_name.splitlines())
    name = _NAME_PREFIX_RE.sub("", raw_name).strip() or ("" if is_placeholder(raw_name) else raw_name)
    if "weight" not in values and "分" in name:
        m = _NAME_WITH_POINTS_RE.match(name)  # the rubric's weight inside the name: 相关性(5 分)
        if m and m.group(1):
            name = m.group(1)
            got = {**got, "weight": Cell(name_cell.row, name_cell.col, m.group(2), m.group(2))}  # type: ignore[union-attr]
            values["weight"] = got["weight"]
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
