"""Real forms of other districts and years, rebuilt from what governments published, read field by
field against the truth a person read from them (tests/data/layouts/real, sources in PROVENANCE.md).

And checked: each form gives exactly the error-level findings its real faults call for
(tests/data/layouts/faults.json, with the reason for each), so a correct form gives none.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from perfxl.checker import ERROR, check_form
from perfxl.engine import scored
from perfxl.read import read_forms
from scripts import make_layouts
from tests.support.truth import differences

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "data" / "layouts" / "real"
SPECS = sorted(REAL.glob("*.json"))
FAULTS = json.loads((ROOT / "tests" / "data" / "layouts" / "faults.json").read_text(encoding="utf-8"))


def test_there_are_real_forms_of_every_family():
    families = {json.loads(p.read_text(encoding="utf-8"))["family"] for p in SPECS}
    assert families >= {1, 2, 3, 4, 5, 6, 7}


@pytest.mark.parametrize("spec_path", SPECS, ids=[p.stem for p in SPECS])
def test_real_form_reads_as_a_person_reads_it(spec_path):
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    forms = read_forms(spec_path.with_suffix(".xlsx"))
    assert len(forms) == 1, "每个工作簿一张表（说明页不算）"
    wrong = list(differences(forms[0].as_written(), spec["truth"]))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("spec_path", SPECS, ids=[p.stem for p in SPECS])
def test_real_form_errors_are_its_real_faults(spec_path):
    (form,) = read_forms(spec_path.with_suffix(".xlsx"))
    errors = sorted(f.code for f in check_form(scored(form)) if f.level == ERROR)
    assert errors == sorted(FAULTS[spec_path.stem]["errors"]), FAULTS[spec_path.stem]["why"]


@pytest.mark.parametrize("spec_path", SPECS, ids=[p.stem for p in SPECS])
def test_committed_workbook_is_the_spec_built(spec_path, tmp_path):
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    make_layouts.build(spec, tmp_path / "built.xlsx")
    built, committed = (
        openpyxl.load_workbook(tmp_path / "built.xlsx"),
        openpyxl.load_workbook(spec_path.with_suffix(".xlsx")),
    )
    assert built.sheetnames == committed.sheetnames
    for name in built.sheetnames:
        a, b = built[name], committed[name]
        assert [[c.value for c in row] for row in a.iter_rows()] == [[c.value for c in row] for row in b.iter_rows()]
        assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, b.merged_cells.ranges))


def test_every_real_form_has_its_faults_listed():
    assert sorted(FAULTS) == sorted(p.stem for p in SPECS)


def test_provenance_names_every_real_form_and_its_source():
    text = (ROOT / "tests" / "data" / "layouts" / "PROVENANCE.md").read_text(encoding="utf-8")
    for path in SPECS:
        source = json.loads(path.read_text(encoding="utf-8"))["source"]
        assert f"| {path.stem} |" in text
        assert (source.get("url") or "(the page was stored without its address)") in text
