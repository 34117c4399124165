"""Every real form (tests/data/layouts/real) in every layout variant a real form of its family may
take (scripts/make_layout_variants.py: columns reordered, extra columns, a two-row heading, amounts
in 元, look-alike operators, an offset, labels of the other width, a 填报说明 sheet in front), read
field by field against the variant's truth.

A failure names the spec, the variant and each field that differs, with what was read and what a
person reads.
"""

import json
from pathlib import Path

import openpyxl
import pytest

from perfxl.read import read_forms
from scripts import make_layout_variants as VARIANTS
from scripts import make_layouts as LAYOUTS
from tests.support.truth import differences

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "data" / "layouts" / "real"
SPECS = sorted(REAL.glob("*.json"))


def _cases():
    """(spec stem, variant name, variant spec) for every spec; a spec the generator fails on is a case too."""
    cases = []
    for path in SPECS:
        spec = json.loads(path.read_text(encoding="utf-8"))
        try:
            made = VARIANTS.variants(spec)
        except Exception as exc:
            cases.append(pytest.param(path.stem, "(generator)", exc, id=f"{path.stem}-generator"))
            continue
        cases.extend(pytest.param(path.stem, name, variant, id=f"{path.stem}-{name}") for name, variant in made)
    return cases


CASES = _cases()


def build(spec: dict, out: Path) -> Path:
    """The variant's workbook, as make_layouts builds the real forms (a 填报说明 moved to the front)."""
    LAYOUTS.build(spec, out)
    return out


def test_every_real_spec_has_variants():
    assert SPECS, "no real specs in tests/data/layouts/real"
    for path in SPECS:
        spec = json.loads(path.read_text(encoding="utf-8"))
        names = [name for name, _ in VARIANTS.variants(spec)]
        # offset and cover-sheet apply to any form; the others to the forms they fit
        assert {"offset", "cover-sheet"} <= set(names), f"{path.stem}: variants {names}"


@pytest.mark.parametrize(("stem", "name", "variant"), CASES)
def test_variant_is_sound(stem, name, variant):
    """The generator's own output: merges inside the sheet, none overlapping, the real spec untouched."""
    if isinstance(variant, Exception):
        raise AssertionError(f"{stem}: make_layout_variants.variants failed") from variant
    rows, merges = variant["rows"], [VARIANTS.Rect.parse(m) for m in variant["merges"]]
    width = max(len(r) for r in rows)
    for i, a in enumerate(merges):
        assert a.bottom < len(rows) and a.right < width, f"{stem} / {name}: merge {a.a1()} outside the sheet"
        for b in merges[i + 1 :]:
            overlap = a.top <= b.bottom and b.top <= a.bottom and a.left <= b.right and b.left <= a.right
            assert not overlap, f"{stem} / {name}: merges {a.a1()} and {b.a1()} overlap"
        for r in range(a.top, a.bottom + 1):
            for c in range(a.left, a.right + 1):
                if (r, c) != (a.top, a.left) and c < len(rows[r]):
                    assert rows[r][c] == "", f"{stem} / {name}: text {rows[r][c]!r} hidden under merge {a.a1()}"
    original = json.loads((REAL / f"{stem}.json").read_text(encoding="utf-8"))
    assert original["rows"] != variant["rows"] or original.get("extra_sheets") != variant.get("extra_sheets"), (
        f"{stem} / {name}: the variant is the real form itself"
    )


@pytest.mark.parametrize(("stem", "name", "variant"), CASES)
def test_variant_reads_as_its_truth(stem, name, variant, tmp_path):
    if isinstance(variant, Exception):
        raise AssertionError(f"{stem}: make_layout_variants.variants failed") from variant
    forms = read_forms(build(variant, tmp_path / f"{stem}-{name}.xlsx"))
    assert len(forms) == 1, f"{stem} / {name}: {len(forms)} forms read, want 1"
    wrong = list(differences(forms[0].as_written(), variant["truth"], "truth"))
    assert not wrong, f"{stem} / {name}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("spec_path", SPECS, ids=[p.stem for p in SPECS])
def test_cover_sheet_gives_one_form(spec_path, tmp_path):
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    variant = dict(VARIANTS.variants(spec)).get("cover-sheet")
    assert variant is not None, f"{spec_path.stem}: no cover-sheet variant"
    path = build(variant, tmp_path / "cover.xlsx")
    assert openpyxl.load_workbook(path).sheetnames[0] == VARIANTS.COVER_NAME, "the 填报说明 sheet is not first"
    forms = read_forms(path)
    assert len(forms) == 1, f"{spec_path.stem} / cover-sheet: {len(forms)} forms read, want 1 (填报说明 is no form)"
