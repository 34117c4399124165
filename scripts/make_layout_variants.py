"""Layout variants of the real forms (``tests/data/layouts/real/*.json``): same content, other layout.

Real forms of one family still differ in how they are laid out: columns in another order, extra
columns (度量单位, 得分计算方法, 备注), a two-row heading, amounts in 元, look-alike operators, a form
that does not start at A1, labels typed with the other width of bracket or with spaces, a 填报说明
sheet in front. ``variants(spec)`` makes each of these from one real spec, changing its rows,
merges and truth consistently, so a test can read every family in every such layout.

Everything is found in the spec's own cells (the indicator table by its 一级指标 heading, the funds
block by its amount headings), never by a fixed address; a transformation that does not apply to a
spec (no operator to rewrite, amounts already in 元, ...) gives no variant.

    from scripts.make_layout_variants import variants
    for name, spec in variants(real_spec): ...
"""

import copy
import re
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl.utils.cell import get_column_letter, range_boundaries

# ---------------------------------------------------------------------------------------------
# Words the variants look for (what the forms call things)

#: Heading spellings of the indicator table's columns, each to its role. A heading takes the role of
#: the longest spelling it equals, starts with or ends with (得分计算方法 is a method, not a score).
ROLE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "name": ("三级指标", "指标名称", "绩效指标名称"),
    "op": ("指标性质", "指标方向"),
    "measure": ("度量单位", "计量单位"),
    "method": ("得分计算方法", "评分标准", "评分方法", "计分方法", "评分办法"),
    "target": ("年度指标值", "预期指标值", "指标值", "目标值", "年度目标值"),
    "actual": ("实际完成值", "全年实际值", "完成值", "实际值"),
    "weight": ("分值", "权重", "标准分值"),
    "score": ("自评得分", "得分", "自评分"),
    "deviation": ("偏差原因分析及改进措施", "偏差原因", "未完成原因", "原因分析"),
    "remark": ("备注",),
}
#: Roles that make up one target when the target is split over columns (≥ | 26 | 个).
TARGET_PARTS = frozenset({"target", "op", "measure"})
#: Texts of the row that closes the indicator table.
TOTAL_WORDS = frozenset({"总分", "合计", "总计"})

#: cols-reordered: the order the value columns take (分值 before 年度指标值, 得分 before 实际完成值);
#: other columns (偏差原因, 得分计算方法, ...) keep their places.
REORDERED = ("weight", "target", "score", "actual")

#: extra-cols: what a 得分计算方法 / 评分标准 column holds in an indicator row (text, never a score).
METHOD_TEXT = "完成得满分，未完成按比例扣分"

#: A funds-block column heading that holds amounts (年初预算数, 全年预算数, 调整后预算数, 全年执行数,
#: 预算执行数, 到位数); 执行率 is no amount.
AMOUNT_HEADING_RE = re.compile(r"预算|执行数|到位|决算数|支出数")
#: The money unit in a label: 项目资金（万元）, 年度预算数(万元), 金额单位：万元.
WAN_IN_BRACKETS_RE = re.compile(r"([(（]\s*)万元(\s*[)）])")
WAN_AFTER_UNIT_RE = re.compile(r"((?:金额|资金)?单位\s*[:：]\s*)万元")
NUMBER_RE = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^-?\d+(?:\.\d+)?$")
#: Fields of the truth that hold amounts (scaled by the yuan variant).
AMOUNT_FIELDS = ("initial_budget", "budget", "spent", "received")

#: lookalike-ops: each operator's spellings; a target's operator is rewritten to the next spelling of
#: its class that differs from the one written. "=" alone is never written: a cell starting with it
#: would be a formula.
OP_SPELLINGS: dict[str, tuple[str, ...]] = {
    "ge": ("≧", "＞＝", ">=", "≥"),
    "le": ("≦", "＜＝", "<=", "≤"),
    "eq": ("═", "＝"),
}
#: Every operator spelling that may lead a target, longest first (so ">=" is not read as ">").
OP_PREFIXES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        [(s, k) for k, spellings in OP_SPELLINGS.items() for s in spellings] + [("⩾", "ge"), ("⩽", "le"), ("=", "eq")],
        key=lambda item: -len(item[0]),
    )
)

