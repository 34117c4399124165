"""Forms in grids: where each form of a grid starts, and the Form made of what the passes found.

A form is read in three passes over its rows (:mod:`perfxl.read.labels` above the indicator table,
:mod:`perfxl.read.table` for it, labels again below it); perfxl's own workbooks are read by their
defined names instead (:mod:`perfxl.read.named`). Use :func:`read_forms` for a file,
:func:`parse_grid` for cells you already have.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from ..load import JSON_SUFFIXES, MAX_COLS, MAX_ROWS, Grid, ReadError, load_grids
from ..model import DEPARTMENT, EXECUTION, EXECUTION_L2, PROJECT, Amounts, Form, Indicator, ReadNote, Source
from ..values import normalize_text
from .builder import FormBuilder
from .cells import Cell, grid_cells
from .labels import scan_labels
from .layouts import DEPARTMENT_LEVEL1_RE, DEPARTMENT_TITLE_RE, MONEY_IN_HEADING_RE, TITLE_RE, TITLE_YEAR_RE, YEAR_RE
from .named import has_form_names, parse_named
from .table import find_header, scan_table


def _form_starts(rows: list[list[Cell]]) -> list[int]:
    """Rows where a form's title stands; a grid with no title is one form from its first row.

    ``rows``: the grid's cells (a title is non-empty text, so the empty cells need no look).
    """
    starts = []
    for r, row in enumerate(rows):
        for cell in row:
            # first the cheaper test of cell.text, which is a text value stripped (its value is
            # looked at only then)
            if (
                "绩" in cell.text
                and isinstance(value := cell.value, str)
                and "绩" in value
                and TITLE_RE.search(value)
                and len(value) <= 60
            ):
                starts.append(r)
                break
    if not starts:
        return [0]
    starts[0] = 0  # what stands above the first title (附件 3 …) belongs to it
    return starts


def _parse_region(grid: Grid, rows: list[list[Cell]], start: int, stop: int) -> Form | None:
    """The form in rows [start, stop) of the grid, whose cells are ``rows``; None when there is none."""
    b = FormBuilder(grid)
    header_at, header = find_header(rows)
    if header_at is None or header is None:
        scan_labels(b, rows)
    else:
        scan_labels(b, rows[:header_at])
        body = header_at + header.rows
        used = scan_table(b, rows[body:], header, by_column=grid.sheet is not None)
        scan_labels(b, rows[body + used :])
    # Indicators, a key field or an amount make a form; so do the title and a key field's label:
    # a blank form (nothing filled in) is still a form, its findings say what is missing. Tested
    # in this order, so that a filled form costs no search for its title.
    key_fields = ("project", "unit", "filled_by")
    if not (
        b.indicators
        or any(k in b.data for k in key_fields)
        or any("total" in a for a in b.amounts.values())
        or any(k in b.locations for k in key_fields)
        and any(TITLE_RE.search(c.text) for row in rows[:10] for c in row)
    ):
        return None
    _note_unread_cells(b, grid, start, stop)
    year = None
    top = rows[: header_at if header_at is not None else len(rows)]
    for pattern in (YEAR_RE, TITLE_YEAR_RE):  # 2020年度 anywhere above the table, else a title's 2022年
        for cell in (c for row in top for c in row):
            m = pattern.search(cell.text)
            if m and (pattern is YEAR_RE or len(cell.text) <= 60):
                year = int(m.group(1))
                break
        if year:
            break
    data = b.data
    _add_funds_indicator(b)
    return Form(
        year=year,
        kind=_kind(data, top, b.indicators),
        unit=data.get("unit"),
        department=data.get("department"),
        implementing_unit=data.get("implementing_unit"),
        project=data.get("project"),
        money_unit=_money_unit(data.get("money_unit"), top),
        initial_budget=Amounts(**b.amounts["initial_budget"]),
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
        source=Source(
            file=grid.file,
            sheet=grid.sheet,
            locations=b.locations,
            notes=b.notes,
            columns=[header.by_col[c] for c in sorted(header.by_col)] if header is not None else [],
        ),
    )


def _kind(data: dict, top: list[list[Cell]], indicators: list[Indicator]) -> str:
    """A department's form by its title (部门整体支出…) or its rubric's 一级 (部门决策…); a fund is
    sometimes published under a department form's title, and then its 项目名称 tells."""
    if data.get("project"):
        return PROJECT
    if any(DEPARTMENT_TITLE_RE.search(c.text) for row in top[:8] for c in row):
        return DEPARTMENT
    return DEPARTMENT if any(DEPARTMENT_LEVEL1_RE.match(i.level1) for i in indicators) else PROJECT


def _money_unit(written: str | None, top: list[list[Cell]]) -> str | None:
    """金额单位 as written (万 is 万元), else the unit a heading names: 项目资金（万元）, 单位：元."""
    if written:
        return "万元" if normalize_text(written) in ("万", "万元") else written
    for row in top:
        for cell in row:
            if "元" in cell.text:
                m = MONEY_IN_HEADING_RE.search(cell.text)
                if m:
                    return m.group(1) or m.group(2)
    return None


