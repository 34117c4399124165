#!/usr/bin/env python3
"""Render the official template to PNG for the README: blank, and filled with a seed form.

Run from the repository root::

    python3 -m scripts.render_docs                       # docs/images/template-blank.png, …-filled.png
    python3 -m scripts.render_docs --seed examples/truth/07.json --out /tmp/look

Both workbooks use the native formulas, so that LibreOffice, which recalculates every formula on
load here (the forced-recalculation profile of tests/support/libreoffice.py), prints the numbers it
computes itself, not only the cached ones. The path is the one a user's printer takes: xlsx →
LibreOffice headless (one call for both files) → PDF → ``pdftoppm -png -r 110``. Each PDF must be
one A4 portrait page; the script says so when it is not and exits with 1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from perfxl.model import Form
from perfxl.write import TemplateOptions, write_template
from tests.support.libreoffice import pdf_info, recalculate_many

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_SEED = ROOT / "examples" / "truth" / "05.json"
DPI = 110


def write_workbooks(folder: Path, seed: Path) -> list[Path]:
    """The blank template and the seed form filled in, both with native formulas.

    Args:
        folder: where to write ``template-blank.xlsx`` and ``template-filled.xlsx``.
        seed: a form as JSON (``perfxl read --json`` of one form, or examples/truth/*.json).

    Returns:
        The two workbooks, blank first.
    """
    options = TemplateOptions(formulas="native")
    blank = write_template(folder / "template-blank.xlsx", options=options, force=True)
    form = Form.model_validate(json.loads(seed.read_text(encoding="utf-8")))
    filled = write_template(folder / "template-filled.xlsx", form, options=options, force=True)
    return [blank, filled]


def render(workbooks: list[Path], out: Path, work: Path) -> list[str]:
    """Print the workbooks to PDF (one soffice call) and each PDF's page to ``out/<stem>.png``.

    Args:
        workbooks: the .xlsx files (distinct stems).
        out: the folder for the PNGs.
        work: a scratch folder for the PDFs.

    Returns:
        What is wrong with the pages (not one page, not A4 portrait); empty when all is well.
    """
    out.mkdir(parents=True, exist_ok=True)
    problems = []
    for pdf in recalculate_many(workbooks, work, to="pdf"):
        info = pdf_info(pdf)
        width, _, height = info["Page size"].partition(" x ")
        portrait_a4 = round(float(width)) == 595 and round(float(height.split()[0])) == 842
        if info["Pages"] != "1" or not portrait_a4:
            problems.append(f"{pdf.stem}: {info['Pages']} 页, {info['Page size']}（应为 1 页 A4 纵向）")
        # -singlefile: the name is <stem>.png, not <stem>-1.png.
        subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-singlefile", str(pdf), str(out / pdf.stem)], check=True)
        print(f"{out / (pdf.stem + '.png')}: {info['Pages']} page(s), {info['Page size']}")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=Path, default=DEFAULT_SEED, help="the form to fill in (JSON)")
    ap.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "images", help="folder for the PNGs (default docs/images/)"
    )
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="perfxl-render-") as tmp:
        work = Path(tmp)
        problems = render(write_workbooks(work, args.seed), args.out, work / "pdf")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