#: fullwidth-labels: stems of the form's labels and headings (a cell starting with one is a label).
LABEL_STEMS = (
    "项目名称",
    "主管部门",
    "实施单位",
    "填报单位",
    "单位名称",
    "部门",
    "项目资金",
    "资金情况",
    "年度预算数",
    "预算执行情况",
    "年度资金总额",
    "资金总额",
    "其中",
    "上年结转",
    "其他资金",
    "年初预算",
    "全年预算",
    "调整后预算",
    "全年执行",
    "预算执行",
    "执行率",
    "分值",
    "得分",
    "权重",
    "年度总体目标",
    "总体目标",
    "预期目标",
    "实际完成情况",
    "项目年度目标",
    "年度目标完成情况",
    "项目基本情况",
    "绩效指标",
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "完成值",
    "指标性质",
    "指标值",
    "度量单位",
    "偏差原因",
    "未完成原因",
    "总分",
    "合计",
    "产出指标",
    "效益指标",
    "满意度指标",
    "成本指标",
    "评价结论",
    "存在问题",
    "改进措施",
    "填报人",
    "联系电话",
    "项目负责人",
    "财务负责人",
    "其他需要说明事项",
)
#: Labels a clerk pads with spaces to centre them (项 目 名 称, 得  分).
SPACED_LABELS = frozenset(
    {"项目名称", "主管部门", "实施单位", "填报单位", "预期目标", "总分", "合计", "分值", "得分", "权重"}
)
#: An 一级 cell that carries only its weight, (50分): a label too.
WEIGHT_ONLY_RE = re.compile(r"^[(（]\d+(?:\.\d+)?分[)）]$")
WIDTH_SWAP = str.maketrans({"(": "（", ")": "）", ":": "：", "（": "(", "）": ")", "：": ":"})

#: cover-sheet: the 填报说明 sheet put before the form (sentences that name the form's fields, as real
#: instructions do, but no form); unit-neutral so that it never contradicts the form's 金额单位.
COVER_NAME = "填报说明"
COVER_ROWS = [
    ["填报说明"],
    ["1.《项目支出绩效自评表》由项目实施单位填报，主管部门审核后报送同级财政部门。"],
    ["2.“项目名称”按预算批复的项目名称填写；“主管部门”“实施单位”填写全称。"],
    ["3.“项目资金”中年初预算数、全年预算数、全年执行数按预算批复及决算数填列，执行率=全年执行数/全年预算数。"],
    ["4.绩效指标由一级指标、二级指标、三级指标构成，年度指标值按批复的绩效目标填写，实际完成值按实际情况填写。"],
    ["5.预算执行率分值为10分，其余绩效指标分值合计90分；得分按“完成得满分，未完成按比例扣分”计算。"],
    ["6.实际完成值未达到年度指标值的，须在“偏差原因分析及改进措施”中说明原因。"],
]

#: offset: where the form starts instead of A1 (C4: three rows down, two columns right).
OFFSET_ROWS, OFFSET_COLS = 3, 2


# ---------------------------------------------------------------------------------------------
# A sheet as a grid of texts with merged rectangles


@dataclass(frozen=True)
class Rect:
    """A merged range, 0-based and inclusive."""

    top: int
    left: int
    bottom: int
    right: int

    @classmethod
    def parse(cls, a1: str) -> "Rect":
        min_col, min_row, max_col, max_row = range_boundaries(a1)
        return cls(min_row - 1, min_col - 1, max_row - 1, max_col - 1)

    def a1(self) -> str:
        return f"{get_column_letter(self.left + 1)}{self.top + 1}:{get_column_letter(self.right + 1)}{self.bottom + 1}"

    def covers(self, r: int, c: int) -> bool:
        return self.top <= r <= self.bottom and self.left <= c <= self.right

    def single(self) -> bool:
        return self.top == self.bottom and self.left == self.right


