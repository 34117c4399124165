"""Fuzzing: the value parser and the reader's grid input take anything; files fail only with ReadError."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from perfxl.checker import check_form
from perfxl.engine import scored
from perfxl.load import Grid, ReadError
from perfxl.model import Form
from perfxl.read import parse_grid, read_forms
from perfxl.read.cells import LABELS
from perfxl.values import ParsedValue, parse_value
from tests.adversarial import hostile as h

#: Words a grid may hold: every label spelling, headings, the title, values people write, error values.
WORDS = sorted(
    {w for spec in LABELS for w in spec.words}
    | {
        h.TITLE,
        "(2020年度)",
        "一级指标",
        "二级指标",
        "三级指标",
        "预期指标值",
        "实际完成值",
        "分值",
        "自评得分",
        "产出指标(50)",
        "效益指标",
        "满意度指标(10分)",
        "预算执行率指标(10分)",
        "预算执行率",
        "数量指标",
        "总分",
        "合计",
        "指标 1",
        "...",
        "≥95%",
        "≥40个",
        "100%",
        "达成",
        "#DIV/0!",
        "#NAME?",
        "NaN",
        "inf",
        "１２３",
        "1,234.5",
        "=SUM(A1)",
        "-2+3+cmd|' /C calc'!A0",
        "五、",
        "四、",
        "二、",
        "：",
        "\t",
        "\r",
    }
)

texts = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=30),
    st.builds(lambda a, b: a + b, st.sampled_from(WORDS), st.text(max_size=12)),
)
numbers = st.one_of(st.integers(min_value=-(10**20), max_value=10**20), st.floats(allow_nan=True, allow_infinity=True))
moments = st.one_of(st.dates(), st.datetimes(), st.times(), st.timedeltas())
cell_values = st.one_of(st.none(), st.just(""), texts, numbers, moments, st.booleans())


@settings(deadline=None)
@given(value=st.one_of(st.none(), texts, numbers, st.booleans()), percent_cell=st.booleans())
@example(value="１２３", percent_cell=False)
@example(value=10**400, percent_cell=True)
@example(value="9" * 400, percent_cell=False)
def test_parse_value_never_raises(value, percent_cell):
    parsed = parse_value(value, percent_cell=percent_cell)
    assert isinstance(parsed, ParsedValue) and isinstance(parsed.raw, str)
    assert parsed.number is None or math.isfinite(parsed.number)
    assert parsed.op is None or parsed.op in (">=", "<=", ">", "<", "=")


@st.composite
def grids(draw):
    """A grid of random cells with labels mixed in, and random percent and formula marks."""
    n_rows = draw(st.integers(min_value=0, max_value=40))
    rows = [draw(st.lists(cell_values, max_size=10)) for _ in range(n_rows)]
    spots = st.tuples(st.integers(0, max(n_rows - 1, 0)), st.integers(0, 9))
    return Grid(
        rows=rows,
        file="fuzz.xlsx",
        sheet=draw(st.sampled_from(["自评表", "=A1", "Sheet 1"])),
        percent=draw(st.sets(spots, max_size=8)),
        no_value=draw(st.dictionaries(spots, st.text(max_size=8), max_size=4)),
        clipped=draw(st.booleans()),
    )


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grid=grids())
def test_parse_grid_never_raises_and_forms_can_be_checked(grid):
    forms = parse_grid(grid)
    assert all(isinstance(f, Form) for f in forms)
    for form in forms:
        check_form(scored(form))


_CLEAN = h.xlsx_bytes(h.form_rows())


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(deadline=None)
@given(
    flips=st.lists(st.tuples(st.integers(0, len(_CLEAN) - 1), st.integers(0, 255)), min_size=1, max_size=8),
    cut=st.integers(0, len(_CLEAN)),
    suffix=st.sampled_from([".xlsx", ".xls", ".ods", ".txt", ".json", ".xlsm"]),
)
@example(flips=[(807, 9)], cut=0, suffix=".xlsx")  # found by this test: a part cut short (zipfile's EOFError)
def test_a_damaged_file_fails_only_with_read_error(folder, flips, cut, suffix):
    data = bytearray(_CLEAN)
    for at, byte in flips:
        data[at] = byte
    path = folder / f"坏{suffix}"
    path.write_bytes(bytes(data[:cut] if cut > 30 else data))
    try:
        forms = read_forms(path)
    except ReadError as exc:
        assert exc.reason and str(path) == exc.path
    else:
        assert all(isinstance(f, Form) for f in forms)
