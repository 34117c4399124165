"""Labels and their values: sections 一 to 三, 五 and what stands around them.

Each label takes the values that follow it in its row up to the next label; a label with none
takes the unclaimed cells of the next row, matched by order and column (:func:`~perfxl.read.align.align`).
A funds table (项目资金: 年初预算数 | 全年预算数 | …) met on the way is read by :mod:`perfxl.read.funds`.
"""

from __future__ import annotations

from .align import align
from .builder import FormBuilder
from .cells import BLOCKS, SECTION_RE, Cell, first_rate, is_rate, starts_numeric
from .funds import funds_header, funds_row_part, take_amount, take_funds_row


def _funds_row_follows(rows: list[list[Cell]], at: int) -> bool:
    """Whether the next row holding anything is a funds row (年度资金总额 …): headings over values
    with no row label (预算数: | 到位数: over 0.7 | 0.7) are labels waiting for their values."""
    for row in rows[at + 1 : at + 3]:
        if row:
            return funds_row_part(row) is not None
    return False


def _may_head_funds(row: list[Cell]) -> bool:
    """Whether a row may be a funds table's headings: no number in it (the seed's 预算数: 0.7 |
    到位数: 0.7 is labels with their values; a heading may hold digits: 预算执行情况(10分)), and a
    cell that starts like an amount heading (全年预算数(A), 年初预算数, 预算执行数)."""
    for c in row:  # most rows have no such heading: they cost this loop only
        if "预算" in c.text or "执行数" in c.text:
            break
    else:
        return False
    return all(isinstance(c.value, str) and not starts_numeric(c.text) for c in row)


def scan_labels(b: FormBuilder, rows: list[list[Cell]]) -> None:
    """Pass 1: every label takes its value from its row, or from the next row."""
    block = "budget"
    open_labels: list[Cell] = []  # labels of the previous row still waiting for a value
    progress_label: Cell | None = None  # 预算执行进度 may find its value anywhere in section 二
    # section 二's rows, for a stated progress without a label: their cells unclaimed at the end are
    # those unclaimed when the row was read (a cell is never unclaimed), so none is filtered till then
    budget_rows: list[list[Cell]] = []
    in_budget = False
    funds: dict[int, str] | None = None  # the columns of a funds table being read
    for at, row in enumerate(rows):
        if not row:
            continue
        if funds is not None:
            found = funds_row_part(row)
            if found is not None:
                take_funds_row(b, row, found[0], found[1], funds)
                for c in row[: found[0] + 1]:
                    c.claimed = True
                continue
            if _funds_row_follows(rows, at):  # a source of funds perfxl does not add (单位资金)
                for c in row:
                    c.claimed = True
                continue
            funds = None
        if _may_head_funds(row) and _funds_row_follows(rows, at):
            funds = funds_header(row)
            if funds is not None:
                in_budget = True
                for c in row:  # the table's amount columns are the form's lines, filled or not
                    if funds.get(c.col) in ("initial_budget", "budget", "received", "spent"):
                        b.locations.setdefault(f"{funds[c.col]}.total", b.grid.ref(c.row, c.col))
                for c in row:
                    c.claimed = c.claimed or c.col in funds
                open_labels = []
                continue
        labels = []  # a plain loop: a comprehension is a call of its own, for a row's few cells
        for i, c in enumerate(row):
            if c.label is not None:
                labels.append(i)
        new_open: list[Cell] = []
        part_count: dict[str, int] = {}
        n_parts: dict[str, int] | None = None  # 财政资金 / 其他 labels in the row, counted when needed
        for k, i in enumerate(labels):
            cell = row[i]
            cell.claimed = True
            spec = cell.label
            assert spec is not None  # labels holds labelled cells only
            segment = row[i + 1 : labels[k + 1]] if k + 1 < len(labels) else row[i + 1 :]
            kind = spec.kind
            if kind == "section":
                m = SECTION_RE.match(cell.text)
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
                if where == "*":
                    nth = part_count.get(part, 0)
                    part_count[part] = nth + 1
                    if n_parts is None:
                        n_parts = {"fiscal": 0, "other": 0, "carryover": 0}
                        for c in row:
                            if c.label is not None and c.label.kind == "amount" and c.label.block == "*":
                                n_parts[c.label.part] += 1
                    where = BLOCKS[nth] if n_parts[part] > 1 and nth < 3 else block
                else:
                    block = where
                if not take_amount(b, cell, segment, where, part):
                    # a column heading (全年预算数 | 全年执行数 | 财政资金) whose value stands below it
                    cell.waits_for = f"{where}.{part}"
                    new_open.append(cell)
                continue
            name = spec.field
            if name == "stated_progress":
                value = cell.inline or first_rate(segment)
                if value:
                    b.put_text(
                        name,
                        value if isinstance(value, Cell) else cell,
                        value.text if isinstance(value, Cell) else value,
                    )
                    if isinstance(value, Cell):
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
            for li, vi in align([c.col for c in open_labels], [c.col for c in free]):
                free[vi].claimed = True
                waits = open_labels[li].waits_for
                if "." in waits:
                    block, part = waits.split(".")
                    take_amount(b, open_labels[li], [free[vi]], block, part)
                else:
                    b.put_text(waits, free[vi], free[vi].text)
        if progress_label is not None and in_budget:
            rate = first_rate(row)  # the first rate not claimed
            if rate is not None:
                rate.claimed = True
                b.put_text("stated_progress", rate, rate.text)
                progress_label = None
        if in_budget:
            budget_rows.append(row)
        open_labels = new_open
    if "stated_progress" not in b.data:
        rates = [c for row in budget_rows for c in row if not c.claimed and is_rate(c)]
        if len(rates) == 1:
            b.put_text("stated_progress", rates[0], rates[0].text)