@dataclass
class Grid:
    """A spec's sheet: texts by row and column (every row as wide as the widest), merges as Rects."""

    cells: list[list[str]]
    merges: list[Rect]

    @classmethod
    def of(cls, spec: dict) -> "Grid":
        width = max((len(row) for row in spec["rows"]), default=0)
        cells = [[("" if v is None else v) for v in row] + [""] * (width - len(row)) for row in spec["rows"]]
        return cls(cells, [Rect.parse(m) for m in spec.get("merges", [])])

    def copy(self) -> "Grid":
        return Grid([list(row) for row in self.cells], list(self.merges))

    @property
    def width(self) -> int:
        return len(self.cells[0]) if self.cells else 0

    def covering(self, r: int, c: int) -> Rect | None:
        return next((m for m in self.merges if m.covers(r, c)), None)

    def value(self, r: int, c: int) -> str:
        """What a reader sees at (r, c): a merged range's text in each of its cells."""
        m = self.covering(r, c)
        return self.cells[m.top][m.left] if m else self.cells[r][c]

    def into(self, spec: dict, name: str, truth: dict | None = None) -> dict:
        """A copy of ``spec`` with this grid's rows and merges (and ``truth`` when given)."""
        out = copy.deepcopy(spec)
        out["rows"] = [list(row) for row in self.cells]
        out["merges"] = [m.a1() for m in self.merges if not m.single()]
        if truth is not None:
            out["truth"] = truth
        out["variant"] = name
        return out


def squash(text) -> str:
    """A cell's text without any whitespace (the forms put spaces and line breaks anywhere)."""
    return re.sub(r"\s+", "", text) if isinstance(text, str) else ""


def role_of(heading: str) -> str | None:
    """The role of an indicator-table heading, by the longest spelling it equals, starts or ends with."""
    text = re.sub(r"[(（][^()（）]*[)）]", "", squash(heading))  # 权重(%) is 权重
    if len(text) > 16:  # a title (…绩效评价得分) or a note, not a column heading
        return None
    best, best_len = None, 0
    for role, spellings in ROLE_SPELLINGS.items():
        for s in spellings:
            if (text == s or text.startswith(s) or text.endswith(s)) and len(s) > best_len:
                best, best_len = role, len(s)
    return best


# ---------------------------------------------------------------------------------------------
# The indicator table


@dataclass
class Group:
    """Columns that move together: one heading, or a target split over 指标性质 | 指标值 | 度量单位."""

    role: str
    cols: list[int]


@dataclass
class Table:
    header_top: int  # the first heading row (the row above 一级指标 when the heading takes two rows)
    header_bottom: int  # the row of 一级指标
    last: int  # the last row of the table: the 总分/合计 row, or the last indicator row
    total: int | None  # the 总分/合计 row
    name_col: int  # the 三级指标 column
    groups: list[Group] = field(default_factory=list)  # the columns right of 三级指标, in order

    def rows(self) -> range:
        return range(self.header_top, self.last + 1)

    def body(self) -> range:
        """The indicator rows: below the headings, above the total row."""
        return range(self.header_bottom + 1, (self.total if self.total is not None else self.last + 1))

    def group(self, role: str) -> Group | None:
        return next((g for g in self.groups if g.role == role), None)

    @property
    def right(self) -> int:
        return self.groups[-1].cols[-1] if self.groups else self.name_col


#: A 三级指标 cell that names no indicator: a template's placeholder (指标2:, ……, 指标1:/).
PLACEHOLDER_RE = re.compile(r"^(?:指标\d*[:：]?)?[.…。/／、\-—_]*$")


def names_indicator(text) -> bool:
    """Whether a 三级指标 cell names an indicator (not a placeholder)."""
    return not PLACEHOLDER_RE.match(squash(text))


