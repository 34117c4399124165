"""Tests of perfxl.read: the seed forms read as their truth, and layout variants read the same.

The variants come from ``scripts.make_variants`` and are written into ``tmp_path``.
"""

from __future__ import annotations

import json
import re

import pytest

from perfxl.model import Form
from perfxl.read import read_forms
from scripts import make_variants as mv
from tests.support.seed import N_FORMS, XLSX, seed_texts, truth, xlsx_form
from tests.support.seed import dump_forms as txt_forms

FIELDS = [f for f in Form.model_fields if f not in ("computed", "source")]


def written(form: Form) -> dict:
    """Form.as_written() as JSON sees it (numbers compare by value: 4 == 4.0)."""
    return json.loads(json.dumps(form.as_written(), ensure_ascii=False))


def assert_same(got: dict, expected: dict, what: str) -> None:
    """Field by field, so that a failure names the field."""
    for name in FIELDS:
        assert got[name] == expected[name], f"{what}: {name}"


# ---------------------------------------------------------------------------------------------
# the seed forms


def test_seed_counts():
    assert len(txt_forms()) == N_FORMS
    assert len(XLSX) == N_FORMS
    assert len(seed_texts()) == N_FORMS


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("n", range(1, N_FORMS + 1))
def test_seed_text_field(n, field):
    got = written(txt_forms()[n - 1])
    assert got[field] == truth(n)[field]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("n", range(1, N_FORMS + 1))
def test_seed_xlsx_field(n, field):
    got = written(xlsx_form(n))
    assert got[field] == truth(n)[field]


def test_seed_locations_point_at_cells():
    form = xlsx_form(1)
    assert form.source.sheet == "自评表"
    assert form.location("project") == "自评表!C9"
    assert form.location("budget.total") == "自评表!C11"
    assert txt_forms()[0].location("project") == "line 9"


# ---------------------------------------------------------------------------------------------
# layout variants (text)


@pytest.mark.parametrize("n", range(1, N_FORMS + 1))
@pytest.mark.parametrize("kind", sorted(mv.VARIANTS))
def test_variant_text(kind, n, tmp_path):
    rows, expected = mv.make_variant(kind, seed_texts()[n - 1], truth(n), seed=n)
    forms = read_forms(mv.write_rows_text(rows, tmp_path / f"{n:02d}-{kind}.txt"))
    assert len(forms) == 1
    assert_same(written(forms[0]), expected, f"{kind} #{n}")


def test_variant_punct_really_changes_labels():
    rows, _ = mv.make_variant("punct", seed_texts()[0], truth(1))
    cells = [c for r in rows for c in r]
    assert "项 目 名 称" in cells
    assert any(c.startswith("实 施 （ 主 管 ） 单 位") for c in cells)
    assert any(c.startswith("填 报 单 位 :") for c in cells)  # ：→ :
    assert "产出指标（90分）" in cells


def test_variant_inline_really_joins_cells():
    rows, _ = mv.make_variant("inline", seed_texts()[0], truth(1))
    cells = [c for r in rows for c in r]
    assert "项目名称：党建经费" in cells
    assert "预算数：0.7" in cells


def test_variant_next_row_puts_values_below_labels():
    rows, _ = mv.make_variant("next_row", seed_texts()[0], truth(1))
    i = next(i for i, r in enumerate(rows) if "项目名称" in r)
    col = rows[i].index("项目名称")
    assert rows[i + 1][col] == "党建经费"
    j = next(i for i, r in enumerate(rows) if "预算数:" in r)
    assert rows[j + 1][rows[j].index("预算数:")] == "0.7"


def test_variant_headings_on_own_rows():
    rows, _ = mv.make_variant("headings", seed_texts()[0], truth(1))
    texts = [[c for c in r if c.strip()] for r in rows]
    assert ["产出指标(90分)"] in texts
    assert ["数量指标"] in texts


def test_variant_weights_read_into_weight():
    rows, expected = mv.make_variant("weights", seed_texts()[12], truth(13))
    assert [i["weight"] for i in expected["indicators"]] == [13.33, 13.33, 13.33, 10, 40, 10]
    assert any("分值" in r for r in rows)


def test_variant_drift_shifts_rows():
    original = mv.rows_of(seed_texts()[0])
    rows, _ = mv.make_variant("drift", seed_texts()[0], truth(1), seed=3)
    assert rows != original
    assert [[c for c in r if c] for r in rows] == [[c for c in r if c] for r in original]


# ---------------------------------------------------------------------------------------------
# workbooks: a form at C5 with percent cells; two sheets and a hidden one


@pytest.mark.parametrize("n", range(1, N_FORMS + 1))
def test_variant_xlsx_at_c5(n, tmp_path):
    rows = mv.rows_of(seed_texts()[n - 1])
    path = mv.write_rows_xlsx(rows, tmp_path / f"{n:02d}.xlsx", first_row=5, first_col=3)
    forms = read_forms(path)
    assert len(forms) == 1
    assert_same(written(forms[0]), truth(n), f"C5 #{n}")
    m = re.fullmatch(r"自评表!([A-Z]+)(\d+)", forms[0].location("project"))
    assert m and m.group(1) >= "C" and int(m.group(2)) >= 5


def test_xlsx_percent_cells_are_fractions(tmp_path):
    from openpyxl import load_workbook

    rows = mv.rows_of(seed_texts()[1])  # 翻译费: 98.5%, 100%
    path = mv.write_rows_xlsx(rows, tmp_path / "p.xlsx", first_row=5, first_col=3)
    ws = load_workbook(path).active
    stored = [c for row in ws.iter_rows() for c in row if c.value == 0.985]
    assert stored and stored[0].number_format == "0.0%"
    form = read_forms(path)[0]
    assert "98.5%" in [i.actual for i in form.indicators]


def test_two_sheets_and_a_hidden_one(tmp_path):
    texts = seed_texts()
    path = mv.write_multi_sheet_xlsx(
        [mv.rows_of(texts[0]), mv.rows_of(texts[9])], tmp_path / "two.xlsx", hidden=[mv.rows_of(texts[4])]
    )
    forms = read_forms(path)
    assert [f.project for f in forms] == ["党建经费", "项目考察评审经费"]
    assert [f.source.sheet for f in forms] == ["表1", "表2"]
    assert_same(written(forms[0]), truth(1), "sheet 1")
    assert_same(written(forms[1]), truth(10), "sheet 2")


def test_make_variants_main_writes_files(tmp_path):
    assert mv.main([str(tmp_path)]) == 0
    assert len(list(tmp_path.glob("*.txt"))) == N_FORMS * len(mv.VARIANTS)
    expected = json.loads((tmp_path / "13-weights.json").read_text(encoding="utf-8"))
    assert expected["indicators"][0]["weight"] == 13.33
