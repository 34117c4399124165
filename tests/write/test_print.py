"""The template prints as the official form does: one A4 portrait page, every label and text on it.

Printed by LibreOffice headless (all workbooks in one soffice call), read back with poppler's
pdfinfo and pdftotext, as a person checks a print preview.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from perfxl.model import Form
from perfxl.write import TITLE, TemplateOptions, write_template
from tests.support.libreoffice import pdf_info, recalculate_many
from tests.support.tools import require

SEED = Path(__file__).resolve().parents[2] / "examples" / "truth" / "05.json"

#: What the page shows from top to bottom, the rightmost column's heading included.
LABELS = (
    "填报单位",
    "金额单位",
    "一、基本情况",
    "二、预算执行情况",
    "三、目标完成情况",
    "四、年度绩效指标完成情况",
    "复核得分",
    "五、存在问题、原因及下一步整改措施",
    "填报人",
    "联系电话",
)


@pytest.fixture(scope="module")
def seed() -> Form:
    return Form.model_validate(json.loads(SEED.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory, seed) -> dict[str, Path]:
    """blank (udf, the default), blank-native and filled (seed 05, native) printed to PDF."""
    folder = tmp_path_factory.mktemp("print")
    workbooks = [
        write_template(folder / "blank.xlsx"),
        write_template(folder / "blank-native.xlsx", options=TemplateOptions(formulas="native")),
        write_template(folder / "filled.xlsx", seed, options=TemplateOptions(formulas="native")),
    ]
    return {pdf.stem: pdf for pdf in recalculate_many(workbooks, folder / "pdf", to="pdf")}


def _text(pdf: Path) -> str:
    """The page's text without any white space (wrapped cells break lines anywhere).

    In drawing order (-raw): the lines of one wrapped cell come one after the other. LibreOffice
    leaves out of the PDF the lines a too-low row cuts off, so a cut text is missing here.
    """
    out = subprocess.run(
        [require("pdftotext", "poppler-utils"), "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return "".join(out.split())


@pytest.mark.parametrize("name", ["blank", "blank-native", "filled"])
def test_one_a4_portrait_page(pdfs, name):
    info = pdf_info(pdfs[name])
    assert info["Pages"] == "1"
    width, height = (float(v) for v in info["Page size"].split(" pts")[0].split(" x "))
    assert (round(width), round(height)) == (595, 842)  # A4 portrait, not landscape


@pytest.mark.parametrize(("name", "year"), [("blank", "（年度）"), ("filled", "（2020年度）")], ids=["blank", "filled"])
def test_page_shows_every_section(pdfs, name, year):
    text = _text(pdfs[name])
    assert TITLE in text and year in text
    for label in LABELS:
        assert "".join(label.split()) in text, label


def test_filled_page_shows_long_texts_in_full(pdfs, seed):
    text = _text(pdfs["filled"])
    for value in (
        seed.goal,
        seed.achievement,
        seed.problems,
        seed.project,
        seed.unit,
        seed.filled_by,
        *(ind.name for ind in seed.indicators),
    ):
        assert "".join(value.split()) in text, value