def find_table(grid: Grid) -> Table | None:
    """The indicator table, found by its 一级指标 heading; None when the sheet has none."""
    bottom = next((r for r, row in enumerate(grid.cells) for v in row if squash(v) == "一级指标"), None)
    if bottom is None:
        return None
    heading_row = lambda r: [grid.value(r, c) for c in range(grid.width)]  # noqa: E731
    # A heading row above it (年度指标值 over 指标性质 | 指标值 | 度量单位) makes a two-row heading.
    # (two headings at least: a title such as …评价得分 just above is no heading row)
    two_rows = (
        bottom > 0
        and sum(
            role_of(v) in {"target", "actual", "weight", "score", "deviation"} for v in heading_row(bottom - 1) if v
        )
        >= 2
    )
    top = bottom - 1 if two_rows else bottom
    roles = []
    for c in range(grid.width):
        below, above = grid.value(bottom, c), grid.value(top, c)
        roles.append(role_of(below) if below else role_of(above) if above else None)
    if "name" not in roles:
        return None
    name_col = roles.index("name")
    right = max(c for c in range(grid.width) if any(grid.value(r, c) for r in range(top, bottom + 1)))
    groups: list[Group] = []
    for c in range(name_col + 1, right + 1):
        role = roles[c] or "other"
        m = grid.covering(bottom, c)
        joined = groups and (
            (m is not None and m.left < c)  # one heading merged over several columns
            or (role in TARGET_PARTS and groups[-1].role == "target")
        )
        if joined:
            groups[-1].cols.append(c)
        else:
            groups.append(Group("target" if role in TARGET_PARTS else role, [c]))
    total = next(
        (r for r in range(bottom + 1, len(grid.cells)) if any(squash(v) in TOTAL_WORDS for v in grid.cells[r])), None
    )
    if total is not None:
        last = total
    else:  # no total row: the table goes on while rows name an indicator or continue a merge from above
        last = bottom
        for r in range(bottom + 1, len(grid.cells)):
            named = bool(squash(grid.cells[r][name_col]))
            continued = all(
                not squash(grid.cells[r][c]) or (grid.covering(r, c) and grid.covering(r, c).top < r)
                for c in range(0, name_col + 1)
            )
            # a row opening an 一级 or 二级 group (质量指标 with its indicators below) goes on too
            heading = any(squash(grid.cells[r][c]) for c in range(max(1, name_col - 2), name_col))
            if not (named or heading or (continued and any(squash(v) for v in grid.cells[r]))):
                break
            last = r
    return Table(top, bottom, last, total, name_col, groups)


# ---------------------------------------------------------------------------------------------
# Grid operations


def _runs(cols: list[int]) -> list[list[int]]:
    """Sorted columns cut into runs of adjacent ones."""
    runs: list[list[int]] = []
    for c in sorted(cols):
        if runs and c == runs[-1][-1] + 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    return runs


def _fit(widths: list[int], texts: list[str], room: int) -> list[int] | None:
    """Widths of a row's label pieces made to fill ``room`` columns: blanks dropped, widest shrunk first."""
    widths = list(widths)
    while sum(widths) > room:
        blank = next((i for i in range(len(widths) - 1, -1, -1) if widths[i] and not squash(texts[i])), None)
        if blank is not None:
            widths[blank] = 0  # an empty cell is the first thing to give up
            continue
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= 1:
            return None  # more labels than columns: the row cannot be laid out
        widths[widest] -= 1
    if sum(widths) < room:
        kept = [i for i in range(len(widths)) if widths[i]] or [len(widths) - 1]
        widths[kept[-1]] += room - sum(widths)  # the label next to the values takes what is left
    return widths


def permute_columns(grid: Grid, table: Table, new_of_old: dict[int, int]) -> Grid | None:
    """The table's columns moved (``new_of_old``), header and every row alike; None when impossible.

    A merge cut apart by the move keeps its text in the piece that holds its first cell. The total
    row is laid out again: its labels stay left of its numbers, which move with their columns.
    """
    moved = range(min(new_of_old), max(new_of_old) + 1)
    in_table = lambda m: m.top >= table.header_top and m.bottom <= table.last  # noqa: E731
    touches = lambda m: m.left <= moved[-1] and m.right >= moved[0]  # noqa: E731
    overlaps = lambda m: m.top <= table.last and m.bottom >= table.header_top  # noqa: E731
    if any(touches(m) and overlaps(m) and not in_table(m) for m in grid.merges):
        return None  # a merge reaching out of the table over moved columns cannot be moved
    out = grid.copy()
    total = table.total
    for r in table.rows():
        if r == total:
            continue
        for old, new in new_of_old.items():
            out.cells[r][new] = grid.cells[r][old]
    merges = [m for m in grid.merges if not (in_table(m) and touches(m))]
    for m in grid.merges:
        if not (in_table(m) and touches(m)) or (total is not None and m.top == m.bottom == total):
            continue
        cols = [new_of_old.get(c, c) for c in range(m.left, m.right + 1)]
        text = grid.cells[m.top][m.left]
        for r in range(m.top, m.bottom + 1):
            for c in cols:
                out.cells[r][c] = ""
        for run in _runs(cols):
            if new_of_old.get(m.left, m.left) in run:  # the piece with the range's first cell keeps the text
                out.cells[m.top][run[0]] = text
                merges.append(Rect(m.top, run[0], m.bottom, run[-1]))
    out.merges = merges
    if total is not None and not _permute_total_row(grid, out, table, new_of_old):
        return None
    return out


