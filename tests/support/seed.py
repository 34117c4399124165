"""The seed district's 13 real forms as every test reads them: the text dump, one workbook each, and
the truth a person wrote for each (examples/truth/NN.json)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from perfxl.engine import scored
from perfxl.model import Form
from perfxl.read import read_forms
from scripts.make_examples import split_forms

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DUMP = EXAMPLES / "forms-2020.txt"
TRUTH = EXAMPLES / "truth"
XLSX = sorted((EXAMPLES / "forms").glob("[0-9][0-9]-*.xlsx"))
TEMPLATES = sorted((ROOT / "templates").glob("*.xlsx"))
N_FORMS = 13


@cache
def seed_texts() -> tuple[str, ...]:
    """Each form's text as the dump holds it, in order."""
    return tuple(split_forms(DUMP.read_text(encoding="utf-8")))


@cache
def truth(n: int) -> dict:
    """Form ``n``'s fields as a person wrote them (1-based)."""
    return json.loads((TRUTH / f"{n:02d}.json").read_text(encoding="utf-8"))


@cache
def dump_forms() -> tuple[Form, ...]:
    """The 13 forms read from the text dump (shared: copy one before changing it)."""
    return tuple(read_forms(DUMP))


def dump_form(project: str) -> Form:
    """The dump's form of a project (shared: copy it before changing it)."""
    return next(f for f in dump_forms() if f.project == project)


@cache
def xlsx_form(n: int) -> Form:
    """Form ``n`` read from its workbook (shared: copy it before changing it)."""
    forms = read_forms(XLSX[n - 1])
    assert len(forms) == 1
    return forms[0]


def scored_xlsx_forms() -> list[Form]:
    """The 13 workbooks' forms, read and scored afresh (the caller may change them)."""
    forms = [scored(form) for path in XLSX for form in read_forms(path)]
    assert len(forms) == N_FORMS
    return forms