def _add_funds_indicator(b: FormBuilder) -> None:
    """The funds table's 分值 and 得分 as the 预算执行率 indicator, first (it stands above the table),
    unless the table has its own 预算执行率 row."""
    weight, score = b.data.get("funds_weight"), b.data.get("funds_score")
    if weight is None and score is None or any(i.is_execution for i in b.indicators):
        return
    rate = b.data.get("stated_progress")
    b.indicators.insert(
        0, Indicator(level1=EXECUTION, level2=EXECUTION_L2, name=EXECUTION_L2, actual=rate, weight=weight, score=score)
    )
    moved = {}
    for path, where in b.locations.items():  # every indicator moves one down
        if path.startswith("indicators."):
            head, _, rest = path[len("indicators.") :].partition(".")
            path = f"indicators.{int(head) + 1}" + (f".{rest}" if rest else "")
        moved[path] = where
    for key, path in (("funds_weight", "weight"), ("funds_score", "score"), ("stated_progress", "actual")):
        if key in b.locations:
            moved[f"indicators.0.{path}"] = b.locations[key]
    moved["indicators.0"] = moved.get("indicators.0.weight") or moved.get("indicators.0.score", "")
    b.locations.clear()
    b.locations.update(moved)
    if weight is not None:
        b.level1_weights.setdefault(EXECUTION, weight)


def _note_unread_cells(b: FormBuilder, grid: Grid, start: int, stop: int) -> None:
    """Notes for what the grid could not show in rows [start, stop): formulas never calculated
    (they read as empty, so a number there would silently be missing) and a sheet cut at the limits."""
    for r, c in sorted(grid.no_value):
        if start <= r < stop:
            b.uncalculated(r, c)
    if grid.clipped:
        b.notes.append(
            ReadNote(
                code="sheet-clipped",
                location=grid.ref(min(len(grid.rows), MAX_ROWS) - 1, 0) if grid.rows else "",
                message=f"{'文本' if grid.sheet is None else '工作表'}超过 {MAX_ROWS} 行或 {MAX_COLS} 列，超出部分未读取",
            )
        )


def parse_grid(grid: Grid) -> list[Form]:
    """Every form in a grid (a text dump may hold many; a sheet usually one).

    Args:
        grid: the cells.

    Returns:
        The forms found, in order; empty when the grid holds none.
    """
    if grid.names and has_form_names(grid):
        return [parse_named(grid)]
    rows = grid_cells(grid, 0, len(grid.rows))  # each form takes its own rows of these
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
    """Forms as ``perfxl read --json`` prints them: one object or an array.

    What is read is bounded before it is parsed (``load.MAX_JSON_BYTES``, ``MAX_JSON_CONTAINERS``
    objects and arrays, ``MAX_JSON_FORMS`` forms): a few MB of ``[{},{},…]`` would be millions of
    objects, each a form to validate.
    """
    from ..load import (
        MAX_CELL_CHARS,
        MAX_JSON_BYTES,
        MAX_JSON_CONTAINERS,
        MAX_JSON_FORMS,
        cut_long_strings,
        read_regular,
    )

    raw = read_regular(path, MAX_JSON_BYTES)  # a regular file only: /dev/zero or a FIFO never ends
    if raw.count(b"{") + raw.count(b"[") > MAX_JSON_CONTAINERS:  # braces in strings count too: an upper bound
        raise ReadError(path, f"JSON 文件中的对象和数组超过 {MAX_JSON_CONTAINERS} 个，未读取")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except ValueError as exc:  # not UTF-8, not JSON, an integer of more than 4,300 digits
        why = "有超过 4300 位的整数" if "integer string conversion" in str(exc) else str(exc)[:160]
        raise ReadError(path, f"不是有效的 JSON 文件（{why}）") from exc
    except RecursionError as exc:  # [[[[…]]]] nested deeper than Python's stack
        raise ReadError(path, "不是有效的 JSON 文件（嵌套层数过多）") from exc
    if len(raw) > MAX_CELL_CHARS:  # it may hold a text longer than a cell's
        data = cut_long_strings(data)
    items = data if isinstance(data, list) else [data]
    if len(items) > MAX_JSON_FORMS:
        raise ReadError(path, f"JSON 文件中的表超过 {MAX_JSON_FORMS} 张（{len(items)} 张），未读取，请拆分后再提交")
    forms = []
    for i, item in enumerate(items):
        try:
            if isinstance(item, dict):
                item = {k: v for k, v in item.items() if k not in ("computed",)}
            form = Form.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])[:80]
            raise ReadError(path, f"第 {i + 1} 张表的 {where} 无效：{first['msg']}") from exc
        form.source = Source(file=str(path), sheet=None, method="json")
        forms.append(form)
    if not forms:
        raise ReadError(path, "JSON 文件中没有绩效自评表")
    return forms