def _permute_total_row(grid: Grid, out: Grid, table: Table, new_of_old: dict[int, int]) -> bool:
    """Lay out the total row of a permuted table in ``out``; False when it cannot be done."""
    r = table.total
    value_cols = [c for g in table.groups if g.role in {"weight", "score"} for c in g.cols if squash(grid.cells[r][c])]
    row_merges = [m for m in grid.merges if m.top <= r <= m.bottom]
    if not value_cols:  # nothing in it moves with a column: the row stays as it is
        return True
    if any(m.top != m.bottom for m in row_merges):
        return False  # a label merged over several rows cannot be shrunk in one of them
    out.merges = [m for m in out.merges if not (m.top == m.bottom == r)]
    first_old = min(value_cols)
    first_new = min(new_of_old.get(c, c) for c in value_cols)
    # The labels left of the numbers (总分, or 其他需要说明事项 | 无 | 总分), each with its width.
    pieces, c = [], 0
    if first_old == 0 or first_new == 0:
        return False  # no room left of the numbers for the row's label
    while c < first_old:
        m = next((m for m in row_merges if m.left == c), None)
        width = (m.right - m.left + 1) if m else 1
        pieces.append((grid.cells[r][c], width))
        c += width
    widths = _fit([w for _, w in pieces], [t for t, _ in pieces], first_new)
    if widths is None:
        return False
    new_row = [""] * grid.width
    c = 0
    for (text, _), width in zip(pieces, widths):
        if width:
            new_row[c] = text
            if width > 1:
                out.merges.append(Rect(r, c, r, c + width - 1))
            c += width
    # The cells right of the labels move with their columns (numbers and whatever follows them).
    for old in range(first_old, grid.width):
        new = new_of_old.get(old, old)
        text = grid.cells[r][old]
        if not squash(text):
            continue
        if new < first_new or new_row[new]:
            return False  # a text would land among the labels or on another text
        new_row[new] = text
    for m in row_merges:
        if m.left >= first_old:
            cols = [new_of_old.get(c, c) for c in range(m.left, m.right + 1)]
            if len(_runs(cols)) > 1:
                return False
            out.merges.append(Rect(r, min(cols), r, max(cols)))
    out.cells[r] = new_row
    return True


def insert_column(grid: Grid, table: Table, before: int, heading: str, fill) -> Grid:
    """A new table column before column ``before``: ``heading`` in the heading, ``fill(r)`` in indicator rows.

    Merges that span the new column's place grow over it (as Excel does). Rows outside the table
    get no new cell of their own: the cell left of it is widened over it, so they look unchanged.
    """
    table_rows = set(table.rows())
    out = Grid([row[:before] + [""] + row[before:] for row in grid.cells], [])
    for m in grid.merges:
        if m.left >= before:
            out.merges.append(Rect(m.top, m.left + 1, m.bottom, m.right + 1))
        elif m.right >= before:  # spans the new column's place
            out.merges.append(Rect(m.top, m.left, m.bottom, m.right + 1))
        elif m.right == before - 1 and not any(r in table_rows for r in range(m.top, m.bottom + 1)):
            out.merges.append(Rect(m.top, m.left, m.bottom, m.right + 1))  # a cell outside the table widened
        else:
            out.merges.append(m)
    for r in range(len(out.cells)):
        covered = out.covering(r, before)
        if r in table_rows:
            if covered is None or (covered.left == before and covered.top == r):
                if r == table.header_top:
                    out.cells[r][before] = heading
                elif r in table.body():
                    out.cells[r][before] = fill(r)
        elif covered is None and before > 0 and grid.covering(r, before - 1) is None:
            out.merges.append(Rect(r, before - 1, r, before))  # a lone cell outside the table widened
    if table.header_bottom > table.header_top:  # a two-row heading: the new heading spans both rows
        out.merges.append(Rect(table.header_top, before, table.header_bottom, before))
    return out


