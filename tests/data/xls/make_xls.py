"""Make the .xls workbooks of tests/test_xls.py with headless LibreOffice (BIFF8, as Excel 97-2003).

- ``NN-*.xls``: the seed forms ``examples/forms/NN-*.xlsx``, converted;
- ``formats.xls``: one sheet of numbers in percent, date and other formats (written with openpyxl,
  then converted), to check which cells read as percentages.

The files are committed, so that the tests need no LibreOffice and read the same bytes each run.
Run from the repository root after changing a seed form: ``python3 tests/data/xls/make_xls.py``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[3]

from tests.support.libreoffice import recalculate_many

HERE = Path(__file__).resolve().parent

#: formats.xls: (cell, value, number format), and whether the cell is a percentage.
FORMATS = [
    ("A1", "项目名称", "General", False),
    ("B2", 0.985, "0.0%", True),
    ("C2", 0.25, "0%;[Red]-0%", True),
    ("D2", 0.5, '0.0\\%', True),  # "%" shown as text: still "%" in the code, as the .xlsx path says
    ("E2", 1, "0%", True),
    ("F2", "98.5", "0.00%", True),  # text typed into a percent cell
    ("G2", "=B2*2", "0%", True),
    ("B3", 45000, "yyyy-mm-dd", False),
    ("C3", 45000.5, 'yyyy"年"m"月"d"日"', False),
    ("D3", 0.5, "h:mm", False),
    ("E3", 12, "0.00", False),
    ("F3", 3.94, "#,##0.00", False),
]


def write_formats(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "格式"
    for ref, value, fmt, _percent in FORMATS:
        ws[ref] = value
        ws[ref].number_format = fmt
    wb.save(path)
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sources = sorted((ROOT / "examples" / "forms").glob("[0-9][0-9]-*.xlsx"))
        sources.append(write_formats(Path(tmp) / "formats.xlsx"))
        for out in recalculate_many(sources, HERE, to="xls"):
            print(out.relative_to(ROOT))


if __name__ == "__main__":
    main()