def insert_heading_row(grid: Grid, table: Table, parent: str, parent_cols: list[int]) -> Grid | None:
    """The one-row heading made two rows: ``parent`` over ``parent_cols``, other headings merged down."""
    h = table.header_top
    out = Grid(grid.cells[:h] + [[""] * grid.width] + [list(row) for row in grid.cells[h:]], [])
    covered_above: set[int] = set()
    for m in grid.merges:
        if m.bottom < h:
            out.merges.append(m)
        elif m.top < h:  # spans the heading row from above: grows by the new row
            out.merges.append(Rect(m.top, m.left, m.bottom + 1, m.right))
        elif m.top > h:
            out.merges.append(Rect(m.top + 1, m.left, m.bottom + 1, m.right))
        else:  # starts on the heading row: its text moves up, the range grows by the new row
            if m.left <= parent_cols[-1] and m.right >= parent_cols[0]:
                return None  # a heading merged over the columns to be split
            out.cells[h][m.left], out.cells[h + 1][m.left] = grid.cells[h][m.left], ""
            out.merges.append(Rect(h, m.left, m.bottom + 1, m.right))
            covered_above.update(range(m.left, m.right + 1))
    for c in range(grid.width):
        if c in parent_cols or c in covered_above or grid.covering(h, c) or not squash(grid.cells[h][c]):
            continue
        out.cells[h][c], out.cells[h + 1][c] = grid.cells[h][c], ""  # a heading merged down over both rows
        out.merges.append(Rect(h, c, h + 1, c))
    out.cells[h][parent_cols[0]] = parent
    out.merges.append(Rect(h, parent_cols[0], h, parent_cols[-1]))
    return out


# ---------------------------------------------------------------------------------------------
# The variants, one function each: spec → variant spec, or None when it does not apply


def cols_reordered(spec: dict) -> dict | None:
    """分值 before 年度指标值 and 得分 before 实际完成值: the value columns in another order."""
    grid = Grid.of(spec)
    table = find_table(grid)
    if table is None:
        return None
    groups = table.groups
    slots = [i for i, g in enumerate(groups) if g.role in REORDERED]
    if len(slots) < 2:
        return None
    wanted = sorted((groups[i] for i in slots), key=lambda g: REORDERED.index(g.role))
    new_groups = list(groups)
    for i, g in zip(slots, wanted):
        new_groups[i] = g
    if new_groups == groups:
        return None
    start = groups[0].cols[0]
    new_cols = [c for g in new_groups for c in g.cols]
    new_of_old = {old: start + i for i, old in enumerate(new_cols)}
    out = permute_columns(grid, table, new_of_old)
    return out.into(spec, "cols-reordered") if out else None


def extra_cols(spec: dict) -> dict | None:
    """度量单位 (blank) after the target, 得分计算方法/评分标准 (text) before 得分, 备注 (blank) at the end."""
    grid = Grid.of(spec)
    table = find_table(grid)
    if table is None:
        return None
    # The method's text only in rows that name an indicator (a placeholder row stays empty).
    named = lambda g, t: lambda r: METHOD_TEXT if names_indicator(g.cells[r][t.name_col]) else ""  # noqa: E731
    roles = {g.role for g in table.groups}
    inserted = 0
    # Right to left, so that the places found before an insertion stay right.
    if "remark" not in roles:
        grid = insert_column(grid, table, table.right + 1, "备注", lambda r: "")
        inserted += 1
        table = find_table(grid)
    score = table.group("score")
    if score is not None and "method" not in roles:
        heading = "评分标准" if spec.get("family", 0) % 2 == 0 else "得分计算方法"  # both spellings, by family
        grid = insert_column(grid, table, score.cols[0], heading, named(grid, table))
        inserted += 1
        table = find_table(grid)
    target = table.group("target")
    if target is not None and not any(
        role_of(grid.value(r, c)) == "measure"
        for c in target.cols
        for r in range(table.header_top, table.header_bottom + 1)
    ):
        grid = insert_column(grid, table, target.cols[-1] + 1, "度量单位", lambda r: "")
        inserted += 1
    return grid.into(spec, "extra-cols") if inserted else None


def two_row_header(spec: dict) -> dict | None:
    """年度指标值 | 实际完成值 under a parent 指标值 (a split target under 年度指标值); the rest merged down."""
    grid = Grid.of(spec)
    table = find_table(grid)
    if table is None or table.header_top != table.header_bottom:
        return None
    target, actual = table.group("target"), table.group("actual")
    if target is None:
        return None
    if len(target.cols) > 1:  # 指标性质 | 指标值 | 度量单位 under 年度指标值, as Yunnan's forms
        parent, cols = "年度指标值", target.cols
    elif actual is not None and actual.cols[0] == target.cols[-1] + 1 and len(actual.cols) == 1:
        parent, cols = "指标值", target.cols + actual.cols
    else:
        return None
    out = insert_heading_row(grid, table, parent, cols)
    return out.into(spec, "two-row-header") if out else None


def _scaled(text: str) -> str:
    """An amount as written, ×10000 (万元 → 元), written plainly."""
    grouped = "," in text
    number = Decimal(text.replace(",", "")) * 10000
    plain = format(number.normalize(), "f")
    if grouped:
        whole, _, frac = plain.partition(".")
        plain = f"{int(whole):,}" + (f".{frac}" if frac else "")
    return plain


def _truth_strings(truth) -> set[str]:
    """Every text the truth holds (cells equal to one are values, never relabelled)."""
    if isinstance(truth, dict):
        return set().union(*(_truth_strings(v) for v in truth.values())) if truth else set()
    if isinstance(truth, list):
        return set().union(*(_truth_strings(v) for v in truth)) if truth else set()
    return {truth.strip()} if isinstance(truth, str) else set()


def yuan(spec: dict) -> dict | None:
    """Amounts in 元 instead of 万元: every amount ×10000, the unit in the labels 元, truth alike."""
    truth = spec.get("truth", {})
    if truth.get("money_unit") != "万元":
        return None
    grid = Grid.of(spec)
    table = find_table(grid)
    table_rows = set(table.rows()) if table else set()
    end = table.header_top if table else len(grid.cells)
    values = _truth_strings(truth)
    out = grid.copy()
    scaled: set[Decimal] = set()
    r = 0
    while r < end:
        amount_cols = [
            c
            for c in range(grid.width)
            if AMOUNT_HEADING_RE.search(squash(grid.value(r, c))) and "率" not in squash(grid.value(r, c))
        ]
        if len({grid.covering(r, c) or (r, c) for c in amount_cols}) < 2:
            r += 1
            continue
        # The funds block's rows: those under its heading, as far as the label merged down its left.
        lead = next(c for c in range(grid.width) if squash(grid.value(r, c)))
        merged = grid.covering(r, lead)
        last = (
            merged.bottom
            if merged and merged.bottom > r
            else next((q - 1 for q in range(r + 1, end) if squash(grid.cells[q][0])), end - 1)
        )
        for q in range(r + 1, last + 1):
            for c in amount_cols:
                text = grid.cells[q][c].strip() if isinstance(grid.cells[q][c], str) else ""
                if NUMBER_RE.match(text):
                    out.cells[q][c] = _scaled(text)
                    scaled.add(Decimal(text.replace(",", "")))
        r = last + 1
    relabelled = 0
    for q, row in enumerate(out.cells):
        if q in table_rows:
            continue
        for c, text in enumerate(row):
            if isinstance(text, str) and "万元" in text and text.strip() not in values:
                new = WAN_AFTER_UNIT_RE.sub(r"\1元", WAN_IN_BRACKETS_RE.sub(r"\1元\2", text))
                if new != text:
                    row[c] = new
                    relabelled += 1
    new_truth = copy.deepcopy(truth)
    new_truth["money_unit"] = "元"
    for name in AMOUNT_FIELDS:
        for part, amount in (new_truth.get(name) or {}).items():
            if amount is None:
                continue
            if Decimal(repr(float(amount))) not in scaled:
                return None  # an amount the truth reads that no funds cell holds: not this layout
            new_truth[name][part] = float(Decimal(repr(float(amount))) * 10000)
    if not relabelled or not scaled:
        return None
    return out.into(spec, "yuan", new_truth)


def _op_at(text: str) -> tuple[str, str] | None:
    """(spelling, class) of the operator a target starts with."""
    text = text.strip() if isinstance(text, str) else ""
    return next(((s, k) for s, k in OP_PREFIXES if text.startswith(s)), None)


def lookalike_ops(spec: dict) -> dict | None:
    """≥ ≤ = in targets written as ≧ ≦ ═ / ＞＝ / >= (and back): cells and truth targets alike."""
    grid = Grid.of(spec)
    table = find_table(grid)
    target = table.group("target") if table else None
    if target is None:
        return None
    places = [(r, c) for r in table.body() for c in target.cols if _op_at(grid.cells[r][c])]
    indicators = [
        i for i in spec["truth"].get("indicators", []) if isinstance(i.get("target"), str) and _op_at(i["target"])
    ]
    if not places or len(places) != len(indicators):
        return None  # the cells' operators and the truth's cannot be matched one to one
    out = grid.copy()
    truth = copy.deepcopy(spec["truth"])
    wanted = iter([i for i in truth["indicators"] if isinstance(i.get("target"), str) and _op_at(i["target"])])
    used = {k: 0 for k in OP_SPELLINGS}
    for (r, c), indicator in zip(places, wanted):
        text = grid.cells[r][c].strip()
        spelling, kind = _op_at(text)
        if _op_at(indicator["target"])[1] != kind:
            return None
        choices = [s for s in OP_SPELLINGS[kind] if s != spelling]
        new = choices[used[kind] % len(choices)]  # the spellings taken in turn, so one form shows several
        used[kind] += 1
        out.cells[r][c] = new + text[len(spelling) :]
        old = _op_at(indicator["target"])[0]
        indicator["target"] = new + indicator["target"].strip()[len(old) :]
    return out.into(spec, "lookalike-ops", truth)


def offset(spec: dict) -> dict | None:
    """The whole form starting at C4 instead of A1."""
    grid = Grid.of(spec)
    width = grid.width + OFFSET_COLS
    cells = [[""] * width for _ in range(OFFSET_ROWS)] + [[""] * OFFSET_COLS + row for row in grid.cells]
    merges = [
        Rect(m.top + OFFSET_ROWS, m.left + OFFSET_COLS, m.bottom + OFFSET_ROWS, m.right + OFFSET_COLS)
        for m in grid.merges
    ]
    return Grid(cells, merges).into(spec, "offset")


def _relabel(text: str) -> str:
    """A label with brackets and colons of the other width (in a 标签：值 cell only the label's)."""
    colon = min((i for i in (text.find(":"), text.find("：")) if i >= 0), default=-1)
    if colon >= 0:
        return text[: colon + 1].translate(WIDTH_SWAP) + text[colon + 1 :]
    squashed = squash(text)
    if text.strip() in SPACED_LABELS and text == squashed:
        return (" " if len(text) > 2 else "  ").join(text)  # 项 目 名 称, 得  分
    return text.translate(WIDTH_SWAP)


def fullwidth_labels(spec: dict) -> dict | None:
    """Labels' brackets and colons swapped to the other width, spaces inside short labels."""
    grid = Grid.of(spec)
    values = _truth_strings(spec.get("truth", {}))
    out = grid.copy()
    changed = 0
    for row in out.cells:
        for c, text in enumerate(row):
            if not isinstance(text, str) or text.strip() in values:
                continue  # a value the truth reads stays as written
            if not (squash(text).startswith(LABEL_STEMS) or WEIGHT_ONLY_RE.match(squash(text))):
                continue
            new = _relabel(text)
            if new != text:
                row[c] = new
                changed += 1
    return out.into(spec, "fullwidth-labels") if changed else None


def cover_sheet(spec: dict) -> dict | None:
    """A 填报说明 sheet before the form (``first``: make_layouts.build puts it in front).

    A form published with its own 填报说明 (after the form) gets that one moved to the front.
    """
    out = copy.deepcopy(spec)
    extra = out.get("extra_sheets") or []
    own = [s for s in extra if s.get("name") == COVER_NAME]
    if own:
        own[0]["first"] = True
        out["extra_sheets"] = own + [s for s in extra if s is not own[0]]
    else:
        out["extra_sheets"] = [{"name": COVER_NAME, "rows": copy.deepcopy(COVER_ROWS), "first": True}] + extra
    out["variant"] = "cover-sheet"
    return out


#: Every variant, by name, in the order they are made.
VARIANTS = (
    ("cols-reordered", cols_reordered),
    ("extra-cols", extra_cols),
    ("two-row-header", two_row_header),
    ("yuan", yuan),
    ("lookalike-ops", lookalike_ops),
    ("offset", offset),
    ("fullwidth-labels", fullwidth_labels),
    ("cover-sheet", cover_sheet),
)


def variants(spec: dict) -> list[tuple[str, dict]]:
    """(name, spec) of every layout variant that applies to ``spec``; ``spec`` itself is left as it is."""
    out = []
    for name, make in VARIANTS:
        made = make(copy.deepcopy(spec))
        if made is not None:
            out.append((name, made))
    return out
